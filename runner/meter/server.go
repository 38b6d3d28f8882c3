package meter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/internal/connqueue"
)

// server is the proxy's HTTP/1.1 server. Measured with callgrind, net/http's
// server cost more per metered call than the metering did (its request
// parsing, a goroutine per request watching for a hang-up, a response
// writer and context per request): here one goroutine per connection
// parses the request head by hand from its own buffer, builds the
// *http.Request the handler takes and writes the response head by hand,
// as net/http writes it (status line, Date, Content-Length of a short body,
// chunked otherwise, Connection, Content-Type sniffing).
//
// It serves only the metered calls, in the common form real clients send:
// POST to a metered path, an origin-form URI without escapes, HTTP/1.0 or
// 1.1, a Content-Length or a chunked body, Expect: 100-continue. Any other
// request (what is not metered, an Upgrade, HTTP/2 prior knowledge, a head
// larger than the read buffer, a malformed one) hands its connection,
// bytes read included, to net/http's server, which answers it as it did
// before (its status codes and error bodies).
//
// A client that hangs up cancels the call as under net/http: a read on the
// connection watches for it once the request body has been read. That
// watch starts after watchAfter, not at once: a call that ends sooner does
// not pay its goroutine.
//
// The hang-up watch and the deadlines of request heads and idle
// connections are alarms of two watchdogs, not runtime timers: a fine one
// for the watch, a coarse one for the timeouts (see watchdog).
type server struct {
	handler  http.Handler
	lean     func(method, path string) bool // served here; else net/http's
	fallback *http.Server
	queue    *connqueue.Queue // net/http's listener: the connections handed over
	// net/http's server's ReadHeaderTimeout and IdleTimeout, as the
	// package's variables were when it was made.
	readHeaderTimeout, idleTimeout time.Duration
	watches, timeouts              *watchdog

	mu     sync.Mutex
	ln     net.Listener
	conns  map[*serverConn]struct{}
	closed bool
}

const (
	serverBufSize = 8 << 10 // a request head must fit (else net/http serves the connection)
	// A pending response body up to this size gets a Content-Length when the
	// handler ends before it fills it, as net/http's response buffer does.
	bufferBeforeChunking = 2048
	// net/http reads up to this much of a body the handler left unread to
	// keep the connection; more, and it closes it.
	maxPostHandlerReadBytes = 256 << 10
)

// watchAfter is how long a call runs, after its request body was read,
// before a read on the client's connection watches for a hang-up (to a
// watchdog's tick, watchAfter again, later). A hang-up sooner is seen at
// that point (or at a failed write).
var watchAfter = 5 * time.Millisecond

// How long a connection may take to send a request's head (from its
// start for its first request), and wait for its next request.
var (
	readHeaderTimeout = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

func newServer(h http.Handler, lean func(method, path string) bool) *server {
	s := &server{handler: h, lean: lean, conns: map[*serverConn]struct{}{},
		readHeaderTimeout: readHeaderTimeout, idleTimeout: idleTimeout,
		watches: newWatchdog(watchAfter), timeouts: newWatchdog(min(readHeaderTimeout, idleTimeout) / 10)}
	s.fallback = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.readHeaderTimeout,
		IdleTimeout:       s.idleTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	return s
}

// Serve accepts connections on ln until Close.
func (s *server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.queue = connqueue.New(ln.Addr())
	s.mu.Unlock()
	go s.fallback.Serve(s.queue)
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return http.ErrServerClosed
			}
			// As net/http: wait, and try again (too many open files, say).
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			return http.ErrServerClosed
		}
		go c.serve()
	}
}

