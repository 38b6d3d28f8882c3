package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// A report template's misspelt field is found before anything runs, also
// in a branch the trial render's sample does not enter (a replay, skipped
// cells, a baseline, a reference): those reports would otherwise fail after
// their whole benchmark ran.
func TestTrialReportChecksEveryBranch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, tmpl, want string
	}{
		{"taken", "{{ .Titel }}", `t.tmpl:1:3: <.Titel>: can't evaluate field Titel`},
		{"under if, not a replay", "{{ if .Replayed }}{{ .Replayed.Dri }}{{ end }}", `<.Replayed.Dri>: can't evaluate field Dri in type *record.Replayed; did you mean .Dir?`},
		{"range over no skipped cell", "{{ range .Skipped }}{{ .Resaon }}{{ end }}", `<.Resaon>: can't evaluate field Resaon in type results.Skipped; did you mean .Reason?`},
		{"with on a nil reference", "{{ with .Ref }}{{ .Cots }}{{ end }}", `can't evaluate field Cots in type *results.Cell; did you mean .Cost?`},
		{"else of a range", "{{ range .Skipped }}{{ .Reason }}{{ else }}{{ .Tilte }}{{ end }}", `can't evaluate field Tilte`},
		{"$ inside a range", "{{ range .Skipped }}{{ $.Benchmark.Hots }}{{ end }}", `<$.Benchmark.Hots>: can't evaluate field Hots in type record.Benchmark; did you mean .Host?`},
		{"nested ranges", "{{ range .Cells }}{{ range .Phases }}{{ if false }}{{ .Nmae }}{{ end }}{{ end }}{{ end }}", `can't evaluate field Nmae`},
		{"argument of a helper", "{{ if .Ref }}{{ usd .Ref.Csot }}{{ end }}", `can't evaluate field Csot in type *results.Cell; did you mean .Cost?`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "t.tmpl"), []byte(tc.tmpl+"\n"), 0o644)
			s, err := spec.Parse(filepath.Join(dir, "s.yaml"), []byte("name: c\ncommand: x\nphases: [ A ]\nreport: { template: t.tmpl }\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			cells, _ := plan.Expand(s, nil)
			err = TrialReport(s, cells)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
	// The embedded default template and correct branches pass.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.tmpl"), []byte(`{{ range $i, $c := .Cells }}{{ $c.Name }}{{ .MonthlyAt "1/day" }}{{ with $.Ref }}{{ .Cost }}{{ end }}{{ end }}{{ with .Replayed }}{{ .Dir }}{{ end }}{{ range .Skipped }}{{ .Reason }}{{ end }}`), 0o644)
	for _, tmpl := range []string{"", "report: { template: ok.tmpl }\n"} {
		s, err := spec.Parse(filepath.Join(dir, "s.yaml"), []byte("name: c\ncommand: x\nphases: [ A ]\n"+tmpl), nil)
		if err != nil {
			t.Fatal(err)
		}
		cells, _ := plan.Expand(s, nil)
		if err := TrialReport(s, cells); err != nil {
			t.Errorf("%q: %v", tmpl, err)
		}
	}
}
