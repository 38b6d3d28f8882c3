package output

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// style names a cell style of the workbook; styles maps them to excelize IDs.
type style int

const (
	stDefault style = iota
	stTitle         // sheet title
	stBanner        // SIMULATED marking: white on red
	stNote          // explanations: grey, spills over empty neighbours
	stHeader        // column headers: bold, filled, wrapped
	stLabel         // bold text
	stText          // plain text
	stTokens        // #,##0
	stSeconds       // 0.0
	stMoney4        // $0.0000 (per workflow)
	stMoney2        // $#,##0.00 (per month)
	stPrice         // $#,##0.00## (USD per 1M tokens)
	stResult4       // emphasised money per workflow
	stResult2       // emphasised money per month
	stDate          // yyyy-mm-dd hh:mm:ss
	stPriceIn       // inputs: yellow fill and border
	stIntIn
	stNumIn
	stChoiceIn
	stWarn     // what to do about a wrong input: bold dark red
	stScore    // 0.0 (a quality score)
	stNum2     // #,##0.00
	stNoteWrap // a note alone on its row, wrapped across the sheet's columns
	numStyles
)

type styles [numStyles]int

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	fmtp := func(s string) *string { return &s }
	border := []excelize.Border{
		{Type: "left", Color: "BF9000", Style: 1}, {Type: "right", Color: "BF9000", Style: 1},
		{Type: "top", Color: "BF9000", Style: 1}, {Type: "bottom", Color: "BF9000", Style: 1},
	}
	input := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
	right := &excelize.Alignment{Horizontal: "right"} // "no price" lines up with the figures
	defs := map[style]*excelize.Style{
		stTitle:  {Font: &excelize.Font{Bold: true, Size: 14}},
		stBanner: {Font: &excelize.Font{Bold: true, Size: 12, Color: "FFFFFF"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C00000"}}},
		stNote:   {Font: &excelize.Font{Italic: true, Color: "595959"}},
		stHeader: {Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
			Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}},
		stLabel:    {Font: &excelize.Font{Bold: true}},
		stText:     {},
		stTokens:   {NumFmt: 3},
		stSeconds:  {CustomNumFmt: fmtp("0.0")},
		stMoney4:   {Alignment: right, CustomNumFmt: fmtp("$0.0000")},
		stMoney2:   {Alignment: right, CustomNumFmt: fmtp("$#,##0.00")},
		stPrice:    {Alignment: right, CustomNumFmt: fmtp("$#,##0.00##")},
		stResult4:  {Alignment: right, Font: &excelize.Font{Bold: true, Size: 12}, CustomNumFmt: fmtp("$0.0000")},
		stResult2:  {Alignment: right, Font: &excelize.Font{Bold: true, Size: 12}, CustomNumFmt: fmtp("$#,##0.00")},
		stDate:     {CustomNumFmt: fmtp("yyyy-mm-dd hh:mm:ss")},
		stPriceIn:  {Fill: input, Border: border, CustomNumFmt: fmtp("$#,##0.00##")},
		stIntIn:    {Fill: input, Border: border, NumFmt: 3},
		stNumIn:    {Fill: input, Border: border, NumFmt: 4},
		stChoiceIn: {Fill: input, Border: border, Font: &excelize.Font{Bold: true}},
		stWarn:     {Font: &excelize.Font{Bold: true, Color: "C00000"}},
		stScore:    {Alignment: right, CustomNumFmt: fmtp("0.0")},
		stNum2:     {NumFmt: 4},
		stNoteWrap: {Font: &excelize.Font{Italic: true, Color: "595959"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}},
	}
	for s, d := range defs {
		id, err := f.NewStyle(d)
		if err != nil {
			return st, fmt.Errorf("style %d: %w", s, err)
		}
		st[s] = id
	}
	return st, nil
}

// xcell is one cell: a value, a formula (without "=") whose cached value is
// v, and a style.
type xcell struct {
	v  any
	f  string
	st style
}

func text(s string, st style) xcell { return xcell{v: s, st: st} }

// grid collects a small sheet before it is streamed, so that column widths
// can be fitted to the content first (a stream sets widths before rows).
type grid struct {
	rows [][]xcell // rows[r-1][c-1]
}

