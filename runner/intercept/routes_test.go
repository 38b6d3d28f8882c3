package intercept

import (
	"slices"
	"testing"

	"github.com/runner-bench/runner/runner/llmapi"
)

// Each API's public host and each configured base URL's host go to that
// API's listener; an OpenAI base URL with a path has it replaced by /v1,
// where the listener takes OpenAI's paths.
func TestRoutes(t *testing.T) {
	t.Parallel()
	listeners := map[llmapi.API]string{"openai": "http://127.0.0.1:1", "anthropic": "http://127.0.0.1:2", "ollama": "http://127.0.0.1:4"}
	routes := Routes(func(api llmapi.API) string { return listeners[api] }, map[llmapi.API]string{
		"openai":    "https://generativelanguage.googleapis.com/v1beta/openai/",
		"anthropic": "http://gateway.internal:8080/anthropic",
		"gemini":    "https://gemini.example", // no listener: no route
	})
	want := []Route{
		{Host: "api.openai.com", Target: "http://127.0.0.1:1"},
		{Host: "generativelanguage.googleapis.com", Target: "http://127.0.0.1:1", Prefix: "/v1beta/openai", To: "/v1"},
		{Host: "api.anthropic.com", Target: "http://127.0.0.1:2"},
		{Host: "gateway.internal:8080", Target: "http://127.0.0.1:2", Prefix: "/anthropic"},
		{Host: "127.0.0.1:11434", Target: "http://127.0.0.1:4"},
		{Host: "localhost:11434", Target: "http://127.0.0.1:4"},
	}
	if !slices.Equal(routes, want) {
		t.Errorf("routes:\n%+v\nwant:\n%+v", routes, want)
	}
}
