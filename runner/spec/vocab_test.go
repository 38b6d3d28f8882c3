package spec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// Every word of a vocabulary loads, one outside it is refused with the whole
// list, and the schema enumerates the same list.
func TestVocabularies(t *testing.T) {
	t.Parallel()
	var schema struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(SchemaJSON(), &schema); err != nil {
		t.Fatal(err)
	}
	for field, words := range map[string][]string{"order": Words(Orders), "tokens": Words(TokenSources)} {
		got := slices.DeleteFunc(schema.Properties[field].Enum, func(w string) bool { return w == "" }) // "" = the default
		if !slices.Equal(got, words) {
			t.Errorf("schema enum of %s = %q; the loader's list is %q", field, got, words)
		}
		for _, w := range words {
			if _, err := Parse("v.yaml", []byte(fmt.Sprintf("name: v\ncommand: x\n%s: %s\n", field, w)), nil); err != nil {
				t.Errorf("%s: %s refused: %v", field, w, err)
			}
		}
		_, err := Parse("v.yaml", []byte(fmt.Sprintf("name: v\ncommand: x\n%s: nope\n", field)), nil)
		if err == nil || !strings.Contains(err.Error(), strings.Join(words, ", ")) {
			t.Errorf("%s: nope: error %v does not list %q", field, err, words)
		}
	}
}

// The vocabularies inside providers and replay: the schema enumerates the
// loader's list, and the loader refuses a word outside it with the list.
func TestNestedVocabularies(t *testing.T) {
	t.Parallel()
	var schema struct {
		Defs struct {
			Provider struct {
				Properties map[string]struct{ Enum []any } `json:"properties"`
			}
			Replay struct {
				AnyOf []struct {
					Properties map[string]struct{ Enum []any } `json:"properties"`
				} `json:"anyOf"`
			}
		} `json:"$defs"`
	}
	if err := json.Unmarshal(SchemaJSON(), &schema); err != nil {
		t.Fatal(err)
	}
	replay := func(f string) []any {
		for _, a := range schema.Defs.Replay.AnyOf {
			if e := a.Properties[f].Enum; e != nil {
				return e
			}
		}
		return nil
	}
	for _, tc := range []struct {
		field string
		enum  []any
		words []string
		yaml  string // the field set to %s
	}{
		{"api", schema.Defs.Provider.Properties["api"].Enum, Words(APIs), "providers: [ { name: p, api: %s } ]"},
		{"replay.match", replay("match"), Words(MatchModes), "replay: { dir: d, match: %s }"},
		{"replay.missing", replay("missing"), Words(MissingRules), "replay: { dir: d, missing: %s }"},
	} {
		var got []string
		for _, w := range tc.enum {
			if w, ok := w.(string); ok {
				got = append(got, w)
			}
		}
		if !slices.Equal(got, tc.words) {
			t.Errorf("schema enum of %s = %q; the loader's list is %q", tc.field, got, tc.words)
		}
		_, err := Parse("v.yaml", []byte("name: v\ncommand: x\n"+fmt.Sprintf(tc.yaml, "nope")+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), strings.Join(tc.words, ", ")) {
			t.Errorf("%s: nope: error %v does not list %q", tc.field, err, tc.words)
		}
	}
}

// The phase names a spec may not declare are the runner's own sums, and a
// spec declaring one is refused at its line.
func TestReservedPhases(t *testing.T) {
	if want := []string{record.OtherPhase, record.OtherPhases}; !slices.Equal(ReservedPhases, want) {
		t.Errorf("ReservedPhases %q, want record's %q", ReservedPhases, want)
	}
	_, err := Parse("r.yaml", []byte("name: r\ncommand: \"true\"\nphases: [ A, \"(other)\" ]\n"), nil)
	if err == nil || !strings.Contains(err.Error(), `r.yaml:3:14: phases[1]: "(other)" is the runner's own name`) {
		t.Errorf("err %v, want phases[1] refused at its line", err)
	}
}
