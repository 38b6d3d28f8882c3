package meter

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/sim"
)

// usage states of a call
const (
	usageNone     = iota
	usagePartial  // a stream's early counts (Anthropic message_start, Gemini before the end)
	usageComplete // the provider's final counts
)

// call is the metering state of one request. Streamed bodies are parsed line
// by line as they pass; only a partial line is kept between reads.
type call struct {
	api     string
	rec     record.Call
	t0      time.Time
	ttfb    time.Duration
	reqBody []byte

	stream, geminiArray, rewrote, ok bool
	gzip                             bool
	clientGone                       bool
	readErr                          error

	pending   []byte  // a stream line not yet complete
	skipping  bool    // inside a line longer than maxLine
	out       []byte  // what to forward when the stream is rewritten
	dropBlank bool    // drop the blank line ending a dropped event
	body      []byte  // a non-streamed body, up to maxBody
	bodyBuf   *[]byte // where body came from in bodyPool
	bodyOver  bool

	firstByte          time.Duration
	ttft               time.Duration
	tok                record.Tokens
	usage              int
	terminal           bool
	errClass           string
	outChars           int
	evalCount, evalDur int64
	ant                struct{ in, cw, cr, out int64 } // Anthropic's raw counts
}

func (c *call) mark() {
	if c.ttft == 0 {
		c.ttft = max(time.Since(c.t0), time.Nanosecond)
	}
}

// feed meters one read of the response body and returns the bytes to forward.
func (c *call) feed(b []byte) []byte {
	if c.firstByte == 0 {
		c.firstByte = time.Since(c.t0)
	}
	if !c.ok {
		return b
	}
	if !c.stream || c.geminiArray || c.gzip {
		if !c.bodyOver {
			if len(c.body)+len(b) > maxBody {
				c.releaseBody()
				c.bodyOver = true
			} else {
				if c.body == nil {
					c.bodyBuf = bodyPool.Get().(*[]byte)
					c.body = (*c.bodyBuf)[:0]
				}
				c.body = append(c.body, b...)
			}
		}
		return b
	}
	orig := b
	if c.rewrote {
		c.out = c.out[:0]
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if c.skipping {
				c.emit(b)
			} else if len(c.pending)+len(b) > maxLine {
				c.emit(c.pending)
				c.emit(b)
				c.pending, c.skipping = nil, true
			} else {
				c.pending = append(c.pending, b...)
			}
			break
		}
		seg := b[:i+1]
		b = b[i+1:]
		if c.skipping {
			c.skipping = false
			c.emit(seg)
			continue
		}
		line := seg
		if len(c.pending) > 0 {
			c.pending = append(c.pending, seg...)
			line = c.pending
		}
		if drop, repl := c.line(line); !drop {
			if repl != nil {
				c.emit(repl)
			} else {
				c.emit(line)
			}
		}
		c.pending = c.pending[:0]
	}
	if c.rewrote {
		return c.out
	}
	return orig
}

// bodyPool holds the buffers of non-streamed bodies between calls.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// releaseBody returns the body buffer to the pool; the call no longer reads it.
func (c *call) releaseBody() {
	if c.bodyBuf != nil && cap(c.body) <= 1<<20 {
		*c.bodyBuf = c.body[:0]
		bodyPool.Put(c.bodyBuf)
	}
	c.body, c.bodyBuf = nil, nil
}

func (c *call) emit(b []byte) {
	if c.rewrote {
		c.out = append(c.out, b...)
	}
}

// flushTail returns what a rewritten stream still holds (an unterminated last line).
func (c *call) flushTail() []byte {
	if !c.rewrote || len(c.pending) == 0 {
		return nil
	}
	t := c.pending
	c.pending = nil
	return t
}

var (
	dataPrefix = []byte("data:")
	usageNull  = []byte(`,"usage":null`)
)

