package sim

import (
	"net/http"
	"strings"

	"github.com/runner-bench/runner/runner/llmapi"
)

// What the simulator answers beyond the LLM calls llmapi names.
const (
	countTokens   llmapi.Endpoint = "countTokens" // Anthropic count_tokens, Gemini countTokens
	modelList     llmapi.Endpoint = "models"
	modelInfo     llmapi.Endpoint = "model"
	ollamaShow    llmapi.Endpoint = "show"
	ollamaTags    llmapi.Endpoint = "tags"
	ollamaVersion llmapi.Endpoint = "version"
	ollamaPS      llmapi.Endpoint = "ps"
	ollamaRoot    llmapi.Endpoint = "root"
)

// endpointRoute is what a request path asks of the simulator.
type endpointRoute struct {
	api      llmapi.API      // whose error format to answer in
	endpoint llmapi.Endpoint // "" = not served
	method   string
	model    string // Gemini: the model named in the path; lists: the model asked about
}

// route maps a request to its API and endpoint: the LLM calls as
// llmapi.RouteAny names them (what the meter meters: generations, legacy
// completions, embeddings), then what else a client meets (model lists,
// token counts, Ollama's tags, show and version). OpenAI-style paths are
// answered with or without the /v1 prefix (a base URL given without it), and
// the same for OpenAI and Ollama's OpenAI-compatible API. GET /v1/models is
// Anthropic's list when the request carries Anthropic's version header, as
// every Anthropic SDK sends, else OpenAI's.
func route(r *http.Request) endpointRoute {
	p := r.URL.Path
	if p == "/" { // Ollama's liveness check, which clients and tools probe
		return endpointRoute{api: llmapi.Ollama, endpoint: ollamaRoot, method: http.MethodGet}
	}
	if api, ep, model, ok := llmapi.RouteAny(p); ok {
		return endpointRoute{api: api, endpoint: ep, method: http.MethodPost, model: model}
	}
	if m, verb, ok := geminiPath(p); ok {
		switch verb {
		case "countTokens":
			return endpointRoute{api: llmapi.Gemini, endpoint: countTokens, method: http.MethodPost, model: m}
		}
		return endpointRoute{api: llmapi.Gemini}
	}
	if rest, ok := strings.CutPrefix(p, "/api/"); ok {
		switch rest {
		case "show":
			return endpointRoute{api: llmapi.Ollama, endpoint: ollamaShow, method: http.MethodPost}
		case string(ollamaTags), string(ollamaVersion), string(ollamaPS):
			return endpointRoute{api: llmapi.Ollama, endpoint: llmapi.Endpoint(rest), method: http.MethodGet}
		}
		return endpointRoute{api: llmapi.Ollama}
	}
	for _, prefix := range []string{"/v1beta/", "/v1/", "/v1alpha/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && (prefix != "/v1/" || isGemini(r)) {
			if rest == "models" {
				return endpointRoute{api: llmapi.Gemini, endpoint: modelList, method: http.MethodGet}
			}
			if m, ok := strings.CutPrefix(rest, "models/"); ok && m != "" && !strings.ContainsAny(m, "/:") {
				return endpointRoute{api: llmapi.Gemini, endpoint: modelInfo, method: http.MethodGet, model: m}
			}
			return endpointRoute{api: llmapi.Gemini}
		}
	}
	anthropic := r.Header.Get("anthropic-version") != ""
	p = strings.TrimPrefix(p, "/v1")
	switch p {
	case "/messages/count_tokens":
		return endpointRoute{api: llmapi.Anthropic, endpoint: countTokens, method: http.MethodPost}
	case "/models":
		if anthropic {
			return endpointRoute{api: llmapi.Anthropic, endpoint: modelList, method: http.MethodGet}
		}
		return endpointRoute{api: llmapi.OpenAI, endpoint: modelList, method: http.MethodGet}
	}
	if m, ok := strings.CutPrefix(p, "/models/"); ok && m != "" {
		if anthropic {
			return endpointRoute{api: llmapi.Anthropic, endpoint: modelInfo, method: http.MethodGet, model: m}
		}
		return endpointRoute{api: llmapi.OpenAI, endpoint: modelInfo, method: http.MethodGet, model: m}
	}
	switch {
	case anthropic || strings.HasPrefix(p, "/messages"):
		return endpointRoute{api: llmapi.Anthropic}
	case isGemini(r):
		return endpointRoute{api: llmapi.Gemini}
	}
	return endpointRoute{api: llmapi.OpenAI}
}

// isGemini: a request carrying Gemini's key header or query parameter.
func isGemini(r *http.Request) bool {
	return r.Header.Get("x-goog-api-key") != "" || r.URL.Query().Has("key")
}

// geminiPath splits /…/models/{model}:{verb} whatever the verb.
func geminiPath(p string) (model, verb string, ok bool) {
	i := strings.Index(p, "/models/")
	if i < 0 {
		return "", "", false
	}
	rest := p[i+len("/models/"):]
	model, verb, ok = strings.Cut(rest, ":")
	if !ok || model == "" || verb == "" || strings.Contains(model, "/") {
		return "", "", false
	}
	return model, verb, true
}
