// Package plan expands a spec's matrix into cells, checks each cell's
// requirements, and orders the (cell, run) pairs to execute, optionally as one
// shard of many. Apart from the requirement probes it does no I/O.
package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/spec"
)

// Cell is one point of the matrix: a provider, a model and the extra axes.
type Cell struct {
	ID       string
	Provider *spec.Provider
	Model    string
	Matrix   []KV   // extra axes in spec order
	Skip     string // why the cell will not run; "" when it will
}

// KV is one axis value of a cell.
type KV struct{ Key, Value string }

// MatrixMap returns the extra axes as a map.
func (c *Cell) MatrixMap() map[string]string {
	if len(c.Matrix) == 0 {
		return nil
	}
	m := make(map[string]string, len(c.Matrix))
	for _, kv := range c.Matrix {
		m[kv.Key] = kv.Value
	}
	return m
}

// Value returns the cell's value for an axis: provider, model or a matrix axis.
func (c *Cell) Value(axis string) (string, bool) {
	switch axis {
	case "provider":
		return c.Provider.Name, true
	case "model":
		return c.Model, true
	}
	for _, kv := range c.Matrix {
		if kv.Key == axis {
			return kv.Value, true
		}
	}
	return "", false
}

// Filter keeps cells whose axes all have the given values (--only).
type Filter map[string]string

// ParseFilter parses "provider=X,model=Y".
func ParseFilter(s string) (Filter, error) {
	f := Filter{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		k, v, ok := strings.Cut(part, "=")
		if !ok && part != "" && !strings.ContainsAny(part, " \t") {
			k, v = "", part // a bare value: checkFilters names its axis
		} else if !ok || k == "" {
			return nil, fmt.Errorf("--only %q: expected axis=value[,axis=value]", s)
		}
		if have, dup := f[k]; dup && k != "" {
			// Within one --only every axis=value must hold: two values of
			// one axis would select nothing, and a map would keep the last.
			return nil, fmt.Errorf("--only %q: %s is given twice (%s and %s); one --only selects cells that match all its pairs: to run both, write --only %s=%s --only %s=%s", s, k, have, v, k, have, k, v)
		}
		f[k] = v
	}
	return f, nil
}

func (f Filter) match(c *Cell) bool {
	for k, v := range f {
		if got, ok := c.Value(k); !ok || got != v {
			return false
		}
	}
	return true
}

// Expand returns the cells of the matrix in spec order (providers, then
// models, then each extra axis), less the spec's excludes. With filters, only
// cells matching at least one filter are kept; a filter naming an unknown
// axis or value is an error that lists what the matrix has.
func Expand(s *spec.Spec, only []Filter) ([]Cell, error) {
	if err := checkFilters(s, only); err != nil {
		return nil, err
	}
	var all []Cell
	for i := range s.Providers {
		p := &s.Providers[i]
		models := p.Models
		if len(models) == 0 {
			models = []string{""}
		}
		for _, m := range models {
			for _, combo := range product(s.Matrix) {
				all = append(all, Cell{Provider: p, Model: m, Matrix: combo})
			}
		}
	}
	// IDs are given over the whole matrix, before exclude and --only, so a
	// cell keeps its ID whichever cells run with it.
	if err := assignIDs(all); err != nil {
		return nil, err
	}
	if err := checkQuality(s, all); err != nil {
		return nil, err
	}
	var cells []Cell
	for _, c := range all {
		if excluded(&c, s.Exclude) || !selected(&c, only) {
			continue
		}
		cells = append(cells, c)
	}
	if len(cells) == 0 {
		if len(only) > 0 {
			all, _ := Expand(s, nil)
			return nil, fmt.Errorf("--only %s: no cell matches (after exclude); cells: %s", filtersText(only), cellList(all))
		}
		return nil, fmt.Errorf("no cells to run: the matrix is empty after exclude")
	}
	return cells, nil
}

// axisValues lists each axis's values in spec order: provider, model, then
// the matrix's own axes.
func axisValues(s *spec.Spec) (names []string, values map[string][]string) {
	values = map[string][]string{}
	add := func(axis, v string) {
		for _, have := range values[axis] {
			if have == v {
				return
			}
		}
		values[axis] = append(values[axis], v)
	}
	names = []string{"provider", "model"}
	for _, p := range s.Providers {
		add("provider", p.Name)
		for _, m := range p.Models {
			add("model", m)
		}
	}
	for _, a := range s.Matrix {
		names = append(names, a.Name)
		for _, v := range a.Values {
			add(a.Name, v)
		}
	}
	return names, values
}

