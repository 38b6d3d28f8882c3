package output

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The Runs sheet's rows, written by sheetRow, are the bytes excelize's
// StreamWriter writes for the same values: text of every kind (escapes,
// whitespace, "_xHHHH_", too long), numbers past 15 digits, dates.
func TestSheetRowAsExcelize(t *testing.T) {
	texts := []string{"", "plain", "a & b < c > d", `"quoted" 'single'`, "two\nlines", "tab\there", " lead", "trail ", "\ttab",
		"ctrl\x01char", "_x0041_ literal", "_x005F_x0041_", "_xZZZZ_", "ünïcödé ✓", "bad\xffutf8", "\uFFFE", strings.Repeat("é", 20000),
		strings.Repeat("x", 40000), "runs: yes"}
	floats := []float64{0, 1, -1, 0.1 + 0.2, 1e21, 123456789012345678, 1.0 / 3, -2.5e-7, math.MaxFloat64, 1e-300, math.NaN(), math.Inf(1), math.Inf(-1)}
	ints := []int64{0, 7, -1, math.MaxInt64}
	times := []time.Time{time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC), time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}

	var values []any
	for _, s := range texts {
		values = append(values, s)
	}
	for i, v := range floats {
		values = append(values, excelize.Cell{StyleID: i % 3, Value: v})
	}
	for _, v := range ints {
		values = append(values, v)
	}
	for _, v := range times {
		values = append(values, excelize.Cell{StyleID: 2, Value: v})
	}
	values = append(values, nil, "after a gap")

	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A4", values); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var book bytes.Buffer
	if err := f.Write(&book); err != nil {
		t.Fatal(err)
	}
	want := sheetXML(t, book.Bytes(), "xl/worksheets/sheet1.xml")
	want = want[strings.Index(want, `<row r="4"`):]
	want = want[:strings.Index(want, "</row>")+len("</row>")]

	r := newSheetRow(len(values))
	r.start(4)
	for i, v := range values {
		switch v := v.(type) {
		case string:
			r.str(i, 0, v)
		case int64:
			r.int(i, 0, v)
		case excelize.Cell:
			switch x := v.Value.(type) {
			case float64:
				r.num(i, v.StyleID, x)
			case time.Time:
				r.time(i, v.StyleID, x)
			}
		}
	}
	var got bytes.Buffer
	if err := r.end(&got); err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		g, w := got.String(), want
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Errorf("rows differ at byte %d:\ngot  …%.200s\nwant …%.200s", i, g[i:], w[i:])
	}
}

func sheetXML(t *testing.T, book []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The chunks deflated side by side inflate to what was written, with its
// CRC-32 and size.
func TestParallelDeflate(t *testing.T) {
	var want bytes.Buffer
	d := newParallelDeflate()
	for i := 0; want.Len() < 3*deflateChunk+12345; i++ {
		line := []byte(strings.Repeat(string(rune('a'+i%26)), i%97) + "<row r=\"" + time.Duration(i*7919).String() + "\"/>\n")
		want.Write(line)
		d.Write(line)
	}
	crc, size, deflated := d.Close()
	var data bytes.Buffer
	if n, err := d.WriteTo(&data); err != nil || n != deflated {
		t.Fatalf("wrote %d of %d bytes: %v", n, deflated, err)
	}
	got, err := io.ReadAll(flate.NewReader(&data))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("inflated %d bytes, not the %d written", len(got), want.Len())
	}
	if size != int64(want.Len()) || crc != crc32.ChecksumIEEE(want.Bytes()) {
		t.Errorf("size %d crc %08x, want %d %08x", size, crc, want.Len(), crc32.ChecksumIEEE(want.Bytes()))
	}
}
