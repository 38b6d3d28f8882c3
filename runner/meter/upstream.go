package meter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// h1Transport is the upstream transport for plain-http upstreams that no
// HTTP proxy stands in front of (the simulator, a local model server): HTTP/1.1
// on kept-alive connections, each request written and its answer read on the
// caller's goroutine. http.Transport passes every request to a writer
// goroutine and every answer back from a reader goroutine; on a loopback
// upstream those hand-offs cost more CPU and latency than the metering does.
// The parsing is net/http's own (Request.Write, ReadResponse); a request that
// meets a kept-alive connection the upstream closed is sent again when
// http.Transport would send it again (retryable). Everything else goes to
// next: https, proxied hosts, protocol upgrades, bodies over
// h1MaxBody and bodies that could not be sent again (uploads of the requests
// that are not metered).
type h1Transport struct {
	next          *http.Transport
	dial          func(ctx context.Context, network, addr string) (net.Conn, error)
	headerTimeout time.Duration
	timeouts      *watchdog // the alarms of headerTimeout (not runtime timers: see watchdog)

	direct sync.Map // host -> bool: no proxy from the environment

	mu     sync.Mutex
	idle   map[string][]*h1Conn // by host:port, most recent last
	closed bool
}

const (
	h1MaxIdle     = 128 // idle connections kept per upstream, as next keeps
	h1IdleTimeout = 50 * time.Second
)

type h1Conn struct {
	nc       net.Conn
	addr     string
	br       *bufio.Reader
	bw       *bufio.Writer
	idleAt   time.Time
	canceled atomic.Bool // the request's context ended: the deadline is in the past
	timeout  *alarm      // headerTimeout: it puts the read deadline in the past
	reused   bool        // it carried a request before this one
	// Bytes read and written, to tell whether a failed request may be sent
	// again (retryable).
	nread, nwrite int64
}

type connReader struct{ pc *h1Conn }

func (r connReader) Read(p []byte) (int, error) {
	n, err := r.pc.nc.Read(p)
	r.pc.nread += int64(n)
	return n, err
}

type connWriter struct{ pc *h1Conn }

func (w connWriter) Write(p []byte) (int, error) {
	n, err := w.pc.nc.Write(p)
	w.pc.nwrite += int64(n)
	return n, err
}

func newUpstreamTransport(next *http.Transport) *h1Transport {
	return &h1Transport{next: next, dial: next.DialContext, headerTimeout: next.ResponseHeaderTimeout,
		timeouts: newWatchdog(next.ResponseHeaderTimeout / 10), idle: map[string][]*h1Conn{}}
}

// h1MaxBody is the largest request body h1Transport sends. An upstream may
// answer a larger one before reading it all and close (a 413); writing on,
// the proxy would meet the connection's reset and lose that answer, which
// http.Transport, reading while it writes, keeps. (An upstream drains a
// smaller body before closing: Go's server 256 KiB.)
const h1MaxBody = 256 << 10

func (t *h1Transport) handles(req *http.Request) bool {
	if req.URL.Scheme != "http" || headerValue(req.Header, "Upgrade") != "" || req.ContentLength > h1MaxBody ||
		(req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return false
	}
	host := req.URL.Host
	if d, ok := t.direct.Load(host); ok {
		return d.(bool)
	}
	d := true
	if t.next.Proxy != nil {
		u, err := t.next.Proxy(req)
		d = err == nil && u == nil
	}
	t.direct.Store(host, d)
	return d
}

