package plan

import (
	"fmt"
	"github.com/runner-bench/runner/runner/llmapi"
	"sort"
	"strings"

	"github.com/runner-bench/runner/runner/spec"
)

// checkQuality refuses a quality key that scores no cell of the matrix (a
// typo, or a model renamed): every such key is an error at its position,
// with the nearest name, so a score is never silently dropped.
func checkQuality(s *spec.Spec, all []Cell) error {
	if len(s.Quality) == 0 {
		return nil
	}
	var cells []Cell
	for _, c := range all {
		if !excluded(&c, s.Exclude) {
			cells = append(cells, c)
		}
	}
	used := map[string]bool{}
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, c := range cells {
		used[s.QualityKey(c.ID, c.Provider.Name, c.Model)] = true
		add(c.Provider.Name)
		add(c.Model)
		add(c.ID)
	}
	keys := make([]string, 0, len(s.Quality))
	for k := range s.Quality {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs spec.Errors
	for _, k := range keys {
		if used[k] {
			continue
		}
		msg := fmt.Sprintf("quality.%s: scores no cell", k)
		switch {
		case matchesAny(k, names):
			msg += " (every cell it matches is scored by a more specific key; exact cell IDs and models win, then the longest glob)"
		case spec.Closest(k, names) != "":
			msg += fmt.Sprintf("; did you mean %q?", spec.Closest(k, names))
		default:
			msg += "; keys name a provider, a model or a cell ID, or are globs of models or cell IDs (cells: " + cellIDs(cells) + ")"
		}
		pos := s.QualityPos[k]
		errs = append(errs, &spec.Error{File: s.File, Line: pos.Line, Col: pos.Col, Msg: msg})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func matchesAny(key string, names []string) bool {
	for _, n := range names {
		if n == key {
			return true
		}
		if ok, _ := llmapi.GlobMatch(key, n); ok && spec.IsGlob(key) {
			return true
		}
	}
	return false
}

func cellIDs(cells []Cell) string {
	ids := make([]string, 0, len(cells))
	for _, c := range cells {
		ids = append(ids, c.ID)
	}
	if len(ids) > 8 {
		ids = append(ids[:8], fmt.Sprintf("and %d more", len(ids)-8))
	}
	return strings.Join(ids, ", ")
}
