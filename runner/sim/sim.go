// Package sim is the simulated upstream behind `--dry-run` and `runner sim`: one
// http.Handler that speaks the metered endpoints of the four APIs (OpenAI Chat
// Completions and Responses, Anthropic Messages, Gemini generateContent and
// streamGenerateContent, Ollama /api/chat, /api/generate and its OpenAI-compatible
// /v1/chat/completions), streaming and not, in the shapes of
// reference/llm-apis.md.
//
// Everything a response says is a pure function of the seed and the request:
//
//   - Input tokens are counted from the request text: every JSON string value
//     whose key (or the key of the array holding it) is content, text, prompt,
//     system, input or instructions; ~1 token per 4 characters (runes), rounded
//     up, at least 1 (llmapi.InputTokens).
//   - Output length is Model.OutputTokens, or when that is 0 a length in
//     [200, 600] drawn from the seed and the request; it is capped by the
//     request's max_tokens / max_completion_tokens / max_output_tokens /
//     generationConfig.maxOutputTokens / options.num_predict, and a capped
//     response says so (finish_reason "length", stop_reason "max_tokens", ...).
//   - The text is lorem-like words, one word per token, drawn from the same
//     random stream.
//   - Latency: the first content arrives after Model.TTFT, then tokens follow at
//     Model.TokensPerSecond (0 = no pacing); a non-streamed response is sent
//     when the last token would have been.
//   - Errors: per request, a 429 with probability ErrorRate429, else a 500 with
//     ErrorRate500, else (streams only) the connection is cut after about half
//     the content with probability TruncateRate.
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
	"math/rand/v2"
	"net/http"
	"path"
	"sort"
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
}

// New returns the simulator as an http.Handler.
func New(cfg Config) http.Handler {
	s := &simulator{cfg: cfg, seen: make(map[uint64]uint64)}
	for k := range cfg.Models {
		if strings.ContainsAny(k, "*?[") {
			s.globs = append(s.globs, k)
		}
	}
	sort.Slice(s.globs, func(i, j int) bool {
		if len(s.globs[i]) != len(s.globs[j]) {
			return len(s.globs[i]) > len(s.globs[j])
		}
		return s.globs[i] < s.globs[j]
	})
	return s
}

type simulator struct {
	cfg   Config
	globs []string

	mu   sync.Mutex
	seen map[uint64]uint64 // request hash -> times seen
}

// maxSeen bounds the memory of request repetitions; past it the counts restart.
const maxSeen = 1 << 16

func (s *simulator) model(name string) Model {
	if m, ok := s.cfg.Models[name]; ok {
		return m
	}
	for _, g := range s.globs {
		if ok, _ := path.Match(g, name); ok {
			return s.cfg.Models[g]
		}
	}
	return s.cfg.Default
}

func (s *simulator) rng(api, model string, body []byte) *rand.Rand {
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

// gen is one simulated generation.
type gen struct {
	api, endpoint string
	model         string
	stream        bool
	includeUsage  bool
	input         int
	tokens        []string // one word per token, with its leading space
	capped        bool     // stopped by the request's output limit
	truncate      bool     // cut the stream mid-way
	m             Model
	start         time.Time
	id            string
}

func (g *gen) output() int { return len(g.tokens) }

func (g *gen) text() string {
	var b strings.Builder
	for _, t := range g.tokens {
		b.WriteString(t)
	}
	return b.String()
}

// tokensPerChunk is how many tokens one streamed content event carries.
const tokensPerChunk = 4

// chunks splits the output into streamed deltas.
func (g *gen) chunks() []string {
	var out []string
	for i := 0; i < len(g.tokens); i += tokensPerChunk {
		j := min(i+tokensPerChunk, len(g.tokens))
		out = append(out, strings.Join(g.tokens[i:j], ""))
	}
	return out
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
	api, ep, model, ok := llmapi.RouteAny(r.URL.Path)
	endpoint := string(ep)
	if !ok {
		writeError(w, "openai", http.StatusNotFound, "not_found", "the simulator does not serve "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, api, http.StatusMethodNotAllowed, "invalid_request_error", "use POST")
		return
	}
	body, err := readAll(r)
	if err != nil {
		writeError(w, api, http.StatusBadRequest, "invalid_request_error", "reading the request: "+err.Error())
		return
	}
	var q request
	if err := json.Unmarshal(body, &q); err != nil {
		writeError(w, api, http.StatusBadRequest, "invalid_request_error", "the request is not JSON: "+err.Error())
		return
	}
	if api != "gemini" {
		model = q.Model
	}
	g := &gen{api: api, endpoint: endpoint, model: model, m: s.model(model), start: time.Now()}
	switch {
	case api == "gemini":
		g.stream = endpoint == "streamGenerateContent"
	case api == "ollama" && endpoint != "chat.completions":
		g.stream = q.Stream == nil || *q.Stream // Ollama streams by default
	default:
		g.stream = q.Stream != nil && *q.Stream
	}
	g.includeUsage = q.StreamOptions != nil && q.StreamOptions.IncludeUsage
	g.input = llmapi.InputTokens(body)

	rng := s.rng(api, model, body)
	switch u := rng.Float64(); {
	case u < g.m.ErrorRate429:
		writeError(w, api, http.StatusTooManyRequests, "rate_limit_error", "simulated rate limit")
		return
	case u < g.m.ErrorRate429+g.m.ErrorRate500:
		writeError(w, api, http.StatusInternalServerError, "api_error", "simulated server error")
		return
	}
	g.truncate = g.stream && rng.Float64() < g.m.TruncateRate
	n := g.m.OutputTokens
	if n <= 0 {
		n = 200 + rng.IntN(401)
	}
	if lim, ok := q.maxOut(); ok && lim < n {
		n, g.capped = lim, true
	}
	g.tokens = make([]string, n)
	for i := range g.tokens {
		wd := lorem[rng.IntN(len(lorem))]
		if i > 0 {
			wd = " " + wd
		}
		g.tokens[i] = wd
	}
	g.id = idFrom(rng)

	switch api {
	case "openai", "ollama":
		switch endpoint {
		case "chat.completions":
			serveChat(w, r, g)
		case "responses":
			serveResponses(w, r, g)
		default:
			serveOllama(w, r, g)
		}
	case "anthropic":
		serveMessages(w, r, g)
	case "gemini":
		serveGemini(w, r, g)
	}
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