func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.handles(req) {
		return t.next.RoundTrip(req)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	for {
		pc, err := t.get(req.Context(), addr)
		if err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
		w0, r0 := pc.nwrite, pc.nread
		resp, err := t.roundTrip(pc, req)
		if err == nil {
			return resp, nil
		}
		pc.nc.Close()
		if pc.canceled.Load() && req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		if !pc.reused || !retryable(req, err, pc.nwrite == w0, pc.nread == r0) {
			return nil, err
		}
		if req, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

// retryable says whether req, which failed with err on a kept-alive
// connection, may go again on another: as http.Transport decides, when
// nothing of it was written (and its body can be sent again), or when it is
// idempotent (by method or an Idempotency-Key header) and the upstream
// closed without a byte of answer, the keep-alive race (the upstream closed
// the idle connection as the request went out). A POST that may have
// reached the upstream is not sent twice: it could be an LLM call billed
// twice.
func retryable(req *http.Request, err error, nothingWritten, nothingRead bool) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false // the upstream took too long: a retry would wait as long
	}
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if nothingWritten {
		return rewindable
	}
	if !rewindable || !nothingRead {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

// rewind returns req with its body to be read again from the start.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := *req
	r.Body = body
	return &r, nil
}

// get returns an idle connection to addr that the upstream has not closed, or
// a new one.
func (t *h1Transport) get(ctx context.Context, addr string) (*h1Conn, error) {
	for {
		t.mu.Lock()
		l := t.idle[addr]
		if len(l) == 0 {
			t.mu.Unlock()
			break
		}
		pc := l[len(l)-1]
		l[len(l)-1] = nil
		t.idle[addr] = l[:len(l)-1]
		t.mu.Unlock()
		// Checked outside the lock: the peek is a system call.
		if time.Since(pc.idleAt) < h1IdleTimeout && alive(pc.nc) {
			pc.reused = true
			return pc, nil
		}
		pc.nc.Close()
	}
	nc, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	pc := &h1Conn{nc: nc, addr: addr}
	pc.timeout = t.timeouts.alarm(func() { pc.nc.SetReadDeadline(longAgo) })
	pc.br = bufio.NewReaderSize(connReader{pc}, 32<<10)
	pc.bw = bufio.NewWriterSize(connWriter{pc}, 32<<10)
	return pc, nil
}

// put keeps pc for the next request, or closes it.
func (t *h1Transport) put(pc *h1Conn) {
	pc.idleAt = time.Now()
	t.mu.Lock()
	if !t.closed && len(t.idle[pc.addr]) < h1MaxIdle {
		t.idle[pc.addr] = append(t.idle[pc.addr], pc)
		pc = nil
	}
	t.mu.Unlock()
	if pc != nil {
		pc.nc.Close()
	}
}

// CloseIdleConnections closes the idle connections of both transports.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*h1Conn{}
	t.mu.Unlock()
	for _, l := range idle {
		for _, pc := range l {
			pc.nc.Close()
		}
	}
	t.next.CloseIdleConnections()
}

// close closes the idle connections and keeps none from now on.
func (t *h1Transport) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.CloseIdleConnections()
}

var longAgo = time.Unix(1, 0)

func (pc *h1Conn) setReadDeadline(d time.Time) {
	pc.nc.SetReadDeadline(d)
	if pc.canceled.Load() {
		pc.nc.SetDeadline(longAgo) // the cancel came between: it wins
	}
}

func (t *h1Transport) roundTrip(pc *h1Conn, req *http.Request) (*http.Response, error) {
	stop := context.AfterFunc(req.Context(), func() {
		pc.canceled.Store(true)
		pc.nc.SetDeadline(longAgo)
	})
	fail := func(err error) (*http.Response, error) {
		stop()
		if t.headerTimeout > 0 {
			pc.timeout.disarm()
		}
		return nil, err
	}
	if t.headerTimeout > 0 {
		pc.timeout.arm(t.headerTimeout)
	}
	werr := writeRequest(pc.bw, req)
	if werr == nil {
		werr = pc.bw.Flush()
	}
	// An upstream may answer and close before it has read the whole request
	// (a 413): its answer, if it came, is what the client gets.
	var ne *net.OpError
	if werr != nil && !errors.As(werr, &ne) {
		return fail(werr) // not the connection's error: no answer is coming
	}
	var resp *http.Response
	for {
		var err error
		if resp, err = http.ReadResponse(pc.br, req); err != nil {
			if werr != nil {
				err = werr
			}
			return fail(err)
		}
		// An interim answer (103 Early Hints) precedes the real one; 100
		// cannot come, Expect is not forwarded.
		if resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if t.headerTimeout > 0 && pc.timeout.disarm() {
		pc.setReadDeadline(time.Time{}) // it went off as the answer came: the answer stands
	}
	resp.Body = &h1Body{rc: resp.Body, t: t, pc: pc, keep: !resp.Close && werr == nil, stop: stop}
	return resp, nil
}

// h1Body hands its connection back when read to the end, and closes it when
// closed before.
type h1Body struct {
	rc   io.ReadCloser
	t    *h1Transport
	pc   *h1Conn
	keep bool
	stop func() bool
	done bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish(err == io.EOF)
	}
	return n, err
}

