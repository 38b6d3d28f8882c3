// Package spec loads a benchmark spec: strict YAML decoding with positions,
// defaults, validation, compiled expressions and parsed templates. It never
// runs anything.
package spec

import (
	"maps"
	"regexp"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/runner-bench/runner/runner/llmapi"
)

// Spec is a loaded, validated benchmark spec.
type Spec struct {
	Name        string            `yaml:"name"`
	Title       string            `yaml:"title"`
	Description string            `yaml:"description"`
	Runs        int               `yaml:"runs"`
	Warmup      int               `yaml:"warmup"`
	Cooldown    Duration          `yaml:"cooldown"`
	Timeout     Duration          `yaml:"timeout"` // default DefaultTimeout
	Concurrency int               `yaml:"concurrency"`
	Order       Order             `yaml:"order"`
	Vars        map[string]string `yaml:"vars"`
	Setup       Commands          `yaml:"setup"`
	Prepare     Commands          `yaml:"prepare"`
	Cleanup     Commands          `yaml:"cleanup"`
	// CleanupTimeout bounds each cleanup command (default DefaultCleanupTimeout).
	CleanupTimeout Duration            `yaml:"cleanup_timeout"`
	Command        Template            `yaml:"command"`
	Env            map[string]Template `yaml:"env"`

	Providers []Provider          `yaml:"providers"`
	APIs      APIUpstreams        `yaml:"apis"`
	Matrix    Axes                `yaml:"matrix"`
	Exclude   []map[string]string `yaml:"exclude"`
	MaxCells  int                 `yaml:"max_cells"` // cap on the matrix size before exclude; 0: DefaultMaxCells

	Phases    []string    `yaml:"phases"`
	Extract   Extract     `yaml:"extract"`
	Tokens    TokenSource `yaml:"tokens"`
	Artifacts Artifacts   `yaml:"artifacts"`
	Simulate  Simulate    `yaml:"simulate"`
	// Intercept turns on interception mode (also --intercept): each run gets
	// HTTPS_PROXY/HTTP_PROXY pointing at a loopback forward proxy that
	// answers for the public API hosts with a CA made for this benchmark,
	// so that clients which read no base-URL variable are metered too.
	Intercept bool `yaml:"intercept"`
	// Record writes every call the proxies see into the output folder's
	// cassettes (also --record); Replay answers them from a recording
	// instead of the upstreams (also --replay).
	Record bool    `yaml:"record"`
	Replay *Replay `yaml:"replay"`

	Pricing     Pricing `yaml:"pricing"`
	PricingFile string  `yaml:"pricing_file"`

	Thresholds      []Threshold        `yaml:"thresholds"`
	Recommendations []Recommendation   `yaml:"recommendations"`
	Projections     []Projection       `yaml:"projections"`
	Quality         map[string]float64 `yaml:"quality"`
	Judge           *Judge             `yaml:"judge"`
	Report          Report             `yaml:"report"`
	Output          Template           `yaml:"output"`
	Baseline        string             `yaml:"baseline"`
	History         string             `yaml:"history"` // store: a file path, a postgres:// URL, or "off"
	Budget          Budget             `yaml:"budget"`

	// File is the path the spec was loaded from; Source its bytes after --set.
	File   string `yaml:"-"`
	Source []byte `yaml:"-"`
	// PricingFileInfo names the pricing_file loaded into Pricing, if any.
	PricingFileInfo *PricingFileInfo `yaml:"-"`
	// Warnings are problems that do not stop the spec (an artifact glob
	// that reaches outside the run folder), with their positions.
	Warnings Errors `yaml:"-"`
	// QualityPos is where each quality key was written, for errors found
	// once the matrix is expanded (a key that scores no cell).
	QualityPos map[string]Pos `yaml:"-"`
}

