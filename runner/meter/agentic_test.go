package meter

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/sim"
)

// The simulator's tool-call and structured answers, streamed and not, are
// metered with exactly the usage they carry, as any answer is.
func TestAgenticAnswersFromSimulatorMeteredExactly(t *testing.T) {
	up := httptest.NewServer(sim.New(sim.Config{Seed: 5}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	const params = `{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":7},"tags":{"type":"array","items":{"type":"string"}}},"required":["city","days"]}`
	tool := `"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}]`
	type req struct {
		api        llmapi.API
		path, body string
		in, out    string // usage keys in the answer, the last occurrence wins
	}
	var reqs []req
	for _, stream := range []string{"false", "true"} {
		s := `"stream":` + stream + `,`
		reqs = append(reqs,
			req{llmapi.OpenAI, "/v1/chat/completions", `{"model":"gpt-4o",` + s + `"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather in Paris?"}],` + tool + `}`, "prompt_tokens", "completion_tokens"},
			req{llmapi.OpenAI, "/v1/chat/completions", `{"model":"gpt-4o",` + s + `"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather?"}],"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":` + params + `}}}`, "prompt_tokens", "completion_tokens"},
			req{llmapi.OpenAI, "/v1/responses", `{"model":"gpt-4o",` + s + `"input":"weather?","tools":[{"type":"function","name":"get_weather","parameters":` + params + `}]}`, "input_tokens", "output_tokens"},
			req{llmapi.OpenAI, "/v1/responses", `{"model":"gpt-4o",` + s + `"input":"weather?","text":{"format":{"type":"json_schema","name":"w","schema":` + params + `}}}`, "input_tokens", "output_tokens"},
			req{llmapi.Anthropic, "/v1/messages", `{"model":"claude-sonnet-4-5",` + s + `"max_tokens":500,"messages":[{"role":"user","content":"weather?"}],"tools":[{"name":"get_weather","input_schema":` + params + `}],"tool_choice":{"type":"tool","name":"get_weather"}}`, "input_tokens", "output_tokens"},
			req{llmapi.Ollama, "/api/chat", `{"model":"llama3.2",` + s + `"messages":[{"role":"user","content":"weather?"}],` + tool + `}`, "prompt_eval_count", "eval_count"},
			req{llmapi.Ollama, "/api/generate", `{"model":"llama3.2",` + s + `"prompt":"weather?","format":` + params + `}`, "prompt_eval_count", "eval_count"},
		)
	}
	for _, verb := range []string{"generateContent", "streamGenerateContent?alt=sse"} {
		reqs = append(reqs,
			req{llmapi.Gemini, "/v1beta/models/gemini-2.5-flash:" + verb, `{"contents":[{"parts":[{"text":"weather?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":` + params + `}]}]}`, "promptTokenCount", "candidatesTokenCount"},
			req{llmapi.Gemini, "/v1beta/models/gemini-2.5-flash:" + verb, `{"contents":[{"parts":[{"text":"weather?"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"required":["a"]}}}`, "promptTokenCount", "candidatesTokenCount"},
		)
	}
	last := func(body, key string) int64 {
		m := regexp.MustCompile(`"`+key+`":(\d+)`).FindAllStringSubmatch(body, -1)
		if len(m) == 0 {
			t.Fatalf("no %s in %s", key, body)
		}
		n, _ := strconv.ParseInt(m[len(m)-1][1], 10, 64)
		return n
	}
	var want [][2]int64
	for _, r := range reqs {
		resp, body, err := rawPost(t, http.DefaultClient, p.URL(r.api)+r.path, r.body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %d %s", r.path, err, resp.StatusCode, body)
		}
		want = append(want, [2]int64{last(body, r.in), last(body, r.out)})
	}
	calls := p.EndRun().Calls
	if len(calls) != len(reqs) {
		t.Fatalf("%d calls recorded, want %d", len(calls), len(reqs))
	}
	for i, c := range calls {
		if c.UsageStatus != "reported" || c.Error != "" || c.Input != want[i][0] || c.Output != want[i][1] {
			t.Errorf("%s %s stream=%v: recorded %s %q in=%d out=%d, the answer said in=%d out=%d",
				c.API, c.Endpoint, c.Stream, c.UsageStatus, c.Error, c.Input, c.Output, want[i][0], want[i][1])
		}
	}
}

// The simulator's embeddings and legacy completions are metered with the
// usage they report; where an API reports none (Gemini's embeddings,
// Ollama's /api/embeddings) the record is the request's estimate.
func TestEmbeddingsAndCompletionsFromSimulatorMetered(t *testing.T) {
	up := httptest.NewServer(sim.New(sim.Config{Seed: 5, Default: sim.Model{OutputTokens: 30}}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	type req struct {
		api        llmapi.API
		path, body string
		in, out    int64
	}
	gem := `{"content":{"parts":[{"text":"1234567890"}]}}`
	reqs := []req{
		{llmapi.OpenAI, "/v1/embeddings", `{"model":"text-embedding-3-small","input":["12345678","1234"]}`, 3, 0},
		{llmapi.OpenAI, "/v1/embeddings", `{"model":"text-embedding-3-small","input":"12345678","encoding_format":"base64"}`, 2, 0},
		{llmapi.OpenAI, "/v1/completions", `{"model":"gpt-3.5-turbo-instruct","prompt":"12345678","max_tokens":100}`, 2, 30},
		{llmapi.OpenAI, "/v1/completions", `{"model":"gpt-3.5-turbo-instruct","prompt":"12345678","stream":true}`, 2, 16},
		{llmapi.Ollama, "/api/embed", `{"model":"nomic-embed-text","input":["12345678","1234"]}`, 3, 0},
		{llmapi.Ollama, "/api/embeddings", `{"model":"nomic-embed-text","prompt":"12345678"}`, 2, 0},
		{llmapi.Gemini, "/v1beta/models/gemini-embedding-001:embedContent", gem, int64(llmapi.InputTokens([]byte(gem))), 0},
	}
	for _, r := range reqs {
		resp, body, err := rawPost(t, http.DefaultClient, p.URL(r.api)+r.path, r.body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %d %.200s", r.path, err, resp.StatusCode, body)
		}
	}
	calls := p.EndRun().Calls
	if len(calls) != len(reqs) {
		t.Fatalf("%d calls recorded, want %d", len(calls), len(reqs))
	}
	for i, c := range calls {
		if c.Error != "" || c.Input != reqs[i].in || c.Output != reqs[i].out {
			t.Errorf("%s %s: recorded %q in=%d out=%d, want in=%d out=%d", c.API, reqs[i].path, c.Error, c.Input, c.Output, reqs[i].in, reqs[i].out)
		}
	}
}
