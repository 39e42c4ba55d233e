#!/bin/sh
# SPDX-License-Identifier: MIT
# One sweep as N shards over GNU parallel's hosts, whichever host each shard
# lands on: every shard writes its own folder shard-<i>, which parallel
# returns (--return) from the host that ran it, then the runs are merged.
#
#   parallel.sh SWEEP OUT N HOSTS      e.g. parallel.sh sweep.cfg out 4 host1,host2
#
# HOSTS is parallel's --sshlogin list (":" is this machine). Each host needs
# uksim (UKSIM, default uksim) and the sweep and model files at the same
# paths. Temporary shard folders are made in OUT.
set -eu
sweep=${1:?usage: parallel.sh SWEEP OUT N HOSTS}
out=${2:?} n=${3:?} hosts=${4:?}
uksim=${UKSIM:-uksim}
# Absolute paths: the shards run in OUT (and on other hosts).
sweep=$(cd "$(dirname "$sweep")" && pwd)/$(basename "$sweep")
case $uksim in */*) uksim=$(cd "$(dirname "$uksim")" && pwd)/$(basename "$uksim") ;; esac
mkdir -p "$out/runs"
cd "$out"
seq 0 $((n - 1)) | parallel --will-cite --sshlogin "$hosts" --return "shard-{}" --cleanup \
    "$uksim sweep '$sweep' --shard {}/$n -q -o shard-{}"
for i in $(seq 0 $((n - 1))); do
    cp "shard-$i/runs/"* runs/ 2>/dev/null || true
done
"$uksim" sweep "$sweep" --merge -q -o .
