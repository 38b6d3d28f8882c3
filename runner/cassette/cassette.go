// Package cassette records the provider traffic the metering proxy forwards
// (runner --record) and answers from it later, offline and with the recorded
// timings (runner --replay). It sits below the metering, as the upstream
// transport of each API's listener (meter.Tap), so a replayed call is metered
// exactly as the live one was: its tokens are the recorded usage.
//
// Layout of a recording (the `cassettes` folder of a benchmark's output):
//
//	cassettes/cassettes.json      Manifest: format, when and what was recorded
//	cassettes/<cell>/run<N>.jsonl one Entry per call of that run, in order of finish
//	cassettes/<cell>/warmup<N>.jsonl
//
// One file per run, because a run is the unit a replay answers for: run N
// of a cell replays run N's calls, whatever order the cells run in.
package cassette

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/redact"
)

// Format is the version of the cassette format this runner writes and reads.
const Format = 1

// ManifestFile names the manifest in a cassettes folder.
const ManifestFile = "cassettes.json"

// Folder is the name of the cassettes folder in an output folder.
const Folder = "cassettes"

// Manifest describes a recording.
type Manifest struct {
	Format        int       `json:"format"`
	Recorded      time.Time `json:"recorded"`
	Spec          string    `json:"spec,omitempty"`
	RunnerVersion string    `json:"runner_version,omitempty"`
	// Simulated says the recording is of a dry run: the simulator answered,
	// and a replay of it is marked SIMULATED too.
	Simulated bool `json:"simulated,omitempty"`
}

// Entry is one recorded call: the request as needed to match it, and the
// response as it arrived, chunk by chunk with its time.
type Entry struct {
	Seq      int        `json:"seq"` // order of the request's start within the run, from 1
	API      llmapi.API `json:"api"`
	Method   string     `json:"method"`
	Path     string     `json:"path"`            // relative to the API's base URL: /chat/completions
	Query    string     `json:"query,omitempty"` // sorted, without secret parameters
	Endpoint string     `json:"endpoint,omitempty"`
	Model    string     `json:"model,omitempty"`
	// BodyHash is the sha256 of the normalised request body (JSON with its
	// keys sorted and no insignificant space); Body is that body with
	// secrets masked, kept to show what a request asked.
	BodyHash string          `json:"body_sha256,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`
	BodyText string          `json:"body_text,omitempty"` // a body that is not JSON

	Status   int               `json:"status"`           // 0: the upstream was not reached (Error says why)
	Header   map[string]string `json:"header,omitempty"` // only Content-Type, Content-Encoding, Retry-After
	Sized    bool              `json:"sized,omitempty"`  // the upstream announced the body's length
	HeaderMS float64           `json:"header_ms"`        // response headers, ms from the request's start
	Chunks   []Chunk           `json:"chunks"`
	EndMS    float64           `json:"end_ms"`
	Error    string            `json:"error,omitempty"` // refused, truncated, canceled, unkept (ErrUnkept)
}

// Chunk is one read of the response body, at ms from the request's start.
// Data holds text; B64 holds bytes that are not UTF-8.
type Chunk struct {
	MS   float64 `json:"ms"`
	Data string  `json:"data,omitempty"`
	B64  string  `json:"b64,omitempty"`
}

func newChunk(ms float64, b []byte) Chunk {
	if utf8.Valid(b) {
		return Chunk{MS: ms, Data: string(b)}
	}
	return Chunk{MS: ms, B64: base64.StdEncoding.EncodeToString(b)}
}

// ErrUnkept is the Entry.Error of an answer whose body was not kept: its
// encoding cannot be read, so it could not be checked for secrets.
const ErrUnkept = "unkept"

