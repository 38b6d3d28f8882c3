// Package output writes the files of a benchmark from its results: CSV,
// JSON, the Markdown report, charts and the cost calculator. It computes
// nothing it could take from package results.
package output

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"

	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/templates"
)

// Chart is an image the report links to.
type Chart struct {
	Title string
	Path  string // relative to the report
}

// ReportData is what a report template sees: the summary's fields plus
// Charts and Generated.
type ReportData struct {
	*results.Summary
	Charts    []Chart
	Generated time.Time
}

// Funcs are the runner's template helpers, on top of sprig.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"secs":       Seconds,
		"ms":         func(s float64) string { return fmt.Sprintf("%.0f ms", s*1000) },
		"duration":   Duration,
		"usd":        USD,
		"num":        Thousands,
		"pct":        func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"mb":         MB,
		"f1":         func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"f2":         func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"f3":         func(f float64) string { return fmt.Sprintf("%.3f", f) },
		"f4":         func(f float64) string { return fmt.Sprintf("%.4f", f) },
		"verdict":    Verdict,
		"quantity":   Quantity,
		"deref":      func(f *float64) float64 { return *f },
		"rating":     rules.Level.Rating,
		"conclusion": Conclusion,
		"minutes":    Minutes,
		"median":     Median,
		"stddev":     Stddev,
		"cv":         CV,
		"size":       Size,
		"targetline": TargetLine,
		"chartsFor":  ChartsFor,
		"md":         MarkdownText,
		"code":       MarkdownCode,
		"sparkline":  Sparkline,
	}
}

// Sparkline draws values as a line of block characters, lowest to highest.
func Sparkline(values []float64) string {
	runes := []rune("▁▂▃▄▅▆▇█")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := 0
		if hi > lo {
			i = int(math.Round((v - lo) / (hi - lo) * float64(len(runes)-1)))
		}
		b.WriteRune(runes[i])
	}
	return b.String()
}

// Seconds formats seconds with the precision their size needs:
// "0.052 s", "3.14 s", "42.0 s".
func Seconds(s float64) string {
	switch a := math.Abs(s); {
	case a == 0:
		return "0 s"
	case a < 0.0005: // never "0.000 s" for a time that is not 0
		return small(s) + " s"
	case a < 0.1:
		return fmt.Sprintf("%.3f s", s)
	case a < 10:
		return fmt.Sprintf("%.2f s", s)
	}
	return fmt.Sprintf("%.1f s", s)
}

