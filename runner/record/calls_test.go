package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A run of 200,000 LLM calls writes a small record that reads back with
// exact totals: calls past MaxCalls are counted, not kept one by one.
func TestManyCallsKeepExactTotalsInASmallRecord(t *testing.T) {
	t.Parallel()
	const n = 200_000
	r := Run{Cell: "c", Index: 1, Status: StatusOK}
	var want Tokens
	for i := range n {
		c := Call{API: "openai", Model: "m", Phase: []string{"A", "B"}[i%2], Status: 200, UsageStatus: "reported",
			Stream: true, TTFTS: 0.1, LatencyS: 0.5, Tokens: Tokens{Input: int64(100 + i%7), Output: int64(10 + i%3), CachedInput: int64(i % 5)}}
		if i%1000 == 0 {
			c.Status, c.Error = 429, "429"
		}
		want = want.Add(c.Tokens)
		r.CallLog.Add(c)
	}
	var buf bytes.Buffer
	b, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxRecordSize/16 {
		t.Errorf("record of %d calls is %d bytes, want well below %d", n, len(b), MaxRecordSize)
	}
	buf.Write(append(b, '\n'))
	runs, err := Read(&buf)
	if err != nil || len(runs) != 1 {
		t.Fatalf("read back %d runs, %v", len(runs), err)
	}
	got := runs[0]
	if len(got.Calls) != MaxCalls || got.CallsDropped != n-MaxCalls || got.Count() != n {
		t.Errorf("kept %d calls, dropped %d, count %d; want %d, %d, %d", len(got.Calls), got.CallsDropped, got.Count(), MaxCalls, n-MaxCalls, n)
	}
	tot := got.Total()
	if tot.Tokens != want {
		t.Errorf("tokens %+v, want %+v", tot.Tokens, want)
	}
	if tot.ErrorCount() != n/1000 || tot.Failed["HTTP 429"] != n/1000 {
		t.Errorf("errors %v failed %v, want %d × 429", tot.Errors, tot.Failed, n/1000)
	}
	if m, _ := tot.TTFT.Mean(); tot.TTFT.N != n || m < 0.0999 || m > 0.1001 {
		t.Errorf("ttft %+v", tot.TTFT)
	}
}

// A record written before call groups existed (calls only) reads with the
// same totals as one written now.
func TestOldRecordsDeriveTheirCallGroups(t *testing.T) {
	t.Parallel()
	old := `{"cell":"c","run":1,"status":"ok","calls":[` +
		`{"api":"openai","endpoint":"chat.completions","model":"m","phase":"A","status":200,"start_s":0,"latency_s":1,"input_tokens":10,"output_tokens":2},` +
		`{"api":"openai","endpoint":"chat.completions","model":"m","phase":"A","status":500,"error":"5xx","start_s":1,"latency_s":1,"input_tokens":0,"output_tokens":0},` +
		`{"api":"openai","endpoint":"chat.completions","model":"n","phase":"","status":200,"start_s":2,"latency_s":1,"input_tokens":5,"output_tokens":1}]}`
	runs, err := Read(strings.NewReader(old + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := runs[0]
	g := r.Groups()
	if len(g) != 2 || g[0].Phase != "A" || g[0].Calls != 2 || g[0].Input != 10 || g[0].ErrorCount() != 1 || g[1].Phase != OtherPhase || g[1].Model != "n" {
		t.Errorf("groups %+v", g)
	}
	if r.Count() != 3 || r.Total().Tokens != (Tokens{Input: 15, Output: 3}) {
		t.Errorf("count %d total %+v", r.Count(), r.Total().Tokens)
	}
}

// Calls of more phases than MaxCallGroups fold into one group per model,
// and their tokens still count.
func TestCallGroupsAreBounded(t *testing.T) {
	t.Parallel()
	var l CallLog
	for i := range 3 * MaxCallGroups {
		l.Add(Call{Model: "m", Phase: fmt.Sprint("p", i), Tokens: Tokens{Input: 1}})
	}
	l.Add(Call{Model: "fresh", Phase: "late", Tokens: Tokens{Input: 1}})
	if len(l.CallGroups) != MaxCallGroups+2 {
		t.Errorf("%d groups, want %d", len(l.CallGroups), MaxCallGroups+2)
	}
	if l.Total().Input != 3*MaxCallGroups+1 {
		t.Errorf("input %d", l.Total().Input)
	}
	last := l.CallGroups[len(l.CallGroups)-1]
	if last.Phase != OtherPhases || last.Model != OtherModels {
		t.Errorf("last group %+v, want a new model folded into %s/%s", last, OtherPhases, OtherModels)
	}
}
