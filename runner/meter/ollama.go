package meter

import (
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/runner-bench/runner/runner/record"
)

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

// ollamaDecoder reads Ollama's native /api/chat and /api/generate, which
// stream NDJSON unless the request says "stream": false.
type ollamaDecoder struct{}

func (ollamaDecoder) streamed(_ *http.Request, meta *reqMeta) (bool, bool) {
	return meta.Stream == nil || *meta.Stream, false
}
func (ollamaDecoder) lines() bool                  { return true }
func (ollamaDecoder) event(c *call, p []byte) bool { c.ollama(p); return false }
func (ollamaDecoder) body(c *call, b []byte)       { c.ollama(b) }

// ollamaEmbedDecoder reads /api/embed, whose answer counts the input in
// prompt_eval_count (older servers omit it: then it is estimated).
type ollamaEmbedDecoder struct {
	sse
	notStreamed
}

type olEmbed struct {
	Model           string `json:"model"`
	PromptEvalCount *int64 `json:"prompt_eval_count"`
	Error           string `json:"error"`
}

var olEmbedKeys = jsonKeys(reflect.TypeFor[olEmbed]())

func (ollamaEmbedDecoder) body(c *call, b []byte) {
	var e olEmbed
	if decodeMembers(b, olEmbedKeys, &e) != nil {
		return
	}
	if e.Model != "" {
		c.rec.ResponseModel = e.Model
	}
	switch {
	case e.Error != "":
		c.errClass = "5xx"
	case e.PromptEvalCount != nil:
		c.tok, c.usage = record.Tokens{Input: *e.PromptEvalCount}, usageComplete
	default:
		c.estimateInput()
	}
}