// Duration formats seconds as "4m 12s" (or "12.3 s" under a minute).
func Duration(s float64) string {
	if s < 60 {
		return Seconds(s)
	}
	d := time.Duration(math.Round(s)) * time.Second
	if d >= time.Hour {
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// USD formats dollars: four decimals under $1, two above. A cost that is
// not zero is never shown as $0.0000: under $0.00005 it gets two
// significant digits ($0.000015), as a cheap model's single call costs.
func USD(f float64) string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	switch {
	case f != 0 && f < 0.00005:
		return sign + "$" + small(f)
	case f < 1:
		return fmt.Sprintf("%s$%.4f", sign, f)
	}
	return sign + "$" + Thousands2(f)
}

// small formats a value that is not 0 but would round to 0 at the usual
// precision with two significant digits: 0.000015, 0.00042 (1.2e-15 when
// even that would take over 12 decimals).
func small(v float64) string {
	if d := 1 - int(math.Floor(math.Log10(math.Abs(v)))); d <= 12 {
		return strconv.FormatFloat(v, 'f', d, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// Thousands formats a number rounded to a whole, with thousands separators.
func Thousands(f float64) string {
	return group(fmt.Sprintf("%.0f", f))
}

// Thousands2 is Thousands with two decimals, rounded once (1.999 is 2.00).
func Thousands2(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	return group(s[:len(s)-3]) + s[len(s)-3:]
}

// group puts thousands separators into a formatted whole number.
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg && strings.Trim(s, "0") != "" {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// MB formats megabytes, switching to GB past 1024.
func MB(f float64) string {
	if f >= 1024 {
		return fmt.Sprintf("%.1f GB", f/1024)
	}
	return fmt.Sprintf("%.1f MB", f)
}

// Quantity formats a value in its unit (rules.UnitOf): "2.93 s", "$0.0584",
// "8,651 tokens", "44.0 MB", "12.5%".
func Quantity(v float64, unit string) string {
	if unit == "tokens" {
		return Value(v, unit) + " tokens"
	}
	return Value(v, unit)
}

// Value formats a value in its unit, the unit shown only where the number
// alone would not tell it (tokens are a bare count): the one formatting of
// every unit the metric table declares, for the report and compare alike.
func Value(v float64, unit string) string {
	switch unit {
	case "s":
		return Seconds(v)
	case "USD":
		return USD(v)
	case "tokens":
		return Thousands(v)
	case "MB":
		return MB(v)
	case "%":
		return fmt.Sprintf("%.1f%%", v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Minutes formats seconds as minutes, without the unit: "0.06", "3.2", "5".
func Minutes(s float64) string {
	m := s / 60
	switch {
	case m == math.Trunc(m) && math.Abs(m) < 1e6:
		return strconv.FormatFloat(m, 'f', 0, 64)
	case math.Abs(m) < 1:
		return fmt.Sprintf("%.2f", m)
	}
	return fmt.Sprintf("%.1f", m)
}

// Median formats a statistic's median with its 95% confidence interval
// when benchmath gives one: "3.62 s (95% CI 3.30 s–4.10 s)". unit is "s",
// "USD", "tokens" or "%" (as Quantity), "count" (a whole number), "KB" or "MB"
// (as Size, without the unit), or "" (one decimal).
func Median(st results.Stats, unit string) string {
	if st.N == 0 {
		return "—"
	}
	show := func(v float64) string {
		switch unit {
		case "count":
			return Thousands(v)
		case "KB", "MB":
			return Size(v, unit)
		case "":
			return fmt.Sprintf("%.1f", v)
		}
		return Quantity(v, unit)
	}
	out := show(st.Median)
	if st.Lo != st.Hi {
		out += " (95% CI " + show(st.Lo) + "–" + show(st.Hi) + ")"
	}
	return out
}

// Stddev formats a statistic's standard deviation as Median formats its
// median (and "f2": two decimals); "—" under two runs, which have no
// spread (not 0).
func Stddev(st results.Stats, unit string) string {
	if !st.Spread() {
		return "—"
	}
	switch unit {
	case "count":
		return Thousands(st.Stddev)
	case "KB", "MB":
		return Size(st.Stddev, unit)
	case "":
		return fmt.Sprintf("%.1f", st.Stddev)
	case "f2":
		return fmt.Sprintf("%.2f", st.Stddev)
	}
	return Quantity(st.Stddev, unit)
}

// CV formats a statistic's coefficient of variation in percent; "—" under
// two runs.
func CV(st results.Stats) string {
	if !st.Spread() {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", st.CV*100)
}

// Size formats an artifact size in its unit, without the unit: KB with one
// decimal, MB with two.
func Size(v float64, unit string) string {
	if unit == "KB" {
		s := strconv.FormatFloat(v, 'f', 1, 64) // rounded once: 1.99 is 2.0
		return group(s[:len(s)-2]) + s[len(s)-2:]
	}
	return fmt.Sprintf("%.2f", v)
}

// TargetLine is a verdict in the task card's one-line form:
// "Total Time: PASS — target < 5 min, actual 3.2 min". A time target of
// three minutes or more is shown in minutes, with its actual value; a limit
// is shown as written (10 s, $0.30, 1,024 MB), not rounded.
func TargetLine(v results.Verdict) string {
	level := v.Level
	if level == rules.NotRated {
		level = rules.NA
	}
	inMinutes := v.Unit == "s" && v.Limit != nil && *v.Limit >= 180
	show := func(x float64) string {
		if inMinutes {
			return Minutes(x) + " min"
		}
		if v.Unit == "" {
			return strconv.FormatFloat(x, 'g', 6, 64)
		}
		return Quantity(x, v.Unit)
	}
	limit := func(x float64) string {
		plain := strconv.FormatFloat(x, 'f', -1, 64)
		switch {
		case inMinutes:
			return strconv.FormatFloat(x/60, 'f', -1, 64) + " min"
		case v.Unit == "USD" && x == math.Round(x*100)/100:
			return fmt.Sprintf("$%.2f", x)
		case v.Unit == "USD":
			return "$" + plain
		case v.Unit == "tokens":
			return Thousands(x) + " tokens"
		case v.Unit == "s" || v.Unit == "MB" || v.Unit == "%":
			if x == math.Trunc(x) {
				plain = Thousands(x)
			}
			return plain + " " + v.Unit
		}
		return plain
	}
	target := MarkdownCode(v.Target)
	if v.Op != "" && v.Limit != nil {
		target = v.Op + " " + limit(*v.Limit)
	}
	actual := "—"
	switch {
	case v.Value != nil:
		actual = show(*v.Value)
	case v.Actual != "":
		actual = MarkdownText(v.Actual)
	}
	line := fmt.Sprintf("%s: %s — target %s, actual %s", MarkdownText(v.Rule), level, target, actual)
	if v.Reason != "" {
		line += " (" + MarkdownText(v.Reason) + ")"
	}
	return line
}

// ChartsFor picks the charts a report section shows: "results" (time and
// tokens by phase) or "cost" (cost per workflow, cost against time).
func ChartsFor(section string, charts []Chart) []Chart {
	var out []Chart
	for _, c := range charts {
		base := c.Path[strings.LastIndex(c.Path, "/")+1:]
		isResults := base == ChartPhaseTime || base == ChartTokens
		if (section == "results") == isResults {
			out = append(out, c)
		}
	}
	return out
}

// Verdict shows a verdict level with a marker readable in any renderer.
func Verdict(level rules.Level) string {
	switch level {
	case rules.Pass:
		return "✅ PASS"
	case rules.Acceptable:
		return "⚠️ ACCEPTABLE"
	case rules.Fail:
		return "❌ FAIL"
	}
	return "➖ N/A"
}

// Conclusion is the report's closing paragraph: short whatever the number
// of cells (names are listed only for small groups; the sections above have
// the rest).
func Conclusion(d ReportData) string {
	if len(d.Cells) == 0 {
		return "Nothing was measured: every cell was skipped or failed. See the reasons above."
	}
	var parts []string
	if ref := d.Ref(); ref != nil && ref.Time.N > 0 {
		s := fmt.Sprintf("The reference, %s, takes %s min per workflow", MarkdownText(ref.Name()), Minutes(ref.Time.Mean))
		if ref.Cost.N > 0 {
			s += fmt.Sprintf(" at %s", USD(ref.Cost.Mean))
		}
		if ref.Rating != rules.NotRated {
			s += ", rated " + ref.Rating.Rating()
		}
		parts = append(parts, s+".")
	}
	var pass, ok, fail []string
	for _, c := range d.Cells {
		switch c.Rating {
		case rules.Pass:
			pass = append(pass, MarkdownText(c.Name()))
		case rules.Acceptable:
			ok = append(ok, MarkdownText(c.Name()))
		case rules.Fail:
			fail = append(fail, MarkdownText(c.Name()))
		}
	}
	group := func(names []string, one, many string) string {
		switch {
		case len(names) == 0:
			return ""
		case len(names) == 1:
			return names[0] + " " + one
		case len(names) == len(d.Cells):
			return "every cell " + one
		case len(names) <= 3:
			return joinProse(names) + " " + many
		}
		return fmt.Sprintf("%d cells %s", len(names), many)
	}
	var verdicts []string
	for _, g := range []string{
		group(pass, "meets every target", "meet every target"),
		group(ok, "is within acceptable limits", "are within acceptable limits"),
		group(fail, "needs optimization", "need optimization"),
	} {
		if g != "" {
			verdicts = append(verdicts, g)
		}
	}
	if len(verdicts) > 0 {
		v := strings.Join(verdicts, "; ")
		parts = append(parts, strings.ToUpper(v[:1])+v[1:]+".")
	}
	if n := len(d.Broken); n > 0 {
		if n <= 3 {
			parts = append(parts, "Every run failed, so nothing was judged, in "+MarkdownText(strings.Join(d.Broken, ", "))+"; see their failed runs above.")
		} else {
			parts = append(parts, fmt.Sprintf("Every run failed in %d cells, so nothing was judged there; see their failed runs above.", n))
		}
	}
	var flaky []string
	for _, c := range d.Cells {
		if c.Runs > 0 && c.Failures > 0 {
			flaky = append(flaky, fmt.Sprintf("%s (%d of %d runs failed)", MarkdownText(c.Name()), c.Failures, c.Runs+c.Failures))
		}
	}
	switch {
	case len(flaky) > 3:
		parts = append(parts, fmt.Sprintf("%d cells are judged on their successful runs only.", len(flaky)))
	case len(flaky) > 0:
		parts = append(parts, "Judged on their successful runs only: "+strings.Join(flaky, ", ")+".")
	}
	for _, p := range d.Ranking {
		switch p.Priority {
		case "cost":
			parts = append(parts, fmt.Sprintf("The cheapest is %s (%s).", MarkdownText(p.Label), MarkdownText(p.Why)))
		case "speed":
			parts = append(parts, fmt.Sprintf("The fastest is %s (%s).", MarkdownText(p.Label), MarkdownText(p.Why)))
		}
	}
	if d.Replayed != nil {
		parts = append(parts, "These figures are REPLAYED from a recording, not measured anew.")
	}
	if d.Simulated {
		parts = append(parts, "These are SIMULATED figures from a dry run; run without --dry-run to measure real providers.")
	}
	return strings.Join(parts, " ")
}

// joinProse joins names as "A", "A and B", "A, B and C".
func joinProse(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// ParseReport parses a report template (the embedded default when path is "").
func ParseReport(path string) (*template.Template, error) {
	if path == "" {
		t, err := defaultReport()
		if err != nil {
			return nil, err
		}
		return t.Clone()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report template: %w", err)
	}
	return parseReport(string(b), path)
}

// defaultReport is the default template, parsed once: a benchmark renders
// it twice (a trial before the runs, the report after them).
var defaultReport = sync.OnceValues(func() (*template.Template, error) {
	return parseReport(templates.Report, "default report template")
})

func parseReport(src, name string) (*template.Template, error) {
	t, err := template.New(name).Funcs(sprig.TxtFuncMap()).Funcs(Funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("report template: %w", err)
	}
	return t, nil
}

// Report renders the Markdown report.
func Report(w io.Writer, t *template.Template, d ReportData) error {
	if err := t.Execute(w, d); err != nil {
		return fmt.Errorf("rendering report: %w", err)
	}
	return nil
}
