package cli

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/runner-bench/runner/runner/history"
	"github.com/runner-bench/runner/runner/output"
)

// runIn runs the runner binary in dir with the history variable unset
// (TestMain switches history off for every other test) and returns its
// exit code and output.
func runIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, history.EnvVar+"=") {
			env = append(env, kv)
		}
	}
	return runnerCmd(t, dir, env, args...)
}

// historyStores are the stores the history CLI tests run against: a SQLite
// file, and a database on $RUNNER_TEST_POSTGRES_URL when .ci/run started one.
func historyStores(t *testing.T) map[string]func(t *testing.T) string {
	out := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "history.db") },
	}
	if base := os.Getenv("RUNNER_TEST_POSTGRES_URL"); base != "" {
		out["postgres"] = func(t *testing.T) string { return postgresDatabase(t, base) }
	} else if os.Getenv("RUNNER_REQUIRE_POSTGRES") != "" {
		t.Fatal("RUNNER_REQUIRE_POSTGRES is set but RUNNER_TEST_POSTGRES_URL is not: .ci/run starts PostgreSQL and exports it")
	}
	return out
}

func postgresDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("runner_cli_test_%d_%d", time.Now().UnixNano(), rand.IntN(1e6))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() {
		if admin, err := sql.Open("pgx", base); err == nil {
			admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

const stepSpec = `name: stepper
runs: 3
vars: { d: "0.02" }
command: sleep {{ .vars.d }}
thresholds:
  - name: Against history
    target: history.change.total.time.pct < 10
`

// git runs git in dir.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

type trendJSON struct {
	Cells []struct {
		Cell   string `json:"cell"`
		Points []struct {
			Benchmark string  `json:"benchmark"`
			Commit    string  `json:"commit"`
			Median    float64 `json:"median"`
		} `json:"points"`
		Changes []struct {
			Benchmark string  `json:"benchmark"`
			Commit    string  `json:"commit"`
			Pct       float64 `json:"pct"`
		} `json:"change_points"`
	} `json:"cells"`
}

// Ten benchmarks of a command whose time steps up from the 6th, each at a
// new commit: the trend has ten points and one change point, at the 6th
// and its commit; the rule against history fails the 6th; importing the
// same folders into another store gives the same trend.
func TestHistoryTrendFindsTheStepRecordedLive(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to give each benchmark its own commit")
	}
	t.Parallel() // ten benchmarks that mostly sleep
	for name, mk := range historyStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := mk(t)
			work := t.TempDir()
			git(t, work, "init", "-q")
			writeSpec(t, work, stepSpec)
			var commits, dirs []string
			for i := 1; i <= 10; i++ {
				os.WriteFile(filepath.Join(work, "version"), []byte(fmt.Sprint(i)), 0o644)
				git(t, work, "add", "-A")
				git(t, work, "commit", "-q", "-m", fmt.Sprint(i))
				commits = append(commits, git(t, work, "rev-parse", "--short=12", "HEAD"))
				d := "0.02"
				if i >= 6 {
					d = "0.3"
				}
				dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
				dirs = append(dirs, dir)
				code, stdout, stderr := runIn(t, work, "spec.yaml", "--set", "d="+d, "--output", dir, "--history", store, "--quiet", "--no-progress")
				if i == 6 {
					if code != ExitThresholds || !strings.Contains(stdout, "FAIL default: Against history: history.change.total.time.pct < 10") {
						t.Fatalf("benchmark 6 (after the step): exit %d, want %d and the rule failed\n%s\n%s", code, ExitThresholds, stdout, stderr)
					}
				}
				if code != ExitOK && code != ExitThresholds {
					t.Fatalf("benchmark %d: exit %d\n%s\n%s", i, code, stdout, stderr)
				}
			}

			code, text, stderr := runIn(t, work, "history", "trend", "stepper", "--history", store)
			if code != 0 {
				t.Fatalf("history trend: exit %d\n%s", code, stderr)
			}
			rows := regexp.MustCompile(`(?m)^\s+\d+\s+\d{4}-\d\d-\d\d `).FindAllString(text, -1)
			if len(rows) != 10 {
				t.Errorf("the trend shows %d benchmarks, want 10:\n%s", len(rows), text)
			}
			if !strings.Contains(text, "commit "+commits[5]) || strings.Count(text, "change point:") != 1 {
				t.Errorf("the trend does not name one change point at the 6th benchmark's commit %s:\n%s", commits[5], text)
			}
			live := trendOf(t, work, store)
			c := live.Cells[0]
			if len(c.Points) != 10 || len(c.Changes) != 1 || c.Changes[0].Commit != commits[5] || c.Changes[0].Benchmark != c.Points[5].Benchmark {
				t.Fatalf("trend %+v: want 10 points and one change point at the 6th (%s)", c, commits[5])
			}

			// Back-filled from the folders, twice: the same trend.
			imported := filepath.Join(t.TempDir(), "imported.db")
			for range 2 {
				if code, _, stderr := runIn(t, work, append([]string{"history", "import", "--history", imported}, dirs...)...); code != 0 {
					t.Fatalf("history import: exit %d\n%s", code, stderr)
				}
			}
			if got := trendOf(t, work, imported); !sameJSON(got, live) {
				t.Fatalf("imported trend differs from the live one:\n%+v\n%+v", got, live)
			}
			code, list, _ := runIn(t, work, "history", "stepper", "--history", imported)
			if code != 0 || strings.Count(list, "stepper  live") != 10 {
				t.Fatalf("history list after importing twice (exit %d):\n%s", code, list)
			}

			// The report of the 10th benchmark has the History section.
			rep, _ := os.ReadFile(filepath.Join(dirs[9], "PERFORMANCE_BENCHMARKS.md"))
			if !strings.Contains(string(rep), "## History") || !strings.Contains(string(rep), "total.time +") {
				t.Errorf("the report lacks the History section with its change point:\n%s", rep)
			}
		})
	}
}

