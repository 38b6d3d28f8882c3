package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// Kinds of benchmark: only live ones are in trends and rules unless asked.
const (
	KindLive   = "live"
	KindDryRun = "dry-run" // against the simulator
	KindReplay = "replay"  // answers replayed from a recording
)

// Entry is one finished benchmark as the store keeps it.
type Entry struct {
	Spec       *spec.Spec
	Bench      record.Benchmark
	Summary    *results.Summary
	Dir        string // its output folder
	SpecSource []byte // spec.yaml as the folder keeps it
}

// BenchmarkID identifies a benchmark by what never changes once it has
// started, so recording it live and importing its folder later write the
// same rows.
func BenchmarkID(bm record.Benchmark) string {
	h := sha256.Sum256([]byte(bm.Spec + "\x00" + stamp(bm.Started) + "\x00" + bm.Host))
	return hex.EncodeToString(h[:8])
}

// Kind classifies a benchmark.
func Kind(bm record.Benchmark) string {
	switch {
	case bm.Replayed != nil:
		return KindReplay
	case bm.Simulated || bm.Options.DryRun:
		return KindDryRun
	}
	return KindLive
}

var tables = []string{"benchmarks", "cells", "runs", "run_values", "run_tokens", "calls", "benchmark_prices"}

// Record writes e in one transaction, replacing what the store held of the
// same benchmark: writing it twice (a re-render, an import after a live
// write) leaves the store as once.
func (s *Store) Record(ctx context.Context, e Entry) (string, error) {
	id := BenchmarkID(e.Bench)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", s.wrap(err)
	}
	defer tx.Rollback()
	if err := s.record(ctx, tx, id, e); err != nil {
		return "", s.wrap(err)
	}
	if err := tx.Commit(); err != nil {
		return "", s.wrap(err)
	}
	return id, nil
}

func (s *Store) wrap(err error) error {
	return fmt.Errorf("history %s: %w", s.Target(), err)
}

func (s *Store) record(ctx context.Context, tx *sql.Tx, id string, e Entry) error {
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, s.q(query), args...)
		return err
	}
	for _, t := range tables {
		col := "benchmark_id"
		if t == "benchmarks" {
			col = "id"
		}
		if err := exec("DELETE FROM "+t+" WHERE "+col+" = ?", id); err != nil {
			return err
		}
	}
	bm := e.Bench
	opts, _ := json.Marshal(bm.Options)
	sh := sha256.Sum256(e.SpecSource)
	title := ""
	if e.Summary != nil {
		title = e.Summary.Title
	}
	finished := ""
	if !bm.Finished.IsZero() {
		finished = stamp(bm.Finished)
	}
	if err := exec(`INSERT INTO benchmarks (id, spec, spec_hash, title, started, finished, git_commit, host, runner_version, kind, stop_reason, options, dir, recorded)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, bm.Spec, hex.EncodeToString(sh[:]), title, stamp(bm.Started), finished, bm.GitCommit, bm.Host, bm.RunnerVersion,
		Kind(bm), bm.StopReason, string(opts), e.Dir, stamp(time.Now())); err != nil {
		return err
	}
	sum := e.Summary
	for _, c := range sum.Cells {
		mx, _ := json.Marshal(c.Matrix)
		if c.Matrix == nil {
			mx = []byte("{}")
		}
		if err := exec("INSERT INTO cells (benchmark_id, cell, provider, model, matrix, runs, failures, rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			id, c.ID, c.Provider, c.Model, string(mx), c.Runs, c.Failures, string(c.Rating)); err != nil {
			return err
		}
	}
	insValue, err := tx.PrepareContext(ctx, s.q("INSERT INTO run_values (benchmark_id, cell, run, metric, value) VALUES (?, ?, ?, ?, ?)"))
	if err != nil {
		return err
	}
	defer insValue.Close()
	models := map[string]bool{}
	type callKey struct{ cell, model string }
	type callSum struct {
		calls, errors int
		latency       float64
		in, out       int64
	}
	calls := map[callKey]*callSum{}
	for _, r := range sum.Runs {
		if r.Warmup || r.Status == record.StatusSkipped {
			continue
		}
		if err := exec(`INSERT INTO runs (benchmark_id, cell, run, status, started, wall_s, cpu_s, peak_rss_mb, input_tokens, output_tokens, cached_input_tokens, cost_usd)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.Cell, r.Index, r.Status, stamp(r.Started), r.WallSeconds, r.UserSeconds+r.SysSeconds, r.PeakRSSMB,
			r.Tokens.Input, r.Tokens.Output, r.Tokens.CachedInput, r.Cost); err != nil {
			return err
		}
		for _, c := range r.Calls {
			k := callKey{r.Cell, c.Model}
			cs := calls[k]
			if cs == nil {
				cs = &callSum{}
				calls[k] = cs
			}
			cs.calls++
			if c.Failed() {
				cs.errors++
			}
			cs.latency += c.LatencyS
			cs.in += c.Input
			cs.out += c.Output
		}
		if !r.OK() {
			continue // a failed run's values are in no trend
		}
		vals := results.RunMetrics(r, sum.Phases)
		names := make([]string, 0, len(vals))
		for k := range vals {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if _, err := insValue.ExecContext(ctx, id, r.Cell, r.Index, k, vals[k]); err != nil {
				return err
			}
		}
		if r.Unmetered != "" {
			continue
		}
		for model, t := range results.ModelTokens(r.Run) {
			if t.Total() == 0 {
				continue
			}
			models[model] = true
			if err := exec(`INSERT INTO run_tokens (benchmark_id, cell, run, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, r.Cell, r.Index, model, t.Input, t.Output, t.CachedInput, t.CacheWrite); err != nil {
				return err
			}
		}
	}
	for k, cs := range calls {
		if err := exec("INSERT INTO calls (benchmark_id, cell, model, calls, errors, latency_s, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			id, k.cell, k.model, cs.calls, cs.errors, cs.latency, cs.in, cs.out); err != nil {
			return err
		}
	}
	prices := results.NewPrices(e.Spec.Pricing)
	for model := range models {
		pe, ok := prices.Lookup(model)
		if !ok {
			continue
		}
		card := cardID(pe)
		var first string
		err := tx.QueryRowContext(ctx, s.q("SELECT first_seen FROM price_cards WHERE card = ?"), card).Scan(&first)
		switch {
		case err == sql.ErrNoRows:
			// Two writers may both find none: the second insert does nothing.
			if err := exec(`INSERT INTO price_cards (card, pattern, input, output, cached_input, cache_write, source, first_seen)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (card) DO NOTHING`,
				card, pe.Pattern, pe.Input, pe.Output, pe.CachedInput, pe.CacheWrite, pe.Source, stamp(bm.Started)); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		// An older benchmark imported later moves the first sighting back.
		if err := exec("UPDATE price_cards SET first_seen = ? WHERE card = ? AND first_seen > ?", stamp(bm.Started), card, stamp(bm.Started)); err != nil {
			return err
		}
		if err := exec("INSERT INTO benchmark_prices (benchmark_id, model, card) VALUES (?, ?, ?)", id, model, card); err != nil {
			return err
		}
	}
	return nil
}

// cardID names a price card by its content.
func cardID(pe spec.PriceEntry) string {
	b, _ := json.Marshal(struct {
		Pattern string
		spec.Price
		Source string
	}{pe.Pattern, pe.Price, pe.Source})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
