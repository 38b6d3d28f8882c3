package sim

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatal(err)
	}
	return resp, string(b)
}

func newServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return srv
}

func TestDeterministicAndCapped(t *testing.T) {
	body := `{"model":"gpt-4o","messages":[{"role":"user","content":"hello there"}]}`
	a := newServer(t, Config{Seed: 7})
	b := newServer(t, Config{Seed: 7})
	_, x := post(t, a.URL+"/v1/chat/completions", body)
	_, y := post(t, b.URL+"/v1/chat/completions", body)
	strip := func(s string) string { // created is the wall clock
		var m map[string]any
		json.Unmarshal([]byte(s), &m)
		delete(m, "created")
		o, _ := json.Marshal(m)
		return string(o)
	}
	if strip(x) != strip(y) {
		t.Errorf("same seed, same request, different answers:\n%s\n%s", x, y)
	}
	var u struct {
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	json.Unmarshal([]byte(x), &u)
	if u.Usage.PromptTokens != 3 || u.Usage.CompletionTokens < 200 || u.Usage.CompletionTokens > 600 {
		t.Errorf("usage = %+v", u.Usage)
	}
	_, z := post(t, a.URL+"/v1/chat/completions", `{"model":"gpt-4o","max_tokens":5,"messages":[]}`)
	if !strings.Contains(z, `"completion_tokens":5`) || !strings.Contains(z, `"finish_reason":"length"`) {
		t.Errorf("max_tokens not honoured: %s", z)
	}
}

func TestModelGlobAndErrors(t *testing.T) {
	srv := newServer(t, Config{Models: map[string]Model{
		"claude-*":     {ErrorRate429: 1},
		"claude-oops*": {ErrorRate500: 1},
		"fixed":        {OutputTokens: 3},
	}})
	resp, body := post(t, srv.URL+"/v1/messages", `{"model":"claude-x","max_tokens":10,"messages":[]}`)
	if resp.StatusCode != 429 || !strings.Contains(body, `"rate_limit_error"`) {
		t.Errorf("claude-x: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, srv.URL+"/v1/messages", `{"model":"claude-oops-1","messages":[]}`)
	if resp.StatusCode != 500 || !strings.Contains(body, `"type":"error"`) {
		t.Errorf("claude-oops-1: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, srv.URL+"/v1beta/models/fixed:generateContent", `{"contents":[]}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"candidatesTokenCount":3`) {
		t.Errorf("fixed: %d %s", resp.StatusCode, body)
	}
}

// events reads an SSE body into (event, data) pairs.
func events(body string) [][2]string {
	var out [][2]string
	var ev string
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "event: "):
			ev = line[7:]
		case strings.HasPrefix(line, "data: "):
			out = append(out, [2]string{ev, line[6:]})
			ev = ""
		}
	}
	return out
}

func TestStreams(t *testing.T) {
	srv := newServer(t, Config{Default: Model{OutputTokens: 10}})
	t.Run("chat without include_usage", func(t *testing.T) {
		_, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,"messages":[]}`)
		ev := events(body)
		if strings.Contains(body, `"usage"`) || ev[len(ev)-1][1] != "[DONE]" {
			t.Errorf("unexpected usage or no [DONE]:\n%s", body)
		}
	})
	t.Run("chat with include_usage", func(t *testing.T) {
		_, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}`)
		ev := events(body)
		last := ev[len(ev)-2][1]
		if !strings.Contains(last, `"choices":[]`) || !strings.Contains(last, `"completion_tokens":10`) || !strings.Contains(ev[0][1], `"usage":null`) {
			t.Errorf("usage chunk wrong:\n%s", body)
		}
	})
	t.Run("responses", func(t *testing.T) {
		_, body := post(t, srv.URL+"/v1/responses", `{"model":"m","stream":true,"input":"hi"}`)
		ev := events(body)
		var types []string
		for _, e := range ev {
			if e[0] != "" {
				types = append(types, e[0])
			}
		}
		want := "response.created response.in_progress response.output_item.added response.content_part.added response.output_text.delta response.output_text.delta response.output_text.delta response.output_text.done response.content_part.done response.output_item.done response.completed"
		if strings.Join(types, " ") != want {
			t.Errorf("events = %v", types)
		}
		if !strings.Contains(ev[len(ev)-1][1], `"output_tokens":10`) {
			t.Errorf("completed lacks usage: %s", ev[len(ev)-1][1])
		}
	})
	t.Run("anthropic", func(t *testing.T) {
		_, body := post(t, srv.URL+"/v1/messages", `{"model":"m","stream":true,"max_tokens":100,"messages":[]}`)
		ev := events(body)
		if ev[0][0] != "message_start" || ev[len(ev)-1][0] != "message_stop" || !strings.Contains(ev[len(ev)-2][1], `"output_tokens":10`) {
			t.Errorf("anthropic stream:\n%s", body)
		}
	})
	t.Run("gemini sse", func(t *testing.T) {
		_, body := post(t, srv.URL+"/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", `{"contents":[]}`)
		ev := events(body)
		if !strings.Contains(body, "\r\n\r\n") || !strings.Contains(ev[len(ev)-1][1], `"finishReason":"STOP"`) {
			t.Errorf("gemini stream:\n%q", body)
		}
	})
	t.Run("gemini array", func(t *testing.T) {
		_, body := post(t, srv.URL+"/v1beta/models/g:streamGenerateContent", `{"contents":[]}`)
		var arr []map[string]any
		if err := json.Unmarshal([]byte(body), &arr); err != nil || len(arr) != 3 {
			t.Errorf("gemini array (%v):\n%s", err, body)
		}
	})
	t.Run("ollama", func(t *testing.T) {
		_, body := post(t, srv.URL+"/api/chat", `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}`)
		lines := strings.Split(strings.TrimSpace(body), "\n")
		var last map[string]any
		json.Unmarshal([]byte(lines[len(lines)-1]), &last)
		if last["done"] != true || last["eval_count"] != float64(10) || last["eval_duration"] == nil {
			t.Errorf("ollama stream:\n%s", body)
		}
	})
	t.Run("ollama generate not streamed", func(t *testing.T) {
		_, body := post(t, srv.URL+"/api/generate", `{"model":"llama3.2","prompt":"hi","stream":false}`)
		if !strings.Contains(body, `"done":true`) || strings.Count(body, "\n") != 0 {
			t.Errorf("ollama generate:\n%s", body)
		}
	})
}

func TestTruncate(t *testing.T) {
	srv := newServer(t, Config{Default: Model{OutputTokens: 40, TruncateRate: 1}})
	_, body := post(t, srv.URL+"/v1/messages", `{"model":"m","stream":true,"messages":[]}`)
	if strings.Contains(body, "message_stop") || !strings.Contains(body, "content_block_delta") {
		t.Errorf("not truncated mid-way:\n%s", body)
	}
}

func TestPacing(t *testing.T) {
	srv := newServer(t, Config{Default: Model{TTFT: 30 * time.Millisecond, TokensPerSecond: 1000, OutputTokens: 50}})
	start := time.Now()
	post(t, srv.URL+"/v1/chat/completions", `{"model":"m","messages":[]}`)
	if d := time.Since(start); d < 80*time.Millisecond || d > 2*time.Second {
		t.Errorf("non-stream took %v, want ~80ms", d)
	}
}
