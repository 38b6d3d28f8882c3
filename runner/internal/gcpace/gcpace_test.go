package gcpace

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// until collects until the target is want, as the watch sets it after a
// collection, on the finalizers' goroutine; the limit only guards a hang.
func until(t *testing.T, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for gogc() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: GOGC %d, want %d", what, gogc(), want)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// Sparse while the heap is small, Go's default once it is big, sparse
// again while a read holds it, and back to the default after.
func TestPace(t *testing.T) {
	t.Setenv("GOGC", "")
	Lazy()
	for range 3 {
		runtime.GC()
	}
	time.Sleep(10 * time.Millisecond)
	if p := gogc(); p != Sparse {
		t.Fatalf("GOGC %d with a small heap, want %d", p, Sparse)
	}
	var big [][]byte
	for range SmallHeap/(1<<20) + 16 {
		big = append(big, make([]byte, 1<<20))
	}
	until(t, 100, "a big heap")
	release := Hold()
	if p := gogc(); p != Sparse {
		t.Errorf("GOGC %d while a read holds it, want %d", p, Sparse)
	}
	runtime.GC() // a collection during the read does not undo the hold
	time.Sleep(10 * time.Millisecond)
	if p := gogc(); p != Sparse {
		t.Errorf("GOGC %d after a collection during a read, want %d", p, Sparse)
	}
	release()
	if p := gogc(); p != 100 {
		t.Errorf("GOGC %d after a read with a big heap, want 100", p)
	}
	runtime.KeepAlive(big)
	big = nil
	until(t, Sparse, "the heap small again")
}
