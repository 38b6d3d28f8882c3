package output

import (
	"encoding/json"
	"io"

	"github.com/runner-bench/runner/runner/results"
)

// SimulatedNotice heads every output of a dry run.
const SimulatedNotice = "SIMULATED: dry run against the built-in simulator; no figure here is a real provider's"

// JSON writes summary.json.
func JSON(w io.Writer, sum *results.Summary) error {
	doc := struct {
		Notice string `json:"notice,omitempty"`
		*results.Summary
	}{Summary: sum}
	if sum.Simulated {
		doc.Notice = SimulatedNotice
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
