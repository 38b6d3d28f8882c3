package spec

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/Masterminds/sprig/v3"

	"github.com/runner-bench/runner/runner/internal/tmplwalk"
)

// Template is a text/template (with sprig) written in the spec.
type Template struct {
	Source string
	File   string // the spec file it came from, for messages
	Field  string // the spec field it came from, for messages
	Pos
	src []byte // the spec file's text, to place an error inside the template
	t   *template.Template
	// text is what a template without actions renders to ("true",
	// "python agent.py"): such a one needs neither data nor execution.
	text   string
	static bool
}

func (t *Template) parse(field, src string, pos Pos) error {
	t.Source, t.Field, t.Pos = src, field, pos
	tt, err := template.New(field).Funcs(sprig.TxtFuncMap()).Option("missingkey=error").Parse(src)
	if err != nil {
		return fmt.Errorf("%s: bad template: %s", field, cleanTemplateError(err))
	}
	t.t = tt
	t.text, t.static = staticText(tt)
	return nil
}

// staticText is the text of a template made of text alone.
func staticText(tt *template.Template) (string, bool) {
	if tt.Tree == nil || tt.Root == nil || len(tt.Templates()) > 1 { // {{define}} adds templates
		return "", false
	}
	var b strings.Builder
	for _, n := range tt.Root.Nodes {
		text, ok := n.(*parse.TextNode)
		if !ok {
			return "", false
		}
		b.Write(text.Text)
	}
	return b.String(), true
}

// Static reports whether the template is text alone: it renders to the
// same string whatever the data (so a caller may skip building the data).
func (t *Template) Static() bool { return t.t == nil || t.static }

// Empty reports whether no template was written.
func (t *Template) Empty() bool { return t.t == nil }

// Blank reports whether no template, or only white space, was written: a
// required command given as "" is as missing as one not given.
func (t *Template) Blank() bool { return t.t == nil || strings.TrimSpace(t.Source) == "" }

// Render executes the template. Errors name the spec file, the line and
// column of the failing name, and the field; a name that is not there gets
// a "did you mean" and the names that are.
func (t *Template) Render(data any) (string, error) {
	if t.t == nil {
		return "", nil
	}
	if t.static {
		return t.text, nil
	}
	var b strings.Builder
	if err := t.t.Execute(&b, data); err != nil {
		msg, at := explainExecError(err, data, wide(t.Field))
		if t.Line == 0 { // a default, not written in the spec
			return "", fmt.Errorf("%s: %s", t.Field, msg)
		}
		line, col := t.locate(at)
		return "", fmt.Errorf("%s:%d:%d: %s: %s", t.File, line, col, t.Field, msg)
	}
	return b.String(), nil
}

// locate finds the text at (such as ".modle") in the spec file at or after
// the template's own position, so the error points at the name itself.
func (t *Template) locate(at string) (line, col int) {
	if at == "" || t.src == nil {
		return t.Line, t.Col
	}
	lines := bytes.SplitAfter(t.src, []byte("\n"))
	start := 0
	for i := 0; i < t.Line-1 && i < len(lines); i++ {
		start += len(lines[i])
	}
	start += t.Col - 1
	if start < 0 || start > len(t.src) {
		return t.Line, t.Col
	}
	i := bytes.Index(t.src[start:], []byte(at))
	if i < 0 || i > 4*len(t.Source)+256 { // not within this value
		return t.Line, t.Col
	}
	before := t.src[:start+i]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

var (
	templatePrefix = regexp.MustCompile(`^template: [^:]+:\d+(:\d+)?: (executing "[^"]*" at )?`)
	execAtRE       = regexp.MustCompile(`^template: [^:]+:\d+:\d+: executing "[^"]*" at <([^>]*)>: (.*)$`)
	noEntryRE      = regexp.MustCompile(`^map has no entry for key "(.*)"$`)
	fieldChainRE   = regexp.MustCompile(`^(\.[A-Za-z_][A-Za-z0-9_]*)+$`)
)

func cleanTemplateError(err error) string {
	return templatePrefix.ReplaceAllString(err.Error(), "")
}

// explainExecError rewrites a missing-name error in the user's terms and
// returns the failing name chain (".vars.csv") for locating it.
func explainExecError(err error, data any, benchmarkWide bool) (msg, at string) {
	m := execAtRE.FindStringSubmatch(err.Error())
	if m == nil {
		return cleanTemplateError(err), ""
	}
	at, why := m[1], m[2]
	chain := strings.TrimPrefix(at, "$") // $.spec.name: from the top, as .spec.name
	k := noEntryRE.FindStringSubmatch(why)
	if k == nil || !fieldChainRE.MatchString(chain) {
		return fmt.Sprintf("{{ %s }}: %s", at, why), at
	}
	path := strings.Split(chain[1:], ".")
	// The missing key may be above the last name: .env.HOME where the
	// template sees no .env at all (output) is not an unset variable.
	if i := slices.Index(path, k[1]); i >= 0 && i < len(path)-1 {
		path = path[:i+1]
	}
	if len(path) == 2 && path[0] == "env" && benchmarkWide {
		return fmt.Sprintf("{{ %s }}: environment variable %s is not set; this template runs once for the whole benchmark, outside any cell, so a provider's requires.env does not cover it: set the variable, or read it with {{ env %q }} (empty when unset)", at, path[1], path[1]), at
	}
	if len(path) == 2 && path[0] == "env" {
		return fmt.Sprintf("{{ %s }}: environment variable %s is not set; set it, or list it in the provider's requires.env (a cell whose variable is unset is then skipped, and a dry run renders it empty)", at, path[1]), at
	}
	return missingName(path, data), at
}

// wide reports whether a field's template is rendered once per benchmark
// (setup, cleanup, output), not per cell.
func wide(field string) bool {
	for _, f := range []string{"setup", "cleanup", "output"} {
		if field == f || strings.HasPrefix(field, f+"[") {
			return true
		}
	}
	return false
}

// missingName says that the last name of path is not in data, with a "did
// you mean" and the names that are.
func missingName(path []string, data any) string {
	at := "." + strings.Join(path, ".")
	keys := keysAt(data, path[:len(path)-1])
	prefix := "." + strings.Join(path[:len(path)-1], ".")
	if prefix != "." {
		prefix += "."
	}
	msg := fmt.Sprintf("{{ %s }}: no value %q", at, path[len(path)-1])
	if len(path) > 1 {
		msg = fmt.Sprintf("{{ %s }}: .%s has no %q", at, strings.Join(path[:len(path)-1], "."), path[len(path)-1])
	}
	if near := Closest(path[len(path)-1], keys); near != "" {
		msg += fmt.Sprintf("; did you mean %s%s?", prefix, near)
	}
	if len(keys) > 0 && len(keys) <= 20 {
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = prefix + k
		}
		msg += " (there are: " + strings.Join(names, ", ") + ")"
	} else if len(keys) == 0 && len(path) > 1 {
		msg += fmt.Sprintf(" (.%s is empty)", strings.Join(path[:len(path)-1], "."))
	}
	return msg
}

