package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/llm"
)

// config is the parsed command line of `generate`.
type config struct {
	csv         string
	profile     string
	fitDir      string
	outputDir   string
	provider    string
	model       string
	months      int
	planWeeks   int
	temperature float64 // NaN = provider default
	timeout     time.Duration
}

// parseFlags parses the generate flags. A profile or FIT directory that is
// not given is looked up next to the CSV (test_profile.json, fit_files/).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.csv, "csv", "", "activities CSV (required)")
	fs.StringVar(&c.profile, "profile", "", "athlete profile JSON (default: test_profile.json next to the CSV)")
	fs.StringVar(&c.fitDir, "fit-dir", "", "directory of FIT files (default: fit_files/ next to the CSV, if present)")
	fs.StringVar(&c.outputDir, "output-dir", "output", "where aggregates.json, the HTML reports and sessions/ go")
	fs.StringVar(&c.provider, "provider", "", "LLM provider: "+strings.Join(llm.Providers, ", ")+" (required)")
	fs.StringVar(&c.model, "model", "", "model name (default per provider: gpt-4-turbo, claude-3-5-sonnet-20241022, gemini-1.5-pro, llama3.2:3b)")
	fs.IntVar(&c.months, "period-months", 6, "analyse the last N months up to the newest activity")
	fs.IntVar(&c.planWeeks, "training-plan-weeks", 10, "length of the training plan in weeks")
	fs.Float64Var(&c.temperature, "temperature", math.NaN(), "sampling temperature (default: the provider's)")
	fs.DurationVar(&c.timeout, "timeout", llm.DefaultTimeout, "timeout of one LLM call")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cycling-ai generate --csv FILE --provider NAME [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var problems []string
	if c.csv == "" {
		problems = append(problems, "--csv is required")
	}
	if c.provider == "" {
		problems = append(problems, "--provider is required")
	} else if !slices.Contains(llm.Providers, c.provider) {
		problems = append(problems, fmt.Sprintf("--provider %q is not one of %s", c.provider, strings.Join(llm.Providers, ", ")))
	}
	if c.months < 1 || c.months > 120 {
		problems = append(problems, "--period-months must be 1-120")
	}
	if c.planWeeks < 1 || c.planWeeks > 52 {
		problems = append(problems, "--training-plan-weeks must be 1-52")
	}
	if c.timeout <= 0 {
		problems = append(problems, "--timeout must be positive")
	}
	if len(problems) > 0 {
		return c, errors.New(strings.Join(problems, "; "))
	}
	if c.model == "" {
		c.model = llm.DefaultModels[c.provider]
	}
	dir := filepath.Dir(c.csv)
	if c.profile == "" {
		c.profile = filepath.Join(dir, "test_profile.json")
	}
	if c.fitDir == "" {
		if st, err := os.Stat(filepath.Join(dir, "fit_files")); err == nil && st.IsDir() {
			c.fitDir = filepath.Join(dir, "fit_files")
		}
	}
	return c, nil
}

// temperaturePtr is nil when no temperature was given.
func (c config) temperaturePtr() *float64 {
	if math.IsNaN(c.temperature) {
		return nil
	}
	t := c.temperature
	return &t
}
