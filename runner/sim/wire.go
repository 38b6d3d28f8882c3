package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
)

// stream writes one server-sent-event or NDJSON response, flushing each event.
type stream struct {
	w   http.ResponseWriter
	f   http.Flusher
	buf []byte
}

func startStream(w http.ResponseWriter, contentType string) *stream {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	s := &stream{w: w, f: f}
	s.flush()
	return s
}

func (s *stream) flush() {
	if s.f != nil {
		s.f.Flush()
	}
}

// sse writes "event: NAME" (when name is set) and "data: JSON", then a blank line.
func (s *stream) sse(name string, v any, eol string) {
	s.buf = s.buf[:0]
	if name != "" {
		s.buf = append(s.buf, "event: "...)
		s.buf = append(s.buf, name...)
		s.buf = append(s.buf, eol...)
	}
	s.buf = append(s.buf, "data: "...)
	s.buf = appendJSON(s.buf, v)
	s.buf = append(s.buf, eol...)
	s.buf = append(s.buf, eol...)
	s.w.Write(s.buf)
	s.flush()
}

func (s *stream) line(v any) {
	s.buf = appendJSON(s.buf[:0], v)
	s.buf = append(s.buf, '\n')
	s.w.Write(s.buf)
	s.flush()
}

func (s *stream) raw(b string) {
	s.w.Write([]byte(b))
	s.flush()
}

// abort cuts the connection without the stream's terminal event, as a dropped
// upstream connection would.
func (s *stream) abort() {
	s.flush()
	panic(http.ErrAbortHandler)
}

func appendJSON(b []byte, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are marshalled
	}
	return append(b, j...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b := appendJSON(nil, v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeError replies with the API's documented error shape.
func writeError(w http.ResponseWriter, api llmapi.API, status int, kind, msg string) {
	switch api {
	case llmapi.Anthropic:
		if status == http.StatusNotFound {
			kind = "not_found_error"
		}
		writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"type": kind, "message": msg}})
	case llmapi.Gemini:
		st := map[int]string{400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 405: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}[status]
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "status": st}})
	case llmapi.Ollama:
		writeJSON(w, status, map[string]any{"error": msg})
	default:
		switch kind {
		case "api_error":
			kind = "server_error"
		case "not_found":
			kind = "invalid_request_error"
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": kind, "param": nil, "code": nil}})
	}
}

// cutAt is the chunk index at which a truncated stream stops.
func (g *gen) cutAt(chunks int) int {
	if !g.truncate {
		return -1
	}
	return chunks / 2
}

// pace holds chunk i of a stream until it is due, first cutting the
// connection at cut (see cutAt); false when the client has gone.
func (g *gen) pace(ctx context.Context, s *stream, i, cut int) bool {
	if i == cut {
		s.abort()
	}
	return g.wait(ctx, i*tokensPerChunk)
}

// --- OpenAI Chat Completions (and Ollama's compatible endpoint) ---

type chatMsg struct {
	Role      string          `json:"role,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	Refusal   json.RawMessage `json:"refusal,omitempty"`
	ToolCalls []chatToolCall  `json:"tool_calls,omitempty"`
}

type chatToolCall struct {
	Index    *int   `json:"index,omitempty"` // streamed deltas only
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatChoice struct {
	Index        int             `json:"index"`
	Delta        *chatMsg        `json:"delta,omitempty"`
	Message      *chatMsg        `json:"message,omitempty"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type chatUsage struct {
	PromptTokens            int `json:"prompt_tokens"`
	CompletionTokens        int `json:"completion_tokens"`
	TotalTokens             int `json:"total_tokens"`
	PromptTokensDetails     any `json:"prompt_tokens_details"`
	CompletionTokensDetails any `json:"completion_tokens_details"`
}

type chatBody struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Created           int64           `json:"created"`
	Model             string          `json:"model"`
	SystemFingerprint string          `json:"system_fingerprint"`
	Choices           []chatChoice    `json:"choices"`
	Usage             json.RawMessage `json:"usage,omitempty"`
}

var jsonNull = json.RawMessage("null")

func jsonString(s string) json.RawMessage { return appendJSON(nil, s) }

