package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A relative report.template is found next to the spec, not in the current
// folder, and the output folder keeps a copy: `runner report DIR` renders it
// after the original is gone.
func TestReportTemplateTravelsWithTheOutput(t *testing.T) {
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
