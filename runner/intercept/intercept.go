// Package intercept is the forward proxy of interception mode, for clients
// that read no base-URL variable and call the public API hosts directly.
//
// The workload gets HTTPS_PROXY/HTTP_PROXY pointing at a loopback forward
// proxy. A CONNECT to a known API host (api.openai.com, ...) is answered by
// the proxy itself: it terminates TLS with a leaf certificate signed by a CA
// made for this benchmark, and hands each request to the metering listener of
// that API, never dialling the host. A CONNECT to any other host is tunnelled
// untouched. Plain-HTTP requests (absolute form) to a known host:port (Ollama
// on 127.0.0.1:11434) go to its metering listener; others are forwarded as
// they are.
//
// The CA's private key lives only in this process's memory; its certificate
// and a bundle of the system roots plus it are files in the benchmark's
// scratch folder, removed at the end.
package intercept

import (
	"bufio"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/internal/connqueue"
)

//go:embed preload.cjs
var preload []byte

// Route sends the requests for one host to a metering listener.
type Route struct {
	// Host is a host name or IP, matching every port ("api.openai.com"), or
	// host:port, matching that port only ("127.0.0.1:11434").
	Host string
	// Target is the root URL of the metering listener
	// ("http://127.0.0.1:PORT").
	Target string
	// Prefix, when set, is the base path the client puts before the API's
	// own paths ("/v1beta/openai"); it is replaced by To on the way to the
	// listener. Requests outside Prefix go to the host itself, untouched.
	Prefix, To string
}

// Interceptor holds what a benchmark's forward proxies share: the CA and the
// files the workload is pointed at. Close removes them.
type Interceptor struct {
	ca *CA
	// PreloadFile is the Node.js script put into NODE_OPTIONS (--require):
	// it routes the built-in fetch of Node versions that ignore HTTPS_PROXY
	// through the forward proxy.
	PreloadFile string
}

// New makes the benchmark's CA and writes its certificate, the CA bundle and
// the Node.js preload into dir (the benchmark's scratch folder).
func New(dir string) (*Interceptor, error) {
	ca, err := NewCA(dir)
	if err != nil {
		return nil, err
	}
	in := &Interceptor{ca: ca, PreloadFile: filepath.Join(dir, "runner-intercept-preload.cjs")}
	if err := os.WriteFile(in.PreloadFile, preload, 0o644); err != nil {
		ca.Close()
		return nil, fmt.Errorf("interception: %w", err)
	}
	return in, nil
}

// CA is the benchmark's certificate authority.
func (in *Interceptor) CA() *CA { return in.ca }

// Close removes the CA's files and the preload.
func (in *Interceptor) Close() error {
	return errors.Join(in.ca.Close(), rmFile(in.PreloadFile))
}

// Proxy is one running forward proxy.
type Proxy struct {
	in     *Interceptor
	routes map[string]*Route // by lower-case host or host:port
	url    string            // http://127.0.0.1:PORT
	outer  *http.Server
	inner  *http.Server
	conns  *connqueue.Queue
	direct *http.Transport // to hosts that are not intercepted

	mu      sync.Mutex
	tunnels map[net.Conn]struct{}
	closed  bool

	closeOnce sync.Once
	stop      func() bool
}

// Start listens on 127.0.0.1 (a free port) and serves until Close or until
// ctx is done.
func (in *Interceptor) Start(ctx context.Context, routes []Route) (*Proxy, error) {
	p := &Proxy{in: in, routes: map[string]*Route{}, tunnels: map[net.Conn]struct{}{}}
	for i := range routes {
		rt := routes[i]
		if _, err := url.Parse(rt.Target); err != nil || !strings.HasPrefix(rt.Target, "http://") {
			return nil, fmt.Errorf("interception: route %s: target %q is not an http:// URL", rt.Host, rt.Target)
		}
		rt.Prefix = strings.TrimSuffix(rt.Prefix, "/")
		rt.To = strings.TrimSuffix(rt.To, "/")
		p.routes[strings.ToLower(rt.Host)] = &rt
	}
	p.direct = &http.Transport{
		Proxy:                 nil, // the workload's own proxy settings point here
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       50 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		ExpectContinueTimeout: time.Second,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("interception: listening: %w", err)
	}
	p.url = "http://" + ln.Addr().String()
	quiet := log.New(io.Discard, "", 0)
	p.outer = &http.Server{Handler: http.HandlerFunc(p.serveOuter), ReadHeaderTimeout: 30 * time.Second, ErrorLog: quiet}
	p.conns = connqueue.New(ln.Addr())
	p.inner = &http.Server{
		Handler:           http.HandlerFunc(p.serveInner),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          quiet,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if tc, ok := c.(*tunnelConn); ok {
				return context.WithValue(ctx, tunnelKey{}, tc)
			}
			return ctx
		},
	}
	go p.outer.Serve(ln)
	go p.inner.Serve(p.conns)
	p.stop = context.AfterFunc(ctx, func() { p.Close() })
	return p, nil
}

