package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"math/rand/v2"
	"regexp"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/runner-bench/runner/runner/llmapi"
)

// weatherSchema exercises what tool parameters and output formats use:
// nested objects, arrays with a minimum, enums, bounded integers and numbers,
// formats, patterns, $ref and anyOf with null, additionalProperties false.
const weatherSchema = `{"type":"object","properties":{
 "city":{"type":"string","minLength":12},
 "unit":{"type":"string","enum":["celsius","fahrenheit"]},
 "days":{"type":"integer","minimum":3,"maximum":7},
 "when":{"type":"string","format":"date"},
 "tags":{"type":"array","items":{"type":"string","maxLength":5},"minItems":2,"maxItems":3},
 "geo":{"type":"object","properties":{"lat":{"type":"number","exclusiveMinimum":-90,"maximum":-80},"lon":{"type":"number","multipleOf":0.5}},"required":["lat","lon"],"additionalProperties":false},
 "owner":{"anyOf":[{"type":"null"},{"$ref":"#/$defs/person"}]}
},"required":["city","unit","days","tags","geo"],"additionalProperties":false,
"$defs":{"person":{"type":"object","properties":{"id":{"type":"string","pattern":"^[0-9]+$"}},"required":["id"],"additionalProperties":false}}}`

// geminiWeatherSchema is the same kind of schema in Gemini's OpenAPI dialect.
const geminiWeatherSchema = `{"type":"OBJECT","properties":{
 "city":{"type":"STRING"},
 "unit":{"type":"STRING","enum":["celsius","fahrenheit"]},
 "days":{"type":"INTEGER","minimum":3,"maximum":7},
 "tags":{"type":"ARRAY","items":{"type":"STRING"},"minItems":"2"},
 "note":{"type":"STRING","nullable":true}
},"required":["city","unit","days","tags"],"propertyOrdering":["unit","city","days","tags","note"]}`

// mustValidate fails unless doc is JSON that the JSON Schema accepts, with
// formats asserted.
func mustValidate(t *testing.T, schema, doc string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sd, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatalf("test schema: %v", err)
	}
	if err := c.AddResource("test.json", sd); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("test.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("answer is not JSON (%v): %s", err, doc)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("answer does not satisfy the schema: %v\n%s", err, doc)
	}
}

func TestInstanceSatisfiesSchemas(t *testing.T) {
	for name, schema := range map[string]string{
		"weather": weatherSchema,
		"gemini":  string(geminiSchema(json.RawMessage(geminiWeatherSchema))),
		"allOf":   `{"allOf":[{"type":"object","properties":{"a":{"type":"integer","exclusiveMaximum":0}},"required":["a"]},{"properties":{"b":{"const":"x"}},"required":["b"]}]}`,
		"tuple":   `{"type":"array","prefixItems":[{"type":"boolean"},{"type":"string","format":"email"}],"items":false,"minItems":2}`,
		"recurse": `{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"name":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["name","kids"]}}}`,
		"types":   `{"type":["null","number"],"minimum":5,"maximum":5}`,
		"empty":   `{}`,
		"uuid":    `{"type":"object","properties":{"id":{"type":"string","format":"uuid"},"at":{"type":"string","format":"date-time"}},"required":["id","at"],"minProperties":3}`,
	} {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(20) {
				mustValidate(t, schema, string(Instance(json.RawMessage(schema), newTestRNG(seed))))
			}
		})
	}
	var o map[string]any
	if err := json.Unmarshal(Instance(json.RawMessage(weatherSchema), newTestRNG(1)), &o); err != nil || o["when"] == nil || o["owner"] == nil {
		t.Errorf("optional properties should be filled in too: %v", o)
	}
	keys := regexp.MustCompile(`"(city|unit|days|when|tags|geo|owner)":`).FindAllStringSubmatch(string(Instance(json.RawMessage(weatherSchema), newTestRNG(1))), -1)
	var order []string
	for _, k := range keys {
		order = append(order, k[1])
	}
	if strings.Join(order, " ") != "city unit days when tags geo owner" {
		t.Errorf("properties not in the schema's order: %v", order)
	}
	if got := string(Instance(geminiSchema(json.RawMessage(geminiWeatherSchema)), newTestRNG(1))); !strings.HasPrefix(got, `{"unit":`) {
		t.Errorf("Gemini propertyOrdering not followed: %s", got)
	}
}

