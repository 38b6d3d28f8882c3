package execute

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Commands without shell syntax are started without the shell, as
// hyperfine's -N does: for a short command the shell's own start-up is a
// large part of what a run measures. It is done only where it changes
// nothing the command can see: /bin/sh must be dash (Debian, Ubuntu), whose
// behaviour is reproduced here, and the command must be plain words (no
// quotes, expansions, globs, redirections, operators or assignments) whose
// first one is not a builtin or keyword, which dash would run itself; `true`
// and `false` alone are the exception, their programs doing exactly what the
// builtins do. The program is looked up in the command's PATH as dash does;
// the environment is what dash passes on (only valid names, the last of
// duplicates, PWD set); anything else unusual, or a failure to start the
// program, and the command goes to /bin/sh -c as before, which then reports
// the failure in its own words.

// useDirect can be turned off (tests comparing with the shell).
var useDirect = true

// shIsDash says whether /bin/sh is dash.
var shIsDash = sync.OnceValue(func() bool {
	p, err := filepath.EvalSymlinks("/bin/sh")
	return err == nil && filepath.Base(p) == "dash"
})

// dashBuiltins are dash's builtins and reserved words.
var dashBuiltins = map[string]bool{
	".": true, ":": true, "[": true, "alias": true, "bg": true, "break": true, "cd": true, "chdir": true,
	"command": true, "continue": true, "echo": true, "eval": true, "exec": true, "exit": true, "export": true,
	"false": true, "fc": true, "fg": true, "getopts": true, "hash": true, "jobs": true, "kill": true,
	"local": true, "printf": true, "pwd": true, "read": true, "readonly": true, "return": true, "set": true,
	"shift": true, "test": true, "times": true, "trap": true, "true": true, "type": true, "ulimit": true,
	"umask": true, "unalias": true, "unset": true, "wait": true,
	"!": true, "case": true, "do": true, "done": true, "elif": true, "else": true, "esac": true, "fi": true,
	"for": true, "if": true, "in": true, "then": true, "until": true, "while": true, "{": true, "}": true,
}

// plainByte marks the bytes a plain word may hold: nothing dash gives a
// meaning to.
var plainByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_./,:+@%=" {
		t[c] = true
	}
	return t
}()

// directCommand is how a plain command starts without the shell.
type directCommand struct {
	path string
	argv []string
	env  []string
}

// direct returns how to start command without /bin/sh -c, or nil when the
// shell is needed. env is the command's whole environment, dir its working
// folder ("" = the runner's).
func direct(command string, env []string, dir string) *directCommand {
	if !useDirect || !shIsDash() {
		return nil
	}
	for i := 0; i < len(command); i++ {
		if c := command[i]; !plainByte[c] && c != ' ' && c != '\t' {
			return nil
		}
	}
	argv := strings.Fields(command)
	if len(argv) == 0 || strings.Contains(argv[0], "=") {
		return nil
	}
	if dashBuiltins[argv[0]] && !((argv[0] == "true" || argv[0] == "false") && len(argv) == 1) {
		return nil
	}
	env, ok := dashEnv(env, dir)
	if !ok {
		return nil
	}
	path := argv[0]
	if !strings.Contains(path, "/") {
		if path = lookPath(path, env); path == "" {
			return nil
		}
	}
	return &directCommand{path: path, argv: argv, env: env}
}

// dashEnv is the environment dash gives the programs it starts: variables
// with valid names, the last of each name, and PWD the working folder (kept
// as given when it names that folder). ok is false when dash would change
// more (it resets IFS, OPTIND and PPID).
func dashEnv(env []string, dir string) (out []string, ok bool) {
	sh := lastShape.Load()
	if sh == nil || !sh.fits(env) {
		if sh, ok = shapeOf(env); !ok {
			return nil, false
		}
		lastShape.Store(sh)
	}
	given := ""
	if sh.pwd >= 0 {
		given = env[sh.pwd][len("PWD="):]
	}
	pwd, ok := foundPWD.cached(dir, given)
	if !ok || !names(pwd, dir) { // new, or the folder moved (a link pointed elsewhere)
		if pwd, ok = dashPWD(dir, given); !ok {
			return nil, false
		}
		foundPWD.put(dir, given, pwd)
	}
	out = make([]string, 0, len(sh.keep)+1)
	for _, i := range sh.keep {
		out = append(out, env[i])
	}
	return append(out, "PWD="+pwd), true
}

