package meter

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
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
