package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/analysis"
	"github.com/runner-bench/runner/examples/cycling-ai/internal/data"
	"github.com/runner-bench/runner/examples/cycling-ai/internal/events"
	"github.com/runner-bench/runner/examples/cycling-ai/internal/llm"
	"github.com/runner-bench/runner/examples/cycling-ai/internal/report"
)

// The phase names the runner's specs refer to.
const (
	phaseData     = "Data Preparation"
	phaseAnalysis = "Performance Analysis"
	phasePlanning = "Training Planning"
	phaseReport   = "Report Generation"
)

// workflow is one `generate` run.
type workflow struct {
	cfg     config
	out     io.Writer // human progress lines and events
	ev      *events.Emitter
	client  llm.Client
	session *session
	open    string // the phase in progress
	saved   bool   // session transcript written
}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "cycling-ai: %v\n", err)
		return exitUsage
	}
	client, err := llm.New(cfg.provider, cfg.model, env, &http.Client{Timeout: cfg.timeout})
	if err != nil {
		fmt.Fprintf(stderr, "cycling-ai: %v\n", err)
		return exitUsage
	}
	w := &workflow{cfg: cfg, out: stdout, ev: events.New(stdout), client: client, session: newSession(cfg)}
	if err := w.run(ctx); err != nil {
		if w.open != "" {
			fmt.Fprintf(stderr, "cycling-ai: %s failed: %v\n", w.open, err)
		} else {
			fmt.Fprintf(stderr, "cycling-ai: %v\n", err)
		}
		return exitFailure
	}
	return exitOK
}

func (w *workflow) printf(format string, args ...any) {
	fmt.Fprintf(w.out, format+"\n", args...)
}

// phase runs fn as the named phase, with start and end events.
func (w *workflow) phase(n int, name string, fn func() error) error {
	w.open = name
	if err := w.ev.PhaseStart(name); err != nil {
		return err
	}
	w.printf("==> Phase %d/4: %s", n, name)
	start := time.Now()
	if err := fn(); err != nil {
		return err
	}
	if err := w.ev.PhaseEnd(name); err != nil {
		return err
	}
	w.printf("    %s done in %s", name, time.Since(start).Round(time.Millisecond))
	w.open = ""
	return nil
}

func (w *workflow) run(ctx context.Context) (err error) {
	cfg := w.cfg
	w.printf("cycling-ai: %s / %s, last %d months, %d-week plan, output in %s", cfg.provider, cfg.model, cfg.months, cfg.planWeeks, cfg.outputDir)
	if err := os.MkdirAll(cfg.outputDir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	defer func() {
		// After a failure, keep the transcript of whatever ran.
		if err != nil && len(w.session.Calls) > 0 && !w.saved {
			if path, serr := w.session.write(cfg.outputDir); serr == nil {
				w.printf("    partial session transcript: %s", path)
			}
		}
	}()

	var agg *analysis.Aggregates
	if err := w.phase(1, phaseData, func() error {
		agg, err = w.prepare()
		return err
	}); err != nil {
		return err
	}

	var analysisText, planText, summaryText string
	if err := w.phase(2, phaseAnalysis, func() error {
		analysisText, err = w.ask(ctx, phaseAnalysis, analysisPrompt(agg), 2048)
		return err
	}); err != nil {
		return err
	}
	if err := w.phase(3, phasePlanning, func() error {
		planText, err = w.ask(ctx, phasePlanning, planPrompt(agg, analysisText, cfg.planWeeks), 4096)
		return err
	}); err != nil {
		return err
	}
	return w.phase(4, phaseReport, func() error {
		summaryText, err = w.ask(ctx, phaseReport, summaryPrompt(agg, analysisText, planText, cfg.planWeeks), 1536)
		if err != nil {
			return err
		}
		files, err := report.Write(cfg.outputDir, report.Data{
			Generated: time.Now().UTC().Format("2006-01-02 15:04 MST"),
			Provider:  cfg.provider, Model: cfg.model, Agg: agg,
			Analysis: analysisText, Plan: planText, Summary: summaryText, PlanWeeks: cfg.planWeeks,
		})
		if err != nil {
			return err
		}
		for _, f := range files {
			w.printf("    wrote %s", f)
		}
		path, err := w.session.write(cfg.outputDir)
		if err != nil {
			return err
		}
		w.saved = true
		w.printf("    session transcript: %s", path)
		return nil
	})
}

// prepare is Phase 1: load, validate and aggregate the data.
func (w *workflow) prepare() (*analysis.Aggregates, error) {
	cfg := w.cfg
	acts, err := data.LoadActivities(cfg.csv)
	if err != nil {
		return nil, err
	}
	w.printf("    %d activities from %s", len(acts), cfg.csv)
	profile, err := data.LoadProfile(cfg.profile)
	if err != nil {
		return nil, err
	}
	w.printf("    athlete %s: FTP %.0f W, LTHR %.0f bpm, max HR %.0f bpm", profile.Name, profile.FTP, profile.LTHR, profile.MaxHR)
	var rides []data.Ride
	if cfg.fitDir != "" {
		rides, err = data.LoadFITDir(cfg.fitDir)
		if err != nil {
			return nil, err
		}
		samples := 0
		for _, r := range rides {
			samples += len(r.Samples)
		}
		w.printf("    %d FIT files from %s (%d records)", len(rides), cfg.fitDir, samples)
	} else {
		w.printf("    no FIT directory: zones and best efforts will be empty")
	}
	agg, err := analysis.Analyze(analysis.Input{Activities: acts, Profile: profile, Rides: rides, PeriodMonths: cfg.months})
	if err != nil {
		return nil, err
	}
	for _, warning := range agg.Warnings {
		w.printf("    warning: %s", warning)
	}
	w.printf("    period %s to %s: %d rides, %.1f h, %.0f km, %.0f TSS; CTL %.1f ATL %.1f TSB %.1f",
		agg.Period.From, agg.Period.To, agg.Totals.Rides, agg.Totals.Hours, agg.Totals.Km, agg.Totals.TSS,
		agg.Current.CTL, agg.Current.ATL, agg.Current.TSB)
	path := filepath.Join(cfg.outputDir, "aggregates.json")
	raw, err := json.MarshalIndent(agg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode aggregates: %w", err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write aggregates: %w", err)
	}
	w.printf("    wrote %s", path)
	return agg, nil
}

// ask sends one prompt, reports its usage event and records the exchange.
func (w *workflow) ask(ctx context.Context, phase string, p prompt, maxTokens int) (string, error) {
	w.printf("    asking %s (%s) at %s: %d characters of prompt", w.client.Provider(), w.client.Model(), w.client.Endpoint(), len(p.system)+len(p.user))
	req := llm.Request{System: p.system, Prompt: p.user, MaxTokens: maxTokens, Temperature: w.cfg.temperaturePtr()}
	start := time.Now()
	resp, err := w.client.Chat(ctx, req)
	elapsed := time.Since(start)
	w.session.add(phase, req, resp, elapsed, err)
	if err != nil {
		return "", err
	}
	if err := w.ev.Usage(w.client.Provider(), w.client.Model(), resp.Usage); err != nil {
		return "", err
	}
	w.printf("    answer in %s: %d input tokens (%d cached), %d output tokens, %d characters",
		elapsed.Round(time.Millisecond), resp.Usage.InputTokens, resp.Usage.CachedInputTokens, resp.Usage.OutputTokens, len(resp.Text))
	if resp.Text == "" {
		return "", fmt.Errorf("%s returned an empty answer", w.client.Provider())
	}
	return resp.Text, nil
}
