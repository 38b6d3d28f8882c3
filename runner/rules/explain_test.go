package rules

import (
	"strings"
	"testing"
)

// Compile errors speak the spec's language: no Go type names, and a phase
// name in the wrong case gets the declared one.
func TestCompileErrorsInTheUsersWords(t *testing.T) {
	t.Parallel()
	names := Names{Phases: []string{"Data Preparation"}}
	cases := map[string][]string{
		`total.time < 300`:                        {"< compares a statistic", "with a number", "e.g. total.time.mean < 300"},
		`phase("Data Preparation") > 3`:           {`e.g. phase("Name").time.mean < 60`},
		`phase("data preparation").time.mean < 3`: {`did you mean "Data Preparation"?`},
	}
	for src, wants := range cases {
		_, err := Compile(src, names)
		if err == nil {
			t.Errorf("%s: compiled", src)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", src, err, w)
			}
		}
		if strings.Contains(err.Error(), "rules.") {
			t.Errorf("%s: error names a Go type: %q", src, err)
		}
	}
}
