package meter

import (
	"sync/atomic"
	"testing"
	"time"
)

// eventually waits up to 10 s for cond, which the watchdog's goroutine makes
// true a tick or so later on a quiet machine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
	}
}

func TestWatchdogAlarms(t *testing.T) {
	t.Parallel()
	w := newWatchdog(time.Millisecond)
	running := func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.running
	}
	var fired atomic.Int32
	a := w.alarm(func() { fired.Add(1) })

	a.arm(5 * time.Millisecond)
	eventually(t, "an armed alarm went off", func() bool { return fired.Load() == 1 })
	if !a.disarm() {
		t.Error("disarm after the alarm went off: fired false, want true")
	}
	if a.disarm() {
		t.Error("a second disarm: fired true, want false (it was reported once)")
	}

	a.arm(time.Hour)
	if a.disarm() {
		t.Error("disarmed before its time: fired true, want false")
	}
	eventually(t, "the goroutine ends with no alarm armed", func() bool { return !running() })
	if n := fired.Load(); n != 1 {
		t.Errorf("a disarmed alarm went off: %d calls, want 1", n)
	}

	// Arming again moves the time, and starts the goroutine again.
	a.arm(time.Hour)
	a.arm(time.Millisecond)
	eventually(t, "a re-armed alarm went off at its new time", func() bool { return fired.Load() == 2 })
	if !a.disarm() {
		t.Error("disarm after the re-armed alarm went off: fired false, want true")
	}
}

// Alarms of many connections go off each at its own time, from one goroutine.
func TestWatchdogManyAlarms(t *testing.T) {
	t.Parallel()
	w := newWatchdog(time.Millisecond)
	var early, late atomic.Int32
	var soon, never []*alarm
	for i := 0; i < 50; i++ {
		a := w.alarm(func() { early.Add(1) })
		a.arm(time.Duration(i%5) * time.Millisecond)
		soon = append(soon, a)
		b := w.alarm(func() { late.Add(1) })
		b.arm(time.Hour)
		never = append(never, b)
	}
	eventually(t, "50 alarms went off", func() bool { return early.Load() == 50 })
	for _, b := range never {
		if b.disarm() {
			t.Fatal("an alarm an hour away went off")
		}
	}
	for _, a := range soon {
		if !a.disarm() {
			t.Fatal("an alarm that went off says it did not")
		}
	}
	if n := late.Load(); n != 0 {
		t.Errorf("%d alarms an hour away went off", n)
	}
}

func TestWatchdogTickIsClamped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want time.Duration }{
		{0, time.Millisecond},
		{10 * time.Minute / 10, time.Second},
		{20 * time.Millisecond, 20 * time.Millisecond},
	} {
		if got := newWatchdog(tc.in).tick; got != tc.want {
			t.Errorf("newWatchdog(%v).tick = %v, want %v", tc.in, got, tc.want)
		}
	}
}