// Judge is a command run after each successful measured run that scores
// the run's output 1-10 (a ::runner:: metric named quality). Its LLM calls
// go through the cell's metering proxy and are accounted apart from the
// run's.
type Judge struct {
	Pos     `yaml:"-"`
	Command Template            `yaml:"command"`
	Timeout Duration            `yaml:"timeout"` // default DefaultJudgeTimeout
	Env     map[string]Template `yaml:"env"`
}

// Pos is a position in the spec file, set for every decoded struct.
type Pos struct{ Line, Col int }

// Provider is one entry of the matrix's first axis.
type Provider struct {
	Pos      `yaml:"-"`
	Name     string              `yaml:"name"`
	Label    string              `yaml:"label"`
	API      llmapi.API          `yaml:"api"` // one of APIs
	BaseURL  string              `yaml:"base_url"`
	Models   []string            `yaml:"models"`
	Requires Requires            `yaml:"requires"`
	Env      map[string]Template `yaml:"env"`
}

// APIUpstreams says where each API's calls go in the cells whose provider
// speaks another API (a cell's own API goes to its provider's base_url): every
// run gets a metering listener for all four APIs.
type APIUpstreams struct {
	OpenAI    APIUpstream `yaml:"openai"`
	Anthropic APIUpstream `yaml:"anthropic"`
	Gemini    APIUpstream `yaml:"gemini"`
	Ollama    APIUpstream `yaml:"ollama"`
}

// APIUpstream is one API's upstream.
type APIUpstream struct {
	BaseURL string `yaml:"base_url"` // "" = the API's public URL
}

// BaseURL returns the base_url set for api, or "".
func (a APIUpstreams) BaseURL(api llmapi.API) string {
	switch api {
	case llmapi.OpenAI:
		return a.OpenAI.BaseURL
	case llmapi.Anthropic:
		return a.Anthropic.BaseURL
	case llmapi.Gemini:
		return a.Gemini.BaseURL
	case llmapi.Ollama:
		return a.Ollama.BaseURL
	}
	return ""
}

// BaseURLs is the configured base URL of each API for the cells of provider
// p: its base_url for its own API, the spec's apis: for the others; ""
// means the API's public one.
func (s *Spec) BaseURLs(p *Provider) map[llmapi.API]string {
	urls := map[llmapi.API]string{}
	for _, api := range llmapi.APIs {
		urls[api] = s.APIs.BaseURL(api)
		if api == p.API && p.BaseURL != "" {
			urls[api] = p.BaseURL
		}
	}
	return urls
}

// Requires lists what a cell needs; an unmet requirement skips the cell.
type Requires struct {
	Env      []string `yaml:"env"`      // variables that must be set and non-empty
	URL      string   `yaml:"url"`      // must answer an HTTP request
	Commands []string `yaml:"commands"` // must be on PATH
}

// Axis is one extra matrix axis; axes keep their YAML order.
type Axis struct {
	Name   string
	Values []string
}

// Axes are the matrix's extra axes in YAML order.
type Axes []Axis

// Extract holds the regexes for workloads that cannot print events.
type Extract struct {
	Phase   *Regexp            `yaml:"phase"`
	Usage   *Regexp            `yaml:"usage"`
	Metrics map[string]*Regexp `yaml:"metrics"`
}

// Regexp is a compiled regular expression with its source.
type Regexp struct {
	*regexp.Regexp
	Pos
}

// Commands are shell commands; one string is a list of one.
type Commands []Template

// Artifacts are the declared artifacts in YAML order.
type Artifacts []Artifact

// Artifact is a named glob or folder whose size is recorded per run.
type Artifact struct {
	Name string
	Path Template
	// Unit is how reports show its size: "KB" or "MB"; "" picks the one
	// that reads best for the sizes measured.
	Unit string
}

// ArtifactUnits are the units an artifact's size may be shown in.
var ArtifactUnits = []string{"KB", "MB"}

// Price is USD per 1M tokens.
type Price struct {
	Input       float64  `yaml:"input" json:"input"`
	Output      float64  `yaml:"output" json:"output"`
	CachedInput *float64 `yaml:"cached_input" json:"cached_input,omitempty"` // nil: cache reads at the input price
	CacheWrite  *float64 `yaml:"cache_write" json:"cache_write,omitempty"`   // nil: cache writes at the input price
}

