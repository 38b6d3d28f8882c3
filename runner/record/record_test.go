package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/redact"
)

func TestWriteThenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	in := []Run{
		{Cell: "a", Index: 1, Status: StatusOK, Usage: []Usage{{Phase: "P", Source: SourceEvents, Tokens: Tokens{Input: 10, Output: 2, CachedInput: 4}}}},
		{Cell: "a", Index: 2, Status: StatusFailed, ExitCode: 3, Error: "exit code 3"},
	}
	for i := range in {
		if err := w.Write(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Usage[0].CachedInput != 4 || out[1].ExitCode != 3 {
		t.Errorf("read back %+v", out)
	}
}

func TestReadToleratesOnlyATruncatedLastLine(t *testing.T) {
	good := `{"cell":"a","run":1,"status":"ok"}` + "\n"
	runs, err := Read(strings.NewReader(good + `{"cell":"a","ru`))
	var trunc *TruncatedError
	if !errors.As(err, &trunc) || trunc.Line != 2 || len(runs) != 1 {
		t.Errorf("a crash mid-write should lose only the last line, and say so: %v, %d runs", err, len(runs))
	}
	if _, err := Read(strings.NewReader(good + "{oops\n" + good)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a malformed line in the middle must be an error naming it, got %v", err)
	}
}

// Records are decoded in batches on several cores: they still come back in
// file order, and a malformed line is judged by where it is in the file.
func TestReadManyKeepsOrderAndLineNumbers(t *testing.T) {
	var sb strings.Builder
	const n = 3*batchLines + 7
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, `{"cell":"c","run":%d,"status":"ok"}`+"\n", i)
		if i%100 == 0 {
			sb.WriteString("\n") // blank lines count as lines
		}
	}
	good := sb.String()
	blank := n / 100
	runs, err := Read(strings.NewReader(good))
	if err != nil || len(runs) != n {
		t.Fatalf("read %d runs, %v", len(runs), err)
	}
	for i, r := range runs {
		if r.Index != i+1 {
			t.Fatalf("record %d is run %d: order lost", i, r.Index)
		}
	}
	runs, err = Read(strings.NewReader(good + `{"cell":"c","ru`))
	var trunc *TruncatedError
	if !errors.As(err, &trunc) || trunc.Line != n+blank+1 || len(runs) != n {
		t.Errorf("torn last line: %v, %d runs", err, len(runs))
	}
	lines := strings.SplitAfter(good, "\n")
	lines[2*batchLines+5] = "{oops\n"
	_, err = Read(strings.NewReader(strings.Join(lines, "")))
	if want := fmt.Sprintf("line %d:", 2*batchLines+6); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("a malformed line in the middle: got %v, want %q", err, want)
	}
}

func TestLatestKeepsTheLastRecordOfEachRun(t *testing.T) {
	runs := []Run{
		{Cell: "a", Status: StatusSkipped, Error: "no key"},
		{Cell: "b", Index: 1, Status: StatusOK},
		{Cell: "b", Index: 2, Status: StatusInterrupted},
		{Cell: "b", Index: 1, Warmup: true, Status: StatusOK},
		{Cell: "b", Index: 2, Status: StatusOK}, // resumed
		{Cell: "a", Status: StatusSkipped, Error: "no key"},
		{Cell: "c", Status: StatusSkipped, Error: "no ollama"},
		{Cell: "c", Index: 1, Status: StatusOK}, // ran on a later attempt
	}
	got := Latest(runs)
	var keys []string
	for _, r := range got {
		keys = append(keys, r.Key()+":"+string(r.Status))
	}
	want := "a#0:skipped b#1:ok b#2:ok b#w1:ok c#1:ok"
	if strings.Join(keys, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(keys, " "), want)
	}
}

