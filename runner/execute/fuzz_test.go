package execute

import (
	"bytes"
	"math"
	"testing"
)

// FuzzEventLines feeds arbitrary output to the ::runner:: line parser and
// replays what it accepts: no panic, accepted events are well formed, and
// the phases (with "(other)") split the run's time exactly. CI runs it
// briefly (.ci/run); run it longer with
//
//	go test -run XXX -fuzz FuzzEventLines -fuzztime 2m ./runner/execute
func FuzzEventLines(f *testing.F) {
	for _, s := range []string{
		EventPrefix + `{"event":"phase_start","phase":"A"}` + "\n" + EventPrefix + `{"event":"phase_end","phase":"A"}`,
		EventPrefix + `{"event":"usage","model":"m","input_tokens":1200,"output_tokens":340,"cached_input_tokens":0,"ts":0.5}`,
		EventPrefix + `{"event":"metric","name":"quality","value":8.5}` + "\n" + EventPrefix + `{not json`,
		EventPrefix + `{"event":"phase_start","phase":"B","ts":1e308}` + "\n" + EventPrefix + `{"event":"phase_end","phase":"C","ts":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		const wall = 10.0
		var evs []event
		for i, line := range bytes.Split(out, []byte("\n")) {
			text := trimEOL(line)
			if !bytes.HasPrefix(text, prefix) {
				continue
			}
			ev, err := parseEvent(text[len(prefix):])
			if err != nil {
				continue
			}
			switch ev.kind {
			case evPhaseStart, evPhaseEnd:
				if ev.phase == "" {
					t.Fatalf("phase event without a phase: %q", text)
				}
			case evUsage:
				if tk := ev.tokens; tk.Input < 0 || tk.Output < 0 || tk.CachedInput < 0 || tk.CacheWrite < 0 || tk.Reasoning < 0 {
					t.Fatalf("negative tokens from %q", text)
				}
			case evMetric:
				if ev.name == "" {
					t.Fatalf("metric without a name: %q", text)
				}
			}
			if !ev.timed {
				ev.at = float64(i) / 100
			}
			evs = append(evs, ev)
		}
		phases, usage, _, _ := replay(evs, wall)
		total := 0.0
		for _, p := range phases {
			if p.Seconds < 0 || math.IsNaN(p.Seconds) {
				t.Fatalf("phase %q of %v s", p.Name, p.Seconds)
			}
			total += p.Seconds
		}
		if len(phases) > 0 && math.Abs(total-wall) > 1e-6 {
			t.Fatalf("phases add up to %v s of a %v s run: %+v", total, wall, phases)
		}
		for _, u := range usage {
			if u.Phase == "" || u.At < 0 || u.At > wall {
				t.Fatalf("usage outside the run or any phase: %+v", u)
			}
		}
	})
}