// envShape is which entries of an environment dash passes on, worked out
// from their names alone. Runs of a benchmark differ only in values
// (RUNNER_RUN, RUNNER_RUN_ID), so the last shape serves the next run after
// a check of the names, without the map that finding duplicates takes.
type envShape struct {
	heads []string // each entry up to and with its first "=" (the whole entry without one)
	keep  []int    // the entries passed on, in order: valid names, the last of each, not PWD
	pwd   int      // the entry that sets PWD, -1 for none
}

var lastShape atomic.Pointer[envShape]

// shapeOf works out env's shape; ok is false when dash would change more
// than it drops (it resets IFS, OPTIND and PPID).
func shapeOf(env []string) (sh *envShape, ok bool) {
	sh = &envShape{heads: make([]string, len(env)), pwd: -1}
	names := make([]string, len(env))
	last := make(map[string]int, len(env))
	for i, kv := range env {
		sh.heads[i] = kv
		name, _, found := strings.Cut(kv, "=")
		if !found {
			continue
		}
		sh.heads[i] = kv[:len(name)+1]
		if !validName(name) {
			continue
		}
		switch name {
		case "IFS", "OPTIND", "PPID":
			return nil, false
		}
		names[i], last[name] = name, i
	}
	if i, found := last["PWD"]; found {
		sh.pwd = i
	}
	for i, name := range names {
		if name != "" && last[name] == i && name != "PWD" {
			sh.keep = append(sh.keep, i)
		}
	}
	return sh, true
}

// fits says whether env has the names the shape was worked out from, in
// the same order.
func (sh *envShape) fits(env []string) bool {
	if len(env) != len(sh.heads) {
		return false
	}
	for i, kv := range env {
		head := sh.heads[i]
		if !strings.HasPrefix(kv, head) || !strings.HasSuffix(head, "=") && len(kv) != len(head) {
			return false
		}
	}
	return true
}

// dashPWD is the PWD dash sets in folder dir ("" = the runner's) when given
// PWD (maybe ""); ok is false when dir cannot be seen.
func dashPWD(dir, given string) (pwd string, ok bool) {
	if dir == "" {
		dir = "."
	}
	here, err := os.Stat(dir)
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(given, "/") {
		if st, err := os.Stat(given); err == nil && os.SameFile(st, here) {
			return given, true
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	if pwd, err = filepath.EvalSymlinks(abs); err != nil {
		return "", false
	}
	return pwd, true
}

// names says whether pwd names folder dir ("" = the runner's) now, as dash
// checks a PWD it is given: two stat calls, where finding PWD anew costs one
// per level of its path; none when they are the same path.
func names(pwd, dir string) bool {
	if pwd == dir {
		return true
	}
	if dir == "" {
		dir = "."
	}
	here, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, err := os.Stat(pwd)
	return err == nil && os.SameFile(st, here)
}

func validName(s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// lookPath finds name in the PATH of env as dash does: the first regular
// file the runner may execute, in order. "" when PATH is unset or holds a
// relative folder (left to dash).
func lookPath(name string, env []string) string {
	path, set := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path, set = v, true
		}
	}
	if !set {
		return ""
	}
	p, ok := foundPath.cached(name, path)
	if !ok {
		if p, ok = searchPath(name, path); ok {
			foundPath.put(name, path, p)
		}
	}
	return p
}

// searchPath is lookPath's search of one PATH value.
func searchPath(name, path string) (string, bool) {
	for _, d := range filepath.SplitList(path) {
		if !filepath.IsAbs(d) {
			return "", false
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && unix.Access(p, unix.X_OK) == nil {
			return p, true
		}
	}
	return "", false
}

// foundPath and foundPWD remember what the file system told direct, for
// the runner's life: a benchmark starts the same command in the same folder
// thousands of times, and each lookup costs a dozen stat calls, a good part
// of what a short run costs the runner. As with a shell's command hash, a
// program is looked up once it is found: one put earlier in PATH during a
// benchmark is not seen, and one that is gone fails to start directly and
// goes to the shell, which says so. A PWD is checked to still name the
// folder before each use (a Dir that is a link may be pointed elsewhere
// between runs). What was not found is looked up again next time: a program
// or folder a setup step makes later is then started directly, as a new
// runner would.
var foundPath, foundPWD lookups

// lookups remembers what was found for a pair of strings.
type lookups struct {
	mu  sync.Mutex
	got map[[2]string]string
}

// cached returns what was found for a and b, if anything.
func (l *lookups) cached(a, b string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.got[[2]string{a, b}]
	return v, ok
}

// put remembers v for a and b.
func (l *lookups) put(a, b, v string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.got) >= 256 || l.got == nil { // a folder per run: keep it small
		l.got = map[[2]string]string{}
	}
	l.got[[2]string{a, b}] = v
}
