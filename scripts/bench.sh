#!/usr/bin/env bash
# Benchmark regraft on a large generated Python project.
#
#   bash scripts/bench.sh
#
# Environment:
#   BENCH_DIR    generate the tree here (reused on later runs when it already holds one);
#                default: a temporary directory that is removed at the end
#   BENCH_FILES  number of .py files to generate (default 20000)
#   BENCH_SEED   generator seed (default 1)
#   BENCH_RUNS   timed plan runs (default 5; one extra warm-up run comes first)
#   REGRAFT_BIN  binary to benchmark (default target/release/regraft, built if missing)
#   TMPDIR       where temporary directories go (e.g. /dev/shm to take the disk out of it)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
BIN=${REGRAFT_BIN:-"$REPO/target/release/regraft"}
FILES=${BENCH_FILES:-20000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
SRC=backtester_v2/market_regime
DST=backtester_v2/strategies/market_regime

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
echo "arch:    $(uname -m) ($(uname -sr))"
echo "nproc:   $(nproc)"
if [ -r /proc/cpuinfo ]; then
    echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
fi
if [ -r /proc/meminfo ]; then
    echo "memory:  $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
fi

if [ ! -x "$BIN" ]; then
    if [ -n "${REGRAFT_BIN:-}" ]; then
        echo "error: REGRAFT_BIN=$BIN is not an executable" >&2
        exit 2
    fi
    echo "== building (target/release/regraft is missing)"
    cargo build --release
fi
echo "binary:  $BIN ($("$BIN" --version 2>/dev/null || echo 'version unknown'))"

# ---------------------------------------------------------------- the tree
if [ -n "${BENCH_DIR:-}" ]; then
    TREE=$BENCH_DIR
    if [ -d "$TREE/$SRC" ]; then
        echo "== reusing tree in $TREE"
    elif [ -d "$TREE" ] && [ -n "$(ls -A "$TREE")" ]; then
        echo "error: BENCH_DIR=$TREE is not empty and holds no $SRC (an applied tree?)" >&2
        exit 2
    else
        echo "== generating tree in $TREE"
        python3 scripts/gen_tree.py "$TREE" --files "$FILES" --seed "$SEED"
    fi
else
    TREE=$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-tree.XXXXXX")
    TMP_DIRS+=("$TREE")
    echo "== generating tree in $TREE"
    python3 scripts/gen_tree.py "$TREE" --files "$FILES" --seed "$SEED"
fi

PY_FILES=$(find "$TREE" -name '*.py' -type f | wc -l)
PY_LINES=$(find "$TREE" -name '*.py' -type f -print0 | xargs -0 cat | wc -l)
ALL_FILES=$(find "$TREE" -type f | wc -l)
echo "tree:    $PY_FILES .py files, $PY_LINES lines of Python, $ALL_FILES files in all"

# ---------------------------------------------------------------- plan
# time_runs WARMUP RUNS CMD...: prints each wall time and the median, in ms.
time_runs() {
    python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
warmup, runs, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for i in range(warmup):
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    print(f"  warm-up: {(time.perf_counter() - t0) * 1000:9.1f} ms   (exit {rc})")
times = []
for i in range(runs):
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    ms = (time.perf_counter() - t0) * 1000
    times.append(ms)
    print(f"  run {i + 1}:   {ms:9.1f} ms   (exit {rc})")
print(f"  median:  {statistics.median(times):9.1f} ms   (min {min(times):.1f}, max {max(times):.1f})")
PY
}

PLAN=("$BIN" plan --root "$TREE" "$SRC" "$DST" --format json)
echo "== plan: ${PLAN[*]/#$TREE/TREE} > /dev/null"
# Show what a run says when it fails, rather than timing an error.
if ! "${PLAN[@]}" > /dev/null 2> "${TMPDIR:-/tmp}/regraft-bench-plan.err.$$"; then
    echo "warning: plan exited non-zero; its stderr:" >&2
    head -20 "${TMPDIR:-/tmp}/regraft-bench-plan.err.$$" >&2
fi
rm -f "${TMPDIR:-/tmp}/regraft-bench-plan.err.$$"
time_runs 1 "$RUNS" "${PLAN[@]}"

if command -v hyperfine > /dev/null 2>&1; then
    echo "== hyperfine"
    printf -v QCMD '%q ' "${PLAN[@]}"
    hyperfine --runs 5 --warmup 1 --style basic "$QCMD > /dev/null"
fi

# ---------------------------------------------------------------- apply
WORK=$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-apply.XXXXXX")
TMP_DIRS+=("$WORK")
echo "== apply on a fresh copy"
t0=$(date +%s%N)
cp -r "$TREE" "$WORK/tree"
t1=$(date +%s%N)
echo "  copy:    $(( (t1 - t0) / 1000000 )) ms (cp -r, not part of the figures below)"
sync
APPLY=("$BIN" apply --root "$WORK/tree" "$SRC" "$DST")
rc=0
if /usr/bin/time -v true > /dev/null 2>&1; then
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$WORK/time.txt" "${APPLY[@]}" > "$WORK/apply.out" 2> "$WORK/apply.err" || rc=$?
    t1=$(date +%s%N)
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    echo "  wall:    $(( (t1 - t0) / 1000000 )) ms   (exit $rc)"
    echo "  peak RSS: $(( RSS_KB / 1024 )) MiB ($RSS_KB KiB, /usr/bin/time -v)"
    grep -E 'User time|System time|Percent of CPU' "$WORK/time.txt" | sed 's/^\s*/  /'
else
    python3 - "$WORK" "${APPLY[@]}" <<'PY' || rc=$?
import resource, subprocess, sys, time
work, cmd = sys.argv[1], sys.argv[2:]
with open(f"{work}/apply.out", "wb") as out, open(f"{work}/apply.err", "wb") as err:
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, stdout=out, stderr=err).returncode
    ms = (time.perf_counter() - t0) * 1000
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"  wall:    {ms:.0f} ms   (exit {rc})")
print(f"  peak RSS: {ru.ru_maxrss // 1024} MiB ({ru.ru_maxrss} KiB, getrusage(RUSAGE_CHILDREN))")
print(f"  user {ru.ru_utime:.2f} s, system {ru.ru_stime:.2f} s")
sys.exit(rc)
PY
fi
if [ "$rc" -ne 0 ]; then
    echo "warning: apply exited $rc; its stderr:" >&2
    head -20 "$WORK/apply.err" >&2
