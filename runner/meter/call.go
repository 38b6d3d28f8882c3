package meter

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/record"
)

// usage states of a call
const (
	usageNone      = iota
	usagePartial   // a stream's early counts (Anthropic message_start, Gemini before the end)
	usageEstimated // counted from the request text: a call kind whose provider reports none
	usageComplete  // the provider's final counts
)

// A decoder reads the answers of one kind of LLM call (one per API and
// endpoint, in openai.go, anthropic.go, gemini.go and ollama.go). It is chosen
// once per call, from the request's path.
type decoder interface {
	// streamed says whether the request asks for a streamed answer, and
	// whether that stream comes as one JSON array (read whole) rather than as
	// lines.
	streamed(r *http.Request, meta *reqMeta) (stream, array bool)
	// lines says a stream is NDJSON, one object per line; otherwise it is
	// server-sent events, and event gets the payload of each data: line.
	lines() bool
	// event meters one streamed event; drop says it is not forwarded.
	event(c *call, p []byte) (drop bool)
	// body meters a whole body: an answer that was not streamed, or a stream
	// read whole.
	body(c *call, b []byte)
}

// decoders maps each metered endpoint to its decoder.
var decoders = map[llmapi.Endpoint]decoder{
	llmapi.ChatCompletions:       chatDecoder{},
	llmapi.Completions:           chatDecoder{},
	llmapi.Responses:             responsesDecoder{},
	llmapi.Embeddings:            embeddingsDecoder{},
	llmapi.Messages:              messagesDecoder{},
	llmapi.GenerateContent:       geminiDecoder{},
	llmapi.StreamGenerateContent: geminiStreamDecoder{},
	llmapi.EmbedContent:          geminiEmbedDecoder{},
	llmapi.BatchEmbedContents:    geminiEmbedDecoder{},
	llmapi.OllamaChat:            ollamaDecoder{},
	llmapi.OllamaGenerate:        ollamaDecoder{},
	llmapi.OllamaEmbed:           ollamaEmbedDecoder{},
}

// notStreamed is the streamed method of call kinds that never stream.
type notStreamed struct{}

func (notStreamed) streamed(*http.Request, *reqMeta) (bool, bool) { return false, false }
func (notStreamed) event(*call, []byte) bool                      { return false }

// sse is the framing of the decoders whose streams are server-sent events.
type sse struct{}

func (sse) lines() bool { return false }

// streamFlag is how most APIs ask for a stream: "stream": true in the body.
type streamFlag struct{}

func (streamFlag) streamed(_ *http.Request, meta *reqMeta) (bool, bool) {
	return meta.Stream != nil && *meta.Stream, false
}

// call is the metering state of one request. Streamed bodies are parsed line
// by line as they pass; only a partial line is kept between reads.
type call struct {
	dec     decoder
	rec     record.Call
	t0      time.Time
	ttfb    time.Duration
	reqBody []byte

	stream, geminiArray, rewrote, ok bool
	gzip                             bool
	clientGone                       bool
	readErr                          error

	pending   []byte  // a stream line not yet complete
	skipping  bool    // inside a line longer than maxLine
	out       []byte  // what to forward when the stream is rewritten
	dropBlank bool    // drop the blank line ending a dropped event
	body      []byte  // a non-streamed body, up to maxBody
	bodyBuf   *[]byte // where body came from in bodyPool
	bodyOver  bool

	firstByte          time.Duration
	ttft               time.Duration
	tok                record.Tokens
	usage              int
	terminal           bool
	errClass           string
	outChars           int
	evalCount, evalDur int64
	ant                struct{ in, cw, cr, out int64 } // Anthropic's raw counts
}

func (c *call) mark() {
	if c.ttft == 0 {
		c.ttft = max(time.Since(c.t0), time.Nanosecond)
	}
}

