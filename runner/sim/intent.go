package sim

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"

	"github.com/runner-bench/runner/runner/llmapi"
)

// intent is what a request asks of the model beyond free text: the tools it
// may call, and the shape its answer must take.
type intent struct {
	tools      []toolDecl
	choice     string // "auto" (or ""), "none", "any" (must call one), or a tool's name
	toolResult bool   // the conversation already holds a tool's result
	json       bool   // the answer is JSON
	schema     json.RawMessage
	enum       []string // Gemini text/x.enum: answer with one of these, as text
}

type toolDecl struct {
	name   string
	schema json.RawMessage // JSON Schema of the arguments
}

// pick is the tool to call, if the answer is a tool call: a forced choice
// always calls (as the real APIs do, even after a tool result); "auto" calls
// until the conversation holds a tool result, then answers in text.
func (in *intent) pick(rng *rand.Rand) (toolDecl, bool) {
	if len(in.tools) == 0 || in.choice == "none" {
		return toolDecl{}, false
	}
	switch in.choice {
	case "", "auto":
		if in.toolResult {
			return toolDecl{}, false
		}
	case "any":
	default:
		for _, t := range in.tools {
			if t.name == in.choice {
				return t, true
			}
		}
	}
	return in.tools[rng.IntN(len(in.tools))], true
}

// answer is the JSON (or enum) text of a structured answer, if one is asked.
func (in *intent) answer(rng *rand.Rand) (string, bool) {
	switch {
	case len(in.enum) > 0:
		return in.enum[rng.IntN(len(in.enum))], true
	case len(in.schema) > 0:
		return string(Instance(in.schema, rng)), true
	case in.json:
		words := make([]string, 8+rng.IntN(8))
		for i := range words {
			words[i] = lorem[rng.IntN(len(lorem))]
		}
		b, _ := json.Marshal(map[string]string{"answer": strings.Join(words, " ")})
		return string(b), true
	}
	return "", false
}