// scrubBody sets e's chunks from the body as read (raw, each read ending at
// ends[i] at at[i] ms), without secrets. The body is scrubbed whole, so a
// secret split between two reads is found; a compressed body is kept
// decompressed (its Content-Encoding dropped), as compressed bytes cannot
// be scrubbed; one in an encoding this cannot read is not kept at all.
func scrubBody(e *Entry, raw []byte, ends []int, at []float64) {
	if len(raw) == 0 {
		return
	}
	switch enc := strings.ToLower(strings.TrimSpace(e.Header["Content-Encoding"])); enc {
	case "", "identity":
	case "gzip", "x-gzip", "deflate":
		plain, plainEnds, err := decompress(enc, raw, ends)
		if len(plain) == 0 && err != nil {
			e.Chunks, e.Error = nil, ErrUnkept
			return
		}
		if err != nil && e.Error == "" {
			e.Error = "truncated" // the client got more than is kept
		}
		raw, ends = plain, plainEnds
		delete(e.Header, "Content-Encoding")
	default:
		e.Chunks, e.Error = nil, ErrUnkept
		return
	}
	cuts := slices.Clone(ends)
	clean := redact.StringAt(string(raw), cuts)
	from := 0
	for i, end := range cuts {
		e.Chunks = append(e.Chunks, newChunk(at[i], []byte(clean[from:end])))
		from = end
	}
}

// decompress decodes a gzip or deflate body read in pieces ending at ends,
// and says where each piece's decoded bytes end: those the decoder gave
// before it asked for the next piece's first byte (so none is placed
// earlier than its compressed bytes arrived). A body that does not decode
// to its end gives what was decoded and the error.
func decompress(enc string, raw []byte, ends []int) (plain []byte, plainEnds []int, err error) {
	src := &piecesReader{raw: raw, ends: ends}
	var r io.Reader
	if enc == "deflate" {
		// HTTP's deflate is zlib; some servers send raw deflate.
		if zr, zerr := zlib.NewReader(src); zerr == nil {
			r = zr
		} else {
			src = &piecesReader{raw: raw, ends: ends}
			r = flate.NewReader(src)
		}
	} else if r, err = gzip.NewReader(src); err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	src.out = &out
	n, err := io.Copy(&out, io.LimitReader(r, maxKeptBody+1))
	if err == nil && n > maxKeptBody {
		out.Truncate(maxKeptBody)
		err = fmt.Errorf("more than %d bytes decompressed", maxKeptBody)
	}
	plainEnds = src.marks
	for len(plainEnds) < len(ends) { // the rest ends with the last piece
		plainEnds = append(plainEnds, out.Len())
	}
	for i := range plainEnds {
		plainEnds[i] = min(plainEnds[i], out.Len())
	}
	return out.Bytes(), plainEnds, err
}

// maxKeptBody bounds a decompressed answer (a gzip bomb).
const maxKeptBody = 256 << 20

// piecesReader reads raw byte by byte (so that a decompressor takes no more
// than it needs) and notes, as it starts each piece after the first, how
// much had been decoded by then.
type piecesReader struct {
	raw   []byte
	ends  []int
	pos   int
	piece int
	out   *bytes.Buffer
	marks []int
}

func (p *piecesReader) ReadByte() (byte, error) {
	if p.pos >= len(p.raw) {
		return 0, io.EOF
	}
	for p.piece < len(p.ends)-1 && p.pos >= p.ends[p.piece] {
		n := 0
		if p.out != nil {
			n = p.out.Len()
		}
		p.marks = append(p.marks, n)
		p.piece++
	}
	c := p.raw[p.pos]
	p.pos++
	return c, nil
}

func (p *piecesReader) Read(b []byte) (int, error) {
	for i := range b {
		c, err := p.ReadByte()
		if err != nil {
			return i, err
		}
		b[i] = c
	}
	return len(b), nil
}

func (c Chunk) bytes() []byte {
	if c.B64 != "" {
		b, _ := base64.StdEncoding.DecodeString(c.B64)
		return b
	}
	return []byte(c.Data)
}

// keptHeaders are the response headers a cassette keeps: what a client
// needs to read the body. Never cookies, never auth.
var keptHeaders = []string{"Content-Type", "Content-Encoding", "Retry-After"}

// secretParams are query parameters never written (Gemini's key=).
var secretParams = map[string]bool{"key": true, "api_key": true, "apikey": true, "access_token": true, "token": true}