// URL is the proxy's address, as HTTPS_PROXY takes it.
func (p *Proxy) URL() string { return p.url }

// Env returns the variables that send a workload's HTTP(S) traffic through
// the proxy and make it trust the CA, as KEY=VALUE. nodeOptions is the
// NODE_OPTIONS the workload would otherwise get ("" for none): the preload
// is added to it.
func (p *Proxy) Env(nodeOptions string) []string {
	ca := p.in.ca
	no := strings.TrimSpace(nodeOptions + ` --require "` + p.in.PreloadFile + `"`)
	return []string{
		"HTTPS_PROXY=" + p.url, "https_proxy=" + p.url,
		"HTTP_PROXY=" + p.url, "http_proxy=" + p.url,
		// Loopback traffic goes through the proxy too, so that a client
		// calling Ollama's default address is metered; the proxy forwards
		// every other loopback request as it is.
		"NO_PROXY=", "no_proxy=",
		"NODE_USE_ENV_PROXY=1",
		"NODE_OPTIONS=" + no,
		"RUNNER_INTERCEPT_PROXY=" + p.url,
		"NODE_EXTRA_CA_CERTS=" + ca.CertFile,
		"SSL_CERT_FILE=" + ca.BundleFile,
		"REQUESTS_CA_BUNDLE=" + ca.BundleFile,
		"CURL_CA_BUNDLE=" + ca.BundleFile,
	}
}

// Close stops the proxy and ends every connection and tunnel.
func (p *Proxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		if p.stop != nil {
			p.stop()
		}
		err = p.outer.Close()
		p.conns.Close()
		p.inner.Close()
		p.mu.Lock()
		p.closed = true
		for c := range p.tunnels {
			c.Close()
		}
		p.mu.Unlock()
		p.direct.CloseIdleConnections()
	})
	return err
}

// route finds the route of an authority (host[:port]), or nil.
func (p *Proxy) route(authority string) *Route {
	a := strings.ToLower(authority)
	if rt := p.routes[a]; rt != nil {
		return rt
	}
	host := a
	if h, _, err := net.SplitHostPort(a); err == nil {
		host = h
	}
	return p.routes[strings.Trim(host, "[]")]
}

// serveOuter answers the workload's proxy requests: CONNECT, or a plain
// request in absolute form.
func (p *Proxy) serveOuter(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Host == "" {
		http.Error(w, "runner interception proxy: only proxy requests (CONNECT or an absolute URL) are served here", http.StatusBadRequest)
		return
	}
	if rt := p.route(r.URL.Host); rt != nil {
		p.toListener(w, r, rt)
		return
	}
	p.forward(w, r, r.URL)
}

// connect answers a CONNECT: intercepted for a routed host, else a tunnel.
func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	authority := r.Host
	if _, _, err := net.SplitHostPort(authority); err != nil {
		authority = net.JoinHostPort(authority, "443")
	}
	rt := p.route(authority)
	var upstream net.Conn
	if rt == nil {
		var err error
		upstream, err = (&net.Dialer{Timeout: 10 * time.Second}).DialContext(r.Context(), "tcp", authority)
		if err != nil {
			http.Error(w, "runner interception proxy: "+err.Error(), http.StatusBadGateway)
			return
		}
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "runner interception proxy: cannot take over the connection", http.StatusInternalServerError)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		if upstream != nil {
			upstream.Close()
		}
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		conn.Close()
		if upstream != nil {
			upstream.Close()
		}
		return
	}
	client := net.Conn(conn)
	if n := brw.Reader.Buffered(); n > 0 { // bytes the client sent before our answer
		b, _ := brw.Reader.Peek(n)
		client = &prefixConn{Conn: conn, prefix: append([]byte(nil), b...)}
	}
	if rt == nil {
		p.splice(client, upstream)
		return
	}
	p.intercept(client, authority, rt)
}

