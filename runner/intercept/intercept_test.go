package intercept

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runner-bench/runner/runner/meter/metertest"
)

// listener is a stand-in for a metering listener: it records what reached it.
type listener struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD PATH?QUERY body"
}

func newListener(t *testing.T, h http.HandlerFunc) *listener {
	t.Helper()
	l := &listener{}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		l.seen = append(l.seen, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		l.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(l.Close)
	return l
}

func (l *listener) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

func start(t *testing.T, routes ...Route) (*Interceptor, *Proxy, string) {
	t.Helper()
	dir := t.TempDir()
	in, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	p, err := in.Start(context.Background(), routes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return in, p, dir
}

func client(t *testing.T, p *Proxy, roots *x509.CertPool) *http.Client {
	t.Helper()
	pu, _ := url.Parse(p.URL())
	return &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(pu),
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}}
}

// A client that names the public host in its CONNECT gets a leaf signed by
// the benchmark's CA, and its request reaches the metering listener with
// path, query and body intact. The host names end in .invalid, which never
// resolves: a proxy that dialled them would fail the test.
func TestConnectToKnownHostIsInterceptedAndNeverDialled(t *testing.T) {
	ml := newListener(t, nil)
	in, p, _ := start(t, Route{Host: "api.llm.invalid", Target: ml.URL})
	resp, err := client(t, p, in.CA().Pool()).Post("https://api.llm.invalid/v1/chat/completions?x=1", "application/json", strings.NewReader(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("answer %d %q, want the listener's", resp.StatusCode, body)
	}
	leaf := resp.TLS.PeerCertificates[0]
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "api.llm.invalid" {
		t.Errorf("leaf names %v, want [api.llm.invalid]", leaf.DNSNames)
	}
	if err := leaf.CheckSignatureFrom(in.CA().cert); err != nil {
		t.Errorf("leaf not signed by the benchmark's CA: %v", err)
	}
	want := []string{`POST /v1/chat/completions?x=1 {"model":"m"}`}
	if got := ml.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listener saw %q, want %q", got, want)
	}
}

// A client that does not trust the CA refuses the interception: the proxy
// never pretends to be a real host to someone who did not opt in.
func TestUntrustedCAIsRefusedByTheClient(t *testing.T) {
	ml := newListener(t, nil)
	_, p, _ := start(t, Route{Host: "api.llm.invalid", Target: ml.URL})
	_, err := client(t, p, x509.NewCertPool()).Get("https://api.llm.invalid/v1/models")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", err)
	}
	if n := len(ml.requests()); n != 0 {
		t.Errorf("listener saw %d requests", n)
	}
}

// Hosts that are not API hosts are tunnelled untouched: the client talks TLS
// with the real server (its certificate, not one of ours).
func TestOtherHostsAreTunnelledUntouched(t *testing.T) {
	ml := newListener(t, nil)
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from the real host")
	}))
	defer other.Close()
	_, p, _ := start(t, Route{Host: "api.llm.invalid", Target: ml.URL})
	roots := x509.NewCertPool()
	roots.AddCert(other.Certificate())
	resp, err := client(t, p, roots).Get(other.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "from the real host" {
		t.Errorf("body %q", body)
	}
	if !resp.TLS.PeerCertificates[0].Equal(other.Certificate()) {
		t.Error("the tunnelled host's own certificate did not reach the client")
	}
	if n := len(ml.requests()); n != 0 {
		t.Errorf("listener saw %d requests", n)
	}
}