// line meters one complete stream line (with its terminator); drop says the
// line is not forwarded, repl replaces it.
func (c *call) line(raw []byte) (drop bool, repl []byte) {
	l := bytes.TrimRight(raw, "\r\n")
	if c.dropBlank {
		c.dropBlank = false
		if len(l) == 0 {
			return true, nil
		}
	}
	if c.api == Ollama && c.rec.Endpoint != "chat.completions" {
		if len(l) > 0 {
			c.ollama(l)
		}
		return false, nil
	}
	if !bytes.HasPrefix(l, dataPrefix) {
		return false, nil
	}
	p := l[len(dataPrefix):]
	if len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	switch c.rec.Endpoint {
	case "chat.completions":
		if c.chatChunk(p) {
			c.dropBlank = true
			return true, nil
		}
		if c.rewrote && bytes.Contains(raw, usageNull) {
			return false, bytes.Replace(raw, usageNull, nil, 1)
		}
	case "responses":
		c.responsesEvent(p)
	case "messages":
		c.anthropicEvent(p)
	case "streamGenerateContent":
		c.geminiChunk(p)
	}
	return false, nil
}

// finish completes the record and hands it to the run.
func (c *call) finish(run *run) {
	lat := time.Since(c.t0)
	c.rec.LatencyS = lat.Seconds()
	if c.ok && c.readErr == nil && !c.clientGone && !c.bodyOver && (!c.stream || c.geminiArray || c.gzip) {
		c.parseBody()
	}
	if c.rec.Error == "" {
		switch s := c.rec.Status; {
		case c.clientGone && !(c.stream && c.terminal):
			// A client that leaves after the stream's terminal event (an SDK
			// closing the body on [DONE]) had the whole answer: not canceled.
			c.rec.Error = "canceled"
		case s == 429:
			c.rec.Error = "429"
		case s >= 400 && s < 500:
			c.rec.Error = "4xx"
		case s >= 500:
			c.rec.Error = "5xx"
		case c.errClass != "":
			c.rec.Error = c.errClass
		case c.readErr != nil && !c.clientGone:
			c.rec.Error = "truncated"
		case c.stream && c.ok && !c.terminal && !c.gzip:
			c.rec.Error = "truncated"
		}
	}
	if c.ok {
		switch {
		case c.usage == usageComplete:
			c.rec.UsageStatus = "reported"
			c.rec.Tokens = c.tok
		case c.stream && !c.gzip:
			c.rec.UsageStatus = "estimated"
			t := c.tok
			if t.Input == 0 {
				t.Input = int64(sim.InputTokens(c.reqBody))
			}
			if c.outChars > 0 {
				t.Output = max(t.Output, int64(sim.TokensForChars(c.outChars)))
			}
			c.rec.Tokens = t
		default:
			c.rec.UsageStatus = "missing"
		}
		if c.stream && !c.geminiArray {
			c.rec.TTFTS = c.ttft.Seconds()
		} else if c.geminiArray {
			c.rec.TTFTS = c.firstByte.Seconds()
		} else {
			c.rec.TTFTS = c.ttfb.Seconds()
		}
		switch {
		case c.evalDur > 0:
			c.rec.OutputTPS = float64(c.evalCount) / float64(c.evalDur) * 1e9
		case c.stream && c.rec.TTFTS > 0 && c.rec.LatencyS > c.rec.TTFTS && c.rec.Output > 0:
			c.rec.OutputTPS = float64(c.rec.Output) / (c.rec.LatencyS - c.rec.TTFTS)
		}
	}
	if run != nil {
		run.add(c.rec)
	}
}

// parseBody meters a whole non-streamed body (or Gemini's JSON-array stream).
func (c *call) parseBody() {
	b := c.body
	if c.gzip {
		var r io.ReadCloser
		var err error
		r, err = gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			r = flate.NewReader(bytes.NewReader(b))
		}
		b, err = io.ReadAll(io.LimitReader(r, maxBody))
		r.Close()
		if err != nil {
			return
		}
	}
	switch c.rec.Endpoint {
	case "chat.completions":
		c.chatChunk(b)
	case "responses":
		c.responsesEvent(b)
	case "messages":
		c.anthropicEvent(b)
	case "generateContent":
		c.geminiChunk(b)
	case "streamGenerateContent":
		var arr []json.RawMessage
		if json.Unmarshal(b, &arr) == nil {
			for _, e := range arr {
				c.geminiChunk(e)
			}
		}
	case "chat", "generate":
		c.ollama(b)
	}
	if c.gzip && c.stream && !c.geminiArray {
		c.usage = usageNone // a compressed stream is not metered
	}
}

