// Package llmapi is what the metering proxy (runner/meter) and the simulator
// (runner/sim) both know of the four LLM APIs: their names, their public base
// URLs, which request paths are LLM calls and of which kind, and the
// character-count estimate of tokens used where a provider reports none.
package llmapi

import (
	"encoding/json"
	"iter"
	"path"
	"strings"
	"unicode/utf8"
)

// API names one of the LLM APIs the runner meters, as a spec's api:, a run
// record's calls and a cassette spell it.
type API string

// The APIs, in the order listings name them.
const (
	OpenAI    API = "openai"
	Anthropic API = "anthropic"
	Gemini    API = "gemini"
	Ollama    API = "ollama"
)

// APIs lists every API in order.
var APIs = []API{OpenAI, Anthropic, Gemini, Ollama}

// OpenAIVersion ends an OpenAI base URL (OPENAI_BASE_URL includes it) and
// starts none of OpenAI's paths (/chat/completions). The metering proxy gives
// an OpenAI base URL that is a bare host this path, takes its listener's
// /v1/X to the base URL's X, and interception sends a configured base URL's
// path to the listener's /v1.
const OpenAIVersion = "/v1"

// DefaultBaseURLs are the APIs' public base URLs. OpenAI's includes /v1, as
// OPENAI_BASE_URL does; the others are roots.
var DefaultBaseURLs = map[API]string{
	OpenAI:    "https://api.openai.com" + OpenAIVersion,
	Anthropic: "https://api.anthropic.com",
	Gemini:    "https://generativelanguage.googleapis.com",
	Ollama:    "http://127.0.0.1:11434",
}

// EnvVars lists, per API, the variables well-known clients read for its base
// URL, each with the suffix its readers expect after a server's root (the
// first is the API's own SDKs'). Every name here is documented in
// docs/proxy.md.
var EnvVars = map[API][]struct{ Name, Suffix string }{
	OpenAI: {
		{"OPENAI_BASE_URL", OpenAIVersion}, // openai SDKs, Vercel AI SDK, LangChain
		{"OPENAI_API_BASE", OpenAIVersion}, // LiteLLM, LangChain (older)
	},
	Anthropic: {
		{"ANTHROPIC_BASE_URL", ""}, // anthropic SDKs, Vercel AI SDK (/messages under it)
		{"ANTHROPIC_API_URL", ""},  // LangChain
		{"ANTHROPIC_API_BASE", ""}, // LiteLLM
	},
	Gemini: {
		{"GOOGLE_GEMINI_BASE_URL", ""}, // google-genai SDKs, Gemini CLI
		{"GEMINI_BASE_URL", ""},
		{"GEMINI_API_BASE", ""}, // LiteLLM
	},
	Ollama: {
		{"OLLAMA_HOST", ""},     // ollama-python, the Ollama CLI and Go api
		{"OLLAMA_BASE_URL", ""}, // LangChain
		{"OLLAMA_API_BASE", ""}, // LiteLLM
	},
}

// Endpoint names a kind of LLM call, as run records store it.
type Endpoint string

// The metered endpoints.
const (
	ChatCompletions       Endpoint = "chat.completions"      // OpenAI Chat Completions (and Ollama's compatible one)
	Completions           Endpoint = "completions"           // OpenAI legacy completions (and Ollama's)
	Responses             Endpoint = "responses"             // OpenAI Responses
	Embeddings            Endpoint = "embeddings"            // OpenAI embeddings (and Ollama's, both forms)
	Messages              Endpoint = "messages"              // Anthropic Messages
	GenerateContent       Endpoint = "generateContent"       // Gemini
	StreamGenerateContent Endpoint = "streamGenerateContent" // Gemini, streamed
	EmbedContent          Endpoint = "embedContent"          // Gemini embeddings
	BatchEmbedContents    Endpoint = "batchEmbedContents"    // Gemini embeddings, batched
	OllamaChat            Endpoint = "chat"                  // Ollama /api/chat
	OllamaGenerate        Endpoint = "generate"              // Ollama /api/generate
	OllamaEmbed           Endpoint = "embed"                 // Ollama /api/embed
)

