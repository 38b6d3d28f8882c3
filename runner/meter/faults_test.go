package meter

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/sim"
)

const (
	body429 = `{"error":{"message":"Rate limit reached","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
	body500 = `{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}`
)

// faulty answers by the model named in the request.
func faulty(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s := string(b)
	switch {
	case strings.Contains(s, `"fail-429"`):
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(429)
		io.WriteString(w, body429)
	case strings.Contains(s, `"fail-500"`):
		w.WriteHeader(500)
		io.WriteString(w, body500)
	case strings.Contains(s, `"cut"`): // an Anthropic stream cut after its first delta
		w.Header().Set("Content-Type", "text/event-stream")
		ev := strings.SplitAfter(fxAnthropicStream, "\n\n")
		for _, e := range ev[:4] {
			io.WriteString(w, e)
			w.(http.Flusher).Flush()
		}
		panic(http.ErrAbortHandler)
	case strings.Contains(s, `"noterm"`): // a chat stream that ends cleanly without [DONE]
		w.Header().Set("Content-Type", "text/event-stream")
		st := fxChatStream(true)
		io.WriteString(w, st[:strings.Index(st, "data: "+fxChatUsage)])
	}
}

func rawPost(t *testing.T, c *http.Client, url, body string) (*http.Response, string, error) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), rerr
}

func TestFaults(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(faulty))
	defer up.Close()
	p := startProxy(t, up.URL)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	p.BeginRun(time.Now(), func() string { return "Faults" })

	resp, body, _ := rawPost(t, c, p.URL(llmapi.OpenAI)+"/v1/chat/completions", `{"model":"fail-429","messages":[]}`)
	if resp.StatusCode != 429 || body != body429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("429: client got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body, _ = rawPost(t, c, p.URL(llmapi.OpenAI)+"/v1/chat/completions", `{"model":"fail-500","stream":true,"messages":[]}`)
	if resp.StatusCode != 500 || body != body500 {
		t.Errorf("500: client got %d %q", resp.StatusCode, body)
	}
	resp, body, err := rawPost(t, c, p.URL(llmapi.Anthropic)+"/v1/messages", `{"model":"cut","stream":true,"max_tokens":9,"messages":[]}`)
	want := strings.Join(strings.SplitAfter(fxAnthropicStream, "\n\n")[:4], "")
	if resp.StatusCode != 200 || body != want || err == nil {
		t.Errorf("cut stream: client got %d err %v\n%q\nwant\n%q", resp.StatusCode, err, body, want)
	}
	resp, _, err = rawPost(t, c, p.URL(llmapi.OpenAI)+"/v1/chat/completions", `{"model":"noterm","stream":true,"stream_options":{"include_usage":true},"messages":[]}`)
	if resp.StatusCode != 200 || err != nil {
		t.Errorf("stream without [DONE]: %d %v", resp.StatusCode, err)
	}
	calls := p.EndRun().Calls

	want2 := []struct {
		status      int
		class       string
		usageStatus string
	}{{429, "429", ""}, {500, "5xx", ""}, {200, "truncated", "estimated"}, {200, "truncated", "estimated"}}
	if len(calls) != len(want2) {
		t.Fatalf("%d calls: %+v", len(calls), calls)
	}
	for i, w := range want2 {
		c := calls[i]
		if c.Status != w.status || c.Error != w.class || c.UsageStatus != w.usageStatus || c.Phase != "Faults" {
			t.Errorf("call %d: status %d error %q usage %q phase %q, want %d %q %q", i, c.Status, c.Error, c.UsageStatus, c.Phase, w.status, w.class, w.usageStatus)
		}
	}
	// The cut Anthropic stream keeps message_start's input and estimates the output.
	if c := calls[2]; c.Input != 3135 || c.CachedInput != 2000 || c.Output != 1 || c.TTFTS <= 0 {
		t.Errorf("cut stream tokens %+v ttft %v", c.Tokens, c.TTFTS)
	}
}

func TestRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	p := startProxy(t, closed)
	p.BeginRun(time.Now(), nil)
	resp, body, _ := rawPost(t, http.DefaultClient, p.URL(llmapi.Gemini)+"/v1beta/models/gemini-2.5-flash:generateContent?key="+geminiKey, `{"contents":[]}`)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "connection refused") || strings.Contains(body, geminiKey) {
		t.Errorf("refused: client got %d %s", resp.StatusCode, body)
	}
	calls := p.EndRun().Calls
	if len(calls) != 1 || calls[0].Error != "refused" || calls[0].Status != 0 || calls[0].Model != "gemini-2.5-flash" {
		t.Errorf("calls: %+v", calls)
	}
}

func TestClientCancelMidStream(t *testing.T) {
	up := httptest.NewServer(sim.New(sim.Config{Default: sim.Model{TokensPerSecond: 2000, OutputTokens: 4000}}))
	defer up.Close()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", p.URL(llmapi.Ollama)+"/api/chat", strings.NewReader(`{"model":"llama3.2","messages":[]}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	bufio.NewReader(resp.Body).ReadString('\n')
	cancel()
	resp.Body.Close()
	calls := p.EndRun().Calls
	if len(calls) != 1 || calls[0].Error != "canceled" || calls[0].LatencyS > 1 {
		t.Errorf("calls: %+v", calls)
	}
}

