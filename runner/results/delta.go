package results

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
)

// Change compares one metric of one cell between an old and a new result
// set, as benchstat does: centers are medians, significance is a
// Mann-Whitney U test at alpha 0.05 (benchmath.AssumeNothing).
type Change struct {
	Metric string  `json:"metric"` // as rules name it: total.time, cost, phase("X").tokens
	Unit   string  `json:"unit"`   // s, tokens, USD, MB
	Old    float64 `json:"old"`    // center (median) of the old runs
	New    float64 `json:"new"`    // center (median) of the new runs
	OldLo  float64 `json:"old_lo"` // 95% confidence interval of the centers;
	OldHi  float64 `json:"old_hi"` // equal to the center when too few runs
	NewLo  float64 `json:"new_lo"`
	NewHi  float64 `json:"new_hi"`
	// Pct is (New-Old)/Old*100; +Inf (JSON null) when Old is 0 and New is not.
	Pct         float64  `json:"-"`
	P           float64  `json:"p"`
	N1          int      `json:"n_old"`
	N2          int      `json:"n_new"`
	Alpha       float64  `json:"alpha"`
	Significant bool     `json:"significant"`
	Delta       string   `json:"delta"`              // "~" when not significant, else "+12.34%"
	Warnings    []string `json:"warnings,omitempty"` // e.g. "need >= 4 samples to detect a difference at alpha level 0.05"
}

// MarshalJSON adds pct, null when infinite.
func (c *Change) MarshalJSON() ([]byte, error) {
	type plain Change
	return json.Marshal(struct {
		*plain
		Pct *float64 `json:"pct"`
	}{(*plain)(c), c.PctOrNil()})
}

// PctOrNil is Pct for JSON: nil when it is infinite.
func (c *Change) PctOrNil() *float64 {
	if math.IsInf(c.Pct, 0) || math.IsNaN(c.Pct) {
		return nil
	}
	p := c.Pct
	return &p
}

// CellChanges are the changes of one cell; Old or New is false when the
// cell ran in only one of the two result sets.
type CellChanges struct {
	Cell    string    `json:"cell"`
	Label   string    `json:"label"`
	InOld   bool      `json:"in_old"`
	InNew   bool      `json:"in_new"`
	Changes []*Change `json:"changes,omitempty"`
	// Unpaired are the workload's metrics that only one side measured (a
	// metric renamed, added or lost): named, not silently left out.
	Unpaired []Unpaired `json:"unpaired,omitempty"`
}

// Unpaired is a metric of a cell measured on one side only.
type Unpaired struct {
	Metric string  `json:"metric"`
	Unit   string  `json:"unit"`
	Side   string  `json:"side"`   // "old" or "new": where it was measured
	Median float64 `json:"median"` // its median there
	N      int     `json:"n"`
}

// Get returns the change of a metric, or nil.
func (cc *CellChanges) Get(metric string) *Change {
	if cc == nil {
		return nil
	}
	for _, c := range cc.Changes {
		if c.Metric == metric {
			return c
		}
	}
	return nil
}

// metric extracts one value per run; ok false means the run has none.
type metric struct {
	name, unit string
	value      func(r *Run) (float64, bool)
}

// compareRuns compares two cells' successful measured runs metric by
// metric. Metrics missing on either side, and metrics that are zero in
// every run of both, are left out.
func compareRuns(old, new []*Run, phases []string) ([]*Change, []Unpaired) {
	var out []*Change
	for _, m := range compared(phases) {
		ov, nv := values(old, m), values(new, m)
		if len(ov) == 0 || len(nv) == 0 || allZero(ov) && allZero(nv) {
			continue
		}
		out = append(out, compareValues(m.name, m.unit, ov, nv))
	}
	// The workload's own metrics (metric("NAME")), by name: one side only
	// is reported as such.
	var unpaired []Unpaired
	for _, name := range metricNames(old, new) {
		path := fmt.Sprintf("metric(%q)", name)
		m := metric{path, rules.UnitOf(path), func(r *Run) (float64, bool) { v, ok := r.Metrics[name]; return v, ok }}
		ov, nv := values(old, m), values(new, m)
		switch {
		case len(ov) > 0 && len(nv) > 0:
			out = append(out, compareValues(m.name, m.unit, ov, nv))
		case len(ov) > 0:
			unpaired = append(unpaired, Unpaired{Metric: path, Unit: m.unit, Side: "old", Median: medianOf(ov), N: len(ov)})
		case len(nv) > 0:
			unpaired = append(unpaired, Unpaired{Metric: path, Unit: m.unit, Side: "new", Median: medianOf(nv), N: len(nv)})
		}
	}
	return out, unpaired
}

