package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/internal/jsonnum"
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

var tables = []string{"benchmarks", "cells", "runs", "run_series", "run_tokens", "calls", "benchmark_prices"}

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
	runRows := &batchInsert{ctx: ctx, tx: tx, q: s.q, cols: 12, batch: s.batchRows(),
		head: "INSERT INTO runs (benchmark_id, cell, run, status, started, wall_s, cpu_s, peak_rss_mb, input_tokens, output_tokens, cached_input_tokens, cost_usd) VALUES "}
	tokenRows := &batchInsert{ctx: ctx, tx: tx, q: s.q, cols: 8, batch: s.batchRows(),
		head: "INSERT INTO run_tokens (benchmark_id, cell, run, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens) VALUES "}
	type seriesKey struct{ cell, metric string }
	series := map[seriesKey]*runSeries{}
	models := map[string]bool{}
	type callKey struct{ cell, model string }
	type callSum struct {
		calls, errors int
		latency       float64
		in, out       int64
	}
	calls := map[callKey]*callSum{}
	runMetrics := results.RunMetricsOf(sum.Phases)
	for _, r := range sum.Runs {
		if r.Warmup || r.Status == record.StatusSkipped {
			continue
		}
		if err := runRows.add(id, r.Cell, r.Index, r.Status, stamp(r.Started), r.WallSeconds, r.UserSeconds+r.SysSeconds, r.PeakRSSMB,
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
		for k, v := range runMetrics(r) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue // no trend has a place for it
			}
			sk := seriesKey{r.Cell, k}
			rs := series[sk]
			if rs == nil {
				rs = &runSeries{}
				series[sk] = rs
			}
			rs.runs = append(rs.runs, r.Index)
			rs.vals = append(rs.vals, v)
		}
		if r.Unmetered != "" {
			continue
		}
		for model, t := range results.ModelTokens(r.Run) {
			if t.Total() == 0 {
				continue
			}
			models[model] = true
			if err := tokenRows.add(id, r.Cell, r.Index, model, t.Input, t.Output, t.CachedInput, t.CacheWrite); err != nil {
				return err
			}
		}
	}
	if err := errors.Join(runRows.flush(), tokenRows.flush()); err != nil {
		return err
	}
	keys := make([]seriesKey, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].cell < keys[j].cell || keys[i].cell == keys[j].cell && keys[i].metric < keys[j].metric
	})
	for _, k := range keys {
		rs := series[k]
		rs.sort()
		if err := exec("INSERT INTO run_series (benchmark_id, cell, metric, runs, vals) VALUES (?, ?, ?, ?, ?)",
			id, k.cell, k.metric, rs.runsText(), rs.valsText()); err != nil {
			return err
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

// batchInsert inserts rows a batch at a time, one statement each, the
// full batch's statement prepared once: a statement per row made recording
// a 500-run benchmark cost more than reading it back.
type batchInsert struct {
	ctx   context.Context
	tx    *sql.Tx
	q     func(string) string // the store's placeholders
	head  string              // "INSERT INTO t (cols) VALUES "
	cols  int
	batch int // rows per statement
	rows  int
	args  []any
	full  *sql.Stmt // the statement of batch rows
}

// batchRows is the rows per statement. PostgreSQL is a round trip per
// statement: 200 rows of 12 values stay far below its 65,535 parameters.
// SQLite has none, but parses the statement, and parsing grows with its
// rows: 10 rows record a 500-run benchmark in about half the time of 200
// (BenchmarkRecord500).
func (s *Store) batchRows() int {
	if s.pg {
		return 200
	}
	return 10
}

func (b *batchInsert) add(args ...any) error {
	b.args = append(b.args, args...)
	if b.rows++; b.rows < b.batch {
		return nil
	}
	if b.full == nil {
		var err error
		if b.full, err = b.tx.PrepareContext(b.ctx, b.query(b.batch)); err != nil {
			return err
		}
	}
	_, err := b.full.ExecContext(b.ctx, b.args...)
	b.rows, b.args = 0, b.args[:0]
	return err
}

// flush inserts the rows left and closes the prepared statement.
func (b *batchInsert) flush() error {
	var err error
	if b.rows > 0 {
		_, err = b.tx.ExecContext(b.ctx, b.query(b.rows), b.args...)
		b.rows, b.args = 0, nil
	}
	if b.full != nil {
		b.full.Close()
		b.full = nil
	}
	return err
}

func (b *batchInsert) query(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.cols), ", ") + ")"
	var q strings.Builder
	q.WriteString(b.head)
	for i := 0; i < rows; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	return b.q(q.String())
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

// runSeries is a cell's values of one metric in one benchmark: the
// successful runs, in order, and the value of each (table run_series).
type runSeries struct {
	runs []int
	vals []float64
}

// sort puts the runs in order, as a resumed or merged benchmark may not
// have recorded them.
func (rs *runSeries) sort() {
	if sort.IntsAreSorted(rs.runs) {
		return
	}
	sort.Sort(byRun{rs})
}

type byRun struct{ *runSeries }

func (b byRun) Len() int           { return len(b.runs) }
func (b byRun) Less(i, j int) bool { return b.runs[i] < b.runs[j] }
func (b byRun) Swap(i, j int) {
	b.runs[i], b.runs[j] = b.runs[j], b.runs[i]
	b.vals[i], b.vals[j] = b.vals[j], b.vals[i]
}

// runsText and valsText are the JSON arrays the store keeps: the runs as
// ranges ([[1,500]] for runs 1 to 500), the values in their shortest exact
// form.
func (rs *runSeries) runsText() string {
	b := []byte{'['}
	for i := 0; i < len(rs.runs); {
		j := i
		for j+1 < len(rs.runs) && rs.runs[j+1] == rs.runs[j]+1 {
			j++
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(rs.runs[i]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(rs.runs[j]), 10)
		b = append(b, ']')
		i = j + 1
	}
	return string(append(b, ']'))
}

func (rs *runSeries) valsText() string {
	b := make([]byte, 0, 12*len(rs.vals)+2)
	b = append(b, '[')
	for i, v := range rs.vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return string(append(b, ']'))
}

// parseSeries reads a run_series row's arrays back.
func parseSeries(runs, vals string) (*runSeries, error) {
	rs := &runSeries{}
	var ranges [][2]int
	if err := json.Unmarshal([]byte(runs), &ranges); err != nil {
		return nil, fmt.Errorf("run_series runs %.40q: %w", runs, err)
	}
	for _, r := range ranges {
		if r[1]-r[0] > 1<<24 {
			return nil, fmt.Errorf("run_series runs %.40q: a range of more than %d runs", runs, 1<<24)
		}
		for i := r[0]; i <= r[1]; i++ {
			rs.runs = append(rs.runs, i)
		}
	}
	var ok bool
	if rs.vals, ok = parseFloats(vals, len(rs.runs)); !ok {
		if err := json.Unmarshal([]byte(vals), &rs.vals); err != nil {
			return nil, fmt.Errorf("run_series vals %.40q: %w", vals, err)
		}
	}
	if len(rs.runs) != len(rs.vals) {
		return nil, fmt.Errorf("run_series: %d runs but %d values", len(rs.runs), len(rs.vals))
	}
	return rs, nil
}

// parseFloats reads a JSON array of numbers as valsText writes it ("[1.5,2]",
// no spaces) several times faster than encoding/json, which made reading a
// spec's prior benchmarks most of what comparing with history cost. ok is
// false for anything else (spaces, null, a malformed number), which is then
// left to encoding/json and its error. n is the expected length.
func parseFloats(s string, n int) (vals []float64, ok bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	s = s[1 : len(s)-1]
	vals = make([]float64, 0, n)
	for s != "" {
		num := s
		if i := strings.IndexByte(s, ','); i >= 0 {
			num, s = s[:i], s[i+1:]
			if s == "" {
				return nil, false // a trailing comma
			}
		} else {
			s = ""
		}
		if end, ok := jsonnum.Scan(num, 0); !ok || end != len(num) {
			return nil, false
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return nil, false
		}
		vals = append(vals, v)
	}
	return vals, true
}

// moveRunValues fills run_series from a version-1 store's run_values
// (migration 0002): read whole first, as PostgreSQL runs one statement at
// a time on a connection.
func (s *Store) moveRunValues(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT benchmark_id, cell, metric, run, value FROM run_values ORDER BY benchmark_id, cell, metric, run")
	if err != nil {
		return err
	}
	type key struct{ id, cell, metric string }
	var order []key
	all := map[key]*runSeries{}
	for rows.Next() {
		var k key
		var run int
		var v float64
		if err := rows.Scan(&k.id, &k.cell, &k.metric, &run, &v); err != nil {
			rows.Close()
			return err
		}
		rs := all[k]
		if rs == nil {
			rs = &runSeries{}
			all[k] = rs
			order = append(order, k)
		}
		rs.runs = append(rs.runs, run)
		rs.vals = append(rs.vals, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, s.q("INSERT INTO run_series (benchmark_id, cell, metric, runs, vals) VALUES (?, ?, ?, ?, ?)"))
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, k := range order {
		rs := all[k]
		if _, err := ins.ExecContext(ctx, k.id, k.cell, k.metric, rs.runsText(), rs.valsText()); err != nil {
			return err
		}
	}
	return nil
}
