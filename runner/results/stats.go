// Package results turns run records into what a reader wants to know: per
// cell statistics, cost, verdicts of the spec's rules, recommendations and
// projections. It reads records and the spec only, and writes no files.
package results

import (
	"encoding/json"
	"math"

	"golang.org/x/perf/benchmath"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
)

// Stats summarise one metric over the successful measured runs of a cell.
type Stats struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Stddev float64 `json:"stddev"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Median float64 `json:"median"`
	P95    float64 `json:"p95"`
	CV     float64 `json:"cv"` // coefficient of variation: stddev / mean
	// Lo and Hi bound the median at 95% confidence (benchmath, assuming
	// nothing about the distribution); both equal the median when too few
	// runs allow an interval, and Note says so.
	Lo   float64 `json:"ci_lo"`
	Hi   float64 `json:"ci_hi"`
	Note string  `json:"note,omitempty"`
}

// thresholds are benchmath's defaults (alpha 0.05).
var thresholds = &benchmath.DefaultThresholds

// NewStats computes Stats of values; values may be reordered.
func NewStats(values []float64) Stats {
	if len(values) == 0 {
		return Stats{}
	}
	for i, v := range values { // a sum of huge values in a run may be ±Inf
		values[i] = record.Finite(v)
	}
	sortFloats(values)
	sample := benchmath.NewSample(values, thresholds) // sorts values: at once when sorted
	v := sample.Values
	n := float64(len(v))
	// Values near the float64 limit (a metric of 1e308) would overflow a plain
	// sum: the mean and the deviations are taken on values scaled to at most
	// 1 and scaled back, clamped to finite.
	scale := max(math.Abs(v[0]), math.Abs(v[len(v)-1]))
	if scale == 0 || math.IsInf(scale, 0) || math.IsNaN(scale) {
		scale = 1
	}
	var sum float64
	for _, x := range v {
		sum += x / scale
	}
	mean := sum / n
	var ss float64
	for _, x := range v {
		d := x/scale - mean
		ss += d * d
	}
	st := Stats{N: len(v), Mean: record.Finite(mean * scale), Min: v[0], Max: v[len(v)-1], P95: quantile(v, 0.95)}
	mean = st.Mean
	if len(v) > 1 {
		st.Stddev = record.Finite(math.Sqrt(ss/(n-1)) * scale)
	}
	if mean != 0 {
		st.CV = st.Stddev / math.Abs(mean)
	}
	sum95 := benchmath.AssumeNothing.Summary(sample, 0.95)
	st.Median, st.Lo, st.Hi = sum95.Center, sum95.Lo, sum95.Hi
	if math.IsInf(st.Median, 0) || math.IsNaN(st.Median) { // benchmath overflows near the limit
		st.Median = quantile(v, 0.5)
	}
	if len(sum95.Warnings) > 0 {
		st.Note = sum95.Warnings[0].Error()
	}
	if math.IsInf(st.Lo, 0) || math.IsNaN(st.Lo) || math.IsInf(st.Hi, 0) || math.IsNaN(st.Hi) {
		st.Lo, st.Hi = st.Median, st.Median // no interval; Note says why
	}
	return st
}

// quantile interpolates linearly between the closest ranks of sorted v.
func quantile(v []float64, q float64) float64 {
	if len(v) == 1 {
		return v[0]
	}
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	frac := pos - float64(lo)
	return record.Finite(v[lo]*(1-frac) + v[lo+1]*frac) // no difference of two huge values
}

// Spread tells whether the statistic has a standard deviation (and CV):
// it takes two values at least.
func (s Stats) Spread() bool { return s.N >= 2 }

// Rule returns the statistic as rules see it: nil when there is no value.
func (s Stats) Rule() *rules.Stat {
	if s.N == 0 {
		return nil
	}
	return &rules.Stat{N: s.N, Mean: s.Mean, Stddev: s.Stddev, Min: s.Min, Max: s.Max, Median: s.Median, P95: s.P95}
}

// MarshalJSON writes a statistic with no value as null, and the confidence
// interval only when there is one.
func (s Stats) MarshalJSON() ([]byte, error) {
	if s.N == 0 {
		return []byte("null"), nil
	}
	// One run has no spread: its stddev and CV are null (unknown), not 0.
	out := struct {
		N      int      `json:"n"`
		Mean   float64  `json:"mean"`
		Stddev *float64 `json:"stddev"`
		Min    float64  `json:"min"`
		Max    float64  `json:"max"`
		Median float64  `json:"median"`
		P95    float64  `json:"p95"`
		CV     *float64 `json:"cv"`
		Lo     *float64 `json:"ci_lo,omitempty"`
		Hi     *float64 `json:"ci_hi,omitempty"`
		Note   string   `json:"note,omitempty"`
	}{N: s.N, Mean: s.Mean, Min: s.Min, Max: s.Max, Median: s.Median, P95: s.P95, Note: s.Note}
	if s.Spread() {
		out.Stddev, out.CV = &s.Stddev, &s.CV
	}
	if s.Lo != s.Hi {
		out.Lo, out.Hi = &s.Lo, &s.Hi
	}
	return json.Marshal(out)
}

// sortFloats sorts v ascending, as sort.Float64s does, by radix on the
// bits: NewStats sorts each figure of each cell (25,000 values for 100,000
// runs), and comparison sorts were a tenth of computing the summary. A -0,
// which sorts equal to 0 in no defined order, leaves v to sort.Float64s;
// so do few values. v holds no NaN (NewStats made every value finite).
func sortFloats(v []float64) {
	if len(v) < 256 {
		return
	}
	keys := make([]uint64, len(v))
	for i, f := range v {
		u := math.Float64bits(f)
		if u == 1<<63 { // -0
			return
		}
		if u>>63 != 0 { // negative: larger magnitudes first
			u = ^u
		} else {
			u |= 1 << 63
		}
		keys[i] = u
	}
	tmp := make([]uint64, len(v))
	for shift := 0; shift < 64; shift += 8 {
		var count [256]int
		for _, k := range keys {
			count[byte(k>>shift)]++
		}
		if count[byte(keys[0]>>shift)] == len(keys) {
			continue // every key has this byte
		}
		at := 0
		for i, c := range count {
			count[i] = at
			at += c
		}
		for _, k := range keys {
			b := byte(k >> shift)
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	for i, u := range keys {
		if u>>63 != 0 {
			u &^= 1 << 63
		} else {
			u = ^u
		}
		v[i] = math.Float64frombits(u)
	}
}
