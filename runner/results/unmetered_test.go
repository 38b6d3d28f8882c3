package results

import (
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
)

const unmeteredSpec = `name: u
command: x
providers:
  - { name: local, api: ollama, models: [ m ] }
  - { name: claude, api: anthropic, models: [ m ] }
  - { name: tool, api: none, models: [ m ] }
pricing:
  m: { input: 3.00, output: 15.00 }
thresholds:
  - name: Time
    target: total.time.mean < 10
  - name: Cost
    target: cost.mean < 1
`

// An LLM API cell whose runs metered no tokens (no call reached the proxy,
// or every call's usage was missing) has unknown tokens and cost, not 0; it
// is flagged, and its cost rule is N/A so it is not rated PASS. A cell of api
// none without calls is not flagged.
func TestUnmeteredCellsAreUnknownNotFree(t *testing.T) {
	t.Parallel()
	s := load(t, unmeteredSpec)
	var recs []record.Run
	for i := 1; i <= 3; i++ {
		base := record.Run{Model: "m", Index: i, Status: record.StatusOK, WallSeconds: 1}
		local, claude, tool := base, base, base
		local.Cell, local.Provider = "local", "local"
		claude.Cell, claude.Provider = "claude", "claude"
		claude.Calls = []record.Call{{API: "anthropic", Status: 200, UsageStatus: "missing"}}
		if i == 3 { // one run with usage: its tokens count, the others' do not
			claude.Calls = []record.Call{{API: "anthropic", Status: 200, UsageStatus: "reported", Tokens: record.Tokens{Input: 1000, Output: 100}}}
		}
		tool.Cell, tool.Provider = "tool", "tool"
		recs = append(recs, local, claude, tool)
	}
	sum := Compute(s, record.Benchmark{}, recs)
	cells := map[string]*Cell{}
	for _, c := range sum.Cells {
		cells[c.ID] = c
	}
	local := cells["local"]
	if local.Tokens.N != 0 || local.Cost.N != 0 {
		t.Errorf("local: tokens %+v cost %+v, want unknown", local.Tokens, local.Cost)
	}
	want := "no LLM call reached the metering proxy in 3 of 3 runs: the client may ignore OLLAMA_HOST — see docs/clients.md"
	if len(local.Unmetered) != 1 || !strings.HasPrefix(local.Unmetered[0], want) {
		t.Errorf("local: unmetered %q, want %q", local.Unmetered, want)
	}
	if local.Rating == rules.Pass || local.Rating == rules.Acceptable {
		t.Errorf("local: rated %s with its cost rule N/A", local.Rating)
	}
	claude := cells["claude"]
	if claude.Tokens.N != 1 || claude.Tokens.Mean != 1100 || claude.Cost.N != 1 {
		t.Errorf("claude: tokens %+v cost %+v, want the one metered run", claude.Tokens, claude.Cost)
	}
	if len(claude.Unmetered) != 1 || !strings.Contains(claude.Unmetered[0], "no usage the proxy could read in 2 of 3 runs") {
		t.Errorf("claude: unmetered %q", claude.Unmetered)
	}
	if claude.Rating != rules.Pass {
		t.Errorf("claude: rating %q, want PASS on the metered run", claude.Rating)
	}
	if tool := cells["tool"]; len(tool.Unmetered) != 0 || tool.Rating != rules.Pass {
		t.Errorf("tool: unmetered %q rating %q", tool.Unmetered, tool.Rating)
	}
	var flagged []string
	for _, w := range sum.Warnings {
		if strings.Contains(w, "metering proxy") || strings.Contains(w, "no usage") {
			flagged = append(flagged, w)
		}
	}
	if len(flagged) != 2 {
		t.Errorf("summary warnings: %q", sum.Warnings)
	}
}

// A failed run of an LLM API cell that no one metered has unknown tokens
// and cost too (its CSV and workbook rows are empty there, not 0 and $0);
// a failed run whose calls were metered keeps its figures. The cell's
// note still counts only its successful runs.
func TestFailedUnmeteredRunIsUnknown(t *testing.T) {
	t.Parallel()
	s := load(t, unmeteredSpec)
	recs := []record.Run{
		{Cell: "claude", Provider: "claude", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1},
		{Cell: "claude", Provider: "claude", Model: "m", Index: 2, Status: record.StatusFailed, ExitCode: 1, WallSeconds: 1},
		{Cell: "claude", Provider: "claude", Model: "m", Index: 3, Status: record.StatusFailed, ExitCode: 1, WallSeconds: 1},
	}
	recs[2].Calls = []record.Call{{API: "anthropic", Status: 200, UsageStatus: "reported", Tokens: record.Tokens{Input: 1000, Output: 100}}}
	sum := Compute(s, record.Benchmark{}, recs)
	for _, r := range sum.Runs {
		switch r.Index {
		case 2:
			if r.Cost != nil || r.Unmetered == "" {
				t.Errorf("failed unmetered run: cost %v, unmetered %q; want unknown", r.Cost, r.Unmetered)
			}
		case 3:
			if r.Cost == nil || r.Unmetered != "" || r.Tokens.Total() != 1100 {
				t.Errorf("failed metered run: cost %v, unmetered %q, tokens %d; want its figures", r.Cost, r.Unmetered, r.Tokens.Total())
			}
		}
	}
	if u := sum.Cells[0].Unmetered; len(u) != 1 || !strings.Contains(u[0], "in 1 of 1 runs") {
		t.Errorf("cell note %q, want it over the 1 successful run", u)
	}
}