// Plain HTTP to a known host:port (Ollama's default address) goes to its
// listener; the same host on another port is forwarded as it is.
func TestPlainHTTPRoutes(t *testing.T) {
	ml := newListener(t, nil)
	other := newListener(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") })
	ou, _ := url.Parse(other.URL)
	_, p, _ := start(t, Route{Host: "ollama.invalid:11434", Target: ml.URL})
	c := client(t, p, nil)
	resp, err := c.Post("http://ollama.invalid:11434/api/chat", "application/json", strings.NewReader(`{"model":"llama"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := ml.requests(); len(got) != 1 || got[0] != `POST /api/chat {"model":"llama"}` {
		t.Errorf("listener saw %q", got)
	}
	resp, err = c.Get("http://" + ou.Host + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "other" || len(other.requests()) != 1 {
		t.Errorf("forwarded answer %q, other saw %q", b, other.requests())
	}
}

// An OpenAI-compatible base URL with its own path: requests under it reach
// the listener as /v1/...; the listener's upstream keeps the base path.
func TestPrefixIsMapped(t *testing.T) {
	ml := newListener(t, nil)
	in, p, _ := start(t, Route{Host: "compat.invalid", Target: ml.URL, Prefix: "/v1beta/openai/", To: "/v1"})
	resp, err := client(t, p, in.CA().Pool()).Post("https://compat.invalid/v1beta/openai/chat/completions", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := ml.requests(); len(got) != 1 || got[0] != "POST /v1/chat/completions {}" {
		t.Errorf("listener saw %q", got)
	}
}

// A stream passes chunk by chunk: the listener sends its second event only
// after the client has read the first, which would deadlock if the proxy
// buffered the body.
func TestStreamsAreNotBuffered(t *testing.T) {
	gotFirst := make(chan struct{})
	ml := newListener(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-gotFirst
		io.WriteString(w, "data: two\n\n")
	})
	in, p, _ := start(t, Route{Host: "api.llm.invalid", Target: ml.URL})
	resp, err := client(t, p, in.CA().Pool()).Post("https://api.llm.invalid/v1/messages", "application/json", strings.NewReader(`{"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(gotFirst)
	rest, rerr := io.ReadAll(br)
	if string(rest) != "\ndata: two\n\n" {
		t.Errorf("rest %q %v", rest, rerr)
	}
}

// The CA's key is never written: the scratch folder holds certificates only,
// and Close removes them.
func TestNoKeyOnDiskAndFilesRemoved(t *testing.T) {
	in, p, dir := start(t, Route{Host: "api.llm.invalid", Target: "http://127.0.0.1:1"})
	env := strings.Join(p.Env(""), "\n")
	for _, f := range []string{in.CA().CertFile, in.CA().BundleFile, in.PreloadFile} {
		if !strings.HasPrefix(f, dir) {
			t.Errorf("%s is outside the scratch folder %s", f, dir)
		}
	}
	for _, v := range []string{"HTTPS_PROXY=" + p.URL(), "NODE_EXTRA_CA_CERTS=" + in.CA().CertFile, "SSL_CERT_FILE=" + in.CA().BundleFile,
		"REQUESTS_CA_BUNDLE=", "CURL_CA_BUNDLE=", "NODE_USE_ENV_PROXY=1", `NODE_OPTIONS=--require "` + in.PreloadFile + `"`} {
		if !strings.Contains(env, v) {
			t.Errorf("env lacks %s:\n%s", v, env)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), "PRIVATE KEY") {
			t.Errorf("%s holds a private key", e.Name())
		}
	}
	if in.CA().SystemRoots != "" {
		b, _ := os.ReadFile(in.CA().BundleFile)
		if strings.Count(string(b), "BEGIN CERTIFICATE") < 2 {
			t.Error("bundle lacks the system roots")
		}
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// Node.js's built-in fetch, unmodified, reaches the listener through the
// proxy with the exported variables alone (on Node 20 through the preload,
// whose fetch ignores HTTPS_PROXY).
func TestNodeFetchIsIntercepted(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	ml := newListener(t, nil)
	_, p, _ := start(t,
		Route{Host: "api.llm.invalid", Target: ml.URL},
		Route{Host: "ollama.invalid:11434", Target: ml.URL})
	script := `
const a = await fetch("https://api.llm.invalid/v1/messages", {method: "POST", body: '{"n":1}'});
const b = await fetch("http://ollama.invalid:11434/api/chat", {method: "POST", body: '{"n":2}'});
console.log(a.status, await a.text(), b.status, await b.text());`
	cmd := exec.Command(node, "--input-type=module", "-e", script)
	cmd.Env = append(os.Environ(), p.Env("")...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != `200 {"ok":true} 200 {"ok":true}` {
		t.Errorf("node printed %q", got)
	}
	want := []string{`POST /v1/messages {"n":1}`, `POST /api/chat {"n":2}`}
	if got := ml.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listener saw %q, want %q", got, want)
	}
}

// curl trusts the CA through CURL_CA_BUNDLE and takes the proxy from
// https_proxy, with no flag.
func TestCurlIsIntercepted(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	ml := newListener(t, nil)
	_, p, _ := start(t, Route{Host: "api.llm.invalid", Target: ml.URL})
	cmd := exec.Command(curl, "-sS", "-d", `{"c":1}`, "https://api.llm.invalid/v1beta/models/g:generateContent")
	cmd.Env = append(os.Environ(), p.Env("")...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if got := ml.requests(); len(got) != 1 || got[0] != `POST /v1beta/models/g:generateContent {"c":1}` {
		t.Errorf("listener saw %q", got)
	}
}

// A request body still being sent while the answer streams (full duplex,
// as an upload that reports progress does) passes through the tunnel.
func TestAnswerStreamsWhileTheBodyIsStillSent(t *testing.T) {
	ml := httptest.NewServer(metertest.FullDuplex(t))
	t.Cleanup(ml.Close)
	in, p, _ := start(t, Route{Host: "api.llm.invalid", Target: ml.URL})
	metertest.CheckFullDuplex(t, client(t, p, in.CA().Pool()), "https://api.llm.invalid/v1/uploads")
}