func (s *server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close closes the listener and every connection, ending the calls in
// flight (their context is canceled), as http.Server.Close does.
func (s *server) Close() error {
	s.mu.Lock()
	s.closed = true
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	for c := range s.conns {
		c.cancel()
		c.nc.Close()
	}
	s.mu.Unlock()
	s.fallback.Close()
	return err
}

func (s *server) newConn(nc net.Conn) *serverConn {
	c := &serverConn{s: s, nc: nc, hdr: http.Header{}, remote: nc.RemoteAddr().String()}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.br = bufio.NewReaderSize(clientReader{c}, serverBufSize)
	c.bw = bufio.NewWriterSize(clientWriter{c}, 32<<10)
	c.res.c = c
	c.res.header = http.Header{}
	c.res.buf = make([]byte, 0, bufferBeforeChunking)
	c.body.c = c
	c.cond.L = &c.mu
	c.watchAlarm = s.watches.alarm(func() { go c.backgroundRead() })
	c.deadline = s.timeouts.alarm(func() { c.nc.SetReadDeadline(longAgo) })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.conns[c] = struct{}{}
	return c
}

func (s *server) forget(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// serverConn is one client connection of the lean server.
type serverConn struct {
	s      *server
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	ctx    context.Context // the calls' context: canceled when the client hangs up, or on Close
	cancel context.CancelFunc
	remote string
	werr   error // a write to the client failed

	// The request being served and its parts, reused request after request.
	req  http.Request
	u    url.URL
	hdr  http.Header
	res  response
	body reqBody

	// The deadline of a request head or of an idle wait, on the read side.
	deadline *alarm

	// The hang-up watch (watch, unwatch, backgroundRead).
	mu         sync.Mutex
	cond       sync.Cond
	state      int // watchIdle, watchArmed, watchReading
	aborting   bool
	watchAlarm *alarm
	hasByte    bool // the watch read a byte of the next request
	byteBuf    [1]byte
	gone       bool // the client hung up
}

const (
	watchIdle = iota
	watchArmed
	watchReading
)

// clientReader reads the connection, after the byte the watch read.
type clientReader struct{ c *serverConn }

func (r clientReader) Read(p []byte) (int, error) {
	c := r.c
	if c.hasByte {
		if len(p) == 0 {
			return 0, nil
		}
		p[0] = c.byteBuf[0]
		c.hasByte = false
		return 1, nil
	}
	return c.nc.Read(p)
}

// clientWriter writes to the connection; a failed write cancels the call, as
// net/http's checkConnErrorWriter does.
type clientWriter struct{ c *serverConn }

func (w clientWriter) Write(p []byte) (int, error) {
	n, err := w.c.nc.Write(p)
	if err != nil && w.c.werr == nil {
		w.c.werr = err
		w.c.cancel()
	}
	return n, err
}

// watch arms the hang-up watch: after watchAfter, a read on the connection.
func (c *serverConn) watch() {
	c.mu.Lock()
	if c.state == watchIdle {
		c.state = watchArmed
		c.watchAlarm.arm(watchAfter)
	}
	c.mu.Unlock()
}

// backgroundRead reads a byte: an end of file or an error is the client
// hanging up, which cancels the call; a byte is the next request's.
func (c *serverConn) backgroundRead() {
	c.mu.Lock()
	if c.state != watchArmed {
		c.mu.Unlock()
		return
	}
	c.state = watchReading
	c.mu.Unlock()
	n, err := c.nc.Read(c.byteBuf[:])
	c.mu.Lock()
	if n == 1 {
		c.hasByte = true
	}
	var ne net.Error
	if errors.As(err, &ne) && c.aborting && ne.Timeout() {
		// unwatch's deadline
	} else if err != nil {
		c.gone = true
		c.cancel()
	}
	c.state = watchIdle
	c.cond.Broadcast()
	c.mu.Unlock()
}

// unwatch ends the watch before the connection is read again.
func (c *serverConn) unwatch() {
	c.watchAlarm.disarm()
	c.mu.Lock()
	switch c.state {
	case watchArmed:
		c.state = watchIdle // a watch that went off returns at once
	case watchReading:
		c.aborting = true
		c.nc.SetReadDeadline(longAgo)
		for c.state == watchReading {
			c.cond.Wait()
		}
		c.aborting = false
		c.nc.SetReadDeadline(time.Time{})
	}
	c.mu.Unlock()
}

// serve serves the connection's requests until it closes or is handed to
// net/http.
func (c *serverConn) serve() {
	handed := false
	defer func() {
		// A handler's panic (http.ErrAbortHandler: the upstream cut the
		// body) ends the connection, as under net/http, whose log of it
		// went nowhere.
		recover()
		c.unwatch()
		c.cancel()
		c.s.forget(c)
		if !handed {
			c.bw.Flush() // what was written goes, as net/http's final flush
			if c.body.earlyClose && c.werr == nil {
				c.lingerClose()
			}
			c.nc.Close()
		}
	}()
	for first := true; ; first = false {
		head, ok := c.readHead(first)
		if head == nil && !ok {
			return
		}
		if ok {
			ok = c.parse(head)
		}
		if !ok {
			handed = c.handOver()
			return
		}
		if !c.serveRequest() {
			return
		}
	}
}

// rstAvoidanceDelay is how long a connection closed with its request body
// unread reads on, as net/http's server waits.
const rstAvoidanceDelay = 500 * time.Millisecond

// lingerClose prepares the close of a connection whose request body was
// left unread (a 413): closed at once, with the client's bytes unread,
// it is reset, and a client still sending loses the answer. As net/http's
// closeWriteAndWait, the end of the answer is sent (FIN); then what the
// client still sends is read and dropped, for rstAvoidanceDelay at most.
func (c *serverConn) lingerClose() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(rstAvoidanceDelay))
	io.Copy(io.Discard, c.nc)
}

