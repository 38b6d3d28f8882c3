package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Level is a threshold's verdict on a cell, and a cell's or a benchmark's
// rating (its worst verdict). The words are those of summary.json, the
// report and the console.
type Level string

const (
	// NotRated is the rating of a cell no rule judged (the spec has no
	// thresholds, or every rule's `when` excluded it).
	NotRated   Level = ""
	Pass       Level = "PASS"       // target holds
	Acceptable Level = "ACCEPTABLE" // target missed, acceptable holds
	Fail       Level = "FAIL"       // neither holds
	// NA is a rule that had no value to judge (a metric no run measured,
	// a cost without a price); as a rating, it says such a rule may hide
	// a failure.
	NA Level = "N/A"
)

// Levels lists every Level a verdict can take, best first.
var Levels = []Level{Pass, Acceptable, Fail, NA}

// rank orders levels for Worse; N/A and not rated never make a rating worse.
func (l Level) rank() int {
	switch l {
	case Pass:
		return 1
	case Acceptable:
		return 2
	case Fail:
		return 3
	}
	return 0
}

// Worse returns the worse of two levels: a rating takes its worst verdict.
// N/A never makes a rating worse, and does not rate a cell no rule rated.
func Worse(a, b Level) Level {
	if b.rank() > a.rank() {
		return b
	}
	if a == NotRated && b == NA {
		return NotRated
	}
	return a
}

// Rating is how reports and the console name a rating.
func (l Level) Rating() string {
	switch l {
	case Pass, Acceptable:
		return string(l)
	case Fail:
		return "NEEDS OPTIMIZATION"
	}
	return "NOT RATED"
}

// FailOnLevels are the levels --fail-on takes, spelt in lower case.
var FailOnLevels = []Level{Fail, Acceptable}

// FailOnWords spells the --fail-on words for help and messages: "fail or
// acceptable".
func FailOnWords() string {
	words := make([]string, len(FailOnLevels))
	for i, f := range FailOnLevels {
		words[i] = strings.ToLower(string(f))
	}
	return strings.Join(words, " or ")
}

// ParseFailOn reads a --fail-on word: the rating at or below which a
// benchmark fails.
func ParseFailOn(word string) (Level, error) {
	l := Level(strings.ToUpper(word))
	if word != strings.ToLower(word) || !slices.Contains(FailOnLevels, l) {
		return "", fmt.Errorf("%q: expected %s", word, FailOnWords())
	}
	return l, nil
}

// Fails says a rating is at or below failOn (Fail or Acceptable).
func (l Level) Fails(failOn Level) bool {
	return l.rank() >= failOn.rank() && l.rank() >= Acceptable.rank()
}
