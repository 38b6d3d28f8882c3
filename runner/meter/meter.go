// Package meter is the metering proxy: one loopback HTTP listener per LLM API
// that forwards every request unchanged to the provider's upstream and records
// each LLM call (model, status, tokens, latency, time to first token, phase) as
// a record.Call.
//
// Metered endpoints (llmapi.Route; anything else is forwarded, streamed and
// not recorded):
//
//	openai     POST /v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings
//	           (and the same without /v1)
//	anthropic  POST /v1/messages (and /messages)
//	gemini     POST /{version}/models/{model}:generateContent,
//	           :streamGenerateContent (alt=sse, or the JSON array), :embedContent,
//	           :batchEmbedContents
//	ollama     POST /api/chat, /api/generate, /api/embed, /api/embeddings, and the
//	           OpenAI-compatible /v1/chat/completions, /v1/completions,
//	           /v1/responses, /v1/embeddings, /v1/messages
//
// What the proxy changes on the way, and only this:
//
//   - A streamed OpenAI-style chat completion that did not ask for
//     stream_options.include_usage is sent upstream with it, so the provider
//     reports usage; the extra usage-only chunk ("choices":[]) is dropped from
//     what the client sees, and the `"usage":null` member that the option adds
//     to every other chunk is removed again, so the client gets the bytes it
//     asked for (exactly, when the upstream serialises compactly, as OpenAI does).
//   - Metered requests are sent with Accept-Encoding: identity so the usage can
//     be read as it passes; the client gets an uncompressed body.
//   - The X-Runner-Phase request header is addressed to the proxy and not
//     forwarded. Hop-by-hop headers are not forwarded (RFC 9110 §7.6.1).
//
// Usage status of a call: "reported" when the provider's own usage was read
// (a whole body's usage is final, with or without a finish reason);
// "estimated" when a 2xx stream ended without it (cut, or an upstream that
// ignores include_usage): input is the provider's figure if it sent one, else
// llmapi.InputTokens of the request, and output is ceil(characters streamed / 4),
// and for embeddings whose provider reports no usage (Gemini's, Ollama's
// /api/embeddings): llmapi.InputTokens of the request;
// "missing" when a 2xx non-streamed body carried no readable usage. Calls that
// failed (refused, 4xx, 5xx) have no usage status and zero tokens.
//
// API keys and auth headers (Authorization, x-api-key, x-goog-api-key, ?key=)
// pass through untouched and are never written into records or errors.
package meter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
)

// DefaultUpstreams are the public base URLs used when an upstream is "".
var DefaultUpstreams = llmapi.DefaultBaseURLs

// Upstreams maps an API (openai, anthropic, gemini, ollama) to its upstream
// base URL, as a provider's base_url gives it; "" means the API's public
// default. The request path is appended to the base URL's path, with these
// adjustments, so that each API's clients and base URLs meet whatever form the
// other side uses:
//
//   - openai: the base URL is what OPENAI_BASE_URL takes. One without a path
//     (http://localhost:8000) gets /v1; one with a path is kept as given
//     (https://generativelanguage.googleapis.com/v1beta/openai/). The proxy's
//     own /v1/X goes to BASE/X, and /X too.
//   - anthropic: a request path without /v1 (/messages, from a client whose
//     base URL already ends in /v1) gets it.
//   - gemini: a request path that starts at /models/ gets /v1beta.
//   - ollama: the path is appended as is (/api/chat, /v1/chat/completions).
type Upstreams map[llmapi.API]string

// upstreamPath is the path of the upstream request for reqPath on api's
// listener, whose upstream base path is base.
func upstreamPath(api llmapi.API, base, reqPath string) string {
	switch api {
	case llmapi.OpenAI:
		if rest, ok := strings.CutPrefix(reqPath, llmapi.OpenAIVersion); ok && (rest == "" || rest[0] == '/') {
			reqPath = rest
		}
	case llmapi.Anthropic:
		if reqPath != "/v1" && !strings.HasPrefix(reqPath, "/v1/") {
			reqPath = "/v1" + reqPath
		}
	case llmapi.Gemini:
		if strings.HasPrefix(reqPath, "/models/") {
			reqPath = "/v1beta" + reqPath
		}
	}
	return base + reqPath
}

// Option configures Start.
type Option func(*Proxy)

// Phases are the spec's declared phases, which an X-Runner-Phase header must
// name; without them any name is taken.
func Phases(names []string) Option {
	return func(p *Proxy) {
		p.phases = make(map[string]bool, len(names))
		for _, n := range names {
			p.phases[n] = true
		}
	}
}

