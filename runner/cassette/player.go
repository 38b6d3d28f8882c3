package cassette

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// UnmatchedError is the error class of a request no recording matched.
const UnmatchedError = record.CallUnmatched

// Library is a recording opened for replay.
type Library struct {
	Dir      string
	Manifest Manifest
	cells    map[string][]string // cell -> its run files' names (run1, warmup1...), sorted

	mu    sync.Mutex
	cache map[string]readEntries // "cell/run" -> its entries
}

type readEntries struct {
	entries []Entry
	torn    error // *TornError, or nil
}

// Open reads the recording in dir (a cassettes folder or a benchmark output
// folder holding one).
func Open(dir string) (*Library, error) {
	d, err := Resolve(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(d, ManifestFile))
	if err != nil {
		return nil, err
	}
	lib := &Library{Dir: d, cells: map[string][]string{}, cache: map[string]readEntries{}}
	if err := json.Unmarshal(b, &lib.Manifest); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(d, ManifestFile), err)
	}
	if lib.Manifest.Format > Format {
		return nil, fmt.Errorf("%s: cassette format %d is newer than this runner reads (%d); update the runner",
			filepath.Join(d, ManifestFile), lib.Manifest.Format, Format)
	}
	ents, err := os.ReadDir(d)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		runs, _ := filepath.Glob(filepath.Join(d, e.Name(), "*.jsonl"))
		for _, r := range runs {
			name := strings.TrimSuffix(filepath.Base(r), ".jsonl")
			if _, _, ok := runIndex(name); ok {
				lib.cells[e.Name()] = append(lib.cells[e.Name()], name)
			}
		}
		sortRuns(lib.cells[e.Name()])
	}
	return lib, nil
}

// sortRuns orders run names as run1, run2, ..., run10, warmup1, ...
func sortRuns(names []string) {
	sort.Slice(names, func(i, j int) bool {
		wi, ni, _ := runIndex(names[i])
		wj, nj, _ := runIndex(names[j])
		if wi != wj {
			return !wi
		}
		return ni < nj
	})
}

// Cells lists the recorded cells, sorted.
func (l *Library) Cells() []string { return slices.Sorted(maps.Keys(l.cells)) }

// Runs lists the recorded runs of a cell: run1, run2, ..., then warmups.
func (l *Library) Runs(cell string) []string { return l.cells[cell] }

// Source names the recorded run that answers cell's run (run<N> or
// warmup<N>) under the reuse rule: the same run when recorded; else the
// cell's measured runs round-robin (run N takes recorded run ((N-1) mod k)+1
// of the k recorded); "" when the cell has no measured run recorded.
func (l *Library) Source(cell, run string) (src string, exact bool) {
	runs := l.cells[cell]
	var measured []string
	for _, r := range runs {
		if r == run {
			return r, true
		}
		if w, _, _ := runIndex(r); !w {
			measured = append(measured, r)
		}
	}
	_, n, ok := runIndex(run)
	if !ok || len(measured) == 0 {
		return "", false
	}
	return measured[(n-1)%len(measured)], false
}

// Entries reads one recorded run. A file whose last line is torn gives the
// entries before it and a *TornError, each time it is read.
func (l *Library) Entries(cell, run string) ([]Entry, error) {
	key := cell + "/" + run
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.cache[key]; ok {
		return e.entries, e.torn
	}
	e, err := readRun(filepath.Join(l.Dir, cell, run+".jsonl"))
	var torn *TornError
	if err != nil && !errors.As(err, &torn) {
		return nil, err
	}
	l.cache[key] = readEntries{e, err}
	return e, err
}

// Options shape a replay.
type Options struct {
	Match   spec.MatchMode   // spec.MatchBody (default) or spec.MatchSequence
	Speed   float64          // 1: as recorded; 2: twice as fast; 0: at once
	Missing spec.MissingRule // spec.MissingReuse (default), spec.MissingSimulate or spec.MissingRefuse
}

// Tape returns the player of one cell's proxy, whose runs are serial.
func (l *Library) Tape(o Options) *PlayTape {
	if o.Match == "" {
		o.Match = spec.MatchBody
	}
	if o.Missing == "" {
		o.Missing = spec.MissingReuse
	}
	return &PlayTape{lib: l, o: o}
}

// PlayTape answers the calls of one proxy from the recorded run that
// answers the run it serves (Start).
type PlayTape struct {
	lib *Library
	o   Options
	mu  sync.Mutex
	cur *playRun
}

