// Package record defines the run record, one JSON object per finished run, and
// its JSONL codec. It is the hinge of the flow: everything after execution
// (statistics, verdicts, every output file) is computed from records alone, so
// `runner report DIR` can rebuild any past benchmark from DIR/runs.jsonl.
package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	fastjson "github.com/segmentio/encoding/json"

	"github.com/runner-bench/runner/runner/internal/gcpace"
	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/redact"
)

// Status is how a run ended (or that its cell was skipped).
type Status string

// Status of a finished run.
const (
	StatusOK          Status = "ok"
	StatusFailed      Status = "failed"      // non-zero exit, killed by a signal, or could not start
	StatusTimeout     Status = "timeout"     // killed after the spec's timeout
	StatusInterrupted Status = "interrupted" // killed because the benchmark was interrupted
	// StatusSkipped marks a cell that did not run, with the reason in
	// Error; it is written once per skipped cell (Index 0) so that every
	// output, even one re-rendered later by `runner report`, can list
	// skipped cells.
	StatusSkipped Status = "skipped"
)

// Statuses lists every Status.
var Statuses = []Status{StatusOK, StatusFailed, StatusTimeout, StatusInterrupted, StatusSkipped}

// Token sources, recorded per run (spec key `tokens`).
const (
	SourceEvents = "events" // ::runner:: usage events or the RUNNER_EVENTS file
	SourceRegex  = "regex"  // the spec's extract.usage pattern
	SourceProxy  = "proxy"  // the metering proxy
)

// OtherPhase names the time spent outside every declared phase.
const OtherPhase = "(other)"

// Run is everything measured about one run of one cell.
type Run struct {
	Cell      string            `json:"cell"`                // cell ID, e.g. "anthropic_claude-3-5-sonnet"
	Provider  string            `json:"provider"`            // provider name ("default" without providers)
	Model     string            `json:"model,omitempty"`     // model of the cell
	Matrix    map[string]string `json:"matrix,omitempty"`    // the cell's extra axes
	Index     int               `json:"run"`                 // 1-based measured run number; warmups count from 1 too
	Shard     string            `json:"shard,omitempty"`     // "K/N" when run as a shard
	Warmup    bool              `json:"warmup,omitempty"`    // warmup runs are recorded but never measured
	Simulated bool              `json:"simulated,omitempty"` // dry run against the simulator
	Replay    *Replay           `json:"replay,omitempty"`    // answered from cassettes (runner --replay)

	Status   Status `json:"status"`
	ExitCode int    `json:"exit_code"`        // -1 when killed by a signal or never started
	Signal   string `json:"signal,omitempty"` // e.g. "killed"
	Error    string `json:"error,omitempty"`  // why the run did not succeed, in words

	Started     time.Time `json:"started"`
	WallSeconds float64   `json:"wall_s"`
	UserSeconds float64   `json:"user_s"`      // CPU time in user mode, all descendants
	SysSeconds  float64   `json:"sys_s"`       // CPU time in kernel mode, all descendants
	CPUPercent  float64   `json:"cpu_pct"`     // (user+sys)/wall*100
	PeakRSSMB   float64   `json:"peak_rss_mb"` // largest resident set of the process tree's largest member

	Phases []Phase `json:"phases,omitempty"` // in order of first start; includes "(other)"
	Usage  []Usage `json:"usage,omitempty"`  // token reports from events or regex
	// CallLog is the LLM requests seen by the metering proxy: the first
	// MaxCalls one by one, and every one added up per phase and model.
	CallLog
	// LateCalls reached the proxy after the previous run of the cell ended
	// (made by a process it left behind, or still in flight when its window
	// closed); they are kept to be seen, never counted in any run's tokens:
	// the first MaxCalls, and how many more in LateDropped.
	LateCalls   []Call              `json:"late_calls,omitempty"`
	LateDropped int                 `json:"late_calls_dropped,omitempty"`
	Metrics     map[string]float64  `json:"metrics,omitempty"`   // named values (metric events, extract.metrics)
	Artifacts   map[string]Artifact `json:"artifacts,omitempty"` // artifact name -> size

	TokenSource string `json:"token_source,omitempty"` // events | regex | proxy: which source the totals use
	BadEvents   int    `json:"bad_events,omitempty"`   // malformed ::runner:: lines (kept in the log)
	// Warnings are what the run warned about (undeclared phases, artifact
	// walks cut short, ...): the first 20, then how many more there were.
	Warnings []string `json:"warnings,omitempty"`
	Log      string   `json:"log,omitempty"` // log path, relative to the output folder
	// LogError says the log could not be written whole (e.g. the disk was
	// full): the run's measurements stand, its log is cut short or missing.
	LogError string `json:"log_error,omitempty"`
	Dir      string `json:"dir,omitempty"` // the run's working output folder, relative
	// MetricReasons are the reasons metric events gave with their values
	// (`"reason"`), by metric name.
	MetricReasons map[string]string `json:"metric_reasons,omitempty"`
	// Judge is what the spec's judge made of the run (successful measured
	// runs only). Its calls and tokens are its own: never in the run's.
	Judge *Judge `json:"judge,omitempty"`
}

