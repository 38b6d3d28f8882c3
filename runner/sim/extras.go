package sim

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runner-bench/runner/runner/llmapi"
)

// --- Embeddings ---

// embedDims is the vector size of a model when the request names none: the
// real model's where it is well known, else the API's common default.
func embedDims(api llmapi.API, model string) int {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "3-large"), strings.Contains(m, "gemini-embedding"):
		return 3072
	case strings.Contains(m, "mxbai"), strings.Contains(m, "bge-large"):
		return 1024
	case strings.Contains(m, "minilm"):
		return 384
	case api == llmapi.OpenAI:
		return 1536
	}
	return 768
}

// vector is the embedding of one input: a unit vector drawn from the seed,
// the model and the text, so equal texts embed equally.
func (s *simulator) vector(model, text string, dims int) []float32 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(s.cfg.Seed))
	h.Write(b[:])
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write([]byte(text))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	v := make([]float64, dims)
	norm := 0.0
	for i := range v {
		v[i] = rng.NormFloat64()
		norm += v[i] * v[i]
	}
	norm = math.Sqrt(norm)
	out := make([]float32, dims)
	for i := range v {
		out[i] = float32(v[i] / norm)
	}
	return out
}

// embedInput is one text to embed, and its tokens.
type embedInput struct {
	text   string
	tokens int
}

// openAIInputs reads `input`: a string, a list of strings, a list of token
// ids, or a list of token-id lists.
func openAIInputs(raw json.RawMessage) ([]embedInput, bool) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []embedInput{textInput(one)}, true
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		out := make([]embedInput, len(many))
		for i, t := range many {
			out[i] = textInput(t)
		}
		return out, len(out) > 0
	}
	var ids []int64
	if json.Unmarshal(raw, &ids) == nil {
		return []embedInput{{string(raw), len(ids)}}, len(ids) > 0
	}
	var idLists [][]int64
	if json.Unmarshal(raw, &idLists) == nil {
		out := make([]embedInput, len(idLists))
		for i, l := range idLists {
			out[i] = embedInput{string(appendJSON(nil, l)), len(l)}
		}
		return out, len(out) > 0
	}
	return nil, false
}

func textInput(t string) embedInput {
	return embedInput{t, llmapi.TokensForChars(utf8.RuneCountInString(t))}
}

// geminiText is the text of a Gemini Content's parts.
type geminiContent struct {
	Parts []struct {
		Text string `json:"text"`
	} `json:"parts"`
}

func (c geminiContent) input() embedInput {
	var b strings.Builder
	for _, p := range c.Parts {
		b.WriteString(p.Text)
	}
	return textInput(b.String())
}

func (s *simulator) serveEmbeddings(w http.ResponseWriter, r *http.Request, rt endpointRoute, model string, body []byte) {
	m := s.model(model)
	rng := s.rng(rt.api, model, body)
	switch u := rng.Float64(); {
	case u < m.ErrorRate429:
		writeError(w, rt.api, http.StatusTooManyRequests, "rate_limit_error", "simulated rate limit")
		return
	case u < m.ErrorRate429+m.ErrorRate500:
		writeError(w, rt.api, http.StatusInternalServerError, "api_error", "simulated server error")
		return
	}
	g := &gen{m: m, start: time.Now()}
	if !g.wait(r.Context(), 0) {
		return
	}
	bad := func(msg string) { writeError(w, rt.api, http.StatusBadRequest, "invalid_request_error", msg) }
	dims := func(asked *int) int {
		if asked != nil && *asked > 0 {
			return *asked
		}
		return embedDims(rt.api, model)
	}
	switch rt.endpoint {
	case llmapi.Embeddings:
		if rt.api == llmapi.Ollama { // legacy /api/embeddings: one prompt, no usage
			var q struct {
				Prompt string `json:"prompt"`
			}
			json.Unmarshal(body, &q)
			writeJSON(w, http.StatusOK, map[string]any{"embedding": s.vector(model, q.Prompt, embedDims(llmapi.Ollama, model))})
			return
		}
		var q struct {
			Input          json.RawMessage `json:"input"`
			Dimensions     *int            `json:"dimensions"`
			EncodingFormat string          `json:"encoding_format"`
		}
		json.Unmarshal(body, &q)
		ins, ok := openAIInputs(q.Input)
		if !ok {
			bad("'input' must be a non-empty string, array of strings, or array of token arrays")
			return
		}
		n, total := dims(q.Dimensions), 0
		data := make([]any, len(ins))
		for i, in := range ins {
			v := s.vector(model, in.text, n)
			var emb any = v
			if q.EncodingFormat == "base64" {
				buf := make([]byte, 4*len(v))
				for j, f := range v {
					binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(f))
				}
				emb = base64.StdEncoding.EncodeToString(buf)
			}
			data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
			total += in.tokens
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": model,
			"usage": map[string]int{"prompt_tokens": total, "total_tokens": total}})
	case llmapi.OllamaEmbed:
		var q struct {
			Input      json.RawMessage `json:"input"`
			Dimensions *int            `json:"dimensions"`
		}
		json.Unmarshal(body, &q)
		ins, ok := openAIInputs(q.Input)
		if !ok {
			bad("invalid input type")
			return
		}
		n, total := dims(q.Dimensions), 0
		vecs := make([][]float32, len(ins))
		for i, in := range ins {
			vecs[i] = s.vector(model, in.text, n)
			total += in.tokens
		}
		writeJSON(w, http.StatusOK, map[string]any{"model": model, "embeddings": vecs,
			"total_duration": max(int64(time.Since(g.start)), 1), "load_duration": 0, "prompt_eval_count": total})
	case llmapi.EmbedContent:
		var q struct {
			Content              geminiContent `json:"content"`
			OutputDimensionality *int          `json:"outputDimensionality"`
		}
		json.Unmarshal(body, &q)
		in := q.Content.input()
		writeJSON(w, http.StatusOK, map[string]any{"embedding": map[string]any{
			"values": s.vector(model, in.text, dims(q.OutputDimensionality))}})
	case llmapi.BatchEmbedContents:
		var q struct {
			Requests []struct {
				Content              geminiContent `json:"content"`
				OutputDimensionality *int          `json:"outputDimensionality"`
			} `json:"requests"`
		}
		json.Unmarshal(body, &q)
		if len(q.Requests) == 0 {
			bad("* BatchEmbedContentsRequest.requests: requests is empty")
			return
		}
		out := make([]any, len(q.Requests))
		for i, rq := range q.Requests {
			out[i] = map[string]any{"values": s.vector(model, rq.Content.input().text, dims(rq.OutputDimensionality))}
		}
		writeJSON(w, http.StatusOK, map[string]any{"embeddings": out})
	}
}

