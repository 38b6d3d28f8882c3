#!/usr/bin/env bash
# The metering proxy against nginx, as issue 11 measures it: wrk through
# `runner proxy` and through nginx (kept-alive upstream connections, no
# buffering) in front of the same `runner sim` (50 output tokens, no delay),
# and wrk straight at the simulator, in rounds whose order rotates, so a
# shared machine loads each target alike. Prints per round req/s and p50, then
# the medians of ratio (req/s through ÷ req/s direct, same round) and +p50
# (p50 through − p50 direct, same round) for the proxy and nginx, at 32
# connections and at 1: non-streamed, streamed, and streamed with the client
# asking for usage itself ("usage"). The proxy asks a streamed call's upstream
# for its usage (stream_options.include_usage) to meter it: in "stream" the
# simulator then sends one chunk more through the proxy than through nginx
# or directly; in "usage" every path carries the same bytes. The goal is
# nginx's figures. Wall figures want a quiet machine: the load is printed
# per round.
# Figures (2 cores, 2026-12-02, 3 rounds of 3 s, twice, a shared machine
# at load 4.4-7.0, so only roughly: the direct figure itself moved 2-3x
# from round to round), with the proxy's own HTTP/1.1 server
# (runner/meter/server.go): non-streamed, 32 connections: proxy 0.98x and
# 0.46x, nginx 0.92x and 0.56x; 1 connection: proxy +89 and +111 us p50,
# nginx +122 and +86 us. Streamed: proxy 0.92x and 0.65x, nginx 0.99x and
# 1.05x; +104 and +156 us, nginx +35 and +72 us. Before it, with net/http's
# server, just before each: 0.57x and 0.48x (nginx 0.72x, 0.73x); +111 and
# +110 us; streamed 0.70x and 0.67x (nginx 0.82x, 1.01x); +145 and +156 us.
# The proxy's own req/s, median of the 6 rounds, before -> after: 9186 ->
# 11085 (32 connections), 3800 -> 3766 (1); streamed 3817 -> 4165, 1916 ->
# 2130. Steadier: callgrind instructions per call in the proxy process,
# 121.6k -> 85-91k non-streamed, 325-333k -> 290-303k streamed. Quiet
# machine (load 0.9 before, 1.8-3.0 from the test itself), 18:44 UTC, 3
# rounds: non-streamed 32 connections proxy 0.52x, nginx 0.68x; 1
# connection +185 us, nginx +194 us; streamed 0.75x and 0.88x, +171 us and
# +65 us (the last stop's quiet figures: 0.47x/0.64x, +171-181/+92-133 us,
# 0.71x/1.01x, +195/+72 us). 2026-12-03 08:05 UTC, quiet (load 0.0 before),
# 5 rounds of 3 s, the proxy before -> after its deadlines and hang-up watch
# became watchdog alarms instead of runtime timers (runner/meter/watchdog.go),
# both in the same rounds: non-streamed 32 connections 0.54x -> 0.55x (nginx
# 0.63x), 1 connection +148 -> +142 us (nginx +124 us); streamed 0.70x ->
# 0.79x (nginx 0.84x), +111 -> +85 us (nginx +55 us); "usage" 0.86x -> 0.88x
# (nginx 0.91x), +90 -> +87 us (nginx +83 us). Context switches of the proxy
# per streamed call at 1 connection (perf stat -e context-switches -p PID
# around wrk): 13.5 -> 10.0; non-streamed 6.5 -> 5.0. Don't run
# this under chrt -f: Go processes at a real-time priority spin and starve
# the machine.
# Needs wrk and nginx (Debian: wrk nginx-light). Run from the repository root:
#   examples/perf/proxy-vs-nginx.sh [ROUNDS [DURATION]]
set -euo pipefail
rounds=${1:-5} dur=${2:-3s}
sim_port=${SIM_PORT:-18181} nginx_port=${NGINX_PORT:-18182}
mkdir -p outputs && dir=$(mktemp -d -p outputs perf.XXXXXX)
dir=$(cd "$dir" && pwd)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
go build -o "$dir/runner" ./runner
cat > "$dir/sim.yaml" <<YAML
name: sim
command: "true"
simulate:
  models:
    "*": { ttft: 0s, tokens_per_second: 1000000000000, output_tokens: 50 }
