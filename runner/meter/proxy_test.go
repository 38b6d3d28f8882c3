package meter

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/meter/metertest"
)

// Both ways through the proxy (metered and not), end-to-end headers and the
// client's X-Forwarded-For reach the other side as sent; hop-by-hop headers,
// the ones Connection names and the proxy's own phase header do not.
func TestProxyForwardsEndToEndHeadersOnly(t *testing.T) {
	var got http.Header
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Connection", "X-Up-Private")
		w.Header().Set("X-Up-Private", "1")
		w.Header().Set("X-Up", "1")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[]}`)
	}))
	defer up.Close()
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: up.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/v1/models", ""},
		{"POST", "/v1/chat/completions", `{"model":"m","messages":[]}`},
	} {
		req, _ := http.NewRequest(tc.method, p.URL(llmapi.OpenAI)+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Connection", "X-Private")
		req.Header.Set("X-Private", "secret")
		req.Header.Set("X-Forwarded-For", "10.0.0.1")
		req.Header.Set("X-Keep", "1")
		req.Header.Set(PhaseHeader, "plan")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: status %d", tc.method, tc.path, resp.StatusCode)
		}
		if got.Get("X-Keep") != "1" || got.Get("X-Forwarded-For") != "10.0.0.1" || got.Get("X-Private") != "" || got.Get(PhaseHeader) != "" {
			t.Errorf("%s %s: upstream got headers %v", tc.method, tc.path, got)
		}
		if resp.Header.Get("X-Up") != "1" || resp.Header.Get("X-Up-Private") != "" {
			t.Errorf("%s %s: client got headers %v", tc.method, tc.path, resp.Header)
		}
	}
}

// An unmetered request may switch protocols (a WebSocket, say): the proxy
// then relays bytes both ways.
func TestProxyPassesProtocolSwitch(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want Upgrade: echo", 400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo: " + line)
		brw.Flush()
	}))
	defer up.Close()
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: up.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(llmapi.OpenAI), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /v1/realtime HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	io.WriteString(conn, "hello\n")
	if line, _ := br.ReadString('\n'); line != "echo: hello\n" {
		t.Errorf("relayed %q, want %q", line, "echo: hello\n")
	}
}

// An unmetered request whose body is still being sent while its answer
// streams (an upload that reports progress, say) passes in full duplex.
func TestUnmeteredAnswerStreamsWhileTheBodyIsStillSent(t *testing.T) {
	up := httptest.NewServer(metertest.FullDuplex(t))
	defer up.Close()
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: up.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	metertest.CheckFullDuplex(t, http.DefaultClient, p.URL(llmapi.OpenAI)+"/uploads/up_1/parts")
}
