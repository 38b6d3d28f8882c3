package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// postgresEnv names a PostgreSQL server the tests may create databases
// on (.ci/run starts one); requirePostgres makes its absence a failure.
const (
	postgresEnv     = "RUNNER_TEST_POSTGRES_URL"
	requirePostgres = "RUNNER_REQUIRE_POSTGRES"
)

// targets are the stores every store test runs against: a SQLite file,
// and a fresh PostgreSQL database when the server is given.
func targets(t *testing.T) map[string]func(t *testing.T) string {
	out := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "history.db") },
	}
	if os.Getenv(postgresEnv) != "" {
		out["postgres"] = PostgresDatabase
	} else if os.Getenv(requirePostgres) != "" {
		t.Fatalf("%s is set but %s is not: .ci/run starts PostgreSQL and exports it", requirePostgres, postgresEnv)
	}
	return out
}

// PostgresDatabase creates a database for one test on the server of
// $RUNNER_TEST_POSTGRES_URL and returns its URL; it is dropped afterwards.
func PostgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("runner_test_%d_%d", time.Now().UnixNano(), rand.IntN(1e6))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating a test database on %s: %v", Describe(base), err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err == nil {
			admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

const testSpec = `name: small
runs: 3
command: "true"
providers:
  - name: openai
    api: openai
    models: [gpt-test]
pricing:
  gpt-test: { input: %g, output: 10 }
`

// entry makes a benchmark of the small spec: started at day i, with the
// given run times, 1000 input and 100 output tokens per run.
func entry(t testing.TB, i int, times []float64, inputPrice float64, dry bool) Entry {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.yaml")
	src := fmt.Sprintf(testSpec, inputPrice)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	bm := record.Benchmark{Spec: "small", Started: started, Finished: started.Add(time.Minute), Host: "ci",
		GitCommit: fmt.Sprintf("c%02d", i), Simulated: dry, Options: record.Options{DryRun: dry}}
	var recs []record.Run
	for j, wall := range times {
		recs = append(recs, record.Run{Cell: "openai_gpt-test", Provider: "openai", Model: "gpt-test", Index: j + 1,
			Status: record.StatusOK, Started: started, WallSeconds: wall, TokenSource: record.SourceEvents,
			Phases: []record.Phase{{Name: record.OtherPhase, Seconds: wall}},
			Usage:  []record.Usage{{Phase: record.OtherPhase, Model: "gpt-test", Source: record.SourceEvents, Tokens: record.Tokens{Input: 1000, Output: 100}}}})
	}
	sum := results.Compute(s, bm, recs)
	return Entry{Spec: s, Bench: bm, Summary: sum, Dir: fmt.Sprintf("/out/%d", i), SpecSource: []byte(src)}
}

// noisy are n run times around level with ±10% noise, seeded.
func noisy(rng *rand.Rand, level float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = level * (1 + 0.1*(rng.Float64()*2-1))
	}
	return out
}

func open(t *testing.T, target string) *Store {
	t.Helper()
	st, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestTrendFindsTheStepAndNoneOnAFlatSeries(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, mk(t))
			rng := rand.New(rand.NewPCG(7, 7))
			for i := 1; i <= 10; i++ {
				level := 2.0
				if i >= 6 {
					level = 3.0
				}
				if _, err := st.Record(ctx, entry(t, i, noisy(rng, level, 3), 1, false)); err != nil {
					t.Fatal(err)
				}
			}
			tr, err := st.Trend(ctx, Query{Spec: "small", Metric: "total.time"})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Series) != 1 || len(tr.Series[0].Points) != 10 {
				t.Fatalf("trend %+v, want one cell of 10 points", tr)
			}
			ch := tr.Series[0].Changes
			if len(ch) != 1 || ch[0].Commit != "c06" || ch[0].Pct < 35 || ch[0].Pct > 65 {
				t.Fatalf("change points %+v, want one at commit c06 of about +50%%", ch)
			}
			var text strings.Builder
			if err := Render(&text, tr, "text"); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "change point: +") || !strings.Contains(text.String(), "commit c06") {
				t.Errorf("text trend does not name the change point:\n%s", text.String())
			}

			flat := open(t, mk(t))
			for i := 1; i <= 10; i++ {
				if _, err := flat.Record(ctx, entry(t, i, noisy(rng, 2.0, 3), 1, false)); err != nil {
					t.Fatal(err)
				}
			}
			tr, err = flat.Trend(ctx, Query{Spec: "small", Metric: "total.time"})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Series[0].Points) != 10 || len(tr.Series[0].Changes) != 0 {
				t.Fatalf("flat series: %d points, change points %+v; want 10 and none", len(tr.Series[0].Points), tr.Series[0].Changes)
			}
		})
	}
}

