#!/usr/bin/env bash
# `runner report` on 100,000 synthetic run records: time and peak RSS.
# Goal (issue 2): <= 10 s and <= 1 GB; (issue 11) no slower than python3
# parsing the same runs.jsonl, shown next to it. On a shared machine compare
# the CPU figures (user + sys) too: wall time follows the load.
# Measured 2026-12-02, 2 cores at load 25-33, three paired runs (median):
#   before  7.8 s CPU, 22-51 s wall, 950-1025 MB peak RSS
#   after   5.9 s CPU, 23-30 s wall, 750-790 MB peak RSS (outputs, cells and
#           the Runs sheet's deflate side by side on both cores)
#   python3 3.4 s CPU,  9-17 s wall (json.loads alone)
# Measured 2026-12-02 16:17 UTC, 2 cores shared at load 7-8, three paired
# runs, before (0f4dafb) and after the second round of issue 11 (median):
#   before  6.1 s CPU (5.0 user, 1.0 sys), 9-17 s wall, 680 MB peak RSS
#   after   3.9 s CPU (3.3 user, 0.6 sys), 3-8.5 s wall, 530 MB peak RSS
#           (records decoded by a decoder made for their shape, the GC
#           sparse while they are read, no copy of them for Latest, the
#           workbook zipped straight to its file, radix-sorted statistics,
#           price lookups remembered)
#   python3 3.1 s CPU (2.9 user, 0.2 sys), 4.6-22 s wall
# Where the CPU goes: go test ./runner/cli -run '^$' -bench Report
#   -benchtime 1x -cpuprofile cpu.out (BenchmarkReport, same records).
# Run from the repository root.
set -euo pipefail
n=${1:-100000}
mkdir -p outputs && dir=$(mktemp -d -p outputs perf.XXXXXX)  # not /tmp: on some machines its folders are 10x slower to create
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/runner" ./runner
go run ./examples/perf/synth -runs "$n" -out "$dir/synth" >/dev/null
/usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KB peak RSS' "$dir/runner" report "$dir/synth" >/dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt"; exit 1; }
echo "runner report on $n records: $(tail -1 "$dir/time.txt")"
if command -v python3 >/dev/null; then
  /usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KB peak RSS' python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip(): json.loads(line)' "$dir/synth/runs.jsonl" 2>"$dir/time.txt"
  echo "python3 json.loads of the same lines: $(tail -1 "$dir/time.txt")"
fi
