#!/usr/bin/env bash
# Overhead of the runner against hyperfine on the cheapest possible command:
# `runs: 500` of `true` vs `hyperfine --runs 500 true`, paired (alternating,
# same machine), 5 pairs. Goal (issue 2): runner total / hyperfine total <= 1.25;
# issue 11: <= 1.0 (a plain command such as `true` now starts without
# /bin/sh where /bin/sh is dash; hyperfine here still uses its shell).
# Needs hyperfine (Debian package hyperfine). Run from the repository root.
set -euo pipefail
pairs=${1:-5}
mkdir -p outputs && dir=$(mktemp -d -p outputs perf.XXXXXX)  # not /tmp: on some machines its folders are 10x slower to create
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/runner" ./runner
printf 'name: true500\nruns: 500\ncommand: "true"\n' > "$dir/true.yaml"
now() { date +%s.%N; }
rt=0 ht=0
for i in $(seq "$pairs"); do
  t0=$(now); "$dir/runner" "$dir/true.yaml" --output "$dir/out$i" --quiet >/dev/null; t1=$(now)
  hyperfine --runs 500 --style none true >/dev/null 2>&1; t2=$(now)
  r=$(echo "$t1 - $t0" | bc); h=$(echo "$t2 - $t1" | bc)
  printf 'pair %d: runner %.3f s, hyperfine %.3f s, ratio %.2f\n' "$i" "$r" "$h" "$(echo "$r / $h" | bc -l)"
  rt=$(echo "$rt + $r" | bc); ht=$(echo "$ht + $h" | bc)
done
printf 'total: runner %.3f s, hyperfine %.3f s, ratio %.2f\n' "$rt" "$ht" "$(echo "$rt / $ht" | bc -l)"
