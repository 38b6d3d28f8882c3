package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input is refused when the spec loads, at its line and column, before
// anything runs.
func TestLoadRefusesBadInputWithPosition(t *testing.T) {
	const head = "name: d\ncommand: x\n"
	cases := []struct{ name, src, want string }{
		{"duplicate top-level key", head + "runs: 2\nruns: 5\n", `bad.yaml:4:1: "runs" is a duplicate key; it is already set at line 3, column 1`},
		{"duplicate var", head + "vars:\n  csv: a.csv\n  csv: b.csv\n", `bad.yaml:5:3: "csv" is a duplicate key; it is already set at line 4, column 3`},
		{"duplicate in flow map", head + "pricing: { m: {input: 1, output: 2, input: 3} }\n", `bad.yaml:3:37: "input" is a duplicate key; it is already set at line 3, column 16`},
		{"second document", head + "---\nname: e\n", "bad.yaml:3:1: a second YAML document"},
		{"empty second document", head + "---\n", "bad.yaml:3:1: a second YAML document"},
		{"control character", head + "vars: { a: \"x\x07y\" }\n", "bad.yaml:3:14: control character U+0007 is not allowed"},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00", "bad.yaml:1:1: byte 0x89 is not UTF-8 text (is this a binary file?)"},
		{"NUL", head + "\x00", "bad.yaml:3:1: control character U+0000 is not allowed (is this a binary file?)"},
		{"list root", "- name: d\n", "bad.yaml:1:1: the spec must be a mapping of fields (name: ..., command: ...), got a list"},
		{"scalar root", "just text\n", `bad.yaml:1:1: the spec must be a mapping of fields (name: ..., command: ...), got "just text"`},
		{"runs 0", head + "runs: 0\n", "bad.yaml:3:7: runs: must be at least 1, got 0"},
		{"concurrency 0", head + "concurrency: 0\n", "bad.yaml:3:14: concurrency: must be at least 1, got 0"},
		{"env name with a space", head + "env: { 'MY VAR': x }\n", `env.MY VAR: "MY VAR" is not an environment variable name`},
		{"env name with a digit first", head + "env:\n  1X: x\n", `bad.yaml:4:7: env.1X: "1X" is not an environment variable name`},
		{"provider env name", head + "providers: [ { name: a, env: { 'A=B': x } } ]\n", `providers[0].env.A=B: "A=B" is not an environment variable name`},
		{"requires env name", head + "providers: [ { name: a, requires: { env: [ 'OPENAI-KEY' ] } } ]\n", `providers[0].requires.env[0]: "OPENAI-KEY" is not an environment variable name`},
		{"base_url scheme", head + "providers: [ { name: a, base_url: 'ftp://h/v1' } ]\n", `bad.yaml:3:35: providers[0].base_url: "ftp://h/v1" must start with http:// or https://`},
		{"base_url without host", head + "providers: [ { name: a, base_url: 'http:///v1' } ]\n", `providers[0].base_url: "http:///v1" has no host`},
		{"base_url without scheme", head + "providers: [ { name: a, base_url: 'localhost:8080' } ]\n", `must start with http:// or https://`},
		{"merge of a list", head + "vars:\n  <<: [ 1, 2 ]\n", "bad.yaml:4:9: merge key <<: expected a mapping or a list of mappings (such as *defaults), got \"1\""},
		{"alias in itself", head + "vars: &v { a: *v }\n", "bad.yaml:3:15: alias *v is inside the value it names"},
		{"billion laughs", head + "vars: { a: &a [x,x,x,x,x,x,x,x,x,x], b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], " +
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e], g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f] }\n",
			"bad.yaml:1:1: aliases expand the spec to more than 1000000 values"},
		{"report file absolute", head + "report: { file: /tmp/r.md }\n", `bad.yaml:3:17: report.file: "/tmp/r.md" must be a file name in the output folder, not an absolute path`},
		{"report file outside", head + "report: { file: ../../x.md }\n", `bad.yaml:3:17: report.file: "../../x.md" must be a file name in the output folder; ".." would write outside it`},
		{"report file in a folder", head + "report: { file: docs/r.md }\n", `report.file: "docs/r.md" must be a file name in the output folder, without a folder`},
		{"report file overwrites the record", head + "report: { file: runs.jsonl }\n", `report.file: "runs.jsonl" is a file the runner writes itself`},
		{"report template missing", head + "report: { template: nope.md.tmpl }\n", "report.template: stat nope.md.tmpl: no such file"},
		{"matrix too big", head + "matrix:\n  a: [1,2,3,4,5,6,7,8,9,10]\n  b: [1,2,3,4,5,6,7,8,9,10]\n  c: [1,2,3,4,5,6,7,8,9,10]\n  d: [1,2,3,4,5,6,7,8,9,10]\n  e: [1,2]\n",
			"bad.yaml:4:3: matrix: the matrix has more than 10000 cells (1 provider models x 10 a x 10 b x 10 c x 10 d x 2 e); remove values, or raise max_cells if you mean it"},
		{"pricing file that is a device", head + "pricing_file: /dev/zero\n", "bad.yaml:3:15: pricing_file: loading pricing file: /dev/zero is not a JSON file of at most 64 MB"},
		{"max_cells lowered", head + "max_cells: 3\nproviders: [ { name: a, models: [m1, m2] } ]\nmatrix: { t: [1, 2] }\n", "matrix: the matrix has more than 3 cells (2 provider models x 2 t)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

// A billion-cell matrix is refused by arithmetic, not by expanding it (which
// ate memory until the process was killed).
func TestHugeMatrixRefusedBeforeExpansion(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: d\ncommand: x\nmatrix:\n")
	for _, axis := range []string{"a", "b", "c"} {
		b.WriteString("  " + axis + ": [")
		for i := range 1000 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("v")
			b.WriteString(strings.Repeat("x", i%7))
		}
		b.WriteString("]\n")
	}
	_, err := Parse("big.yaml", []byte(b.String()), nil)
	if err == nil || !strings.Contains(err.Error(), "more than 10000 cells (1 provider models x 1000 a x 1000 b x 1000 c)") {
		t.Fatalf("got %v", err)
	}
	s, err := Parse("big.yaml", []byte(b.String()+"max_cells: 2000000000\n"), nil)
	if err != nil || s.MaxCells != 2_000_000_000 {
		t.Fatalf("max_cells raises the cap: %v", err)
	}
}

