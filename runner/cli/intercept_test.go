package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// A workload that ignores every base-URL variable and calls the public
// hosts of the four APIs by name (Ollama's default loopback address for
// Ollama) is metered in interception mode: the call is recorded
// with the tokens the (simulated) upstream sent, in its phase, and no
// certificate or key reaches the outputs. The public name never resolves:
// the forward proxy answers the CONNECT itself.
func TestInterceptMetersAClientThatIgnoresTheVariables(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	spec := writeSpec(t, dir, `name: intercept
runs: 1
command: |
  echo "node options: $NODE_OPTIONS"
  echo '::runner::{"event":"phase_start","phase":"Ask"}'
  curl -sS --fail-with-body https://api.openai.com/v1/chat/completions -H 'content-type: application/json' \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say hi to the interception proxy"}]}'
  echo
  echo '::runner::{"event":"phase_start","phase":"Claude"}'
  curl -sS --fail-with-body https://api.anthropic.com/v1/messages -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}' >/dev/null
  echo '::runner::{"event":"phase_start","phase":"Gemini"}'
  curl -sS --fail-with-body 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent' \
    -H 'content-type: application/json' -d '{"contents":[{"parts":[{"text":"hi"}]}]}' >/dev/null
  echo '::runner::{"event":"phase_start","phase":"Ollama"}'
  curl -sS --fail-with-body http://127.0.0.1:11434/api/chat -d '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}' >/dev/null
providers:
  - name: openai
    api: openai
    models: [ gpt-4o-mini ]
phases: [ Ask, Claude, Gemini, Ollama ]
env: { NODE_OPTIONS: "--max-old-space-size=64" }
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
	if len(recs) != 1 || len(recs[0].Calls) != 4 {
		t.Fatalf("want 1 run with 4 calls, got %+v", recs)
	}
	// The three other APIs' public addresses, called by name: each call is
	// answered by the simulator behind its API's metering listener.
	for i, want := range []struct{ api, phase string }{{"openai", "Ask"}, {"anthropic", "Claude"}, {"gemini", "Gemini"}, {"ollama", "Ollama"}} {
		c := recs[0].Calls[i]
		if string(c.API) != want.api || c.Phase != want.phase || c.Status != 200 || c.Tokens.Input == 0 || c.Tokens.Output == 0 {
			t.Errorf("call %d: %+v, want a metered %s call in phase %s", i, c, want.api, want.phase)
		}
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
	// The spec's NODE_OPTIONS is kept; the preload is added to it.
	if !regexp.MustCompile(`node options: --max-old-space-size=64 --require "[^"]*runner-intercept-preload.cjs"`).Match(log) {
		t.Errorf("NODE_OPTIONS lost the spec's value or the preload:\n%s", log)
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
