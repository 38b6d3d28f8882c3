package spec

import (
	"slices"

	"github.com/runner-bench/runner/runner/llmapi"
)

// The words a spec chooses from, each a type with one list that the loader
// checks against and the JSON Schema enumerates.

// Order is how the runs of a benchmark follow each other (order:).
type Order string

const (
	Sequential  Order = "sequential"  // each cell's runs together (the default)
	Interleaved Order = "interleaved" // cells alternate run by run
)

// Orders lists every Order.
var Orders = []Order{Sequential, Interleaved}

// TokenSource is where a run's token counts come from (tokens:).
type TokenSource string

const (
	TokensProxy  TokenSource = "proxy"  // the metering proxy
	TokensEvents TokenSource = "events" // the workload's usage events and extract.usage
	TokensAuto   TokenSource = "auto"   // the proxy when it saw calls, else the events (the default)
)

// TokenSources lists every TokenSource.
var TokenSources = []TokenSource{TokensProxy, TokensEvents, TokensAuto}

// MatchMode is how a replayed request finds its recorded answer (replay.match:).
type MatchMode string

const (
	MatchBody     MatchMode = "body"     // API, method, path, model and the normalised body (the default)
	MatchSequence MatchMode = "sequence" // API, method, path and model, in order within the run
)

// MatchModes lists every MatchMode.
var MatchModes = []MatchMode{MatchBody, MatchSequence}

// MissingRule is what answers a cell or run the recording lacks (replay.missing:).
type MissingRule string

const (
	MissingReuse    MissingRule = "reuse"    // another recorded run of the cell, round-robin; a cell never recorded is skipped (the default)
	MissingSimulate MissingRule = "simulate" // the built-in simulator answers it, with a warning; its records are SIMULATED
	MissingRefuse   MissingRule = "refuse"   // the benchmark does not start
)

// MissingRules lists every MissingRule.
var MissingRules = []MissingRule{MissingReuse, MissingSimulate, MissingRefuse}

// APINone is the api: of a provider the runner does not meter (no proxy).
const APINone llmapi.API = "none"

// APIs a provider may speak: the metered ones of llmapi, and none.
var APIs = append(slices.Clone(llmapi.APIs), APINone)

// Words spells a list of a vocabulary type as strings.
func Words[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, w := range list {
		out[i] = string(w)
	}
	return out
}

// ReservedPhases are the names the runner gives its own phase sums
// (record.OtherPhase, record.OtherPhases; spec comes before record in the
// flow): a spec may not declare them, nor a workload start them.
var ReservedPhases = []string{"(other)", "(other phases)"}
