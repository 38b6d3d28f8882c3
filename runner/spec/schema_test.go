package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files")

// compileSchema compiles the generated schema with a draft 2020-12 validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("the generated schema does not compile: %v", err)
	}
	return sch
}

// yamlValue reads YAML as the JSON value a schema validates.
func yamlValue(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// repoRoot is the module root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// isRunnerSpec tells runner specs from other YAML (CI workflows, manifests):
// a runner spec is a mapping with a top-level command.
func isRunnerSpec(src []byte) bool {
	var m map[string]any
	if yaml.Unmarshal(src, &m) != nil {
		return false
	}
	_, ok := m["command"]
	return ok
}

func TestSchemaValidatesRepoSpecs(t *testing.T) {
	sch := compileSchema(t)
	root := repoRoot(t)
	var found int
	for _, dir := range []string{"specs", "examples"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil || !isRunnerSpec(src) {
				return err
			}
			found++
			rel, _ := filepath.Rel(root, path)
			t.Run(rel, func(t *testing.T) {
				if err := sch.Validate(yamlValue(t, src)); err != nil {
					t.Errorf("schema rejects %s:\n%v", rel, err)
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d runner specs in the repo", found)
}

// TestSchemaAgreesWithLoad checks the schema accepts what Load accepts and
// rejects the shape errors Load rejects.
func TestSchemaAgreesWithLoad(t *testing.T) {
	sch := compileSchema(t)
	const base = "name: demo\ncommand: echo hi\n"
	tests := []struct {
		name string
		src  string
		ok   bool
	}{
		{"minimal", base, true},
		{"full forms", base + `title: Demo
runs: 6
warmup: 1
cooldown: 0
timeout: 10m
order: interleaved
vars: { csv: data.csv, n: 3 }
setup: make
prepare: [ "true", "echo prep" ]
cleanup:
env: { A: "1" }
providers:
  - name: anthropic
    api: anthropic
    models: [ claude-3-5-sonnet-20241022 ]
    requires: { env: [ ANTHROPIC_API_KEY ] }
matrix: { temperature: [0.2, 0.7] }
exclude: [ { provider: anthropic, temperature: 0.7 } ]
phases: [ A, B ]
extract: { phase: '^\[(?P<phase>\w+)\]', metrics: { quality: 'q=(?P<value>\d+)' } }
tokens: events
artifacts: { reports: "{{ .run.dir }}/*.html" }
simulate: { seed: 1, models: { "claude-*": { ttft: 50ms, tokens_per_second: 80, output_tokens: 300 } } }
pricing: { "claude-*": { input: 3, output: 15, cached_input: 0.3 } }
pricing_file: ""
thresholds:
  - { name: Time, target: total.time.mean < 300, acceptable: total.time.mean < 420 }
recommendations: [ { when: cost.mean > 1, text: Trim prompts. } ]
projections: [ { label: 1/day, per_month: 30 } ]
quality: { anthropic: 8 }
report: { template: "", file: R.md }
output: out/{{ .spec.name }}
baseline: outputs/demo/last
budget: { max_cost: 5.00 }
`, true},
		{"misspelt top-level key", base + "runz: 3\n", false},
		{"misspelt nested key", base + "providers: [ { name: x, modles: [a] } ]\n", false},
		{"misspelt threshold key", base + "thresholds: [ { name: T, taget: cost.mean < 1 } ]\n", false},
		{"misspelt budget key", base + "budget: { max_costs: 1 }\n", false},
		{"bad duration", base + "timeout: soon\n", false},
		{"bad api", base + "providers: [ { name: x, api: grpc } ]\n", false},
		{"bad order", base + "order: random\n", false},
		{"bad name", "name: Demo Spec\ncommand: echo\n", false},
		{"missing command", "name: demo\n", false},
		{"commands not a mapping", base + "setup: { a: b }\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "spec.yaml")
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, loadErr := Load(path, nil)
			schemaErr := sch.Validate(yamlValue(t, []byte(tt.src)))
			if (loadErr == nil) != tt.ok {
				t.Errorf("Load: ok=%v, want %v (err: %v)", loadErr == nil, tt.ok, loadErr)
			}
			if (schemaErr == nil) != tt.ok {
				t.Errorf("schema: ok=%v, want %v (err: %v)", schemaErr == nil, tt.ok, schemaErr)
			}
		})
	}
}

// TestSchemaGolden keeps the committed spec.schema.json (what editors point
// at) equal to what `runner schema` prints; refresh with -update.
func TestSchemaGolden(t *testing.T) {
	got := SchemaJSON()
	const golden = "spec.schema.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./runner/spec -run TestSchemaGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; run go test ./runner/spec -run TestSchemaGolden -update", golden)
	}
}

func TestSchemaForbidsUnknownKeysEverywhere(t *testing.T) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "object" && x["properties"] != nil && x["additionalProperties"] != false {
				t.Errorf("%s: object with properties allows unknown keys", path)
			}
			for k, c := range x {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(path+"/"+string(rune('0'+i)), c)
			}
		}
	}
	walk("#", Schema())
}
