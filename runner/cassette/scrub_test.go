package cassette_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/cassette"
	"github.com/runner-bench/runner/runner/meter/metertest"
	"github.com/runner-bench/runner/runner/redact"
	"github.com/runner-bench/runner/runner/spec"
)

// pieces answers every request with a body read in the given pieces, one
// piece per Read, as a slow upstream's stream arrives.
type pieces struct {
	header http.Header
	parts  [][]byte
}

func (u pieces) RoundTrip(r *http.Request) (*http.Response, error) {
	io.ReadAll(r.Body)
	return &http.Response{StatusCode: 200, Header: u.header.Clone(), ContentLength: -1,
		Body: io.NopCloser(&pieceReader{parts: u.parts})}, nil
}

type pieceReader struct{ parts [][]byte }

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.parts[0])
	if p.parts[0] = p.parts[0][n:]; len(p.parts[0]) == 0 {
		p.parts = p.parts[1:]
	}
	return n, nil
}

// recordAndReplay records one call (request body of contentType, answered
// by up) into a fresh cassettes folder, then replays it; it returns the
// folder and the replayed answer, decompressed if it came compressed.
func recordAndReplay(t *testing.T, contentType, body string, up pieces) (string, string) {
	t.Helper()
	base, _ := url.Parse("http://127.0.0.1:1/v1")
	newReq := func() *http.Request {
		r, _ := http.NewRequest("POST", base.String()+"/audio/transcriptions", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		return r
	}
	dir := filepath.Join(t.TempDir(), "cassettes")
	rec, err := cassette.NewRecorder(dir, cassette.Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	tape := rec.Tape()
	tape.Start("cell_a", "run1")
	resp, err := tape.Tap("openai", base, up).RoundTrip(newReq())
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	tape.Close()

	lib, err := cassette.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	play := lib.Tape(cassette.Options{Match: spec.MatchSequence})
	play.Start("cell_a", "run1")
	resp, err = play.Tap("openai", base, nil).RoundTrip(newReq())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		if r, err = gzip.NewReader(r); err != nil {
			t.Fatal(err)
		}
	case "deflate":
		if r, err = zlib.NewReader(r); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := io.ReadAll(r)
	return dir, string(b)
}

// assertKeysGone greps every file of the cassettes folder for the test
// keys, also as base64 could hide them, and the replayed answer.
func assertKeysGone(t *testing.T, dir, replayed string) {
	t.Helper()
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, k := range []string{metertest.OpenAIKey, metertest.AnthropicKey, metertest.GeminiKey, formKey} {
			if bytes.Contains(b, []byte(k)) {
				t.Errorf("%s holds the key %q", p, k)
			}
		}
		for _, m := range b64Chunk.FindAllSubmatch(b, -1) {
			raw, _ := base64.StdEncoding.DecodeString(string(m[1]))
			for _, k := range []string{metertest.OpenAIKey, metertest.AnthropicKey, metertest.GeminiKey} {
				if bytes.Contains(raw, []byte(k)) {
					t.Errorf("%s holds the key %q in base64", p, k)
				}
			}
			if _, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
				t.Errorf("%s keeps a compressed answer, which no scrubber can read", p)
			}
		}
		return nil
	})
	for _, k := range []string{metertest.OpenAIKey, metertest.AnthropicKey, metertest.GeminiKey} {
		if strings.Contains(replayed, k) {
			t.Errorf("the replayed answer holds the key %q: %q", k, replayed)
		}
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// split cuts b in n pieces of about equal size.
func split(b []byte, n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, append([]byte(nil), b[i*len(b)/n:(i+1)*len(b)/n]...))
	}
	return out
}

