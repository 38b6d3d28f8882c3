// Command runner is a declarative benchmark runner for multi-phase LLM
// workflows. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/runner-bench/runner/runner/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the runner at once
		fmt.Fprintln(os.Stderr, "\nrunner: interrupting: stopping runs, writing the report from finished runs (Ctrl-C again to quit now)")
	}()
	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
