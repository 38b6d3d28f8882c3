package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Whatever field of a record the workload filled — a phase or model name
// in its events, a metric's name and reason, a warning quoting them, a
// call's phase — no secret reaches runs.jsonl, and the file reads back.
func TestWriteScrubsEveryField(t *testing.T) {
	const key = "sk-proj-workloadsecret0123456789"
	t.Setenv("OPENAI_API_KEY", key)
	path := filepath.Join(t.TempDir(), "runs.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r := Run{Cell: "a", Index: 1, Status: StatusOK,
		Phases:        []Phase{{Name: key, Seconds: 1}},
		Usage:         []Usage{{Phase: key, Model: key, Source: SourceEvents, Tokens: Tokens{Input: 5}}},
		Metrics:       map[string]float64{key: 1},
		MetricReasons: map[string]string{"q": "scored with " + key},
		Warnings:      []string{`an X-Runner-Phase header names "` + key + `"`},
	}
	r.Calls = []Call{{API: "openai", Phase: key, Model: "m", Status: 200}}
	if err := w.Write(&r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "workloadsecret") {
		t.Errorf("runs.jsonl holds the key:\n%s", b)
	}
	out, err := ReadFile(path)
	if err != nil || len(out) != 1 || out[0].Phases[0].Name != "REDACTED" {
		t.Errorf("read back %+v, %v", out, err)
	}
}
