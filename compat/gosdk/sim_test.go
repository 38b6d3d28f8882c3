package gosdk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/genai"

	"github.com/runner-bench/runner/runner/sim"
)

func newServer(t *testing.T, cfg sim.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(sim.New(cfg))
	t.Cleanup(srv.Close)
	return srv
}

// weatherSchema is the schema of runner/sim's agentic tests.
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

// The official SDKs parse the simulator's tool calls and structured answers,
// streamed and not, into their own types, and what they hand the program
// satisfies the schema.
func TestSDKsParseToolCallsAndStructuredOutput(t *testing.T) {
	srv := newServer(t, sim.Config{Seed: 9, Default: sim.Model{OutputTokens: 20}})
	ctx := context.Background()
	var schema map[string]any
	if err := json.Unmarshal([]byte(weatherSchema), &schema); err != nil {
		t.Fatal(err)
	}

	oc := openai.NewClient(ooption.WithBaseURL(srv.URL+"/v1"), ooption.WithAPIKey("sk-test"), ooption.WithMaxRetries(0))
	t.Run("openai chat", func(t *testing.T) {
		p := openai.ChatCompletionNewParams{Model: "gpt-4o",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("weather?")},
			Tools:    []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "get_weather", Parameters: schema})}}
		r, err := oc.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		tc := r.Choices[0].Message.ToolCalls
		if len(tc) != 1 || tc[0].Function.Name != "get_weather" || r.Choices[0].FinishReason != "tool_calls" {
			t.Fatalf("tool calls: %+v", r.Choices[0])
		}
		mustValidate(t, weatherSchema, tc[0].Function.Arguments)

		st := oc.Chat.Completions.NewStreaming(ctx, p)
		acc := openai.ChatCompletionAccumulator{}
		var finished []openai.FinishedChatCompletionToolCall
		for st.Next() {
			acc.AddChunk(st.Current())
			if f, ok := acc.JustFinishedToolCall(); ok {
				finished = append(finished, f)
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		if len(finished) != 1 || finished[0].Name != "get_weather" || acc.Choices[0].Message.ToolCalls[0].Function.Arguments != finished[0].Arguments {
			t.Fatalf("streamed tool call: %+v", finished)
		}
		mustValidate(t, weatherSchema, finished[0].Arguments)

		// The tool's result goes back; the answer is text.
		p.Messages = append(p.Messages, r.Choices[0].Message.ToParam(), openai.ToolMessage("sunny", tc[0].ID))
		r, err = oc.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Choices[0].Message.ToolCalls) != 0 || len(strings.Fields(r.Choices[0].Message.Content)) != 20 {
			t.Fatalf("after the tool result: %+v", r.Choices[0].Message)
		}

		p = openai.ChatCompletionNewParams{Model: "gpt-4o",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("weather?")},
			ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "weather", Schema: schema, Strict: openai.Bool(true)}}}}
		r, err = oc.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		mustValidate(t, weatherSchema, r.Choices[0].Message.Content)
	})

	t.Run("openai responses", func(t *testing.T) {
		p := responses.ResponseNewParams{Model: "gpt-4o", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("weather?")},
			Tools: []responses.ToolUnionParam{responses.ToolParamOfFunction("get_weather", schema, true)}}
		r, err := oc.Responses.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		it := r.Output[0]
		if it.Type != "function_call" || it.Name != "get_weather" || it.CallID == "" {
			t.Fatalf("output: %+v", r.Output)
		}
		mustValidate(t, weatherSchema, it.Arguments.OfString)

		st := oc.Responses.NewStreaming(ctx, p)
		var args, done string
		for st.Next() {
			switch ev := st.Current(); ev.Type {
			case "response.function_call_arguments.delta":
				args += ev.Delta
			case "response.function_call_arguments.done":
				done = ev.Arguments
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		if args != done {
			t.Fatalf("deltas %q != done %q", args, done)
		}
		mustValidate(t, weatherSchema, done)

		p = responses.ResponseNewParams{Model: "gpt-4o", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("weather?")},
			Text: responses.ResponseTextConfigParam{Format: responses.ResponseFormatTextConfigParamOfJSONSchema("weather", schema)}}
		r, err = oc.Responses.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		mustValidate(t, weatherSchema, r.OutputText())
	})

	t.Run("anthropic", func(t *testing.T) {
		ac := anthropic.NewClient(aoption.WithBaseURL(srv.URL), aoption.WithAPIKey("sk-ant-test"), aoption.WithMaxRetries(0))
		props, required := schema["properties"], []string{}
		for _, r := range schema["required"].([]any) {
			required = append(required, r.(string))
		}
		tool := anthropic.ToolParam{Name: "get_weather", InputSchema: anthropic.ToolInputSchemaParam{Properties: props, Required: required,
			ExtraFields: map[string]any{"additionalProperties": false, "$defs": schema["$defs"]}}}
		p := anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 1024,
			Messages:   []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("weather?"))},
			Tools:      []anthropic.ToolUnionParam{{OfTool: &tool}},
			ToolChoice: anthropic.ToolChoiceParamOfTool("get_weather")}
		m, err := ac.Messages.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if m.StopReason != "tool_use" || m.Content[0].Type != "tool_use" || m.Content[0].Name != "get_weather" {
			t.Fatalf("message: %+v", m)
		}
		mustValidate(t, weatherSchema, string(m.Content[0].Input))

		st := ac.Messages.NewStreaming(ctx, p)
		var acc anthropic.Message
		for st.Next() {
			if err := acc.Accumulate(st.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		if acc.StopReason != "tool_use" || acc.Content[0].Name != "get_weather" {
			t.Fatalf("streamed: %+v", acc)
		}
		mustValidate(t, weatherSchema, string(acc.Content[0].Input))

		p.ToolChoice = anthropic.ToolChoiceUnionParam{}
		p.Messages = append(p.Messages, m.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(m.Content[0].ID, "sunny", false)))
		m, err = ac.Messages.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if m.StopReason != "end_turn" || m.Content[0].Type != "text" {
			t.Fatalf("after the tool result: %+v", m)
		}
	})

	t.Run("gemini", func(t *testing.T) {
		gc, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: "g-test", Backend: genai.BackendGeminiAPI,
			HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		cfg := &genai.GenerateContentConfig{Tools: []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{
			{Name: "get_weather", ParametersJsonSchema: schema}}}}}
		r, err := gc.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("weather?"), cfg)
		if err != nil {
			t.Fatal(err)
		}
		fc := r.FunctionCalls()
		if len(fc) != 1 || fc[0].Name != "get_weather" {
			t.Fatalf("function calls: %+v", r)
		}
		b, _ := json.Marshal(fc[0].Args)
		mustValidate(t, weatherSchema, string(b))

		var streamed []*genai.FunctionCall
		for r, err := range gc.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("weather?"), cfg) {
			if err != nil {
				t.Fatal(err)
			}
			streamed = append(streamed, r.FunctionCalls()...)
		}
		if len(streamed) != 1 {
			t.Fatalf("streamed function calls: %+v", streamed)
		}
		b, _ = json.Marshal(streamed[0].Args)
		mustValidate(t, weatherSchema, string(b))

		contents := append(genai.Text("weather?"), r.Candidates[0].Content,
			genai.NewContentFromFunctionResponse("get_weather", map[string]any{"result": "sunny"}, genai.RoleUser))
		r, err = gc.Models.GenerateContent(ctx, "gemini-2.5-flash", contents, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.FunctionCalls()) != 0 || len(strings.Fields(r.Text())) != 20 {
			t.Fatalf("after the function response: %q", r.Text())
		}

		scfg := &genai.GenerateContentConfig{ResponseMIMEType: "application/json", ResponseSchema: &genai.Schema{
			Type: genai.TypeObject, Required: []string{"city", "days"},
			Properties: map[string]*genai.Schema{"city": {Type: genai.TypeString}, "days": {Type: genai.TypeInteger, Minimum: genai.Ptr(1.0), Maximum: genai.Ptr(7.0)},
				"tags": {Type: genai.TypeArray, Items: &genai.Schema{Type: genai.TypeString}, MinItems: genai.Ptr[int64](2)}}}}
		r, err = gc.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("weather?"), scfg)
		if err != nil {
			t.Fatal(err)
		}
		mustValidate(t, `{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":7},"tags":{"type":"array","items":{"type":"string"},"minItems":2}},"required":["city","days","tags"]}`, r.Text())
	})
}

