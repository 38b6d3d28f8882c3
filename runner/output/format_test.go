package output

import (
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/results"
)

// A printed figure is the value rounded once: $12.996 is $13.00, not
// $12.00, and a cost that is not zero never reads $0.0000.
func TestFormatRounding(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f    func(float64) string
		v    float64
		want string
	}{
		{USD, 1.999, "$2.00"},
		{USD, 12.996, "$13.00"},
		{USD, 999.999, "$1,000.00"},
		{USD, 1999.996, "$2,000.00"},
		{USD, 2.5e9, "$2,500,000,000.00"},
		{USD, -1.999, "-$2.00"},
		{USD, -0.5, "-$0.5000"},
		{USD, 0, "$0.0000"},
		{USD, 0.0584, "$0.0584"},
		{USD, 0.000015, "$0.000015"},
		{USD, 0.00004999, "$0.000050"},
		{USD, 6.17283949505e-11, "$0.000000000062"},
		{USD, 1e-300, "$1e-300"},
		{Thousands2, 0.999, "1.00"},
		{Thousands2, 9999.999, "10,000.00"},
		{Thousands2, -0.001, "0.00"},
		{Thousands2, -1234.5, "-1,234.50"},
		{Thousands, -0.4, "0"},
		{Thousands, -1234567, "-1,234,567"},
		{Thousands, 999.5, "1,000"},
	} {
		if got := c.f(c.v); got != c.want {
			t.Errorf("%v: got %q, want %q", c.v, got, c.want)
		}
	}
}

// One run has no spread: its stddev and CV read "—", not 0; sizes round
// once (552.96 KB is 553.0, not 552.0).
func TestSpreadAndSize(t *testing.T) {
	t.Parallel()
	one := results.NewStats([]float64{3.2})
	two := results.NewStats([]float64{3, 4})
	for _, c := range []struct{ got, want string }{
		{Stddev(one, "s"), "—"},
		{CV(one), "—"},
		{Stddev(two, "s"), "0.71 s"},
		{CV(two), "20%"},
		{Stddev(two, "f2"), "0.71"},
		{Size(552.96, "KB"), "553.0"},
		{Size(1999.96, "KB"), "2,000.0"},
		{Size(1.994, "MB"), "1.99"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A time that is not zero is never shown as "0.000 s".
func TestSecondsNeverZero(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{0: "0 s", 0.00042: "0.00042 s", 0.0000123: "0.000012 s", 0.0005: "0.001 s", 0.052: "0.052 s", 3.14159: "3.14 s"} {
		if got := Seconds(v); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", v, got, want)
		}
	}
}

// benchmark_results.csv never writes a cost that is not 0 as 0.000000: a
// value below its 6 decimals is written with every digit it has.
func TestCSVTinyCostNotZero(t *testing.T) {
	_, sum := fixture(t, false)
	r := sum.Runs[0]
	tiny := 6.17283949505e-11
	r.Cost, r.InputCost, r.OutputCost = &tiny, 0, tiny
	var b strings.Builder
	if err := CSV(&b, sum, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	got := rows[1][col["cost_usd"]]
	if v, err := strconv.ParseFloat(got, 64); err != nil || v != tiny {
		t.Errorf("cost_usd %q, want %g", got, tiny)
	}
	if got := rows[1][col["input_cost_usd"]]; got != "0.000000" {
		t.Errorf("input_cost_usd %q, want 0.000000 (a true 0)", got)
	}
}
