package meter

import (
	"sync"
	"time"
)

// A watchdog sets off the alarms of many connections (a hang-up watch, the
// deadline of a request head, of an idle kept-alive connection, of an
// upstream's answer) from one goroutine that looks at them once a tick, in
// place of a runtime timer per deadline. Arming a runtime timer (a
// time.AfterFunc, a SetReadDeadline) wakes a second thread, the runtime's
// network poller, to take the new time into account: on a streamed call
// through the proxy those wake-ups were a fifth of its CPU. Arming an alarm
// takes a lock and reads the clock. An alarm goes off between its time and
// a tick later.
//
// The goroutine runs while an alarm is armed, and for about a second after
// the last one, so that calls one after another do not start it again each
// time.
type watchdog struct {
	tick       time.Duration
	quietTicks int // ticks with no alarm armed before the goroutine ends

	mu      sync.Mutex
	armed   map[*alarm]struct{}
	running bool
}

// An alarm calls fire once its time has come, unless disarmed before. The
// watchdog's goroutine calls fire under its lock: fire must not block
// (start a goroutine for what would) and must not arm or disarm.
type alarm struct {
	w    *watchdog
	fire func()

	when  time.Time // guarded by w.mu
	fired bool      // guarded by w.mu: went off since it was last disarmed
}

// newWatchdog returns a watchdog that looks at its alarms every tick,
// tick clamped to [1ms, 1s].
func newWatchdog(tick time.Duration) *watchdog {
	tick = min(max(tick, time.Millisecond), time.Second)
	return &watchdog{tick: tick, quietTicks: max(1, int(time.Second/tick)), armed: map[*alarm]struct{}{}}
}

func (w *watchdog) alarm(fire func()) *alarm { return &alarm{w: w, fire: fire} }

// arm sets the alarm to go off after d, in place of any time it had. An
// alarm that went off and was not disarmed since stays fired.
func (a *alarm) arm(d time.Duration) {
	when := time.Now().Add(d)
	w := a.w
	w.mu.Lock()
	a.when = when
	w.armed[a] = struct{}{}
	if !w.running {
		w.running = true
		go w.run()
	}
	w.mu.Unlock()
}

// disarm stops the alarm and reports whether it went off since it was last
// disarmed; if so, its fire has returned.
func (a *alarm) disarm() (fired bool) {
	w := a.w
	w.mu.Lock()
	delete(w.armed, a)
	fired, a.fired = a.fired, false
	w.mu.Unlock()
	return fired
}

func (w *watchdog) run() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	quiet := 0
	for now := range t.C {
		w.mu.Lock()
		if len(w.armed) == 0 {
			if quiet++; quiet >= w.quietTicks {
				w.running = false
				w.mu.Unlock()
				return
			}
		} else {
			quiet = 0
		}
		for a := range w.armed {
			if !now.Before(a.when) {
				delete(w.armed, a)
				a.fired = true
				a.fire()
			}
		}
		w.mu.Unlock()
	}
}