// readHead waits for the next request and returns its head (request line,
// fields and the blank line) in the read buffer, not yet consumed; ok false
// with a head says to hand the connection over, and with none to close it.
// As under net/http, the first request's head must come whole within
// readHeaderTimeout of the connection's start; a next one must start
// within idleTimeout, then come whole within readHeaderTimeout.
func (c *serverConn) readHead(first bool) (head []byte, ok bool) {
	// The deadline is an alarm that puts the read deadline in the past.
	armed := false          // to be disarmed once the head is in
	headerDeadline := false // the head's own
	defer func() {
		if armed && c.deadline.disarm() && head != nil {
			c.nc.SetReadDeadline(time.Time{}) // it went off as the head came in
		}
	}()
	if first {
		c.deadline.arm(c.s.readHeaderTimeout)
		armed, headerDeadline = true, true
	}
	if c.br.Buffered() == 0 && !c.hasByte {
		if !first {
			c.deadline.arm(c.s.idleTimeout)
			armed = true
		}
		if _, err := c.br.Peek(1); err != nil {
			return nil, false
		}
	}
	scanned := 0
	for {
		buf, _ := c.br.Peek(c.br.Buffered())
		for {
			i := bytes.IndexByte(buf[scanned:], '\n')
			if i < 0 {
				break
			}
			end := scanned + i
			if end == 0 || buf[end-1] != '\r' {
				return buf, false // a bare LF: net/http's
			}
			if end-scanned == 1 { // an empty line
				if scanned == 0 {
					return buf, false
				}
				return buf[:end+1], true
			}
			scanned = end + 1
		}
		if len(buf) == c.br.Size() {
			return buf, false // larger than the buffer: net/http's
		}
		if !headerDeadline {
			c.deadline.arm(c.s.readHeaderTimeout)
			armed, headerDeadline = true, true
		}
		if _, err := c.br.Peek(len(buf) + 1); err != nil {
			var ne net.Error
			if len(buf) == 0 || errors.As(err, &ne) && ne.Timeout() {
				return nil, false
			}
			buf, _ = c.br.Peek(c.br.Buffered())
			return buf, false // cut short: net/http answers it as before
		}
	}
}

// handOver gives the connection, with what was read, to net/http's server.
func (c *serverConn) handOver() bool {
	c.nc.SetReadDeadline(time.Time{})
	return c.s.queue.Push(connqueue.WithReader(c.nc, c.br)) // its reads start with what was read and not used
}

var chunkedTE = []string{"chunked"}

