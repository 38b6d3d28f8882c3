// Package npmcompat runs real npm client libraries through the runner and
// writes the compatibility table of docs/clients.md.
package npmcompat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/runner-bench/runner/runner/cli"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/sim"
)

var update = flag.Bool("update", false, "rewrite the table in docs/clients.md")

// requireEnv makes the suite mandatory (CI installs the packages).
const requireEnv = "RUNNER_REQUIRE_NPM_SUITE"

const docFile = "../../docs/clients.md"

var kinds = []string{"plain", "streaming", "tool call", "structured output", "embeddings"}

// testCase is one library x call kind, as `node suite.mjs --list` names it.
type testCase struct {
	API   string `json:"api"`
	Lib   string `json:"lib"`
	Kind  string `json:"kind"`
	Phase string `json:"phase"`
	Line  string `json:"line"`
}

// outcome is how a case went in one mode.
type outcome struct {
	ran     bool
	ok      bool   // the library call succeeded
	metered bool   // every call the upstream answered was recorded, tokens exact, in the case's phase
	why     string // what went wrong
}

func TestClientLibraries(t *testing.T) {
	if _, err := os.Stat("node_modules"); err != nil {
		if os.Getenv(requireEnv) != "" {
			t.Fatalf("compat/npm/node_modules is absent and %s is set: run `npm ci` in compat/npm", requireEnv)
		}
		t.Skip("compat/npm/node_modules is absent: run `npm ci` in compat/npm to run the client-library suite (.ci/run does)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node_modules is installed but node is not on PATH")
	}
	out, err := exec.Command(node, "suite.mjs", "--list").Output()
	if err != nil {
		t.Fatalf("listing the cases: %v", err)
	}
	var cases []testCase
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatal(err)
	}

	up := newUpstream()
	srv := httptest.NewServer(up)
	defer srv.Close()
	// The suite names the case it starts on a separate address, which no
	// proxy routes: what reaches the upstream is the libraries' traffic alone.
	control := httptest.NewServer(http.HandlerFunc(up.setCase))
	defer control.Close()

	here, _ := os.Getwd()
	t.Setenv("NODE_OPTIONS", `--require "`+filepath.Join(here, "guard.cjs")+`"`)
	for _, k := range []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY"} {
		t.Setenv(k, "compat-test-key")
	}
	t.Setenv("GEMINI_API_KEY", "")
	t.Setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")

	modes := []string{"unmodified", "line", "interception"}
	results := map[string]map[string]outcome{} // mode -> phase -> outcome
	for _, mode := range modes {
		results[mode] = runMode(t, mode, cases, up, srv.URL, control.URL)
	}
	// A case that misses the acceptance bar below is run once more on its
	// own before it counts: four cells and thirteen libraries at once on a
	// loaded machine have made one case's request go unseen by the upstream
	// log; a metering fault fails both times.
	for _, c := range cases {
		if o := results["interception"][c.Phase]; o.ok && !o.metered {
			t.Logf("%s: not metered exactly with interception (%s); running it again alone", c.Phase, o.why)
			t.Setenv("COMPAT_ONLY", "^"+regexp.QuoteMeta(c.Phase)+"$")
			if again, ok := runMode(t, "interception", []testCase{c}, up, srv.URL, control.URL)[c.Phase]; ok {
				results["interception"][c.Phase] = again
			}
			t.Setenv("COMPAT_ONLY", "")
		}
	}

	table := renderTable(cases, results)
	t.Log("\n" + table)
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- table:begin -->\n", "<!-- table:end -->"
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s lacks the %q ... %q markers", docFile, begin, end)
	}
	if got := string(doc[i+len(begin) : j]); got != table {
		if *update {
			doc = append(append(append([]byte{}, doc[:i+len(begin)]...), table...), doc[j:]...)
			if err := os.WriteFile(docFile, doc, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("the table in docs/clients.md is not what the libraries do; rerun with: go test ./compat/npm -update\nwant:\n%s", table)
		}
	}

	// The acceptance bar: with interception every library's calls are
	// metered exactly wherever the library itself succeeds.
	for _, c := range cases {
		o := results["interception"][c.Phase]
		if o.ok && !o.metered {
			t.Errorf("%s: the library succeeded with interception but its calls were not metered exactly: %s", c.Phase, o.why)
		}
	}
}

