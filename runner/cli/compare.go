package cli

import (
	"context"
	"errors"
)

func compareCmd(ctx context.Context, e *env, args []string) error { return errors.New("compare: not yet") }
