package results

import (
	"fmt"
	"math"
	"slices"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/runner-bench/runner/runner/changepoint"
	"github.com/runner-bench/runner/runner/rules"
)

// History is what the history store holds of the spec's earlier
// benchmarks, as the CLI read it (runner/history): rules read it as
// history.*, the report shows each cell's trend.
type History struct {
	Store  string `json:"store"`           // where it was read, without credentials
	Window int    `json:"window"`          // the last N benchmarks read
	Err    string `json:"error,omitempty"` // why it could not be read; history rules are N/A
	// Prior holds, per cell, its earlier benchmarks, oldest first.
	Prior map[string][]PriorBenchmark `json:"-"`
	// pooled holds, per cell and metric, every earlier run's value,
	// sorted; nil until Prepare.
	pooled map[string]map[string][]float64
}

// Prepare works out what comparing with history needs of the earlier
// benchmarks alone: their values sorted (in place: the order of the runs
// matters to no comparison), each one's medians, and every cell's runs
// pooled per metric. It is most of the comparison's cost, so a caller
// that has the history early (a run, before its commands start) prepares
// it meanwhile; Compute does it otherwise. Calling it again does nothing.
func (h *History) Prepare() {
	if h == nil || h.pooled != nil {
		return
	}
	h.pooled = make(map[string]map[string][]float64, len(h.Prior))
	for cell, prior := range h.Prior {
		pooled := map[string][]float64{}
		for i := range prior {
			p := &prior[i]
			p.medians = make(map[string]float64, len(p.Values))
			for name, v := range p.Values {
				if len(v) == 0 {
					continue
				}
				slices.Sort(v)
				p.medians[name] = medianOf(v)
				pooled[name] = append(pooled[name], v...)
			}
		}
		for _, v := range pooled {
			slices.Sort(v)
		}
		h.pooled[cell] = pooled
	}
}

// PriorBenchmark is one earlier benchmark of a cell.
type PriorBenchmark struct {
	ID      string
	Started time.Time
	Commit  string
	// Values holds the successful runs' values of each metric, by the
	// name rules use: total.time, cost, phase("X").tokens, ...
	Values  map[string][]float64
	medians map[string]float64 // of Values, by History.Prepare
}

// CellHistory is one cell's trend: its earlier benchmarks and this one.
type CellHistory struct {
	Points  []HistoryPoint `json:"points"` // oldest first; the last is this benchmark
	Changes []ChangePoint  `json:"change_points,omitempty"`
	// Change compares this benchmark with the earlier ones, per metric.
	Change map[string]*Change `json:"-"`
	stats  map[string]Stats   // over the earlier benchmarks' medians
	n      int
}

// HistoryPoint is one benchmark's medians.
type HistoryPoint struct {
	Started time.Time `json:"started"`
	Commit  string    `json:"commit,omitempty"`
	Current bool      `json:"current,omitempty"`
	Time    *float64  `json:"time_s,omitempty"`
	Tokens  *float64  `json:"tokens,omitempty"`
	Cost    *float64  `json:"cost_usd,omitempty"`
}

// ChangePoint is a shift found in a cell's series (runner/changepoint).
type ChangePoint struct {
	Metric  string    `json:"metric"`
	Started time.Time `json:"started"` // of the first benchmark after the shift
	Commit  string    `json:"commit,omitempty"`
	Current bool      `json:"current,omitempty"` // the shift came with this benchmark
	Before  float64   `json:"before"`
	After   float64   `json:"after"`
	Pct     float64   `json:"pct"`
	Unit    string    `json:"unit"`
}

// WithHistory gives Compute the spec's earlier benchmarks, for history.*
// rules and the report's trend.
func WithHistory(h *History) Option {
	return func(o *computeOptions) { o.history = h }
}

// HistoryMetrics are the metrics a report's trend shows.
var HistoryMetrics = []string{"total.time", "total.tokens", "cost"}

// RunMetrics are a run's values of every metric rules compare, by name;
// a metric the run has no value of is absent.
func RunMetrics(r *Run, phases []string) map[string]float64 {
	return RunMetricsOf(phases)(r)
}

// RunMetricsOf is RunMetrics for many runs of the same phases: the list of
// metrics (each with its unit) is made once, not once per run.
func RunMetricsOf(phases []string) func(r *Run) map[string]float64 {
	ms := compared(phases)
	return func(r *Run) map[string]float64 {
		out := make(map[string]float64, len(ms))
		for _, m := range ms {
			if v, ok := m.value(r); ok {
				out[m.name] = v
			}
		}
		return out
	}
}

// MetricUnit is the unit of a metric named as rules name it.
func MetricUnit(name string) string { return rules.UnitOf("x." + name) }

