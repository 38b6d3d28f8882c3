package results

import (
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// A replayed benchmark stays marked REPLAYED in every output even when its
// benchmark.json is lost or torn (runner report then has only the records):
// its figures were the recording's, not measured now. The records said so
// (replay.from) but the summary took the marking from benchmark.json alone,
// so a regenerated report presented replayed figures as measured.
func TestReplayedMarkedFromRecords(t *testing.T) {
	s := load(t, qualitySpec)
	tok := record.Tokens{Input: 1000, Output: 100}
	r := cellRun("openai_gpt-4o", "openai", "gpt-4o", 1, 5, tok)
	r.Replay = &record.Replay{From: "openai_gpt-4o/run1"}
	for name, bm := range map[string]record.Benchmark{
		"without benchmark.json": {},
		"with benchmark.json":    {Replayed: &record.Replayed{Dir: "rec"}},
	} {
		sum := Compute(s, bm, []record.Run{r})
		if sum.Replayed == nil || !strings.Contains(sum.Replayed.Notice(), "REPLAYED") {
			t.Errorf("%s: summary not marked REPLAYED: %+v", name, sum.Replayed)
		}
		if strings.Contains(sum.Replayed.Notice(), "0001") {
			t.Errorf("%s: notice dates an unknown recording: %s", name, sum.Replayed.Notice())
		}
	}
	if sum := Compute(s, record.Benchmark{}, []record.Run{cellRun("openai_gpt-4o", "openai", "gpt-4o", 1, 5, tok)}); sum.Replayed != nil {
		t.Errorf("a measured benchmark marked replayed: %+v", sum.Replayed)
	}
}
