package spec

import (
	"bytes"
	"reflect"
	"sort"

	"gopkg.in/yaml.v3"
)

// unmeasured are the top-level spec fields that shape only what is made of the runs
// (verdicts, prices, the report) or how many there are: a benchmark resumed
// with a change to them still measures the same thing.
var unmeasured = map[string]bool{
	"title": true, "description": true, "runs": true, "cooldown": true,
	"thresholds": true, "recommendations": true, "projections": true, "quality": true,
	"report": true, "output": true, "baseline": true, "budget": true,
	"pricing": true, "pricing_file": true,
}

// Diff names the top-level fields in which two spec sources differ, in
// order. Sources that do not parse as YAML mappings differ as a whole ("").
// Both merge (every field must match) and --resume (the measured fields
// must) decide with it.
func Diff(a, b []byte) []string {
	if bytes.Equal(a, b) {
		return nil
	}
	var ma, mb map[string]any
	if yaml.Unmarshal(a, &ma) != nil || yaml.Unmarshal(b, &mb) != nil {
		return []string{""}
	}
	var diff []string
	for k, v := range ma {
		if !reflect.DeepEqual(v, mb[k]) {
			diff = append(diff, k)
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	return diff
}

// MeasuredDiff is Diff less the fields that do not change what a run
// measures.
func MeasuredDiff(a, b []byte) []string {
	var out []string
	for _, k := range Diff(a, b) {
		if !unmeasured[k] {
			out = append(out, k)
		}
	}
	return out
}
