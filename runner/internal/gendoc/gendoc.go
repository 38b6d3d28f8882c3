// Package gendoc keeps generated regions of the Markdown docs in docs/ equal
// to what the code says (field descriptions, command help). A region sits
// between two marker lines:
//
//	<!-- BEGIN GENERATED: NAME (do not edit; see WHERE) -->
//	...
//	<!-- END GENERATED: NAME -->
//
// Text outside the markers is written by hand. Tests call Check; run them
// with -update to rewrite the region.
package gendoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Check compares the region name of file (relative to the module root,
// found by walking up from the working directory) with body; with update it
// rewrites the region instead. fix is the command that refreshes it.
func Check(t *testing.T, file, name, body, fix string, update bool) {
	t.Helper()
	path := filepath.Join(moduleRoot(t), file)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)(<!-- BEGIN GENERATED: ` + regexp.QuoteMeta(name) + ` [^\n]*-->\n)(.*?)(<!-- END GENERATED: ` + regexp.QuoteMeta(name) + ` -->)`)
	m := re.FindSubmatchIndex(src)
	if m == nil {
		t.Fatalf("%s: no region %q (<!-- BEGIN GENERATED: %s ... --> ... <!-- END GENERATED: %s -->)", file, name, name, name)
	}
	if body != "" && body[len(body)-1] != '\n' {
		body += "\n"
	}
	got := src[m[4]:m[5]]
	if bytes.Equal(got, []byte(body)) {
		return
	}
	if !update {
		t.Errorf("%s: the generated section %q is stale; run: %s", file, name, fix)
		return
	}
	out := append(append(append([]byte(nil), src[:m[4]]...), body...), src[m[5]:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// moduleRoot walks up from the working directory to the folder with go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(fmt.Errorf("no go.mod above %s", dir))
		}
		dir = parent
	}
}
