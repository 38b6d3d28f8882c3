// Command cycling-ai is the runner's reference workload: a four-phase
// multi-agent workflow that analyses cycling training data with an LLM.
//
//	cycling-ai generate --csv examples/data/real_activities.csv \
//	    --provider anthropic --model claude-3-5-sonnet-20241022 --output-dir out
//
// Phase 1 (Data Preparation) parses the CSV, the athlete profile and the FIT
// files and computes the training aggregates; phases 2-4 (Performance
// Analysis, Training Planning, Report Generation) each call the provider's
// native API once and phase 4 writes three HTML reports. Every phase is
// announced with a "::runner::" event line and every LLM call reports its
// token usage the same way. `cycling-ai judge` rates one run's three reports
// against rubric.md with an LLM and prints the score as the runner's
// quality metric.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // bad data, API or I/O error
	exitUsage   = 2 // bad command line
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage: cycling-ai generate --csv FILE --provider openai|anthropic|gemini|ollama [flags]
       cycling-ai judge --dir RUN_DIR --provider NAME [--model M]   (rates a run's reports 1-10)

Run "cycling-ai generate -h" for the flags.
`

// run dispatches the subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "generate":
		return runGenerate(ctx, args[1:], stdout, stderr, env)
	case "judge":
		return runJudge(ctx, args[1:], stdout, stderr, env)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "cycling-ai: unknown command %q\n%s", args[0], usage)
	return exitUsage
}
