package cli

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A relative report.template is found next to the spec, not in the current
// folder, and the output folder keeps a copy: `runner report DIR` renders it
// after the original is gone.
func TestReportTemplateTravelsWithTheOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
	tmpl := filepath.Join(dir, "templates", "mine.md.tmpl")
	if err := os.WriteFile(tmpl, []byte("# Custom {{ .Title }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "name: tmpl\nruns: 1\ncommand: 'true'\nreport:\n  template: templates/mine.md.tmpl\n  file: OURS.md\n"
	out := filepath.Join(dir, "out")
	if code, _, stderr := runner(t, context.Background(), writeSpec(t, dir, src), "--output", out, "--no-progress"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "OURS.md")); err != nil || string(b) != "# Custom tmpl\n" {
		t.Fatalf("report = %q, %v", b, err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "templates")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(out, "OURS.md"))
	if code, _, stderr := runner(t, context.Background(), "report", out); code != ExitOK {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "OURS.md")); err != nil || string(b) != "# Custom tmpl\n" {
		t.Fatalf("re-rendered report = %q, %v", b, err)
	}
}

// A report.file outside the output folder is refused before anything runs
// (it used to write ../../x.md, or fail after every run with exit 3).
func TestReportFileOutsideOutputRefusedAtLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	for _, file := range []string{"../../x.md", "/tmp/x.md", "sub/x.md"} {
		src := "name: rf\nruns: 1\ncommand: touch " + marker + "\nreport: { file: '" + file + "' }\n"
		code, _, stderr := runner(t, context.Background(), writeSpec(t, dir, src), "--output", filepath.Join(dir, "out"))
		if code != ExitUsage || !strings.Contains(stderr, "spec.yaml:4:17: report.file:") {
			t.Errorf("%s: exit %d, stderr:\n%s", file, code, stderr)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s: the command ran", file)
		}
	}
}

// Text a workload prints (its last line when it fails, phase and metric
// names) stays text in the report's tables and is inert in the CSV.
func TestWorkloadTextCannotInjectMarkdownOrFormulas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `name: inject
runs: 1
matrix: { mode: [good, bad] }
command: |
  printf '%s\n' '::runner::{"event":"phase_start","phase":"=1+2|Q\n| injected | row |"}'
  printf '%s\n' '::runner::{"event":"metric","name":"m|<b>x</b>","value":1}'
  if [ {{ .matrix.mode }} = bad ]; then echo '=HYPERLINK("http://x")|<script>alert(1)</script>` + "`" + `tick'; exit 1; fi
`
	out := filepath.Join(dir, "out")
	if code, _, stderr := runner(t, context.Background(), writeSpec(t, dir, src), "--output", out, "--no-progress"); code != ExitRunsFailed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	for _, bad := range []string{"<script>", "<b>", "\n| injected"} {
		if strings.Contains(report, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	for _, want := range []string{`\|&lt;script&gt;alert(1)&lt;/script&gt;\` + "`" + `tick`, `=1+2\|Q \| injected \| row \|`, `Metric m\|&lt;b&gt;x&lt;/b&gt;`} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	checkTables(t, report)

	f, err := os.Open(filepath.Join(out, "benchmark_results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				if _, err := strconv.ParseFloat(cell, 64); err != nil {
					t.Errorf("CSV cell %q would be read as a formula", cell)
				}
			}
			found = found || strings.HasPrefix(cell, `'=1+2|Q`)
		}
	}
	if !found {
		t.Errorf("the phase's columns are not in the CSV, made inert: %q", rows[0])
	}
}

// checkTables asserts that every row of every Markdown table has as many
// cells as the table's header.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cells := func(line string) int {
		n := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '|':
				n++
			}
		}
		return n
	}
	want := -1
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
		} else if got := cells(line); got != want {
			t.Errorf("report line %d has %d pipes, its table %d: %s", i+1, got, want, line)
		}
	}
}

// Merged shards keep the custom report template: the merged folder renders
// it, from anywhere, after the original is gone.
func TestMergeKeepsTheReportTemplate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "mine.md.tmpl")
	os.WriteFile(tmpl, []byte("# Merged {{ .Title }}\n"), 0o644)
	path := writeSpec(t, dir, "name: tm\nruns: 2\ncommand: 'true'\nreport: { template: mine.md.tmpl }\n")
	var shards []string
	for _, k := range []string{"1/2", "2/2"} {
		out := filepath.Join(dir, "shard"+k[:1])
		if code, _, stderr := runner(t, context.Background(), path, "--shard", k, "--output", out, "--quiet", "--no-progress"); code != ExitOK {
			t.Fatalf("shard %s: exit %d: %s", k, code, stderr)
		}
		shards = append(shards, out)
	}
	os.Remove(tmpl)
	merged := filepath.Join(dir, "merged")
	if code, _, stderr := runner(t, context.Background(), append([]string{"merge", merged}, shards...)...); code != ExitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(merged, "PERFORMANCE_BENCHMARKS.md")); err != nil || string(b) != "# Merged tm\n" {
		t.Errorf("merged report = %q, %v", b, err)
	}
}
