// Package metertest is an LLM upstream for tests: it answers the four APIs
// with their documented sample bodies and remembers what it was sent. The
// meter's own tests and the SDK-compatibility module (compat/gosdk) share it.
package metertest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Keys the SDKs send; none may ever appear in a record or an error.
const (
	OpenAIKey    = "sk-test-OPENAI-SECRET-1234"
	AnthropicKey = "sk-ant-test-ANTHROPIC-SECRET-5678"
	GeminiKey    = "AIza-test-GEMINI-SECRET-9012"
)

// Upstream is an upstream answering with the sample bodies of
// the providers' API references (cache and thinking counts made non-zero), and
// remembering what it was sent.
type Upstream struct {
	mu      sync.Mutex
	bodies  map[string]string // path -> last request body
	headers map[string]http.Header
}

// New returns an Upstream that has been sent nothing yet.
func New() *Upstream {
	return &Upstream{bodies: map[string]string{}, headers: map[string]http.Header{}}
}

// Body returns the last request body sent to path.
func (f *Upstream) Body(path string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[path]
}

// Header returns the headers of the last request sent to path.
func (f *Upstream) Header(path string) http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.headers[path]
}

// Documented sample bodies.
const (
	Chat = `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024-08-06",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29,
  "prompt_tokens_details":{"cached_tokens":16},
  "completion_tokens_details":{"reasoning_tokens":0}}}`
	chatChunk1    = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]%s}`
	chatChunk2    = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]%s}`
	ChatUsage     = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}`
	ResponseUsage = `{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":123}`
	Anthropic     = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
 "content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn",
 "usage":{"input_tokens":135,"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,
  "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":0},
  "output_tokens":10}}`
	AnthropicStream = "event: message_start\n" +
		`data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"usage":{"input_tokens":135,"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,"output_tokens":1}}}` + "\n\n" +
		"event: content_block_start\n" +
		`data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` + "\n\n" +
		"event: ping\n" + `data: {"type": "ping"}` + "\n\n" +
		"event: content_block_delta\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}` + "\n\n" +
		"event: content_block_stop\n" + `data: {"type":"content_block_stop","index":0}` + "\n\n" +
		"event: message_delta\n" +
		`data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":10}}` + "\n\n" +
		"event: message_stop\n" + `data: {"type":"message_stop"}` + "\n\n"
	Gemini = `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"finishReason":"STOP","index":0}],
 "usageMetadata":{"promptTokenCount":120,"cachedContentTokenCount":100,"candidatesTokenCount":8,
  "thoughtsTokenCount":42,"totalTokenCount":170},
 "modelVersion":"gemini-2.5-flash","responseId":"r1"}`
	GeminiStream = `data: {"candidates":[{"content":{"role":"model","parts":[{"text":"H"}]},"index":0}],"usageMetadata":{"promptTokenCount":120,"cachedContentTokenCount":100,"candidatesTokenCount":1,"thoughtsTokenCount":42,"totalTokenCount":163},"modelVersion":"gemini-2.5-flash","responseId":"r1"}` + "\r\n\r\n" +
		`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"i"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":120,"cachedContentTokenCount":100,"candidatesTokenCount":8,"thoughtsTokenCount":42,"totalTokenCount":170},"modelVersion":"gemini-2.5-flash","responseId":"r1"}` + "\r\n\r\n"
	OllamaChat = `{"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi"},"done":false}
{"model":"llama3.2","created_at":"2026-01-01T00:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":26,"prompt_eval_duration":130079000,"eval_count":259,"eval_duration":4232710000}
`
	OllamaGenerate = `{"model":"llama3.2","created_at":"2026-01-01T00:00:01Z","response":"Hi","done":true,"done_reason":"stop","total_duration":10706818083,"prompt_eval_count":26,"eval_count":259,"eval_duration":4232710000}`
)

// Response is a Responses API body with the given status and usage JSON.
func Response(status, usage string) string {
	return fmt.Sprintf(`{"id":"resp_1","object":"response","created_at":1,"status":%q,"model":"gpt-4o-2024-08-06","output":%s,"usage":%s}`,
		status, map[bool]string{true: `[]`, false: `[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}]`}[usage == "null"], usage)
}

// ResponsesStream is the documented Responses event order.
func ResponsesStream() string {
	var b strings.Builder
	seq := 0
	ev := func(typ, fields string) {
		fmt.Fprintf(&b, "event: %s\ndata: {\"type\":%q,\"sequence_number\":%d%s}\n\n", typ, typ, seq, fields)
		seq++
	}
	item := `{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}`
	part := `{"type":"output_text","text":"","annotations":[]}`
	ev("response.created", `,"response":`+Response("in_progress", "null"))
	ev("response.in_progress", `,"response":`+Response("in_progress", "null"))
	ev("response.output_item.added", `,"output_index":0,"item":`+item)
	ev("response.content_part.added", `,"item_id":"msg_1","output_index":0,"content_index":0,"part":`+part)
	ev("response.output_text.delta", `,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"`)
	ev("response.output_text.done", `,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hi"`)
	ev("response.content_part.done", `,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hi","annotations":[]}`)
	ev("response.output_item.done", `,"output_index":0,"item":{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}`)
	ev("response.completed", `,"response":`+Response("completed", ResponseUsage))
	return b.String()
}

// ChatStream is what OpenAI streams, with or without include_usage.
func ChatStream(includeUsage bool) string {
	un := ""
	if includeUsage {
		un = `,"usage":null`
	}
	s := "data: " + fmt.Sprintf(chatChunk1, un) + "\n\n" + "data: " + fmt.Sprintf(chatChunk2, un) + "\n\n"
	if includeUsage {
		s += "data: " + ChatUsage + "\n\n"
	}
	return s + "data: [DONE]\n\n"
}

// ServeHTTP answers a request with the documented sample for its path.
func (f *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	f.mu.Lock()
	f.bodies[r.URL.Path] = body
	f.headers[r.URL.Path] = r.Header.Clone()
	f.mu.Unlock()
	stream := strings.Contains(body, `"stream":true`)
	sse := func(s string) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		// one write per event, as a provider would send them
		for _, ev := range strings.SplitAfter(s, "\n\n") {
			if ev != "" {
				io.WriteString(w, ev)
				w.(http.Flusher).Flush()
			}
		}
	}
	js := func(s string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, s)
	}
	switch p := r.URL.Path; {
	case p == "/v1/chat/completions" && stream:
		sse(ChatStream(strings.Contains(body, `"include_usage":true`)))
	case p == "/v1/chat/completions":
		js(Chat)
	case p == "/v1/responses" && stream:
		sse(ResponsesStream())
	case p == "/v1/responses":
		js(Response("completed", ResponseUsage))
	case p == "/v1/messages" && stream:
		sse(AnthropicStream)
	case p == "/v1/messages":
		js(Anthropic)
	case strings.HasSuffix(p, ":streamGenerateContent"):
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		for _, ev := range strings.SplitAfter(GeminiStream, "\r\n\r\n") {
			io.WriteString(w, ev)
			w.(http.Flusher).Flush()
		}
	case strings.HasSuffix(p, ":generateContent"):
		js(Gemini)
	case p == "/api/chat":
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, l := range strings.SplitAfter(OllamaChat, "\n") {
			io.WriteString(w, l)
			w.(http.Flusher).Flush()
		}
	case p == "/api/generate":
		js(OllamaGenerate)
	case p == "/v1/models":
		js(`{"object":"list","data":[]}`)
	default:
		http.NotFound(w, r)
	}
}
