package host

import (
	"runtime"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	h := Describe()
	if h.Arch != runtime.GOARCH || h.Cores < 1 || h.CPU == "" || h.GoVersion != runtime.Version() {
		t.Errorf("Describe() = %+v: arch, cores, CPU or Go version missing", h)
	}
	if !strings.Contains(h.OS, runtime.GOOS) {
		t.Errorf("OS %q does not name %s", h.OS, runtime.GOOS)
	}
	if runtime.GOOS == "linux" && h.MemoryMB <= 0 {
		t.Errorf("MemoryMB = %v on linux, where /proc/meminfo has it", h.MemoryMB)
	}
}
