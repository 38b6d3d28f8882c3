package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/report"
)

func TestParseVerdict(t *testing.T) {
	cases := []struct {
		text   string
		score  float64
		reason string
		bad    bool
	}{
		{"Score: 8/10\nReason: the plan is concrete.", 8, "the plan is concrete.", false},
		{"**Score**: 7.5 / 10\n\nreason:  thin zones ", 7.5, "thin zones", false},
		{"I would rate it highly.", 0, "", true},
		{"Score: 12/10", 0, "", true},
	}
	for _, c := range cases {
		score, reason, err := parseVerdict(c.text)
		if (err != nil) != c.bad || score != c.score || reason != c.reason {
			t.Errorf("parseVerdict(%q) = %v, %q, %v", c.text, score, reason, err)
		}
	}
}

// The judge reads the run's three reports, sends them with the rubric, and
// prints the model's score and reason as the runner's quality metric.
func TestJudgeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	for _, f := range report.Files {
		os.WriteFile(filepath.Join(dir, f), []byte("<html><style>p{}</style><p>"+f+" &amp; 12 weeks</p></html>"), 0o644)
	}
	var prompt string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []struct{ Content string }
		}
		raw, _ := io.ReadAll(r.Body)
		json.Unmarshal(raw, &body)
		if len(body.Messages) > 0 {
			prompt = body.Messages[0].Content
		}
		io.WriteString(w, `{"id":"m","type":"message","role":"assistant","model":"judge-model","content":[{"type":"text","text":"Score: 8/10\nReason: concrete weekly sessions."}],"usage":{"input_tokens":900,"output_tokens":12}}`)
	}))
	defer srv.Close()
	code, stdout, stderr := runCLI(t, envFor(srv), "judge", "--dir", dir, "--provider", "anthropic", "--model", "judge-model")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Accuracy (3 points)", "performance_report.html & 12 weeks", "training_plan.html", "summary.html", "score from 1 to 10"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("the prompt lacks %q:\n%s", want, prompt)
		}
	}
	if strings.Contains(prompt, "p{}") {
		t.Error("the prompt carries the reports' markup")
	}
	if !strings.Contains(stdout, `::runner::{"event":"metric","name":"quality","value":8,"reason":"concrete weekly sessions."}`) {
		t.Errorf("no quality metric event:\n%s", stdout)
	}
	// A run whose reports are missing cannot be judged: exit 1, with why.
	code, _, stderr = runCLI(t, envFor(srv), "judge", "--dir", t.TempDir(), "--provider", "anthropic")
	if code != exitFailure || !strings.Contains(stderr, "performance_report.html") {
		t.Errorf("missing reports: exit %d, %s", code, stderr)
	}
}
