package record

import (
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/redact"
)

// lineDecoder decodes a record line of the shape Writer writes (json.Marshal
// of a Run: known keys, each once, no escapes in strings, no nulls) about
// five times faster than a general decoder, with far fewer allocations: the
// names a record repeats (cell, model, phase, API, status, ...) are interned,
// and the slices of many records are cut from one shared backing array.
// Every string is scrubbed, as redact.JSON scrubs the line (see Read): an
// interned name once.
//
// It is exact or it declines: decode returns false for anything outside that
// shape (an escape, a null, an unknown or repeated key, a number a field
// cannot hold, ...), and the line then goes through the general decoder,
// which also words any error. FuzzReadAsEncodingJSON holds the two to
// encoding/json's result.
type lineDecoder struct {
	b   []byte
	i   int
	bad bool

	names  map[string]string
	recent [256]string // by a hash of a few bytes: see intern

	// The shared backing arrays the records' slices are cut from.
	phases []Phase
	calls  []Call
	groups []CallGroup
}

func newLineDecoder() *lineDecoder {
	return &lineDecoder{names: make(map[string]string, 64)}
}

// Names interned at most: a record's own texts (its log path, its error)
// would otherwise fill the table with strings seen once.
const (
	maxNames   = 4096
	maxNameLen = 64
	slabLen    = 1024
)

// decode decodes line into r, which must be zero; false when the line is
// not of the writer's shape (r is then garbage).
func (d *lineDecoder) decode(line []byte, r *Run) bool {
	d.b, d.i, d.bad = line, 0, false
	d.ws()
	d.run(r)
	d.ws()
	return !d.bad && d.i == len(d.b)
}

func (d *lineDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *lineDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// want consumes c, or marks the line bad.
func (d *lineDecoder) want(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	d.bad = true
	return false
}

// object decodes an object whose keys field decodes, each key once: field
// returns the key's bit, 0 for a key it does not know.
func (d *lineDecoder) object(field func(key []byte) uint64) {
	if !d.want('{') {
		return
	}
	d.ws()
	if d.peek() == '}' {
		d.i++
		return
	}
	var seen uint64
	for !d.bad {
		key := d.str()
		d.ws()
		if d.bad || !d.want(':') {
			return
		}
		d.ws()
		bit := field(key)
		if bit == 0 || seen&bit != 0 {
			d.bad = true
			return
		}
		seen |= bit
		d.ws()
		if d.i >= len(d.b) {
			d.bad = true
			return
		}
		c := d.b[d.i]
		d.i++
		switch c {
		case ',':
			d.ws()
		case '}':
			return
		default:
			d.bad = true
		}
	}
}

// mapObject decodes an object into a map: any keys, a repeated one
// replacing the value before it, as encoding/json does.
func (d *lineDecoder) mapObject(entry func(key []byte)) {
	if !d.want('{') {
		return
	}
	d.ws()
	if d.peek() == '}' {
		d.i++
		return
	}
	for !d.bad {
		key := d.str()
		d.ws()
		if d.bad || !d.want(':') {
			return
		}
		d.ws()
		entry(key)
		d.ws()
		if d.bad || d.i >= len(d.b) {
			d.bad = true
			return
		}
		c := d.b[d.i]
		d.i++
		switch c {
		case ',':
			d.ws()
		case '}':
			return
		default:
			d.bad = true
		}
	}
}

// array decodes an array, calling elem for each element.
func (d *lineDecoder) array(elem func()) {
	if !d.want('[') {
		return
	}
	d.ws()
	if d.peek() == ']' {
		d.i++
		return
	}
	for !d.bad {
		elem()
		d.ws()
		if d.bad || d.i >= len(d.b) {
			d.bad = true
			return
		}
		c := d.b[d.i]
		d.i++
		switch c {
		case ',':
			d.ws()
		case ']':
			return
		default:
			d.bad = true
		}
	}
}

// str is a string's content: one without escapes, control characters or
// invalid UTF-8 (which encoding/json would rewrite), else the line is bad.
func (d *lineDecoder) str() []byte {
	if !d.want('"') {
		return nil
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				d.bad = true
			}
			return s
		case c == '\\' || c < 0x20:
			d.bad = true
			return nil
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	d.bad = true
	return nil
}

// name is a string that records repeat (a cell, a phase, a model), interned.
func (d *lineDecoder) name() string {
	b := d.str()
	if d.bad {
		return ""
	}
	return d.intern(b)
}

// text is a string of the record's own (a path, a reason), scrubbed.
func (d *lineDecoder) text() string {
	b := d.str()
	if d.bad {
		return ""
	}
	return redact.String(string(b))
}

// number is a number's literal, checked against JSON's grammar, and
// whether it is an integer (no fraction, no exponent).
func (d *lineDecoder) number() (lit []byte, integer bool) {
	start := d.i
	if d.peek() == '-' {
		d.i++
	}
	switch c := d.peek(); {
	case c == '0':
		d.i++
	case c >= '1' && c <= '9':
		d.digits()
	default:
		d.bad = true
		return nil, false
	}
	integer = true
	if d.peek() == '.' {
		d.i++
		if !d.digits() {
			return nil, false
		}
		integer = false
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.i++
		if c := d.peek(); c == '+' || c == '-' {
			d.i++
		}
		if !d.digits() {
			return nil, false
		}
		integer = false
	}
	return d.b[start:d.i], integer
}

// digits consumes one digit or more.
func (d *lineDecoder) digits() bool {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i == start {
		d.bad = true
		return false
	}
	return true
}

func (d *lineDecoder) float() float64 {
	lit, _ := d.number()
	if d.bad {
		return 0
	}
	// ParseFloat keeps no reference to its argument (its error copies it).
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(lit), len(lit)), 64)
	if err != nil {
		d.bad = true
	}
	return f
}

