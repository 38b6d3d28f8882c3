package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestGeneratorReproducesCommittedData regenerates the data set into a
// temporary directory and checks it is byte-for-byte what is committed in
// examples/data. If this fails after an intended change to the generator,
// run `go run ./examples/data/gen` from the repository root and commit.
func TestGeneratorReproducesCommittedData(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	got := listFiles(t, tmp)
	want := listFiles(t, "..")
	if len(got) != 2+fitFiles {
		t.Fatalf("generator wrote %d files, want %d", len(got), 2+fitFiles)
	}
	for _, name := range got {
		a, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Errorf("%s: generated but not committed: %v", name, err)
			continue
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the committed file", name)
		}
	}
	if len(want) != len(got) {
		t.Errorf("committed data has %d files, generator writes %d", len(want), len(got))
	}
}

// listFiles lists the generated files under dir (CSV, profile and FIT files).
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	names := []string{"real_activities.csv", "test_profile.json"}
	var out []string
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			out = append(out, n)
		}
	}
	fits, err := filepath.Glob(filepath.Join(dir, "fit_files", "*.fit"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fits {
		out = append(out, filepath.Join("fit_files", filepath.Base(f)))
	}
	sort.Strings(out)
	return out
}