type playRun struct {
	mu        sync.Mutex
	from      string // cell/run answering; "" when none: unmatched or simulated
	simulate  bool
	entries   []Entry
	used      []bool
	unmatched int
	missed    []string
	err       error
}

// Start answers the calls that start from now on from the recording of
// cell's run (see Library.Source).
func (t *PlayTape) Start(cell, run string) {
	pr := &playRun{}
	if src, _ := t.lib.Source(cell, run); src != "" {
		pr.from = cell + "/" + src
		pr.entries, pr.err = t.lib.Entries(cell, src)
		pr.used = make([]bool, len(pr.entries))
	} else if t.o.Missing == spec.MissingSimulate {
		pr.simulate = true
	}
	t.mu.Lock()
	t.cur = pr
	t.mu.Unlock()
}

// End says where the run's answers came from and how many requests no
// recording matched, with a warning per kind of unmatched request.
func (t *PlayTape) End() (replay *record.Replay, simulated bool, warnings []string) {
	t.mu.Lock()
	pr := t.cur
	t.mu.Unlock()
	if pr == nil {
		return nil, false, nil
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	rp := &record.Replay{From: pr.from, Unmatched: pr.unmatched}
	var warns []string
	if pr.simulate {
		rp.From = "simulator"
		warns = append(warns, "replay: this run is not in the recording; the simulator answered it (replay.missing: simulate)")
	}
	if pr.err != nil {
		warns = append(warns, "replay: "+pr.err.Error())
	}
	for _, m := range pr.missed {
		warns = append(warns, "replay: no recording matched "+m)
	}
	return rp, pr.simulate, warns
}

// Close does nothing: a player holds no file open.
func (t *PlayTape) Close() error { return nil }

// Tap answers api's calls from the recording; next (the simulator) only
// answers runs the recording lacks under replay.missing: simulate.
func (t *PlayTape) Tap(api llmapi.API, upstream *url.URL, next http.RoundTripper) http.RoundTripper {
	return &player{t: t, api: api, base: upstream, next: next}
}

type player struct {
	t    *PlayTape
	api  llmapi.API
	base *url.URL
	next http.RoundTripper
}

func (p *player) RoundTrip(r *http.Request) (*http.Response, error) {
	t0 := time.Now()
	p.t.mu.Lock()
	pr := p.t.cur
	p.t.mu.Unlock()
	if pr != nil && pr.simulate {
		return p.next.RoundTrip(r)
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedRequest))
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	q := readRequest(p.api, p.base, r, body)
	var e *Entry
	if pr != nil {
		e = pr.match(q, p.t.o.Match)
	}
	if e == nil {
		return unmatched(p.api, q, p.t.o.Match), nil
	}
	scale := 0.0
	if p.t.o.Speed > 0 {
		scale = 1 / p.t.o.Speed
	}
	ctx := r.Context()
	if err := waitUntil(ctx, t0, e.HeaderMS, scale); err != nil {
		return nil, err
	}
	if e.Status == 0 {
		return nil, fmt.Errorf("replayed: %s", e.Error)
	}
	resp := &http.Response{
		StatusCode: e.Status, Status: fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Request: r, ContentLength: -1,
	}
	for k, v := range e.Header {
		resp.Header.Set(k, v)
	}
	if e.Sized {
		n := 0
		for _, c := range e.Chunks {
			n += len(c.bytes())
		}
		resp.ContentLength = int64(n)
		resp.Header.Set("Content-Length", strconv.Itoa(n))
	}
	resp.Body = &paced{ctx: ctx, t0: t0, scale: scale, e: e}
	return resp, nil
}

// match takes the recorded entry that answers q: under body, the first
// unused entry with the same request (then, when all are used, the first of
// them again: the run asked the same more often than recorded); under
// sequence, the next unused entry of the same API, method, path and model.
func (pr *playRun) match(q *request, mode spec.MatchMode) *Entry {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	same := func(e *Entry) bool {
		return e.API == q.api && e.Method == q.method && e.Path == q.path && e.Query == q.query && e.Model == q.model
	}
	reuse := -1
	for i := range pr.entries {
		e := &pr.entries[i]
		if !same(e) || (mode != spec.MatchSequence && e.BodyHash != q.hash) {
			continue
		}
		if !pr.used[i] {
			pr.used[i] = true
			return e
		}
		if reuse < 0 && mode != spec.MatchSequence {
			reuse = i
		}
	}
	if reuse >= 0 {
		return &pr.entries[reuse]
	}
	pr.unmatched++
	if len(pr.missed) < 5 {
		what := q.describe()
		if pr.from == "" {
			what += ": the recording has no such run"
		} else if mode == spec.MatchBody {
			what += " in " + pr.from + " (replay.match: body; a prompt that changes between runs needs replay.match: sequence)"
		} else {
			what += " in " + pr.from + " (replay.match: sequence; the run made more such calls than were recorded)"
		}
		pr.missed = append(pr.missed, what)
	}
	return nil
}

