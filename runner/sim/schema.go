package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Instance returns a JSON value that satisfies the JSON Schema: the answer a
// model constrained by that schema (a tool's parameters, a structured-output
// format) would give. Objects carry every declared property in the schema's
// order (strict modes require them all), arrays one item (or minItems),
// numbers and strings respect their bounds and common formats, enums and
// consts are taken as given, and $ref, allOf, anyOf and oneOf are followed.
// The instance is checked against the schema; when it fails (a pattern the
// generator cannot satisfy, say) an instance with only the required
// properties is tried, and the better of the two returned.
func Instance(schema json.RawMessage, rng *rand.Rand) json.RawMessage {
	var root any
	if len(bytes.TrimSpace(schema)) == 0 || json.Unmarshal(schema, &root) != nil {
		return json.RawMessage("{}")
	}
	g := &instGen{root: root, rng: rng, order: propertyOrders(schema)}
	out := g.emit(root, 0, 0, true)
	check := compileSchema(schema)
	if check == nil || validates(check, out) {
		return out
	}
	if min := g.emit(root, 0, 0, false); validates(check, min) {
		return min
	}
	return out
}

func compileSchema(schema json.RawMessage) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil
	}
	c := jsonschema.NewCompiler()
	if c.AddResource("sim:///schema.json", doc) != nil {
		return nil
	}
	s, err := c.Compile("sim:///schema.json")
	if err != nil {
		return nil
	}
	return s
}

func validates(s *jsonschema.Schema, v json.RawMessage) bool {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(v))
	return err == nil && s.Validate(inst) == nil
}

type instGen struct {
	root  any
	rng   *rand.Rand
	order map[string][]string // see propertyOrders
}

// propertyOrders reads, from the schema's text, the order in which each
// "properties" object names its keys (a Go map forgets it), keyed by the
// sorted names joined with NUL. Answers list properties in the schema's
// order, as OpenAI's structured outputs do.
func propertyOrders(schema []byte) map[string][]string {
	out := map[string][]string{}
	d := json.NewDecoder(bytes.NewReader(schema))
	var walk func(underProperties bool) bool
	walk = func(underProperties bool) bool {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for d.More() {
				kt, err := d.Token()
				k, ok := kt.(string)
				if err != nil || !ok {
					return false
				}
				keys = append(keys, k)
				if !walk(k == "properties" && !underProperties) {
					return false
				}
			}
			if _, err := d.Token(); err != nil {
				return false
			}
			if underProperties {
				sorted := slices.Clone(keys)
				slices.Sort(sorted)
				out[strings.Join(sorted, "\x00")] = keys
			}
		case json.Delim('['):
			for d.More() {
				if !walk(false) {
					return false
				}
			}
			if _, err := d.Token(); err != nil {
				return false
			}
		}
		return true
	}
	walk(false)
	return out
}

// maxDepth bounds recursive schemas: deeper, only what is required is made.
// maxLen and maxItems bound what a schema's minimums can ask for.
const (
	maxDepth = 8
	maxLen   = 4096
	maxItems = 256
)

// emit writes a value for schema s. full: every declared property, else only
// the required ones.
func (g *instGen) emit(s any, depth, index int, full bool) json.RawMessage {
	var b bytes.Buffer
	g.value(&b, s, depth, index, full)
	return b.Bytes()
}

func (g *instGen) value(b *bytes.Buffer, s any, depth, index int, full bool) {
	m, ok := s.(map[string]any)
	if !ok || depth > 4*maxDepth {
		// true, {} or a schema nested beyond reason: any value will do.
		if s == false {
			b.WriteString("null")
			return
		}
		b.WriteString(`"lorem"`)
		return
	}
	m = g.resolve(m, 0)
	if c, ok := m["const"]; ok {
		writeAny(b, c)
		return
	}
	if e, ok := m["enum"].([]any); ok && len(e) > 0 {
		writeAny(b, e[(index+g.rng.IntN(len(e)))%len(e)])
		return
	}
	if all, ok := m["allOf"].([]any); ok && len(all) > 0 {
		m = g.merge(m, all)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := m[k].([]any); ok && len(alts) > 0 {
			g.value(b, pickBranch(g, alts), depth+1, index, full)
			return
		}
	}
	switch schemaType(m) {
	case "object":
		g.object(b, m, depth, full)
	case "array":
		g.array(b, m, depth, full)
	case "string":
		writeAny(b, g.str(m, index))
	case "integer":
		b.WriteString(strconv.FormatInt(g.integer(m), 10))
	case "number":
		b.WriteString(strconv.FormatFloat(g.number(m), 'f', -1, 64))
	case "boolean":
		b.WriteString(strconv.FormatBool(g.rng.IntN(2) == 0))
	case "null":
		b.WriteString("null")
	default:
		b.WriteString(`"lorem"`)
	}
}

// resolve follows a local $ref ("#", "#/$defs/x", "#/definitions/x", any
// JSON pointer into the root); keys beside the $ref are kept.
func (g *instGen) resolve(m map[string]any, hops int) map[string]any {
	ref, ok := m["$ref"].(string)
	if !ok || hops > 16 || !strings.HasPrefix(ref, "#") {
		return m
	}
	var target any = g.root
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#"), "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch t := target.(type) {
		case map[string]any:
			target = t[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(t) {
				return m
			}
			target = t[i]
		default:
			return m
		}
	}
	tm, ok := target.(map[string]any)
	if !ok {
		return m
	}
	out := make(map[string]any, len(tm)+len(m))
	for k, v := range tm {
		out[k] = v
	}
	for k, v := range m {
		if k != "$ref" {
			out[k] = v
		}
	}
	return g.resolve(out, hops+1)
}

// merge folds allOf branches into one schema: properties and required are
// united, other keys taken from the first branch that has them.
func (g *instGen) merge(m map[string]any, all []any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != "allOf" {
			out[k] = v
		}
	}
	for _, br := range all {
		bm, ok := br.(map[string]any)
		if !ok {
			continue
		}
		bm = g.resolve(bm, 0)
		if sub, ok := bm["allOf"].([]any); ok {
			bm = g.merge(bm, sub)
		}
		for k, v := range bm {
			switch k {
			case "properties":
				props, _ := out[k].(map[string]any)
				merged := make(map[string]any, len(props))
				for pk, pv := range props {
					merged[pk] = pv
				}
				if bp, ok := v.(map[string]any); ok {
					for pk, pv := range bp {
						if _, dup := merged[pk]; !dup {
							merged[pk] = pv
						}
					}
				}
				out[k] = merged
			case "required":
				r, _ := out[k].([]any)
				if br, ok := v.([]any); ok {
					out[k] = append(append([]any{}, r...), br...)
				}
			default:
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
		}
	}
	return out
}

// pickBranch prefers a branch that is not just null, so that optional values
// are present.
func pickBranch(g *instGen, alts []any) any {
	for _, a := range alts {
		if am, ok := a.(map[string]any); ok && schemaType(g.resolve(am, 0)) == "null" {
			continue
		}
		return a
	}
	return alts[0]
}

// schemaType is the type to generate: the first non-null of "type", else
// what the keywords imply.
func schemaType(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return strings.ToLower(t)
	case []any:
		var first string
		for _, e := range t {
			if s, ok := e.(string); ok {
				if first == "" {
					first = s
				}
				if s != "null" {
					return strings.ToLower(s)
				}
			}
		}
		if first != "" {
			return first
		}
	}
	switch {
	case m["properties"] != nil || m["required"] != nil || m["additionalProperties"] != nil:
		return "object"
	case m["items"] != nil || m["prefixItems"] != nil:
		return "array"
	case m["minimum"] != nil || m["maximum"] != nil:
		return "number"
	case m["minLength"] != nil || m["maxLength"] != nil || m["pattern"] != nil || m["format"] != nil:
		return "string"
	}
	return ""
}

