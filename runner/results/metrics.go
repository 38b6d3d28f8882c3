package results

import (
	"fmt"

	"github.com/runner-bench/runner/runner/rules"
)

// The readers of the metric table. Each metric is declared once in the rule
// environment (package rules: its path, unit and meaning); here, under the
// same path, is how to read it from a run and where a cell keeps its
// statistics in summary.json. The cell's statistics, the rule environment,
// the baseline deltas and `runner compare` all go through these two lists,
// so a metric added to both shows up in all of them. Whole-run metrics
// come first, in the order comparisons list them.
var runMetrics = []runMetric{
	{"total.time", always(func(r *Run) float64 { return r.WallSeconds }), func(c *Cell) *Stats { return &c.Time }},
	{"total.tokens", metered(func(r *Run) float64 { return float64(r.Tokens.Total()) }), func(c *Cell) *Stats { return &c.Tokens }},
	{"total.input_tokens", metered(func(r *Run) float64 { return float64(r.Tokens.Input) }), func(c *Cell) *Stats { return &c.InputTokens }},
	{"total.output_tokens", metered(func(r *Run) float64 { return float64(r.Tokens.Output) }), func(c *Cell) *Stats { return &c.OutputTokens }},
	{"total.cached_input_tokens", metered(func(r *Run) float64 { return float64(r.Tokens.CachedInput) }), func(c *Cell) *Stats { return &c.CachedTokens }},
	{"cost", func(r *Run) (float64, bool) {
		if r.Cost == nil {
			return 0, false
		}
		return *r.Cost, true
	}, func(c *Cell) *Stats { return &c.Cost }},
	{"memory.peak_mb", always(func(r *Run) float64 { return r.PeakRSSMB }), func(c *Cell) *Stats { return &c.MemoryMB }},
	{"cpu.seconds", always(func(r *Run) float64 { return r.UserSeconds + r.SysSeconds }), func(c *Cell) *Stats { return &c.CPUSeconds }},
	{"cpu.percent", always(func(r *Run) float64 { return r.CPUPercent }), func(c *Cell) *Stats { return &c.CPUPercent }},
}

// phaseMetrics are read per phase: p is the run's phase, empty when the run
// never entered it.
var phaseMetrics = []phaseMetric{
	{"time", func(r *Run, p *PhaseRun) (float64, bool) { return p.Seconds, true }, func(s *PhaseStats) *Stats { return &s.Time }},
	{"tokens", func(r *Run, p *PhaseRun) (float64, bool) { return float64(p.Tokens.Total()), r.Unmetered == "" }, func(s *PhaseStats) *Stats { return &s.Tokens }},
	{"input_tokens", func(r *Run, p *PhaseRun) (float64, bool) { return float64(p.Tokens.Input), r.Unmetered == "" }, func(s *PhaseStats) *Stats { return &s.InputTokens }},
	{"output_tokens", func(r *Run, p *PhaseRun) (float64, bool) { return float64(p.Tokens.Output), r.Unmetered == "" }, func(s *PhaseStats) *Stats { return &s.OutputTokens }},
	{"cost", func(r *Run, p *PhaseRun) (float64, bool) { return p.Cost, r.Cost != nil }, func(s *PhaseStats) *Stats { return &s.Cost }},
	{"ttft", func(r *Run, p *PhaseRun) (float64, bool) { return p.TTFT.Mean() }, func(s *PhaseStats) *Stats { return &s.TTFT }},
}

// A PhaseColumn is one per-phase metric of the table, read run by run: for
// writers that give each phase a column per metric (benchmark_results.csv),
// so a metric added to the table gets its column too.
type PhaseColumn struct {
	Name string // its path under phase("NAME"): time, tokens, ..., ttft
	Unit string // as the rule environment declares it: s, tokens, USD
	read func(r *Run, p *PhaseRun) (float64, bool)
}

// PhaseColumns lists the per-phase metrics in the table's order.
func PhaseColumns() []PhaseColumn {
	out := make([]PhaseColumn, len(phaseMetrics))
	for i, m := range phaseMetrics {
		out[i] = PhaseColumn{m.path, rules.UnitOf(fmt.Sprintf("phase(%q).%s.mean", "x", m.path)), m.read}
	}
	return out
}

// Of reads the metric of a run's phase; false when the run has no value:
// it never entered the phase, its tokens or cost are unknown, or (ttft) no
// call of the phase streamed.
func (c PhaseColumn) Of(r *Run, phase string) (float64, bool) {
	p := r.Phases[phase]
	if p == nil {
		return 0, false
	}
	return c.read(r, p)
}

