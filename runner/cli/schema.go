package cli

import "context"

func schemaCmd(ctx context.Context, e *env, args []string) error { return errNotYet }