// dump is every table's rows as text, for comparing whole stores.
func dump(t *testing.T, st *Store) string {
	t.Helper()
	var b strings.Builder
	for _, table := range append(tables, "price_cards") {
		rows, err := st.db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for i, c := range cols {
				if c == "recorded" {
					vals[i] = "-" // when the store last wrote the row
				}
			}
			lines = append(lines, fmt.Sprint(vals...))
		}
		rows.Close()
		sortStrings(lines)
		fmt.Fprintf(&b, "%s: %d\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestRecordingTwiceChangesNothing(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t, mk(t))
			// 455 runs: rows go in full batches (of 200 or 10) and a rest.
			e := entry(t, 1, noisy(rand.New(rand.NewPCG(1, 2)), 1, 455), 1, false)
			if _, err := st.Record(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			once := dump(t, st)
			if _, err := st.Record(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if twice := dump(t, st); twice != once {
				t.Fatalf("the store changed on a second write:\n%s\nthen\n%s", once, twice)
			}
			if !strings.Contains(once, "benchmarks: 1\n") || !strings.Contains(once, "runs: 455\n") || !strings.Contains(once, "run_tokens: 455\n") {
				t.Fatalf("store after one write:\n%s", once)
			}
		})
	}
}

func TestTwoWritersAtOnceLoseNothing(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			target := mk(t)
			// Two stores opened separately, as two runner processes would.
			a, b := open(t, target), open(t, target)
			const each = 12
			var wg sync.WaitGroup
			errs := make(chan error, 2*each)
			for w, st := range []*Store{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						e := entry(t, w*100+i, []float64{1, 1.1, 1.2}, float64(1+i%3), false)
						if _, err := st.Record(context.Background(), e); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			list, err := a.List(context.Background(), "small")
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2*each {
				t.Fatalf("%d benchmarks in the store after %d writes", len(list), 2*each)
			}
			var n int
			if err := a.db.QueryRow("SELECT COUNT(*) FROM runs").Scan(&n); err != nil || n != 3*2*each {
				t.Fatalf("%d runs in the store (%v), want %d", n, err, 3*2*each)
			}
			if !a.pg {
				var ok string
				if err := a.db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
					t.Fatalf("integrity_check: %q %v", ok, err)
				}
			}
		})
	}
}

func TestDryRunsAreKeptButOutOfTrends(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "h.db"))
	ctx := context.Background()
	st.Record(ctx, entry(t, 1, []float64{1, 1, 1}, 1, false))
	st.Record(ctx, entry(t, 2, []float64{9, 9, 9}, 1, true))
	list, _ := st.List(ctx, "small")
	if len(list) != 2 || list[0].Kind != KindDryRun {
		t.Fatalf("list %+v: want both, the dry run first (newest)", list)
	}
	tr, _ := st.Trend(ctx, Query{Spec: "small"})
	if n := len(tr.Series[0].Points); n != 1 {
		t.Fatalf("%d points without --include-dry, want 1", n)
	}
	tr, _ = st.Trend(ctx, Query{Spec: "small", IncludeDry: true})
	if n := len(tr.Series[0].Points); n != 2 {
		t.Fatalf("%d points with --include-dry, want 2", n)
	}
	// A live benchmark's rules read only live history.
	h, err := st.Prior(ctx, entry(t, 3, []float64{1}, 1, false).Bench, DefaultWindow)
	if err != nil || len(h.Prior["openai_gpt-test"]) != 1 {
		t.Fatalf("prior %+v %v: want the one live benchmark", h, err)
	}
}

func TestCostAtPricesThenOrToday(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "h.db"))
	ctx := context.Background()
	// Same tokens (1000 in, 100 out per run); the input price doubles on day 2.
	st.Record(ctx, entry(t, 1, []float64{1, 1, 1}, 1, false))
	st.Record(ctx, entry(t, 2, []float64{1, 1, 1}, 2, false))
	then, err := st.Trend(ctx, Query{Spec: "small", Metric: "cost"})
	if err != nil {
		t.Fatal(err)
	}
	p := then.Series[0].Points
	if len(p) != 2 || !near(p[0].Median, 0.002) || !near(p[1].Median, 0.003) {
		t.Fatalf("cost at the prices then in force: %+v, want $0.002 then $0.003", p)
	}
	today, err := st.Trend(ctx, Query{Spec: "small", Metric: "cost", Reprice: true})
	if err != nil {
		t.Fatal(err)
	}
	p = today.Series[0].Points
	if len(p) != 2 || !near(p[0].Median, 0.003) || !near(p[1].Median, 0.003) {
		t.Fatalf("cost at today's prices: %+v, want $0.003 both", p)
	}
	cards, err := st.Prices(ctx, "small")
	if err != nil || len(cards) != 2 || cards[0].FirstSeen.Day() != 2 || cards[1].FirstSeen.Day() != 3 {
		t.Fatalf("price cards %+v %v: want two, first seen on each benchmark's day", cards, err)
	}
}

