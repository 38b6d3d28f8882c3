package rules

import "testing"

// A rating is the worst verdict; N/A never makes it worse nor rates a cell
// no rule rated.
func TestWorse(t *testing.T) {
	t.Parallel()
	cases := []struct{ a, b, want Level }{
		{NotRated, Pass, Pass},
		{Pass, Acceptable, Acceptable},
		{Acceptable, Pass, Acceptable},
		{Acceptable, Fail, Fail},
		{Fail, NA, Fail},
		{Pass, NA, Pass},
		{NotRated, NA, NotRated},
		{NA, Pass, Pass},
	}
	for _, c := range cases {
		if got := Worse(c.a, c.b); got != c.want {
			t.Errorf("Worse(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

// --fail-on takes fail or acceptable; a rating fails at or below it.
func TestFailOn(t *testing.T) {
	t.Parallel()
	for word, fails := range map[string][]Level{"fail": {Fail}, "acceptable": {Acceptable, Fail}} {
		l, err := ParseFailOn(word)
		if err != nil {
			t.Fatalf("%s: %v", word, err)
		}
		for _, r := range append(Levels, NotRated) {
			want := false
			for _, f := range fails {
				want = want || r == f
			}
			if r.Fails(l) != want {
				t.Errorf("--fail-on %s: rating %q fails = %v", word, r, !want)
			}
		}
	}
	for _, bad := range []string{"pass", "FAIL", "n/a", ""} {
		if _, err := ParseFailOn(bad); err == nil || err.Error() != `"`+bad+`": expected fail or acceptable` {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestRatingText(t *testing.T) {
	t.Parallel()
	want := map[Level]string{Pass: "PASS", Acceptable: "ACCEPTABLE", Fail: "NEEDS OPTIMIZATION", NA: "NOT RATED", NotRated: "NOT RATED"}
	for l, w := range want {
		if l.Rating() != w {
			t.Errorf("%q.Rating() = %q, want %q", l, l.Rating(), w)
		}
	}
}
