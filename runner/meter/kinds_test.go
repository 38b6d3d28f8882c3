package meter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
)

// kindsUpstream answers each call kind with the body its API documents.
func kindsUpstream(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/completions":
			if strings.Contains(string(body), `"stream":true`) {
				if !strings.Contains(string(body), `"include_usage":true`) {
					t.Errorf("a streamed completion was sent without include_usage: %s", body)
				}
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, "data: {\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"text\":\"Hel\",\"index\":0,\"finish_reason\":null}],\"usage\":null}\n\n"+
					"data: {\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"text\":\"lo\",\"index\":0,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"+
					"data: {\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n"+
					"data: [DONE]\n\n")
				return
			}
			fmt.Fprint(w, `{"model":"gpt-3.5-turbo-instruct","choices":[{"text":"hi","index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}`)
		case "/v1/embeddings":
			fmt.Fprint(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}`)
		case "/v1beta/models/text-embedding-004:embedContent":
			fmt.Fprint(w, `{"embedding":{"values":[0.1,0.2]}}`)
		case "/v1beta/models/text-embedding-004:batchEmbedContents":
			fmt.Fprint(w, `{"embeddings":[{"values":[0.1]},{"values":[0.2]}]}`)
		case "/v1beta/models/gemini-2.5-flash:generateContent": // no finishReason
			fmt.Fprint(w, `{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2},"modelVersion":"gemini-2.5-flash"}`)
		case "/api/embed":
			fmt.Fprint(w, `{"model":"all-minilm","embeddings":[[0.1,0.2]],"total_duration":1000,"prompt_eval_count":6}`)
		case "/api/embeddings":
			fmt.Fprint(w, `{"embedding":[0.1,0.2]}`)
		case "/api/tags", "/v1/models":
			fmt.Fprint(w, `{"models":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Legacy completions, embeddings of every API and Ollama's OpenAI-compatible
// routes are metered; a provider that reports no usage for embeddings gets
// the input estimated from the request text; a whole Gemini body without a
// finish reason is reported; model lists pass through unrecorded.
func TestMoreCallKinds(t *testing.T) {
	up := kindsUpstream(t)
	ups := Upstreams{}
	for _, api := range llmapi.APIs {
		ups[api] = up.URL
	}
	p, err := Start(context.Background(), ups)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	type want struct {
		api                    llmapi.API
		endpoint, model, usage string
		tokens                 record.Tokens
	}
	for _, c := range []struct {
		api                llmapi.API
		method, path, body string
		want               *want
	}{
		{llmapi.OpenAI, "POST", "/v1/completions", `{"model":"gpt-3.5-turbo-instruct","prompt":"Say hi"}`,
			&want{"openai", "completions", "gpt-3.5-turbo-instruct", "reported", record.Tokens{Input: 5, Output: 7}}},
		{llmapi.OpenAI, "POST", "/v1/completions", `{"model":"gpt-3.5-turbo-instruct","prompt":"Say hi","stream":true}`,
			&want{"openai", "completions", "gpt-3.5-turbo-instruct", "reported", record.Tokens{Input: 5, Output: 2}}},
		{llmapi.OpenAI, "POST", "/v1/embeddings", `{"model":"text-embedding-3-small","input":"hello"}`,
			&want{"openai", "embeddings", "text-embedding-3-small", "reported", record.Tokens{Input: 8}}},
		{llmapi.Gemini, "POST", "/v1beta/models/text-embedding-004:embedContent", `{"content":{"parts":[{"text":"12345678"}]}}`,
			&want{"gemini", "embedContent", "text-embedding-004", "estimated", record.Tokens{Input: 2}}},
		{llmapi.Gemini, "POST", "/v1beta/models/text-embedding-004:batchEmbedContents",
			`{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"1234"}]}},{"model":"models/text-embedding-004","content":{"parts":[{"text":"12345678"}]}}]}`,
			&want{"gemini", "batchEmbedContents", "text-embedding-004", "estimated", record.Tokens{Input: 3}}},
		{llmapi.Gemini, "POST", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[{"parts":[{"text":"hi"}]}]}`,
			&want{"gemini", "generateContent", "gemini-2.5-flash", "reported", record.Tokens{Input: 4, Output: 2}}},
		{llmapi.Ollama, "POST", "/api/embed", `{"model":"all-minilm","input":["a","b"]}`,
			&want{"ollama", "embed", "all-minilm", "reported", record.Tokens{Input: 6}}},
		{llmapi.Ollama, "POST", "/api/embeddings", `{"model":"all-minilm","prompt":"12345678"}`,
			&want{"ollama", "embeddings", "all-minilm", "estimated", record.Tokens{Input: 2}}},
		{llmapi.Ollama, "POST", "/v1/embeddings", `{"model":"text-embedding-3-small","input":"hello"}`,
			&want{"ollama", "embeddings", "text-embedding-3-small", "reported", record.Tokens{Input: 8}}},
		{llmapi.Ollama, "POST", "/v1/completions", `{"model":"gpt-3.5-turbo-instruct","prompt":"Say hi"}`,
			&want{"ollama", "completions", "gpt-3.5-turbo-instruct", "reported", record.Tokens{Input: 5, Output: 7}}},
		{llmapi.Ollama, "GET", "/api/tags", "", nil},
		{llmapi.OpenAI, "GET", "/v1/models", "", nil},
	} {
		p.BeginRun(time.Now(), nil)
		req, _ := http.NewRequest(c.method, p.URL(c.api)+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s %s: %d %s", c.api, c.path, resp.StatusCode, body)
		}
		if strings.Contains(c.body, `"stream":true`) && strings.Contains(string(body), `"usage"`) {
			t.Errorf("the client of a stream that did not ask for usage got it: %s", body)
		}
		calls := p.EndRun().Calls
		if c.want == nil {
			if len(calls) != 0 {
				t.Errorf("%s %s recorded: %+v", c.method, c.path, calls)
			}
			continue
		}
		if len(calls) != 1 {
			t.Errorf("%s %s: %d calls recorded, want 1", c.api, c.path, len(calls))
			continue
		}
		got := calls[0]
		if g := (want{got.API, got.Endpoint, got.Model, got.UsageStatus, got.Tokens}); g != *c.want || got.Error != "" {
			t.Errorf("%s %s:\n got %+v (error %q)\nwant %+v", c.api, c.path, g, got.Error, *c.want)
		}
	}
}