func near(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }

func TestUnreachableStoreSaysWhichAndWhy(t *testing.T) {
	_, err := Open(context.Background(), "postgres://bench:s3cret@127.0.0.1:1/history")
	if err == nil {
		t.Fatal("opened a store on port 1")
	}
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error %q: want the server named, without its password", err)
	}
}

func TestANewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	st := open(t, path)
	if _, err := st.db.Exec("INSERT INTO schema_migrations (version, name, applied) VALUES (999, 'future', 'x')"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := Open(context.Background(), path); err == nil || !strings.Contains(err.Error(), "newer than this runner knows") {
		t.Fatalf("error %v, want a newer schema refused", err)
	}
}

// A benchmark of many runs adds a few rows per cell and metric, not one
// per run and metric: a 500-run benchmark once added 1.4 MB to the store.
func TestAManyRunBenchmarkStaysSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	st := open(t, path)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 1; i <= 2; i++ {
		if _, err := st.Record(ctx, entry(t, i, noisy(rng, 0.001, 500), 1, false)); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := st.Trend(ctx, Query{Spec: "small", Metric: "total.time"})
	if err != nil || len(tr.Series) != 1 || len(tr.Series[0].Points) != 2 || tr.Series[0].Points[1].N != 500 {
		t.Fatalf("trend %+v %v: want two points of 500 runs", tr, err)
	}
	st.Close() // checkpoints the write-ahead log into the file
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perBench := fi.Size() / 2; perBench > 256<<10 {
		t.Errorf("the store grows %d KiB per 500-run benchmark, want at most 256", perBench>>10)
	}
}

// A store of schema version 1 (a row per run and metric) is moved to
// run_series when opened, and answers as a store written today does.
func TestAVersion1StoreIsMigrated(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			target := mk(t)
			st := open(t, target)
			for i := 1; i <= 3; i++ {
				if _, err := st.Record(ctx, entry(t, i, []float64{float64(i), 2 * float64(i), 0.5}, float64(i), false)); err != nil {
					t.Fatal(err)
				}
			}
			want := dump(t, st)
			wantTrend, err := st.Trend(ctx, Query{Spec: "small", Metric: "cost", Reprice: true})
			if err != nil {
				t.Fatal(err)
			}
			// Back to version 1: run_values as 0001 made it, run_series gone.
			v1, _ := migrations.ReadFile("migrations/0001_init.sql")
			for _, stmt := range statements(string(v1)) {
				if strings.Contains(stmt, "run_values") {
					mustExec(t, st, stmt)
				}
			}
			rows, err := st.db.Query("SELECT benchmark_id, cell, metric, runs, vals FROM run_series")
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				id, cell, metric string
				rs               *runSeries
			}
			var all []row
			for rows.Next() {
				var r row
				var runs, vals string
				if err := rows.Scan(&r.id, &r.cell, &r.metric, &runs, &vals); err != nil {
					t.Fatal(err)
				}
				if r.rs, err = parseSeries(runs, vals); err != nil {
					t.Fatal(err)
				}
				all = append(all, r)
			}
			rows.Close()
			for _, r := range all {
				for i, run := range r.rs.runs {
					mustExec(t, st, st.q("INSERT INTO run_values (benchmark_id, cell, run, metric, value) VALUES (?, ?, ?, ?, ?)"), r.id, r.cell, run, r.metric, r.rs.vals[i])
				}
			}
			mustExec(t, st, "DROP TABLE run_series")
			mustExec(t, st, "DELETE FROM schema_migrations WHERE version > 1")
			st.Close()

			st = open(t, target)
			if got := dump(t, st); got != want {
				t.Fatalf("after migrating:\n%s\nwant\n%s", got, want)
			}
			gotTrend, err := st.Trend(ctx, Query{Spec: "small", Metric: "cost", Reprice: true})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(gotTrend) != fmt.Sprint(wantTrend) {
				t.Fatalf("repriced trend after migrating:\n%+v\nwant\n%+v", gotTrend, wantTrend)
			}
		})
	}
}

