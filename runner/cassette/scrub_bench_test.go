package cassette

import (
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/redact"
)

// BenchmarkScrubBody: the cost, once per recorded answer when it ends, of
// scrubbing a streamed answer whole (about 64 KiB in 400 reads), against
// scrubbing each read as it came (the old way, which missed a key split
// between two reads).
func BenchmarkScrubBody(b *testing.B) {
	ev := `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" word"}}]}` + "\n\n"
	body := []byte(strings.Repeat(ev, 64<<10/len(ev)))
	var ends []int
	var at []float64
	for i := 1; i <= 400; i++ {
		ends = append(ends, i*len(body)/400)
		at = append(at, float64(i))
	}
	b.Run("per-read", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			from := 0
			for i, end := range ends {
				newChunk(at[i], redact.Bytes(body[from:end]))
				from = end
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			scrubBody(&Entry{}, body, ends, at)
		}
	})
}
