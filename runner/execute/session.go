package execute

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
)

// session collects what one run prints: it writes the log and gathers events,
// time-stamped when their line is read. mu serialises the run's poll loop
// (watch) and Live's reads; once the loop is done, the Run goroutine owns
// the session alone.
type session struct {
	job   *Job
	start time.Time // monotonic origin of every offset
	x     *extractor

	mu      sync.Mutex
	logPath string // created at the first byte of output
	logf    *os.File
	logw    *bufio.Writer
	logErr  error
	lineNo  int // complete lines written to the log
	events  []event
	bad     int
	live    string // phase open as seen in arrival order, for OnPhase
	warned  map[string]bool
	// metricNames are the distinct metric names seen, up to
	// record.MaxMetrics; metricsDropped counts the events of names past it.
	metricNames    map[string]bool
	metricsDropped int

	warnings  []string // the first maxRunWarnings, for the record
	warnCount int

	streams []*stream // set before the command starts
	closed  bool      // the pipes are closed: settle must not read them
	buf     *[readBufSize]byte
}

// readBufSize is the size of a session's read buffer, the most one read takes.
const readBufSize = 64 << 10

// readBufs hold the sessions' read buffers: a run of a short command
// would otherwise allocate (and clear) 64 KiB, most of its garbage.
var readBufs = sync.Pool{New: func() any { return new([readBufSize]byte) }}

// close marks the pipes closed and gives the read buffer back.
func (s *session) close() {
	s.mu.Lock()
	s.closed = true
	if s.buf != nil {
		readBufs.Put(s.buf)
		s.buf = nil
	}
	s.mu.Unlock()
}

