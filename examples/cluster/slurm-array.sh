#!/bin/sh
# SPDX-License-Identifier: MIT
# A Slurm job array that runs one sweep as N shards, all writing into one
# results folder on a shared file system (a shard touches only files of
# finished writers on its own host). Submit it, wait, then merge:
#
#   SWEEP=/shared/sweep.cfg OUT=/shared/out sbatch --wait --array=0-7 slurm-array.sh
#   uksim sweep /shared/sweep.cfg --merge -o /shared/out
#
# --merge exits 1 and lists what is missing if any shard failed; run it
# again after resubmitting those tasks. UKSIM names the binary (default:
# uksim on the PATH).
#SBATCH --job-name=uksim-sweep
#SBATCH --cpus-per-task=1
set -eu
: "${SWEEP:?set SWEEP to the sweep file}" "${OUT:?set OUT to the shared results folder}"
: "${SLURM_ARRAY_TASK_ID:?submit as a job array (sbatch --array=0-N)}"
count=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX + 1))}
exec "${UKSIM:-uksim}" sweep "$SWEEP" -j "${SLURM_CPUS_PER_TASK:-1}" \
    --shard "$SLURM_ARRAY_TASK_ID/$count" -q -o "$OUT"
