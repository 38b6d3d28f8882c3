package results

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// Statistics sort their values by radix: the order is sort.Float64s's.
func TestSortFloatsAsSortFloat64s(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float64{0, 1, -1, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-300, -1e300, 0.5}
	for _, n := range []int{300, 1000, 25000} {
		for _, gen := range []func() float64{
			func() float64 { return rng.NormFloat64() * 1e3 },
			func() float64 { return float64(rng.IntN(50)) }, // many equal values
			func() float64 { return special[rng.IntN(len(special))] },
			func() float64 { return math.Float64frombits(rng.Uint64()&^(0x7ff<<52) | uint64(rng.IntN(0x7ff))<<52) }, // any finite bits
		} {
			v := make([]float64, n)
			for i := range v {
				v[i] = gen()
			}
			want := slices.Clone(v)
			sort.Float64s(want)
			sortFloats(v)
			for i := range v {
				if math.Float64bits(v[i]) != math.Float64bits(want[i]) {
					t.Fatalf("n=%d: at %d got %v, want %v", n, i, v[i], want[i])
				}
			}
		}
	}
}
