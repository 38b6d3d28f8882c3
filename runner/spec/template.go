package spec

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// Template is a text/template (with sprig) written in the spec.
type Template struct {
	Source string
	File   string // the spec file it came from, for messages
	Field  string // the spec field it came from, for messages
	Pos
	t *template.Template
}

func (t *Template) parse(field, src string, pos Pos) error {
	t.Source, t.Field, t.Pos = src, field, pos
	tt, err := template.New(field).Funcs(sprig.TxtFuncMap()).Option("missingkey=error").Parse(src)
	if err != nil {
		return fmt.Errorf("%s: bad template: %s", field, cleanTemplateError(err))
	}
	t.t = tt
	return nil
}

// Empty reports whether no template was written.
func (t *Template) Empty() bool { return t.t == nil }

// Render executes the template. Errors name the spec field and position and
// drop text/template's own "template: name:1:3:" prefix.
func (t *Template) Render(data any) (string, error) {
	if t.t == nil {
		return "", nil
	}
	var b strings.Builder
	if err := t.t.Execute(&b, data); err != nil {
		if t.Line == 0 { // a default, not written in the spec
			return "", fmt.Errorf("%s: %s", t.Field, cleanTemplateError(err))
		}
		return "", fmt.Errorf("%s:%d:%d: %s: %s", t.File, t.Line, t.Col, t.Field, cleanTemplateError(err))
	}
	return b.String(), nil
}

var templatePrefix = regexp.MustCompile(`^template: [^:]+:\d+(:\d+)?: (executing "[^"]*" at )?`)

func cleanTemplateError(err error) string {
	return templatePrefix.ReplaceAllString(err.Error(), "")
}
