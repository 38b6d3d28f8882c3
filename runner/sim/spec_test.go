package sim

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/spec"
)

// A dry run's simulator lists the spec's own models, per API, and answers
// from the spec's seed.
func TestFromSpec(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse("s.yaml", []byte(`name: s
command: "true"
providers:
  - {name: oa, api: openai, models: [gpt-4-turbo, gpt-4o-mini]}
  - {name: ol, api: ollama, models: ["llama3.2:3b"]}
simulate:
  seed: 42
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := FromSpec(s)
	if cfg.Seed != 42 {
		t.Errorf("seed %d, want 42", cfg.Seed)
	}
	srv := httptest.NewServer(New(cfg))
	defer srv.Close()
	for path, want := range map[string]string{"/v1/models": `"id":"gpt-4o-mini"`, "/api/tags": `"name":"llama3.2:3b"`} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s: %s", path, want, b)
		}
	}
}
