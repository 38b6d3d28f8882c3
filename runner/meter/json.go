package meter

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/runner-bench/runner/runner/internal/jsonnum"
)

// Metering reads a handful of top-level members (model, stream, usage, ...) of
// JSON bodies that can be large (a conversation in a request, the generated
// text in a response). Decoding a whole body with encoding/json costs far more
// than the rest of the proxy's work, so decodeMembers first copies the wanted
// members out with a fast validating scan that skips the others, then decodes
// only those with encoding/json. The result is the same as decoding the whole
// body: a body the scan cannot vouch for (not one valid JSON object) is decoded
// whole, and so fails or decodes exactly as before.
//
// Why not a library: gjson (BenchmarkScanVsGJSON) is 2-4x slower here once it
// validates, which equivalence with encoding/json needs, and its validator
// recurses once per nesting level without a bound: a 60 MiB "[[[..." request
// (under maxRequest) overflows the goroutine stack, a fatal error no recover
// catches. This scan is iterative and bounded (maxScanDepth).

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// decodeMembers decodes into v (a pointer to a struct) the members of the
// JSON object p whose keys are in keys, as json.Unmarshal(p, v) would when v's
// fields are those keys.
func decodeMembers(p []byte, keys []string, v any) error {
	bp := scratchPool.Get().(*[]byte)
	sub, ok := pick((*bp)[:0], p, keys)
	var err error
	if ok {
		err = json.Unmarshal(sub, v)
	} else {
		err = json.Unmarshal(p, v)
	}
	if cap(sub) <= 64<<10 {
		*bp = sub[:0]
		scratchPool.Put(bp)
	}
	return err
}

// jsonKeys lists the JSON member names a struct type decodes, with those of
// embedded structs.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			keys = append(keys, jsonKeys(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	return keys
}

// wanted reports whether encoding/json could match key to one of keys. Keys
// are matched case-insensitively, as encoding/json does; a key with escapes or
// non-ASCII bytes is always kept (encoding/json folds some of those too).
func wanted(key []byte, plain bool, keys []string) bool {
	if !plain {
		return true
	}
	for _, k := range keys {
		if len(k) == len(key) && strings.EqualFold(k, string(key)) {
			return true
		}
	}
	return false
}

// pick appends to dst a JSON object holding the members of the object p whose
// keys are wanted, in their order. ok is false when p is not exactly one valid
// JSON object (surrounded by white space only).
func pick(dst, p []byte, keys []string) (out []byte, ok bool) {
	start := len(dst)
	dst = append(dst, '{')
	first := true
	ok = eachMember(p, func(key []byte, plain bool, member, _ []byte) bool {
		if wanted(key, plain, keys) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, member...)
		}
		return true
	})
	if !ok {
		return dst[:start], false
	}
	return append(dst, '}'), true
}

// eachMember calls fn with each member of the JSON object p: its key (without
// quotes; plain when it has no escape and no non-ASCII byte), the member as
// written ("key": value) and its value. It returns false, possibly after some
// calls, when p is not exactly one valid JSON object or when fn returns false.
func eachMember(p []byte, fn func(key []byte, plain bool, member, value []byte) bool) bool {
	i := skipWS(p, 0)
	if i >= len(p) || p[i] != '{' {
		return false
	}
	i = skipWS(p, i+1)
	if i < len(p) && p[i] == '}' {
		i++
	} else {
		for {
			if i >= len(p) || p[i] != '"' {
				return false
			}
			ks := i
			ke, plain, ok := scanString(p, i)
			if !ok {
				return false
			}
			i = skipWS(p, ke)
			if i >= len(p) || p[i] != ':' {
				return false
			}
			vs := skipWS(p, i+1)
			if i, ok = skipValue(p, vs); !ok {
				return false
			}
			if !fn(p[ks+1:ke-1], plain, p[ks:i], p[vs:i]) {
				return false
			}
			i = skipWS(p, i)
			if i < len(p) && p[i] == ',' {
				i = skipWS(p, i+1)
				continue
			}
			if i < len(p) && p[i] == '}' {
				i++
				break
			}
			return false
		}
	}
	return skipWS(p, i) == len(p)
}

