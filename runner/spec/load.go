package spec

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/rules"
	"gopkg.in/yaml.v3"
)

// Defaults.
const (
	DefaultRuns       = 3
	DefaultReportFile = "PERFORMANCE_BENCHMARKS.md"
	DefaultOutput     = `outputs/{{ .spec.name }}/{{ .started.Format "20060102-150405" }}`
	DefaultProvider   = "default"
	// DefaultTimeout bounds a run (and each setup and prepare command) when
	// the spec sets no timeout, so a workload waiting on an upstream that
	// never answers cannot hang the benchmark forever.
	DefaultTimeout = 30 * time.Minute
	// DefaultCleanupTimeout bounds each cleanup command, which also runs
	// after Ctrl-C: a hanging cleanup must not hold the exit for long.
	DefaultCleanupTimeout = time.Minute
	// DefaultMaxCells caps the matrix (providers' models times the extra
	// axes, before exclude): a typo such as three 1,000-value axes would
	// otherwise be a billion cells, expanded in memory before anything runs.
	DefaultMaxCells = 10_000
	// MaxRuns caps runs and warmup per cell (spec and --runs): a mistyped
	// count (99999999999) would plan every run in memory and get the runner
	// killed before it says anything.
	MaxRuns = 100_000
	// DefaultJudgeTimeout bounds one judge command when judge.timeout is
	// not set: a judge that hangs must not hold the benchmark.
	DefaultJudgeTimeout = 5 * time.Minute
	// JudgeMetric is the metric a judge prints its score as.
	JudgeMetric = "quality"
)

var nameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Load reads, decodes, defaults and validates the spec at path, with sets
// ("key=value") overriding vars. Every problem found is returned at once as
// Errors, each with file:line:col.
func Load(path string, sets []string) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src, sets)
}

// Parse is Load on bytes already read; path names them in errors.
func Parse(path string, src []byte, sets []string) (*Spec, error) {
	root, errs := readDocument(path, src)
	if errs != nil {
		return nil, errs
	}
	written := src
	if len(sets) > 0 {
		if err := applySets(root, sets); err != nil {
			return nil, Errors{{File: path, Msg: err.Error()}}
		}
		var err error
		if src, err = yaml.Marshal(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
			return nil, err
		}
	}
	if err := resolveAliases(path, root); err != nil {
		return nil, Errors{err}
	}
	d := &decoder{file: path, src: written, nodes: map[string]*yaml.Node{}}
	s := &Spec{File: path, Source: src}
	d.decode(root, reflect.ValueOf(s).Elem(), "")
	if root.Kind == yaml.MappingNode {
		s.setDefaults()
		s.validate(d)
	}
	d.checkGivenZeros()
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool {
			a, b := d.errs[i], d.errs[j]
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		return nil, d.errs
	}
	return s, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(path string, err error) *Error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: path, Line: line, Col: 1, Msg: m[2]}
	}
	return &Error{File: path, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// applySets writes each key=value into the vars mapping, adding it if needed.
func applySets(root *yaml.Node, sets []string) error {
	if root.Kind != yaml.MappingNode {
		return errors.New("spec is not a mapping")
	}
	var vars *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "vars" {
			vars = root.Content[i+1]
		}
	}
	if vars == nil || vars.Kind != yaml.MappingNode {
		vars = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "vars"}, vars)
	}
next:
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--set %q: expected key=value", kv)
		}
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
		var names []string
		for i := 0; i+1 < len(vars.Content); i += 2 {
			if vars.Content[i].Value == k {
				vars.Content[i+1] = val
				continue next
			}
			names = append(names, vars.Content[i].Value)
		}
		// A var no template can read is a typo, not an addition.
		if len(names) == 0 {
			return fmt.Errorf("--set %s: the spec declares no vars", kv)
		}
		if near := closest(k, names); near != "" {
			return fmt.Errorf("--set %s: the spec has no var %q; did you mean %q?", kv, k, near)
		}
		return fmt.Errorf("--set %s: the spec has no var %q; vars: %s", kv, k, strings.Join(names, ", "))
	}
	return nil
}

