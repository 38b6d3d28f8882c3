// Command synth writes a synthetic benchmark folder (spec.yaml, runs.jsonl,
// benchmark.json) with N run records, for measuring `runner report` at scale:
//
//	go run ./examples/perf/synth -runs 100000 -out /tmp/synth
//	runner report /tmp/synth
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
)

func main() {
	n := flag.Int("runs", 100000, "run records to write")
	out := flag.String("out", "/tmp/synth", "output folder")
	specPath := flag.String("spec", "specs/phase4c.yaml", "spec whose cells and phases the records use")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	src, err := os.ReadFile(*specPath)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "spec.yaml"), src, 0o644); err != nil {
		log.Fatal(err)
	}
	cells := []struct{ cell, provider, model string }{
		{"ollama_llama3.2-3b", "ollama", "llama3.2:3b"},
		{"anthropic_claude-3-5-sonnet-20241022", "anthropic", "claude-3-5-sonnet-20241022"},
		{"openai_gpt-4-turbo", "openai", "gpt-4-turbo"},
		{"gemini_gemini-1.5-pro", "gemini", "gemini-1.5-pro"},
	}
	phases := []string{"Data Preparation", "Performance Analysis", "Training Planning", "Report Generation"}
	f, err := os.Create(filepath.Join(*out, "runs.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	enc := json.NewEncoder(f)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	per := *n / len(cells)
	for ci, c := range cells {
		for i := 1; i <= per; i++ {
			r := record.Run{Cell: c.cell, Provider: c.provider, Model: c.model, Index: i, Status: record.StatusOK,
				Started: start.Add(time.Duration(ci*per+i) * time.Minute), TokenSource: record.SourceProxy,
				Log: fmt.Sprintf("logs/%s_run%d.log", c.cell, i), Dir: fmt.Sprintf("runs/%s/run%d", c.cell, i),
				Artifacts: map[string]record.Artifact{"reports": {MB: 0.03, Files: 3}, "sessions": {MB: 0.04, Files: 1}}}
			if rng.IntN(50) == 0 {
				r.Status, r.ExitCode, r.Error = record.StatusFailed, 1, "exit code 1"
			}
			at := 0.0
			for pi, p := range phases {
				secs := 2 + rng.Float64()*float64(10*(pi+1))
				r.Phases = append(r.Phases, record.Phase{Name: p, Start: at, Seconds: secs})
				if pi > 0 {
					in := int64(1000 + rng.IntN(4000))
					out := int64(300 + rng.IntN(900))
					r.Calls = append(r.Calls, record.Call{API: llmapi.API(c.provider), Endpoint: "chat", Model: c.model, Phase: p, Status: 200,
						Start: at + 0.1, LatencyS: secs - 0.2, TTFTS: 0.3 + rng.Float64(), OutputTPS: 40 + rng.Float64()*60,
						UsageStatus: "reported", Tokens: record.Tokens{Input: in, Output: out}})
				}
				at += secs
			}
			r.WallSeconds = at + 0.05
			r.UserSeconds, r.SysSeconds = 0.3, 0.05
			r.CPUPercent = 100 * 0.35 / r.WallSeconds
			r.PeakRSSMB = 40 + rng.Float64()*10
			if err := enc.Encode(&r); err != nil {
				log.Fatal(err)
			}
		}
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	bm := record.Benchmark{Spec: "phase4c", Started: start, Finished: start.Add(time.Duration(*n) * time.Minute), Host: "synthetic", OS: "linux", Cores: 2}
	b, _ := json.MarshalIndent(bm, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "benchmark.json"), b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d records to %s\n", per*len(cells), *out)
}