// A torn last line (a full disk or a crash mid-write) must not turn into a
// torn middle line when a resumed benchmark appends after it: Create moves it
// to a side file first, and the file reads back whole.
func TestCreateRepairsATornLastLine(t *testing.T) {
	for name, torn := range map[string]string{
		"no newline":        `{"cell":"a","run":2,"sta`,
		"newline, not JSON": "{\"cell\":\"a\",\"run\":2,\"sta\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "runs.jsonl")
			good := `{"cell":"a","run":1,"status":"ok"}` + "\n"
			if err := os.WriteFile(path, []byte(good+torn), 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if w.Repaired == "" || !strings.HasPrefix(filepath.Base(w.Repaired), "runs.jsonl.torn-") {
				t.Errorf("Repaired = %q, want a runs.jsonl.torn-<time> side file", w.Repaired)
			}
			if err := w.Write(&Run{Cell: "a", Index: 2, Status: StatusOK}); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			runs, err := ReadFile(path)
			if err != nil {
				t.Fatalf("reading the repaired file: %v", err)
			}
			if len(runs) != 2 || runs[1].Index != 2 {
				t.Errorf("read back %+v, want runs 1 and 2", runs)
			}
			kept, err := os.ReadFile(w.Repaired)
			if err != nil || string(kept) != torn {
				t.Errorf("side file holds %q (%v), want the fragment %q", kept, err, torn)
			}
		})
	}
}

func TestCreateLeavesAWholeFileAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.jsonl")
	good := `{"cell":"a","run":1,"status":"ok"}` + "\n"
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if w.Repaired != "" {
		t.Errorf("Repaired = %q for a whole file", w.Repaired)
	}
	if b, _ := os.ReadFile(path); string(b) != good {
		t.Errorf("file changed to %q", b)
	}
}

var readSeeds = []string{
	`{"cell":"a","run":1,"status":"ok","wall_s":1.5e0,"calls":[{"api":"openai","input_tokens":3}],"phases":[{"name":"P","seconds":0.25}]}`,
	`{"CELL":"a","Run":2,"status":"ok","unknown":{"x":[1,2,{}]},"error":"caf\u00e9 \ud83d\ude00 \"q\""}`,
	`{"cell":null,"run":null,"usage":null,"artifacts":{"r":{"mb":0.5,"files":2}}}`,
	`{"cell":"a","cell":"b","run":-0,"wall_s":-1E-3}`,
	`{"started":"2026-01-01T00:00:00Z"}`, `{"started":"yesterday"}`, `{"run":1.5}`, `{"run":"1"}`, `{"run":99999999999999999999}`,
	`{"cell":"a"`, `[]`, `null`, `{"cell":"\x"}`, "{\"cell\":\"\xff\"}", `{"cell":"a"} x`, `{"wall_s":1e999}`,
	// near misses of the line decoder's shape
	`{"phases":[],"matrix":{},"warnings":[],"usage":[],"metrics":{"a":1,"a":2}}`, `{"calls":[{"api":"x"}],"calls":[{"model":"y"}]}`,
	`{"judge":{"score":null}}`, `{"run":1234567890123456789}`, `{"run":-9223372036854775808}`, `{"-":1}`,
	`{"phases":[{"name":"a","Name":"b"}]}`, `{"artifacts":{"r":{"mb":1},"r":{"files":2}}}`, ` {"cell" : "a" , "run" : 0 } `,
	`{"wall_s":01}`, `{"wall_s":1.}`, `{"wall_s":-}`, `{"warmup":tru}`, `{"call_groups":[{"phase":"p","latency_s":{"n":1,"sum":2}}]}`,
	// secrets to scrub, as a record written before Writer scrubbed them has
	`{"cell":"a","phases":[{"name":"sk-proj-abcdefghijklmnopqrstuvwx","seconds":1}],"metrics":{"Bearer abc.def":1,"x":2},"warnings":["key=hunter2hunter2"]}`,
	`{"model":"m","log":"logs/a_run1.log?token=abcdefgh","calls":[{"api":"openai","phase":"p","error":"Authorization: Bearer abc"}],"judge":{"reason":"saw api_key=xyz"}}`,
	`{"started":"2026-01-01T00:00:00Z sk-proj-abcdefghijklmnopqrstuvwx","matrix":{"u":"postgres://u:pw@h"}}`,
}

