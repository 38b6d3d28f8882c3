package execute

import "context"

type abortKey struct{}

// abort is what WithAbort puts in a context: the channel, which Aborted
// reads (closed is aborted, at once), and a context cancelled when it
// closes, which a run waits for with context.AfterFunc rather than with a
// goroutine of its own.
type abort struct {
	ch  <-chan struct{}
	ctx context.Context
}

// WithAbort returns a context carrying abort: once abort is closed, every
// command run with that context (or one derived from it, even through
// context.WithoutCancel) is killed at once with SIGKILL, without the kill
// grace. It is the second Ctrl-C: the graceful parts are skipped, but the
// runs are still ended and recorded.
func WithAbort(ctx context.Context, ch <-chan struct{}) context.Context {
	actx, cancel := context.WithCancel(context.Background())
	go func() {
		<-ch
		cancel()
	}()
	return context.WithValue(ctx, abortKey{}, abort{ch: ch, ctx: actx})
}

// Aborted reports whether ctx's abort channel (see WithAbort) is closed.
func Aborted(ctx context.Context) bool {
	a, ok := ctx.Value(abortKey{}).(abort)
	if !ok {
		return false
	}
	select {
	case <-a.ch:
		return true
	default:
		return false
	}
}

// abortOf is a context cancelled when ctx's abort channel closes; nil when
// ctx has none.
func abortOf(ctx context.Context) context.Context {
	a, _ := ctx.Value(abortKey{}).(abort)
	return a.ctx
}
