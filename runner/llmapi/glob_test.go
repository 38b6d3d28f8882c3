package llmapi

import (
	"slices"
	"testing"
)

// A model name with a "/" (OpenRouter's provider/model) is one name: every
// glob that would match it without the "/" matches it, wherever the "/" is.
func TestGlobMatchesModelsWithSlashes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, model string
		want           bool
	}{
		{"*", "anthropic/claude-3.5-sonnet", true},
		{"anthropic/*", "anthropic/claude-3.5-sonnet", true},
		{"*/claude-*", "anthropic/claude-3.5-sonnet", true},
		{"*sonnet", "anthropic/claude-3.5-sonnet", true},
		{"meta-llama/llama-3.?-70b-instruct", "meta-llama/llama-3.1-70b-instruct", true},
		{"claude-*", "anthropic/claude-3.5-sonnet", false},
		{"gpt-4o*", "gpt-4o-mini", true},
		{"gpt-4o", "gpt-4o-mini", false},
	}
	for _, c := range cases {
		if got, err := GlobMatch(c.pattern, c.model); got != c.want || err != nil {
			t.Errorf("GlobMatch(%q, %q) = %v, %v; want %v", c.pattern, c.model, got, err, c.want)
		}
	}
	// The lookup every table uses (pricing, simulate.models) follows it.
	if k, ok := MatchModel("openrouter/meta-llama/llama-3.1-70b", slices.Values([]string{"*", "openrouter/*", "gpt-*"})); !ok || k != "openrouter/*" {
		t.Errorf("MatchModel = %q, %v; want the longest glob openrouter/*", k, ok)
	}
}
