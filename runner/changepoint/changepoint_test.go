package changepoint

import (
	"math/rand/v2"
	"testing"
)

// series makes n benchmarks of runs values each around base, with relative
// noise, stepping by step (a factor) from benchmark at on (0-based; -1: never).
func series(n, runs int, base, noise, step float64, at int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float64, n)
	for i := range out {
		level := base
		if at >= 0 && i >= at {
			level *= step
		}
		for r := 0; r < runs; r++ {
			out[i] = append(out[i], level*(1+noise*(rng.Float64()*2-1)))
		}
	}
	return out
}

func TestStepFoundAtTheSixth(t *testing.T) {
	t.Parallel()
	got := Detect(series(10, 3, 1.0, 0.05, 1.5, 5, 1))
	if len(got) != 1 || got[0].Index != 5 {
		t.Fatalf("change points %+v, want one at index 5", got)
	}
	if got[0].Pct < 35 || got[0].Pct > 65 {
		t.Errorf("shift %.1f%%, want about +50%%", got[0].Pct)
	}
}

func TestFlatNoisySeriesHasNone(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 20; seed++ {
		if got := Detect(series(10, 3, 1.0, 0.10, 1, -1, seed)); len(got) != 0 {
			t.Errorf("seed %d: change points %+v on a flat series", seed, got)
		}
	}
}

func TestTwoStepsAndEmptyBenchmarks(t *testing.T) {
	t.Parallel()
	s := series(24, 3, 10, 0.03, 1.4, 8, 3)
	for i := 16; i < 24; i++ {
		for j := range s[i] {
			s[i][j] *= 0.6
		}
	}
	s = append(s[:4], append([][]float64{nil}, s[4:]...)...) // a benchmark with no successful run
	got := Detect(s)
	if len(got) != 2 || got[0].Index != 9 || got[1].Index != 17 {
		t.Fatalf("change points %+v, want at 9 and 17", got)
	}
}

// The O(n log n) split search agrees with the statistic's definition.
func TestBestSplitMatchesTheDefinition(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		z := make([]float64, 6+rng.IntN(30))
		for i := range z {
			z[i] = float64(rng.IntN(5)) + rng.Float64()*float64(trial%3) // ties too
		}
		tau, q := bestSplit(z)
		wantTau, wantQ := 0, -1e300
		for s := MinSegment; s <= len(z)-MinSegment; s++ {
			if q := naiveQ(z[:s], z[s:]); q > wantQ+1e-9 {
				wantTau, wantQ = s, q
			}
		}
		if tau != wantTau || q-wantQ > 1e-6 || wantQ-q > 1e-6 {
			t.Fatalf("%v: split %d (Q %g), want %d (Q %g)", z, tau, q, wantTau, wantQ)
		}
	}
}

func naiveQ(x, y []float64) float64 {
	abs := func(v float64) float64 {
		if v < 0 {
			return -v
		}
		return v
	}
	var between, wx, wy float64
	for _, a := range x {
		for _, b := range y {
			between += abs(a - b)
		}
	}
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			wx += abs(x[i] - x[j])
		}
	}
	for i := range y {
		for j := i + 1; j < len(y); j++ {
			wy += abs(y[i] - y[j])
		}
	}
	m, k := float64(len(x)), float64(len(y))
	return m * k / (m + k) * (2*between/(m*k) - wx/(m*(m-1)/2) - wy/(k*(k-1)/2))
}
