package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/bench"
	"github.com/runner-bench/runner/runner/intercept"
	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/meter"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/sim"
	"github.com/runner-bench/runner/runner/spec"
)

// llmLayer starts the metering proxy of each cell; in a dry run it also
// serves the simulator every proxy forwards to.
type llmLayer struct {
	spec *spec.Spec
	sim  *http.Server
	url  string // simulator root, dry run only
	// in, in interception mode, makes each proxy's forward proxy (one CA
	// for the whole benchmark, its files in the scratch folder).
	in *intercept.Interceptor
	// tapes, when set, record each proxy's calls or answer them from a
	// recording.
	tapes *tapes
}

func startLLM(ctx context.Context, s *spec.Spec, dry, intercepting bool, tmp string) (*llmLayer, error) {
	l := &llmLayer{spec: s}
	if intercepting {
		in, err := intercept.New(tmp)
		if err != nil {
			return nil, err
		}
		l.in = in
	}
	if !dry {
		return l, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("starting the simulator: %w", err)
	}
	l.sim = &http.Server{Handler: sim.New(sim.FromSpec(s)), ReadHeaderTimeout: 10 * time.Second}
	l.url = "http://" + ln.Addr().String()
	go l.sim.Serve(ln)
	return l, nil
}

func (l *llmLayer) Close() {
	if l.sim != nil {
		l.sim.Close()
	}
	if l.in != nil {
		l.in.Close()
	}
}

// NewProxy starts the metering proxy of one cell: a listener for each of the
// four APIs, whatever the provider's own (a workload may call a second API).
// The provider's API goes to its base_url, the others to the spec's apis:
// overrides or their public URLs; in a dry run every API goes to the
// simulator, so that nothing leaves the machine.
func (l *llmLayer) NewProxy(ctx context.Context, p *spec.Provider) (bench.Proxy, error) {
	configured, ups := l.spec.BaseURLs(p), meter.Upstreams{}
	for api, u := range configured {
		ups[api] = u
		if l.url != "" {
			ups[api] = l.url
		}
	}
	opts := []meter.Option{meter.Primary(p.API), meter.Phases(l.spec.Phases)}
	tp := l.tapes.newTape()
	if tp != nil {
		opts = append(opts, meter.Tap(tp.Tap))
	}
	mp, err := meter.Start(ctx, ups, opts...)
	if err != nil {
		return nil, err
	}
	var px bench.Proxy = mp
	if l.in != nil {
		fp, err := l.in.Start(ctx, intercept.Routes(mp.URL, configured))
		if err != nil {
			mp.Close()
			return nil, err
		}
		px = &interceptedProxy{Proxy: mp, fwd: fp}
	}
	if tp != nil {
		px = &tapedProxy{Proxy: px, tape: tp}
	}
	return px, nil
}

// interceptedProxy is a metering proxy with the forward proxy of
// interception mode in front of it.
type interceptedProxy struct {
	*meter.Proxy
	fwd *intercept.Proxy
}

// Env adds the forward proxy's variables to the metering proxy's; the run
// adds the preload's NODE_OPTIONS to its own.
func (ip *interceptedProxy) Env() []string {
	return append(ip.Proxy.Env(), ip.fwd.Env("")...)
}

func (ip *interceptedProxy) Close() error {
	return errors.Join(ip.fwd.Close(), ip.Proxy.Close())
}

func simCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sim", "[--listen ADDR] [--spec SPEC] [--seed N]",
		"Serve the simulated OpenAI, Anthropic, Gemini and Ollama APIs (streaming and not) until Ctrl-C.")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (`HOST:PORT`)")
	specFile := fs.String("spec", "", "take per-model settings from the `SPEC`'s simulate: section")
	seed := fs.Int64("seed", 0, "seed for deterministic answers (overrides the spec's)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := sim.Config{Default: sim.Defaults}
	if *specFile != "" {
		s, err := spec.Load(*specFile, nil)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		cfg = sim.FromSpec(s)
	}
	if *seed != 0 {
		cfg.Seed = *seed
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	srv := &http.Server{Handler: sim.New(cfg), ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stderr, "runner sim: serving on %s (SIMULATED answers; Ctrl-C to stop)\n", base)
	var exports []string
	for _, api := range llmapi.APIs {
		for _, v := range llmapi.EnvVars[api] {
			exports = append(exports, v.Name+"="+base+v.Suffix)
		}
	}
	fmt.Fprintf(e.stdout, "export %s\n", strings.Join(exports, " "))
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func proxyCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "proxy", "[--upstream api=URL]... [--calls FILE]",
		"Run the metering proxy standalone: point an app at the printed base URLs, use it, press Ctrl-C\n"+
			"for a per-phase and per-model summary. The X-Runner-Phase request header names a call's phase.")
	var ups multi
	fs.Var(&ups, "upstream", "proxy `api=URL` (openai, anthropic, gemini, ollama; repeatable; URL may be empty for the public API). Default: all four public APIs")
	callsFile := fs.String("calls", "", "append every call as one JSON line to `FILE`")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	upstreams := meter.Upstreams{}
	for _, u := range ups {
		api, url, _ := strings.Cut(u, "=")
		upstreams[llmapi.API(api)] = url
	}
	if len(upstreams) == 0 {
		for api := range llmapi.DefaultBaseURLs {
			upstreams[api] = ""
		}
	}
	var opts []meter.Option
	if *callsFile != "" {
		f, err := os.OpenFile(*callsFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return withCode(ExitUsage, err) // the --calls file named cannot be written
		}
		defer f.Close()
		enc := json.NewEncoder(f)
		opts = append(opts, meter.OnCall(func(c record.Call) { enc.Encode(c) }))
	}
	p, err := meter.Start(ctx, upstreams, opts...)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer p.Close()
	p.BeginRun(time.Now(), nil)
	fmt.Fprintln(e.stderr, "runner proxy: metering; set these in the app's environment, then Ctrl-C for the summary:")
	for _, kv := range p.Env() {
		fmt.Fprintln(e.stdout, "export "+kv)
	}
	<-ctx.Done()
	log := p.EndRun()
	printCalls(e, log.Groups())
	return nil
}

// printCalls shows the calls added up by phase and model.
func printCalls(e *env, groups []record.CallGroup) {
	groups = slices.Clone(groups)
	slices.SortFunc(groups, func(a, b record.CallGroup) int {
		return cmp.Or(strings.Compare(a.Phase, b.Phase), cmp.Compare(a.API, b.API), strings.Compare(a.Model, b.Model))
	})
	t := newTable(e.stdout)
	t.row("PHASE", "API", "MODEL", "CALLS", "ERRORS", "INPUT", "OUTPUT", "CACHED", "MEAN LATENCY", "MEAN TTFT")
	for _, g := range groups {
		lat, _ := g.Latency.Mean()
		ttft := "-"
		if m, ok := g.TTFT.Mean(); ok {
			ttft = fmt.Sprintf("%.3fs", m)
		}
		t.row(g.Phase, string(g.API), g.Model, fmt.Sprint(g.Calls), fmt.Sprint(g.ErrorCount()), fmt.Sprint(g.Input), fmt.Sprint(g.Output),
			fmt.Sprint(g.CachedInput), fmt.Sprintf("%.3fs", lat), ttft)
	}
	t.flush()
}
