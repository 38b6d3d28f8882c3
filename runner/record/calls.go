package record

import (
	"fmt"
	"math"

	"github.com/runner-bench/runner/runner/llmapi"
)

// MaxCalls is how many of a run's LLM calls its record keeps one by one (the
// first to finish); every call, kept or not, is added up in the run's
// CallGroups, so token counts and cost stay exact however many calls a run
// makes. A run of a million calls would otherwise write a record far past
// MaxRecordSize (and hold it all in memory while it runs).
const MaxCalls = 1000

// MaxCallGroups bounds the (phase, API, model) groups a run adds its calls
// up in; calls of further phases go to one group per model already seen,
// phase OtherPhases, and of further models too to the model OtherModels
// (which no price matches: their cost is unknown, not guessed).
const MaxCallGroups = 500

// OtherPhases and OtherModels name the overflow past MaxCallGroups (and
// past the phases a summary shows one by one).
const (
	OtherPhases = "(other phases)"
	OtherModels = "(other models)"
)

// maxUndeclared bounds the undeclared phase headers a CallLog remembers.
const maxUndeclared = 20

// CallLog is what a run keeps of its LLM calls: the first MaxCalls calls,
// how many more there were, and every call added up per phase, API and
// model. Build one with Add; read its totals with Groups, which also serves
// records written before CallGroups existed.
type CallLog struct {
	Calls []Call `json:"calls,omitempty"` // the first MaxCalls, in order of start
	// CallGroups add up every call, kept or not, per phase, API and model.
	CallGroups []CallGroup `json:"call_groups,omitempty"`
	// CallsDropped counts the calls past MaxCalls: in CallGroups, not in Calls.
	CallsDropped int `json:"calls_dropped,omitempty"`
	// Undeclared are the first distinct X-Runner-Phase values that named
	// no declared phase (the runner warns of them; not recorded).
	Undeclared []string `json:"-"`

	index map[groupKey]int
}

type groupKey struct {
	phase string
	api   llmapi.API
	model string
}

// CallGroup adds up a run's LLM calls of one phase, API and model.
type CallGroup struct {
	Phase string     `json:"phase"`
	API   llmapi.API `json:"api,omitempty"`
	Model string     `json:"model,omitempty"` // as requested
	Calls int        `json:"calls"`
	// Errors counts the calls by their error (refused, 429, 4xx, truncated, ...).
	Errors map[string]int `json:"errors,omitempty"`
	// Failed counts the failed calls (see Call.Failed) by what they got:
	// "HTTP 429", "refused".
	Failed    map[string]int `json:"failed,omitempty"`
	Estimated int            `json:"usage_estimated,omitempty"` // usage "estimated"
	Missing   int            `json:"usage_missing,omitempty"`   // usage "missing"
	// Metered counts the calls without error whose usage was read or
	// estimated: a run whose calls have none has unknown tokens.
	Metered int `json:"metered,omitempty"`
	Tokens
	Latency   Sum `json:"latency_s"`
	TTFT      Sum `json:"ttft_s,omitzero"`     // see Call.FirstToken
	OutputTPS Sum `json:"output_tps,omitzero"` // see Call.GenerationTPS
}