// --- Token counts ---

// serveCount answers Anthropic's count_tokens and Gemini's countTokens with
// the input tokens the same request would be charged by the simulator.
func serveCount(w http.ResponseWriter, rt endpointRoute, body []byte) {
	n := llmapi.InputTokens(body)
	if rt.api == llmapi.Anthropic {
		writeJSON(w, http.StatusOK, map[string]any{"input_tokens": n})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalTokens": n,
		"promptTokensDetails": []any{map[string]any{"modality": "TEXT", "tokenCount": n}}})
}

// --- Model lists and model information ---

// defaultCatalog lists, per API, the models a simulator without a catalog
// names in its model lists.
var defaultCatalog = map[llmapi.API][]string{
	llmapi.OpenAI:    {"gpt-4o", "gpt-4o-mini", "text-embedding-3-small"},
	llmapi.Anthropic: {"claude-sonnet-4-5", "claude-haiku-4-5"},
	llmapi.Gemini:    {"gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"},
	llmapi.Ollama:    {"llama3.2:latest", "nomic-embed-text:latest"},
}

const catalogCreated = 1735689600 // 2025-01-01T00:00:00Z: a fixed date keeps lists deterministic

func isEmbeddingModel(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "embed") || strings.Contains(n, "minilm") || strings.Contains(n, "bge-")
}

func (s *simulator) catalog(api llmapi.API) []string {
	if names := s.cfg.Catalog[api]; len(names) > 0 {
		return names
	}
	return defaultCatalog[api]
}