// summaryOnly are statistics summary.json carries that rules do not read.
var summaryOnly = []runMetric{
	{"", priced(func(r *Run) float64 { return r.InputCost }), func(c *Cell) *Stats { return &c.InputCost }},
	{"", priced(func(r *Run) float64 { return r.OutputCost }), func(c *Cell) *Stats { return &c.OutputCost }},
	{"", priced(func(r *Run) float64 { return r.CachedInputCost }), func(c *Cell) *Stats { return &c.CachedInputCost }},
}

// runMetric reads one whole-run metric.
type runMetric struct {
	path  string                       // in the rule environment
	read  func(r *Run) (float64, bool) // false: the run has no value
	stats func(c *Cell) *Stats         // where the cell keeps its statistics
}

// phaseMetric reads one metric of one phase.
type phaseMetric struct {
	path  string // under phase("NAME").
	read  func(r *Run, p *PhaseRun) (float64, bool)
	stats func(s *PhaseStats) *Stats
}

func always(f func(r *Run) float64) func(r *Run) (float64, bool) {
	return func(r *Run) (float64, bool) { return f(r), true }
}

// metered reads a token count of the runs whose tokens are known.
func metered(f func(r *Run) float64) func(r *Run) (float64, bool) {
	return func(r *Run) (float64, bool) { return f(r), r.Unmetered == "" }
}

// priced reads a cost of the runs whose cost is known.
func priced(f func(r *Run) float64) func(r *Run) (float64, bool) {
	return func(r *Run) (float64, bool) { return f(r), r.Cost != nil }
}

// cellStats computes a cell's statistics of every metric over its
// successful runs ok.
func (c *Cell) cellStats(ok []*Run) {
	for _, m := range append(runMetrics[:len(runMetrics):len(runMetrics)], summaryOnly...) {
		*m.stats(c) = collect(ok, m.read)
	}
}

// phaseStats computes the statistics of one phase over the runs ok.
// Each run's phase is looked up once, not once per metric.
func phaseStats(name string, ok []*Run) *PhaseStats {
	ps := &PhaseStats{Name: name}
	phases := make([]*PhaseRun, len(ok))
	for i, r := range ok {
		phases[i] = r.phase(name)
	}
	vals := make([]float64, 0, len(ok)) // NewStats keeps no reference to it
	for _, m := range phaseMetrics {
		vals = vals[:0]
		for i, r := range ok {
			if v, has := m.read(r, phases[i]); has {
				vals = append(vals, v)
			}
		}
		*m.stats(ps) = NewStats(vals)
	}
	return ps
}

// collect takes the statistics of the values read from runs.
func collect(runs []*Run, read func(*Run) (float64, bool)) Stats {
	vals := make([]float64, 0, len(runs))
	for _, r := range runs {
		if v, has := read(r); has {
			vals = append(vals, v)
		}
	}
	return NewStats(vals)
}

// phase is the run's phase of that name, empty when it never entered it.
func (r *Run) phase(name string) *PhaseRun {
	if p := r.Phases[name]; p != nil {
		return p
	}
	return &noPhase
}

// noPhase is every missing phase; read only.
var noPhase PhaseRun

// statOf is the statistic of a whole-run metric, as rules see it.
func (c *Cell) statOf(path string) *rules.Stat {
	for _, m := range runMetrics {
		if m.path == path {
			return m.stats(c).Rule()
		}
	}
	return nil
}

// phaseStatOf is the statistic of a phase metric, as rules see it.
func (p *PhaseStats) statOf(path string) *rules.Stat {
	for _, m := range phaseMetrics {
		if m.path == path {
			return m.stats(p).Rule()
		}
	}
	return nil
}

// compared are the metrics a comparison reads from runs, whole-run first,
// then per phase, each with its unit as the rule environment declares it.
func compared(phases []string) []metric {
	var ms []metric
	for _, m := range runMetrics {
		ms = append(ms, metric{m.path, rules.UnitOf(m.path), m.read})
	}
	for _, p := range phases {
		for _, m := range phaseMetrics {
			path := fmt.Sprintf("phase(%q).%s", p, m.path)
			ms = append(ms, metric{path, rules.UnitOf(path), func(r *Run) (float64, bool) { return m.read(r, r.phase(p)) }})
		}
	}
	return ms
}
