package plan

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/spec"
)

func load(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("t.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const matrixSpec = `name: m
command: x
providers:
  - name: ollama
    models: [ "llama3.2:3b", "qwen" ]
  - name: anthropic
    models: [ claude ]
matrix:
  temperature: [ "0.2", "0.7" ]
exclude: [ { provider: ollama, temperature: "0.7" } ]
`

func ids(cells []Cell) string {
	var out []string
	for _, c := range cells {
		out = append(out, c.ID)
	}
	return strings.Join(out, " ")
}

func TestExpand(t *testing.T) {
	t.Parallel()
	s := load(t, matrixSpec)
	cases := []struct {
		name string
		only []string
		want string
	}{
		{"all less excludes", nil, "ollama_llama3.2-3b_temperature-0.2 ollama_qwen_temperature-0.2 anthropic_claude_temperature-0.2 anthropic_claude_temperature-0.7"},
		{"only a provider", []string{"provider=anthropic"}, "anthropic_claude_temperature-0.2 anthropic_claude_temperature-0.7"},
		{"only provider and model", []string{"provider=ollama,model=qwen"}, "ollama_qwen_temperature-0.2"},
		{"two filters are or'ed", []string{"model=qwen", "temperature=0.7"}, "ollama_qwen_temperature-0.2 anthropic_claude_temperature-0.7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fs []Filter
			for _, o := range c.only {
				f, err := ParseFilter(o)
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, f)
			}
			cells, err := Expand(s, fs)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(cells); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	if _, err := Expand(s, []Filter{{"temp": "1"}}); err == nil {
		t.Error("a filter on an unknown axis should be an error")
	}
	if _, err := Expand(s, []Filter{{"provider": "nobody"}}); err == nil {
		t.Error("an empty matrix should be an error")
	}
}

func TestRequirementsSkipWithReasons(t *testing.T) {
	// A port that refuses connections: listen, note the address, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	t.Setenv("RUNNER_TEST_SET", "yes")
	s := load(t, `name: r
command: x
providers:
  - name: a
    requires: { env: [ RUNNER_TEST_UNSET_VAR ] }
  - name: b
    requires: { commands: [ no-such-command-here ] }
  - name: c
    requires: { url: `+closed+` }
  - name: d
    requires: { env: [ RUNNER_TEST_SET ], commands: [ sh ] }
`)
	cells, err := Expand(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	CheckRequirements(context.Background(), cells)
	want := map[string]string{
		"a": "environment variable RUNNER_TEST_UNSET_VAR is not set",
		"b": `command "no-such-command-here" is not on PATH`,
		"c": closed + " is not reachable",
		"d": "",
	}
	for _, c := range cells {
		w := want[c.ID]
		if w == "" && c.Skip != "" || !strings.HasPrefix(c.Skip, w) {
			t.Errorf("cell %s: skip %q, want %q", c.ID, c.Skip, w)
		}
	}
	pairs := Runs(cells, 3, "sequential", Shard{1, 1})
	if len(pairs) != 3 || pairs[0].Cell.ID != "d" {
		t.Errorf("only cell d should run, 3 times: %d pairs", len(pairs))
	}
}

func TestRunsOrderAndShards(t *testing.T) {
	t.Parallel()
	s := load(t, "name: o\ncommand: x\nproviders: [ { name: a }, { name: b } ]\n")
	cells, _ := Expand(s, nil)
	keys := func(ps []Pair) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Key())
		}
		return strings.Join(out, " ")
	}
	if got := keys(Runs(cells, 2, "sequential", Shard{1, 1})); got != "a#1 a#2 b#1 b#2" {
		t.Errorf("sequential: %s", got)
	}
	if got := keys(Runs(cells, 2, "interleaved", Shard{1, 1})); got != "a#1 b#1 a#2 b#2" {
		t.Errorf("interleaved: %s", got)
	}
	// Shards partition the pairs: together they are every pair, once.
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		for _, p := range Runs(cells, 5, "sequential", Shard{k, 3}) {
			seen[p.Key()]++
		}
	}
	if len(seen) != 10 {
		t.Errorf("shards cover %d pairs, want 10", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s ran %d times across shards", k, n)
		}
	}
	for _, bad := range []string{"0/3", "4/3", "x", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) should fail", bad)
		}
	}
}

// An --only that matches nothing says what the matrix has instead.
func TestOnlyListsWhatExists(t *testing.T) {
	t.Parallel()
	s := load(t, matrixSpec)
	cases := []struct {
		f    Filter
		want []string
	}{
		{Filter{"provider": "anthropc"}, []string{`no provider "anthropc"`, `did you mean "anthropic"?`, "provider values: ollama, anthropic"}},
		{Filter{"temp": "0.2"}, []string{`unknown axis "temp"`, "axes: provider, model, temperature"}},
		{Filter{"model": "gpt"}, []string{`no model "gpt"`, "model values: llama3.2:3b, qwen, claude"}},
		{Filter{"provider": "ollama", "temperature": "0.7"}, []string{"no cell matches", "cells: ollama_llama3.2-3b_temperature-0.2, "}},
	}
	for _, c := range cases {
		_, err := Expand(s, []Filter{c.f})
		if err == nil {
			t.Errorf("%v: no error", c.f)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", c.f, err, w)
			}
		}
	}
}

// Models whose readable names are the same would share logs and results:
// each gets a hash of its exact values, stable whichever cells are selected.
// --only as written on the command line: a value without its axis, an
// axis given twice in one filter, combinations that select nothing.
func TestOnlyAsWritten(t *testing.T) {
	s := load(t, matrixSpec)
	cases := []struct {
		only string
		want []string
	}{
		{"anthropic", []string{"--only anthropic: expected axis=value", "did you mean --only provider=anthropic?"}},
		{"0.7", []string{"did you mean --only temperature=0.7?"}},
		{"anthropc", []string{"did you mean --only provider=anthropic?"}},
		{"zzz", []string{"axes: provider, model, temperature"}},
		{"model=qwen,model=claude", []string{"model is given twice", "--only model=qwen --only model=claude"}},
		{"provider=ollama,temperatur=0.7", []string{`unknown axis "temperatur"`, `did you mean "temperature"?`}},
		{"provider=ollama,model=claude", []string{"no cell matches", "cells: "}},
		{"provider=ollama,temperature=0.9", []string{`no temperature "0.9"`, "temperature values: 0.2, 0.7"}},
	}
	for _, c := range cases {
		f, err := ParseFilter(c.only)
		if err == nil {
			_, err = Expand(s, []Filter{f})
		}
		if err == nil {
			t.Errorf("--only %s: no error", c.only)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("--only %s: error %q lacks %q", c.only, err, w)
			}
		}
	}
}

func TestCellIDsNeverCollide(t *testing.T) {
	t.Parallel()
	s := load(t, `name: m
command: x
providers:
  - name: p
    models: [ "a/b", "a b", "a:b", "a-b", "c" ]
`)
	cells, err := Expand(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, c := range cells {
		if prev, dup := seen[c.ID]; dup {
			t.Errorf("models %q and %q share the ID %q", prev, c.Model, c.ID)
		}
		seen[c.ID] = c.Model
		if c.Model == "c" && c.ID != "p_c" {
			t.Errorf("a cell without a twin keeps its readable ID, got %q", c.ID)
		}
		if c.Model != "c" && !strings.HasPrefix(c.ID, "p_a-b-") {
			t.Errorf("model %q: ID %q should start with the readable p_a-b-", c.Model, c.ID)
		}
	}
	only, err := Expand(s, []Filter{{"model": "a:b"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if c.Model == "a:b" && (len(only) != 1 || only[0].ID != c.ID) {
			t.Errorf("--only model=a:b gives %s, want the same ID as in the whole matrix, %s", ids(only), c.ID)
		}
	}
}

func TestWithWarmups(t *testing.T) {
	t.Parallel()
	a, b := &Cell{ID: "a"}, &Cell{ID: "b"}
	seq := WithWarmups([]Pair{{Cell: a, Index: 1}, {Cell: b, Index: 1}, {Cell: a, Index: 2}}, 2)
	var got []string
	for _, p := range seq {
		got = append(got, p.Key())
	}
	want := "a#w1 a#w2 a#1 b#w1 b#w2 b#1 a#2"
	if strings.Join(got, " ") != want {
		t.Errorf("WithWarmups = %s; want %s", strings.Join(got, " "), want)
	}
}

// A run's name is that of its log and run folder and of its recording; a
// resume runs what is left, in the schedule's order.
func TestPairNamesAndRemaining(t *testing.T) {
	t.Parallel()
	a := &Cell{ID: "a"}
	pairs := []Pair{{Cell: a, Index: 1}, {Cell: a, Index: 2}, {Cell: a, Index: 3}}
	if n, w := pairs[1].Name(), (Pair{Cell: a, Index: 2, Warmup: true}).Name(); n != "run2" || w != "warmup2" {
		t.Errorf("names %q %q", n, w)
	}
	left := Remaining(pairs, map[string]bool{"a#2": true})
	if len(left) != 2 || left[0].Index != 1 || left[1].Index != 3 {
		t.Errorf("remaining %+v", left)
	}
}

// Only a part of several is not recorded alone; "1/1" or none is whole.
func TestIsPart(t *testing.T) {
	t.Parallel()
	for shard, want := range map[string]bool{"": false, "1/1": false, "2/3": true, "x": false} {
		if IsPart(shard) != want {
			t.Errorf("IsPart(%q) = %v", shard, !want)
		}
	}
}