// parse reads a request head into c's request; false: net/http is to serve
// it. The checks are net/http's, or stricter.
func (c *serverConn) parse(b []byte) bool {
	if len(b) < 5 || string(b[:5]) != "POST " { // before anything is allocated
		return false
	}
	head := string(b) // the request's strings are parts of it
	line, rest, _ := strings.Cut(head, "\r\n")
	method, line, ok1 := strings.Cut(line, " ")
	uri, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || len(uri) == 0 || uri[0] != '/' {
		return false
	}
	var minor int
	switch proto {
	case "HTTP/1.1":
		minor = 1
	case "HTTP/1.0":
	default:
		return false
	}
	path, query, hasQuery := strings.Cut(uri, "?")
	for i := 0; i < len(uri); i++ {
		if ch := uri[i]; ch <= ' ' || ch == 0x7f || ch == '#' || ch == '%' && i < len(path) {
			return false // unescaping and fragments: net/http's
		}
	}
	if !c.s.lean(method, path) {
		return false
	}
	h := c.hdr
	clear(h)
	strs := make([]string, strings.Count(rest, "\r\n")-1)
	var host, cl, te, expect string
	hosts := 0
	hasCL, hasTE := false, false // seen, if empty: net/http refuses an empty one
	for rest != "\r\n" {
		var l string
		l, rest, _ = strings.Cut(rest, "\r\n")
		k, v, ok := strings.Cut(l, ":")
		if !ok || !validFieldName(k) || !validFieldValue(v) {
			return false // an obs-fold line too: it starts with a space
		}
		v = textproto.TrimString(v)
		if !canonicalKey(k) {
			k = http.CanonicalHeaderKey(k)
		}
		switch k {
		case "Host": // the request's Host, not a header, as net/http has it
			host = v
			hosts++
			continue
		case "Transfer-Encoding":
			if hasTE || v == "" {
				return false
			}
			te, hasTE = v, true
			continue
		case "Content-Length":
			if hasCL || v == "" {
				return false
			}
			cl, hasCL = v, true
		case "Expect":
			expect = v
		case "Upgrade":
			return false
		}
		if vv := h[k]; vv == nil {
			strs[0] = v
			h[k] = strs[:1:1]
			strs = strs[1:]
		} else {
			h[k] = append(vv, v)
		}
	}
	if hosts > 1 || minor == 1 && hosts == 0 || hosts == 1 && !plainHost(host) {
		return false
	}
	var length int64
	var chunked io.Reader
	switch {
	case hasTE:
		if hasCL || minor == 0 || !strings.EqualFold(te, "chunked") {
			return false
		}
		length = -1
		chunked = httputil.NewChunkedReader(c.br)
	case hasCL:
		v, err := strconv.ParseUint(cl, 10, 63)
		if err != nil || cl[0] == '+' {
			return false
		}
		length = int64(v)
	}
	expectContinue := false
	if expect != "" {
		if !strings.EqualFold(expect, "100-continue") {
			return false // 417: net/http's
		}
		expectContinue = minor == 1 && length != 0
	}

	conn := h["Connection"]
	hasClose := hasToken(conn, "close")
	wants10KeepAlive := minor == 0 && !hasClose && hasToken(conn, "keep-alive")
	reqClose := hasClose || minor == 0 && !wants10KeepAlive

	c.body = reqBody{c: c, length: length, n: length, chunked: chunked, expect: expectContinue}
	r := &c.res
	hd, buf := r.header, r.buf[:0]
	clear(hd)
	*r = response{c: c, header: hd, buf: buf, contentLength: -1, is11: minor == 1,
		wants10KeepAlive: wants10KeepAlive, wantsClose: reqClose, reqLength: length}
	c.u = url.URL{Path: path, RawQuery: query, ForceQuery: hasQuery && query == ""}
	c.req = http.Request{
		Method:        method,
		URL:           &c.u,
		Proto:         proto,
		ProtoMajor:    1,
		ProtoMinor:    minor,
		Header:        h,
		Body:          &c.body,
		ContentLength: length,
		Close:         reqClose,
		Host:          host,
		RemoteAddr:    c.remote,
		RequestURI:    uri,
	}
	switch length {
	case -1:
		c.req.TransferEncoding = chunkedTE
	case 0:
		c.req.Body = http.NoBody
		c.body.eof = true
	}
	c.br.Discard(len(b))
	return true
}

