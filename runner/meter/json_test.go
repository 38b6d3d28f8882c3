package meter

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var pickSeeds = []string{
	`{}`, ` { } `, `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi \"there\" \u00e9 \\ /"}]}`,
	`{"MODEL":"x","Stream":false}`, `{"mod\u0065l":"x"}`, `{"model":"a","model":"b"}`, `{"stream":"yes","model":"m"}`,
	`{"stream_options":{"include_usage":true},"stream":true}`, `{"stream_options":null}`, `{"model":1e5,"usage":-0.5E-3}`,
	`{"usage":{"prompt_tokens":20,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":16}},"choices":[{"message":{"content":"\"usage\":{}"}}]}`,
	`{"a":[1,2,[3,{"b":[]}],{}],"model":"m"}`, `{"a":tru}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":"\x"}`,
	"{\"a\":\"\x01\"}", `{"a":"\u12"}`, `{"a":[1,]}`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1}x`, `{"a":1} {}`, `[1]`, `"s"`, ``, `{`,
	`{"a":{"b":1]}`, `{"a":[1}`, `{"a":1e}`, `{"a":1e+}`, `{"a":-01}`, `{"a":nul}`, `{"a":falsey}`, "{\"k\xff\":1,\"model\":\"\xfe\"}",
	`{"a":"` + strings.Repeat(`[`, 10) + `"}`, `{"a":` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1200) + `,"model":"deep"}`,
}

// pick never accepts what encoding/json rejects, and accepts the valid objects.
func checkPick(t *testing.T, s string) {
	p := []byte(s)
	out, ok := pick(nil, p, []string{"model", "stream", "usage"})
	var obj map[string]json.RawMessage
	valid := json.Valid(p) && json.Unmarshal(p, &obj) == nil && obj != nil
	if ok && !valid {
		t.Fatalf("pick accepted %q (not one JSON object): %q", s, out)
	}
	if ok && !json.Valid(out) {
		t.Fatalf("pick(%q) = %q, not JSON", s, out)
	}
	if valid && !ok && !strings.Contains(s, strings.Repeat("[", maxScanDepth)) {
		t.Fatalf("pick refused the valid object %q", s)
	}
}

func TestPick(t *testing.T) {
	for _, s := range pickSeeds {
		checkPick(t, s)
	}
}

func FuzzPick(f *testing.F) {
	for _, s := range pickSeeds {
		f.Add(s)
	}
	f.Fuzz(checkPick)
}

// decodeMembers decodes exactly what json.Unmarshal of the whole body does.
func TestDecodeMembersAsUnmarshal(t *testing.T) {
	bodies := append([]string{fxChat, fxChatUsage, fxResponse("completed", fxResponseUsage), fxAnthropic, fxGemini, fxOllamaGenerate, fxOllamaChat,
		`{"model":"m","stream":"yes","stream_options":{"include_usage":false}}`,
		`{"type":"message","model":"claude","usage":{"input_tokens":3,"output_tokens":4},"content":[{"type":"text","text":"x"}]}`,
	}, pickSeeds...)
	for _, s := range bodies {
		for _, tc := range []struct {
			v    func() any
			keys []string
		}{
			{func() any { return new(reqMeta) }, reqMetaKeys},
			{func() any { return new(respEvent) }, respEventKeys},
			{func() any { return new(antEvent) }, antEventKeys},
			{func() any { return new(gemResponse) }, gemResponseKeys},
			{func() any { return new(olChunk) }, olChunkKeys},
		} {
			want, got := tc.v(), tc.v()
			werr := json.Unmarshal([]byte(s), want)
			gerr := decodeMembers([]byte(s), tc.keys, got)
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(want, got) {
				t.Errorf("%T of %q:\n got %+v (%v)\nwant %+v (%v)", want, s, got, gerr, want, werr)
			}
		}
		// A non-streamed chat completion is metered by model, usage and error.
		var wb chatBody
		werr := json.Unmarshal([]byte(s), &wb)
		want := oaChunk{Model: wb.Model, Usage: wb.Usage, Error: wb.Error}
		var got oaChunk
		gerr := decodeMembers([]byte(s), chatBodyKeys, &got)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(want, got) {
			t.Errorf("oaChunk of %q:\n got %+v (%v)\nwant %+v (%v)", s, got, gerr, want, werr)
		}
	}
}

// chatBody is oaChunk without its choices.
type chatBody struct {
	Model string   `json:"model"`
	Usage *oaUsage `json:"usage"`
	Error *struct {
		Type string `json:"type"`
		Code any    `json:"code"`
	} `json:"error"`
}

func TestJSONKeys(t *testing.T) {
	want := []string{"model", "usage", "error", "type", "delta", "code", "response"}
	got := jsonKeys(reflect.TypeFor[respEvent]())
	if !reflect.DeepEqual(sorted(got), sorted(want)) {
		t.Errorf("respEvent keys %v, want %v", got, want)
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// The fast paths decode what encoding/json does, or decline.
func checkFast(t *testing.T, s string) {
	var want, got reqMeta
	werr := json.Unmarshal([]byte(s), &want)
	if fastReqMeta([]byte(s), &got) && (werr != nil || !reflect.DeepEqual(want, got)) {
		t.Fatalf("fastReqMeta(%q) = %+v, encoding/json %+v (%v)", s, got, want, werr)
	}
	// A non-streamed completion is metered by its model, usage and error only
	// (its choices carry no delta): as encoding/json decodes those.
	var wb chatBody
	werr = json.Unmarshal([]byte(s), &wb)
	wc := oaChunk{Model: wb.Model, Usage: wb.Usage, Error: wb.Error}
	var gc oaChunk
	if fastChatBody([]byte(s), &gc) && (werr != nil || !reflect.DeepEqual(wc, gc)) {
		t.Fatalf("fastChatBody(%q) = %+v, encoding/json %+v (%v)", s, gc, wc, werr)
	}
	// A streamed chunk is metered by the sum of its choices' deltas.
	var wch oaChunk
	werr = json.Unmarshal([]byte(s), &wch)
	var gs chunkSum
	if fastChatChunk([]byte(s), &gs) && (werr != nil || !reflect.DeepEqual(wch.sum(), gs)) {
		t.Fatalf("fastChatChunk(%q) = %+v, encoding/json %+v (%v)", s, gs, wch.sum(), werr)
	}
}

var fastSeeds = []string{
	benchChat, benchStream, fxChat, fxChatUsage,
	`{"model":"m","stream":false,"stream_options":{"include_usage":true}}`, `{"model":null,"stream":null,"stream_options":null}`,
	`{"Model":"m"}`, `{"model":"a","model":"b"}`, `{"model":"\u0041"}`, `{"model":5}`, `{"stream":1}`,
	`{"model":"x","usage":{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":null,"completion_tokens_details":{}}}`,
	`{"usage":{"prompt_tokens":1.5}}`, `{"usage":{"prompt_tokens":null,"completion_tokens":-3}}`, `{"usage":null}`, `{"usage":7}`,
	`{"usage":{"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":1},"completion_tokens_details":{"reasoning_tokens":null}}}`,
	`{"usage":{"prompt_tokens_details":{"CACHED_TOKENS":4}}}`, `{"usage":{"prompt_tokens":99999999999999999999}}`,
	`{"error":{"type":"x"},"model":"m"}`, `{"usage":{"prompt_tokens":1,"prompt_tokens":2}}`,
	// streamed chunks
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"model":"m","choices":[{"delta":{"content":"a\nb\"c\u00e9\ud83d\ude00\ud83d x\u0041"},"finish_reason":"stop"}]}`,
	"{\"choices\":[{\"delta\":{\"content\":\"caf\xc3\xa9 \xff\xe2\x82\"}}]}", `{"choices":[{"delta":{"content":"\udc00\ud800\ud800"}}]}`,
	`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}},{"delta":{"tool_calls":null,"reasoning":"r"}}]}`,
	`{"choices":[{"delta":{"reasoning_content":"think","content":null}},{"text":"legacy"},{"delta":null,"text":null}]}`,
	`{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}`, `{"choices":null}`, `{"choices":[null]}`, `{"choices":{}}`,
	`{"choices":[{"delta":{"content":5}}]}`, `{"choices":[{"text":1}]}`, `{"choices":[{"finish_reason":2}]}`, `{"choices":[{"delta":"x"}]}`,
	`{"choices":[{"Delta":{"content":"x"}}]}`, `{"choices":[{"delta":{"Content":"x"}}]}`, `{"choices":[{"delta":{"content":"a","content":"bb"}}]}`,
	`{"Choices":[]}`, `{"choices":[],"choices":[]}`, `{"error":null,"choices":[{"delta":{}}]}`, `{"error":{"type":"server_error"},"choices":[]}`,
}

func TestFastPaths(t *testing.T) {
	for _, s := range append(fastSeeds, pickSeeds...) {
		checkFast(t, s)
	}
	var m reqMeta
	if !fastReqMeta([]byte(benchStream), &m) || m.Model != "gpt-4o-mini" || m.Stream == nil || !*m.Stream {
		t.Errorf("fastReqMeta declined or misread the benchmark request: %+v", m)
	}
	var ch oaChunk
	if !fastChatBody([]byte(fxChat), &ch) || ch.Usage == nil || ch.Usage.tokens().CachedInput != 16 {
		t.Errorf("fastChatBody declined or misread a completion: %+v", ch)
	}
	var cs chunkSum
	if !fastChatChunk([]byte(`{"model":"m","choices":[{"index":0,"delta":{"content":"a\nb\u00e9\ud83d\ude00"},"finish_reason":null}],"usage":null}`), &cs) ||
		cs.chars != 9 || !cs.mark || cs.model != "m" {
		t.Errorf("fastChatChunk declined or misread a chunk: %+v", cs)
	}
}

func FuzzFastPaths(f *testing.F) {
	for _, s := range append(fastSeeds, pickSeeds...) {
		f.Add(s)
	}
	f.Fuzz(checkFast)
}

// BenchmarkRequestMeta: reading model/stream from an agent-sized request (a
// 64 KiB conversation), the old way (encoding/json) and the proxy's.
func BenchmarkRequestMeta(b *testing.B) {
	msg := `{"role":"user","content":"` + strings.Repeat(`Summarise the ride, \"with quotes\". `, 40) + `"},`
	body := []byte(`{"model":"gpt-4o-mini","messages":[` + strings.Repeat(msg, 64<<10/len(msg)) + `{"role":"user","content":"go"}],"stream":true}`)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			var m reqMeta
			json.Unmarshal(body, &m)
		}
	})
	b.Run("proxy", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			var m reqMeta
			if !fastReqMeta(body, &m) || m.Model == "" {
				b.Fatal("declined")
			}
		}
	})
}

// needsLook flags exactly the words holding a byte that is not strSafe.
func TestNeedsLook(t *testing.T) {
	for b := range 256 {
		for k := range 8 {
			w := []byte("abcdefgh")
			w[k] = byte(b)
			if got := needsLook(binary.LittleEndian.Uint64(w)); got != !strSafe[b] {
				t.Fatalf("byte %#x at %d: needsLook %v", b, k, got)
			}
		}
	}
}
