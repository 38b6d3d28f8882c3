package output

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The Runs sheet of a large benchmark is most of the workbook: 100,000 runs
// are 2.5 million cells, and excelize's StreamWriter spent over a
// microsecond on each (a cell name, an interface, a few strings). So its
// rows are written here, cell by cell in the bytes excelize would write
// (TestSheetRowAsExcelize compares them), straight into the sheet's zip
// entry: excelize streams the sheet with a placeholder row where the runs
// go, and spliceZip puts them there as the workbook is zipped, deflating
// them on every core.

// runsPlaceholder is the text of the placeholder row.
const runsPlaceholder = "runner: the runs go here"

// spliceZip is the workbook's zip writer: it holds each worksheet entry
// back until the next one starts, to replace the placeholder row, if the
// sheet has it, by what rows writes, deflated on every core.
type spliceZip struct {
	*zip.Writer
	rows    func(io.Writer) error // nil: nothing (more) to splice
	holding bool
	name    string // of the held-back entry
	held    bytes.Buffer
}

func (z *spliceZip) Create(name string) (io.Writer, error) {
	if err := z.flush(); err != nil {
		return nil, err
	}
	if z.rows == nil || !strings.HasPrefix(name, "xl/worksheets/") {
		return z.Writer.Create(name)
	}
	z.holding, z.name = true, name
	z.held.Reset()
	return &z.held, nil
}

func (z *spliceZip) Close() error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.Writer.Close()
}