// serveRequest runs the handler on the parsed request and finishes the
// response; false: the connection is to close.
func (c *serverConn) serveRequest() bool {
	if c.body.eof {
		c.watch()
	}
	c.s.handler.ServeHTTP(&c.res, c.req.WithContext(c.ctx))
	w := &c.res
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headSent {
		w.sendHead()
	}
	if w.chunking {
		c.bw.WriteString("0\r\n\r\n")
	}
	c.bw.Flush()
	c.unwatch()
	if !c.body.eof && !c.body.closed {
		c.body.Close()
	}
	return !w.closeAfter && !c.gone && c.werr == nil && !c.body.earlyClose &&
		(w.contentLength == -1 || !bodyAllowedForStatus(w.status) || w.contentLength == w.written) && c.ctx.Err() == nil
}

// canonicalKey says whether k is in canonical form (Content-Type), as
// most clients send it: no need to make it so.
func canonicalKey(k string) bool {
	upper := true
	for i := 0; i < len(k); i++ {
		ch := k[i]
		if upper && 'a' <= ch && ch <= 'z' || !upper && 'A' <= ch && ch <= 'Z' {
			return false
		}
		upper = ch == '-'
	}
	return true
}

// validFieldValue says whether v holds no control byte but a tab, as
// net/http wants of a field's value.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if ch := v[i]; ch < ' ' && ch != '\t' || ch == 0x7f {
			return false
		}
	}
	return true
}

func bodyAllowedForStatus(status int) bool {
	return !(status >= 100 && status <= 199 || status == 204 || status == 304)
}

// reqBody is a request's body: Content-Length bytes, or chunks.
type reqBody struct {
	c          *serverConn
	length     int64 // -1: chunked
	n          int64 // left to read, of a Content-Length
	chunked    io.Reader
	expect     bool // a 100 Continue is to be sent before reading
	eof        bool
	closed     bool
	earlyClose bool // closed before its end: the connection cannot go on
	err        error
}

func (b *reqBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.eof {
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	c := b.c
	if b.expect {
		b.expect = false
		c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
		c.bw.Flush()
	}
	var n int
	var err error
	if b.length >= 0 {
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err = c.br.Read(p)
		b.n -= int64(n)
		if b.n == 0 {
			err = io.EOF
		} else if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	} else {
		n, err = b.chunked.Read(p)
		if err == io.EOF {
			err = b.readTrailer()
		}
	}
	if err == io.EOF {
		b.eof = true
		c.watch()
	} else if err != nil {
		b.err = err
	}
	return n, err
}

// readTrailer reads past a chunked body's trailer fields (which the proxy
// does not use) to its end. A line that is not a field ends the body in
// error, as under net/http: it is not skipped, else a request whose body
// lacks its last blank line would swallow the next request's head.
func (b *reqBody) readTrailer() error {
	for range 100 {
		l, err := b.c.br.ReadSlice('\n')
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		l = bytes.TrimSuffix(l[:len(l)-1], []byte{'\r'})
		if len(l) == 0 {
			return io.EOF
		}
		k, v, ok := bytes.Cut(l, []byte{':'})
		if !ok || !validFieldName(string(k)) || !validFieldValue(string(v)) {
			return errMalformedTrailer
		}
	}
	return errors.New("http: too many trailer fields")
}

var errMalformedTrailer = errors.New("http: malformed trailer field")

// Close reads what is left of the body, up to net/http's limit, so that
// the connection can carry the next request.
func (b *reqBody) Close() error {
	if b.closed {
		return nil
	}
	if !b.eof && b.err == nil && !b.expect {
		if b.length >= 0 && b.n > maxPostHandlerReadBytes {
			b.earlyClose = true
		} else {
			n, _ := io.CopyN(io.Discard, b, maxPostHandlerReadBytes)
			if n == maxPostHandlerReadBytes {
				b.earlyClose = true
			}
		}
	}
	if !b.eof {
		b.earlyClose = true
	}
	b.closed = true
	return nil
}

// response is the lean server's http.ResponseWriter: its head is written as
// net/http's response writes it, for the headers the proxy's handler sets
// (never Transfer-Encoding, Trailer or Connection).
type response struct {
	c      *serverConn
	header http.Header
	buf    []byte // the body written before the head is sent

	is11, wants10KeepAlive, wantsClose bool
	reqLength                          int64

	wroteHeader, headSent, handlerDone bool
	status                             int
	contentLength, written             int64
	chunking, closeAfter               bool
	scratch                            [20]byte
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return // an interim answer: the proxy never forwards one here
	}
	w.c.body.expect = false
	w.wroteHeader = true
	w.status = code
	if cl := headerValue(w.header, "Content-Length"); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
		} else {
			delete(w.header, "Content-Length")
		}
	}
}