// Anchors and aliases work wherever their value fits, and merge keys bring a
// mapping's keys in, written keys winning.
func TestAliasesAndMergeKeys(t *testing.T) {
	src := `name: d
command: x
vars: &common { region: eu, size: small }
env:
  <<: *common
  size: large
providers:
  - &base { name: a, api: openai, base_url: "http://127.0.0.1:9/v1", models: &models [m1, m2] }
  - <<: *base
    name: b
matrix:
  temperature: &temps [0.2, 0.7]
  top_p: *temps
artifacts:
  reports: &glob "{{ .run.dir }}/*.html"
  again: *glob
phases: &phases [ Build ]
exclude: [ { provider: b, temperature: "0.7" } ]
`
	s, err := Parse("a.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Matrix) != 2 || s.Matrix[1].Name != "top_p" || strings.Join(s.Matrix[1].Values, ",") != "0.2,0.7" {
		t.Errorf("matrix axis from an alias: %+v", s.Matrix)
	}
	if len(s.Artifacts) != 2 || s.Artifacts[1].Path.Source != "{{ .run.dir }}/*.html" {
		t.Errorf("artifact from an alias: %+v", s.Artifacts)
	}
	if s.Env["region"].Source != "eu" || s.Env["size"].Source != "large" {
		t.Errorf("env merged from vars, written key winning: region=%q size=%q", s.Env["region"].Source, s.Env["size"].Source)
	}
	b := s.Providers[1]
	if b.Name != "b" || b.API != "openai" || b.BaseURL != "http://127.0.0.1:9/v1" || strings.Join(b.Models, ",") != "m1,m2" {
		t.Errorf("provider merged from an anchor: %+v", b)
	}
}

func TestReportFileAccepted(t *testing.T) {
	for _, name := range []string{"REPORT.md", "benchmark report.md", "r.markdown"} {
		if err := checkReportFile(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
}

// A relative report.template is the spec's neighbour, whatever the current
// folder; the output folder's copy of the spec names its copy of the template.
func TestReportTemplateRelativeToSpec(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tmpl"), 0o755)
	os.WriteFile(filepath.Join(dir, "tmpl", "r.md.tmpl"), []byte("# {{ .Title }}\n"), 0o644)
	src := "name: d\ncommand: x\nreport:\n  template: 'tmpl/r.md.tmpl' # ours\n  file: R.md\n"
	path := filepath.Join(dir, "spec.yaml")
	os.WriteFile(path, []byte(src), 0o644)
	s, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "tmpl", "r.md.tmpl"); s.Report.TemplatePath != want {
		t.Errorf("template path = %q, want %q", s.Report.TemplatePath, want)
	}
	out, err := s.SourceWithReportTemplate(ReportTemplateFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(src, "'tmpl/r.md.tmpl'", "report.md.tmpl", 1); string(out) != want {
		t.Errorf("rewritten source:\n%s\nwant:\n%s", out, want)
	}
}

// Artifact paths that reach outside the run folder and the working tree are
// accepted with a warning at their position.
func TestArtifactOutsideWarns(t *testing.T) {
	wd, _ := os.Getwd()
	src := "name: d\ncommand: x\nartifacts:\n  root: /\n  etc: /etc/*\n  up: ../../..\n  run: '{{ .run.dir }}/*.html'\n  here: " + wd + "/out/*\n  rel: out/x\n"
	s, err := Parse("w.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`w.yaml:4:9: artifacts.root: "/" is outside the run folder and the working tree`,
		`w.yaml:5:8: artifacts.etc: "/etc/*" is outside the run folder and the working tree`,
		`w.yaml:6:7: artifacts.up: "../../.." climbs out with ".."`,
	}
	if len(s.Warnings) != len(want) {
		t.Fatalf("warnings:\n%v", s.Warnings)
	}
	for i, w := range want {
		if !strings.HasPrefix(s.Warnings[i].Error(), w) {
			t.Errorf("warning %d:\n got %s\nwant %s", i, s.Warnings[i], w)
		}
	}
}
