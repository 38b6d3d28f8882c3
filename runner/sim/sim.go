// Package sim is the simulated upstream behind `--dry-run` and `runner sim`: one
// http.Handler that speaks the four APIs (OpenAI Chat Completions, Responses,
// legacy completions, embeddings and models; Anthropic Messages, count_tokens
// and models; Gemini generateContent, streamGenerateContent, embedContent,
// batchEmbedContents, countTokens and models; Ollama /api/chat, /api/generate,
// /api/embed, /api/embeddings, /api/tags, /api/show and the OpenAI-compatible
// /v1 routes), streaming and not, in the shapes of the providers' documentation,
// errors included, so that a workflow rehearses its own code paths.
//
// Everything a response says is a pure function of the seed and the request:
//
//   - Input tokens are counted from the request text: every JSON string value
//     whose key (or the key of the array holding it) is content, text, prompt,
//     system, input or instructions; ~1 token per 4 characters (runes), rounded
//     up, at least 1 (llmapi.InputTokens). count_tokens and countTokens answer the
//     same count.
//   - A request that declares tools is answered with a call of one of them
//     (the one tool_choice forces, else one drawn from the seed) whose
//     arguments satisfy its JSON Schema (Instance), until the conversation
//     holds a tool result; then the answer is text. A forced choice calls
//     even after a result, as the real APIs do.
//   - A request for structured output (response_format, text.format,
//     output_format, responseSchema/responseMimeType, Ollama's format) is
//     answered with JSON that satisfies the schema, or any JSON object for
//     plain JSON mode.
//   - A text answer's length is Model.OutputTokens, or when that is 0 a length
//     in [200, 600] drawn from the seed and the request; it is capped by the
//     request's max_tokens / max_completion_tokens / max_output_tokens /
//     generationConfig.maxOutputTokens / options.num_predict (16 by default
//     on the legacy completions endpoint, as there), and a capped response
//     says so (finish_reason "length", stop_reason "max_tokens", ...). A
//     JSON answer is as long as its JSON (cut at the cap, like a real one);
//     a tool call is never cut. Output tokens are ceil(characters/4) of what
//     was sent, for JSON and tool calls as for text (one lorem word per token).
//   - Embeddings are unit vectors drawn from the seed, the model and the text
//     (equal texts embed equally), of the requested dimension or the model's
//     usual one.
//   - Latency: the first content arrives after Model.TTFT, then tokens follow at
//     Model.TokensPerSecond (0 = no pacing); a non-streamed response is sent
//     when the last token would have been.
//   - Errors: per request, a 429 with probability ErrorRate429, else a 500 with
//     ErrorRate500, else (streams only) the connection is cut after about half
//     the content with probability TruncateRate. Unknown routes, wrong methods,
//     bodies that are not JSON and requests without a model get the API's own
//     error shape.
//
// The random stream of a request is seeded by (Config.Seed, API, model, request
// body, and how many times this simulator has seen that exact request), so a
// retried request draws afresh while a whole serial run is reproducible.
// Auth headers are accepted and ignored; a missing key is accepted too.
package sim

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
)

// Model is how the simulator behaves for one model.
type Model struct {
	TTFT            time.Duration // time to the first content token
	TokensPerSecond float64       // output pace; 0 = as fast as possible
	OutputTokens    int           // output length; 0 = 200..600 from seed+request
	ErrorRate429    float64       // probability of a 429 rate-limit reply
	ErrorRate500    float64       // probability of a 500 reply
	TruncateRate    float64       // probability a stream is cut mid-way
}

// Defaults are the fast settings a dry run uses when the spec says nothing:
// 20 ms to the first token, then 2000 tokens per second.
var Defaults = Model{TTFT: 20 * time.Millisecond, TokensPerSecond: 2000}

// Config configures a simulator.
type Config struct {
	Seed int64
	// Models maps a model name, or a path.Match glob such as "claude-*", to its
	// behaviour. An exact name wins; among globs the longest pattern wins.
	Models map[string]Model
	// Default applies to models no key matches. The zero Model is valid: no
	// delay, no errors, 200..600 output tokens.
	Default Model
	// Catalog names, per API (openai, anthropic, gemini, ollama), the models
	// its model list answers with; an API without names lists a few common
	// models. Every model name is served, listed or not.
	Catalog map[llmapi.API][]string
}

// New returns the simulator as an http.Handler.
func New(cfg Config) http.Handler {
	return &simulator{cfg: cfg, seen: make(map[uint64]uint64)}
}

type simulator struct {
	cfg Config

	mu   sync.Mutex
	seen map[uint64]uint64 // request hash -> times seen
}

// maxSeen bounds the memory of request repetitions; past it the counts restart.
const maxSeen = 1 << 16

