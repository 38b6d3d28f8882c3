package output

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
)

// The CSV's own record writer quotes and escapes as encoding/csv does, and
// numbers stay numbers, so any CSV reader reads back every field.
func TestCSVLineAsEncodingCSV(t *testing.T) {
	fields := []string{"", "plain", "a,b", `say "hi"`, "two\nlines", "cr\rhere", " lead", "\tlead", `\.`, "=SUM(A1)", "-3.5", "-x", "+Inf",
		"@cmd", "ünï,cödé", "\u00a0nbsp", "trail ", `"`, "gpt-4o", "1e5"}
	var got bytes.Buffer
	var l csvLine
	for _, s := range fields {
		l.str(s)
	}
	for _, v := range []float64{-1.5, 0, 3.14159, math.Inf(1), math.Inf(-1), math.NaN()} {
		l.num(v, 3, true)
	}
	l.num(1, 3, false)
	l.int(-7, true)
	l.int(7, false)
	if err := l.end(&got); err != nil {
		t.Fatal(err)
	}

	var want bytes.Buffer
	cw := csv.NewWriter(&want)
	row := []string{}
	for _, s := range fields {
		row = append(row, CSVCell(s))
	}
	for _, v := range []float64{-1.5, 0, 3.14159, math.Inf(1), math.Inf(-1), math.NaN()} {
		row = append(row, CSVCell(strconv.FormatFloat(v, 'f', 3, 64)))
	}
	row = append(row, "", "-7", "")
	if err := cw.Write(row); err != nil {
		t.Fatal(err)
	}
	cw.Flush()
	if got.String() != want.String() {
		t.Errorf("got  %q\nwant %q", got.String(), want.String())
	}
	back, err := csv.NewReader(&got).Read()
	if err != nil || len(back) != len(row) {
		t.Fatalf("read back %d fields (%v), want %d", len(back), err, len(row))
	}
}
