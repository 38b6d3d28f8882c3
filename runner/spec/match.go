package spec

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/runner-bench/runner/runner/llmapi"
)

// IsGlob reports whether a key is a path.Match pattern rather than a name.
func IsGlob(key string) bool { return strings.ContainsAny(key, "*?[") }

// MatchKey is llmapi.MatchModel, the one lookup rule for keys naming
// models or cells (pricing, simulate.models, quality): a key equal to name
// wins; otherwise the longest glob that matches (ties go to the one first
// in sort order).
func MatchKey(keys []string, name string) (string, bool) {
	return llmapi.MatchModel(name, slices.Values(keys))
}

// QualityKey is the quality key that scores a cell, or "": a key naming
// the cell's ID or its model exactly wins; then the longest glob matching
// the cell ID or the model, where a provider's name counts as the glob of
// its cells ("anthropic" as "anthropic_*"), so that `claude-3-haiku*`
// beats `anthropic` and `anthropic` beats `*`.
func (s *Spec) QualityKey(cell, provider, model string) string {
	keys := make([]string, 0, len(s.Quality))
	for k := range s.Quality {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range []string{cell, model} {
		if _, ok := s.Quality[name]; ok && name != "" {
			return name
		}
	}
	best, bestLen := "", -1
	for _, k := range keys {
		n := -1
		switch {
		case k == provider:
			n = len(k) + 2 // as long as "provider_*"
		case IsGlob(k):
			if m, _ := path.Match(k, cell); m {
				n = len(k)
			} else if m, _ := path.Match(k, model); m && model != "" {
				n = len(k)
			}
		}
		if n > bestLen {
			best, bestLen = k, n
		}
	}
	return best
}