// finishReason is the OpenAI-style reason a generation stopped.
func (g *gen) finishReason() string {
	switch {
	case g.kind == toolAnswer:
		return "tool_calls"
	case g.capped:
		return "length"
	}
	return "stop"
}

func (g *gen) callID() string { return "call_" + g.id }

func (g *gen) chatUsage() json.RawMessage {
	return appendJSON(nil, chatUsage{
		PromptTokens: g.input, CompletionTokens: g.output(), TotalTokens: g.input + g.output(),
		PromptTokensDetails:     map[string]int{"cached_tokens": 0},
		CompletionTokensDetails: map[string]int{"reasoning_tokens": 0},
	})
}

func serveChat(w http.ResponseWriter, r *http.Request, g *gen) {
	finish := g.finishReason()
	usage := g.chatUsage()
	body := chatBody{ID: "chatcmpl-" + g.id, Created: g.start.Unix(), Model: g.model, SystemFingerprint: "fp_sim"}
	call := func(args string, index *int, head bool) []chatToolCall {
		tc := chatToolCall{Index: index}
		if head {
			tc.ID, tc.Type, tc.Function.Name = g.callID(), "function", g.tool
		}
		tc.Function.Arguments = args
		return []chatToolCall{tc}
	}
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		msg := &chatMsg{Role: "assistant", Content: jsonString(g.text()), Refusal: jsonNull}
		if g.kind == toolAnswer {
			msg.Content, msg.ToolCalls = jsonNull, call(g.text(), nil, true)
		}
		body.Object = "chat.completion"
		body.Choices = []chatChoice{{Message: msg, FinishReason: &finish}}
		body.Usage = usage
		writeJSON(w, http.StatusOK, body)
		return
	}
	s := startStream(w, "text/event-stream")
	body.Object = "chat.completion.chunk"
	if g.includeUsage {
		body.Usage = jsonNull
	}
	zero := 0
	first := &chatMsg{Role: "assistant", Content: jsonString(""), Refusal: jsonNull}
	if g.kind == toolAnswer {
		first.Content, first.ToolCalls = jsonNull, call("", &zero, true)
	}
	body.Choices = []chatChoice{{Delta: first}}
	s.sse("", body, "\n")
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if !g.pace(r.Context(), s, i, cut) {
			return
		}
		d := &chatMsg{Content: jsonString(c)}
		if g.kind == toolAnswer {
			d = &chatMsg{ToolCalls: call(c, &zero, false)}
		}
		body.Choices = []chatChoice{{Delta: d}}
		s.sse("", body, "\n")
	}
	body.Choices = []chatChoice{{Delta: &chatMsg{}, FinishReason: &finish}}
	s.sse("", body, "\n")
	if g.includeUsage {
		body.Choices = []chatChoice{}
		body.Usage = usage
		s.sse("", body, "\n")
	}
	s.raw("data: [DONE]\n\n")
}

// --- OpenAI Responses ---

