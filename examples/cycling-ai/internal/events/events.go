// Package events prints the runner's line protocol: one "::runner::" line
// with a JSON object per event (see docs/events.md).
package events

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/llm"
)

// Prefix starts every event line.
const Prefix = "::runner::"

// Emitter writes events to w, one line each.
type Emitter struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns an emitter writing to w (normally stdout).
func New(w io.Writer) *Emitter { return &Emitter{w: w} }

type phaseEvent struct {
	Event string `json:"event"`
	Phase string `json:"phase"`
}

type usageEvent struct {
	Event             string `json:"event"`
	Provider          string `json:"provider"`
	Model             string `json:"model"`
	InputTokens       int    `json:"input_tokens"`
	OutputTokens      int    `json:"output_tokens"`
	CachedInputTokens int    `json:"cached_input_tokens"`
}

// PhaseStart announces that phase begins (and the open one ends).
func (e *Emitter) PhaseStart(phase string) error {
	return e.emit(phaseEvent{"phase_start", phase})
}

// PhaseEnd announces that phase ended.
func (e *Emitter) PhaseEnd(phase string) error {
	return e.emit(phaseEvent{"phase_end", phase})
}

// Usage reports the tokens of one LLM call; it belongs to the open phase.
func (e *Emitter) Usage(provider, model string, u llm.Usage) error {
	return e.emit(usageEvent{"usage", provider, model, u.InputTokens, u.OutputTokens, u.CachedInputTokens})
}

type metricEvent struct {
	Event  string  `json:"event"`
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Reason string  `json:"reason,omitempty"`
}

// Metric reports a named value, with an optional short reason (a judge's
// score and why).
func (e *Emitter) Metric(name string, value float64, reason string) error {
	return e.emit(metricEvent{"metric", name, value, reason})
}

func (e *Emitter) emit(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := fmt.Fprintf(e.w, "%s%s\n", Prefix, b); err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	return nil
}
