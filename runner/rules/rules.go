// Package rules is the expression language of thresholds, `when` filters and
// recommendations: the typed environment a rule sees for one cell, and the
// compiler that checks a rule against it when the spec loads. Compiling
// against a typed environment is what turns a misspelt field or a phase that
// does not exist into a load-time error instead of a rule that silently
// passes (the bug of k6 #1526).
package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// The environment below is the metric table of rules: each field that
// holds a statistic declares a metric once, its path (the expr tags from the
// root), its unit and what it measures. Units, the names error messages
// list, and which values a rule reads all derive from it (schema.go);
// package results reads each metric from the runs by the same path.
// Adding a metric is one field here plus its reader there.

// Stat summarises one metric over the successful measured runs of a cell.
// A nil *Stat means no run produced the value; a rule that reads it gets N/A.
type Stat struct {
	N      int     `expr:"n" unit:"-"`
	Mean   float64 `expr:"mean"`
	Stddev float64 `expr:"stddev"`
	Min    float64 `expr:"min"`
	Max    float64 `expr:"max"`
	Median float64 `expr:"median"`
	P95    float64 `expr:"p95"`
}

// Totals are whole-run metrics: statistics (S = Stat) in the environment,
// changes (S = Change) under delta.
type Totals[S any] struct {
	Time              *S `expr:"time" unit:"s" help:"wall clock of the whole run"`
	Tokens            *S `expr:"tokens" unit:"tokens" help:"input plus output tokens"`
	InputTokens       *S `expr:"input_tokens" unit:"tokens" help:"prompt tokens, cached ones included"`
	OutputTokens      *S `expr:"output_tokens" unit:"tokens" help:"completion tokens, reasoning included"`
	CachedInputTokens *S `expr:"cached_input_tokens" unit:"tokens" help:"prompt tokens read from a provider's cache"`
}

// Phase holds one phase's metrics.
type Phase[S any] struct {
	Time         *S `expr:"time" unit:"s" help:"time spent in the phase"`
	Tokens       *S `expr:"tokens" unit:"tokens" help:"input plus output tokens of the phase"`
	InputTokens  *S `expr:"input_tokens" unit:"tokens" help:"prompt tokens of the phase"`
	OutputTokens *S `expr:"output_tokens" unit:"tokens" help:"completion tokens of the phase"`
	Cost         *S `expr:"cost" unit:"USD" help:"cost of the phase's tokens"`
	TTFT         *S `expr:"ttft" unit:"s" help:"mean time to first token of the phase's streamed LLM calls (metering proxy)"`
}

// Memory holds memory metrics.
type Memory[S any] struct {
	PeakMB *S `expr:"peak_mb" unit:"MB" help:"peak resident memory of the process tree's largest member"`
}

// CPU holds CPU metrics.
type CPU[S any] struct {
	Percent *S `expr:"percent" unit:"%" help:"(user+sys)/wall×100"`
	Seconds *S `expr:"seconds" unit:"s" help:"user plus system CPU time of every descendant"`
}

// Artifact holds the size of one declared artifact.
type Artifact struct {
	MB    *Stat `expr:"mb" unit:"MB" help:"total size"`
	Files *Stat `expr:"files" unit:"-" help:"number of files"`
}

// Env is what a rule sees for one cell.
type Env struct {
	Provider string            `expr:"provider"`
	Model    string            `expr:"model"`
	Matrix   map[string]string `expr:"matrix"`
	Runs     int               `expr:"runs"`     // measured runs that finished ok
	Failures int               `expr:"failures"` // measured runs that did not

	Total  Totals[Stat] `expr:"total"`
	Cost   *Stat        `expr:"cost" unit:"USD" help:"cost of one workflow (one run)"`
	Memory Memory[Stat] `expr:"memory"`
	CPU    CPU[Stat]    `expr:"cpu"`

	PhaseOf    func(name string) *Phase[Stat] `expr:"phase"`
	ArtifactOf func(name string) *Artifact    `expr:"artifact"`
	MetricOf   func(name string) *Stat        `expr:"metric" unit:"-" help:"a value the workload reported"`

	// Delta compares the cell with the same cell of the spec's baseline;
	// nil without a baseline or when the baseline lacks the cell.
	Delta *Delta `expr:"delta"`

	// History is the same cell in the spec's last benchmarks kept in the
	// history store; nil when the store holds none (rules are N/A).
	History *History `expr:"history"`
}