// intercept serves HTTP on a tunnel to a routed host: over TLS with a leaf
// for the host when the client starts a handshake, else in the clear.
func (p *Proxy) intercept(client net.Conn, authority string, rt *Route) {
	br := bufio.NewReader(client)
	first, err := br.Peek(1)
	if err != nil {
		client.Close()
		return
	}
	conn := connqueue.WithReader(client, br)
	host, _, _ := net.SplitHostPort(authority)
	host = strings.Trim(host, "[]")
	tc := &tunnelConn{authority: authority, route: rt}
	if first[0] == 0x16 { // TLS handshake record
		cert, err := p.in.ca.leaf(host)
		if err != nil {
			client.Close()
			return
		}
		conn = tls.Server(conn, &tls.Config{
			Certificates: []tls.Certificate{*cert},
			NextProtos:   []string{"http/1.1"},
			MinVersion:   tls.VersionTLS12,
		})
		tc.tls = true
	}
	tc.Conn = conn
	if !p.conns.Push(tc) {
		conn.Close()
	}
}

// serveInner answers a request that came through an intercepted tunnel.
func (p *Proxy) serveInner(w http.ResponseWriter, r *http.Request) {
	tc, _ := r.Context().Value(tunnelKey{}).(*tunnelConn)
	if tc == nil {
		http.Error(w, "runner interception proxy: lost the tunnel", http.StatusInternalServerError)
		return
	}
	if tc.tls { // a TLS client's handshake fails on an unknown CA before any request; this one trusted us
		r.URL.Scheme = "https"
	} else {
		r.URL.Scheme = "http"
	}
	r.URL.Host = tc.authority
	p.toListener(w, r, tc.route)
}

// toListener sends r to the metering listener of its route, or, when its
// path is outside the route's prefix, to its own host untouched.
func (p *Proxy) toListener(w http.ResponseWriter, r *http.Request, rt *Route) {
	path := r.URL.Path
	if rt.Prefix != "" {
		rest, ok := strings.CutPrefix(path, rt.Prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			p.forward(w, r, r.URL)
			return
		}
		path = rt.To + rest
	}
	target, _ := url.Parse(rt.Target)
	u := *target
	u.Path = strings.TrimSuffix(target.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	p.forward(w, r, &u)
}

// forward sends r to the URL to, streaming the answer back as it comes.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, to *url.URL) {
	// The answer may begin while the request body is still being sent on
	// (an upstream answers as soon as it has read what it wants). Without
	// full duplex the server, on writing the answer's head, reads out and
	// closes the request body under the transport, which then fails and
	// drops the upstream connection: a stream cut after its first event.
	http.NewResponseController(w).EnableFullDuplex()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *to
			pr.Out.URL = &u
			pr.Out.Host = ""
		},
		Transport:     p.direct,
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				http.Error(w, "runner interception proxy: "+redact(err.Error()), http.StatusBadGateway)
			}
		},
	}
	rp.ServeHTTP(w, r)
}

// splice copies bytes both ways until either side is done.
func (p *Proxy) splice(a, b net.Conn) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		a.Close()
		b.Close()
		return
	}
	p.tunnels[a], p.tunnels[b] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		} else {
			dst.Close()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	go func() {
		<-done
		<-done
		a.Close()
		b.Close()
		p.mu.Lock()
		delete(p.tunnels, a)
		delete(p.tunnels, b)
		p.mu.Unlock()
	}()
}

// redact drops a key= query value from an error that quotes a URL.
func redact(s string) string {
	i := strings.Index(s, "key=")
	if i < 0 {
		return s
	}
	j := strings.IndexAny(s[i:], "&\" ")
	if j < 0 {
		return s[:i] + "key=REDACTED"
	}
	return s[:i] + "key=REDACTED" + redact(s[i+j:])
}

type tunnelKey struct{}

// tunnelConn is an intercepted tunnel's connection, with where it leads.
type tunnelConn struct {
	net.Conn
	authority string
	route     *Route
	tls       bool
}

// prefixConn reads prefix before the connection's own bytes.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}
