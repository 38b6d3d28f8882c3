package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// agentTool is the tool and output schema of the agentic workload.
const agentTool = `{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city","days"],"additionalProperties":false}`

// TestHelperAgenticWorkload is the workload of TestDryRunRehearsesAgenticWorkflows,
// run as a child process: in each of the four APIs it runs a tool loop (the
// model calls the tool, the tool's result goes back, the model answers in
// text), asks for structured output and parses it, and embeds text where
// the API can. It exits 1 when any answer is not what its code expects.
func TestHelperAgenticWorkload(t *testing.T) {
	if os.Getenv("RUNNER_TEST_HELPER") != "agentic" {
		t.Skip("the workload of TestDryRunRehearsesAgenticWorkflows")
	}
	fmt.Println(`::runner::{"event":"phase_start","phase":"Agent"}`)
	fail := func(format string, a ...any) {
		fmt.Printf(format+"\n", a...)
		os.Exit(1)
	}
	call := func(url, body string) map[string]any {
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			fail("%s: %v", url, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(b, &m) != nil {
			fail("%s: %s %s", url, resp.Status, b)
		}
		return m
	}
	// args checks a tool call's (or a structured answer's) JSON the way the
	// workload's own code would use it.
	args := func(where string, v any) {
		var a struct {
			City *string
			Days *int
		}
		var b []byte
		if s, ok := v.(string); ok {
			b = []byte(s)
		} else {
			b, _ = json.Marshal(v)
		}
		if err := json.Unmarshal(b, &a); err != nil || a.City == nil || a.Days == nil || *a.Days < 1 || *a.Days > 7 {
			fail("%s: arguments the code cannot use: %s", where, b)
		}
	}
	dig := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := v.(map[string]any)
				v = m[k]
			case int:
				a, _ := v.([]any)
				if k >= len(a) {
					return nil
				}
				v = a[k]
			}
		}
		return v
	}
	text := func(where string, v any) {
		if s, _ := v.(string); strings.TrimSpace(s) == "" {
			fail("%s: no text answer", where)
		}
	}

	oa := os.Getenv("OPENAI_BASE_URL")
	tools := `"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + agentTool + `}}]`
	r := call(oa+"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"weather?"}],`+tools+`}`)
	tc := dig(r, "choices", 0, "message", "tool_calls", 0)
	args("openai tool call", dig(tc, "function", "arguments"))
	r = call(oa+"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[`+compactJSON(tc)+`]},{"role":"tool","tool_call_id":"`+fmt.Sprint(dig(tc, "id"))+`","content":"sunny"}],`+tools+`}`)
	text("openai after the tool", dig(r, "choices", 0, "message", "content"))
	r = call(oa+"/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"weather?"}],"response_format":{"type":"json_schema","json_schema":{"name":"w","strict":true,"schema":`+agentTool+`}}}`)
	args("openai structured", dig(r, "choices", 0, "message", "content"))
	r = call(oa+"/embeddings", `{"model":"text-embedding-3-small","input":["a","b"]}`)
	if e, _ := dig(r, "data", 1, "embedding").([]any); len(e) == 0 {
		fail("openai embeddings: %v", r)
	}

	an := os.Getenv("ANTHROPIC_BASE_URL") + "/v1/messages"
	atools := `"tools":[{"name":"get_weather","input_schema":` + agentTool + `}]`
	r = call(an, `{"model":"claude-haiku-4-5","max_tokens":400,"messages":[{"role":"user","content":"weather?"}],`+atools+`}`)
	tu := dig(r, "content", 0)
	if dig(tu, "type") != "tool_use" {
		fail("anthropic: no tool_use: %v", r)
	}
	args("anthropic tool call", dig(tu, "input"))
	r = call(an, `{"model":"claude-haiku-4-5","max_tokens":400,"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":[`+compactJSON(tu)+`]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"`+fmt.Sprint(dig(tu, "id"))+`","content":"sunny"}]}],`+atools+`}`)
	text("anthropic after the tool", dig(r, "content", 0, "text"))
	r = call(an, `{"model":"claude-haiku-4-5","max_tokens":400,"messages":[{"role":"user","content":"weather?"}],`+atools+`,"tool_choice":{"type":"tool","name":"get_weather"}}`)
	args("anthropic forced tool", dig(r, "content", 0, "input"))

	gm := os.Getenv("GOOGLE_GEMINI_BASE_URL") + "/v1beta/models/"
	gtools := `"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":` + agentTool + `}]}]`
	r = call(gm+"gemini-2.5-flash:generateContent", `{"contents":[{"role":"user","parts":[{"text":"weather?"}]}],`+gtools+`}`)
	fc := dig(r, "candidates", 0, "content", "parts", 0, "functionCall")
	args("gemini function call", dig(fc, "args"))
	r = call(gm+"gemini-2.5-flash:generateContent", `{"contents":[{"role":"user","parts":[{"text":"weather?"}]},{"role":"model","parts":[{"functionCall":`+compactJSON(fc)+`}]},{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"sunny"}}}]}],`+gtools+`}`)
	text("gemini after the function", dig(r, "candidates", 0, "content", "parts", 0, "text"))
	r = call(gm+"gemini-2.5-flash:generateContent", `{"contents":[{"parts":[{"text":"weather?"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"city":{"type":"STRING"},"days":{"type":"INTEGER","minimum":1,"maximum":7}},"required":["city","days"]}}}`)
	args("gemini structured", dig(r, "candidates", 0, "content", "parts", 0, "text"))
	r = call(gm+"gemini-embedding-001:embedContent", `{"content":{"parts":[{"text":"a"}]}}`)
	if v, _ := dig(r, "embedding", "values").([]any); len(v) == 0 {
		fail("gemini embedContent: %v", r)
	}

	ol := os.Getenv("OLLAMA_HOST") + "/api/"
	r = call(ol+"chat", `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"weather?"}],`+tools+`}`)
	otc := dig(r, "message", "tool_calls", 0)
	args("ollama tool call", dig(otc, "function", "arguments"))
	r = call(ol+"chat", `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":"","tool_calls":[`+compactJSON(otc)+`]},{"role":"tool","content":"sunny","tool_name":"get_weather"}],`+tools+`}`)
	text("ollama after the tool", dig(r, "message", "content"))
	r = call(ol+"chat", `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"weather?"}],"format":`+agentTool+`}`)
	args("ollama structured", dig(r, "message", "content"))
	r = call(ol+"embed", `{"model":"nomic-embed-text","input":["a","b"]}`)
	if e, _ := dig(r, "embeddings", 1).([]any); len(e) == 0 {
		fail("ollama embed: %v", r)
	}
	os.Exit(0)
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A dry run rehearses an agentic workflow in all four APIs: tool loops,
// structured output and embeddings all answered by the simulator in shapes
// the workload's code accepts, every call metered, none sent to the
// configured upstreams.
func TestDryRunRehearsesAgenticWorkflows(t *testing.T) {
	t.Parallel()
	up, hits := countingSim(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	src := fmt.Sprintf(`name: agentic
runs: 1
command: RUNNER_TEST_HELPER=agentic '%s' -test.run='^TestHelperAgenticWorkload$'
phases: [ Agent ]
providers:
  - name: claude
    api: anthropic
    base_url: %s
    models: [ claude-haiku-4-5 ]
apis:
  openai: { base_url: %s }
  gemini: { base_url: %s }
  ollama: { base_url: %s }
`, os.Args[0], up.URL, up.URL, up.URL, up.URL)
	var errb bytes.Buffer
	code := Main(context.Background(), []string{writeSpec(t, dir, src), "--dry-run", "--output", out, "--no-progress"}, io.Discard, &errb)
	if code != ExitOK {
		t.Fatalf("exit %d (the workload's complaint is in the run log under %s)\n%s", code, out, errb.String())
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil || len(recs) != 1 || recs[0].Status != "ok" {
		t.Fatalf("records (%v): %+v", err, recs)
	}
	perAPI := map[string]int{}
	for _, c := range recs[0].Calls {
		perAPI[string(c.API)]++
		embedding := strings.Contains(strings.ToLower(c.Endpoint), "embed")
		if c.Status != 200 || c.Error != "" || c.Phase != "Agent" || c.Input <= 0 || (!embedding && c.Output <= 0) {
			t.Errorf("call %s %s: status %d error %q phase %q tokens %+v", c.API, c.Endpoint, c.Status, c.Error, c.Phase, c.Tokens)
		}
	}
	if want := map[string]int{"openai": 4, "anthropic": 3, "gemini": 4, "ollama": 4}; fmt.Sprint(perAPI) != fmt.Sprint(want) {
		t.Errorf("metered calls per API %v, want %v", perAPI, want)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("a dry run sent %d requests to a configured upstream", n)
	}
}
