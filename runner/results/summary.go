package results

import (
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/runner/spec"
)

// Summary is everything the outputs show, computed from the spec and records.
type Summary struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Simulated   bool   `json:"simulated"`
	// Replayed names the recording a replayed benchmark answered from.
	Replayed    *record.Replayed  `json:"replayed,omitempty"`
	Benchmark   record.Benchmark  `json:"benchmark"`
	Phases      []string          `json:"phases"` // declared phases, then others seen, then "(other)"
	Projections []spec.Projection `json:"projections"`
	Cells       []*Cell           `json:"cells"`
	Skipped     []Skipped         `json:"skipped,omitempty"`
	Rating      rules.Level       `json:"rating"` // worst cell rating; NotRated ("") without rules
	Ranking     []Pick            `json:"recommendations"`
	Warnings    []string          `json:"warnings,omitempty"`
	// HasTokens says some run reported tokens: without any (a benchmark of
	// plain commands) outputs leave out token and cost columns.
	HasTokens bool `json:"has_tokens"`
	// Broken names cells whose every measured run failed: no rule could
	// judge them, so the overall rating does not cover them.
	Broken []string `json:"broken,omitempty"`
	// NotRun names cells that were planned but have no record (the
	// benchmark was interrupted or stopped before reaching them).
	NotRun []string `json:"not_run,omitempty"`
	// FewRuns says some cell has fewer than the 6 successful runs a median's
	// confidence interval needs.
	FewRuns bool `json:"-"`
	// PricingFile is the pricing_file that priced models the spec's own
	// pricing does not list (path and sha256), if the spec names one.
	PricingFile *spec.PricingFileInfo `json:"pricing_file,omitempty"`
	// Reference is the cell report.reference names (the first measured
	// one it matches): the executive summary speaks for it.
	Reference string `json:"reference,omitempty"`
	// Method says how the benchmark was run and measured, from what happened.
	Method Methodology `json:"methodology"`
	// Artifacts are the declared artifacts with the unit reports show them in.
	Artifacts []ArtifactUnit `json:"artifacts,omitempty"`
	// Advice is the spec's recommendations that hold, each with its cells.
	Advice []AdviceGroup `json:"advice,omitempty"`
	// Baseline is the result set the cells were compared with (spec baseline).
	Baseline *Baseline `json:"baseline,omitempty"`
	// Judge is what the spec's judge did over the benchmark: runs scored,
	// its own tokens and cost, never in any workflow figure.
	Judge *JudgeTotals `json:"judge,omitempty"`
	// History is the history store the cells were compared with.
	History *History `json:"history,omitempty"`
	Runs    []*Run   `json:"-"` // every record with what results derived from it, in file order
}

// Notice is the line every output of a simulated or replayed benchmark
// opens with ("" for a measured one), so no figure from either is taken for
// a real provider's measurement.
func (s *Summary) Notice() string {
	var parts []string
	if s.Replayed != nil {
		parts = append(parts, s.Replayed.Notice())
	}
	if s.Simulated {
		parts = append(parts, SimulatedNotice)
	}
	return strings.Join(parts, "; ")
}

// SimulatedNotice heads every output of a dry run.
const SimulatedNotice = "SIMULATED: dry run against the built-in simulator; no figure here is a real provider's"

// Skipped is a cell that did not run.
type Skipped struct {
	Cell     string `json:"cell"`
	Provider string `json:"provider"`
	Model    string `json:"model,omitempty"`
	Reason   string `json:"reason"`
}

