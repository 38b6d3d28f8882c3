package output

import (
	"fmt"
	"reflect"
	"text/template"
	"text/template/parse"

	"github.com/runner-bench/runner/runner/internal/tmplwalk"
)

// checkReportNames follows every field a report template names, in every
// branch, through the Go types of the report data: a rendering of a sample
// only enters the branches the sample takes, so a misspelt field under
// {{ if .Replayed }} or in {{ range .Skipped }} would fail only the report
// of a replay, or of a benchmark with a skipped cell, after its runs.
func checkReportNames(t *template.Template, root reflect.Type) error {
	if t == nil || t.Tree == nil {
		return nil
	}
	tree := t.Tree
	var bad error
	// resolve follows names from a value of type typ; nil typ: unknown, not checked.
	resolve := func(n parse.Node, typ reflect.Type, names []string, shown string) reflect.Type {
		for _, name := range names {
			if typ == nil || bad != nil {
				return nil
			}
			next, ok := fieldOf(typ, name)
			if !ok {
				loc, _ := tree.ErrorContext(n)
				bad = fmt.Errorf("template: %s: executing %q at <%s>: can't evaluate field %s in type %s", loc, tree.Name, shown, name, typ)
				return nil
			}
			typ = next
		}
		return typ
	}
	var typeOf func(n parse.Node, dot reflect.Type) reflect.Type
	typeOf = func(n parse.Node, dot reflect.Type) reflect.Type {
		switch n := n.(type) {
		case *parse.FieldNode:
			return resolve(n, dot, n.Ident, n.String())
		case *parse.VariableNode:
			if n.Ident[0] == "$" {
				return resolve(n, root, n.Ident[1:], n.String())
			}
		case *parse.DotNode:
			return dot
		case *parse.PipeNode:
			var last reflect.Type
			for _, c := range n.Cmds {
				last = nil
				for i, a := range c.Args {
					tt := typeOf(a, dot)
					if i == 0 && len(c.Args) == 1 {
						last = tt
					} else if i == 0 {
						if _, isField := a.(*parse.FieldNode); isField {
							last = tt // a method called with arguments
						}
					}
				}
			}
			if len(n.Cmds) != 1 {
				return nil // a function's result: its type is not followed
			}
			return last
		}
		return nil
	}
	tmplwalk.Walk(tree.Root, root, func(p *parse.PipeNode, dot reflect.Type) reflect.Type { return typeOf(p, dot) }, elemOf)
	return bad
}

// fieldOf is the type of .name on a value of type t, as text/template finds
// it: a method (of the value or its pointer), a struct field (promoted ones
// too), or any key of a map. ok false: no such name. A nil type: unknown.
func fieldOf(t reflect.Type, name string) (reflect.Type, bool) {
	if t.Kind() == reflect.Interface {
		return nil, true
	}
	for _, mt := range []reflect.Type{t, reflect.PointerTo(t)} {
		if m, ok := mt.MethodByName(name); ok {
			if m.Type.NumOut() == 0 {
				return nil, true
			}
			return m.Type.Out(0), true
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() {
			return nil, false
		}
		return f.Type, true
	case reflect.Map:
		return t.Elem(), true
	case reflect.Interface:
		return nil, true
	}
	return nil, false
}

// elemOf is the type of dot inside {{ range }} over a value of type t.
func elemOf(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan:
		return t.Elem()
	case reflect.Int:
		return t
	}
	return nil
}
