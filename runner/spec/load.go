package spec

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

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
)

// APIs a provider may speak.
var APIs = []string{"openai", "anthropic", "gemini", "ollama", "none"}

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
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, Errors{yamlError(path, err)}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{File: path, Msg: "empty spec"}}
	}
	root := doc.Content[0]
	if len(sets) > 0 {
		if err := applySets(root, sets); err != nil {
			return nil, Errors{{File: path, Msg: err.Error()}}
		}
		var err error
		if src, err = yaml.Marshal(&doc); err != nil {
			return nil, err
		}
	}
	d := &decoder{file: path, nodes: map[string]*yaml.Node{}}
	s := &Spec{File: path, Source: src}
	d.decode(root, reflect.ValueOf(s).Elem(), "")
	if root.Kind == yaml.MappingNode {
		s.setDefaults()
		s.validate(d)
	}
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
		s.Tokens = "auto"
	}
	if s.Order == "" {
		s.Order = "sequential"
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
		s.Providers = []Provider{{Name: DefaultProvider, API: "none"}}
	}
	for i := range s.Providers {
		p := &s.Providers[i]
		if p.Label == "" {
			p.Label = p.Name
		}
		if p.API == "" {
			p.API = "none"
			for _, a := range APIs {
				if a == p.Name {
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
	}
	if s.Warmup < 0 {
		fail("warmup", "must not be negative")
	}
	if s.Concurrency < 1 {
		fail("concurrency", "must be at least 1, got %d", s.Concurrency)
	}
	if s.Command.Empty() && s.Command.Source == "" {
		fail("command", "required: the command under test")
	}
	oneOf(fail, "tokens", s.Tokens, "proxy", "events", "auto")
	oneOf(fail, "order", s.Order, "sequential", "interleaved")

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
		oneOf(fail, f+".api", p.API, APIs...)
	}
	axes := map[string]bool{"provider": true, "model": true}
	for i, a := range s.Matrix {
		if axes[a.Name] {
			fail("matrix."+a.Name, "axis %q is already defined (provider and model come from providers)", a.Name)
		}
		axes[a.Name] = true
		if len(a.Values) == 0 {
			fail("matrix."+a.Name, "needs at least one value")
		}
		_ = i
	}
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
	}
	for i, p := range s.Pricing {
		f := "pricing." + p.Pattern
		if p.Input < 0 || p.Output < 0 {
			fail(f, "prices must not be negative")
		}
		_ = i
	}
	if err := s.loadPricingFile(); err != nil {
		fail("pricing_file", "%v", err)
	}

	names := rules.Names{Phases: s.Phases, Artifacts: sortedSet(artifacts)}
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
		if !providers[name] {
			fail("quality."+name, "no provider named %q", name)
		}
		if q < 0 || q > 10 {
			fail("quality."+name, "scores are 0 to 10, got %g", q)
		}
	}
	if s.Report.Template != "" {
		if _, err := os.Stat(s.Report.Template); err != nil {
			fail("report.template", "%v", err)
		}
	}
	if s.Budget.MaxCost < 0 {
		fail("budget.max_cost", "must not be negative")
	}
}

func oneOf(fail func(string, string, ...any), field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	fail(field, "%q is not one of: %s", v, strings.Join(allowed, ", "))
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteExpr(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return "`" + s + "`"
}

// PhaseNames returns the declared phases.
func (s *Spec) PhaseNames() []string { return s.Phases }

// ProviderByName returns the provider named name, or nil.
func (s *Spec) ProviderByName(name string) *Provider {
	for i := range s.Providers {
		if s.Providers[i].Name == name {
			return &s.Providers[i]
		}
	}
	return nil
}
