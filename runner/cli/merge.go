package cli

import (
	"context"
	"errors"
)

func mergeCmd(ctx context.Context, e *env, args []string) error { return errors.New("merge: not yet") }
