// Command runner is a declarative benchmark runner for multi-phase LLM
// workflows. See README.md.
package main

import (
	"os"

	"github.com/runner-bench/runner/runner/cli"
	"github.com/runner-bench/runner/runner/internal/gcpace"
)

func main() {
	gcpace.Lazy()
	ctx, stop := cli.Signals(os.Stderr)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
