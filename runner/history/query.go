package history

import (
	"context"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/runner-bench/runner/runner/changepoint"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// Benchmark is one stored benchmark as `runner history` lists it.
type Benchmark struct {
	ID       string    `json:"id"`
	Spec     string    `json:"spec"`
	Started  time.Time `json:"started"`
	Commit   string    `json:"commit,omitempty"`
	Host     string    `json:"host"`
	Kind     string    `json:"kind"`
	Cells    int       `json:"cells"`
	Runs     int       `json:"runs"`
	Failures int       `json:"failures"`
	Dir      string    `json:"dir"`
}

// List returns the stored benchmarks, newest first; specName "" lists all.
func (s *Store) List(ctx context.Context, specName string) ([]Benchmark, error) {
	query := `SELECT b.id, b.spec, b.started, b.git_commit, b.host, b.kind, b.dir,
		COUNT(c.cell), COALESCE(SUM(c.runs), 0), COALESCE(SUM(c.failures), 0)
		FROM benchmarks b LEFT JOIN cells c ON c.benchmark_id = b.id`
	var args []any
	if specName != "" {
		query += " WHERE b.spec = ?"
		args = append(args, specName)
	}
	query += " GROUP BY b.id, b.spec, b.started, b.git_commit, b.host, b.kind, b.dir ORDER BY b.started DESC, b.id"
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []Benchmark
	for rows.Next() {
		var b Benchmark
		var started string
		if err := rows.Scan(&b.ID, &b.Spec, &started, &b.Commit, &b.Host, &b.Kind, &b.Dir, &b.Cells, &b.Runs, &b.Failures); err != nil {
			return nil, s.wrap(err)
		}
		b.Started = parseStamp(started)
		out = append(out, b)
	}
	return out, s.wrapNil(rows.Err())
}

func (s *Store) wrapNil(err error) error {
	if err == nil {
		return nil
	}
	return s.wrap(err)
}

// benchmarks returns the spec's benchmarks of the given kinds, oldest
// first, the last `last` of them (0: all), leaving out exclude and those
// started at or after before (zero: no bound).
func (s *Store) benchmarks(ctx context.Context, specName string, kinds []string, last int, exclude string, before time.Time) ([]Benchmark, error) {
	query := "SELECT id, started, git_commit, kind, dir FROM benchmarks WHERE spec = ? AND id <> ?"
	args := []any{specName, exclude}
	if !before.IsZero() {
		query += " AND started < ?"
		args = append(args, stamp(before))
	}
	if len(kinds) > 0 {
		query += " AND kind IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ") + ")"
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	query += " ORDER BY started DESC, id"
	if last > 0 {
		query += fmt.Sprintf(" LIMIT %d", last)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []Benchmark
	for rows.Next() {
		var b Benchmark
		var started string
		if err := rows.Scan(&b.ID, &started, &b.Commit, &b.Kind, &b.Dir); err != nil {
			return nil, s.wrap(err)
		}
		b.Spec, b.Started = specName, parseStamp(started)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// DefaultWindow is how many earlier benchmarks rules and the report read.
const DefaultWindow = 10

// Prior reads the earlier benchmarks of bm's spec and kind (at most
// window), for results.WithHistory.
func (s *Store) Prior(ctx context.Context, bm record.Benchmark, window int) (*results.History, error) {
	h := &results.History{Store: s.Target(), Window: window, Prior: map[string][]results.PriorBenchmark{}}
	bs, err := s.benchmarks(ctx, bm.Spec, []string{Kind(bm)}, window, BenchmarkID(bm), bm.Started)
	if err != nil || len(bs) == 0 {
		return h, err
	}
	ids := make([]any, len(bs))
	pos := map[string]int{}
	for i, b := range bs {
		ids[i] = b.ID
		pos[b.ID] = i
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT benchmark_id, cell, metric, runs, vals FROM run_series WHERE benchmark_id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")"), ids...)
	if err != nil {
		return h, s.wrap(err)
	}
	defer rows.Close()
	byCell := map[string][]results.PriorBenchmark{}
	for rows.Next() {
		var id, cell, metric, runs, vals string
		if err := rows.Scan(&id, &cell, &metric, &runs, &vals); err != nil {
			return h, s.wrap(err)
		}
		rs, err := parseSeries(runs, vals)
		if err != nil {
			return h, s.wrap(err)
		}
		list := byCell[cell]
		if list == nil {
			list = make([]results.PriorBenchmark, len(bs))
			for i, b := range bs {
				list[i] = results.PriorBenchmark{ID: b.ID, Started: b.Started, Commit: b.Commit, Values: map[string][]float64{}}
			}
			byCell[cell] = list
		}
		p := &list[pos[id]]
		p.Values[metric] = append(p.Values[metric], rs.vals...)
	}
	if err := rows.Err(); err != nil {
		return h, s.wrap(err)
	}
	for cell, list := range byCell {
		var kept []results.PriorBenchmark
		for _, p := range list {
			if len(p.Values) > 0 { // the cell ran in that benchmark
				kept = append(kept, p)
			}
		}
		h.Prior[cell] = kept
	}
	return h, nil
}

// Query selects a trend.
type Query struct {
	Spec       string
	Cell       string // glob over cell IDs; "" = every cell
	Metric     string // as rules name it: total.time, cost, phase("X").time, ...
	Last       int    // the last N benchmarks; 0 = all
	IncludeDry bool   // also dry-run and replayed benchmarks
	// Reprice shows cost at today's prices (the card of the newest
	// benchmark that priced each model) instead of those then in force.
	Reprice bool
}

// Point is one benchmark of a cell's trend.
type Point struct {
	Benchmark string    `json:"benchmark"`
	Started   time.Time `json:"started"`
	Commit    string    `json:"commit,omitempty"`
	Kind      string    `json:"kind"`
	N         int       `json:"n"` // successful runs with a value
	Median    float64   `json:"median"`
	// Lo and Hi bound the median at 95% confidence; nil when too few runs
	// allow an interval (benchmath needs 6), never the median twice.
	Lo     *float64 `json:"ci_lo,omitempty"`
	Hi     *float64 `json:"ci_hi,omitempty"`
	values []float64
}

// Shift is a change point of a cell's trend.
type Shift struct {
	Benchmark string    `json:"benchmark"` // the first benchmark after the shift
	Started   time.Time `json:"started"`
	Commit    string    `json:"commit,omitempty"`
	Before    float64   `json:"before"`
	After     float64   `json:"after"`
	Pct       float64   `json:"pct"`
	P         float64   `json:"p"` // of the E-divisive permutation test
}

// Series is one cell's trend.
type Series struct {
	Cell    string  `json:"cell"`
	Points  []Point `json:"points"`
	Changes []Shift `json:"change_points"`
}

// Trend is the answer to a Query.
type Trend struct {
	Spec     string   `json:"spec"`
	Metric   string   `json:"metric"`
	Unit     string   `json:"unit"`
	Repriced bool     `json:"repriced,omitempty"`
	Series   []Series `json:"cells"`
}

// Trend reads each matching cell's series of a metric and finds its
// change points.
func (s *Store) Trend(ctx context.Context, q Query) (*Trend, error) {
	if q.Metric == "" {
		q.Metric = "total.time"
	}
	kinds := []string{KindLive}
	if q.IncludeDry {
		kinds = nil
	}
	bs, err := s.benchmarks(ctx, q.Spec, kinds, q.Last, "", time.Time{})
	if err != nil {
		return nil, err
	}
	t := &Trend{Spec: q.Spec, Metric: q.Metric, Unit: results.MetricUnit(q.Metric), Repriced: q.Reprice && q.Metric == "cost"}
	if len(bs) == 0 {
		return t, nil
	}
	pos := map[string]int{}
	for i, b := range bs {
		pos[b.ID] = i
	}
	cells, err := s.cells(ctx, q.Spec, q.Cell)
	if err != nil {
		return nil, err
	}
	var today map[string]spec.Price
	if t.Repriced {
		if today, err = s.todaysPrices(ctx, q.Spec); err != nil {
			return nil, err
		}
	}
	for _, cell := range cells {
		vals, err := s.cellValues(ctx, cell, q.Metric, pos, today, t.Repriced)
		if err != nil {
			return nil, err
		}
		sr := Series{Cell: cell}
		series := make([][]float64, 0, len(bs))
		var at []int
		for i, b := range bs {
			v := vals[i]
			if len(v) == 0 {
				continue
			}
			p := Point{Benchmark: b.ID, Started: b.Started, Commit: b.Commit, Kind: b.Kind, N: len(v), values: v}
			sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(append([]float64(nil), v...), &benchmath.DefaultThresholds), 0.95)
			p.Median = sum.Center
			if lo, hi := sum.Lo, sum.Hi; len(sum.Warnings) == 0 && finite(lo) && finite(hi) {
				p.Lo, p.Hi = &lo, &hi
			}
			sr.Points = append(sr.Points, p)
			series = append(series, v)
			at = append(at, len(sr.Points)-1)
		}
		if len(sr.Points) == 0 {
			continue
		}
		for _, cp := range changepoint.Detect(series) {
			p := sr.Points[at[cp.Index]]
			sr.Changes = append(sr.Changes, Shift{Benchmark: p.Benchmark, Started: p.Started, Commit: p.Commit,
				Before: cp.Before, After: cp.After, Pct: cp.Pct, P: cp.P})
		}
		t.Series = append(t.Series, sr)
	}
	return t, nil
}

// cells lists the spec's cell IDs matching glob, sorted.
func (s *Store) cells(ctx context.Context, specName, glob string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT DISTINCT c.cell FROM cells c JOIN benchmarks b ON b.id = c.benchmark_id WHERE b.spec = ?"), specName)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, s.wrap(err)
		}
		if glob == "" {
			out = append(out, c)
			continue
		}
		if ok, err := path.Match(glob, c); err != nil {
			return nil, fmt.Errorf("--cell %q: %v", glob, err)
		} else if ok {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out, s.wrapNil(rows.Err())
}

// cellValues returns a cell's run values of metric per benchmark position.
func (s *Store) cellValues(ctx context.Context, cell, metric string, pos map[string]int, today map[string]spec.Price, reprice bool) (map[int][]float64, error) {
	out := map[int][]float64{}
	if reprice {
		return s.repriced(ctx, cell, pos, today)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT benchmark_id, runs, vals FROM run_series WHERE cell = ? AND metric = ?"), cell, metric)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, runs, vals string
		if err := rows.Scan(&id, &runs, &vals); err != nil {
			return nil, s.wrap(err)
		}
		i, ok := pos[id]
		if !ok {
			continue
		}
		rs, err := parseSeries(runs, vals)
		if err != nil {
			return nil, s.wrap(err)
		}
		out[i] = append(out[i], rs.vals...)
	}
	return out, s.wrapNil(rows.Err())
}

// repriced prices each successful run's tokens at today's prices.
func (s *Store) repriced(ctx context.Context, cell string, pos map[string]int, today map[string]spec.Price) (map[int][]float64, error) {
	type key struct {
		id  string
		run int
	}
	// The runs with a cost: those of the cost series.
	rows, err := s.db.QueryContext(ctx, s.q("SELECT benchmark_id, runs, vals FROM run_series WHERE cell = ? AND metric = 'cost' ORDER BY benchmark_id"), cell)
	if err != nil {
		return nil, s.wrap(err)
	}
	var order []key
	for rows.Next() {
		var id, runs, vals string
		if err := rows.Scan(&id, &runs, &vals); err != nil {
			rows.Close()
			return nil, s.wrap(err)
		}
		if _, ok := pos[id]; !ok {
			continue
		}
		rs, err := parseSeries(runs, vals)
		if err != nil {
			rows.Close()
			return nil, s.wrap(err)
		}
		for _, r := range rs.runs {
			order = append(order, key{id, r})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err)
	}
	cost := map[key]float64{}
	unpriced := map[key]bool{}
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT benchmark_id, run, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens
		FROM run_tokens WHERE cell = ?`), cell)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var model string
		var t record.Tokens
		if err := rows.Scan(&k.id, &k.run, &model, &t.Input, &t.Output, &t.CachedInput, &t.CacheWrite); err != nil {
			return nil, s.wrap(err)
		}
		if _, ok := pos[k.id]; !ok {
			continue
		}
		pr, ok := today[model]
		if !ok {
			unpriced[k] = true
			continue
		}
		cost[k] += results.Cost(pr, t) // a run with no tokens costs nothing at any price
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err)
	}
	out := map[int][]float64{}
	for _, k := range order {
		if !unpriced[k] {
			out[pos[k.id]] = append(out[pos[k.id]], cost[k])
		}
	}
	return out, nil
}

// todaysPrices is, per model, the price card of the newest benchmark of
// the spec that priced it.
func (s *Store) todaysPrices(ctx context.Context, specName string) (map[string]spec.Price, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT bp.model, pc.input, pc.output, pc.cached_input, pc.cache_write
		FROM benchmark_prices bp JOIN benchmarks b ON b.id = bp.benchmark_id JOIN price_cards pc ON pc.card = bp.card
		WHERE b.spec = ? ORDER BY b.started DESC`), specName)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := map[string]spec.Price{}
	for rows.Next() {
		var model string
		var p spec.Price
		if err := rows.Scan(&model, &p.Input, &p.Output, &p.CachedInput, &p.CacheWrite); err != nil {
			return nil, s.wrap(err)
		}
		if _, ok := out[model]; !ok {
			out[model] = p
		}
	}
	return out, s.wrapNil(rows.Err())
}

