package llmapi

import "testing"

func TestInputTokens(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"openai", `{"model":"gpt-4o","messages":[{"role":"user","content":"12345678"}]}`, 2},
		{"parts", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"123456789"}]}]}`, 3},
		{"anthropic system", `{"model":"m","system":"1234","messages":[{"role":"user","content":"1234"}]}`, 2},
		{"gemini", `{"contents":[{"role":"user","parts":[{"text":"12345678"}]}],"systemInstruction":{"parts":[{"text":"1234"}]}}`, 3},
		{"responses", `{"model":"m","input":"1234567","instructions":"1"}`, 2},
		{"ollama generate", `{"model":"m","prompt":"12"}`, 1},
		{"empty", `{"model":"m"}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := InputTokens([]byte(tc.body)); got != tc.want {
				t.Errorf("InputTokens = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRoute(t *testing.T) {
	for _, tc := range []struct {
		api   API
		path  string
		want  Endpoint
		model string
	}{
		{OpenAI, "/v1/chat/completions", ChatCompletions, ""},
		{OpenAI, "/v1/responses", Responses, ""},
		{OpenAI, "/chat/completions", ChatCompletions, ""},
		{OpenAI, "/v1/completions", Completions, ""},
		{OpenAI, "/v1/embeddings", Embeddings, ""},
		{OpenAI, "/v1/models", "", ""},
		{OpenAI, "/v1beta/openai/chat/completions", "", ""},
		{Anthropic, "/v1/messages", Messages, ""},
		{Anthropic, "/messages", Messages, ""},
		{Anthropic, "/v1/messages/count_tokens", "", ""},
		{Gemini, "/v1beta/models/gemini-2.5-flash:generateContent", GenerateContent, "gemini-2.5-flash"},
		{Gemini, "/v1beta/models/gemini-2.5-flash:streamGenerateContent", StreamGenerateContent, "gemini-2.5-flash"},
		{Gemini, "/v1beta/models/gemini-2.5-flash:countTokens", "", ""},
		{Gemini, "/v1beta/models", "", ""},
		{Gemini, "/v1beta/models/text-embedding-004:embedContent", EmbedContent, "text-embedding-004"},
		{Gemini, "/v1beta/models/gemini-embedding-001:batchEmbedContents", BatchEmbedContents, "gemini-embedding-001"},
		{Gemini, "/models/gemini-2.5-flash:generateContent", GenerateContent, "gemini-2.5-flash"},
		{Ollama, "/api/chat", OllamaChat, ""},
		{Ollama, "/api/generate", OllamaGenerate, ""},
		{Ollama, "/v1/chat/completions", ChatCompletions, ""},
		{Ollama, "/v1/responses", Responses, ""},
		{Ollama, "/v1/messages", Messages, ""},
		{Ollama, "/api/embed", OllamaEmbed, ""},
		{Ollama, "/api/embeddings", Embeddings, ""},
		{Ollama, "/v1/embeddings", Embeddings, ""},
		{Ollama, "/v1/completions", Completions, ""},
		{Ollama, "/api/tags", "", ""},
	} {
		ep, model, ok := Route(tc.api, tc.path)
		if ep != tc.want || model != tc.model || ok != (tc.want != "") {
			t.Errorf("Route(%s, %s) = %q, %q, %v; want %q, %q", tc.api, tc.path, ep, model, ok, tc.want, tc.model)
		}
	}
}
