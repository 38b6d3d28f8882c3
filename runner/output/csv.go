package output

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// CSV writes benchmark_results.csv: one row per run (warmups included and
// marked), with a column per phase and per-phase metric of the metric table
// (time, tokens, cost, TTFT) for every phase.
func CSV(w io.Writer, sum *results.Summary, artifacts []string) error {
	cw := inertWriter{csv.NewWriter(w)}
	head := []string{"simulated", "replayed", "cell", "provider", "model", "matrix", "run", "warmup", "status", "exit_code", "signal",
		"started", "wall_s", "user_s", "sys_s", "cpu_pct", "peak_rss_mb",
		"input_tokens", "output_tokens", "cached_input_tokens", "total_tokens", "cost_usd",
		"input_cost_usd", "output_cost_usd", "cached_input_cost_usd", "token_source",
		"calls", "call_errors", "unmatched", "mean_ttft_s", "mean_output_tps", "bad_events"}
	cols := results.PhaseColumns()
	for _, p := range sum.Phases {
		for _, c := range cols {
			head = append(head, p+" "+phaseColumnName(c))
		}
	}
	for _, a := range artifacts {
		head = append(head, a+" mb", a+" files")
	}
	head = append(head, "error", "log")
	// The judge's columns: its score of the run and its own tokens and
	// cost, which are in no other column.
	head = append(head, "judge_score", "judge_status", "judge_reason", "judge_tokens", "judge_cost_usd")
	if err := cw.Write(head); err != nil {
		return err
	}
	row := make([]string, 0, len(head))
	for _, r := range sum.Runs {
		row = row[:0]
		cost, inCost, outCost, cachedCost := "", "", "", ""
		if r.Cost != nil {
			cost, inCost, outCost, cachedCost = f(*r.Cost, 6), f(r.InputCost, 6), f(r.OutputCost, 6), f(r.CachedInputCost, 6)
		}
		tok := i64
		if r.Unmetered != "" { // unknown, not 0
			tok = func(int64) string { return "" }
		}
		replayed, unmatched := "", ""
		if r.Replay != nil {
			replayed = replayedFrom(sum.Replayed, r.Replay.From)
			unmatched = strconv.Itoa(r.Replay.Unmatched)
		}
		row = append(row, strconv.FormatBool(r.Simulated), replayed, r.Cell, r.Provider, r.Model, matrix(r.Matrix),
			strconv.Itoa(r.Index), strconv.FormatBool(r.Warmup), string(r.Status), strconv.Itoa(r.ExitCode), r.Signal,
			r.Started.Format(time.RFC3339), f(r.WallSeconds, 3), f(r.UserSeconds, 3), f(r.SysSeconds, 3),
			f(r.CPUPercent, 1), f(r.PeakRSSMB, 1),
			tok(r.Tokens.Input), tok(r.Tokens.Output), tok(r.Tokens.CachedInput), tok(r.Tokens.Total()), cost,
			inCost, outCost, cachedCost, r.TokenSource,
			strconv.Itoa(r.CallLog.Count()), strconv.Itoa(r.CallErrors), unmatched, opt(r.TTFT, 4), opt(r.OutputTPS, 1), strconv.Itoa(r.BadEvents))
		for _, p := range sum.Phases {
			for _, c := range cols {
				v, ok := c.Of(r, p)
				if !ok { // unknown, not 0
					row = append(row, "")
					continue
				}
				row = append(row, f(v, unitPrecision(c.Unit)))
			}
		}
		for _, a := range artifacts {
			if v, ok := r.Artifacts[a]; ok {
				row = append(row, f(v.MB, 4), strconv.Itoa(v.Files))
			} else {
				row = append(row, "", "")
			}
		}
		row = append(row, r.Error, r.Log)
		row = append(row, judgeColumns(r)...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// phaseColumnName names a per-phase column after its metric and unit
// ("ttft_s", "cost_usd", "input_tokens"); the phase's time keeps the name
// it always had, "<phase> s".
func phaseColumnName(c results.PhaseColumn) string {
	switch {
	case c.Name == "time":
		return "s"
	case c.Unit == "" || c.Unit == "tokens":
		return c.Name
	}
	return c.Name + "_" + strings.ToLower(c.Unit)
}

// unitPrecision is the decimals a value of the unit is written with.
func unitPrecision(unit string) int {
	switch unit {
	case "s":
		return 3
	case "USD":
		return 6
	case "tokens":
		return 0
	}
	return 4
}

// inertWriter writes every cell through CSVCell.
type inertWriter struct{ *csv.Writer }

func (w inertWriter) Write(row []string) error {
	for i, c := range row {
		row[i] = CSVCell(c)
	}
	return w.Writer.Write(row)
}

func f(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
func i64(v int64) string           { return strconv.FormatInt(v, 10) }

func matrix(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ";")
}

// opt formats an optional value; nil is an empty field.
func opt(v *float64, prec int) string {
	if v == nil {
		return ""
	}
	return f(*v, prec)
}

// judgeColumns are a run's judge_* columns; empty when it was not judged.
func judgeColumns(r *results.Run) []string {
	j := r.Judge
	if j == nil {
		return []string{"", "", "", "", ""}
	}
	reason := j.Reason
	if j.Score == nil && j.Error != "" {
		reason = j.Error
	}
	return []string{opt(j.Score, 2), string(j.Status), reason, i64(r.JudgeTokens.Total()), opt(r.JudgeCost, 6)}
}

// replayedFrom is the replayed column of a replayed run: the recording and
// the recorded run that answered it.
func replayedFrom(rp *record.Replayed, from string) string {
	if rp == nil {
		return from
	}
	return "REPLAYED from " + rp.Dir + " (recorded " + rp.Recorded.UTC().Format("2006-01-02") + ") " + from
}
