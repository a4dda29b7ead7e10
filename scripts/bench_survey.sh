#!/usr/bin/env bash
# How long `regraft survey` takes next to `regraft plan` of a move on the same tree (issue #15:
# survey must run in well under the time of a plan).
#
#   bash scripts/bench_survey.sh
#
# Environment:
#   BENCH_DIR    the tree: a generated one (scripts/gen_tree.py, as scripts/bench.sh makes
#                it), or any project with BENCH_SRC/BENCH_DST set; default: a temporary
#                generated one, removed at the end. Never changed.
#   BENCH_SRC, BENCH_DST  the move `plan` is timed with (default: the generated tree's
#                backtester_v2/market_regime -> backtester_v2/strategies/market_regime)
#   BENCH_FILES  files to generate when there is no tree (default 20000)
#   BENCH_RUNS   timed runs of each command (default 5, after one warm-up of each)
#   BENCH_GIT    1 (default): also time both on a git copy of the tree (one commit), where
#                survey runs its git log; 0: only the plain tree
#   REGRAFT_BIN  binary (default target/release/regraft, built if missing)
#
# The runs of survey and plan are interleaved (survey, plan, survey, plan, …) so that the
# machine's noise falls on both alike; the medians and their ratio come from the same run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${REGRAFT_BIN:-"$(pwd)/target/release/regraft"}
RUNS=${BENCH_RUNS:-5}
FILES=${BENCH_FILES:-20000}
SRC=${BENCH_SRC:-backtester_v2/market_regime}
DST=${BENCH_DST:-backtester_v2/strategies/market_regime}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-survey.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
trap 'exit 130' INT TERM

[ -x "$BIN" ] || cargo build --release --locked
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC'); nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "binary:  $BIN ($("$BIN" --version))"

if [ -n "${BENCH_DIR:-}" ] && [ -d "$BENCH_DIR/$SRC" ]; then
    TREE=$BENCH_DIR
else
    TREE=$TMP/tree
    python3 scripts/gen_tree.py "$TREE" --files "$FILES" --seed 1 > /dev/null
fi
echo "tree:    $TREE ($(find "$TREE" -type f | wc -l) files)"

# interleave TREE: times survey and plan alternately, prints each run, the medians and the ratio.
interleave() {
    python3 - "$BIN" "$1" "$RUNS" "$SRC" "$DST" <<'PY'
import statistics, subprocess, sys, time
bin_, tree, runs, src, dst = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
cmds = {
    "survey": [bin_, "survey", "--root", tree, "--format", "json"],
    "plan": [bin_, "plan", "--root", tree, src, dst, "--format", "json"],
}
times = {name: [] for name in cmds}
for i in range(runs + 1):
    for name, cmd in cmds.items():
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
        ms = (time.perf_counter() - t0) * 1000
        label = "warm-up" if i == 0 else f"run {i}"
        print(f"  {name:7} {label:8} {ms:9.1f} ms  (exit {rc})")
        if i:
            times[name].append(ms)
med = {name: statistics.median(t) for name, t in times.items()}
for name, m in med.items():
    print(f"  {name:7} median   {m:9.1f} ms  (min {min(times[name]):.1f}, max {max(times[name]):.1f})")
print(f"  survey / plan = {med['survey'] / med['plan']:.2f}")
PY
}

echo "== plain tree (no git): survey vs plan $SRC $DST"
"$BIN" survey --root "$TREE" | head -3
interleave "$TREE"

if [ "${BENCH_GIT:-1}" = 1 ]; then
    echo "== git copy of the tree (one commit): survey runs one git log over the pairs' directories"
    cp -r "$TREE" "$TMP/git"
    git -C "$TMP/git" init -q
    git -C "$TMP/git" add -A
    git -C "$TMP/git" -c user.name=bench -c user.email=bench@regraft.invalid commit -qm tree
    interleave "$TMP/git"
fi
