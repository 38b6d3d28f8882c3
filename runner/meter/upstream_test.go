package meter

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/sim"
)

// Calls to a plain-http upstream reuse its connections while it keeps them,
// and never fail because it closed one while idle (as uvicorn does after 5 s):
// every call is answered and metered.
func TestUpstreamConnectionsKeptAndDropped(t *testing.T) {
	var opened atomic.Int64
	closed := make(chan struct{}, 16)
	up := httptest.NewUnstartedServer(sim.New(sim.Config{Default: sim.Model{OutputTokens: 5}}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed:
			closed <- struct{}{}
		}
	}
	up.Start()
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	url := p.URL(llmapi.OpenAI) + "/v1/chat/completions"
	call := func(body string) {
		t.Helper()
		resp, got, err := rawPost(t, http.DefaultClient, url, body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d, error %v: %s", resp.StatusCode, err, got)
		}
	}
	for range 5 {
		call(benchChat)
		call(benchStream)
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("%d upstream connections for 10 calls one after another, want 1", n)
	}
	// The upstream drops its idle connection; the next calls go on a new one.
	up.CloseClientConnections()
	<-closed
	for range 3 {
		call(benchChat)
	}
	calls := p.EndRun().Calls
	if len(calls) != 13 {
		t.Fatalf("%d calls, want 13", len(calls))
	}
	for i, c := range calls {
		if c.Error != "" || c.UsageStatus != "reported" || c.Output != 5 {
			t.Errorf("call %d: error %q usage %q output %d", i, c.Error, c.UsageStatus, c.Output)
		}
	}
}

// An answer whose end is the end of the connection (HTTP/1.0, no length) is
// metered whole, and the next call opens a new connection.
func TestUpstreamAnswerEndingWithTheConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				req.Body.Close()
				c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + fxChat))
			}()
		}
	}()
	p := startProxy(t, "http://"+ln.Addr().String())
	p.BeginRun(time.Now(), nil)
	for range 2 {
		resp, body, err := rawPost(t, http.DefaultClient, p.URL(llmapi.OpenAI)+"/v1/chat/completions", benchChat)
		if err != nil || resp.StatusCode != 200 || body != fxChat {
			t.Fatalf("status %d, error %v: %q", resp.StatusCode, err, body)
		}
	}
	calls := p.EndRun().Calls
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	for i, c := range calls {
		if c.Error != "" || c.UsageStatus != "reported" || c.Output == 0 || !strings.HasPrefix(c.ResponseModel, "gpt") {
			t.Errorf("call %d: %+v", i, c)
		}
	}
}

// An upstream that refuses a request before reading all of it (413) and
// closes: the client gets its answer, as it would directly.
func TestUpstreamAnswersBeforeReadingTheBody(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		w.Write([]byte(`{"error":{"message":"too large","type":"invalid_request_error"}}`))
	}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	for _, n := range []int{200 << 10, 16 << 20} {
		big := `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("x", n) + `"}]}`
		resp, body, err := rawPost(t, http.DefaultClient, p.URL(llmapi.OpenAI)+"/v1/chat/completions", big)
		if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") {
			t.Errorf("%d bytes: status %d, error %v: %.200s", n, resp.StatusCode, err, body)
		}
	}
	calls := p.EndRun().Calls
	if len(calls) != 2 || calls[0].Status != 413 || calls[0].Error != "4xx" || calls[1].Status != 413 {
		t.Errorf("calls: %+v", calls)
	}
}

// An upstream that closes a kept-alive connection just as a request goes out
// on it (its idle timeout firing: it reads the request and hangs up without
// a byte of answer). A request that can be sent twice without harm (a GET,
// a POST with an Idempotency-Key) goes again on a new connection and is
// answered, as http.Transport does; a plain POST is not sent twice (an LLM
// call could be billed twice): the client gets 502.
func TestUpstreamClosingAKeptAliveConnection(t *testing.T) {
	var requests atomic.Int64
	up := httptest.NewUnstartedServer(nil)
	up.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, servedKey{}, new(int))
	}
	handler := sim.New(sim.Config{Default: sim.Model{OutputTokens: 5}})
	up.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		served := r.Context().Value(servedKey{}).(*int)
		if *served++; *served == 2 { // the second request on any connection
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		handler.ServeHTTP(w, r)
	})
	up.Start()
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	base := p.URL(llmapi.OpenAI)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // the client's own retries stay out
	send := func(method, path, body string, h http.Header) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, tc := range []struct {
		method, path, body string
		h                  http.Header
		status             int
		sent               int64 // requests the upstream saw
	}{
		{"GET", "/v1/models", "", nil, 200, 1},
		{"GET", "/v1/models", "", nil, 200, 2}, // closed on, then again on a new connection
		{"POST", "/v1/chat/completions", benchChat, http.Header{"Idempotency-Key": {"k1"}}, 200, 2},
		{"POST", "/v1/chat/completions", benchChat, nil, 502, 1},
	} {
		before := requests.Load()
		if got := send(tc.method, tc.path, tc.body, tc.h); got != tc.status {
			t.Errorf("request %d (%s %s %v): status %d, want %d", i, tc.method, tc.path, tc.h, got, tc.status)
		}
		if n := requests.Load() - before; n != tc.sent {
			t.Errorf("request %d (%s %s %v): the upstream saw it %d times, want %d", i, tc.method, tc.path, tc.h, n, tc.sent)
		}
	}
	calls := p.EndRun().Calls
	if len(calls) != 2 || calls[0].Status != 200 || calls[0].Error != "" || calls[1].Error != "refused" {
		t.Errorf("calls: %+v", calls)
	}
}

type servedKey struct{}

// The upstream reads the same request from the proxy's own writer as from
// Request.Write: method, target, Host, every header and the body.
func TestWriteRequestAsRequestWrite(t *testing.T) {
	mk := func(method, url, body string, h http.Header, close bool) *http.Request {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, url, r)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		req.Close = close
		return req
	}
	for i, req := range []func() *http.Request{
		func() *http.Request {
			return mk("POST", "http://127.0.0.1:8080/v1/chat/completions?x=1&y=%20", benchChat, http.Header{
				"Authorization": {"Bearer k"}, "Content-Type": {"application/json"}, "X-Two": {"a", "b"},
				"X-Folded": {" a\r\n b "}, "Bad Name": {"dropped"}}, false)
		},
		func() *http.Request { return mk("GET", "http://localhost/v1/models", "", nil, false) },
		func() *http.Request {
			return mk("POST", "http://localhost:1/v1/messages", "", http.Header{"User-Agent": {""}}, true)
		},
		func() *http.Request {
			return mk("DELETE", "http://[::1]:9/v1/x", "", http.Header{"User-Agent": {"sdk/1.0"}}, false)
		},
		func() *http.Request { return mk("PUT", "http://h.example/ü", "body", nil, false) }, // by Request.Write
	} {
		var mine, theirs bytes.Buffer
		bw := bufio.NewWriter(&mine)
		if err := writeRequest(bw, req()); err != nil {
			t.Fatal(err)
		}
		bw.Flush()
		if err := req().Write(&theirs); err != nil {
			t.Fatal(err)
		}
		a, b := readBack(t, &mine), readBack(t, &theirs)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("request %d:\nwritten  %q\nexpected %q", i, mine.String(), theirs.String())
		}
	}
}

type readRequest struct {
	Method, URI, Host, Body string
	Header                  http.Header
	Length                  int64
	Close                   bool
}

func readBack(t *testing.T, b *bytes.Buffer) readRequest {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	return readRequest{req.Method, req.RequestURI, req.Host, string(body), req.Header, req.ContentLength, req.Close}
}