func newSession(job *Job) *session {
	s := &session{job: job}
	if !job.Extract.empty() {
		s.x = newExtractor(job.Extract)
	}
	return s
}

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// openLog creates the log at its first byte: a command that prints nothing
// leaves no empty file behind (and skips a file creation that, on some file
// systems, costs as much as running a short command). Callers hold mu.
func (s *session) openLog() bool {
	if s.logw != nil {
		return true
	}
	if s.logPath == "" || s.logErr != nil {
		return false
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if s.job.AppendLog {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(s.logPath, flags, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(s.logPath), 0o755); err == nil {
			f, err = os.OpenFile(s.logPath, flags, 0o644)
		}
	}
	if err != nil {
		s.logErr = err
		s.warn(fmt.Sprintf("creating log: %v", err))
		return false
	}
	s.logf = f
	s.logw = writerPool.Get().(*bufio.Writer)
	s.logw.Reset(f)
	return true
}

func (s *session) closeLog() {
	if s.logf == nil {
		return
	}
	if err := s.logw.Flush(); err != nil && s.logErr == nil {
		s.logErr = err
		s.warn(fmt.Sprintf("writing log: %v", err))
	}
	if err := s.logf.Close(); err != nil && s.logErr == nil {
		s.warn(fmt.Sprintf("closing log: %v", err))
	}
	s.logw.Reset(nil)
	writerPool.Put(s.logw)
	s.logf, s.logw = nil, nil
}

// logError marks r when its log could not be written whole.
func (s *session) logError(r *record.Run) {
	if s.logErr != nil {
		r.LogError = s.logErr.Error()
	}
}

// warn reports msg. Callers hold mu, or the poll loop is done.
// maxRunWarnings bounds the warnings one run prints and records: a workload
// that names 200,000 undeclared phases, or prints a million malformed
// events, gets its first warnings and a count, not a flood.
const maxRunWarnings = 20

func (s *session) warn(msg string) {
	s.warnCount++
	if s.warnCount > maxRunWarnings {
		return
	}
	s.warnings = append(s.warnings, msg)
	if s.job.Warn != nil {
		s.job.Warn(msg)
	}
}

// recordWarnings puts the run's warnings in its record, with the count of
// those not shown. The poll loop is done.
func (s *session) recordWarnings(r *record.Run) {
	if n := s.warnCount - maxRunWarnings; n > 0 {
		msg := fmt.Sprintf("%d more warnings in this run were not shown", n)
		s.warnings = append(s.warnings, msg)
		if s.job.Warn != nil {
			s.job.Warn(msg)
		}
	}
	r.Warnings = s.warnings
}

// startUnix is the run's start as Unix seconds, the origin for "ts" fields.
func (s *session) startUnix() float64 {
	return float64(s.start.UnixNano()) / 1e9
}

// stream is one output pipe of the command being read.
type stream struct {
	fd   int    // the pipe's read end, non-blocking
	acc  []byte // the start of a line not yet ended
	long bool   // the current line exceeded maxLine: written through, not parsed
	eof  bool
	done bool   // endStream has run
	last string // the last line of plain output, for a failure's message
}

// drain reads the pipe and handles its complete lines: until it is empty,
// at its end, or once want bytes are read, so that a command printing
// faster than its lines are handled still lets the poll loop see its exit
// and Live's settle have the lock. Callers hold mu.
func (s *session) drain(st *stream, want int) {
	if st.eof || s.closed {
		return
	}
	if s.buf == nil {
		s.buf = readBufs.Get().(*[readBufSize]byte)
	}
	got := false
	for read := 0; ; {
		n, err := syscall.Read(st.fd, s.buf[:])
		if n > 0 {
			s.consume(st, s.buf[:n])
			got = true
			if read += n; read >= want || n < len(s.buf) { // a short read emptied the pipe
				break
			}
			continue
		}
		if err == syscall.EINTR {
			continue
		}
		if err != syscall.EAGAIN {
			// 0 bytes: every writer closed the pipe; or an error (EBADF
			// where poll said POLLNVAL): nothing more will come.
			st.eof = true
		}
		break
	}
	if got {
		s.flushLog()
	}
}

// consume splits what was read into lines. Callers hold mu.
func (s *session) consume(st *stream, b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		part := b
		if i >= 0 {
			part = b[:i+1]
		}
		b = b[len(part):]
		switch {
		case st.long:
			s.write(part)
			if i >= 0 {
				s.lineNo++
				st.long = false
			}
		case i < 0:
			st.acc = append(st.acc, part...)
			if len(st.acc) > maxLine {
				s.warn(fmt.Sprintf("log line %d: longer than %d MiB; logged but not parsed", s.lineNo+1, maxLine>>20))
				s.write(st.acc)
				st.acc, st.long = st.acc[:0], true
			}
		case len(st.acc) > 0:
			st.acc = append(st.acc, part...)
			if len(st.acc) > maxLine+2 {
				s.warn(fmt.Sprintf("log line %d: longer than %d MiB; logged but not parsed", s.lineNo+1, maxLine>>20))
				s.write(st.acc)
				s.lineNo++
			} else {
				s.line(st, st.acc)
			}
			st.acc = st.acc[:0]
			if cap(st.acc) > 1<<20 {
				st.acc = nil
			}
		default:
			s.line(st, part)
		}
	}
}

// endStream handles a last line without a newline, once. Callers hold mu.
func (s *session) endStream(st *stream) {
	if st.done {
		return
	}
	st.done = true
	if len(st.acc) > 0 && !st.long {
		s.line(st, st.acc)
	} else if len(st.acc) > 0 {
		s.write(st.acc)
	}
	st.acc = nil
	s.flushLog()
}

// settle reads whatever the command has written but the poll loop has not
// yet handled, and returns the phase open now. Callers must not hold mu.
func (s *session) settle() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.eof || s.closed {
			continue
		}
		if n := pending(st.fd); n > 0 { // what was written before now, no more
			s.drain(st, n)
		}
	}
	return s.live
}

// write appends b to the log. Callers hold mu.
func (s *session) write(b []byte) {
	if !s.openLog() {
		return
	}
	if _, err := s.logw.Write(b); err != nil && s.logErr == nil {
		s.logErr = err
		s.warn(fmt.Sprintf("writing log: %v", err))
	}
}

// flushLog writes the buffered log out, so the log follows the run live
// without a write per line. Callers hold mu.
func (s *session) flushLog() {
	if s.logw == nil {
		return
	}
	if err := s.logw.Flush(); err != nil && s.logErr == nil {
		s.logErr = err
		s.warn(fmt.Sprintf("writing log: %v", err))
	}
}

var prefix = []byte(EventPrefix)