func (s *Spec) setDefaults() {
	if s.Runs == 0 {
		s.Runs = DefaultRuns
	}
	if s.Concurrency == 0 {
		s.Concurrency = 1
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(DefaultTimeout)
	}
	if s.CleanupTimeout == 0 {
		s.CleanupTimeout = Duration(DefaultCleanupTimeout)
	}
	if s.Tokens == "" {
		s.Tokens = TokensAuto
	}
	if s.Order == "" {
		s.Order = Sequential
	}
	if s.Title == "" {
		s.Title = s.Name
	}
	if s.Report.File == "" {
		s.Report.File = DefaultReportFile
	}
	if s.Output.Empty() && s.Output.Source == "" {
		s.Output.parse("output", DefaultOutput, Pos{})
	}
	if len(s.Providers) == 0 {
		s.Providers = []Provider{{Name: DefaultProvider, API: APINone}}
	}
	for i := range s.Providers {
		p := &s.Providers[i]
		if p.Label == "" {
			p.Label = p.Name
		}
		if p.API == "" {
			p.API = APINone
			for _, a := range APIs {
				if string(a) == p.Name {
					p.API = a
				}
			}
		}
	}
}

// validate checks what decoding cannot: required fields, ranges, names,
// regex groups, and compiles every expression against the typed environment.
func (s *Spec) validate(d *decoder) {
	at := func(field string) *yaml.Node {
		for f := field; f != ""; {
			if n, ok := d.nodes[f]; ok {
				return n
			}
			i := strings.LastIndexAny(f, ".[")
			if i < 0 {
				break
			}
			f = f[:i]
		}
		return d.nodes[""]
	}
	fail := func(field, format string, args ...any) {
		d.errorf(at(field), "%s: "+format, append([]any{field}, args...)...)
	}

	if s.Name == "" {
		fail("name", "required: a short name made of [a-z0-9_-]")
	} else if !nameRE.MatchString(s.Name) {
		fail("name", "%q must match [a-z0-9_-]+", s.Name)
	}
	if s.Runs < 1 {
		fail("runs", "must be at least 1, got %d", s.Runs)
	} else if s.Runs > MaxRuns {
		fail("runs", "at most %d, got %d", MaxRuns, s.Runs)
	}
	if s.Warmup < 0 {
		fail("warmup", "must not be negative")
	} else if s.Warmup > MaxRuns {
		fail("warmup", "at most %d, got %d", MaxRuns, s.Warmup)
	}
	if s.Concurrency < 1 {
		fail("concurrency", "must be at least 1, got %d", s.Concurrency)
	}
	checkEnvNames(fail, "env", sortedTemplateKeys(s.Env), false)
	if err := checkReportFile(s.Report.File); err != nil {
		fail("report.file", "%q %v", s.Report.File, err)
	}
	if msg := s.checkReference(); msg != "" {
		fail("report.reference", "%s", msg)
	}
	if s.Command.Blank() {
		fail("command", "required: the command under test")
	}
	oneOf(fail, "tokens", s.Tokens, TokenSources)
	oneOf(fail, "order", s.Order, Orders)
	if scheme, _, ok := strings.Cut(s.History, "://"); ok && scheme != "postgres" && scheme != "postgresql" {
		fail("history", "%q: a store is a file path, a postgres:// URL, or off", redactURL(s.History))
	} else if ok && strings.Contains(strings.SplitN(s.History[len(scheme)+3:], "@", 2)[0], ":") && strings.Contains(s.History, "@") {
		fail("history", "the URL holds a password, and spec.yaml is copied into every output folder: give it in PGPASSWORD or ~/.pgpass, or name the store with RUNNER_HISTORY or --history instead")
	}

	providers := map[string]bool{}
	for i, p := range s.Providers {
		f := fmt.Sprintf("providers[%d]", i)
		switch {
		case p.Name == "":
			fail(f+".name", "required")
		case !nameRE.MatchString(p.Name):
			fail(f+".name", "%q must match [a-z0-9_-]+", p.Name)
		case providers[p.Name]:
			fail(f+".name", "%q is declared twice", p.Name)
		}
		providers[p.Name] = true
		oneOf(fail, f+".api", p.API, APIs)
		if p.BaseURL != "" {
			if err := checkBaseURL(p.BaseURL); err != nil {
				fail(f+".base_url", "%q %v", p.BaseURL, err)
			}
		}
		checkEnvNames(fail, f+".env", sortedTemplateKeys(p.Env), false)
		checkEnvNames(fail, f+".requires.env", p.Requires.Env, true)
		if u := p.Requires.URL; u != "" {
			// An unreachable URL skips the cell: a malformed one would skip it
			// on every machine, so it is refused here.
			if err := checkBaseURL(u); err != nil {
				fail(f+".requires.url", "%q %v", u, err)
			}
		}
	}
	for _, api := range llmapi.APIs {
		if u := s.APIs.BaseURL(api); u != "" {
			if err := checkBaseURL(u); err != nil {
				fail("apis."+string(api)+".base_url", "%q %v", u, err)
			}
		}
	}
	axes := map[string]bool{"provider": true, "model": true}
	for _, a := range s.Matrix {
		if axes[a.Name] {
			fail("matrix."+a.Name, "axis %q is already defined (provider and model come from providers)", a.Name)
		}
		axes[a.Name] = true
		if len(a.Values) == 0 {
			fail("matrix."+a.Name, "needs at least one value")
		}
	}
	s.checkMatrixSize(fail)
	for i, ex := range s.Exclude {
		for k := range ex {
			if !axes[k] {
				fail(fmt.Sprintf("exclude[%d].%s", i, k), "unknown axis %q; axes are: %s", k, strings.Join(sortedSet(axes), ", "))
			}
		}
	}

	seen := map[string]bool{}
	for i, p := range s.Phases {
		f := fmt.Sprintf("phases[%d]", i)
		if strings.TrimSpace(p) == "" {
			fail(f, "empty phase name")
		} else if seen[p] {
			fail(f, "%q is listed twice", p)
		} else if slices.Contains(ReservedPhases, p) {
			fail(f, "%q is the runner's own name for time outside every phase; choose another", p)
		}
		seen[p] = true
	}
	if r := s.Extract.Phase; r != nil && r.Regexp != nil && r.SubexpIndex("phase") < 0 {
		fail("extract.phase", "needs a named group (?P<phase>...)")
	}
	if r := s.Extract.Usage; r != nil && r.Regexp != nil && r.SubexpIndex("input_tokens") < 0 && r.SubexpIndex("output_tokens") < 0 {
		fail("extract.usage", "needs a named group (?P<input_tokens>...) or (?P<output_tokens>...)")
	}
	for name, r := range s.Extract.Metrics {
		if r != nil && r.Regexp != nil && r.SubexpIndex("value") < 0 {
			fail("extract.metrics."+name, "needs a named group (?P<value>...)")
		}
	}
	artifacts := map[string]bool{}
	for _, a := range s.Artifacts {
		if artifacts[a.Name] {
			fail("artifacts."+a.Name, "declared twice")
		}
		artifacts[a.Name] = true
		if why := reachesOutside(a.Path.Source, s.File); why != "" {
			s.Warnings = append(s.Warnings, &Error{File: d.file, Line: a.Path.Line, Col: a.Path.Col,
				Msg: fmt.Sprintf("artifacts.%s: %q %s; measuring it may walk much of the disk (each run stops its walk at a cap and says so)", a.Name, a.Path.Source, why)})
		}
	}
	var priceKeys []string
	for _, p := range s.Pricing {
		if p.Input < 0 || p.Output < 0 {
			fail("pricing."+p.Pattern, "prices must not be negative")
		}
		if p.FromSpec() {
			priceKeys = append(priceKeys, p.Pattern)
		}
	}
	simKeys := make([]string, 0, len(s.Simulate.Models))
	for k := range s.Simulate.Models {
		simKeys = append(simKeys, k)
	}
	sort.Strings(simKeys)
	s.checkModelKeys(d, fail, "pricing", priceKeys)
	s.checkModelKeys(d, fail, "simulate.models", simKeys)
	if err := s.loadPricingFile(); err != nil {
		fail("pricing_file", "%v", err)
	}

	names := rules.Names{Phases: s.Phases, Artifacts: sortedSet(artifacts), NoBaseline: s.Baseline == ""}
	compile := func(field string, e *Expr, required bool) {
		if e == nil {
			if required {
				fail(field, "required: an expression such as total.time.mean < 300")
			}
			return
		}
		prog, err := rules.Compile(e.Source, names)
		if err != nil {
			fail(field, "%s: %v", quoteExpr(e.Source), err)
			return
		}
		e.Program = prog
	}
	thresholdNames := map[string]bool{}
	for i := range s.Thresholds {
		t := &s.Thresholds[i]
		f := fmt.Sprintf("thresholds[%d]", i)
		if t.Name == "" {
			fail(f+".name", "required")
		} else if thresholdNames[t.Name] {
			fail(f+".name", "%q is used twice", t.Name)
		}
		thresholdNames[t.Name] = true
		compile(f+".when", t.When, false)
		compile(f+".target", t.Target, true)
		compile(f+".acceptable", t.Acceptable, false)
	}
	for i := range s.Recommendations {
		r := &s.Recommendations[i]
		f := fmt.Sprintf("recommendations[%d]", i)
		compile(f+".when", r.When, true)
		if r.Text == "" {
			fail(f+".text", "required")
		}
	}
	for i, p := range s.Projections {
		f := fmt.Sprintf("projections[%d]", i)
		if p.Label == "" {
			fail(f+".label", "required")
		}
		if p.PerMonth <= 0 {
			fail(f+".per_month", "must be more than 0")
		}
	}
	for name, q := range s.Quality {
		if q < 0 || q > 10 {
			fail("quality."+name, "scores are 0 to 10, got %g", q)
		}
		if IsGlob(name) {
			if _, err := path.Match(name, ""); err != nil {
				fail("quality."+name, "%q is not a valid glob: %v", name, err)
			}
		}
		if n := d.nodes["quality."+name]; n != nil {
			if s.QualityPos == nil {
				s.QualityPos = map[string]Pos{}
			}
			s.QualityPos[name] = Pos{n.Line, n.Column}
		}
	}
	if j := s.Judge; j != nil {
		if j.Command.Blank() {
			fail("judge.command", "required: the command that scores a run (see docs/judge.md)")
		}
		checkEnvNames(fail, "judge.env", sortedTemplateKeys(j.Env), false)
		if j.Timeout == 0 {
			j.Timeout = Duration(DefaultJudgeTimeout)
		}
	}
	if s.Report.Template != "" {
		s.Report.TemplatePath = s.Report.Template
		if !filepath.IsAbs(s.Report.Template) {
			s.Report.TemplatePath = filepath.Join(filepath.Dir(s.File), s.Report.Template)
		}
		if fi, err := os.Stat(s.Report.TemplatePath); err != nil {
			fail("report.template", "%v", err)
		} else if !fi.Mode().IsRegular() {
			fail("report.template", "%s is not a file", s.Report.TemplatePath)
		}
	}
	if s.Budget.MaxCost < 0 {
		fail("budget.max_cost", "must not be negative")
	}
	if r := s.Replay; r != nil {
		if r.Dir == "" {
			fail("replay.dir", "names the recording to answer from (a benchmark output folder or its cassettes folder)")
		}
		if r.Match != "" && !slices.Contains(MatchModes, r.Match) {
			fail("replay.match", "expected one of %s, got %q", strings.Join(Words(MatchModes), ", "), r.Match)
		}
		if r.Missing != "" && !slices.Contains(MissingRules, r.Missing) {
			fail("replay.missing", "expected one of %s, got %q", strings.Join(Words(MissingRules), ", "), r.Missing)
		}
		if r.Speed != nil && *r.Speed < 0 {
			fail("replay.speed", "must not be negative (0 replays at once, 1 as recorded)")
		}
		if s.Record {
			fail("record", "a benchmark either records (record: true) or replays (replay:), not both")
		}
	}
}

