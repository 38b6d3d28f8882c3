package spec

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/rules"
	"gopkg.in/yaml.v3"
)

// Error is one problem in a spec, at a position.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors are all the problems found in one spec, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// decoder walks a yaml.Node tree into Go values, collecting every error with
// its position instead of stopping at the first.
type decoder struct {
	file  string
	src   []byte // the file as written, for positions inside values
	errs  Errors
	nodes map[string]*yaml.Node // field path -> its value node, for later checks
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// unmarshaler is implemented by spec types with a custom YAML form.
type unmarshaler interface {
	decodeYAML(d *decoder, n *yaml.Node, field string)
}

var (
	posType      = reflect.TypeOf(Pos{})
	durationType = reflect.TypeOf(Duration(0))
)

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// decode fills v from n; field names the value in messages ("providers[1].api").
func (d *decoder) decode(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.nodes[field] = n
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && v.Kind() != reflect.Pointer {
		return // `key:` with no value keeps the default
	}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(unmarshaler); ok {
			u.decodeYAML(d, n, field)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Tag == "!!null" {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), field)
	case reflect.Struct:
		d.decodeStruct(n, v, field)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "%s: expected a list, got %s", field, kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", field, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, "%s: expected a mapping, got %s", field, kindName(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, elem, join(field, k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, "%s: expected a string, got %s", field, kindName(n))
			return
		}
		v.SetString(n.Value) // kept, so no "required" follows the error below
		if strings.Contains(n.Value, "{{") {
			// Only the template fields are rendered: elsewhere {{ ... }} would
			// be taken as written, a URL or a name with braces in it.
			d.errorf(n, "%s: is not a template, so {{ ... }} would stay as written; templates are command, setup, prepare, cleanup, env, artifacts, output and judge (docs/templates.md)", field)
		}
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.errorf(n, "%s: expected true or false, got %s", field, kindName(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		if v.Type() == durationType {
			d.decodeDuration(n, v, field)
			return
		}
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.errorf(n, "%s: expected a whole number, got %s", field, kindName(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.errorf(n, "%s: expected a number, got %s", field, kindName(n))
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("spec: no decoder for %s", v.Type()))
	}
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "0" {
			v.SetInt(0)
			return
		}
		if dur, err := time.ParseDuration(n.Value); err == nil && dur >= 0 {
			v.SetInt(int64(dur))
			return
		}
	}
	d.errorf(n, "%s: expected a duration such as \"5s\" or \"10m\", got %s", field, kindName(n))
}

// decodeStruct decodes a mapping into a struct by yaml tags; unknown keys are
// errors that list the keys allowed.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping, got %s", field, kindName(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type == posType {
			v.Field(i).Set(reflect.ValueOf(Pos{n.Line, n.Column}))
			continue
		}
		if tag := f.Tag.Get("yaml"); tag != "" && tag != "-" {
			fields[tag] = i
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		idx, ok := fields[k.Value]
		if !ok {
			if near := closest(k.Value, slices.Sorted(maps.Keys(fields))); near != "" {
				d.errorf(k, "%s: unknown field %q; did you mean %q?", join(field, k.Value), k.Value, near)
			} else {
				d.errorf(k, "%s: unknown field %q; expected one of: %s", join(field, k.Value), k.Value, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
			}
			continue
		}
		d.decode(val, v.Field(idx), join(field, k.Value))
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// Custom forms.

func (t *Template) decodeYAML(d *decoder, n *yaml.Node, field string) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: expected a string, got %s", field, kindName(n))
		return
	}
	if err := t.parse(field, n.Value, Pos{n.Line, n.Column}); err != nil {
		d.errorf(n, "%v", err)
	}
	t.File, t.src = d.file, d.src
}

// decodeYAML of replay also takes the folder alone: `replay: cassettes/`.
func (r *Replay) decodeYAML(d *decoder, n *yaml.Node, field string) {
	if n.Kind == yaml.ScalarNode {
		r.Pos = Pos{n.Line, n.Column}
		r.Dir = n.Value
		return
	}
	d.decodeStruct(n, reflect.ValueOf(r).Elem(), field)
}

