package sim

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/llmapi"
)

func get200(t *testing.T, url string, header ...string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b.String())
	}
	return b.String()
}

func unitLength(t *testing.T, v []float64) {
	t.Helper()
	n := 0.0
	for _, x := range v {
		n += x * x
	}
	if math.Abs(n-1) > 1e-4 {
		t.Errorf("embedding norm² %v, want 1", n)
	}
}

func TestEmbeddings(t *testing.T) {
	srv := newServer(t, Config{Seed: 1})
	type oaEmb struct {
		Data []struct {
			Index     int             `json:"index"`
			Embedding json.RawMessage `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}
	var a oaEmb
	_, body := post(t, srv.URL+"/v1/embeddings", `{"model":"text-embedding-3-small","input":["12345678","1234"]}`)
	if err := json.Unmarshal([]byte(body), &a); err != nil || len(a.Data) != 2 || a.Usage.PromptTokens != 3 || a.Usage.TotalTokens != 3 {
		t.Fatalf("openai embeddings (%v): %s", err, body)
	}
	var v0, v1 []float64
	json.Unmarshal(a.Data[0].Embedding, &v0)
	json.Unmarshal(a.Data[1].Embedding, &v1)
	if len(v0) != 1536 || len(v1) != 1536 || a.Data[1].Index != 1 {
		t.Fatalf("default dimension: %d %d", len(v0), len(v1))
	}
	unitLength(t, v0)

	// base64 (what the Python and Node SDKs ask for by default): the same
	// vector as little-endian float32.
	var b oaEmb
	_, body = post(t, srv.URL+"/v1/embeddings", `{"model":"text-embedding-3-small","input":"12345678","encoding_format":"base64","dimensions":1536}`)
	json.Unmarshal([]byte(body), &b)
	var s string
	json.Unmarshal(b.Data[0].Embedding, &s)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != 4*1536 {
		t.Fatalf("base64 embedding (%v): %d bytes", err, len(raw))
	}
	for i := range v0 {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); float64(got) != float64(float32(v0[i])) {
			t.Fatalf("base64 vector differs at %d: %v vs %v", i, got, v0[i])
		}
	}

	_, body = post(t, srv.URL+"/v1/embeddings", `{"model":"text-embedding-3-large","input":[[1,2,3],[4,5]],"dimensions":8}`)
	json.Unmarshal([]byte(body), &a)
	json.Unmarshal(a.Data[0].Embedding, &v0)
	if len(v0) != 8 || a.Usage.PromptTokens != 5 {
		t.Errorf("token-id input with dimensions 8: %s", body)
	}

	_, body = post(t, srv.URL+"/api/embed", `{"model":"nomic-embed-text","input":["12345678","1234"]}`)
	var o struct {
		Embeddings      [][]float64 `json:"embeddings"`
		PromptEvalCount int         `json:"prompt_eval_count"`
	}
	if json.Unmarshal([]byte(body), &o); len(o.Embeddings) != 2 || len(o.Embeddings[0]) != 768 || o.PromptEvalCount != 3 {
		t.Errorf("ollama /api/embed: %s", body)
	}
	unitLength(t, o.Embeddings[1])
	_, body = post(t, srv.URL+"/api/embeddings", `{"model":"nomic-embed-text","prompt":"1234"}`)
	var legacy struct{ Embedding []float64 }
	if json.Unmarshal([]byte(body), &legacy); len(legacy.Embedding) != 768 {
		t.Errorf("ollama /api/embeddings: %s", body)
	}
	// The same text embeds the same across endpoints of one model.
	for i := range legacy.Embedding {
		if legacy.Embedding[i] != o.Embeddings[1][i] {
			t.Fatalf("same text, different vectors at %d", i)
		}
	}

	_, body = post(t, srv.URL+"/v1beta/models/gemini-embedding-001:embedContent", `{"content":{"parts":[{"text":"hi"}]},"outputDimensionality":16}`)
	var ge struct{ Embedding struct{ Values []float64 } }
	if json.Unmarshal([]byte(body), &ge); len(ge.Embedding.Values) != 16 {
		t.Errorf("gemini embedContent: %s", body)
	}
	_, body = post(t, srv.URL+"/v1beta/models/gemini-embedding-001:batchEmbedContents", `{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]}},{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"b"}]},"outputDimensionality":4}]}`)
	var gb struct{ Embeddings []struct{ Values []float64 } }
	if json.Unmarshal([]byte(body), &gb); len(gb.Embeddings) != 2 || len(gb.Embeddings[0].Values) != 3072 || len(gb.Embeddings[1].Values) != 4 {
		t.Errorf("gemini batchEmbedContents: %.300s", body)
	}

	// Another seed, other vectors; the same seed, the same.
	legacyReq := `{"model":"nomic-embed-text","prompt":"1234"}`
	_, same := post(t, newServer(t, Config{Seed: 1}).URL+"/api/embeddings", legacyReq)
	_, other := post(t, newServer(t, Config{Seed: 2}).URL+"/api/embeddings", legacyReq)
	_, again := post(t, srv.URL+"/api/embeddings", legacyReq)
	if same != again || other == again {
		t.Errorf("embeddings are not a function of the seed")
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func TestModelListsAndCounts(t *testing.T) {
	srv := newServer(t, Config{Catalog: map[llmapi.API][]string{llmapi.OpenAI: {"gpt-4-turbo"}, llmapi.Ollama: {"llama3.2:3b"}}})
	if b := get200(t, srv.URL+"/v1/models"); !strings.Contains(b, `"object":"list"`) || !strings.Contains(b, `"id":"gpt-4-turbo"`) {
		t.Errorf("openai models: %s", b)
	}
	if b := get200(t, srv.URL+"/models/gpt-4o"); !strings.Contains(b, `"id":"gpt-4o"`) || !strings.Contains(b, `"object":"model"`) {
		t.Errorf("openai model: %s", b)
	}
	if b := get200(t, srv.URL+"/v1/models", "anthropic-version", "2023-06-01"); !strings.Contains(b, `"type":"model"`) || !strings.Contains(b, `"has_more":false`) || !strings.Contains(b, `"id":"claude-sonnet-4-5"`) {
		t.Errorf("anthropic models: %s", b)
	}
	if b := get200(t, srv.URL+"/v1beta/models"); !strings.Contains(b, `"name":"models/gemini-2.5-flash"`) || !strings.Contains(b, `"supportedGenerationMethods"`) {
		t.Errorf("gemini models: %s", b)
	}
	if b := get200(t, srv.URL+"/v1beta/models/gemini-embedding-001"); !strings.Contains(b, `"embedContent"`) {
		t.Errorf("gemini model: %s", b)
	}
	if b := get200(t, srv.URL+"/api/tags"); !strings.Contains(b, `"name":"llama3.2:3b"`) || !strings.Contains(b, `"digest"`) {
		t.Errorf("ollama tags: %s", b)
	}
	if b := get200(t, srv.URL+"/"); b != "Ollama is running" {
		t.Errorf("GET /: %q", b)
	}
	if resp, err := http.Head(srv.URL + "/api/tags"); err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD /api/tags: %v %v", err, resp)
	}
	if b := get200(t, srv.URL+"/api/version"); !strings.Contains(b, `"version"`) {
		t.Errorf("ollama version: %s", b)
	}
	if _, b := post(t, srv.URL+"/api/show", `{"model":"llama3.2:3b"}`); !strings.Contains(b, `"capabilities":["completion","tools"]`) || !strings.Contains(b, `"details"`) {
		t.Errorf("ollama show: %s", b)
	}
	if _, b := post(t, srv.URL+"/api/show", `{"name":"nomic-embed-text"}`); !strings.Contains(b, `"capabilities":["embedding"]`) {
		t.Errorf("ollama show (name): %s", b)
	}

	// count_tokens and countTokens say what the call itself will be charged.
	msg := `{"model":"claude-sonnet-4-5","max_tokens":10,"system":"be brief","messages":[{"role":"user","content":"count these words please"}]}`
	_, b := post(t, srv.URL+"/v1/messages/count_tokens", msg)
	_, full := post(t, srv.URL+"/v1/messages", msg)
	want := llmapi.InputTokens([]byte(msg))
	if !strings.Contains(b, `{"input_tokens":`+itoa(want)+`}`) || !strings.Contains(full, `"input_tokens":`+itoa(want)+`,`) {
		t.Errorf("count_tokens %s vs messages %s, want %d", b, full, want)
	}
	gem := `{"contents":[{"role":"user","parts":[{"text":"count these words please"}]}]}`
	_, b = post(t, srv.URL+"/v1beta/models/gemini-2.5-flash:countTokens", gem)
	if !strings.Contains(b, `"totalTokens":`+itoa(llmapi.InputTokens([]byte(gem)))) {
		t.Errorf("countTokens: %s", b)
	}
}

func itoa(n int) string { return string(mustJSON(n)) }

func TestLegacyCompletions(t *testing.T) {
	srv := newServer(t, Config{Default: Model{OutputTokens: 40}})
	_, b := post(t, srv.URL+"/v1/completions", `{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test"}`)
	var c struct {
		Object  string
		Choices []struct {
			Text         string
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	if json.Unmarshal([]byte(b), &c); c.Object != "text_completion" || c.Usage.CompletionTokens != 16 || c.Choices[0].FinishReason != "length" ||
		len(strings.Fields(c.Choices[0].Text)) != 16 || c.Usage.PromptTokens != 5 {
		t.Errorf("legacy completion (default max_tokens 16): %s", b)
	}
	_, b = post(t, srv.URL+"/v1/completions", `{"model":"m","prompt":"x","max_tokens":100,"stream":true,"stream_options":{"include_usage":true}}`)
	ev := events(b)
	var text string
	for _, e := range ev[:len(ev)-2] {
		var ch struct{ Choices []struct{ Text string } }
		json.Unmarshal([]byte(e[1]), &ch)
		text += ch.Choices[0].Text
	}
	if len(strings.Fields(text)) != 40 || ev[len(ev)-1][1] != "[DONE]" || !strings.Contains(ev[len(ev)-2][1], `"completion_tokens":40`) {
		t.Errorf("legacy completion stream:\n%s", b)
	}
}
