package rules

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// What the environment's types (rules.go) say about themselves, read once
// by reflection: the words error messages use for each type, the unit of
// each path, and the paths of its metrics.

var (
	envType    = reflect.TypeFor[Env]()
	statType   = reflect.TypeFor[Stat]()
	changeType = reflect.TypeFor[Change]()
)

// words names each environment type as a user writes it, with its fields:
// "total (time, tokens, ...)", keyed by the Go type name expr's errors use.
var words = map[string]string{}

func init() {
	describe(envType, "the rule environment")
}

// describe records the words of t, reached at the path name, and of the
// types of its fields.
func describe(t reflect.Type, name string) {
	switch t {
	case statType:
		name = "a statistic"
	case changeType:
		name = "a change"
	}
	if _, done := words[t.String()]; done {
		return
	}
	var fields []string
	for f := range t.Fields() {
		tag := f.Tag.Get("expr")
		if tag == "" {
			continue
		}
		ft := f.Type
		path := join(name, tag)
		if ft.Kind() == reflect.Func {
			fields = append(fields, tag+"()")
			ft, path = ft.Out(0), path+"(...)"
		} else {
			fields = append(fields, tag)
		}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			describe(ft, path)
		}
	}
	w := fmt.Sprintf("%s (%s)", name, strings.Join(fields, ", "))
	words[t.String()] = w
	words["*"+t.String()] = w
}

func join(prefix, name string) string {
	if prefix == "the rule environment" || prefix == "" {
		return name
	}
	return prefix + "." + name
}

var noFieldRE = regexp.MustCompile(`^type (\S+) has no field (\S+)`)