// A red team's cases: a key echoed in an answer split between two reads,
// an answer compressed (gzip, deflate) or not UTF-8, and a key sent in a
// form field (multipart or urlencoded). None may reach the cassettes, and
// the replayed answer is the recorded one with the keys masked.
func TestCassetteScrubsWholeBodies(t *testing.T) {
	// The runner registers the keys of its environment; the test keys
	// stand in for them.
	redact.AddValue("OPENAI_API_KEY", metertest.OpenAIKey)
	redact.AddValue("ANTHROPIC_API_KEY", metertest.AnthropicKey)
	redact.AddValue("GEMINI_API_KEY", metertest.GeminiKey)
	sse := "data: {\"echo\":\"" + metertest.OpenAIKey + "\"}\n\ndata: {\"echo\":\"" + metertest.GeminiKey + "\"}\n\ndata: [DONE]\n\n"
	masked := strings.NewReplacer(metertest.OpenAIKey, redact.Mask, metertest.GeminiKey, redact.Mask).Replace(sse)
	keyAt := strings.Index(sse, metertest.OpenAIKey) + 10
	gkeyAt := strings.Index(sse, metertest.GeminiKey) + 7
	sseHeader := http.Header{"Content-Type": {"text/event-stream"}}
	var zl bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write([]byte(sse))
	zw.Close()
	latin1 := "caf\xe9 " + sse // not UTF-8

	multi := &bytes.Buffer{}
	mw := multipart.NewWriter(multi)
	mw.WriteField("model", "whisper-1")
	mw.WriteField("api_key", formKey)
	fw, _ := mw.CreateFormFile("file", "a.wav")
	fw.Write([]byte("RIFF\x00\x01audio"))
	mw.Close()

	for _, c := range []struct {
		name, ctype, body string
		up                pieces
		want              string // the replayed answer
	}{
		{"key split between reads", "application/json", `{"model":"m"}`,
			pieces{sseHeader, [][]byte{[]byte(sse[:keyAt]), []byte(sse[keyAt:gkeyAt]), []byte(sse[gkeyAt:])}}, masked},
		{"gzip answer", "application/json", `{"model":"m"}`,
			pieces{http.Header{"Content-Type": {"text/event-stream"}, "Content-Encoding": {"gzip"}}, split(gz(t, sse), 3)}, masked},
		{"deflate answer", "application/json", `{"model":"m"}`,
			pieces{http.Header{"Content-Type": {"text/event-stream"}, "Content-Encoding": {"deflate"}}, split(zl.Bytes(), 2)}, masked},
		{"answer not UTF-8", "application/json", `{"model":"m"}`,
			pieces{http.Header{"Content-Type": {"text/plain; charset=latin1"}}, [][]byte{[]byte(latin1)}}, "caf\xe9 " + masked},
		{"multipart api_key", mw.FormDataContentType(), multi.String(),
			pieces{sseHeader, [][]byte{[]byte("data: [DONE]\n\n")}}, "data: [DONE]\n\n"},
		{"urlencoded key", "application/x-www-form-urlencoded", "key=" + url.QueryEscape(formKey) + "&model=m",
			pieces{sseHeader, [][]byte{[]byte("data: [DONE]\n\n")}}, "data: [DONE]\n\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, got := recordAndReplay(t, c.ctype, c.body, c.up)
			assertKeysGone(t, dir, got)
			if got != c.want {
				t.Errorf("replayed %q\nwant     %q", got, c.want)
			}
		})
	}
}

// formKey is a key a workload sends in a form field: not one of the
// runner's variables, and not shaped like a provider's key.
const formKey = "formsecret4d9e1c77b0"

var b64Chunk = regexp.MustCompile(`"b64":"([^"]+)"`)

// A run file whose last line was cut (the recorder killed mid-write) is
// read up to it, and both the replay and the inventory say which file and
// line were dropped, as a torn runs.jsonl is reported.
func TestTornLastLineWarned(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cassettes")
	if _, err := cassette.NewRecorder(dir, cassette.Manifest{}); err != nil {
		t.Fatal(err)
	}
	whole := `{"seq":1,"api":"openai","method":"GET","path":"/models","status":200,"chunks":[{"ms":1,"data":"{}"}],"end_ms":1}`
	file := filepath.Join(dir, "cell_a", "run1.jsonl")
	os.MkdirAll(filepath.Dir(file), 0o755)
	if err := os.WriteFile(file, []byte(whole+"\n"+whole[:40]), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, err := cassette.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := file + ":2: the last line is not a whole call"
	inv, err := lib.Inventory()
	if err != nil || len(inv) != 1 || inv[0].Calls != 1 || len(inv[0].Warnings) != 1 || !strings.Contains(inv[0].Warnings[0], want) {
		t.Fatalf("inventory %+v, %v; want 1 call and a warning %q", inv, err, want)
	}
	play := lib.Tape(cassette.Options{})
	play.Start("cell_a", "run1")
	_, _, warns := play.End()
	if len(warns) != 1 || !strings.Contains(warns[0], want) {
		t.Errorf("replay warnings %q, want one naming %q", warns, want)
	}
}
