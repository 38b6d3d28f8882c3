// Package history is the history store: every benchmark's cells, runs,
// metrics and prices kept in one database (an embedded SQLite file by
// default, PostgreSQL for teams whose benchmarks run on many machines), so
// the runner can show each cell's trend, find where a metric shifted, and
// know which prices applied when. The schema is versioned by the SQL files
// in migrations/, the same text on both databases.
package history

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite" (pure Go, no cgo)
)

// DefaultPath is the store used when nothing names one: beside the default
// outputs/ root, in the folder the runner is started from, so every
// benchmark of a checkout lands in one store that git ignores.
const DefaultPath = ".runner/history.db"

// EnvVar names the store for every benchmark and history command that is
// not given one (a flag or the spec's history: field win); "off" disables it.
const EnvVar = "RUNNER_HISTORY"

// Off is the value of --history, history: and RUNNER_HISTORY that keeps
// nothing.
const Off = "off"

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an open history store.
type Store struct {
	db     *sql.DB
	pg     bool
	target string
	file   os.FileInfo // the SQLite file as opened
}

// IsURL says whether target names a PostgreSQL server rather than a file.
func IsURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Describe is target as messages show it: a URL without its password.
func Describe(target string) string {
	if !IsURL(target) {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return "a postgres URL that does not parse"
	}
	return u.Redacted()
}

// Open opens (and creates or migrates) the store at target: a file path or
// a postgres:// URL.
func Open(ctx context.Context, target string) (*Store, error) {
	s := &Store{target: target, pg: IsURL(target)}
	var err error
	if s.pg {
		u, perr := url.Parse(target)
		if perr != nil {
			return nil, fmt.Errorf("history %s: %v", Describe(target), perr)
		}
		q := u.Query()
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", "10") // an unreachable server fails soon, not after minutes
		}
		u.RawQuery = q.Encode()
		s.db, err = sql.Open("pgx", u.String())
	} else {
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, fmt.Errorf("history %s: %w", target, err)
		}
		// WAL lets readers run beside a writer; immediate transactions take
		// the write lock at BEGIN, so two writers queue (busy_timeout)
		// instead of one failing when it upgrades a read lock.
		s.db, err = sql.Open("sqlite", target+"?_pragma=busy_timeout(60000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	}
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", Describe(target), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("history %s: %w", Describe(target), err)
	}
	if !s.pg {
		s.file, _ = os.Stat(target)
	}
	return s, nil
}

// Moved says whether the SQLite file the store opened is no longer at its
// path (deleted or replaced since): what is written then would be lost.
func (s *Store) Moved() bool {
	if s.pg {
		return false
	}
	now, err := os.Stat(s.target)
	return err != nil || s.file == nil || !os.SameFile(s.file, now)
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Target is where the store is, as Describe shows it.
func (s *Store) Target() string { return Describe(s.target) }

// q rewrites ? placeholders as PostgreSQL's $1, $2, ...
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SchemaVersion is the newest migration this runner knows.
func SchemaVersion() int {
	ms, _ := migrationList()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrationList() ([]migration, error) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version, NNNN_", e.Name())
		}
		b, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, e.Name(), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the migrations the store lacks, each in a transaction
// that also holds the store's write lock, so two runners opening a new
// store at once apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrationList()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.pg {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(15015)"); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"); err != nil {
		return err
	}
	have := map[int]bool{}
	newest := 0
	rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		have[v] = true
		newest = max(newest, v)
	}
	rows.Close()
	if newest > SchemaVersion() {
		return fmt.Errorf("the store's schema is version %d, newer than this runner knows (%d): use a newer runner", newest, SchemaVersion())
	}
	for _, m := range ms {
		if have[m.version] {
			continue
		}
		for _, stmt := range statements(m.sql) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if after := s.afterMigration(m.version); after != nil {
			if err := after(ctx, tx); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)"), m.version, m.name, stamp(time.Now())); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// afterMigration is what a migration needs done in Go once its SQL ran:
// moving rows where the two databases' SQL differs.
func (s *Store) afterMigration(version int) func(context.Context, *sql.Tx) error {
	switch version {
	case 2:
		return s.moveRunValues
	}
	return nil
}

// statements splits a migration into its statements: each ends with ";" at
// the end of a line; "--" comment lines are dropped.
func statements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(stripComment(line)), ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

func stripComment(line string) string {
	if i := strings.Index(line, "--"); i >= 0 {
		return line[:i]
	}
	return line
}

// timeLayout has a fixed width, so times sort as text on both databases.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

// ErrOff says the store is switched off.
var ErrOff = errors.New("history is off")
