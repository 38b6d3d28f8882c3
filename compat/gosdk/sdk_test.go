// Package gosdk checks the metering proxy and the simulator against the
// official Go SDKs of OpenAI, Anthropic and Google (genai): every kind of
// call, streamed and not, is recorded with the tokens the client saw, and the
// simulator's tool calls and structured answers parse into the SDKs' types. It is a module of its own so
// that the runner's `go test ./...` does not compile the SDKs; CI runs both.
package gosdk

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"google.golang.org/genai"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/meter"
	"github.com/runner-bench/runner/runner/meter/metertest"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/sim"
)

// phases is a concurrency-safe open-phase holder, as the runner keeps one.
type phases struct {
	mu  sync.Mutex
	cur string
}

func (p *phases) set(s string) { p.mu.Lock(); p.cur = s; p.mu.Unlock() }
func (p *phases) get() string  { p.mu.Lock(); defer p.mu.Unlock(); return p.cur }

// startProxy starts a proxy for all four APIs in front of upstream and exports
// its variables and the API keys the way a run's environment would.
func startProxy(t *testing.T, upstream string) *meter.Proxy {
	t.Helper()
	p, err := meter.Start(context.Background(), meter.Upstreams{llmapi.OpenAI: upstream + "/v1", llmapi.Anthropic: upstream, llmapi.Gemini: upstream, llmapi.Ollama: upstream})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	for _, kv := range p.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("OPENAI_API_KEY", metertest.OpenAIKey)
	t.Setenv("ANTHROPIC_API_KEY", metertest.AnthropicKey)
	t.Setenv("GOOGLE_API_KEY", metertest.GeminiKey)
	t.Setenv("GEMINI_API_KEY", "")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "")
	t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "")
	return p
}

// sdkResult is what a client saw of one call, to compare with the record.
type sdkResult struct {
	name        string
	text        string
	input, out  int64 // usage as the client saw it; -1 when the client sees none
	wantPhase   string
	wantStream  bool
	wantAPI     llmapi.API
	wantEndpont string
}

