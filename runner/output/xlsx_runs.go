package output

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// firstPhase is the Runs sheet's first per-phase column (0-based); each
// phase has one per runsPhaseColumns.
const firstPhase = 19

// runsPhaseColumns are the Runs sheet's per-phase columns: the metric
// table's (results.PhaseColumns, as the CSV has them), so a metric added
// there gets its column here too, except the split of tokens into input and
// output and the cost: they would double the per-phase columns for figures
// the CSV has per run (and the Measured sheet, the split, per cell).
func runsPhaseColumns() []results.PhaseColumn {
	return slices.DeleteFunc(results.PhaseColumns(), func(c results.PhaseColumn) bool {
		return c.Name == "input_tokens" || c.Name == "output_tokens" || c.Name == "cost"
	})
}

// runsPhaseColumn is the header and style of a phase's column of metric c.
func runsPhaseColumn(phase string, c results.PhaseColumn) (string, style) {
	switch c.Name {
	case "time":
		return phase + " (s)", stSeconds
	case "tokens":
		return phase + " tokens", stTokens
	case "ttft":
		return phase + " time to first token (s)", stNum2 // tenths would show most as 0.2 or 0.3
	}
	head := phase + " " + strings.ReplaceAll(c.Name, "_", " ")
	switch c.Unit {
	case "tokens":
		return head, stTokens
	case "USD":
		return head + " (USD)", stMoney4
	case "":
		return head, stNum2
	}
	return head + " (" + c.Unit + ")", stNum2
}