// sse returns the data payloads of an SSE body, with their event names.
func dataOf(body string) []map[string]any {
	var out []map[string]any
	for _, e := range events(body) {
		var m map[string]any
		if json.Unmarshal([]byte(e[1]), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func get(v any, path ...any) any {
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

func str(v any) string { s, _ := v.(string); return s }

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// toolCase is one API's tool-calling conversation: the first request
// declares the tool, the second adds the tool's result.
type toolCase struct {
	name, path, first, second string
	// call extracts (tool name, arguments JSON) from a non-streamed answer.
	call func(body string) (string, string)
	// text extracts the text of a non-streamed answer.
	text func(body string) string
	// streamed: the same request streamed; (name, arguments) reassembled from
	// the deltas.
	streamPath, streamFirst string
	streamCall              func(body string) (string, string)
}

func toolCases() []toolCase {
	params := weatherSchema
	ollamaLines := func(body string) []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
			var m map[string]any
			json.Unmarshal([]byte(l), &m)
			out = append(out, m)
		}
		return out
	}
	return []toolCase{{
		name:   "openai chat",
		path:   "/v1/chat/completions",
		first:  `{"model":"gpt-4o","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"noop","parameters":{"type":"object"}}},{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}],"tool_choice":{"type":"function","function":{"name":"get_weather"}}}`,
		second: `{"model":"gpt-4o","messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"sunny"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}]}`,
		call: func(b string) (string, string) {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			if get(m, "choices", 0, "finish_reason") != "tool_calls" || get(m, "choices", 0, "message", "content") != nil {
				return "", "finish_reason/content wrong: " + b
			}
			tc := get(m, "choices", 0, "message", "tool_calls", 0)
			if !strings.HasPrefix(str(get(tc, "id")), "call_") || get(tc, "type") != "function" {
				return "", "tool call id/type wrong: " + b
			}
			return str(get(tc, "function", "name")), str(get(tc, "function", "arguments"))
		},
		text: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "choices", 0, "message", "content"))
		},
		streamPath:  "/v1/chat/completions",
		streamFirst: `{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}]}`,
		streamCall: func(b string) (name, args string) {
			finish := ""
			for _, d := range dataOf(b) {
				tc := get(d, "choices", 0, "delta", "tool_calls", 0)
				if tc != nil && get(tc, "index") != float64(0) {
					return "", "delta without index 0: " + b
				}
				name += str(get(tc, "function", "name"))
				args += str(get(tc, "function", "arguments"))
				if f := str(get(d, "choices", 0, "finish_reason")); f != "" {
					finish = f
				}
			}
			if finish != "tool_calls" {
				return "", "finish_reason " + finish
			}
			return name, args
		},
	}, {
		name:   "openai responses",
		path:   "/v1/responses",
		first:  `{"model":"gpt-4o","input":"weather?","tools":[{"type":"web_search"},{"type":"function","name":"get_weather","parameters":` + params + `,"strict":true}],"tool_choice":"required"}`,
		second: `{"model":"gpt-4o","input":[{"role":"user","content":"weather?"},{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{}"},{"type":"function_call_output","call_id":"call_1","output":"sunny"}],"tools":[{"type":"function","name":"get_weather","parameters":` + params + `}]}`,
		call: func(b string) (string, string) {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			it := get(m, "output", 0)
			if get(it, "type") != "function_call" || !strings.HasPrefix(str(get(it, "call_id")), "call_") || get(it, "status") != "completed" {
				return "", "not a function_call item: " + b
			}
			return str(get(it, "name")), str(get(it, "arguments"))
		},
		text: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "output", 0, "content", 0, "text"))
		},
		streamPath:  "/v1/responses",
		streamFirst: `{"model":"gpt-4o","stream":true,"input":"weather?","tools":[{"type":"function","name":"get_weather","parameters":` + params + `}]}`,
		streamCall: func(b string) (name, args string) {
			var types []string
			var done string
			for _, e := range events(b) {
				var d map[string]any
				json.Unmarshal([]byte(e[1]), &d)
				if e[0] != str(d["type"]) {
					return "", "event name differs from type: " + e[0]
				}
				types = append(types, e[0])
				switch e[0] {
				case "response.output_item.added":
					name = str(get(d, "item", "name"))
				case "response.function_call_arguments.delta":
					args += str(d["delta"])
				case "response.function_call_arguments.done":
					done = str(d["arguments"])
				case "response.completed":
					if get(d, "response", "output", 0, "arguments") != done || get(d, "response", "usage", "output_tokens") == nil {
						return "", "completed response lacks the call or usage"
					}
				}
			}
			if done != args || types[len(types)-1] != "response.completed" || types[len(types)-2] != "response.output_item.done" {
				return "", "events: " + strings.Join(types, " ")
			}
			return name, args
		},
	}, {
		name:   "anthropic",
		path:   "/v1/messages",
		first:  `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"web_search_20250305","name":"web_search"},{"name":"get_weather","input_schema":` + params + `}]}`,
		second: `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}],"tools":[{"name":"get_weather","input_schema":` + params + `}]}`,
		call: func(b string) (string, string) {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			blk := get(m, "content", 0)
			if m["stop_reason"] != "tool_use" || get(blk, "type") != "tool_use" || !strings.HasPrefix(str(get(blk, "id")), "toolu_") {
				return "", "not a tool_use answer: " + b
			}
			return str(get(blk, "name")), compact(get(blk, "input"))
		},
		text: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "content", 0, "text"))
		},
		streamPath:  "/v1/messages",
		streamFirst: `{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":[{"name":"get_weather","input_schema":` + params + `}],"tool_choice":{"type":"any"}}`,
		streamCall: func(b string) (name, args string) {
			stop := ""
			for _, e := range events(b) {
				var d map[string]any
				json.Unmarshal([]byte(e[1]), &d)
				switch e[0] {
				case "content_block_start":
					if get(d, "content_block", "type") != "tool_use" || compact(get(d, "content_block", "input")) != "{}" {
						return "", "block start: " + e[1]
					}
					name = str(get(d, "content_block", "name"))
				case "content_block_delta":
					if get(d, "delta", "type") != "input_json_delta" {
						return "", "delta: " + e[1]
					}
					args += str(get(d, "delta", "partial_json"))
				case "message_delta":
					stop = str(get(d, "delta", "stop_reason"))
				}
			}
			if stop != "tool_use" {
				return "", "stop_reason " + stop
			}
			return name, args
		},
	}, {
		name:   "gemini",
		path:   "/v1beta/models/gemini-2.5-flash:generateContent",
		first:  `{"contents":[{"role":"user","parts":[{"text":"weather?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":` + params + `}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}`,
		second: `{"contents":[{"role":"user","parts":[{"text":"weather?"}]},{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"sunny"}}}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":` + params + `}]}]}`,
		call: func(b string) (string, string) {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			fc := get(m, "candidates", 0, "content", "parts", 0, "functionCall")
			if fc == nil || get(m, "candidates", 0, "finishReason") != "STOP" {
				return "", "no functionCall: " + b
			}
			return str(get(fc, "name")), compact(get(fc, "args"))
		},
		text: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "candidates", 0, "content", "parts", 0, "text"))
		},
		streamPath:  "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
		streamFirst: `{"contents":[{"role":"user","parts":[{"text":"weather?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":` + params + `}]}]}`,
		streamCall: func(b string) (name, args string) {
			for _, d := range dataOf(b) {
				if fc := get(d, "candidates", 0, "content", "parts", 0, "functionCall"); fc != nil {
					name, args = str(get(fc, "name")), compact(get(fc, "args"))
				}
			}
			return name, args
		},
	}, {
		name:   "ollama",
		path:   "/api/chat",
		first:  `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}]}`,
		second: `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{}}}]},{"role":"tool","content":"sunny","tool_name":"get_weather"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}]}`,
		call: func(b string) (string, string) {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			fn := get(m, "message", "tool_calls", 0, "function")
			if m["done"] != true || get(m, "eval_count") == nil {
				return "", "not final: " + b
			}
			return str(get(fn, "name")), compact(get(fn, "arguments"))
		},
		text: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "message", "content"))
		},
		streamPath:  "/api/chat",
		streamFirst: `{"model":"llama3.2","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}]}`,
		streamCall: func(b string) (name, args string) {
			lines := ollamaLines(b)
			if last := lines[len(lines)-1]; last["done"] != true || get(last, "message", "tool_calls") != nil {
				return "", "last line: " + b
			}
			for _, l := range lines {
				if fn := get(l, "message", "tool_calls", 0, "function"); fn != nil {
					name, args = str(get(fn, "name")), compact(get(fn, "arguments"))
				}
			}
			return name, args
		},
	}, {
		name:   "ollama openai-compatible",
		path:   "/v1/chat/completions",
		first:  `{"model":"llama3.2","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}],"tool_choice":"auto"}`,
		second: `{"model":"llama3.2","messages":[{"role":"user","content":"weather?"},{"role":"tool","tool_call_id":"call_1","content":"sunny"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + params + `}}],"tool_choice":"auto"}`,
	}}
}

func TestToolCalls(t *testing.T) {
	srv := newServer(t, Config{Default: Model{OutputTokens: 30}})
	cases := toolCases()
	cases[5].call, cases[5].text = cases[0].call, cases[0].text
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv.URL+tc.path, tc.first)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			name, args := tc.call(body)
			if name != "get_weather" {
				t.Fatalf("called %q, want get_weather (%s)", name, args)
			}
			mustValidate(t, weatherSchema, args)

			resp, body = post(t, srv.URL+tc.path, tc.second)
			if resp.StatusCode != 200 || strings.Contains(body, "get_weather") {
				t.Fatalf("after the tool result the answer should be text: %d %s", resp.StatusCode, body)
			}
			if words := strings.Fields(tc.text(body)); len(words) != 30 {
				t.Errorf("text answer has %d words, want 30: %s", len(words), body)
			}
			if tc.streamCall == nil {
				return
			}
			_, body = post(t, srv.URL+tc.streamPath, tc.streamFirst)
			name, args = tc.streamCall(body)
			if name != "get_weather" {
				t.Fatalf("streamed call %q, want get_weather (%s)\n%s", name, args, body)
			}
			mustValidate(t, weatherSchema, args)
		})
	}
}

func TestToolChoiceNoneAnswersText(t *testing.T) {
	srv := newServer(t, Config{Default: Model{OutputTokens: 5}})
	_, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"none"}`)
	if strings.Contains(body, "tool_calls") || !strings.Contains(body, `"finish_reason":"stop"`) {
		t.Errorf("tool_choice none still called a tool: %s", body)
	}
	// A forced tool is called even after a tool result, as the real APIs do.
	_, body = post(t, srv.URL+"/v1/messages", `{"model":"m","max_tokens":99,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"r"}]}],"tools":[{"name":"emit","input_schema":{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}}],"tool_choice":{"type":"tool","name":"emit"}}`)
	if !strings.Contains(body, `"stop_reason":"tool_use"`) {
		t.Errorf("forced tool not called: %s", body)
	}
}

