#!/bin/sh
# SPDX-License-Identifier: MIT
# Generated Alibaba-shaped applications of 20 and 200 services, two seeds
# each, and the policy comparison on each: results in OUT/<size>-<seed>/.
# Usage: sh examples/generated/run.sh OUT  (from the top of the repository,
# or with UKSIM set to the uksim binary).
set -eu
out=${1:?usage: run.sh OUT}
uksim=${UKSIM:-./uksim}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for n in 20 200; do
    for seed in 1 2; do
        d=$out/$n-$seed
        mkdir -p "$d"
        "$uksim" gen alibaba --services $n --seed $seed --rate 200 -q -o "$d/model.cfg"
        sed "s|MODEL|$(cd "$d" && pwd)/model.cfg|" "$here/sweep.cfg.in" >"$d/sweep.cfg"
        "$uksim" sweep "$d/sweep.cfg" -q -j 2 -o "$d"
        echo "$d/results.csv"
    done
done
