// Package redact removes secrets from text that leaves a run: errors, the
// last output line quoted in them, call errors, the logs the runner writes
// and what it prints. It is the one scrubber every package uses.
//
// What is removed, each replaced by REDACTED:
//
//   - the value of every environment variable whose name looks secret
//     (contains KEY, TOKEN, SECRET or PASSWORD, in any case; so
//     ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY, GOOGLE_API_KEY...),
//     from the runner's environment and from the variables it passes to
//     runs (AddValue); values shorter than MinSecret are left, as scrubbing
//     them would mangle unrelated text;
//   - `key=` query parameters (Gemini's API key in a URL), also first in a
//     form-urlencoded body, and multipart/form-data fields named like a key
//     (api_key, key, token, password...);
//   - `Bearer ...` tokens and the values of `Authorization`, `x-api-key`
//     and `x-goog-api-key` headers, in header or JSON form, and of fields
//     named api_key (apiKey, api-key), access_token, refresh_token,
//     client_secret or password (a request body sending its key);
//   - strings shaped like provider keys (sk-..., AIza...);
//   - the password in a URL's user info (postgres://user:PASSWORD@host).
package redact

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Mask replaces every secret.
const Mask = "REDACTED"

// MinSecret is the shortest variable value treated as a secret.
const MinSecret = 8

