package cli

import (
	"context"
	"errors"
	"time"

	"github.com/runner-bench/runner/runner/bench"
	"github.com/runner-bench/runner/runner/spec"
)

var nowForTrial = time.Now()

var errNotYet = errors.New("not available in this build")

func proxyCmd(ctx context.Context, e *env, args []string) error { return errNotYet }
func simCmd(ctx context.Context, e *env, args []string) error   { return errNotYet }

type llmLayer struct{}

func (llmLayer) Close()                                                              {}
func (llmLayer) NewProxy(ctx context.Context, p *spec.Provider) (bench.Proxy, error) { return nil, nil }

func startLLM(ctx context.Context, s *spec.Spec, dry bool) (*llmLayer, error) {
	return &llmLayer{}, nil
}
