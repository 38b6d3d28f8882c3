package compare

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const goldenSpec = `name: cmp
command: x
providers:
  - { name: fast, label: Fast, models: [ m ] }
  - { name: slow, label: Slow, models: [ m ] }
  - { name: gone, label: Gone, models: [ m ] }
phases: [ Plan, Write ]
pricing: { m: { input: 1, output: 2 } }
`

// summary computes a result set of six runs per cell: wall times scaled by
// time[cell] with a fixed spread, tokens scaled by tok[cell].
func goldenSummary(t *testing.T, name string, simulated bool, time_, tok map[string]float64) *results.Summary {
	t.Helper()
	s, err := spec.Parse("cmp.yaml", []byte(goldenSpec), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	spread := []float64{1.00, 1.02, 0.98, 1.01, 0.99, 1.03}
	var recs []record.Run
	for _, cell := range []string{"fast", "slow", "gone"} {
		k, ok := time_[cell]
		if !ok {
			continue
		}
		for i, f := range spread {
			wall := 10 * k * f
			in, out := int64(1000*tok[cell]*f), int64(200*tok[cell])
			recs = append(recs, record.Run{
				Cell: cell + "_m", Provider: cell, Model: "m", Index: i + 1, Status: record.StatusOK, Simulated: simulated,
				Started: start.Add(time.Duration(len(recs)) * time.Minute), WallSeconds: wall, PeakRSSMB: 50 + float64(i),
				CPUPercent: 20, TokenSource: record.SourceEvents,
				Phases: []record.Phase{{Name: "Plan", Seconds: wall * 0.4}, {Name: "Write", Start: wall * 0.4, Seconds: wall * 0.6}},
				Usage: []record.Usage{
					{Phase: "Plan", Source: record.SourceEvents, Tokens: record.Tokens{Input: in / 2, Output: out / 2}},
					{Phase: "Write", Source: record.SourceEvents, Tokens: record.Tokens{Input: in / 2, Output: out / 2}},
				},
			})
		}
	}
	return results.Compute(s, record.Benchmark{Spec: name, Started: start, Host: "h"}, recs)
}

// TestGolden pins `runner compare` in its three formats: a cell that got
// faster and cheaper, one that did not change, one only the old set has.
func TestGolden(t *testing.T) {
	old := goldenSummary(t, "cmp", false, map[string]float64{"fast": 1, "slow": 3, "gone": 2}, map[string]float64{"fast": 1, "slow": 2, "gone": 1})
	new := goldenSummary(t, "cmp", true, map[string]float64{"fast": 0.7, "slow": 3}, map[string]float64{"fast": 0.8, "slow": 2})
	cmp := results.Compare(old, new)
	cmp.Old.Dir, cmp.New.Dir = "outputs/cmp/old", "outputs/cmp/new"
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, cmp, format); err != nil {
				t.Fatal(err)
			}
			ext := map[string]string{"text": "txt", "markdown": "md", "json": "json"}[format]
			path := filepath.Join("testdata", "compare."+ext)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./runner/compare -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from what compare writes now; if the change is meant, run go test ./runner/compare -update and review the diff.\ngot:\n%s", path, b.String())
			}
		})
	}
}
