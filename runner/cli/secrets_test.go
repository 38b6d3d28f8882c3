package cli

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeKeys are recognisable secrets, as a runner environment holds them.
var fakeKeys = map[string]string{
	"OPENAI_API_KEY":    "sk-FAKEopenai0000000000000000000000",
	"ANTHROPIC_API_KEY": "sk-ant-FAKEanthropic111111111111111",
	"GEMINI_API_KEY":    "AIzaFAKEgemini22222222222222222222222",
	"GOOGLE_API_KEY":    "FAKEgoogle-33333333333333",
	"MY_SERVICE_TOKEN":  "FAKEservice-token-444444",
	"DB_PASSWORD":       "FAKEdb-password-555555",
}

// A failing workload that echoes its keys (an upstream's 401 quoting the
// request, a URL with ?key=, a debug print) leaks none of them into any
// output file, the console or the error.
func TestNoSecretInAnyOutput(t *testing.T) {
	for k, v := range fakeKeys {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	p := writeSpec(t, dir, `name: leak
runs: 2
command: |
  echo "GET https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=$GEMINI_API_KEY"
  echo "debug: google $GOOGLE_API_KEY service $MY_SERVICE_TOKEN db $DB_PASSWORD"
  echo "401 from upstream: Authorization: Bearer $OPENAI_API_KEY x-api-key: $ANTHROPIC_API_KEY x-goog-api-key: $GOOGLE_API_KEY ?key=$GEMINI_API_KEY svc=$MY_SERVICE_TOKEN pw $DB_PASSWORD" >&2
  exit 1
thresholds:
  - name: Time
    target: total.time.mean < 60
`)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runner(t, context.Background(), p, "--output", out, "--no-progress")
	if code != ExitRunsFailed {
		t.Errorf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	texts := map[string]string{"stdout": stdout, "stderr": stderr}
	err := filepath.Walk(out, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		if strings.HasSuffix(path, ".xlsx") {
			zr, err := zip.OpenReader(path)
			if err != nil {
				return err
			}
			defer zr.Close()
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				texts[rel+":"+f.Name] = string(b)
			}
			return nil
		}
		b, err := os.ReadFile(path)
		texts[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"runs.jsonl", "benchmark_results.csv", "summary.json", "PERFORMANCE_BENCHMARKS.md"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("%s not written", want)
		}
	}
	if !strings.Contains(texts["runs.jsonl"], "401 from upstream") {
		t.Errorf("the run's error lost the last output line: %s", texts["runs.jsonl"])
	}
	logged := false
	for name, text := range texts {
		if strings.HasPrefix(name, "logs/") && strings.Contains(text, "REDACTED") {
			logged = true
		}
		for k, v := range fakeKeys {
			if strings.Contains(text, v) {
				t.Errorf("%s holds the value of %s", name, k)
			}
		}
	}
	if !logged {
		t.Error("no run log with the scrubbed lines")
	}
}