// Judge statuses: JudgeOK has a score; the others say why there is none.
const (
	JudgeOK      Status = "ok"
	JudgeNoScore Status = "no_score" // exited 0 without a score in 1..10
	// and StatusFailed, StatusTimeout, StatusInterrupted, as for runs
)

// Judge is the outcome of the judge command on one run.
type Judge struct {
	Status      Status   `json:"status"`           // ok | no_score | failed | timeout | interrupted
	Score       *float64 `json:"score,omitempty"`  // 1 to 10; nil without a score
	Reason      string   `json:"reason,omitempty"` // the judge's own short reason
	Error       string   `json:"error,omitempty"`  // why there is no score, in words
	ExitCode    int      `json:"exit_code"`
	WallSeconds float64  `json:"wall_s"`
	Calls       []Call   `json:"calls,omitempty"` // the judge's LLM calls the proxy saw
	Usage       []Usage  `json:"usage,omitempty"` // token reports the judge printed
	Log         string   `json:"log,omitempty"`   // its log, relative to the output folder
}

// Tokens are the judge's tokens: the proxy's counts when it saw calls,
// else the usage the judge reported.
func (j *Judge) Tokens() Tokens {
	var t Tokens
	if len(j.Calls) > 0 {
		for _, c := range j.Calls {
			t = t.Add(c.Tokens)
		}
		return t
	}
	for _, u := range j.Usage {
		t = t.Add(u.Tokens)
	}
	return t
}

// CallUnmatched is the error of a replayed call no recording matched.
const CallUnmatched = "unmatched"

// Replay says where a replayed run's LLM answers came from.
type Replay struct {
	// From is the recorded run that answered, as cell/run2 (another run of
	// the cell when this one was not recorded); "simulator" when the
	// simulator answered (replay.missing: simulate); "" when nothing did.
	From string `json:"from"`
	// Unmatched counts the requests no recording matched: each got an
	// error in its API's format.
	Unmatched int `json:"unmatched,omitempty"`
}

// Phase is one phase's time within a run.
type Phase struct {
	Name    string  `json:"name"`
	Start   float64 `json:"start_s"` // offset from the run's start
	Seconds float64 `json:"seconds"` // total time spent in the phase (a phase may reopen)
}

// Tokens are the token classes a provider reports. Input counts every prompt
// token including cached ones: CachedInput and CacheWrite are subsets of Input,
// so each class is priced once (input minus cache classes at the input price).
// Reasoning is a subset of Output.
type Tokens struct {
	Input       int64 `json:"input_tokens"`
	Output      int64 `json:"output_tokens"`
	CachedInput int64 `json:"cached_input_tokens,omitempty"` // cache reads
	CacheWrite  int64 `json:"cache_write_tokens,omitempty"`  // cache creation
	Reasoning   int64 `json:"reasoning_tokens,omitempty"`
}

// MaxTokens is the largest token count one report may carry; parsers refuse
// larger ones (and negative ones), so that sums and costs stay finite.
const MaxTokens = 1_000_000_000_000

