// Package changepoint finds where a series of benchmarks shifted: the
// E-divisive means method of Matteson and James (2014), as MongoDB's
// performance CI and Hunter (Fleming et al., 2023) use it, run on the
// per-benchmark medians, each split judged by a permutation test and
// confirmed by a Mann-Whitney U test of the runs on either side
// (golang.org/x/perf/benchmath), so that a shift within the runs' own noise
// is not reported.
package changepoint

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"golang.org/x/perf/benchmath"
)

// Defaults of the method.
const (
	MinSegment   = 3     // benchmarks on each side of a change point, at least
	Permutations = 199   // of the permutation test
	Alpha        = 0.05  // of the permutation test
	ConfirmAlpha = 0.01  // of the Mann-Whitney U test of the runs on either side
	seed         = 15015 // fixed: the same series always gives the same answer
)

// Point is one shift: the benchmark at Index is the first after it.
type Point struct {
	Index  int     // into the series
	Before float64 // median of the benchmark medians before, back to the previous change point
	After  float64 // the same after, up to the next
	Pct    float64 // (After-Before)/|Before|*100; ±Inf when Before is 0
	P      float64 // of the permutation test
	PRuns  float64 // of the Mann-Whitney U test of the runs on either side
}

// Detect finds the change points of series, where series[i] holds the run
// values of the i-th benchmark in time order (an empty one is skipped over
// and never named). Points come back in index order.
func Detect(series [][]float64) []Point {
	var idx []int // positions of the non-empty benchmarks
	var med []float64
	for i, runs := range series {
		if len(runs) == 0 {
			continue
		}
		idx = append(idx, i)
		med = append(med, median(runs))
	}
	rng := rand.New(rand.NewPCG(seed, uint64(len(med))))
	cuts := []int{0, len(med)} // segment bounds, sorted
	var found []Point
	for {
		best, bestQ, lo, hi := -1, 0.0, 0, 0
		for s := 0; s+1 < len(cuts); s++ {
			a, b := cuts[s], cuts[s+1]
			if tau, q := bestSplit(med[a:b]); tau > 0 && q > bestQ {
				best, bestQ, lo, hi = a+tau, q, a, b
			}
		}
		if best < 0 {
			break
		}
		p := permutationP(med[lo:hi], bestQ, rng)
		if p > Alpha {
			break
		}
		var left, right []float64
		for i := lo; i < hi; i++ {
			if i < best {
				left = append(left, series[idx[i]]...)
			} else {
				right = append(right, series[idx[i]]...)
			}
		}
		pr := mannWhitney(left, right)
		if pr > ConfirmAlpha {
			break
		}
		found = append(found, Point{Index: best, P: p, PRuns: pr})
		cuts = append(cuts, best)
		sort.Ints(cuts)
	}
	// Sizes are taken between neighbouring change points, once all are known.
	sort.Slice(found, func(i, j int) bool { return found[i].Index < found[j].Index })
	for k := range found {
		lo, hi := 0, len(med)
		if k > 0 {
			lo = found[k-1].Index
		}
		if k+1 < len(found) {
			hi = found[k+1].Index
		}
		at := found[k].Index
		found[k].Before = median(med[lo:at])
		found[k].After = median(med[at:hi])
		found[k].Pct = pct(found[k].Before, found[k].After)
		found[k].Index = idx[at]
	}
	return found
}

// bestSplit returns the split of z maximising the E-divisive statistic Q
// (alpha = 1), with at least MinSegment values on each side, or 0.
// Moving one value from the right segment to the left updates the three
// sums of distances; Fenwick trees over the values' ranks give each
// update's distance sums in O(log n), so all splits cost O(n log n).
func bestSplit(z []float64) (int, float64) {
	n := len(z)
	if n < 2*MinSegment {
		return 0, 0
	}
	rank := ranks(z)
	left, right := newFenwick(n), newFenwick(n)
	var rightSum float64 // sum over pairs within the right segment
	for i, v := range z {
		rightSum += right.dist(rank[i], v) // v against those already added
		right.add(rank[i], v, 1)
	}
	var within, between float64 // sums over pairs: left-left, left-right
	best, bestQ := 0, math.Inf(-1)
	for tau := 1; tau <= n-MinSegment; tau++ {
		x, rx := z[tau-1], rank[tau-1] // moves from the right segment to the left one
		right.add(rx, x, -1)
		toLeft, toRight := left.dist(rx, x), right.dist(rx, x)
		left.add(rx, x, 1)
		within += toLeft
		rightSum -= toRight
		between += toRight - toLeft
		if tau < MinSegment {
			continue
		}
		m, k := float64(tau), float64(n-tau)
		q := m * k / (m + k) * (2*between/(m*k) - within/(m*(m-1)/2) - rightSum/(k*(k-1)/2))
		if q > bestQ {
			best, bestQ = tau, q
		}
	}
	return best, bestQ
}

// ranks gives each value its position in sorted order (ties apart).
func ranks(z []float64) []int {
	idx := make([]int, len(z))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return z[idx[a]] < z[idx[b]] })
	r := make([]int, len(z))
	for pos, i := range idx {
		r[i] = pos
	}
	return r
}

// fenwick counts and sums the values of a segment by rank.
type fenwick struct {
	cnt []int
	sum []float64
	all struct {
		cnt int
		sum float64
	}
}

func newFenwick(n int) *fenwick { return &fenwick{cnt: make([]int, n+1), sum: make([]float64, n+1)} }

func (f *fenwick) add(rank int, v float64, d int) {
	f.all.cnt += d
	f.all.sum += float64(d) * v
	for i := rank + 1; i < len(f.cnt); i += i & -i {
		f.cnt[i] += d
		f.sum[i] += float64(d) * v
	}
}

// below counts and sums the values ranked under rank.
func (f *fenwick) below(rank int) (int, float64) {
	c, s := 0, 0.0
	for i := rank; i > 0; i -= i & -i {
		c += f.cnt[i]
		s += f.sum[i]
	}
	return c, s
}

// dist is the sum of |v - z| over the values z held, v ranked at rank.
func (f *fenwick) dist(rank int, v float64) float64 {
	c, s := f.below(rank)
	return (float64(c)*v - s) + (f.all.sum - s - float64(f.all.cnt-c)*v)
}

// permutationP is the share of random orders of z whose best split is at
// least as strong as the one found, counting the series itself. It stops
// as soon as the split can no longer be significant (the test's answer is
// the same; a long flat series costs a few permutations, not all).
func permutationP(z []float64, q float64, rng *rand.Rand) float64 {
	perm := slices.Clone(z)
	hits := 1
	limit := int(Alpha * (Permutations + 1))
	for r := 0; r < Permutations; r++ {
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		if _, pq := bestSplit(perm); pq >= q {
			hits++
		}
		if hits > limit {
			return float64(hits) / float64(r+2) // > Alpha for sure: not significant
		}
	}
	return float64(hits) / float64(Permutations+1)
}

func mannWhitney(a, b []float64) float64 {
	th := &benchmath.DefaultThresholds
	cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(a), th), benchmath.NewSample(slices.Clone(b), th))
	return cmp.P
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func pct(before, after float64) float64 {
	switch {
	case before == after:
		return 0
	case before == 0:
		return math.Copysign(math.Inf(1), after)
	}
	return (after - before) / math.Abs(before) * 100
}