// decodeYAML of a command list also takes one string: `setup: "make"`.
func (c *Commands) decodeYAML(d *decoder, n *yaml.Node, field string) {
	if n.Kind == yaml.ScalarNode {
		var t Template
		t.decodeYAML(d, n, field)
		*c = Commands{t}
		return
	}
	var ts []Template
	d.decode(n, reflect.ValueOf(&ts).Elem(), field)
	*c = ts
}

// ordered walks a mapping whose order matters (matrix axes, artifacts,
// prices) key by key; what names its entries in the error for a non-mapping.
func (d *decoder) ordered(n *yaml.Node, field, what string, each func(key string, val *yaml.Node, field string)) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping of %s, got %s", field, what, kindName(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		each(k.Value, val, join(field, k.Value))
	}
}

func (a *Axes) decodeYAML(d *decoder, n *yaml.Node, field string) {
	d.ordered(n, field, "axis name to a list of values", func(key string, val *yaml.Node, field string) {
		if val.Kind != yaml.SequenceNode {
			d.errorf(val, "%s: expected a list of values, got %s", field, kindName(val))
			return
		}
		var values []string
		d.decode(val, reflect.ValueOf(&values).Elem(), field)
		*a = append(*a, Axis{Name: key, Values: values})
	})
}

func (r *Regexp) decodeYAML(d *decoder, n *yaml.Node, field string) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: expected a regular expression, got %s", field, kindName(n))
		return
	}
	re, err := regexp.Compile(n.Value)
	if err != nil {
		d.errorf(n, "%s: bad regular expression: %v", field, err)
		return
	}
	r.Regexp, r.Pos = re, Pos{n.Line, n.Column}
}

func (as *Artifacts) decodeYAML(d *decoder, n *yaml.Node, field string) {
	d.ordered(n, field, "artifact name to a glob or folder", func(key string, val *yaml.Node, field string) {
		a := Artifact{Name: key}
		if val.Kind == yaml.MappingNode { // the long form: { path: ..., unit: KB }
			for i := 0; i+1 < len(val.Content); i += 2 {
				k, v := val.Content[i], val.Content[i+1]
				switch k.Value {
				case "path":
					a.Path.decodeYAML(d, v, field+".path")
				case "unit":
					if v.Kind != yaml.ScalarNode || !slices.Contains(ArtifactUnits, v.Value) {
						d.errorf(v, "%s.unit: expected one of %s, got %s", field, strings.Join(ArtifactUnits, ", "), kindName(v))
					}
					a.Unit = v.Value
				default:
					if near := closest(k.Value, []string{"path", "unit"}); near != "" {
						d.errorf(k, "%s: unknown field %q; did you mean %q?", join(field, k.Value), k.Value, near)
					} else {
						d.errorf(k, "%s: unknown field %q; expected one of: path, unit", join(field, k.Value), k.Value)
					}
				}
			}
			if a.Path.Source == "" && a.Path.Empty() {
				d.errorf(val, "%s: needs a path (a glob or folder)", field)
			}
		} else {
			a.Path.decodeYAML(d, val, field)
		}
		*as = append(*as, a)
	})
}

func (p *Pricing) decodeYAML(d *decoder, n *yaml.Node, field string) {
	d.ordered(n, field, "model (or glob) to prices", func(key string, val *yaml.Node, field string) {
		e := PriceEntry{Pattern: key, Source: PriceFromSpec}
		d.decode(val, reflect.ValueOf(&e.Price).Elem(), field)
		*p = append(*p, e)
	})
}

func (e *Expr) decodeYAML(d *decoder, n *yaml.Node, field string) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: expected an expression, got %s", field, kindName(n))
		return
	}
	e.Source, e.Pos = n.Value, Pos{n.Line, n.Column}
}

// closest returns the candidate within two edits of s, if any.
func closest(s string, candidates []string) string { return rules.Closest(s, candidates) }

// Closest returns the candidate nearest to s within two edits, or "" when
// none is that near: the "did you mean" of every name the user typed.
func Closest(s string, candidates []string) string { return closest(s, candidates) }
