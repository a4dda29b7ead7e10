#!/usr/bin/env bash
# Proof on a real project: move a subpackage of python-dateutil with regraft and run the
# project's own test suite before and after the move.
#
#   scripts/real_project.sh                 # everything in a fresh temp dir
#   REAL_DIR=/tmp/regraft-real scripts/real_project.sh   # reuse venv + downloads there
#
# Environment:
#   REGRAFT          regraft binary (default: <repo>/target/release/regraft)
#   REAL_DIR         working directory; kept and reused (venv, downloads) when given
#   PYTHON           interpreter used to create the venv (default: python3)
#   MOVE_SRC/MOVE_DST  the move, relative to the unpacked sdist
#                    (default: src/dateutil/tz -> src/dateutil/zoneinfo/tz)
#   VENDOR_FREEZEGUN 1 (default): put the test dependency freezegun inside the tree so that
#                    regraft rewrites it too (it does `from dateutil.tz import tzlocal` and
#                    `dateutil.tz.UTC`); 0: leave it in the venv (then it breaks after the move)
#   ROUNDTRIP        1 (default): afterwards move DST back to SRC in a copy and diff with the
#                    pristine tree; 0: skip
#   SHIM             1 (default): also apply the move with `--shim` on a fresh copy of the
#                    pristine tree and run the tests there; 0: skip
#   CHECK            1 (default): run `regraft check` on the moved tree (with a rules file
#                    holding the same move) and on the pristine tree; 0: skip
#
# Why this move: dateutil.tz is the most imported subpackage of dateutil, in every form
# regraft handles: `import dateutil.tz`, `from dateutil import tz [as tz]`,
# `from dateutil.tz import X`, `from .. import tz` (parser/_parser.py), `from . import tz`
# (rrule.py), `from .tz.win import *` (tzwin.py), plus relative imports inside the moved
# package and absolute self-imports from inside it (tz/tz.py). The destination's parent
# `dateutil.zoneinfo` is an existing package (the compiled tz database), and the leaf name
# stays `tz`, so `from dateutil import tz` must become `from dateutil.zoneinfo import tz`.
#
# Exit status: 0 when the run completed (whatever the test counts), 2 when set-up failed,
# 3 when the regraft binary is not usable (tests before the move have still been run).
set -euo pipefail

PROJECT=python-dateutil
VERSION=2.9.0.post0
SDIST_SHA256=37dd54208da7e1cd875388217d5e00ebd4179249f90fb72437e91a35459a0ad3
# Test requirements: requirements-dev.txt of the sdist minus `build` and `mock` (py2), pinned,
# with their dependencies pinned too. pytest-cov is needed even without --cov: the suite's
# conftest adds its `no_cover` marker and pytest is configured with filterwarnings=error.
TEST_REQS=(six==1.16.0 pytest==8.3.5 pytest-cov==5.0.0 coverage==7.6.1 hypothesis==6.112.1
           attrs==26.1.0 sortedcontainers==2.4.0 iniconfig==2.3.1 packaging==26.3 pluggy==1.7.0)
FREEZEGUN=freezegun==1.5.1
MOVE_SRC=${MOVE_SRC:-src/dateutil/tz}
MOVE_DST=${MOVE_DST:-src/dateutil/zoneinfo/tz}
VENDOR_FREEZEGUN=${VENDOR_FREEZEGUN:-1}
ROUNDTRIP=${ROUNDTRIP:-1}
SHIM=${SHIM:-1}
CHECK=${CHECK:-1}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN=${REGRAFT:-$REPO/target/release/regraft}
PYTHON=${PYTHON:-python3}

if [[ -n ${REAL_DIR:-} ]]; then
    mkdir -p "$REAL_DIR"
else
    REAL_DIR=$(mktemp -d /tmp/regraft-real.XXXXXX)