// checkGivenZeros rejects a zero written in the spec where zero means "use
// the default": `runs: 0` is a mistake, as `--runs 0` is, not "3 runs".
// A timeout of 0 reads as "no timeout" (as in curl or k6) but every run and
// command is bounded here, so it is refused rather than quietly made the
// default.
func (d *decoder) checkGivenZeros() {
	for _, f := range []string{"runs", "concurrency"} {
		if n, ok := d.nodes[f]; ok && n.Kind == yaml.ScalarNode && isZero(n.Value) {
			d.errorf(n, "%s: must be at least 1, got 0", f)
		}
	}
	for _, t := range []struct {
		field string
		def   time.Duration
	}{{"timeout", DefaultTimeout}, {"cleanup_timeout", DefaultCleanupTimeout}, {"judge.timeout", DefaultJudgeTimeout}} {
		if n, ok := d.nodes[t.field]; ok && n.Kind == yaml.ScalarNode && isZeroDuration(n.Value) {
			d.errorf(n, "%s: must be more than 0, got %s (there is no unlimited timeout; leave it out for the default %s)", t.field, n.Value, fmtDuration(t.def))
		}
	}
}

// checkMatrixSize refuses a matrix of more than MaxCells cells, counted by
// multiplying the axis lengths, before anything is expanded.
func (s *Spec) checkMatrixSize(fail func(string, string, ...any)) {
	limit := s.MaxCells
	if limit == 0 {
		limit = DefaultMaxCells
	}
	if s.MaxCells < 0 {
		fail("max_cells", "must not be negative")
		return
	}
	models := 0
	for _, p := range s.Providers {
		models += max(len(p.Models), 1)
	}
	cells := models
	sizes := []string{fmt.Sprintf("%d provider models", models)}
	for _, a := range s.Matrix {
		sizes = append(sizes, fmt.Sprintf("%d %s", len(a.Values), a.Name))
		if len(a.Values) > 0 && cells > limit/len(a.Values) {
			cells = limit + 1 // stop before the product overflows
			continue
		}
		cells *= max(len(a.Values), 1)
	}
	if cells > limit {
		field := "matrix"
		if len(s.Matrix) == 0 {
			field = "providers"
		}
		fail(field, "the matrix has more than %d cells (%s); remove values, or raise max_cells if you mean it", limit, strings.Join(sizes, " x "))
	}
}