// Cell is one cell's results.
type Cell struct {
	ID          string            `json:"cell"`
	Provider    string            `json:"provider"`
	Label       string            `json:"label"`
	API         string            `json:"api"` // a spec.APIs word; a string, as report templates pass it to sprig's functions
	Model       string            `json:"model,omitempty"`
	Matrix      map[string]string `json:"matrix,omitempty"`
	Runs        int               `json:"runs"`     // measured runs that finished ok
	Failures    int               `json:"failures"` // measured runs that did not
	SuccessRate float64           `json:"success_rate"`
	TokenSource string            `json:"token_source,omitempty"`

	Time         Stats `json:"time_s"`
	Tokens       Stats `json:"tokens"`
	InputTokens  Stats `json:"input_tokens"`
	OutputTokens Stats `json:"output_tokens"`
	CachedTokens Stats `json:"cached_input_tokens"`
	Cost         Stats `json:"cost_usd"` // per workflow; N = 0 when unpriced
	// InputCost and OutputCost split Cost; CachedInputCost is the part of
	// InputCost paid for cache reads.
	InputCost       Stats `json:"input_cost_usd"`
	OutputCost      Stats `json:"output_cost_usd"`
	CachedInputCost Stats `json:"cached_input_cost_usd"`
	MemoryMB        Stats `json:"peak_rss_mb"`
	CPUPercent      Stats `json:"cpu_percent"`
	CPUSeconds      Stats `json:"cpu_seconds"`

	Phases    []*PhaseStats    `json:"phases"`
	Artifacts []*ArtifactStats `json:"artifacts,omitempty"`
	Metrics   []*MetricStats   `json:"metrics,omitempty"`
	Calls     *CallStats       `json:"calls,omitempty"`
	// Quality is the cell's quality score (0-10): the judge's mean when it
	// scored runs, else a quality metric's mean, else the spec's typed
	// score; QualitySource says which (judged | metric | typed).
	Quality       *float64 `json:"quality,omitempty"`
	QualityStddev *float64 `json:"quality_stddev,omitempty"`
	QualitySource string   `json:"quality_source,omitempty"`
	// QualityKey is the spec's quality key that typed the score.
	QualityKey string `json:"quality_key,omitempty"`
	// Judge sums up the judge's scores of the cell's runs and their cost.
	Judge     *JudgeStats      `json:"judge,omitempty"`
	Price     *spec.PriceEntry `json:"price,omitempty"`
	Monthly   []ProjectionCost `json:"projections,omitempty"`
	Verdicts  []Verdict        `json:"verdicts,omitempty"`
	Rating    rules.Level      `json:"rating"`
	Advice    []string         `json:"advice,omitempty"` // the spec's recommendations that hold
	Slowest   *Share           `json:"bottleneck_time,omitempty"`
	Hungriest *Share           `json:"bottleneck_tokens,omitempty"`
	Errors    map[string]int   `json:"errors,omitempty"` // failure status -> count
	Failed    []Failure        `json:"failed,omitempty"` // the first failed runs, with why
	// Interrupted counts runs stopped by Ctrl-C: neither successes nor failures.
	Interrupted int `json:"interrupted,omitempty"`
	// Unmetered says, when some successful runs of an LLM API cell metered no
	// tokens, how many and what to check; their tokens and cost are unknown
	// (left out of the statistics), not 0.
	Unmetered []string `json:"unmetered,omitempty"`
	// BadEvents counts malformed ::runner:: lines over the cell's runs.
	BadEvents int `json:"bad_events,omitempty"`
	// Unmatched counts the requests of the cell's runs (warmups too) that
	// no recording matched in a replay: each got an error.
	Unmatched int `json:"unmatched,omitempty"`
	// Baseline compares the cell with the same cell of the spec's baseline.
	Baseline *CellChanges `json:"baseline,omitempty"`
	// History is the cell's trend over the spec's earlier benchmarks in
	// the history store; nil when it holds none.
	History *CellHistory `json:"history,omitempty"`
	runs    []*Run
}

// maxFailedShown bounds the failed runs a cell lists with their reasons.
const maxFailedShown = 5