// classify maps a provider's error type or code to an error class.
func classify(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case strings.Contains(k, "rate_limit"), strings.Contains(k, "rate limit"), strings.Contains(k, "resource_exhausted"):
		return "429"
	case strings.Contains(k, "invalid"), strings.Contains(k, "not_found"), strings.Contains(k, "permission"),
		strings.Contains(k, "authentication"), strings.Contains(k, "too_large"):
		return "4xx"
	}
	return "5xx"
}

// --- OpenAI Chat Completions (and Ollama's compatible endpoint) ---

type oaUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func (u *oaUsage) tokens() record.Tokens {
	t := record.Tokens{Input: u.PromptTokens, Output: u.CompletionTokens}
	if u.PromptTokensDetails != nil {
		t.CachedInput = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		t.Reasoning = u.CompletionTokensDetails.ReasoningTokens
	}
	return t
}

type oaDelta struct {
	Content          string          `json:"content"`
	ToolCalls        json.RawMessage `json:"tool_calls"`
	ReasoningContent string          `json:"reasoning_content"` // vLLM, DeepSeek
	Reasoning        string          `json:"reasoning"`         // Ollama, OpenRouter
}

type oaChunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Delta        *oaDelta `json:"delta"`
		FinishReason *string  `json:"finish_reason"`
	} `json:"choices"`
	Usage *oaUsage `json:"usage"`
	Error *struct {
		Type string `json:"type"`
		Code any    `json:"code"`
	} `json:"error"`
}

// chatBodyKeys are what a non-streamed completion is metered by: its choices
// carry no delta and the TTFT of a whole body is its first byte (so choices
// are not decoded, and a malformed choices member no longer hides the usage).
var chatBodyKeys = []string{"model", "usage", "error"}