// Sum adds up values: their count, sum, sum of squares and range, enough
// for an exact mean, deviation, minimum and maximum of any number of them.
type Sum struct {
	N       int     `json:"n"`
	Total   float64 `json:"sum"`
	Squares float64 `json:"sum_sq"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
}

// Add counts v; a non-finite v is not counted.
func (s *Sum) Add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if s.N == 0 || v < s.Min {
		s.Min = v
	}
	if s.N == 0 || v > s.Max {
		s.Max = v
	}
	s.N++
	s.Total += v
	s.Squares += v * v
}

// Merge adds o's values to s.
func (s *Sum) Merge(o Sum) {
	if o.N == 0 {
		return
	}
	if s.N == 0 || o.Min < s.Min {
		s.Min = o.Min
	}
	if s.N == 0 || o.Max > s.Max {
		s.Max = o.Max
	}
	s.N += o.N
	s.Total += o.Total
	s.Squares += o.Squares
}

// Mean is the mean of the values, finite; false when there are none.
func (s Sum) Mean() (float64, bool) {
	if s.N == 0 {
		return 0, false
	}
	return Finite(s.Total / float64(s.N)), true
}

// Stddev is the sample standard deviation of the values (0 for fewer than two).
func (s Sum) Stddev() float64 {
	if s.N < 2 {
		return 0
	}
	n := float64(s.N)
	v := (s.Squares - s.Total*s.Total/n) / (n - 1)
	if v <= 0 || math.IsNaN(v) {
		return 0
	}
	return Finite(math.Sqrt(v))
}

// Finite clamps ±Inf to the largest finite float64 and NaN to 0: a figure
// the runner keeps is always a number JSON can carry.
func Finite(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return 0
	case math.IsInf(x, 1):
		return math.MaxFloat64
	case math.IsInf(x, -1):
		return -math.MaxFloat64
	}
	return x
}

// FirstToken is a call's time to first token: streams only, since a whole
// response has no first token to time.
func (c *Call) FirstToken() (float64, bool) {
	return c.TTFTS, c.Stream && c.TTFTS > 0
}

// GenerationTPS is a call's output tokens per second: the generation rate
// the proxy measured, else output over latency (end to end, for whole
// responses).
func (c *Call) GenerationTPS() (float64, bool) {
	switch {
	case c.OutputTPS > 0:
		return c.OutputTPS, true
	case c.Error == "" && c.Output > 0 && c.LatencyS > 0:
		return float64(c.Output) / c.LatencyS, true
	}
	return 0, false
}

// failure names what a failed call got: "HTTP 429", "refused".
func (c *Call) failure() string {
	if c.Status != 0 && c.Error != CallUnmatched {
		return fmt.Sprintf("HTTP %d", c.Status)
	}
	return c.Error
}

// Add counts one call in its group and keeps it if fewer than MaxCalls are kept.
func (l *CallLog) Add(c Call) {
	if len(l.Calls) < MaxCalls {
		l.Calls = append(l.Calls, c)
	} else {
		l.CallsDropped++
	}
	if h := c.UndeclaredPhase; h != "" && len(l.Undeclared) < maxUndeclared && !contains(l.Undeclared, h) {
		l.Undeclared = append(l.Undeclared, h)
	}
	l.group(c).add(&c)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// group finds or makes the group of c, folding past MaxCallGroups.
func (l *CallLog) group(c Call) *CallGroup {
	phase := c.Phase
	if phase == "" {
		phase = OtherPhase
	}
	k := groupKey{phase, c.API, c.Model}
	if i, ok := l.find(k); ok {
		return &l.CallGroups[i]
	}
	if len(l.CallGroups) >= MaxCallGroups {
		k.phase = OtherPhases
		if i, ok := l.find(k); ok {
			return &l.CallGroups[i]
		}
		if !l.knownModel(c.Model) {
			k.model = OtherModels
			if i, ok := l.find(k); ok {
				return &l.CallGroups[i]
			}
		}
	}
	if l.index != nil {
		l.index[k] = len(l.CallGroups)
	}
	l.CallGroups = append(l.CallGroups, CallGroup{Phase: k.phase, API: k.api, Model: k.model})
	return &l.CallGroups[len(l.CallGroups)-1]
}

// smallGroups is how many groups are searched one by one before a map
// indexes them: a run has a few, and a map for each of 100,000 records read
// was a tenth of reading them.
const smallGroups = 16

// find is the index of the group of k.
func (l *CallLog) find(k groupKey) (int, bool) {
	if len(l.CallGroups) < smallGroups {
		l.index = nil
		for i := range l.CallGroups {
			if g := &l.CallGroups[i]; g.Phase == k.phase && g.API == k.api && g.Model == k.model {
				return i, true
			}
		}
		return 0, false
	}
	if l.index == nil || len(l.index) != len(l.CallGroups) { // first use, or a copy of the log
		l.index = make(map[groupKey]int, len(l.CallGroups))
		for i, g := range l.CallGroups {
			l.index[groupKey{g.Phase, g.API, g.Model}] = i
		}
	}
	i, ok := l.index[k]
	return i, ok
}

func (l *CallLog) knownModel(m string) bool {
	for i := range l.CallGroups {
		if l.CallGroups[i].Model == m {
			return true
		}
	}
	return false
}

func (g *CallGroup) add(c *Call) {
	g.Calls++
	if c.Error != "" {
		if g.Errors == nil {
			g.Errors = map[string]int{}
		}
		g.Errors[c.Error]++
	}
	if c.Failed() {
		if g.Failed == nil {
			g.Failed = map[string]int{}
		}
		g.Failed[c.failure()]++
	}
	switch c.UsageStatus {
	case UsageEstimated:
		g.Estimated++
	case UsageMissing:
		g.Missing++
	}
	if c.UsageStatus != UsageMissing && c.Error == "" {
		g.Metered++
	}
	g.Tokens = g.Tokens.Add(c.Tokens)
	g.Latency.Add(c.LatencyS)
	if v, ok := c.FirstToken(); ok {
		g.TTFT.Add(v)
	}
	if v, ok := c.GenerationTPS(); ok {
		g.OutputTPS.Add(v)
	}
}

// Groups returns the calls added up per phase, API and model: CallGroups,
// or for a record written before they existed, groups made from Calls.
func (l *CallLog) Groups() []CallGroup {
	if len(l.CallGroups) > 0 || len(l.Calls) == 0 {
		return l.CallGroups
	}
	d := CallLog{CallGroups: make([]CallGroup, 0, min(len(l.Calls), smallGroups))}
	for i := range l.Calls {
		d.group(l.Calls[i]).add(&l.Calls[i])
	}
	return d.CallGroups
}

// Count is how many calls the run made, kept or not.
func (l *CallLog) Count() int {
	if len(l.CallGroups) == 0 {
		return len(l.Calls) + l.CallsDropped
	}
	n := 0
	for i := range l.CallGroups {
		n += l.CallGroups[i].Calls
	}
	return n
}

// Total adds up every group into one (its Phase, API and Model empty).
func (l *CallLog) Total() CallGroup {
	var t CallGroup
	for _, g := range l.Groups() {
		t.merge(&g)
	}
	return t
}

func (g *CallGroup) merge(o *CallGroup) {
	g.Calls += o.Calls
	g.Errors = mergeCounts(g.Errors, o.Errors)
	g.Failed = mergeCounts(g.Failed, o.Failed)
	g.Estimated += o.Estimated
	g.Missing += o.Missing
	g.Metered += o.Metered
	g.Tokens = g.Tokens.Add(o.Tokens)
	g.Latency.Merge(o.Latency)
	g.TTFT.Merge(o.TTFT)
	g.OutputTPS.Merge(o.OutputTPS)
}

func mergeCounts(into, from map[string]int) map[string]int {
	for k, v := range from {
		if into == nil {
			into = map[string]int{}
		}
		into[k] += v
	}
	return into
}

// Errors is how many calls had an error.
func (g *CallGroup) ErrorCount() int {
	n := 0
	for _, v := range g.Errors {
		n += v
	}
	return n
}

// FailedCount is how many calls failed (see Call.Failed).
func (g *CallGroup) FailedCount() int {
	n := 0
	for _, v := range g.Failed {
		n += v
	}
	return n
}