// Add returns the sum of t and o; a sum past int64 stops at its maximum
// rather than wrapping negative.
func (t Tokens) Add(o Tokens) Tokens {
	return Tokens{
		Input:       addSat(t.Input, o.Input),
		Output:      addSat(t.Output, o.Output),
		CachedInput: addSat(t.CachedInput, o.CachedInput),
		CacheWrite:  addSat(t.CacheWrite, o.CacheWrite),
		Reasoning:   addSat(t.Reasoning, o.Reasoning),
	}
}

func addSat(a, b int64) int64 {
	if s := a + b; (s > a) == (b > 0) {
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// Total is input plus output tokens.
func (t Tokens) Total() int64 { return t.Input + t.Output }

// Usage is the token reports made by the workload (events or regex
// matches) in one phase for one model, added up.
type Usage struct {
	Phase    string  `json:"phase"`              // phase open when reported, or the event's own
	Provider string  `json:"provider,omitempty"` // as the workload named it
	Model    string  `json:"model,omitempty"`
	At       float64 `json:"at_s"`   // offset from the run's start of the first report
	Source   string  `json:"source"` // events | regex
	// Count is how many reports of this phase, model and source the
	// entry adds up (a run keeps one entry each, however often it reports).
	Count int `json:"count,omitempty"`
	Tokens
}

// Call is one LLM request seen by the metering proxy.
type Call struct {
	API           llmapi.API `json:"api"`
	Endpoint      string     `json:"endpoint"`                 // e.g. "chat.completions", "messages", "generateContent"
	Model         string     `json:"model"`                    // as requested
	ResponseModel string     `json:"response_model,omitempty"` // as the response names it
	Phase         string     `json:"phase"`                    // open phase at request start or X-Runner-Phase
	// UndeclaredPhase is an X-Runner-Phase header that named no declared
	// phase; the call counts in the open phase instead.
	UndeclaredPhase string  `json:"undeclared_phase,omitempty"`
	Stream          bool    `json:"stream,omitempty"`
	Status          int     `json:"status"`                 // HTTP status; 0 when the upstream was unreachable
	Error           string  `json:"error,omitempty"`        // refused | timeout | 4xx | 429 | 5xx | truncated | canceled
	Start           float64 `json:"start_s"`                // offset from the run's start
	LatencyS        float64 `json:"latency_s"`              // request sent to response fully read
	TTFTS           float64 `json:"ttft_s,omitempty"`       // time to first content token (streams) or to headers
	OutputTPS       float64 `json:"output_tps,omitempty"`   // output tokens per second of generation
	UsageStatus     string  `json:"usage_status,omitempty"` // UsageReported | UsageEstimated | UsageMissing
	Late            bool    `json:"late,omitempty"`         // reached the proxy after its run ended (see Run.LateCalls)
	Tokens
}

// A call's UsageStatus: where its token counts come from.
const (
	UsageReported  = "reported"  // the provider's usage
	UsageEstimated = "estimated" // counted from the text (llmapi's estimate), in part or whole
	UsageMissing   = "missing"   // none: the call's tokens are unknown
)

// MaxMetrics bounds the distinct metric names one run keeps: a workload
// that names a metric per item would otherwise grow its record, and every
// table of the report, without bound. Values of further names are dropped
// with one warning that counts them.
const MaxMetrics = 1000

// Artifact is the size of one declared artifact after a run.
type Artifact struct {
	MB    float64 `json:"mb"`
	Files int     `json:"files"`
	// Partial says the walk stopped at its bound: MB and Files are a lower bound.
	Partial bool `json:"partial,omitempty"`
}

// Key identifies a (cell, run) pair; warmups and measured runs are distinct.
func (r *Run) Key() string {
	if r.Warmup {
		return fmt.Sprintf("%s#w%d", r.Cell, r.Index)
	}
	return fmt.Sprintf("%s#%d", r.Cell, r.Index)
}

// Measured reports whether the run counts in statistics: not a warmup.
func (r *Run) Measured() bool { return !r.Warmup }

// OK reports whether the run finished successfully.
func (r *Run) OK() bool { return r.Status == StatusOK }

// Failed reports whether the call got no answer or an error status (HTTP
// 4xx or 5xx, refused, timed out).
func (c *Call) Failed() bool { return c.Status == 0 && c.Error != "" || c.Status >= 400 }

// FailIfCallsFailed marks a run that exited 0 as failed when the metering
// proxy saw it make LLM calls and every one of them failed: a workload that
// swallows a 401 or a 429 measured nothing, and its time and (zero) cost
// must not be judged or recommended. The error names what the calls got,
// e.g. "every LLM call failed: 3 × HTTP 429, 1 × refused".
func (r *Run) FailIfCallsFailed() {
	if r.Status != StatusOK {
		return
	}
	t := r.Total()
	if t.Calls == 0 || t.FailedCount() < t.Calls {
		return
	}
	kinds := make([]string, 0, len(t.Failed))
	for k := range t.Failed {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d × %s", t.Failed[k], k)
	}
	r.Status = StatusFailed
	r.Error = "every LLM call failed: " + strings.Join(parts, ", ")
}

// MaxRecordSize is the largest record, in bytes of its JSON line, that the
// writer accepts and the reader reads: one limit, so that a record once
// written can always be read back. A run keeps aggregates, not every event
// (see Usage.Count and CallLog), so a real record is far below it.
const MaxRecordSize = 16 << 20

// Writer appends records to a JSONL file, one line per record, each written
// with a single write(2) as soon as the run ends, so a crash of the runner or a
// Ctrl-C never loses a finished run. (No fsync per record: it would cost more
// than a short run itself; the file is synced on Close.) Safe for concurrent use.
type Writer struct {
	mu sync.Mutex
	f  *os.File
	// Repaired names the side file that received a torn last line found
	// when the file was opened ("" when the file was whole).
	Repaired string
}

// Create opens path for appending, creating it if needed. A torn last line
// (a crash or a full disk while writing) is first moved out of the way (see
// Repair), so that the records appended after it stay readable.
func Create(path string) (*Writer, error) {
	side, err := Repair(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &Writer{f: f, Repaired: side}, nil
}

// Repair truncates the JSONL file at path to its last complete record. The
// bytes cut off (a line without its newline, or a last line that is not a
// record) are kept in a side file next to it, path.torn-<time>, whose name is
// returned; "" when there was nothing to repair (or no file).
func Repair(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := st.Size()
	if size == 0 {
		return "", nil
	}
	// A record is at most MaxRecordSize plus its newline: the last whole
	// line and a fragment fit in twice that.
	from := max(0, size-2*(MaxRecordSize+2))
	tail := make([]byte, size-from)
	if _, err := f.ReadAt(tail, from); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	cut := len(tail) // offset in tail where the torn part begins
	if i := bytes.LastIndexByte(tail, '\n'); i < len(tail)-1 {
		cut = i + 1 // a last line without its newline
	} else {
		// Every line ends; the last one must still be a record.
		body := tail[:len(tail)-1]
		start := bytes.LastIndexByte(body, '\n') + 1
		if line := bytes.TrimSpace(body[start:]); len(line) > 0 && !json.Valid(line) {
			cut = start
		}
	}
	if cut == len(tail) {
		return "", nil
	}
	if cut == 0 && from > 0 {
		return "", fmt.Errorf("%s: the last %d bytes hold no complete record; not repairing", path, len(tail))
	}
	side := fmt.Sprintf("%s.torn-%s", path, time.Now().UTC().Format("20060102T150405.000000000Z"))
	if err := os.WriteFile(side, tail[cut:], 0o644); err != nil {
		return "", fmt.Errorf("keeping the torn end of %s: %w", path, err)
	}
	if err := f.Truncate(from + int64(cut)); err != nil {
		return "", fmt.Errorf("repairing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("repairing %s: %w", path, err)
	}
	return side, nil
}

// ErrWrite marks an error writing a record: the run happened, its record
// could not be kept.
var ErrWrite = errors.New("writing run record")

// Write appends one record. A record larger than MaxRecordSize is refused:
// written, it could never be read back.
func (w *Writer) Write(r *Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%w of %s: %w", ErrWrite, r.Key(), err)
	}
	// Every text of a record can come from the workload (phase and model
	// names of its events, metric reasons, warnings quoting them): the
	// whole record is scrubbed, not a list of fields, so that no secret
	// reaches runs.jsonl nor any output rendered from it.
	b = redact.JSON(b)
	if len(b) > MaxRecordSize {
		return fmt.Errorf("%w of %s: %d bytes is over the %d MiB a record may have; not written", ErrWrite, r.Key(), len(b), MaxRecordSize>>20)
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("%w of %s: %w", ErrWrite, r.Key(), err)
	}
	return nil
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	err := w.f.Sync()
	return errors.Join(err, w.f.Close())
}

// TruncatedError reports a last line that is not a whole record, as a crash
// while writing leaves it. The records before it are returned with it.
type TruncatedError struct {
	Line int
	Err  error
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("line %d is not a whole record (ignored): %v", e.Line, e.Err)
}

// Read decodes every record of a JSONL stream. A malformed last line (a
// crash while writing) gives the records before it and a *TruncatedError;
// any other malformed line is an error naming it. Every string of a record
// is scrubbed as Writer scrubs it (redact.JSON): a record written before
// Writer did, or with a secret the writer did not know, brings none into
// a report rendered from it.
//
// Decoding is most of the time of `runner report` on a large benchmark, so
// the lines are cut into batches decoded on every core, then put back in
// order; only the batches in flight are held as text. A line of the shape
// Writer writes takes lineDecoder; any other goes through segmentio's
// decoder, a drop-in for encoding/json 3-4x faster than it
// (FuzzReadAsEncodingJSON holds both to encoding/json).
func Read(r io.Reader) ([]Run, error) {
	defer gcpace.Hold()() // nearly all a read allocates is kept
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), MaxRecordSize+2)
	workers := runtime.GOMAXPROCS(0)
	todo := make(chan *batch, 2*workers)
	// Decoded batches hand their text back to be filled again: growing a
	// new buffer for each batch allocated five times the file.
	free := make(chan []byte, 2*workers+2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newLineDecoder()
			for b := range todo {
				b.decode(d)
				select {
				case free <- b.text[:0]:
				default:
				}
				b.text = nil
			}
		}()
	}
	newBatch := func() *batch {
		select {
		case text := <-free:
			return &batch{text: text}
		default:
			return &batch{text: make([]byte, 0, batchBytes+batchBytes/4)}
		}
	}
	var batches []*batch
	line := 0
	b := newBatch()
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		b.add(line, sc.Bytes())
		if len(b.text) >= batchBytes || len(b.lines) >= batchLines {
			batches = append(batches, b)
			todo <- b
			b = newBatch()
		}
	}
	if len(b.lines) > 0 {
		batches = append(batches, b)
		todo <- b
	}
	close(todo)
	wg.Wait()
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than the %d MiB a record may have", line+1, MaxRecordSize>>20)
		}
		return nil, err
	}
	n := 0
	for _, b := range batches {
		n += len(b.runs)
	}
	runs := make([]Run, 0, n)
	for i, b := range batches {
		runs = append(runs, b.runs...)
		b.runs = nil
		if b.bad < 0 {
			continue
		}
		// Only tolerated if it is the last line.
		err := &TruncatedError{Line: b.lines[b.bad], Err: b.err}
		if b.bad < len(b.lines)-1 || i < len(batches)-1 {
			return nil, fmt.Errorf("line %d: %w", err.Line, err.Err)
		}
		return runs, err
	}
	return runs, nil
}