// The SDKs read the simulator's embeddings, lists, counts and completions.
func TestSDKsParseExtras(t *testing.T) {
	srv := newServer(t, sim.Config{Default: sim.Model{OutputTokens: 12}})
	ctx := context.Background()
	oc := openai.NewClient(ooption.WithBaseURL(srv.URL+"/v1"), ooption.WithAPIKey("sk-test"), ooption.WithMaxRetries(0))
	e, err := oc.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "text-embedding-3-small",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}}, Dimensions: openai.Int(64)})
	if err != nil || len(e.Data) != 2 || len(e.Data[1].Embedding) != 64 || e.Usage.PromptTokens != 2 {
		t.Fatalf("openai embeddings: %v %+v", err, e)
	}
	ms, err := oc.Models.List(ctx)
	if err != nil || len(ms.Data) == 0 || ms.Data[0].ID == "" {
		t.Fatalf("openai models: %v %+v", err, ms)
	}
	cp, err := oc.Completions.New(ctx, openai.CompletionNewParams{Model: "gpt-3.5-turbo-instruct",
		Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("hi")}, MaxTokens: openai.Int(50)})
	if err != nil || len(strings.Fields(cp.Choices[0].Text)) != 12 || cp.Usage.CompletionTokens != 12 {
		t.Fatalf("openai completions: %v %+v", err, cp)
	}

	ac := anthropic.NewClient(aoption.WithBaseURL(srv.URL), aoption.WithAPIKey("sk-ant-test"), aoption.WithMaxRetries(0))
	n, err := ac.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: "claude-sonnet-4-5",
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("12345678"))}})
	if err != nil || n.InputTokens != 2 {
		t.Fatalf("anthropic count_tokens: %v %+v", err, n)
	}
	am, err := ac.Models.List(ctx, anthropic.ModelListParams{})
	if err != nil || len(am.Data) == 0 || am.Data[0].ID == "" {
		t.Fatalf("anthropic models: %v %+v", err, am)
	}

	gc, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: "g-test", Backend: genai.BackendGeminiAPI, HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ge, err := gc.Models.EmbedContent(ctx, "gemini-embedding-001", []*genai.Content{genai.NewContentFromText("a", genai.RoleUser), genai.NewContentFromText("b", genai.RoleUser)},
		&genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](32)})
	if err != nil || len(ge.Embeddings) != 2 || len(ge.Embeddings[1].Values) != 32 {
		t.Fatalf("gemini embed: %v %+v", err, ge)
	}
	ct, err := gc.Models.CountTokens(ctx, "gemini-2.5-flash", genai.Text("12345678"), nil)
	if err != nil || ct.TotalTokens != 2 {
		t.Fatalf("gemini countTokens: %v %+v", err, ct)
	}
	gm, err := gc.Models.List(ctx, nil)
	if err != nil || len(gm.Items) == 0 || !strings.HasPrefix(gm.Items[0].Name, "models/") {
		t.Fatalf("gemini models: %v %+v", err, gm)
	}
}

