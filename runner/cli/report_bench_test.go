package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkReport re-renders every output of a synthetic benchmark folder
// of 100,000 run records (examples/perf/synth; RUNNER_REPORT_RUNS sets
// another count), as `runner report` does. A figure, not a test; profile it
// with
//
//	go test ./runner/cli -run '^$' -bench Report -benchtime 1x -cpuprofile cpu.out
//
// examples/perf/report-100k.sh measures the binary next to python3.
func BenchmarkReport(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("RUNNER_REPORT_RUNS")); err == nil && v > 0 {
		n = v
	}
	dir := filepath.Join(b.TempDir(), "synth")
	gen := exec.Command("go", "run", "./examples/perf/synth", "-runs", strconv.Itoa(n), "-out", dir)
	gen.Dir = filepath.Join("..", "..")
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("synth: %v\n%s", err, out)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code, stdout, stderr := runnerB("report", dir); code != ExitOK {
			b.Fatalf("report: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
}