func (b *h1Body) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

func (b *h1Body) finish(whole bool) {
	b.done = true
	stopped := b.stop()
	if whole && b.keep && stopped && b.pc.br.Buffered() == 0 {
		b.t.put(b.pc)
		return
	}
	b.pc.nc.Close()
}

// writeRequest writes req's head and body to bw as req.Write does, by hand
// for the requests the proxy sends (a body of known length, a plain host, no
// trailers): Request.Write's fmt calls and sorted headers cost a tenth of
// the proxy's instructions per call. Header order aside, the bytes are the
// same.
func writeRequest(bw *bufio.Writer, req *http.Request) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	uri := req.URL.RequestURI()
	n := req.ContentLength
	hasBody := req.Body != nil && req.Body != http.NoBody
	if !plainHost(host) || !plainURI(uri) || len(req.TransferEncoding) > 0 || req.Trailer != nil ||
		(hasBody && n <= 0) || (!hasBody && n != 0) || req.Method == "CONNECT" {
		return req.Write(bw)
	}
	if hasBody {
		defer req.Body.Close()
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	bw.WriteString(uri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	ua, ok := req.Header["User-Agent"]
	switch {
	case !ok:
		bw.WriteString("User-Agent: Go-http-client/1.1\r\n")
	case len(ua) > 0 && ua[0] != "":
		writeField(bw, "User-Agent", ua[0])
	}
	if req.Close && !hasToken(req.Header["Connection"], "close") {
		bw.WriteString("Connection: close\r\n")
	}
	if n > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), n, 10))
		bw.WriteString("\r\n")
	}
	for k, vv := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		if !validFieldName(k) {
			continue // as Request.Write drops it
		}
		for _, v := range vv {
			writeField(bw, k, v)
		}
	}
	if _, err := bw.WriteString("\r\n"); err != nil {
		return err
	}
	if !hasBody {
		return nil
	}
	m, err := bw.ReadFrom(io.LimitReader(req.Body, n))
	if err != nil {
		return err
	}
	var extra [1]byte
	if k, _ := io.ReadFull(req.Body, extra[:]); m != n || k > 0 {
		return fmt.Errorf("http: ContentLength=%d with Body length %d", n, m+int64(k))
	}
	return nil
}

// writeField writes "k: v\r\n" with v's line breaks made spaces and its
// ends trimmed, as Header.Write does.
func writeField(bw *bufio.Writer, k, v string) {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	}
	v = textproto.TrimString(v)
	bw.WriteString(k)
	bw.WriteString(": ")
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

// plainHost says whether host is a host[:port] of ASCII letters, digits and
// the punctuation of names and IP addresses: one that Request.Write would
// write unchanged (no IDNA, no IPv6 zone).
func plainHost(host string) bool {
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// plainURI says whether uri has no control byte or space (Request.Write
// refuses one).
func plainURI(uri string) bool {
	for i := 0; i < len(uri); i++ {
		if uri[i] <= ' ' || uri[i] == 0x7f {
			return false
		}
	}
	return true
}

// validFieldName says whether k is an RFC 9110 token, as a header's name
// must be.
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !tokenByte[k[i]] {
			return false
		}
	}
	return true
}

var tokenByte = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// hasToken says whether a comma-separated header value names token.
func hasToken(vv []string, token string) bool {
	for _, v := range vv {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(textproto.TrimString(f), token) {
				return true
			}
		}
	}
	return false
}
