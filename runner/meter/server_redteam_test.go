package meter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
)

// Attacks on the proxy's own HTTP/1.1 server (server.go) with raw bytes
// over real sockets, judged against what net/http's server does with the
// same bytes: a request it refuses must not reach the upstream (nor be
// metered) here either, and a request's bytes must never be read as
// another's.

// upstreamLog is an upstream that answers as the fixture and keeps what
// each request carried; a request that says "slow" is answered late.
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
		if strings.Contains(string(b), "slow") {
			time.Sleep(4 * watchAfter) // the hang-up watch starts meanwhile
		}
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

// within waits for ch, failing the test rather than hanging it.
func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not within 10 s", what)
	}
}

// A client that hangs up anywhere (mid-head, mid-body, after a 100
// Continue, waiting for the answer, mid-stream), and closing the proxy with
// connections idle and a stream in flight, leave no goroutine or socket
// behind; a call under way when the client left (or the proxy closed) is
// recorded as canceled, and a request whose body never came whole never
// reaches the upstream.
func TestRedTeamHangUpsLeaveNothingBehind(t *testing.T) {
	g0, f0 := runtime.NumGoroutine(), openFDs(t)
	func() {
		got := make(chan struct{}, 8)
		ended := make(chan struct{}, 8)
		var mu sync.Mutex
		var upstream []string
		fx := newFixture()
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			upstream = append(upstream, string(b))
			mu.Unlock()
			if !strings.Contains(string(b), `"hold"`) {
				r.Body = io.NopCloser(strings.NewReader(string(b)))
				fx.ServeHTTP(w, r)
				return
			}
			if strings.Contains(string(b), `"stream":true`) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: "+strings.SplitN(fxChatStream(false), "\n", 2)[0][6:]+"\n\n")
				w.(http.Flusher).Flush()
			}
			got <- struct{}{}
			<-r.Context().Done()
			ended <- struct{}{}
		}))
		defer up.Close()
		p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: up.URL + "/v1"})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		p.BeginRun(time.Now(), nil)
		dial := func() (net.Conn, *bufio.Reader) {
			nc, err := net.Dial("tcp", strings.TrimPrefix(p.URL(llmapi.OpenAI), "http://"))
			if err != nil {
				t.Fatal(err)
			}
			return nc, bufio.NewReader(nc)
		}
		const h = "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\n"
		const hold, holdStream = `{"model":"hold","messages":[]}`, `{"model":"hold","stream":true,"messages":[]}`

		// Cut before the call could reach the upstream.
		for _, req := range []string{
			"POST /v1/chat/completions HTTP/1.1\r\nHost: pro",
			h + "Content-Length: 1000\r\n\r\n" + leanChat[:10],
			h + "Transfer-Encoding: chunked\r\n\r\n400\r\n" + leanChat[:10],
		} {
			nc, _ := dial()
			io.WriteString(nc, req)
			nc.Close()
		}
		nc, br := dial()
		io.WriteString(nc, h+"Expect: 100-continue\r\nContent-Length: 10\r\n\r\n")
		if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "100") {
			t.Fatalf("got %q, %v; want a 100 Continue", line, err)
		}
		nc.Close()

		// Cut while the upstream has the call: waiting for its answer, and
		// mid-stream.
		for _, body := range []string{hold, holdStream} {
			nc, br := dial()
			io.WriteString(nc, post("/v1/chat/completions", body))
			within(t, got, "the upstream's call")
			if body == holdStream {
				if _, err := http.ReadResponse(br, nil); err != nil {
					t.Fatal(err)
				}
			}
			nc.Close()
			within(t, ended, "the upstream call's end after the hang-up")
		}

		// Closed with connections idle (one the lean server's, one handed to
		// net/http's) and a stream in flight.
		var idle []net.Conn
		for _, req := range []string{post("/v1/chat/completions", leanChat), "GET /v1/models HTTP/1.1\r\nHost: proxy\r\n\r\n"} {
			nc, br := dial()
			io.WriteString(nc, req)
			readAnswer(t, br)
			idle = append(idle, nc)
		}
		nc, br = dial()
		io.WriteString(nc, post("/v1/chat/completions", holdStream))
		within(t, got, "the upstream's call")
		if _, err := http.ReadResponse(br, nil); err != nil {
			t.Fatal(err)
		}
		p.Close()
		within(t, ended, "the upstream call's end at Close")
		for i, c := range append(idle, nc) {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.Copy(io.Discard, c); err != nil {
				t.Errorf("after Close, client connection %d: %v, want it closed", i, err)
			}
			c.Close()
		}
		calls := p.EndRun().Calls
		var errs []string
		for _, c := range calls {
			errs = append(errs, c.Error)
		}
		if fmt.Sprint(errs) != "[canceled canceled  canceled]" {
			t.Errorf("calls' errors %q, want the held ones canceled", errs)
		}
		mu.Lock()
		// The held calls, the one answered, the model list, the stream.
		if len(upstream) != 5 || upstream[2] != leanChat || upstream[3] != "" {
			t.Errorf("the upstream got %q, want only the requests sent whole", upstream)
		}
		mu.Unlock()
		p.transport.CloseIdleConnections()
		up.CloseClientConnections()
	}()
	settle(t, g0, f0)
}