// A run whose tokens come from the proxy (tokens: auto) but whose workload
// reported more tokens of its own (a call made past the proxy) is warned
// about: its figures leave those tokens out. Reports the proxy covers
// (the same calls told twice) are not.
func TestUnseenUsageReportsWarned(t *testing.T) {
	t.Parallel()
	s := load(t, unmeteredSpec)
	mk := func(i int, reported int64) record.Run {
		r := record.Run{Cell: "claude", Provider: "claude", Model: "m", Index: i, Status: record.StatusOK, WallSeconds: 1, TokenSource: record.SourceProxy,
			Usage: []record.Usage{{Model: "other", Source: record.SourceEvents, Tokens: record.Tokens{Input: reported}}}}
		r.Calls = []record.Call{{API: "anthropic", Status: 200, UsageStatus: "reported", Tokens: record.Tokens{Input: 100, Output: 50}}}
		return r
	}
	warned := func(sum *Summary) string {
		for _, w := range sum.Warnings {
			if strings.Contains(w, "more than the metering proxy saw") {
				return w
			}
		}
		return ""
	}
	sum := Compute(s, record.Benchmark{}, []record.Run{mk(1, 7000), mk(2, 150)})
	if w := warned(sum); !strings.Contains(w, "claude: in 1 of 2 runs the workload reported 6850 tokens more") {
		t.Errorf("warnings %q, want the unseen reports of run 1", sum.Warnings)
	}
	if sum := Compute(s, record.Benchmark{}, []record.Run{mk(1, 150), mk(2, 100)}); warned(sum) != "" {
		t.Errorf("reports the proxy covers were warned about: %q", sum.Warnings)
	}
}

// A budget cannot see what no one metered: BudgetSpend counts those runs
// as unknown (Spent is a floor), and the summary says so.
func TestBudgetSeesUnknownCost(t *testing.T) {
	t.Parallel()
	s := load(t, unmeteredSpec+"budget: { max_cost: 1 }\n")
	direct := record.Run{Cell: "claude", Provider: "claude", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1}
	metered := record.Run{Cell: "claude", Provider: "claude", Model: "m", Index: 2, Status: record.StatusOK, WallSeconds: 1}
	metered.Calls = []record.Call{{API: "anthropic", Status: 200, UsageStatus: "reported", Tokens: record.Tokens{Input: 1000, Output: 100}}}
	tool := record.Run{Cell: "tool", Provider: "tool", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1}
	sp := BudgetSpend(s, 1, NewPrices(s.Pricing), []*record.Run{&direct, &metered, &tool})
	if sp.Unknown != 1 || sp.Spent <= 0 {
		t.Errorf("spend %+v, want 1 run of unknown cost and the metered one's cost", sp)
	}
	sum := Compute(s, record.Benchmark{}, []record.Run{direct, metered, tool})
	found := false
	for _, w := range sum.Warnings {
		found = found || strings.Contains(w, "budget.max_cost counted only metered, priced calls: the cost of 1 run is unknown")
	}
	if !found {
		t.Errorf("warnings %q, want the budget's blind spot", sum.Warnings)
	}
}

// Tokens counted from characters (a stream that ended without usage) are
// approximate, and the summary says so beside the figures.
func TestEstimatedUsageWarned(t *testing.T) {
	t.Parallel()
	s := load(t, unmeteredSpec)
	r := record.Run{Cell: "claude", Provider: "claude", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1, TokenSource: record.SourceProxy}
	r.Calls = []record.Call{
		{API: "anthropic", Status: 200, Stream: true, UsageStatus: "estimated", Tokens: record.Tokens{Input: 2, Output: 7}},
		{API: "anthropic", Status: 200, UsageStatus: "reported", Tokens: record.Tokens{Input: 100, Output: 50}},
	}
	sum := Compute(s, record.Benchmark{}, []record.Run{r})
	for _, w := range sum.Warnings {
		if strings.Contains(w, "claude: the usage of 1 of 2 LLM calls is estimated") {
			return
		}
	}
	t.Errorf("warnings %q, want the estimated usage named", sum.Warnings)
}

// With tokens: events, a run whose workload reported no usage while the
// proxy saw its calls has unknown tokens, not 0 (a cost rule read $0 and
// passed).
func TestEventsSourceWithoutReportsIsUnknown(t *testing.T) {
	t.Parallel()
	s := load(t, unmeteredSpec+"tokens: events\n")
	r := record.Run{Cell: "claude", Provider: "claude", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1, TokenSource: record.SourceEvents}
	r.Calls = []record.Call{{API: "anthropic", Status: 200, UsageStatus: "reported", Tokens: record.Tokens{Input: 100, Output: 50}}}
	reported := r
	reported.Index = 2
	reported.Usage = []record.Usage{{Source: record.SourceEvents, Tokens: record.Tokens{Input: 90, Output: 40}}}
	sum := Compute(s, record.Benchmark{}, []record.Run{r, reported})
	c := sum.Cells[0]
	if c.Tokens.N != 1 || c.Tokens.Mean != 130 {
		t.Errorf("tokens %+v, want only the reporting run's 130", c.Tokens)
	}
	if len(c.Unmetered) != 1 || !strings.Contains(c.Unmetered[0], "reported no usage") || !strings.Contains(c.Unmetered[0], "1 of 2 runs") {
		t.Errorf("unmetered %q, want the run without reports named", c.Unmetered)
	}
}