// envNameRE is what a shell accepts as a variable name.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkEnvNames checks the keys of an env mapping (field.NAME) or the items
// of a list of names (field[i]).
func checkEnvNames(fail func(string, string, ...any), field string, names []string, list bool) {
	for i, n := range names {
		if !envNameRE.MatchString(n) {
			f := join(field, n)
			if list {
				f = fmt.Sprintf("%s[%d]", field, i)
			}
			fail(f, "%q is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", n)
		}
	}
}

func sortedTemplateKeys(m map[string]Template) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkModelKeys checks the keys of a map keyed by model name or glob
// (pricing, simulate.models) against the models of the whole matrix, not
// the cells an --only keeps: a glob that cannot match anything is an error;
// a key that matches no model is a warning at its line with a "did you
// mean", since it prices or paces nothing (a typo leaves the model it meant
// at the default: no price, the simulator's fast defaults).
func (s *Spec) checkModelKeys(d *decoder, fail func(field, format string, args ...any), field string, keys []string) {
	var models []string
	for _, p := range s.Providers {
		for _, m := range p.Models {
			if !slices.Contains(models, m) {
				models = append(models, m)
			}
		}
	}
	for _, k := range keys {
		f := field + "." + k
		if _, err := path.Match(k, ""); err != nil {
			fail(f, "%q is not a valid glob: %v (globs use *, ? and [...])", k, err)
			continue
		}
		if len(models) == 0 {
			continue // nothing to match: a spec of tools, or models given elsewhere
		}
		used := false
		for _, m := range models {
			ok, _ := llmapi.GlobMatch(k, m)
			used = used || ok
		}
		if used {
			continue
		}
		msg := fmt.Sprintf("%s matches no model of the matrix", f)
		if near := Closest(k, models); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		msg += " (models: " + strings.Join(models, ", ") + ")"
		w := &Error{File: d.file, Msg: msg}
		if n := d.nodes[f]; n != nil {
			w.Line, w.Col = n.Line, n.Column
		}
		s.Warnings = append(s.Warnings, w)
	}
}

