package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/internal/gendoc"
	"gopkg.in/yaml.v3"
)

// docField is one key of the spec found by walking the Go types: its path as
// a user writes it (providers[].api), its fieldDocs key (Provider.api) and
// its Go type.
type docField struct {
	path, key string
	t         reflect.Type
	depth     int
}

// specFields walks the spec's types in declaration order, depth first: a
// key whose value holds a struct is followed by that struct's keys.
func specFields() []docField {
	var out []docField
	var walk func(t reflect.Type, prefix string, depth int)
	walk = func(t reflect.Type, prefix string, depth int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			if tag == "" || tag == "-" || f.Type == posType {
				continue
			}
			path := prefix + tag
			out = append(out, docField{path: path, key: t.Name() + "." + tag, t: f.Type, depth: depth})
			if inner, sep := nested(f.Type); inner != nil {
				walk(inner, path+sep, depth+1)
			}
		}
	}
	walk(reflect.TypeOf(Spec{}), "", 0)
	return out
}

// nested returns the struct a key's value holds (itself, as list items or as
// map values) and how its keys are written after the parent's path.
func nested(t reflect.Type) (reflect.Type, string) {
	if t == pricingType {
		return priceType, ".MODEL."
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nested(t.Elem())
	case reflect.Struct:
		if isValueType(t) {
			return nil, ""
		}
		return t, "."
	case reflect.Slice:
		if e := t.Elem(); e.Kind() == reflect.Struct && !isValueType(e) {
			return e, "[]."
		}
	case reflect.Map:
		if e := t.Elem(); e.Kind() == reflect.Struct && !isValueType(e) {
			return e, ".NAME."
		}
	}
	return nil, ""
}

// isValueType tells the types written as one YAML scalar or custom shape.
func isValueType(t reflect.Type) bool {
	switch t {
	case templateType, exprType, regexpType, durationType, commandsType, axesType, artifactsType, pricingType:
		return true
	}
	return false
}

// typeName says what a key takes, in a spec author's words.
func typeName(key string, t reflect.Type) string {
	if vals, ok := enums[key]; ok {
		return "one of: " + strings.Join(vals, ", ")
	}
	switch t {
	case templateType:
		return "template"
	case exprType:
		return "rule (expression)"
	case regexpType:
		return "regular expression"
	case durationType:
		return "duration"
	case commandsType:
		return "command or list of commands (templates)"
	case axesType:
		return "mapping: axis name → list of values"
	case artifactsType:
		return "mapping: artifact name → glob or folder (template)"
	case pricingType:
		return "mapping: model or glob → price"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(key, t.Elem())
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct:
		return "mapping"
	case reflect.Slice:
		e := t.Elem()
		if e.Kind() == reflect.Struct && !isValueType(e) {
			return "list of mappings"
		}
		return "list of " + plural(typeName("", e))
	case reflect.Map:
		return "mapping: name → " + typeName("", t.Elem())
	}
	panic(fmt.Sprintf("no type name for %s", t))
}

func plural(s string) string {
	switch {
	case strings.HasPrefix(s, "mapping"):
		return "mappings"
	case strings.HasSuffix(s, "s"):
		return s
	}
	return s + "s"
}

// fieldReference renders the generated part of docs/spec.md.
func fieldReference() string {
	var b strings.Builder
	for _, f := range specFields() {
		d := fieldDocs[f.key]
		hashes := "###"
		if f.depth > 0 {
			hashes = "####"
		}
		fmt.Fprintf(&b, "%s `%s`\n\n%s\n\n", hashes, f.path, d.Desc)
		typ := typeName(f.key, f.t)
		if p, ok := patterns[f.key]; ok {
			typ += " matching `" + p + "`"
		}
		parent, key, _ := strings.Cut(f.key, ".")
		req := ""
		for _, r := range required[parent] {
			if r == key {
				req = "; **required**"
			}
		}
		fmt.Fprintf(&b, "Type: %s%s", typ, req)
		if d.Default != "" {
			fmt.Fprintf(&b, "; default: %s", d.Default)
		}
		b.WriteString(".\n\n")
		if d.Example != "" {
			fmt.Fprintf(&b, "```yaml\n%s\n```\n\n", d.Example)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// TestFieldDocs checks that every key of the spec is documented in
// fieldDocs, that no entry documents a key that does not exist, and that
// every example is valid YAML.
func TestFieldDocs(t *testing.T) {
	keys := map[string]bool{}
	for _, f := range specFields() {
		keys[f.key] = true
		d, ok := fieldDocs[f.key]
		if !ok || strings.TrimSpace(d.Desc) == "" {
			t.Errorf("spec key %s (%s) has no description: add fieldDocs[%q] in runner/spec/fielddoc.go", f.path, f.t, f.key)
			continue
		}
		var v any
		if err := yaml.Unmarshal([]byte(d.Example), &v); err != nil {
			t.Errorf("fieldDocs[%q].Example is not YAML: %v", f.key, err)
		}
	}
	var stale []string
	for k := range fieldDocs {
		if !keys[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("fieldDocs[%q] documents a key the spec types do not have", k)
	}
}

// TestFieldDocsInSchema checks that the schema carries each key's
// description, so that editors show the same text as docs/spec.md.
func TestFieldDocsInSchema(t *testing.T) {
	s := string(SchemaJSON())
	for _, f := range specFields() {
		if d := fieldDocs[f.key].Desc; d != "" {
			want, _ := json.Marshal(fieldDescription(f.key))
			if !strings.Contains(s, string(want)) {
				t.Errorf("the schema lacks the description of %s", f.path)
			}
		}
	}
}

// TestSpecReferenceDoc keeps docs/spec.md's field reference equal to
// fieldDocs; refresh with -update.
func TestSpecReferenceDoc(t *testing.T) {
	gendoc.Check(t, "docs/spec.md", "fields", fieldReference(),
		"go test ./runner/spec -run TestSpecReferenceDoc -update", *update)
}
