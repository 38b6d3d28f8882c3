package meter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
)

const (
	maxRequest  = 64 << 20 // larger metered request bodies are refused (413)
	maxBody     = 32 << 20 // non-streamed responses larger than this go unmetered
	maxLine     = 16 << 20 // longer stream lines are skipped
	copyBufSize = 32 << 10
)

var identity = []string{"identity"}

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// hopHeaders are not forwarded (RFC 9110 §7.6.1), nor is the proxy's own header
// and Expect (the proxy has already read the body).
var hopHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
	"Upgrade": true, "Expect": true, PhaseHeader: true,
}

func copyHeader(dst, src http.Header) {
	var conn []string
	if c := src["Connection"]; len(c) > 0 {
		for _, v := range c {
			for _, f := range strings.Split(v, ",") {
				conn = append(conn, http.CanonicalHeaderKey(strings.TrimSpace(f)))
			}
		}
	}
	for k, vv := range src {
		if hopHeaders[k] {
			continue
		}
		skip := false
		for _, c := range conn {
			if c == k {
				skip = true
			}
		}
		if !skip {
			dst[k] = vv
		}
	}
}

// headerValue is h.Get(key) for a key in canonical form, as the headers that
// net/http parses (and http.Header.Set) keep theirs: without Get's
// canonicalising of the key, a few percent of a proxied call.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// target is the upstream URL of a request.
func (e *endpoint) target(r *http.Request) *url.URL {
	u := *e.upstream
	u.Path = upstreamPath(e.api, e.upstream.Path, r.URL.Path)
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	return &u
}

// newOutRequest is the request to the upstream for r, with body and r's
// end-to-end headers: what http.NewRequestWithContext would make, built
// directly (that parses an empty URL and checks the method, a few
// percent of the proxy's instructions per call).
func (e *endpoint) newOutRequest(r *http.Request, body []byte) *http.Request {
	out := &http.Request{
		Method:     r.Method,
		URL:        e.target(r),
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, len(r.Header)+1),
		Host:       e.upstream.Host,
	}
	copyHeader(out.Header, r.Header)
	if len(body) > 0 {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	} else {
		out.Body = http.NoBody
		out.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	return out.WithContext(r.Context())
}

// reqMeta is what the proxy reads from a request body.
type reqMeta struct {
	Model         string          `json:"model"`
	Stream        *bool           `json:"stream"`
	StreamOptions json.RawMessage `json:"stream_options"`
}

var reqMetaKeys = jsonKeys(reflect.TypeFor[reqMeta]())