// PriceCard is one stored price card.
type PriceCard struct {
	Pattern     string    `json:"pattern"`
	Input       float64   `json:"input"`
	Output      float64   `json:"output"`
	CachedInput *float64  `json:"cached_input,omitempty"`
	CacheWrite  *float64  `json:"cache_write,omitempty"`
	Source      string    `json:"source"`
	FirstSeen   time.Time `json:"first_seen"`
}

// Prices lists the price cards the spec's benchmarks used, by pattern and
// first sighting.
func (s *Store) Prices(ctx context.Context, specName string) ([]PriceCard, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT DISTINCT pc.pattern, pc.input, pc.output, pc.cached_input, pc.cache_write, pc.source, pc.first_seen
		FROM price_cards pc JOIN benchmark_prices bp ON bp.card = pc.card JOIN benchmarks b ON b.id = bp.benchmark_id
		WHERE b.spec = ? ORDER BY pc.pattern, pc.first_seen`), specName)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []PriceCard
	for rows.Next() {
		var c PriceCard
		var first string
		if err := rows.Scan(&c.Pattern, &c.Input, &c.Output, &c.CachedInput, &c.CacheWrite, &c.Source, &first); err != nil {
			return nil, s.wrap(err)
		}
		c.FirstSeen = parseStamp(first)
		out = append(out, c)
	}
	return out, s.wrapNil(rows.Err())
}

func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }
