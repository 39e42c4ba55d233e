#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/blame-bench.sh: `uksim blame` on 50 generated topologies (chains,
# trees, DAGs and Alibaba-like graphs, seeds 1..50) and on the bundled
# applications; sums the cases per tracing setting into OUT/summary.csv.
# Usage: scripts/blame-bench.sh UKSIM OUT [JOBS]
# About 10 minutes on 2 cores; run it again on the same OUT to resume (the
# sweeps reuse every result). doc/blame.md shows one run's results.
set -eu
UKSIM=$1 OUT=$2 JOBS=${3:-2}
TOP=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT/models"
i=1
while [ $i -le 50 ]; do
    case $((i % 4)) in
    0) gen="chain --services 8" ;;
    1) gen="tree --depth 2 --degree 3" ;;
    2) gen="dag --layers 3 --width 3" ;;
    *) gen="alibaba --services 10" ;;
    esac
    # shellcheck disable=SC2086
    "$UKSIM" gen $gen --seed $i -q -o "$OUT/models/g$i.cfg"
    "$UKSIM" blame "$OUT/models/g$i.cfg" -o "$OUT/g$i" -j "$JOBS" --reps 2 \
        --set run.duration=60s -q >"$OUT/g$i.txt"
    i=$((i + 1))
done
# The applications' loads step up at 200 s (for autoscaling): blame runs
# at the load before the step.
for app in teastore sockshop hotel-reservation social-network; do
    "$UKSIM" blame "$TOP/topologies/$app.cfg" -o "$OUT/$app" -j "$JOBS" --reps 2 -q \
        --set run.duration=190s >"$OUT/$app.txt"
done
# Sum the generated topologies' cases per setting.
python3 - "$OUT" <<'EOP'
import csv, sys, os
out = sys.argv[1]
tot = {}
order = []
for i in range(1, 51):
    for row in csv.DictReader(open(os.path.join(out, f"g{i}", "blame.csv"))):
        s = row["setting"]
        if s not in tot:
            tot[s] = [0, 0, 0]
            order.append(s)
        for k, f in enumerate(("cases", "named", "right")):
            tot[s][k] += int(row[f])
with open(os.path.join(out, "summary.csv"), "w") as f:
    f.write("setting,cases,named,right,precision,recall\n")
    for s in order:
        c, n, r = tot[s]
        f.write(f'"{s}",{c},{n},{r},{r / n if n else float("nan"):.4f},{r / c:.4f}\n')
EOP
cat "$OUT/summary.csv"