// Parsing details that the SDK runs do not reach.
func TestUsageParsing(t *testing.T) {
	run := func(api llmapi.API, endpoint string, stream bool, body string) record.Call {
		c := &call{dec: decoders[llmapi.Endpoint(endpoint)], rec: record.Call{API: api, Endpoint: endpoint, Status: 200}, t0: time.Now(), stream: stream, ok: true,
			reqBody: []byte(`{"messages":[{"role":"user","content":"12345678"}]}`)}
		for i := 0; i < len(body); i += 7 { // split reads anywhere, even mid-line
			c.feed([]byte(body[i:min(i+7, len(body))]))
		}
		c.finish(nil)
		return c.rec
	}
	// Newer Anthropic streams repeat input and cache counts in message_delta: they win.
	ant := strings.Replace(fxAnthropicStream, `"usage":{"output_tokens":10}`,
		`"usage":{"input_tokens":140,"cache_creation_input_tokens":0,"cache_read_input_tokens":2000,"output_tokens":12}`, 1)
	if c := run(llmapi.Anthropic, "messages", true, ant); c.Tokens != (record.Tokens{Input: 2140, Output: 12, CachedInput: 2000}) {
		t.Errorf("anthropic message_delta counts: %+v", c.Tokens)
	}
	// Gemini: LF framing, missing fields are zero, the last usage wins.
	gem := "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":{\"promptTokenCount\":5}}\n\n" +
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":3}}\n\n"
	if c := run(llmapi.Gemini, "streamGenerateContent", true, gem); c.Tokens != (record.Tokens{Input: 5, Output: 3}) || c.UsageStatus != "reported" || c.Error != "" {
		t.Errorf("gemini LF: %+v", c)
	}
	// Gemini's JSON-array stream (no alt=sse).
	arr := "[" + fxGemini + "\n,\r\n" + fxGemini + "]"
	c := &call{dec: decoders[llmapi.StreamGenerateContent], rec: record.Call{API: llmapi.Gemini, Endpoint: "streamGenerateContent", Status: 200}, t0: time.Now(), stream: true, geminiArray: true, ok: true}
	c.feed([]byte(arr))
	c.finish(nil)
	if c.rec.Tokens != (record.Tokens{Input: 120, Output: 50, CachedInput: 100, Reasoning: 42}) || c.rec.Error != "" {
		t.Errorf("gemini array: %+v", c.rec)
	}
	// A chat stream from an upstream that ignores include_usage: estimated.
	if c := run(llmapi.OpenAI, "chat.completions", true, fxChatStream(false)); c.UsageStatus != "estimated" || c.Input != 2 || c.Output != 1 {
		t.Errorf("estimated chat: %+v", c)
	}
	// An Anthropic error event mid-stream.
	errStream := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
	if c := run(llmapi.Anthropic, "messages", true, errStream); c.Error != "5xx" {
		t.Errorf("anthropic error event: %+v", c)
	}
	// A non-streamed body without usage.
	if c := run(llmapi.OpenAI, "chat.completions", false, `{"model":"x","choices":[]}`); c.UsageStatus != "missing" {
		t.Errorf("missing usage: %+v", c)
	}
	// Counts no provider bills (negative, over record.MaxTokens) are no
	// reading: missing for a whole body, estimated for a stream; never
	// -150 tokens priced as a negative cost.
	for _, u := range []string{`{"prompt_tokens":-100,"completion_tokens":-50}`, `{"prompt_tokens":10,"completion_tokens":2000000000000}`} {
		if c := run(llmapi.OpenAI, "chat.completions", false, `{"model":"x","choices":[],"usage":`+u+`}`); c.UsageStatus != "missing" || c.Tokens != (record.Tokens{}) {
			t.Errorf("usage %s: %s %+v, want missing", u, c.UsageStatus, c.Tokens)
		}
	}
	neg := strings.Replace(fxChatStream(true), fxChatUsage, `{"id":"x","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":-100,"completion_tokens":-50}}`, 1)
	if c := run(llmapi.OpenAI, "chat.completions", true, neg); c.UsageStatus != "estimated" || c.Input < 0 || c.Output < 0 {
		t.Errorf("stream with negative usage: %s %+v, want estimated", c.UsageStatus, c.Tokens)
	}
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// settle waits for background goroutines and sockets to wind down.
func settle(t *testing.T, goroutines, fds int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), openFDs(t)
		if g <= goroutines && f <= fds {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("leak: goroutines %d -> %d, fds %d -> %d\n%s", goroutines, g, fds, f, buf[:n])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNoLeaks(t *testing.T) {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	time.Sleep(50 * time.Millisecond)
	g0, f0 := runtime.NumGoroutine(), openFDs(t)

	func() {
		simSrv := httptest.NewServer(sim.New(sim.Config{Default: sim.Model{OutputTokens: 50, TruncateRate: 0.3, ErrorRate500: 0.1}}))
		defer simSrv.Close()
		faultSrv := httptest.NewServer(http.HandlerFunc(faulty))
		defer faultSrv.Close()
		p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: simSrv.URL + "/v1", llmapi.Anthropic: faultSrv.URL, llmapi.Ollama: simSrv.URL})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		p.BeginRun(time.Now(), nil)
		for i := 0; i < 40; i++ {
			rawPost(t, c, p.URL(llmapi.OpenAI)+"/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"`+strings.Repeat("x", i)+`"}]}`)
			rawPost(t, c, p.URL(llmapi.Ollama)+"/api/generate", `{"model":"m","prompt":"`+strings.Repeat("y", i)+`"}`)
		}
		for _, m := range []string{"cut", "fail-429", "fail-500", "noterm"} {
			rawPost(t, c, p.URL(llmapi.Anthropic)+"/v1/messages", `{"model":"`+m+`","stream":true,"messages":[]}`)
		}
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", p.URL(llmapi.OpenAI)+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true,"messages":[]}`))
		if resp, err := c.Do(req); err == nil {
			resp.Body.Read(make([]byte, 10))
			cancel()
			resp.Body.Close()
		}
		cancel()
		if n := len(p.EndRun().Calls); n != 85 {
			t.Errorf("%d calls recorded, want 85", n)
		}
	}()
	settle(t, g0, f0)
}

// A client that closes the stream after its terminal event (as SDKs do on
// [DONE]) got the whole answer: the call is not canceled; before it, it is.
func TestClientLeavesAfterTerminal(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		c := &call{dec: chatDecoder{}, rec: record.Call{API: llmapi.OpenAI, Endpoint: "chat.completions", Status: 200}, t0: time.Now(), stream: true, ok: true}
		body := fxChatStream(true)
		if !terminal {
			body = body[:strings.Index(body, "data: [DONE]")]
		}
		c.feed([]byte(body))
		c.clientGone, c.readErr = true, context.Canceled
		c.finish(nil)
		if want := map[bool]string{true: "", false: "canceled"}[terminal]; c.rec.Error != want || c.rec.UsageStatus != "reported" {
			t.Errorf("terminal=%v: error %q usage %q, want error %q", terminal, c.rec.Error, c.rec.UsageStatus, want)
		}
	}
}

// An upstream that accepts a call and never answers must not hang the
// workload: the proxy gives up after UpstreamHeaderTimeout, answers 504 and
// records the call as a timeout.
func TestUpstreamThatNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	defer close(release)
	old := UpstreamHeaderTimeout
	UpstreamHeaderTimeout = 200 * time.Millisecond
	defer func() { UpstreamHeaderTimeout = old }()
	p := startProxy(t, up.URL)
	p.BeginRun(time.Now(), nil)
	resp, body, _ := rawPost(t, http.DefaultClient, p.URL(llmapi.OpenAI)+"/v1/chat/completions", `{"model":"m","messages":[]}`)
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "timeout") {
		t.Errorf("client got %d %q, want 504 naming the timeout", resp.StatusCode, body)
	}
	calls := p.EndRun().Calls
	if len(calls) != 1 || calls[0].Error != "timeout" || calls[0].Status != 0 {
		t.Fatalf("calls = %+v, want one call with error timeout", calls)
	}
}
