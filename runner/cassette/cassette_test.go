package cassette_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/cassette"
	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/meter"
	"github.com/runner-bench/runner/runner/meter/metertest"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// call is one request a test workload makes through the proxy.
type call struct {
	api                llmapi.API
	method, path, body string
}

var calls = []call{
	{"openai", "POST", "/v1/chat/completions", `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`},
	{"openai", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	{"openai", "POST", "/v1/responses", `{"model":"gpt-4o","stream":true,"input":"hi"}`},
	{"openai", "POST", "/v1/embeddings", `{"model":"text-embedding-3-small","input":"hi"}`},
	{"openai", "GET", "/v1/models", ``},
	{"anthropic", "POST", "/v1/messages", `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`},
	{"anthropic", "POST", "/v1/messages", `{"model":"claude-sonnet-4-5","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	{"gemini", "POST", "/v1beta/models/gemini-2.5-flash:generateContent?key=" + metertest.GeminiKey, `{"contents":[{"parts":[{"text":"hi"}]}]}`},
	{"gemini", "POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=" + metertest.GeminiKey, `{"contents":[{"parts":[{"text":"hi"}]}]}`},
	{"ollama", "POST", "/api/chat", `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}`},
	{"ollama", "POST", "/api/generate", `{"model":"llama3.2","prompt":"hi","stream":false}`},
}

// cookieUpstream is the sample upstream, also setting a cookie.
type cookieUpstream struct{ *metertest.Upstream }

func (u cookieUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Set-Cookie", "session=COOKIE-SECRET-4242; Path=/")
	u.Upstream.ServeHTTP(w, r)
}

// drive makes every call through a proxy tapped by tp, as one run, and
// returns the proxy's call records and the response bodies.
func drive(t *testing.T, ups meter.Upstreams, tp interface {
	Tap(llmapi.API, *urlT, http.RoundTripper) http.RoundTripper
	Start(cell, run string)
}, cs []call) ([]record.Call, []string) {
	t.Helper()
	p, err := meter.Start(context.Background(), ups, meter.Tap(tp.Tap))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tp.Start("cell_a", "run1")
	p.BeginRun(time.Now(), nil)
	var bodies []string
	for _, c := range cs {
		req, _ := http.NewRequest(c.method, p.URL(c.api)+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+metertest.OpenAIKey)
		req.Header.Set("x-api-key", metertest.AnthropicKey)
		req.Header.Set("x-goog-api-key", metertest.GeminiKey)
		req.Header.Set("Cookie", "session=COOKIE-SECRET-4242")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies = append(bodies, resp.Status+" "+string(b))
	}
	return p.EndRun().Calls, bodies
}

func upstreams(url string) meter.Upstreams {
	return meter.Upstreams{"openai": url + "/v1", "anthropic": url, "gemini": url, "ollama": url}
}

// TestRecordThenReplayOffline records every API's calls (streamed or not,
// metered or passed through), stops the upstream, and replays: the client
// gets the same bytes and the proxy meters the same tokens, and no key,
// auth header or cookie is in the cassettes.
func TestRecordThenReplayOffline(t *testing.T) {
	up := httptest.NewServer(cookieUpstream{metertest.New()})
	dir := filepath.Join(t.TempDir(), "cassettes")
	rec, err := cassette.NewRecorder(dir, cassette.Manifest{Spec: "t"})
	if err != nil {
		t.Fatal(err)
	}
	rt := rec.Tape()
	recorded, recBodies := drive(t, upstreams(up.URL), rt, calls)
	rt.Close()
	up.Close() // offline from here

	lib, err := cassette.Open(filepath.Dir(dir)) // the output folder names its cassettes
	if err != nil {
		t.Fatal(err)
	}
	pt := lib.Tape(cassette.Options{Speed: 0})
	replayed, repBodies := drive(t, upstreams(up.URL), pt, calls)
	rp, sim, warns := pt.End()
	if rp == nil || rp.From != "cell_a/run1" || rp.Unmatched != 0 || sim || len(warns) > 0 {
		t.Fatalf("replay = %+v, simulated %v, warnings %q", rp, sim, warns)
	}
	if len(recorded) != len(replayed) || len(recorded) < 9 {
		t.Fatalf("recorded %d calls, replayed %d", len(recorded), len(replayed))
	}
	for i := range recorded {
		a, b := recorded[i], replayed[i]
		if a.Endpoint != b.Endpoint || a.Model != b.Model || a.Status != b.Status || a.Tokens != b.Tokens ||
			a.UsageStatus != b.UsageStatus || a.Error != b.Error || a.Stream != b.Stream {
			t.Errorf("call %d: recorded %+v\nreplayed %+v", i, a, b)
		}
	}
	for i := range recBodies {
		if recBodies[i] != repBodies[i] {
			t.Errorf("%s %s: recorded answer %q, replayed %q", calls[i].method, calls[i].path, recBodies[i], repBodies[i])
		}
	}
	if !strings.Contains(strings.Join(repBodies, ""), `"object":"list"`) {
		t.Errorf("the model list (passed through) was not replayed: %q", repBodies)
	}
	assertNoSecrets(t, dir)
}

// assertNoSecrets greps every file of dir for the test keys, auth and cookies.
func assertNoSecrets(t *testing.T, dir string) {
	t.Helper()
	n := 0
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		n++
		b, _ := os.ReadFile(p)
		for _, s := range []string{metertest.OpenAIKey, metertest.AnthropicKey, metertest.GeminiKey, "COOKIE-SECRET",
			"uthorization", "x-api-key", "x-goog-api-key", "key=", "ookie"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
	if n < 2 {
		t.Fatalf("only %d files recorded in %s", n, dir)
	}
}

// TestUnmatchedAndSequence: a request whose body changed is unmatched under
// match: body (an error in its API's format, the call marked unmatched),
// and answered under match: sequence.
func TestUnmatchedAndSequence(t *testing.T) {
	up := httptest.NewServer(metertest.New())
	dir := t.TempDir()
	rec, _ := cassette.NewRecorder(dir, cassette.Manifest{})
	rt := rec.Tape()
	asked := []call{
		{"anthropic", "POST", "/v1/messages", `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"it is 10:00:01"}]}`},
		{"gemini", "POST", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[{"parts":[{"text":"it is 10:00:02"}]}]}`},
		{"ollama", "POST", "/api/generate", `{"model":"llama3.2","prompt":"it is 10:00:03","stream":false}`},
		{"openai", "POST", "/v1/chat/completions", `{"model":"gpt-4o","messages":[{"role":"user","content":"it is 10:00:04"}]}`},
	}
	recorded, _ := drive(t, upstreams(up.URL), rt, asked)
	rt.Close()
	up.Close()
	later := make([]call, len(asked))
	for i, c := range asked {
		c.body = strings.ReplaceAll(c.body, "10:00", "11:30")
		later[i] = c
	}
	lib, err := cassette.Open(dir)
	if err != nil {
		t.Fatal(err)
	}

	pt := lib.Tape(cassette.Options{Match: spec.MatchBody, Speed: 0})
	got, bodies := drive(t, upstreams(up.URL), pt, later)
	rp, _, warns := pt.End()
	if rp.Unmatched != len(later) || len(warns) != len(later) {
		t.Fatalf("unmatched = %d, warnings %q", rp.Unmatched, warns)
	}
	for i, c := range got {
		if c.Error != cassette.UnmatchedError || c.Status != 404 {
			t.Errorf("call %d: error %q status %d, want unmatched 404", i, c.Error, c.Status)
		}
	}
	// each API's own error shape
	for i, want := range []string{`"type":"error"`, `"status":"NOT_FOUND"`, `{"error":"runner replay`, `"code":"replay_unmatched"`} {
		if !strings.Contains(bodies[i], want) || !strings.Contains(bodies[i], "no recorded call matches") {
			t.Errorf("%s answered %q, want %s", later[i].path, bodies[i], want)
		}
	}

	pt = lib.Tape(cassette.Options{Match: spec.MatchSequence, Speed: 0})
	got, _ = drive(t, upstreams(up.URL), pt, later)
	if rp, _, _ := pt.End(); rp.Unmatched != 0 {
		t.Fatalf("sequence: %d unmatched", rp.Unmatched)
	}
	for i := range got {
		if got[i].Tokens != recorded[i].Tokens || got[i].Error != "" {
			t.Errorf("sequence call %d: %+v, recorded %+v", i, got[i], recorded[i])
		}
	}
}