// History is what a rule sees of the cell's earlier benchmarks: each
// statistic is taken over their medians (one value per benchmark), and
// change compares this benchmark with them.
type History struct {
	Benchmarks int                            `expr:"benchmarks" unit:"-"` // how many earlier benchmarks
	Total      Totals[Stat]                   `expr:"total"`
	Cost       *Stat                          `expr:"cost" unit:"USD" help:"cost of one workflow (one run)"`
	Memory     Memory[Stat]                   `expr:"memory"`
	CPU        CPU[Stat]                      `expr:"cpu"`
	PhaseOf    func(name string) *Phase[Stat] `expr:"phase"`
	// Change: old is the median of the earlier medians, new this
	// benchmark's median, p a Mann-Whitney U test of their runs.
	Change *Delta `expr:"change"`
}

// Change is one metric of a cell compared with the baseline: centers are
// medians, pct = (new-old)/old*100, significant by a Mann-Whitney U test at
// alpha 0.05.
type Change struct {
	Old         float64 `expr:"old"`
	New         float64 `expr:"new"`
	Pct         float64 `expr:"pct" unit:"%"`
	P           float64 `expr:"p" unit:"-"`
	Significant bool    `expr:"significant" unit:"-"`
}

// Delta is the baseline comparison a rule sees as delta: the environment's
// metrics as changes.
type Delta struct {
	Total   Totals[Change]                   `expr:"total"`
	Cost    *Change                          `expr:"cost" unit:"USD"`
	Memory  Memory[Change]                   `expr:"memory"`
	CPU     CPU[Change]                      `expr:"cpu"`
	PhaseOf func(name string) *Phase[Change] `expr:"phase"`
}

// Names lists what a spec declares, so rules naming anything else are
// rejected at load.
type Names struct {
	Phases    []string
	Artifacts []string
	// NoBaseline: the spec sets no baseline, so a rule reading delta.*
	// would be N/A after the whole run; it is refused instead.
	NoBaseline bool
}

// Compile compiles a boolean rule against Env and checks that every
// phase("…") and artifact("…") it names is declared.
func Compile(src string, names Names) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("empty expression")
	}
	prog, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
	if err != nil {
		return nil, errors.New(explain(oneLine(err.Error())))
	}
	v := &nameCheck{names: names}
	root := prog.Node()
	ast.Walk(&root, v)
	if v.err != nil {
		return nil, v.err
	}
	return prog, nil
}

// Eval runs a compiled rule. A rule that reads a missing value fails with an
// error, which the caller reports as N/A.
func Eval(prog *vm.Program, env Env) (bool, error) {
	out, err := expr.Run(prog, env)
	if err != nil {
		return false, errors.New(oneLine(err.Error()))
	}
	b, _ := out.(bool)
	return b, nil
}

type nameCheck struct {
	names Names
	err   error
}

func (c *nameCheck) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && id.Value == "delta" && c.names.NoBaseline && c.err == nil {
		// Without a baseline every delta rule would be N/A after the whole run.
		c.err = errors.New("delta.* compares with a baseline, and the spec sets none: add baseline: DIR (a previous output folder; see docs/ci.md)")
		return
	}
	call, ok := (*node).(*ast.CallNode)
	if !ok || c.err != nil || len(call.Arguments) != 1 {
		return
	}
	var name string
	switch callee := call.Callee.(type) {
	case *ast.IdentifierNode:
		name = callee.Value
	case *ast.MemberNode: // delta.phase("X")
		prop, ok := callee.Property.(*ast.StringNode)
		if !ok {
			return
		}
		name = prop.Value
	default:
		return
	}
	var known []string
	switch name {
	case "phase":
		known = c.names.Phases
	case "artifact":
		known = c.names.Artifacts
	default:
		return
	}
	arg, ok := call.Arguments[0].(*ast.StringNode)
	if !ok {
		c.err = fmt.Errorf("%s() takes a quoted name", name)
		return
	}
	for _, k := range known {
		if k == arg.Value {
			return
		}
	}
	if len(known) == 0 {
		c.err = fmt.Errorf("%s(%q): the spec declares no %ss", name, arg.Value, name)
		return
	}
	if near := Closest(arg.Value, known); near != "" {
		c.err = fmt.Errorf("%s(%q): no such %s; did you mean %q? (names are case-sensitive; declared: %s)", name, arg.Value, name, near, quoteAll(known))
		return
	}
	c.err = fmt.Errorf("%s(%q): no such %s; declared: %s", name, arg.Value, name, quoteAll(known))
}

