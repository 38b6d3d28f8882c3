package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/events"
	"github.com/runner-bench/runner/examples/cycling-ai/internal/llm"
	"github.com/runner-bench/runner/examples/cycling-ai/internal/report"
)

// rubric is what the judge asks the model to rate the reports against.
//
//go:embed rubric.md
var rubric string

// maxReportChars bounds each report's text in the judge's prompt.
const maxReportChars = 12000

const judgeUsage = "usage: cycling-ai judge --dir RUN_DIR --provider NAME [--model M]"

// runJudge is the `judge` subcommand: it rates the three HTML reports of
// one run against the rubric with an LLM and prints the score as the
// runner's quality metric (see docs/judge.md).
func runJudge(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	fs := flag.NewFlagSet("judge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the run's output folder, holding the HTML reports (required)")
	provider := fs.String("provider", "", "LLM provider of the judge: "+strings.Join(llm.Providers, ", ")+" (required)")
	model := fs.String("model", "", "the judge's model (default per provider)")
	timeout := fs.Duration("timeout", 2*time.Minute, "timeout of the judge's LLM call")
	fs.Usage = func() {
		fmt.Fprintln(stderr, judgeUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *dir == "" || *provider == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "cycling-ai judge: --dir and --provider are required")
		return exitUsage
	}
	client, err := llm.New(*provider, *model, env, &http.Client{Timeout: *timeout})
	if err != nil {
		fmt.Fprintf(stderr, "cycling-ai judge: %v\n", err)
		return exitUsage
	}
	score, reason, err := judge(ctx, client, *dir)
	if err != nil {
		fmt.Fprintf(stderr, "cycling-ai judge: %v\n", err)
		return exitFailure
	}
	if err := events.New(stdout).Metric("quality", score, reason); err != nil {
		fmt.Fprintf(stderr, "cycling-ai judge: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "judge (%s %s): %g/10: %s\n", client.Provider(), client.Model(), score, reason)
	return exitOK
}

var (
	tagRE    = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]+>`)
	scoreRE  = regexp.MustCompile(`(?i)score\W{0,3}\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/\s*10)?`)
	reasonRE = regexp.MustCompile(`(?im)^\s*reason\s*:\s*(.+)$`)
)

// judge asks the model to rate the run's reports and parses its answer.
func judge(ctx context.Context, client llm.Client, dir string) (float64, string, error) {
	var b strings.Builder
	for _, name := range report.Files {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return 0, "", fmt.Errorf("reading the report to judge: %w", err)
		}
		text := strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(string(raw), " "))), " ")
		if len(text) > maxReportChars {
			text = text[:maxReportChars] + " [cut]"
		}
		fmt.Fprintf(&b, "=== %s ===\n%s\n\n", name, text)
	}
	zero := 0.0
	resp, err := client.Chat(ctx, llm.Request{
		System: "You review cycling training reports for a coach. You are strict and brief.",
		Prompt: "Rate the three reports below together against this rubric, with a score from 1 to 10.\n\n" + rubric +
			"\nAnswer with exactly two lines:\nScore: N/10\nReason: one sentence on what most decided the score.\n\n" + b.String(),
		MaxTokens: 200, Temperature: &zero,
	})
	if err != nil {
		return 0, "", err
	}
	return parseVerdict(resp.Text)
}

// parseVerdict reads "Score: N/10" and "Reason: ..." from the model's answer.
func parseVerdict(text string) (float64, string, error) {
	m := scoreRE.FindStringSubmatch(text)
	if m == nil {
		return 0, "", fmt.Errorf("the model's answer holds no score: %q", trimText(text, 200))
	}
	score, err := strconv.ParseFloat(m[1], 64)
	if err != nil || score < 1 || score > 10 {
		return 0, "", fmt.Errorf("the model's score %q is not 1 to 10", m[1])
	}
	reason := ""
	if r := reasonRE.FindStringSubmatch(text); r != nil {
		reason = trimText(strings.TrimSpace(r[1]), 300)
	}
	return score, reason, nil
}

func trimText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
