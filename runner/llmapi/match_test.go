package llmapi

import (
	"slices"
	"testing"
)

func TestMatchModel(t *testing.T) {
	t.Parallel()
	keys := []string{"gpt-*", "gpt-4o*", "gpt-4o-mini", "claude-?-haiku*", "claude-*", "[", "*"}
	for _, tc := range []struct{ model, want string }{
		{"gpt-4o-mini", "gpt-4o-mini"}, // exact beats every glob
		{"gpt-4o-2024", "gpt-4o*"},     // the longest glob, wherever it is listed
		{"gpt-3.5", "gpt-*"},
		{"claude-3-haiku", "claude-?-haiku*"},
		{"claude-opus", "claude-*"},
		{"llama3", "*"}, // a malformed glob ("[") matches nothing
	} {
		for _, order := range [][]string{keys, reversed(keys)} {
			if got, ok := MatchModel(tc.model, slices.Values(order)); !ok || got != tc.want {
				t.Errorf("MatchModel(%q, %q) = %q, %v; want %q", tc.model, order, got, ok, tc.want)
			}
		}
	}
	if got, ok := MatchModel("x", slices.Values([]string{"a*", "b"})); ok {
		t.Errorf("MatchModel matched %q; want no match", got)
	}
	// Globs of one length: the smallest key, whatever the order.
	for _, order := range [][]string{{"a?c", "ab?"}, {"ab?", "a?c"}} {
		if got, _ := MatchModel("abc", slices.Values(order)); got != "a?c" {
			t.Errorf("MatchModel(abc, %q) = %q; want a?c", order, got)
		}
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}
