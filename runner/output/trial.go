package output

import (
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// TrialReport parses the spec's report template and renders it with a
// sample summary of the cells (one successful run each, every phase timed
// and using tokens), so a broken template fails before a benchmark runs,
// not after it.
func TrialReport(s *spec.Spec, cells []plan.Cell) error {
	t, err := ParseReport(s.Report.TemplatePath)
	if err != nil {
		return fmt.Errorf("report.template: %s", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "report template: "), "template: "))
	}
	sum := results.Compute(s, record.Benchmark{Spec: s.Name, Started: time.Now()}, sampleRuns(s, cells))
	data := ReportData{Summary: sum, Charts: []Chart{{Title: "Time by phase", Path: "charts/phase_time.png"}}, Generated: time.Now()}
	if err := Report(io.Discard, t, data); err != nil {
		return fmt.Errorf("report.template: %s (found by rendering it with a sample of this spec's results)", explainReportError(err))
	}
	if err := checkReportNames(t, reflect.TypeOf(data)); err != nil {
		return fmt.Errorf("report.template: %s (in a branch the sample does not take: a replay, a skipped cell, a baseline, ...)", explainReportError(err))
	}
	return nil
}

// sampleRuns is one plausible successful run per cell.
func sampleRuns(s *spec.Spec, cells []plan.Cell) []record.Run {
	var runs []record.Run
	started := time.Now()
	for _, c := range cells {
		r := record.Run{Cell: c.ID, Provider: c.Provider.Name, Model: c.Model, Matrix: c.MatrixMap(), Index: 1,
			Status: record.StatusOK, Started: started, WallSeconds: 1, UserSeconds: 0.5, CPUPercent: 50, PeakRSSMB: 64,
			Metrics: map[string]float64{}, Artifacts: map[string]record.Artifact{}, TokenSource: "events"}
		for i, p := range s.Phases {
			r.Phases = append(r.Phases, record.Phase{Name: p, Start: float64(i), Seconds: 1})
			r.Usage = append(r.Usage, record.Usage{Phase: p, Model: c.Model, At: float64(i), Source: "events", Tokens: record.Tokens{Input: 1000, Output: 200}})
		}
		r.WallSeconds = float64(max(1, len(s.Phases)))
		for name := range s.Extract.Metrics {
			r.Metrics[name] = 1
		}
		for _, a := range s.Artifacts {
			r.Artifacts[a.Name] = record.Artifact{MB: 1, Files: 1}
		}
		runs = append(runs, r)
	}
	return runs
}

var execPrefixRE = regexp.MustCompile(`^template: ([^ ]+:\d+:\d+): executing "[^"]*" at `)
var noFieldRE = regexp.MustCompile(`can't evaluate field (\w+) in type (\S+)`)

// explainReportError adds the fields a misspelt one could have meant.
func explainReportError(err error) string {
	msg := execPrefixRE.ReplaceAllString(strings.TrimPrefix(err.Error(), "rendering report: "), "$1: ")
	m := noFieldRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	fields := reportFields()[m[2]]
	if near := spec.Closest(m[1], fields); near != "" {
		msg += fmt.Sprintf("; did you mean .%s?", near)
	}
	if len(fields) > 0 {
		msg += " (" + m[2] + " has: " + strings.Join(fields, ", ") + ")"
	}
	return msg
}

// reportFields maps each type a report template can reach to its field and
// method names, as text/template names the type in its errors.
func reportFields() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for _, name := range []string{t.String(), "*" + t.String()} {
			if _, done := out[name]; done {
				return
			}
		}
		var names []string
		for _, f := range reflect.VisibleFields(t) {
			if f.IsExported() && !f.Anonymous {
				names = append(names, f.Name)
			}
		}
		pt := reflect.PointerTo(t)
		for i := 0; i < pt.NumMethod(); i++ {
			names = append(names, pt.Method(i).Name)
		}
		sort.Strings(names)
		out[t.String()], out["*"+t.String()] = names, names
		for _, f := range reflect.VisibleFields(t) {
			if f.IsExported() {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeOf(ReportData{}))
	return out
}
