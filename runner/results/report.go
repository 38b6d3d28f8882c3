package results

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Methodology is how the benchmark was run and measured, taken from what
// happened (its records and benchmark.json) and the spec it ran: the
// report's Methodology section says it in words.
type Methodology struct {
	RunsPerCell     int     `json:"runs_per_cell"`   // measured runs planned per cell (spec runs or --runs)
	WarmupPerCell   int     `json:"warmup_per_cell"` // unmeasured runs before them
	Cells           int     `json:"cells"`           // cells with measured runs recorded
	MeasuredRuns    int     `json:"measured_runs"`   // measured runs recorded, whatever their status
	WarmupRuns      int     `json:"warmup_runs"`     // warmup runs recorded
	CooldownS       float64 `json:"cooldown_s"`      // the spec's pause between runs
	CooldownSkipped bool    `json:"cooldown_skipped,omitempty"`
	TimeoutS        float64 `json:"timeout_s"`
	Order           string  `json:"order"` // sequential | interleaved
	Concurrency     int     `json:"concurrency"`
	DryRun          bool    `json:"dry_run,omitempty"`
	Intercept       bool    `json:"intercept,omitempty"`
	// TokenSources are the token sources the measured runs used, each with
	// the cells that used it.
	TokenSources []SourceCells `json:"token_sources,omitempty"`
	// Measures say how each figure is measured.
	Measures []Measure `json:"measures"`
	// Prices are the price cards that priced the cells, with the spec's
	// date and source for them.
	Prices       []PriceCard `json:"prices,omitempty"`
	PricesDate   string      `json:"prices_date,omitempty"`
	PricesSource string      `json:"prices_source,omitempty"`
}

// AdviceGroup is one of the spec's recommendations and the cells it holds for.
type AdviceGroup struct {
	Text  string   `json:"text"`
	Cells []string `json:"cells"`
}

// SourceCells is one token source and the cells whose runs used it.
type SourceCells struct {
	Source string   `json:"source"`
	Cells  []string `json:"cells"`
}

// Measure says how one figure of the report is measured.
type Measure struct {
	Figure string `json:"figure"`
	How    string `json:"how"`
}

// PriceCard is one price entry and the models of the cells it priced.
type PriceCard struct {
	spec.PriceEntry
	Models []string `json:"models"`
}

// describe fills what the report's shape needs beyond the statistics: the
// methodology, the reference cell, artifact units and the targets' bounds.
func (sum *Summary) describe(s *spec.Spec, bench record.Benchmark, recs []record.Run) {
	m := Methodology{
		RunsPerCell: s.Runs, WarmupPerCell: s.Warmup,
		CooldownS: s.Cooldown.D().Seconds(), TimeoutS: s.Timeout.D().Seconds(),
		Order: string(s.Order), Concurrency: s.Concurrency,
		DryRun:     bench.Options.DryRun || (sum.Simulated && sum.Replayed == nil),
		Intercept:  bench.Options.Intercept || s.Intercept,
		PricesDate: s.Report.PricesDate, PricesSource: s.Report.PricesSource,
	}
	if bench.Options.Runs > 0 {
		m.RunsPerCell = bench.Options.Runs
	}
	m.CooldownSkipped = (m.DryRun || sum.Replayed != nil) && m.CooldownS > 0 // as the runs skipped it
	for i := range recs {
		switch r := &recs[i]; {
		case r.Status == record.StatusSkipped:
		case r.Warmup:
			m.WarmupRuns++
		default:
			m.MeasuredRuns++
		}
	}
	prices := NewPrices(s.Pricing)
	var sources []string
	bySource := map[string][]string{}
	for _, c := range sum.Cells {
		if c.Runs+c.Failures > 0 {
			m.Cells++
		}
		if c.TokenSource != "" && c.Tokens.N > 0 {
			if bySource[c.TokenSource] == nil {
				sources = append(sources, c.TokenSource)
			}
			bySource[c.TokenSource] = append(bySource[c.TokenSource], c.ID)
		}
		if c.Model == "" {
			continue
		}
		e, ok := prices.Lookup(c.Model)
		if !ok {
			continue
		}
		i := slices.IndexFunc(m.Prices, func(p PriceCard) bool { return p.Pattern == e.Pattern && p.Source == e.Source })
		if i < 0 {
			m.Prices = append(m.Prices, PriceCard{PriceEntry: e})
			i = len(m.Prices) - 1
		}
		if !slices.Contains(m.Prices[i].Models, c.Model) {
			m.Prices[i].Models = append(m.Prices[i].Models, c.Model)
		}
	}
	for _, src := range sources {
		m.TokenSources = append(m.TokenSources, SourceCells{Source: src, Cells: bySource[src]})
	}
	m.Measures = measures(s, sum, sources)
	sum.Method = m

	for _, c := range sum.Cells {
		if c.Runs > 0 && s.IsReference(c.Provider, c.Model) {
			sum.Reference = c.ID
			break
		}
	}
	sum.artifactUnits(s)
	for _, c := range sum.Cells {
		for _, text := range c.Advice {
			i := slices.IndexFunc(sum.Advice, func(a AdviceGroup) bool { return a.Text == text })
			if i < 0 {
				sum.Advice = append(sum.Advice, AdviceGroup{Text: text})
				i = len(sum.Advice) - 1
			}
			sum.Advice[i].Cells = append(sum.Advice[i].Cells, c.ID)
		}
	}
	for _, c := range sum.Cells {
		for i := range c.Verdicts {
			c.Verdicts[i].Op, c.Verdicts[i].Limit = bound(c.Verdicts[i].Target)
		}
	}
}