func (d *lineDecoder) int64() int64 {
	lit, integer := d.number()
	if d.bad || !integer {
		d.bad = true
		return 0
	}
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	if len(lit) > 18 { // past what surely fits: the general decoder judges
		d.bad = true
		return 0
	}
	var v int64
	for _, c := range lit {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v
}

func (d *lineDecoder) int() int {
	v := d.int64()
	if int64(int(v)) != v {
		d.bad = true
	}
	return int(v)
}

func (d *lineDecoder) bool() bool {
	switch {
	case len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "true":
		d.i += 4
		return true
	case len(d.b)-d.i >= 5 && string(d.b[d.i:d.i+5]) == "false":
		d.i += 5
		return false
	}
	d.bad = true
	return false
}

// list decodes an array, each element by elem into the next free one of
// *slab (a new slab when it is full, the list so far moved into it), and
// returns the elements as a slice of their own: its capacity is its length,
// so an append copies it rather than runs into the next record's elements.
func list[T any](d *lineDecoder, slab *[]T, elem func(*T)) []T {
	start := len(*slab)
	d.array(func() {
		if len(*slab) == cap(*slab) {
			n := len(*slab) - start
			grown := make([]T, n, max(slabLen, 2*n+1))
			copy(grown, (*slab)[start:])
			*slab, start = grown, 0
		}
		*slab = (*slab)[:len(*slab)+1]
		elem(&(*slab)[len(*slab)-1])
	})
	if len(*slab) == start {
		return []T{}
	}
	return (*slab)[start:len(*slab):len(*slab)]
}

func (d *lineDecoder) run(r *Run) {
	d.object(func(key []byte) uint64 {
		switch string(key) {
		case "cell":
			r.Cell = d.name()
			return 1 << 0
		case "provider":
			r.Provider = d.name()
			return 1 << 1
		case "model":
			r.Model = d.name()
			return 1 << 2
		case "matrix":
			r.Matrix = d.stringMap()
			return 1 << 3
		case "run":
			r.Index = d.int()
			return 1 << 4
		case "shard":
			r.Shard = d.name()
			return 1 << 5
		case "warmup":
			r.Warmup = d.bool()
			return 1 << 6
		case "simulated":
			r.Simulated = d.bool()
			return 1 << 7
		case "replay":
			r.Replay = &Replay{}
			d.replay(r.Replay)
			return 1 << 8
		case "status":
			r.Status = Status(d.name())
			return 1 << 9
		case "exit_code":
			r.ExitCode = d.int()
			return 1 << 10
		case "signal":
			r.Signal = d.name()
			return 1 << 11
		case "error":
			r.Error = d.name()
			return 1 << 12
		case "started":
			start := d.i
			t := d.str()
			// time.Time decodes its own JSON, as encoding/json has it do;
			// a time with something to scrub is left to the general way.
			if !d.bad && (redact.String(string(t)) != string(t) || r.Started.UnmarshalJSON(d.b[start:d.i]) != nil) {
				d.bad = true
			}
			return 1 << 13
		case "wall_s":
			r.WallSeconds = d.float()
			return 1 << 14
		case "user_s":
			r.UserSeconds = d.float()
			return 1 << 15
		case "sys_s":
			r.SysSeconds = d.float()
			return 1 << 16
		case "cpu_pct":
			r.CPUPercent = d.float()
			return 1 << 17
		case "peak_rss_mb":
			r.PeakRSSMB = d.float()
			return 1 << 18
		case "phases":
			r.Phases = d.phaseList()
			return 1 << 19
		case "usage":
			r.Usage = d.usageList()
			return 1 << 20
		case "calls":
			r.Calls = d.callList()
			return 1 << 21
		case "call_groups":
			r.CallGroups = d.groupList()
			return 1 << 22
		case "calls_dropped":
			r.CallsDropped = d.int()
			return 1 << 23
		case "late_calls":
			r.LateCalls = d.callList()
			return 1 << 24
		case "late_calls_dropped":
			r.LateDropped = d.int()
			return 1 << 25
		case "metrics":
			r.Metrics = d.floatMap()
			return 1 << 26
		case "artifacts":
			r.Artifacts = d.artifactMap()
			return 1 << 27
		case "token_source":
			r.TokenSource = d.name()
			return 1 << 28
		case "bad_events":
			r.BadEvents = d.int()
			return 1 << 29
		case "warnings":
			r.Warnings = d.stringList()
			return 1 << 30
		case "log":
			r.Log = d.text()
			return 1 << 31
		case "log_error":
			r.LogError = d.text()
			return 1 << 32
		case "dir":
			r.Dir = d.text()
			return 1 << 33
		case "metric_reasons":
			r.MetricReasons = d.stringMap()
			return 1 << 34
		case "judge":
			r.Judge = &Judge{}
			d.judge(r.Judge)
			return 1 << 35
		}
		return 0
	})
}

func (d *lineDecoder) replay(p *Replay) {
	d.object(func(key []byte) uint64 {
		switch string(key) {
		case "from":
			p.From = d.text()
			return 1 << 0
		case "unmatched":
			p.Unmatched = d.int()
			return 1 << 1
		}
		return 0
	})
}

func (d *lineDecoder) judge(j *Judge) {
	d.object(func(key []byte) uint64 {
		switch string(key) {
		case "status":
			j.Status = Status(d.name())
			return 1 << 0
		case "score":
			v := d.float()
			j.Score = &v
			return 1 << 1
		case "reason":
			j.Reason = d.text()
			return 1 << 2
		case "error":
			j.Error = d.name()
			return 1 << 3
		case "exit_code":
			j.ExitCode = d.int()
			return 1 << 4
		case "wall_s":
			j.WallSeconds = d.float()
			return 1 << 5
		case "calls":
			j.Calls = d.callList()
			return 1 << 6
		case "usage":
			j.Usage = d.usageList()
			return 1 << 7
		case "log":
			j.Log = d.text()
			return 1 << 8
		}
		return 0
	})
}

// tokens decodes a field of the embedded Tokens; bit is the first of the
// five bits its caller keeps for them.
func (d *lineDecoder) tokens(key []byte, t *Tokens, bit uint64) uint64 {
	switch string(key) {
	case "input_tokens":
		t.Input = d.int64()
		return bit
	case "output_tokens":
		t.Output = d.int64()
		return bit << 1
	case "cached_input_tokens":
		t.CachedInput = d.int64()
		return bit << 2
	case "cache_write_tokens":
		t.CacheWrite = d.int64()
		return bit << 3
	case "reasoning_tokens":
		t.Reasoning = d.int64()
		return bit << 4
	}
	return 0
}

func (d *lineDecoder) phaseList() []Phase {
	return list(d, &d.phases, func(p *Phase) {
		d.object(func(key []byte) uint64 {
			switch string(key) {
			case "name":
				p.Name = d.name()
				return 1 << 0
			case "start_s":
				p.Start = d.float()
				return 1 << 1
			case "seconds":
				p.Seconds = d.float()
				return 1 << 2
			}
			return 0
		})
	})
}

func (d *lineDecoder) usageList() []Usage {
	var list []Usage
	d.array(func() {
		var u Usage
		d.object(func(key []byte) uint64 {
			switch string(key) {
			case "phase":
				u.Phase = d.name()
				return 1 << 0
			case "provider":
				u.Provider = d.name()
				return 1 << 1
			case "model":
				u.Model = d.name()
				return 1 << 2
			case "at_s":
				u.At = d.float()
				return 1 << 3
			case "source":
				u.Source = d.name()
				return 1 << 4
			case "count":
				u.Count = d.int()
				return 1 << 5
			}
			return d.tokens(key, &u.Tokens, 1<<6)
		})
		list = append(list, u)
	})
	if len(list) == 0 {
		return []Usage{}
	}
	return list[:len(list):len(list)]
}

func (d *lineDecoder) callList() []Call {
	return list(d, &d.calls, func(c *Call) {
		d.object(func(key []byte) uint64 {
			switch string(key) {
			case "api":
				c.API = llmapi.API(d.name())
				return 1 << 0
			case "endpoint":
				c.Endpoint = d.name()
				return 1 << 1
			case "model":
				c.Model = d.name()
				return 1 << 2
			case "response_model":
				c.ResponseModel = d.name()
				return 1 << 3
			case "phase":
				c.Phase = d.name()
				return 1 << 4
			case "undeclared_phase":
				c.UndeclaredPhase = d.name()
				return 1 << 5
			case "stream":
				c.Stream = d.bool()
				return 1 << 6
			case "status":
				c.Status = d.int()
				return 1 << 7
			case "error":
				c.Error = d.name()
				return 1 << 8
			case "start_s":
				c.Start = d.float()
				return 1 << 9
			case "latency_s":
				c.LatencyS = d.float()
				return 1 << 10
			case "ttft_s":
				c.TTFTS = d.float()
				return 1 << 11
			case "output_tps":
				c.OutputTPS = d.float()
				return 1 << 12
			case "usage_status":
				c.UsageStatus = d.name()
				return 1 << 13
			case "late":
				c.Late = d.bool()
				return 1 << 14
			}
			return d.tokens(key, &c.Tokens, 1<<15)
		})
	})
}

func (d *lineDecoder) groupList() []CallGroup {
	return list(d, &d.groups, func(g *CallGroup) {
		d.object(func(key []byte) uint64 {
			switch string(key) {
			case "phase":
				g.Phase = d.name()
				return 1 << 0
			case "api":
				g.API = llmapi.API(d.name())
				return 1 << 1
			case "model":
				g.Model = d.name()
				return 1 << 2
			case "calls":
				g.Calls = d.int()
				return 1 << 3
			case "errors":
				g.Errors = d.intMap()
				return 1 << 4
			case "failed":
				g.Failed = d.intMap()
				return 1 << 5
			case "usage_estimated":
				g.Estimated = d.int()
				return 1 << 6
			case "usage_missing":
				g.Missing = d.int()
				return 1 << 7
			case "metered":
				g.Metered = d.int()
				return 1 << 8
			case "latency_s":
				d.sum(&g.Latency)
				return 1 << 9
			case "ttft_s":
				d.sum(&g.TTFT)
				return 1 << 10
			case "output_tps":
				d.sum(&g.OutputTPS)
				return 1 << 11
			}
			return d.tokens(key, &g.Tokens, 1<<12)
		})
	})
}

func (d *lineDecoder) sum(s *Sum) {
	d.object(func(key []byte) uint64 {
		switch string(key) {
		case "n":
			s.N = d.int()
			return 1 << 0
		case "sum":
			s.Total = d.float()
			return 1 << 1
		case "sum_sq":
			s.Squares = d.float()
			return 1 << 2
		case "min":
			s.Min = d.float()
			return 1 << 3
		case "max":
			s.Max = d.float()
			return 1 << 4
		}
		return 0
	})
}

func (d *lineDecoder) stringList() []string {
	list := []string{}
	d.array(func() { list = append(list, d.text()) })
	return list[:len(list):len(list)]
}

func (d *lineDecoder) stringMap() map[string]string {
	m := map[string]string{}
	d.mapObject(func(key []byte) { k := d.intern(key); m[k] = d.text() })
	return m
}

func (d *lineDecoder) floatMap() map[string]float64 {
	m := map[string]float64{}
	d.mapObject(func(key []byte) { k := d.intern(key); m[k] = d.float() })
	return m
}

func (d *lineDecoder) intMap() map[string]int {
	m := map[string]int{}
	d.mapObject(func(key []byte) { k := d.intern(key); m[k] = d.int() })
	return m
}

func (d *lineDecoder) artifactMap() map[string]Artifact {
	m := map[string]Artifact{}
	d.mapObject(func(key []byte) {
		k := d.intern(key)
		var a Artifact
		d.object(func(key []byte) uint64 {
			switch string(key) {
			case "mb":
				a.MB = d.float()
				return 1 << 0
			case "files":
				a.Files = d.int()
				return 1 << 1
			case "partial":
				a.Partial = d.bool()
				return 1 << 2
			}
			return 0
		})
		m[k] = a
	})
	return m
}

// intern is b as a string, the same string each time b is the same (up
// to maxNames of them). The last names seen are looked up first, by a hash
// of a few of their bytes: a record's names are mostly the last record's.
func (d *lineDecoder) intern(b []byte) string {
	if d.bad || len(b) == 0 {
		return ""
	}
	h := (uint(len(b)) ^ uint(b[0])<<2 ^ uint(b[len(b)/2])<<4 ^ uint(b[len(b)-1])<<6) % uint(len(d.recent))
	if s := d.recent[h]; s == string(b) {
		return s
	}
	s, ok := d.names[string(b)]
	if !ok {
		raw := string(b)
		s = redact.String(raw) // once per name
		if len(b) <= maxNameLen && len(d.names) < maxNames {
			d.names[raw] = s
		}
	}
	d.recent[h] = s
	return s
}
