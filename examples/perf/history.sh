#!/usr/bin/env bash
# The history store at size: 1,000 benchmarks of specs/phase4c.yaml (made from
# one dry run, its wall times varied, stepping up 20% at the 700th), then
# `runner history trend` for one cell. Goal (issue 15): under 1 s.
# Run from the repository root.
set -euo pipefail
n=${1:-1000}
mkdir -p outputs && dir=$(mktemp -d -p outputs perf.XXXXXX)  # not /tmp: on some machines its folders are 10x slower to create
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/runner" ./runner
"$dir/runner" --dry-run specs/phase4c.yaml --output "$dir/dry" --no-history --quiet --no-progress >/dev/null
go run ./examples/perf/historyfill -dir "$dir/dry" -store "$dir/history.db" -n "$n"
cell=$(sed -n 's/.*"cell": *"\([^"]*\)".*/\1/p' "$dir/dry/runs.jsonl" | head -1)
[ -n "$cell" ] || cell=$(head -c 400 "$dir/dry/runs.jsonl" | sed -n 's/.*"cell":"\([^"]*\)".*/\1/p')
echo "store: $(du -h "$dir/history.db" | cut -f1) for $n benchmarks"
for last in 30 0; do
  /usr/bin/time -f "%e s wall, %M KB peak RSS" "$dir/runner" history trend phase4c --history "$dir/history.db" --cell "$cell" --last "$last" >"$dir/trend.txt" 2>"$dir/time.txt"
  echo "trend of $cell, --last $last: $(tail -1 "$dir/time.txt"); $(grep -c 'change point:' "$dir/trend.txt" || true) change point(s)"
done
grep 'change point:' "$dir/trend.txt" || true
