package cli

import "context"

func compareCmd(ctx context.Context, e *env, args []string) error { return errNotYet }
