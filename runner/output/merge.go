package output

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Merged is what the output folders of a benchmark's shards (--shard K/N)
// add up to: one folder whose results equal an unsharded run's on the same
// records.
type Merged struct {
	specSrc  []byte
	template string // the first shard's copy of report.template, if any
	// Benchmark is the shards' benchmark.json made one: the earliest start,
	// the latest finish, their stop reasons.
	Benchmark record.Benchmark
	recs      []sourced // canonical order
	Warnings  []string
	Missing   []string // shards K/N of the set that were not given
}

// sourced is a record and the shard folder it came from.
type sourced struct {
	record.Run
	dir string
}

// ReadShards reads and checks the shard folders and orders their records;
// a torn last record of a shard is reported on warn.
func ReadShards(dirs []string, warn io.Writer) (*Merged, error) {
	m := &Merged{}
	var s *spec.Spec
	var all []sourced
	shards := map[string]string{} // "K/N" -> folder
	n := 0
	var stops []string
	for i, dir := range dirs {
		if err := IsFolder(dir); err != nil {
			return nil, err
		}
		src, err := os.ReadFile(filepath.Join(dir, SpecFile))
		if err != nil {
			return nil, err
		}
		bm, err := ReadBenchmark(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: reading %s: %w", dir, BenchmarkFile, err)
		}
		recs, err := ReadRuns(dir, warn)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			m.specSrc, m.Benchmark = src, bm
			if s, err = spec.Parse(filepath.Join(dir, SpecFile), src, nil); err != nil {
				return nil, err
			}
			m.template = s.Report.TemplatePath
		} else {
			if diff := spec.Diff(m.specSrc, src); len(diff) > 0 {
				return nil, fmt.Errorf("%s and %s are runs of different specs (their %s differ%s); only shards of one benchmark can be merged",
					dirs[0], dir, SpecFile, fieldsText(diff))
			}
			if bm.Spec != m.Benchmark.Spec {
				return nil, fmt.Errorf("%s is a run of spec %q, %s of %q; only shards of one benchmark can be merged", dirs[0], m.Benchmark.Spec, dir, bm.Spec)
			}
			if bm.Simulated != m.Benchmark.Simulated {
				return nil, fmt.Errorf("%s and %s mix a dry run with a real one", dirs[0], dir)
			}
			if d := planFlagsDiff(m.Benchmark.Options, bm.Options); d != "" {
				return nil, fmt.Errorf("%s and %s were run with different %s; the shards of one benchmark take the same flags, all but --shard and --output", dirs[0], dir, d)
			}
			if (bm.Replayed == nil) != (m.Benchmark.Replayed == nil) {
				return nil, fmt.Errorf("%s and %s mix a replay with a measured run", dirs[0], dir)
			}
			if bm.Started.Before(m.Benchmark.Started) {
				m.Benchmark.Started = bm.Started
			}
			if bm.Finished.After(m.Benchmark.Finished) {
				m.Benchmark.Finished = bm.Finished
			}
		}
		if bm.Shard != "" {
			if prev, dup := shards[bm.Shard]; dup {
				return nil, fmt.Errorf("%s and %s are both shard %s", prev, dir, bm.Shard)
			}
			shards[bm.Shard] = dir
			sh, err := plan.ParseShard(bm.Shard)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", dir, err)
			}
			if n != 0 && sh.N != n {
				return nil, fmt.Errorf("%s is shard %s but another folder is one of %d shards", dir, bm.Shard, n)
			}
			n = sh.N
		}
		if bm.StopReason != "" {
			label := dir
			if bm.Shard != "" {
				label = "shard " + bm.Shard
			}
			stops = append(stops, label+": "+bm.StopReason)
		}
		for _, r := range record.Latest(recs) {
			all = append(all, sourced{r, dir})
		}
	}
	if n > 0 {
		var missing []string
		for k := 1; k <= n; k++ {
			if _, ok := shards[fmt.Sprintf("%d/%d", k, n)]; !ok {
				missing = append(missing, fmt.Sprintf("%d/%d", k, n))
			}
		}
		if len(missing) > 0 {
			m.Missing = missing
			msg := "shard " + strings.Join(missing, ", ") + " missing from the merge"
			m.Warnings = append(m.Warnings, msg)
			stops = append(stops, msg)
		}
	}
	m.Benchmark.Shard = ""
	m.Benchmark.StopReason = strings.Join(stops, "; ")

	cells, err := plan.Expand(s, nil)
	if err != nil {
		return nil, err
	}
	if m.recs, err = canonical(all, cells, s.Order); err != nil {
		return nil, err
	}
	return m, nil
}

