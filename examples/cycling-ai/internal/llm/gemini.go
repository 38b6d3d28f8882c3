package llm

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

type gemini struct {
	base
	url, key string
}

// newGemini reads GOOGLE_GEMINI_BASE_URL (default
// https://generativelanguage.googleapis.com) and GOOGLE_API_KEY, which wins
// over GEMINI_API_KEY; the key goes in the x-goog-api-key header.
func newGemini(b base, env Env) *gemini {
	baseURL := strings.TrimRight(envOr(env, "https://generativelanguage.googleapis.com", "GOOGLE_GEMINI_BASE_URL"), "/")
	model := strings.TrimPrefix(b.model, "models/")
	return &gemini{
		base: b,
		url:  baseURL + "/v1beta/models/" + url.PathEscape(model) + ":generateContent",
		key:  envOr(env, "", "GOOGLE_API_KEY", "GEMINI_API_KEY"),
	}
}

func (c *gemini) Provider() string { return "gemini" }
func (c *gemini) Model() string    { return c.model }
func (c *gemini) Endpoint() string { return c.url }

type geminiPart struct {
	Text string `json:"text"`
}

type geminiContent struct {
	Role  string       `json:"role,omitempty"`
	Parts []geminiPart `json:"parts"`
}

type geminiRequest struct {
	SystemInstruction *geminiContent  `json:"systemInstruction,omitempty"`
	Contents          []geminiContent `json:"contents"`
	GenerationConfig  *geminiConfig   `json:"generationConfig,omitempty"`
}

type geminiConfig struct {
	MaxOutputTokens int      `json:"maxOutputTokens,omitempty"`
	Temperature     *float64 `json:"temperature,omitempty"`
}

type geminiResponse struct {
	Candidates []struct {
		Content struct {
			Parts []struct {
				Text    string `json:"text"`
				Thought bool   `json:"thought"`
			} `json:"parts"`
		} `json:"content"`
		FinishReason string `json:"finishReason"`
	} `json:"candidates"`
	PromptFeedback *struct {
		BlockReason string `json:"blockReason"`
	} `json:"promptFeedback"`
	UsageMetadata struct {
		PromptTokenCount        int `json:"promptTokenCount"`
		CachedContentTokenCount int `json:"cachedContentTokenCount"`
		CandidatesTokenCount    int `json:"candidatesTokenCount"`
		ThoughtsTokenCount      int `json:"thoughtsTokenCount"`
	} `json:"usageMetadata"`
	ModelVersion string `json:"modelVersion"`
}

func (c *gemini) Chat(ctx context.Context, req Request) (Response, error) {
	body := geminiRequest{Contents: []geminiContent{{Role: "user", Parts: []geminiPart{{req.Prompt}}}}}
	if req.System != "" {
		body.SystemInstruction = &geminiContent{Parts: []geminiPart{{req.System}}}
	}
	if req.MaxTokens > 0 || req.Temperature != nil {
		body.GenerationConfig = &geminiConfig{MaxOutputTokens: req.MaxTokens, Temperature: req.Temperature}
	}
	var out geminiResponse
	if err := c.postJSON(ctx, "gemini", c.url, map[string]string{"x-goog-api-key": c.key}, body, &out); err != nil {
		return Response{}, err
	}
	if len(out.Candidates) == 0 {
		reason := "no candidates"
		if out.PromptFeedback != nil && out.PromptFeedback.BlockReason != "" {
			reason = "prompt blocked: " + out.PromptFeedback.BlockReason
		}
		return Response{}, fmt.Errorf("gemini: %s", reason)
	}
	var text strings.Builder
	for _, p := range out.Candidates[0].Content.Parts {
		if !p.Thought {
			text.WriteString(p.Text)
		}
	}
	u := out.UsageMetadata
	return Response{
		Text:  text.String(),
		Model: out.ModelVersion,
		Usage: Usage{
			InputTokens:       u.PromptTokenCount, // includes cached content
			OutputTokens:      u.CandidatesTokenCount + u.ThoughtsTokenCount,
			CachedInputTokens: u.CachedContentTokenCount,
		},
	}, nil
}