// Read decodes a line exactly as encoding/json does the line scrubbed, or
// fails where it fails.
func checkReadAsEncodingJSON(t *testing.T, line string) {
	if line == "" || strings.ContainsAny(line, "\n\r") {
		return // one line is one record; blank lines are skipped
	}
	var want Run
	werr := json.Unmarshal(redact.JSON([]byte(line)), &want) // scrubbed as Writer scrubs
	want.deriveGroups()                                      // as Groups would at every use
	runs, gerr := Read(strings.NewReader(line))
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: Read error %v, encoding/json error %v", line, gerr, werr)
	}
	if werr == nil && (len(runs) != 1 || !reflect.DeepEqual(runs[0], want)) {
		t.Fatalf("%q: Read %+v, encoding/json %+v", line, runs, want)
	}
}

func TestReadAsEncodingJSON(t *testing.T) {
	for _, s := range readSeeds {
		checkReadAsEncodingJSON(t, s)
	}
}

func FuzzReadAsEncodingJSON(f *testing.F) {
	for _, s := range readSeeds {
		f.Add(s)
	}
	full := fullRecord()
	b, err := json.Marshal(&full)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b)) // for the fuzzer to mutate into near misses of the line decoder's shape
	f.Fuzz(checkReadAsEncodingJSON)
}

// fullRecord fills every field a record can carry.
func fullRecord() Run {
	score := 7.5
	r := Run{Cell: "c", Provider: "openai", Model: "gpt", Matrix: map[string]string{"size": "L", "lang": "é"}, Index: 3, Shard: "1/2",
		Warmup: true, Simulated: true, Replay: &Replay{From: "c/run2", Unmatched: 1},
		Status: StatusFailed, ExitCode: -1, Signal: "killed", Error: "exit code 1", Started: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("", 3600)),
		WallSeconds: 1.25, UserSeconds: 0.5, SysSeconds: 1e-9, CPUPercent: 40, PeakRSSMB: 12.5,
		Phases:    []Phase{{Name: "P1", Start: 0, Seconds: 1}, {Name: OtherPhase, Start: 1, Seconds: 0.25}},
		Usage:     []Usage{{Phase: "P1", Provider: "openai", Model: "gpt", At: 0.5, Source: SourceEvents, Count: 2, Tokens: Tokens{1, 2, 3, 4, 5}}},
		LateCalls: []Call{{API: "openai", Model: "gpt", Phase: "P1", Late: true, Status: 200}}, LateDropped: 2,
		Metrics: map[string]float64{"q": -0.5}, Artifacts: map[string]Artifact{"reports": {MB: 0.03, Files: 3, Partial: true}},
		TokenSource: SourceProxy, BadEvents: 1, Warnings: []string{"w1", "w2"}, Log: "logs/c_run3.log", LogError: "disk full", Dir: "runs/c/run3",
		MetricReasons: map[string]string{"q": "because"},
		Judge: &Judge{Status: JudgeOK, Score: &score, Reason: "fine", Error: "e", ExitCode: 2, WallSeconds: 3,
			Calls: []Call{{API: "anthropic", Endpoint: "messages", Model: "j", Phase: "judge", Status: 200, Tokens: Tokens{Input: 9}}},
			Usage: []Usage{{Phase: "judge", Source: SourceRegex, Tokens: Tokens{Output: 1}}}, Log: "logs/j.log"},
	}
	r.Add(Call{API: "openai", Endpoint: "chat.completions", Model: "gpt", ResponseModel: "gpt-2026", Phase: "P1", UndeclaredPhase: "X",
		Stream: true, Status: 200, Start: 0.1, LatencyS: 0.75, TTFTS: 0.2, OutputTPS: 50, UsageStatus: UsageEstimated, Tokens: Tokens{10, 20, 3, 4, 5}})
	r.Add(Call{API: "openai", Model: "gpt", Phase: "P1", Status: 429, Error: "429", UsageStatus: UsageMissing})
	r.CallsDropped = 4
	return r
}