// structuredCase is one API's structured-output request; answer extracts the
// JSON text from a non-streamed body, streamAnswer from a streamed one.
type structuredCase struct {
	name, path, req, schema string
	answer                  func(string) string
	streamPath, streamReq   string
	streamAnswer            func(string) string
}

func TestStructuredOutput(t *testing.T) {
	srv := newServer(t, Config{Default: Model{OutputTokens: 30}})
	chatText := func(b string) string {
		var m map[string]any
		json.Unmarshal([]byte(b), &m)
		return str(get(m, "choices", 0, "message", "content"))
	}
	chatStream := func(b string) (s string) {
		for _, d := range dataOf(b) {
			s += str(get(d, "choices", 0, "delta", "content"))
		}
		return s
	}
	geminiText := func(b string) string {
		var m map[string]any
		json.Unmarshal([]byte(b), &m)
		return str(get(m, "candidates", 0, "content", "parts", 0, "text"))
	}
	geminiStream := func(b string) (s string) {
		for _, d := range dataOf(b) {
			s += str(get(d, "candidates", 0, "content", "parts", 0, "text"))
		}
		return s
	}
	ollamaStream := func(b string) (s string) {
		for _, l := range strings.Split(strings.TrimSpace(b), "\n") {
			var m map[string]any
			json.Unmarshal([]byte(l), &m)
			s += str(get(m, "message", "content")) + str(m["response"])
		}
		return s
	}
	anyJSON := `{"type":"object"}`
	gemSchema := string(geminiSchema(json.RawMessage(geminiWeatherSchema)))
	for _, tc := range []structuredCase{{
		name: "openai json_schema", path: "/v1/chat/completions", schema: weatherSchema,
		req:    `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"w","strict":true,"schema":` + weatherSchema + `}}}`,
		answer: chatText, streamPath: "/v1/chat/completions", streamAnswer: chatStream,
		streamReq: `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":` + weatherSchema + `}}}`,
	}, {
		name: "openai json_object", path: "/v1/chat/completions", schema: anyJSON,
		req:    `{"model":"gpt-4o","messages":[{"role":"user","content":"json please"}],"response_format":{"type":"json_object"}}`,
		answer: chatText,
	}, {
		name: "responses text.format", path: "/v1/responses", schema: weatherSchema,
		req: `{"model":"gpt-4o","input":"x","text":{"format":{"type":"json_schema","name":"w","strict":true,"schema":` + weatherSchema + `}}}`,
		answer: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "output", 0, "content", 0, "text"))
		},
		streamPath: "/v1/responses",
		streamReq:  `{"model":"gpt-4o","stream":true,"input":"x","text":{"format":{"type":"json_schema","name":"w","schema":` + weatherSchema + `}}}`,
		streamAnswer: func(b string) (s string) {
			for _, d := range dataOf(b) {
				if d["type"] == "response.output_text.delta" {
					s += str(d["delta"])
				}
			}
			return s
		},
	}, {
		name: "anthropic output_format", path: "/v1/messages", schema: weatherSchema,
		req: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"x"}],"output_format":{"type":"json_schema","schema":` + weatherSchema + `}}`,
		answer: func(b string) string {
			var m map[string]any
			json.Unmarshal([]byte(b), &m)
			return str(get(m, "content", 0, "text"))
		},
		streamPath: "/v1/messages",
		streamReq:  `{"model":"claude-sonnet-4-5","max_tokens":4096,"stream":true,"messages":[{"role":"user","content":"x"}],"output_config":{"format":{"type":"json_schema","schema":` + weatherSchema + `}}}`,
		streamAnswer: func(b string) (s string) {
			for _, d := range dataOf(b) {
				s += str(get(d, "delta", "text"))
			}
			return s
		},
	}, {
		name: "gemini responseSchema", path: "/v1beta/models/gemini-2.5-flash:generateContent", schema: gemSchema,
		req:    `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":` + geminiWeatherSchema + `}}`,
		answer: geminiText, streamPath: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", streamAnswer: geminiStream,
		streamReq: `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json","responseJsonSchema":` + weatherSchema + `}}`,
	}, {
		name: "gemini json mode", path: "/v1beta/models/gemini-2.5-flash:generateContent", schema: anyJSON,
		req:    `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json"}}`,
		answer: geminiText,
	}, {
		name: "ollama format schema", path: "/api/chat", schema: weatherSchema,
		req:    `{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"x"}],"format":` + weatherSchema + `}`,
		answer: ollamaStream, streamPath: "/api/generate", streamAnswer: ollamaStream,
		streamReq: `{"model":"llama3.2","prompt":"x","format":` + weatherSchema + `}`,
	}, {
		name: "ollama format json", path: "/api/generate", schema: anyJSON,
		req:    `{"model":"llama3.2","stream":false,"prompt":"x","format":"json"}`,
		answer: ollamaStream,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv.URL+tc.path, tc.req)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			mustValidate(t, tc.schema, tc.answer(body))
			if tc.streamReq == "" {
				return
			}
			schema := tc.schema
			if strings.Contains(tc.streamReq, "responseJsonSchema") {
				schema = weatherSchema
			}
			_, body = post(t, srv.URL+tc.streamPath, tc.streamReq)
			mustValidate(t, schema, tc.streamAnswer(body))
		})
	}
}

