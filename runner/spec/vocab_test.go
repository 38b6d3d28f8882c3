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
	for field, words := range map[string][]string{"order": words(Orders), "tokens": words(TokenSources)} {
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
