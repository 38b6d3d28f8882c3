package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/internal/gendoc"
)

var updateDocs = flag.Bool("update", false, "rewrite generated docs")

// TestCLIDocs keeps docs/cli.md's command reference equal to what
// `runner COMMAND --help` prints, so a new flag is documented by its own
// help text; refresh with -update.
func TestCLIDocs(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, c := range commands() {
		if c.name == "version" {
			continue // takes no flags; --help would print the version
		}
		var stdout, stderr bytes.Buffer
		Main(context.Background(), []string{c.name, "--help"}, &stdout, &stderr)
		help := strings.TrimRight(stderr.String()+stdout.String(), "\n")
		if help == "" {
			t.Errorf("runner %s --help printed nothing", c.name)
		}
		fmt.Fprintf(&b, "### runner %s\n\n```\n%s\n```\n\n", c.name, help)
		for _, sub := range subcommands[c.name] {
			var stdout, stderr bytes.Buffer
			Main(context.Background(), []string{c.name, sub, "--help"}, &stdout, &stderr)
			fmt.Fprintf(&b, "### runner %s %s\n\n```\n%s\n```\n\n", c.name, sub, strings.TrimRight(stderr.String()+stdout.String(), "\n"))
		}
	}
	gendoc.Check(t, "docs/cli.md", "commands", strings.TrimRight(b.String(), "\n"),
		"go test ./runner/cli -run TestCLIDocs -update", *updateDocs)

	b.Reset()
	b.WriteString("| code | meaning |\n|---|---|\n")
	for _, c := range exitCodes {
		fmt.Fprintf(&b, "| %d | %s |\n", c.code, c.long)
	}
	gendoc.Check(t, "docs/cli.md", "exit-codes", b.String(),
		"go test ./runner/cli -run TestCLIDocs -update", *updateDocs)
}

// TestExitCodesDocumented checks every Exit* constant of exit.go has a row
// in docs/cli.md's exit code table.
func TestExitCodesDocumented(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "exit.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, name := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !strings.HasPrefix(name.Name, "Exit") || !ok {
					continue
				}
				n++
				row := regexp.MustCompile(`(?m)^\| ` + lit.Value + ` \|`)
				if !row.Match(doc) {
					t.Errorf("exit code %s (%s) has no row `| %s | ... |` in docs/cli.md", lit.Value, name.Name, lit.Value)
				}
			}
		}
	}
	if n < 5 {
		t.Fatalf("found only %d exit codes in exit.go", n)
	}
}