// checkBaseURL accepts an http or https URL with a host.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL: %v", errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with http:// or https://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("has no host")
	}
	return nil
}

// ReservedFiles are the names the runner itself writes in an output folder;
// the report must not overwrite them (package output checks the list is
// complete).
var ReservedFiles = []string{"runs.jsonl", "benchmark.json", "spec.yaml", "benchmark_results.csv",
	"summary.json", "charts", "cost_calculator.xlsx", "logs", "runs", ReportTemplateFile}

// ReportTemplateFile is the copy of a custom report template kept in the
// output folder, so that `runner report DIR` renders it from anywhere.
const ReportTemplateFile = "report.md.tmpl"

// checkReportFile accepts a plain file name: the report is written into the
// output folder, next to the charts its links point to.
func checkReportFile(name string) error {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' })
	switch {
	case filepath.IsAbs(name) || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return errors.New("must be a file name in the output folder, not an absolute path")
	case slices.Contains(parts, ".."):
		return errors.New(`must be a file name in the output folder; ".." would write outside it`)
	case len(parts) > 1 || len(parts) == 1 && parts[0] != name:
		return errors.New("must be a file name in the output folder, without a folder (the report's chart links are relative to it)")
	case len(parts) == 0 || name == "." || strings.TrimSpace(name) == "":
		return errors.New("must be a file name")
	}
	for _, r := range ReservedFiles {
		if strings.EqualFold(name, r) {
			return errors.New("is a file the runner writes itself; choose another name")
		}
	}
	return nil
}

