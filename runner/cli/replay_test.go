package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/cassette"
	"github.com/runner-bench/runner/runner/record"
)

// Recognisable keys: none may ever be found in a recording.
const (
	recOpenAIKey    = "sk-proj-RECORDOPENAIKEY0123456789"
	recAnthropicKey = "sk-ant-RECORDANTHROPICKEY0123456789"
	recGeminiKey    = "AIzaRECORDGEMINIKEY0123456789abcdefgh"
)

// slowAPIs is a held-out-style upstream of the four native APIs in their
// documented non-streamed shapes, answering like a provider: the headers
// and the first half of the body after `gap`, the rest one `gap` later.
// It sets a cookie, as some providers do.
type slowAPIs struct{ gap time.Duration }

func (f slowAPIs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req struct {
		Model string `json:"model"`
	}
	json.Unmarshal(raw, &req)
	n := int64(len(raw)) / 4 // input tokens grow with the prompt
	text, _ := json.Marshal("## Overview\nSolid block of training; keep the long rides and add VO2max work.")
	var body string
	switch p := r.URL.Path; {
	case p == "/v1/chat/completions":
		body = fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":%d,"completion_tokens":300,"total_tokens":%d,"prompt_tokens_details":{"cached_tokens":200}}}`, req.Model, text, n, n+300)
	case p == "/v1/messages":
		body = fmt.Sprintf(`{"id":"msg_1","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":%s}],"stop_reason":"end_turn","usage":{"input_tokens":%d,"cache_read_input_tokens":400,"output_tokens":500}}`, req.Model, text, n)
	case strings.HasSuffix(p, ":generateContent"):
		body = fmt.Sprintf(`{"candidates":[{"content":{"role":"model","parts":[{"text":%s}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":%d,"candidatesTokenCount":400,"totalTokenCount":%d},"modelVersion":"gemini-1.5-pro-002"}`, text, n, n+400)
	case p == "/api/chat":
		body = fmt.Sprintf(`{"model":%q,"created_at":"2026-01-01T00:00:01Z","message":{"role":"assistant","content":%s},"done":true,"done_reason":"stop","prompt_eval_count":%d,"eval_count":250,"eval_duration":4232710000}`, req.Model, text, n)
	default:
		http.NotFound(w, r)
		return
	}
	time.Sleep(f.gap)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Set-Cookie", "session=RECORDCOOKIE42; Path=/")
	half := len(body) / 2
	io.WriteString(w, body[:half])
	w.(http.Flusher).Flush()
	time.Sleep(f.gap)
	io.WriteString(w, body[half:])
}

// phase4cLike is the reference benchmark's workload (examples/cycling-ai,
// four phases, four providers) pointed at a local upstream.
func phase4cLike(t testing.TB, upstream string, runs int) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "cycling-ai")
	build := exec.Command("go", "build", "-o", bin, "./examples/cycling-ai")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the workload: %v\n%s", err, out)
	}
	src := fmt.Sprintf(`name: phase4c-replay
runs: %d
vars:
  csv: examples/data/real_activities.csv
  profile: examples/data/test_profile.json
  fit_dir: examples/data/fit_files
command: >-
  %[3]s generate
  --csv {{ .vars.csv }} --profile {{ .vars.profile }} --fit-dir {{ .vars.fit_dir }}
  --output-dir {{ .run.dir }} --provider {{ .provider.api }} --model {{ .model }}
  --period-months 6 --training-plan-weeks 10
providers:
  - { name: ollama, api: ollama, base_url: "%[2]s", models: [ "llama3.2:3b" ] }
  - { name: anthropic, api: anthropic, base_url: "%[2]s", models: [ claude-3-5-sonnet-20241022 ] }
  - { name: openai, api: openai, base_url: "%[2]s/v1", models: [ gpt-4-turbo ] }
  - { name: gemini, api: gemini, base_url: "%[2]s", models: [ gemini-1.5-pro ] }
phases: [ Data Preparation, Performance Analysis, Training Planning, Report Generation ]
tokens: proxy
pricing:
  claude-3-5-sonnet-20241022: { input: 3.00, output: 15.00, cached_input: 0.30 }
  gpt-4-turbo: { input: 10.00, output: 30.00 }
  gemini-1.5-pro: { input: 1.25, output: 5.00 }
  "llama*": { input: 0, output: 0 }
`, runs, upstream, bin)
	p := filepath.Join(dir, "phase4c-replay.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func setRecordingKeys(t testing.TB) {
	t.Setenv("OPENAI_API_KEY", recOpenAIKey)
	t.Setenv("ANTHROPIC_API_KEY", recAnthropicKey)
	t.Setenv("GEMINI_API_KEY", recGeminiKey)
}