// request is what matching reads of a request.
type request struct {
	api                 llmapi.API
	method, path, query string
	endpoint, model     string
	hash                string
	norm                []byte // normalised body (JSON) or the body as sent
	json                bool
}

// describe names a request for messages: POST /chat/completions (gpt-4o).
func (q *request) describe() string {
	s := q.method + " " + q.path
	if q.model != "" {
		s += " (" + q.model + ")"
	}
	return s
}

// readRequest reads what matching needs from an outgoing request, whose URL
// is the upstream's; base is the API's upstream base URL.
func readRequest(api llmapi.API, base *url.URL, r *http.Request, body []byte) *request {
	q := &request{api: api, method: r.Method, path: r.URL.Path}
	if base != nil && base.Path != "" {
		if rest, ok := strings.CutPrefix(q.path, base.Path); ok && (rest == "" || rest[0] == '/') {
			q.path = rest
		}
	}
	if q.path == "" {
		q.path = "/"
	}
	q.query = cleanQuery(r.URL.RawQuery)
	var model string
	if r.Method == http.MethodPost {
		if ep, m, ok := llmapi.Route(api, q.path); ok {
			q.endpoint, model = string(ep), m
		}
	}
	if len(body) > 0 {
		q.norm, q.json = normalise(body)
		if model == "" && q.json {
			var m struct {
				Model string `json:"model"`
			}
			json.Unmarshal(q.norm, &m)
			model = m.Model
		}
		sum := sha256.Sum256(q.norm)
		q.hash = hex.EncodeToString(sum[:])
	}
	q.model = model
	return q
}

// cleanQuery sorts the query and drops secret parameters.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return redact.String(raw)
	}
	for k := range v {
		if secretParams[strings.ToLower(k)] {
			delete(v, k)
		}
	}
	return redact.String(v.Encode())
}

// normalise returns a JSON body with sorted keys and no insignificant space
// (numbers kept as written), so that two serialisations of one request are
// one; a body that is not JSON is returned as is.
func normalise(body []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return body, false
	}
	return b, true
}

// writeManifest writes dir/cassettes.json.
func writeManifest(dir string, m Manifest) error {
	m.Format = Format
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644)
}

// Resolve returns the cassettes folder of dir: dir itself when it holds a
// manifest, else dir/cassettes (a benchmark's output folder).
func Resolve(dir string) (string, error) {
	for _, d := range []string{dir, filepath.Join(dir, Folder)} {
		if _, err := os.Stat(filepath.Join(d, ManifestFile)); err == nil {
			return d, nil
		}
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("replay %s: %w", dir, err)
	}
	return "", fmt.Errorf("replay %s: no recording there (neither %s nor %s exists; record one with runner SPEC --record)",
		dir, filepath.Join(dir, ManifestFile), filepath.Join(dir, Folder, ManifestFile))
}

// TornError reports a cassette file whose last line is not a whole call,
// as a recorder stopped while writing it leaves it. The calls before it are
// read with it; that call is not replayed.
type TornError struct {
	Path string
	Line int
	Err  error
}

func (e *TornError) Error() string {
	return fmt.Sprintf("%s:%d: the last line is not a whole call (the recording stopped while writing it), so that call is not replayed: %v", e.Path, e.Line, e.Err)
}

// readRun reads one run's entries, in order of the requests' start. A torn
// last line gives the entries before it and a *TornError.
func readRun(path string) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Entry
	var torn error
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			if i == bytes.Count(b, []byte("\n")) { // no newline after it: the last write was cut
				torn = &TornError{Path: path, Line: i + 1, Err: err}
				break
			}
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, torn
}

// runIndex parses run<N> or warmup<N>.
func runIndex(name string) (warmup bool, n int, ok bool) {
	for _, p := range []string{"run", "warmup"} {
		if rest, found := strings.CutPrefix(name, p); found {
			n, err := strconv.Atoi(rest)
			if err == nil && n > 0 {
				return p == "warmup", n, true
			}
		}
	}
	return false, 0, false
}