// flush writes the held-back entry, the runs in place of the placeholder.
func (z *spliceZip) flush() error {
	if !z.holding {
		return nil
	}
	z.holding = false
	b := z.held.Bytes()
	at := bytes.Index(b, []byte(runsPlaceholder))
	if at < 0 {
		w, err := z.Writer.Create(z.name)
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	start := bytes.LastIndex(b[:at], []byte("<row "))
	end := bytes.Index(b[at:], []byte("</row>"))
	if start < 0 || end < 0 {
		return errors.New("runs: placeholder row not found") // excelize changed its rows
	}
	end += at + len("</row>")
	rows := z.rows
	z.rows = nil // one sheet has it
	d := newParallelDeflate()
	d.Write(b[:start])
	if err := rows(d); err != nil {
		d.Close()
		return err
	}
	d.Write(b[end:])
	crc, size, deflated := d.Close()
	w, err := z.Writer.CreateRaw(&zip.FileHeader{Name: z.name, Method: zip.Deflate,
		CRC32: crc, CompressedSize64: uint64(deflated), UncompressedSize64: uint64(size)})
	if err == nil {
		_, err = d.WriteTo(w)
	}
	return err
}

// parallelDeflate deflates what is written to it in chunks, each on its
// own core, as pigz does: every chunk but the last ends in a sync flush, so
// the chunks joined are one deflate stream.
type parallelDeflate struct {
	buf   []byte
	crc   hash.Hash32
	size  int64
	parts []*deflatePart
	slots chan struct{}      // chunks being deflated at once
	free  chan []byte        // chunk buffers to fill again
	fws   chan *flate.Writer // deflaters to Reset: a new one allocates 1 MB
	wg    sync.WaitGroup
}

type deflatePart struct{ out bytes.Buffer }

const deflateChunk = 4 << 20

func newParallelDeflate() *parallelDeflate {
	n := runtime.GOMAXPROCS(0)
	return &parallelDeflate{crc: crc32.NewIEEE(), slots: make(chan struct{}, n), free: make(chan []byte, n+1), fws: make(chan *flate.Writer, n)}
}

func (d *parallelDeflate) Write(p []byte) (int, error) {
	d.crc.Write(p)
	d.size += int64(len(p))
	if d.buf == nil {
		select {
		case d.buf = <-d.free:
		default:
			d.buf = make([]byte, 0, deflateChunk+64<<10)
		}
	}
	d.buf = append(d.buf, p...)
	if len(d.buf) >= deflateChunk {
		d.deflate(false)
	}
	return len(p), nil
}

// deflate hands the buffered chunk to a core.
func (d *parallelDeflate) deflate(last bool) {
	chunk := d.buf
	d.buf = nil
	part := &deflatePart{}
	d.parts = append(d.parts, part)
	d.slots <- struct{}{}
	d.wg.Go(func() {
		defer func() { <-d.slots }()
		part.out.Grow(len(chunk) / 4) // about what the Runs sheet deflates to
		var fw *flate.Writer
		select {
		case fw = <-d.fws:
			fw.Reset(&part.out)
		default:
			fw, _ = flate.NewWriter(&part.out, flate.BestSpeed) // a valid level: no error
		}
		fw.Write(chunk) // into a bytes.Buffer: no error
		if last {
			fw.Close()
		} else {
			fw.Flush()
		}
		select {
		case d.free <- chunk[:0]:
		default:
		}
		select {
		case d.fws <- fw:
		default:
		}
	})
}

// Close waits for every chunk and returns the CRC-32 and size of what was
// written and the size of the deflated stream.
func (d *parallelDeflate) Close() (crc uint32, size, deflated int64) {
	d.deflate(true)
	d.wg.Wait()
	for _, p := range d.parts {
		deflated += int64(p.out.Len())
	}
	return d.crc.Sum32(), d.size, deflated
}

// WriteTo writes the deflated stream, after Close.
func (d *parallelDeflate) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range d.parts {
		m, err := w.Write(p.out.Bytes())
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// sheetRow builds one <row> of a streamed sheet as excelize's StreamWriter
// writes it: cells in column order, nil (absent) cells left out.
type sheetRow struct {
	b    []byte
	row  int
	rowS string   // the row number as text
	cols []string // column letters, by 0-based column
}

func newSheetRow(columns int) *sheetRow {
	r := &sheetRow{cols: make([]string, columns)}
	for i := range r.cols {
		r.cols[i], _ = excelize.ColumnNumberToName(i + 1)
	}
	return r
}

// start begins row number n.
func (r *sheetRow) start(n int) {
	r.row, r.rowS = n, strconv.Itoa(n)
	r.b = append(r.b[:0], `<row r="`...)
	r.b = append(r.b, r.rowS...)
	r.b = append(r.b, `">`...)
}

// end closes the row and writes it.
func (r *sheetRow) end(w io.Writer) error {
	r.b = append(r.b, `</row>`...)
	_, err := w.Write(r.b)
	return err
}

// open writes <c r="B4" s="3" t="...">.
func (r *sheetRow) open(col, style int, typ string) {
	r.b = append(r.b, `<c r="`...)
	r.b = append(r.b, r.cols[col]...)
	r.b = append(r.b, r.rowS...)
	r.b = append(r.b, '"')
	if style != 0 {
		r.b = append(r.b, ` s="`...)
		r.b = strconv.AppendInt(r.b, int64(style), 10)
		r.b = append(r.b, '"')
	}
	if typ != "" {
		r.b = append(r.b, ` t="`...)
		r.b = append(r.b, typ...)
		r.b = append(r.b, '"')
	}
	r.b = append(r.b, '>')
}

// str is a text cell (an inline string).
func (r *sheetRow) str(col, style int, s string) {
	r.open(col, style, "inlineStr")
	r.b = append(r.b, `<is><t`...)
	r.b = appendInlineText(r.b, s)
	r.b = append(r.b, `</t></is></c>`...)
}

// int is an integer cell.
func (r *sheetRow) int(col, style int, v int64) {
	r.open(col, style, "")
	r.b = append(r.b, `<v>`...)
	r.b = strconv.AppendInt(r.b, v, 10)
	r.b = append(r.b, `</v></c>`...)
}

// num is a number cell; NaN and infinities are text, as excelize has them.
func (r *sheetRow) num(col, style int, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.str(col, style, fmt.Sprint(v))
		return
	}
	r.open(col, style, "")
	r.b = append(r.b, `<v>`...)
	r.b = appendCellFloat(r.b, v)
	r.b = append(r.b, `</v></c>`...)
}

// time is a date cell: its Excel serial number (1900 date system).
func (r *sheetRow) time(col, style int, t time.Time) {
	_, offset := t.Zone()
	t = t.Add(time.Duration(offset) * time.Second)
	serial, ok := excelTime(t)
	if !ok { // before 1900: text, unescaped as excelize writes it
		r.open(col, style, "inlineStr")
		r.b = append(r.b, `<is><t>`...)
		r.b = append(r.b, t.Format(time.RFC3339Nano)...)
		r.b = append(r.b, `</t></is></c>`...)
		return
	}
	r.open(col, style, "")
	r.b = append(r.b, `<v>`...)
	r.b = strconv.AppendFloat(r.b, serial, 'f', -1, 64)
	r.b = append(r.b, `</v></c>`...)
}

var (
	excelMinTime   = time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	excelLeapStart = time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
	excelMaxTime   = excelMinTime.Add(290 * 364 * 24 * time.Hour) // excelize adds the days up in parts past it
)

// excelTime is excelize's Excel serial number of t; false before 1900 or
// after 2189, where excelize writes text or counts in parts.
func excelTime(t time.Time) (float64, bool) {
	if t.Before(excelMinTime) || !t.Before(excelMaxTime) {
		return 0, false
	}
	const day = 24 * time.Hour
	diff := t.Sub(excelMinTime)
	rem := diff % day
	v := float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	if t.After(excelLeapStart) { // Excel's 29 February 1900
		v++
	}
	return v, v > 0
}

// appendCellFloat is excelize's formatCellFloat(v, -1, 64): the shortest
// decimal, cut to Excel's 15 significant digits.
func appendCellFloat(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	if math.Abs(v) == math.MaxFloat64 {
		return b
	}
	str := b[start:]
	const maxPrec = 15
	decimal := bytes.IndexByte(str, '.')
	significant := 0
	for idx := range str {
		if str[idx] < '0' || str[idx] > '9' || significant == 0 && str[idx] == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			b = b[:start+idx]
			if b[len(b)-1] == '.' {
				b = b[:len(b)-1]
			}
			return b
		}
		if decimal < 0 {
			decimal = len(str)
		}
		b = b[:start+decimal]
		for i := start + idx; i < len(b); i++ {
			b[i] = '0'
		}
		return b
	}
	return b
}

