package execute

import "context"

type abortKey struct{}

// WithAbort returns a context carrying abort: once abort is closed, every
// command run with that context (or one derived from it, even through
// context.WithoutCancel) is killed at once with SIGKILL, without the kill
// grace. It is the second Ctrl-C: the graceful parts are skipped, but the
// runs are still ended and recorded.
func WithAbort(ctx context.Context, abort <-chan struct{}) context.Context {
	return context.WithValue(ctx, abortKey{}, abort)
}

// Aborted reports whether ctx's abort channel (see WithAbort) is closed.
func Aborted(ctx context.Context) bool {
	select {
	case <-abortOf(ctx):
		return true
	default:
		return false
	}
}

// abortOf is ctx's abort channel; nil (never ready) when it has none.
func abortOf(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(abortKey{}).(<-chan struct{})
	return ch
}
