//go:build !linux

package execute

import "testing"

// eachWait runs f with the goroutine wait, the only one here.
func eachWait(t *testing.T, f func(t *testing.T)) { f(t) }