// TestReplayTiming: a replay as recorded waits for the first byte and each
// chunk at its offset; speed 0 does not wait. The recording is written by
// hand with offsets far apart (400 ms), so the check does not depend on load:
// a replay can only be late, and as recorded it cannot be early.
func TestReplayTiming(t *testing.T) {
	for _, speed := range []float64{1, 0} {
		replayTimed(t, speed)
	}
}

// replayTimed replays one recorded Ollama chat at speed: as recorded, its
// first byte at 400 ms and its end at 800 ms; at speed 0, recorded with
// offsets of minutes that must not be waited for.
func replayTimed(t *testing.T, speed float64) {
	unit := 1.0
	if speed == 0 {
		unit = 300 // 2 and 4 minutes
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, cassette.ManifestFile), []byte(`{"format":1,"recorded":"2026-01-02T03:04:05Z"}`), 0o644)
	os.MkdirAll(filepath.Join(dir, "c"), 0o755)
	e := cassette.Entry{Seq: 1, API: "ollama", Method: "POST", Path: "/api/chat", Endpoint: "chat", Model: "llama3.2",
		Status: 200, Header: map[string]string{"Content-Type": "application/x-ndjson"}, HeaderMS: 400 * unit,
		Chunks: []cassette.Chunk{{MS: 400 * unit, Data: `{"model":"llama3.2","message":{"content":"Hi"},"done":false}` + "\n"},
			{MS: 800 * unit, Data: `{"model":"llama3.2","done":true,"prompt_eval_count":5,"eval_count":7}` + "\n"}}, EndMS: 800}
	b, _ := json.Marshal(e)
	os.WriteFile(filepath.Join(dir, "c", "run1.jsonl"), append(b, '\n'), 0o644)
	lib, err := cassette.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	{
		pt := lib.Tape(cassette.Options{Match: spec.MatchSequence, Speed: speed})
		p, err := meter.Start(context.Background(), meter.Upstreams{"ollama": "http://127.0.0.1:1"}, meter.Tap(pt.Tap))
		if err != nil {
			t.Fatal(err)
		}
		pt.Start("c", "run1")
		p.BeginRun(time.Now(), nil)
		t0 := time.Now()
		resp, err := http.Post(p.URL("ollama")+"/api/chat", "application/json", strings.NewReader(`{"model":"llama3.2"}`))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		calls := p.EndRun().Calls
		p.Close()
		if len(calls) != 1 || calls[0].Input != 5 || calls[0].Output != 7 {
			t.Fatalf("speed %g: calls %+v", speed, calls)
		}
		if speed == 1 && (took < 800*time.Millisecond || calls[0].TTFTS < 0.4) {
			t.Errorf("as recorded: answered in %v (ttft %.3fs), before the recorded 800 ms (first token 400 ms)", took, calls[0].TTFTS)
		}
		if speed == 0 && took > time.Minute {
			t.Errorf("speed 0 waited for the recorded offsets: answered in %v", took)
		}
	}
}

