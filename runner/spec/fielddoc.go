package spec

// The documentation of every spec key lives here, and only here: the JSON
// Schema (`runner schema`, spec.schema.json) takes its descriptions from
// these tables, and docs/spec.md's field reference is generated from them
// (with the type, taken from the Go type, and the default and example
// written here).
//
// Adding a field to a spec type? Add its entry to fieldDocs under
// "Type.yaml_key", then refresh the generated files:
//
//	go test ./runner/spec -update
//
// TestFieldDocs fails for a key without an entry, and for an entry whose key
// no longer exists.

// FieldDoc documents one key of the spec.
type FieldDoc struct {
	Desc    string // what the key does, in a sentence or three
	Default string // the value when the key is left out (Markdown: literals in backticks); "" when none
	Example string // YAML as written in a spec (under its parent key for nested keys)
}

// fieldDocs documents each key, as "Type.yaml_key".
var fieldDocs = map[string]FieldDoc{
	// Spec: the top level.
	"Spec.name": {
		Desc:    "Short name of the benchmark, made of [a-z0-9_-]; names the output folder.",
		Example: "name: phase4c",
	},
	"Spec.title": {
		Desc:    "Title of the report.",
		Default: "the name",
		Example: "title: Performance Benchmarks - Multi-Agent Workflow",
	},
	"Spec.description": {
		Desc:    "Free text shown at the top of the report (the test data, the setup).",
		Example: "description: |\n  220 cycling activities, 6 months, 42 FIT files.",
	},
	"Spec.runs": {
		Desc:    "Measured runs per cell. `--runs N` overrides it. Six or more give each median a 95% confidence interval.",
		Default: "`3`",
		Example: "runs: 5",
	},
	"Spec.warmup": {
		Desc:    "Unmeasured runs of each cell before its measured runs (recorded, never in the statistics).",
		Default: "`0`",
		Example: "warmup: 1",
	},
	"Spec.cooldown": {
		Desc:    "Pause between two runs of a cell, e.g. to stay under a provider's rate limit. A dry run skips it.",
		Default: "`0` (none)",
		Example: "cooldown: 5s",
	},
	"Spec.timeout": {
		Desc:    "Longest a run (and each setup and prepare command) may take; then every process of the run is killed and the run recorded as `timeout`. Must be more than 0: there is no unlimited run (`timeout: 0s` is an error; leave it out for the default).",
		Default: "`30m`",
		Example: "timeout: 10m",
	},
	"Spec.concurrency": {
		Desc:    "How many cells run at the same time. The runs of one cell always run one after another.",
		Default: "`1`",
		Example: "concurrency: 2",
	},
	"Spec.order": {
		Desc:    "`sequential` runs all runs of a cell before the next cell; `interleaved` alternates cells run by run, so drift and rate limits do not all fall on one provider (with concurrency 1).",
		Default: "`sequential`",
		Example: "order: interleaved",
	},
	"Spec.vars": {
		Desc:    "Free values for templates (`{{ .vars.NAME }}`). `--set NAME=VALUE` overrides one; `--set` of a name not declared here is an error.",
		Example: "vars:\n  csv: examples/data/real_activities.csv",
	},
	"Spec.setup": {
		Desc:    "Commands run once before any run, unmeasured (e.g. a build). Output goes to logs/setup.log; a failure stops the benchmark.",
		Example: "setup: [ \"go build -o {{ .tmp }}/app ./cmd/app\" ]",
	},
	"Spec.prepare": {
		Desc:    "Commands run before every run (warmups too), unmeasured, e.g. to reset a cache.",
		Example: "prepare: [ \"rm -rf {{ .tmp }}/cache\" ]",
	},
	"Spec.cleanup": {
		Desc:    "Commands run once at the end, also after a failure or Ctrl-C. Output goes to logs/cleanup.log.",
		Example: "cleanup: [ \"docker compose down\" ]",
	},
	"Spec.cleanup_timeout": {
		Desc:    "Longest each cleanup command may take (cleanup also runs after Ctrl-C, so a hanging one must not hold the exit). Must be more than 0 (`0s` is an error; leave it out for the default).",
		Default: "`1m`",
		Example: "cleanup_timeout: 2m",
	},
	"Spec.command": {
		Desc:    "The command under test, run once per run with /bin/sh -c in its own process group (where /bin/sh is dash, a command of plain words is started without the shell, exactly as dash would start it, which saves the shell's start-up on short runs). A template: see docs/templates.md for the values it sees.",
		Example: "command: >-\n  python3 workflow.py --provider {{ .provider.api }} --model {{ .model }}\n  --out {{ .run.dir }}",
	},
	"Spec.env": {
		Desc:    "Environment variables added to every run (values are templates). A provider's own env wins over these.",
		Example: "env:\n  PYTHONUNBUFFERED: \"1\"",
	},
	"Spec.providers": {
		Desc:    "The matrix's first axis: each model of each provider is a cell. Without providers there is one cell, provider `default` with api `none`.",
		Example: "providers:\n  - name: anthropic\n    api: anthropic\n    models: [ claude-3-5-sonnet-20241022 ]\n    requires: { env: [ ANTHROPIC_API_KEY ] }",
	},
	"Spec.apis": {
		Desc:    "Where each API's calls go in the cells whose provider speaks another API. Every run gets a metering listener for all four APIs (a dry run sends them all to the simulator); a cell's own API goes to its provider's base_url (docs/proxy.md).",
		Example: "apis:\n  openai: { base_url: http://localhost:8000 }\n  ollama: { base_url: http://gpu-box:11434 }",
	},
	"Spec.matrix": {
		Desc:    "Extra matrix axes, crossed with provider x model in YAML order. A template reads a cell's value as `{{ .matrix.NAME }}`, a rule as `matrix.NAME`. `provider` and `model` are taken.",
		Example: "matrix:\n  temperature: [0.2, 0.7]",
	},
	"Spec.exclude": {
		Desc:    "Cells to leave out: each entry matches the cells whose axes (provider, model or a matrix axis) have all the values given.",
		Example: "exclude:\n  - { provider: ollama, temperature: 0.7 }",
	},
	"Spec.max_cells": {
		Desc:    "Most cells the matrix may have (providers' models times the extra axes, before exclude); a bigger matrix is an error when the spec loads, so a typo cannot expand into millions of cells.",
		Default: "`10000`",
		Example: "max_cells: 50000",
	},
	"Spec.phases": {
		Desc:    "The workload's phases in order. Rules may name only these in phase(\"...\"); the report lists them in this order. Phases come from events or extract.phase (docs/events.md). \"(other)\" and \"(other phases)\" are the runner's own names and may not be used.",
		Example: "phases: [ Data Preparation, Performance Analysis, Report Generation ]",
	},
	"Spec.extract": {
		Desc:    "Regular expressions that read phases, tokens and metrics from the output of a workload that cannot print ::runner:: events (docs/events.md).",
		Example: "extract:\n  phase: '^\\[(?P<phase>[^\\]]+)\\] started'\n  metrics: { quality: 'Quality score: (?P<value>[0-9.]+)' }",
	},
	"Spec.tokens": {
		Desc:    "Where a run's token totals come from: `proxy` (calls the metering proxy saw), `events` (the workload's usage events or extract.usage), or `auto` (the proxy when it saw calls in that run, else events).",
		Default: "`auto`",
		Example: "tokens: events",
	},
	"Spec.artifacts": {
		Desc:    "Files whose size is recorded after each run: name to a glob (total size and count of the matching files) or a folder (its size, recursively), or to `{ path: GLOB, unit: KB }` to choose the unit the report shows its size in (`KB` or `MB`; by default KB when every cell's mean is under 1 MB, else MB). Rules read them as artifact(\"NAME\").mb and .files, in MB whatever the unit.",
		Example: "artifacts:\n  reports: { path: \"{{ .run.dir }}/*.html\", unit: KB }\n  sessions: \"{{ .run.dir }}/sessions\"",
	},
	"Spec.simulate": {
		Desc:    "How the built-in simulator answers in a dry run (--dry-run, runner sim --spec): per model, latency, speed, output length and error rates. It answers tool calls with arguments that satisfy the tool's schema, structured output that satisfies its schema, embeddings, model lists and token counts, in each API's own format.",
		Example: "simulate:\n  seed: 42\n  models:\n    \"claude-*\": { ttft: 400ms, tokens_per_second: 80, output_tokens: 900 }",
	},
	"Spec.intercept": {
		Desc:    "Interception mode (also --intercept), for clients that read no base-URL variable: each run gets HTTPS_PROXY/HTTP_PROXY pointing at a loopback forward proxy that answers for the known API hosts with a CA made for this benchmark (its certificate in NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE; its key never written) and meters their calls; other hosts are tunnelled untouched (docs/clients.md).",
		Default: "`false`",
		Example: "intercept: true",
	},
	"Spec.record": {
		Desc:    "Record every call the metering proxies see, metered or passed through (also --record): request, status, the headers a client needs and the response chunk by chunk with its time, into the output folder's cassettes/<cell>/run<N>.jsonl. Keys, auth headers and cookies are never written. A later benchmark answers from them with `replay` (docs/replay.md).",
		Default: "`false`",
		Example: "record: true",
	},
	"Spec.replay": {
		Desc:    "Answer every provider from a recording instead of its upstream (also --replay DIR): offline and free, with the recorded answers, tokens and timings. Every output is marked REPLAYED. `replay: DIR` is short for `replay: { dir: DIR }` (docs/replay.md).",
		Example: "replay:\n  dir: outputs/phase4c/main\n  match: sequence\n  speed: 0",
	},
	"Spec.pricing": {
		Desc:    "Prices in USD per 1M tokens, per model name or glob (an exact name wins, then the longest glob, as in simulate.models). A model without a price has no cost: rules on cost are N/A for it, and validate warns of it; a key that matches no model of the matrix is warned about at its line (with a \"did you mean\"), a glob that cannot match is an error.",
		Example: "pricing:\n  claude-3-5-sonnet-20241022: { input: 3.00, output: 15.00, cached_input: 0.30 }\n  \"llama*\": { input: 0, output: 0 }",
	},
	"Spec.pricing_file": {
		Desc:    "A LiteLLM model_prices_and_context_window.json (USD per token) pricing the models `pricing` does not list; `pricing` always wins. The path is relative to the current folder; the summary records the file and its sha256.",
		Example: "pricing_file: model_prices_and_context_window.json",
	},
	"Spec.thresholds": {
		Desc:    "Rules judged per cell: PASS when target holds, ACCEPTABLE when acceptable holds, else FAIL; N/A when `when` is false or a value is missing. A failed threshold makes the exit code 1 (docs/rules.md).",
		Example: "thresholds:\n  - name: Total Time\n    target: total.time.mean < 300\n    acceptable: total.time.mean < 420",
	},
	"Spec.recommendations": {
		Desc:    "Advice shown in the report for every cell whose `when` rule holds.",
		Example: "recommendations:\n  - when: phase(\"Report Generation\").tokens.mean > 10000\n    text: Report generation dominates tokens; trim the prompt.",
	},
	"Spec.projections": {
		Desc:    "Usage frequencies for the monthly cost projections of the report and the workbook.",
		Example: "projections:\n  - { label: 1/week, per_month: 4 }\n  - { label: 1/day, per_month: 30 }",
	},
	"Spec.quality": {
		Desc:    "Typed quality scores (0 to 10) for the report's Quality Score column and provider recommendations, keyed by cell ID, model, provider name or a glob of cell IDs or models. A key naming the cell or its model exactly wins; then the longest matching glob, a provider name counting as the glob of its cells (`anthropic` as `anthropic_*`): `claude-3-haiku*` beats `anthropic`, which beats `*`. A key that scores no cell is an error. A judge's mean score, or a `quality` metric reported by the runs, wins over it; the report says which it shows.",
		Example: "quality:\n  anthropic: 8\n  claude-3-haiku-20240307: 6.5\n  \"openai_*_temperature-0.7\": 7",
	},
	"Spec.judge": {
		Desc:    "A command run after each successful measured run that scores the run's output 1 to 10 by printing `::runner::{\"event\":\"metric\",\"name\":\"quality\",\"value\":8,\"reason\":\"...\"}`. It sees the run's template values (.run.dir, .provider, .model, ...) plus .run.log and .artifacts, and the variables RUNNER_RUN_DIR, RUNNER_ARTIFACT_<NAME>, RUNNER_RUN_LOG (docs/judge.md). Its LLM calls go through the cell's metering proxy (in a dry run: the simulator) and are accounted apart, as judge tokens and cost, never in the run's. A judge that fails or prints no score leaves the run as it was, without a score, and says why.",
		Example: "judge:\n  command: ./judge --dir {{ .run.dir }} --model claude-3-5-sonnet-20241022\n  timeout: 2m",
	},
	"Spec.report": {
		Desc:    "The Markdown report: its template and file name.",
		Example: "report:\n  file: BENCHMARKS.md",
	},
	"Spec.output": {
		Desc:    "The output folder, a template that sees .spec, .vars and .started. `--output DIR` overrides it.",
		Default: "`" + DefaultOutput + "`",
		Example: "output: results/{{ .spec.name }}/{{ .started.Format \"2006-01-02\" }}",
	},
	"Spec.baseline": {
		Desc:    "A previous output folder to compare every cell with: rules may then read delta.* (docs/rules.md), and the report shows the changes. Relative to the current folder.",
		Example: "baseline: outputs/phase4c/20260101-120000",
	},
	"Spec.history": {
		Desc:    "The history store every benchmark of this spec is kept in (docs/history.md): a SQLite file path (relative to the current folder), a `postgres://` URL (give the password in PGPASSWORD or ~/.pgpass, never here), or `off`. `--history` and `--no-history` override it; without either, the `RUNNER_HISTORY` variable, then `.runner/history.db`.",
		Default: "`.runner/history.db`",
		Example: "history: postgres://bench@db.internal:5432/benchmarks",
	},
	"Spec.budget": {
		Desc:    "Spending limit of one benchmark (or one shard).",
		Example: "budget: { max_cost: 5.00 }",
	},

	// Provider: one entry of providers.
	"Provider.name": {
		Desc:    "Name of the provider, made of [a-z0-9_-]; used in cell IDs, rules (`provider == \"openai\"`) and --only.",
		Example: "name: mistral",
	},
	"Provider.label": {
		Desc:    "Name shown in reports.",
		Default: "the name",
		Example: "label: Anthropic Claude",
	},
	"Provider.api": {
		Desc:    "The API the provider speaks, for the metering proxy and the simulator; `none` runs without a proxy (a tool, a local library).",
		Default: "the name when it is one of the APIs, else `none`",
		Example: "api: openai",
	},
	"Provider.base_url": {
		Desc:    "Where the proxy forwards the calls of this provider's API. An OpenAI base URL without a path gets /v1; one with a path is kept as given (https://api.mistral.ai/v1, https://api.groq.com/openai/v1). Ignored in a dry run.",
		Default: "the API's public URL (https://api.openai.com/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com, http://127.0.0.1:11434)",
		Example: "base_url: https://api.mistral.ai/v1",
	},
	"Provider.models": {
		Desc:    "Models to benchmark; each is a cell. Without models the provider is one cell with an empty model.",
		Example: "models: [ mistral-large-latest, mistral-small-latest ]",
	},
	"Provider.requires": {
		Desc:    "What the provider's cells need; when a requirement is unmet the cells are skipped with the reason (exit code 4 when every cell is skipped). Not checked in a dry run.",
		Example: "requires: { env: [ MISTRAL_API_KEY ] }",
	},
	"Provider.env": {
		Desc:    "Environment variables added to this provider's runs (templates; they win over the spec's env), e.g. to map the provider's key to the variable the client reads.",
		Example: "env:\n  OPENAI_API_KEY: '{{ .env.MISTRAL_API_KEY }}'",
	},

	// APIUpstreams and APIUpstream: the apis key.
	"APIUpstreams.openai":    {Desc: "Where OpenAI calls of cells of other APIs go.", Example: "openai: { base_url: http://localhost:8000 }"},
	"APIUpstreams.anthropic": {Desc: "Where Anthropic calls of cells of other APIs go.", Example: "anthropic: { base_url: https://api.anthropic.com }"},
	"APIUpstreams.gemini":    {Desc: "Where Gemini calls of cells of other APIs go.", Example: "gemini: { base_url: https://generativelanguage.googleapis.com }"},
	"APIUpstreams.ollama":    {Desc: "Where Ollama calls of cells of other APIs go.", Example: "ollama: { base_url: http://gpu-box:11434 }"},
	"APIUpstream.base_url": {
		Desc:    "The API's upstream base URL. An OpenAI base URL without a path gets /v1; one with a path is kept as given.",
		Default: "the API's public URL",
		Example: "base_url: http://localhost:8000",
	},

	// Requires: a provider's requirements.
	"Requires.env": {
		Desc:    "Environment variables that must be set and not empty.",
		Example: "env: [ OPENAI_API_KEY ]",
	},
	"Requires.url": {
		Desc:    "A URL that must answer an HTTP request (any status) within 2 seconds.",
		Example: "url: http://localhost:11434",
	},
	"Requires.commands": {
		Desc:    "Commands that must be on PATH.",
		Example: "commands: [ ollama ]",
	},

	// Extract: regexes over the output.
	"Extract.phase": {
		Desc:    "A match starts the phase named by the group (?P<phase>...); the next phase or the exit ends it.",
		Example: "phase: '^\\[(?P<phase>[^\\]]+)\\] started'",
	},
	"Extract.usage": {
		Desc:    "A match is one call's tokens: groups (?P<input_tokens>...) and/or (?P<output_tokens>...), optionally cached_input_tokens, cache_write_tokens, reasoning_tokens, phase, model, provider.",
		Example: "usage: 'tokens in=(?P<input_tokens>[\\d,]+) out=(?P<output_tokens>[\\d,]+)'",
	},
	"Extract.metrics": {
		Desc:    "Metric name to a regex whose group (?P<value>...) is a number; rules read metric(\"NAME\").",
		Example: "metrics:\n  quality: 'Quality score: (?P<value>[0-9.]+)'",
	},

	// Price: one pricing entry, USD per 1M tokens.
	"Price.input": {
		Desc:    "USD per 1M input tokens (the uncached part of the prompt).",
		Example: "input: 3.00",
	},
	"Price.output": {
		Desc:    "USD per 1M output tokens (reasoning tokens included).",
		Example: "output: 15.00",
	},
	"Price.cached_input": {
		Desc:    "USD per 1M input tokens read from the provider's prompt cache.",
		Default: "the input price",
		Example: "cached_input: 0.30",
	},
	"Price.cache_write": {
		Desc:    "USD per 1M input tokens written to the provider's prompt cache.",
		Default: "the input price",
		Example: "cache_write: 3.75",
	},

	// Threshold: one rule of thresholds.
	"Threshold.name": {
		Desc:    "Name of the rule in the report; unique.",
		Example: "name: Total Time",
	},
	"Threshold.when": {
		Desc:    "A rule that selects the cells this threshold applies to; the others get N/A.",
		Example: "when: provider == \"anthropic\"",
	},
	"Threshold.target": {
		Desc:    "The rule a cell must meet to PASS.",
		Example: "target: total.time.mean < 300",
	},
	"Threshold.acceptable": {
		Desc:    "A looser rule: a cell that misses the target but meets this is ACCEPTABLE instead of FAIL.",
		Example: "acceptable: total.time.mean < 420",
	},

	// Recommendation: one entry of recommendations.
	"Recommendation.when": {
		Desc:    "The rule that makes the advice apply to a cell.",
		Example: "when: cost.mean > 0.25",
	},
	"Recommendation.text": {
		Desc:    "The advice, as shown in the report.",
		Example: "text: Consider a smaller model for the planning phase.",
	},

	// Projection: one usage frequency.
	"Projection.label": {
		Desc:    "How the frequency is shown.",
		Example: "label: 1/day",
	},
	"Projection.per_month": {
		Desc:    "Workflows per month at this frequency; more than 0.",
		Example: "per_month: 30",
	},

	// Report.
	"Report.template": {
		Desc:    "A text/template file replacing the embedded default report template (docs/templates.md). A relative path is read from the spec's folder; the output folder keeps a copy, so `runner report DIR` renders the same report from anywhere.",
		Default: "the embedded `templates/report.md.tmpl`",
		Example: "template: my-report.md.tmpl",
	},
	"Report.file": {
		Desc:    "File name of the report in the output folder.",
		Default: "`" + DefaultReportFile + "`",
		Example: "file: BENCHMARKS.md",
	},
	"Report.reference": {
		Desc:    "The cell the report's executive summary and one-line targets speak for (total time in minutes, tokens, cost per workflow, rating): a provider name, or provider/model (the model may be a glob); the first measured cell it matches. Without it the executive summary is the table of every cell.",
		Example: "reference: anthropic",
	},
	"Report.prices_date": {
		Desc:    "When the spec's prices were read (free text), shown with the price cards in the report's methodology.",
		Example: "prices_date: 2024-10-22",
	},
	"Report.prices_source": {
		Desc:    "Where the spec's prices come from (free text or a URL), shown with the price cards in the report's methodology.",
		Example: "prices_source: the providers' list prices",
	},

	// Judge: the command that scores each run.
	"Judge.command": {
		Desc:    "The judge's shell command (text/template, run with /bin/sh -c in the output folder's parent, like the run's command).",
		Example: "command: \"{{ .tmp }}/cycling-ai judge --dir {{ .run.dir }} --provider anthropic --model claude-3-5-sonnet-20241022\"",
	},
	"Judge.timeout": {
		Desc:    "Longest one judge command may take; then it is killed and the run keeps no score (the reason says it timed out). Must be more than 0: there is no unlimited judge (`timeout: 0s` is an error; leave it out for the default).",
		Default: "`5m`",
		Example: "timeout: 2m",
	},
	"Judge.env": {
		Desc:    "Variables added to the judge's environment (templated), on top of the run's.",
		Example: "env: { JUDGE_RUBRIC: rubric.md }",
	},

	// Budget.
	"Budget.max_cost": {
		Desc:    "Stop the benchmark before the metered cost (priced with the spec's prices, warmups included) would pass this many USD: no new run starts when the spend so far plus the dearest run so far would pass it; runs in flight finish, and the report says why it stopped. Runs whose cost the proxy could not see (a client that bypasses it, a model without a price) are not counted: the stop message says \"at least\" and the summary warns. 0 is no limit.",
		Default: "`0` (no limit)",
		Example: "max_cost: 5.00",
	},

	// Replay: answering from a recording.
	"Replay.dir": {
		Desc:    "The recording: a benchmark output folder made with `record`, or its cassettes folder. A relative path is read from the current folder.",
		Example: "dir: outputs/phase4c/main",
	},
	"Replay.match": {
		Desc:    "How a request finds its recorded answer within the run's recording: `body` (same API, method, path, model and normalised request body) or `sequence` (same API, method, path and model, next in the order recorded: for prompts that hold timestamps or random ids). A request that matches nothing gets an error in its API's format and counts as unmatched (--replay-match).",
		Default: "`body`",
		Example: "match: sequence",
	},
	"Replay.speed": {
		Desc:    "Replay speed: 1 waits as recorded (first byte, then each chunk at its offset), 2 twice as fast, 0 answers at once (--replay-speed).",
		Default: "`1`",
		Example: "speed: 0",
	},
	"Replay.missing": {
		Desc:    "What answers a run or cell the recording lacks: `reuse` (the cell's recorded runs round-robin: run 4 of a 3-run recording replays run 1; a cell never recorded is skipped), `simulate` (the built-in simulator, with a warning; those runs are marked SIMULATED) or `refuse` (the benchmark does not start).",
		Default: "`reuse`",
		Example: "missing: refuse",
	},

	// Simulate: the dry run's simulator.
	"Simulate.seed": {
		Desc:    "Seed of every simulated answer (text, tool-call arguments, JSON, embeddings, ids): the same seed and the same requests give the same answers; 0 is itself a fixed seed. `runner sim --seed` overrides it.",
		Default: "`0`",
		Example: "seed: 42",
	},
	"Simulate.models": {
		Desc:    "Model name or glob to its simulated behaviour; an exact name wins, then the longest glob. A model no key matches gets a 20 ms first token and 2000 tokens per second, and a dry run warns of it; a key that matches no model of the matrix is warned about at its line, a glob that cannot match is an error.",
		Example: "models:\n  \"gpt-4*\": { ttft: 600ms, tokens_per_second: 40 }",
	},

	// SimModel: one simulated model.
	"SimModel.ttft": {
		Desc:    "Time to the first output token.",
		Default: "`0`",
		Example: "ttft: 400ms",
	},
	"SimModel.tokens_per_second": {
		Desc:    "Output speed after the first token.",
		Default: "`2000`",
		Example: "tokens_per_second: 80",
	},
	"SimModel.output_tokens": {
		Desc:    "Length of a text answer in tokens (capped by the request's max tokens); 0 draws 200 to 600 from the seed and the request. JSON and tool-call answers are as long as their JSON.",
		Default: "`0`",
		Example: "output_tokens: 900",
	},
	"SimModel.error_rate_429": {
		Desc:    "Probability (0 to 1) that a request gets a 429 rate-limit error, in the API's error format.",
		Default: "`0`",
		Example: "error_rate_429: 0.05",
	},
	"SimModel.error_rate_500": {
		Desc:    "Probability (0 to 1) that a request gets a 500 server error, in the API's error format.",
		Default: "`0`",
		Example: "error_rate_500: 0.01",
	},
	"SimModel.truncate_rate": {
		Desc:    "Probability (0 to 1) that a stream is cut about halfway, without its final event.",
		Default: "`0`",
		Example: "truncate_rate: 0.02",
	},
}

// typeDocs describe the value types that are not plain YAML scalars,
// wherever they appear.
var typeDocs = map[string]string{
	"Commands":  "a shell command (text/template) or a list of them",
	"Replay":    "a recording's folder, or a mapping with dir, match, speed and missing",
	"Axes":      "extra matrix axes: axis name to a list of values, crossed in YAML order",
	"Artifacts": "artifact name to a glob or folder (text/template) whose size is recorded per run, or to { path, unit } with unit KB or MB",
	"Pricing":   "USD per 1M tokens; key = model name or glob",
	"Duration":  "a Go duration such as \"5s\" or \"10m\"",
	"Expr":      "an expr-lang rule evaluated per cell, e.g. total.time.mean < 300",
	"Template":  "text/template with sprig functions",
	"Regexp":    "a Go regular expression (RE2)",
}

// fieldDescription is the schema description of a key: its text and, when
// it has one, its default.
func fieldDescription(key string) string {
	d := fieldDocs[key]
	if d.Default != "" {
		return d.Desc + " Default: " + d.Default + "."
	}
	return d.Desc
}