// parseIntent reads the tools, tool choice, tool results and output format
// of a generation request in its API's own fields.
func parseIntent(api llmapi.API, endpoint string, body []byte) intent {
	var in intent
	switch {
	case endpoint == "chat.completions" || endpoint == "chat":
		var q struct {
			Messages []struct {
				Role string `json:"role"`
			} `json:"messages"`
			Tools []struct {
				Function struct {
					Name       string          `json:"name"`
					Parameters json.RawMessage `json:"parameters"`
				} `json:"function"`
			} `json:"tools"`
			ToolChoice     json.RawMessage `json:"tool_choice"`
			ResponseFormat *struct {
				Type       string `json:"type"`
				JSONSchema *struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"json_schema"`
			} `json:"response_format"`
			Format json.RawMessage `json:"format"` // Ollama native
		}
		json.Unmarshal(body, &q)
		for _, t := range q.Tools {
			if t.Function.Name != "" {
				in.tools = append(in.tools, toolDecl{t.Function.Name, t.Function.Parameters})
			}
		}
		for _, m := range q.Messages {
			in.toolResult = in.toolResult || m.Role == "tool" || m.Role == "function"
		}
		in.choice = toolChoice(q.ToolChoice)
		if f := q.ResponseFormat; f != nil {
			in.json = f.Type == "json_schema" || f.Type == "json_object"
			if f.Type == "json_schema" && f.JSONSchema != nil {
				in.schema = f.JSONSchema.Schema
			}
		}
		in.ollamaFormat(q.Format)
	case endpoint == "generate":
		var q struct {
			Format json.RawMessage `json:"format"`
		}
		json.Unmarshal(body, &q)
		in.ollamaFormat(q.Format)
	case endpoint == "responses":
		var q struct {
			Input json.RawMessage `json:"input"`
			Tools []struct {
				Type       string          `json:"type"`
				Name       string          `json:"name"`
				Parameters json.RawMessage `json:"parameters"`
			} `json:"tools"`
			ToolChoice json.RawMessage `json:"tool_choice"`
			Text       *struct {
				Format *struct {
					Type   string          `json:"type"`
					Schema json.RawMessage `json:"schema"`
				} `json:"format"`
			} `json:"text"`
		}
		json.Unmarshal(body, &q)
		for _, t := range q.Tools {
			if t.Type == "function" && t.Name != "" {
				in.tools = append(in.tools, toolDecl{t.Name, t.Parameters})
			}
		}
		var items []struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(q.Input, &items) == nil {
			for _, it := range items {
				in.toolResult = in.toolResult || it.Type == "function_call_output"
			}
		}
		in.choice = toolChoice(q.ToolChoice)
		if q.Text != nil && q.Text.Format != nil {
			f := q.Text.Format
			in.json = f.Type == "json_schema" || f.Type == "json_object"
			if f.Type == "json_schema" {
				in.schema = f.Schema
			}
		}
	case endpoint == "messages":
		type format struct {
			Type   string          `json:"type"`
			Schema json.RawMessage `json:"schema"`
		}
		var q struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
			Tools []struct {
				Type        string          `json:"type"`
				Name        string          `json:"name"`
				InputSchema json.RawMessage `json:"input_schema"`
			} `json:"tools"`
			ToolChoice   json.RawMessage `json:"tool_choice"`
			OutputFormat *format         `json:"output_format"`
			OutputConfig *struct {
				Format *format `json:"format"`
			} `json:"output_config"`
		}
		json.Unmarshal(body, &q)
		for _, t := range q.Tools {
			// Server tools (web search, bash, ...) have a versioned type and
			// no input_schema; only the client's own tools are called here.
			if t.Name != "" && len(t.InputSchema) > 0 && (t.Type == "" || t.Type == "custom") {
				in.tools = append(in.tools, toolDecl{t.Name, t.InputSchema})
			}
		}
		for _, m := range q.Messages {
			var blocks []struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(m.Content, &blocks) == nil {
				for _, b := range blocks {
					in.toolResult = in.toolResult || b.Type == "tool_result"
				}
			}
		}
		in.choice = toolChoice(q.ToolChoice)
		f := q.OutputFormat
		if q.OutputConfig != nil && q.OutputConfig.Format != nil {
			f = q.OutputConfig.Format
		}
		if f != nil && f.Type == "json_schema" {
			in.json, in.schema = true, f.Schema
		}
	case api == llmapi.Gemini:
		var q struct {
			Contents []struct {
				Parts []struct {
					FunctionResponse json.RawMessage `json:"functionResponse"`
				} `json:"parts"`
			} `json:"contents"`
			Tools []struct {
				FunctionDeclarations []struct {
					Name                 string          `json:"name"`
					Parameters           json.RawMessage `json:"parameters"`
					ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema"`
				} `json:"functionDeclarations"`
			} `json:"tools"`
			ToolConfig *struct {
				FunctionCallingConfig *struct {
					Mode                 string   `json:"mode"`
					AllowedFunctionNames []string `json:"allowedFunctionNames"`
				} `json:"functionCallingConfig"`
			} `json:"toolConfig"`
			GenerationConfig *struct {
				ResponseMimeType   string          `json:"responseMimeType"`
				ResponseSchema     json.RawMessage `json:"responseSchema"`
				ResponseJSONSchema json.RawMessage `json:"responseJsonSchema"`
				LegacyJSONSchema   json.RawMessage `json:"_responseJsonSchema"`
			} `json:"generationConfig"`
		}
		json.Unmarshal(body, &q)
		for _, t := range q.Tools {
			for _, f := range t.FunctionDeclarations {
				s := f.ParametersJSONSchema
				if len(s) == 0 {
					s = geminiSchema(f.Parameters)
				}
				if f.Name != "" {
					in.tools = append(in.tools, toolDecl{f.Name, s})
				}
			}
		}
		for _, c := range q.Contents {
			for _, p := range c.Parts {
				in.toolResult = in.toolResult || len(p.FunctionResponse) > 0
			}
		}
		if q.ToolConfig != nil && q.ToolConfig.FunctionCallingConfig != nil {
			fc := q.ToolConfig.FunctionCallingConfig
			switch strings.ToUpper(fc.Mode) {
			case "NONE":
				in.choice = "none"
			case "ANY":
				in.choice = "any"
				if len(fc.AllowedFunctionNames) == 1 {
					in.choice = fc.AllowedFunctionNames[0]
				}
			}
		}
		if gc := q.GenerationConfig; gc != nil {
			schema := gc.ResponseJSONSchema
			if len(schema) == 0 {
				schema = gc.LegacyJSONSchema
			}
			if len(schema) == 0 && len(gc.ResponseSchema) > 0 {
				schema = geminiSchema(gc.ResponseSchema)
			}
			switch gc.ResponseMimeType {
			case "application/json":
				in.json, in.schema = true, schema
			case "text/x.enum":
				var e struct {
					Enum []string `json:"enum"`
				}
				json.Unmarshal(schema, &e)
				in.enum = e.Enum
			}
		}
	}
	return in
}

