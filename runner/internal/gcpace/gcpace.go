// Package gcpace sets how often Go's garbage collector runs, for the whole
// runner process, in one place. The runner is short-lived and, for all but
// the largest benchmarks, its heap is small: collecting each time it
// doubles (Go's default, GOGC=100) costs a 500-run benchmark's results a
// dozen collections, about half their time. So the collector runs at a
// fifth of that pace (GOGC=400) while the heap is small, and while a bulk
// read keeps nearly all it allocates (Hold); otherwise at Go's default, so
// big reports do not hold more memory than they need.
package gcpace

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

const (
	// Sparse is the collector's target (GOGC) while sparse.
	Sparse = 400
	// SmallHeap is the live heap under which the process counts as small.
	SmallHeap = 32 << 20
)

var pace struct {
	sync.Mutex
	init  bool
	base  int  // the target otherwise: the user's GOGC, else Go's 100
	user  bool // the user set GOGC: only Hold changes it
	small bool // the last collection found less than SmallHeap live
	holds int  // Hold calls not yet released
}

// Lazy makes the collector sparse while the heap is small (unless the
// user set GOGC). Call it once, first thing in main.
func Lazy() {
	pace.Lock()
	start()
	pace.small = !pace.user
	set()
	pace.Unlock()
	watch()
}

// Hold makes the collector sparse until release is called, for a read
// that keeps nearly all it allocates (runs.jsonl): collecting each time
// the heap doubles would mark the same records again and again for little
// to free. The heap of such a read stays within 1+Sparse/100 times what
// it keeps.
func Hold() (release func()) {
	pace.Lock()
	defer pace.Unlock()
	start()
	pace.holds++
	set()
	return func() {
		pace.Lock()
		defer pace.Unlock()
		pace.holds--
		set()
	}
}

// start reads the target the process began with. Called with pace held.
func start() {
	if pace.init {
		return
	}
	pace.init = true
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	pace.base = 100
	if s[0].Value.Kind() == metrics.KindUint64 {
		pace.base = int(s[0].Value.Uint64())
	}
	if os.Getenv("GOGC") == "off" {
		pace.base = -1
	}
	pace.user = os.Getenv("GOGC") != ""
}

// set applies the target. Called with pace held.
func set() {
	target := pace.base
	if (pace.holds > 0 || pace.small) && target >= 0 {
		target = max(target, Sparse)
	}
	debug.SetGCPercent(target)
}

// watch looks at the live heap after every collection: a finalizer runs
// after the collection that finds its object unreachable, and each run
// arms the next.
func watch() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		small := s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() < SmallHeap
		pace.Lock()
		if pace.small != (small && !pace.user) {
			pace.small = small && !pace.user
			set()
		}
		pace.Unlock()
		watch()
	})
}

// sentinel holds a pointer, so it is its own allocation: the tiny
// allocator packs pointer-free ones together, and their finalizers may
// never run.
type sentinel struct{ _ *byte }
