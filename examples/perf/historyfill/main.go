// Command historyfill fills a history store with N benchmarks made from one
// real output folder: each a copy of its runs with the wall times shifted
// by noise (and stepped up by 20% from the 70% mark), a start an hour after
// the last, and its own commit. For examples/perf/history.sh.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/runner-bench/runner/runner/history"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

func main() {
	dir := flag.String("dir", "", "a benchmark output folder")
	store := flag.String("store", "", "the history store to fill")
	n := flag.Int("n", 1000, "benchmarks to record")
	flag.Parse()
	if err := fill(*dir, *store, *n); err != nil {
		fmt.Fprintln(os.Stderr, "historyfill:", err)
		os.Exit(1)
	}
}

func fill(dir, target string, n int) error {
	s, err := spec.Load(filepath.Join(dir, "spec.yaml"), nil)
	if err != nil {
		return err
	}
	var bm record.Benchmark
	b, err := os.ReadFile(filepath.Join(dir, "benchmark.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &bm); err != nil {
		return err
	}
	recs, err := record.ReadFile(filepath.Join(dir, "runs.jsonl"))
	if err != nil {
		return err
	}
	src, _ := os.ReadFile(filepath.Join(dir, "spec.yaml"))
	st, err := history.Open(context.Background(), target)
	if err != nil {
		return err
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now().Add(-time.Duration(n) * time.Hour)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		b := bm
		b.Started = start.Add(time.Duration(i) * time.Hour)
		b.Finished = b.Started.Add(10 * time.Minute)
		b.Simulated, b.Options.DryRun = false, false // counted as live, as a real team's would be
		b.GitCommit = fmt.Sprintf("%012x", rng.Uint64()>>16)
		runs := make([]record.Run, len(recs))
		for j, r := range recs {
			r.Simulated = false
			f := 1 + 0.1*(rng.Float64()*2-1)
			if i >= n*7/10 {
				f *= 1.2
			}
			r.WallSeconds *= f
			runs[j] = r
		}
		sum := results.Compute(s, b, record.Latest(runs))
		if _, err := st.Record(context.Background(), history.Entry{Spec: s, Bench: b, Summary: sum, Dir: dir, SpecSource: src}); err != nil {
			return err
		}
	}
	el := time.Since(t0)
	fmt.Printf("recorded %d benchmarks in %.1f s (%.1f ms each)\n", n, el.Seconds(), el.Seconds()*1000/float64(n))
	return nil
}