func TestGeminiEnumAnswer(t *testing.T) {
	srv := newServer(t, Config{})
	_, body := post(t, srv.URL+"/v1beta/models/g:generateContent", `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"text/x.enum","responseSchema":{"type":"STRING","enum":["red","green"]}}}`)
	if !strings.Contains(body, `"text":"red"`) && !strings.Contains(body, `"text":"green"`) {
		t.Errorf("enum answer: %s", body)
	}
}

// The usage a structured or tool answer reports is the size of what it sent:
// ceil(characters/4) output tokens, as for any answer.
func TestStructuredUsageMatchesContent(t *testing.T) {
	srv := newServer(t, Config{})
	_, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":`+weatherSchema+`}}}`)
	var m map[string]any
	json.Unmarshal([]byte(body), &m)
	content := str(get(m, "choices", 0, "message", "content"))
	if got, want := get(m, "usage", "completion_tokens"), float64(llmapi.TokensForChars(len([]rune(content)))); got != want {
		t.Errorf("completion_tokens = %v, want %v for %q", got, want, content)
	}
	_, body = post(t, srv.URL+"/v1/chat/completions", `{"model":"m","max_tokens":3,"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":`+weatherSchema+`}}}`)
	json.Unmarshal([]byte(body), &m)
	if get(m, "choices", 0, "finish_reason") != "length" || len(str(get(m, "choices", 0, "message", "content"))) != 12 {
		t.Errorf("max_tokens should cut the JSON: %s", body)
	}
}

