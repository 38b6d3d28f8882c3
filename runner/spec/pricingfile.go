package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/runner-bench/runner/runner/llmapi"
)

// PricingFileInfo names the price table a spec's pricing_file loaded: the
// path as written and the sha256 of its bytes, so a report can say which
// prices it used.
type PricingFileInfo struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Models int    `json:"models"` // entries taken from the file
}

// litellmEntry is the part of a LiteLLM model_prices_and_context_window.json
// entry the runner reads; prices are USD per token.
type litellmEntry struct {
	Input      *float64 `json:"input_cost_per_token"`
	Output     *float64 `json:"output_cost_per_token"`
	CacheRead  *float64 `json:"cache_read_input_token_cost"`
	CacheWrite *float64 `json:"cache_creation_input_token_cost"`
	Provider   string   `json:"litellm_provider"`
}

// preferredPrefixes decide which provider's price a bare model name gets when
// the file lists it only under several "provider/model" keys: the APIs the
// runner meters first, in this order, then the first key in sorted order.
var preferredPrefixes = llmapi.APIs

// ReadLiteLLM reads a LiteLLM model price file into price entries (USD per
// 1M tokens) whose Source is source. A key "provider/model" is entered as is
// and, when the file has no bare "model" key, also as "model". Entries
// without an input or output price (and the file's "sample_spec") are
// skipped; an entry whose prices are not numbers is skipped too, since the
// file is maintained by hand upstream.
func ReadLiteLLM(data []byte, source string) (Pricing, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a LiteLLM price file (a JSON object of model name to prices): %w", err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	byKey := map[string]Price{}
	for _, k := range keys {
		if k == "sample_spec" {
			continue
		}
		var e litellmEntry
		if err := json.Unmarshal(raw[k], &e); err != nil || e.Input == nil && e.Output == nil {
			continue
		}
		byKey[k] = Price{
			Input:       perMillion(e.Input),
			Output:      perMillion(e.Output),
			CachedInput: optPerMillion(e.CacheRead),
			CacheWrite:  optPerMillion(e.CacheWrite),
		}
	}
	// Bare aliases of prefixed keys, preferring the runner's own APIs.
	alias := map[string]string{} // bare -> chosen full key
	rank := func(full string) int {
		prefix, _, _ := strings.Cut(full, "/")
		for i, p := range preferredPrefixes {
			if string(p) == prefix {
				return i
			}
		}
		return len(preferredPrefixes)
	}
	for _, k := range keys {
		i := strings.LastIndexByte(k, '/')
		if _, ok := byKey[k]; !ok || i < 0 {
			continue
		}
		bare := k[i+1:]
		if _, exists := byKey[bare]; exists || bare == "" {
			continue
		}
		if cur, ok := alias[bare]; !ok || rank(k) < rank(cur) {
			alias[bare] = k
		}
	}
	var out Pricing
	for _, k := range keys {
		if p, ok := byKey[k]; ok {
			out = append(out, PriceEntry{Pattern: k, Price: p, Source: source})
		}
	}
	bares := make([]string, 0, len(alias))
	for b := range alias {
		bares = append(bares, b)
	}
	sort.Strings(bares)
	for _, b := range bares {
		out = append(out, PriceEntry{Pattern: b, Price: byKey[alias[b]], Source: source})
	}
	return out, nil
}

// perMillion converts USD per token to USD per 1M tokens, rounded to 1e-9 so
// 3e-06 becomes 3, not 2.9999999999999996.
func perMillion(v *float64) float64 {
	if v == nil {
		return 0
	}
	return math.Round(*v*1e6*1e9) / 1e9
}

func optPerMillion(v *float64) *float64 {
	if v == nil {
		return nil
	}
	p := perMillion(v)
	return &p
}

// loadPricingFile appends the entries of s.PricingFile after the spec's own
// pricing, which wins (see results.Prices). A relative path is taken from
// the working directory.
func (s *Spec) loadPricingFile() error {
	if s.PricingFile == "" {
		return nil
	}
	// A device or a huge file (pricing_file: /dev/zero) would be read until
	// memory ran out; LiteLLM's whole table is a few MB.
	const maxPricingFile = 64 << 20
	if fi, err := os.Stat(s.PricingFile); err == nil && (!fi.Mode().IsRegular() || fi.Size() > maxPricingFile) {
		return fmt.Errorf("loading pricing file: %s is not a JSON file of at most 64 MB", s.PricingFile)
	}
	data, err := os.ReadFile(s.PricingFile)
	if err != nil {
		return fmt.Errorf("loading pricing file: %w", err)
	}
	entries, err := ReadLiteLLM(data, s.PricingFile)
	if err != nil {
		return fmt.Errorf("loading pricing file %s: %w", s.PricingFile, err)
	}
	sum := sha256.Sum256(data)
	s.PricingFileInfo = &PricingFileInfo{Path: s.PricingFile, SHA256: hex.EncodeToString(sum[:]), Models: len(entries)}
	s.Pricing = append(s.Pricing, entries...)
	return nil
}
