package execute

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// runBoth runs job directly and through /bin/sh -c and returns both logs,
// their lines sorted (dash passes the environment on in its own order) and
// without the variables that differ per run.
func runBoth(t *testing.T, job Job, want record.Status) (direct, shell string) {
	t.Helper()
	norm := func(log string) string {
		lines := strings.Split(log, "\n")
		lines = slices.DeleteFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, RunIDEnv+"=") || strings.HasPrefix(l, EventsEnv+"=") // per run
		})
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	_, _, d := run(t, job, want)
	useDirect = false
	defer func() { useDirect = true }()
	_, _, s := run(t, job, want)
	return norm(d), norm(s)
}

// A plain command started without the shell sees exactly what it would see
// through /bin/sh -c: its arguments, environment (PWD included), folder, and
// the same exit status.
func TestDirectIsLikeTheShell(t *testing.T) {
	if !shIsDash() {
		t.Skip("/bin/sh is not dash: commands always go through it")
	}
	tmp := t.TempDir()
	real := filepath.Join(tmp, "real")
	link := filepath.Join(tmp, "link")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=/h", "LANG=C"}
	for _, tc := range []struct {
		name    string
		command string
		dir     string
		env     []string
		status  record.Status
	}{
		{"env", "env", "", base, record.StatusOK},
		{"path given", "/usr/bin/env", real, base, record.StatusOK},
		{"words", "/usr/bin/printf   %s,\t a b  c", "", base, record.StatusOK},
		{"true", "true", "", base, record.StatusOK},
		{"false", "false", "", base, record.StatusFailed},
		{"PWD through a link", "env", link, append(slices.Clone(base), "PWD="+link), record.StatusOK},
		{"stale PWD", "env", link, append(slices.Clone(base), "PWD=/nonexistent"), record.StatusOK},
		{"relative PWD", "env", real, append(slices.Clone(base), "PWD=real"), record.StatusOK},
		{"odd names and duplicates", "env", "", append(slices.Clone(base), "a-b=1", "X=1", "X=2", "=v", "novalue"), record.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if direct(tc.command, tc.env, tc.dir) == nil {
				t.Fatalf("%q is not started directly", tc.command)
			}
			d, s := runBoth(t, Job{Command: tc.command, Dir: tc.dir, Env: tc.env}, tc.status)
			if d != s {
				t.Errorf("directly:\n%s\nthrough the shell:\n%s", d, s)
			}
		})
	}
}

// What needs the shell goes to it.
func TestDirectOnlyForPlainCommands(t *testing.T) {
	if !shIsDash() {
		t.Skip("/bin/sh is not dash")
	}
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, c := range []string{"", " ", "echo hi", "FOO=1 env", "env | cat", "env > x", "ls *", "ls a?", "env; env", "env && env",
		"cd /", "exit 3", "true x", "false 1", "printf x", "test -f x", "[ 1 ]", "pwd", "kill 1", "if", "{", "!",
		"env $HOME", "env ~/x", "env 'a'", `env "a"`, `env a\ b`, "env `x`", "env #c", "env a\nenv", "env (x)", "env &", "nosuchprogram-h11"} {
		if d := direct(c, env, ""); d != nil {
			t.Errorf("%q started directly: %+v", c, d)
		}
	}
	for name, env := range map[string][]string{
		"no PATH":       {"HOME=/h"},
		"relative PATH": {"PATH=bin:" + os.Getenv("PATH")},
		"IFS":           {"PATH=" + os.Getenv("PATH"), "IFS=x"},
		"OPTIND":        {"PATH=" + os.Getenv("PATH"), "OPTIND=3"},
		"PPID":          {"PATH=" + os.Getenv("PATH"), "PPID=1"},
	} {
		if d := direct("env", env, ""); d != nil {
			t.Errorf("%s: started directly: %+v", name, d)
		}
	}
}

