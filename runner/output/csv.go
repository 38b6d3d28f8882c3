package output

import (
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// CSV writes benchmark_results.csv: one row per run (warmups included and
// marked), with a column per phase and per-phase metric of the metric table
// (time, tokens, cost, TTFT) for every phase.
func CSV(w io.Writer, sum *results.Summary, artifacts []string) error {
	head := []string{"simulated", "replayed", "cell", "provider", "model", "matrix", "run", "warmup", "status", "exit_code", "signal",
		"started", "wall_s", "user_s", "sys_s", "cpu_pct", "peak_rss_mb",
		"input_tokens", "output_tokens", "cached_input_tokens", "total_tokens", "cost_usd",
		"input_cost_usd", "output_cost_usd", "cached_input_cost_usd", "token_source",
		"calls", "call_errors", "unmatched", "mean_ttft_s", "mean_output_tps", "bad_events"}
	cols := results.PhaseColumns()
	prec := make([]int, len(cols))
	for i, c := range cols {
		prec[i] = unitPrecision(c.Unit)
	}
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
	var l csvLine
	for _, h := range head {
		l.str(h)
	}
	if err := l.end(w); err != nil {
		return err
	}
	for _, r := range sum.Runs {
		priced := r.Cost != nil
		metered := r.Unmetered == "" // else the tokens are unknown, not 0
		l.str(strconv.FormatBool(r.Simulated))
		if r.Replay != nil {
			l.str(replayedFrom(sum.Replayed, r.Replay.From))
		} else {
			l.str("")
		}
		l.str(r.Cell)
		l.str(r.Provider)
		l.str(r.Model)
		l.str(matrix(r.Matrix))
		l.int(int64(r.Index), true)
		l.str(strconv.FormatBool(r.Warmup))
		l.str(string(r.Status))
		l.int(int64(r.ExitCode), true)
		l.str(r.Signal)
		l.str(r.Started.Format(time.RFC3339))
		l.num(r.WallSeconds, 3, true)
		l.num(r.UserSeconds, 3, true)
		l.num(r.SysSeconds, 3, true)
		l.num(r.CPUPercent, 1, true)
		l.num(r.PeakRSSMB, 1, true)
		l.int(r.Tokens.Input, metered)
		l.int(r.Tokens.Output, metered)
		l.int(r.Tokens.CachedInput, metered)
		l.int(r.Tokens.Total(), metered)
		if priced {
			l.num(*r.Cost, 6, true)
		} else {
			l.str("")
		}
		l.num(r.InputCost, 6, priced)
		l.num(r.OutputCost, 6, priced)
		l.num(r.CachedInputCost, 6, priced)
		l.str(r.TokenSource)
		l.int(int64(r.CallLog.Count()), true)
		l.int(int64(r.CallErrors), true)
		if r.Replay != nil {
			l.int(int64(r.Replay.Unmatched), true)
		} else {
			l.str("")
		}
		l.opt(r.TTFT, 4)
		l.opt(r.OutputTPS, 1)
		l.int(int64(r.BadEvents), true)
		for _, p := range sum.Phases {
			for i, c := range cols {
				v, ok := c.Of(r, p) // !ok: unknown, not 0
				l.num(v, prec[i], ok)
			}
		}
		for _, a := range artifacts {
			v, ok := r.Artifacts[a]
			l.num(v.MB, 4, ok)
			l.int(int64(v.Files), ok)
		}
		l.str(r.Error)
		l.str(r.Log)
		if j := r.Judge; j != nil {
			reason := j.Reason
			if j.Score == nil && j.Error != "" {
				reason = j.Error
			}
			l.opt(j.Score, 2)
			l.str(string(j.Status))
			l.str(reason)
			l.int(r.JudgeTokens.Total(), true)
			l.opt(r.JudgeCost, 6)
		} else {
			l.str("")
			l.str("")
			l.str("")
			l.str("")
			l.str("")
		}
		if err := l.end(w); err != nil {
			return err
		}
	}
	return nil
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

// csvLine builds one record as encoding/csv writes it (comma separated,
// "\n" terminated, quoted only where needed), every field made inert by
// CSVCell; numbers are appended in place, which made the CSV of 100,000
// runs three times faster than a []string per row through csv.Writer.
type csvLine struct {
	b []byte
	n int // fields so far
}

func (l *csvLine) sep() {
	if l.n > 0 {
		l.b = append(l.b, ',')
	}
	l.n++
}

// str adds a text field.
func (l *csvLine) str(s string) {
	l.sep()
	s = CSVCell(s)
	if !csvNeedsQuotes(s) {
		l.b = append(l.b, s...)
		return
	}
	l.b = append(l.b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			l.b = append(l.b, '"')
		}
		l.b = append(l.b, s[i])
	}
	l.b = append(l.b, '"')
}

// num adds v with prec decimals, or an empty field when !show.
func (l *csvLine) num(v float64, prec int, show bool) {
	switch {
	case !show:
		l.str("")
	case math.IsInf(v, 0) || math.IsNaN(v): // "+Inf" is not a plain number: CSVCell marks it
		l.str(strconv.FormatFloat(v, 'f', prec, 64))
	case v != 0 && math.Abs(v) < 0.5*math.Pow10(-prec):
		// It would print as 0 at prec decimals: every digit it has,
		// which a spreadsheet reads as well (6.2e-11), never a false 0.
		l.sep()
		l.b = strconv.AppendFloat(l.b, v, 'g', -1, 64)
	default:
		l.sep()
		l.b = strconv.AppendFloat(l.b, v, 'f', prec, 64)
	}
}

// int adds v, or an empty field when !show.
func (l *csvLine) int(v int64, show bool) {
	if !show {
		l.str("")
		return
	}
	l.sep()
	l.b = strconv.AppendInt(l.b, v, 10)
}

// opt adds an optional value; nil is an empty field.
func (l *csvLine) opt(v *float64, prec int) {
	if v == nil {
		l.str("")
		return
	}
	l.num(*v, prec, true)
}

// end writes the record and starts the next.
func (l *csvLine) end(w io.Writer) error {
	l.b = append(l.b, '\n')
	_, err := w.Write(l.b)
	l.b, l.n = l.b[:0], 0
	return err
}

// csvNeedsQuotes is encoding/csv's rule for a comma-separated field.
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	if strings.ContainsAny(s, "\n\r\",") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

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

// replayedFrom is the replayed column of a replayed run: the recording and
// the recorded run that answered it.
func replayedFrom(rp *record.Replayed, from string) string {
	if rp == nil {
		return from
	}
	return "REPLAYED from " + rp.Dir + " (recorded " + rp.Recorded.UTC().Format("2006-01-02") + ") " + from
}
