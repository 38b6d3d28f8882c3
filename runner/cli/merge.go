package cli

import "context"

func mergeCmd(ctx context.Context, e *env, args []string) error { return errNotYet }
