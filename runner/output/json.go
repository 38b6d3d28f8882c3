package output

import (
	"encoding/json"
	"io"

	"github.com/runner-bench/runner/runner/results"
)

// SimulatedNotice heads every output of a dry run.
const SimulatedNotice = results.SimulatedNotice

// JSON writes summary.json.
func JSON(w io.Writer, sum *results.Summary) error {
	doc := struct {
		Notice string `json:"notice,omitempty"`
		*results.Summary
	}{Summary: sum}
	doc.Notice = sum.Notice()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