// measures say how each figure is measured, for what this benchmark used.
func measures(s *spec.Spec, sum *Summary, sources []string) []Measure {
	var out []Measure
	add := func(fig, how string) { out = append(out, Measure{fig, how}) }
	add("Total time", "wall clock (monotonic) from the start of the command to the end of its whole process group, per run")
	phases := "from the workload's `::runner::` phase events (on its output or in the RUNNER_EVENTS file)"
	if s.Extract.Phase != nil {
		phases = "from the spec's `extract.phase` pattern on the workload's output, or its `::runner::` phase events"
	}
	add("Phase times", phases+"; time outside every phase is counted as (other)")
	if sum.HasTokens {
		var how []string
		for _, src := range sources {
			switch src {
			case record.SourceProxy:
				how = append(how, "counted by the metering proxy from each LLM call's response, as the provider reported it")
			case record.SourceEvents:
				how = append(how, "reported by the workload's `::runner::` usage events")
			case record.SourceRegex:
				how = append(how, "read by the spec's `extract.usage` pattern from the workload's output")
			}
		}
		if len(how) == 0 {
			how = append(how, "from the metering proxy or the workload's usage events")
		}
		tok := strings.Join(how, "; or ") + "; per run, per cell (the source of each cell is named under Detailed Results)"
		if m := s.Tokens; m != "" && m != spec.TokensAuto {
			tok += "; the spec sets `tokens: " + string(m) + "`"
		}
		add("Tokens", tok)
		add("Cost", "each call's tokens times its model's price card (USD per 1M tokens): input at the input price with cache reads and writes at theirs, output at the output price; input cost includes cached input")
	}
	add("Peak memory", "the largest resident set of the command's process tree (rusage of the waited children); Linux charges a started command with the runner's own resident size at that moment (about 20 MB), so smaller workloads show that floor")
	add("CPU", "user plus system CPU seconds of the process tree over the wall time, as a percentage (over 100% uses more than one core)")
	if len(s.Artifacts) > 0 {
		add("Disk", "size and file count of each declared artifact after each run: the files a glob matches, or a folder's contents, recursively")
	}
	for _, c := range sum.Cells {
		if c.Quality != nil {
			add("Quality", "the spec's judge's score of each run (judged: its mean ± stddev; its own calls are metered apart and never in the workflow's figures), else a `quality` metric the runs reported, else the spec's `quality` score (typed); the Cost Comparison says which")
			break
		}
	}
	return out
}

// ArtifactUnit is a declared artifact and the unit reports show it in.
type ArtifactUnit struct {
	Name string `json:"name"`
	Path string `json:"path"` // as the spec writes it
	Unit string `json:"unit"` // KB | MB
}

// artifactUnits sets each artifact's unit and its size in that unit.
func (sum *Summary) artifactUnits(s *spec.Spec) {
	for _, a := range s.Artifacts {
		unit := a.Unit
		if unit == "" {
			unit = "KB"
			for _, c := range sum.Cells {
				for _, as := range c.Artifacts {
					if as.Name == a.Name && as.MB.N > 0 && as.MB.Mean >= 1 {
						unit = "MB"
					}
				}
			}
		}
		sum.Artifacts = append(sum.Artifacts, ArtifactUnit{Name: a.Name, Path: a.Path.Source, Unit: unit})
		for _, c := range sum.Cells {
			for _, as := range c.Artifacts {
				if as.Name == a.Name {
					as.Unit, as.Size = unit, as.MB.scaled(unitPerMB(unit))
				}
			}
		}
	}
}

func unitPerMB(unit string) float64 {
	if unit == "KB" {
		return 1024
	}
	return 1
}

// scaled is s with every value multiplied by k.
func (s Stats) scaled(k float64) Stats {
	if s.N == 0 {
		return s
	}
	s.Mean, s.Stddev, s.Min, s.Max = s.Mean*k, s.Stddev*k, s.Min*k, s.Max*k
	s.Median, s.P95, s.Lo, s.Hi = s.Median*k, s.P95*k, s.Lo*k, s.Hi*k
	return s
}

// comparison is a rule that compares one value with a number.
var comparison = regexp.MustCompile(`^\s*[A-Za-z_][\w.]*(?:\("[^"]*"\)[\w.]*)?\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$`)

// bound reads "value < 300" as ("<", 300); ("", nil) for any other rule.
func bound(target string) (string, *float64) {
	m := comparison.FindStringSubmatch(target)
	if m == nil {
		return "", nil
	}
	v, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		return "", nil
	}
	return m[1], &v
}

// Ref is the reference cell, or nil.
func (sum *Summary) Ref() *Cell {
	for _, c := range sum.Cells {
		if c.ID == sum.Reference {
			return c
		}
	}
	return nil
}

// CellByID is the cell with that ID, or nil.
func (sum *Summary) CellByID(id string) *Cell {
	for _, c := range sum.Cells {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// MonthlyAt is the cell's cost per month at the usage frequency labelled
// label, or nil.
func (c *Cell) MonthlyAt(label string) *ProjectionCost {
	for i := range c.Monthly {
		if c.Monthly[i].Label == label {
			return &c.Monthly[i]
		}
	}
	return nil
}

// HasVerdicts says whether some cell has a verdict to show.
func (sum *Summary) HasVerdicts() bool {
	for _, c := range sum.Cells {
		if len(c.Verdicts) > 0 {
			return true
		}
	}
	return false
}