fi
REAL_DIR=$(cd "$REAL_DIR" && pwd)
VENV=$REAL_DIR/venv
DL=$REAL_DIR/dl
PRISTINE=$REAL_DIR/pristine      # unpacked sdist (+ vendored freezegun), never touched again
WORK=$REAL_DIR/work              # the tree regraft moves in
SHIM_WORK=$REAL_DIR/work-shim    # a second copy of the pristine tree, moved with --shim
LOGS=$REAL_DIR/logs
PY=$VENV/bin/python
# Module names of the move (the sdist uses a src/ layout).
OLD_MOD=$(echo "${MOVE_SRC#src/}" | tr / .)
NEW_MOD=$(echo "${MOVE_DST#src/}" | tr / .)
OLD_LEAF=${OLD_MOD##*.}
OLD_RE=$(echo "$OLD_MOD" | sed 's/\./\\./g')

say() { printf '\n=== %s\n' "$*"; }
die() { echo "real_project.sh: $*" >&2; exit 2; }

# --- (1) venv, downloads, unpacked tree ------------------------------------------------------
say "set-up in $REAL_DIR"
if [[ ! -x $PY ]]; then
    "$PYTHON" -m venv "$VENV" || die "cannot create venv"
fi
"$PY" -m pip install -q --disable-pip-version-check "${TEST_REQS[@]}" || die "pip install failed"

mkdir -p "$DL"
SDIST=$DL/$PROJECT-$VERSION.tar.gz
if [[ ! -f $SDIST ]]; then
    "$PY" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        "$PROJECT==$VERSION" -d "$DL" || die "pip download of the sdist failed"
fi
echo "$SDIST_SHA256  $SDIST" | sha256sum -c --quiet - || die "sdist checksum mismatch"
FG_WHEEL=$(ls "$DL"/freezegun-*.whl 2>/dev/null | head -1 || true)
if [[ -z $FG_WHEEL ]]; then
    "$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: \
        "$FREEZEGUN" -d "$DL" || die "pip download of freezegun failed"
    FG_WHEEL=$(ls "$DL"/freezegun-*.whl | head -1)
fi

rm -rf "$PRISTINE" "$WORK" "$SHIM_WORK" "$LOGS"
mkdir -p "$PRISTINE" "$LOGS"
tar xzf "$SDIST" -C "$PRISTINE" --strip-components=1
if [[ $VENDOR_FREEZEGUN == 1 ]]; then
    "$PY" -m pip uninstall -q -y freezegun >/dev/null 2>&1 || true
    # Only the package itself (no dist-info): tests/ imports it from _vendor on PYTHONPATH.
    "$PY" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("freezegun/")])' \
        "$FG_WHEEL" "$PRISTINE/_vendor"
    PYPATH_EXTRA=:_vendor
else
    "$PY" -m pip install -q --disable-pip-version-check --no-deps "$FG_WHEEL" || die "freezegun install failed"
    PYPATH_EXTRA=
fi
[[ -d $PRISTINE/$MOVE_SRC ]] || die "$MOVE_SRC is not in the sdist"
cp -a "$PRISTINE" "$WORK"

