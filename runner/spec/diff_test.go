package spec

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	a := []byte("name: d\ncommand: x\ntitle: A\nruns: 3\n")
	b := []byte("name: d\ncommand: y\ntitle: B\ntimeout: 5s\n")
	if got, want := Diff(a, b), []string{"command", "runs", "timeout", "title"}; !slices.Equal(got, want) {
		t.Errorf("Diff = %q; want %q", got, want)
	}
	if got, want := MeasuredDiff(a, b), []string{"command", "timeout"}; !slices.Equal(got, want) {
		t.Errorf("MeasuredDiff = %q; want %q (title and runs do not change what a run measures)", got, want)
	}
	if got := Diff([]byte("[a"), b); !slices.Equal(got, []string{""}) {
		t.Errorf("Diff of unparsable YAML = %q; want the whole source", got)
	}
}

// docs/cli.md names the fields --resume lets change; they are this list.
func TestUnmeasuredDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	for f := range unmeasured {
		if !strings.Contains(string(doc), "`"+f+"`") {
			t.Errorf("docs/cli.md (Resuming) does not name `%s`, a field --resume lets change", f)
		}
	}
}
