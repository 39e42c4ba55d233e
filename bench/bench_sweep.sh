#!/bin/sh
# SPDX-License-Identifier: MIT
# Sweep throughput: 20 points x 5 (then 10) replications of TeaStore (60 s simulated
# each) with -j 1 and -j 2, and the per-run overhead of the sweep machinery
# beyond the simulation: CPU time of the sweep and its workers minus the
# runs' own time (they are CPU-bound), split into a fixed part and a part
# per run by sweeping 100 and then 200 runs (median of 3 rounds). Writes only
# in a temporary folder of its own.
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
python3 - "$UKSIM" "$tmp" <<'EOP'
import glob, json, os, resource, shutil, subprocess, sys, time
uksim, tmp = sys.argv[1], sys.argv[2]
base = open(tmp + "/s.cfg").read()

def records(out):
    """Every run's record in a results directory (a line of JSON each)."""
    return [json.loads(line) for f in glob.glob(out + "/runs/w-*.jsonl") for line in open(f)]

def sweep(j, reps):
    """CPU and wall of a sweep of 20 x reps runs, and its runs' own time."""
    cfg = f"{tmp}/s{reps}.cfg"
    open(cfg, "w").write(base.replace("replications = 5;", f"replications = {reps};"))
    out = f"{tmp}/j{j}r{reps}"
    shutil.rmtree(out, ignore_errors=True)  # a fresh sweep, never a resumed one
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    subprocess.run([uksim, "sweep", cfg, "-q", "-j", str(j), "-o", out], check=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs = sum(r["wall_seconds"] for r in records(out))
    return wall, cpu, runs

def overhead(j):
    """CPU per added run beyond the runs' own time, and the fixed part."""
    w1, c1, r1 = sweep(j, 5)
    w2, c2, r2 = sweep(j, 10)
    per = ((c2 - r2) - (c1 - r1)) / 100
    return per, (c1 - r1) - per * 100, (w1, c1, r1, w2, c2, r2)

for j in (1, 2):
    # A difference of differences on a shared machine: the median of 3.
    rounds = sorted((overhead(j) for _ in range(3)), key=lambda o: o[0])
    per, fixed, (w1, c1, r1, w2, c2, r2) = rounds[1]
    print(f"sweep -j {j}: 100 runs in {w1:.2f} s wall ({c1:.2f} s CPU, runs {r1:.2f} s), "
          f"200 runs in {w2:.2f} s wall ({c2:.2f} s CPU, runs {r2:.2f} s)")
    print(f"  overhead: {per * 1e3:.2f} ms of CPU per added run (median of "
          f"{', '.join(f'{o[0] * 1e3:.2f}' for o in rounds)}), {fixed * 1e3:.0f} ms fixed "
          f"(start, loading the 20 points, merging)")

# The same with runs of 50 ms simulated (1000 of them): the runs' own time is
# then small, and the overhead per run stands out of the noise.
tiny = base.replace('"run.duration=60s", "run.warmup=5s"',
                    '"run.duration=0.05s", "run.warmup=0s", "run.window=0.05s"')
tiny = tiny.replace("replications = 5;", "replications = 50;")
open(f"{tmp}/tiny.cfg", "w").write(tiny)
out = f"{tmp}/tiny"
before = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run([uksim, "sweep", f"{tmp}/tiny.cfg", "-q", "-j", "1", "-o", out], check=True)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
files = records(out)
runs = sum(r["wall_seconds"] for r in files)
print(f"sweep -j 1 of {len(files)} runs of 50 ms simulated: {cpu:.2f} s CPU, runs {runs:.2f} s: "
      f"{(cpu - runs) / len(files) * 1e3:.2f} ms of CPU per run beyond the runs (fixed part "
      f"included)")
EOP
