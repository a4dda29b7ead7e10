#!/usr/bin/env bash
# Benchmark regraft on a large generated Python project, and (issue #14) a merge, a move of the
# same tree and a move in Django, side by side with an older binary.
#
#   bash scripts/bench.sh
#   OLD_BIN=/path/to/old/regraft BENCH_SCENARIOS="merge django" bash scripts/bench.sh
#
# Scenarios (BENCH_SCENARIOS, default "move merge django"):
#   move    the 20,000-file generated tree below: plan, apply, undo, check
#   merge   scripts/gen_merge_tree.py: an ~8,000-file package merged into a 1,200-file copy
#           in git (420 files in both, known categories, checked), and a move of the same
#           package, plan and apply, with a bare tree-sitter parse of the same files
#   django  Django 5.2.19's sdist (pinned sha256, cached under ~/.cache/regraft-corpus):
#           move django/utils to django/core/utils; plan, apply, the parse of the files that
#           mention `utils`, and fastmod / ast-grep on the same job when they are installed
# Each job runs BENCH_RUNS times per binary, binaries interleaved, apply on a fresh copy each
# time (the copy is not timed); medians of wall time, of CPU time (user + system, which the
# other jobs of a busy machine disturb less) and the peak RSS are printed, then the ratios.
#
# Environment:
#   BENCH_DIR    generate the tree here (reused on later runs when it already holds one);
#                default: a temporary directory that is removed at the end
#   BENCH_FILES  number of .py files to generate (default 20000)
#   BENCH_SEED   generator seed (default 1)
#   BENCH_RUNS   timed plan runs (default 5; one extra warm-up run comes first)
#   REGRAFT_BIN  binary to benchmark (default target/release/regraft, built if missing)
#   TMPDIR       where temporary directories go (e.g. /dev/shm to take the disk out of it)
#   OLD_BIN      a second binary (e.g. built from main) timed in the same runs, as "old"
#   MERGE_DIR    generate the merge tree here (reused when it holds one); default temporary
#   BENCH_SETTLE seconds to wait after making each fresh copy, before a timed apply (default
#                0). On ext4 without a journal (as on this project's VMs: /proc/fs/jbd2 is
#                empty), creating a file skips, one by one, the inodes freed in the last 60
#                seconds (360 while their inode table is not yet written back); the copy
#                removed before each run leaves thousands. 70 measures a user's first run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
BIN=${REGRAFT_BIN:-"$REPO/target/release/regraft"}
FILES=${BENCH_FILES:-20000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
SCENARIOS=" ${BENCH_SCENARIOS:-move merge django} "
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

legacy_move_scenario() {
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
}

# side_by_side SPEC.json: runs the jobs of SPEC with every binary, interleaved, and prints
# medians and ratios (see the comment at the top of this file).
side_by_side() {
    python3 - "$1" <<'PY'
import json, os, shutil, statistics, subprocess, sys, tempfile, time

spec = json.load(open(sys.argv[1]))
runs, bins, jobs = spec["runs"], spec["bins"], spec["jobs"]
work = tempfile.mkdtemp(prefix="regraft-bench-sbs.", dir=os.environ.get("TMPDIR"))
results = {}  # (job, bin) -> list of (wall s, cpu s, rss KiB, exit)

def run_once(job, name, binary):
    cmd = [binary if a == "{BIN}" else a for a in job["cmd"]]
    tree = job.get("tree")
    if job.get("fresh"):
        copy = os.path.join(work, "tree")
        shutil.rmtree(copy, ignore_errors=True)
        # Hard links: apply never writes into a file it did not create (it renames
        # temporary files over targets, renames and unlinks), so the tree stays intact;
        # .git/info/exclude is the one file rewritten in place, so it is copied. Other
        # tools (fastmod, ast-grep) write into the files themselves: they get a real copy,
        # or they would rewrite the tree every later run starts from.
        how = "-a" if job.get("writes_in_place") else "-al"
        subprocess.run(["cp", how, job["fresh"], copy], check=True)
        info = os.path.join(copy, ".git", "info")
        if os.path.isdir(info):
            shutil.rmtree(info)
            shutil.copytree(os.path.join(job["fresh"], ".git", "info"), info)
        subprocess.run(["sync"], check=True)
        # ext4 without a journal (as on these VMs) skips, one by one, the inodes freed in
        # the last minute when it allocates new ones: the copy just removed makes the next
        # apply's writes slower than a user's first run. BENCH_SETTLE waits that out.
        time.sleep(float(os.environ.get("BENCH_SETTLE", "0")))
        tree = copy
    cmd = [tree if a == "{TREE}" else a for a in cmd]
    timing = os.path.join(work, "time.txt")
    t0 = time.perf_counter()
    rc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", timing] + cmd,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        cwd=job.get("cwd")).returncode
    wall = time.perf_counter() - t0
    user, system, rss = open(timing).read().split()[-3:]
    return wall, float(user) + float(system), int(rss), rc

for job in jobs:
    for name, binary in bins.items():
        if not job.get("fresh"):  # the copy before each apply warms the caches already
            run_once(job, name, binary)
for i in range(runs):
    for job in jobs:
        order = list(bins.items())
        if i % 2:
            order.reverse()
        for name, binary in order:
            results.setdefault((job["name"], name), []).append(run_once(job, name, binary))
shutil.rmtree(work, ignore_errors=True)

med = {}
print(f"  {'job':34} {'binary':6} {'wall median':>12} {'(min-max)':>15} {'cpu median':>11} {'peak RSS':>9} exit")
for (job, name), rows in results.items():
    walls = [r[0] for r in rows]
    cpus = [r[1] for r in rows]
    rss = max(r[2] for r in rows)
    med[(job, name)] = (statistics.median(walls), statistics.median(cpus), rss)
    print(f"  {job:34} {name:6} {statistics.median(walls):10.3f} s "
          f"({min(walls):.2f}-{max(walls):.2f} s) {statistics.median(cpus):9.3f} s "
          f"{rss / 1024:6.0f} MiB {sorted(set(r[3] for r in rows))}")
print("  ratios (wall medians; cpu medians in brackets):")
for a, b, what in spec["ratios"]:
    for name in bins:
        if (a, name) in med and (b, name) in med:
            (wa, ca, _), (wb, cb, _) = med[(a, name)], med[(b, name)]
            if what == "minus":
                print(f"    {name:4} {a} - {b}: {wa - wb:+.3f} s [{ca - cb:+.3f} s]")
            else:
                print(f"    {name:4} {a} / {b}: {wa / wb:.2f}x [{ca / cb:.2f}x]")
for a in spec.get("old_new", []):
    if (a, "old") in med and (a, "new") in med:
        (wo, co, ro), (wn, cn, rn) = med[(a, "old")], med[(a, "new")]
        print(f"    old/new {a}: {wo / wn:.2f}x faster wall [{co / cn:.2f}x cpu], "
              f"peak {ro / 1024:.0f} -> {rn / 1024:.0f} MiB")
PY
}

# parse_floor FILE_LIST: the median of BENCH_RUNS single-threaded tree-sitter parses of the
# files listed (examples/parse_all), in seconds.
parse_floor() {
    local example="$REPO/target/release/examples/parse_all"
    if [ ! -x "$example" ]; then
        cargo build --release --example parse_all > /dev/null 2>&1 || { echo "n/a"; return; }
    fi
    local i out times=()
    for i in $(seq "$RUNS"); do
        out=$("$example" < "$1" 2>&1 | grep -o 'in [0-9.]* s' | awk '{print $2}')
        times+=("$out")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

bins_json() {
    if [ -n "${OLD_BIN:-}" ]; then
        printf '{"old": "%s", "new": "%s"}' "$OLD_BIN" "$BIN"
    else
        printf '{"new": "%s"}' "$BIN"
    fi
}

merge_scenario() {
    local msrc=app/vendor/analytics mdst=app/analytics moved=app/moved/analytics tree
    if [ -n "${MERGE_DIR:-}" ] && [ -d "$MERGE_DIR/.git" ]; then
        tree=$MERGE_DIR
        echo "== merge: reusing $tree"
    else
        tree=${MERGE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-merge.XXXXXX")}
        [ -n "${MERGE_DIR:-}" ] || TMP_DIRS+=("$tree")
        echo "== merge: generating $tree"
        python3 scripts/gen_merge_tree.py "$tree"
    fi
    echo "tree:    $(find "$tree/app" -name '*.py' | wc -l) .py files," \
        "$(find "$tree/app" -name '*.py' -print0 | xargs -0 cat | wc -l) lines;" \
        "SRC $(find "$tree/$msrc" -type f | wc -l) files, DST $(find "$tree/$mdst" -type f | wc -l);" \
        "$(git -C "$tree" rev-list --count HEAD) commits"
    # The verdicts first: every file in both gets the category it was generated with.
    "$BIN" plan --root "$tree" "$msrc" "$mdst" --format json > "$tree/.git/bench-plan.json" || true
    python3 - "$tree/.git/bench-plan.json" "$tree/.git/regraft-expected.json" <<'PY'
import collections, json, sys
plan, expected = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
category = {f["to"]: f["category"] for f in plan["files"]}
merges = {m["path"]: m for m in plan["merges"]}
def verdict(path):
    m = merges.get(path)
    if category.get(path) == "identical" or m is None:
        return category.get(path)
    if m["outcome"] == "union":
        return "union"
    if m["base"] is None:
        return "inexact" if "edited copy" in m["base_found"] else "no base"
    return {"merged": "clean", "unresolved": "conflict"}.get(m["outcome"], m["outcome"])
wrong = [(p, e, verdict(p)) for p, e in expected.items() if verdict(p) != e]
print(f"verdicts: {dict(collections.Counter(expected.values()))}; {len(wrong)} wrong")
for w in wrong[:5]:
    print("  WRONG", *w)
PY
    find "$tree/app" -name '*.py' > "$tree/.git/bench-py-files.txt"
    echo "bare parse of all $(wc -l < "$tree/.git/bench-py-files.txt") .py files (one thread, median): $(parse_floor "$tree/.git/bench-py-files.txt") s"
    cat > "$tree/.git/bench-spec.json" <<JSON
{"runs": $RUNS, "bins": $(bins_json),
 "jobs": [
  {"name": "merge plan", "cmd": ["{BIN}", "plan", "--root", "$tree", "$msrc", "$mdst", "--format", "json"]},
  {"name": "move plan (same tree)", "cmd": ["{BIN}", "plan", "--root", "$tree", "$msrc", "$moved", "--format", "json"]},
  {"name": "merge apply", "fresh": "$tree", "cmd": ["{BIN}", "apply", "--root", "{TREE}", "$msrc", "$mdst"]},
  {"name": "move apply (same tree)", "fresh": "$tree", "cmd": ["{BIN}", "apply", "--root", "{TREE}", "$msrc", "$moved"]}
 ],
 "ratios": [["merge plan", "move plan (same tree)", "ratio"], ["merge apply", "merge plan", "ratio"],
            ["move apply (same tree)", "move plan (same tree)", "ratio"], ["merge apply", "merge plan", "minus"]],
 "old_new": ["merge plan", "merge apply", "move plan (same tree)", "move apply (same tree)"]}
JSON
    side_by_side "$tree/.git/bench-spec.json"
    if [ -n "$(git -C "$tree" status --porcelain)" ]; then
        echo "warning: the merge tree changed during the benchmark" >&2
    fi
}

django_scenario() {
    local version=5.2.19 sha=ad03d8abc51dbff95ebf34b27123cf0c26a3b62db7ba0cd520783686362533d1
    local cache="$HOME/.cache/regraft-corpus/django-$version" work tree sdist
    sdist="$cache/django-$version.tar.gz"
    if [ ! -f "$sdist" ]; then
        mkdir -p "$cache"
        python3 scripts/fetch_sdist.py django "$version" "$cache" > /dev/null || {
            echo "== django: cannot fetch the sdist; skipped"
            return
        }
    fi
    if [ "$(sha256sum "$sdist" | cut -d' ' -f1)" != "$sha" ]; then
        echo "error: $sdist does not match its pinned sha256" >&2
        return 1
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/regraft-bench-django.XXXXXX")
    TMP_DIRS+=("$work")
    tar xzf "$sdist" -C "$work"
    tree="$work/django-$version"
    echo "== django $version: move django/utils -> django/core/utils"
    echo "tree:    $(find "$tree" -name '*.py' | wc -l) .py files, $(find "$tree" -name '*.py' -print0 | xargs -0 cat | wc -l) lines"
    (cd "$tree" && grep -rlw --include='*.py' utils . | sed "s|^\.|$tree|") > "$work/mention.txt"
    echo "bare parse of the $(wc -l < "$work/mention.txt") .py files that mention utils (one thread, median): $(parse_floor "$work/mention.txt") s"
    local others="" fastmod sg
    fastmod=$(command -v fastmod || true)
    sg=$(command -v ast-grep || true)
    if [ -n "$fastmod" ]; then
        others+=", {\"name\": \"fastmod (regex)\", \"fresh\": \"$tree\", \"writes_in_place\": true, \"cmd\": [\"$fastmod\", \"--accept-all\", \"--hidden\", \"--extensions\", \"py\", \"-d\", \"{TREE}\", \"django\\\\.utils\\\\b\", \"django.core.utils\"]}"
    else
        echo "fastmod: not installed (cargo install fastmod)"
    fi
    if [ -n "$sg" ]; then
        others+=", {\"name\": \"ast-grep (rules)\", \"fresh\": \"$tree\", \"writes_in_place\": true, \"cmd\": [\"$sg\", \"scan\", \"--rule\", \"$REPO/scripts/bench/ast_grep_django_utils.yml\", \"--update-all\", \"{TREE}\"]}"
    else
        echo "ast-grep: not installed (npm install @ast-grep/cli, or cargo install ast-grep)"
    fi
    cat > "$work/spec.json" <<JSON
{"runs": $RUNS, "bins": $(bins_json),
 "jobs": [
  {"name": "django move plan", "cmd": ["{BIN}", "plan", "--root", "$tree", "django/utils", "django/core/utils", "--format", "json"]},
  {"name": "django move apply", "fresh": "$tree", "cmd": ["{BIN}", "apply", "--root", "{TREE}", "django/utils", "django/core/utils"]}
  $others
 ],
 "ratios": [["django move apply", "django move plan", "ratio"], ["django move apply", "django move plan", "minus"],
            ["ast-grep (rules)", "django move apply", "ratio"], ["fastmod (regex)", "django move apply", "ratio"]],
 "old_new": ["django move plan", "django move apply"]}
JSON
    side_by_side "$work/spec.json"
    "$BIN" plan --root "$tree" django/utils django/core/utils --format json > "$work/plan.json" 2> /dev/null || true
    python3 - "$work/plan.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
print(f"  (the plan rewrites {len({r['file'] for r in p['rewrites']})} files and moves {len(p['files'])})")
PY
}

case "$SCENARIOS" in *" move "*) legacy_move_scenario ;; esac
case "$SCENARIOS" in *" merge "*) merge_scenario ;; esac
case "$SCENARIOS" in *" django "*) django_scenario ;; esac