// readBody reads a request body of up to limit bytes (one more tells that it
// is longer), in one allocation when the length is announced.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	n := int64(512)
	if r.ContentLength >= 0 {
		n = min(r.ContentLength, limit) + 1 // +1: the read that sees EOF needs no growth
	}
	b := make([]byte, 0, n)
	lr := io.LimitReader(r.Body, limit+1)
	for {
		m, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// metered says whether a request is a call the proxy meters.
func (e *endpoint) metered(method, path string) bool {
	if method != http.MethodPost {
		return false
	}
	n, _, ok := llmapi.Route(e.api, path)
	return ok && decoders[n] != nil
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	var name llmapi.Endpoint
	var pathModel string
	var dec decoder
	if r.Method == http.MethodPost {
		if n, m, ok := llmapi.Route(e.api, r.URL.Path); ok {
			name, pathModel, dec = n, m, decoders[n] // nil: a kind no decoder reads
		}
	}
	if dec == nil {
		// In full duplex: else the server, on writing the answer's head,
		// reads out and closes a request body the upstream is still
		// reading, and the answer is cut (an upload reporting progress).
		http.NewResponseController(w).EnableFullDuplex()
		e.passer.ServeHTTP(w, r)
		return
	}
	run := e.p.begin()
	if run != nil {
		defer run.inflight.Add(-1)
	}
	body, err := readBody(r, maxRequest)
	r.Body.Close()
	if err != nil {
		proxyError(w, http.StatusBadRequest, "reading the request: "+err.Error())
		return
	}
	if len(body) > maxRequest {
		proxyError(w, http.StatusRequestEntityTooLarge, "request body larger than 64 MiB")
		return
	}
	c := &call{dec: dec, rec: record.Call{API: e.api, Endpoint: string(name), Model: pathModel}, t0: t0, reqBody: body}
	var meta reqMeta
	if pathModel == "" { // Gemini names the model in the path and streams by verb
		if !fastReqMeta(body, &meta) {
			meta = reqMeta{}
			decodeMembers(body, reqMetaKeys, &meta) // a body that is not JSON is forwarded for the upstream to refuse
		}
		c.rec.Model = meta.Model
	}
	c.stream, c.geminiArray = dec.streamed(r, &meta)
	c.rec.Stream = c.stream
	if c.stream && (name == llmapi.ChatCompletions || name == llmapi.Completions) && !includesUsage(meta.StreamOptions) {
		if nb, ok := addIncludeUsage(body, meta.StreamOptions); ok {
			body, c.rewrote = nb, true
		}
	}
	if run != nil {
		c.rec.Phase = headerValue(r.Header, PhaseHeader)
		if c.rec.Phase != "" && e.p.phases != nil && !e.p.phases[c.rec.Phase] {
			c.rec.UndeclaredPhase, c.rec.Phase = c.rec.Phase, ""
		}
		if c.rec.Phase == "" && run.phase != nil {
			c.rec.Phase = run.phase()
		}
		c.rec.Start = t0.Sub(run.start).Seconds()
	}

	out := e.newOutRequest(r, body)
	out.Header["Accept-Encoding"] = identity

	resp, err := e.rt.RoundTrip(out)
	if err != nil {
		why := describe(err)
		c.rec.Error = "refused"
		switch {
		case r.Context().Err() != nil:
			c.rec.Error = "canceled"
		case why == "timeout":
			c.rec.Error = "timeout"
			proxyError(w, http.StatusGatewayTimeout, "upstream "+redact.String(e.upstream.Redacted())+" did not answer: timeout")
		default:
			proxyError(w, http.StatusBadGateway, "upstream "+redact.String(e.upstream.Redacted())+" unreachable: "+why)
		}
		c.finish(run)
		return
	}
	defer resp.Body.Close()
	if cls := headerValue(resp.Header, CallErrorHeader); cls != "" {
		c.rec.Error = cls
		resp.Header.Del(CallErrorHeader)
	}
	c.rec.Status = resp.StatusCode
	c.ttfb = time.Since(t0)
	c.ok = resp.StatusCode >= 200 && resp.StatusCode < 300
	c.gzip = headerValue(resp.Header, "Content-Encoding") != ""
	copyHeader(w.Header(), resp.Header)
	if c.rewrote {
		w.Header().Del("Content-Length")
	}
	w.WriteHeader(resp.StatusCode)
	// Streams (and bodies of unknown length) are flushed read by read; a body of
	// known length goes out in as few writes as the server's buffer allows.
	var fl http.Flusher
	if c.stream || resp.ContentLength < 0 {
		fl, _ = w.(http.Flusher)
	}

	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var readErr error
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			fwd := c.feed(buf[:n])
			if len(fwd) > 0 {
				if _, werr := w.Write(fwd); werr != nil {
					c.clientGone = true
					break
				}
				if fl != nil {
					fl.Flush()
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
	}
	if readErr != nil && r.Context().Err() != nil {
		c.clientGone = true // the client left mid-body, which canceled the upstream read
	}
	if tail := c.flushTail(); len(tail) > 0 && !c.clientGone {
		w.Write(tail)
	}
	c.readErr = readErr
	c.finish(run)
	c.releaseBody()
	if readErr != nil && !c.clientGone {
		// The upstream cut the body: cut the client's too, so it sees what the
		// upstream did rather than a clean end.
		panic(http.ErrAbortHandler)
	}
}

// newPasser forwards the requests that are not metered (model lists, uploads, an
// Upgrade) with httputil.ReverseProxy: off the metered path its extra cost
// per request does not matter, and it brings what a plain copy loop lacks
// (protocol switches, trailers, 1xx responses).
func (e *endpoint) newPasser() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = e.target(pr.In)
			pr.Out.Host = e.upstream.Host
			// Forwarded as they came, as the metered path does (Rewrite
			// drops them).
			for _, k := range forwardedHeaders {
				if v, ok := pr.In.Header[k]; ok {
					pr.Out.Header[k] = v
				}
			}
			pr.Out.Header.Del("Expect")
			pr.Out.Header.Del(PhaseHeader)
		},
		Transport: e.rt,
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Del(CallErrorHeader)
			return nil
		},
		BufferPool: bufPoolAdapter{},
		ErrorLog:   log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				proxyError(w, http.StatusBadGateway, "upstream "+redact.String(e.upstream.Redacted())+" unreachable: "+describe(err))
			}
		},
	}
}

var forwardedHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

// bufPoolAdapter lends ReverseProxy the copy buffers of the metered path.
type bufPoolAdapter struct{}

func (bufPoolAdapter) Get() []byte  { return *bufPool.Get().(*[]byte) }
func (bufPoolAdapter) Put(b []byte) { bufPool.Put(&b) }

// describe says why the upstream could not be reached, without its URL (which
// may carry a key).
func describe(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "no such host " + dnsErr.Name
	}
	return redact.String(unwrapAll(err).Error())
}

func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// proxyError answers for the proxy itself in the OpenAI error shape, which
// every SDK reports readably.
func proxyError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": "runner metering proxy: " + msg, "type": "proxy_error", "param": nil, "code": nil}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func includesUsage(opts json.RawMessage) bool {
	if len(opts) == 0 {
		return false
	}
	var o struct {
		IncludeUsage bool `json:"include_usage"`
	}
	json.Unmarshal(opts, &o)
	return o.IncludeUsage
}

// addIncludeUsage returns body with stream_options.include_usage set to true,
// everything else intact: inserted as the first member when the request has no
// stream_options, else the object is re-encoded.
func addIncludeUsage(body []byte, opts json.RawMessage) ([]byte, bool) {
	if len(opts) == 0 {
		i := bytes.IndexByte(body, '{')
		if i < 0 || len(bytes.TrimSpace(body[:i])) > 0 {
			return nil, false
		}
		sep := ","
		if rest := bytes.TrimSpace(body[i+1:]); len(rest) > 0 && rest[0] == '}' {
			sep = ""
		}
		nb := make([]byte, 0, len(body)+40)
		nb = append(nb, body[:i+1]...)
		nb = append(nb, `"stream_options":{"include_usage":true}`...)
		nb = append(nb, sep...)
		nb = append(nb, body[i+1:]...)
		return nb, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, false
	}
	so := map[string]json.RawMessage{}
	json.Unmarshal(opts, &so) // null or not an object: start afresh
	if so == nil {
		so = map[string]json.RawMessage{}
	}
	so["include_usage"] = json.RawMessage("true")
	b, err := json.Marshal(so)
	if err != nil {
		return nil, false
	}
	m["stream_options"] = b
	nb, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	return nb, true
}