// The records Writer writes take the fast line decoder, not the general
// one (which would read them right, several times slower), and it reads
// them as encoding/json does.
func TestWrittenRecordsTakeTheLineDecoder(t *testing.T) {
	for name, r := range map[string]Run{"full": fullRecord(), "bare": {Cell: "a", Index: 1, Status: StatusOK}} {
		b, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		var got, want Run
		if !newLineDecoder().decode(b, &got) {
			t.Fatalf("%s: the line decoder declined %s", name, b)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: line decoder %+v\nencoding/json %+v", name, got, want)
		}
		checkReadAsEncodingJSON(t, string(b))
	}
}

// Latest agrees with keeping the last record of each Key, whichever of its
// two ways (records as they are, or replaced and dropped) it takes.
func TestLatestAgreesWithKeys(t *testing.T) {
	naive := func(runs []Run) []Run {
		idx, ran := map[string]int{}, map[string]bool{}
		var out []Run
		for _, r := range runs {
			k := r.Key()
			if r.Status == StatusSkipped {
				k = r.Cell + "#skip"
			} else {
				ran[r.Cell] = true
			}
			if i, ok := idx[k]; ok {
				out[i] = r
				continue
			}
			idx[k] = len(out)
			out = append(out, r)
		}
		var kept []Run
		for _, r := range out {
			if r.Status != StatusSkipped || !ran[r.Cell] {
				kept = append(kept, r)
			}
		}
		return kept
	}
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []Status{StatusOK, StatusOK, StatusFailed, StatusSkipped}
	for range 2000 {
		runs := make([]Run, rng.IntN(8))
		for i := range runs {
			runs[i] = Run{Cell: string(rune('a' + rng.IntN(3))), Index: rng.IntN(4), Warmup: rng.IntN(4) == 0,
				Status: statuses[rng.IntN(len(statuses))], ExitCode: i}
		}
		got, want := Latest(runs), naive(runs)
		if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("Latest(%+v)\n= %+v\nwant %+v", runs, got, want)
		}
	}
}

// Records whose calls and phases fill the line decoder's shared arrays
// past their end read back whole, each its own.
func TestReadAcrossSharedArrays(t *testing.T) {
	var sb strings.Builder
	var want []Run
	for i := range 700 {
		r := fullRecord()
		r.Index = i
		for k := range i % 7 {
			r.Add(Call{API: "openai", Model: fmt.Sprint("m", k), Phase: "P1", Status: 200, LatencyS: float64(i)})
			r.Phases = append(r.Phases, Phase{Name: fmt.Sprint("P", k), Seconds: float64(k)})
		}
		b, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(append(b, '\n'))
		var w Run
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		want = append(want, w)
	}
	got, err := Read(strings.NewReader(sb.String()))
	if err != nil || len(got) != len(want) {
		t.Fatalf("read %d records, %v", len(got), err)
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("record %d: read %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// A record written before Writer scrubbed records (or holding a secret its
// writer did not know) carries no secret into what is rendered from it.
func TestReadScrubsOldRecords(t *testing.T) {
	const key = "sk-proj-oldrecordsecret0123456789"
	old := `{"cell":"a","model":"` + key + `","run":1,"status":"ok","phases":[{"name":"` + key + `","seconds":1}],` +
		`"calls":[{"api":"openai","model":"m","phase":"` + key + `","status":200}],"metrics":{"` + key + `":1},` +
		`"metric_reasons":{"q":"scored with ` + key + `"},"warnings":["phase ` + key + `"],"judge":{"status":"ok","reason":"` + key + `"}}`
	for name, line := range map[string]string{"writer's shape": old, "other shape": strings.Replace(old, `"cell":"a"`, `"cell":"\u0061"`, 1)} {
		runs, err := Read(strings.NewReader(old + "\n" + line + "\n"))
		if err != nil || len(runs) != 2 {
			t.Fatalf("%s: %d runs, %v", name, len(runs), err)
		}
		b, _ := json.Marshal(runs)
		if strings.Contains(string(b), "oldrecordsecret") {
			t.Errorf("%s: the key was read back: %s", name, b)
		}
		if runs[1].Phases[0].Name != redact.Mask || runs[1].Cell != "a" {
			t.Errorf("%s: read back %+v", name, runs[1])
		}
	}
}
