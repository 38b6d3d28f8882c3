// Package docs holds the user documentation; its test checks that every
// relative link of README.md and docs/*.md resolves inside the repository.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
	fenceRE   = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```[^\n]*$")
	codeRE    = regexp.MustCompile("`[^`\n]*`")
	noteRE    = regexp.MustCompile(`\s*\([^)]*\)`)
)

// mdFiles are the pages whose links must resolve: the front page and docs/.
func mdFiles(t *testing.T) []string {
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("..", "README.md"), filepath.Join("..", "examples", "ci", "README.md"))
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	return files
}

// prose drops fenced code blocks and inline code, whose brackets are not links.
func prose(src string) string {
	return codeRE.ReplaceAllString(fenceRE.ReplaceAllString(src, ""), "")
}

// slug is the anchor GitHub gives a heading: lower case, punctuation other
// than - and _ dropped, spaces as -.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '→' && r != '—' && r != '·':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors lists the anchors of a Markdown file's headings.
func anchors(src string) map[string]bool {
	out := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(src, ""), -1) {
		s := slug(m[1])
		for n := 1; out[s]; n++ { // GitHub numbers repeated headings
			s = slug(m[1]) + "-" + string(rune('0'+n))
		}
		out[s] = true
	}
	return out
}

func TestLinksResolveInsideTheRepo(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, file := range mdFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(prose(string(src)), -1) {
			link := m[1]
			if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			n++
			target, frag, _ := strings.Cut(link, "#")
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), target)
			}
			abs, err := filepath.Abs(path)
			if err != nil {
				t.Fatal(err)
			}
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: link %q points outside the repository", file, link)
				continue
			}
			st, err := os.Stat(abs)
			if err != nil {
				t.Errorf("%s: link %q: no such file", file, link)
				continue
			}
			if frag == "" {
				continue
			}
			if st.IsDir() || !strings.HasSuffix(abs, ".md") {
				t.Errorf("%s: link %q: an anchor into something that is not a Markdown file", file, link)
				continue
			}
			dst, err := os.ReadFile(abs)
			if err != nil {
				t.Fatal(err)
			}
			if !anchors(string(dst))[frag] {
				t.Errorf("%s: link %q: %s has no heading with anchor #%s", file, link, target, frag)
			}
		}
	}
	if n < 20 {
		t.Errorf("checked only %d relative links; is the link pattern still right?", n)
	}
}

// TestNoPathOutsideTheRepo catches mentions of files outside the repository
// that are not links: the team's private notes folder, in prose. The names
// are spelt in pieces so that this file does not mention them itself.
func TestNoPathOutsideTheRepo(t *testing.T) {
	for _, file := range mdFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{".." + "/shared", "DESIGN" + ".md", "/wo" + "rk/"} {
			if strings.Contains(string(src), bad) {
				t.Errorf("%s mentions %q, which is not in the repository", file, bad)
			}
		}
	}
}

// The README's Layout names every package of the runner, so a reader finds
// where each step of the flow lives.
func TestLayoutNamesEveryPackage(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	layout, _, _ = strings.Cut(layout, "\n## ")
	err = filepath.WalkDir(filepath.Join("..", "runner"), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() == "testdata" || d.Name() == "migrations" {
			return err
		}
		if gos, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gos) == 0 {
			return nil
		}
		rel, _ := filepath.Rel("..", path)
		pkg := filepath.ToSlash(rel)
		if pkg != "runner" && !strings.Contains(layout, pkg+" ") {
			t.Errorf("README.md's Layout does not name %s", pkg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CI fuzzes every fuzz target for a while, and README's test table names
// each: a target added to a package is not left to its seeds alone.
func TestCIFuzzesEveryTarget(t *testing.T) {
	ci, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	budget := regexp.MustCompile(`^\d+x$`)
	n := 0
	err = filepath.WalkDir(filepath.Join("..", "runner"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", filepath.Dir(path))
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			n++
			line := "fuzz ./" + filepath.ToSlash(rel) + " " + m[1] + " "
			_, rest, ok := strings.Cut(string(ci), "\n"+line)
			if !ok {
				t.Errorf(".ci/run does not fuzz %s (%s): want a line %q with a count of executions", m[1], path, line+"NNNx")
			} else if b, _, _ := strings.Cut(rest, "\n"); !budget.MatchString(b) {
				t.Errorf(".ci/run fuzzes %s for %q, want a count of executions (NNNx)", m[1], b)
			}
			if !strings.Contains(string(readme), "`"+m[1]+"`") {
				t.Errorf("README.md's test table does not name %s", m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("found only %d fuzz targets", n)
	}
}

// Every file the README's concept map names exists, so the map cannot
// point a reader at a file that moved. "runner/meter/openai.go, anthropic.go"
// names anthropic.go in the folder of the path before it; a note in
// parentheses after a path ("(Value, Quantity)") is not part of it.
func TestConceptMapFilesExist(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n| concept | file |\n|---|---|\n")
	if !ok {
		t.Fatal("README.md has no concept map (| concept | file |)")
	}
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cols := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cols) != 2 {
			t.Errorf("concept map row %q: want two columns", line)
			continue
		}
		rows++
		dir := ""
		for _, name := range strings.Split(noteRE.ReplaceAllString(cols[1], ""), ",") {
			name = strings.TrimSpace(name)
			if !strings.Contains(name, "/") {
				name = dir + name
			}
			if !strings.HasPrefix(name, "runner/") {
				t.Errorf("concept %q: %q is not a file under runner/", cols[0], name)
				continue
			}
			if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(name))); err != nil {
				t.Errorf("concept %q: %s does not exist", cols[0], name)
			}
			dir = name[:strings.LastIndex(strings.TrimSuffix(name, "/"), "/")+1]
		}
	}
	if rows < 20 {
		t.Errorf("the concept map has %d rows; the table was not read", rows)
	}
}
