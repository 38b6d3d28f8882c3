#!/bin/sh
# A two-phase workload that runs anywhere: make some data, compress it with
# the tool under test, decompress it and check it. Phases are announced with
# ::runner:: events; the compression ratio is printed as a plain line that
# the spec's extract.metrics pattern picks up.
set -eu
tool=$1 level=$2 out=$3
mkdir -p "$out"

echo '::runner::{"event":"phase_start","phase":"Prepare"}'
seq 1 200000 | awk '{ print $1, $1 * 7 % 1013, "lorem ipsum dolor sit amet" }' > "$out/data.txt"

echo '::runner::{"event":"phase_start","phase":"Compress"}'
"$tool" "-$level" -c "$out/data.txt" > "$out/data.z"

echo '::runner::{"event":"phase_start","phase":"Decompress"}'
"$tool" -d -c "$out/data.z" | cmp - "$out/data.txt"
echo '::runner::{"event":"phase_end","phase":"Decompress"}'

in=$(wc -c < "$out/data.txt")
z=$(wc -c < "$out/data.z")
echo "compression ratio: $(awk "BEGIN { printf \"%.2f\", $in / $z }")"
rm "$out/data.txt"
