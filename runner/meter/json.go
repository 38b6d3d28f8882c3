package meter

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// Metering reads a handful of top-level members (model, stream, usage, ...) of
// JSON bodies that can be large (a conversation in a request, the generated
// text in a response). Decoding a whole body with encoding/json costs far more
// than the rest of the proxy's work, so decodeMembers first copies the wanted
// members out with a fast validating scan that skips the others, then decodes
// only those with encoding/json. The result is the same as decoding the whole
// body: a body the scan cannot vouch for (not one valid JSON object) is decoded
// whole, and so fails or decodes exactly as before.

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
	i := skipWS(p, 0)
	if i >= len(p) || p[i] != '{' {
		return dst, false
	}
	dst = append(dst, '{')
	first := true
	i = skipWS(p, i+1)
	if i < len(p) && p[i] == '}' {
		i++
	} else {
		for {
			if i >= len(p) || p[i] != '"' {
				return dst[:start], false
			}
			ks := i
			ke, plain, ok := scanString(p, i)
			if !ok {
				return dst[:start], false
			}
			i = skipWS(p, ke)
			if i >= len(p) || p[i] != ':' {
				return dst[:start], false
			}
			vs := skipWS(p, i+1)
			if i, ok = skipValue(p, vs); !ok {
				return dst[:start], false
			}
			if wanted(p[ks+1:ke-1], plain, keys) {
				if !first {
					dst = append(dst, ',')
				}
				first = false
				dst = append(dst, p[ks:ke]...)
				dst = append(dst, ':')
				dst = append(dst, p[vs:i]...)
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
			return dst[:start], false
		}
	}
	if skipWS(p, i) != len(p) {
		return dst[:start], false
	}
	return append(dst, '}'), true
}

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

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanString scans the string at p[i] == '"' and returns the index after its
// closing quote; plain says it holds no escape and no non-ASCII byte.
func scanString(p []byte, i int) (end int, plain, ok bool) {
	plain = true
	i++
	for i < len(p) {
		c := p[i]
		if strSafe[c] {
			i++
			continue
		}
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
			i++
		}
	}
	return 0, false, false
}

func scanNumber(p []byte, i int) (int, bool) {
	if i < len(p) && p[i] == '-' {
		i++
	}
	switch {
	case i >= len(p):
		return 0, false
	case p[i] == '0':
		i++
	case '1' <= p[i] && p[i] <= '9':
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < len(p) && p[i] == '.' {
		i++
		d := i
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		i++
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		d := i
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	return i, true
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
			if i, ok = scanNumber(p, i); !ok {
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
