package cli

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// benchmarkInfo describes where and when a benchmark runs.
func benchmarkInfo(s *spec.Spec, specFile string, started time.Time, dry bool, shard plan.Shard) record.Benchmark {
	host, _ := os.Hostname()
	return record.Benchmark{
		Spec: s.Name, SpecFile: specFile, Started: started, Simulated: dry, Shard: shard.String(),
		Host: host, OS: osName(), Arch: runtime.GOARCH, CPU: cpuModel(), Cores: runtime.NumCPU(),
		MemoryMB: memoryMB(), RunnerVersion: version(), GoVersion: runtime.Version(),
	}
}

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

func osName() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`) + " (" + runtime.GOOS + ")"
		}
	}
	return runtime.GOOS
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memoryMB() float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// startGitCommit asks git for the commit in the background (two git
// processes are slow next to a short benchmark) and returns its answer.
func startGitCommit() func() string {
	c := make(chan string, 1)
	go func() { c <- gitCommit() }()
	return sync.OnceValue(func() string { return <-c })
}

// gitCommit is the commit of the working tree the benchmark runs in, with
// "+dirty" when it has changes; "" outside a repository.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		commit += "+dirty"
	}
	return commit
}