// reachesOutside says why an artifact path, as written, reaches outside the
// run folder and the working tree (the current folder or the spec's), or "".
func reachesOutside(src, specFile string) string {
	src = strings.TrimSpace(src)
	parts := strings.FieldsFunc(src, func(r rune) bool { return r == '/' || r == '\\' })
	if slices.Contains(parts, "..") {
		return `climbs out with ".."`
	}
	if !strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "~") {
		return ""
	}
	var trees []string
	if wd, err := os.Getwd(); err == nil {
		trees = append(trees, wd)
	}
	if dir, err := filepath.Abs(filepath.Dir(specFile)); err == nil {
		trees = append(trees, dir)
	}
	for _, t := range trees {
		if t != "/" && strings.HasPrefix(src, t+string(filepath.Separator)) {
			return ""
		}
	}
	return "is outside the run folder and the working tree"
}

func isZero(v string) bool {
	i, err := strconv.ParseInt(v, 10, 64)
	return err == nil && i == 0
}

func isZeroDuration(v string) bool {
	d, err := time.ParseDuration(v)
	return isZero(v) || err == nil && d == 0
}

// fmtDuration writes a default as a spec would ("5m", not "5m0s").
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// redactURL hides what may be a password in a URL.
func redactURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "…" + rest[at:]
	}
	return scheme + "://" + rest
}

func oneOf[T ~string](fail func(string, string, ...any), field string, v T, allowed []T) {
	if !slices.Contains(allowed, v) {
		fail(field, "%q is not one of: %s", v, strings.Join(Words(allowed), ", "))
	}
}

func sortedSet(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

func quoteExpr(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return "`" + s + "`"
}

// checkReference says what is wrong with report.reference, or "".
func (s *Spec) checkReference() string {
	ref := s.Report.Reference
	if ref == "" {
		return ""
	}
	name, model, hasModel := strings.Cut(ref, "/")
	p := s.ProviderByName(name)
	if p == nil {
		var names []string
		for _, p := range s.Providers {
			names = append(names, p.Name)
		}
		msg := fmt.Sprintf("%q names no provider (a provider name, or provider/model)", ref)
		return msg + suggest("", name, names, "providers")
	}
	if !hasModel {
		return ""
	}
	if _, err := path.Match(model, ""); err != nil {
		return fmt.Sprintf("%q: bad glob: %v", model, err)
	}
	for _, m := range p.Models {
		if ok, _ := llmapi.GlobMatch(model, m); ok || m == model {
			return ""
		}
	}
	msg := fmt.Sprintf("%q: provider %s has no model %q", ref, name, model)
	if len(p.Models) == 0 {
		return msg + " (it lists no models; name the provider alone)"
	}
	return msg + suggest(fmt.Sprintf("%s/", name), model, p.Models, "its models")
}

// suggest ends a message with the nearest name, if one is near, and the
// names there are: `; did you mean "a/big-2"? (its models: m1, big-2)`.
func suggest(prefix, got string, names []string, what string) string {
	if len(names) == 0 {
		return fmt.Sprintf("; %s: none", what)
	}
	list := fmt.Sprintf("%s: %s", what, strings.Join(names, ", "))
	if near := Closest(got, names); near != "" {
		return fmt.Sprintf("; did you mean %q? (%s)", prefix+near, list)
	}
	return "; " + list
}

// IsReference says whether the cell of provider and model is one that
// report.reference names (false when it names none).
func (s *Spec) IsReference(provider, model string) bool {
	ref := s.Report.Reference
	if ref == "" {
		return false
	}
	name, pattern, hasModel := strings.Cut(ref, "/")
	if name != provider {
		return false
	}
	if !hasModel {
		return true
	}
	ok, _ := llmapi.GlobMatch(pattern, model)
	return ok || pattern == model
}

// ProviderByName returns the provider named name, or nil.
func (s *Spec) ProviderByName(name string) *Provider {
	for i := range s.Providers {
		if s.Providers[i].Name == name {
			return &s.Providers[i]
		}
	}
	return nil
}