// line handles one output line (with its newline, if any): it is logged
// verbatim, parsed for an event and matched against the extract patterns.
// Callers hold mu.
func (s *session) line(st *stream, b []byte) {
	text := trimEOL(b)
	var buf [4]event
	evs := buf[:0]
	var bad error
	if bytes.HasPrefix(text, prefix) {
		ev, err := parseEvent(text[len(prefix):])
		if err != nil {
			bad = err
		} else {
			evs = append(evs, ev)
		}
	}
	var problems []string
	if s.x != nil {
		evs, problems = s.x.apply(text, evs, problems)
	}

	at := time.Since(s.start).Seconds()
	s.write(redact.Bytes(b))
	if len(evs) == 0 && bad == nil && len(bytes.TrimSpace(text)) > 0 {
		st.last = lastLineText(text)
	}
	s.lineNo++
	if bad != nil {
		s.bad++
		s.warn(fmt.Sprintf("log line %d: malformed %s event: %v", s.lineNo, EventPrefix, bad))
	}
	for _, p := range problems {
		s.warn(fmt.Sprintf("log line %d: %s", s.lineNo, p))
	}
	for _, ev := range evs {
		ev.line = s.lineNo
		if ev.timed {
			ev.at -= s.startUnix()
			if why := outsideRun(ev.at, at); why != "" {
				s.bad++
				s.warn(fmt.Sprintf("log line %d: malformed %s event: %s", s.lineNo, EventPrefix, why))
				continue
			}
		} else {
			ev.at = at
		}
		s.add(ev, true)
	}
}

// tsSlack is how far a "ts" may lie outside the run (clock rounding).
const tsSlack = 1.0

// outsideRun says why an event's "ts", at seconds from the run's start,
// cannot be (before the run began, or later than until: when it was read,
// or the run's end): clamped into the run it would make a phase of 0 s out
// of a timestamp in milliseconds.
func outsideRun(at, until float64) string {
	switch {
	case at < -tsSlack:
		return fmt.Sprintf("\"ts\" is %.0f s before the run began; \"ts\" is Unix seconds", -at)
	case at > until+tsSlack:
		return fmt.Sprintf("\"ts\" is %.0f s after the event was read (milliseconds? \"ts\" is Unix seconds)", at-until)
	}
	return ""
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// add records an event; live events also drive OnPhase. Callers hold mu, or
// the poll loop is done.
func (s *session) add(ev event, live bool) {
	// A usage report right after another of the same phase, model and
	// source adds to it: a run may report usage a million times, and the
	// run keeps one entry per stretch, not one per report.
	if n := len(s.events); n > 0 && ev.kind == evUsage && !ev.timed {
		if last := &s.events[n-1]; last.kind == evUsage && !last.timed && last.file == ev.file &&
			last.phase == ev.phase && last.model == ev.model && last.provider == ev.provider && last.source == ev.source {
			last.tokens = last.tokens.Add(ev.tokens)
			last.count = max(last.count, 1) + max(ev.count, 1)
			return
		}
	}
	// A metric right after another of the same name replaces it (the
	// last value wins anyway): a run may report a metric a million times.
	if n := len(s.events); n > 0 && ev.kind == evMetric && !ev.timed {
		if last := &s.events[n-1]; last.kind == evMetric && !last.timed && last.file == ev.file && last.name == ev.name {
			*last = ev
			return
		}
	}
	if ev.kind == evMetric && !s.metricNames[ev.name] {
		if len(s.metricNames) >= record.MaxMetrics {
			s.metricsDropped++
			return
		}
		if s.metricNames == nil {
			s.metricNames = map[string]bool{}
		}
		s.metricNames[ev.name] = true
	}
	s.events = append(s.events, ev)
	if ev.phase != "" && len(s.job.Phases) > 0 && !s.declared(ev.phase) && !s.warned[ev.phase] {
		if s.warned == nil {
			s.warned = map[string]bool{}
		}
		s.warned[ev.phase] = true
		s.warn(fmt.Sprintf("%s: phase %q is not among the declared phases", ev.where(), ev.phase))
	}
	if !live {
		return
	}
	switch {
	case ev.kind == evPhaseStart && ev.phase != s.live:
		s.setLive(ev.phase)
	case ev.kind == evPhaseEnd && ev.phase == s.live:
		s.setLive("")
	}
}

// setLive changes the open phase and tells OnPhase. Callers hold mu.
func (s *session) setLive(phase string) {
	s.live = phase
	if s.job.OnPhase != nil {
		s.job.OnPhase(phase)
	}
}

func (s *session) declared(phase string) bool {
	for _, p := range s.job.Phases {
		if p == phase {
			return true
		}
	}
	return false
}

// readEventsFile merges the RUNNER_EVENTS file, read after exit. The file
// carries no arrival times: an event with "ts" is placed at its time; one
// without is applied at exit, after every timed event, in file order (fine for
// usage and metrics; a phase event without "ts" adds no time, so it warns).
func (s *session) readEventsFile(path string, wall float64) {
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.warn(fmt.Sprintf("reading events file: %v", err))
		}
		return
	}
	if err := scrubEventsFile(path, data); err != nil {
		s.warn(fmt.Sprintf("scrubbing events file: %v", err))
	}
	untimedPhases := 0
	for n := 1; len(data) > 0; n++ {
		var text []byte
		text, data, _ = bytes.Cut(data, []byte{'\n'})
		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		text = bytes.TrimPrefix(text, prefix)
		ev, err := parseEvent(text)
		if err != nil {
			s.bad++
			s.warn(fmt.Sprintf("events file line %d: malformed event: %v", n, err))
			continue
		}
		ev.file, ev.line = true, n
		if ev.timed {
			ev.at -= s.startUnix()
			if why := outsideRun(ev.at, wall); why != "" {
				s.bad++
				s.warn(fmt.Sprintf("events file line %d: malformed event: %s", n, why))
				continue
			}
		} else {
			ev.at = wall
			if ev.kind == evPhaseStart || ev.kind == evPhaseEnd {
				untimedPhases++
			}
		}
		s.add(ev, false)
	}
	if untimedPhases > 0 {
		s.warn(fmt.Sprintf("events file: %d phase events without \"ts\" were applied at exit and add no time; give file events a \"ts\"", untimedPhases))
	}
}