func trendOf(t *testing.T, dir, store string) trendJSON {
	t.Helper()
	code, out, stderr := runIn(t, dir, "history", "trend", "stepper", "--history", store, "--format", "json")
	if code != 0 {
		t.Fatalf("history trend --format json: exit %d\n%s", code, stderr)
	}
	var tr trendJSON
	if err := json.Unmarshal([]byte(out), &tr); err != nil || len(tr.Cells) != 1 {
		t.Fatalf("trend JSON %v:\n%s", err, out)
	}
	return tr
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// The default store is .runner/history.db where the runner starts; a store
// nobody named that cannot be written is a warning, one that was named is
// exit 5; either way the benchmark's own files are complete.
func TestHistoryStoreDefaultAndFailures(t *testing.T) {
	t.Parallel() // three runner processes
	const small = "name: tiny\nruns: 1\ncommand: \"true\"\n"
	work := t.TempDir()
	writeSpec(t, work, small)
	code, _, stderr := runIn(t, work, "spec.yaml", "--output", filepath.Join(work, "out1"), "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(work, ".runner", "history.db")); err != nil {
		t.Fatalf("the default store was not written: %v", err)
	}
	if code, list, _ := runIn(t, work, "history"); code != 0 || !strings.Contains(list, "tiny") {
		t.Fatalf("history (default store): exit %d\n%s", code, list)
	}

	out := filepath.Join(work, "out2")
	code, _, stderr = runIn(t, work, "spec.yaml", "--output", out, "--quiet", "--history", "postgres://runner:pw@127.0.0.1:1/none")
	if code != ExitOutputs || !strings.Contains(stderr, "could not be recorded") || !strings.Contains(stderr, "runner history import "+out) || strings.Contains(stderr, ":pw@") {
		t.Fatalf("unreachable named store: exit %d, want %d with a clear message\n%s", code, ExitOutputs, stderr)
	}
	for _, f := range []string{output.RunsFile, output.SummaryFile, "PERFORMANCE_BENCHMARKS.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the benchmark's own files are incomplete: %v", err)
		}
	}

	broken := t.TempDir()
	writeSpec(t, broken, small)
	os.WriteFile(filepath.Join(broken, ".runner"), []byte("not a folder"), 0o644)
	code, _, stderr = runIn(t, broken, "spec.yaml", "--output", filepath.Join(broken, "out"), "--quiet")
	if code != 0 || !strings.Contains(stderr, "warning: history") {
		t.Fatalf("a default store that cannot be written: exit %d, want 0 and a warning\n%s", code, stderr)
	}
}

// The store is read while the commands run; a command that deletes it
// (a `git clean -fdx` where the default store is) must not make the
// benchmark vanish into the deleted file.
func TestHistoryRecordsAfterTheRunsDeleteTheStore(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	writeSpec(t, work, "name: cleaner\nruns: 2\ncommand: rm -f .runner/history.db .runner/history.db-wal .runner/history.db-shm\n")
	for i, out := range []string{"out1", "out2"} {
		code, _, stderr := runIn(t, work, "spec.yaml", "--output", filepath.Join(work, out), "--quiet")
		if code != 0 || strings.Contains(stderr, "warning") {
			t.Fatalf("benchmark %d: exit %d\n%s", i+1, code, stderr)
		}
		code, list, _ := runIn(t, work, "history")
		if code != 0 || !strings.Contains(list, "cleaner") {
			t.Fatalf("benchmark %d is not in the store after its runs deleted it (exit %d):\n%s", i+1, code, list)
		}
	}
}

// Shards are not recorded alone; their merge is recorded once, and merging
// again into another folder replaces it rather than adding a second.
func TestHistoryRecordsAShardedBenchmarkOnceAtMerge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := filepath.Join(dir, "history.db")
	spec := writeSpec(t, dir, "name: sharded\nruns: 2\ncommand: \"true\"\nmatrix: { x: [a, b] }\n")
	var shards []string
	for _, k := range []string{"1/2", "2/2"} {
		out := filepath.Join(dir, "shard"+k[:1])
		code, _, errs := runner(t, t.Context(), spec, "--shard", k, "--output", out, "--history", store, "--no-progress")
		if code != 0 || !strings.Contains(errs, "not recorded alone") {
			t.Fatalf("shard %s: exit %d\n%s", k, code, errs)
		}
		shards = append(shards, out)
	}
	if _, err := os.Stat(store); err == nil {
		if code, list, _ := runner(t, t.Context(), "history", "sharded", "--history", store); code != 0 || strings.Contains(list, "sharded  live") {
			t.Fatalf("a shard was recorded alone:\n%s", list)
		}
	}
	for _, out := range []string{"merged", "merged-again"} {
		if code, _, errs := runner(t, t.Context(), append([]string{"merge", filepath.Join(dir, out), "--history", store}, shards...)...); code != 0 {
			t.Fatalf("merge: exit %d\n%s", code, errs)
		}
	}
	code, list, _ := runner(t, t.Context(), "history", "sharded", "--history", store)
	if code != 0 || strings.Count(list, "sharded  live") != 1 || !strings.Contains(list, "  4     0 ") {
		t.Fatalf("after two merges of one sharded benchmark (exit %d):\n%s", code, list)
	}
}