// runsByKey reads an output folder's measured runs by cell/run.
func runsByKey(t testing.TB, dir string) map[string]record.Run {
	t.Helper()
	recs, err := record.ReadFile(filepath.Join(dir, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]record.Run{}
	for _, r := range recs {
		if r.Status != record.StatusSkipped && !r.Warmup {
			out[fmt.Sprintf("%s/run%d", r.Cell, r.Index)] = r
		}
	}
	return out
}

// costs reads benchmark_results.csv's cost_usd by cell/run.
func costs(t testing.TB, dir string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "benchmark_results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[col["cell"]]+"/run"+r[col["run"]]] = r[col["cost_usd"]]
	}
	return out
}

// TestRecordAndReplayPhase4c records the reference workload against a slow
// local upstream, stops the upstream and replays: every run succeeds
// offline with the recording's tokens and cost per call, no call comes
// back sooner than it was recorded, and the outputs say REPLAYED. Then
// --replay-speed 0 gives the same tokens and cost.
func TestRecordAndReplayPhase4c(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the reference workload")
	}
	t.Parallel() // mostly waits for the upstream's answers
	keys := []string{"OPENAI_API_KEY=" + recOpenAIKey, "ANTHROPIC_API_KEY=" + recAnthropicKey, "GEMINI_API_KEY=" + recGeminiKey}
	up := httptest.NewServer(slowAPIs{gap: 100 * time.Millisecond})
	spec := phase4cLike(t, up.URL, 1)
	tmp := t.TempDir()
	rec, rep, rep0 := filepath.Join(tmp, "rec"), filepath.Join(tmp, "rep"), filepath.Join(tmp, "rep0")

	if code, stdout, stderr := runnerAt(t, repoRoot, keys, spec, "--record", "--output", rec, "--no-progress"); code != ExitOK {
		t.Fatalf("record: exit %d\n%s\n%s", code, stdout, stderr)
	}
	up.Close() // offline from here on
	assertNoSecretsIn(t, rec)

	code, stdout, stderr := runnerAt(t, repoRoot, keys, spec, "--replay", rec, "--output", rep, "--no-progress")
	if code != ExitOK {
		t.Fatalf("replay: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "REPLAYED from "+rec+" (recorded ") {
		t.Errorf("the console does not open with REPLAYED:\n%s", stdout)
	}
	for file, head := range map[string]string{"PERFORMANCE_BENCHMARKS.md": "> **REPLAYED** from `" + rec + "`", "summary.json": "{\n  \"notice\": \"REPLAYED from " + rec} {
		b, _ := os.ReadFile(filepath.Join(rep, file))
		if !strings.HasPrefix(string(b), head) {
			t.Errorf("%s does not open with %q:\n%.300s", file, head, b)
		}
	}

	recorded, replayed := runsByKey(t, rec), runsByKey(t, rep)
	if len(recorded) != 4 || len(replayed) != 4 {
		t.Fatalf("recorded %d runs, replayed %d; want 4 cells × 1", len(recorded), len(replayed))
	}
	recCost, repCost := costs(t, rec), costs(t, rep)
	for key, a := range recorded {
		b := replayed[key]
		if !a.OK() || !b.OK() {
			t.Errorf("%s: recorded %s %s, replayed %s %s", key, a.Status, a.Error, b.Status, b.Error)
			continue
		}
		if b.Replay == nil || b.Replay.From != key || b.Replay.Unmatched != 0 {
			t.Errorf("%s: replay %+v", key, b.Replay)
		}
		if len(a.Calls) == 0 || len(a.Calls) != len(b.Calls) {
			t.Fatalf("%s: %d calls recorded, %d replayed", key, len(a.Calls), len(b.Calls))
		}
		entries := cassetteEntries(t, rec, key)
		for i := range a.Calls {
			ca, cb := a.Calls[i], b.Calls[i]
			if ca.Tokens != cb.Tokens || ca.Model != cb.Model || ca.Phase != cb.Phase || cb.Error != "" {
				t.Errorf("%s call %d: recorded %+v\nreplayed %+v", key, i, ca, cb)
			}
			// A replay as recorded waits for the recorded end of each
			// answer: load can only make it later, never earlier.
			if cb.LatencyS*1000 < entries[i].EndMS {
				t.Errorf("%s call %d: replayed in %.1f ms, recorded answer ended at %.1f ms", key, i, cb.LatencyS*1000, entries[i].EndMS)
			}
		}
		if recCost[key] == "" || recCost[key] != repCost[key] {
			t.Errorf("%s: cost recorded %q, replayed %q", key, recCost[key], repCost[key])
		}
	}

	if code, stdout, stderr := runnerAt(t, repoRoot, keys, spec, "--replay", rec, "--replay-speed", "0", "--output", rep0, "--no-progress"); code != ExitOK {
		t.Fatalf("replay at speed 0: exit %d\n%s\n%s", code, stdout, stderr)
	}
	fast, fastCost := runsByKey(t, rep0), costs(t, rep0)
	for key, a := range recorded {
		b := fast[key]
		if !b.OK() || len(b.Calls) != len(a.Calls) || recCost[key] != fastCost[key] {
			t.Errorf("%s at speed 0: %s, %d calls (recorded %d), cost %q (recorded %q)", key, b.Status, len(b.Calls), len(a.Calls), fastCost[key], recCost[key])
			continue
		}
		for i := range a.Calls {
			if a.Calls[i].Tokens != b.Calls[i].Tokens {
				t.Errorf("%s call %d at speed 0: tokens %+v, recorded %+v", key, i, b.Calls[i].Tokens, a.Calls[i].Tokens)
			}
		}
	}
}

// cassetteEntries reads the recording of cell/runN, in order of start.
func cassetteEntries(t testing.TB, out, key string) []cassette.Entry {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "cassettes", key+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var es []cassette.Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var e cassette.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Seq < es[j].Seq })
	return es
}