func (g *grid) set(row, c int, x xcell) {
	for len(g.rows) < row {
		g.rows = append(g.rows, nil)
	}
	r := g.rows[row-1]
	for len(r) < c {
		r = append(r, xcell{})
	}
	r[c-1] = x
	g.rows[row-1] = r
}

// stream writes g into sheet with fitted column widths and optional frozen panes.
func (b *book) stream(sheet string, g *grid, panes *excelize.Panes) error {
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	widths := g.widths()
	total := 0.0
	for _, w := range widths {
		total += w
	}
	for c := 1; c <= len(widths); c++ {
		if w := widths[c]; w > 0 {
			if err := sw.SetColWidth(c, c, w); err != nil {
				return err
			}
		}
	}
	if panes != nil {
		if err := sw.SetPanes(panes); err != nil {
			return err
		}
	}
	for i, r := range g.rows {
		if len(r) == 0 {
			continue
		}
		vals := make([]any, len(r))
		head := false
		for c, x := range r {
			if x.st == stHeader {
				head = true
			}
			if x.v == nil && x.f == "" && x.st == stDefault {
				continue
			}
			vals[c] = excelize.Cell{StyleID: b.st[x.st], Formula: x.f, Value: x.v}
		}
		var opts []excelize.RowOpts
		if head {
			opts = append(opts, excelize.RowOpts{Height: 32})
		}
		// A note alone on its row wraps within the sheet's columns: spilled
		// past the last one, it would be cut off on a printed page.
		wrap := len(r) == 1 && r[0].st == stNote && len(widths) > 1
		if wrap {
			vals[0] = excelize.Cell{StyleID: b.st[stNoteWrap], Value: r[0].v}
			lines := math.Ceil(float64(utf8.RuneCountInString(display(r[0]))) * 1.1 / math.Max(total, 1))
			opts = append(opts, excelize.RowOpts{Height: 15 * math.Max(lines, 1)})
		}
		if err := sw.SetRow(ref(1, i+1), vals, opts...); err != nil {
			return err
		}
		if wrap {
			if err := sw.MergeCell(ref(1, i+1), ref(len(widths), i+1)); err != nil {
				return err
			}
		}
		// A banner alone on its row spans the sheet: some viewers clip
		// filled text at the cell's edge instead of letting it spill.
		if len(r) == 1 && r[0].st == stBanner {
			if err := sw.MergeCell(ref(1, i+1), ref(max(len(widths), 8), i+1)); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// widths are the column widths (1-based) g's content needs.
func (g *grid) widths() map[int]float64 {
	widths := map[int]float64{}
	for _, r := range g.rows {
		for c, x := range r {
			if w := cellWidth(x); w > widths[c+1] {
				widths[c+1] = w
			}
		}
	}
	return widths
}

// cellWidth is the column width x needs, in characters; notes, titles and
// banners spill over their empty neighbours and need none. Headers wrap onto
// two lines.
func cellWidth(x xcell) float64 {
	switch x.st {
	case stNote, stTitle, stBanner:
		return 0
	}
	s := display(x)
	n := float64(utf8.RuneCountInString(s))
	if x.st == stHeader {
		longest := 0
		for _, w := range strings.Fields(s) {
			longest = max(longest, utf8.RuneCountInString(w))
		}
		n = math.Max(float64(longest), math.Ceil(n/2)+2)
	}
	if x.st == stResult2 || x.st == stResult4 || x.st == stChoiceIn {
		n *= 1.15 // bold, larger
	}
	return math.Min(math.Max(n+3, 8), 80)
}

// display approximates how x shows in a spreadsheet, to size its column.
func display(x xcell) string {
	switch v := x.v.(type) {
	case string:
		return v
	case int:
		return display(xcell{v: float64(v), st: x.st})
	case float64:
		switch x.st {
		case stMoney4, stResult4:
			return fmt.Sprintf("$%.4f", v)
		case stMoney2, stResult2:
			return "$" + Thousands2(v)
		case stPrice, stPriceIn:
			return fmt.Sprintf("$%.4f", v)
		case stSeconds:
			return fmt.Sprintf("%.1f", v)
		case stDate:
			return "2006-01-02 15:04:05"
		case stNumIn, stNum2:
			return Thousands2(v)
		case stScore:
			return fmt.Sprintf("%.1f", v)
		default:
			return Thousands(v)
		}
	}
	if x.st == stPriceIn || x.st == stIntIn {
		return "$0.0000"
	}
	return ""
}
