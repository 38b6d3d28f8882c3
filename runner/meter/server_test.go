package meter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/meter/metertest"
	"github.com/runner-bench/runner/runner/record"
)

// The proxy's own HTTP/1.1 server (server.go), as a client meets it on the
// wire: each test writes requests by hand and reads the answers.

const leanChat = `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}`

// dialProxy opens a client connection to the proxy's OpenAI listener.
func dialProxy(t *testing.T, p *Proxy) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(p.URL(llmapi.OpenAI), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc, bufio.NewReader(nc)
}

// fixtureRun is a proxy in front of the sample-body upstream, with a run
// begun.
func fixtureRun(t *testing.T) (*metertest.Upstream, *Proxy) {
	t.Helper()
	fx := newFixture()
	up := httptest.NewServer(fx)
	t.Cleanup(up.Close)
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	return fx, p
}

// readAnswer reads one answer to a POST and its whole body.
func readAnswer(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, string(b)
}

func post(path, body string, fields ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n"
	for _, f := range fields {
		h += f + "\r\n"
	}
	return h + "Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body
}

func itoa(n int) string { return strconv.Itoa(n) }

func oneCall(t *testing.T, p *Proxy) record.Call {
	t.Helper()
	calls := p.EndRun().Calls
	if len(calls) != 1 {
		t.Fatalf("%d calls recorded, want 1: %+v", len(calls), calls)
	}
	return calls[0]
}

// A chunked request body (trailer and all) reaches the upstream intact, and
// the call is metered.
func TestServerChunkedRequestBody(t *testing.T) {
	fx, p := fixtureRun(t)
	nc, br := dialProxy(t, p)
	req := "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
	for i := 0; i < len(leanChat); i += 10 {
		part := leanChat[i:min(i+10, len(leanChat))]
		req += strconv.FormatInt(int64(len(part)), 16) + ";ext=1\r\n" + part + "\r\n"
	}
	req += "0\r\nX-Sum: 1\r\n\r\n"
	io.WriteString(nc, req)
	resp, body := readAnswer(t, br)
	if resp.StatusCode != 200 || body != fxChat {
		t.Fatalf("client got %d %q", resp.StatusCode, body)
	}
	if got := fx.Body("/v1/chat/completions"); got != leanChat {
		t.Errorf("upstream got body %q, want %q", got, leanChat)
	}
	// The connection goes on after the trailer.
	io.WriteString(nc, post("/v1/chat/completions", leanChat))
	if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat {
		t.Fatalf("second request: client got %d %q", resp.StatusCode, body)
	}
	calls := p.EndRun().Calls
	if len(calls) != 2 || calls[0].Model != "gpt-4o" || calls[0].Input != 20 || calls[0].Output != 9 || calls[0].UsageStatus != record.UsageReported {
		t.Errorf("calls: %+v", calls)
	}
}

// An HTTP/1.0 client gets HTTP/1.0 answers: a stream (no length known) ends
// with the connection; with keep-alive, an answer of known length keeps it.
func TestServerHTTP10(t *testing.T) {
	_, p := fixtureRun(t)

	nc, br := dialProxy(t, p)
	stream := `{"model":"gpt-4o-mini","stream":true,"messages":[]}`
	io.WriteString(nc, "POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: "+itoa(len(leanChat))+"\r\n\r\n"+leanChat)
	resp, body := readAnswer(t, br)
	if resp.Proto != "HTTP/1.0" || resp.StatusCode != 200 || body != fxChat || resp.Header.Get("Connection") != "keep-alive" {
		t.Fatalf("keep-alive: client got %s %d %v %q", resp.Proto, resp.StatusCode, resp.Header, body)
	}
	io.WriteString(nc, "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: "+itoa(len(stream))+"\r\n\r\n"+stream)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Proto != "HTTP/1.0" || resp.ContentLength != -1 || len(resp.TransferEncoding) > 0 || !resp.Close {
		t.Errorf("stream: client got %s length %d %v close %v", resp.Proto, resp.ContentLength, resp.TransferEncoding, resp.Close)
	}
	rest, err := io.ReadAll(br) // to the connection's end
	if err != nil || string(rest) != fxChatStream(false) {
		t.Errorf("stream: body %q (%v), want %q", rest, err, fxChatStream(false))
	}
	calls := p.EndRun().Calls
	if len(calls) != 2 || calls[1].Error != "" || calls[1].UsageStatus != record.UsageReported || calls[1].Output != 2 {
		t.Errorf("calls: %+v", calls)
	}
}

// Expect: 100-continue: the client is told to go on before it sends the
// body.
func TestServerExpectContinue(t *testing.T) {
	_, p := fixtureRun(t)
	nc, br := dialProxy(t, p)
	io.WriteString(nc, "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nExpect: 100-continue\r\nContent-Length: "+itoa(len(leanChat))+"\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q (%v), want a 100 Continue", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("got %q after the 100", blank)
	}
	io.WriteString(nc, leanChat)
	if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat {
		t.Fatalf("client got %d %q", resp.StatusCode, body)
	}
	if c := oneCall(t, p); c.Output != 9 {
		t.Errorf("call: %+v", c)
	}
}

