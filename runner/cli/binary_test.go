package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/runner-bench/runner/runner/history"
)

// The runner binary, built once for the tests that need a real process
// (signals, a closed stdout).
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// workloadEnv makes the test binary a workload instead of running tests:
// "llm-call" sends one chat completion to $OPENAI_BASE_URL and exits 0
// whatever the answer, as a workload that swallows API errors does.
const workloadEnv = "RUNNER_CLI_TEST_WORKLOAD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(workloadEnv); mode != "" {
		os.Exit(testWorkload(mode))
	}
	// Benchmarks run by tests keep no history in the repository's
	// .runner/: the history tests name their own store in a temp dir.
	os.Setenv(history.EnvVar, history.Off)
	flag.Parse()
	// The tests that call t.Parallel mostly wait (simulated latencies,
	// sleeps, child processes): run up to 8 at once, not one per core,
	// unless -parallel is given.
	parallel := false
	flag.Visit(func(f *flag.Flag) { parallel = parallel || f.Name == "test.parallel" })
	if !parallel {
		flag.Set("test.parallel", "8")
	}
	if flag.Lookup("test.run").Value.String() == "" {
		// The whole package runs: link the runner while the first tests
		// run (they mostly wait), not when the first test needs it.
		go built.once.Do(buildRunner)
	}
	code := m.Run()
	built.once.Do(func() {}) // waits for a build still running
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// runnerBinary builds ./runner once per test process and returns its path.
func runnerBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(buildRunner)
	if built.err != nil {
		t.Fatalf("building the runner: %v\n%s", built.err, built.path)
	}
	return built.path
}

func buildRunner() {
	built.dir, built.err = os.MkdirTemp("", "runner-test-bin-")
	if built.err != nil {
		return
	}
	built.path = filepath.Join(built.dir, "runner")
	cmd := exec.Command("go", "build", "-o", built.path, "github.com/runner-bench/runner/runner")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		built.err = err
		built.path = string(out)
	}
}

// repoRoot is the repository's root, which the reference specs' paths are
// relative to (tests start in the package's folder).
var repoRoot = func() string {
	d, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return d
}()

// runnerAt runs the runner binary in dir with env added to the test
// process's environment, and returns its exit code and output. Unlike Main
// in-process, it needs no t.Chdir or t.Setenv, so a long end-to-end test
// that uses it can run in parallel with the others.
func runnerAt(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runnerCmd(t, dir, append(os.Environ(), env...), args...)
}

// runnerCmd runs the runner binary in dir with exactly env.
func runnerCmd(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(runnerBinary(t), args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRunner starts cmd with its stderr kept, and returns that and what
// cmd.Wait gives once it exits.
func startRunner(t *testing.T, cmd *exec.Cmd) (*syncBuffer, <-chan error) {
	t.Helper()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return stderr, exited
}

// pidsIn reads the process IDs listed one per line in path.
func pidsIn(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive tells whether pid is a process that still runs (a zombie, which
// only waits to be reaped by whoever inherited it, is not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc (macOS): kill(0) said it exists
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

func testWorkload(mode string) int {
	switch mode {
	case "llm-call":
		body := `{"model":"` + os.Getenv("RUNNER_MODEL") + `","messages":[{"role":"user","content":"hi"}]}`
		resp, err := http.Post(os.Getenv("OPENAI_BASE_URL")+"/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			fmt.Fprintln(os.Stderr, "call failed:", err)
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Println("llm answered", resp.StatusCode)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown workload", mode)
	return 2
}
