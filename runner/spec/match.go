package spec

import (
	"maps"
	"strings"

	"github.com/runner-bench/runner/runner/llmapi"
)

// IsGlob reports whether a key is a path.Match pattern rather than a name.
func IsGlob(key string) bool { return strings.ContainsAny(key, "*?[") }

// QualityKey is the quality key that scores a cell, or "". It is the one
// model-lookup rule (llmapi.MatchModel: the exact key, then the longest
// glob) applied to the cell's ID and its model, with a provider's name
// counting as the glob of its cells ("anthropic" as "anthropic_*"), so
// that `claude-3-haiku*` beats `anthropic` and `anthropic` beats `*`.
func (s *Spec) QualityKey(cell, provider, model string) string {
	for _, name := range []string{cell, model} {
		if _, ok := s.Quality[name]; ok && name != "" {
			return name
		}
	}
	best := ""
	for _, name := range []string{cell, model} {
		if name == "" {
			continue
		}
		if k, ok := llmapi.MatchModel(name, maps.Keys(s.Quality)); ok && IsGlob(k) && longer(k, best) {
			best = k
		}
	}
	if _, ok := s.Quality[provider]; ok && (best == "" || len(provider)+2 > len(best)) {
		best = provider
	}
	return best
}

// longer orders glob keys as MatchModel does: longer first, then smaller.
func longer(k, than string) bool {
	return than == "" || len(k) > len(than) || len(k) == len(than) && k < than
}
