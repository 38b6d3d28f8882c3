package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `runner cassettes` says which file and line of a recording were dropped
// because the recorder was stopped while writing them.
func TestCassettesWarnsOfTornLine(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cassettes")
	file := filepath.Join(dir, "cell_a", "run1.jsonl")
	os.MkdirAll(filepath.Dir(file), 0o755)
	os.WriteFile(filepath.Join(dir, "cassettes.json"), []byte(`{"format":1,"recorded":"2026-01-02T03:04:05Z","spec":"t"}`+"\n"), 0o644)
	whole := `{"seq":1,"api":"openai","method":"GET","path":"/models","status":200,"chunks":[{"ms":1,"data":"{}"}],"end_ms":1}`
	os.WriteFile(file, []byte(whole+"\n"+whole+"\n"+whole[:30]), 0o644)
	code, stdout, stderr := runner(t, context.Background(), "cassettes", dir)
	if code != ExitOK || !strings.Contains(stdout, "1 cells, 1 runs, 2 calls") ||
		!strings.Contains(stderr, "runner: warning: "+file+":3: the last line is not a whole call") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
