package rules

import (
	"strings"
	"testing"
)

// Compile errors speak the spec's language: no Go type names, and a phase
// name in the wrong case gets the declared one.
func TestCompileErrorsInTheUsersWords(t *testing.T) {
	t.Parallel()
	names := Names{Phases: []string{"Data Preparation"}, NoBaseline: true}
	cases := map[string][]string{
		// The same class with other operators and functions: each says what
		// the user wrote in spec words, never a Go type.
		`cost.mean + "a" > 1`:        {`+ cannot combine a number and text`},
		`cost.mean * total.time > 1`: {`* cannot combine a number and a statistic`, "e.g. total.time.mean < 300"},
		`-cost > 1`:                  {`- does not apply to a statistic`, "e.g. total.time.mean < 300"},
		`not cost`:                   {`not does not apply to a statistic`},
		`cost.mean < 1 or total`:     {`or joins two true/false conditions`, "e.g. total.tokens.mean < 30000"},
		`phase("Data Preparation").time.mean in total`:  {`in compares a number with total`},
		`len(total.time) > 1`:                           {`len() cannot take a statistic`, "e.g. total.time.mean < 300"},
		`abs(total.time) < 1`:                           {`abs() cannot take a statistic`},
		`max(total.time.mean, cost) < 1`:                {`max() cannot take a statistic`},
		`upper(cost) == "A"`:                            {`upper() takes text, not a statistic`},
		`total.time.mean`:                               {`a rule must be a true/false condition, and this is a number`, "total.time.mean < 300"},
		`provider`:                                      {`a rule must be a true/false condition, and this is text`},
		`provider == openai`:                            {`unknown name openai`, `text is written in quotes: "openai"`},
		`metric(words).mean > 1`:                        {`text is written in quotes: "words"`},
		`total.time.mean < 1m`:                          {`numbers have no unit`, "write 60 for a minute"},
		`delta.total.time.pct < 10`:                     {"the spec sets none: add baseline: DIR"},
		`delta.phase("Data Preparation").time.pct < 10`: {"the spec sets none: add baseline: DIR"},
		`total.time < 300`:                              {"< compares a statistic", "with a number", "e.g. total.time.mean < 300"},
		`phase("Data Preparation") > 3`:                 {`e.g. phase("Name").time.mean < 60`},
		`phase("data preparation").time.mean < 3`:       {`did you mean "Data Preparation"?`},
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
