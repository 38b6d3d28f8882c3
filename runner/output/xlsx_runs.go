package output

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/runner-bench/runner/runner/record"
)

// runs streams every run as a filterable table; a row is written and
// forgotten, so 100,000 runs cost little memory beyond the summary itself.
func (b *book) runs() error {
	sw, err := b.f.NewStreamWriter(SheetRuns)
	if err != nil {
		return err
	}
	phases := b.sum.Phases
	heads := []string{"Provider / model", "Provider", "Model", "Run", "Warm-up (not counted)", "Status", "Exit code", "Started (UTC)",
		"Time (s)", "CPU time (s)", "Peak memory (MB)", "Input tokens", "Output tokens", "of which reused input tokens",
		"Total tokens", "Cost (USD, benchmark prices)", "Input cost (USD)", "Output cost (USD)", "Tokens counted from"}
	const firstPhase = 19
	for _, p := range phases {
		heads = append(heads, p+" (s)", p+" tokens")
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
	num := func(v float64, s style) excelize.Cell { return excelize.Cell{StyleID: st[s], Value: v} }
	for i, r := range b.sum.Runs {
		for j := range row {
			row[j] = nil
		}
		warm := "no"
		if r.Warmup {
			warm = "yes"
		}
		row[0], row[1], row[2], row[3], row[4], row[5] = r.Cell, r.Provider, r.Model, r.Index, warm, r.Status
		row[6] = r.ExitCode
		if !r.Started.IsZero() {
			row[7] = excelize.Cell{StyleID: st[stDate], Value: r.Started.UTC()}
		}
		row[8] = num(r.WallSeconds, stSeconds)
		row[9] = num(r.UserSeconds+r.SysSeconds, stSeconds)
		row[10] = num(r.PeakRSSMB, stSeconds)
		known := r.Unmetered == "" // unknown tokens are an empty cell, not 0
		if known {
			row[11] = num(float64(r.Tokens.Input), stTokens)
			row[12] = num(float64(r.Tokens.Output), stTokens)
			row[13] = num(float64(r.Tokens.CachedInput), stTokens)
			row[14] = num(float64(r.Tokens.Total()), stTokens)
		}
		if r.Cost != nil {
			row[15] = excelize.Cell{StyleID: st[stMoney4], Value: *r.Cost}
			row[16] = excelize.Cell{StyleID: st[stMoney4], Value: r.InputCost}
			row[17] = excelize.Cell{StyleID: st[stMoney4], Value: r.OutputCost}
		}
		row[18] = tokenSourceWords(r.TokenSource)
		for j, p := range phases {
			if ph := r.Phases[p]; ph != nil {
				row[firstPhase+2*j] = num(ph.Seconds, stSeconds)
				if known {
					row[firstPhase+1+2*j] = num(float64(ph.Tokens.Total()), stTokens)
				}
			}
		}
		if judged && r.Judge != nil {
			if r.Judge.Score != nil {
				row[judgeCol] = excelize.Cell{StyleID: st[stScore], Value: *r.Judge.Score}
			}
			row[judgeCol+1] = r.Judge.Reason
			if r.Judge.Reason == "" && r.Judge.Error != "" {
				row[judgeCol+1] = "no score: " + r.Judge.Error
			}
		}
		row[len(row)-1] = r.Error
		if err := sw.SetRow(ref(1, firstRow+i), row); err != nil {
			return err
		}
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