// Failure is one failed run and why it failed.
type Failure struct {
	Run    int    `json:"run"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Log    string `json:"log,omitempty"`
}

// PhaseStats are one phase's statistics within a cell.
type PhaseStats struct {
	Name         string  `json:"name"`
	Time         Stats   `json:"time_s"`
	Tokens       Stats   `json:"tokens"`
	InputTokens  Stats   `json:"input_tokens"`
	OutputTokens Stats   `json:"output_tokens"`
	Cost         Stats   `json:"cost_usd"`
	TTFT         Stats   `json:"ttft_s,omitzero"` // mean time to first token of a run's streamed calls in the phase
	TimeShare    float64 `json:"time_share"`      // of the cell's mean total time
	TokenShare   float64 `json:"token_share"`     // of the cell's mean total tokens
}

// ArtifactStats are one artifact's sizes.
type ArtifactStats struct {
	Name  string `json:"name"`
	MB    Stats  `json:"mb"`
	Files Stats  `json:"files"`
	// Unit is the unit reports show the size in (the spec's, else KB when
	// every cell's mean is under 1 MB, else MB); Size is MB in that unit.
	Unit string `json:"unit"`
	Size Stats  `json:"size"`
	// Partial counts the runs whose walk of the artifact stopped at its
	// bound: their sizes are lower bounds.
	Partial int `json:"partial_runs,omitempty"`
}

// MetricStats are one named metric's values.
type MetricStats struct {
	Name string `json:"name"`
	Stats
}

// CallStats summarise the LLM calls the proxy saw over a cell's runs.
type CallStats struct {
	Calls     int            `json:"calls"`
	Errors    map[string]int `json:"errors,omitempty"`
	Latency   Stats          `json:"latency_s"`
	TTFT      Stats          `json:"ttft_s"`
	OutputTPS Stats          `json:"output_tps"`
	Estimated int            `json:"usage_estimated,omitempty"`
	Missing   int            `json:"usage_missing,omitempty"`
}

// Share names the phase with the largest share of something.
type Share struct {
	Phase string  `json:"phase"` // several, joined, when they tie
	Share float64 `json:"share"` // each one's share
	Tied  int     `json:"tied,omitempty"`
}

// ProjectionCost is a cell's cost at one usage frequency.
type ProjectionCost struct {
	Label    string  `json:"label"`
	PerMonth float64 `json:"per_month"`
	USD      float64 `json:"usd_per_month"`
}

// Verdict is one rule's judgement of one cell.
type Verdict struct {
	Rule       string      `json:"rule"`
	Level      rules.Level `json:"level"` // one of rules.Levels
	Target     string      `json:"target"`
	Acceptable string      `json:"acceptable,omitempty"`
	Actual     string      `json:"actual,omitempty"` // the value the rule compared, when it can be shown
	Value      *float64    `json:"value,omitempty"`  // the same as a number
	Unit       string      `json:"unit,omitempty"`   // its unit: s, USD, tokens, MB, %
	Reason     string      `json:"reason,omitempty"` // why N/A
	// Op and Limit are the target's comparison when it compares the value
	// with a number ("<" and 300 for total.time.mean < 300).
	Op    string   `json:"target_op,omitempty"`
	Limit *float64 `json:"target_limit,omitempty"`
}

// Run is one record with the values results derived from it.
type Run struct {
	*record.Run
	Tokens record.Tokens
	Cost   *float64 // nil when a model has no price, or the tokens are unknown
	// InputCost (cache reads and writes included), CachedInputCost (cache
	// reads) and OutputCost split Cost; meaningful only when Cost is set.
	InputCost, CachedInputCost, OutputCost float64
	// Unpriced names the models whose tokens have no price, in first-seen order.
	Unpriced []string
	// Unmetered says why the run's tokens are unknown (an API cell's run
	// whose LLM calls the proxy did not see or could not read); "" = known.
	Unmetered string
	Phases    map[string]*PhaseRun

	// The judge's tokens and cost for this run, never in Tokens or Cost.
	JudgeTokens   record.Tokens
	JudgeCost     *float64 // nil when unpriced or not judged
	JudgeUnpriced []string

	CallErrors int      // proxied calls that failed
	TTFT       *float64 // mean time to first token of its streamed calls
	OutputTPS  *float64 // mean output tokens per second of its calls
}

// PhaseRun is one phase of one run.
type PhaseRun struct {
	Seconds float64
	Tokens  record.Tokens
	Cost    float64
	TTFT    record.Sum // of the phase's streamed calls
}

// Compute builds the summary of a benchmark from its spec and records.
func Compute(s *spec.Spec, bench record.Benchmark, recs []record.Run, opts ...Option) *Summary {
	var o computeOptions
	for _, opt := range opts {
		opt(&o)
	}
	sum := &Summary{
		// The spec's own words reach the report and summary.json: a key
		// written into them is masked as everywhere else.
		Name: s.Name, Title: redact.String(s.Title), Description: redact.String(s.Description),
		Simulated: bench.Simulated, Replayed: bench.Replayed, Benchmark: bench, Projections: s.Projections,
		PricingFile: s.PricingFileInfo,
	}
	prices := NewPrices(s.Pricing)
	unpriced := map[string]bool{}
	cells := map[string]*Cell{}
	var order []*Cell
	phaseSeen := map[string]bool{}
	unmatched := map[string]int{}
	derived := deriveAll(s, recs, prices, unpriced)
	for i := range recs {
		r := &recs[i]
		if r.Simulated {
			sum.Simulated = true
		}
		if r.Replay != nil && sum.Replayed == nil {
			// benchmark.json lost or unreadable: the records still say the
			// answers were replayed, and every output must say so too.
			sum.Replayed = &record.Replayed{Dir: record.UnknownRecording}
		}
		if r.Status == record.StatusSkipped {
			sum.Skipped = append(sum.Skipped, Skipped{Cell: r.Cell, Provider: r.Provider, Model: r.Model, Reason: r.Error})
			continue
		}
		run := derived[i]
		r = run.Run
		sum.Runs = append(sum.Runs, run)
		if r.Replay != nil {
			unmatched[r.Cell] += r.Replay.Unmatched
		}
		sum.HasTokens = sum.HasTokens || run.Tokens.Total() > 0
		if r.Warmup {
			continue
		}
		c := cells[r.Cell]
		if c == nil {
			c = newCell(s, r)
			cells[r.Cell] = c
			order = append(order, c)
		}
		c.runs = append(c.runs, run)
		for name := range run.Phases {
			phaseSeen[name] = true
		}
	}
	if w := capPhases(s.Phases, sum.Runs, phaseSeen); w != "" {
		sum.Warnings = append(sum.Warnings, w)
	}
	late := 0
	for i := range recs {
		late += len(recs[i].LateCalls) + recs[i].LateDropped
	}
	if late > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d LLM calls reached the proxy after their run had ended (a process the run left behind, or a call still in flight); they are in runs.jsonl as late_calls and counted in no run", late))
	}
	sum.Phases = phaseOrder(s.Phases, phaseSeen)
	if n, first := logErrors(recs); n > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d run logs could not be written whole (first: %s); those runs' measurements stand", n, first))
	}
	for m := range unpriced {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("no price for model %q: its cost is unknown (add it to pricing)", m))
	}
	if b := o.baseline; b != nil {
		sum.Baseline = b
		if b.Err != "" {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("baseline %s: %s; rules reading delta are N/A", b.Dir, b.Err))
		}
	}
	for cell, n := range unmatched {
		if n > 0 {
			if c := cells[cell]; c != nil {
				c.Unmatched = n
			}
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("%s: %d requests matched no recording (unmatched) and got an error; runs.jsonl names them in each run's warnings", cell, n))
		}
	}
	if h := o.history; h != nil {
		sum.History = h
		h.Prepare()
		if h.Err != "" {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("history %s: %s; rules reading history are N/A", h.Store, h.Err))
		}
	}
	sort.Strings(sum.Warnings)
	// Cells are independent of each other: their statistics (sorting every
	// metric's values) are taken on every core.
	var wg sync.WaitGroup
	todo := make(chan *Cell)
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Go(func() {
			for c := range todo {
				c.compareBaseline(o.baseline, sum.Phases)
				c.compareHistory(o.history, sum.Phases)
				c.compute(s, sum.Phases, prices)
			}
		})
	}
	for _, c := range order {
		todo <- c
	}
	close(todo)
	wg.Wait()
	for _, c := range order {
		for _, u := range c.Unmetered {
			sum.Warnings = append(sum.Warnings, c.ID+": "+u)
		}
		if cs := c.Calls; cs != nil && cs.Estimated > 0 && c.Tokens.N > 0 && c.TokenSource == record.SourceProxy {
			// Counted from characters, not the provider's bill: say so
			// wherever the figures are read, not only in the call line.
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("%s: the usage of %d of %d LLM calls is estimated (about 4 characters a token: the provider reported none); tokens and cost are approximate", c.ID, cs.Estimated, cs.Calls))
		}
		if s.Tokens == "" || s.Tokens == spec.TokensAuto {
			if w := unseenReports(c.runs); w != "" {
				sum.Warnings = append(sum.Warnings, c.ID+": "+w)
			}
		}
		sum.Cells = append(sum.Cells, c)
		sum.Rating = rules.Worse(sum.Rating, c.Rating)
	}
	sum.Ranking = rank(sum.Cells, sum.HasTokens)
	sum.describe(s, bench, recs)
	if sum.Judge = judgeTotals(sum.Runs); sum.Judge != nil && len(sum.Judge.Unpriced) > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("no price for the judge's model %s: the judge's cost is unknown (add it to pricing)", strings.Join(quoteAll(sum.Judge.Unpriced), ", ")))
	}
	if s.Budget.MaxCost > 0 {
		unknown := 0
		for _, r := range sum.Runs {
			if r.Cost == nil && r.Status != record.StatusSkipped {
				unknown++
			}
		}
		if unknown > 0 {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("budget.max_cost counted only metered, priced calls: the cost of %d %s is unknown (no call reached the proxy, or a model without a price), so the spend may be higher than the budget saw", unknown, pluralRuns(unknown)))
		}
	}
	seen := map[string]bool{}
	for _, c := range sum.Cells {
		seen[c.ID] = true
		if c.Runs == 0 && c.Failures > 0 {
			sum.Broken = append(sum.Broken, c.ID)
		}
		if c.Runs > 0 && c.Runs < 6 {
			sum.FewRuns = true
		}
	}
	for _, sk := range sum.Skipped {
		seen[sk.Cell] = true
	}
	for _, id := range bench.Cells {
		if !seen[id] {
			sum.NotRun = append(sum.NotRun, id)
		}
	}
	return sum
}

// deriveAll derives the run of every record but the skipped ones, on every
// core (a tenth of `runner report` on 100,000 records); unpriced collects
// the models without a price.
func deriveAll(s *spec.Spec, recs []record.Run, prices Prices, unpriced map[string]bool) []*Run {
	runs := make([]*Run, len(recs))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(recs)))
	chunk := (len(recs) + workers - 1) / workers
	parts := make([]map[string]bool, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(recs))
		parts[w] = map[string]bool{}
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				r := &recs[i]
				if r.Status == record.StatusSkipped {
					continue
				}
				r = rejudged(r)
				run := derive(r, prices, parts[w])
				// A failed run's tokens are as unknown as a finished one's when no
				// one counted them: its CSV and workbook rows say so, not 0 and $0.
				if unknownTokens(s, r) {
					run.Unmetered, run.Cost = unmetered(r), nil
				}
				runs[i] = run
			}
		})
	}
	wg.Wait()
	for _, p := range parts {
		for m := range p {
			unpriced[m] = true
		}
	}
	return runs
}

func newCell(s *spec.Spec, r *record.Run) *Cell {
	c := &Cell{ID: r.Cell, Provider: r.Provider, Label: r.Provider, API: string(spec.APINone), Model: r.Model, Matrix: r.Matrix}
	if p := s.ProviderByName(r.Provider); p != nil {
		c.Label, c.API = p.Label, string(p.API)
	}
	return c
}

// rejudged is r as the runner would record it now, a copy only when that
// differs: records written before the runner failed runs for their calls
// and scrubbed secrets from errors.
func rejudged(r *record.Run) *record.Run {
	if !r.OK() && r.Error == "" {
		return r
	}
	c := *r
	c.FailIfCallsFailed()
	c.Error = redact.String(c.Error)
	if c.Status == r.Status && c.Error == r.Error {
		return r
	}
	fixed := new(record.Run) // not &c, which would move c to the heap for every record
	*fixed = c
	return fixed
}

// derive prices a run's tokens and splits them by phase.
func derive(r *record.Run, prices Prices, unpriced map[string]bool) *Run {
	run := &Run{Run: r, Phases: map[string]*PhaseRun{}}
	phase := func(name string) *PhaseRun {
		if name == "" {
			name = record.OtherPhase
		}
		p := run.Phases[name]
		if p == nil {
			p = &PhaseRun{}
			run.Phases[name] = p
		}
		return p
	}
	for _, ph := range r.Phases {
		p := phase(ph.Name)
		p.Seconds = record.Finite(p.Seconds + ph.Seconds)
	}
	cost, priced := 0.0, true
	add := func(phaseName, model string, t record.Tokens) {
		if model == "" {
			model = r.Model
		}
		run.Tokens = run.Tokens.Add(t)
		p := phase(phaseName)
		p.Tokens = p.Tokens.Add(t)
		e, ok := prices.Lookup(model)
		if !ok {
			if t.Total() > 0 {
				priced = false
				if !slices.Contains(run.Unpriced, model) {
					run.Unpriced = append(run.Unpriced, model)
				}
				unpriced[model] = true
			}
			return
		}
		c := Cost(e.Price, t)
		p.Cost = record.Finite(p.Cost + c)
		cost = record.Finite(cost + c)
		in, cached, out := CostSplit(e.Price, t)
		run.InputCost = record.Finite(run.InputCost + in)
		run.CachedInputCost = record.Finite(run.CachedInputCost + cached)
		run.OutputCost = record.Finite(run.OutputCost + out)
	}
	groups := r.Groups()
	if usesProxy(r) {
		for _, g := range groups {
			add(g.Phase, g.Model, g.Tokens)
		}
	} else {
		for _, u := range r.Usage {
			add(u.Phase, u.Model, u.Tokens)
		}
	}
	if priced {
		run.Cost = &cost
	}
	var ttft, tps record.Sum
	for _, g := range groups {
		if p := run.Phases[g.Phase]; p != nil || usesProxy(r) {
			phase(g.Phase).TTFT.Merge(g.TTFT)
		}
		run.CallErrors += g.ErrorCount()
		ttft.Merge(g.TTFT)
		tps.Merge(g.OutputTPS)
	}
	run.TTFT, run.OutputTPS = meanOf(ttft), meanOf(tps)
	run.JudgeTokens, run.JudgeCost, run.JudgeUnpriced = judgeRun(r, prices)
	return run
}

// meanOf is the mean of s, finite; nil when s has no value.
func meanOf(s record.Sum) *float64 {
	m, ok := s.Mean()
	if !ok {
		return nil
	}
	return &m
}

// Why a run's tokens are unknown (Run.Unmetered).
const (
	UnmeteredNoCall  = "no LLM call reached the metering proxy"
	UnmeteredNoUsage = "its LLM calls carried no usage the proxy could read"
	// The proxy saw calls, but the spec counts the workload's reports
	// (tokens: events) and it made none: not 0 tokens.
	UnmeteredNoReport = "the workload reported no usage though the proxy saw LLM calls (tokens: events)"
)

// unmetered says why the tokens of a successful run of an LLM API cell are
// unknown, or "": no call reached the proxy and the workload reported no
// usage, or every call the totals come from has usage "missing".
func unmetered(r *record.Run) string {
	t := r.Total()
	if t.Calls == 0 {
		if len(r.Usage) == 0 {
			return UnmeteredNoCall
		}
		return ""
	}
	if !usesProxy(r) {
		if len(r.Usage) == 0 {
			return UnmeteredNoReport
		}
		return ""
	}
	if t.Metered > 0 {
		return ""
	}
	return UnmeteredNoUsage
}

// unseenReports says when successful runs whose tokens came from the proxy
// (tokens: auto) reported more tokens of their own than the proxy saw: calls
// made past the proxy, which the figures leave out without a word otherwise.
func unseenReports(runs []*Run) string {
	n, ok := 0, 0
	var extra int64
	for _, r := range runs {
		if r.Warmup || !r.OK() {
			continue
		}
		ok++
		if r.TokenSource != record.SourceProxy || len(r.Usage) == 0 {
			continue
		}
		var reported record.Tokens
		for _, u := range r.Usage {
			reported = reported.Add(u.Tokens)
		}
		if d := reported.Total() - r.Tokens.Total(); d > 0 {
			n++
			extra += d
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("in %d of %d runs the workload reported %d tokens more than the metering proxy saw (calls made past the proxy?); token and cost figures count only the proxy's calls (tokens: auto) — set tokens: events to count the workload's reports instead", n, ok, extra)
}

// unmeteredNotes are a cell's Unmetered lines: per reason, in how many of
// its successful runs, and what to check.
func unmeteredNotes(api llmapi.API, ok []*Run) []string {
	counts := map[string]int{}
	for _, r := range ok {
		if r.Unmetered != "" {
			counts[r.Unmetered]++
		}
	}
	var notes []string
	if n := counts[UnmeteredNoCall]; n > 0 {
		hint := "the client may ignore the proxy's base-URL variables — see docs/clients.md"
		if vars := llmapi.EnvVars[api]; len(vars) > 0 {
			hint = "the client may ignore " + vars[0].Name + " — see docs/clients.md"
		}
		notes = append(notes, fmt.Sprintf("%s in %d of %d runs: %s; tokens and cost unknown", UnmeteredNoCall, n, len(ok), hint))
	}
	if n := counts[UnmeteredNoUsage]; n > 0 {
		notes = append(notes, fmt.Sprintf("%s in %d of %d runs (usage \"missing\"); tokens and cost unknown", UnmeteredNoUsage, n, len(ok)))
	}
	if n := counts[UnmeteredNoReport]; n > 0 {
		notes = append(notes, fmt.Sprintf("%s in %d of %d runs; tokens and cost unknown (tokens: auto or proxy would count the proxy's calls)", UnmeteredNoReport, n, len(ok)))
	}
	return notes
}

// usesProxy tells which token source a run's totals come from.
func usesProxy(r *record.Run) bool {
	switch r.TokenSource {
	case record.SourceProxy:
		return true
	case record.SourceEvents, record.SourceRegex:
		return false
	}
	return r.CallLog.Count() > 0
}

func phaseOrder(declared []string, seen map[string]bool) []string {
	out := append([]string(nil), declared...)
	known := map[string]bool{record.OtherPhase: true, OtherPhases: true}
	for _, p := range declared {
		known[p] = true
	}
	var extra []string
	for p := range seen {
		if !known[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	out = append(out, extra...)
	if seen[OtherPhases] {
		out = append(out, OtherPhases)
	}
	if seen[record.OtherPhase] {
		out = append(out, record.OtherPhase)
	}
	return out
}

func (c *Cell) compute(s *spec.Spec, phases []string, prices Prices) {
	var ok []*Run
	for _, r := range c.runs {
		c.BadEvents += r.Run.BadEvents
		switch {
		case r.OK():
			ok = append(ok, r)
		case r.Status == record.StatusInterrupted:
			c.Interrupted++ // the user stopped it: not the workload's failure
		default:
			c.Failures++
			if c.Errors == nil {
				c.Errors = map[string]int{}
			}
			c.Errors[string(r.Status)]++
			if len(c.Failed) < maxFailedShown {
				c.Failed = append(c.Failed, Failure{Run: r.Index, Status: string(r.Status), Error: r.Error, Log: r.Log})
			}
		}
	}
	c.Runs = len(ok)
	if n := c.Runs + c.Failures; n > 0 {
		c.SuccessRate = float64(c.Runs) / float64(n)
	}
	if len(ok) > 0 {
		c.TokenSource = ok[0].TokenSource
	}
	c.Unmetered = unmeteredNotes(llmapi.API(c.API), ok)
	c.cellStats(ok)

	for _, name := range phases {
		ps := phaseStats(name, ok)
		if name == record.OtherPhase && ps.Tokens.Mean == 0 && (c.Time.Mean == 0 || ps.Time.Mean/c.Time.Mean < 0.01) {
			continue // under 1% of the time and no tokens: noise, not a phase
		}
		if c.Time.Mean > 0 {
			ps.TimeShare = ps.Time.Mean / c.Time.Mean
		}
		if c.Tokens.Mean > 0 {
			ps.TokenShare = ps.Tokens.Mean / c.Tokens.Mean
		}
		c.Phases = append(c.Phases, ps)
	}
	c.Slowest, c.Hungriest = bottlenecks(c.Phases)

	for _, a := range s.Artifacts {
		name := a.Name
		as := &ArtifactStats{Name: name}
		as.MB = collect(ok, func(r *Run) (float64, bool) { v, has := r.Artifacts[name]; return v.MB, has })
		as.Files = collect(ok, func(r *Run) (float64, bool) { v, has := r.Artifacts[name]; return float64(v.Files), has })
		for _, r := range ok {
			if r.Artifacts[name].Partial {
				as.Partial++
			}
		}
		c.Artifacts = append(c.Artifacts, as)
	}
	metricNames := map[string]bool{}
	for _, r := range ok {
		for m := range r.Metrics {
			metricNames[m] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(metricNames)) {
		ms := &MetricStats{Name: name}
		ms.Stats = collect(ok, func(r *Run) (float64, bool) { v, has := r.Metrics[name]; return v, has })
		c.Metrics = append(c.Metrics, ms)
	}
	c.Judge = judgeStats(ok)
	c.setQuality(s)
	c.Calls = callStats(c.runs)
	if e, found := prices.Lookup(c.Model); found {
		c.Price = &e
	}
	if c.Cost.N > 0 {
		for _, p := range s.Projections {
			c.Monthly = append(c.Monthly, ProjectionCost{Label: p.Label, PerMonth: p.PerMonth, USD: c.Cost.Mean * p.PerMonth})
		}
	}
	c.judge(s)
}

func bottlenecks(phases []*PhaseStats) (slowest, hungriest *Share) {
	return largest(phases, func(p *PhaseStats) float64 { return p.TimeShare }),
		largest(phases, func(p *PhaseStats) float64 { return p.TokenShare })
}

// largest names the phase with the largest share, or the phases that tie
// with it (within a percentage point), "(other)" and "(other phases)" aside.
func largest(phases []*PhaseStats, share func(*PhaseStats) float64) *Share {
	top := 0.0
	for _, p := range phases {
		if p.Name != record.OtherPhase && p.Name != OtherPhases {
			top = math.Max(top, share(p))
		}
	}
	if top == 0 {
		return nil
	}
	var names []string
	for _, p := range phases {
		if p.Name != record.OtherPhase && p.Name != OtherPhases && top-share(p) < 0.005 { // equal as the report rounds them
			names = append(names, p.Name)
		}
	}
	return &Share{Phase: joinAnd(names), Share: top, Tied: len(names)}
}

// joinAnd joins names as prose: "A", "A and B", "A, B and C".
func joinAnd(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// callStats summarises the calls of a cell's runs: counts, and the mean,
// deviation and range of latency, TTFT and output rate, exact from the runs'
// call groups; median and p95 from the calls the records keep one by one
// (every call, unless a run made more than record.MaxCalls).
func callStats(runs []*Run) *CallStats {
	cs := &CallStats{}
	var lat, ttft, tps record.Sum
	var latV, ttftV, tpsV []float64
	dropped := false
	for _, r := range runs {
		for _, g := range r.Groups() {
			cs.Calls += g.Calls
			for e, n := range g.Errors {
				if cs.Errors == nil {
					cs.Errors = map[string]int{}
				}
				cs.Errors[e] += n
			}
			cs.Estimated += g.Estimated
			cs.Missing += g.Missing
			lat.Merge(g.Latency)
			ttft.Merge(g.TTFT)
			tps.Merge(g.OutputTPS)
		}
		dropped = dropped || r.CallsDropped > 0
		for i := range r.Calls {
			c := &r.Calls[i]
			latV = append(latV, c.LatencyS)
			if v, ok := c.FirstToken(); ok {
				ttftV = append(ttftV, v)
			}
			if v, ok := c.GenerationTPS(); ok {
				tpsV = append(tpsV, v)
			}
		}
	}
	if cs.Calls == 0 {
		return nil
	}
	cs.Latency, cs.TTFT, cs.OutputTPS = sumStats(lat, latV, dropped), sumStats(ttft, ttftV, dropped), sumStats(tps, tpsV, dropped)
	return cs
}

// sumStats are the statistics of values of which s adds up all and kept
// holds the ones kept one by one: all of them unless some were dropped,
// when only the median, p95 and interval come from kept.
func sumStats(s record.Sum, kept []float64, dropped bool) Stats {
	st := NewStats(kept)
	if !dropped || s.N == 0 {
		return st
	}
	mean, _ := s.Mean()
	st.N, st.Mean, st.Stddev, st.Min, st.Max = s.N, mean, s.Stddev(), s.Min, s.Max
	st.CV = 0
	if mean != 0 {
		st.CV = st.Stddev / math.Abs(mean)
	}
	st.Note = fmt.Sprintf("median and p95 over the first %d calls of each run", record.MaxCalls)
	return st
}

// Pick is a provider recommendation for one priority.
type Pick struct {
	Priority string `json:"priority"` // cost | speed | quality | balance
	Cell     string `json:"cell"`
	Label    string `json:"label"`
	Why      string `json:"why"`
}

// rank picks the cheapest, fastest, best-quality and best quality-per-dollar
// cells among those with successful runs.
func rank(cells []*Cell, priced bool) []Pick {
	measured := 0
	for _, c := range cells {
		if c.Runs > 0 {
			measured++
		}
	}
	if measured < 2 {
		return nil // nothing to choose between
	}
	var picks []Pick
	best := func(priority string, score func(*Cell) (float64, bool), why func(*Cell) string) {
		var win *Cell
		var top float64
		for _, c := range cells {
			v, ok := score(c)
			if !ok || c.Runs == 0 {
				continue
			}
			if win == nil || v > top {
				win, top = c, v
			}
		}
		if win != nil {
			picks = append(picks, Pick{Priority: priority, Cell: win.ID, Label: cellName(win), Why: why(win)})
		}
	}
	best("cost", func(c *Cell) (float64, bool) { return -c.Cost.Mean, priced && c.Cost.N > 0 },
		func(c *Cell) string { return fmt.Sprintf("$%.4f per workflow", c.Cost.Mean) })
	best("speed", func(c *Cell) (float64, bool) { return -c.Time.Mean, c.Time.N > 0 },
		func(c *Cell) string { return fmt.Sprintf("%.1f s per workflow", c.Time.Mean) })
	// Quality and Balance read measured quality first: among a pick's
	// candidates, a judged cell's score counts whenever some candidate is
	// judged, so a typed guess never beats a measured score; only when none
	// is judged do typed (or reported) scores decide.
	scored := func(eligible func(*Cell) bool) func(*Cell) (float64, bool) {
		judged := false
		for _, c := range cells {
			judged = judged || c.Runs > 0 && eligible(c) && c.QualitySource == QualityJudged
		}
		return func(c *Cell) (float64, bool) {
			if c.Quality == nil || !eligible(c) || judged && c.QualitySource != QualityJudged {
				return 0, false
			}
			// As shown (one decimal): a mean that differs in its 15th digit is a tie.
			return math.Round(*c.Quality*10) / 10, true
		}
	}
	best("quality", scored(func(*Cell) bool { return true }),
		func(c *Cell) string { return fmt.Sprintf("quality %.1f/10%s", *c.Quality, c.qualityNote()) })
	// Balance: the best quality per dollar among the priced cells that pass
	// their rules (a cheap cell that fails its targets is no bargain).
	balance := scored(func(c *Cell) bool { return c.Cost.N > 0 && priced && c.Rating != rules.Fail })
	best("balance", func(c *Cell) (float64, bool) {
		q, ok := balance(c)
		if !ok {
			return 0, false
		}
		// Quality per dollar; a free cell is scored by quality alone above every paid one.
		if c.Cost.Mean == 0 {
			return math.MaxFloat64 / 100 * (q / 10), true
		}
		return q / c.Cost.Mean, true
	}, func(c *Cell) string {
		if c.Cost.Mean == 0 {
			return fmt.Sprintf("quality %.1f/10%s at no token cost", *c.Quality, c.qualityNote())
		}
		return fmt.Sprintf("%.0f quality points per dollar%s", *c.Quality/c.Cost.Mean, c.qualityNote())
	})
	return picks
}

// qualityNote says where a quality score came from.
func (c *Cell) qualityNote() string {
	switch c.QualitySource {
	case QualityJudged:
		if c.Judge.Simulated {
			return " (judged, SIMULATED)"
		}
		return fmt.Sprintf(" (judged, mean of %d %s)", c.Judge.Judged, pluralRuns(c.Judge.Judged))
	case QualityMetric:
		return " (reported by the runs)"
	}
	return " (typed in the spec)"
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

// cellName is how a cell is named in prose: "Label · model · axis=value".
func cellName(c *Cell) string {
	parts := []string{c.Label}
	if c.Model != "" {
		parts = append(parts, c.Model)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Matrix)) {
		parts = append(parts, k+"="+c.Matrix[k])
	}
	return strings.Join(parts, " · ")
}

// Name is how the cell is named in prose.
func (c *Cell) Name() string { return cellName(c) }

// Variant is the cell within its provider: "model · axis=value" ("" when
// the provider has one cell).
func (c *Cell) Variant() string {
	name := cellName(c)
	if rest, ok := strings.CutPrefix(name, c.Label+" · "); ok {
		return rest
	}
	return ""
}

// logErrors counts the runs whose log could not be written whole and
// describes the first.
func logErrors(runs []record.Run) (int, string) {
	n, first := 0, ""
	for i := range runs {
		if r := &runs[i]; r.LogError != "" {
			if n == 0 {
				first = fmt.Sprintf("%s run %d: %s", r.Cell, r.Index, r.LogError)
			}
			n++
		}
	}
	return n, first
}