// compareHistory fills c.History from the cell's earlier benchmarks.
func (c *Cell) compareHistory(h *History, phases []string) {
	if h == nil || len(h.Prior[c.ID]) == 0 {
		return
	}
	prior := h.Prior[c.ID]
	var ok []*Run
	for _, r := range c.runs {
		if r.OK() {
			ok = append(ok, r)
		}
	}
	cur := map[string][]float64{}
	for _, m := range compared(phases) {
		cur[m.name] = values(ok, m)
	}
	ch := &CellHistory{Change: map[string]*Change{}, stats: map[string]Stats{}, n: len(prior)}
	for name, pooled := range h.pooled[c.ID] {
		var medians []float64
		for _, p := range prior {
			if m, ok := p.medians[name]; ok {
				medians = append(medians, m)
			}
		}
		st := NewStats(medians)
		ch.stats[name] = st
		if nv := cur[name]; len(nv) > 0 && !(allZero(pooled) && allZero(nv)) {
			// pooled is sorted already: the sample's sort leaves it as it is.
			chg := compareValues(name, MetricUnit(name), pooled, append([]float64(nil), nv...))
			chg.Old = st.Median
			chg.Pct = pctOf(chg.Old, chg.New)
			chg.setDelta()
			ch.Change[name] = chg
		}
	}
	point := func(started time.Time, median func(name string) (float64, bool)) HistoryPoint {
		hp := HistoryPoint{Started: started}
		get := func(name string) *float64 {
			if m, ok := median(name); ok {
				return &m
			}
			return nil
		}
		hp.Time, hp.Tokens, hp.Cost = get("total.time"), get("total.tokens"), get("cost")
		return hp
	}
	for _, p := range prior {
		ch.Points = append(ch.Points, point(p.Started, func(name string) (float64, bool) {
			m, ok := p.medians[name]
			return m, ok
		}))
		ch.Points[len(ch.Points)-1].Commit = p.Commit
	}
	now := point(time.Time{}, func(name string) (float64, bool) {
		if v := cur[name]; len(v) > 0 {
			return medianOf(v), true
		}
		return 0, false
	})
	now.Current = true
	ch.Points = append(ch.Points, now)
	for _, name := range HistoryMetrics {
		series := make([][]float64, 0, len(prior)+1)
		for _, p := range prior {
			series = append(series, p.Values[name])
		}
		series = append(series, cur[name])
		for _, cp := range changepoint.Detect(series) {
			pt := ch.Points[cp.Index]
			ch.Changes = append(ch.Changes, ChangePoint{Metric: name, Started: pt.Started, Commit: pt.Commit, Current: pt.Current,
				Before: cp.Before, After: cp.After, Pct: cp.Pct, Unit: MetricUnit(name)})
		}
	}
	c.History = ch
}

// history is the rules' view of the cell's history; nil without one.
func (c *Cell) history() *rules.History {
	ch := c.History
	if ch == nil || ch.n == 0 {
		return nil
	}
	stat := func(name string) *rules.Stat {
		if st, ok := ch.stats[name]; ok && st.N > 0 {
			return st.Rule()
		}
		return nil
	}
	get := func(name string) *rules.Change {
		if x := ch.Change[name]; x != nil {
			return &rules.Change{Old: x.Old, New: x.New, Pct: x.Pct, P: x.P, Significant: x.Significant}
		}
		return nil
	}
	h := &rules.History{Benchmarks: ch.n, Change: &rules.Delta{}}
	rules.Fill(h, stat)
	rules.Fill(h.Change, get)
	h.PhaseOf = func(name string) *rules.Phase[rules.Stat] {
		p := fmt.Sprintf("phase(%q).", name)
		ph := &rules.Phase[rules.Stat]{}
		rules.Fill(ph, func(path string) *rules.Stat { return stat(p + path) })
		if ph.Time == nil {
			return nil
		}
		return ph
	}
	h.Change.PhaseOf = func(name string) *rules.Phase[rules.Change] {
		p := fmt.Sprintf("phase(%q).", name)
		dp := &rules.Phase[rules.Change]{}
		rules.Fill(dp, func(path string) *rules.Change { return get(p + path) })
		if dp.Time == nil && dp.Tokens == nil && dp.Cost == nil {
			return nil
		}
		return dp
	}
	return h
}

// medianOf is the median of v (left as it is), as benchmath takes it.
func medianOf(v []float64) float64 {
	s := benchmath.NewSample(append([]float64(nil), v...), thresholds)
	return benchmath.AssumeNothing.Summary(s, 0.95).Center
}

func pctOf(old, new float64) float64 {
	switch {
	case old == new:
		return 0
	case old == 0:
		return math.Copysign(math.Inf(1), new)
	}
	return (new - old) / math.Abs(old) * 100
}

// Medians are the benchmarks' medians of total.time, total.tokens or cost,
// oldest first, this benchmark last; benchmarks without a value are left
// out, and a metric that is 0 in all (a command that uses no LLM) is none.
func (ch *CellHistory) Medians(metric string) []float64 {
	var out []float64
	for _, p := range ch.Points {
		var v *float64
		switch metric {
		case "total.time":
			v = p.Time
		case "total.tokens":
			v = p.Tokens
		case "cost":
			v = p.Cost
		}
		if v != nil {
			out = append(out, *v)
		}
	}
	if allZero(out) {
		return nil
	}
	return out
}