// scrubEventsFile rewrites the RUNNER_EVENTS file, which stays in the output
// folder beside the run's log, without the secrets its lines hold (each
// JSON line scrubbed string by string, so it still parses); a file without
// any is left as it is.
func scrubEventsFile(path string, data []byte) error {
	var out []byte
	changed := false
	for rest := data; len(rest) > 0; {
		line, tail, nl := bytes.Cut(rest, []byte{'\n'})
		rest = tail
		body := bytes.TrimPrefix(bytes.TrimSpace(line), prefix)
		clean := line
		if json.Valid(body) {
			if c := redact.JSON(body); !bytes.Equal(c, body) {
				clean = append(append([]byte(nil), line[:bytes.Index(line, body)]...), c...)
			}
		} else {
			clean = redact.Bytes(line)
		}
		changed = changed || !bytes.Equal(clean, line)
		out = append(out, clean...)
		if nl {
			out = append(out, '\n')
		}
	}
	if !changed {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".events-*")
	if err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil {
		tmp.Chmod(fi.Mode().Perm()) // as the workload made it
	}
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// finish replays the events in time order into r's Phases, Usage, Metrics and
// BadEvents. wall is the run's length in seconds.
func (s *session) finish(r *record.Run, wall float64) {
	if s.live != "" {
		s.setLive("")
	}
	r.BadEvents = s.bad
	var warnings []string
	r.Phases, r.Usage, r.Metrics, warnings = replay(s.events, wall)
	r.MetricReasons = metricReasons(s.events)
	for _, w := range warnings {
		s.warn(w)
	}
	if s.metricsDropped > 0 {
		s.warn(fmt.Sprintf("%d metric values were dropped: a run keeps at most %d distinct metric names", s.metricsDropped, record.MaxMetrics))
	}
}

// lastLineText keeps a line short enough for an error message.
func lastLineText(text []byte) string {
	const max = 200
	t := string(bytes.TrimSpace(text))
	if len(t) > max {
		t = t[:max] + "..."
	}
	return t
}

// lastOutput is the last plain line the command printed, from stderr if it
// printed any there (where failures are told), else from stdout.
func (s *session) lastOutput() string {
	for i := len(s.streams) - 1; i >= 0; i-- {
		if s.streams[i].last != "" {
			return s.streams[i].last
		}
	}
	return ""
}