// checkFilters rejects an --only that names an axis or a value the matrix
// does not have, listing what it has, so a typo does not read as "nothing
// to run".
func checkFilters(s *spec.Spec, only []Filter) error {
	names, values := axisValues(s)
	var errs []string
	for _, f := range only {
		for _, k := range slices.Sorted(maps.Keys(f)) {
			if k == "" {
				errs = append(errs, bareValue(f[k], names, values))
				continue
			}
			vs, ok := values[k]
			if !ok && k != "model" {
				msg := fmt.Sprintf("--only %s=%s: unknown axis %q", k, f[k], k)
				if near := spec.Closest(k, names); near != "" {
					msg += fmt.Sprintf("; did you mean %q?", near)
				}
				errs = append(errs, msg+"; axes: "+strings.Join(names, ", "))
				continue
			}
			found := false
			for _, v := range vs {
				found = found || v == f[k]
			}
			if found {
				continue
			}
			msg := fmt.Sprintf("--only %s=%s: no %s %q in the matrix", k, f[k], k, f[k])
			if near := spec.Closest(f[k], vs); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			if len(vs) == 0 {
				errs = append(errs, msg+"; no provider lists models")
			} else {
				errs = append(errs, msg+"; "+k+" values: "+strings.Join(vs, ", "))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// bareValue explains an --only value written without its axis, naming the
// axis that has it (or the nearest value) when there is one.
func bareValue(v string, names []string, values map[string][]string) string {
	msg := fmt.Sprintf("--only %s: expected axis=value", v)
	for _, axis := range names {
		if slices.Contains(values[axis], v) {
			return msg + fmt.Sprintf("; did you mean --only %s=%s?", axis, v)
		}
	}
	for _, axis := range names {
		if near := spec.Closest(v, values[axis]); near != "" {
			return msg + fmt.Sprintf("; did you mean --only %s=%s?", axis, near)
		}
	}
	return msg + "; axes: " + strings.Join(names, ", ")
}

func filtersText(only []Filter) string {
	var parts []string
	for _, f := range only {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(f)) {
			kv = append(kv, k+"="+f[k])
		}
		parts = append(parts, strings.Join(kv, ","))
	}
	return strings.Join(parts, " --only ")
}

func cellList(cells []Cell) string {
	var ids []string
	for _, c := range cells {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

func product(axes spec.Axes) [][]KV {
	combos := [][]KV{nil}
	for _, a := range axes {
		var next [][]KV
		for _, c := range combos {
			for _, v := range a.Values {
				row := append(append([]KV(nil), c...), KV{a.Name, v})
				next = append(next, row)
			}
		}
		combos = next
	}
	return combos
}

func excluded(c *Cell, rules []map[string]string) bool {
	for _, r := range rules {
		if Filter(r).match(c) {
			return true
		}
	}
	return false
}

func selected(c *Cell, only []Filter) bool {
	if len(only) == 0 {
		return true
	}
	for _, f := range only {
		if f.match(c) {
			return true
		}
	}
	return false
}

var unsafeRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// assignIDs names every cell. Two cells whose readable names would be the
// same (models "a/b" and "a:b" both read "a-b") each get a short hash of
// their exact values appended, so their logs and results stay apart; other
// cells keep the readable name alone.
func assignIDs(cells []Cell) error {
	n := map[string]int{}
	for i := range cells {
		cells[i].ID = cellID(&cells[i])
		n[cells[i].ID]++
	}
	owner := map[string]*Cell{}
	for i := range cells {
		c := &cells[i]
		if n[c.ID] > 1 {
			c.ID += "-" + cellHash(c)
		}
		if o, dup := owner[c.ID]; dup {
			return fmt.Errorf("cells %s and %s would both be named %q; rename a model or an axis value", o.describe(), c.describe(), c.ID)
		}
		owner[c.ID] = c
	}
	return nil
}

// cellHash is 6 hex digits of a hash of the cell's exact values.
func cellHash(c *Cell) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q\x00%q", c.Provider.Name, c.Model)
	for _, kv := range c.Matrix {
		fmt.Fprintf(h, "\x00%q=%q", kv.Key, kv.Value)
	}
	return hex.EncodeToString(h.Sum(nil))[:6]
}

// describe spells a cell's values, for messages.
func (c *Cell) describe() string {
	parts := []string{"provider=" + strconv.Quote(c.Provider.Name)}
	if c.Model != "" {
		parts = append(parts, "model="+strconv.Quote(c.Model))
	}
	for _, kv := range c.Matrix {
		parts = append(parts, kv.Key+"="+strconv.Quote(kv.Value))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// cellID names a cell in file names: provider_model[_axis-value...].
func cellID(c *Cell) string {
	parts := []string{c.Provider.Name}
	if c.Model != "" {
		parts = append(parts, c.Model)
	}
	for _, kv := range c.Matrix {
		parts = append(parts, kv.Key+"-"+kv.Value)
	}
	return unsafeRE.ReplaceAllString(strings.Join(parts, "_"), "-")
}

// CheckRequirements marks cells whose provider's requirements are unmet with
// the reason. Each provider is probed once; URL probes time out quickly.
func CheckRequirements(ctx context.Context, cells []Cell) {
	reasons := map[string]string{}
	for i := range cells {
		p := cells[i].Provider
		r, done := reasons[p.Name]
		if !done {
			r = unmet(ctx, p.Requires)
			reasons[p.Name] = r
		}
		cells[i].Skip = r
	}
}

// unmet lists every unmet requirement, so one look says all that is missing.
func unmet(ctx context.Context, req spec.Requires) string {
	var reasons, missing []string
	for _, v := range req.Env {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		reasons = append(reasons, "environment variable "+missing[0]+" is not set")
	default:
		reasons = append(reasons, "environment variables "+strings.Join(missing, ", ")+" are not set")
	}
	for _, c := range req.Commands {
		if _, err := exec.LookPath(c); err != nil {
			reasons = append(reasons, fmt.Sprintf("command %q is not on PATH", c))
		}
	}
	if req.URL != "" {
		if err := probe(ctx, req.URL); err != nil {
			reasons = append(reasons, fmt.Sprintf("%s is not reachable (%v)", req.URL, err))
		}
	}
	return strings.Join(reasons, "; ")
}

// probe counts any HTTP answer as reachable: the service is there.
func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var short = err.Error()
		if i := strings.LastIndex(short, ": "); i >= 0 {
			short = short[i+2:]
		}
		return fmt.Errorf("%s", short)
	}
	resp.Body.Close()
	return nil
}

// Pair is one run of one cell.
type Pair struct {
	Cell   *Cell
	Index  int  // 1-based
	Warmup bool // unmeasured
}

// Name is the run's name in its files, logs and recordings: run<N>, or
// warmup<N> for a warmup.
func (p Pair) Name() string {
	if p.Warmup {
		return fmt.Sprintf("warmup%d", p.Index)
	}
	return fmt.Sprintf("run%d", p.Index)
}

// Key matches record.Run.Key.
func (p Pair) Key() string {
	if p.Warmup {
		return fmt.Sprintf("%s#w%d", p.Cell.ID, p.Index)
	}
	return fmt.Sprintf("%s#%d", p.Cell.ID, p.Index)
}

// Remaining are the pairs whose keys done lacks: what a resumed benchmark
// still has to run, in the same order.
func Remaining(pairs []Pair, done map[string]bool) []Pair {
	var todo []Pair
	for _, p := range pairs {
		if !done[p.Key()] {
			todo = append(todo, p)
		}
	}
	return todo
}

// Shard is one of N parts of a benchmark: K in 1..N.
type Shard struct{ K, N int }

// ParseShard parses "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard %q: expected K/N with 1 <= K <= N", s)
	}
	return Shard{ki, ni}, nil
}

func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// WithWarmups is the schedule of pairs: each cell's warmup runs (1..warmup)
// just before its first measured pair. The runner runs a queue in this
// order; merge orders the records of shards by it.
func WithWarmups(pairs []Pair, warmup int) []Pair {
	seq := make([]Pair, 0, len(pairs))
	warmed := map[string]bool{}
	for _, p := range pairs {
		if !warmed[p.Cell.ID] {
			warmed[p.Cell.ID] = true
			for i := 1; i <= warmup; i++ {
				seq = append(seq, Pair{Cell: p.Cell, Index: i, Warmup: true})
			}
		}
		seq = append(seq, p)
	}
	return seq
}

// Runs lists the measured (cell, run) pairs of the runnable cells, in the
// spec's order: "sequential" runs each cell's runs together, "interleaved"
// alternates cells run by run. A shard keeps every N-th pair of that list,
// which balances cells across shards and is the same on every machine.
func Runs(cells []Cell, runs int, order spec.Order, shard Shard) []Pair {
	var all []Pair
	if order == spec.Interleaved {
		for r := 1; r <= runs; r++ {
			for i := range cells {
				if cells[i].Skip == "" {
					all = append(all, Pair{Cell: &cells[i], Index: r})
				}
			}
		}
	} else {
		for i := range cells {
			if cells[i].Skip != "" {
				continue
			}
			for r := 1; r <= runs; r++ {
				all = append(all, Pair{Cell: &cells[i], Index: r})
			}
		}
	}
	if shard.N <= 1 {
		return all
	}
	var mine []Pair
	for i, p := range all {
		if i%shard.N == shard.K-1 {
			mine = append(mine, p)
		}
	}
	return mine
}

// IsPart says a benchmark.json's shard ("K/N") names one part of several:
// such a folder holds only its share of the runs, so it is merged (runner
// merge) before it is recorded in the history.
func IsPart(shard string) bool {
	sh, err := ParseShard(shard)
	return shard != "" && err == nil && sh.N > 1
}