var mismatchRE = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (\S+) and (\S+)\)`)

// typeWords names an expr type as the spec author sees it.
func typeWords(t string) string {
	switch t {
	case "int", "float64", "int64":
		return "a number"
	case "string":
		return "text"
	case "bool":
		return "true/false"
	}
	if what, ok := words[t]; ok {
		return what
	}
	return t
}

// mismatchHint says how to turn the non-number side into a number.
func mismatchHint(a, b string) string {
	for _, t := range []string{a, b} {
		switch strings.TrimPrefix(t, "*") {
		case statType.String():
			return ": pick one value of the statistic, e.g. total.time.mean < 300"
		case reflect.TypeFor[Phase[Stat]]().String(), reflect.TypeFor[Phase[Change]]().String():
			return `: pick a measure and a value, e.g. phase("Name").time.mean < 60`
		case changeType.String():
			return ": pick a value of the change, e.g. delta.total.time.pct < 10"
		case reflect.TypeFor[Totals[Stat]]().String():
			return ": pick a measure and a value, e.g. total.tokens.mean < 30000"
		}
	}
	return ""
}

// A step is one segment of a path: a field, or a call with its argument.
type step struct {
	name string
	arg  *string // phase("X"): X; nil for a field
}

// steps splits a path as rules write it: `phase("A b").time.mean`.
func steps(path string) ([]step, bool) {
	var out []step
	for path != "" {
		i := strings.IndexAny(path, ".(")
		if i < 0 {
			out = append(out, step{name: path})
			break
		}
		st := step{name: path[:i]}
		if path[i] == '(' {
			rest := path[i+1:]
			q, err := strconv.QuotedPrefix(rest)
			if err != nil || !strings.HasPrefix(rest[len(q):], ")") {
				return nil, false
			}
			arg, _ := strconv.Unquote(q)
			st.arg = &arg
			path = rest[len(q)+1:]
			path = strings.TrimPrefix(path, ".")
		} else {
			path = path[i+1:]
		}
		out = append(out, st)
	}
	return out, len(out) > 0
}

// field finds the field of struct type t that rules name name.
func field(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if f.Tag.Get("expr") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// UnitOf tells the unit of the value at a path of the environment, as the
// environment declares it: "s", "USD", "tokens", "MB", "%" or "" (a count,
// a score, or not a path). `total.time.mean` is in s, `delta.cost.pct` in %.
func UnitOf(path string) string {
	sts, ok := steps(strings.TrimSpace(path))
	if !ok {
		return ""
	}
	t, unit := envType, ""
	for _, st := range sts {
		if t.Kind() != reflect.Struct {
			return ""
		}
		f, ok := field(t, st.name)
		if !ok {
			return ""
		}
		switch u := f.Tag.Get("unit"); u {
		case "":
		case "-":
			unit = ""
		default:
			unit = u
		}
		ft := f.Type
		if ft.Kind() == reflect.Func {
			if st.arg == nil {
				return ""
			}
			ft = ft.Out(0)
		}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		t = ft
	}
	return unit
}

// unitOfNode is the unit of an expression: of a path, or of arithmetic on
// values of one unit (a sum of seconds, tokens times a number).
func unitOfNode(n ast.Node) string {
	switch n := n.(type) {
	case *ast.IdentifierNode, *ast.MemberNode, *ast.CallNode:
		return UnitOf(n.String())
	case *ast.UnaryNode:
		if n.Operator == "-" || n.Operator == "+" {
			return unitOfNode(n.Node)
		}
	case *ast.BinaryNode:
		l, r := unitOfNode(n.Left), unitOfNode(n.Right)
		switch n.Operator {
		case "+", "-":
			if l == r {
				return l
			}
		case "*":
			if isNumber(n.Left) {
				return r
			}
			if isNumber(n.Right) {
				return l
			}
		case "/":
			if isNumber(n.Right) {
				return l
			}
		}
	}
	return ""
}

func isNumber(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return true
	}
	return false
}

// Fill sets every *S field of the struct v points to, and of the structs
// it holds, to get(path), path as a rule reads it from there: Fill(&env,
// get) asks for "total.time", "cost", ...; Fill(&phase, get) for "time",
// "tokens", ...
func Fill[S any](v any, get func(path string) *S) {
	fill(reflect.ValueOf(v).Elem(), "", reflect.TypeFor[*S](), func(path string) reflect.Value {
		return reflect.ValueOf(get(path))
	})
}

func fill(v reflect.Value, prefix string, leaf reflect.Type, get func(string) reflect.Value) {
	for f := range v.Type().Fields() {
		tag := f.Tag.Get("expr")
		if tag == "" {
			continue
		}
		switch {
		case f.Type == leaf:
			v.FieldByIndex(f.Index).Set(get(prefix + tag))
		case f.Type.Kind() == reflect.Struct:
			fill(v.FieldByIndex(f.Index), prefix+tag+".", leaf, get)
		}
	}
}

// Paths lists the paths of the *S fields of T and the structs it holds,
// in declaration order, as Fill asks for them.
func Paths[T, S any]() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	leaf := reflect.TypeFor[*S]()
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			tag := f.Tag.Get("expr")
			switch {
			case tag == "":
			case f.Type == leaf:
				out = append(out, prefix+tag)
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, prefix+tag+".")
			}
		}
	}
	walk(reflect.TypeFor[T](), "")
	return out
}

// Missing returns the path of the first value prog reads that env lacks
// (a statistic no successful run measured, a phase no run entered, a
// change with no baseline), or "": a rule that reads a missing value is
// N/A, decided before it is evaluated (whatever its || and && would skip).
// A value compared with nil (metric("q") != nil) or read with ?. is not
// missing.
func Missing(prog *vm.Program, env Env) string {
	m := &missing{env: reflect.ValueOf(env)}
	root := prog.Node()
	ast.Walk(&root, m)
	return m.path
}

type missing struct {
	env  reflect.Value
	path string
}

func (m *missing) Visit(node *ast.Node) {
	if m.path != "" {
		return
	}
	if mn, ok := (*node).(*ast.MemberNode); ok {
		if _, _, miss, ok := m.resolve(mn); ok && miss != "" {
			m.path = miss
		}
	}
}

// resolve evaluates a chain of names, fields and calls on the environment:
// its value and path, or the path of the nil value it would dereference
// (miss). ok is false for what is not such a chain (a map's key, a
// closure's variable, a call with a computed argument).
func (m *missing) resolve(n ast.Node) (v reflect.Value, path, miss string, ok bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		f, found := field(envType, n.Value)
		if !found {
			return v, "", "", false
		}
		return m.env.FieldByIndex(f.Index), n.Value, "", true
	case *ast.MemberNode:
		base, bpath, bmiss, ok := m.resolve(n.Node)
		if !ok || bmiss != "" {
			return v, "", bmiss, ok
		}
		if base.Kind() == reflect.Pointer {
			if base.IsNil() {
				if n.Optional {
					return v, "", "", false
				}
				return v, "", bpath, true
			}
			base = base.Elem()
		}
		prop, isName := n.Property.(*ast.StringNode)
		if base.Kind() != reflect.Struct || !isName {
			return v, "", "", false
		}
		f, found := field(base.Type(), prop.Value)
		if !found {
			return v, "", "", false
		}
		if st, isStat := base.Interface().(Stat); isStat && f.Name == "Stddev" && st.N < 2 {
			return v, "", bpath + "." + prop.Value, true // one run has no spread
		}
		return base.FieldByIndex(f.Index), bpath + "." + prop.Value, "", true
	case *ast.CallNode:
		if len(n.Arguments) != 1 {
			return v, "", "", false
		}
		arg, isText := n.Arguments[0].(*ast.StringNode)
		if !isText {
			return v, "", "", false
		}
		fn, fpath, fmiss, ok := m.resolve(n.Callee)
		if !ok || fmiss != "" {
			return v, "", fmiss, ok
		}
		if fn.Kind() != reflect.Func || fn.IsNil() {
			return v, "", "", false
		}
		out := fn.Call([]reflect.Value{reflect.ValueOf(arg.Value)})[0]
		return out, fmt.Sprintf("%s(%q)", fpath, arg.Value), "", true
	}
	return v, "", "", false
}

// A MetricDoc is one metric of the environment as the user reads about it.
type MetricDoc struct {
	Path string // "total.time", `phase("NAME").ttft`, `artifact("NAME").mb`
	Unit string
	Help string
}

// Reference lists every metric the environment declares, in declaration
// order: the whole-run ones, then those of phase("NAME") and
// artifact("NAME"), then metric("NAME").
func Reference() []MetricDoc {
	var out []MetricDoc
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			tag := f.Tag.Get("expr")
			ft := f.Type
			path := prefix + tag
			if ft.Kind() == reflect.Func {
				ft, path = ft.Out(0), path+`("NAME")`
			}
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case tag == "" || ft == changeType || t == envType && (tag == "delta" || tag == "history"): // both mirror the metrics above
			case ft == statType:
				out = append(out, MetricDoc{Path: path, Unit: UnitOf(strings.ReplaceAll(path, `"NAME"`, `"x"`) + ".mean"), Help: f.Tag.Get("help")})
			case ft.Kind() == reflect.Struct:
				walk(ft, path+".")
			}
		}
	}
	walk(envType, "")
	return out
}
