package meter

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/meter/metertest"
	"github.com/runner-bench/runner/runner/record"
)

// Fuzz targets for the response decoders, one per API, each over its
// endpoints, streamed and not. An upstream's answer is untrusted input: the
// proxy must never panic on it, must forward it unchanged (unless it rewrote
// the request for usage), and must meter it the same however the body is cut
// into reads. CI runs each target briefly (.ci/run); run one longer with
//
//	go test -run XXX -fuzz FuzzAnthropicDecoder -fuzztime 2m ./runner/meter

// meterBody runs body through a call as the proxy does, cut into two reads
// at split, and returns the record (without its clock readings) and the bytes
// forwarded.
func meterBody(dec decoder, stream, array, rewrote bool, body []byte, split int) (record.Call, []byte) {
	c := &call{dec: dec, t0: time.Now(), ok: true, stream: stream, geminiArray: array, rewrote: rewrote,
		rec: record.Call{Status: 200, Stream: stream}, reqBody: []byte(`{"messages":[{"role":"user","content":"Hi"}]}`)}
	var out []byte
	for _, part := range [][]byte{body[:split], body[split:]} {
		if len(part) > 0 {
			out = append(out, c.feed(part)...)
		}
	}
	out = append(out, c.flushTail()...)
	c.finish(nil)
	c.releaseBody()
	rec := c.rec
	rec.LatencyS, rec.TTFTS, rec.OutputTPS = 0, 0, 0
	return rec, out
}

func fuzzDecoders(f *testing.F, endpoints []llmapi.Endpoint, seeds ...string) {
	f.Helper()
	for i, s := range seeds {
		for _, stream := range []bool{false, true} {
			f.Add(uint8(i), stream, false, []byte(s), uint16(len(s)/2))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, stream, flag bool, body []byte, cut uint16) {
		ep := endpoints[int(which)%len(endpoints)]
		dec := decoders[ep]
		// Only a chat stream is ever rewritten (include_usage added); only
		// Gemini's stream comes as one JSON array.
		rewrote := flag && stream && (ep == llmapi.ChatCompletions || ep == llmapi.Completions)
		array := flag && stream && ep == llmapi.StreamGenerateContent
		split := int(cut) % (len(body) + 1)

		whole, fwd := meterBody(dec, stream, array, rewrote, body, 0)
		if !rewrote && !bytes.Equal(fwd, body) {
			t.Fatalf("%s: forwarded %q, received %q", ep, fwd, body)
		}
		switch whole.UsageStatus {
		case "reported", "estimated", "missing":
		default:
			t.Fatalf("%s: usage status %q", ep, whole.UsageStatus)
		}
		if len(body) < maxLine {
			cutRec, cutFwd := meterBody(dec, stream, array, rewrote, body, split)
			if !reflect.DeepEqual(whole, cutRec) {
				t.Fatalf("%s: metered differently when cut at %d:\nwhole %+v\ncut   %+v", ep, split, whole, cutRec)
			}
			if !bytes.Equal(fwd, cutFwd) {
				t.Fatalf("%s: forwarded differently when cut at %d:\nwhole %q\ncut   %q", ep, split, fwd, cutFwd)
			}
		}
	})
}

func FuzzOpenAIChatDecoder(f *testing.F) {
	fuzzDecoders(f, []llmapi.Endpoint{llmapi.ChatCompletions, llmapi.Completions, llmapi.Embeddings},
		metertest.Chat, metertest.ChatStream(true), metertest.ChatStream(false),
		`{"error":{"message":"Rate limit","type":"rate_limit_error","code":"rate_limit_exceeded"}}`,
		`{"object":"list","data":[{"object":"embedding","embedding":[0.1],"index":0}],"model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}}`)
}

func FuzzOpenAIResponsesDecoder(f *testing.F) {
	fuzzDecoders(f, []llmapi.Endpoint{llmapi.Responses},
		metertest.Response("completed", metertest.ResponseUsage), metertest.ResponsesStream(),
		"event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"server_error\"}}}\n\n")
}

func FuzzAnthropicDecoder(f *testing.F) {
	fuzzDecoders(f, []llmapi.Endpoint{llmapi.Messages},
		metertest.Anthropic, metertest.AnthropicStream,
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
}

func FuzzGeminiDecoder(f *testing.F) {
	fuzzDecoders(f, []llmapi.Endpoint{llmapi.GenerateContent, llmapi.StreamGenerateContent, llmapi.EmbedContent, llmapi.BatchEmbedContents},
		metertest.Gemini, metertest.GeminiStream, "["+metertest.Gemini+"]",
		`{"embedding":{"values":[0.1,0.2]}}`)
}

func FuzzOllamaDecoder(f *testing.F) {
	fuzzDecoders(f, []llmapi.Endpoint{llmapi.OllamaChat, llmapi.OllamaGenerate, llmapi.OllamaEmbed},
		metertest.OllamaChat, metertest.OllamaGenerate,
		`{"model":"all-minilm","embeddings":[[0.1]],"total_duration":1,"load_duration":1,"prompt_eval_count":8}`)
}
