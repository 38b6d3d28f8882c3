package cassette

import (
	"fmt"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// ReplayOptions are the options of the spec's replay:, defaults filled in:
// match by body, as fast as recorded, reuse another run for a missing one.
func ReplayOptions(r *spec.Replay) Options {
	o := Options{Match: r.Match, Speed: 1, Missing: r.Missing}
	if r.Speed != nil {
		o.Speed = *r.Speed
	}
	if o.Match == "" {
		o.Match = spec.MatchBody
	}
	if o.Missing == "" {
		o.Missing = spec.MissingReuse
	}
	return o
}

// Fit applies replay.missing to a planned benchmark before it starts, given
// its schedule (plan.WithWarmups of its pairs): under reuse, a cell the
// recording lacks is skipped with the reason; under refuse, every cell and
// run (cell/run<N>, cell/warmup<N>) the recording lacks is returned, and
// the replay must not start. Cells of unmetered providers need no recording.
func (l *Library) Fit(cells []plan.Cell, schedule []plan.Pair, missing spec.MissingRule, dir string) (absent []string) {
	for i := range cells {
		c := &cells[i]
		if c.Skip != "" || c.Provider.API == spec.APINone || len(l.Runs(c.ID)) > 0 {
			continue
		}
		switch missing {
		case spec.MissingReuse:
			c.Skip = fmt.Sprintf("not in the recording %s (replay.missing: simulate runs it against the simulator)", dir)
		case spec.MissingRefuse:
			absent = append(absent, c.ID)
		}
	}
	if missing != spec.MissingRefuse {
		return absent
	}
	for _, p := range schedule {
		if p.Cell.Skip != "" || p.Cell.Provider.API == spec.APINone || len(l.Runs(p.Cell.ID)) == 0 {
			continue
		}
		if _, exact := l.Source(p.Cell.ID, p.Name()); !exact {
			absent = append(absent, p.Cell.ID+"/"+p.Name())
		}
	}
	return absent
}