// A batch of at most batchLines lines and about batchBytes of text.
const (
	batchLines = 256
	batchBytes = 1 << 20
)

// batch is a run of consecutive non-empty lines and, once decoded, their
// records up to the first malformed line (bad, -1 when none).
type batch struct {
	text  []byte
	ends  []int // end of each line in text
	lines []int // line numbers
	runs  []Run
	bad   int
	err   error
}

func (b *batch) add(line int, text []byte) {
	b.text = append(b.text, text...)
	b.ends = append(b.ends, len(b.text))
	b.lines = append(b.lines, line)
}

// runLine is how a line of runs.jsonl is decoded: segmentio's decoder
// parses a time.Time leniently (it took "2026-01-01V00:00:00Z"), so the
// start time, the field shallower than Run's, goes through time.Time's own
// strict parser, as encoding/json's does.
type runLine struct {
	Run
	Started strictTime `json:"started"`
}

type strictTime time.Time

func (t *strictTime) UnmarshalJSON(b []byte) error { return (*time.Time)(t).UnmarshalJSON(b) }

func (b *batch) decode(d *lineDecoder) {
	b.bad = -1
	b.runs = make([]Run, len(b.ends))
	start := 0
	for i, end := range b.ends {
		run := &b.runs[i]
		if !d.decode(b.text[start:end], run) {
			var line runLine
			if err := fastjson.Unmarshal(redact.JSON(b.text[start:end]), &line); err != nil {
				b.bad, b.err = i, err
				b.runs = b.runs[:i]
				break
			}
			*run = line.Run
			run.Started = time.Time(line.Started)
			run.trim()
		}
		run.deriveGroups()
		start = end
	}
	b.ends = nil
}

