package llm

import (
	"context"
	"fmt"
	"strings"
)

type anthropic struct {
	base
	url, key, token string
}

// newAnthropic reads ANTHROPIC_BASE_URL (default https://api.anthropic.com,
// without /v1) and ANTHROPIC_API_KEY (x-api-key) or ANTHROPIC_AUTH_TOKEN (Bearer).
func newAnthropic(b base, env Env) *anthropic {
	baseURL := strings.TrimRight(envOr(env, "https://api.anthropic.com", "ANTHROPIC_BASE_URL"), "/")
	return &anthropic{base: b, url: baseURL + "/v1/messages", key: env("ANTHROPIC_API_KEY"), token: env("ANTHROPIC_AUTH_TOKEN")}
}

func (c *anthropic) Provider() string { return "anthropic" }
func (c *anthropic) Model() string    { return c.model }
func (c *anthropic) Endpoint() string { return c.url }

type anthropicRequest struct {
	Model       string             `json:"model"`
	MaxTokens   int                `json:"max_tokens"`
	System      string             `json:"system,omitempty"`
	Messages    []anthropicMessage `json:"messages"`
	Temperature *float64           `json:"temperature,omitempty"`
}

type anthropicMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type anthropicResponse struct {
	Model   string `json:"model"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StopReason string `json:"stop_reason"`
	Usage      struct {
		InputTokens              int `json:"input_tokens"`
		CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     int `json:"cache_read_input_tokens"`
		OutputTokens             int `json:"output_tokens"`
	} `json:"usage"`
}

func (c *anthropic) Chat(ctx context.Context, req Request) (Response, error) {
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = 4096
	}
	body := anthropicRequest{
		Model: c.model, MaxTokens: maxTokens, System: req.System, Temperature: req.Temperature,
		Messages: []anthropicMessage{{"user", req.Prompt}},
	}
	headers := map[string]string{"anthropic-version": "2023-06-01"}
	if c.key != "" {
		headers["x-api-key"] = c.key
	} else if c.token != "" {
		headers["Authorization"] = "Bearer " + c.token
	}
	var out anthropicResponse
	if err := c.postJSON(ctx, "anthropic", c.url, headers, body, &out); err != nil {
		return Response{}, err
	}
	var text strings.Builder
	for _, block := range out.Content {
		if block.Type == "text" {
			text.WriteString(block.Text)
		}
	}
	if text.Len() == 0 && out.StopReason != "end_turn" && out.StopReason != "max_tokens" {
		return Response{}, fmt.Errorf("anthropic: response has no text (stop_reason %q)", out.StopReason)
	}
	u := out.Usage
	return Response{
		Text:  text.String(),
		Model: out.Model,
		Usage: Usage{
			// input_tokens excludes cache reads and writes: add them back.
			InputTokens:       u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens,
			OutputTokens:      u.OutputTokens,
			CachedInputTokens: u.CacheReadInputTokens,
		},
	}, nil
}