YAML
"$dir/runner" sim --listen "127.0.0.1:$sim_port" --spec "$dir/sim.yaml" >/dev/null 2>&1 & pids+=($!)
"$dir/runner" proxy --upstream "openai=http://127.0.0.1:$sim_port/v1" >"$dir/proxy.env" 2>/dev/null & pids+=($!)
for _ in $(seq 100); do grep -q RUNNER_PROXY_URL_OPENAI "$dir/proxy.env" 2>/dev/null && break; sleep 0.1; done
proxy=$(tr ' ' '\n' <"$dir/proxy.env" | sed -n 's/^RUNNER_PROXY_URL_OPENAI=//p')
mkdir -p "$dir/nginx"
cat > "$dir/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/body;
  proxy_temp_path $dir/nginx/proxy;
  upstream sim { server 127.0.0.1:$sim_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / { proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" & pids+=($!)
sleep 0.5
cat > "$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY")
LUA
url_direct="http://127.0.0.1:$sim_port" url_proxy=$proxy url_nginx="http://127.0.0.1:$nginx_port"
# one KIND CONNS TARGET: prints "req/s p50_us"
one() {
  local stream=false opts=""; [ "$1" != plain ] && stream=true
  [ "$1" = usage ] && opts='"stream_options":{"include_usage":true},'
  local body="{\"model\":\"gpt-4o-mini\",\"stream\":$stream,$opts\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ride in one paragraph.\"}]}"
  BODY=$body wrk -t"$(( $2 > 1 ? 2 : 1 ))" -c"$2" -d"$dur" --latency -s "$dir/post.lua" "$(eval echo "\$url_$3")/v1/chat/completions" |
    awk '/Requests\/sec/{r=$2} $1=="50%"{v=$2; m=1; if (v ~ /us$/) sub("us","",v); else if (v ~ /ms$/) {sub("ms","",v); m=1000} else {sub("s","",v); m=1e6}; p=v*m}
         /Non-2xx/{bad=1} END{if (bad) {print "non-2xx answers" > "/dev/stderr"; exit 1}; print r, p}'
}
targets=(direct proxy nginx)
for kind in plain stream usage; do for c in 32 1; do
  for t in "${targets[@]}"; do one $kind $c $t >/dev/null; done  # warm the connection pools
  : >"$dir/rounds"
  for r in $(seq "$rounds"); do
    for k in 0 1 2; do
      t=${targets[$(( (r + k) % 3 ))]}
      read -r "rate_$t" "p50_$t" < <(one $kind $c $t)
    done
    printf '%s c%s round %d: direct %s req/s p50 %s us, proxy %s req/s p50 %s us, nginx %s req/s p50 %s us (load %s)\n' \
      $kind $c "$r" "$rate_direct" "$p50_direct" "$rate_proxy" "$p50_proxy" "$rate_nginx" "$p50_nginx" "$(uptime | sed 's/.*load average[s]*: //')"
    echo "$rate_proxy $rate_direct $p50_proxy $p50_direct $rate_nginx $p50_nginx" >>"$dir/rounds"
  done
  med() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  printf '%s c%s medians: proxy %.2fx %+.0f us, nginx %.2fx %+.0f us\n' $kind $c \
    "$(awk '{print $1/$2}' "$dir/rounds" | med)" "$(awk '{print $3-$4}' "$dir/rounds" | med)" \
    "$(awk '{print $5/$2}' "$dir/rounds" | med)" "$(awk '{print $6-$4}' "$dir/rounds" | med)"
done; done
