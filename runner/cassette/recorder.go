package cassette

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
)

// maxRecordedRequest is the largest request body read to record; a larger
// one (an upload: an Ollama model blob) is forwarded whole and recorded
// without its body, matched by the hash of its first maxRecordedRequest
// bytes (the player reads as many). A variable for tests.
var maxRecordedRequest int64 = 64 << 20

// Recorder writes the cassettes of one benchmark into a folder.
type Recorder struct {
	dir string
}

// NewRecorder makes dir (the output folder's cassettes) and writes its
// manifest.
func NewRecorder(dir string, m Manifest) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	if m.Recorded.IsZero() {
		m.Recorded = time.Now()
	}
	if err := writeManifest(dir, m); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return &Recorder{dir: dir}, nil
}

// Dir is the cassettes folder.
func (r *Recorder) Dir() string { return r.dir }

// Tape returns the recorder of one cell's proxy, whose runs are serial.
func (r *Recorder) Tape() *RecordTape { return &RecordTape{rec: r} }

// RecordTape records the calls of one proxy into the file of the run it
// serves (Start).
type RecordTape struct {
	rec *Recorder
	mu  sync.Mutex
	cur *runFile
}

type runFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
	seq  int
	err  error
}

// Start sends the calls that start from now on to cell's run (run<N> or
// warmup<N>); the run's file starts afresh (a resumed benchmark re-runs it).
func (t *RecordTape) Start(cell, run string) {
	dir := filepath.Join(t.rec.dir, cell)
	rf := &runFile{path: filepath.Join(dir, run+".jsonl")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		rf.err = err
	} else {
		rf.f, rf.err = os.Create(rf.path)
	}
	t.mu.Lock()
	prev := t.cur
	t.cur = rf
	t.mu.Unlock()
	if prev != nil {
		prev.close()
	}
}

// End returns nothing to add to a recorded run's record, and any error the
// recording met (the disk full), as a warning.
func (t *RecordTape) End() (*record.Replay, bool, []string) {
	t.mu.Lock()
	rf := t.cur
	t.mu.Unlock()
	if rf == nil {
		return nil, false, nil
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.err != nil {
		return nil, false, []string{"recording " + rf.path + ": " + redact.String(rf.err.Error())}
	}
	return nil, false, nil
}

// Close closes the last run's file.
func (t *RecordTape) Close() error {
	t.mu.Lock()
	rf := t.cur
	t.cur = nil
	t.mu.Unlock()
	if rf != nil {
		return rf.close()
	}
	return nil
}

func (rf *runFile) close() error {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.f == nil {
		return nil
	}
	err := rf.f.Close()
	rf.f = nil
	return err
}

func (rf *runFile) next() int {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.seq++
	return rf.seq
}

func (rf *runFile) write(e *Entry) {
	b, err := json.Marshal(e)
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if err == nil && rf.f != nil {
		_, err = rf.f.Write(append(b, '\n'))
	}
	if err != nil && rf.err == nil {
		rf.err = err
	}
}

// Tap wraps api's upstream transport: every call it carries is recorded.
func (t *RecordTape) Tap(api llmapi.API, upstream *url.URL, next http.RoundTripper) http.RoundTripper {
	return &recorder{t: t, api: api, base: upstream, next: next}
}

type recorder struct {
	t    *RecordTape
	api  llmapi.API
	base *url.URL
	next http.RoundTripper
}

func (rt *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	t0 := time.Now()
	rt.t.mu.Lock()
	rf := rt.t.cur
	rt.t.mu.Unlock()
	if rf == nil { // before the first run: forwarded, not recorded
		return rt.next.RoundTrip(r)
	}
	var body []byte
	oversize := false
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedRequest))
		if err != nil {
			r.Body.Close()
			return nil, err
		}
		body = b
		if int64(len(b)) < maxRecordedRequest {
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		} else {
			// Larger than is read to record: the upstream still gets all of
			// it, what was read followed by the rest.
			oversize = true
			r.Body = readCloser{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
		}
	}
	q := readRequest(rt.api, rt.base, r, body)
	e := &Entry{Seq: rf.next(), API: q.api, Method: q.method, Path: q.path, Query: q.query,
		Endpoint: q.endpoint, Model: q.model, BodyHash: q.hash}
	if oversize {
		e.BodyText = fmt.Sprintf("(%d bytes or more, not kept)", maxRecordedRequest)
	} else if len(body) > 0 {
		if q.json {
			e.Body = json.RawMessage(redact.Bytes(q.norm))
			if !json.Valid(e.Body) {
				e.Body, e.BodyText = nil, string(redact.Bytes(q.norm))
			}
		} else {
			e.BodyText = redact.String(string(body))
		}
	}
	resp, err := rt.next.RoundTrip(r)
	e.HeaderMS = ms(time.Since(t0))
	if err != nil {
		e.Error = "refused"
		if r.Context().Err() != nil {
			e.Error = "canceled"
		}
		e.EndMS = e.HeaderMS
		rf.write(e)
		return nil, err
	}
	e.Status = resp.StatusCode
	for _, h := range keptHeaders {
		if v := resp.Header.Get(h); v != "" {
			if e.Header == nil {
				e.Header = map[string]string{}
			}
			e.Header[h] = v
		}
	}
	e.Sized = resp.ContentLength >= 0
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The body is now the connection's other protocol: recorded as
		// switched, not copied (the proxy needs it whole to pass it on).
		e.EndMS = e.HeaderMS
		rf.write(e)
		return resp, nil
	}
	resp.Body = &tee{ReadCloser: resp.Body, e: e, t0: t0, rf: rf}
	return resp, nil
}

// tee records each read of a response body as a chunk with its time, and
// writes the entry when the body ends.
type tee struct {
	io.ReadCloser
	e    *Entry
	t0   time.Time
	rf   *runFile
	once sync.Once
	raw  []byte    // the body as read; scrubbed whole when it ends
	ends []int     // offset in raw where each read ended
	at   []float64 // ms of each read
}

func (b *tee) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.raw = append(b.raw, p[:n]...)
		b.ends = append(b.ends, len(b.raw))
		b.at = append(b.at, ms(time.Since(b.t0)))
	}
	if err != nil {
		if err != io.EOF {
			b.e.Error = "truncated"
		}
		b.done()
	}
	return n, err
}

func (b *tee) Close() error {
	b.once.Do(func() {
		if b.e.Error == "" {
			// Closed before its end: the client left (or the proxy stopped
			// reading an answer it could not use). What arrived is kept.
			b.e.Error = "canceled"
		}
		b.write()
	})
	return b.ReadCloser.Close()
}

func (b *tee) done() { b.once.Do(b.write) }

func (b *tee) write() {
	b.e.EndMS = ms(time.Since(b.t0))
	scrubBody(b.e, b.raw, b.ends, b.at)
	b.rf.write(b.e)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type readCloser struct {
	io.Reader
	io.Closer
}
