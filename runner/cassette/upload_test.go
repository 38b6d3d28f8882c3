package cassette

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type sink struct{ got []byte }

func (s *sink) RoundTrip(r *http.Request) (*http.Response, error) {
	s.got, _ = io.ReadAll(r.Body)
	r.Body.Close()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), ContentLength: 2}, nil
}

// Recording never changes what the upstream receives: a request body larger
// than is read to record (an Ollama model blob pushed through
// /api/blobs) reached the upstream cut at that size, a corrupted upload,
// and was written into the cassette whole. Bodies at, under and over the
// limit, JSON or bytes, arrive whole; an oversized one is not kept.
func TestRecordingForwardsWholeBodies(t *testing.T) {
	defer func(n int64) { maxRecordedRequest = n }(maxRecordedRequest)
	maxRecordedRequest = 1 << 10
	rec, err := NewRecorder(t.TempDir(), Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	tp := rec.Tape()
	tp.Start("c", "run1")
	base, _ := url.Parse("http://127.0.0.1:1")
	for _, n := range []int{0, 10, 1<<10 - 1, 1 << 10, 1<<10 + 1, 5 << 10} {
		body := bytes.Repeat([]byte("z"), n)
		up := &sink{}
		req, _ := http.NewRequest("POST", "http://127.0.0.1:1/api/blobs/sha256:x", bytes.NewReader(body))
		resp, err := tp.Tap("ollama", base, up).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(up.got, body) {
			t.Errorf("a %d-byte body reached the upstream as %d bytes", n, len(up.got))
		}
	}
	tp.Close()
	b, _ := os.ReadFile(filepath.Join(rec.Dir(), "c", "run1.jsonl"))
	if strings.Contains(string(b), strings.Repeat("z", 1<<10+1)) {
		t.Errorf("a body over the limit was kept in the cassette")
	}
}