// trim drops the slack of the slices the decoder grew (it starts a slice at
// ten elements), which held a third of the memory of 100,000 records.
func (r *Run) trim() {
	r.Phases = exact(r.Phases)
	r.Usage = exact(r.Usage)
	r.Calls = exact(r.Calls)
	r.LateCalls = exact(r.LateCalls)
	r.Warnings = exact(r.Warnings)
}

// deriveGroups adds up the calls of a record written before CallGroups
// existed once, here on every core, rather than at each of Groups' uses.
func (r *Run) deriveGroups() {
	if len(r.CallGroups) == 0 && len(r.Calls) > 0 {
		r.CallGroups = r.Groups()
	}
}

func exact[S ~[]E, E any](s S) S {
	if cap(s)-len(s) < 2 {
		return s
	}
	return append(make(S, 0, len(s)), s...)
}

// ReadFile reads every record of a runs.jsonl file.
func ReadFile(path string) ([]Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	runs, err := Read(f)
	if err != nil {
		return runs, fmt.Errorf("%s: %w", path, err)
	}
	return runs, nil
}

// Benchmark is the context of one benchmark, written to benchmark.json next
// to runs.jsonl: where and when it ran, so a re-rendered report says the same.
type Benchmark struct {
	Spec          string    `json:"spec"`                // spec name
	SpecFile      string    `json:"spec_file,omitempty"` // path as given
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished,omitempty"`
	Simulated     bool      `json:"simulated,omitempty"`
	Replayed      *Replayed `json:"replayed,omitempty"` // answered from a recording (--replay)
	Recorded      string    `json:"recorded,omitempty"` // cassettes folder written (--record), relative
	Shard         string    `json:"shard,omitempty"`
	StopReason    string    `json:"stop_reason,omitempty"` // "interrupted", "budget ..." when it ended early
	Host          string    `json:"host"`
	OS            string    `json:"os"`
	Arch          string    `json:"arch"`
	CPU           string    `json:"cpu"`
	Cores         int       `json:"cores"`
	MemoryMB      float64   `json:"memory_mb"`
	RunnerVersion string    `json:"runner_version"`
	GoVersion     string    `json:"go_version"`
	GitCommit     string    `json:"git_commit,omitempty"` // of the working tree, "+dirty" when modified
	Command       string    `json:"command,omitempty"`    // the command line that ran it
	Options       Options   `json:"options"`              // what --resume restores
	Cells         []string  `json:"cells,omitempty"`      // cells planned to run, so outputs can name those never reached
}

