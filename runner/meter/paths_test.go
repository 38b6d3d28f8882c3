package meter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/sim"
)

// pathRecorder is an upstream that answers like the simulator after
// taking off its own base path, and remembers the paths it was asked for.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (pr *pathRecorder) server(t *testing.T, base string) *httptest.Server {
	h := sim.New(sim.Config{Default: sim.Model{OutputTokens: 3}})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr.mu.Lock()
		pr.paths = append(pr.paths, r.URL.Path)
		pr.mu.Unlock()
		r.URL.Path = strings.TrimPrefix(r.URL.Path, base) // a compatible server under base
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Clients reach each API by the paths well-known libraries use, and the
// upstream gets the path it serves: an OpenAI-compatible base path is kept
// as given, a bare host gets /v1, Anthropic's /messages gets /v1, Gemini's
// /models/... gets /v1beta, and Ollama's OpenAI-compatible routes are
// metered as Ollama calls.
func TestPathsReachTheUpstreamAsItServesThem(t *testing.T) {
	var compat, root pathRecorder
	cs := compat.server(t, "/v1beta/openai")
	rs := root.server(t, "")
	p, err := Start(context.Background(), Upstreams{
		llmapi.OpenAI:    cs.URL + "/v1beta/openai/",
		llmapi.Anthropic: rs.URL,
		llmapi.Gemini:    rs.URL,
		llmapi.Ollama:    rs.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.BeginRun(time.Now(), nil)
	chat := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	for _, c := range []struct {
		api        llmapi.API
		path, body string
	}{
		{llmapi.OpenAI, "/v1/chat/completions", chat},
		{llmapi.Anthropic, "/messages", `{"model":"claude","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`},
		{llmapi.Gemini, "/models/gemini-2.5-flash:generateContent", `{"contents":[{"parts":[{"text":"hi"}]}]}`},
		{llmapi.Ollama, "/v1/chat/completions", chat},
	} {
		resp, body, _ := rawPost(t, http.DefaultClient, p.URL(c.api)+c.path, c.body)
		if resp.StatusCode != 200 {
			t.Errorf("%s %s: %d %s", c.api, c.path, resp.StatusCode, body)
		}
	}
	calls := p.EndRun().Calls
	var got []string
	for _, c := range calls {
		got = append(got, string(c.API)+" "+c.Endpoint+" "+c.UsageStatus)
	}
	want := []string{"openai chat.completions reported", "anthropic messages reported",
		"gemini generateContent reported", "ollama chat.completions reported"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("calls:\n got %v\nwant %v", got, want)
	}
	if strings.Join(compat.paths, " ") != "/v1beta/openai/chat/completions" {
		t.Errorf("OpenAI-compatible upstream got %v, want its own base path kept", compat.paths)
	}
	if want := "/v1/messages /v1beta/models/gemini-2.5-flash:generateContent /v1/chat/completions"; strings.Join(root.paths, " ") != want {
		t.Errorf("upstream got %v, want %s", root.paths, want)
	}

	// A bare host as an OpenAI upstream gets /v1.
	var bare pathRecorder
	bs := bare.server(t, "")
	p2, err := Start(context.Background(), Upstreams{llmapi.OpenAI: bs.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	rawPost(t, http.DefaultClient, p2.URL(llmapi.OpenAI)+"/v1/chat/completions", chat)
	if strings.Join(bare.paths, " ") != "/v1/chat/completions" {
		t.Errorf("bare host upstream got %v, want /v1/chat/completions", bare.paths)
	}
}

// Every variable of the documented table points at its API's listener, with
// the suffix its readers expect; RUNNER_PROXY_URL is the primary API's.
func TestEnvNamesEveryAPI(t *testing.T) {
	ups := Upstreams{}
	for _, api := range llmapi.APIs {
		ups[api] = "http://127.0.0.1:1"
	}
	p, err := Start(context.Background(), ups, Primary(llmapi.Gemini))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	env := map[string]string{}
	for _, kv := range p.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	o, a, g, l := p.URL(llmapi.OpenAI), p.URL(llmapi.Anthropic), p.URL(llmapi.Gemini), p.URL(llmapi.Ollama)
	for k, want := range map[string]string{
		"OPENAI_BASE_URL": o + "/v1", "OPENAI_API_BASE": o + "/v1",
		"ANTHROPIC_BASE_URL": a, "ANTHROPIC_API_URL": a, "ANTHROPIC_API_BASE": a,
		"GOOGLE_GEMINI_BASE_URL": g, "GEMINI_BASE_URL": g, "GEMINI_API_BASE": g,
		"OLLAMA_HOST": l, "OLLAMA_BASE_URL": l, "OLLAMA_API_BASE": l,
		"RUNNER_PROXY_URL": g, "RUNNER_PROXY_URL_OPENAI": o,
	} {
		if env[k] != want || want == "" {
			t.Errorf("%s=%q, want %q", k, env[k], want)
		}
	}
}
