package meter

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/runner-bench/runner/runner/record"
)

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
		Text         string   `json:"text"` // legacy completions
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

// chunkSum is what metering takes from a chat completion or a streamed chunk.
type chunkSum struct {
	model   string
	err     bool   // an error member
	errKind string // its type and code, for classify
	choices int
	chars   int  // characters of content, reasoning and text (as decoded bytes)
	mark    bool // content, reasoning, text or a tool call arrived
	usage   *oaUsage
}

func (ch *oaChunk) sum() chunkSum {
	s := chunkSum{model: ch.Model, choices: len(ch.Choices), usage: ch.Usage}
	if ch.Error != nil {
		s.err, s.errKind = true, ch.Error.Type+" "+toString(ch.Error.Code)
	}
	for _, ck := range ch.Choices {
		if d := ck.Delta; d != nil {
			n := len(d.Content) + len(d.ReasoningContent) + len(d.Reasoning)
			if n > 0 || (len(d.ToolCalls) > 0 && string(d.ToolCalls) != "null") {
				s.mark = true
			}
			s.chars += n
		}
		if len(ck.Text) > 0 {
			s.mark = true
			s.chars += len(ck.Text)
		}
	}
	return s
}

// chatChunk meters a chat completion or one streamed chunk; it reports whether
// the chunk is the usage-only chunk the proxy asked for on the client's behalf.
func (c *call) chatChunk(p []byte) (usageOnly bool) {
	if bytes.Equal(p, []byte("[DONE]")) {
		c.terminal = true
		return false
	}
	var s chunkSum
	if c.stream {
		if !fastChatChunk(p, &s) {
			var ch oaChunk
			if json.Unmarshal(p, &ch) != nil {
				return false
			}
			s = ch.sum()
		}
	} else {
		var ch oaChunk
		if !fastChatBody(p, &ch) {
			ch = oaChunk{}
			if decodeMembers(p, chatBodyKeys, &ch) != nil {
				return false
			}
		}
		s = ch.sum()
	}
	if s.model != "" {
		c.rec.ResponseModel = s.model
	}
	if s.err {
		c.errClass = classify(s.errKind)
	}
	if s.mark {
		c.mark()
	}
	c.outChars += s.chars
	if s.usage != nil {
		c.tok, c.usage = s.usage.tokens(), usageComplete
		return c.rewrote && s.choices == 0
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

// chatDecoder reads Chat Completions and legacy completions, OpenAI's and
// Ollama's compatible ones: the same usage, the text in delta.content or text.
type chatDecoder struct {
	sse
	streamFlag
}

func (chatDecoder) event(c *call, p []byte) bool { return c.chatChunk(p) }
func (chatDecoder) body(c *call, b []byte)       { c.chatChunk(b) }

// responsesDecoder reads OpenAI Responses.
type responsesDecoder struct {
	sse
	streamFlag
}

func (responsesDecoder) event(c *call, p []byte) bool { c.responsesEvent(p); return false }
func (responsesDecoder) body(c *call, b []byte)       { c.responsesEvent(b) }

// embeddingsDecoder reads embeddings: OpenAI's (usage.prompt_tokens), and
// Ollama's /v1/embeddings and older /api/embeddings, which may report none:
// then the input is estimated from the request text.
type embeddingsDecoder struct {
	sse
	notStreamed
}

func (embeddingsDecoder) body(c *call, b []byte) {
	c.chatChunk(b)
	if c.usage == usageNone && c.errClass == "" {
		c.estimateInput()
	}
}