// runMode runs the suite through the runner once: one cell per API, each
// pointed at the test's upstream.
func runMode(t *testing.T, mode string, cases []testCase, up *upstream, upURL, controlURL string) map[string]outcome {
	t.Helper()
	dir := t.TempDir()
	results := filepath.Join(dir, "results")
	var phases []string
	for _, c := range cases {
		phases = append(phases, strconv.Quote(c.Phase))
	}
	suiteMode := "plain"
	if mode == "line" {
		suiteMode = "line"
	}
	here, _ := os.Getwd()
	spec := fmt.Sprintf(`name: compat
runs: 1
concurrency: 4
timeout: 10m
command: node %q
env:
  COMPAT_API: "{{ .provider.api }}"
  COMPAT_MODE: %s
  COMPAT_CONTROL: %[6]s
  COMPAT_RESULTS: "%[4]s-{{ .provider.api }}.jsonl"
providers:
  - { name: openai, api: openai, base_url: "%[3]s/v1", models: [ gpt-4o-mini ] }
  - { name: anthropic, api: anthropic, base_url: "%[3]s", models: [ claude-haiku-4-5 ] }
  - { name: gemini, api: gemini, base_url: "%[3]s", models: [ gemini-2.5-flash ] }
  - { name: ollama, api: ollama, base_url: "%[3]s", models: [ llama3.2 ] }
phases: [ %[5]s ]
pricing:
  "*": { input: 1, output: 1 }
`, filepath.Join(here, "suite.mjs"), suiteMode, upURL, results, strings.Join(phases, ", "), controlURL)
	specFile := filepath.Join(dir, "compat.yaml")
	if err := os.WriteFile(specFile, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{specFile, "--output", filepath.Join(dir, "out"), "--no-progress", "--quiet", "--no-history"}
	if mode == "interception" {
		args = append(args, "--intercept")
	}
	up.reset()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), args, &stdout, &stderr)
	if code != cli.ExitOK && code != cli.ExitRunsFailed {
		t.Fatalf("%s: runner exited %d\n%s\n%s", mode, code, stdout.String(), stderr.String())
	}
	recs, err := record.ReadFile(filepath.Join(dir, "out", "runs.jsonl"))
	if err != nil {
		t.Fatalf("%s: %v\n%s", mode, err, stderr.String())
	}
	calls := map[string][]record.Call{}
	for _, r := range recs {
		for _, c := range r.Calls {
			calls[c.Phase] = append(calls[c.Phase], c)
		}
	}
	answered := up.byCase()
	out := map[string]outcome{}
	for _, api := range []string{"openai", "anthropic", "gemini", "ollama"} {
		f, err := os.Open(results + "-" + api + ".jsonl")
		if err != nil {
			continue // no case of this API in this mode
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var r struct {
				Phase string `json:"phase"`
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue
			}
			o := outcome{ran: true, ok: r.OK, why: r.Error}
			o.metered, o.why = compare(answered[r.Phase], calls[r.Phase], o.why)
			out[r.Phase] = o
		}
		f.Close()
	}
	return out
}

// compare checks the recorded calls of a case against what the upstream
// answered it: one call per LLM request, in order, with the upstream's
// tokens where it reported them.
func compare(sent []answer, got []record.Call, why string) (bool, string) {
	note := func(s string) string {
		if why != "" {
			return why
		}
		return s
	}
	if len(sent) == 0 {
		return false, note("no request reached the upstream")
	}
	if len(got) != len(sent) {
		return false, note(fmt.Sprintf("%d of %d calls recorded", len(got), len(sent)))
	}
	for i, a := range sent {
		c := got[i]
		if c.Tokens.Input != a.in || c.Tokens.Output != a.out {
			if a.reported {
				return false, note(fmt.Sprintf("call %d recorded %d/%d tokens, the upstream sent %d/%d", i+1, c.Tokens.Input, c.Tokens.Output, a.in, a.out))
			}
		}
	}
	return true, why
}

// upstream is the fake provider: the simulator, with a log of every LLM
// request it answered and the usage its answer carried, by case.
type upstream struct {
	sim http.Handler
	mu  sync.Mutex
	cur map[string]string // API -> the case its cell runs now
	log map[string][]answer
}

type answer struct {
	path     string
	in, out  int64
	reported bool // the answer carried usage
}

func newUpstream() *upstream {
	return &upstream{sim: sim.New(sim.Config{Seed: 7, Default: sim.Defaults}), cur: map[string]string{}, log: map[string][]answer{}}
}

func (u *upstream) reset() {
	u.mu.Lock()
	u.cur, u.log = map[string]string{}, map[string][]answer{}
	u.mu.Unlock()
}

func (u *upstream) byCase() map[string][]answer {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.log
}

