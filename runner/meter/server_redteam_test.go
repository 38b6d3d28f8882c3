package meter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
)

// Attacks on the proxy's own HTTP/1.1 server (server.go) with raw bytes
// over real sockets, judged against what net/http's server does with the
// same bytes: a request it refuses must not reach the upstream (nor be
// metered) here either, and a request's bytes must never be read as
// another's.

// upstreamLog is an upstream that answers as the fixture and keeps what
// each request carried.
type upstreamLog struct {
	mu   sync.Mutex
	reqs []string // "METHOD URI body"
}

func newUpstreamLog(t *testing.T) (*upstreamLog, *httptest.Server) {
	ul := &upstreamLog{}
	fx := newFixture()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ul.mu.Lock()
		ul.reqs = append(ul.reqs, r.Method+" "+r.RequestURI+" "+string(b))
		ul.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		fx.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	return ul, up
}

// take returns what the upstream got since the last take.
func (ul *upstreamLog) take() []string {
	ul.mu.Lock()
	defer ul.mu.Unlock()
	got := ul.reqs
	ul.reqs = nil
	return got
}

// Framing that net/http's server refuses (400 or 501) is refused: the
// upstream never sees the request and no call is metered. Were it read
// another way, the bytes of a body would be taken for the next request
// or the next request's for this one's.
func TestRedTeamRefusedFraming(t *testing.T) {
	ul, up := newUpstreamLog(t)
	p := startProxy(t, up.URL)
	chunked := strconv.FormatInt(int64(len(leanChat)), 16) + "\r\n" + leanChat + "\r\n0\r\n"
	const h = "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\n"
	for _, tc := range []struct{ name, req string }{
		{"empty Content-Length", h + "Content-Length: \r\n\r\n" + leanChat},
		{"empty Content-Length, then one", h + "Content-Length: \r\nContent-Length: " + itoa(len(leanChat)) + "\r\n\r\n" + leanChat},
		{"empty Transfer-Encoding beside a length", h + "Transfer-Encoding: \r\nContent-Length: " + itoa(len(leanChat)) + "\r\n\r\n" + leanChat},
		{"a trailer line that is not a field", h + "Transfer-Encoding: chunked\r\n\r\n" + chunked + "not a field\r\n\r\n"},
		// The blank line that ends the body is missing: the next
		// request's head is not its trailer.
		{"no blank line after the last chunk", h + "Transfer-Encoding: chunked\r\n\r\n" + chunked + post("/v1/chat/completions", leanChat)},
	} {
		p.BeginRun(time.Now(), nil)
		nc, br := dialProxy(t, p)
		io.WriteString(nc, tc.req)
		resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("%s: client got %d, want net/http's refusal", tc.name, resp.StatusCode)
		}
		if calls := p.EndRun().Calls; len(calls) != 0 {
			t.Errorf("%s: %d calls metered, want none", tc.name, len(calls))
		}
		if got := ul.take(); len(got) != 0 {
			t.Errorf("%s: the upstream got %q", tc.name, got)
		}
		nc.Close()
	}
}

// A body over the proxy's limit gets its 413, not a reset connection: the
// client, still sending, reads the answer before the connection ends.
// Closed at once with the body's bytes unread, the connection is reset and
// the client sees a write error instead (net/http's server lingers).
func TestRedTeamOversizedBodyGetsItsAnswer(t *testing.T) {
	_, up := newUpstreamLog(t)
	p := startProxy(t, up.URL)
	body := strings.Repeat("x", maxRequest+16<<20)
	for i := range 3 {
		tr := &http.Transport{}
		resp, err := (&http.Client{Transport: tr}).Post(p.URL(llmapi.OpenAI)+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("attempt %d: %v, want a 413", i, err)
		}
		resp.Body.Close()
		tr.CloseIdleConnections()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("attempt %d: %d, want 413", i, resp.StatusCode)
		}
	}
}

// startProxyTimeouts starts a proxy whose servers wait idle for a next
// request and header for a request's head.
func startProxyTimeouts(t *testing.T, upstream string, idle, header time.Duration) *Proxy {
	t.Helper()
	oldIdle, oldHeader := idleTimeout, readHeaderTimeout
	idleTimeout, readHeaderTimeout = idle, header
	defer func() { idleTimeout, readHeaderTimeout = oldIdle, oldHeader }()
	return startProxy(t, upstream)
}

// closedByProxy reads the connection to its end: nil when the proxy closed
// it, a timeout error when it kept it past a generous bound.
func closedByProxy(nc net.Conn, br *bufio.Reader) error {
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, br)
	return err
}

// The timeouts of net/http's server, which the proxy had: a connection has
// readHeaderTimeout for its first head (the wait for its first byte
// included), idleTimeout to start each next one, then readHeaderTimeout
// to finish it. A head sent a byte at a time within them is served.
func TestRedTeamTimeouts(t *testing.T) {
	_, up := newUpstreamLog(t)

	p := startProxyTimeouts(t, up.URL, time.Hour, 50*time.Millisecond)
	nc, br := dialProxy(t, p)
	if err := closedByProxy(nc, br); err != nil {
		t.Errorf("a connection that sends nothing: %v, want closed after readHeaderTimeout", err)
	}
	nc, br = dialProxy(t, p)
	io.WriteString(nc, post("/v1/chat/completions", leanChat))
	readAnswer(t, br)
	io.WriteString(nc, "POST /v1/chat/completions HTTP/1.1\r\nHo")
	if err := closedByProxy(nc, br); err != nil {
		t.Errorf("a head never finished: %v, want closed after readHeaderTimeout", err)
	}

	p = startProxyTimeouts(t, up.URL, 50*time.Millisecond, time.Hour)
	nc, br = dialProxy(t, p)
	io.WriteString(nc, post("/v1/chat/completions", leanChat))
	readAnswer(t, br)
	if err := closedByProxy(nc, br); err != nil {
		t.Errorf("an idle kept-alive connection: %v, want closed after idleTimeout", err)
	}

	p = startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	nc, br = dialProxy(t, p)
	nc.(*net.TCPConn).SetNoDelay(true)
	for _, b := range []byte(post("/v1/chat/completions", leanChat)) {
		if _, err := nc.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat {
		t.Errorf("a request sent a byte at a time: %d %q", resp.StatusCode, body)
	}
	if c := oneCall(t, p); c.Output != 9 {
		t.Errorf("a request sent a byte at a time: call %+v", c)
	}
}
