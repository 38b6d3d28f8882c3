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

// Stat summarises one metric over the successful measured runs of a cell.
// A nil *Stat means no run produced the value; a rule that reads it gets N/A.
type Stat struct {
	N      int     `expr:"n"`
	Mean   float64 `expr:"mean"`
	Stddev float64 `expr:"stddev"`
	Min    float64 `expr:"min"`
	Max    float64 `expr:"max"`
	Median float64 `expr:"median"`
	P95    float64 `expr:"p95"`
}

// Totals are whole-run metrics.
type Totals struct {
	Time         *Stat `expr:"time"` // seconds
	Tokens       *Stat `expr:"tokens"`
	InputTokens  *Stat `expr:"input_tokens"`
	OutputTokens *Stat `expr:"output_tokens"`
}

// Phase holds one phase's metrics.
type Phase struct {
	Time         *Stat `expr:"time"`
	Tokens       *Stat `expr:"tokens"`
	InputTokens  *Stat `expr:"input_tokens"`
	OutputTokens *Stat `expr:"output_tokens"`
	Cost         *Stat `expr:"cost"`
}

// Memory holds memory metrics.
type Memory struct {
	PeakMB *Stat `expr:"peak_mb"`
}

// CPU holds CPU metrics.
type CPU struct {
	Percent *Stat `expr:"percent"`
	Seconds *Stat `expr:"seconds"`
}

// Artifact holds the size of one declared artifact.
type Artifact struct {
	MB    *Stat `expr:"mb"`
	Files *Stat `expr:"files"`
}

// Env is what a rule sees for one cell.
type Env struct {
	Provider string            `expr:"provider"`
	Model    string            `expr:"model"`
	Matrix   map[string]string `expr:"matrix"`
	Runs     int               `expr:"runs"`     // measured runs that finished ok
	Failures int               `expr:"failures"` // measured runs that did not

	Total  Totals `expr:"total"`
	Cost   *Stat  `expr:"cost"` // USD per workflow
	Memory Memory `expr:"memory"`
	CPU    CPU    `expr:"cpu"`

	PhaseOf    func(name string) *Phase    `expr:"phase"`
	ArtifactOf func(name string) *Artifact `expr:"artifact"`
	MetricOf   func(name string) *Stat     `expr:"metric"`

	// Delta compares the cell with the same cell of the spec's baseline;
	// nil without a baseline or when the baseline lacks the cell.
	Delta *Delta `expr:"delta"`
}

// Change is one metric of a cell compared with the baseline: centers are
// medians, pct = (new-old)/old*100, significant by a Mann-Whitney U test at
// alpha 0.05.
type Change struct {
	Old         float64 `expr:"old"`
	New         float64 `expr:"new"`
	Pct         float64 `expr:"pct"`
	P           float64 `expr:"p"`
	Significant bool    `expr:"significant"`
}

// Delta is the baseline comparison a rule sees as delta.
type Delta struct {
	Total   DeltaTotals                   `expr:"total"`
	Cost    *Change                       `expr:"cost"`
	Memory  DeltaMemory                   `expr:"memory"`
	CPU     DeltaCPU                      `expr:"cpu"`
	PhaseOf func(name string) *DeltaPhase `expr:"phase"`
}

// DeltaTotals are whole-run changes.
type DeltaTotals struct {
	Time         *Change `expr:"time"`
	Tokens       *Change `expr:"tokens"`
	InputTokens  *Change `expr:"input_tokens"`
	OutputTokens *Change `expr:"output_tokens"`
}

// DeltaPhase holds one phase's changes.
type DeltaPhase struct {
	Time         *Change `expr:"time"`
	Tokens       *Change `expr:"tokens"`
	InputTokens  *Change `expr:"input_tokens"`
	OutputTokens *Change `expr:"output_tokens"`
	Cost         *Change `expr:"cost"`
}

// DeltaMemory holds the memory change.
type DeltaMemory struct {
	PeakMB *Change `expr:"peak_mb"`
}

// DeltaCPU holds CPU changes.
type DeltaCPU struct {
	Percent *Change `expr:"percent"`
	Seconds *Change `expr:"seconds"`
}

