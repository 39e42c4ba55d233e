#!/bin/sh
# SPDX-License-Identifier: MIT
# Sweep throughput: 20 points x 5 replications of TeaStore (60 s simulated
# each) with -j 1 and -j 2, and the per-run overhead of the sweep machinery
# beyond the simulation (wall time of the sweep minus the runs' own wall
# time, per run). Writes only in a temporary folder of its own.
set -eu
: "${UKSIM:?}" "${TOP_SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.cfg" <<EOC
sweep = {
  model = "$(cd "$TOP_SRCDIR" && pwd)/topologies/teastore.cfg";
  replications = 5;
  set = ("run.duration=60s", "run.warmup=5s");
  grid = ( { key = "workload.rate"; values = ("const(100)", "const(120)", "const(140)",
           "const(160)", "const(180)"); },
           { key = "policy.name"; values = ("hpa", "wait-local", "threshold", "static"); } );
};
EOC
for j in 1 2; do
    t0=$(date +%s.%N)
    "$UKSIM" sweep "$tmp/s.cfg" -q -j $j -o "$tmp/j$j"
    t1=$(date +%s.%N)
    runs=$(python3 -c "import json,glob; print(sum(json.load(open(f))['wall_seconds'] for f in glob.glob('$tmp/j$j/runs/*.json')))")
    python3 -c "w=$t1-$t0; r=$runs; print(f'sweep -j $j: 100 runs in {w:.2f} s wall; runs themselves {r:.2f} s; overhead {(w*$j-r)/100*1e3:.2f} ms per run')"
done