func TestAgenticDeterministic(t *testing.T) {
	req := toolCases()[2].first
	strip := func(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte("\n"), nil)) }
	_, a := post(t, newServer(t, Config{Seed: 3}).URL+"/v1/messages", req)
	_, b := post(t, newServer(t, Config{Seed: 3}).URL+"/v1/messages", req)
	_, c := post(t, newServer(t, Config{Seed: 4}).URL+"/v1/messages", req)
	if strip(a) != strip(b) {
		t.Errorf("same seed, different tool calls:\n%s\n%s", a, b)
	}
	if strip(a) == strip(c) {
		t.Errorf("another seed gave the same tool call: %s", a)
	}
}

func newTestRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// Odd and unsatisfiable schemas still get an answer, never a crash.
func TestInstanceOddSchemas(t *testing.T) {
	for _, s := range []string{
		`{"type":"integer","minimum":10,"maximum":1}`,
		`{"type":"number","minimum":10,"maximum":1,"multipleOf":3}`,
		`{"type":"string","minLength":5,"maxLength":-1}`,
		`{"type":"string","minLength":1e12}`,
		`{"type":"array","minItems":1e9,"items":{"type":"integer"}}`,
		`{"type":"array","maxItems":-3,"items":{"type":"integer"}}`,
		`{"type":"string","pattern":"(unclosed"}`,
		`{"type":"object","minProperties":1e9,"additionalProperties":false}`,
		`{"$ref":"#/nowhere"}`, `{"$ref":"https://example.com/remote.json"}`, `{"$ref":"#"}`,
		`{"anyOf":[]}`, `{"enum":[]}`, `{"type":[]}`, `{"type":"weird"}`, `true`, `false`, `[]`, `"x"`, `{"items":[{"type":"integer"}]}`,
	} {
		out := Instance(json.RawMessage(s), newTestRNG(1))
		if !json.Valid(out) || len(out) > 1<<20 {
			t.Errorf("%s: %.200s", s, out)
		}
	}
}
