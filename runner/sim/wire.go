package sim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
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
func writeError(w http.ResponseWriter, api string, status int, kind, msg string) {
	switch api {
	case "anthropic":
		if status == http.StatusNotFound {
			kind = "not_found_error"
		}
		writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"type": kind, "message": msg}})
	case "gemini":
		st := map[int]string{400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 405: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}[status]
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "status": st}})
	case "ollama":
		writeJSON(w, status, map[string]any{"error": msg})
	default:
		if kind == "api_error" {
			kind = "server_error"
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

// --- OpenAI Chat Completions (and Ollama's compatible endpoint) ---

type chatMsg struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
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

func serveChat(w http.ResponseWriter, r *http.Request, g *gen) {
	finish := "stop"
	if g.capped {
		finish = "length"
	}
	usage := json.RawMessage(appendJSON(nil, chatUsage{
		PromptTokens: g.input, CompletionTokens: g.output(), TotalTokens: g.input + g.output(),
		PromptTokensDetails:     map[string]int{"cached_tokens": 0},
		CompletionTokensDetails: map[string]int{"reasoning_tokens": 0},
	}))
	body := chatBody{ID: "chatcmpl-" + g.id, Created: g.start.Unix(), Model: g.model, SystemFingerprint: "fp_sim"}
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		text := g.text()
		body.Object = "chat.completion"
		body.Choices = []chatChoice{{Message: &chatMsg{Role: "assistant", Content: &text}, FinishReason: &finish}}
		body.Usage = usage
		writeJSON(w, http.StatusOK, body)
		return
	}
	s := startStream(w, "text/event-stream")
	body.Object = "chat.completion.chunk"
	if g.includeUsage {
		body.Usage = jsonNull
	}
	empty := ""
	body.Choices = []chatChoice{{Delta: &chatMsg{Role: "assistant", Content: &empty}}}
	s.sse("", body, "\n")
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if i == cut {
			s.abort()
		}
		if !g.wait(r.Context(), i*tokensPerChunk) {
			return
		}
		body.Choices = []chatChoice{{Delta: &chatMsg{Content: &c}}}
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
	resp := func(status string, text *string) map[string]any {
		o := map[string]any{
			"id": "resp_" + g.id, "object": "response", "created_at": g.start.Unix(),
			"status": status, "model": g.model, "output": []any{}, "usage": nil,
			"incomplete_details": nil, "error": nil,
		}
		if text != nil {
			o["output"] = []any{map[string]any{
				"type": "message", "id": itemID, "status": "completed", "role": "assistant",
				"content": []any{map[string]any{"type": "output_text", "text": *text, "annotations": []any{}}},
			}}
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
	ev("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{
		"type": "message", "id": itemID, "status": "in_progress", "role": "assistant", "content": []any{}}})
	ev("response.content_part.added", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0,
		"part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}}})
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if i == cut {
			s.abort()
		}
		if !g.wait(r.Context(), i*tokensPerChunk) {
			return
		}
		ev("response.output_text.delta", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "delta": c})
	}
	text := g.text()
	part := map[string]any{"type": "output_text", "text": text, "annotations": []any{}}
	ev("response.output_text.done", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "text": text})
	ev("response.content_part.done", map[string]any{"item_id": itemID, "output_index": 0, "content_index": 0, "part": part})
	ev("response.output_item.done", map[string]any{"output_index": 0, "item": map[string]any{
		"type": "message", "id": itemID, "status": "completed", "role": "assistant", "content": []any{part}}})
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
	if g.capped {
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
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		writeJSON(w, http.StatusOK, msg([]any{map[string]any{"type": "text", "text": g.text()}}, stop, g.output()))
		return
	}
	s := startStream(w, "text/event-stream")
	s.sse("message_start", map[string]any{"type": "message_start", "message": msg([]any{}, nil, 1)}, "\n")
	s.sse("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}}, "\n")
	s.sse("ping", map[string]any{"type": "ping"}, "\n")
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if i == cut {
			s.abort()
		}
		if !g.wait(r.Context(), i*tokensPerChunk) {
			return
		}
		s.sse("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": c}}, "\n")
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
		cand := map[string]any{"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}}, "index": 0}
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
	cut := g.cutAt(len(chunks))
	sent := 0
	for i, c := range chunks {
		if i == cut {
			s.abort()
		}
		if !g.wait(r.Context(), i*tokensPerChunk) {
			return
		}
		sent = min(sent+tokensPerChunk, g.output())
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
		if chat {
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
	cut := g.cutAt(len(chunks))
	var genStart time.Time
	for i, c := range chunks {
		if i == cut {
			s.abort()
		}
		if !g.wait(r.Context(), i*tokensPerChunk) {
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