// canonical orders the records of all shards as one unsharded run with one
// worker writes them: skipped cells first, then the measured runs found in
// the plan's schedule (plan.Runs, then plan.WithWarmups: each cell's warmups
// just before its first measured run), then the warmups of cells with no
// measured run. A measured run found in two folders is an error; warmups,
// which every shard runs for its cells, are kept once (the first folder's).
func canonical(all []sourced, cells []plan.Cell, order spec.Order) ([]sourced, error) {
	cellIndex := map[string]int{}
	for i, c := range cells {
		cellIndex[c.ID] = i
	}
	byCell := func(a, b sourced) int { // plan order; cells the plan lacks last, by ID
		ia, oka := cellIndex[a.Cell]
		ib, okb := cellIndex[b.Cell]
		if !oka {
			ia = len(cells)
		}
		if !okb {
			ib = len(cells)
		}
		return cmp.Or(cmp.Compare(ia, ib), cmp.Compare(a.Cell, b.Cell), cmp.Compare(a.Index, b.Index))
	}
	var skips, runs []sourced
	warmups := map[string]sourced{} // key -> record
	seen := map[string]string{}     // key -> folder
	maxRun, maxWarmup := 0, 0
	for _, r := range all {
		key := r.Key()
		if r.Status == record.StatusSkipped {
			key = r.Cell + "#skip"
		}
		if prev, dup := seen[key]; dup {
			if r.Status == record.StatusSkipped || r.Warmup {
				continue
			}
			return nil, fmt.Errorf("run %d of %s is in both %s and %s: overlapping shards cannot be merged", r.Index, r.Cell, prev, r.dir)
		}
		seen[key] = r.dir
		switch {
		case r.Status == record.StatusSkipped:
			skips = append(skips, r)
		case r.Warmup:
			warmups[key] = r
			maxWarmup = max(maxWarmup, r.Index)
		default:
			runs = append(runs, r)
			maxRun = max(maxRun, r.Index)
		}
	}
	slices.SortStableFunc(skips, byCell)

	// The measured runs in the order of the whole plan's schedule.
	position := map[string]int{}
	for i, p := range plan.Runs(cells, maxRun, order, plan.Shard{K: 1, N: 1}) {
		position[p.Key()] = i
	}
	slices.SortStableFunc(runs, func(a, b sourced) int {
		pa, oka := position[a.Key()]
		pb, okb := position[b.Key()]
		switch {
		case oka && okb:
			return cmp.Compare(pa, pb)
		case oka:
			return -1 // runs the plan knows first
		case okb:
			return 1
		}
		return byCell(a, b)
	})
	measured := map[string]sourced{}
	pairs := make([]plan.Pair, len(runs))
	for i, r := range runs {
		measured[r.Key()] = r
		c := &plan.Cell{ID: r.Cell}
		if j, ok := cellIndex[r.Cell]; ok {
			c = &cells[j]
		}
		pairs[i] = plan.Pair{Cell: c, Index: r.Index}
	}
	out := append([]sourced(nil), skips...)
	for _, p := range plan.WithWarmups(pairs, maxWarmup) {
		if !p.Warmup {
			out = append(out, measured[p.Key()])
		} else if w, ok := warmups[p.Key()]; ok {
			out = append(out, w)
			delete(warmups, p.Key())
		}
	}
	rest := slices.SortedStableFunc(maps.Values(warmups), byCell) // cells with no measured run
	return append(out, rest...), nil
}

// Write writes the merged folder's inputs (spec.yaml, benchmark.json,
// runs.jsonl) into out and copies each kept run's log and run folder.
func (m *Merged) Write(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(out, SpecFile), m.specSrc); err != nil {
		return err
	}
	if m.template != "" {
		if err := CopyTree(m.template, filepath.Join(out, spec.ReportTemplateFile)); err != nil {
			return err
		}
	}
	if err := WriteBenchmark(out, m.Benchmark); err != nil {
		return err
	}
	w, err := record.Create(filepath.Join(out, RunsFile))
	if err != nil {
		return err
	}
	for i := range m.recs {
		r := &m.recs[i]
		if err := w.Write(&r.Run); err != nil {
			w.Close()
			return err
		}
		for _, rel := range []string{r.Log, r.Dir} {
			if rel == "" || filepath.IsAbs(rel) || strings.HasPrefix(filepath.Clean(rel), "..") {
				continue
			}
			if err := CopyTree(filepath.Join(r.dir, rel), filepath.Join(out, rel)); err != nil {
				w.Close()
				return fmt.Errorf("copying %s: %w", rel, err)
			}
		}
	}
	return w.Close()
}

// planFlagsDiff names the flags that shape the plan (spec.yaml holds --set,
// not these) on which two shards differ: merged, their runs would read as
// one benchmark's while covering parts of two plans.
func planFlagsDiff(a, b record.Options) string {
	var d []string
	runs := func(n int) string {
		if n == 0 {
			return "the spec's"
		}
		return strconv.Itoa(n)
	}
	if a.Runs != b.Runs {
		d = append(d, fmt.Sprintf("--runs (%s and %s)", runs(a.Runs), runs(b.Runs)))
	}
	if !slices.Equal(slices.Sorted(slices.Values(a.Only)), slices.Sorted(slices.Values(b.Only))) {
		d = append(d, fmt.Sprintf("--only (%q and %q)", strings.Join(a.Only, " "), strings.Join(b.Only, " ")))
	}
	if a.Intercept != b.Intercept {
		d = append(d, "--intercept")
	}
	return strings.Join(d, ", ")
}

// fieldsText spells the differing fields for a message: " in: a, b".
func fieldsText(diff []string) string {
	if len(diff) == 0 || diff[0] == "" {
		return ""
	}
	return " in: " + strings.Join(diff, ", ")
}