// unmatched answers a request no recording matched with an error in its
// API's own format, marked for the metering as UnmatchedError.
func unmatched(api llmapi.API, q *request, mode spec.MatchMode) *http.Response {
	msg := fmt.Sprintf("runner replay: no recorded call matches %s (replay.match: %s)", q.describe(), mode)
	var v any
	switch errorShape(api, q.path) {
	case llmapi.Anthropic:
		v = map[string]any{"type": "error", "error": map[string]any{"type": "not_found_error", "message": msg}}
	case llmapi.Gemini:
		v = map[string]any{"error": map[string]any{"code": 404, "message": msg, "status": "NOT_FOUND"}}
	case llmapi.Ollama:
		v = map[string]any{"error": msg}
	default:
		v = map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": nil, "code": "replay_unmatched"}}
	}
	b, _ := json.Marshal(v)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Runner-Call-Error", UnmatchedError) // meter.CallErrorHeader
	return &http.Response{StatusCode: http.StatusNotFound, Status: "404 Not Found", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}
}

// errorShape is the API whose error format a path's clients read: Ollama
// serves OpenAI's and Anthropic's formats under /v1.
func errorShape(api llmapi.API, path string) llmapi.API {
	if api == llmapi.Ollama && strings.HasPrefix(path, "/v1/") {
		if path == "/v1/messages" {
			return llmapi.Anthropic
		}
		return llmapi.OpenAI
	}
	return api
}

// waitUntil waits until t0 + ms*scale, or ctx's end.
func waitUntil(ctx context.Context, t0 time.Time, ms, scale float64) error {
	if scale == 0 {
		return ctx.Err()
	}
	d := time.Until(t0.Add(time.Duration(ms * scale * float64(time.Millisecond))))
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// paced is a replayed body: each chunk at its recorded offset from the
// request's start (scaled); a body recorded cut short ends with an error.
type paced struct {
	ctx   context.Context
	t0    time.Time
	scale float64
	e     *Entry
	i     int
	cur   []byte
}

func (b *paced) Read(p []byte) (int, error) {
	for len(b.cur) == 0 {
		if b.i >= len(b.e.Chunks) {
			if b.e.Error == "truncated" || b.e.Error == ErrUnkept {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, io.EOF
		}
		c := b.e.Chunks[b.i]
		if err := waitUntil(b.ctx, b.t0, c.MS, b.scale); err != nil {
			return 0, err
		}
		b.cur = c.bytes()
		b.i++
	}
	n := copy(p, b.cur)
	b.cur = b.cur[n:]
	return n, nil
}

func (b *paced) Close() error { return nil }

// CellInventory is what a recording holds for one cell.
type CellInventory struct {
	Cell   string
	Runs   []string // run1 run2 ... warmup1
	Calls  int
	Bytes  int64        // of recorded answers
	APIs   []llmapi.API // sorted
	Models []string     // sorted
	Errors int          // calls recorded with an error status or none
	// Warnings name the run files whose last line is torn (file:line).
	Warnings []string
}

// Inventory reads every recorded run and says what each cell holds.
func (l *Library) Inventory() ([]CellInventory, error) {
	var out []CellInventory
	for _, cell := range l.Cells() {
		ci := CellInventory{Cell: cell, Runs: l.Runs(cell)}
		apis, models := map[llmapi.API]bool{}, map[string]bool{}
		for _, run := range ci.Runs {
			es, err := l.Entries(cell, run)
			var torn *TornError
			if errors.As(err, &torn) {
				ci.Warnings = append(ci.Warnings, torn.Error())
			} else if err != nil {
				return nil, err
			}
			for _, e := range es {
				ci.Calls++
				apis[e.API] = true
				if e.Model != "" {
					models[e.Model] = true
				}
				if e.Status == 0 || e.Status >= 400 || e.Error != "" {
					ci.Errors++
				}
				for _, c := range e.Chunks {
					ci.Bytes += int64(len(c.bytes()))
				}
			}
		}
		ci.APIs, ci.Models = slices.Sorted(maps.Keys(apis)), slices.Sorted(maps.Keys(models))
		out = append(out, ci)
	}
	return out, nil
}