func (w *response) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if !w.headSent {
		if len(w.buf)+len(p) <= bufferBeforeChunking {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.sendHead()
	}
	return w.writeBody(p)
}

// Flush sends the head, if not yet sent, and what was written.
func (w *response) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headSent {
		w.sendHead()
	}
	w.c.bw.Flush()
}

func (w *response) writeBody(p []byte) (int, error) {
	bw := w.c.bw
	if w.chunking {
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(len(p)), 16))
		bw.WriteString("\r\n")
	}
	n, err := bw.Write(p)
	if w.chunking {
		_, err = bw.WriteString("\r\n")
	}
	if err != nil {
		return n, err
	}
	return n, nil
}

// sendHead writes the status line and the header fields, then what the
// body held back, deciding on the body's framing as chunkWriter.writeHeader
// does in net/http.
func (w *response) sendHead() {
	w.headSent = true
	c, h, p := w.c, w.header, w.buf
	code := w.status
	var clen []byte
	var date []byte
	var ctype, connection string
	if w.handlerDone && bodyAllowedForStatus(code) && h["Content-Length"] == nil {
		w.contentLength = int64(len(p))
		clen = strconv.AppendInt(w.scratch[:0], int64(len(p)), 10)
	}
	hasCL := w.contentLength != -1
	if w.wants10KeepAlive && (hasCL || !bodyAllowedForStatus(code)) {
		connection = "keep-alive"
	} else if !w.is11 || w.wantsClose {
		w.closeAfter = true
	}
	b := &c.body
	if b.expect && !b.eof {
		w.closeAfter = true // the client never sent the body it offered
	}
	if w.reqLength != 0 && !w.closeAfter && !b.eof {
		if b.closed {
			w.closeAfter = true // closed before its end
		} else if b.Close(); !b.eof {
			w.closeAfter = true // too much left to read
			connection = "close"
		}
	}
	skipCL, skipCT := false, false
	if bodyAllowedForStatus(code) {
		if len(p) > 0 && h["Content-Type"] == nil && headerValue(h, "Content-Encoding") == "" {
			ctype = http.DetectContentType(p)
		}
	} else {
		skipCL = true
		skipCT = code == http.StatusNotModified
	}
	if h["Date"] == nil {
		date = time.Now().UTC().AppendFormat(nil, http.TimeFormat)
	}
	if bodyAllowedForStatus(code) && code != http.StatusNoContent && !hasCL {
		if w.is11 {
			w.chunking = true
			skipCL = true
		} else {
			w.closeAfter = true
		}
	}
	if w.closeAfter && w.is11 {
		connection = "close"
	}

	bw := c.bw
	if w.is11 {
		bw.WriteString("HTTP/1.1 ")
	} else {
		bw.WriteString("HTTP/1.0 ")
	}
	bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(code), 10))
	if text := http.StatusText(code); text != "" {
		bw.WriteByte(' ')
		bw.WriteString(text)
	} else {
		bw.WriteString(" status code ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(code), 10))
	}
	bw.WriteString("\r\n")
	for k, vv := range h {
		if skipCL && k == "Content-Length" || skipCT && k == "Content-Type" || k == "Transfer-Encoding" && !bodyAllowedForStatus(code) {
			continue
		}
		for _, v := range vv {
			writeField(bw, k, v)
		}
	}
	if date != nil {
		bw.WriteString("Date: ")
		bw.Write(date)
		bw.WriteString("\r\n")
	}
	if clen != nil {
		bw.WriteString("Content-Length: ")
		bw.Write(clen)
		bw.WriteString("\r\n")
	}
	if ctype != "" {
		writeField(bw, "Content-Type", ctype)
	}
	if connection != "" {
		writeField(bw, "Connection", connection)
	}
	if w.chunking {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	bw.WriteString("\r\n")
	if len(p) > 0 {
		w.writeBody(p)
	}
	w.buf = p[:0]
}