// chatChunk meters a chat completion or one streamed chunk; it reports whether
// the chunk is the usage-only chunk the proxy asked for on the client's behalf.
func (c *call) chatChunk(p []byte) (usageOnly bool) {
	if bytes.Equal(p, []byte("[DONE]")) {
		c.terminal = true
		return false
	}
	var ch oaChunk
	if c.stream {
		if json.Unmarshal(p, &ch) != nil {
			return false
		}
	} else if !fastChatBody(p, &ch) {
		ch = oaChunk{}
		if decodeMembers(p, chatBodyKeys, &ch) != nil {
			return false
		}
	}
	if ch.Model != "" {
		c.rec.ResponseModel = ch.Model
	}
	if ch.Error != nil {
		c.errClass = classify(ch.Error.Type + " " + toString(ch.Error.Code))
	}
	for _, ck := range ch.Choices {
		if d := ck.Delta; d != nil {
			n := len(d.Content) + len(d.ReasoningContent) + len(d.Reasoning)
			if n > 0 || (len(d.ToolCalls) > 0 && string(d.ToolCalls) != "null") {
				c.mark()
			}
			c.outChars += n
		}
	}
	if ch.Usage != nil {
		c.tok, c.usage = ch.Usage.tokens(), usageComplete
		return c.rewrote && len(ch.Choices) == 0
	}
	return false
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// --- OpenAI Responses ---

type respUsage struct {
	InputTokens        int64 `json:"input_tokens"`
	OutputTokens       int64 `json:"output_tokens"`
	InputTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

type respObject struct {
	Model string     `json:"model"`
	Usage *respUsage `json:"usage"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

type respEvent struct {
	respObject
	Type     string          `json:"type"`
	Delta    json.RawMessage `json:"delta"`
	Code     string          `json:"code"`
	Response *respObject     `json:"response"`
}

var respEventKeys = jsonKeys(reflect.TypeFor[respEvent]())

func (c *call) responsesEvent(p []byte) {
	var ev respEvent
	if decodeMembers(p, respEventKeys, &ev) != nil {
		return
	}
	obj := ev.Response
	if !c.stream {
		obj = &ev.respObject
	}
	switch {
	case strings.HasSuffix(ev.Type, ".delta"):
		if len(ev.Delta) > 2 && ev.Delta[0] == '"' {
			c.mark()
			if ev.Type == "response.output_text.delta" || ev.Type == "response.reasoning_summary_text.delta" ||
				ev.Type == "response.function_call_arguments.delta" {
				c.outChars += len(ev.Delta) - 2
			}
		}
	case ev.Type == "response.completed", ev.Type == "response.incomplete":
		c.terminal = true
	case ev.Type == "response.failed":
		c.terminal = true
		code := "server_error"
		if obj != nil && obj.Error != nil {
			code = obj.Error.Code
		}
		c.errClass = classify(code)
	case ev.Type == "error":
		c.errClass = classify(ev.Code)
	}
	if obj == nil {
		return
	}
	if obj.Model != "" {
		c.rec.ResponseModel = obj.Model
	}
	if u := obj.Usage; u != nil {
		t := record.Tokens{Input: u.InputTokens, Output: u.OutputTokens}
		if u.InputTokensDetails != nil {
			t.CachedInput = u.InputTokensDetails.CachedTokens
		}
		if u.OutputTokensDetails != nil {
			t.Reasoning = u.OutputTokensDetails.ReasoningTokens
		}
		c.tok, c.usage = t, usageComplete
	}
}

// --- Anthropic Messages ---

type antUsage struct {
	InputTokens   *int64 `json:"input_tokens"`
	CacheCreation *int64 `json:"cache_creation_input_tokens"`
	CacheRead     *int64 `json:"cache_read_input_tokens"`
	OutputTokens  *int64 `json:"output_tokens"`
}

type antEvent struct {
	Type    string `json:"type"`
	Model   string `json:"model"`
	Message *struct {
		Model string    `json:"model"`
		Usage *antUsage `json:"usage"`
	} `json:"message"`
	Delta *struct {
		Text        string `json:"text"`
		Thinking    string `json:"thinking"`
		PartialJSON string `json:"partial_json"`
	} `json:"delta"`
	Usage *antUsage `json:"usage"`
	Error *struct {
		Type string `json:"type"`
	} `json:"error"`
}

// antApply updates the raw Anthropic counts (input_tokens excludes the cache
// classes) and normalises them into c.tok: Input includes cache reads and writes.
func (c *call) antApply(u *antUsage) {
	if u.InputTokens != nil {
		c.ant.in = *u.InputTokens
	}
	if u.CacheCreation != nil {
		c.ant.cw = *u.CacheCreation
	}
	if u.CacheRead != nil {
		c.ant.cr = *u.CacheRead
	}
	if u.OutputTokens != nil {
		c.ant.out = *u.OutputTokens // cumulative: the last wins, never summed
	}
	c.tok = record.Tokens{
		Input:       c.ant.in + c.ant.cw + c.ant.cr,
		Output:      c.ant.out,
		CachedInput: c.ant.cr,
		CacheWrite:  c.ant.cw,
	}
}

var antEventKeys = jsonKeys(reflect.TypeFor[antEvent]())

func (c *call) anthropicEvent(p []byte) {
	var ev antEvent
	if decodeMembers(p, antEventKeys, &ev) != nil {
		return
	}
	switch ev.Type {
	case "message": // a whole response
		c.rec.ResponseModel = ev.Model
		if ev.Usage != nil {
			c.antApply(ev.Usage)
			c.usage = usageComplete
		}
	case "message_start":
		if ev.Message != nil {
			c.rec.ResponseModel = ev.Message.Model
			if ev.Message.Usage != nil {
				c.antApply(ev.Message.Usage)
				c.usage = max(c.usage, usagePartial)
			}
		}
	case "content_block_delta":
		if d := ev.Delta; d != nil {
			n := len(d.Text) + len(d.Thinking) + len(d.PartialJSON)
			if n > 0 {
				c.mark()
			}
			c.outChars += n
		}
	case "message_delta":
		if ev.Usage != nil {
			c.antApply(ev.Usage)
			c.usage = usageComplete
		}
	case "message_stop":
		c.terminal = true
	case "error":
		kind := "api_error"
		if ev.Error != nil {
			kind = ev.Error.Type
		}
		c.errClass = classify(kind)
	}
}

// --- Gemini ---

type gemUsage struct {
	PromptTokenCount        int64 `json:"promptTokenCount"`
	CachedContentTokenCount int64 `json:"cachedContentTokenCount"`
	CandidatesTokenCount    int64 `json:"candidatesTokenCount"`
	ThoughtsTokenCount      int64 `json:"thoughtsTokenCount"`
	ToolUsePromptTokenCount int64 `json:"toolUsePromptTokenCount"`
}

type gemResponse struct {
	Candidates []struct {
		Content *struct {
			Parts []struct {
				Text         string          `json:"text"`
				FunctionCall json.RawMessage `json:"functionCall"`
			} `json:"parts"`
		} `json:"content"`
		FinishReason string `json:"finishReason"`
	} `json:"candidates"`
	PromptFeedback *struct {
		BlockReason string `json:"blockReason"`
	} `json:"promptFeedback"`
	UsageMetadata *gemUsage `json:"usageMetadata"`
	ModelVersion  string    `json:"modelVersion"`
	Error         *struct {
		Status string `json:"status"`
	} `json:"error"`
}

var gemResponseKeys = jsonKeys(reflect.TypeFor[gemResponse]())

func (c *call) geminiChunk(p []byte) {
	var r gemResponse
	if decodeMembers(p, gemResponseKeys, &r) != nil {
		return
	}
	if r.ModelVersion != "" {
		c.rec.ResponseModel = r.ModelVersion
	}
	if r.Error != nil {
		c.errClass = classify(r.Error.Status)
	}
	for _, cand := range r.Candidates {
		if cand.Content != nil {
			for _, part := range cand.Content.Parts {
				if len(part.Text) > 0 || len(part.FunctionCall) > 0 {
					c.mark()
				}
				c.outChars += len(part.Text)
			}
		}
		if cand.FinishReason != "" {
			c.terminal = true
		}
	}
	if r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		c.terminal = true
	}
	if u := r.UsageMetadata; u != nil { // cumulative: the last wins
		c.tok = record.Tokens{
			Input:       u.PromptTokenCount + u.ToolUsePromptTokenCount,
			Output:      u.CandidatesTokenCount + u.ThoughtsTokenCount,
			CachedInput: u.CachedContentTokenCount,
			Reasoning:   u.ThoughtsTokenCount,
		}
		c.usage = usagePartial
	}
	if c.terminal && c.usage != usageNone {
		c.usage = usageComplete
	}
}

// --- Ollama native ---

type olChunk struct {
	Model   string `json:"model"`
	Message *struct {
		Content   string          `json:"content"`
		Thinking  string          `json:"thinking"`
		ToolCalls json.RawMessage `json:"tool_calls"`
	} `json:"message"`
	Response        string `json:"response"`
	Thinking        string `json:"thinking"`
	Done            bool   `json:"done"`
	PromptEvalCount int64  `json:"prompt_eval_count"`
	EvalCount       int64  `json:"eval_count"`
	EvalDuration    int64  `json:"eval_duration"`
	Error           string `json:"error"`
}

var olChunkKeys = jsonKeys(reflect.TypeFor[olChunk]())

func (c *call) ollama(p []byte) {
	var ch olChunk
	if decodeMembers(p, olChunkKeys, &ch) != nil {
		return
	}
	if ch.Model != "" {
		c.rec.ResponseModel = ch.Model
	}
	if ch.Error != "" {
		c.errClass = "5xx"
	}
	n := len(ch.Response) + len(ch.Thinking)
	if m := ch.Message; m != nil {
		n += len(m.Content) + len(m.Thinking)
		if len(m.ToolCalls) > 0 && string(m.ToolCalls) != "null" {
			c.mark()
		}
	}
	if n > 0 {
		c.mark()
	}
	c.outChars += n
	if ch.Done {
		c.terminal = true
		c.tok = record.Tokens{Input: ch.PromptEvalCount, Output: ch.EvalCount}
		c.usage = usageComplete
		c.evalCount, c.evalDur = ch.EvalCount, ch.EvalDuration
	}
}
