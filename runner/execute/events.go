package execute

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/runner-bench/runner/runner/record"
)

type evKind uint8

const (
	evPhaseStart evKind = iota
	evPhaseEnd
	evUsage
	evMetric
)

// event is one protocol event or extract match, time-stamped.
type event struct {
	kind     evKind
	at       float64 // seconds from the run's start (Unix seconds while timed and unconverted)
	timed    bool    // the object carried "ts"
	phase    string  // phase events; usage: its own phase, if given
	name     string  // metric
	value    float64 // metric
	reason   string  // metric: why that value, if the event says
	provider string  // usage
	model    string  // usage
	tokens   record.Tokens
	count    int    // usage: reports merged into this one (0 = 1)
	source   string // events | regex
	line     int    // log line, or events file line when file is set
	file     bool
}

func (e *event) where() string {
	if e.file {
		return fmt.Sprintf("events file line %d", e.line)
	}
	return fmt.Sprintf("log line %d", e.line)
}

// wireEvent is the JSON object of the line protocol. Pointers tell a missing
// field from a zero one.
type wireEvent struct {
	Event      string   `json:"event"`
	Phase      string   `json:"phase"`
	TS         *float64 `json:"ts"`
	Provider   string   `json:"provider"`
	Model      string   `json:"model"`
	Input      *int64   `json:"input_tokens"`
	Output     *int64   `json:"output_tokens"`
	Cached     int64    `json:"cached_input_tokens"`
	CacheWrite int64    `json:"cache_write_tokens"`
	Reasoning  int64    `json:"reasoning_tokens"`
	Name       string   `json:"name"`
	Value      *float64 `json:"value"`
	Reason     string   `json:"reason"`
}

// parseEvent decodes one event object (without the ::runner:: prefix).
// Unknown fields are ignored; unknown events and missing fields are errors.
// reservedPhase tells a phase name the runner gives its own sums: a
// workload's phase of that name would be added up with them.
func reservedPhase(name string) bool {
	return name == record.OtherPhase || name == record.OtherPhases
}

func parseEvent(b []byte) (event, error) {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return event{}, err
	}
	ev := event{source: record.SourceEvents, phase: w.Phase}
	if w.TS != nil {
		ev.timed, ev.at = true, *w.TS
	}
	switch w.Event {
	case "phase_start", "phase_end":
		if w.Phase == "" {
			return event{}, fmt.Errorf("%s without \"phase\"", w.Event)
		}
		if reservedPhase(w.Phase) {
			return event{}, fmt.Errorf("%s %q: the name is the runner's own (time outside every phase)", w.Event, w.Phase)
		}
		ev.kind = evPhaseStart
		if w.Event == "phase_end" {
			ev.kind = evPhaseEnd
		}
	case "usage":
		if w.Input == nil || w.Output == nil {
			return event{}, errors.New("usage needs \"input_tokens\" and \"output_tokens\"")
		}
		ev.kind = evUsage
		ev.provider, ev.model = w.Provider, w.Model
		ev.tokens = record.Tokens{Input: *w.Input, Output: *w.Output, CachedInput: w.Cached, CacheWrite: w.CacheWrite, Reasoning: w.Reasoning}
		if err := checkTokens(ev.tokens); err != nil {
			return event{}, err
		}
	case "metric":
		if w.Name == "" || w.Value == nil {
			return event{}, errors.New("metric needs \"name\" and \"value\"")
		}
		if math.IsNaN(*w.Value) || math.IsInf(*w.Value, 0) {
			return event{}, fmt.Errorf("metric %q is not a finite number", w.Name)
		}
		ev.kind = evMetric
		ev.name, ev.value = w.Name, *w.Value
		ev.reason = shortReason(w.Reason)
	case "":
		return event{}, errors.New("no \"event\" field")
	default:
		return event{}, fmt.Errorf("unknown event %q", w.Event)
	}
	return ev, nil
}

