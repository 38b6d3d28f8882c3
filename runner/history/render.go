package history

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/runner-bench/runner/runner/output"
)

// Formats of `runner history trend`.
var Formats = []string{"text", "markdown", "json", "csv"}

// Render writes t in format.
func Render(w io.Writer, t *Trend, format string) error {
	switch format {
	case "", "text":
		return renderText(w, t)
	case "markdown":
		return renderMarkdown(w, t)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	case "csv":
		return renderCSV(w, t)
	}
	return fmt.Errorf("unknown format %q: expected one of %s", format, strings.Join(Formats, ", "))
}

func renderText(w io.Writer, t *Trend) error {
	if len(t.Series) == 0 {
		_, err := fmt.Fprintf(w, "no benchmarks of %s with %s in the history store\n", t.Spec, t.Metric)
		return err
	}
	for i, sr := range t.Series {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  %s%s  (%d benchmarks)\n", sr.Cell, t.Metric, t.priceNote(), len(sr.Points))
		fmt.Fprintf(w, "  %s  %s → %s\n", Sparkline(medians(sr.Points)), t.format(sr.Points[0].Median), t.format(sr.Points[len(sr.Points)-1].Median))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\tSTARTED\tCOMMIT\tRUNS\tMEDIAN\t95% CI\t")
		for j, p := range sr.Points {
			mark := ""
			if sh := sr.shiftAt(p.Benchmark); sh != nil {
				mark = "◀ change " + signedPct(sh.Pct)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\t%s\t%s\n", j+1, p.Started.Local().Format("2006-01-02 15:04"), short(p.Commit), p.N,
				t.format(p.Median), t.interval(p), mark)
		}
		tw.Flush()
		if len(sr.Changes) == 0 {
			fmt.Fprintln(w, "  no change point")
		}
		for _, sh := range sr.Changes {
			fmt.Fprintf(w, "  change point: %s (%s → %s) at benchmark %s, %s, commit %s\n", signedPct(sh.Pct),
				t.format(sh.Before), t.format(sh.After), sh.Benchmark, sh.Started.Local().Format("2006-01-02 15:04"), orNone(sh.Commit))
		}
	}
	return nil
}

// interval is a point's 95% interval, "—" when too few runs allow one.
func (t *Trend) interval(p Point) string {
	if p.Lo == nil {
		return "—"
	}
	return t.format(*p.Lo) + " … " + t.format(*p.Hi)
}

// optNum is num of an optional value; nil is an empty field.
func optNum(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}

func renderMarkdown(w io.Writer, t *Trend) error {
	fmt.Fprintf(w, "# Trend of %s: %s%s\n", t.Spec, t.Metric, t.priceNote())
	if len(t.Series) == 0 {
		fmt.Fprintf(w, "\nNo benchmarks of %s in the history store.\n", t.Spec)
	}
	for _, sr := range t.Series {
		fmt.Fprintf(w, "\n## %s\n\n`%s`\n\n", sr.Cell, Sparkline(medians(sr.Points)))
		fmt.Fprintln(w, "| # | Started | Commit | Runs | Median | 95% CI | Change |")
		fmt.Fprintln(w, "|---:|---|---|---:|---:|---|---|")
		for j, p := range sr.Points {
			mark := ""
			if sh := sr.shiftAt(p.Benchmark); sh != nil {
				mark = "**" + signedPct(sh.Pct) + "**"
			}
			fmt.Fprintf(w, "| %d | %s | %s | %d | %s | %s | %s |\n", j+1, p.Started.UTC().Format("2006-01-02 15:04"), md(short(p.Commit)),
				p.N, t.format(p.Median), t.interval(p), mark)
		}
		if len(sr.Changes) == 0 {
			fmt.Fprintln(w, "\nNo change point.")
		}
		for _, sh := range sr.Changes {
			fmt.Fprintf(w, "\nChange point: %s (%s → %s) at benchmark %s, %s, commit %s.\n", signedPct(sh.Pct),
				t.format(sh.Before), t.format(sh.After), sh.Benchmark, sh.Started.UTC().Format("2006-01-02 15:04"), md(orNone(sh.Commit)))
		}
	}
	return nil
}

func renderCSV(w io.Writer, t *Trend) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"spec", "cell", "metric", "unit", "benchmark", "started", "commit", "kind", "runs", "median", "ci_lo", "ci_hi", "change_pct"})
	for _, sr := range t.Series {
		for _, p := range sr.Points {
			chg := ""
			if sh := sr.shiftAt(p.Benchmark); sh != nil {
				chg = num(sh.Pct)
			}
			cw.Write([]string{t.Spec, sr.Cell, t.Metric, t.Unit, p.Benchmark, p.Started.UTC().Format("2006-01-02T15:04:05Z"), p.Commit, p.Kind,
				strconv.Itoa(p.N), num(p.Median), optNum(p.Lo), optNum(p.Hi), chg})
		}
	}
	cw.Flush()
	return cw.Error()
}

func (sr *Series) shiftAt(id string) *Shift {
	for i := range sr.Changes {
		if sr.Changes[i].Benchmark == id {
			return &sr.Changes[i]
		}
	}
	return nil
}

func (t *Trend) priceNote() string {
	if t.Repriced {
		return " at today's prices"
	}
	if t.Metric == "cost" || strings.HasSuffix(t.Metric, ".cost") {
		return " at the prices then in force"
	}
	return ""
}

// format shows a value in the trend's unit.
func (t *Trend) format(v float64) string { return FormatValue(v, t.Unit) }

// FormatValue shows v in unit.
func FormatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return strconv.FormatFloat(v, 'f', decimals(v), 64) + " s"
	case "USD":
		return "$" + strconv.FormatFloat(v, 'f', max(4, decimals(v)), 64)
	case "tokens":
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case "MB":
		return strconv.FormatFloat(v, 'f', 1, 64) + " MB"
	case "%":
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// decimals keeps three significant digits of small values.
func decimals(v float64) int {
	a := math.Abs(v)
	switch {
	case a == 0 || a >= 100:
		return 1
	case a >= 1:
		return 2
	}
	return min(8, 2-int(math.Floor(math.Log10(a))))
}

func signedPct(p float64) string {
	if math.IsInf(p, 0) {
		return "new"
	}
	return fmt.Sprintf("%+.1f%%", p)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func short(commit string) string {
	if len(commit) > 12 && !strings.Contains(commit[:12], "+") {
		if i := strings.Index(commit, "+"); i > 0 {
			return commit[:min(12, i)] + commit[i:]
		}
		return commit[:12]
	}
	return commit
}

func orNone(s string) string {
	if s == "" {
		return "(none recorded)"
	}
	return s
}

func md(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func medians(ps []Point) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = p.Median
	}
	return out
}

// Sparkline draws values as a line of block characters, lowest to highest.
func Sparkline(values []float64) string { return output.Sparkline(values) }
