package output

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// TestWorkbookLarge writes the workbook of a benchmark with many runs
// (100,000 by default) and reports time and memory. It is slow, so it runs
// only when asked:
//
//	RUNNER_XLSX_LARGE=100000 go test ./runner/output/ -run WorkbookLarge -v
func TestWorkbookLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RUNNER_XLSX_LARGE"))
	if n <= 0 {
		t.Skip("set RUNNER_XLSX_LARGE=100000 to write a workbook of that many runs")
	}
	s := parseSpec(t, fixtureSpec)
	one := fixtureRecords(1)
	recs := make([]record.Run, 0, n)
	for i := 0; len(recs) < n; i++ {
		r := one[i%len(one)]
		r.Index = i/len(one) + 1
		r.Warmup = false
		r.Started = r.Started.Add(time.Duration(i) * time.Second)
		recs = append(recs, r)
	}
	sum := results.Compute(s, record.Benchmark{Spec: s.Name}, recs)
	recs = nil
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	before := peakRSS()

	var peakHeap uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample the heap while the workbook is written
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peakHeap = max(peakHeap, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	path := filepath.Join(t.TempDir(), WorkbookFile)
	start := time.Now()
	if err := Workbook(path, s, sum); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	close(stop)
	<-done
	st, _ := os.Stat(path)
	t.Logf("%d runs: workbook written in %v, %.1f MB on disk; heap in use %.0f MB before writing (the summary), peak %.0f MB while writing; process peak RSS %s before writing, %s after",
		len(sum.Runs), elapsed.Round(time.Millisecond), float64(st.Size())/1e6, float64(m0.HeapInuse)/1e6, float64(peakHeap)/1e6, before, peakRSS())

	// The table spans every run (read from the zip: opening a 100,000-row
	// sheet with excelize would dwarf what writing it costs).
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	rc, err := z.Open("xl/tables/table1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if want := fmt.Sprintf(`ref="A%d:`, headRow); !strings.Contains(string(b), want) || !strings.Contains(string(b), fmt.Sprintf(`%d"`, headRow+len(sum.Runs))) {
		t.Errorf("Runs table %s, want %d rows", b[:min(len(b), 300)], len(sum.Runs))
	}
}

// peakRSS is the process's peak resident set (Linux VmHWM), or "?".
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(line, "VmHWM:")), " ")
		}
	}
	return "?"
}