// extractor applies the spec's extract patterns, with group indexes resolved once.
type extractor struct {
	phase    *regexp.Regexp
	phaseIdx int
	usage    *regexp.Regexp
	uIdx     [8]int // see usageGroups
	metrics  []metricRe
}

type metricRe struct {
	name string
	re   *regexp.Regexp
	idx  int
}

var usageGroups = [8]string{"input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "phase", "model", "provider"}

func newExtractor(x Extract) *extractor {
	e := &extractor{phase: x.Phase, usage: x.Usage}
	if x.Phase != nil {
		e.phaseIdx = x.Phase.SubexpIndex("phase")
	}
	if x.Usage != nil {
		for i, g := range usageGroups {
			e.uIdx[i] = x.Usage.SubexpIndex(g)
		}
	}
	for name, re := range x.Metrics {
		if re != nil {
			e.metrics = append(e.metrics, metricRe{name, re, re.SubexpIndex("value")})
		}
	}
	sort.Slice(e.metrics, func(i, j int) bool { return e.metrics[i].name < e.metrics[j].name })
	return e
}

func group(line []byte, m []int, idx int) string {
	if idx < 0 || 2*idx+1 >= len(m) || m[2*idx] < 0 {
		return ""
	}
	return string(line[m[2*idx]:m[2*idx+1]])
}

// apply appends the events line yields to evs and what could not be read to
// problems. Event times are filled in by the caller.
func (x *extractor) apply(line []byte, evs []event, problems []string) ([]event, []string) {
	if x.phase != nil {
		if m := x.phase.FindSubmatchIndex(line); m != nil {
			if p := strings.TrimSpace(group(line, m, x.phaseIdx)); p != "" && !reservedPhase(p) {
				evs = append(evs, event{kind: evPhaseStart, phase: p, source: record.SourceRegex})
			}
		}
	}
	if x.usage != nil {
		if m := x.usage.FindSubmatchIndex(line); m != nil {
			var n [5]int64
			ok := true
			for i := range n {
				v, err := parseCount(group(line, m, x.uIdx[i]))
				if err != nil {
					problems = append(problems, fmt.Sprintf("extract usage: %s %v", usageGroups[i], err))
					ok = false
				}
				n[i] = v
			}
			if ok {
				evs = append(evs, event{
					kind:     evUsage,
					source:   record.SourceRegex,
					tokens:   record.Tokens{Input: n[0], Output: n[1], CachedInput: n[2], CacheWrite: n[3], Reasoning: n[4]},
					phase:    group(line, m, x.uIdx[5]),
					model:    group(line, m, x.uIdx[6]),
					provider: group(line, m, x.uIdx[7]),
				})
			}
		}
	}
	for _, mr := range x.metrics {
		m := mr.re.FindSubmatchIndex(line)
		if m == nil {
			continue
		}
		s := group(line, m, mr.idx)
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			problems = append(problems, fmt.Sprintf("extract metric %q: %q is not a number", mr.name, s))
			continue
		}
		evs = append(evs, event{kind: evMetric, name: mr.name, value: v, source: record.SourceRegex})
	}
	return evs, problems
}

// parseCount reads a token count as printed: "" is 0; "1,200" and "1_200" are 1200.
func parseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	s = strings.NewReplacer(",", "", "_", "").Replace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > record.MaxTokens {
		return 0, fmt.Errorf("%q is not a token count (0 to %.0e)", s, float64(record.MaxTokens))
	}
	return v, nil
}

// checkTokens refuses counts no provider reports: negative ones, and ones
// so large that sums and costs would overflow.
func checkTokens(t record.Tokens) error {
	for _, n := range []int64{t.Input, t.Output, t.CachedInput, t.CacheWrite, t.Reasoning} {
		if n < 0 {
			return errors.New("usage with a negative token count")
		}
		if n > record.MaxTokens {
			return fmt.Errorf("usage with a token count over %.0e", float64(record.MaxTokens))
		}
	}
	return nil
}

