package spec

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the spec loader: it must return a spec
// or errors that name the file, never panic or hang. CI runs it briefly
// (.ci/run); run it longer with
//
//	go test -run XXX -fuzz FuzzParse -fuzztime 2m ./runner/spec
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	for _, p := range []string{"../../specs/phase4c.yaml", "../../examples/compress/spec.yaml", "../../examples/scale/phase4c-14.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name: d\ncommand: x\nvars: &v { a: 1 }\nenv: { <<: *v, b: 2 }\nmatrix: { t: &t [1, 2], u: *t }\n"))
	f.Add([]byte("name: d\ncommand: x\nname: e\n---\n"))
	f.Add([]byte("- a\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("f.yaml", src, nil)
		if err == nil {
			if s == nil || s.Name == "" || s.Runs < 1 || s.Concurrency < 1 || len(s.Providers) == 0 {
				t.Fatalf("a loaded spec without its required fields or defaults: %+v", s)
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T without positions: %v", err, err)
		}
		for _, e := range errs {
			if e.File != "f.yaml" || e.Line < 0 || e.Col < 0 || e.Msg == "" {
				t.Fatalf("error without its place: %+v", e)
			}
		}
	})
}