// Route names the LLM call that a POST to path on api's base URL makes, and
// the model its path names (Gemini's); ok is false for anything else (model
// lists, token counts, health checks), which is passed through.
//
// Paths are taken as the APIs' clients send them, with the variants that
// well-known clients produce: OpenAI's with or without /v1 (a base URL with
// or without it), Anthropic's /messages as well as /v1/messages (a base URL
// that already ends in /v1), Gemini's under any version prefix or none, and
// OpenAI-compatible /v1/... routes under Ollama, which serves them.
func Route(api API, path string) (ep Endpoint, model string, ok bool) {
	switch api {
	case OpenAI:
		if rest, ok := strings.CutPrefix(path, "/v1"); ok && strings.HasPrefix(rest, "/") {
			path = rest
		}
		switch path {
		case "/chat/completions":
			return ChatCompletions, "", true
		case "/completions":
			return Completions, "", true
		case "/responses":
			return Responses, "", true
		case "/embeddings":
			return Embeddings, "", true
		}
	case Anthropic:
		switch path {
		case "/v1/messages", "/messages":
			return Messages, "", true
		}
	case Gemini:
		if m, verb, ok := GeminiPath(path); ok {
			return verb, m, true
		}
	case Ollama:
		switch path {
		case "/api/chat":
			return OllamaChat, "", true
		case "/api/generate":
			return OllamaGenerate, "", true
		case "/api/embed":
			return OllamaEmbed, "", true
		case "/api/embeddings", "/v1/embeddings":
			return Embeddings, "", true
		case "/v1/chat/completions":
			return ChatCompletions, "", true
		case "/v1/completions":
			return Completions, "", true
		case "/v1/responses":
			return Responses, "", true
		case "/v1/messages":
			return Messages, "", true
		}
	}
	return "", "", false
}

// RouteAny names the API and the call of a path on a server that answers all
// four APIs at one root (the simulator). OpenAI-style paths are OpenAI's.
func RouteAny(path string) (api API, ep Endpoint, model string, ok bool) {
	for _, api := range APIs {
		if ep, model, ok := Route(api, path); ok {
			return api, ep, model, true
		}
	}
	return "", "", "", false
}

// GeminiPath splits a Gemini path such as /v1beta/models/gemini-2.5-flash:generateContent
// into its model and verb (generateContent, streamGenerateContent,
// embedContent or batchEmbedContents).
func GeminiPath(p string) (model string, verb Endpoint, ok bool) {
	i := strings.Index(p, "/models/")
	if i < 0 {
		return "", "", false
	}
	rest := p[i+len("/models/"):]
	model, v, ok := strings.Cut(rest, ":")
	if !ok || model == "" || strings.Contains(model, "/") {
		return "", "", false
	}
	switch verb = Endpoint(v); verb {
	case GenerateContent, StreamGenerateContent, EmbedContent, BatchEmbedContents:
		return model, verb, true
	}
	return "", "", false
}

// textKeys are the JSON keys whose string values count as prompt text.
var textKeys = map[string]bool{
	"content": true, "text": true, "prompt": true, "system": true, "input": true, "instructions": true,
}

// InputTokens estimates the prompt tokens of a JSON request body: every JSON
// string value whose key (or the key of the array holding it) is content,
// text, prompt, system, input or instructions, counted by TokensForChars. A
// body that is not JSON is counted as text.
func InputTokens(body []byte) int {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return TokensForChars(utf8.RuneCount(body))
	}
	return TokensForChars(textChars(v, ""))
}

func textChars(v any, key string) int {
	switch x := v.(type) {
	case string:
		if textKeys[key] {
			return utf8.RuneCountInString(x)
		}
	case []any:
		n := 0
		for _, e := range x {
			n += textChars(e, key)
		}
		return n
	case map[string]any:
		n := 0
		for k, e := range x {
			n += textChars(e, k)
		}
		return n
	}
	return 0
}

// TokensForChars is the estimate of tokens in text of chars characters:
// ceil(chars/4), at least 1.
func TokensForChars(chars int) int {
	return max(1, (chars+3)/4)
}

// MatchModel is the one rule by which a model finds its entry in a table
// keyed by model names and path.Match globs (pricing, simulate.models): the
// exact key wins; otherwise the longest glob that matches, the smallest key
// among globs of one length (so the answer never depends on map order).
func MatchModel(model string, keys iter.Seq[string]) (key string, ok bool) {
	for k := range keys {
		if k == model {
			return k, true
		}
		if len(k) < len(key) || len(k) == len(key) && ok && k > key {
			continue
		}
		if m, _ := GlobMatch(k, model); m {
			key, ok = k, true
		}
	}
	return key, ok
}

// GlobMatch is path.Match for model names and cell IDs: a model such as
// "anthropic/claude-3.5-sonnet" (OpenRouter's) is one name, so * and ?
// match "/" too ("*" and "anthropic/*" price it; path.Match's "*" stopped
// at the "/").
func GlobMatch(pattern, name string) (bool, error) {
	return path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(name, "/", "\x00"))
}
