package execute

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// session collects what one run prints: it writes the log and gathers events,
// time-stamped when their line is read. mu serialises the two output readers;
// once they are done, the Run goroutine owns the session alone.
type session struct {
	job   *Job
	start time.Time // monotonic origin of every offset
	x     *extractor

	mu     sync.Mutex
	logf   *os.File
	logw   *bufio.Writer
	logErr error
	lineNo int // complete lines written to the log
	events []event
	bad    int
	live   string // phase open as seen in arrival order, for OnPhase
	warned map[string]bool
}

func newSession(job *Job) *session {
	s := &session{job: job}
	if !job.Extract.empty() {
		s.x = newExtractor(job.Extract)
	}
	return s
}

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}
)

func (s *session) openLog(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err = os.Create(path)
	}
	if err != nil {
		return err
	}
	s.logf = f
	s.logw = writerPool.Get().(*bufio.Writer)
	s.logw.Reset(f)
	return nil
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

// warn reports msg. Callers hold mu, or the readers are done.
func (s *session) warn(msg string) {
	if s.job.Warn != nil {
		s.job.Warn(msg)
	}
}

// startUnix is the run's start as Unix seconds, the origin for "ts" fields.
func (s *session) startUnix() float64 {
	return float64(s.start.UnixNano()) / 1e9
}

// read copies one output stream into the log line by line and hands each line
// to the protocol parser. It returns at EOF or when the read deadline set after
// the command's exit passes.
func (s *session) read(f *os.File, wg *sync.WaitGroup) {
	defer wg.Done()
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(f)
	defer func() {
		br.Reset(nil)
		readerPool.Put(br)
	}()
	var acc []byte // a line longer than the reader's buffer, being assembled
	long := false  // the current line exceeded MaxLine: written through, not parsed
	for {
		b, err := br.ReadSlice('\n')
		// Flush the log whenever the stream has nothing more buffered, so the
		// log follows the run live without a write per line.
		flush := br.Buffered() == 0
		full := err == bufio.ErrBufferFull // b is only part of a line
		if !long && len(acc)+len(trimEOL(b)) > MaxLine {
			s.mu.Lock()
			s.warn(fmt.Sprintf("log line %d: longer than %d MiB; logged but not parsed", s.lineNo+1, MaxLine>>20))
			s.mu.Unlock()
			s.raw(acc, false, false)
			acc, long = nil, true
		}
		switch {
		case long:
			s.raw(b, !full, flush)
			long = full
		case full:
			acc = append(acc, b...)
		// b ends a line, or is what was left before EOF or the deadline.
		case len(acc) > 0:
			acc = append(acc, b...)
			s.line(acc, flush)
			acc = acc[:0]
			if cap(acc) > 1<<20 {
				acc = nil
			}
		case len(b) > 0:
			s.line(b, flush)
		}
		if err != nil && !full {
			return
		}
	}
}

// raw writes part of an overlong line; endsLine counts it as a log line.
func (s *session) raw(b []byte, endsLine, flush bool) {
	s.mu.Lock()
	s.write(b, flush)
	if endsLine {
		s.lineNo++
	}
	s.mu.Unlock()
}

// write appends b to the log. Callers hold mu.
func (s *session) write(b []byte, flush bool) {
	if s.logw == nil {
		return
	}
	_, err := s.logw.Write(b)
	if err == nil && flush {
		err = s.logw.Flush()
	}
	if err != nil && s.logErr == nil {
		s.logErr = err
		s.warn(fmt.Sprintf("writing log: %v", err))
	}
}

var prefix = []byte(EventPrefix)

// line handles one output line (with its newline, if any): it is logged
// verbatim, parsed for an event and matched against the extract patterns.
func (s *session) line(b []byte, flush bool) {
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

	s.mu.Lock()
	defer s.mu.Unlock()
	at := time.Since(s.start).Seconds()
	s.write(b, flush)
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
		} else {
			ev.at = at
		}
		s.add(ev, true)
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// add records an event; live events also drive OnPhase. Callers hold mu, or
// the readers are done.
func (s *session) add(ev event, live bool) {
	s.events = append(s.events, ev)
	if ev.phase != "" && len(s.job.Phases) > 0 && !s.declared(ev.phase) && !s.warned[ev.phase] {
		if s.warned == nil {
			s.warned = map[string]bool{}
		}
		s.warned[ev.phase] = true
		s.warn(fmt.Sprintf("%s: phase %q is not among the declared phases", ev.where(), ev.phase))
	}
	if !live || s.job.OnPhase == nil {
		return
	}
	switch {
	case ev.kind == evPhaseStart && ev.phase != s.live:
		s.live = ev.phase
		s.job.OnPhase(ev.phase)
	case ev.kind == evPhaseEnd && ev.phase == s.live:
		s.live = ""
		s.job.OnPhase("")
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

// finish replays the events in time order into r's Phases, Usage, Metrics and
// BadEvents. wall is the run's length in seconds.
func (s *session) finish(r *record.Run, wall float64) {
	if s.live != "" && s.job.OnPhase != nil {
		s.live = ""
		s.job.OnPhase("")
	}
	r.BadEvents = s.bad
	var warnings []string
	r.Phases, r.Usage, r.Metrics, warnings = replay(s.events, wall)
	for _, w := range warnings {
		s.warn(w)
	}
}
