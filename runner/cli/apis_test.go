package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/sim"
)

// TestHelperCallsAllAPIs is the workload of the tests below, run as a child
// process: one call to each of the four APIs, at the base URLs the runner
// exports. It fails (exit 1) if any call is not answered 200.
func TestHelperCallsAllAPIs(t *testing.T) {
	if os.Getenv("RUNNER_TEST_HELPER") != "all-apis" {
		t.Skip("the workload of TestEveryAPIIsProxied")
	}
	fmt.Println(`::runner::{"event":"phase_start","phase":"Calls"}`)
	if os.Getenv("PYTHONUNBUFFERED") != "1" {
		fmt.Println("PYTHONUNBUFFERED is not 1")
		os.Exit(1)
	}
	calls := []struct{ url, body string }{
		{os.Getenv("OPENAI_BASE_URL") + "/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`},
		{os.Getenv("ANTHROPIC_BASE_URL") + "/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}`},
		{os.Getenv("GOOGLE_GEMINI_BASE_URL") + "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[{"parts":[{"text":"hi"}]}]}`},
		{os.Getenv("OLLAMA_HOST") + "/api/chat", `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}`},
	}
	for i, c := range calls {
		req, _ := http.NewRequest("POST", c.url, strings.NewReader(c.body))
		if i == 3 {
			req.Header.Set("X-Runner-Phase", "Bogus") // not declared: counts in the open phase, with a warning
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			fmt.Println(c.url, resp.Status)
			os.Exit(1)
		}
	}
	os.Exit(0)
}

// countingSim is a loopback upstream that answers like the simulator and
// counts the requests it gets.
func countingSim(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	h := sim.New(sim.Config{Default: sim.Model{OutputTokens: 5}})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func allAPIsSpec(provider, openai, anthropic, gemini, ollama string) string {
	return fmt.Sprintf(`name: apis
runs: 1
command: RUNNER_TEST_HELPER=all-apis '%s' -test.run='^TestHelperCallsAllAPIs$'
phases: [ Calls ]
providers:
  - name: claude
    api: anthropic
    base_url: %s
    models: [ claude-haiku-4-5 ]
apis:
  openai: { base_url: %s }
  anthropic: { base_url: %s }
  gemini: { base_url: %s }
  ollama: { base_url: %s }
`, os.Args[0], provider, openai, anthropic, gemini, ollama)
}

func apisOfCalls(t *testing.T, out string) []string {
	t.Helper()
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Status != "ok" {
		t.Fatalf("records: %+v", recs)
	}
	var apis []string
	for _, c := range recs[0].Calls {
		if c.Status != 200 || c.UsageStatus != "reported" || c.Phase != "Calls" {
			t.Errorf("call %+v", c)
		}
		if want := map[bool]string{true: "Bogus"}[c.API == "ollama"]; c.UndeclaredPhase != want {
			t.Errorf("%s call: undeclared phase %q, want %q", c.API, c.UndeclaredPhase, want)
		}
		apis = append(apis, string(c.API))
	}
	if w := strings.Join(recs[0].Warnings, "\n"); !strings.Contains(w, `X-Runner-Phase header names "Bogus"`) {
		t.Errorf("the record's warnings do not name the undeclared phase header: %q", w)
	}
	sort.Strings(apis)
	return apis
}

// A cell's workload may call any of the four APIs: each is metered, the
// cell's own API goes to the provider's base_url and the others to the
// spec's apis: upstreams.
func TestEveryAPIIsProxied(t *testing.T) {
	t.Parallel()
	own, ownHits := countingSim(t)
	unused, unusedHits := countingSim(t) // apis.anthropic: the cell's own API does not go there
	var hits []*atomic.Int64
	var urls []string
	for range 3 {
		s, n := countingSim(t)
		urls, hits = append(urls, s.URL), append(hits, n)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	src := allAPIsSpec(own.URL, urls[0], unused.URL, urls[1], urls[2])
	code, stdout, stderr := runner(t, context.Background(), writeSpec(t, dir, src), "--output", out, "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got := apisOfCalls(t, out); strings.Join(got, " ") != "anthropic gemini ollama openai" {
		t.Errorf("metered calls to %v, want one per API", got)
	}
	if !strings.Contains(stderr, `X-Runner-Phase header names "Bogus"`) {
		t.Errorf("no warning of the undeclared phase header on the console:\n%s", stderr)
	}
	if ownHits.Load() != 1 || unusedHits.Load() != 0 || hits[0].Load() != 1 || hits[1].Load() != 1 || hits[2].Load() != 1 {
		t.Errorf("upstream hits: provider %d, apis.anthropic %d, openai/gemini/ollama %d/%d/%d; want 1, 0, 1/1/1",
			ownHits.Load(), unusedHits.Load(), hits[0].Load(), hits[1].Load(), hits[2].Load())
	}
}

// A dry run sends every API to the simulator: none of the configured
// upstreams is contacted.
func TestDryRunKeepsEveryAPIOnTheSimulator(t *testing.T) {
	t.Parallel()
	up, hits := countingSim(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	src := allAPIsSpec(up.URL, up.URL, up.URL, up.URL, up.URL)
	var errb bytes.Buffer
	code := Main(context.Background(), []string{writeSpec(t, dir, src), "--dry-run", "--output", out, "--no-progress"}, io.Discard, &errb)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	if got := apisOfCalls(t, out); strings.Join(got, " ") != "anthropic gemini ollama openai" {
		t.Errorf("metered calls to %v, want one per API", got)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("a dry run sent %d requests to a configured upstream", n)
	}
}

// A workload whose client bypasses the proxy: the console, the report and
// summary.json say so, the cost is unknown (not $0) and the cell is not
// rated PASS.
func TestBypassedProxyIsFlaggedNotFree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	src := `name: bypass
runs: 2
command: "true"
providers:
  - { name: local, api: ollama, models: [ llama3.2 ] }
pricing:
  "*": { input: 1, output: 1 }
thresholds:
  - name: Cost
    target: cost.mean < 1
`
	code, stdout, stderr := runner(t, context.Background(), writeSpec(t, dir, src), "--dry-run", "--output", out, "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	const flag = "no LLM call reached the metering proxy in 2 of 2 runs: the client may ignore OLLAMA_HOST — see docs/clients.md"
	if !strings.Contains(stdout+stderr, flag) {
		t.Errorf("console does not say %q:\n%s\n%s", flag, stdout, stderr)
	}
	report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if !strings.Contains(string(report), flag) || strings.Contains(string(report), "PASS") || strings.Contains(string(report), "$0.0000") {
		t.Errorf("report:\n%s", report)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "benchmark_results.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 3 || !strings.Contains(lines[1], ",,,,,") {
		t.Errorf("CSV rows must leave the unknown tokens and cost empty:\n%s", csv)
	}
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	var sum struct {
		Cells []struct {
			Tokens    *struct{ Mean float64 } `json:"tokens"`
			Cost      *struct{ Mean float64 } `json:"cost_usd"`
			Rating    string                  `json:"rating"`
			Unmetered []string                `json:"unmetered"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	c := sum.Cells[0]
	if c.Tokens != nil || c.Cost != nil || c.Rating == "PASS" || len(c.Unmetered) != 1 || !strings.HasPrefix(c.Unmetered[0], flag) {
		t.Errorf("summary.json cell: tokens %v cost %v rating %q unmetered %q", c.Tokens, c.Cost, c.Rating, c.Unmetered)
	}
}