// appendInlineText appends the rest of <t ...>s as excelize's
// trimCellValue(s, true) has it: cut to 32,767 UTF-16 units, whitespace at
// either end preserved, XML-escaped (newlines kept), "_xHHHH_" escaped.
func appendInlineText(b []byte, s string) []byte {
	if len(s) > maxCellChars { // bytes >= UTF-16 units: only then can it be too long
		s = cutUTF16(s, maxCellChars)
	}
	if s != "" && (isSpaceByte(s[0]) || isSpaceByte(s[len(s)-1])) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	if plainText(s) {
		return append(b, s...)
	}
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(s))
	t := strings.ReplaceAll(esc.String(), "&#xA;", "\n")
	return append(b, bstrMarshal(t)...)
}

const maxCellChars = 32767 // excelize.TotalCellChars

func isSpaceByte(c byte) bool { return c == 9 || c == 10 || c == 13 || c == 32 }

// plainText: nothing in s that XML escaping or the "_xHHHH_" escape changes.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '&', c == '<', c == '>', c == '"', c == '\'', c >= utf8.RuneSelf:
			return false
		case c == '_' && i+1 < len(s) && s[i+1] == 'x':
			return false
		}
	}
	return true
}

// cutUTF16 keeps the first n UTF-16 units of s.
func cutUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's: a literal "_xHHHH_" in text is escaped as
// "_x005F_xHHHH_" so that Excel does not read it as a character.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}
