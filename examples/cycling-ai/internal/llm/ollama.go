package llm

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

type ollama struct {
	base
	url string
}

// OllamaHost resolves OLLAMA_HOST the way the Ollama client does: the scheme
// is optional (http), the default is http://127.0.0.1:11434, a bare host
// gets port 11434 (80 / 443 when http:// or https:// is written out).
func OllamaHost(value string) (*url.URL, error) {
	s := strings.TrimSpace(value)
	defaultPort := "11434"
	scheme, hostport, ok := strings.Cut(s, "://")
	switch {
	case !ok:
		scheme, hostport = "http", s
	case scheme == "http":
		defaultPort = "80"
	case scheme == "https":
		defaultPort = "443"
	}
	hostport, path, _ := strings.Cut(hostport, "/")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = "127.0.0.1", defaultPort
		if ip := net.ParseIP(strings.Trim(hostport, "[]")); ip != nil {
			host = ip.String()
		} else if hostport != "" {
			host = hostport
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return nil, fmt.Errorf("OLLAMA_HOST %q: invalid port %q", value, port)
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port)}
	if path != "" {
		u.Path = "/" + strings.TrimRight(path, "/")
	}
	return u, nil
}

func newOllama(b base, env Env) (*ollama, error) {
	host, err := OllamaHost(env("OLLAMA_HOST"))
	if err != nil {
		return nil, err
	}
	return &ollama{base: b, url: host.String() + "/api/chat"}, nil
}

func (c *ollama) Provider() string { return "ollama" }
func (c *ollama) Model() string    { return c.model }
func (c *ollama) Endpoint() string { return c.url }

type ollamaMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type ollamaRequest struct {
	Model    string          `json:"model"`
	Messages []ollamaMessage `json:"messages"`
	Stream   bool            `json:"stream"`
	Options  map[string]any  `json:"options,omitempty"`
}

type ollamaResponse struct {
	Model   string        `json:"model"`
	Message ollamaMessage `json:"message"`
	Done    bool          `json:"done"`
	// Metrics are omitted when zero.
	PromptEvalCount int `json:"prompt_eval_count"`
	EvalCount       int `json:"eval_count"`
}

func (c *ollama) Chat(ctx context.Context, req Request) (Response, error) {
	body := ollamaRequest{Model: c.model, Stream: false}
	if req.System != "" {
		body.Messages = append(body.Messages, ollamaMessage{"system", req.System})
	}
	body.Messages = append(body.Messages, ollamaMessage{"user", req.Prompt})
	opts := map[string]any{}
	if req.MaxTokens > 0 {
		opts["num_predict"] = req.MaxTokens
	}
	if req.Temperature != nil {
		opts["temperature"] = *req.Temperature
	}
	if len(opts) > 0 {
		body.Options = opts
	}
	var out ollamaResponse
	if err := c.postJSON(ctx, "ollama", c.url, nil, body, &out); err != nil {
		return Response{}, err
	}
	return Response{
		Text:  out.Message.Content,
		Model: out.Model,
		Usage: Usage{InputTokens: out.PromptEvalCount, OutputTokens: out.EvalCount},
	}, nil
}