// Closest returns the candidate that differs from s only in case, or else
// the nearest within two edits, or "": the "did you mean" of every name a
// user types.
func Closest(s string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(c, s) {
			return c
		}
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// explain rewrites expr's messages into the words a spec author uses: no
// Go type names, whatever the operator or function.
func explain(msg string) string {
	if m := mismatchRE.FindStringSubmatch(msg); m != nil {
		op, a, b := m[1], typeWords(m[2]), typeWords(m[3])
		hint := mismatchHint(m[2], m[3])
		switch op {
		case "+", "-", "*", "/", "%", "**", "^":
			return fmt.Sprintf("%s cannot combine %s and %s%s", op, a, b, hint)
		case "and", "or", "&&", "||":
			return fmt.Sprintf("%s joins two true/false conditions, not %s and %s%s", op, a, b, hint)
		}
		return fmt.Sprintf("%s compares %s with %s%s", op, a, b, hint)
	}
	if m := unaryRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s does not apply to %s%s", m[1], typeWords(m[2]), mismatchHint(m[2], m[2]))
	}
	if m := badArgRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s() cannot take %s%s", m[1], typeWords(m[2]), mismatchHint(m[2], m[2]))
	}
	if m := argTypeRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s() takes %s, not %s%s", m[3], typeWords(m[2]), typeWords(m[1]), mismatchHint(m[1], m[1]))
	}
	if m := notBoolRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("a rule must be a true/false condition, and this is %s: compare it, e.g. total.time.mean < 300", typeWords(m[1]))
	}
	if m := noFieldRE.FindStringSubmatch(msg); m != nil {
		if what, ok := words[m[1]]; ok {
			return fmt.Sprintf("unknown name %q in %s", m[2], what)
		}
	}
	if m := unknownNameRE.FindStringSubmatch(msg); m != nil {
		return msg + "; known: " + strings.TrimPrefix(words[envType.String()], "the rule environment ") +
			fmt.Sprintf("; text is written in quotes: %q", m[1])
	}
	if m := badNumberRE.FindStringSubmatch(msg); m != nil && unitSuffixRE.MatchString(m[1]) {
		return msg + ": numbers have no unit (time is in seconds, memory in MB, cost in USD): write 60 for a minute"
	}
	// Whatever else expr says, no Go type name reaches the user.
	return goTypeRE.ReplaceAllStringFunc(msg, typeWords)
}

var (
	unaryRE       = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched type (\S+)\)`)
	badArgRE      = regexp.MustCompile(`^invalid argument for (\w+) \(type (\S+)\)`)
	argTypeRE     = regexp.MustCompile(`^cannot use (\S+) as argument \(type (\S+)\) to call (\w+)`)
	notBoolRE     = regexp.MustCompile(`^expected bool, but got (\S+)`)
	unknownNameRE = regexp.MustCompile(`^unknown name (\S+)`)
	badNumberRE   = regexp.MustCompile(`^bad number syntax: "([^"]*)"`)
	unitSuffixRE  = regexp.MustCompile(`^[0-9.]+(ms|s|m|h|min|KB|MB|GB|kb|mb|gb|k|K|%|\$)$`)
	goTypeRE      = regexp.MustCompile(`\*?rules\.[A-Za-z]+(\[[^\]]*\])?`)
)

// oneLine keeps the first line of expr's multi-line error (the rest is a
// caret drawing that does not fit in a FILE:LINE:COL message).
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Left evaluates the left side of a comparison rule ("total.time.mean" of
// "total.time.mean < 300") so reports can show the actual value next to the
// target, with its unit (see UnitOf). Rules that are not a single
// comparison give an error.
func Left(prog *vm.Program, env Env) (value any, unit string, err error) {
	bin, ok := prog.Node().(*ast.BinaryNode)
	if !ok {
		return nil, "", errors.New("not a comparison")
	}
	switch bin.Operator {
	case "<", "<=", ">", ">=", "==", "!=":
	default:
		return nil, "", errors.New("not a comparison")
	}
	left, err := expr.Compile(bin.Left.String(), expr.Env(Env{}))
	if err != nil {
		return nil, "", err
	}
	value, err = expr.Run(left, env)
	return value, unitOfNode(bin.Left), err
}
