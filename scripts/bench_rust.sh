#!/usr/bin/env bash
# Benchmark regraft's Rust module move (issue #12) on a generated crate of > 500,000 lines,
# next to the floor: walking the same tree and parsing every .rs file with `syn` on all
# cores (examples/syn_parse_floor.rs).
#
#   bash scripts/bench_rust.sh
#
# Environment:
#   BENCH_DIR    generate the tree here (reused when it already holds one); default: a
#                temporary directory removed at the end
#   BENCH_LINES  lines to generate (default 520000)
#   BENCH_SEED   generator seed (default 1)
#   BENCH_RUNS   timed runs of each command (default 5), interleaved: floor, plan, apply
#   REGRAFT_BIN  binary to benchmark (default target/release/regraft, built by this script)
#   TMPDIR       where temporary directories go (e.g. /dev/shm to take the disk out of it)
#
# The move: src/market/regime (regime.rs + regime/, ~3% of the modules) ->
# src/strategies/regime, run from the crate directory as `regraft plan|apply SRC DST`.
# `apply` runs on a fresh copy each time (`cp -a`, not timed). Wall times and CPU times
# (user + system of the child) are both printed: on a shared machine the wall time of a
# 2-core run depends on the other load, the CPU time much less. When regraft refuses the
# move (exit 2), the script says so and still prints the floor.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
BIN=${REGRAFT_BIN:-"$REPO/target/release/regraft"}
LINES=${BENCH_LINES:-520000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
SRC=src/market/regime
DST=src/strategies/regime
FLOOR=$REPO/target/release/examples/syn_parse_floor

TMP_DIRS=()
cleanup() {
    local d
    for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
        rm -rf -- "$d"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "nproc:   $(nproc)"
if [ -r /proc/cpuinfo ]; then
    echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
fi
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

echo "== building (release)"
if [ -z "${REGRAFT_BIN:-}" ]; then
    cargo build --release --quiet
fi
cargo build --release --quiet --example syn_parse_floor
echo "binary:  $BIN ($("$BIN" --version 2>/dev/null || echo 'version unknown'))"

if [ -n "${BENCH_DIR:-}" ]; then
    TREE=$BENCH_DIR
    if [ -f "$TREE/$SRC.rs" ]; then
        echo "== reusing tree in $TREE"
    else
        echo "== generating tree in $TREE"
        python3 scripts/gen_rust_tree.py "$TREE" --lines "$LINES" --seed "$SEED"
    fi
else
    TREE=$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-rust.XXXXXX")
    TMP_DIRS+=("$TREE")
    echo "== generating tree in $TREE"
    python3 scripts/gen_rust_tree.py "$TREE" --lines "$LINES" --seed "$SEED"
fi
RS_FILES=$(find "$TREE" -name '*.rs' -type f | wc -l)
RS_LINES=$(find "$TREE" -name '*.rs' -type f -print0 | xargs -0 cat | wc -l)
MOVED=$(find "$TREE/$SRC" "$TREE/$SRC.rs" -name '*.rs' -type f | wc -l)
echo "tree:    $RS_FILES .rs files, $RS_LINES lines; $MOVED files under $SRC"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-rust-apply.XXXXXX")
TMP_DIRS+=("$WORK")

echo "== $RUNS runs each, interleaved (floor, plan, apply on a fresh copy)"
python3 - "$RUNS" "$TREE" "$WORK" "$FLOOR" "$BIN" "$SRC" "$DST" <<'PY'
import resource, shutil, statistics, subprocess, sys, time

runs, tree, work, floor, regraft, src, dst = sys.argv[1:]
runs = int(runs)


cpu = {"floor": [], "plan": [], "apply": []}


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000


def timed(cmd, cwd, key):
    """Wall time in ms; the child's CPU time (user + system) goes to cpu[key]."""
    c0 = cpu_ms()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    ms = (time.perf_counter() - t0) * 1000
    cpu[key].append(cpu_ms() - c0)
    return ms, p


def first_line(p):
    return (p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or ["(no output)"])[0]


times = {"floor": [], "plan": [], "apply": []}
refused = {}
floor_line = ""
for i in range(runs):
    ms, p = timed([floor, tree], tree, "floor")
    if p.returncode != 0:
        sys.exit(f"syn_parse_floor failed: {p.stderr}")
    floor_line = p.stdout.strip()
    times["floor"].append(ms)

    if "plan" not in refused:
        ms, p = timed([regraft, "plan", src, dst], tree, "plan")
        if p.returncode == 2 or p.returncode > 2 or p.returncode < 0:
            refused["plan"] = f"exit {p.returncode}: {first_line(p)}"
        else:
            times["plan"].append(ms)

    if "apply" not in refused:
        copy = f"{work}/tree{i}"
        shutil.copytree(tree, copy, symlinks=True)
        subprocess.run(["sync"])
        ms, p = timed([regraft, "apply", src, dst], copy, "apply")
        if p.returncode == 2 or p.returncode > 2 or p.returncode < 0:
            refused["apply"] = f"exit {p.returncode}: {first_line(p)}"
        else:
            times["apply"].append(ms)
        shutil.rmtree(copy)
    line = "  run %d: floor %8.1f ms" % (i + 1, times["floor"][-1])
    for k in ("plan", "apply"):
        line += (f"   {k} {times[k][-1]:8.1f} ms" if len(times[k]) == i + 1 else f"   {k} -")
    print(line, flush=True)

print(f"floor:   {floor_line}")
floor_med = statistics.median(times["floor"])
floor_cpu = statistics.median(cpu["floor"])
print(f"median of {runs}: floor (syn, all cores, walk+read+parse, process included) {floor_med:9.1f} ms"
      f"   (CPU user+sys {floor_cpu:.0f} ms)")
for k in ("plan", "apply"):
    if k in refused:
        print(f"median of {runs}: regraft {k:5}  REFUSED ({refused[k]}); no figure")
    else:
        med = statistics.median(times[k])
        med_cpu = statistics.median(cpu[k])
        print(f"median of {runs}: regraft {k:5} {med:9.1f} ms   ratio {k}/floor = {med / floor_med:.2f}"
              f"   (CPU {med_cpu:.0f} ms, CPU ratio {med_cpu / floor_cpu:.2f})")
PY
