package results

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// TestLiteLLMFilePricesARun prices runs from a LiteLLM price file, with the
// spec's own pricing winning even over an exact key of the file.
func TestLiteLLMFilePricesARun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prices := filepath.Join(dir, "model_prices_and_context_window.json")
	os.WriteFile(prices, []byte(`{
  "gemini/gemini-1.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 5e-06},
  "claude-3-5-sonnet-20241022": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 3e-07},
  "gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}
}`), 0o644)
	src := "name: p\ncommand: x\npricing:\n  \"gpt-*\": { input: 1, output: 1 }\npricing_file: " + prices + "\n"
	s, err := spec.Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	use := func(model string, tok record.Tokens) record.Run {
		return record.Run{Cell: model, Provider: "p", Model: model, Index: 1, Status: record.StatusOK, WallSeconds: 1,
			TokenSource: record.SourceEvents, Usage: []record.Usage{{Source: record.SourceEvents, Tokens: tok}}}
	}
	tests := []struct {
		model  string
		tok    record.Tokens
		want   float64
		source string
	}{
		{"gemini-1.5-pro", record.Tokens{Input: 1_000_000, Output: 100_000}, 1.25 + 0.5, prices},
		{"claude-3-5-sonnet-20241022", record.Tokens{Input: 1_000_000, CachedInput: 500_000, Output: 0}, 1.5 + 0.15, prices},
		{"gpt-4o", record.Tokens{Input: 1_000_000, Output: 1_000_000}, 2, "spec"}, // the spec's glob wins
	}
	var recs []record.Run
	for _, tt := range tests {
		recs = append(recs, use(tt.model, tt.tok))
	}
	sum := Compute(s, record.Benchmark{}, recs)
	if sum.PricingFile == nil || sum.PricingFile.Path != prices || len(sum.PricingFile.SHA256) != 64 {
		t.Fatalf("summary does not record the price table: %+v", sum.PricingFile)
	}
	for i, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			c := sum.Cells[i]
			if c.Cost.N != 1 || math.Abs(c.Cost.Mean-tt.want) > 1e-9 {
				t.Errorf("cost = %v (n=%d), want %v", c.Cost.Mean, c.Cost.N, tt.want)
			}
			if c.Price == nil || c.Price.Source != tt.source {
				t.Errorf("priced by %+v, want source %s", c.Price, tt.source)
			}
		})
	}
}