func (s *simulator) model(name string) Model {
	if k, ok := llmapi.MatchModel(name, maps.Keys(s.cfg.Models)); ok {
		return s.cfg.Models[k]
	}
	return s.cfg.Default
}

func (s *simulator) rng(api llmapi.API, model string, body []byte) *rand.Rand {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(s.cfg.Seed))
	h.Write(b[:])
	h.Write([]byte(api))
	h.Write([]byte{0})
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write(body)
	key := h.Sum64()
	s.mu.Lock()
	if len(s.seen) >= maxSeen {
		clear(s.seen)
	}
	n := s.seen[key]
	s.seen[key] = n + 1
	s.mu.Unlock()
	return rand.New(rand.NewPCG(key, n))
}

// request is the union of the request fields the simulator reads.
type request struct {
	Model         string `json:"model"`
	Name          string `json:"name"` // older Ollama clients name the model here
	Stream        *bool  `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens           *int `json:"max_tokens"`
	MaxCompletionTokens *int `json:"max_completion_tokens"`
	MaxOutputTokens     *int `json:"max_output_tokens"`
	GenerationConfig    *struct {
		MaxOutputTokens *int `json:"maxOutputTokens"`
	} `json:"generationConfig"`
	Options *struct {
		NumPredict *int `json:"num_predict"`
	} `json:"options"`
}

func (q *request) maxOut() (int, bool) {
	for _, p := range []*int{q.MaxTokens, q.MaxCompletionTokens, q.MaxOutputTokens} {
		if p != nil && *p > 0 {
			return *p, true
		}
	}
	if q.GenerationConfig != nil && q.GenerationConfig.MaxOutputTokens != nil && *q.GenerationConfig.MaxOutputTokens > 0 {
		return *q.GenerationConfig.MaxOutputTokens, true
	}
	if q.Options != nil && q.Options.NumPredict != nil && *q.Options.NumPredict > 0 {
		return *q.Options.NumPredict, true
	}
	return 0, false
}

// answerKind is what a generation answers with.
type answerKind int

const (
	textAnswer answerKind = iota // lorem words
	jsonAnswer                   // JSON text: structured output or JSON mode
	toolAnswer                   // one call of a declared tool
)

// gen is one simulated generation.
type gen struct {
	api          llmapi.API
	endpoint     string
	model        string
	stream       bool
	includeUsage bool
	input        int
	kind         answerKind
	content      string   // the text, the JSON, or the tool call's arguments
	pieces       []string // content as streamed deltas
	outTokens    int
	tool         string // toolAnswer: the tool's name
	capped       bool   // stopped by the request's output limit
	truncate     bool   // cut the stream mid-way
	m            Model
	start        time.Time
	id           string
}

func (g *gen) output() int { return g.outTokens }

func (g *gen) text() string { return g.content }

// tokensPerChunk is how many tokens one streamed content event carries.
const tokensPerChunk = 4

// chunks is the output as streamed deltas.
func (g *gen) chunks() []string { return g.pieces }

// setWords makes a text answer of n lorem words, one word per token.
func (g *gen) setWords(rng *rand.Rand, n int) {
	var b strings.Builder
	g.pieces = g.pieces[:0]
	start := 0
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(lorem[rng.IntN(len(lorem))])
		if (i+1)%tokensPerChunk == 0 || i == n-1 {
			g.pieces = append(g.pieces, b.String()[start:])
			start = b.Len()
		}
	}
	g.content, g.outTokens = b.String(), n
}

// setJSON makes a JSON (or tool arguments) answer of the given text,
// streamed a few tokens' worth of characters at a time; limit > 0 cuts it
// there as a real model stopped by max_tokens would.
func (g *gen) setJSON(kind answerKind, text string, limit int) {
	g.kind = kind
	r := []rune(text)
	g.outTokens = llmapi.TokensForChars(len(r))
	if kind == jsonAnswer && limit > 0 && g.outTokens > limit {
		r = r[:limit*4]
		g.outTokens, g.capped = limit, true
	}
	g.content = string(r)
	g.pieces = g.pieces[:0]
	const per = tokensPerChunk * 4
	for i := 0; i < len(r); i += per {
		g.pieces = append(g.pieces, string(r[i:min(i+per, len(r))]))
	}
}

// wait sleeps until token idx is due; false when the client went away.
func (g *gen) wait(ctx context.Context, idx int) bool {
	due := g.m.TTFT
	if g.m.TokensPerSecond > 0 {
		due += time.Duration(float64(idx) / g.m.TokensPerSecond * float64(time.Second))
	}
	d := time.Until(g.start.Add(due))
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := route(r)
	if rt.endpoint == "" {
		writeError(w, rt.api, http.StatusNotFound, "not_found", "the simulator does not serve "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Method != rt.method && !(r.Method == http.MethodHead && rt.method == http.MethodGet) {
		writeError(w, rt.api, http.StatusMethodNotAllowed, "invalid_request_error", "use "+rt.method+" for "+r.URL.Path)
		return
	}
	if rt.method == http.MethodGet { // and HEAD
		s.serveInfo(w, r, rt)
		return
	}
	body, err := readAll(r)
	if err != nil {
		writeError(w, rt.api, http.StatusBadRequest, "invalid_request_error", "reading the request: "+err.Error())
		return
	}
	var q request
	if err := json.Unmarshal(body, &q); err != nil {
		writeError(w, rt.api, http.StatusBadRequest, "invalid_request_error", "the request body is not valid JSON: "+err.Error())
		return
	}
	model := rt.model
	if rt.api != llmapi.Gemini {
		model = q.Model
		if model == "" && rt.api == llmapi.Ollama {
			model = q.Name
		}
	}
	if model == "" {
		writeError(w, rt.api, http.StatusBadRequest, "invalid_request_error", missingModel[rt.api])
		return
	}
	switch rt.endpoint {
	case llmapi.Embeddings, llmapi.OllamaEmbed, llmapi.EmbedContent, llmapi.BatchEmbedContents:
		s.serveEmbeddings(w, r, rt, model, body)
		return
	case countTokens:
		serveCount(w, rt, body)
		return
	case ollamaShow:
		serveShow(w, model)
		return
	}
	g := &gen{api: rt.api, endpoint: string(rt.endpoint), model: model, m: s.model(model), start: time.Now()}
	switch {
	case rt.api == llmapi.Gemini:
		g.stream = rt.endpoint == llmapi.StreamGenerateContent
	case rt.api == llmapi.Ollama:
		g.stream = q.Stream == nil || *q.Stream // Ollama streams by default
	default:
		g.stream = q.Stream != nil && *q.Stream
	}
	g.includeUsage = q.StreamOptions != nil && q.StreamOptions.IncludeUsage
	g.input = llmapi.InputTokens(body)

	rng := s.rng(rt.api, model, body)
	switch u := rng.Float64(); {
	case u < g.m.ErrorRate429:
		writeError(w, rt.api, http.StatusTooManyRequests, "rate_limit_error", "simulated rate limit")
		return
	case u < g.m.ErrorRate429+g.m.ErrorRate500:
		writeError(w, rt.api, http.StatusInternalServerError, "api_error", "simulated server error")
		return
	}
	g.truncate = g.stream && rng.Float64() < g.m.TruncateRate
	n := g.m.OutputTokens
	if n <= 0 {
		n = 200 + rng.IntN(401)
	}
	lim, hasLim := q.maxOut()
	if !hasLim && rt.endpoint == llmapi.Completions {
		lim, hasLim = 16, true // the legacy endpoint's documented default
	}
	if hasLim && lim < n {
		n, g.capped = lim, true
	}
	g.setWords(rng, n)
	g.id = idFrom(rng)
	in := parseIntent(rt.api, string(rt.endpoint), body)
	if t, ok := in.pick(rng); ok {
		g.capped = false
		g.tool = t.name
		g.setJSON(toolAnswer, string(Instance(t.schema, rng)), 0)
	} else if text, ok := in.answer(rng); ok {
		g.capped = false
		if !hasLim {
			lim = 0
		}
		g.setJSON(jsonAnswer, text, lim)
	} else if text, ok := judgeAnswer(model, body); ok {
		g.capped = false
		g.setJSON(textAnswer, text, 0)
	}

	switch rt.endpoint {
	case llmapi.ChatCompletions:
		serveChat(w, r, g)
	case llmapi.Completions:
		serveCompletions(w, r, g)
	case llmapi.Responses:
		serveResponses(w, r, g)
	case llmapi.Messages:
		serveMessages(w, r, g)
	case llmapi.GenerateContent, llmapi.StreamGenerateContent:
		serveGemini(w, r, g)
	default:
		serveOllama(w, r, g)
	}
}

// missingModel is each API's complaint about a request without a model.
var missingModel = map[llmapi.API]string{
	llmapi.OpenAI:    "you must provide a model parameter",
	llmapi.Anthropic: "model: Field required",
	llmapi.Ollama:    "model is required",
	llmapi.Gemini:    "model is required",
}

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(b) > maxBody {
		err = errors.New("request body larger than 64 MiB")
	}
	return b, err
}

const maxBody = 64 << 20

func idFrom(rng *rand.Rand) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 16)
	for i := range b {
		b[i] = hex[rng.IntN(16)]
	}
	return string(b)
}

var lorem = strings.Fields(`lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud
exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in
reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat
cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum`)
