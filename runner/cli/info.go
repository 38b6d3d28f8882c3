package cli

import (
	"runtime/debug"
	"time"

	"github.com/runner-bench/runner/runner/host"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// benchmarkInfo describes where and when a benchmark runs.
func benchmarkInfo(s *spec.Spec, specFile string, started time.Time, dry bool, shard plan.Shard) record.Benchmark {
	h := host.Describe()
	return record.Benchmark{
		Spec: s.Name, SpecFile: specFile, Started: started, Simulated: dry, Shard: shard.String(),
		Host: h.Host, OS: h.OS, Arch: h.Arch, CPU: h.CPU, Cores: h.Cores,
		MemoryMB: h.MemoryMB, RunnerVersion: version(), GoVersion: h.GoVersion,
	}
}

// version is the -ldflags version, else the module version of a
// `go install` build, else "dev".
func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}
