package cli

import (
	"bytes"
	"context"
	"math"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// BenchmarkReplayFidelity records the reference workload (4 providers, 2
// runs) against a local upstream that answers in 200 ms steps, stops it,
// replays as recorded and at speed 0, and reports how close each phase's
// replayed time is to the recorded one (the goal: within 10% or 5 ms,
// whichever is larger) and how long each benchmark took. Timing on a
// loaded machine is noise, so this is a figure, not a test:
//
//	go test ./runner/cli -run '^$' -bench ReplayFidelity -benchtime 1x -v
func BenchmarkReplayFidelity(b *testing.B) {
	b.Chdir("../..")
	setRecordingKeys(b)
	for i := 0; i < b.N; i++ {
		up := httptest.NewServer(slowAPIs{gap: 200 * time.Millisecond})
		spec := phase4cLike(b, up.URL, 2)
		tmp := b.TempDir()
		rec, rep, rep0 := filepath.Join(tmp, "rec"), filepath.Join(tmp, "rep"), filepath.Join(tmp, "rep0")
		wall := map[string]time.Duration{}
		run := func(name string, args ...string) {
			t0 := time.Now()
			if code, stdout, stderr := runnerB(append([]string{spec}, args...)...); code != ExitOK {
				b.Fatalf("%s: exit %d\n%s\n%s", name, code, stdout, stderr)
			}
			wall[name] = time.Since(t0)
		}
		run("record", "--record", "--output", rec, "--no-progress")
		up.Close()
		run("replay", "--replay", rec, "--output", rep, "--no-progress")
		run("replay-speed-0", "--replay", rec, "--replay-speed", "0", "--output", rep0, "--no-progress")

		recorded, replayed := runsByKey(b, rec), runsByKey(b, rep)
		var keys []string
		for k := range recorded {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var worstPct, worstLLMPct float64
		out, phases := 0, 0
		for _, k := range keys {
			a, r := recorded[k], replayed[k]
			got := map[string]float64{}
			for _, p := range r.Phases {
				got[p.Name] = p.Seconds
			}
			llm := map[string]bool{}
			for _, c := range a.Calls {
				llm[c.Phase] = true
			}
			for _, p := range a.Phases {
				dev := math.Abs(got[p.Name] - p.Seconds)
				pct := 100 * dev / p.Seconds
				phases++
				within := dev <= math.Max(0.10*p.Seconds, 0.005)
				if !within {
					out++
				}
				worstPct = math.Max(worstPct, pct)
				if llm[p.Name] {
					worstLLMPct = math.Max(worstLLMPct, pct)
				}
				b.Logf("%-45s %-22s recorded %7.3f s  replayed %7.3f s  %+6.1f%%  llm=%v within=%v",
					k, p.Name, p.Seconds, got[p.Name], 100*(got[p.Name]-p.Seconds)/p.Seconds, llm[p.Name], within)
			}
		}
		var llm0, n0 float64
		for k, r := range runsByKey(b, rep0) {
			llm := map[string]bool{}
			for _, c := range recorded[k].Calls {
				llm[c.Phase] = true
			}
			for _, p := range r.Phases {
				if llm[p.Name] {
					llm0 += p.Seconds
					n0++
				}
			}
		}
		b.Logf("speed 0: LLM phases took %.3f s on average (recorded about 0.4 s each)", llm0/n0)
		b.ReportMetric(llm0/n0, "speed0-llm-phase-s")
		b.Logf("wall: record %v, replay %v, replay at speed 0 %v", wall["record"].Round(time.Millisecond),
			wall["replay"].Round(time.Millisecond), wall["replay-speed-0"].Round(time.Millisecond))
		b.ReportMetric(float64(out), "phases-outside-10%")
		b.ReportMetric(float64(phases), "phases")
		b.ReportMetric(worstLLMPct, "worst-llm-phase-dev-%")
		b.ReportMetric(worstPct, "worst-phase-dev-%")
		b.ReportMetric(wall["record"].Seconds(), "record-s")
		b.ReportMetric(wall["replay"].Seconds(), "replay-s")
		b.ReportMetric(wall["replay-speed-0"].Seconds(), "replay0-s")
	}
}

// runnerB runs the command line as runner does for tests.
func runnerB(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}