fi
if [ -d "$WORK/tree/$DST" ] && [ ! -e "$WORK/tree/$SRC" ]; then
    echo "  check:   $DST holds $(find "$WORK/tree/$DST" -name '*.py' | wc -l) .py files; $SRC is gone"
else
    echo "warning: after apply, $DST is missing or $SRC still exists" >&2
fi

# ---------------------------------------------------------------- undo
echo "== undo of that apply"
time_runs 0 1 "$BIN" undo --root "$WORK/tree"

# ---------------------------------------------------------------- check
# The tree after the migration, with the rules file kept as the list of retired paths.
printf '[[move]]\nfrom = "%s"\nto = "%s"\n' "$SRC" "$DST" > "$WORK/rules.toml"
"$BIN" apply --root "$WORK/tree" --rules "$WORK/rules.toml" > /dev/null
echo "== check, whole tree (after the migration, with the rules)"
time_runs 1 "$RUNS" "$BIN" check --root "$WORK/tree" --rules "$WORK/rules.toml"
echo "== check, pre-commit mode: 10 changed files (the index still covers the whole tree)"
mapfile -t CHANGED < <(cd "$WORK/tree" && find backtester_v2 -name '*.py' | sort | awk 'NR % 1000 == 1' | head -10)
(cd "$WORK/tree" && time_runs 1 "$RUNS" "$BIN" check --rules "$WORK/rules.toml" "${CHANGED[@]}")