// SecretName reports whether a variable (or --set var) name looks like it
// holds a secret: it contains KEY, TOKEN, SECRET or PASSWORD, in any case.
func SecretName(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

var values struct {
	once  sync.Once
	mu    sync.RWMutex
	list  []string // longest first, so a value containing another goes whole
	bytes [][]byte // list, as bytes
	seen  map[string]bool
}

func load() {
	values.once.Do(func() {
		values.seen = map[string]bool{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			addLocked(k, v)
		}
	})
}

func addLocked(name, value string) {
	if !SecretName(name) || len(value) < MinSecret || values.seen[value] {
		return
	}
	values.seen[value] = true
	values.list = append(values.list, value)
	sort.Slice(values.list, func(i, j int) bool { return len(values.list[i]) > len(values.list[j]) })
	values.bytes = values.bytes[:0]
	for _, v := range values.list {
		values.bytes = append(values.bytes, []byte(v))
	}
}

// AddValue registers the value of a variable the runner passes to a run,
// if its name looks secret.
func AddValue(name, value string) {
	if !SecretName(name) || len(value) < MinSecret {
		return
	}
	load()
	values.mu.Lock()
	addLocked(name, value)
	values.mu.Unlock()
}

var patterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`((?:^|[?&])(?:key|api_key|apikey|access_token|token)=)[^&#\s"'<>]+`), "${1}" + Mask},
	// A multipart/form-data part named like a secret: the value after its
	// headers, up to the end of the line.
	{regexp.MustCompile(`(?i)(content-disposition:[^\r\n]*\bname="?(?:key|token|api[-_]?key|access[-_]?token|refresh[-_]?token|client[-_]?secret|password)"?(?:[;\s][^\r\n]*)?\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]+`), "${1}" + Mask},
	{regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+`), "${1}" + Mask},
	{regexp.MustCompile(`(?i)((?:authorization|x-api-key|x-goog-api-key|api[-_]?key|access[-_]?token|refresh[-_]?token|client[-_]?secret|password)["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}&]+`), "${1}" + Mask},
	{regexp.MustCompile(`\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,})`), Mask},
	// The password of a URL's user info: scheme://user:PASSWORD@host.
	{regexp.MustCompile(`(\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@"'<>]*:)[^/\s@"'<>]+@`), "${1}" + Mask + "@"},
}

// triggers are cheap literal checks: a text holding none of them (most log
// lines) skips the patterns.
var triggers = []string{"key=", "token=", "earer", "EARER", "uthorization", "UTHORIZATION", "pi-key", "PI-KEY", "pi-Key", "pi_key", "PI_KEY", "piKey", "pikey", "PIKEY", "ccess_token", "ccessToken", "CCESS_TOKEN", "efresh_token", "efreshToken", "EFRESH_TOKEN", "lient_secret", "lientSecret", "LIENT_SECRET", "assword", "ASSWORD", "sk-", "AIza", "orm-data", "ORM-DATA", "://"}

// mayHoldPattern says whether s holds a trigger, so that the patterns must run.
func mayHoldPattern(s string) bool {
	return mayHoldTrigram(s) && slices.ContainsFunc(triggers, func(t string) bool { return strings.Contains(s, t) })
}

var byteTriggers = func() [][]byte {
	out := make([][]byte, len(triggers))
	for i, t := range triggers {
		out[i] = []byte(t)
	}
	return out
}()

// trigrams has the bit of the first three bytes of every trigger: a text
// without any of them holds no trigger, found in one pass rather than
// one search per trigger (scrubbing every text of 100,000 records read
// back costs little then).
var trigrams = func() *[1 << 16 / 64]uint64 {
	var set [1 << 16 / 64]uint64
	for _, t := range triggers {
		h := trigram(t[0], t[1], t[2])
		set[h/64] |= 1 << (h % 64)
	}
	return &set
}()

func trigram(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1 >> 16
}

// mayHoldTrigram says whether s holds the first three bytes of a trigger.
func mayHoldTrigram[T string | []byte](s T) bool {
	for i := 0; i+2 < len(s); i++ {
		if h := trigram(s[i], s[i+1], s[i+2]); trigrams[h/64]&(1<<(h%64)) != 0 {
			return true
		}
	}
	return false
}

// String returns s without secrets.
func String(s string) string {
	if s == "" {
		return s
	}
	load()
	values.mu.RLock()
	for _, v := range values.list {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	values.mu.RUnlock()
	if !mayHoldPattern(s) {
		return s
	}
	for _, p := range patterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}

// Bytes returns b without secrets; b itself when it holds none (no copy).
func Bytes(b []byte) []byte {
	if !mayHold(b) {
		return b
	}
	return []byte(String(string(b)))
}

// mayHold tells whether b holds a secret value or a trigger of the patterns.
func mayHold(b []byte) bool {
	load()
	values.mu.RLock()
	for _, v := range values.bytes {
		if bytes.Contains(b, v) {
			values.mu.RUnlock()
			return true
		}
	}
	values.mu.RUnlock()
	if !mayHoldTrigram(b) {
		return false
	}
	for _, t := range byteTriggers {
		if bytes.Contains(b, t) {
			return true
		}
	}
	return false
}

// JSON returns the JSON text b with every string in it, keys included,
// scrubbed as String does; b itself when it holds no secret. Whatever field
// a workload filled (a phase or model name from its events, a metric's
// reason, a warning quoting them), the text stays valid JSON: each string
// is scrubbed decoded and encoded again, so no pattern eats an escape.
func JSON(b []byte) []byte {
	if !mayHold(b) && bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	var out []byte
	prev := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(b) {
			break // not JSON: left as it is
		}
		lit := b[i : j+1]
		if mayHold(lit) || bytes.IndexByte(lit, '\\') >= 0 {
			var s string
			if json.Unmarshal(lit, &s) == nil {
				if t := String(s); t != s {
					enc, err := json.Marshal(t)
					if err == nil {
						out = append(append(out, b[prev:i]...), enc...)
						prev = j + 1
					}
				}
			}
		}
		i = j
	}
	if out == nil {
		return b
	}
	return append(out, b[prev:]...)
}

// StringAt is String for a text that arrives in pieces (the reads of a
// stream): secrets are found in the whole text, also one split between two
// pieces, and each offset in cuts (ascending byte offsets into s, the
// pieces' ends) is moved to the same place in the result. A cut inside a
// secret moves to its start, so no byte of the result comes earlier than
// the bytes it stands for arrived.
func StringAt(s string, cuts []int) string {
	if s == "" {
		return s
	}
	load()
	values.mu.RLock() // AddValue sorts the list in place
	for _, v := range values.list {
		var edits []edit
		for at := 0; ; {
			i := strings.Index(s[at:], v)
			if i < 0 {
				break
			}
			edits = append(edits, edit{at + i, at + i + len(v), Mask})
			at += i + len(v)
		}
		s = apply(s, edits, cuts)
	}
	values.mu.RUnlock()
	if !mayHoldPattern(s) {
		return s
	}
	for _, p := range patterns {
		var edits []edit
		for _, loc := range p.re.FindAllStringSubmatchIndex(s, -1) {
			edits = append(edits, edit{loc[0], loc[1], string(p.re.ExpandString(nil, p.repl, s, loc))})
		}
		s = apply(s, edits, cuts)
	}
	return s
}

// edit replaces s[from:to] with with.
type edit struct {
	from, to int
	with     string
}

// apply makes the edits (ascending, not overlapping) and moves the cuts.
func apply(s string, edits []edit, cuts []int) string {
	if len(edits) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for _, e := range edits {
		b.WriteString(s[prev:e.from])
		b.WriteString(e.with)
		prev = e.to
	}
	b.WriteString(s[prev:])
	shift, k := 0, 0
	for i, c := range cuts {
		for k < len(edits) && edits[k].to <= c {
			shift += len(edits[k].with) - (edits[k].to - edits[k].from)
			k++
		}
		if k < len(edits) && edits[k].from < c {
			c = edits[k].from // inside a secret: cut before it
		}
		cuts[i] = c + shift
	}
	return b.String()
}