// PriceEntry is one pricing key (a model name or glob) and its price.
type PriceEntry struct {
	Pattern string `json:"pattern"`
	Price
	Source string `json:"source"` // PriceFromSpec or the pricing file it came from
}

// PriceFromSpec is the Source of a price the spec's pricing: gives.
const PriceFromSpec = "spec"

// FromSpec says the price is the spec's own (a table made by hand, with no
// source, counts as the spec's): it wins over a pricing file's.
func (e PriceEntry) FromSpec() bool { return e.Source == PriceFromSpec || e.Source == "" }

// Pricing is the price table in YAML order.
type Pricing []PriceEntry

// Threshold is one expr rule with target and acceptable levels.
type Threshold struct {
	Pos        `yaml:"-"`
	Name       string `yaml:"name"`
	When       *Expr  `yaml:"when"`
	Target     *Expr  `yaml:"target"`
	Acceptable *Expr  `yaml:"acceptable"`
}

// Recommendation is advice shown when its rule holds for a cell.
type Recommendation struct {
	Pos  `yaml:"-"`
	When *Expr  `yaml:"when"`
	Text string `yaml:"text"`
}

// Expr is a compiled boolean expression with its source and position.
type Expr struct {
	Source  string
	Program *vm.Program
	Pos
}

// Projection is a usage frequency for cost projections.
type Projection struct {
	Pos      `yaml:"-" json:"-"`
	Label    string  `yaml:"label" json:"label"`
	PerMonth float64 `yaml:"per_month" json:"per_month"`
}

// Report configures the Markdown report.
type Report struct {
	Template string `yaml:"template"` // path as written, relative to the spec's folder; "" = embedded default
	File     string `yaml:"file"`
	// Reference names the cell the executive summary and the one-line
	// targets speak for: a provider name, or provider/model (model may be
	// a glob); the first measured cell it matches.
	Reference string `yaml:"reference"`
	// PricesDate and PricesSource say when and where the spec's prices
	// were read, for the report's methodology.
	PricesDate   string `yaml:"prices_date"`
	PricesSource string `yaml:"prices_source"`
	// TemplatePath is Template resolved against the spec's folder.
	TemplatePath string `yaml:"-"`
}

// Budget stops the benchmark before metered cost passes it.
type Budget struct {
	MaxCost float64 `yaml:"max_cost"`
}

// Replay answers every provider from a recording (runner/cassette). In a
// spec, `replay: DIR` is short for `replay: { dir: DIR }`.
type Replay struct {
	Pos     `yaml:"-"`
	Dir     string      `yaml:"dir"`
	Match   MatchMode   `yaml:"match"`   // body | sequence
	Speed   *float64    `yaml:"speed"`   // 1 as recorded; 0 at once
	Missing MissingRule `yaml:"missing"` // reuse | simulate | refuse
}

// Simulate configures the simulated upstream of a dry run.
type Simulate struct {
	Seed   int64               `yaml:"seed"`
	Models map[string]SimModel `yaml:"models"` // key: model name or glob
}

// Model returns the settings of model by llmapi.MatchModel, the rule the
// simulator itself follows.
func (s Simulate) Model(model string) (SimModel, bool) {
	k, ok := llmapi.MatchModel(model, maps.Keys(s.Models))
	return s.Models[k], ok
}

// SimModel is one simulated model's behaviour.
type SimModel struct {
	TTFT            Duration `yaml:"ttft"`
	TokensPerSecond float64  `yaml:"tokens_per_second"`
	OutputTokens    int      `yaml:"output_tokens"`
	ErrorRate429    float64  `yaml:"error_rate_429"`
	ErrorRate500    float64  `yaml:"error_rate_500"`
	TruncateRate    float64  `yaml:"truncate_rate"`
}

// Duration is a Go duration written as a string ("5s", "10m").
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