// runs streams every run as a filterable table; a row is written and
// forgotten, so 100,000 runs cost little memory beyond the summary itself.
func (b *book) runs() error {
	sw, err := b.f.NewStreamWriter(SheetRuns)
	if err != nil {
		return err
	}
	phases, pcols := b.sum.Phases, runsPhaseColumns()
	heads := []string{"Provider / model", "Provider", "Model", "Run", "Warm-up (not counted)", "Status", "Exit code", "Started (UTC)",
		"Time (s)", "CPU time (s)", "Peak memory (MB)", "Input tokens", "Output tokens", "of which reused input tokens",
		"Total tokens", "Cost (USD, benchmark prices)", "Input cost (USD)", "Output cost (USD)", "Tokens counted from"}
	for _, p := range phases {
		for _, c := range pcols {
			h, _ := runsPhaseColumn(p, c)
			heads = append(heads, h)
		}
	}
	// The judge's score and reason, when it scored any run.
	judged := false
	for _, r := range b.sum.Runs {
		judged = judged || r.Judge != nil
	}
	judgeCol := len(heads)
	if judged {
		heads = append(heads, "Quality score (1 to 10)", "Why (the judge's words)")
	}
	heads = append(heads, "Error")
	heads = unique(heads)

	// Fit text columns to their longest value; numbers get fixed widths.
	widths := make([]float64, len(heads))
	for i, h := range heads {
		widths[i] = cellWidth(text(h, stHeader))
	}
	fit := func(i int, s string) {
		if w := float64(utf8.RuneCountInString(s)) + 3; w > widths[i] {
			widths[i] = min(w, 60)
		}
	}
	for _, r := range b.sum.Runs {
		fit(0, r.Cell)
		fit(1, r.Provider)
		fit(2, r.Model)
		fit(5, string(r.Status))
		fit(len(heads)-1, r.Error)
		if judged && r.Judge != nil {
			fit(judgeCol+1, r.Judge.Reason)
		}
	}
	widths[7] = max(widths[7], 21)
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, max(w, 10)); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: headRow, TopLeftCell: ref(2, firstRow), ActivePane: "bottomRight"}); err != nil {
		return err
	}

	st := b.st
	title, titleStyle := "Runs: every run as recorded", st[stTitle]
	if b.sum.Replayed != nil {
		title, titleStyle = "REPLAYED (a recording's figures, not measured anew): "+title, st[stBanner]
	} else if b.sum.Simulated {
		title, titleStyle = "SIMULATED (dry run, not real provider figures): "+title, st[stBanner]
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: title}}); err != nil {
		return err
	}
	if b.word() != "" {
		if err := sw.MergeCell("A1", ref(min(len(heads), 10), 1)); err != nil {
			return err
		}
	}
	note := "Warm-up runs are listed (Warm-up = yes) but never counted in the averages. Use the arrows in the header row to filter or sort. Costs are at the benchmark's prices: they do not follow changes on the Pricing sheet."
	// Wrapped across the table's columns: spilled past them it would be cut
	// off on a printed page.
	total := 0.0
	for _, w := range widths {
		total += max(w, 10)
	}
	lines := max(1, math.Ceil(float64(utf8.RuneCountInString(note))*1.1/total))
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: st[stNoteWrap], Value: note}}, excelize.RowOpts{Height: 15 * lines}); err != nil {
		return err
	}
	if err := sw.MergeCell("A2", ref(len(heads), 2)); err != nil {
		return err
	}
	row := make([]any, len(heads))
	for i, h := range heads {
		row[i] = excelize.Cell{StyleID: st[stHeader], Value: h}
	}
	if err := sw.SetRow(ref(1, headRow), row, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	if len(b.sum.Runs) > 0 { // spliceZip writes the rows in its place
		if err := sw.SetRow(ref(1, firstRow), []any{runsPlaceholder}); err != nil {
			return err
		}
		b.runRows = func(w io.Writer) error { return b.runRowsXML(w, len(heads), pcols, judged, judgeCol) }
	}
	if len(b.sum.Runs) > 0 {
		if err := sw.AddTable(&excelize.Table{
			Range:     fmt.Sprintf("A%d:%s%d", headRow, col(len(heads)), headRow+len(b.sum.Runs)),
			Name:      "Runs",
			StyleName: "TableStyleLight9",
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// runRowsXML writes the Runs sheet's rows, one per run, from firstRow on.
func (b *book) runRowsXML(w io.Writer, columns int, pcols []results.PhaseColumn, judged bool, judgeCol int) error {
	st := b.st
	row := newSheetRow(columns)
	styles := make([]int, len(pcols))
	for i, c := range pcols {
		_, s := runsPhaseColumn("", c)
		styles[i] = st[s]
	}
	for i, r := range b.sum.Runs {
		row.start(firstRow + i)
		row.str(0, 0, r.Cell)
		row.str(1, 0, r.Provider)
		row.str(2, 0, r.Model)
		row.int(3, 0, int64(r.Index))
		warm := "no"
		if r.Warmup {
			warm = "yes"
		}
		row.str(4, 0, warm)
		row.str(5, 0, string(r.Status))
		row.int(6, 0, int64(r.ExitCode))
		if !r.Started.IsZero() {
			row.time(7, st[stDate], r.Started.UTC())
		}
		row.num(8, st[stSeconds], r.WallSeconds)
		row.num(9, st[stSeconds], r.UserSeconds+r.SysSeconds)
		row.num(10, st[stSeconds], r.PeakRSSMB)
		known := r.Unmetered == "" // unknown tokens are an empty cell, not 0
		if known {
			row.num(11, st[stTokens], float64(r.Tokens.Input))
			row.num(12, st[stTokens], float64(r.Tokens.Output))
			row.num(13, st[stTokens], float64(r.Tokens.CachedInput))
			row.num(14, st[stTokens], float64(r.Tokens.Total()))
		}
		if r.Cost != nil {
			row.num(15, st[stMoney4], *r.Cost)
			row.num(16, st[stMoney4], r.InputCost)
			row.num(17, st[stMoney4], r.OutputCost)
		}
		row.str(18, 0, tokenSourceWords(r.TokenSource))
		col := firstPhase
		for _, p := range b.sum.Phases {
			for i, c := range pcols {
				if v, ok := c.Of(r, p); ok { // unknown: an empty cell, not 0
					row.num(col, styles[i], v)
				}
				col++
			}
		}
		if judged && r.Judge != nil {
			if r.Judge.Score != nil {
				row.num(judgeCol, st[stScore], *r.Judge.Score)
			}
			reason := r.Judge.Reason
			if reason == "" && r.Judge.Error != "" {
				reason = "no score: " + r.Judge.Error
			}
			row.str(judgeCol+1, 0, reason)
		}
		row.str(columns-1, 0, r.Error)
		if err := row.end(w); err != nil {
			return err
		}
	}
	return nil
}

// tokenSourceWords says where a run's token counts come from, in words.
func tokenSourceWords(src string) string {
	switch src {
	case record.SourceProxy:
		return "the API calls (metered)"
	case record.SourceEvents:
		return "the workflow's own report"
	case record.SourceRegex:
		return "the workflow's output"
	}
	return src
}

// unique suffixes repeated headers, which a table does not allow.
func unique(heads []string) []string {
	seen := map[string]int{}
	for i, h := range heads {
		seen[h]++
		if n := seen[h]; n > 1 {
			heads[i] = fmt.Sprintf("%s (%d)", h, n)
		}
	}
	return heads
}
