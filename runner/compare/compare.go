// Package compare renders a comparison of two result sets (results.Compare)
// as a terminal table, Markdown or JSON, benchstat style: old and new
// centers with their confidence interval, the change, and "~" where the
// change is not significant; warnings are numbered footnotes. It computes
// nothing: the statistics come from package results.
package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/results"
)

// Formats are the output formats of Write.
var Formats = []string{"text", "markdown", "json"}

// Write renders cmp in format (text, markdown or json).
func Write(w io.Writer, cmp *results.Comparison, format string) error {
	switch format {
	case "text", "":
		return Text(w, cmp)
	case "markdown", "md":
		return Markdown(w, cmp)
	case "json":
		return JSON(w, cmp)
	}
	return fmt.Errorf("unknown format %q; expected one of: %s", format, strings.Join(Formats, ", "))
}

// JSON writes the comparison as one indented JSON document.
func JSON(w io.Writer, cmp *results.Comparison) error {
	doc := struct {
		Notice string `json:"notice,omitempty"`
		*results.Comparison
		Footnotes []string `json:"footnotes,omitempty"`
	}{notice(cmp), cmp, cmp.Footnotes()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func notice(cmp *results.Comparison) string {
	old, new := cmp.Old.Benchmark.Replayed, cmp.New.Benchmark.Replayed
	var replayed string
	switch {
	case old != nil && new != nil:
		replayed = "REPLAYED: both result sets are replays (old " + old.Notice() + "; new " + new.Notice() + ")"
	case old != nil:
		replayed = "REPLAYED: the old result set is a replay: " + old.Notice()
	case new != nil:
		replayed = "REPLAYED: the new result set is a replay: " + new.Notice()
	}
	if sim := simNotice(cmp); sim != "" && replayed != "" {
		return replayed + "; " + sim
	} else if replayed != "" {
		return replayed
	}
	return simNotice(cmp)
}

func simNotice(cmp *results.Comparison) string {
	switch {
	case cmp.Old.Simulated && cmp.New.Simulated:
		return "SIMULATED: both result sets are dry runs against the simulator"
	case cmp.Old.Simulated:
		return "SIMULATED: the old result set is a dry run against the simulator"
	case cmp.New.Simulated:
		return "SIMULATED: the new result set is a dry run against the simulator"
	}
	return ""
}

// row is one line of the table model.
type row struct {
	metric, old, new, delta, p string
}

// table is the model both text and Markdown render: per cell, a title and
// rows; footnote markers are already in the cells.
type table struct {
	cells []tableCell
	notes []string
}

type tableCell struct {
	title string
	note  string // why there are no rows
	rows  []row
}

func model(cmp *results.Comparison, marker func(int) string) table {
	notes := cmp.Footnotes()
	index := map[string]int{}
	for i, n := range notes {
		index[n] = i + 1
	}
	var t table
	t.notes = notes
	for _, cc := range cmp.Cells {
		tc := tableCell{title: cc.Label}
		if cc.Label != cc.Cell {
			tc.title += " [" + cc.Cell + "]"
		}
		switch {
		case !cc.InOld:
			tc.note = "only in new"
		case !cc.InNew:
			tc.note = "only in old"
		case len(cc.Changes) == 0:
			tc.note = "no successful runs to compare"
		}
		for _, c := range cc.Changes {
			var marks string
			for _, w := range c.Warnings {
				marks += marker(index[w])
			}
			tc.rows = append(tc.rows, row{
				metric: label(c.Metric, c.Unit),
				old:    withCI(c.Unit, c.Old, c.OldLo, c.OldHi),
				new:    withCI(c.Unit, c.New, c.NewLo, c.NewHi),
				delta:  c.Delta + marks,
				p:      pString(c),
			})
		}
		for _, u := range cc.Unpaired {
			r := row{metric: label(u.Metric, u.Unit), old: "—", new: "—", delta: "only in " + u.Side, p: fmt.Sprintf("n=%d", u.N)}
			if u.Side == "old" {
				r.old = value(u.Unit, u.Median)
			} else {
				r.new = value(u.Unit, u.Median)
			}
			tc.rows = append(tc.rows, r)
		}
		t.cells = append(t.cells, tc)
	}
	return t
}

// label is a metric with its unit; a workload's metric has none.
func label(metric, unit string) string {
	if unit == "" || unit == "-" {
		return metric
	}
	return metric + " (" + unit + ")"
}

func pString(c *results.Change) string {
	n := fmt.Sprintf("n=%d", c.N1)
	if c.N1 != c.N2 {
		n = fmt.Sprintf("n=%d+%d", c.N1, c.N2)
	}
	if c.P == 0 {
		return n
	}
	return fmt.Sprintf("p=%.3f %s", c.P, n)
}

// withCI formats a center with its confidence interval as ± percent, as
// benchstat does; no interval, no ±.
func withCI(unit string, center, lo, hi float64) string {
	s := value(unit, center)
	if center == 0 || lo == hi {
		return s
	}
	pct := math.Max(center-lo, hi-center) / math.Abs(center) * 100
	if pct < 0.5 {
		return s + " ± 0%"
	}
	return fmt.Sprintf("%s ± %.0f%%", s, pct)
}

// value formats a number in its unit.
func value(unit string, v float64) string { return output.Value(v, unit) }

var superscripts = []string{"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"}

func superscript(n int) string {
	var b strings.Builder
	for _, d := range fmt.Sprint(n) {
		b.WriteString(superscripts[d-'0'])
	}
	return b.String()
}

func header(w io.Writer, cmp *results.Comparison, md bool) {
	if n := notice(cmp); n != "" {
		if md {
			fmt.Fprintf(w, "> **%s**\n\n", n)
		} else {
			fmt.Fprintln(w, n)
		}
	}
	side := func(s results.Side) string {
		out := s.Name
		if s.Dir != "" {
			out = s.Dir
		}
		if !s.Benchmark.Started.IsZero() {
			out += " (" + s.Benchmark.Started.Format("2006-01-02 15:04") + ")"
		}
		return out
	}
	if md {
		fmt.Fprintf(w, "Comparing **old** %s with **new** %s. Centers are medians ± the 95%% confidence interval; \"~\" marks a change that is not significant (Mann-Whitney U, alpha 0.05).\n", side(cmp.Old), side(cmp.New))
		return
	}
	fmt.Fprintf(w, "old: %s\nnew: %s\n", side(cmp.Old), side(cmp.New))
}

// Text writes aligned plain-text tables, one per cell.
func Text(w io.Writer, cmp *results.Comparison) error {
	header(w, cmp, false)
	t := model(cmp, superscript)
	for _, c := range t.cells {
		fmt.Fprintf(w, "\n%s\n", c.title)
		if c.note != "" {
			fmt.Fprintf(w, "  (%s)\n", c.note)
			continue
		}
		lines := [][]string{{"metric", "old", "new", "delta", ""}}
		for _, r := range c.rows {
			lines = append(lines, []string{r.metric, r.old, r.new, r.delta, r.p})
		}
		widths := make([]int, 5)
		for _, l := range lines {
			for i, s := range l {
				widths[i] = max(widths[i], utf8.RuneCountInString(s))
			}
		}
		for _, l := range lines {
			var b strings.Builder
			b.WriteString("  ")
			for i, s := range l {
				pad := widths[i] - utf8.RuneCountInString(s)
				if i == 0 {
					b.WriteString(s + strings.Repeat(" ", pad))
				} else {
					b.WriteString("  " + strings.Repeat(" ", pad) + s) // numbers right-aligned
				}
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
		for i, n := range t.notes {
			fmt.Fprintf(w, "%s %s\n", superscript(i+1), n)
		}
	}
	return nil
}

// Markdown writes one table per cell and the footnotes.
func Markdown(w io.Writer, cmp *results.Comparison) error {
	header(w, cmp, true)
	t := model(cmp, func(i int) string { return fmt.Sprintf("<sup>%d</sup>", i) })
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, c := range t.cells {
		fmt.Fprintf(w, "\n### %s\n\n", esc(c.title))
		if c.note != "" {
			fmt.Fprintf(w, "_%s_\n", c.note)
			continue
		}
		fmt.Fprintln(w, "| Metric | Old | New | Delta | |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---|")
		for _, r := range c.rows {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", esc(r.metric), r.old, r.new, r.delta, r.p)
		}
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
		for i, n := range t.notes {
			fmt.Fprintf(w, "<sup>%d</sup> %s  \n", i+1, n)
		}
	}
	return nil
}
