package output

import (
	"github.com/runner-bench/runner/runner/results"
)

// Charts draws the report's charts into dir and returns them with paths
// relative to dir.
func Charts(dir string, sum *results.Summary) ([]Chart, error) { return nil, nil }
