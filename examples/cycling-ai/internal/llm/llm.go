// Package llm calls the chat APIs of OpenAI, Anthropic, Gemini and Ollama
// with plain net/http, reading base URLs and keys from the environment the
// way the official SDKs do (see shared/reference/llm-apis.md §6).
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultTimeout bounds one HTTP call, response included.
const DefaultTimeout = 5 * time.Minute

// Providers lists the supported provider names.
var Providers = []string{"openai", "anthropic", "gemini", "ollama"}

// DefaultModels is the model used when none is given.
var DefaultModels = map[string]string{
	"openai":    "gpt-4-turbo",
	"anthropic": "claude-3-5-sonnet-20241022",
	"gemini":    "gemini-1.5-pro",
	"ollama":    "llama3.2:3b",
}

// Request is one single-turn chat call.
type Request struct {
	System      string
	Prompt      string
	MaxTokens   int      // 0 = provider default (Anthropic requires one: 4096 then)
	Temperature *float64 // nil = provider default
}

// Usage is normalised token usage: InputTokens includes cached input.
type Usage struct {
	InputTokens       int `json:"input_tokens"`
	OutputTokens      int `json:"output_tokens"`
	CachedInputTokens int `json:"cached_input_tokens"`
}

// Response is the model's answer.
type Response struct {
	Text  string `json:"text"`
	Model string `json:"model"` // as reported by the API, may be a dated snapshot
	Usage Usage  `json:"usage"`
}

// Client sends chat requests to one provider and model.
type Client interface {
	Provider() string
	Model() string
	Endpoint() string // the URL requests go to, for messages
	Chat(ctx context.Context, req Request) (Response, error)
}

// Env looks up an environment variable (os.Getenv in production).
type Env func(string) string

// New returns the client for provider and model. httpClient may be nil.
func New(provider, model string, env Env, httpClient *http.Client) (Client, error) {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: DefaultTimeout}
	}
	if model == "" {
		model = DefaultModels[provider]
	}
	b := base{model: model, http: httpClient}
	switch provider {
	case "openai":
		return newOpenAI(b, env), nil
	case "anthropic":
		return newAnthropic(b, env), nil
	case "gemini":
		return newGemini(b, env), nil
	case "ollama":
		return newOllama(b, env)
	}
	return nil, fmt.Errorf("unknown provider %q (want one of %s)", provider, strings.Join(Providers, ", "))
}

// APIError is a non-2xx answer.
type APIError struct {
	Provider string
	Status   int
	Message  string // the API's own error message, or a trimmed body
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s API error: HTTP %d %s: %s", e.Provider, e.Status, http.StatusText(e.Status), e.Message)
}

// base holds what every client shares.
type base struct {
	model string
	http  *http.Client
}

// postJSON sends body as JSON to url with headers and decodes a 2xx answer
// into out. Error messages never include header values (API keys).
func (b base) postJSON(ctx context.Context, provider, url string, headers map[string]string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", provider, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("%s: build request for %s: %w", provider, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "cycling-ai/1.0 (runner reference workload)")
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.http.Do(req)
	if err != nil {
		var uerr interface{ Timeout() bool }
		if errors.As(err, &uerr) && uerr.Timeout() {
			return fmt.Errorf("%s: request to %s timed out: %w", provider, url, err)
		}
		return fmt.Errorf("%s: request to %s failed: %w", provider, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%s: read response from %s: %w", provider, url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &APIError{Provider: provider, Status: resp.StatusCode, Message: errorMessage(raw)}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decode response from %s: %w (body starts %q)", provider, url, err, trim(string(raw), 200))
	}
	return nil
}

// errorMessage extracts the message of the providers' error bodies:
// {"error":{"message":..}} (OpenAI, Anthropic, Gemini) or {"error":".."} (Ollama).
func errorMessage(raw []byte) string {
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(raw, &body) == nil {
		var obj struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Status  string `json:"status"`
		}
		var s string
		switch {
		case json.Unmarshal(body.Error, &obj) == nil && obj.Message != "":
			kind := obj.Type
			if kind == "" {
				kind = obj.Status
			}
			if kind != "" {
				return obj.Message + " (" + kind + ")"
			}
			return obj.Message
		case json.Unmarshal(body.Error, &s) == nil && s != "":
			return s
		case body.Message != "":
			return body.Message
		}
	}
	msg := strings.TrimSpace(string(raw))
	if msg == "" {
		return "(empty body)"
	}
	return trim(msg, 500)
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// envOr returns the first non-empty variable, or def.
func envOr(env Env, def string, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(env(n)); v != "" {
			return v
		}
	}
	return def
}