// feed meters one read of the response body and returns the bytes to forward.
func (c *call) feed(b []byte) []byte {
	if c.firstByte == 0 {
		c.firstByte = time.Since(c.t0)
	}
	if !c.ok {
		return b
	}
	if !c.stream || c.geminiArray || c.gzip {
		if !c.bodyOver {
			if len(c.body)+len(b) > maxBody {
				c.releaseBody()
				c.bodyOver = true
			} else {
				if c.body == nil {
					c.bodyBuf = bodyPool.Get().(*[]byte)
					c.body = (*c.bodyBuf)[:0]
				}
				c.body = append(c.body, b...)
			}
		}
		return b
	}
	orig := b
	if c.rewrote {
		c.out = c.out[:0]
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if c.skipping {
				c.emit(b)
			} else if len(c.pending)+len(b) > maxLine {
				c.emit(c.pending)
				c.emit(b)
				c.pending, c.skipping = nil, true
			} else {
				c.pending = append(c.pending, b...)
			}
			break
		}
		seg := b[:i+1]
		b = b[i+1:]
		if c.skipping {
			c.skipping = false
			c.emit(seg)
			continue
		}
		line := seg
		if len(c.pending) > 0 {
			c.pending = append(c.pending, seg...)
			line = c.pending
		}
		if drop, cut := c.line(line); !drop {
			if cut >= 0 { // forwarded without the `,"usage":null` the rewrite added
				c.emit(line[:cut])
				c.emit(line[cut+len(usageNull):])
			} else {
				c.emit(line)
			}
		}
		c.pending = c.pending[:0]
	}
	if c.rewrote {
		return c.out
	}
	return orig
}

// bodyPool holds the buffers of non-streamed bodies between calls.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// releaseBody returns the body buffer to the pool; the call no longer reads it.
func (c *call) releaseBody() {
	if c.bodyBuf != nil && cap(c.body) <= 1<<20 {
		*c.bodyBuf = c.body[:0]
		bodyPool.Put(c.bodyBuf)
	}
	c.body, c.bodyBuf = nil, nil
}

func (c *call) emit(b []byte) {
	if c.rewrote {
		c.out = append(c.out, b...)
	}
}

// flushTail returns what a rewritten stream still holds (an unterminated last line).
func (c *call) flushTail() []byte {
	if !c.rewrote || len(c.pending) == 0 {
		return nil
	}
	t := c.pending
	c.pending = nil
	return t
}

var (
	dataPrefix = []byte("data:")
	usageNull  = []byte(`,"usage":null`)
)

// line meters one complete stream line (with its terminator); drop says the
// line is not forwarded, cut (unless -1) where a `,"usage":null` is to be cut
// out of it.
func (c *call) line(raw []byte) (drop bool, cut int) {
	l := bytes.TrimRight(raw, "\r\n")
	if c.dropBlank {
		c.dropBlank = false
		if len(l) == 0 {
			return true, -1
		}
	}
	if c.dec.lines() {
		if len(l) > 0 {
			c.dec.event(c, l)
		}
		return false, -1
	}
	if !bytes.HasPrefix(l, dataPrefix) {
		return false, -1
	}
	p := l[len(dataPrefix):]
	if len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	if c.dec.event(c, p) {
		c.dropBlank = true
		return true, -1
	}
	if c.rewrote {
		return false, bytes.Index(raw, usageNull)
	}
	return false, -1
}

// estimateInput counts the input of a call whose provider reports no usage
// (Gemini's and Ollama's older embeddings) from the request text.
func (c *call) estimateInput() {
	c.tok = record.Tokens{Input: int64(llmapi.InputTokens(c.reqBody))}
	c.usage = usageEstimated
}