// A program the kernel will not start (a script without #!) is left to the
// shell, which runs it as before.
func TestDirectFallsBackToTheShell(t *testing.T) {
	if !shIsDash() {
		t.Skip("/bin/sh is not dash")
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "noshebang"), []byte("echo from the shell\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	job := Job{Command: "noshebang", Env: []string{"PATH=" + bin + ":" + os.Getenv("PATH")}}
	if direct(job.Command, job.Env, "") == nil {
		t.Fatal("not tried directly")
	}
	if _, _, log := run(t, job, record.StatusOK); log != "from the shell\n" {
		t.Errorf("log %q", log)
	}
}

// The runner remembers a plain command's PWD, but not past a move: a Dir
// that is a link pointed elsewhere between runs gets the PWD the shell
// gives it, the new folder's.
func TestDirectPWDFollowsAMovedLink(t *testing.T) {
	if !shIsDash() {
		t.Skip("/bin/sh is not dash")
	}
	tmp := t.TempDir()
	a, b, link := filepath.Join(tmp, "a"), filepath.Join(tmp, "b"), filepath.Join(tmp, "link")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	job := Job{Command: "env", Dir: link, Env: []string{"PATH=" + os.Getenv("PATH")}}
	if _, _, log := run(t, job, record.StatusOK); !strings.Contains(log, "PWD="+a+"\n") {
		t.Fatalf("before the move: %q", log)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	if d, s := runBoth(t, job, record.StatusOK); d != s || !slices.Contains(strings.Split(d, "\n"), "PWD="+b) {
		t.Errorf("after the move, directly:\n%s\nthrough the shell:\n%s", d, s)
	}
}

// A program that is not in PATH yet (a setup step builds it) is started
// directly once it is, as a new runner would start it.
func TestDirectFindsAProgramMadeLater(t *testing.T) {
	if !shIsDash() {
		t.Skip("/bin/sh is not dash")
	}
	bin := t.TempDir()
	env := []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
	if d := direct("madelater", env, ""); d != nil {
		t.Fatalf("started directly before it exists: %+v", d)
	}
	if err := os.WriteFile(filepath.Join(bin, "madelater"), []byte("#!/bin/sh\necho made\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if d := direct("madelater", env, ""); d == nil || d.path != filepath.Join(bin, "madelater") {
		t.Errorf("once made: %+v, want it started directly", d)
	}
}

// The environment dash passes on is worked out once per shape of names and
// reused while the names stay; whatever the sequence of environments, each
// gets what working it out anew gives: valid names, the last of each
// duplicate, in order, PWD last; IFS, OPTIND or PPID refuse.
func TestDashEnvReusesOnlyWhatFits(t *testing.T) {
	reference := func(env []string) ([]string, bool) {
		last := map[string]int{}
		for i, kv := range env {
			name, _, found := strings.Cut(kv, "=")
			if !found || !validName(name) {
				continue
			}
			if name == "IFS" || name == "OPTIND" || name == "PPID" {
				return nil, false
			}
			last[name] = i
		}
		var out []string
		for i, kv := range env {
			name, _, _ := strings.Cut(kv, "=")
			if j, ok := last[name]; ok && j == i && name != "PWD" {
				out = append(out, kv)
			}
		}
		return out, true
	}
	pieces := []string{"A=1", "A=2", "B=x", "B", "A", "1X=y", "=z", "PWD=/nowhere", "C=a=b", "A=", "IFS=:", "_=1", "RUNNER_RUN=1", "RUNNER_RUN=2"}
	rng := uint64(1)
	next := func(n int) int { rng = rng*6364136223846793005 + 1442695040888963407; return int(rng>>33) % n }
	env := []string{"A=1"}
	for i := 0; i < 5000; i++ {
		switch next(4) {
		case 0: // new names
			env = nil
			for n := next(6); n >= 0; n-- {
				env = append(env, pieces[next(len(pieces))])
			}
		case 1: // the same names, another value where there is one
			env = slices.Clone(env)
			k := next(len(env))
			if h, _, ok := strings.Cut(env[k], "="); ok {
				env[k] = h + "=" + strings.Repeat("v", next(3))
			}
		case 2: // one entry changes in its name or loses or gains its "="
			env = slices.Clone(env)
			k := next(len(env))
			if h, _, ok := strings.Cut(env[k], "="); ok && next(2) == 0 {
				env[k] = h
			} else if ok {
				env[k] = h + "B=" + env[k][len(h)+1:]
			} else {
				env[k] += []string{"=v", "B"}[next(2)]
			}
		}
		got, ok := dashEnv(env, "")
		want, wantOK := reference(env)
		if ok != wantOK {
			t.Fatalf("env %q: ok %v, want %v", env, ok, wantOK)
		}
		if !ok {
			continue
		}
		if len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "PWD=") {
			t.Fatalf("env %q: %q has no PWD last", env, got)
		}
		if !slices.Equal(got[:len(got)-1], want) {
			t.Fatalf("env %q: passed on %q, want %q", env, got[:len(got)-1], want)
		}
	}
}

// BenchmarkDashEnv is a run's environment of 60 variables, as a benchmark
// passes it run after run (the values of two change).
func BenchmarkDashEnv(b *testing.B) {
	env := append(os.Environ()[:0:0], os.Environ()...)
	for i := len(env); i < 58; i++ {
		env = append(env, fmt.Sprintf("VAR_%d=value %d", i, i))
	}
	env = append(env, "RUNNER_RUN=1", RunIDEnv+"=1")
	for i := 0; b.Loop(); i++ {
		env[len(env)-2], env[len(env)-1] = fmt.Sprint("RUNNER_RUN=", i), fmt.Sprint(RunIDEnv, "=", i)
		if _, ok := dashEnv(env, ""); !ok {
			b.Fatal("refused")
		}
	}
}