# --- test runner -------------------------------------------------------------------------------
# run_tests TAG [TREE [PYTEST_ARGS...]]: runs the suite from TREE (default $WORK) with the
# unpacked sources first on sys.path (no install), writes the log to $LOGS/TAG.log and the
# counts to $LOGS/TAG.counts; never aborts the script.
run_tests() {
    local tag=$1 tree=${2:-$WORK} rc=0
    shift; if (($# > 0)); then shift; fi
    find "$tree" -name __pycache__ -type d -prune -exec rm -rf {} +
    (
        cd "$tree"
        PYTHONPATH=src$PYPATH_EXTRA PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0 \
        HYPOTHESIS_STORAGE_DIRECTORY=$REAL_DIR/hypothesis-db \
            "$PY" -m pytest tests -q -rfE -p no:cacheprovider --hypothesis-seed=0 --continue-on-collection-errors \
            -o console_output_style=classic "$@"
    ) >"$LOGS/$tag.log" 2>&1 || rc=$?
    "$PY" - "$LOGS/$tag.log" "$rc" >"$LOGS/$tag.counts" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
last = next((l for l in reversed(text) if re.search(r"\b(passed|failed|error|errors|no tests ran)\b", l)), "")
c = {k: 0 for k in ("passed", "failed", "errors", "skipped", "xfailed", "xpassed")}
for n, k in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", last):
    c["errors" if k.startswith("error") else k] += int(n)
print(" ".join(f"{k}={v}" for k, v in c.items()) + f" pytest_exit={sys.argv[2]}")
EOF
    echo "tests $tag: $(cat "$LOGS/$tag.counts")   (log: $LOGS/$tag.log)"
    grep -E '^(FAILED|ERROR) ' "$LOGS/$tag.log" | sed 's/^/    /' || true
}

# --- (2) tests before the move -----------------------------------------------------------------
say "tests BEFORE the move"
run_tests before

# --- (3) regraft plan + apply ------------------------------------------------------------------
if ! [[ -x $BIN ]] || ! "$BIN" plan --help >"$LOGS/plan-help.txt" 2>&1 \
        || ! grep -q -- '--root' "$LOGS/plan-help.txt"; then
    echo "real_project.sh: regraft binary not usable: $BIN (need \`plan --help\` to exit 0 and list --root)" >&2
    exit 3
fi
say "regraft plan --root $WORK $MOVE_SRC $MOVE_DST"
PLAN_RC=0
"$BIN" plan --root "$WORK" "$MOVE_SRC" "$MOVE_DST" >"$LOGS/plan.txt" 2>&1 || PLAN_RC=$?
PLAN_LINES=$(wc -l <"$LOGS/plan.txt")
if ((PLAN_LINES > 80)); then
    head -60 "$LOGS/plan.txt"; echo "    ... ($PLAN_LINES lines, full plan: $LOGS/plan.txt)"; tail -15 "$LOGS/plan.txt"
else
    cat "$LOGS/plan.txt"
fi
echo "plan exit: $PLAN_RC"
PLANJ_RC=0
"$BIN" plan --root "$WORK" "$MOVE_SRC" "$MOVE_DST" --format json >"$LOGS/plan.json" 2>"$LOGS/plan-json.err" || PLANJ_RC=$?
echo "plan --format json exit: $PLANJ_RC ($(wc -c <"$LOGS/plan.json") bytes: $LOGS/plan.json)"
PLAN_JSON_SUMMARY=$("$PY" - "$LOGS/plan.json" <<'EOF' 2>&1 || true
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"(not JSON: {e})"); sys.exit()
def walk(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, f"{path}.{k}" if path else k, out)
    elif isinstance(v, list):
        out.append(f"{path}: {len(v)} item(s)")
    elif isinstance(v, (int, float, str, bool)) and len(out) < 30:
        if not isinstance(v, str) or len(v) < 80:
            out.append(f"{path}: {v}")
out = []
walk(d, "", out)
print("; ".join(out[:30]))
EOF
)
echo "plan JSON top level: $PLAN_JSON_SUMMARY"

# Rewrite counts per `kind` of plan.json, so that string and config references are counted
# apart from imports; every string/path/config rewrite is listed (all of them: plan.txt).
say "rewrites per kind (plan --format json)"
"$PY" - "$LOGS/plan.json" >"$LOGS/plan-kinds.txt" 2>&1 <<'EOF' || true
import collections, json, sys
KINDS = ("import", "from-import", "imported-module", "relative", "split", "attribute",
         "string", "path", "config", "docstring", "comment")
try:
    rewrites = json.load(open(sys.argv[1]))["rewrites"]
except Exception as e:
    print(f"(no rewrites in the plan JSON: {e})"); sys.exit()
n = collections.Counter(r.get("kind") for r in rewrites)
extra = sorted(str(k) for k in n if k not in KINDS)
print(" ".join(f"{k}={n[k]}" for k in KINDS + tuple(extra)) + f" total={len(rewrites)}"
      + (f" UNKNOWN_KINDS={','.join(extra)}" if extra else ""))
for r in rewrites:
    if r.get("kind") in ("string", "path", "config") or str(r.get("kind")) in extra:
        print(f"    {r['kind']:7} {r['file']}:{r['line']}:{r['col']}: {r['old']} -> {r['new']}")
EOF
PLAN_KINDS=$(head -1 "$LOGS/plan-kinds.txt")
cat "$LOGS/plan-kinds.txt"

say "regraft apply --root $WORK $MOVE_SRC $MOVE_DST"
APPLY_RC=0
"$BIN" apply --root "$WORK" "$MOVE_SRC" "$MOVE_DST" >"$LOGS/apply.txt" 2>&1 || APPLY_RC=$?
APPLY_LINES=$(wc -l <"$LOGS/apply.txt")
if ((APPLY_LINES > 80)); then
    head -60 "$LOGS/apply.txt"; echo "    ... ($APPLY_LINES lines: $LOGS/apply.txt)"; tail -15 "$LOGS/apply.txt"
else
    cat "$LOGS/apply.txt"
fi
echo "apply exit: $APPLY_RC"


# --- what changed, independently of regraft's own report ----------------------------------------
say "diff pristine -> work (full: $LOGS/move.diff)"
# regraft's undo journal (.regraft/) is kept in the tree for `regraft undo`, but parked outside
# while diffing so it does not swamp the diff (git diff --no-index takes no pathspec).
JOURNAL_PARK=$REAL_DIR/.regraft-of-work
rm -rf "$JOURNAL_PARK"
if [[ -d $WORK/.regraft ]]; then mv "$WORK/.regraft" "$JOURNAL_PARK"; fi
(cd "$REAL_DIR" && git diff --no-index -M --stat=120 pristine work) >"$LOGS/move.stat" 2>&1 || true
(cd "$REAL_DIR" && git diff --no-index -M pristine work) >"$LOGS/move.diff" 2>&1 || true
if [[ -d $JOURNAL_PARK ]]; then mv "$JOURNAL_PARK" "$WORK/.regraft"; fi
cat "$LOGS/move.stat"
DIFF_COUNTS=$("$PY" - "$PRISTINE" "$WORK" "$MOVE_SRC" "$MOVE_DST" <<'EOF'
import difflib, os, sys
pristine, work, src, dst = sys.argv[1:]
moved = missing = changed_files = changed_lines = 0
for dirpath, dirs, files in os.walk(pristine):
    for f in files:
        rel = os.path.relpath(os.path.join(dirpath, f), pristine)
        new = rel
        if rel == src or rel.startswith(src + os.sep):
            new = dst + rel[len(src):]
            moved += 1
        p = os.path.join(work, new)
        if not os.path.exists(p):
            missing += 1
            print(f"MISSING after move: {new}", file=sys.stderr)
            continue
        if not f.endswith(".py"):
            continue
        a = open(os.path.join(pristine, rel), "rb").read().decode("utf-8", "replace").splitlines()
        b = open(p, "rb").read().decode("utf-8", "replace").splitlines()
        n = sum(1 for l in difflib.unified_diff(a, b, lineterm="", n=0)
                if l.startswith("-") and not l.startswith("---"))
        if a != b:
            changed_files += 1
            changed_lines += n
            print(f"  {n:3d} line(s) changed in {new}", file=sys.stderr)
print(f"files_moved={moved} files_missing={missing} py_files_changed={changed_files} "
      f"py_lines_changed={changed_lines} src_still_exists={os.path.exists(os.path.join(work, src))}")
EOF
)
echo "$DIFF_COUNTS"

say "import statements resolved with ast (scripts/check_imports.py)"
"$PY" "$HERE/check_imports.py" "$PRISTINE" "$OLD_MOD" >"$LOGS/imports-before.txt"
"$PY" "$HERE/check_imports.py" "$WORK" "$OLD_MOD" >"$LOGS/imports-after.txt"
echo "before the move (statements naming $OLD_MOD): $(tail -1 "$LOGS/imports-before.txt")"
echo "after the move:  $(tail -1 "$LOGS/imports-after.txt")"
sed '$d' "$LOGS/imports-after.txt" | sed 's/^/    /'

say "import smoke test after the move"
(cd "$WORK" && PYTHONPATH=src$PYPATH_EXTRA PYTHONDONTWRITEBYTECODE=1 "$PY" -c "
import importlib, sys
for m in sys.argv[1:]:
    try:
        importlib.import_module(m); print('  ok    ', m)
    except Exception as e:
        print('  FAIL  ', m, type(e).__name__, e)
" "$NEW_MOD" dateutil.parser dateutil.rrule dateutil.zoneinfo dateutil.utils) || true

# --- (4) tests after the move -------------------------------------------------------------------
say "tests AFTER the move"
run_tests after

# --- (4a) regraft check -------------------------------------------------------------------------
# run_check TAG ROOT [ARGS...]: `regraft check --root ROOT ARGS...`, stdout and stderr to
# $LOGS/check-TAG.txt, exit code to $LOGS/check-TAG.rc; prints both and sets CHECK_RESULT to a
# one-line summary (exit code, findings per code).
run_check() {
    local tag=$1 root=$2 rc=0 lines codes
    shift 2
    echo "\$ regraft check --root $root $*"
    "$BIN" check --root "$root" "$@" >"$LOGS/check-$tag.txt" 2>&1 || rc=$?
    echo "$rc" >"$LOGS/check-$tag.rc"
    lines=$(wc -l <"$LOGS/check-$tag.txt")
    if ((lines > 70)); then
        head -60 "$LOGS/check-$tag.txt" | sed 's/^/    /'
        echo "    ... ($lines lines: $LOGS/check-$tag.txt)"
        tail -5 "$LOGS/check-$tag.txt" | sed 's/^/    /'
    else
        sed 's/^/    /' "$LOGS/check-$tag.txt"
    fi
    echo "check exit: $rc"
    codes=$(grep -oE '^[^ ]+:[0-9]+:[0-9]+: RG[0-9]+ ' "$LOGS/check-$tag.txt" | awk '{print $2}' \
            | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}' || true)
    CHECK_RESULT="exit $rc, ${codes:-no findings}"
}

CHECK_MOVED=skipped CHECK_PRISTINE=skipped CHECK_PRISTINE_RULES=skipped CHECK_SHIM=skipped
CHECK_VS_PLAN=skipped
RULES=
if [[ $CHECK == 1 ]]; then
    RULES_TMP=$(mktemp -d /tmp/regraft-rules.XXXXXX)
    trap 'rm -rf "$RULES_TMP"' EXIT
    RULES=$RULES_TMP/rules.toml
    printf '[[move]]\nfrom = "%s"\nto = "%s"\n' "$MOVE_SRC" "$MOVE_DST" >"$RULES"
    cp "$RULES" "$LOGS/rules.toml"
    say "regraft check on the moved tree, rules file $RULES (copy: $LOGS/rules.toml)"
    sed 's/^/    /' "$RULES"
    run_check moved-rules "$WORK" --rules "$RULES"
    CHECK_MOVED=$CHECK_RESULT

    say "regraft check on the pristine tree, no rules"
    run_check pristine "$PRISTINE"
    CHECK_PRISTINE=$CHECK_RESULT

    # Sanity check of the guard itself: on the pristine tree the same rules must flag every
    # reference that the plan rewrote (else a clean result on the moved tree means little).
    say "regraft check on the pristine tree WITH the rules (must flag what the plan rewrote)"
    run_check pristine-rules "$PRISTINE" --rules "$RULES" >/dev/null
    CHECK_PRISTINE_RULES=$CHECK_RESULT
    echo "check exit: $(cat "$LOGS/check-pristine-rules.rc") (output: $LOGS/check-pristine-rules.txt)"
    "$BIN" check --root "$PRISTINE" --rules "$RULES" --format json >"$LOGS/check-pristine-rules.json" 2>/dev/null || true
    CHECK_VS_PLAN=$("$PY" - "$LOGS/plan.json" "$LOGS/check-pristine-rules.json" <<'EOF' 2>&1 || true
import json, sys
try:
    plan = {(r["file"], r["line"], r["col"]) for r in json.load(open(sys.argv[1]))["rewrites"]}
    found = json.load(open(sys.argv[2]))
except Exception as e:
    print(f"(cannot compare: {e})"); sys.exit()
rg001 = {(f["path"], f["line"], f["col"]) for f in found if f.get("code") == "RG001"}
print(f"{len(rg001)} RG001 at {len(plan)} rewrite locations: {len(plan & rg001)} shared, "
      f"{len(plan - rg001)} rewritten but not flagged, {len(rg001 - plan)} flagged but not rewritten")
for what, s in (("rewritten, not flagged", plan - rg001), ("flagged, not rewritten", rg001 - plan)):
    for p, l, c in sorted(s):
        print(f"    {what}: {p}:{l}:{c}")
EOF
)
    echo "$CHECK_VS_PLAN"
fi

# --- (4b) the same move with --shim, on a fresh copy of the pristine tree ------------------------
SHIM_STATUS=skipped
if [[ $SHIM == 1 ]]; then
    say "regraft apply --shim --root $SHIM_WORK $MOVE_SRC $MOVE_DST (fresh copy of the pristine tree)"
    rm -rf "$SHIM_WORK"
    cp -a "$PRISTINE" "$SHIM_WORK"
    SHIM_RC=0
    "$BIN" apply --root "$SHIM_WORK" --shim "$MOVE_SRC" "$MOVE_DST" >"$LOGS/apply-shim.txt" 2>&1 || SHIM_RC=$?
    SHIM_LINES=$(wc -l <"$LOGS/apply-shim.txt")
    if ((SHIM_LINES > 40)); then
        head -25 "$LOGS/apply-shim.txt"; echo "    ... ($SHIM_LINES lines: $LOGS/apply-shim.txt)"; tail -10 "$LOGS/apply-shim.txt"
    else
        cat "$LOGS/apply-shim.txt"
    fi
    echo "apply --shim exit: $SHIM_RC"
    echo "files left at $MOVE_SRC:"
    (cd "$SHIM_WORK" && find "$MOVE_SRC" -type f 2>/dev/null | sort | sed 's/^/    /') || true
    # Everything else must be what the plain move wrote.
    SHIM_VS_PLAIN=$(diff -rq -x .regraft -x __pycache__ "$WORK" "$SHIM_WORK" 2>&1 \
        | grep -vF -e "Only in $SHIM_WORK/${MOVE_SRC%/*}: ${MOVE_SRC##*/}" -e "$SHIM_WORK/$MOVE_SRC/" || true)
    echo "differences from the plain move (besides $MOVE_SRC and .regraft/): ${SHIM_VS_PLAIN:-none}"

    # What the shim does for each way of reaching the old name, one fresh process each: the
    # module object it gives, and the DeprecationWarning (category, where it is attributed).
    say "old import paths through the shim"
    OLD_PARENT=${OLD_MOD%.*}
    for code in "import $OLD_MOD as m" \
                "import $OLD_PARENT; m = $OLD_PARENT.$OLD_LEAF  # the package's lazy __getattr__" \
                "from $OLD_PARENT import *; m = $OLD_LEAF" \
                "from $OLD_MOD import *; import sys; m = sys.modules['$OLD_MOD']"; do
        (cd "$SHIM_WORK" && PYTHONPATH=src$PYPATH_EXTRA PYTHONDONTWRITEBYTECODE=1 "$PY" - "$code" "$NEW_MOD" <<'EOF') || true
import importlib, sys, warnings
code, new = sys.argv[1:]
g = {}
try:
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        exec(compile(code, "<user code>", "exec"), g)
except Exception as e:
    print(f"  {code}\n      FAILS: {type(e).__name__}: {e}"); sys.exit()
m = g["m"]
same = m is importlib.import_module(new)
w = "; ".join(f"{x.category.__name__} at {x.filename}:{x.lineno}: {x.message}" for x in ws) or "none"
print(f"  {code}\n      -> {m.__name__}, same object as {new}: {same}; warnings: {w}")
EOF
    done

    say "tests AFTER the move with --shim"
    run_tests after-shim "$SHIM_WORK"
    # The suite turns every warning into an error (setup.cfg: `filterwarnings = error` and
    # `error::DeprecationWarning`), so any test that goes through the shim fails on the shim's
    # DeprecationWarning. Once more with only that warning ignored (pytest -W, message prefix
    # "$OLD_MOD": the shim warns "<old name> has moved to <new name>; ..."), to tell the
    # warning apart from an import the shim does not serve.
    say "tests AFTER the move with --shim, the shim's DeprecationWarning ignored"
    run_tests after-shim-nowarn "$SHIM_WORK" -W "ignore:$OLD_MOD:DeprecationWarning"
    SHIM_STATUS="apply --shim exit $SHIM_RC"

    if [[ $CHECK == 1 ]]; then
        say "regraft check on the --shim tree, with the rules"
        run_check shim-rules "$SHIM_WORK" --rules "$RULES"
        CHECK_SHIM=$CHECK_RESULT
    fi
fi

# --- (4c) round trip: move it back in a copy, compare with the pristine tree ---------------------
# Everything should come back byte for byte except relative imports that crossed the moved
# boundary, which regraft made absolute on the way out (and keeps absolute on the way back).
RT_STATUS=skipped
if [[ $ROUNDTRIP == 1 ]]; then
    say "round trip: regraft apply $MOVE_DST -> $MOVE_SRC on a copy of the moved tree"
    RT=$REAL_DIR/roundtrip
    rm -rf "$RT"; cp -a "$WORK" "$RT"
    RT_RC=0
    "$BIN" apply --root "$RT" "$MOVE_DST" "$MOVE_SRC" >"$LOGS/roundtrip-apply.txt" 2>&1 || RT_RC=$?
    cat "$LOGS/roundtrip-apply.txt"
    rm -rf "$RT/.regraft"   # the copy's undo journals: not part of the tree being compared
    (cd "$REAL_DIR" && git diff --no-index pristine roundtrip) >"$LOGS/roundtrip.diff" 2>&1 || true
    RT_CHANGED=$(grep -cE '^-[^-]' "$LOGS/roundtrip.diff" || true)
    echo "lines that differ from the pristine tree after the round trip: $RT_CHANGED (apply exit $RT_RC)"
    grep -E '^(\+\+\+ |-[^-]|\+[^+])' "$LOGS/roundtrip.diff" | sed 's/^/    /' || true
    RT_STATUS="apply exit $RT_RC, $RT_CHANGED line(s) differ from pristine (diff: $LOGS/roundtrip.diff)"
fi

# --- (5) summary ---------------------------------------------------------------------------------
say "SUMMARY"
echo "project:        $PROJECT $VERSION (sdist sha256 $SDIST_SHA256)"
echo "move:           $MOVE_SRC -> $MOVE_DST   ($OLD_MOD -> $NEW_MOD)"
echo "freezegun:      $([[ $VENDOR_FREEZEGUN == 1 ]] && echo "vendored in tree at _vendor/freezegun (rewritten by regraft too)" || echo "installed in venv (not rewritten)")"
echo "tests before:   $(cat "$LOGS/before.counts")"
counts_of() { if [[ -f $LOGS/$1.counts ]]; then cat "$LOGS/$1.counts"; else echo "(not run)"; fi; }
echo "tests after:    $(counts_of after)   (plain move)"
echo "tests --shim:   $(counts_of after-shim)   ($SHIM_STATUS)"
echo "  same, shim's DeprecationWarning ignored (-W ignore:$OLD_MOD:DeprecationWarning):"
echo "                $(counts_of after-shim-nowarn)"
echo "rewrites/kind:  $PLAN_KINDS"
echo "check:          moved tree --rules:    $CHECK_MOVED"
echo "                pristine, no rules:    $CHECK_PRISTINE"
echo "                pristine --rules:      $CHECK_PRISTINE_RULES"
echo "                  vs the plan:         $(head -1 <<<"$CHECK_VS_PLAN")"
echo "                --shim tree --rules:   $CHECK_SHIM"
echo "regraft:        plan exit $PLAN_RC, plan --format json exit $PLANJ_RC, apply exit $APPLY_RC"
echo "regraft said:   $(grep -v '^\s*$' "$LOGS/apply.txt" | tail -3 | tr '\n' ' ')"
echo "plan JSON:      $PLAN_JSON_SUMMARY"
echo "diff counts:    $DIFF_COUNTS"
echo "round trip:     $RT_STATUS"
echo "ast imports:    before: $(tail -1 "$LOGS/imports-before.txt") | after: $(tail -1 "$LOGS/imports-after.txt")"
for tag in after after-shim after-shim-nowarn; do
    [[ -f $LOGS/$tag.log ]] || continue
    echo "failing in '$tag' but not before:"
    comm -13 <(grep -E '^(FAILED|ERROR) ' "$LOGS/before.log" | sed 's/ - .*//' | sort -u) \
             <(grep -E '^(FAILED|ERROR) ' "$LOGS/$tag.log" | sed 's/ - .*//' | sort -u) | sed 's/^/    /'
done
echo "leftover occurrences of '$OLD_MOD' in .py files, by where they stand (tokenize):"
(cd "$WORK" && grep -rnE "$OLD_RE\b" --include='*.py' . || true) >"$LOGS/leftover.txt"
"$PY" - "$WORK" "$OLD_MOD" "$LOGS/leftover.txt" <<'EOF'
import io, re, sys, tokenize
root, old, listing = sys.argv[1:]
pat = re.compile(re.escape(old) + r"\b")
kinds = {"code": [], "string": [], "comment": []}
for entry in open(listing, encoding="utf-8", errors="replace"):
    path, line, text = entry.rstrip("\n").split(":", 2)
    line = int(line)
    src = open(f"{root}/{path}", "rb").read()
    spans = []  # (start, end, kind) of string/comment tokens
    try:
        for tok in tokenize.tokenize(io.BytesIO(src).readline):
            if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                spans.append((tok.start, tok.end, "comment" if tok.type == tokenize.COMMENT else "string"))
    except (tokenize.TokenError, SyntaxError):
        pass
    for m in pat.finditer(text):
        pos = (line, m.start())
        kind = next((k for a, b, k in spans if a <= pos < b), "code")
        kinds[kind].append(f"{path}:{line}: {text.strip()}")
for kind, what in (("code", "CODE (not in a string or comment: regraft should have rewritten these)"),
                   ("string", "in strings/docstrings (whole dotted names of a moved module are rewritten)"),
                   ("comment", "in comments (whole dotted names of a moved module are rewritten)")):
    print(f"  {what}: {len(kinds[kind])}")
    for x in dict.fromkeys(kinds[kind]):
        print(f"    {x}")
EOF
echo "leftover string literals naming the old leaf '$OLD_LEAF' (e.g. __all__, lazy imports):"
(cd "$WORK" && grep -rnE "[\"']$OLD_LEAF[\"']" --include='*.py' . || echo "    (none)") | sed 's/^/    /'
echo "logs: $LOGS   pristine: $PRISTINE   moved tree: $WORK"
