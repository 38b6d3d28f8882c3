package tmplwalk

import (
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
)

// Every pipeline is visited, in every branch, with the dot execution would
// give it: with and range bodies under their pipeline's value, else
// branches and everything else under the dot around them.
func TestWalkVisitsEveryBranchWithItsDot(t *testing.T) {
	tm := template.Must(template.New("t").Parse(`{{ .a }}{{ if .b }}{{ .c }}{{ else }}{{ .d }}{{ end }}` +
		`{{ with .e }}{{ .f }}{{ else }}{{ .g }}{{ end }}{{ range .h }}{{ .i }}{{ else }}{{ .j }}{{ end }}{{ template "t2" .k }}` +
		`{{ define "t2" }}{{ end }}`))
	var got []string
	Walk(tm.Tree.Root, "top", func(p *parse.PipeNode, dot string) string {
		got = append(got, p.String()+"@"+dot)
		return "value of " + p.String()
	}, func(d string) string { return "element of " + strings.TrimPrefix(d, "value of ") })
	want := ".a@top .b@top .c@top .d@top .e@top .f@value of .e .g@top .h@top .i@element of .h .j@top .k@top"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("visited\n%s\nwant\n%s", s, want)
	}
}
