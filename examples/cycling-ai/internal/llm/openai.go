package llm

import (
	"context"
	"fmt"
	"strings"
)

type openAI struct {
	base
	url, key string
}

// newOpenAI reads OPENAI_BASE_URL (default https://api.openai.com/v1, which
// includes /v1) and OPENAI_API_KEY.
func newOpenAI(b base, env Env) *openAI {
	baseURL := strings.TrimRight(envOr(env, "https://api.openai.com/v1", "OPENAI_BASE_URL"), "/")
	return &openAI{base: b, url: baseURL + "/chat/completions", key: env("OPENAI_API_KEY")}
}

func (c *openAI) Provider() string { return "openai" }
func (c *openAI) Model() string    { return c.model }
func (c *openAI) Endpoint() string { return c.url }

type openAIMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type openAIRequest struct {
	Model       string          `json:"model"`
	Messages    []openAIMessage `json:"messages"`
	MaxTokens   int             `json:"max_tokens,omitempty"`
	Temperature *float64        `json:"temperature,omitempty"`
	Stream      bool            `json:"stream"`
}

type openAIResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int `json:"prompt_tokens"`
		CompletionTokens    int `json:"completion_tokens"`
		PromptTokensDetails *struct {
			CachedTokens int `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
}

func (c *openAI) Chat(ctx context.Context, req Request) (Response, error) {
	body := openAIRequest{Model: c.model, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	if req.System != "" {
		body.Messages = append(body.Messages, openAIMessage{"system", req.System})
	}
	body.Messages = append(body.Messages, openAIMessage{"user", req.Prompt})
	headers := map[string]string{}
	if c.key != "" {
		headers["Authorization"] = "Bearer " + c.key
	}
	var out openAIResponse
	if err := c.postJSON(ctx, "openai", c.url, headers, body, &out); err != nil {
		return Response{}, err
	}
	if len(out.Choices) == 0 {
		return Response{}, fmt.Errorf("openai: response has no choices")
	}
	msg := out.Choices[0].Message
	text := ""
	switch {
	case msg.Content != nil:
		text = *msg.Content
	case msg.Refusal != nil:
		return Response{}, fmt.Errorf("openai: model refused: %s", *msg.Refusal)
	}
	r := Response{Text: text, Model: out.Model}
	if out.Usage != nil {
		r.Usage = Usage{InputTokens: out.Usage.PromptTokens, OutputTokens: out.Usage.CompletionTokens}
		if d := out.Usage.PromptTokensDetails; d != nil {
			r.Usage.CachedInputTokens = d.CachedTokens // a subset of prompt_tokens
		}
	}
	return r, nil
}