// Many connections at once, each in its own way (net/http's client plain
// and streamed, pipelined pairs, chunked bodies, Expect: 100-continue):
// every answer is whole and in order, the upstream gets each request once
// and intact, and every call is metered.
func TestRedTeamConcurrentConnections(t *testing.T) {
	ul, up := newUpstreamLog(t)
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	addr := strings.TrimPrefix(p.URL(llmapi.OpenAI), "http://")
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	chat := func(id string, stream bool) string {
		return `{"model":"gpt-4o","stream":` + strconv.FormatBool(stream) + `,"messages":[{"role":"user","content":"` + id + `"}]}`
	}
	const workers, rounds = 12, 8
	var mu sync.Mutex
	sent := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				id := fmt.Sprintf("w%d-r%d", w, r)
				if r%2 == 0 {
					id += "-slow"
				}
				var bodies []string
				err := func() error {
					switch (w + r) % 5 {
					case 0, 1: // net/http's client, plain or streamed
						stream := (w+r)%5 == 1
						b := chat(id, stream)
						bodies = append(bodies, b)
						resp, err := client.Post("http://"+addr+"/v1/chat/completions", "application/json", strings.NewReader(b))
						if err != nil {
							return err
						}
						got, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if want := map[bool]string{false: fxChat, true: fxChatStream(false)}[stream]; err != nil || string(got) != want {
							return fmt.Errorf("%s: client got %q (%v)", id, got, err)
						}
						return nil
					}
					nc, err := net.Dial("tcp", addr)
					if err != nil {
						return err
					}
					defer nc.Close()
					br := bufio.NewReader(nc)
					var req string
					switch (w + r) % 5 {
					case 2: // a pipelined pair, the first streamed
						bodies = append(bodies, chat(id+"a", true), chat(id+"b", false))
						req = post("/v1/chat/completions", bodies[0]) + post("/v1/chat/completions", bodies[1])
					case 3: // chunked, in pieces
						bodies = append(bodies, chat(id, false))
						req = "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nTransfer-Encoding: chunked\r\n\r\n"
						for i := 0; i < len(bodies[0]); i += 7 {
							part := bodies[0][i:min(i+7, len(bodies[0]))]
							req += strconv.FormatInt(int64(len(part)), 16) + "\r\n" + part + "\r\n"
						}
						req += "0\r\n\r\n"
					case 4: // Expect: 100-continue, the body sent at once
						bodies = append(bodies, chat(id, false))
						req = post("/v1/chat/completions", bodies[0], "Expect: 100-continue")
					}
					if _, err := io.WriteString(nc, req); err != nil {
						return err
					}
					for i, b := range bodies {
						resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
						if err == nil && resp.StatusCode == 100 {
							resp, err = http.ReadResponse(br, &http.Request{Method: "POST"})
						}
						if err != nil {
							return fmt.Errorf("%s answer %d: %v", id, i, err)
						}
						got, err := io.ReadAll(resp.Body)
						want := fxChat
						if strings.Contains(b, `"stream":true`) {
							want = fxChatStream(false)
						}
						if err != nil || string(got) != want {
							return fmt.Errorf("%s answer %d: %q (%v)", id, i, got, err)
						}
					}
					return nil
				}()
				if err != nil {
					errs <- err
				}
				mu.Lock()
				for _, b := range bodies {
					sent[b]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	calls := p.EndRun().Calls
	n := 0
	for _, c := range sent {
		n += c
	}
	if len(calls) != n {
		t.Errorf("%d calls metered, want %d", len(calls), n)
	}
	for _, c := range calls {
		if c.Error != "" || c.UsageStatus != record.UsageReported {
			t.Errorf("call %+v", c)
			break
		}
	}
	for _, r := range ul.take() {
		b := r[strings.Index(r, " {")+1:]
		b = strings.Replace(b, `"stream_options":{"include_usage":true},`, "", 1)
		if sent[b]--; sent[b] < 0 {
			t.Errorf("the upstream got %q, not sent (or twice)", r)
		}
	}
	for b, c := range sent {
		if c != 0 {
			t.Errorf("%q: the upstream missed it", b)
		}
	}
}

// The next request sent while a call is under way: the hang-up watch reads
// its first byte, which must still open that request, in its place.
func TestRedTeamNextRequestDuringACall(t *testing.T) {
	release := make(chan struct{})
	got := make(chan struct{}, 2)
	fx := newFixture()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "hold") {
			got <- struct{}{}
			<-release
		}
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		fx.ServeHTTP(w, r)
	}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	nc, br := dialProxy(t, p)
	for _, stream := range []bool{false, true} {
		first := `{"model":"hold","stream":` + strconv.FormatBool(stream) + `,"messages":[]}`
		io.WriteString(nc, post("/v1/chat/completions", first))
		within(t, got, "the upstream's call")
		io.WriteString(nc, post("/v1/chat/completions", leanChat))
		// Wait until the watch has read the next request's first byte.
		srv := p.eps[0].srv
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			has := false
			srv.mu.Lock()
			for c := range srv.conns {
				c.mu.Lock()
				has = has || c.hasByte
				c.mu.Unlock()
			}
			srv.mu.Unlock()
			if has {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the watch never read the next request's first byte")
			}
		}
		release <- struct{}{}
		want := map[bool]string{false: fxChat, true: fxChatStream(false)}[stream]
		if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != want {
			t.Errorf("stream=%v: first answer %d %q", stream, resp.StatusCode, body)
		}
		if resp, body := readAnswer(t, br); resp.StatusCode != 200 || body != fxChat {
			t.Errorf("stream=%v: next answer %d %q", stream, resp.StatusCode, body)
		}
	}
	calls := p.EndRun().Calls
	if len(calls) != 4 {
		t.Fatalf("%d calls, want 4", len(calls))
	}
	for _, c := range calls {
		if c.Error != "" || c.UsageStatus != record.UsageReported {
			t.Errorf("call %+v", c)
		}
	}
}