// finish completes the record and hands it to the run.
func (c *call) finish(run *run) {
	lat := time.Since(c.t0)
	c.rec.LatencyS = lat.Seconds()
	if c.ok && c.readErr == nil && !c.clientGone && !c.bodyOver && (!c.stream || c.geminiArray || c.gzip) {
		c.parseBody()
	}
	if c.rec.Error == "" {
		switch s := c.rec.Status; {
		case c.clientGone && !(c.stream && c.terminal):
			// A client that leaves after the stream's terminal event (an SDK
			// closing the body on [DONE]) had the whole answer: not canceled.
			c.rec.Error = "canceled"
		case s == 429:
			c.rec.Error = "429"
		case s >= 400 && s < 500:
			c.rec.Error = "4xx"
		case s >= 500:
			c.rec.Error = "5xx"
		case c.errClass != "":
			c.rec.Error = c.errClass
		case c.readErr != nil && !c.clientGone:
			c.rec.Error = "truncated"
		case c.stream && c.ok && !c.terminal && !c.gzip:
			c.rec.Error = "truncated"
		}
	}
	if c.ok {
		if !countable(c.tok) { // a negative or absurd count is no reading: unknown, not -150
			c.usage, c.tok = usageNone, record.Tokens{}
		}
		switch {
		case c.usage == usageComplete:
			c.rec.UsageStatus = record.UsageReported
			c.rec.Tokens = c.tok
		case c.usage == usageEstimated:
			c.rec.UsageStatus = record.UsageEstimated
			c.rec.Tokens = c.tok
		case c.stream && !c.gzip:
			c.rec.UsageStatus = record.UsageEstimated
			t := c.tok
			if t.Input == 0 {
				t.Input = int64(llmapi.InputTokens(c.reqBody))
			}
			if c.outChars > 0 {
				t.Output = max(t.Output, int64(llmapi.TokensForChars(c.outChars)))
			}
			c.rec.Tokens = t
		default:
			c.rec.UsageStatus = record.UsageMissing
		}
		if c.stream && !c.geminiArray {
			c.rec.TTFTS = c.ttft.Seconds()
		} else if c.geminiArray {
			c.rec.TTFTS = c.firstByte.Seconds()
		} else {
			c.rec.TTFTS = c.ttfb.Seconds()
		}
		switch {
		case c.evalDur > 0:
			c.rec.OutputTPS = float64(c.evalCount) / float64(c.evalDur) * 1e9
		case c.stream && c.rec.TTFTS > 0 && c.rec.LatencyS > c.rec.TTFTS && c.rec.Output > 0:
			c.rec.OutputTPS = float64(c.rec.Output) / (c.rec.LatencyS - c.rec.TTFTS)
		}
	}
	if run != nil {
		run.add(c.rec)
	}
}

// countable tells whether every count of t is one a provider could bill:
// 0 to record.MaxTokens, as the event parser accepts.
func countable(t record.Tokens) bool {
	for _, n := range []int64{t.Input, t.Output, t.CachedInput, t.CacheWrite, t.Reasoning} {
		if n < 0 || n > record.MaxTokens {
			return false
		}
	}
	return true
}

// parseBody meters a whole non-streamed body (or Gemini's JSON-array stream).
func (c *call) parseBody() {
	b := c.body
	if c.gzip {
		var r io.ReadCloser
		var err error
		r, err = gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			r = flate.NewReader(bytes.NewReader(b))
		}
		b, err = io.ReadAll(io.LimitReader(r, maxBody))
		r.Close()
		if err != nil {
			return
		}
	}
	c.dec.body(c, b)
	if !c.stream && c.usage == usagePartial {
		c.usage = usageComplete // a whole body's usage is final, finish reason or not
	}
	if c.gzip && c.stream && !c.geminiArray {
		c.usage = usageNone // a compressed stream is not metered
	}
}

// classify maps a provider's error type or code to an error class.
func classify(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case strings.Contains(k, "rate_limit"), strings.Contains(k, "rate limit"), strings.Contains(k, "resource_exhausted"):
		return "429"
	case strings.Contains(k, "invalid"), strings.Contains(k, "not_found"), strings.Contains(k, "permission"),
		strings.Contains(k, "authentication"), strings.Contains(k, "too_large"):
		return "4xx"
	}
	return "5xx"
}
