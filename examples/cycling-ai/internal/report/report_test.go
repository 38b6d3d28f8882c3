package report

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/analysis"
)

func TestBlocks(t *testing.T) {
	in := "# Week 1\nRide **easy** and\nsleep well.\n\n- Mon: rest\n* Tue: 2x20 @ 250 W\n1. Wed: spin\n\n| day | session |\n|---|---|\n\n```\ncode <b>\n```\n"
	want := []Block{
		{Kind: "h", Text: "Week 1"},
		{Kind: "p", Text: "Ride easy and sleep well."},
		{Kind: "ul", Items: []string{"Mon: rest", "Tue: 2x20 @ 250 W", "Wed: spin"}},
		{Kind: "pre", Text: "| day | session |\n|---|---|"},
		{Kind: "pre", Text: "code <b>"},
	}
	if got := Blocks(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Blocks =\n%+v\nwant\n%+v", got, want)
	}
}

func TestWriteEscapesModelText(t *testing.T) {
	dir := t.TempDir()
	agg := &analysis.Aggregates{PowerZones: analysis.TimeInZones([]float64{100, 300}, analysis.PowerZones(250))}
	agg.Athlete.Name = `Eve "<img src=x onerror=alert(1)>"`
	agg.Weekly = []analysis.Week{{Start: "2025-06-02", Rides: 2, Hours: 3, Km: 90, TSS: 228}}
	files, err := Write(dir, Data{Agg: agg, Analysis: "<script>x</script>", Plan: "# Plan\n- <i>a</i>", Summary: "ok", PlanWeeks: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("files = %v", files)
	}
	for _, name := range Files {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(raw)
		for _, bad := range []string{"<script>x", "<img src", "<i>a</i>", "ZgotmplZ"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}
