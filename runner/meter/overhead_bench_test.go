package meter

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var overheadN = flag.Int("overhead-n", 2000, "requests per target and round in BenchmarkProxyOverhead")

// BenchmarkProxyOverhead is the proxy's cost against the same upstream reached
// directly, as the wrk figures put it: throughput and p50 latency, at
// 1 and 32 concurrent connections, for a non-streamed and a streamed chat
// completion. Each iteration is one round in which the same client sends
// -overhead-n requests to each target in turn, the order rotating from round
// to round, so a machine others share loads every target alike:
//
//	direct    the simulator (50 output tokens, no delay)
//	proxy     the metering proxy in front of it, a run open
//	revproxy  a bare httputil.ReverseProxy in front of it (with the proxy's
//	          upstream transport), for reference
//	nginx     nginx in front of it, when nginx is installed: the goal
//	          (kept-alive upstream connections, no buffering, as the
//	          proxy streams)
//
// Reported as medians over the rounds: proxy_ratio (req/s through the proxy
// ÷ req/s direct in the same round), proxy_+p50_us (p50 through the proxy
// minus p50 direct, same round), the same for revproxy and nginx, and each
// target's req/s, p50 and process CPU per request (client, proxy and
// simulator together: on saturated cores, throughput goes as its inverse;
// nginx, another process, has no CPU figure).
//
//	go test ./runner/meter -run '^$' -bench ProxyOverhead -benchtime 9x
func BenchmarkProxyOverhead(b *testing.B) {
	for _, kind := range []struct{ name, body string }{{"plain", benchChat}, {"stream", benchStream}} {
		for _, conns := range []int{1, concurrency} {
			b.Run(fmt.Sprintf("%s/c%d", kind.name, conns), func(b *testing.B) {
				e := newBench(b)
				u, _ := url.Parse(e.sim.URL)
				rp := httputil.NewSingleHostReverseProxy(u)
				rp.Transport = newTransport()
				rp.ErrorLog = log.New(io.Discard, "", 0)
				rps := httptest.NewServer(rp)
				b.Cleanup(rps.Close)
				targets := []struct{ name, base string }{{"direct", e.base(false)}, {"proxy", e.base(true)}, {"revproxy", rps.URL}}
				if ng := startNginx(b, u.Host); ng != "" {
					targets = append(targets, struct{ name, base string }{"nginx", ng})
				}
				for _, t := range targets { // warm the connection pools
					e.round(b, t.base, kind.body, conns, 500)
				}
				rate := map[string][]float64{}
				p50 := map[string][]float64{}
				cpu := map[string][]float64{}
				ratio := make([][]float64, len(targets)-1)
				added := make([][]float64, len(targets)-1)
				b.ResetTimer()
				for i := range b.N {
					r, l := make([]float64, len(targets)), make([]float64, len(targets))
					for k := range targets {
						j := (i + k) % len(targets)
						t := targets[j]
						var c time.Duration
						r[j], l[j], c = e.round(b, t.base, kind.body, conns, *overheadN)
						rate[t.name] = append(rate[t.name], r[j])
						p50[t.name] = append(p50[t.name], l[j])
						cpu[t.name] = append(cpu[t.name], float64(c.Nanoseconds())/1e3)
					}
					for j := range len(targets) - 1 {
						ratio[j] = append(ratio[j], r[j+1]/r[0])
						added[j] = append(added[j], l[j+1]-l[0])
					}
					e.proxy.EndRun() // a run per round, as the runner would
					e.proxy.BeginRun(time.Now(), func() string { return "bench" })
				}
				b.StopTimer()
				for j, t := range targets[1:] {
					b.ReportMetric(median(ratio[j]), t.name+"_ratio")
					b.ReportMetric(median(added[j]), t.name+"_+p50_us")
				}
				for _, t := range targets {
					b.ReportMetric(median(rate[t.name]), t.name+"_req/s")
					b.ReportMetric(median(p50[t.name]), t.name+"_p50_us")
					if t.name != "nginx" { // its CPU is another process's
						b.ReportMetric(median(cpu[t.name]), t.name+"_cpu_us/req")
					}
				}
				b.ReportMetric(0, "ns/op") // a round's time says nothing
			})
		}
	}
}

// startNginx starts nginx in front of upstream (host:port) on a free
// loopback port and returns its base URL, or "" (and says why) when nginx is
// not installed or does not start.
func startNginx(tb testing.TB, upstream string) string {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		tb.Log("no nginx on PATH: no nginx figures")
		return ""
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := tb.TempDir()
	conf := fmt.Sprintf(`worker_processes auto;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	upstream up { server %[2]s; keepalive 64; }
	server {
		listen %[3]s;
		location / {
			proxy_pass http://up;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_buffering off;
		}
	}
}
`, dir, upstream, addr)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Logf("nginx: %v: no nginx figures", err)
		return ""
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) // the master stops its workers
		<-exited
	})
	for range 250 {
		select {
		case <-exited:
			tb.Logf("nginx did not start: %s: no nginx figures", bytes.TrimSpace(stderr.Bytes()))
			return ""
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Log("nginx did not listen within 5 s: no nginx figures")
	return ""
}

// round sends n requests with body to base from conns clients and returns
// the rate (req/s), the median latency (µs) and the process CPU per request.
func (b *bench) round(tb testing.TB, base, body string, conns, n int) (rate, p50 float64, cpuPerReq time.Duration) {
	var next atomic.Int64
	var wg sync.WaitGroup
	lat := make([][]time.Duration, conns)
	t0, c0 := time.Now(), cpuTime()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds := make([]time.Duration, 0, n/conns+1)
			for next.Add(1) <= int64(n) {
				s := time.Now()
				b.do(tb, base, body)
				ds = append(ds, time.Since(s))
			}
			lat[w] = ds
		}()
	}
	wg.Wait()
	el, c := time.Since(t0), cpuTime()-c0
	var all []time.Duration
	for _, ds := range lat {
		all = append(all, ds...)
	}
	return float64(n) / el.Seconds(), percentile(all, 0.5), c / time.Duration(n)
}