// ollamaFormat reads Ollama's `format`: "json" or a JSON Schema.
func (in *intent) ollamaFormat(f json.RawMessage) {
	f = bytes.TrimSpace(f)
	switch {
	case len(f) == 0 || string(f) == "null" || string(f) == `""`:
	case f[0] == '"':
		in.json = true
	case f[0] == '{':
		in.json, in.schema = true, f
	}
}

// toolChoice reads tool_choice in the forms of OpenAI Chat ("required",
// {"type":"function","function":{"name":…}}), Responses ({"type":"function",
// "name":…}) and Anthropic ({"type":"any"|"tool"|"none","name":…}).
func toolChoice(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "required" || s == "any" {
			return "any"
		}
		return s
	}
	var o struct {
		Type     string `json:"type"`
		Name     string `json:"name"`
		Function *struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	switch {
	case o.Function != nil && o.Function.Name != "":
		return o.Function.Name
	case o.Name != "" && (o.Type == "function" || o.Type == "tool"):
		return o.Name
	case o.Type == "any":
		return "any"
	case o.Type == "none":
		return "none"
	}
	return ""
}

// geminiSchema turns Gemini's OpenAPI-style Schema (upper-case types,
// nullable, int64 bounds written as strings) into the JSON Schema it means.
func geminiSchema(raw json.RawMessage) json.RawMessage {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return raw
	}
	b, err := json.Marshal(openAPIToJSONSchema(v))
	if err != nil {
		return raw
	}
	return b
}

func openAPIToJSONSchema(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		switch k {
		case "type":
			if s, ok := x.(string); ok {
				x = strings.ToLower(s)
			}
		case "properties":
			if props, ok := x.(map[string]any); ok {
				conv := make(map[string]any, len(props))
				for pk, pv := range props {
					conv[pk] = openAPIToJSONSchema(pv)
				}
				x = conv
			}
		case "items", "not":
			x = openAPIToJSONSchema(x)
		case "anyOf", "oneOf", "allOf":
			if arr, ok := x.([]any); ok {
				conv := make([]any, len(arr))
				for i, e := range arr {
					conv[i] = openAPIToJSONSchema(e)
				}
				x = conv
			}
		case "minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties", "minimum", "maximum":
			if f, ok := num(x); ok {
				x = f
			}
		case "nullable", "propertyOrdering", "example":
			continue
		}
		out[k] = x
	}
	if m["nullable"] == true {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
		if e, ok := out["enum"].([]any); ok {
			out["enum"] = append(e, nil)
		}
	}
	if po, ok := m["propertyOrdering"]; ok {
		out["propertyOrdering"] = po // kept for key order; validators ignore unknown keywords
	}
	return out
}