// assertNoSecretsIn greps every file under dir for the recording keys and
// cookie, and the cassettes also for auth and cookie headers (the spec may
// name a header; a cassette never).
func assertNoSecretsIn(t *testing.T, dir string) {
	t.Helper()
	files := 0
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		secrets := []string{recOpenAIKey, recAnthropicKey, recGeminiKey, "RECORDCOOKIE"}
		if strings.Contains(p, string(filepath.Separator)+"cassettes"+string(filepath.Separator)) {
			files++
			secrets = append(secrets, "Set-Cookie", "x-api-key", "x-goog-api-key", "Authorization", "key=")
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
	if files < 2 {
		t.Fatalf("%d cassette files under %s", files, dir)
	}
}

// tsWorkload asks with a timestamp in every prompt, by the public API
// hosts' names (interception mode), and lists the models (passed through).
const tsWorkload = `name: stamped
runs: 2
command: |
  echo '::runner::{"event":"phase_start","phase":"Ask"}'
  curl -sS --fail-with-body https://api.openai.com/v1/chat/completions -H 'content-type: application/json' \
    -H "Authorization: Bearer $OPENAI_API_KEY" \
    -d "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"it is now $(date +%s%N)\"}]}" >/dev/null
  echo '::runner::{"event":"phase_start","phase":"List"}'
  curl -sS --fail-with-body https://api.openai.com/v1/models >/dev/null
providers:
  - { name: openai, api: openai, models: [ gpt-4o-mini ] }
phases: [ Ask, List ]
pricing:
  "*": { input: 1, output: 1 }
`

// A workload whose prompts hold a timestamp, recorded in interception mode
// (against the simulator) and replayed offline: under match: body every
// prompt is unmatched, answered with an error and counted on the console,
// in the CSV and in summary.json; under match: sequence every run succeeds.
// A third run, not recorded, reuses run 1; replay.missing: refuse names it.
func TestReplayTimestampedPromptsBySequence(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	t.Parallel() // mostly waits for runs and the simulator
	key := []string{"OPENAI_API_KEY=" + recOpenAIKey}
	dir := t.TempDir()
	spec := writeSpec(t, dir, tsWorkload)
	rec, byBody, bySeq := filepath.Join(dir, "rec"), filepath.Join(dir, "body"), filepath.Join(dir, "seq")
	if code, stdout, stderr := runnerAt(t, "", key, spec, "--dry-run", "--intercept", "--record", "--output", rec, "--no-progress"); code != ExitOK {
		t.Fatalf("record: exit %d\n%s\n%s", code, stdout, stderr)
	}
	assertNoSecretsIn(t, rec)

	code, stdout, stderr := runnerAt(t, "", key, spec, "--intercept", "--replay", rec, "--output", byBody, "--no-progress")
	if code != ExitRunsFailed || !strings.Contains(stdout, "openai_gpt-4o-mini: 2 requests matched no recording (unmatched)") ||
		!strings.Contains(stderr, "no recording matched POST /chat/completions (gpt-4o-mini)") {
		t.Fatalf("match: body: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum struct {
		Cells []struct{ Unmatched int }
	}
	b, _ := os.ReadFile(filepath.Join(byBody, "summary.json"))
	json.Unmarshal(b, &sum)
	if len(sum.Cells) != 1 || sum.Cells[0].Unmatched != 2 {
		t.Errorf("summary.json cells: %+v, want 2 unmatched", sum.Cells)
	}
	csvb, _ := os.ReadFile(filepath.Join(byBody, "benchmark_results.csv"))
	if rows, _ := csv.NewReader(strings.NewReader(string(csvb))).ReadAll(); len(rows) != 3 || !strings.Contains(strings.Join(rows[0], ","), "replayed") ||
		rows[1][colIndex(rows[0], "unmatched")] != "1" || !strings.HasPrefix(rows[1][colIndex(rows[0], "replayed")], "REPLAYED from "+rec) {
		t.Errorf("CSV:\n%s", csvb)
	}

	code, stdout, stderr = runnerAt(t, "", key, spec, "--intercept", "--replay", rec, "--replay-match", "sequence", "--runs", "3", "--output", bySeq, "--no-progress")
	if code != ExitOK {
		t.Fatalf("match: sequence: exit %d\n%s\n%s", code, stdout, stderr)
	}
	recorded, replayed := runsByKey(t, rec), runsByKey(t, bySeq)
	for key, want := range map[string]string{"run1": "run1", "run2": "run2", "run3": "run1"} {
		r := replayed["openai_gpt-4o-mini/"+key]
		src := recorded["openai_gpt-4o-mini/"+want]
		if !r.OK() || r.Replay == nil || r.Replay.From != "openai_gpt-4o-mini/"+want || r.Replay.Unmatched != 0 ||
			len(r.Calls) != 1 || r.Calls[0].Tokens != src.Calls[0].Tokens {
			t.Errorf("%s: %s %s replay %+v calls %+v; want %s's answer", key, r.Status, r.Error, r.Replay, r.Calls, want)
		}
	}

	refused := filepath.Join(dir, "refused")
	writeSpec(t, dir, tsWorkload+"replay: { dir: "+rec+", match: sequence, missing: refuse }\n")
	code, _, stderr = runnerAt(t, "", key, spec, "--intercept", "--runs", "3", "--output", refused, "--no-progress")
	if code != ExitUsage || !strings.Contains(stderr, "the recording lacks openai_gpt-4o-mini/run3") {
		t.Errorf("missing: refuse: exit %d\n%s", code, stderr)
	}

	code, stdout, _ = runnerAt(t, "", key, "cassettes", rec, "--spec", spec, "--runs", "3")
	if code != ExitOK || !strings.Contains(stdout, "openai_gpt-4o-mini  run1 run2") || !strings.Contains(stdout, "run3←run1") ||
		!strings.Contains(stdout, "1 cells, 2 runs, 4 calls") {
		t.Errorf("runner cassettes: exit %d\n%s", code, stdout)
	}
}

func colIndex(head []string, name string) int {
	for i, h := range head {
		if h == name {
			return i
		}
	}
	return 0
}