func serveResponses(w http.ResponseWriter, r *http.Request, g *gen) {
	itemID := "msg_" + g.id
	if g.kind == toolAnswer {
		itemID = "fc_" + g.id
	}
	item := func(status, text string) map[string]any {
		if g.kind == toolAnswer {
			return map[string]any{"type": "function_call", "id": itemID, "call_id": g.callID(), "name": g.tool,
				"arguments": text, "status": status}
		}
		content := []any{}
		if status == "completed" {
			content = []any{map[string]any{"type": "output_text", "text": text, "annotations": []any{}}}
		}
		return map[string]any{"type": "message", "id": itemID, "status": status, "role": "assistant", "content": content}
	}
	resp := func(status string, text *string) map[string]any {
		o := map[string]any{
			"id": "resp_" + g.id, "object": "response", "created_at": g.start.Unix(),
			"status": status, "model": g.model, "output": []any{}, "usage": nil,
			"incomplete_details": nil, "error": nil,
		}
		if text != nil {
			o["output"] = []any{item("completed", *text)}
			o["usage"] = map[string]any{
				"input_tokens": g.input, "input_tokens_details": map[string]int{"cached_tokens": 0},
				"output_tokens": g.output(), "output_tokens_details": map[string]int{"reasoning_tokens": 0},
				"total_tokens": g.input + g.output(),
			}
			if g.capped {
				o["status"] = "incomplete"
				o["incomplete_details"] = map[string]string{"reason": "max_output_tokens"}
			}
		}
		return o
	}
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		text := g.text()
		writeJSON(w, http.StatusOK, resp("completed", &text))
		return
	}
	s := startStream(w, "text/event-stream")
	seq := 0
	ev := func(typ string, fields map[string]any) {
		fields["type"] = typ
		fields["sequence_number"] = seq
		seq++
		s.sse(typ, fields, "\n")
	}
	ev("response.created", map[string]any{"response": resp("in_progress", nil)})
	ev("response.in_progress", map[string]any{"response": resp("in_progress", nil)})
	ev("response.output_item.added", map[string]any{"output_index": 0, "item": item("in_progress", "")})
	part := func(text string) map[string]any {
		return map[string]any{"type": "output_text", "text": text, "annotations": []any{}}
	}
	if g.kind != toolAnswer {
		ev("response.content_part.added", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "part": part("")})
	}
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if !g.pace(r.Context(), s, i, cut) {
			return
		}
		if g.kind == toolAnswer {
			ev("response.function_call_arguments.delta", map[string]any{"item_id": itemID, "output_index": 0, "delta": c})
		} else {
			ev("response.output_text.delta", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "delta": c})
		}
	}
	text := g.text()
	if g.kind == toolAnswer {
		ev("response.function_call_arguments.done", map[string]any{"item_id": itemID, "output_index": 0, "name": g.tool, "arguments": text})
	} else {
		ev("response.output_text.done", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "text": text})
		ev("response.content_part.done", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "part": part(text)})
	}
	ev("response.output_item.done", map[string]any{"output_index": 0, "item": item("completed", text)})
	final := resp("completed", &text)
	if final["status"] == "incomplete" {
		ev("response.incomplete", map[string]any{"response": final})
	} else {
		ev("response.completed", map[string]any{"response": final})
	}
}

// --- Anthropic Messages ---

func serveMessages(w http.ResponseWriter, r *http.Request, g *gen) {
	stop := "end_turn"
	switch {
	case g.kind == toolAnswer:
		stop = "tool_use"
	case g.capped:
		stop = "max_tokens"
	}
	msg := func(content []any, stopReason any, out int) map[string]any {
		return map[string]any{
			"id": "msg_" + g.id, "type": "message", "role": "assistant", "model": g.model,
			"content": content, "stop_reason": stopReason, "stop_sequence": nil,
			"usage": map[string]any{
				"input_tokens": g.input, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
				"cache_creation": map[string]int{"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
				"output_tokens":  out,
			},
		}
	}
	block := func(final bool) map[string]any {
		if g.kind == toolAnswer {
			input := json.RawMessage("{}")
			if final {
				input = json.RawMessage(g.text())
			}
			return map[string]any{"type": "tool_use", "id": "toolu_" + g.id, "name": g.tool, "input": input}
		}
		text := ""
		if final {
			text = g.text()
		}
		return map[string]any{"type": "text", "text": text}
	}
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		writeJSON(w, http.StatusOK, msg([]any{block(true)}, stop, g.output()))
		return
	}
	s := startStream(w, "text/event-stream")
	s.sse("message_start", map[string]any{"type": "message_start", "message": msg([]any{}, nil, 1)}, "\n")
	s.sse("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": block(false)}, "\n")
	s.sse("ping", map[string]any{"type": "ping"}, "\n")
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if !g.pace(r.Context(), s, i, cut) {
			return
		}
		delta := map[string]any{"type": "text_delta", "text": c}
		if g.kind == toolAnswer {
			delta = map[string]any{"type": "input_json_delta", "partial_json": c}
		}
		s.sse("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": delta}, "\n")
	}
	s.sse("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0}, "\n")
	s.sse("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": g.output()}}, "\n")
	s.sse("message_stop", map[string]any{"type": "message_stop"}, "\n")
}

// --- Gemini ---

