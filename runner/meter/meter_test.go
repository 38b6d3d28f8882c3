package meter

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
)

// startProxy starts a proxy for all four APIs in front of upstream and exports
// its variables and the API keys the way a run's environment would.
func startProxy(t *testing.T, upstream string) *Proxy {
	t.Helper()
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: upstream + "/v1", llmapi.Anthropic: upstream, llmapi.Gemini: upstream, llmapi.Ollama: upstream})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	for _, kv := range p.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("OPENAI_API_KEY", openaiKey)
	t.Setenv("ANTHROPIC_API_KEY", anthropicKey)
	t.Setenv("GOOGLE_API_KEY", geminiKey)
	t.Setenv("GEMINI_API_KEY", "")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "")
	t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "")
	return p
}

// The include_usage rewrite: the upstream is asked for usage, the client gets
// exactly the bytes it would have got without the proxy.
func TestIncludeUsageRewriteIsInvisible(t *testing.T) {
	fx := newFixture()
	up := httptest.NewServer(fx)
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	body := `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	resp, err := http.Post(p.URL(llmapi.OpenAI)+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != fxChatStream(false) {
		t.Errorf("client bytes differ from the upstream's without include_usage:\n%s\nwant:\n%s", b, fxChatStream(false))
	}
	if sent := fx.Body("/v1/chat/completions"); sent != `{"stream_options":{"include_usage":true},`+body[1:] {
		t.Errorf("upstream got %s", sent)
	}
	// A request that has stream_options without include_usage keeps its options.
	body2 := `{"model":"m","stream":true,"stream_options":{"include_obfuscation":false},"messages":[]}`
	resp, err = http.Post(p.URL(llmapi.OpenAI)+"/v1/chat/completions", "application/json", strings.NewReader(body2))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var sent struct {
		StreamOptions map[string]bool `json:"stream_options"`
	}
	json.Unmarshal([]byte(fx.Body("/v1/chat/completions")), &sent)
	if !sent.StreamOptions["include_usage"] || sent.StreamOptions["include_obfuscation"] {
		t.Errorf("stream_options sent: %v", sent.StreamOptions)
	}
	calls := p.EndRun().Calls
	if len(calls) != 2 || calls[0].Input != 9 || calls[1].UsageStatus != "reported" {
		t.Errorf("calls: %+v", calls)
	}
}

func TestNonMeteredPathsPassThrough(t *testing.T) {
	up := httptest.NewServer(newFixture())
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	resp, err := http.Get(p.URL(llmapi.OpenAI) + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"list"`) {
		t.Errorf("GET /v1/models: %d %s", resp.StatusCode, b)
	}
	if calls := p.EndRun().Calls; len(calls) != 0 {
		t.Errorf("non-metered call recorded: %+v", calls)
	}
}

func TestEnv(t *testing.T) {
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: "", llmapi.Ollama: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	env := strings.Join(p.Env(), "\n")
	for _, k := range []string{"OPENAI_BASE_URL=" + p.URL(llmapi.OpenAI) + "/v1", "OPENAI_API_BASE=" + p.URL(llmapi.OpenAI) + "/v1",
		"OLLAMA_HOST=" + p.URL(llmapi.Ollama), "RUNNER_PROXY_URL=" + p.URL(llmapi.OpenAI), "RUNNER_PROXY_URL_OLLAMA=" + p.URL(llmapi.Ollama)} {
		if !strings.Contains(env, k+"\n") && !strings.HasSuffix(env, k) {
			t.Errorf("Env lacks %s:\n%s", k, env)
		}
	}
	if strings.Contains(env, "ANTHROPIC") || !strings.HasPrefix(p.URL(llmapi.OpenAI), "http://127.0.0.1:") {
		t.Errorf("Env:\n%s", env)
	}
	if _, err := Start(context.Background(), Upstreams{"azure": ""}); err == nil {
		t.Errorf("unknown API accepted")
	}
	if _, err := Start(context.Background(), Upstreams{llmapi.Gemini: "ftp://x?key=SECRET"}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("bad upstream: %v", err)
	}
}
