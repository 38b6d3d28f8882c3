package results

import (
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

const qualitySpec = `name: q
command: x
providers:
  - { name: anthropic, api: anthropic, models: [ claude-3-5-sonnet, claude-3-haiku ] }
  - { name: openai, api: openai, models: [ gpt-4o ] }
  - { name: ollama, api: ollama, models: [ llama3 ] }
pricing:
  "claude-*": { input: 3, output: 15 }
  gpt-4o: { input: 5, output: 15 }
  "llama*": { input: 0, output: 0 }
  judge-model: { input: 1, output: 2 }
quality:
  anthropic: 9
  "claude-3-haiku*": 6
  "*": 5
`

func cellRun(cell, provider, model string, i int, wall float64, tok record.Tokens) record.Run {
	return record.Run{Cell: cell, Provider: provider, Model: model, Index: i, Status: record.StatusOK, WallSeconds: wall,
		CallLog: record.CallLog{Calls: []record.Call{{API: "x", Model: model, Phase: "A", Status: 200, Tokens: tok}}}, TokenSource: record.SourceProxy}
}

func TestQualityKeyedByProviderModelAndGlob(t *testing.T) {
	s := load(t, qualitySpec)
	tok := record.Tokens{Input: 1000, Output: 100}
	recs := []record.Run{
		cellRun("anthropic_claude-3-5-sonnet", "anthropic", "claude-3-5-sonnet", 1, 5, tok),
		cellRun("anthropic_claude-3-haiku", "anthropic", "claude-3-haiku", 1, 5, tok),
		cellRun("openai_gpt-4o", "openai", "gpt-4o", 1, 5, tok),
	}
	sum := Compute(s, record.Benchmark{}, recs)
	want := map[string]float64{"anthropic_claude-3-5-sonnet": 9, "anthropic_claude-3-haiku": 6, "openai_gpt-4o": 5}
	for _, c := range sum.Cells {
		if c.Quality == nil || *c.Quality != want[c.ID] || c.QualitySource != QualityTyped {
			t.Errorf("%s: quality %v (%s), want %g typed", c.ID, c.Quality, c.QualitySource, want[c.ID])
		}
		if got := c.QualityText(); !strings.Contains(got, "typed") {
			t.Errorf("%s: QualityText %q does not say typed", c.ID, got)
		}
	}
}

func judged(r record.Run, score float64, reason string, in, out int64) record.Run {
	sc := score
	r.Judge = &record.Judge{Status: record.JudgeOK, Score: &sc, Reason: reason,
		Calls: []record.Call{{API: "anthropic", Model: "judge-model", Status: 200, Tokens: record.Tokens{Input: in, Output: out}}}}
	return r
}

func TestJudgeScoresMakeTheQualityAndStayOutOfTheWorkflowFigures(t *testing.T) {
	s := load(t, qualitySpec)
	tok := record.Tokens{Input: 1000, Output: 100}
	son, hai := "anthropic_claude-3-5-sonnet", "anthropic_claude-3-haiku"
	recs := []record.Run{
		judged(cellRun(son, "anthropic", "claude-3-5-sonnet", 1, 5, tok), 7, "clear", 10000, 50),
		judged(cellRun(son, "anthropic", "claude-3-5-sonnet", 2, 5, tok), 9, "thorough", 10000, 50),
		judged(cellRun(hai, "anthropic", "claude-3-haiku", 1, 5, tok), 8, "fine", 10000, 50),
	}
	// The judge of haiku's second run failed: the run stays, without a score.
	failed := cellRun(hai, "anthropic", "claude-3-haiku", 2, 5, tok)
	failed.Judge = &record.Judge{Status: "failed", ExitCode: 1, Error: "exit code 1: ANTHROPIC_API_KEY is not set"}
	recs = append(recs, failed)
	sum := Compute(s, record.Benchmark{}, recs)
	cells := map[string]*Cell{}
	for _, c := range sum.Cells {
		cells[c.ID] = c
	}
	c := cells[son]
	if c.Quality == nil || *c.Quality != 8 || c.QualitySource != QualityJudged || c.QualityStddev == nil || *c.QualityStddev < 1.41 || *c.QualityStddev > 1.42 {
		t.Fatalf("sonnet: quality %v ± %v (%s), want the judge's mean 8 ± 1.41", c.Quality, c.QualityStddev, c.QualitySource)
	}
	// The workflow's own tokens and cost: 1000 in, 100 out per run, priced
	// at the claude price; the judge's 10,050 tokens are not in them.
	if c.Tokens.Mean != 1100 || c.InputTokens.Mean != 1000 {
		t.Errorf("sonnet tokens %v (input %v), want 1100 (1000): the judge's tokens leaked in", c.Tokens.Mean, c.InputTokens.Mean)
	}
	if want := (1000*3 + 100*15) / 1e6; c.Cost.Mean != want {
		t.Errorf("sonnet cost %v, want %v", c.Cost.Mean, want)
	}
	for _, p := range c.Phases {
		if p.Tokens.Mean > 1100 {
			t.Errorf("phase %s has %v tokens: the judge's leaked in", p.Name, p.Tokens.Mean)
		}
	}
	if j := c.Judge; j == nil || j.Judged != 2 || j.Tokens.Mean != 10050 || j.Cost.N != 2 || j.Cost.Mean != (10000*1+50*2)/1e6 {
		t.Errorf("sonnet judge stats %+v, want 2 judged, 10050 tokens and its own cost per run", j)
	}
	h := cells[hai]
	if h.Runs != 2 || h.Judge.Judged != 1 || h.Judge.Missing != 1 || *h.Quality != 8 {
		t.Errorf("haiku: %d runs, judge %+v, quality %v: a failed judge must keep the run and drop only its score", h.Runs, h.Judge, *h.Quality)
	}
	found := false
	for _, n := range h.Judge.Notes {
		found = found || n.Score == nil && strings.Contains(n.Reason, "ANTHROPIC_API_KEY")
	}
	if !found {
		t.Errorf("haiku judge notes %+v: the failed judge's reason is not shown", h.Judge.Notes)
	}
	if sum.Judge == nil || sum.Judge.Runs != 4 || sum.Judge.Scored != 3 || sum.Judge.Tokens.Total() != 30150 {
		t.Errorf("judge totals %+v, want 4 runs, 3 scored, 30150 tokens", sum.Judge)
	}
	if got := RunsCostTotal(sum); got != 4*(1000*3+100*15)/1e6 {
		t.Errorf("workflow cost over runs %v: must not hold the judge's", got)
	}
}

// RunsCostTotal adds up the runs' own costs.
func RunsCostTotal(sum *Summary) float64 {
	t := 0.0
	for _, r := range sum.Runs {
		if r.Cost != nil {
			t += *r.Cost
		}
	}
	return t
}

func TestRecommendationsUseJudgedQuality(t *testing.T) {
	s := load(t, qualitySpec+`thresholds:
  - name: Time
    target: total.time.mean < 10
`)
	tok := record.Tokens{Input: 1000, Output: 100}
	son, hai, gpt, lla := "anthropic_claude-3-5-sonnet", "anthropic_claude-3-haiku", "openai_gpt-4o", "ollama_llama3"
	recs := []record.Run{
		judged(cellRun(son, "anthropic", "claude-3-5-sonnet", 1, 5, tok), 6, "", 10, 1),
		judged(cellRun(hai, "anthropic", "claude-3-haiku", 1, 5, record.Tokens{Input: 100, Output: 10}), 7, "", 10, 1),
		// gpt-4o is typed 5 and has no judge: the judged cells win quality.
		cellRun(gpt, "openai", "gpt-4o", 1, 5, tok),
		// llama is free and judged best, but fails its time target.
		judged(cellRun(lla, "ollama", "llama3", 1, 50, tok), 9.5, "", 10, 1),
	}
	sum := Compute(s, record.Benchmark{}, recs)
	picks := map[string]string{}
	for _, p := range sum.Ranking {
		picks[p.Priority] = p.Cell
	}
	if picks["quality"] != lla {
		t.Errorf("quality pick %q, want the best judged %s", picks["quality"], lla)
	}
	if picks["balance"] != hai {
		t.Errorf("balance pick %q, want %s: the best quality per dollar among cells that pass (llama fails its target)", picks["balance"], hai)
	}
}

// When no cell that passes is judged, Balance falls back to the typed
// scores of the cells that pass rather than naming nothing.
func TestBalanceFallsBackToTypedAmongPassingCells(t *testing.T) {
	s := load(t, qualitySpec+`thresholds:
  - name: Time
    target: total.time.mean < 10
`)
	tok := record.Tokens{Input: 1000, Output: 100}
	recs := []record.Run{
		judged(cellRun("anthropic_claude-3-5-sonnet", "anthropic", "claude-3-5-sonnet", 1, 50, tok), 9, "", 10, 1), // judged, fails
		cellRun("openai_gpt-4o", "openai", "gpt-4o", 1, 5, tok),                                                    // typed 5, passes
	}
	sum := Compute(s, record.Benchmark{}, recs)
	picks := map[string]Pick{}
	for _, p := range sum.Ranking {
		picks[p.Priority] = p
	}
	if p := picks["quality"]; p.Cell != "anthropic_claude-3-5-sonnet" || !strings.Contains(p.Why, "judged") {
		t.Errorf("quality pick %+v, want the judged cell", p)
	}
	if p := picks["balance"]; p.Cell != "openai_gpt-4o" || !strings.Contains(p.Why, "typed") {
		t.Errorf("balance pick %+v, want the passing typed cell, saying typed", p)
	}
}
