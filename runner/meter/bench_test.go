package meter

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/sim"
)

// go test ./runner/meter -run TestLoad -load  (100,000 requests, a minute or so)
var load = flag.Bool("load", false, "run TestLoad: 100,000 requests through the proxy")

const (
	benchChat   = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Summarise the ride in one paragraph."}]}`
	benchStream = `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Summarise the ride in one paragraph."}]}`
)

type bench struct {
	sim    *httptest.Server
	proxy  *Proxy
	client *http.Client
	tr     *http.Transport
}

// newBench serves the simulator at zero latency (50 output tokens) and a proxy
// in front of it, with a run open so that calls are recorded as in a benchmark.
func newBench(tb testing.TB) *bench {
	tb.Helper()
	s := httptest.NewServer(sim.New(sim.Config{Default: sim.Model{OutputTokens: 50}}))
	p, err := Start(context.Background(), Upstreams{llmapi.OpenAI: s.URL + "/v1"})
	if err != nil {
		tb.Fatal(err)
	}
	p.BeginRun(time.Now(), func() string { return "bench" })
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	b := &bench{sim: s, proxy: p, tr: tr, client: &http.Client{Transport: tr}}
	tb.Cleanup(func() {
		p.EndRun()
		p.Close()
		s.Close()
		tr.CloseIdleConnections()
	})
	return b
}

func (b *bench) base(proxied bool) string {
	if proxied {
		return b.proxy.URL(llmapi.OpenAI)
	}
	return b.sim.URL
}

// do makes one request and reads the whole answer.
func (b *bench) do(tb testing.TB, base, body string) {
	resp, err := b.client.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("status %d", resp.StatusCode)
	}
}

// firstChunk makes a streamed request and returns the time to its first
// content chunk, then drains the rest.
func (b *bench) firstChunk(tb testing.TB, base string) time.Duration {
	t0 := time.Now()
	resp, err := b.client.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(benchStream))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	var d time.Duration
	for {
		line, err := br.ReadString('\n')
		if d == 0 && strings.Contains(line, `"content":"`) && !strings.Contains(line, `"content":""`) {
			d = time.Since(t0)
		}
		if err != nil {
			break
		}
	}
	return d
}

func percentile(ds []time.Duration, q float64) float64 {
	slices.Sort(ds)
	return float64(ds[int(float64(len(ds)-1)*q)].Microseconds())
}

func mode(proxied bool) string {
	if proxied {
		return "proxy"
	}
	return "direct"
}

// BenchmarkLatency: one request at a time; reports p50_us and p99_us.
// The proxy's added latency is proxy minus direct.
func BenchmarkLatency(b *testing.B) {
	for _, proxied := range []bool{false, true} {
		b.Run(mode(proxied), func(b *testing.B) {
			e := newBench(b)
			base := e.base(proxied)
			for range 200 { // warm the connection pools
				e.do(b, base, benchChat)
			}
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				e.do(b, base, benchChat)
				ds = append(ds, time.Since(t0))
			}
			b.ReportMetric(percentile(ds, 0.50), "p50_us")
			b.ReportMetric(percentile(ds, 0.99), "p99_us")
		})
	}
}

// BenchmarkThroughput: 32 concurrent clients; compare ns/op (or req/s).
// cpu_us/op is the CPU the whole process (client, proxy and simulator) spent
// per request: on a machine whose cores are saturated, the throughput ratio
// through the proxy is about the inverse ratio of these.
func BenchmarkThroughput(b *testing.B) {
	for _, proxied := range []bool{false, true} {
		b.Run(mode(proxied), func(b *testing.B) {
			e := newBench(b)
			base := e.base(proxied)
			for range 200 {
				e.do(b, base, benchChat)
			}
			b.SetParallelism(max(1, concurrency/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			t0, c0 := time.Now(), cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e.do(b, base, benchChat)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "req/s")
			b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N), "cpu_us/op")
		})
	}
}

const concurrency = 32

// burst sends n requests to base from concurrency clients and returns the
// rate (req/s) and the process CPU per request.
func (b *bench) burst(tb testing.TB, base string, n int) (rate float64, cpuPerReq time.Duration) {
	var next atomic.Int64
	var wg sync.WaitGroup
	t0, c0 := time.Now(), cpuTime()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				b.do(tb, base, benchChat)
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds(), (cpuTime() - c0) / time.Duration(n)
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}