// A stream reaches the client event by event: the first event arrives
// while the upstream still holds the rest back.
func TestServerStreamsEventByEvent(t *testing.T) {
	events := strings.SplitAfter(fxChatStream(true), "\n\n")
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, events[0])
		w.(http.Flusher).Flush()
		<-release
		for _, ev := range events[1:] {
			io.WriteString(w, ev)
		}
	}))
	defer up.Close()
	defer close(release)
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	nc, br := dialProxy(t, p)
	io.WriteString(nc, post("/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"messages":[]}`))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("stream framed as %v, want chunked", resp.TransferEncoding)
	}
	first := make([]byte, len(events[0])-len(`,"usage":null`))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	release <- struct{}{}
	rest, _ := io.ReadAll(resp.Body)
	if got := string(first) + string(rest); got != fxChatStream(false) {
		t.Errorf("client got %q, want %q", got, fxChatStream(false))
	}
	if c := oneCall(t, p); c.Error != "" || c.Output != 2 || c.UsageStatus != record.UsageReported {
		t.Errorf("call: %+v", c)
	}
}

// A client that hangs up ends the upstream call, which is recorded as
// canceled: while the upstream has not answered yet, and mid-stream.
func TestServerHangUpEndsTheUpstreamCall(t *testing.T) {
	for _, stream := range []bool{false, true} {
		got := make(chan struct{}, 1)
		ended := make(chan struct{}, 1)
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if stream {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: "+strings.SplitN(fxChatStream(false), "\n", 2)[0][6:]+"\n\n")
				w.(http.Flusher).Flush()
			}
			got <- struct{}{}
			<-r.Context().Done() // the proxy closed the upstream connection
			ended <- struct{}{}
		}))
		p := startProxy(t, up.URL)
		p.BeginRun(time.Now(), nil)
		nc, br := dialProxy(t, p)
		body := leanChat
		if stream {
			body = `{"model":"gpt-4o","stream":true,"messages":[]}`
		}
		io.WriteString(nc, post("/v1/chat/completions", body))
		<-got
		if stream {
			if _, err := br.ReadString('\n'); err != nil { // the head has come
				t.Fatal(err)
			}
		}
		nc.Close()
		<-ended
		if c := oneCall(t, p); c.Error != "canceled" {
			t.Errorf("stream=%v: call %+v, want canceled", stream, c)
		}
		up.Close()
	}
}

// A connection carries request after request; Connection: close ends it
// after the answer, which says so.
func TestServerKeepAliveAndClose(t *testing.T) {
	up := httptest.NewServer(newFixture())
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	nc, br := dialProxy(t, p)
	// Two requests sent at once (pipelined), then one that closes.
	io.WriteString(nc, post("/v1/chat/completions", leanChat)+post("/chat/completions", leanChat))
	for i := range 2 {
		if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat || resp.Close {
			t.Fatalf("request %d: client got %d %q close %v", i, resp.StatusCode, body, resp.Close)
		}
	}
	io.WriteString(nc, post("/v1/chat/completions", leanChat, "Connection: close"))
	resp, body := readAnswer(t, br)
	if resp.StatusCode != 200 || body != fxChat || !resp.Close { // Close: it said Connection: close
		t.Fatalf("closing request: client got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if n, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close, read %q, %v; want the end of the connection", n, err)
	}
	if n := len(p.EndRun().Calls); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

// What the lean server does not serve (a request that is not metered, a
// head too large for its buffer, a malformed request) net/http serves on
// the same connection, as before: answers, and errors with their status.
func TestServerHandsTheRestToNetHTTP(t *testing.T) {
	up := httptest.NewServer(newFixture())
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)

	nc, br := dialProxy(t, p)
	io.WriteString(nc, post("/v1/chat/completions", leanChat))
	if resp, _ := readAnswer(t, br); resp.StatusCode != 200 {
		t.Fatalf("metered: %d", resp.StatusCode)
	}
	io.WriteString(nc, "GET /v1/models HTTP/1.1\r\nHost: proxy\r\n\r\n")
	if resp, body := readAnswer(t, br); resp.StatusCode != 200 || !strings.Contains(body, `"list"`) {
		t.Fatalf("models: %d %q", resp.StatusCode, body)
	}
	io.WriteString(nc, post("/v1/chat/completions", leanChat, "X-Big: "+strings.Repeat("x", 20<<10)))
	if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat {
		t.Fatalf("metered after the hand-over: %d %q", resp.StatusCode, body)
	}

	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"no Host", "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 400},
		{"bad field", "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nBad Field: 1\r\nContent-Length: 2\r\n\r\n{}", 400},
		{"bad length", "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nContent-Length: 2x\r\n\r\n{}", 400},
		{"expectation", "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nExpect: tea\r\nContent-Length: 2\r\n\r\n{}", 417},
	} {
		nc, br := dialProxy(t, p)
		io.WriteString(nc, tc.req)
		if resp, _ := readAnswer(t, br); resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	if n := len(p.EndRun().Calls); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

// Closing the proxy ends the calls in flight: their upstream calls end.
func TestServerCloseEndsCallsInFlight(t *testing.T) {
	got := make(chan struct{}, 1)
	ended := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		<-r.Context().Done()
		ended <- struct{}{}
	}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	nc, br := dialProxy(t, p)
	io.WriteString(nc, post("/v1/chat/completions", leanChat))
	<-got
	p.Close()
	<-ended
	if _, err := http.ReadResponse(br, nil); err == nil {
		t.Error("the client got an answer from a closed proxy")
	}
}

// A call that outlasts the connection's idle timeout is not cut by it: the
// timeout is for the wait between requests.
func TestServerLongCallOutlastsIdleTimeout(t *testing.T) {
	old := idleTimeout
	idleTimeout = 20 * time.Millisecond
	defer func() { idleTimeout = old }()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(10 * idleTimeout)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, fxChat)
	}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	nc, br := dialProxy(t, p)
	io.WriteString(nc, post("/v1/chat/completions", leanChat))
	if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat {
		t.Fatalf("client got %d %q", resp.StatusCode, body)
	}
	if c := oneCall(t, p); c.Error != "" || c.Output != 9 {
		t.Errorf("call: %+v", c)
	}
}
