package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// A workload that ignores every base-URL variable and calls the public
// OpenAI host by name is metered in interception mode: the call is recorded
// with the tokens the (simulated) upstream sent, in its phase, and no
// certificate or key reaches the outputs. The public name never resolves:
// the forward proxy answers the CONNECT itself.
func TestInterceptMetersAClientThatIgnoresTheVariables(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	spec := writeSpec(t, dir, `name: intercept
runs: 1
command: |
  echo '::runner::{"event":"phase_start","phase":"Ask"}'
  curl -sS --fail-with-body https://api.openai.com/v1/chat/completions -H 'content-type: application/json' \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say hi to the interception proxy"}]}'
providers:
  - name: openai
    api: openai
    models: [ gpt-4o-mini ]
phases: [ Ask ]
pricing:
  "*": { input: 1, output: 1 }
`)
	code, stdout, stderr := runner(t, context.Background(), spec, "--dry-run", "--intercept", "--output", out, "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(recs[0].Calls) != 1 {
		t.Fatalf("want 1 run with 1 call, got %+v", recs)
	}
	c := recs[0].Calls[0]
	log, _ := os.ReadFile(filepath.Join(out, recs[0].Log))
	var answer struct {
		Usage struct {
			Prompt     int64 `json:"prompt_tokens"`
			Completion int64 `json:"completion_tokens"`
		} `json:"usage"`
	}
	body := string(log)[strings.Index(string(log), "{\"id\""):]
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&answer); err != nil {
		t.Fatalf("the workload did not get a completion: %v\n%s", err, log)
	}
	if c.Phase != "Ask" || c.Endpoint != "chat.completions" || c.Tokens.Input != answer.Usage.Prompt || c.Tokens.Output != answer.Usage.Completion || c.Tokens.Input == 0 {
		t.Errorf("call %+v, want phase Ask and the upstream's usage %+v", c, answer.Usage)
	}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), "BEGIN CERTIFICATE") || strings.Contains(string(b), "PRIVATE KEY") {
				t.Errorf("%s holds a certificate or key", p)
			}
		}
		return nil
	})
}