func serveGemini(w http.ResponseWriter, r *http.Request, g *gen) {
	finish := "STOP"
	if g.capped {
		finish = "MAX_TOKENS"
	}
	chunk := func(text string, out int, last bool) map[string]any {
		part := map[string]any{"text": text}
		if g.kind == toolAnswer {
			part = map[string]any{"functionCall": map[string]any{"name": g.tool, "args": json.RawMessage(g.text())}}
		}
		cand := map[string]any{"content": map[string]any{"role": "model", "parts": []any{part}}, "index": 0}
		if last {
			cand["finishReason"] = finish
		}
		return map[string]any{
			"candidates": []any{cand},
			"usageMetadata": map[string]any{
				"promptTokenCount": g.input, "candidatesTokenCount": out, "totalTokenCount": g.input + out,
			},
			"modelVersion": g.model, "responseId": g.id,
		}
	}
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		writeJSON(w, http.StatusOK, chunk(g.text(), g.output(), true))
		return
	}
	sse := r.URL.Query().Get("alt") == "sse"
	ct := "application/json"
	if sse {
		ct = "text/event-stream"
	}
	s := startStream(w, ct)
	chunks := g.chunks()
	if g.kind == toolAnswer {
		chunks = []string{g.text()} // Gemini sends a function call whole, in one chunk
	}
	cut := g.cutAt(len(chunks))
	sent := 0
	for i, c := range chunks {
		if !g.pace(r.Context(), s, i, cut) {
			return
		}
		sent = min(sent+tokensPerChunk, g.output())
		if i == len(chunks)-1 {
			sent = g.output()
		}
		v := chunk(c, sent, i == len(chunks)-1)
		switch {
		case sse:
			s.sse("", v, "\r\n") // the real API frames with CRLF
		case i == 0:
			s.raw("[" + string(appendJSON(nil, v)))
		default:
			s.raw("\n,\r\n" + string(appendJSON(nil, v)))
		}
	}
	if len(chunks) == 0 {
		v := chunk("", 0, true)
		if sse {
			s.sse("", v, "\r\n")
		} else {
			s.raw("[" + string(appendJSON(nil, v)))
		}
	}
	if !sse {
		s.raw("]")
	}
}

// --- Ollama native ---

func serveOllama(w http.ResponseWriter, r *http.Request, g *gen) {
	chat := g.endpoint == "chat"
	piece := func(text string, done bool) map[string]any {
		o := map[string]any{"model": g.model, "created_at": time.Now().UTC().Format(time.RFC3339Nano), "done": done}
		if chat && g.kind == toolAnswer {
			msg := map[string]any{"role": "assistant", "content": ""}
			if text != "" {
				msg["tool_calls"] = []any{map[string]any{"id": g.callID(),
					"function": map[string]any{"index": 0, "name": g.tool, "arguments": json.RawMessage(text)}}}
			}
			o["message"] = msg
		} else if chat {
			o["message"] = map[string]any{"role": "assistant", "content": text}
		} else {
			o["response"] = text
		}
		return o
	}
	final := func(o map[string]any, genStart time.Time) map[string]any {
		o["done_reason"] = "stop"
		if g.capped {
			o["done_reason"] = "length"
		}
		evalDur := int64(time.Since(genStart))
		if g.m.TokensPerSecond > 0 {
			evalDur = int64(float64(g.output()) / g.m.TokensPerSecond * 1e9)
		}
		o["total_duration"] = int64(time.Since(g.start))
		o["prompt_eval_count"] = g.input
		if g.m.TTFT > 0 {
			o["prompt_eval_duration"] = int64(g.m.TTFT)
		}
		o["eval_count"] = g.output()
		o["eval_duration"] = max(evalDur, 1)
		return o
	}
	if !g.stream {
		if !g.wait(r.Context(), 0) {
			return
		}
		genStart := time.Now()
		if !g.wait(r.Context(), g.output()) {
			return
		}
		writeJSON(w, http.StatusOK, final(piece(g.text(), true), genStart))
		return
	}
	s := startStream(w, "application/x-ndjson")
	chunks := g.chunks()
	if g.kind == toolAnswer {
		chunks = []string{g.text()} // Ollama streams a tool call whole, in one line
	}
	cut := g.cutAt(len(chunks))
	var genStart time.Time
	for i, c := range chunks {
		if !g.pace(r.Context(), s, i, cut) {
			return
		}
		if i == 0 {
			genStart = time.Now()
		}
		s.line(piece(c, false))
	}
	if genStart.IsZero() {
		genStart = time.Now()
	}
	if !g.wait(r.Context(), g.output()) {
		return
	}
	s.line(final(piece("", true), genStart))
}