// OnCall has f called with every call of a run as it finishes, one call at
// a time: for a caller that keeps them all (a run's record keeps the first
// record.MaxCalls and totals).
func OnCall(f func(record.Call)) Option { return func(p *Proxy) { p.onCall = f } }

// Primary names the API whose listener RUNNER_PROXY_URL points at: the
// cell's own. Without it, RUNNER_PROXY_URL is the first listener.
func Primary(api llmapi.API) Option { return func(p *Proxy) { p.primary = api } }

// Tap wraps the upstream transport of each API's listener, given the API
// and its upstream base URL: a cassette recorder or player (runner/cassette)
// sits there, below the metering, so recorded and replayed calls are metered
// exactly as live ones.
func Tap(wrap func(api llmapi.API, upstream *url.URL, next http.RoundTripper) http.RoundTripper) Option {
	return func(p *Proxy) { p.tap = wrap }
}

// CallErrorHeader, on an upstream's response, names the call's error class
// in the record (e.g. "unmatched" from the cassette player); it is not
// forwarded to the client.
const CallErrorHeader = "X-Runner-Call-Error"

// UpstreamHeaderTimeout bounds the wait for an upstream's response headers,
// so an upstream that accepts a call and never answers cannot hang the
// workload (and the benchmark) forever; the call is recorded with the error
// "timeout" and the client gets 504. Generous, because a non-streamed answer
// of a reasoning model sends its headers only when it is done.
var UpstreamHeaderTimeout = 10 * time.Minute

// EndRunWait is how long EndRun waits for calls still in flight.
var EndRunWait = 2 * time.Second

// PhaseHeader names the request header that overrides the phase of a call.
// A header naming a phase that is not declared (see Phases) is not taken: the
// call counts in the open phase, and the record keeps the header's value in
// UndeclaredPhase.
const PhaseHeader = "X-Runner-Phase"

// Proxy is a running metering proxy: one listener per API.
type Proxy struct {
	transport *h1Transport // the upstream transport (http.Transport where it is not plain http)
	eps       []*endpoint
	primary   llmapi.API
	phases    map[string]bool // declared phases; nil: any
	onCall    func(record.Call)
	tap       func(api llmapi.API, upstream *url.URL, next http.RoundTripper) http.RoundTripper

	mu  sync.Mutex
	run *run
	// late collects the calls that arrive after a run ended (and before
	// the next began) and those still in flight when EndRun stopped
	// waiting: a process the run left behind made them. They are never
	// added to a run's calls; LateCalls hands them out.
	late  *run
	ended bool // a run ended and no other has begun

	closeOnce sync.Once
	closeErr  error
	stop      func() bool
}

type endpoint struct {
	p        *Proxy
	api      llmapi.API
	upstream *url.URL
	rt       http.RoundTripper // the upstream transport, tapped or not
	url      string            // http://127.0.0.1:PORT
	srv      *server
	passer   *httputil.ReverseProxy // what is not metered
}

type run struct {
	start    time.Time
	phase    func() string
	inflight atomic.Int64

	mu     sync.Mutex
	log    record.CallLog // bounded: aggregates and the first calls
	onCall func(record.Call)
	closed bool
	lateTo *run // where calls finishing after close go
	late   bool // the proxy's collector of late calls
}

// Start listens on 127.0.0.1 (a free port per API) and serves until Close or
// until ctx is done.
func Start(ctx context.Context, ups Upstreams, opts ...Option) (*Proxy, error) {
	if len(ups) == 0 {
		return nil, errors.New("metering proxy: no API to proxy")
	}
	for api := range ups {
		if _, ok := DefaultUpstreams[api]; !ok {
			return nil, fmt.Errorf("metering proxy: unknown API %q (want openai, anthropic, gemini or ollama)", api)
		}
	}
	p := &Proxy{transport: newUpstreamTransport(newTransport()), late: &run{late: true}}
	for _, o := range opts {
		o(p)
	}
	for _, api := range llmapi.APIs {
		base, ok := ups[api]
		if !ok {
			continue
		}
		if base == "" {
			base = DefaultUpstreams[api]
		}
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.Close()
			return nil, fmt.Errorf("metering proxy: %s upstream %q is not an http(s) URL", api, redact.String(base))
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		if api == llmapi.OpenAI && u.Path == "" {
			u.Path = llmapi.OpenAIVersion // a host, as for the other APIs; a path is kept as given
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("metering proxy: listening for %s: %w", api, err)
		}
		ep := &endpoint{p: p, api: api, upstream: u, rt: p.transport, url: "http://" + ln.Addr().String()}
		if p.tap != nil {
			ep.rt = p.tap(api, u, p.transport)
		}
		ep.passer = ep.newPasser()
		ep.srv = newServer(ep, ep.metered)
		p.eps = append(p.eps, ep)
		go ep.srv.Serve(ln)
	}
	p.stop = context.AfterFunc(ctx, func() { p.Close() })
	return p, nil
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment, // loopback upstreams are never proxied
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       50 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: UpstreamHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // forward the client's encoding choice untouched
		WriteBufferSize:       32 << 10,
		ReadBufferSize:        32 << 10,
	}
}

