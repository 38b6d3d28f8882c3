package meter

import (
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/runner-bench/runner/runner/record"
)

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

// geminiDecoder reads generateContent: one response object.
type geminiDecoder struct{ sse }

func (geminiDecoder) streamed(*http.Request, *reqMeta) (bool, bool) { return false, false }
func (geminiDecoder) event(c *call, p []byte) bool                  { c.geminiChunk(p); return false }
func (geminiDecoder) body(c *call, b []byte)                        { c.geminiChunk(b) }

// geminiStreamDecoder reads streamGenerateContent: server-sent events with
// alt=sse, else one JSON array of responses.
type geminiStreamDecoder struct{ geminiDecoder }

func (geminiStreamDecoder) streamed(r *http.Request, _ *reqMeta) (bool, bool) {
	return true, r.URL.Query().Get("alt") != "sse"
}

func (geminiStreamDecoder) body(c *call, b []byte) {
	var arr []json.RawMessage
	if json.Unmarshal(b, &arr) == nil {
		for _, e := range arr {
			c.geminiChunk(e)
		}
		// The whole array arrived: its last usage is final, finish reason or not.
		c.terminal = true
		if c.usage == usagePartial {
			c.usage = usageComplete
		}
	}
}

// geminiEmbedDecoder reads embedContent and batchEmbedContents, whose
// answers carry no usage: the input is estimated from the request's text
// parts (usageMetadata is read if a server sends it).
type geminiEmbedDecoder struct {
	sse
	notStreamed
}

func (geminiEmbedDecoder) body(c *call, b []byte) {
	c.geminiChunk(b)
	if c.usage == usageNone && c.errClass == "" {
		c.estimateInput()
	}
}
