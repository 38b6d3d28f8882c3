package meter

import "github.com/runner-bench/runner/runner/meter/metertest"

// The documented-shape upstream lives in metertest, shared with the
// SDK-compatibility module; these are its short names here.
const (
	openaiKey    = metertest.OpenAIKey
	anthropicKey = metertest.AnthropicKey
	geminiKey    = metertest.GeminiKey

	fxChat            = metertest.Chat
	fxChatUsage       = metertest.ChatUsage
	fxResponseUsage   = metertest.ResponseUsage
	fxAnthropic       = metertest.Anthropic
	fxAnthropicStream = metertest.AnthropicStream
	fxGemini          = metertest.Gemini
	fxOllamaChat      = metertest.OllamaChat
	fxOllamaGenerate  = metertest.OllamaGenerate
)

var (
	newFixture   = metertest.New
	fxResponse   = metertest.Response
	fxChatStream = metertest.ChatStream
)