// URL returns the root URL of the listener for api, or "" if not proxied.
func (p *Proxy) URL(api llmapi.API) string {
	for _, ep := range p.eps {
		if ep.api == api {
			return ep.url
		}
	}
	return ""
}

// Env returns the variables that point clients at the proxy, as KEY=VALUE:
// llmapi.EnvVars for every proxied API, RUNNER_PROXY_URL_<API> (the listener's
// root) per API, and RUNNER_PROXY_URL: the root of the Primary API's
// listener (else the first, in the order openai, anthropic, gemini, ollama).
func (p *Proxy) Env() []string {
	var env []string
	for _, ep := range p.eps {
		for _, v := range llmapi.EnvVars[ep.api] {
			env = append(env, v.Name+"="+ep.url+v.Suffix)
		}
		env = append(env, "RUNNER_PROXY_URL_"+strings.ToUpper(string(ep.api))+"="+ep.url)
	}
	if u := p.URL(p.primary); u != "" {
		env = append(env, "RUNNER_PROXY_URL="+u)
	} else if len(p.eps) > 0 {
		env = append(env, "RUNNER_PROXY_URL="+p.eps[0].url)
	}
	return env
}

// BeginRun attributes the calls that start from now on to a run that started at
// start. phase, called once at the start of each call from the proxy's own
// goroutines (so it must be safe for concurrent use), names the open phase; it
// may be nil. Calls made before the first run are forwarded and not
// recorded; calls made after a run ended are late (see LateCalls).
func (p *Proxy) BeginRun(start time.Time, phase func() string) {
	p.mu.Lock()
	p.run = &run{start: start, phase: phase, onCall: p.onCall}
	p.ended = false
	p.mu.Unlock()
}

// EndRun closes the run's window: it waits up to EndRunWait for calls still
// in flight, then returns the run's calls: every one added up, the first
// record.MaxCalls one by one in order of start. Calls finishing later, and
// calls arriving before the next BeginRun, are late: they are not the
// run's, and LateCalls returns them.
func (p *Proxy) EndRun() record.CallLog {
	p.mu.Lock()
	r := p.run
	p.run = nil
	if r != nil {
		p.ended = true
		p.late.mu.Lock()
		p.late.start = r.start // late calls are timed from the run they outlived
		p.late.mu.Unlock()
	}
	p.mu.Unlock()
	if r == nil {
		return record.CallLog{}
	}
	deadline := time.Now().Add(EndRunWait)
	for r.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	r.mu.Lock()
	log := r.log
	r.log, r.closed, r.lateTo = record.CallLog{}, true, p.late
	r.mu.Unlock()
	calls := log.Calls
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Start < calls[j].Start })
	return log
}

// LateCalls returns, and forgets, the calls that reached the proxy after
// their run's window closed (see EndRun), each marked Late: the first
// record.MaxCalls, and how many more. A runner attaches them to the next
// run's record, which does not count them.
func (p *Proxy) LateCalls() record.CallLog {
	l := p.late
	l.mu.Lock()
	defer l.mu.Unlock()
	log := l.log
	l.log = record.CallLog{}
	return log
}

// Close stops every listener, ends open connections and drops idle upstream
// connections.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		if p.stop != nil {
			p.stop()
		}
		for _, ep := range p.eps {
			if err := ep.srv.Close(); err != nil && p.closeErr == nil {
				p.closeErr = err
			}
		}
		p.transport.close()
	})
	return p.closeErr
}

// begin returns the open run (nil if none), counting the call as in flight.
func (p *Proxy) begin() *run {
	p.mu.Lock()
	r := p.run
	if r == nil && p.ended {
		r = p.late
	}
	if r != nil {
		r.inflight.Add(1)
	}
	p.mu.Unlock()
	return r
}

func (r *run) add(c record.Call) {
	r.mu.Lock()
	if r.closed && r.lateTo != nil {
		r.mu.Unlock()
		r.lateTo.add(c)
		return
	}
	if r.late {
		c.Late = true
	}
	if !r.closed {
		r.log.Add(c)
		if r.onCall != nil {
			r.onCall(c)
		}
	}
	r.mu.Unlock()
}
