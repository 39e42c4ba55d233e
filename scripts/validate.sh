#!/bin/sh
# SPDX-License-Identifier: MIT
# The simulator held against the testbed (doc/validation.md): each model of
# tests/validation/ run by `uksim run` and by `uksim testbed run` with the
# same seeds, this machine's costs measured first by `uksim testbed
# calibrate`; each side's summaries averaged over the seeds (numbers: mean;
# verdicts: the most common), then compared with `uksim compare`.
#
#   scripts/validate.sh [UKSIM] [OUTDIR] [SEEDS] [DURATION]
#
# Defaults: ./uksim, a new directory under ${TMPDIR:-/tmp}, 3 seeds, each
# model's own run.duration (20 s; 60 s at utilization 0.9, where 20 s of
# queueing vary by more than the goal; about 20 minutes on 2 cores).
# Run it on an otherwise idle machine: the testbed's timing is real. `make validate` runs it. Writes
# OUTDIR/<case>/{sim,tb}-<seed>/, OUTDIR/<case>/{sim,tb}.json (the means)
# and OUTDIR/<case>/compare.txt, and a table of the goals on standard output.
# Exit status: 0 when every case met the goals, 1 otherwise, 2 on misuse.
set -u
UKSIM=${1:-./uksim}
OUT=${2:-}
SEEDS=${3:-3}
DURATION=${4:-}
here=$(cd "$(dirname "$0")/.." && pwd)
cases="$here/tests/validation"
[ -x "$UKSIM" ] || { echo "validate: no uksim at $UKSIM" >&2; exit 2; }
command -v jq >/dev/null || { echo "validate: needs jq" >&2; exit 2; }
if [ -z "$OUT" ]; then
    OUT=$(mktemp -d "${TMPDIR:-/tmp}/uksim-validate-XXXXXX")
else
    mkdir -p "$OUT" || exit 2
fi
echo "validate: results in $OUT" >&2

"$UKSIM" testbed calibrate -o "$OUT/cal.cfg" -q || exit 1
grep -E '^# (Round|back|HTTP|Compute|spin)' "$OUT/cal.cfg" >&2

# Averages summaries field by field: numbers by their mean, strings by the
# most common value, anything else (null) by the first non-null one.
merge='def merge:
  if all(.[]; type == "number") then add / length
  elif all(.[]; type == "object") then
    . as $xs | (.[0] | keys_unsorted) as $ks
    | reduce $ks[] as $k ({}; .[$k] = ([$xs[] | .[$k]] | merge))
  elif all(.[]; type == "string") then group_by(.) | max_by(length) | .[0]
  else (map(select(. != null)) | if length > 0 then .[0] else null end) end;
merge'

failed=0
printf '%-28s %9s %9s %9s %9s %7s %7s %8s\n' case "sim mean" "tb mean" "sim p95" "tb p95" \
    "lat ok" "waits ok" verdicts
for model in "$cases"/*.cfg; do
    name=$(basename "$model" .cfg)
    dir="$OUT/$name"
    mkdir -p "$dir"
    cp "$model" "$dir/model.cfg"
    cp "$OUT/cal.cfg" "$dir/cal.cfg"
    s=1
    while [ "$s" -le "$SEEDS" ]; do
        set -- --seed "$s"
        [ -n "$DURATION" ] && set -- "$@" --set "run.duration=\"$DURATION\""
        "$UKSIM" run "$dir/model.cfg" "$@" -o "$dir/sim-$s" -q || failed=1
        "$UKSIM" testbed run "$dir/model.cfg" "$@" -o "$dir/tb-$s" -q || failed=1
        s=$((s + 1))
    done
    jq -s "$merge" "$dir"/sim-*/summary.json >"$dir/sim.json"
    jq -s "$merge" "$dir"/tb-*/summary.json >"$dir/tb.json"
    # Latency: within 10%. Waits: within 15% or 0.2 ms. Verdicts: the same.
    "$UKSIM" compare "$dir/sim.json" "$dir/tb.json" --tolerance 10% >"$dir/compare.txt"
    "$UKSIM" compare "$dir/sim.json" "$dir/tb.json" --tolerance 15% --floor 0.2ms \
        >"$dir/compare-waits.txt"
    lat=ok
    grep -E '^latency (mean|p95) .*!' "$dir/compare.txt" >/dev/null && lat=MISS
    waits=ok
    grep -E '(local_wait|network_wait) .*!' "$dir/compare-waits.txt" >/dev/null && waits=MISS
    verd=same
    grep -q 'verdicts differ' "$dir/compare.txt" && verd=DIFFER
    [ "$lat$waits$verd" = okoksame ] || failed=1
    printf '%-28s %9.3f %9.3f %9.3f %9.3f %7s %7s %8s\n' "$name" \
        "$(jq '.requests.latency.mean * 1000' "$dir/sim.json")" \
        "$(jq '.requests.latency.mean * 1000' "$dir/tb.json")" \
        "$(jq '.requests.latency.p95 * 1000' "$dir/sim.json")" \
        "$(jq '.requests.latency.p95 * 1000' "$dir/tb.json")" "$lat" "$waits" "$verd"
done
echo "(latency in ms; each side the mean of $SEEDS seeds; details in $OUT/*/compare*.txt)"
exit "$failed"
