package execute

import "context"

type abortKey struct{}

// WithAbort returns a context carrying abort: once abort is closed, every
// command run with that context (or one derived from it, even through
// context.WithoutCancel) is killed at once with SIGKILL, without the kill
// grace. It is the second Ctrl-C: the graceful parts are skipped, but the
// runs are still ended and recorded.
func WithAbort(ctx context.Context, abort <-chan struct{}) context.Context {
	// A context of its own, so that a run waits for it with
	// context.AfterFunc, not with a goroutine per run.
	aborted, cancel := context.WithCancel(context.Background())
	go func() {
		<-abort
		cancel()
	}()
	return context.WithValue(ctx, abortKey{}, aborted)
}

// Aborted reports whether ctx's abort channel (see WithAbort) is closed.
func Aborted(ctx context.Context) bool {
	a := abortOf(ctx)
	return a != nil && a.Err() != nil
}

// abortOf is ctx's abort context, cancelled at the abort; nil when it has
// none.
func abortOf(ctx context.Context) context.Context {
	a, _ := ctx.Value(abortKey{}).(context.Context)
	return a
}