// Replayed describes the recording a replayed benchmark answered from.
type Replayed struct {
	Dir      string    `json:"dir"`      // the cassettes folder, as given
	Recorded time.Time `json:"recorded"` // when the recording was made
	Spec     string    `json:"spec,omitempty"`
	Match    string    `json:"match"`   // body | sequence
	Speed    float64   `json:"speed"`   // 1 as recorded, 0 at once
	Missing  string    `json:"missing"` // reuse | simulate | refuse
}

// Notice is the line that opens every output of a replayed benchmark.
func (r *Replayed) Notice() string {
	if r == nil {
		return ""
	}
	when := ""
	if !r.Recorded.IsZero() {
		when = " (recorded " + r.Recorded.UTC().Format("2006-01-02 15:04 UTC") + ")"
	}
	return fmt.Sprintf("REPLAYED from %s%s: answers, tokens and times are the recording's; its cost was not spent again", r.Dir, when)
}

// UnknownRecording names the recording of a replay known only from its run
// records (benchmark.json missing or unreadable).
const UnknownRecording = "a recording (benchmark.json, which names it, is missing or unreadable)"

// Options are the command-line choices that shape a benchmark; --resume
// continues with the same ones.
type Options struct {
	DryRun    bool     `json:"dry_run,omitempty"`
	Intercept bool     `json:"intercept,omitempty"`
	Runs      int      `json:"runs,omitempty"` // --runs, 0 = the spec's
	Only      []string `json:"only,omitempty"`
	Set       []string `json:"set,omitempty"` // without the secret ones (see Withheld)
	Shard     string   `json:"shard,omitempty"`
	Record    bool     `json:"record,omitempty"`
	Replay    string   `json:"replay,omitempty"`
	// ReplaySpeed is --replay-speed when given (nil: the spec's).
	ReplaySpeed *float64 `json:"replay_speed,omitempty"`
	ReplayMatch string   `json:"replay_match,omitempty"`
	// Withheld names the --set vars whose values were not stored because
	// their names look secret (KEY, TOKEN, SECRET, PASSWORD): a resume must
	// be given them again.
	Withheld []string `json:"withheld_set,omitempty"`
}