// replay applies events in time order (ties keep arrival order) and returns
// the phases in order of first start, with "(other)" last when it is not zero;
// the usage reports; the metrics (last value wins); and warnings. Times are
// clamped to [0, wall]. A phase_start ends the open phase; a phase may reopen
// and its time adds up; a phase open at exit ends at exit; usage without its
// own phase belongs to the open one, or to "(other)".
func replay(evs []event, wall float64) (phases []record.Phase, usage []record.Usage, metrics map[string]float64, warnings []string) {
	for i := range evs {
		evs[i].at = min(max(evs[i].at, 0), wall)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })

	index := map[string]int{} // phase name -> position in phases
	type usageKey struct{ phase, provider, model, source string }
	var usageAt map[usageKey]int
	open, openAt := "", 0.0
	free := 0.0 // start of the current stretch outside every phase
	other, otherStart := 0.0, -1.0
	gap := func(from, to float64) {
		if to > from {
			other += to - from
			if otherStart < 0 {
				otherStart = from
			}
		}
	}
	closeOpen := func(at float64) {
		phases[index[open]].Seconds += at - openAt
		open, free = "", at
	}
	for i := range evs {
		ev := &evs[i]
		switch ev.kind {
		case evPhaseStart:
			if open != "" {
				closeOpen(ev.at)
			} else {
				gap(free, ev.at)
			}
			if _, ok := index[ev.phase]; !ok {
				index[ev.phase] = len(phases)
				phases = append(phases, record.Phase{Name: ev.phase, Start: ev.at})
			}
			open, openAt = ev.phase, ev.at
		case evPhaseEnd:
			if open != ev.phase {
				warnings = append(warnings, fmt.Sprintf("%s: phase_end %q while %s", ev.where(), ev.phase, describeOpen(open)))
				continue
			}
			closeOpen(ev.at)
		case evUsage:
			phase := ev.phase
			if phase == "" {
				phase = open
			}
			if phase == "" {
				phase = record.OtherPhase
			}
			k := usageKey{phase, ev.provider, ev.model, ev.source}
			if i, ok := usageAt[k]; ok { // one entry per phase, model and source
				usage[i].Tokens = usage[i].Tokens.Add(ev.tokens)
				usage[i].Count = max(usage[i].Count, 1) + max(ev.count, 1)
				continue
			}
			if usageAt == nil {
				usageAt = map[usageKey]int{}
			}
			usageAt[k] = len(usage)
			usage = append(usage, record.Usage{Phase: phase, Provider: ev.provider, Model: ev.model, At: ev.at, Source: ev.source, Tokens: ev.tokens, Count: ev.count})
		case evMetric:
			if metrics == nil {
				metrics = map[string]float64{}
			}
			metrics[ev.name] = ev.value
		}
	}
	if open != "" {
		closeOpen(wall)
	} else {
		gap(free, wall)
	}
	if other > 0 {
		phases = append(phases, record.Phase{Name: record.OtherPhase, Start: otherStart, Seconds: other})
	}
	return phases, usage, metrics, warnings
}

func describeOpen(open string) string {
	if open == "" {
		return "no phase is open"
	}
	return fmt.Sprintf("%q is open", open)
}

// maxReason bounds the reason a metric event may carry: it is shown in
// tables, not a transcript.
const maxReason = 300

// shortReason is a metric's reason on one line, cut at maxReason runes.
func shortReason(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReason {
		s = string(r[:maxReason-1]) + "…"
	}
	return s
}

// metricReasons are the reasons of the last metric event of each name
// (events in time order, as replay leaves them).
func metricReasons(evs []event) map[string]string {
	var out map[string]string
	for i := range evs {
		if ev := &evs[i]; ev.kind == evMetric {
			if out == nil {
				out = map[string]string{}
			}
			out[ev.name] = ev.reason
		}
	}
	for k, v := range out {
		if v == "" {
			delete(out, k)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