// BenchmarkThroughputRatio measures what the acceptance asks, the ratio of
// requests/s through the proxy to requests/s direct at concurrency 32, on a
// machine that other work may share: each iteration is one round of the same
// client (one http.Client, one Transport) sending -ratio-n requests direct to
// the simulator, then the same number through the proxy in front of that same
// simulator; rounds alternate which goes first. It reports the medians over the
// rounds (run with -benchtime 9x for nine rounds).
//
// At zero simulated latency every request is pure CPU, and the client, the
// simulator and the proxy share the machine's cores: the ratio is about
// direct_cpu_us/req / proxy_cpu_us/req. On 2 cores (2026-11) the proxy's own
// socket reads and writes alone cost about a quarter of a whole direct request
// (client and simulator), so 0.8 is out of reach there whatever the proxy does
// above the sockets; it is reachable only where the proxy does not take its
// CPU from the client and the upstream.
func BenchmarkThroughputRatio(b *testing.B) {
	e := newBench(b)
	direct, proxied := e.base(false), e.base(true)
	e.burst(b, direct, 2000) // warm both connection pools
	e.burst(b, proxied, 2000)
	var rd, rp, ratios, cd, cp []float64
	b.ResetTimer()
	for i := range b.N {
		var d, p float64
		var dc, pc time.Duration
		if i%2 == 0 {
			d, dc = e.burst(b, direct, *ratioN)
			p, pc = e.burst(b, proxied, *ratioN)
		} else {
			p, pc = e.burst(b, proxied, *ratioN)
			d, dc = e.burst(b, direct, *ratioN)
		}
		rd, rp, ratios = append(rd, d), append(rp, p), append(ratios, p/d)
		cd, cp = append(cd, float64(dc.Nanoseconds())/1e3), append(cp, float64(pc.Nanoseconds())/1e3)
		e.proxy.EndRun() // a run per round, as the runner would
		e.proxy.BeginRun(time.Now(), func() string { return "bench" })
	}
	b.ReportMetric(median(rd), "direct_req/s")
	b.ReportMetric(median(rp), "proxy_req/s")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(cd), "direct_cpu_us/req")
	b.ReportMetric(median(cp), "proxy_cpu_us/req")
}

var ratioN = flag.Int("ratio-n", 20000, "requests per mode and round in BenchmarkThroughputRatio")

// BenchmarkStreamFirstChunk: time to the first content chunk of a stream.
func BenchmarkStreamFirstChunk(b *testing.B) {
	for _, proxied := range []bool{false, true} {
		b.Run(mode(proxied), func(b *testing.B) {
			e := newBench(b)
			base := e.base(proxied)
			for range 100 {
				e.firstChunk(b, base)
			}
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				ds = append(ds, e.firstChunk(b, base))
			}
			b.ReportMetric(percentile(ds, 0.50), "p50_us")
			b.ReportMetric(percentile(ds, 0.99), "p99_us")
		})
	}
}

func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

// TestLoad sends 100,000 requests through the proxy (8 clients, a run
// closed every 1,000 calls as the runner would between runs) and checks that
// the heap stays flat.
func TestLoad(t *testing.T) {
	if !*load {
		t.Skip("run with -load")
	}
	e := newBench(t)
	base := e.base(true)
	const total, workers, perRun = 100_000, 8, 1000
	for range 500 {
		e.do(t, base, benchChat)
	}
	e.proxy.EndRun()
	before := heapMB()
	t0 := time.Now()
	calls := 0
	for done := 0; done < total; done += perRun {
		e.proxy.BeginRun(time.Now(), func() string { return "load" })
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < perRun; i += workers {
					body := benchChat
					if i%2 == 0 {
						body = benchStream
					}
					e.do(t, base, body)
				}
			}()
		}
		wg.Wait()
		log := e.proxy.EndRun()
		calls += log.Count()
		if done == total/2 {
			t.Logf("heap at 50,000 requests: %.1f MB", heapMB())
		}
	}
	el := time.Since(t0)
	after := heapMB()
	t.Logf("%d requests (half streamed) in %v (%.0f req/s); heap in use %.1f MB before, %.1f MB after", total, el.Round(time.Millisecond), total/el.Seconds(), before, after)
	if calls != total {
		t.Errorf("%d calls recorded, want %d", calls, total)
	}
	if after > before+16 {
		t.Errorf("heap grew from %.1f MB to %.1f MB", before, after)
	}
}

// TestLoadOneLongRun sends 100,000 requests in one run: the run keeps its
// first record.MaxCalls calls and adds the rest up, so the heap stays flat
// while the run counts every call and every token.
//
//	go test ./runner/meter -run TestLoadOneLongRun -load -v
func TestLoadOneLongRun(t *testing.T) {
	if !*load {
		t.Skip("run with -load")
	}
	e := newBench(t)
	base := e.base(true)
	const total, workers = 100_000, 8
	for range 500 {
		e.do(t, base, benchChat)
	}
	e.proxy.EndRun()
	before := heapMB()
	e.proxy.BeginRun(time.Now(), func() string { return "load" })
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += workers {
				body := benchChat
				if i%2 == 0 {
					body = benchStream
				}
				e.do(t, base, body)
			}
		}()
	}
	wg.Wait()
	during := heapMB()
	log := e.proxy.EndRun()
	t.Logf("one run of %d requests: heap in use %.1f MB before, %.1f MB at its end; %d calls kept, %d counted, %d output tokens",
		total, before, during, len(log.Calls), log.Count(), log.Total().Output)
	if log.Count() != total || log.Total().Output != 50*total {
		t.Errorf("%d calls and %d output tokens counted, want %d and %d", log.Count(), log.Total().Output, total, 50*total)
	}
	if during > before+16 {
		t.Errorf("heap grew from %.1f MB to %.1f MB during one run", before, during)
	}
}