// metricNames are the workload metrics of the runs of either side, sorted.
func metricNames(old, new []*Run) []string {
	seen := map[string]bool{}
	for _, runs := range [][]*Run{old, new} {
		for _, r := range runs {
			for k := range r.Metrics {
				seen[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func values(runs []*Run, m metric) []float64 {
	var vs []float64
	for _, r := range runs {
		if v, ok := m.value(r); ok {
			vs = append(vs, v)
		}
	}
	return vs
}

func allZero(vs []float64) bool {
	for _, v := range vs {
		if v != 0 {
			return false
		}
	}
	return true
}

// compareValues is one benchstat comparison.
func compareValues(name, unit string, old, new []float64) *Change {
	s1 := benchmath.NewSample(old, thresholds)
	s2 := benchmath.NewSample(new, thresholds)
	sum1 := benchmath.AssumeNothing.Summary(s1, 0.95)
	sum2 := benchmath.AssumeNothing.Summary(s2, 0.95)
	cmp := benchmath.AssumeNothing.Compare(s1, s2)
	c := &Change{
		Metric: name, Unit: unit, Old: sum1.Center, New: sum2.Center,
		OldLo: FiniteOr(sum1.Lo, sum1.Center), OldHi: FiniteOr(sum1.Hi, sum1.Center),
		NewLo: FiniteOr(sum2.Lo, sum2.Center), NewHi: FiniteOr(sum2.Hi, sum2.Center),
		P: cmp.P, N1: cmp.N1, N2: cmp.N2, Alpha: cmp.Alpha,
		Significant: cmp.P <= cmp.Alpha,
	}
	switch {
	case c.Old == c.New:
		c.Pct = 0
	case c.Old == 0:
		c.Pct = math.Inf(1)
		if c.New < 0 {
			c.Pct = math.Inf(-1)
		}
	default:
		c.Pct = (c.New - c.Old) / math.Abs(c.Old) * 100
	}
	c.setDelta()
	for _, ws := range [][]error{sum1.Warnings, sum2.Warnings, cmp.Warnings} {
		for _, w := range ws {
			c.Warnings = appendNew(c.Warnings, w.Error())
		}
	}
	return c
}

// FiniteOr is v, or otherwise when v is NaN or ±Inf (an interval benchmath
// could not bound, say).
func FiniteOr(v, otherwise float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return otherwise
	}
	return v
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Comparison is every cell of two result sets compared.
type Comparison struct {
	Old   Side           `json:"old"`
	New   Side           `json:"new"`
	Cells []*CellChanges `json:"cells"`
}

// Side describes one of the compared result sets.
type Side struct {
	Dir       string           `json:"dir,omitempty"`
	Name      string           `json:"name"`
	Simulated bool             `json:"simulated,omitempty"`
	Benchmark record.Benchmark `json:"benchmark"`
}

// Compare compares two summaries cell by cell, in the new set's cell order
// and then the cells only the old set has.
func Compare(old, new *Summary) *Comparison {
	cmp := &Comparison{
		Old: Side{Name: old.Name, Simulated: old.Simulated, Benchmark: old.Benchmark},
		New: Side{Name: new.Name, Simulated: new.Simulated, Benchmark: new.Benchmark},
	}
	phases := append([]string(nil), new.Phases...)
	for _, p := range old.Phases {
		if !slices.Contains(phases, p) {
			phases = append(phases, p)
		}
	}
	oldRuns, newRuns := measured(old), measured(new)
	for _, c := range new.Cells {
		cmp.Cells = append(cmp.Cells, cellChanges(c, oldRuns[c.ID], newRuns[c.ID], phases, old.cell(c.ID) != nil))
	}
	for _, c := range old.Cells {
		if new.cell(c.ID) == nil {
			cmp.Cells = append(cmp.Cells, &CellChanges{Cell: c.ID, Label: c.Name(), InOld: true})
		}
	}
	return cmp
}

func cellChanges(c *Cell, old, new []*Run, phases []string, inOld bool) *CellChanges {
	cc := &CellChanges{Cell: c.ID, Label: c.Name(), InOld: inOld, InNew: true}
	if inOld {
		cc.Changes, cc.Unpaired = compareRuns(old, new, phases)
	}
	return cc
}

func (s *Summary) cell(id string) *Cell {
	for _, c := range s.Cells {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// measured groups the successful measured runs by cell.
func measured(s *Summary) map[string][]*Run {
	m := map[string][]*Run{}
	for _, r := range s.Runs {
		if r.Measured() && r.OK() {
			m[r.Cell] = append(m[r.Cell], r)
		}
	}
	return m
}

// setDelta writes the change in percent, always; "~" marks a change that is
// not significant only when the runs could have shown one (with fewer, the
// footnote says how many it takes, once, instead of a "~" on every line).
func (c *Change) setDelta() {
	switch {
	case c.Old == c.New:
		c.Delta = "0%"
	case math.IsInf(c.Pct, 0):
		c.Delta = "new"
	default:
		c.Delta = fmt.Sprintf("%+.2f%%", c.Pct)
	}
	if !c.Significant && c.Old != c.New && canBeSignificant(c.N1, c.N2, c.Alpha) {
		c.Delta += " ~"
	}
}

// canBeSignificant says whether a two-sided Mann-Whitney U test of n1 and n2
// samples can reach alpha at all: its smallest p is 2 / C(n1+n2, n1).
func canBeSignificant(n1, n2 int, alpha float64) bool {
	if n1 == 0 || n2 == 0 {
		return false
	}
	ways := 1.0
	for i := 1; i <= n1; i++ {
		ways = ways * float64(n2+i) / float64(i)
	}
	return 2/ways <= alpha
}

// MinChange un-flags the changes smaller than pct percent: a significant but
// tiny change (runs on a quiet machine vary little) is not worth a flag.
func (cmp *Comparison) MinChange(pct float64) {
	for _, cc := range cmp.Cells {
		for _, c := range cc.Changes {
			if c.Significant && math.Abs(c.Pct) < pct {
				c.Significant = false
				c.setDelta()
				c.Warnings = appendNew(c.Warnings, fmt.Sprintf("changes below %g%% are not flagged (--min-change)", pct))
			}
		}
	}
}

// Footnotes numbers the distinct warnings of a comparison's changes in the
// order they first appear.
func (cmp *Comparison) Footnotes() []string {
	var notes []string
	for _, cc := range cmp.Cells {
		for _, c := range cc.Changes {
			for _, w := range c.Warnings {
				notes = appendNew(notes, w)
			}
		}
	}
	return notes
}

// Baseline is the result set a benchmark compares itself to (spec
// `baseline:`); its changes feed the `delta` of rules.
type Baseline struct {
	Dir     string   `json:"dir"`
	Summary *Summary `json:"-"`
	Err     string   `json:"error,omitempty"` // why the baseline could not be read; delta rules are N/A
}

// Option configures Compute.
type Option func(*computeOptions)

type computeOptions struct {
	baseline *Baseline
	history  *History
}

// WithBaseline compares every cell with the same cell of b (when b.Summary
// is set) so that rules can read delta.*.
func WithBaseline(b *Baseline) Option {
	return func(o *computeOptions) { o.baseline = b }
}

// compareBaseline fills c.Baseline from the baseline summary.
func (c *Cell) compareBaseline(b *Baseline, phases []string) {
	if b == nil || b.Summary == nil {
		return
	}
	base := b.Summary.cell(c.ID)
	var ok []*Run
	for _, r := range c.runs {
		if r.OK() {
			ok = append(ok, r)
		}
	}
	all := append([]string(nil), phases...)
	for _, p := range b.Summary.Phases {
		if !slices.Contains(all, p) {
			all = append(all, p)
		}
	}
	c.Baseline = cellChanges(c, measured(b.Summary)[c.ID], ok, all, base != nil)
}

// delta is the rules' view of the cell's baseline changes; nil without a
// baseline or when the baseline lacks the cell, so rules reading it are N/A.
func (c *Cell) delta() *rules.Delta {
	cc := c.Baseline
	if cc == nil || !cc.InOld {
		return nil
	}
	get := func(metric string) *rules.Change {
		ch := cc.Get(metric)
		if ch == nil {
			return nil
		}
		return &rules.Change{Old: ch.Old, New: ch.New, Pct: ch.Pct, P: ch.P, Significant: ch.Significant}
	}
	d := &rules.Delta{}
	rules.Fill(d, get)
	d.PhaseOf = func(name string) *rules.Phase[rules.Change] {
		p := fmt.Sprintf("phase(%q).", name)
		dp := &rules.Phase[rules.Change]{}
		rules.Fill(dp, func(path string) *rules.Change { return get(p + path) })
		if dp.Time == nil && dp.Tokens == nil && dp.Cost == nil {
			return nil
		}
		return dp
	}
	return d
}