// The fast paths below decode the members the proxy reads on every call
// without encoding/json. They accept only the plain forms (exact keys, ASCII
// strings without escapes, integers, each key once) and leave anything else to
// decodeMembers, so what they decode is what encoding/json would.

// plainString is the value of a JSON string without escapes or non-ASCII bytes.
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	for _, c := range v[1 : len(v)-1] {
		if !strSafe[c] {
			return "", false
		}
	}
	return string(v[1 : len(v)-1]), true
}

// plainInt is a JSON integer that fits in an int64.
func plainInt(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	d := v
	if neg {
		d = v[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func isNull(v []byte) bool { return string(v) == "null" }

// once marks a member seen, refusing it the second time (a duplicate key is
// left to encoding/json, which keeps the last).
func once(seen *bool) bool {
	if *seen {
		return false
	}
	*seen = true
	return true
}

// modelMember reads a "model" member: a plain string, or null.
func modelMember(v []byte, dst *string) bool {
	if isNull(v) {
		return true
	}
	s, ok := plainString(v)
	*dst = s
	return ok
}

// fastReqMeta reads a request's model, stream and stream_options.
func fastReqMeta(p []byte, m *reqMeta) bool {
	var seen [3]bool
	return eachMember(p, func(k []byte, plain bool, _, v []byte) bool {
		if !plain {
			return false
		}
		switch string(k) {
		case "model":
			return once(&seen[0]) && modelMember(v, &m.Model)
		case "stream":
			if !once(&seen[1]) {
				return false
			}
			switch string(v) {
			case "true", "false":
				b := v[0] == 't'
				m.Stream = &b
			case "null":
			default:
				return false
			}
		case "stream_options":
			if !once(&seen[2]) {
				return false
			}
			m.StreamOptions = append(json.RawMessage(nil), v...)
		default:
			return !wanted(k, true, reqMetaKeys) // another spelling of a key
		}
		return true
	})
}

// fastChatBody reads a non-streamed chat completion's model and usage; one
// with an error member is left to decodeMembers.
func fastChatBody(p []byte, ch *oaChunk) bool {
	var seen [2]bool
	return eachMember(p, func(k []byte, plain bool, _, v []byte) bool {
		if !plain {
			return false
		}
		switch string(k) {
		case "model":
			return once(&seen[0]) && modelMember(v, &ch.Model)
		case "usage":
			if !once(&seen[1]) {
				return false
			}
			if isNull(v) {
				return true
			}
			ch.Usage = new(oaUsage)
			return fastOAUsage(v, ch.Usage)
		default:
			return !wanted(k, true, chatBodyKeys)
		}
	})
}

// fastChatChunk reads a streamed chat chunk as chatChunk meters it: model,
// usage and, per choice, the length of the delta's content and reasoning (or
// the legacy text) and whether a tool call came. A chunk with an error
// member, or anything but the plain forms, is left to encoding/json. It is
// read in one pass (a chunk comes per token): the members it descends into
// are scanned as they are read, not skipped first.
func fastChatChunk(p []byte, s *chunkSum) bool {
	*s = chunkSum{}
	var seen [4]bool
	end, ok := objectAt(p, skipWS(p, 0), func(k []byte, plain bool, vs int) (int, bool) {
		if !plain {
			return 0, false
		}
		switch string(k) {
		case "model":
			e, ok := skipValue(p, vs)
			return e, ok && once(&seen[0]) && modelMember(p[vs:e], &s.model)
		case "choices":
			if !once(&seen[1]) {
				return 0, false
			}
			if e, ok := literal(p, vs, "null"); ok {
				return e, true
			}
			return arrayAt(p, vs, func(es int) (int, bool) {
				s.choices++
				return fastChoice(p, es, s)
			})
		case "usage":
			e, ok := skipValue(p, vs)
			if !ok || !once(&seen[2]) {
				return 0, false
			}
			if isNull(p[vs:e]) {
				return e, true
			}
			s.usage = new(oaUsage)
			return e, fastOAUsage(p[vs:e], s.usage)
		case "error":
			e, ok := literal(p, vs, "null")
			return e, ok && once(&seen[3])
		}
		return skipUnwanted(p, k, vs, oaChunkKeys)
	})
	return ok && skipWS(p, end) == len(p)
}

var (
	oaChunkKeys  = jsonKeys(reflect.TypeFor[oaChunk]())
	oaChoiceKeys = []string{"delta", "text", "finish_reason"}
	oaDeltaKeys  = jsonKeys(reflect.TypeFor[oaDelta]())
)

func fastChoice(p []byte, i int, s *chunkSum) (int, bool) {
	var seen [3]bool
	return objectAt(p, i, func(k []byte, plain bool, vs int) (int, bool) {
		if !plain {
			return 0, false
		}
		switch string(k) {
		case "delta":
			if !once(&seen[0]) {
				return 0, false
			}
			if e, ok := literal(p, vs, "null"); ok {
				return e, true
			}
			return fastDelta(p, vs, s)
		case "text":
			e, n, ok := strAt(p, vs)
			s.chars += n
			s.mark = s.mark || n > 0
			return e, ok && once(&seen[1])
		case "finish_reason":
			e, _, ok := strAt(p, vs) // a string or null
			return e, ok && once(&seen[2])
		}
		return skipUnwanted(p, k, vs, oaChoiceKeys)
	})
}

func fastDelta(p []byte, i int, s *chunkSum) (int, bool) {
	var seen [4]bool
	return objectAt(p, i, func(k []byte, plain bool, vs int) (int, bool) {
		if !plain {
			return 0, false
		}
		j := 0
		switch string(k) {
		case "content":
		case "reasoning_content":
			j = 1
		case "reasoning":
			j = 2
		case "tool_calls":
			e, ok := skipValue(p, vs)
			if !ok || !once(&seen[3]) {
				return 0, false
			}
			s.mark = s.mark || !isNull(p[vs:e])
			return e, true
		default:
			return skipUnwanted(p, k, vs, oaDeltaKeys)
		}
		e, n, ok := strAt(p, vs)
		s.chars += n
		s.mark = s.mark || n > 0
		return e, ok && once(&seen[j])
	})
}

// skipUnwanted skips the value at p[vs] of a member the fast path does not
// read; a key encoding/json would match to one it reads (another spelling)
// makes the fast path decline.
func skipUnwanted(p, k []byte, vs int, keys []string) (int, bool) {
	if wanted(k, true, keys) {
		return 0, false
	}
	return skipValue(p, vs)
}

// objectAt scans the JSON object at p[i], calling fn with each member's key
// (plain as eachMember says) and the index of its value; fn scans the value
// and returns the index after it. It returns the index after the object.
func objectAt(p []byte, i int, fn func(key []byte, plain bool, vs int) (int, bool)) (int, bool) {
	if i >= len(p) || p[i] != '{' {
		return 0, false
	}
	i = skipWS(p, i+1)
	if i < len(p) && p[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return 0, false
		}
		ks := i
		ke, plain, ok := scanString(p, i)
		if !ok {
			return 0, false
		}
		i = skipWS(p, ke)
		if i >= len(p) || p[i] != ':' {
			return 0, false
		}
		if i, ok = fn(p[ks+1:ke-1], plain, skipWS(p, i+1)); !ok {
			return 0, false
		}
		i = skipWS(p, i)
		switch {
		case i < len(p) && p[i] == ',':
			i = skipWS(p, i+1)
		case i < len(p) && p[i] == '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// arrayAt scans the JSON array at p[i], calling fn with the index of each
// element; fn scans it and returns the index after it.
func arrayAt(p []byte, i int, fn func(es int) (int, bool)) (int, bool) {
	if i >= len(p) || p[i] != '[' {
		return 0, false
	}
	i = skipWS(p, i+1)
	if i < len(p) && p[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = fn(i); !ok {
			return 0, false
		}
		i = skipWS(p, i)
		switch {
		case i < len(p) && p[i] == ',':
			i = skipWS(p, i+1)
		case i < len(p) && p[i] == ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// strAt scans the string or null at p[i]: the index after it and its length
// as encoding/json decodes it.
func strAt(p []byte, i int) (end, n int, ok bool) {
	if e, ok := literal(p, i, "null"); ok {
		return e, 0, true
	}
	if i >= len(p) || p[i] != '"' {
		return 0, 0, false
	}
	end, plain, ok := scanString(p, i)
	if !ok {
		return 0, 0, false
	}
	if plain {
		return end, end - i - 2, true
	}
	n, _ = strLen(p[i:end])
	return end, n, true
}

// strLen is the length in bytes of a JSON string value (already validated)
// as encoding/json decodes it, escapes resolved and invalid UTF-8 replaced by
// U+FFFD; null is 0.
func strLen(v []byte) (int, bool) {
	if isNull(v) {
		return 0, true
	}
	if len(v) < 2 || v[0] != '"' {
		return 0, false
	}
	s := v[1 : len(v)-1]
	n := 0
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\\' && s[i+1] == 'u':
			r := u4(s[i:])
			i += 6
			if utf16.IsSurrogate(r) {
				if d := utf16.DecodeRune(r, u4(s[i:])); d != unicode.ReplacementChar {
					n += utf8.RuneLen(d)
					i += 6
					continue
				}
				r = unicode.ReplacementChar
			}
			n += utf8.RuneLen(r)
		case c == '\\':
			n++
			i += 2
		case c < utf8.RuneSelf:
			n++
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			n += utf8.RuneLen(r) // 3 for an invalid byte, as U+FFFD
			i += size
		}
	}
	return n, true
}

// u4 is the code point of the \uXXXX escape at the start of s, or -1.
func u4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func fastOAUsage(p []byte, u *oaUsage) bool {
	var seen [4]bool
	once := func(i int) bool {
		if seen[i] {
			return false
		}
		seen[i] = true
		return true
	}
	intField := func(v []byte, dst *int64) bool {
		if isNull(v) {
			return true
		}
		n, ok := plainInt(v)
		*dst = n
		return ok
	}
	// detail reads {"<key>": int} (other members ignored) into a new struct.
	detail := func(v []byte, key string, set func(int64)) bool {
		if isNull(v) {
			return true
		}
		var seenKey bool
		return eachMember(v, func(k []byte, plain bool, _, dv []byte) bool {
			if !plain {
				return false
			}
			if string(k) != key {
				return !strings.EqualFold(string(k), key)
			}
			if seenKey {
				return false
			}
			seenKey = true
			var n int64
			if !intField(dv, &n) {
				return false
			}
			if !isNull(dv) {
				set(n)
			}
			return true
		})
	}
	return len(p) > 0 && p[0] == '{' && eachMember(p, func(k []byte, plain bool, _, v []byte) bool {
		if !plain {
			return false
		}
		switch string(k) {
		case "prompt_tokens":
			return once(0) && intField(v, &u.PromptTokens)
		case "completion_tokens":
			return once(1) && intField(v, &u.CompletionTokens)
		case "prompt_tokens_details":
			if !once(2) {
				return false
			}
			if !isNull(v) {
				u.PromptTokensDetails = &struct {
					CachedTokens int64 `json:"cached_tokens"`
				}{}
			}
			return detail(v, "cached_tokens", func(n int64) { u.PromptTokensDetails.CachedTokens = n })
		case "completion_tokens_details":
			if !once(3) {
				return false
			}
			if !isNull(v) {
				u.CompletionTokensDetails = &struct {
					ReasoningTokens int64 `json:"reasoning_tokens"`
				}{}
			}
			return detail(v, "reasoning_tokens", func(n int64) { u.CompletionTokensDetails.ReasoningTokens = n })
		default:
			return !wanted(k, true, oaUsageKeys)
		}
	})
}

var oaUsageKeys = []string{"prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"}

func skipWS(p []byte, i int) int {
	for i < len(p) {
		switch p[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// strSafe marks the bytes that may appear unescaped in a JSON string and need
// no attention: not '"', '\\', control characters or non-ASCII.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const lsb, msb = 0x0101010101010101, 0x8080808080808080

// needsLook says whether one of the eight bytes in w is not strSafe: '"',
// '\\', a control character or non-ASCII (a zero byte after the XORs, or a
// byte below 0x20, found as in "Bit Twiddling Hacks").
func needsLook(w uint64) bool {
	zero := func(v uint64) uint64 { return (v - lsb) & ^v & msb }
	return (w&msb)|zero(w^('"'*lsb))|zero(w^('\\'*lsb))|((w-0x20*lsb) & ^w & msb) != 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanString scans the string at p[i] == '"' and returns the index after its
// closing quote; plain says it holds no escape and no non-ASCII byte.
func scanString(p []byte, i int) (end int, plain, ok bool) {
	plain = true
	i++
	for i < len(p) {
		// Eight plain bytes at a time while no byte needs a look, then
		// one at a time up to the one that does.
		for i+8 <= len(p) && !needsLook(binary.LittleEndian.Uint64(p[i:])) {
			i += 8
		}
		for i < len(p) && strSafe[p[i]] {
			i++
		}
		if i >= len(p) {
			break
		}
		c := p[i]
		switch {
		case c == '"':
			return i + 1, plain, true
		case c == '\\':
			plain = false
			if i+1 >= len(p) {
				return 0, false, false
			}
			switch p[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(p) || !isHex(p[i+2]) || !isHex(p[i+3]) || !isHex(p[i+4]) || !isHex(p[i+5]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		default: // non-ASCII: encoding/json accepts any byte here
			plain = false
			for i++; i < len(p) && p[i] >= 0x80; i++ {
			}
		}
	}
	return 0, false, false
}

// maxScanDepth bounds the nesting the scan follows; deeper bodies are left to
// encoding/json (whose own limit is 10,000).
const maxScanDepth = 1000

// skipValue scans the JSON value at p[i] (no white space before it) and
// returns the index after it.
func skipValue(p []byte, i int) (int, bool) {
	var stackBuf [32]byte
	stack := stackBuf[:0] // '{' or '[' per open container
	var ok bool
	for {
		// A value starts at i, after optional white space.
		i = skipWS(p, i)
		if i >= len(p) {
			return 0, false
		}
		switch c := p[i]; {
		case c == '{' || c == '[':
			i = skipWS(p, i+1)
			if i < len(p) && p[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				i++
				break
			}
			if len(stack) >= maxScanDepth {
				return 0, false
			}
			stack = append(stack, c)
			if c == '{' {
				if i, ok = skipKey(p, i); !ok {
					return 0, false
				}
			}
			continue
		case c == '"':
			if i, _, ok = scanString(p, i); !ok {
				return 0, false
			}
		case c == 't':
			if i, ok = literal(p, i, "true"); !ok {
				return 0, false
			}
		case c == 'f':
			if i, ok = literal(p, i, "false"); !ok {
				return 0, false
			}
		case c == 'n':
			if i, ok = literal(p, i, "null"); !ok {
				return 0, false
			}
		default:
			if i, ok = jsonnum.Scan(p, i); !ok {
				return 0, false
			}
		}
		// A value ended at i: close containers until one has a next element.
		for {
			if len(stack) == 0 {
				return i, true
			}
			i = skipWS(p, i)
			if i >= len(p) {
				return 0, false
			}
			top := stack[len(stack)-1]
			if p[i] == ',' {
				i++
				if top == '{' {
					if i, ok = skipKey(p, skipWS(p, i)); !ok {
						return 0, false
					}
				}
				break
			}
			if p[i] != top+2 {
				return 0, false
			}
			i++
			stack = stack[:len(stack)-1]
		}
	}
}

// skipKey scans `"key" :` at p[i] and returns the index after the colon.
func skipKey(p []byte, i int) (int, bool) {
	if i >= len(p) || p[i] != '"' {
		return 0, false
	}
	i, _, ok := scanString(p, i)
	if !ok {
		return 0, false
	}
	i = skipWS(p, i)
	if i >= len(p) || p[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

func literal(p []byte, i int, lit string) (int, bool) {
	if len(p)-i < len(lit) || string(p[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}