// Names lists what a spec declares, so rules naming anything else are
// rejected at load.
type Names struct {
	Phases    []string
	Artifacts []string
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

// fieldsOf names each environment type as a user writes it, with its fields.
var fieldsOf = map[string]string{
	"rules.Env":         "the rule environment (provider, model, matrix, runs, failures, total, cost, memory, cpu, phase(), artifact(), metric(), delta)",
	"rules.Delta":       "delta (total, cost, memory, cpu, phase())",
	"rules.DeltaTotals": "delta.total (time, tokens, input_tokens, output_tokens)",
	"rules.DeltaPhase":  "delta.phase(...) (time, tokens, input_tokens, output_tokens, cost)",
	"rules.DeltaMemory": "delta.memory (peak_mb)",
	"rules.DeltaCPU":    "delta.cpu (percent, seconds)",
	"rules.Change":      "a change (old, new, pct, p, significant)",
	"*rules.Change":     "a change (old, new, pct, p, significant)",
	"rules.Totals":      "total (time, tokens, input_tokens, output_tokens)",
	"rules.Phase":       "phase(...) (time, tokens, input_tokens, output_tokens, cost)",
	"rules.Stat":        "a statistic (n, mean, stddev, min, max, median, p95)",
	"*rules.Stat":       "a statistic (n, mean, stddev, min, max, median, p95)",
	"rules.Memory":      "memory (peak_mb)",
	"rules.CPU":         "cpu (percent, seconds)",
	"rules.Artifact":    "artifact(...) (mb, files)",
}

var noFieldRE = regexp.MustCompile(`^type (\S+) has no field (\S+)`)

var mismatchRE = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (\S+) and (\S+)\)`)

// typeWords names an expr type as the spec author sees it.
func typeWords(t string) string {
	switch t {
	case "int", "float64", "int64":
		return "a number"
	case "string":
		return "text"
	case "bool":
		return "true/false"
	}
	if what, ok := fieldsOf[t]; ok {
		return what
	}
	return t
}

// mismatchHint says how to turn the non-number side into a number.
func mismatchHint(a, b string) string {
	for _, t := range []string{a, b} {
		switch strings.TrimPrefix(t, "*") {
		case "rules.Stat":
			return ": pick one value of the statistic, e.g. total.time.mean < 300"
		case "rules.Phase", "rules.DeltaPhase":
			return `: pick a measure and a value, e.g. phase("Name").time.mean < 60`
		case "rules.Change":
			return ": pick a value of the change, e.g. delta.total.time.pct < 10"
		case "rules.Totals":
			return ": pick a measure and a value, e.g. total.tokens.mean < 30000"
		}
	}
	return ""
}

// explain rewrites expr's Go type names into the names a spec author uses.
func explain(msg string) string {
	if m := mismatchRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s compares %s with %s%s", m[1], typeWords(m[2]), typeWords(m[3]), mismatchHint(m[2], m[3]))
	}
	if m := noFieldRE.FindStringSubmatch(msg); m != nil {
		if what, ok := fieldsOf[m[1]]; ok {
			return fmt.Sprintf("unknown name %q in %s", m[2], what)
		}
	}
	if strings.HasPrefix(msg, "unknown name") {
		return msg + "; known: " + strings.TrimPrefix(fieldsOf["rules.Env"], "the rule environment ")
	}
	return msg
}

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
// target. Rules that are not a single comparison give an error.
func Left(prog *vm.Program, env Env) (value any, source string, err error) {
	bin, ok := prog.Node().(*ast.BinaryNode)
	if !ok {
		return nil, "", errors.New("not a comparison")
	}
	switch bin.Operator {
	case "<", "<=", ">", ">=", "==", "!=":
	default:
		return nil, "", errors.New("not a comparison")
	}
	source = bin.Left.String()
	left, err := expr.Compile(source, expr.Env(Env{}))
	if err != nil {
		return nil, "", err
	}
	value, err = expr.Run(left, env)
	return value, source, err
}

// UnitOf tells the unit of a value a rule reads, from its path:
// "s", "USD", "tokens", "MB", "%" or "" (a count, a score).
func UnitOf(path string) string {
	switch {
	case strings.HasSuffix(path, ".n"):
		return ""
	case strings.HasPrefix(path, "delta.") && strings.Contains(path, ".pct"):
		return "%"
	case strings.Contains(path, "cost"):
		return "USD"
	case strings.Contains(path, ".time") || strings.Contains(path, "cpu.seconds"):
		return "s"
	case strings.Contains(path, "tokens"):
		return "tokens"
	case strings.Contains(path, "peak_mb") || strings.Contains(path, ".mb"):
		return "MB"
	case strings.Contains(path, "percent"):
		return "%"
	}
	return ""
}
