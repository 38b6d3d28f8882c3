package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const testKey = "sk-test-SECRET-0123456789"

// The answer every fake API gives: Markdown with something that must be escaped.
const answer = "## Overview\nSolid block of training.\n\n- Keep the long rides\n- Add **VO2max** work <script>alert(1)</script>\n"

// fakeAPIs serves the four native APIs on 127.0.0.1 with the non-streaming
// response shapes the providers document, and records the requests.
type fakeAPIs struct {
	t        *testing.T
	mu       sync.Mutex
	requests []recorded
	fail     int    // if non-zero, answer every request with this status
	failBody string // and this body
}

type recorded struct {
	path   string
	header http.Header
	body   map[string]any
}

func (f *fakeAPIs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		f.t.Errorf("%s: request body is not JSON: %v", r.URL.Path, err)
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.URL.Path, r.Header.Clone(), body})
	f.mu.Unlock()
	if r.Method != http.MethodPost {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.fail != 0 {
		w.WriteHeader(f.fail)
		io.WriteString(w, f.failBody)
		return
	}
	text, _ := json.Marshal(answer)
	switch {
	case r.URL.Path == "/v1/chat/completions":
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4-turbo-2024-04-09",
 "choices":[{"index":0,"message":{"role":"assistant","content":`+string(text)+`},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
  "prompt_tokens_details":{"cached_tokens":200},
  "completion_tokens_details":{"reasoning_tokens":0}}}`)
	case r.URL.Path == "/v1/messages":
		if r.Header.Get("x-api-key") != testKey || r.Header.Get("anthropic-version") != "2023-06-01" || body["max_tokens"] == nil {
			w.WriteHeader(400)
			io.WriteString(w, `{"type":"error","error":{"type":"invalid_request_error","message":"missing header or max_tokens"}}`)
			return
		}
		io.WriteString(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-sonnet-20241022",
 "content":[{"type":"text","text":`+string(text)+`}],"stop_reason":"end_turn",
 "usage":{"input_tokens":1000,"cache_creation_input_tokens":100,"cache_read_input_tokens":400,
  "cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":0},
  "output_tokens":500}}`)
	case strings.HasPrefix(r.URL.Path, "/v1beta/models/") && strings.HasSuffix(r.URL.Path, ":generateContent"):
		if r.Header.Get("x-goog-api-key") != testKey {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}`)
			return
		}
		io.WriteString(w, `{"candidates":[{"content":{"role":"model","parts":[{"text":`+string(text)+`}]},"finishReason":"STOP","index":0}],
 "usageMetadata":{"promptTokenCount":2000,"cachedContentTokenCount":1000,"candidatesTokenCount":400,
  "thoughtsTokenCount":100,"totalTokenCount":2500},
 "modelVersion":"gemini-1.5-pro-002","responseId":"r1"}`)
	case r.URL.Path == "/api/chat":
		if body["stream"] != false {
			f.t.Errorf("ollama request without \"stream\": false: %s", raw)
		}
		io.WriteString(w, `{"model":"llama3.2:3b","created_at":"2026-01-01T00:00:01Z","message":{"role":"assistant","content":`+string(text)+`},"done":true,"done_reason":"stop","total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":900,"prompt_eval_duration":130079000,"eval_count":250,"eval_duration":4232710000}`)
	default:
		w.WriteHeader(404)
		io.WriteString(w, `{"error":"no route `+r.URL.Path+`"}`)
	}
}

// envFor points every SDK variable at the fake server.
func envFor(srv *httptest.Server) func(string) string {
	vars := map[string]string{
		"OPENAI_BASE_URL":        srv.URL + "/v1",
		"OPENAI_API_KEY":         testKey,
		"ANTHROPIC_BASE_URL":     srv.URL,
		"ANTHROPIC_API_KEY":      testKey,
		"GOOGLE_GEMINI_BASE_URL": srv.URL + "/",
		"GEMINI_API_KEY":         testKey,
		"OLLAMA_HOST":            strings.TrimPrefix(srv.URL, "http://"), // scheme optional
	}
	return func(k string) string { return vars[k] }
}

type event struct {
	Event             string `json:"event"`
	Phase             string `json:"phase"`
	Provider          string `json:"provider"`
	Model             string `json:"model"`
	InputTokens       *int   `json:"input_tokens"`
	OutputTokens      *int   `json:"output_tokens"`
	CachedInputTokens *int   `json:"cached_input_tokens"`
}

func parseEvents(t *testing.T, stdout string) []event {
	t.Helper()
	var out []event
	for _, line := range strings.Split(stdout, "\n") {
		if !strings.HasPrefix(line, "::runner::") {
			continue
		}
		var e event
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "::runner::")), &e); err != nil {
			t.Fatalf("bad event line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

func runCLI(t *testing.T, env func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e, env)
	return code, o.String(), e.String()
}

func TestGenerateEndToEnd(t *testing.T) {
	// Usage each fake API reports, normalised: input includes cached input.
	want := map[string][3]int{ // input, output, cached
		"openai":    {1200, 300, 200},
		"anthropic": {1500, 500, 400}, // 1000 + 100 cache writes + 400 cache reads
		"gemini":    {2000, 500, 1000},
		"ollama":    {900, 250, 0},
	}
	paths := map[string]string{
		"openai": "/v1/chat/completions", "anthropic": "/v1/messages",
		"gemini": "/v1beta/models/gemini-1.5-pro:generateContent", "ollama": "/api/chat",
	}
	for provider, usage := range want {
		t.Run(provider, func(t *testing.T) {
			fake := &fakeAPIs{t: t}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, envFor(srv), "generate",
				"--csv", "../data/real_activities.csv", "--profile", "../data/test_profile.json", "--fit-dir", "../data/fit_files",
				"--output-dir", out, "--provider", provider, "--period-months", "6", "--training-plan-weeks", "8")
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, testKey) {
				t.Error("the API key was printed")
			}

			// Events: four phases in order, each closed, one usage per LLM phase.
			evs := parseEvents(t, stdout)
			var phases []string
			usagePhase := map[string]int{}
			open := ""
			for _, e := range evs {
				switch e.Event {
				case "phase_start":
					phases = append(phases, e.Phase)
					open = e.Phase
				case "phase_end":
					if e.Phase != open {
						t.Errorf("phase_end %q while %q is open", e.Phase, open)
					}
					open = ""
				case "usage":
					usagePhase[open]++
					if e.Provider != provider || e.Model == "" || e.InputTokens == nil || e.OutputTokens == nil || e.CachedInputTokens == nil {
						t.Errorf("incomplete usage event %+v", e)
						continue
					}
					if got := [3]int{*e.InputTokens, *e.OutputTokens, *e.CachedInputTokens}; got != usage {
						t.Errorf("usage = %v, want %v", got, usage)
					}
				default:
					t.Errorf("unexpected event %+v", e)
				}
			}
			wantPhases := []string{"Data Preparation", "Performance Analysis", "Training Planning", "Report Generation"}
			if strings.Join(phases, "|") != strings.Join(wantPhases, "|") {
				t.Errorf("phases = %q", phases)
			}
			for _, p := range wantPhases[1:] {
				if usagePhase[p] != 1 {
					t.Errorf("phase %q has %d usage events, want 1", p, usagePhase[p])
				}
			}
			if usagePhase["Data Preparation"] != 0 {
				t.Error("Data Preparation reported LLM usage")
			}

			// Requests: three, to the native endpoint, with prompts built from the data.
			if len(fake.requests) != 3 {
				t.Fatalf("%d requests, want 3", len(fake.requests))
			}
			for _, r := range fake.requests {
				if r.path != paths[provider] {
					t.Errorf("request to %s, want %s", r.path, paths[provider])
				}
			}
			prompts := make([]string, 3)
			for i, r := range fake.requests {
				b, _ := json.Marshal(r.body)
				prompts[i] = string(b)
			}
			for i, needle := range []string{"Weekly volume", "8-week training plan", "executive summary"} {
				if !strings.Contains(prompts[i], needle) {
					t.Errorf("prompt %d lacks %q", i+2, needle)
				}
			}
			if !strings.Contains(prompts[0], "FTP 265 W") || !strings.Contains(prompts[0], "Sam Okafor") {
				t.Error("analysis prompt lacks the athlete's numbers")
			}
			if !strings.Contains(prompts[1], "Keep the long rides") {
				t.Error("plan prompt lacks the analysis answer")
			}

			// Outputs: aggregates, three reports with escaped model text, a session.
			if _, err := os.Stat(filepath.Join(out, "aggregates.json")); err != nil {
				t.Error(err)
			}
			for _, name := range []string{"performance_report.html", "training_plan.html", "summary.html"} {
				html, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Error(err)
					continue
				}
				s := string(html)
				if strings.Contains(s, "<script>alert") || !strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") {
					t.Errorf("%s: model text not escaped", name)
				}
				if !strings.Contains(s, "Sam Okafor") || !strings.Contains(s, "<table>") || strings.Contains(s, "ZgotmplZ") {
					t.Errorf("%s: computed tables missing", name)
				}
			}
			perf, _ := os.ReadFile(filepath.Join(out, "performance_report.html"))
			for _, s := range []string{"Lactate Threshold", "FTP trend", "Weekly volume"} {
				if !strings.Contains(string(perf), s) {
					t.Errorf("performance report lacks %q", s)
				}
			}
			sessions, _ := filepath.Glob(filepath.Join(out, "sessions", "*.json"))
			if len(sessions) != 1 {
				t.Fatalf("sessions = %v", sessions)
			}
			raw, _ := os.ReadFile(sessions[0])
			var sess session
			if err := json.Unmarshal(raw, &sess); err != nil {
				t.Fatal(err)
			}
			if len(sess.Calls) != 3 || sess.Calls[0].Phase != "Performance Analysis" || sess.Calls[2].Response != answer || sess.Calls[1].Usage.InputTokens != usage[0] {
				t.Errorf("session = %+v", sess)
			}
			if strings.Contains(string(raw), testKey) {
				t.Error("the API key is in the session transcript")
			}
		})
	}
}

func TestGenerateAPIError(t *testing.T) {
	fake := &fakeAPIs{t: t, fail: 401, failBody: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, envFor(srv), "generate", "--csv", "../data/real_activities.csv", "--output-dir", out, "--provider", "anthropic")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	for _, s := range []string{"Performance Analysis failed", "anthropic", "401", "invalid x-api-key"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q: %s", s, stderr)
		}
	}
	if strings.Contains(stdout+stderr, testKey) {
		t.Error("the API key was printed")
	}
	if strings.Contains(stdout, `"event":"usage"`) {
		t.Error("usage event for a failed call")
	}
	if _, err := os.Stat(filepath.Join(out, "summary.html")); err == nil {
		t.Error("reports written after a failure")
	}
}

func TestGenerateNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	env := envFor(srv)
	srv.Close() // nothing listens there any more
	code, _, stderr := runCLI(t, env, "generate", "--csv", "../data/real_activities.csv", "--output-dir", t.TempDir(), "--provider", "ollama")
	if code != exitFailure || !strings.Contains(stderr, "ollama: request to http://127.0.0.1:") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

func TestGenerateBadCSV(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "bad.csv")
	src, err := os.ReadFile("../data/real_activities.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	fields := strings.Split(lines[4], ",") // line 5 of the file
	fields[5] = "1h20m"                    // duration_s
	lines[4] = strings.Join(fields, ",")
	os.WriteFile(csvPath, []byte(strings.Join(lines, "\n")), 0o644)

	fake := &fakeAPIs{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	code, stdout, stderr := runCLI(t, envFor(srv), "generate", "--csv", csvPath, "--profile", "../data/test_profile.json",
		"--output-dir", filepath.Join(dir, "out"), "--provider", "openai")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	if want := csvPath + `:5: column "duration_s": "1h20m" is not a number`; !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr, want)
	}
	if !strings.Contains(stdout, `"phase":"Data Preparation"`) || len(fake.requests) != 0 {
		t.Error("expected a failure inside Data Preparation before any LLM call")
	}
}

func TestGenerateUsageErrors(t *testing.T) {
	env := func(string) string { return "" }
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"generate", "--csv", "x.csv"},
		{"generate", "--csv", "x.csv", "--provider", "mistral"},
		{"generate", "--provider", "openai"},
		{"generate", "--csv", "x.csv", "--provider", "openai", "--training-plan-weeks", "0"},
	} {
		if code, _, stderr := runCLI(t, env, args...); code != exitUsage || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d with a message", args, code, stderr, exitUsage)
		}
	}
}
