package execute

import "context"

type abortKey struct{}

// abortion is what WithAbort puts in a context: the abort channel, which
// Aborted reads, and a context cancelled once it is closed, which a run
// waits for with context.AfterFunc, not with a goroutine per run.
type abortion struct {
	abort   <-chan struct{}
	aborted context.Context
}

// WithAbort returns a context carrying abort: once abort is closed, every
// command run with that context (or one derived from it, even through
// context.WithoutCancel) is killed at once with SIGKILL, without the kill
// grace. It is the second Ctrl-C: the graceful parts are skipped, but the
// runs are still ended and recorded.
func WithAbort(ctx context.Context, abort <-chan struct{}) context.Context {
	aborted, cancel := context.WithCancel(context.Background())
	go func() {
		<-abort
		cancel()
	}()
	return context.WithValue(ctx, abortKey{}, &abortion{abort, aborted})
}

// Aborted reports whether ctx's abort channel (see WithAbort) is closed. It
// reads the channel itself: the abort context is cancelled a moment later,
// by another goroutine.
func Aborted(ctx context.Context) bool {
	a, _ := ctx.Value(abortKey{}).(*abortion)
	if a == nil {
		return false
	}
	select {
	case <-a.abort:
		return true
	default:
		return false
	}
}

// abortOf is ctx's abort context, cancelled at the abort; nil when it has
// none.
func abortOf(ctx context.Context) context.Context {
	if a, _ := ctx.Value(abortKey{}).(*abortion); a != nil {
		return a.aborted
	}
	return nil
}
