// Package cli is the runner's command line: subcommands, flags, progress,
// signals and exit codes. It is the only package that touches stdio.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/runner-bench/runner/runner/redact"
)

// Version is set at build time (-ldflags "-X ...cli.Version=v1.2.3").
var Version = "dev"

type command struct {
	name, args, short string
	run               func(ctx context.Context, e *env, args []string) error
}

// env is what every subcommand gets: its streams.
type env struct {
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"run", "SPEC [flags]", "run a benchmark (the default: `runner SPEC` = `runner run SPEC`)", runCmd},
		{"validate", "SPEC [--set k=v]", "load the spec, compile every rule and template, print the plan", validateCmd},
		{"plan", "SPEC [flags]", "cells, skips with reasons, run count, estimated cost", planCmd},
		{"report", "DIR", "re-render CSV, JSON, Markdown, charts and XLSX from DIR/runs.jsonl", reportCmd},
		{"compare", "OLD_DIR NEW_DIR", "per cell and metric: old, new, delta, significance", compareCmd},
		{"merge", "OUT DIR...", "merge shard outputs into one result set", mergeCmd},
		{"history", "[SPEC_NAME] | trend NAME | import DIR... | prices NAME", "the history store: benchmarks, trends per cell with change points, back-fill", historyCmd},
		{"proxy", "[--upstream api=URL]... [--calls FILE]", "run the metering proxy standalone", proxyCmd},
		{"sim", "[--listen ADDR]", "serve the simulated LLM APIs standalone", simCmd},
		{"cassettes", "DIR [--spec SPEC]", "what a recording (--record) holds, and how a spec's runs would replay from it", cassettesCmd},
		{"schema", "", "print the JSON Schema of the spec", schemaCmd},
		{"version", "", "print the runner's version", func(_ context.Context, e *env, _ []string) error {
			fmt.Fprintln(e.stdout, "runner", version()) // as benchmark.json records it
			return nil
		}},
	}
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	err := dispatch(ctx, e, args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "runner:", strings.ReplaceAll(redact.String(err.Error()), "\n", "\n  "))
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return codeOf(err)
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		usage(e.stderr)
		return withCode(ExitUsage, errors.New("no spec given"))
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(e.stdout)
		return nil
	case "--version", "-version":
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	if strings.HasPrefix(args[0], "-") || strings.HasSuffix(args[0], ".yaml") || strings.HasSuffix(args[0], ".yml") || fileExists(args[0]) {
		return runCmd(ctx, e, args)
	}
	usage(e.stderr)
	return usageErrorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `runner: a declarative benchmark runner for multi-phase LLM workflows

Usage:
  runner SPEC [flags]          run the benchmark SPEC (same as runner run SPEC)
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  runner %-22s %s\n", c.name+" "+firstWord(c.args), c.short)
	}
	fmt.Fprint(w, "\nRun 'runner COMMAND --help' for a command's flags.\n")
	var codes []string
	for _, c := range exitCodes {
		codes = append(codes, fmt.Sprintf("%d %s", c.code, c.short))
	}
	fmt.Fprintln(w, wrap("Exit codes: "+strings.Join(codes, ", ")+".", 80))
}

// wrap breaks text into lines of at most width columns between words.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(word) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

func firstWord(s string) string {
	if i := strings.Index(s, " ["); i >= 0 {
		return s[:i]
	}
	return s
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// parse parses flags that may come before or after positional arguments
// (`runner SPEC --dry-run` as well as `runner --dry-run SPEC`).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, withCode(ExitUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(e *env, name, args, short string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: runner %s %s\n\n%s\n\nFlags:\n", name, args, short)
		fs.PrintDefaults()
	}
	return fs
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
