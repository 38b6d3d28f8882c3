// Package host describes the machine a benchmark runs on and the commit of
// the tree it runs in, as benchmark.json and the report record them.
package host

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Info is the machine: what a reader needs to tell two results' hosts apart.
type Info struct {
	Host      string
	OS        string // /etc/os-release's PRETTY_NAME and GOOS, or GOOS
	Arch      string
	CPU       string // the CPU model, or GOARCH where it cannot be read
	Cores     int
	MemoryMB  float64 // 0 where it cannot be read
	GoVersion string
}

// Describe probes the machine. Every probe falls back to what the Go
// runtime knows, so it never fails.
func Describe() Info {
	name, _ := os.Hostname()
	return Info{
		Host: name, OS: osName(), Arch: runtime.GOARCH, CPU: cpuModel(),
		Cores: runtime.NumCPU(), MemoryMB: memoryMB(), GoVersion: runtime.Version(),
	}
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

// StartGitCommit asks git for the commit in the background (two git
// processes are slow next to a short benchmark) and returns its answer.
func StartGitCommit() func() string {
	c := make(chan string, 1)
	go func() { c <- GitCommit() }()
	return sync.OnceValue(func() string { return <-c })
}

// GitCommit is the commit of the working tree the benchmark runs in, with
// "+dirty" when it has changes; "" outside a repository.
func GitCommit() string {
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