type urlT = url.URL

// TestStreamRecordedChunkByChunk: a stream whose chunks come 150 ms apart is
// recorded chunk by chunk with their offsets, and replayed no sooner: the
// first token and the end come at or after the recorded ones (load can only
// delay a replay).
func TestStreamRecordedChunkByChunk(t *testing.T) {
	const gap = 150 * time.Millisecond
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-ndjson")
		for i, l := range []string{
			`{"model":"llama3.2","message":{"role":"assistant","content":"Hi"},"done":false}`,
			`{"model":"llama3.2","message":{"role":"assistant","content":" there"},"done":false}`,
			`{"model":"llama3.2","message":{"role":"assistant","content":""},"done":true,"prompt_eval_count":12,"eval_count":34,"eval_duration":1000000}`,
		} {
			time.Sleep(gap)
			if i == 0 {
				w.WriteHeader(200)
			}
			io.WriteString(w, l+"\n")
			w.(http.Flusher).Flush()
		}
	}))
	dir := t.TempDir()
	rec, _ := cassette.NewRecorder(dir, cassette.Manifest{})
	rt := rec.Tape()
	ask := []call{{"ollama", "POST", "/api/chat", `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}`}}
	recorded, recBodies := drive(t, upstreams(up.URL), rt, ask)
	rt.Close()
	up.Close()
	lib, err := cassette.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	es, err := lib.Entries("cell_a", "run1")
	if err != nil || len(es) != 1 {
		t.Fatalf("entries %+v, %v", es, err)
	}
	e := es[0]
	// Each read is a chunk at its time: the upstream wrote a line every
	// 150 ms, so the first came no sooner than 150 ms and the last no
	// sooner than 450 ms (a loaded reader may merge reads, never advance them).
	var all string
	for _, c := range e.Chunks {
		all += c.Data
	}
	if strings.Count(all, "\n") != 3 || e.Chunks[0].MS < float64(gap.Milliseconds()) ||
		e.Chunks[len(e.Chunks)-1].MS < float64(3*gap.Milliseconds()) {
		t.Fatalf("recorded chunks %+v", e.Chunks)
	}
	pt := lib.Tape(cassette.Options{Speed: 1})
	replayed, repBodies := drive(t, upstreams(up.URL), pt, ask)
	a, b := recorded[0], replayed[0]
	if a.Tokens != b.Tokens || b.Input != 12 || b.Output != 34 || recBodies[0] != repBodies[0] {
		t.Fatalf("recorded %+v %q\nreplayed %+v %q", a, recBodies[0], b, repBodies[0])
	}
	if b.TTFTS*1000 < e.Chunks[0].MS || b.LatencyS*1000 < e.EndMS {
		t.Errorf("replayed first token at %.1f ms, end at %.1f ms; recorded %.1f ms and %.1f ms", b.TTFTS*1000, b.LatencyS*1000, e.Chunks[0].MS, e.EndMS)
	}
}