// The cells run at once, one per API; each sets its case before its calls.
// Cases of different APIs are told apart by the API their path speaks.
func (u *upstream) setCase(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.cur[r.Header.Get("X-Compat-Api")] = string(b)
	u.mu.Unlock()
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		u.sim.ServeHTTP(w, r)
		return
	}
	// The case is the one open when the request arrives: a library may read
	// a stream's last chunk and start the next case before this handler
	// returns.
	u.mu.Lock()
	phase := u.cur[apiOf(r.URL.Path)]
	u.mu.Unlock()
	rec := &teeWriter{ResponseWriter: w}
	u.sim.ServeHTTP(rec, r)
	a := answer{path: r.URL.Path}
	a.in, a.out, a.reported = usageOf(rec.body.Bytes())
	u.mu.Lock()
	u.log[phase] = append(u.log[phase], a)
	u.mu.Unlock()
}

// apiOf names the API a request path speaks.
func apiOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/"):
		return "ollama"
	case strings.Contains(path, "/models/") && strings.Contains(path, ":"):
		return "gemini"
	case strings.HasSuffix(path, "/messages") || strings.Contains(path, "/messages/"):
		return "anthropic"
	}
	return "openai"
}

type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (t *teeWriter) Write(b []byte) (int, error) {
	t.body.Write(b)
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// usageOf reads the token counts an answer carried, the last value of each
// field as the wire formats repeat or accumulate them: OpenAI (prompt /
// completion), Responses and Anthropic (input / output), Gemini (prompt /
// candidates + thoughts), Ollama (prompt_eval_count / eval_count).
func usageOf(body []byte) (in, out int64, ok bool) {
	last := func(field string) (int64, bool) {
		re := regexp.MustCompile(`"` + field + `"\s*:\s*(\d+)`)
		m := re.FindAllSubmatch(body, -1)
		if len(m) == 0 {
			return 0, false
		}
		n, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
		return n, true
	}
	pairs := [][3]string{
		{"prompt_tokens", "completion_tokens", ""},
		{"input_tokens", "output_tokens", ""},
		{"promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount"},
		{"prompt_eval_count", "eval_count", ""},
	}
	for _, p := range pairs {
		i, okIn := last(p[0])
		if !okIn {
			continue
		}
		o, _ := last(p[1])
		if p[2] != "" {
			th, _ := last(p[2])
			o += th
		}
		if p[0] == "input_tokens" { // Anthropic: cache tokens are input too
			cw, _ := last("cache_creation_input_tokens")
			cr, _ := last("cache_read_input_tokens")
			i += cw + cr
		}
		return i, o, true
	}
	return 0, 0, false
}

// renderTable is the Markdown table of docs/clients.md.
func renderTable(cases []testCase, results map[string]map[string]outcome) string {
	var libs []string
	seen := map[string]bool{}
	byLib := map[string]map[string]testCase{}
	lines := map[string]string{}
	for _, c := range cases {
		if !seen[c.Lib] {
			seen[c.Lib] = true
			libs = append(libs, c.Lib)
			byLib[c.Lib] = map[string]testCase{}
		}
		byLib[c.Lib][c.Kind] = c
		if c.Line != "" {
			lines[c.Lib] = c.Line
		}
	}
	var b strings.Builder
	b.WriteString("| library | " + strings.Join(kinds, " | ") + " |\n|---|" + strings.Repeat("---|", len(kinds)) + "\n")
	var notes []string
	for _, lib := range libs {
		b.WriteString("| `" + lib + "` |")
		usesLine := false
		for _, k := range kinds {
			c, ok := byLib[lib][k]
			if !ok {
				b.WriteString(" — |")
				continue
			}
			s := cell(c, results)
			usesLine = usesLine || strings.Contains(s, "this line")
			b.WriteString(" " + s + " |")
		}
		b.WriteString("\n")
		if l := lines[lib]; l != "" && usesLine {
			notes = append(notes, "- `"+lib+"`, this line: `"+l+"`")
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	return b.String()
}

func cell(c testCase, results map[string]map[string]outcome) string {
	works := func(mode string) bool {
		o := results[mode][c.Phase]
		return o.ok && o.metered
	}
	var s []string
	switch {
	case works("unmodified"):
		return "unmodified"
	case works("interception"):
		s = append(s, "interception")
	}
	if c.Line != "" && works("line") {
		s = append(s, "this line")
	}
	if len(s) > 0 {
		return strings.Join(s, " or ")
	}
	o := results["interception"][c.Phase]
	why := o.why
	if why == "" {
		why = "not run"
	}
	why = strings.NewReplacer("|", "\\|", "\n", " ").Replace(why)
	if len(why) > 80 {
		why = why[:77] + "..."
	}
	if o.ok {
		return "not metered: " + why
	}
	return "fails: " + why
}