func (s *simulator) serveInfo(w http.ResponseWriter, r *http.Request, rt endpointRoute) {
	type info struct {
		api      llmapi.API
		endpoint llmapi.Endpoint
	}
	switch (info{rt.api, rt.endpoint}) {
	case info{llmapi.OpenAI, modelList}:
		var data []any
		for _, m := range s.catalog(llmapi.OpenAI) {
			data = append(data, openAIModel(m))
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
	case info{llmapi.OpenAI, modelInfo}:
		writeJSON(w, http.StatusOK, openAIModel(rt.model))
	case info{llmapi.Anthropic, modelList}:
		names := s.catalog(llmapi.Anthropic)
		var data []any
		for _, m := range names {
			data = append(data, anthropicModel(m))
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data, "has_more": false,
			"first_id": names[0], "last_id": names[len(names)-1]})
	case info{llmapi.Anthropic, modelInfo}:
		writeJSON(w, http.StatusOK, anthropicModel(rt.model))
	case info{llmapi.Gemini, modelList}:
		var data []any
		for _, m := range s.catalog(llmapi.Gemini) {
			data = append(data, geminiModel(m))
		}
		writeJSON(w, http.StatusOK, map[string]any{"models": data})
	case info{llmapi.Gemini, modelInfo}:
		writeJSON(w, http.StatusOK, geminiModel(rt.model))
	case info{llmapi.Ollama, ollamaTags}:
		var data []any
		for _, m := range s.catalog(llmapi.Ollama) {
			data = append(data, map[string]any{"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z",
				"size": 2019393189, "digest": digest(m), "details": ollamaDetails(m)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"models": data})
	case info{llmapi.Ollama, ollamaPS}:
		writeJSON(w, http.StatusOK, map[string]any{"models": []any{}})
	case info{llmapi.Ollama, ollamaVersion}:
		writeJSON(w, http.StatusOK, map[string]any{"version": "0.12.0"})
	case info{llmapi.Ollama, ollamaRoot}:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Ollama is running")
	}
}

func openAIModel(m string) map[string]any {
	return map[string]any{"id": m, "object": "model", "created": catalogCreated, "owned_by": "system"}
}

func anthropicModel(m string) map[string]any {
	return map[string]any{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
}

func geminiModel(m string) map[string]any {
	m = strings.TrimPrefix(m, "models/")
	methods := []string{"generateContent", "countTokens", "createCachedContent"}
	in, out := 1048576, 65536
	if isEmbeddingModel(m) {
		methods, in, out = []string{"embedContent", "countTextTokens", "countTokens"}, 2048, 1
	}
	return map[string]any{"name": "models/" + m, "version": "001", "displayName": m, "description": "simulated " + m,
		"inputTokenLimit": in, "outputTokenLimit": out, "supportedGenerationMethods": methods}
}

func ollamaDetails(m string) map[string]any {
	return map[string]any{"parent_model": "", "format": "gguf", "family": "llama", "families": []string{"llama"},
		"parameter_size": "3.2B", "quantization_level": "Q4_K_M"}
}

func digest(m string) string {
	h := fnv.New64a()
	h.Write([]byte(m))
	x := h.Sum64()
	const hex = "0123456789abcdef"
	b := make([]byte, 64)
	for i := range b {
		b[i] = hex[(x>>(4*(i%16)))&15]
	}
	return string(b)
}

// serveShow answers Ollama's /api/show for any model: the simulator serves
// every name.
func serveShow(w http.ResponseWriter, model string) {
	caps := []string{"completion", "tools"}
	if isEmbeddingModel(model) {
		caps = []string{"embedding"}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"modelfile":  "# simulated by runner\nFROM " + model + "\n",
		"parameters": "", "template": "{{ .Prompt }}",
		"details":      ollamaDetails(model),
		"model_info":   map[string]any{"general.architecture": "llama", "general.parameter_count": 3212749888, "llama.context_length": 131072, "llama.embedding_length": embedDims(llmapi.Ollama, model)},
		"capabilities": caps,
		"modified_at":  "2025-01-01T00:00:00Z",
	})
}

// --- Legacy OpenAI completions ---

func serveCompletions(w http.ResponseWriter, r *http.Request, g *gen) {
	finish := g.finishReason()
	type choice struct {
		Text         string          `json:"text"`
		Index        int             `json:"index"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason *string         `json:"finish_reason"`
	}
	type body struct {
		ID      string          `json:"id"`
		Object  string          `json:"object"`
		Created int64           `json:"created"`
		Model   string          `json:"model"`
		Choices []choice        `json:"choices"`
		Usage   json.RawMessage `json:"usage,omitempty"`
	}
	usage := appendJSON(nil, map[string]int{"prompt_tokens": g.input, "completion_tokens": g.output(), "total_tokens": g.input + g.output()})
	b := body{ID: "cmpl-" + g.id, Object: "text_completion", Created: g.start.Unix(), Model: g.model}
	if !g.stream {
		if !g.wait(r.Context(), g.output()) {
			return
		}
		b.Choices = []choice{{Text: g.text(), Logprobs: jsonNull, FinishReason: &finish}}
		b.Usage = usage
		writeJSON(w, http.StatusOK, b)
		return
	}
	s := startStream(w, "text/event-stream")
	if g.includeUsage {
		b.Usage = jsonNull
	}
	chunks := g.chunks()
	cut := g.cutAt(len(chunks))
	for i, c := range chunks {
		if !g.pace(r.Context(), s, i, cut) {
			return
		}
		b.Choices = []choice{{Text: c, Logprobs: jsonNull}}
		s.sse("", b, "\n")
	}
	b.Choices = []choice{{Text: "", Logprobs: jsonNull, FinishReason: &finish}}
	s.sse("", b, "\n")
	if g.includeUsage {
		b.Choices = []choice{}
		b.Usage = usage
		s.sse("", b, "\n")
	}
	s.raw("data: [DONE]\n\n")
}
