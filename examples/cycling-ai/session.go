package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/llm"
)

// session is the transcript of one run, stored under OUTPUT/sessions/.
type session struct {
	Workflow string        `json:"workflow"`
	Provider string        `json:"provider"`
	Model    string        `json:"model"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Inputs   sessionInputs `json:"inputs"`
	Calls    []sessionCall `json:"calls"`
}

type sessionInputs struct {
	CSV               string `json:"csv"`
	Profile           string `json:"profile"`
	FITDir            string `json:"fit_dir"`
	PeriodMonths      int    `json:"period_months"`
	TrainingPlanWeeks int    `json:"training_plan_weeks"`
}

type sessionCall struct {
	Phase         string    `json:"phase"`
	System        string    `json:"system"`
	Prompt        string    `json:"prompt"`
	Response      string    `json:"response"`
	ResponseModel string    `json:"response_model,omitempty"`
	Usage         llm.Usage `json:"usage"`
	LatencyMS     int64     `json:"latency_ms"`
	Error         string    `json:"error,omitempty"`
}

func newSession(c config) *session {
	return &session{
		Workflow: "cycling-ai generate", Provider: c.provider, Model: c.model, Started: time.Now().UTC(),
		Inputs: sessionInputs{c.csv, c.profile, c.fitDir, c.months, c.planWeeks},
	}
}

func (s *session) add(phase string, req llm.Request, resp llm.Response, elapsed time.Duration, err error) {
	call := sessionCall{
		Phase: phase, System: req.System, Prompt: req.Prompt, Response: resp.Text,
		ResponseModel: resp.Model, Usage: resp.Usage, LatencyMS: elapsed.Milliseconds(),
	}
	if err != nil {
		call.Error = err.Error()
	}
	s.Calls = append(s.Calls, call)
}

// write stores the transcript as sessions/session_<start>.json in dir.
func (s *session) write(dir string) (string, error) {
	s.Finished = time.Now().UTC()
	sessions := filepath.Join(dir, "sessions")
	if err := os.MkdirAll(sessions, 0o755); err != nil {
		return "", fmt.Errorf("create sessions directory: %w", err)
	}
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode session: %w", err)
	}
	path := filepath.Join(sessions, "session_"+s.Started.Format("20060102T150405Z")+".json")
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write session: %w", err)
	}
	return path, nil
}
