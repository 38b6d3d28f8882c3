package meter

import (
	"reflect"

	"github.com/runner-bench/runner/runner/record"
)

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

// messagesDecoder reads Anthropic Messages.
type messagesDecoder struct {
	sse
	streamFlag
}

func (messagesDecoder) event(c *call, p []byte) bool { c.anthropicEvent(p); return false }
func (messagesDecoder) body(c *call, b []byte)       { c.anthropicEvent(b) }