// CheckNames looks at every name the template spells from the top of its
// data (.model, .vars.csv, $.run.dir), in every branch: a render only
// checks the branches it takes, so a typo under an {{ if }} that no cell
// takes today would fail the day a --set or a new cell takes it. .env is
// left to the render, which knows requires.env.
func (t *Template) CheckNames(data map[string]any) error {
	if t.t == nil || t.t.Tree == nil {
		return nil
	}
	var bad string
	check := func(path []string) {
		if bad != "" || len(path) == 0 || path[0] == "env" {
			return
		}
		var v any = data
		for i, name := range path {
			m := reflect.ValueOf(v)
			if m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String {
				return // a method or field of a value (.started.Format)
			}
			e := m.MapIndex(reflect.ValueOf(name).Convert(m.Type().Key()))
			if !e.IsValid() {
				bad = missingName(path[:i+1], data)
				return
			}
			v = e.Interface()
		}
	}
	// names checks what a pipeline spells from the top: .x when dot is the
	// top of the data (top), $.x anywhere.
	var names func(n parse.Node, top bool)
	names = func(n parse.Node, top bool) {
		switch n := n.(type) {
		case *parse.PipeNode:
			for _, c := range n.Cmds {
				for _, a := range c.Args {
					names(a, top)
				}
			}
		case *parse.FieldNode:
			if top {
				check(n.Ident)
			}
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				check(n.Ident[1:])
			}
		case *parse.ChainNode:
			names(n.Node, top)
		}
	}
	// Inside a with or range, dot is a value or an element, not the top.
	notTop := func(bool) bool { return false }
	tmplwalk.Walk(t.t.Tree.Root, true, func(p *parse.PipeNode, top bool) bool { names(p, top); return false }, notTop)
	if bad == "" {
		return nil
	}
	at := bad[len("{{ "):strings.Index(bad, " }}")]
	if t.Line == 0 {
		return fmt.Errorf("%s: %s", t.Field, bad)
	}
	line, col := t.locate(at)
	return fmt.Errorf("%s:%d:%d: %s: %s", t.File, line, col, t.Field, bad)
}

// keysAt lists the keys of the map found by following path from data.
func keysAt(data any, path []string) []string {
	v := reflect.ValueOf(data)
	for _, p := range path {
		if v.Kind() == reflect.Interface {
			v = v.Elem()
		}
		if v.Kind() != reflect.Map {
			return nil
		}
		v = v.MapIndex(reflect.ValueOf(p))
		if !v.IsValid() {
			return nil
		}
	}
	if v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if v.Kind() != reflect.Map {
		return nil
	}
	var keys []string
	for _, k := range v.MapKeys() {
		keys = append(keys, fmt.Sprint(k.Interface()))
	}
	sort.Strings(keys)
	return keys
}
