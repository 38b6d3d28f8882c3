package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// litellmSample is a cut of LiteLLM's model_prices_and_context_window.json.
const litellmSample = `{
  "sample_spec": {"max_tokens": "LEGACY parameter", "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "one of https://docs.litellm.ai/docs/providers"},
  "gpt-4o": {"max_tokens": 16384, "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06, "litellm_provider": "openai", "mode": "chat"},
  "claude-3-5-sonnet-20241022": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "cache_creation_input_token_cost": 3.75e-06, "cache_read_input_token_cost": 3e-07, "litellm_provider": "anthropic"},
  "gemini/gemini-1.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 5e-06, "litellm_provider": "gemini"},
  "vertex_ai/gemini-1.5-pro": {"input_cost_per_token": 9e-06, "output_cost_per_token": 9e-06, "litellm_provider": "vertex_ai"},
  "text-embedding-3-small": {"input_cost_per_token": 2e-08, "output_cost_per_token": 0.0, "mode": "embedding"},
  "dall-e-3": {"mode": "image_generation", "output_cost_per_pixel": 0.0},
  "weird/model": {"input_cost_per_token": "free", "output_cost_per_token": 0}
}`

func TestReadLiteLLM(t *testing.T) {
	entries, err := ReadLiteLLM([]byte(litellmSample), "prices.json")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]PriceEntry{}
	for _, e := range entries {
		if _, dup := byKey[e.Pattern]; dup {
			t.Errorf("%q entered twice", e.Pattern)
		}
		byKey[e.Pattern] = e
	}
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		key  string
		want *Price // nil: absent
	}{
		{"gpt-4o", &Price{Input: 2.5, Output: 10, CachedInput: f(1.25)}},
		{"claude-3-5-sonnet-20241022", &Price{Input: 3, Output: 15, CachedInput: f(0.3), CacheWrite: f(3.75)}},
		{"gemini/gemini-1.5-pro", &Price{Input: 1.25, Output: 5}},
		{"vertex_ai/gemini-1.5-pro", &Price{Input: 9, Output: 9}},
		{"gemini-1.5-pro", &Price{Input: 1.25, Output: 5}}, // bare alias prefers the gemini API's price
		{"text-embedding-3-small", &Price{Input: 0.02}},
		{"sample_spec", nil},
		{"dall-e-3", nil},
		{"weird/model", nil},
		{"model", nil},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := byKey[tt.key]
			if tt.want == nil {
				if ok {
					t.Fatalf("want no entry, got %+v", got)
				}
				return
			}
			if !ok {
				t.Fatalf("no entry")
			}
			if got.Source != "prices.json" {
				t.Errorf("source %q", got.Source)
			}
			if got.Input != tt.want.Input || got.Output != tt.want.Output ||
				!eqPtr(got.CachedInput, tt.want.CachedInput) || !eqPtr(got.CacheWrite, tt.want.CacheWrite) {
				t.Errorf("got %+v (cached %v, write %v), want %+v", got.Price, deref(got.CachedInput), deref(got.CacheWrite), *tt.want)
			}
		})
	}
}

func eqPtr(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestLoadPricingFile(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "model_prices.json")
	if err := os.WriteFile(prices, []byte(litellmSample), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "name: p\ncommand: x\npricing:\n  gpt-4o: { input: 1, output: 2 }\npricing_file: " + prices + "\n"
	path := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Pricing[0].Pattern != "gpt-4o" || s.Pricing[0].Source != "spec" {
		t.Errorf("the spec's own entries come first, got %+v", s.Pricing[0])
	}
	sum := sha256.Sum256([]byte(litellmSample))
	if s.PricingFileInfo == nil || s.PricingFileInfo.Path != prices || s.PricingFileInfo.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("PricingFileInfo = %+v", s.PricingFileInfo)
	}

	os.WriteFile(path, []byte("name: p\ncommand: x\npricing_file: nowhere.json\n"), 0o644)
	if _, err := Load(path, nil); err == nil {
		t.Error("a missing pricing file loads")
	} else if want := "spec.yaml:3:15: pricing_file: loading pricing file"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}