// driveSDKs makes every kind of call through the official SDKs (and raw HTTP
// for Ollama), switching phases between them.
func driveSDKs(t *testing.T, p *meter.Proxy, ph *phases) []sdkResult {
	t.Helper()
	ctx := context.Background()
	var res []sdkResult
	add := func(r sdkResult) { res = append(res, r) }

	// OpenAI
	ph.set("Data Preparation")
	oc := openai.NewClient()
	msgs := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Summarise 220 rides.")}
	cc, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: msgs})
	if err != nil {
		t.Fatalf("openai chat: %v", err)
	}
	add(sdkResult{"openai chat", cc.Choices[0].Message.Content, cc.Usage.PromptTokens, cc.Usage.CompletionTokens, "Data Preparation", false, llmapi.OpenAI, "chat.completions"})

	for _, withUsage := range []bool{false, true} {
		params := openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: msgs}
		if withUsage {
			params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		}
		st := oc.Chat.Completions.NewStreaming(ctx, params)
		var text strings.Builder
		in, out := int64(-1), int64(-1)
		for st.Next() {
			ch := st.Current()
			for _, c := range ch.Choices {
				text.WriteString(c.Delta.Content)
			}
			if ch.JSON.Usage.Valid() && ch.Usage.TotalTokens > 0 {
				in, out = ch.Usage.PromptTokens, ch.Usage.CompletionTokens
			}
		}
		if err := st.Err(); err != nil {
			t.Fatalf("openai chat stream: %v", err)
		}
		st.Close()
		if !withUsage && in != -1 {
			t.Errorf("client that did not ask for usage was shown a usage chunk")
		}
		add(sdkResult{"openai chat stream usage=" + map[bool]string{true: "yes", false: "no"}[withUsage], text.String(), in, out, "Data Preparation", true, llmapi.OpenAI, "chat.completions"})
	}

	ph.set("Performance Analysis")
	rp := responses.ResponseNewParams{Model: "gpt-4.1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Analyse power.")}}
	rr, err := oc.Responses.New(ctx, rp)
	if err != nil {
		t.Fatalf("openai responses: %v", err)
	}
	add(sdkResult{"openai responses", rr.OutputText(), rr.Usage.InputTokens, rr.Usage.OutputTokens, "Performance Analysis", false, llmapi.OpenAI, "responses"})
	rs := oc.Responses.NewStreaming(ctx, rp, ooption.WithHeader(meter.PhaseHeader, "Header Phase"))
	var rtext strings.Builder
	rin, rout := int64(-1), int64(-1)
	for rs.Next() {
		ev := rs.Current()
		switch ev.Type {
		case "response.output_text.delta":
			rtext.WriteString(ev.Delta)
		case "response.completed", "response.incomplete":
			rin, rout = ev.Response.Usage.InputTokens, ev.Response.Usage.OutputTokens
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("openai responses stream: %v", err)
	}
	rs.Close()
	add(sdkResult{"openai responses stream", rtext.String(), rin, rout, "Header Phase", true, llmapi.OpenAI, "responses"})

	// Anthropic
	ph.set("Training Planning")
	ac := anthropic.NewClient()
	mp := anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 1024,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Plan the week."))}}
	am, err := ac.Messages.New(ctx, mp)
	if err != nil {
		t.Fatalf("anthropic: %v", err)
	}
	add(sdkResult{"anthropic messages", am.Content[0].Text, am.Usage.InputTokens + am.Usage.CacheCreationInputTokens + am.Usage.CacheReadInputTokens, am.Usage.OutputTokens, "Training Planning", false, llmapi.Anthropic, "messages"})
	as := ac.Messages.NewStreaming(ctx, mp, aoption.WithHeader(meter.PhaseHeader, "Header Phase"))
	var acc anthropic.Message
	for as.Next() {
		if err := acc.Accumulate(as.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := as.Err(); err != nil {
		t.Fatalf("anthropic stream: %v", err)
	}
	as.Close()
	add(sdkResult{"anthropic stream", acc.Content[0].Text, acc.Usage.InputTokens + acc.Usage.CacheCreationInputTokens + acc.Usage.CacheReadInputTokens, acc.Usage.OutputTokens, "Header Phase", true, llmapi.Anthropic, "messages"})

	// Gemini
	ph.set("Report Generation")
	gc, err := genai.NewClient(ctx, &genai.ClientConfig{})
	if err != nil {
		t.Fatalf("genai client: %v", err)
	}
	gr, err := gc.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Write the report."), nil)
	if err != nil {
		t.Fatalf("gemini: %v", err)
	}
	gu := gr.UsageMetadata
	add(sdkResult{"gemini", gr.Text(), int64(gu.PromptTokenCount), int64(gu.CandidatesTokenCount + gu.ThoughtsTokenCount), "Report Generation", false, llmapi.Gemini, "generateContent"})
	var gtext strings.Builder
	gin, gout := int64(-1), int64(-1)
	for r, err := range gc.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("Write the report."), nil) {
		if err != nil {
			t.Fatalf("gemini stream: %v", err)
		}
		gtext.WriteString(r.Text())
		if u := r.UsageMetadata; u != nil {
			gin, gout = int64(u.PromptTokenCount), int64(u.CandidatesTokenCount+u.ThoughtsTokenCount)
		}
	}
	add(sdkResult{"gemini stream", gtext.String(), gin, gout, "Report Generation", true, llmapi.Gemini, "streamGenerateContent"})

	// Ollama: raw HTTP per its API docs, at OLLAMA_HOST.
	ph.set("Report Generation")
	host := envOf(p, "OLLAMA_HOST")
	resp, err := http.Post(host+"/api/chat", "application/json", strings.NewReader(`{"model":"llama3.2","messages":[{"role":"user","content":"Why is the sky blue?"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var otext strings.Builder
	var oin, oout int64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ch struct {
			Message         struct{ Content string }
			Done            bool
			PromptEvalCount int64 `json:"prompt_eval_count"`
			EvalCount       int64 `json:"eval_count"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ch); err != nil {
			t.Fatalf("ollama line %q: %v", sc.Text(), err)
		}
		otext.WriteString(ch.Message.Content)
		if ch.Done {
			oin, oout = ch.PromptEvalCount, ch.EvalCount
		}
	}
	resp.Body.Close()
	add(sdkResult{"ollama chat", otext.String(), oin, oout, "Report Generation", true, llmapi.Ollama, "chat"})
	resp, err = http.Post(host+"/api/generate", "application/json", strings.NewReader(`{"model":"llama3.2","prompt":"Why is the sky blue?","stream":false}`))
	if err != nil {
		t.Fatal(err)
	}
	var og struct {
		Response        string
		PromptEvalCount int64 `json:"prompt_eval_count"`
		EvalCount       int64 `json:"eval_count"`
	}
	json.NewDecoder(resp.Body).Decode(&og)
	resp.Body.Close()
	add(sdkResult{"ollama generate", og.Response, og.PromptEvalCount, og.EvalCount, "Report Generation", false, llmapi.Ollama, "generate"})
	return res
}

func envOf(p *meter.Proxy, key string) string {
	for _, kv := range p.Env() {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// checkCalls compares the records with what the clients saw.
func checkCalls(t *testing.T, got []sdkResult, calls []record.Call) {
	t.Helper()
	if len(calls) != len(got) {
		for _, c := range calls {
			t.Logf("call: %+v", c)
		}
		t.Fatalf("%d calls recorded, %d made", len(calls), len(got))
	}
	for i, c := range calls {
		r := got[i]
		t.Run(r.name, func(t *testing.T) {
			if r.text == "" {
				t.Errorf("client got no text")
			}
			if c.API != r.wantAPI || c.Endpoint != r.wantEndpont || c.Stream != r.wantStream || c.Phase != r.wantPhase {
				t.Errorf("record %s/%s stream=%v phase=%q, want %s/%s stream=%v phase=%q",
					c.API, c.Endpoint, c.Stream, c.Phase, r.wantAPI, r.wantEndpont, r.wantStream, r.wantPhase)
			}
			if c.Status != 200 || c.Error != "" || c.UsageStatus != "reported" {
				t.Errorf("status %d error %q usage %q", c.Status, c.Error, c.UsageStatus)
			}
			if c.Model == "" || c.ResponseModel == "" {
				t.Errorf("model %q response model %q", c.Model, c.ResponseModel)
			}
			if r.input >= 0 && (c.Input != r.input || c.Output != r.out) {
				t.Errorf("tokens in/out %d/%d, client saw %d/%d", c.Input, c.Output, r.input, r.out)
			}
			if c.Input <= 0 || c.Output <= 0 {
				t.Errorf("tokens in/out %d/%d", c.Input, c.Output)
			}
			if c.LatencyS <= 0 || c.TTFTS <= 0 || c.TTFTS > c.LatencyS {
				t.Errorf("latency %v ttft %v", c.LatencyS, c.TTFTS)
			}
			if c.Stream && c.OutputTPS <= 0 {
				t.Errorf("stream without output tokens/s")
			}
		})
	}
	b, _ := json.Marshal(calls)
	for _, k := range []string{metertest.OpenAIKey, metertest.AnthropicKey, metertest.GeminiKey, "SECRET"} {
		if strings.Contains(string(b), k) {
			t.Errorf("an API key is in the records: %s", b)
		}
	}
}

func TestSDKsThroughProxyToSimulator(t *testing.T) {
	up := httptest.NewServer(sim.New(sim.Config{Seed: 1, Default: sim.Model{TTFT: time.Millisecond, TokensPerSecond: 100000}}))
	defer up.Close()
	p := startProxy(t, up.URL)
	ph := &phases{}
	p.BeginRun(time.Now(), ph.get)
	got := driveSDKs(t, p, ph)
	calls := p.EndRun().Calls
	checkCalls(t, got, calls)
	for _, c := range calls {
		if c.Output < 200 || c.Output > 600 {
			t.Errorf("%s: simulated output %d outside 200..600", c.Endpoint, c.Output)
		}
	}
}

func TestSDKsThroughProxyToDocumentedShapes(t *testing.T) {
	fx := metertest.New()
	up := httptest.NewServer(fx)
	defer up.Close()
	p := startProxy(t, up.URL)
	ph := &phases{}
	p.BeginRun(time.Now(), ph.get)
	got := driveSDKs(t, p, ph)
	calls := p.EndRun().Calls
	// The client that did not ask for usage saw none; the record has it.
	got[1].input, got[1].out = 9, 2
	checkCalls(t, got, calls)

	want := []record.Tokens{
		{Input: 20, Output: 9, CachedInput: 16},                        // chat
		{Input: 9, Output: 2},                                          // chat stream, usage added by the proxy
		{Input: 9, Output: 2},                                          // chat stream, usage asked for
		{Input: 36, Output: 87, Reasoning: 64},                         // responses
		{Input: 36, Output: 87, Reasoning: 64},                         // responses stream
		{Input: 3135, Output: 10, CachedInput: 2000, CacheWrite: 1000}, // anthropic
		{Input: 3135, Output: 10, CachedInput: 2000, CacheWrite: 1000}, // anthropic stream: output is the last, not 1+10
		{Input: 120, Output: 50, CachedInput: 100, Reasoning: 42},      // gemini
		{Input: 120, Output: 50, CachedInput: 100, Reasoning: 42},      // gemini stream: the last cumulative usage
		{Input: 26, Output: 259},                                       // ollama chat
		{Input: 26, Output: 259},                                       // ollama generate
	}
	for i, c := range calls {
		if c.Tokens != want[i] {
			t.Errorf("%s %s stream=%v: tokens %+v, want %+v", c.API, c.Endpoint, c.Stream, c.Tokens, want[i])
		}
	}
	if tps := calls[9].OutputTPS; tps < 61.18 || tps > 61.20 {
		t.Errorf("ollama output tokens/s %v, want 259/4.23271 = 61.19", tps)
	}
	if calls[0].ResponseModel != "gpt-4o-2024-08-06" || calls[7].ResponseModel != "gemini-2.5-flash" || calls[7].Model != "gemini-2.5-flash" {
		t.Errorf("models: %q %q %q", calls[0].ResponseModel, calls[7].ResponseModel, calls[7].Model)
	}

	// Keys reached the upstream untouched; the phase header did not.
	for path, want := range map[string][2]string{
		"/v1/chat/completions": {"Authorization", "Bearer " + metertest.OpenAIKey},
		"/v1/messages":         {"Authorization", "Bearer " + metertest.AnthropicKey}, // SDK v2 sends ANTHROPIC_API_KEY as a bearer token
		"/v1beta/models/gemini-2.5-flash:streamGenerateContent": {"X-Goog-Api-Key", metertest.GeminiKey},
	} {
		h := fx.Header(path)
		if h.Get(want[0]) != want[1] {
			t.Errorf("%s: upstream got %s %q (%v)", path, want[0], h.Get(want[0]), h)
		}
		if h.Get(meter.PhaseHeader) != "" {
			t.Errorf("%s: the phase header was forwarded", path)
		}
	}
}
