package spec

import (
	"strings"
	"testing"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// A template of text alone renders without its data (the runner then skips
// building the data for each run); whatever Static says, Render gives what
// text/template itself gives.
func TestStaticTemplatesRenderAsTextTemplateDoes(t *testing.T) {
	t.Parallel()
	data := map[string]any{"model": "m1", "run": map[string]any{"index": 3}}
	for _, tc := range []struct {
		src    string
		static bool
	}{
		{"true", true},
		{"", true},
		{"  python agent.py --fast  ", true},
		{"a {{- /* a comment */ -}} b", true},
		{"echo {{ .model }}", false},
		{"{{ .run.index }}", false},
		{`{{ define "x" }}in{{ end }}out`, false},
		{`{{ "literal" }}`, false},
		{"{{ now | date \"2006\" }}", false},
	} {
		var tp Template
		if err := tp.parse("command", tc.src, Pos{}); err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if tp.Static() != tc.static {
			t.Errorf("%q: Static() = %v, want %v", tc.src, tp.Static(), tc.static)
		}
		got, err := tp.Render(data)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		var want strings.Builder
		ref := template.Must(template.New("command").Funcs(sprig.TxtFuncMap()).Option("missingkey=error").Parse(tc.src))
		if err := ref.Execute(&want, data); err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Errorf("%q renders %q, text/template %q", tc.src, got, want.String())
		}
	}
}