// propertyOrder is the order to write an object's keys: Gemini's
// propertyOrdering when given, else the order the schema's text lists them
// in, else sorted.
func (g *instGen) propertyOrder(m map[string]any, props map[string]any) []string {
	var keys []string
	seen := map[string]bool{}
	po, ok := m["propertyOrdering"].([]any)
	if !ok {
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range g.order[strings.Join(names, "\x00")] {
			po = append(po, k)
		}
	}
	if len(po) > 0 {
		for _, k := range po {
			if s, ok := k.(string); ok && props[s] != nil && !seen[s] {
				keys = append(keys, s)
				seen[s] = true
			}
		}
	}
	rest := make([]string, 0, len(props))
	for k := range props {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

func (g *instGen) object(b *bytes.Buffer, m map[string]any, depth int, full bool) {
	props, _ := m["properties"].(map[string]any)
	required := map[string]bool{}
	var reqOrder []string
	if r, ok := m["required"].([]any); ok {
		for _, k := range r {
			if s, ok := k.(string); ok && !required[s] {
				required[s] = true
				reqOrder = append(reqOrder, s)
			}
		}
	}
	b.WriteByte('{')
	n := 0
	write := func(k string, s any) {
		if n > 0 {
			b.WriteByte(',')
		}
		writeAny(b, k)
		b.WriteByte(':')
		g.value(b, s, depth+1, n, full)
		n++
	}
	written := map[string]bool{}
	for _, k := range g.propertyOrder(m, props) {
		if required[k] || (full && depth < maxDepth) {
			write(k, props[k])
			written[k] = true
		}
	}
	// Required names the properties do not describe take what
	// additionalProperties allows.
	extra := m["additionalProperties"]
	if extra == nil {
		extra = true
	}
	for _, k := range reqOrder {
		if !written[k] {
			write(k, extra)
			written[k] = true
		}
	}
	if minP, ok := num(m["minProperties"]); ok && extra != false {
		for i := 0; float64(n) < minP && i < 64; i++ {
			k := "key" + strconv.Itoa(i+1)
			if !written[k] {
				write(k, extra)
				written[k] = true
			}
		}
	}
	b.WriteByte('}')
}

func (g *instGen) array(b *bytes.Buffer, m map[string]any, depth int, full bool) {
	prefix, _ := m["prefixItems"].([]any)
	items := m["items"]
	if arr, ok := items.([]any); ok { // draft-07 tuple form
		prefix, items = arr, m["additionalItems"]
	}
	count := len(prefix)
	if items != nil && items != false && full && depth < maxDepth {
		count = max(count, 1)
	}
	if lo, ok := num(m["minItems"]); ok {
		count = max(count, int(math.Ceil(min(lo, maxItems))))
	}
	if hi, ok := num(m["maxItems"]); ok {
		count = min(count, int(hi))
	}
	b.WriteByte('[')
	for i := 0; i < count; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		s := items
		if i < len(prefix) {
			s = prefix[i]
		} else if s == nil {
			s = true
		}
		g.value(b, s, depth+1, i, full)
	}
	b.WriteByte(']')
}

func (g *instGen) str(m map[string]any, index int) string {
	var s string
	switch f, _ := m["format"].(string); f {
	case "date-time":
		s = "2025-01-0" + strconv.Itoa(1+index%9) + "T12:00:00Z"
	case "date":
		s = "2025-01-0" + strconv.Itoa(1+index%9)
	case "time":
		s = "12:00:00Z"
	case "duration":
		s = "PT1H"
	case "email", "idn-email":
		s = "user" + strconv.Itoa(index+1) + "@example.com"
	case "uri", "url", "iri", "uri-reference", "iri-reference":
		s = "https://example.com/" + strconv.Itoa(index+1)
	case "hostname", "idn-hostname":
		s = "example.com"
	case "ipv4":
		s = "192.0.2." + strconv.Itoa(1+index%250)
	case "ipv6":
		s = "2001:db8::" + strconv.Itoa(1+index%9)
	case "uuid":
		s = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", g.rng.Uint32(), g.rng.IntN(1<<16), g.rng.IntN(1<<12), g.rng.IntN(1<<12), g.rng.Uint64()&(1<<48-1))
	default:
		words := make([]string, 2+g.rng.IntN(3))
		for i := range words {
			words[i] = lorem[g.rng.IntN(len(lorem))]
		}
		s = strings.Join(words, " ")
	}
	if lo, ok := num(m["minLength"]); ok {
		lo = min(lo, maxLen)
		for float64(len([]rune(s))) < lo {
			s += " " + lorem[g.rng.IntN(len(lorem))]
		}
	}
	if hi, ok := num(m["maxLength"]); ok && hi >= 0 && float64(len([]rune(s))) > hi {
		s = strings.TrimRight(string([]rune(s)[:int(hi)]), " ")
		if lo, ok := num(m["minLength"]); ok {
			for float64(len([]rune(s))) < min(lo, hi) {
				s += "a"
			}
		}
	}
	if p, ok := m["pattern"].(string); ok {
		if re, err := regexp.Compile(p); err == nil && !re.MatchString(s) {
			for _, c := range []string{"a", "A", "0", "abc", "ABC", "123", "a1", "example", "user@example.com", "https://example.com", "2025-01-01", ""} {
				if re.MatchString(c) {
					return c
				}
			}
		}
	}
	return s
}

func (g *instGen) bounds(m map[string]any, step float64) (lo, hi float64, hasLo, hasHi bool) {
	lo, hasLo = num(m["minimum"])
	if x, ok := num(m["exclusiveMinimum"]); ok && (!hasLo || x+step > lo) {
		lo, hasLo = x+step, true
	}
	hi, hasHi = num(m["maximum"])
	if x, ok := num(m["exclusiveMaximum"]); ok && (!hasHi || x-step < hi) {
		hi, hasHi = x-step, true
	}
	return
}

func (g *instGen) integer(m map[string]any) int64 {
	lo, hi, hasLo, hasHi := g.bounds(m, 1)
	lo, hi = math.Ceil(lo), math.Floor(hi)
	var v float64
	switch {
	case hasLo && hasHi && hi < lo: // unsatisfiable: the bound the schema names first
		v = lo
	case hasLo && hasHi:
		v = lo + float64(g.rng.Int64N(int64(min(hi-lo, 1e6))+1))
	case hasLo:
		v = lo + float64(g.rng.IntN(10))
	case hasHi:
		v = math.Min(hi, float64(1+g.rng.IntN(10)))
	default:
		v = float64(1 + g.rng.IntN(100))
	}
	if mul, ok := num(m["multipleOf"]); ok && mul >= 1 {
		mul = math.Round(mul)
		v = math.Ceil(v/mul) * mul
		if hasHi && v > hi {
			v -= mul
		}
	}
	return int64(v)
}

func (g *instGen) number(m map[string]any) float64 {
	lo, hi, hasLo, hasHi := g.bounds(m, 0.01)
	var v float64
	switch {
	case hasLo && hasHi:
		v = lo + g.rng.Float64()*(hi-lo)
	case hasLo:
		v = lo + g.rng.Float64()*10
	case hasHi:
		v = hi - g.rng.Float64()*10
	default:
		v = g.rng.Float64() * 100
	}
	v = math.Round(v*100) / 100
	if hasLo && v < lo {
		v = lo
	}
	if hasHi && v > hi {
		v = hi
	}
	if mul, ok := num(m["multipleOf"]); ok && mul > 0 {
		v = math.Ceil(v/mul) * mul
		if hasHi && v > hi {
			v -= mul
		}
	}
	return v
}

// num reads a numeric keyword; Gemini's proto JSON writes int64 as strings.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func writeAny(b *bytes.Buffer, v any) {
	j, err := json.Marshal(v)
	if err != nil {
		b.WriteString("null")
		return
	}
	b.Write(j)
}
