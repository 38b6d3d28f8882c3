package results

import (
	"fmt"
	"slices"
	"sort"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Where a cell's quality score comes from (Cell.QualitySource).
const (
	QualityJudged = "judged" // the mean of the judge's scores of its runs
	QualityMetric = "metric" // the mean of a quality metric its runs reported
	QualityTyped  = "typed"  // the spec's quality: a score a person typed
)

// maxJudgeNotes bounds the judge's reasons a cell lists.
const maxJudgeNotes = 5

// JudgeStats are the judge's scores of one cell's successful runs, and what
// judging them cost. None of it is in the cell's own tokens or cost.
type JudgeStats struct {
	Score   Stats `json:"score"`   // over the runs with a score
	Judged  int   `json:"judged"`  // runs the judge scored
	Missing int   `json:"missing"` // runs it gave no score (failed, timed out, printed none)
	// Simulated says the scores came from the dry run's simulator: they say
	// nothing of the cell's real quality.
	Simulated    bool        `json:"simulated,omitempty"`
	Tokens       Stats       `json:"tokens"` // per judged run
	InputTokens  Stats       `json:"input_tokens"`
	OutputTokens Stats       `json:"output_tokens"`
	Cost         Stats       `json:"cost_usd"`       // per judged run; N = 0 when unpriced
	TotalCost    float64     `json:"total_cost_usd"` // over the cell's runs
	Unpriced     []string    `json:"unpriced,omitempty"`
	Notes        []JudgeNote `json:"notes,omitempty"` // the first runs' scores and reasons
}

// JudgeNote is the judge's word on one run.
type JudgeNote struct {
	Run    int      `json:"run"`
	Score  *float64 `json:"score,omitempty"`
	Status string   `json:"status"`
	Reason string   `json:"reason,omitempty"` // the judge's reason, or why there is no score
}

// JudgeTotals are the judge's figures over the whole benchmark, shown apart
// from every workflow figure.
type JudgeTotals struct {
	Runs      int           `json:"runs"`   // runs the judge was asked about
	Scored    int           `json:"scored"` // of which it scored
	Tokens    record.Tokens `json:"tokens"`
	Cost      float64       `json:"cost_usd"`
	Unpriced  []string      `json:"unpriced,omitempty"` // judge models without a price: their cost is not in Cost
	Simulated bool          `json:"simulated,omitempty"`
}

// judgeRun prices the judge's tokens of one run.
func judgeRun(r *record.Run, prices Prices) (tok record.Tokens, cost *float64, unpriced []string) {
	j := r.Judge
	if j == nil {
		return
	}
	tok = j.Tokens()
	type part struct {
		model string
		t     record.Tokens
	}
	var parts []part
	if len(j.Calls) > 0 { // the proxy's counts, as Judge.Tokens takes them
		for _, c := range j.Calls {
			parts = append(parts, part{c.Model, c.Tokens})
		}
	} else {
		for _, u := range j.Usage {
			parts = append(parts, part{u.Model, u.Tokens})
		}
	}
	sum := 0.0
	for _, p := range parts {
		e, ok := prices.Lookup(p.model)
		if !ok {
			if p.t.Total() > 0 && !slices.Contains(unpriced, p.model) {
				unpriced = append(unpriced, p.model)
			}
			continue
		}
		sum += Cost(e.Price, p.t)
	}
	if len(unpriced) == 0 {
		cost = &sum
	}
	return tok, cost, unpriced
}

// judgeStats sums up the judge's work on a cell's successful runs.
func judgeStats(ok []*Run) *JudgeStats {
	var js JudgeStats
	var scores, tok, in, out, cost []float64
	asked := false
	for _, r := range ok {
		j := r.Judge
		if j == nil {
			continue
		}
		asked = true
		js.Simulated = js.Simulated || r.Simulated
		note := JudgeNote{Run: r.Index, Status: string(j.Status), Reason: j.Reason}
		if j.Score != nil {
			js.Judged++
			scores = append(scores, *j.Score)
			note.Score = j.Score
		} else {
			js.Missing++
			if j.Error != "" {
				note.Reason = j.Error
			}
		}
		if len(js.Notes) < maxJudgeNotes {
			js.Notes = append(js.Notes, note)
		}
		t := r.JudgeTokens
		tok = append(tok, float64(t.Total()))
		in = append(in, float64(t.Input))
		out = append(out, float64(t.Output))
		if r.JudgeCost != nil {
			cost = append(cost, *r.JudgeCost)
			js.TotalCost += *r.JudgeCost
		}
		for _, m := range r.JudgeUnpriced {
			if !slices.Contains(js.Unpriced, m) {
				js.Unpriced = append(js.Unpriced, m)
			}
		}
	}
	if !asked {
		return nil
	}
	js.Score = NewStats(scores)
	js.Tokens, js.InputTokens, js.OutputTokens, js.Cost = NewStats(tok), NewStats(in), NewStats(out), NewStats(cost)
	return &js
}

// judgeTotals adds up the judge's figures over every run it was asked about.
func judgeTotals(runs []*Run) *JudgeTotals {
	var t JudgeTotals
	for _, r := range runs {
		if r.Judge == nil {
			continue
		}
		t.Runs++
		if r.Judge.Score != nil {
			t.Scored++
		}
		t.Simulated = t.Simulated || r.Simulated
		t.Tokens = t.Tokens.Add(r.JudgeTokens)
		if r.JudgeCost != nil {
			t.Cost += *r.JudgeCost
		}
		for _, m := range r.JudgeUnpriced {
			if !slices.Contains(t.Unpriced, m) {
				t.Unpriced = append(t.Unpriced, m)
			}
		}
	}
	if t.Runs == 0 {
		return nil
	}
	sort.Strings(t.Unpriced)
	return &t
}

// spread is a statistic's stddev, nil under two values (no spread).
func spread(st Stats) *float64 {
	if !st.Spread() {
		return nil
	}
	sd := st.Stddev
	return &sd
}

// setQuality picks the cell's quality score: the judge's mean when it
// scored some run, else the mean of a quality metric the runs reported,
// else the spec's typed score for the cell.
func (c *Cell) setQuality(s *spec.Spec) {
	c.Quality, c.QualityStddev, c.QualitySource, c.QualityKey = nil, nil, "", ""
	if j := c.Judge; j != nil && j.Judged > 0 {
		q := j.Score.Mean
		c.Quality, c.QualityStddev, c.QualitySource = &q, spread(j.Score), QualityJudged
		return
	}
	for _, m := range c.Metrics {
		if m.Name == spec.JudgeMetric && m.N > 0 {
			q := m.Mean
			c.Quality, c.QualityStddev, c.QualitySource = &q, spread(m.Stats), QualityMetric
			return
		}
	}
	if k := s.QualityKey(c.ID, c.Provider, c.Model); k != "" {
		q := s.Quality[k]
		c.Quality, c.QualitySource, c.QualityKey = &q, QualityTyped, k
	}
}

// QualityText is the cell's quality score as shown in tables: "7.8 ± 0.4
// (judged, 3 runs)", "8.0 (typed)", "—" without one; SIMULATED when a dry
// run's simulator gave the judged scores.
func (c *Cell) QualityText() string {
	if c.Quality == nil {
		return "—"
	}
	// A spread needs two scores: one run's is shown without "± 0.0".
	score := func(n int) string {
		if n < 2 {
			return fmt.Sprintf("%.1f", *c.Quality)
		}
		return fmt.Sprintf("%.1f ± %.1f", *c.Quality, deref(c.QualityStddev))
	}
	switch c.QualitySource {
	case QualityJudged:
		s := fmt.Sprintf("%s (judged, %d %s", score(c.Judge.Judged), c.Judge.Judged, pluralRuns(c.Judge.Judged))
		if c.Judge.Simulated {
			s += ", SIMULATED"
		}
		return s + ")"
	case QualityMetric:
		n := 0
		for _, m := range c.Metrics {
			if m.Name == spec.JudgeMetric {
				n = m.N
			}
		}
		return score(n) + " (reported by the runs)"
	}
	return fmt.Sprintf("%.1f (typed)", *c.Quality)
}

func pluralRuns(n int) string {
	if n == 1 {
		return "run"
	}
	return "runs"
}