func mustExec(t *testing.T, st *Store, query string, args ...any) {
	t.Helper()
	if _, err := st.db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// A series keeps which runs its values belong to, gaps included (a failed
// run has none).
func TestRunSeriesKeepsItsRuns(t *testing.T) {
	rs := &runSeries{runs: []int{8, 1, 2, 3, 5, 7}, vals: []float64{8, 1, 2, 3, 5, 7.25}}
	rs.sort()
	runs, vals := rs.runsText(), rs.valsText()
	if runs != "[[1,3],[5,5],[7,8]]" || vals != "[1,2,3,5,7.25,8]" {
		t.Fatalf("runs %s, vals %s", runs, vals)
	}
	back, err := parseSeries(runs, vals)
	if err != nil || fmt.Sprint(back.runs, back.vals) != fmt.Sprint(rs.runs, rs.vals) {
		t.Fatalf("read back %v %v, %v; want %v %v", back.runs, back.vals, err, rs.runs, rs.vals)
	}
	if _, err := parseSeries("[[1,2]]", "[1]"); err == nil {
		t.Error("2 runs with 1 value: no error")
	}
}

// A benchmark of 3 runs has no 95% interval of its median (benchmath needs
// 6): the trend says so ("—", no ci_lo/ci_hi) instead of printing the median
// twice as a zero-width interval; one of 6 runs has one.
func TestTrendIntervalOnlyWhenThereIsOne(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "h.db"))
	if _, err := st.Record(ctx, entry(t, 1, []float64{2, 2.1, 2.2}, 1, false)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Record(ctx, entry(t, 2, []float64{2, 2.1, 2.2, 2.3, 2.4, 2.5}, 1, false)); err != nil {
		t.Fatal(err)
	}
	tr, err := st.Trend(ctx, Query{Spec: "small", Metric: "total.time"})
	if err != nil {
		t.Fatal(err)
	}
	pts := tr.Series[0].Points
	if pts[0].Lo != nil || pts[1].Lo == nil || *pts[1].Lo >= *pts[1].Hi {
		t.Fatalf("points %+v, want no interval for 3 runs and one for 6", pts)
	}
	var text strings.Builder
	if err := Render(&text, tr, "text"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "2.10 s … 2.10 s") || !strings.Contains(text.String(), "—") {
		t.Errorf("text trend:\n%s", text.String())
	}
}

// The store's value arrays are read by a fast path; whatever it accepts,
// encoding/json reads to the same numbers, and what it refuses goes to
// encoding/json (so a malformed row fails as before).
func FuzzParseFloats(f *testing.F) {
	for _, s := range []string{"[]", "[1]", "[1.5,2,-0,1e-7,2.5E+300]", "[ 1, 2 ]", "[1,]", "[+1]", "[01]", "[.5]",
		"[1.]", "[Inf]", "[0x10]", "[1_0]", "[null]", "[1e]", "[-]", "[1,,2]", "[1e400]", "1", `["1"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseFloats(s, 0)
		var want []float64
		err := json.Unmarshal([]byte(s), &want)
		if ok && (err != nil || fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want)) {
			t.Fatalf("parseFloats(%q) = %v; encoding/json: %v, %v", s, got, want, err)
		}
	})
}

// What valsText writes always takes the fast path, and reads back exactly.
func TestValsTextReadsBackExactly(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, 0.1, 1.0 / 3, 123456789.125, 1e-300, 5e-324, math.MaxFloat64, -2.5e10}
	rs := &runSeries{vals: vals}
	got, ok := parseFloats(rs.valsText(), len(vals))
	if !ok || len(got) != len(vals) {
		t.Fatalf("parseFloats(%s) = %v, %v", rs.valsText(), got, ok)
	}
	for i := range vals {
		if math.Float64bits(got[i]) != math.Float64bits(vals[i]) {
			t.Errorf("value %d: %v read back as %v", i, vals[i], got[i])
		}
	}
}

func BenchmarkParseSeries(b *testing.B) {
	rs := &runSeries{}
	for i := 1; i <= 500; i++ {
		rs.runs = append(rs.runs, i)
		rs.vals = append(rs.vals, 0.0007+float64(i)*1.37e-7)
	}
	runs, vals := rs.runsText(), rs.valsText()
	for b.Loop() {
		if _, err := parseSeries(runs, vals); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecord500 records a 500-run benchmark into a SQLite store (each
// write replaces the last).
func BenchmarkRecord500(b *testing.B) {
	st, err := Open(context.Background(), filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := entry(b, 1, noisy(rand.New(rand.NewPCG(1, 2)), 0.001, 500), 1, false)
	for b.Loop() {
		if _, err := st.Record(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}
