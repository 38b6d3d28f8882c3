package sim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// errorShape checks body against the error format of api and returns its
// message.
func errorShape(t *testing.T, api, body string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%s error is not JSON: %s", api, body)
	}
	e, _ := m["error"].(map[string]any)
	switch api {
	case "openai":
		if e == nil || str(e["type"]) == "" || len(m) != 1 {
			t.Fatalf("not an OpenAI error: %s", body)
		}
		if _, ok := e["param"]; !ok {
			t.Fatalf("OpenAI error without param: %s", body)
		}
		return str(e["message"])
	case "anthropic":
		if m["type"] != "error" || e == nil || !strings.HasSuffix(str(e["type"]), "_error") {
			t.Fatalf("not an Anthropic error: %s", body)
		}
		return str(e["message"])
	case "gemini":
		if e == nil || e["code"] == nil || str(e["status"]) == "" {
			t.Fatalf("not a Gemini error: %s", body)
		}
		return str(e["message"])
	case "ollama":
		if s, ok := m["error"].(string); ok && len(m) == 1 {
			return s
		}
		t.Fatalf("not an Ollama error: %s", body)
	}
	return ""
}

func TestErrorsInEachAPIsFormat(t *testing.T) {
	srv := newServer(t, Config{})
	for _, tc := range []struct {
		name, method, path, body, api string
		header                        []string
		status                        int
		msg                           string
	}{
		{"openai unknown route", "POST", "/v1/nope", `{}`, "openai", nil, 404, "POST /v1/nope"},
		{"openai bad json", "POST", "/v1/chat/completions", `{"model":`, "openai", nil, 400, "not valid JSON"},
		{"openai missing model", "POST", "/v1/chat/completions", `{"messages":[]}`, "openai", nil, 400, "model"},
		{"openai wrong method", "GET", "/v1/chat/completions", ``, "openai", nil, 405, "POST"},
		{"openai embeddings bad input", "POST", "/v1/embeddings", `{"model":"m","input":{}}`, "openai", nil, 400, "input"},
		{"openai models wrong method", "POST", "/v1/models", `{}`, "openai", nil, 405, "GET"},
		{"anthropic unknown route", "POST", "/v1/messages/batches", `{}`, "anthropic", nil, 404, "batches"},
		{"anthropic by header", "POST", "/v1/files", `{}`, "anthropic", []string{"anthropic-version", "2023-06-01"}, 404, "files"},
		{"anthropic bad json", "POST", "/v1/messages", `nope`, "anthropic", nil, 400, "not valid JSON"},
		{"anthropic missing model", "POST", "/v1/messages", `{"max_tokens":1,"messages":[]}`, "anthropic", nil, 400, "model: Field required"},
		{"anthropic count bad json", "POST", "/v1/messages/count_tokens", `[`, "anthropic", nil, 400, "JSON"},
		{"gemini unknown verb", "POST", "/v1beta/models/g:predict", `{}`, "gemini", nil, 404, "predict"},
		{"gemini bad json", "POST", "/v1beta/models/g:generateContent", `{`, "gemini", nil, 400, "JSON"},
		{"gemini embed bad json", "POST", "/v1beta/models/g:embedContent", `{`, "gemini", nil, 400, "JSON"},
		{"gemini batch empty", "POST", "/v1beta/models/g:batchEmbedContents", `{"requests":[]}`, "gemini", nil, 400, "requests"},
		{"gemini list wrong method", "POST", "/v1beta/models", `{}`, "gemini", nil, 405, "GET"},
		{"ollama unknown route", "POST", "/api/pull", `{}`, "ollama", nil, 404, "/api/pull"},
		{"ollama bad json", "POST", "/api/chat", `{`, "ollama", nil, 400, "JSON"},
		{"ollama missing model", "POST", "/api/generate", `{"prompt":"x"}`, "ollama", nil, 400, "model is required"},
		{"ollama tags wrong method", "POST", "/api/tags", `{}`, "ollama", nil, 405, "GET"},
		{"ollama show missing model", "POST", "/api/show", `{}`, "ollama", nil, 400, "model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 4096)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d (%s), want %d: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, b.String())
			}
			if msg := errorShape(t, tc.api, b.String()); !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not say %q", msg, tc.msg)
			}
		})
	}
}
