package results

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// priorOf makes n earlier benchmarks of cell "a" whose total.time values are
// base+k*step seconds (k < runs), in a shuffled order, and whose cost is 0.
func priorOf(n, runs int, base, step float64, rng *rand.Rand) []PriorBenchmark {
	var out []PriorBenchmark
	for i := range n {
		vals := make([]float64, runs)
		for k := range vals {
			vals[k] = base + float64(i)*0.01 + float64(k)*step
		}
		rng.Shuffle(len(vals), func(a, b int) { vals[a], vals[b] = vals[b], vals[a] })
		out = append(out, PriorBenchmark{
			ID: string(rune('A' + i)), Commit: "c" + string(rune('0'+i)),
			Started: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC),
			Values:  map[string][]float64{"total.time": vals, "cost": make([]float64, runs)},
		})
	}
	return out
}

func historyOf(prior []PriorBenchmark) *History {
	return &History{Store: "s", Window: 10, Prior: map[string][]PriorBenchmark{"a": prior}}
}

// The comparison with earlier benchmarks reads each one's median, the
// median of those medians, and every earlier run pooled; none of it may
// depend on the order the runs were stored in, or on whether the history
// was prepared ahead (while the runs ran) or by Compute.
func TestHistoryComparisonFigures(t *testing.T) {
	t.Parallel()
	s := load(t, "name: h\ncommand: x\nproviders: [ { name: a } ]\n")
	var recs []record.Run
	for i := range 7 {
		recs = append(recs, run("a", i, 2.0+float64(i)*0.1, nil)) // median 2.3
	}
	compute := func(h *History) *CellHistory {
		t.Helper()
		sum := Compute(s, record.Benchmark{Spec: "h"}, recs, WithHistory(h))
		if len(sum.Cells) != 1 || sum.Cells[0].History == nil {
			t.Fatalf("no history comparison: %+v", sum.Cells)
		}
		return sum.Cells[0].History
	}
	// Four benchmarks of 5 runs 1.0, 1.1, ... 1.4 (+0.01 each later one):
	// medians 1.2, 1.21, 1.22, 1.23.
	got := compute(historyOf(priorOf(4, 5, 1.0, 0.1, rand.New(rand.NewPCG(1, 2)))))

	wantMedians := []float64{1.2, 1.21, 1.22, 1.23, 2.3}
	for i, p := range got.Points {
		if p.Time == nil || !near(*p.Time, wantMedians[i]) {
			t.Errorf("point %d: time median %v, want %v", i, p.Time, wantMedians[i])
		}
		if i < 4 && p.Commit != "c"+string(rune('0'+i)) {
			t.Errorf("point %d: commit %q", i, p.Commit)
		}
	}
	if !got.Points[4].Current || got.Points[3].Current {
		t.Errorf("only the last point is this benchmark: %+v", got.Points)
	}
	chg := got.Change["total.time"]
	if chg == nil {
		t.Fatal("no total.time change")
	}
	// Old is the median of the earlier medians, New this benchmark's.
	if !near(chg.Old, 1.215) || !near(chg.New, 2.3) || !near(chg.Pct, (2.3-1.215)/1.215*100) {
		t.Errorf("change %v -> %v (%+.1f%%), want 1.215 -> 2.3", chg.Old, chg.New, chg.Pct)
	}
	if !chg.Significant || chg.N1 != 20 || chg.N2 != 7 {
		t.Errorf("20 earlier runs against 7 clearly slower ones: significant %v, n %d/%d", chg.Significant, chg.N1, chg.N2)
	}
	if st := got.stats["total.time"]; st.N != 4 || !near(st.Median, 1.215) {
		t.Errorf("stats over the earlier medians: %+v", st)
	}
	if got.Change["cost"] != nil {
		t.Errorf("a cost of 0 before and now is no change: %+v", got.Change["cost"])
	}

	// The same benchmarks stored in another order, prepared ahead.
	h := historyOf(priorOf(4, 5, 1.0, 0.1, rand.New(rand.NewPCG(7, 8))))
	h.Prepare()
	if v := h.Prior["a"][0].Values["total.time"]; !slices.IsSorted(v) {
		t.Errorf("Prepare leaves the values unsorted: %v", v)
	}
	if again := compute(h); !reflect.DeepEqual(again, got) {
		t.Errorf("the run order or preparing ahead changed the comparison:\n got %+v\nwant %+v", again, got)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// BenchmarkCompareHistory is a 500-run cell compared with 10 earlier
// benchmarks of 500 runs each; "prepared" leaves out what a run does while
// its commands run.
func BenchmarkCompareHistory(b *testing.B) {
	s, err := spec.Parse("h.yaml", []byte("name: h\ncommand: x\nproviders: [ { name: a } ]\n"), nil)
	if err != nil {
		b.Fatal(err)
	}
	var recs []record.Run
	for i := range 500 {
		recs = append(recs, run("a", i, 2.0+float64(i%17)*0.01, nil))
	}
	prior := func() *History {
		p := priorOf(10, 500, 2.0, 0.001, rand.New(rand.NewPCG(1, 2)))
		for _, pb := range p {
			for _, m := range []string{"cpu.seconds", "cpu.percent", "memory.peak_mb", "total.tokens", "total.input_tokens", "total.output_tokens"} {
				pb.Values[m] = slices.Clone(pb.Values["total.time"])
			}
		}
		return historyOf(p)
	}
	for _, prepared := range []bool{false, true} {
		name := "cold"
		if prepared {
			name = "prepared"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				h := prior()
				if prepared {
					h.Prepare()
				}
				b.StartTimer()
				Compute(s, record.Benchmark{Spec: "h"}, recs, WithHistory(h))
			}
		})
	}
}