// Latest keeps the last record of each (cell, run) pair, in the order the
// pairs first appear: a resumed benchmark re-runs interrupted runs and
// appends their new records. A cell's skip record is dropped once the cell
// has run records (its requirement was met on a later attempt). When no
// record is replaced or dropped, as in a benchmark never resumed, it is
// runs itself: copying 100,000 records was a tenth of `runner report`.
func Latest(runs []Run) []Run {
	if unique(runs) {
		return runs
	}
	type key struct {
		cell          string
		index         int
		warmup, skips bool
	}
	idx := make(map[key]int, len(runs))
	ran := map[string]bool{}
	out := make([]Run, 0, len(runs))
	for _, r := range runs {
		k := key{cell: r.Cell, skips: true}
		if r.Status != StatusSkipped {
			ran[r.Cell] = true
			k = key{r.Cell, r.Index, r.Warmup, false}
		}
		if i, ok := idx[k]; ok {
			out[i] = r
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	kept := out[:0]
	for _, r := range out {
		if r.Status == StatusSkipped && ran[r.Cell] {
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

// unique reports whether Latest keeps every record: no (cell, run) pair
// twice, and no skip record of a cell that has run records. Runs are
// numbered from 1, so each cell's are marked in a slice, not a map.
func unique(runs []Run) bool {
	type cell struct {
		seen    [2][]bool // measured, warmup: by run number
		skipped bool
		ran     bool
	}
	cells := map[string]*cell{}
	var last *cell
	lastName := ""
	for i := range runs {
		r := &runs[i]
		c := last
		if c == nil || r.Cell != lastName {
			if c = cells[r.Cell]; c == nil {
				c = &cell{}
				cells[r.Cell] = c
			}
			last, lastName = c, r.Cell
		}
		if r.Status == StatusSkipped {
			if c.skipped || c.ran {
				return false
			}
			c.skipped = true
			continue
		}
		if c.skipped {
			return false
		}
		c.ran = true
		if r.Index < 0 || r.Index > 10*len(runs) {
			return false // a run number no runner writes: the general way
		}
		w := 0
		if r.Warmup {
			w = 1
		}
		s := &c.seen[w]
		if r.Index >= len(*s) {
			*s = append(*s, make([]bool, r.Index+1-len(*s))...)
		}
		if (*s)[r.Index] {
			return false
		}
		(*s)[r.Index] = true
	}
	return true
}
