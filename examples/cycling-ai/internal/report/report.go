// Package report renders the three HTML reports of Phase 4 with html/template.
package report

import (
	"embed"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/analysis"
)

//go:embed templates/*.html
var templateFS embed.FS

// Files are the reports Write creates, in order.
var Files = []string{"performance_report.html", "training_plan.html", "summary.html"}

// Data is everything the reports show.
type Data struct {
	Generated string // timestamp text
	Provider  string
	Model     string
	Agg       *analysis.Aggregates
	Analysis  string // LLM text of Phase 2
	Plan      string // LLM text of Phase 3
	Summary   string // LLM text of Phase 4
	PlanWeeks int
}

var funcs = template.FuncMap{
	"blocks": Blocks,
	"f0":     func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"f1":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":     func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"upper": func(v float64) string {
		if v == 0 {
			return "+"
		}
		return fmt.Sprintf("%.0f", v-1)
	},
	"hours": func(seconds float64) string { return fmt.Sprintf("%.1f", seconds/3600) },
	"bar":   func(pct float64) string { return fmt.Sprintf("%.1f%%", math.Min(100, math.Max(0, pct))) },
	"last": func(n int, weeks []analysis.Week) []analysis.Week {
		if len(weeks) <= n {
			return weeks
		}
		return weeks[len(weeks)-n:]
	},
}

var templates = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))

// Write renders every report into dir.
func Write(dir string, d Data) ([]string, error) {
	var written []string
	for _, name := range Files {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			return written, fmt.Errorf("create report: %w", err)
		}
		err = templates.ExecuteTemplate(f, name, d)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return written, fmt.Errorf("render %s: %w", name, err)
		}
		written = append(written, path)
	}
	return written, nil
}
