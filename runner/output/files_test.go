package output

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A write that fails half-way (a full disk) leaves the previous file whole
// and no temporary file behind: never a 0-byte or half-written output.
func TestCreateDerivedKeepsTheOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, CSVFile)
	if err := os.WriteFile(path, []byte("old,complete\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CreateDerived(path, func(w io.Writer) error {
		w.Write([]byte("half"))
		return errors.New("no space left on device")
	})
	if err == nil {
		t.Fatal("the failure must be returned")
	}
	if b, _ := os.ReadFile(path); string(b) != "old,complete\n" {
		t.Errorf("file is now %q, want the old content", b)
	}
	if err := WriteFileAtomic(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("file is %q after a successful write", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("want only %s in the folder, got %v", CSVFile, names)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}
