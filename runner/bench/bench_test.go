package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

func setup(t testing.TB, src string) (Options, *spec.Spec) {
	t.Helper()
	s, err := spec.Parse("t.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := plan.Expand(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return Options{Spec: s, Cells: cells, Pairs: plan.Runs(cells, s.Runs, s.Order, plan.Shard{K: 1, N: 1}),
		Dir: dir, Tmp: dir, Started: time.Now()}, s
}

// Cells run concurrently, but the runs of one cell never overlap.
func TestConcurrencyKeepsRunsOfACellSerial(t *testing.T) {
	o, _ := setup(t, `name: c
runs: 3
concurrency: 2
providers: [ { name: a }, { name: b } ]
command: 'echo start $(date +%s.%N); sleep 0.2; echo end $(date +%s.%N)'
`)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	recs, err := record.ReadFile(filepath.Join(o.Dir, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	end := func(r record.Run) time.Time {
		return r.Started.Add(time.Duration(r.WallSeconds * float64(time.Second)))
	}
	overlap := false
	last := map[string]time.Time{}
	for _, r := range recs {
		if prev, ok := last[r.Cell]; ok && r.Started.Before(prev) {
			t.Errorf("%s run %d started before the previous run of its cell ended", r.Cell, r.Index)
		}
		last[r.Cell] = end(r)
		for _, q := range recs {
			if q.Cell != r.Cell && r.Started.Before(end(q)) && q.Started.Before(end(r)) {
				overlap = true
			}
		}
	}
	if !overlap {
		t.Error("no run of one cell overlapped a run of the other: cells did not run concurrently")
	}
}

func TestWarmupAndCooldownAndPrepare(t *testing.T) {
	o, _ := setup(t, `name: w
runs: 2
warmup: 1
cooldown: 150ms
prepare: 'echo prepared >> {{ .tmp }}/prepare.txt'
command: 'true'
`)
	start := time.Now()
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("3 runs with 150ms cooldown took only %v", el)
	}
	recs, _ := record.ReadFile(filepath.Join(o.Dir, "runs.jsonl"))
	if len(recs) != 3 || !recs[0].Warmup || recs[1].Warmup {
		t.Errorf("want a warmup then 2 runs: %+v", recs)
	}
	b, _ := os.ReadFile(filepath.Join(o.Tmp, "prepare.txt"))
	if string(b) != "prepared\nprepared\nprepared\n" {
		t.Errorf("prepare ran %q", b)
	}
}

// A rehearsal or a replay (NoCooldown) does not wait out the spec's
// cooldown: a day's cooldown would otherwise hold it until the deadline
// interrupts it.
func TestNoCooldown(t *testing.T) {
	o, _ := setup(t, "name: c\nruns: 2\ncooldown: 24h\ncommand: 'true'\n")
	o.NoCooldown = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := Run(ctx, o)
	if err != nil || out.StopReason != "" || out.Runs != 2 {
		t.Errorf("runs %d, stop %q, err %v", out.Runs, out.StopReason, err)
	}
}

func TestSetupFailureStopsBeforeRuns(t *testing.T) {
	o, _ := setup(t, "name: s\nsetup: 'exit 7'\ncommand: 'true'\n")
	_, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("a failing setup must be an error")
	}
	recs, _ := record.ReadFile(filepath.Join(o.Dir, "runs.jsonl"))
	if len(recs) != 0 {
		t.Errorf("runs ran after a failed setup: %d", len(recs))
	}
}

func TestBudgetStopLetsRunsFinish(t *testing.T) {
	o, _ := setup(t, "name: b\nruns: 10\ncommand: 'true'\n")
	o.BudgetExceeded = func(done []*record.Run) string {
		if len(done) >= 3 {
			return "budget reached"
		}
		return ""
	}
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := record.ReadFile(filepath.Join(o.Dir, "runs.jsonl"))
	if out.StopReason != "budget reached" || len(recs) != 3 {
		t.Errorf("stop %q after %d runs", out.StopReason, len(recs))
	}
}

// BenchmarkRunTrue measures the orchestration overhead per run of `true`.
func BenchmarkRunTrue(b *testing.B) {
	src := "name: t\nruns: " + itoa(b.N) + "\ncommand: 'true'\n"
	o, _ := setup(b, src)
	b.ResetTimer()
	if _, err := Run(context.Background(), o); err != nil {
		b.Fatal(err)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}
