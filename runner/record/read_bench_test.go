package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// BenchmarkRead decodes 10,000 records shaped like examples/perf/synth's
// (four phases, three calls, two artifacts); compare CPU with -cpu 1.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	for i := range 10000 {
		r := Run{Cell: "anthropic_claude-3-5-sonnet", Provider: "anthropic", Model: "claude-3-5-sonnet", Index: i + 1, Status: StatusOK,
			Started: time.Date(2026, 1, 1, 0, i%60, 0, 0, time.UTC), WallSeconds: 39.53527758681981, UserSeconds: 0.3, SysSeconds: 0.05,
			CPUPercent: 0.8852852980009992, PeakRSSMB: 45.85619150034663, TokenSource: SourceProxy,
			Log: fmt.Sprintf("logs/cell_run%d.log", i), Dir: fmt.Sprintf("runs/cell/run%d", i),
			Artifacts: map[string]Artifact{"reports": {MB: 0.03, Files: 3}, "sessions": {MB: 0.04, Files: 1}}}
		at := 0.0
		for p, name := range []string{"Data Preparation", "Performance Analysis", "Training Planning", "Report Generation"} {
			secs := 6.613862177205994 + float64(p)
			r.Phases = append(r.Phases, Phase{Name: name, Start: at, Seconds: secs})
			if p > 0 {
				r.Calls = append(r.Calls, Call{API: "anthropic", Endpoint: "messages", Model: r.Model, Phase: name, Status: 200,
					Start: at + 0.1, LatencyS: secs - 0.2, TTFTS: 0.6883664855410057, OutputTPS: 89.15650158516166,
					UsageStatus: UsageReported, Tokens: Tokens{Input: 4186, Output: 510}})
			}
			at += secs
		}
		line, err := json.Marshal(&r)
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(append(line, '\n'))
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