// The SDKs turn the simulator's errors into their own error types, with the
// status and the message.
func TestSDKsParseErrors(t *testing.T) {
	srv := newServer(t, sim.Config{Models: map[string]sim.Model{"busy*": {ErrorRate429: 1}}})
	ctx := context.Background()
	oc := openai.NewClient(ooption.WithBaseURL(srv.URL+"/v1"), ooption.WithAPIKey("k"), ooption.WithMaxRetries(0))
	_, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "busy-gpt",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("x")}})
	var oe *openai.Error
	if !errors.As(err, &oe) || oe.StatusCode != 429 || oe.Type != "rate_limit_error" {
		t.Errorf("openai: %v", err)
	}
	ac := anthropic.NewClient(aoption.WithBaseURL(srv.URL), aoption.WithAPIKey("k"), aoption.WithMaxRetries(0))
	_, err = ac.Messages.New(ctx, anthropic.MessageNewParams{Model: "", MaxTokens: 5,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("x"))}})
	var ae *anthropic.Error
	if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Error(), "model: Field required") {
		t.Errorf("anthropic: %v", err)
	}
	gc, _ := genai.NewClient(ctx, &genai.ClientConfig{APIKey: "k", Backend: genai.BackendGeminiAPI, HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL}})
	_, err = gc.Models.GenerateContent(ctx, "busy-gemini", genai.Text("x"), nil)
	var ge genai.APIError
	if !errors.As(err, &ge) || ge.Code != 429 || ge.Status != "RESOURCE_EXHAUSTED" {
		t.Errorf("gemini: %v", err)
	}
}
