package meter

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// gjsonReqMeta is fastReqMeta done with gjson, kept as equivalent as gjson
// allows: the body must validate (gjson.Get itself never checks), then the top
// level is walked once so that a repeated or differently cased key is seen.
func gjsonReqMeta(p []byte, m *reqMeta) bool {
	if !gjson.ValidBytes(p) {
		return false
	}
	r := gjson.ParseBytes(p)
	if !r.IsObject() {
		return false
	}
	ok := true
	var seen [3]bool
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "model":
			if !once(&seen[0]) || (v.Type != gjson.String && v.Type != gjson.Null) {
				ok = false
			}
			m.Model = v.Str
		case "stream":
			if !once(&seen[1]) {
				ok = false
			}
			switch v.Type {
			case gjson.True, gjson.False:
				b := v.Bool()
				m.Stream = &b
			case gjson.Null:
			default:
				ok = false
			}
		case "stream_options":
			if !once(&seen[2]) {
				ok = false
			}
			m.StreamOptions = json.RawMessage(v.Raw)
		default:
			if wanted([]byte(k.Str), true, reqMetaKeys) {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// gjsonDecodeMembers is decodeMembers with gjson doing the validating scan.
func gjsonDecodeMembers(p []byte, keys []string, v any) error {
	bp := scratchPool.Get().(*[]byte)
	sub := (*bp)[:0]
	var err error
	if gjson.ValidBytes(p) && gjson.ParseBytes(p).IsObject() {
		sub = append(sub, '{')
		first := true
		gjson.ParseBytes(p).ForEach(func(k, val gjson.Result) bool {
			if wanted([]byte(k.Raw[1:len(k.Raw)-1]), !strings.ContainsAny(k.Raw, "\\\x80"), keys) {
				if !first {
					sub = append(sub, ',')
				}
				first = false
				sub = append(sub, k.Raw...)
				sub = append(sub, ':')
				sub = append(sub, val.Raw...)
			}
			return true
		})
		sub = append(sub, '}')
		err = json.Unmarshal(sub, v)
	} else {
		err = json.Unmarshal(p, v)
	}
	*bp = sub[:0]
	scratchPool.Put(bp)
	return err
}

func bigRequest() []byte {
	msg := `{"role":"user","content":"` + strings.Repeat(`Summarise the ride, \"with quotes\". `, 40) + `"},`
	return []byte(`{"model":"gpt-4o-mini","messages":[` + strings.Repeat(msg, 64<<10/len(msg)) + `{"role":"user","content":"go"}],"stream":true}`)
}

// BenchmarkScanVsGJSON compares the hand-written scanner with gjson on what
// the proxy reads: a 64 KiB request's model/stream, and typical SSE events
// (Anthropic, OpenAI Responses) through decodeMembers.
//
//	go test ./runner/meter -run XXX -bench ScanVsGJSON -count 6
func BenchmarkScanVsGJSON(b *testing.B) {
	body := bigRequest()
	b.Run("req64k/scan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			var m reqMeta
			if !fastReqMeta(body, &m) || m.Model == "" {
				b.Fatal("declined")
			}
		}
	})
	b.Run("req64k/gjson", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			var m reqMeta
			if !gjsonReqMeta(body, &m) || m.Model == "" {
				b.Fatal("declined")
			}
		}
	})
	b.Run("req64k/gjson-unvalidated", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			rs := gjson.GetManyBytes(body, "model", "stream", "stream_options")
			if rs[0].Str == "" {
				b.Fatal("no model")
			}
		}
	})
	b.Run("req64k-members/scan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			var m reqMeta
			if decodeMembers(body, reqMetaKeys, &m) != nil {
				b.Fatal("failed")
			}
		}
	})
	b.Run("req64k-members/gjson", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			var m reqMeta
			if gjsonDecodeMembers(body, reqMetaKeys, &m) != nil {
				b.Fatal("failed")
			}
		}
	})
	events := []struct {
		name string
		ev   string
		keys []string
		v    func() any
	}{
		{"sse-anthropic-delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, how are"}}`, antEventKeys, func() any { return new(antEvent) }},
		{"sse-responses-delta", `{"type":"response.output_text.delta","sequence_number":7,"item_id":"msg_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654","output_index":0,"content_index":0,"delta":" ride","logprobs":[]}`, respEventKeys, func() any { return new(respEvent) }},
		{"ollama-chunk", `{"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"The"},"done":false}`, olChunkKeys, func() any { return new(olChunk) }},
	}
	for _, e := range events {
		p := []byte(e.ev)
		b.Run(e.name+"/scan", func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for range b.N {
				if decodeMembers(p, e.keys, e.v()) != nil {
					b.Fatal("failed")
				}
			}
		})
		b.Run(e.name+"/gjson", func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for range b.N {
				if gjsonDecodeMembers(p, e.keys, e.v()) != nil {
					b.Fatal("failed")
				}
			}
		})
	}
}
