package output

import (
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// fixtureSpec has priced cells (one with cached input, one whose pricing key
// is a glob), a free local model, a model without a price and a provider
// whose every run fails.
const fixtureSpec = `name: fixture
title: Fixture benchmark
command: x
providers:
  - { name: anthropic, label: Anthropic, api: anthropic, models: [ claude-3-5-sonnet-20241022 ] }
  - { name: openai, label: OpenAI, api: openai, models: [ gpt-4o-mini, gpt-4-turbo ] }
  - { name: ollama, label: Ollama (local), api: ollama, models: [ "llama3.2:3b" ] }
  - { name: gemini, label: Gemini, api: gemini, models: [ gemini-2.0-flash ] }
  - { name: broken, label: Broken, api: openai, models: [ gpt-4-turbo ] }
phases: [ Data Preparation, Performance Analysis, Report Generation ]
pricing:
  claude-3-5-sonnet-20241022: { input: 3.00, output: 15.00, cached_input: 0.30 }
  "gpt-4o*": { input: 0.15, output: 0.60 }
  gpt-4-turbo: { input: 10.00, output: 30.00 }
  "llama*": { input: 0, output: 0 }
projections: [ { label: 1/week, per_month: 4.33 }, { label: 1/day, per_month: 30 }, { label: 10/day, per_month: 300 } ]
`

func parseSpec(t testing.TB, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("fixture.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type fixtureCell struct {
	provider, model string
	speed           float64 // seconds per 1000 tokens
	scale           int64   // token scale
	cached          bool
	fail            bool
}

var fixtureCells = []fixtureCell{
	{"anthropic", "claude-3-5-sonnet-20241022", 2.0, 10, true, false},
	{"openai", "gpt-4o-mini", 0.8, 9, false, false},
	{"openai", "gpt-4-turbo", 1.6, 11, false, false},
	{"ollama", "llama3.2:3b", 6.0, 8, false, false},
	{"gemini", "gemini-2.0-flash", 0.5, 9, false, false},
	{"broken", "gpt-4-turbo", 1, 1, false, true},
}

// fixtureRecords makes runs measured per cell (plus one warmup for the
// first), with usage in every phase and deterministic, varying numbers.
func fixtureRecords(runs int) []record.Run {
	phases := []string{"Data Preparation", "Performance Analysis", "Report Generation"}
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var recs []record.Run
	seq := 0
	for ci, fc := range fixtureCells {
		for i := 0; i <= runs; i++ {
			if i == 0 && ci != 0 {
				continue // only the first cell has a warmup
			}
			seq++
			r := record.Run{
				Cell: fc.provider + "_" + fc.model, Provider: fc.provider, Model: fc.model,
				Index: max(i, 1), Warmup: i == 0, Status: record.StatusOK, TokenSource: record.SourceEvents,
				Started: start.Add(time.Duration(seq) * time.Minute), PeakRSSMB: 80 + float64(seq%7),
				UserSeconds: 1.5, SysSeconds: 0.25,
			}
			if fc.fail {
				r.Status, r.ExitCode, r.Error = record.StatusFailed, 1, "exit status 1: upstream refused"
				r.WallSeconds = 0.4
				recs = append(recs, r)
				continue
			}
			at := 0.0
			for pi, p := range phases {
				in := fc.scale * int64(100*(pi+1)+37*((i+pi)%5)+13*i)
				out := fc.scale * int64(20*(pi+2)+11*((i*3+pi)%4))
				tok := record.Tokens{Input: in, Output: out}
				if fc.cached {
					tok.CachedInput = in / 3
				}
				secs := fc.speed * float64(in+out) / 1000
				r.Phases = append(r.Phases, record.Phase{Name: p, Start: at, Seconds: secs})
				r.Usage = append(r.Usage, record.Usage{Phase: p, Source: record.SourceEvents, At: at, Tokens: tok})
				at += secs
			}
			r.Phases = append(r.Phases, record.Phase{Name: record.OtherPhase, Start: at, Seconds: 0.3})
			r.WallSeconds = at + 0.3
			r.CPUPercent = 100 * (r.UserSeconds + r.SysSeconds) / r.WallSeconds
			recs = append(recs, r)
		}
	}
	return recs
}

func fixture(t testing.TB, simulated bool) (*spec.Spec, *results.Summary) {
	t.Helper()
	s := parseSpec(t, fixtureSpec)
	recs := fixtureRecords(3)
	if simulated {
		for i := range recs {
			recs[i].Simulated = true
		}
	}
	bench := record.Benchmark{Spec: s.Name, Started: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Simulated: simulated}
	sum := results.Compute(s, bench, recs)
	if len(sum.Cells) != len(fixtureCells) {
		t.Fatalf("fixture: %d cells, want %d", len(sum.Cells), len(fixtureCells))
	}
	return s, sum
}

// cellByModel finds a cell of the summary.
func cellByID(t testing.TB, sum *results.Summary, id string) *results.Cell {
	t.Helper()
	for _, c := range sum.Cells {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no cell %s", id)
	return nil
}
