package results

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// A run of 200,000 proxied calls, written and read back, is summarised
// with its exact tokens and cost, and the call statistics count every call.
func TestManyCallsCostExactlyAfterReadBack(t *testing.T) {
	t.Parallel()
	s := load(t, "name: c\ncommand: x\nphases: [ A, B ]\nproviders: [ { name: p, api: openai, models: [ m ] } ]\npricing: { m: { input: 3, output: 15, cached_input: 0.3 } }\n")
	const n = 200_000
	r := record.Run{Cell: "p_m", Provider: "p", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1, TokenSource: record.SourceProxy}
	var want record.Tokens
	wantCost := 0.0
	price := spec.Price{Input: 3, Output: 15, CachedInput: ptr(0.3)}
	for i := range n {
		c := record.Call{API: "openai", Model: "m", Phase: []string{"A", "B"}[i%2], Status: 200, UsageStatus: "reported",
			Stream: true, TTFTS: 0.25, LatencyS: 1,
			Tokens: record.Tokens{Input: int64(1000 + i%13), Output: int64(100 + i%11), CachedInput: int64(i % 17)}}
		want = want.Add(c.Tokens)
		wantCost += Cost(price, c.Tokens)
		r.CallLog.Add(c)
	}
	b, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > record.MaxRecordSize/16 {
		t.Errorf("record is %d bytes", len(b))
	}
	recs, err := record.Read(bytes.NewReader(append(b, '\n')))
	if err != nil {
		t.Fatal(err)
	}
	sum := Compute(s, record.Benchmark{}, recs)
	c := sum.Cells[0]
	if got := sum.Runs[0].Tokens; got != want {
		t.Errorf("tokens %+v, want %+v", got, want)
	}
	if math.Abs(c.Cost.Mean-wantCost) > 1e-9*wantCost {
		t.Errorf("cost %.9f, want %.9f", c.Cost.Mean, wantCost)
	}
	if c.Calls == nil || c.Calls.Calls != n || c.Calls.Latency.N != n || c.Calls.TTFT.Mean != 0.25 {
		t.Errorf("call stats %+v", c.Calls)
	}
	if c.Calls.Latency.Note == "" {
		t.Error("call latency statistics do not say their median comes from the kept calls")
	}
	if v := *sum.Runs[0].TTFT; v != 0.25 {
		t.Errorf("run TTFT %v", v)
	}
}

func ptr(f float64) *float64 { return &f }
