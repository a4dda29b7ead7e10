#!/usr/bin/env bash
# Proof on a real project that regraft moves module names kept in TEXT (strings, docstrings
# with doctests, comments, expected output): move a subpackage of toolz with regraft and run
# the project's own test suite, doctests included, before and after the move; then run it once
# more on a copy where only the text rewrites are taken back, to show which tests need them.
#
#   scripts/text_references_project.sh                               # fresh temp dir
#   REAL_DIR=/tmp/regraft-textref scripts/text_references_project.sh  # reuse venv + download
#
# Environment:
#   REGRAFT          regraft binary (default: <repo>/target/release/regraft)
#   REAL_DIR         working directory; kept and reused (venv, download) when given
#   PYTHON           interpreter used to create the venv and fetch the sdist (default: python3)
#   MOVE_SRC/MOVE_DST  the move, relative to the unpacked sdist
#                    (default: toolz/curried -> toolz/sandbox/curried)
#   NOTEXT           1 (default): also run the tests on a copy of the moved tree whose
#                    string/docstring/comment rewrites are reverted (the control); 0: skip
#   ROUNDTRIP        1 (default): move DST back to SRC in a copy and diff with the pristine
#                    tree; 0: skip
#
# Why toolz and this move: toolz (a dependency of dask and many others, pure Python, tests
# need only pytest and run in about a second) names its `toolz.curried` subpackage in text
# that its own suite checks, besides the usual imports:
#   - expected values naming the module: `toolz.curried.__name__ == 'toolz.curried'`
#     (tests/test_curried.py), `merge.__module__ == 'toolz.curried.exceptions'`
#     (tests/test_functoolz.py), `toolz.curried.__package__ == 'toolz.curried'` (test_tlz.py);
#   - a module name handed to the import system: `import_module('toolz.curried.exceptions')`
#     (tests/test_curried.py);
#   - doctests that import it: `>>> from toolz.curried import get` (curried/__init__.py) and
#     `>>> from toolz.curried import do` (functoolz.py). toolz's CI runs
#     `pytest --doctest-modules toolz/`, and so does this script;
#   - error messages and a "See Also" line naming it (not checked by any test).
# The destination's parent `toolz.sandbox` is an existing package and the leaf stays
# `curried`, so `from . import curried, sandbox` in toolz/__init__.py must be split.
#
# Known limit, not a regraft rewrite that went wrong: the `tlz` package mirrors toolz by NAME
# at run time (tlz/_build_tlz.py joins 'toolz' + '.' + the rest of the name it is asked
# for), so after the move `import tlz.curried` (tests/test_tlz.py) finds no `toolz.curried`.
#
# Exit status: 0 when the run completed (whatever the test counts), 2 when set-up failed,
# 3 when the regraft binary is not usable (tests before the move have still been run).
set -euo pipefail

PROJECT=toolz
VERSION=1.2.0
SDIST_SHA256=9667a038e9d6ecba37995e26cb2f59ec6420b6ad8dd9677de59db9b956b08490
# Test requirements: pyproject's dependency group `test` is coverage, pycodestyle, pytest; only
# pytest is needed to run the suite. Pinned, with its dependencies pinned too.
TEST_REQS=(pytest==8.3.5 iniconfig==2.3.1 packaging==26.4 pluggy==1.7.0)
MOVE_SRC=${MOVE_SRC:-toolz/curried}
MOVE_DST=${MOVE_DST:-toolz/sandbox/curried}
NOTEXT=${NOTEXT:-1}
ROUNDTRIP=${ROUNDTRIP:-1}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN=${REGRAFT:-$REPO/target/release/regraft}
PYTHON=${PYTHON:-python3}

if [[ -n ${REAL_DIR:-} ]]; then
    mkdir -p "$REAL_DIR"
else
    REAL_DIR=$(mktemp -d /tmp/regraft-textref.XXXXXX)
fi
REAL_DIR=$(cd "$REAL_DIR" && pwd)
VENV=$REAL_DIR/venv
DL=$REAL_DIR/dl
PRISTINE=$REAL_DIR/pristine      # unpacked sdist, never touched again
WORK=$REAL_DIR/work              # the tree regraft moves in
NOTEXT_WORK=$REAL_DIR/work-notext  # the moved tree with its text rewrites taken back
LOGS=$REAL_DIR/logs
PY=$VENV/bin/python
OLD_MOD=$(echo "$MOVE_SRC" | tr / .)
NEW_MOD=$(echo "$MOVE_DST" | tr / .)
OLD_RE=$(echo "$OLD_MOD" | sed 's/\./\\./g')
TEXT_KINDS="string docstring comment"

say() { printf '\n=== %s\n' "$*"; }
die() { echo "text_references_project.sh: $*" >&2; exit 2; }

# --- (1) venv, download, unpacked tree ---------------------------------------------------------
say "set-up in $REAL_DIR"
if [[ ! -x $PY ]]; then
    "$PYTHON" -m venv "$VENV" || die "cannot create venv"
fi
"$PY" -m pip install -q --disable-pip-version-check "${TEST_REQS[@]}" || die "pip install failed"

# Fetches the sdist of $1==$2 into directory $3 without building anything (see
# scripts/fetch_sdist.py); prints the saved file's path.
pip_fetch() {
    "$PYTHON" "$HERE/fetch_sdist.py" "$1" "$2" "$3"
}

mkdir -p "$DL"
SDIST=$DL/$PROJECT-$VERSION.tar.gz
if [[ ! -f $SDIST ]]; then
    if ! pip_fetch "$PROJECT" "$VERSION" "$DL" >/dev/null; then
        echo "  pip's finder failed; trying pip download" >&2
        "$PY" -m pip download -q --disable-pip-version-check --no-deps --no-binary "$PROJECT" \
            "$PROJECT==$VERSION" -d "$DL" || die "cannot download $PROJECT==$VERSION"
    fi
fi
[[ -f $SDIST ]] || die "no sdist at $SDIST"
if ! echo "$SDIST_SHA256  $SDIST" | sha256sum -c --quiet - ; then
    die "sdist checksum mismatch: $SDIST (expected $SDIST_SHA256, got $(sha256sum "$SDIST" | cut -d' ' -f1))"
fi

rm -rf "$PRISTINE" "$WORK" "$NOTEXT_WORK" "$LOGS" "$REAL_DIR/roundtrip"
mkdir -p "$PRISTINE" "$LOGS"
tar xzf "$SDIST" -C "$PRISTINE" --strip-components=1
[[ -d $PRISTINE/$MOVE_SRC ]] || die "$MOVE_SRC is not in the sdist"
cp -a "$PRISTINE" "$WORK"

# --- test runner -------------------------------------------------------------------------------
# run_tests TAG [TREE]: toolz's CI command (`pytest --doctest-modules toolz/`) from TREE (default
# $WORK) with the unpacked sources first on sys.path (no install; the sdist's toolz.egg-info on
# that path gives `toolz.__version__` its metadata). Log in $LOGS/TAG.log, counts in
# $LOGS/TAG.counts; never aborts the script.
run_tests() {
    local tag=$1 tree=${2:-$WORK} rc=0
    find "$tree" -name __pycache__ -type d -prune -exec rm -rf {} +
    (
        cd "$tree"
        PYTHONPATH=. PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0 \
            "$PY" -m pytest --doctest-modules toolz -q -rfE -p no:cacheprovider \
            --continue-on-collection-errors -o console_output_style=classic
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
# failing_ids TAG: the sorted ids of the FAILED/ERROR tests of a run.
failing_ids() { grep -E '^(FAILED|ERROR) ' "$LOGS/$1.log" | sed 's/ - .*//' | sort -u || true; }

# --- (2) tests before the move -----------------------------------------------------------------
say "tests BEFORE the move"
run_tests before "$PRISTINE"

# --- (3) regraft plan + apply ------------------------------------------------------------------
if ! [[ -x $BIN ]] || ! "$BIN" plan --help >"$LOGS/plan-help.txt" 2>&1 \
        || ! grep -q -- '--root' "$LOGS/plan-help.txt"; then
    echo "text_references_project.sh: regraft binary not usable: $BIN (need \`plan --help\` to exit 0 and list --root)" >&2
    exit 3
fi
say "regraft plan --root $WORK $MOVE_SRC $MOVE_DST"
PLAN_RC=0
"$BIN" plan --root "$WORK" "$MOVE_SRC" "$MOVE_DST" >"$LOGS/plan.txt" 2>&1 || PLAN_RC=$?
cat "$LOGS/plan.txt"
echo "plan exit: $PLAN_RC"
PLANJ_RC=0
"$BIN" plan --root "$WORK" "$MOVE_SRC" "$MOVE_DST" --format json >"$LOGS/plan.json" 2>"$LOGS/plan-json.err" || PLANJ_RC=$?
echo "plan --format json exit: $PLANJ_RC ($LOGS/plan.json)"

# Rewrite counts per `kind` of plan.json; every text rewrite (string, docstring, comment) is
# listed with the line it stands on in the pristine tree.
say "rewrites per kind (plan --format json)"
"$PY" - "$LOGS/plan.json" "$PRISTINE" "$TEXT_KINDS" >"$LOGS/plan-kinds.txt" 2>&1 <<'EOF' || true
import collections, json, sys
KINDS = ("import", "from-import", "imported-module", "relative", "split", "attribute",
         "string", "docstring", "comment", "path", "config")
plan, root, text_kinds = sys.argv[1], sys.argv[2], sys.argv[3].split()
try:
    rewrites = json.load(open(plan))["rewrites"]
except Exception as e:
    print(f"(no rewrites in the plan JSON: {e})"); sys.exit()
n = collections.Counter(r.get("kind") for r in rewrites)
extra = sorted(str(k) for k in n if k not in KINDS)
text = sum(n[k] for k in text_kinds)
print(" ".join(f"{k}={n[k]}" for k in KINDS + tuple(extra)) + f" total={len(rewrites)} text={text}"
      + (f" UNKNOWN_KINDS={','.join(extra)}" if extra else ""))
for r in rewrites:
    if r.get("kind") in text_kinds or str(r.get("kind")) in extra:
        try:
            line = open(f"{root}/{r['file']}", encoding="utf-8").read().splitlines()[r["line"] - 1].strip()
        except Exception:
            line = "?"
        print(f"    {r['kind']:9} {r['file']}:{r['line']}:{r['col']}: {r['old']} -> {r['new']}   | {line}")
EOF
PLAN_KINDS=$(head -1 "$LOGS/plan-kinds.txt")
cat "$LOGS/plan-kinds.txt"

say "regraft apply --root $WORK $MOVE_SRC $MOVE_DST"
APPLY_RC=0
"$BIN" apply --root "$WORK" "$MOVE_SRC" "$MOVE_DST" >"$LOGS/apply.txt" 2>&1 || APPLY_RC=$?
tail -8 "$LOGS/apply.txt"
echo "apply exit: $APPLY_RC   (full output: $LOGS/apply.txt)"

say "diff pristine -> work (full: $LOGS/move.diff)"
# regraft's undo journal (.regraft/) is parked outside while diffing.
JOURNAL_PARK=$REAL_DIR/.regraft-of-work
rm -rf "$JOURNAL_PARK"
if [[ -d $WORK/.regraft ]]; then mv "$WORK/.regraft" "$JOURNAL_PARK"; fi
(cd "$REAL_DIR" && git diff --no-index -M --stat=120 pristine work) >"$LOGS/move.stat" 2>&1 || true
(cd "$REAL_DIR" && git diff --no-index -M pristine work) >"$LOGS/move.diff" 2>&1 || true
if [[ -d $JOURNAL_PARK ]]; then mv "$JOURNAL_PARK" "$WORK/.regraft"; fi
cat "$LOGS/move.stat"

say "import smoke test after the move"
(cd "$WORK" && PYTHONPATH=. PYTHONDONTWRITEBYTECODE=1 "$PY" -c "
import importlib, sys
for m in sys.argv[1:]:
    try:
        importlib.import_module(m); print('  ok    ', m)
    except Exception as e:
        print('  FAIL  ', m, type(e).__name__, e)
" "$NEW_MOD" "$NEW_MOD.operator" "$NEW_MOD.exceptions" toolz tlz "tlz.${NEW_MOD#toolz.}" "tlz.${OLD_MOD#toolz.}") || true

# --- (4) tests after the move -------------------------------------------------------------------
say "tests AFTER the move"
run_tests after

# --- (4a) control: the moved tree with only its text rewrites taken back ------------------------
# In the files the plan names for a string/docstring/comment rewrite, every whole NEW_MOD inside
# a string or comment token (tokenize: docstrings and doctests are strings) goes back to
# OLD_MOD; imports and attribute chains keep the move. The tests that fail here and pass after
# the plain move are the ones that need regraft's text rewrites.
NOTEXT_STATUS=skipped
if [[ $NOTEXT == 1 ]]; then
    say "control: the moved tree with its text rewrites reverted ($NOTEXT_WORK)"
    cp -a "$WORK" "$NOTEXT_WORK"
    rm -rf "$NOTEXT_WORK/.regraft"
    NOTEXT_STATUS=$("$PY" - "$LOGS/plan.json" "$NOTEXT_WORK" "$MOVE_SRC" "$MOVE_DST" "$OLD_MOD" "$NEW_MOD" "$TEXT_KINDS" <<'EOF'
import io, json, re, sys, tokenize
plan, root, src, dst, old, new, kinds = sys.argv[1:]
kinds = kinds.split()
rewrites = [r for r in json.load(open(plan))["rewrites"] if r["kind"] in kinds]
def moved(p):
    return dst + p[len(src):] if p == src or p.startswith(src + "/") else p
files = sorted({moved(r["file"]) for r in rewrites})
pat = re.compile(r"(?<![\w.])" + re.escape(new) + r"(?![\w])")
total = 0
for f in files:
    path = f"{root}/{f}"
    data = open(path, "rb").read()
    text = data.decode("utf-8")
    lines = text.splitlines(keepends=True)
    starts = [0]
    for l in lines:
        starts.append(starts[-1] + len(l))
    spans = []
    if f.endswith(".py"):
        for tok in tokenize.tokenize(io.BytesIO(data).readline):
            if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                spans.append((starts[tok.start[0] - 1] + tok.start[1], starts[tok.end[0] - 1] + tok.end[1]))
    else:  # a non-Python file holds text only
        spans.append((0, len(text)))
    out, pos, n = [], 0, 0
    for a, b in spans:
        seg, k = pat.subn(old, text[a:b])
        out.append(text[pos:a]); out.append(seg); pos = b; n += k
    out.append(text[pos:])
    if n:
        open(path, "w", encoding="utf-8", newline="").write("".join(out))
        print(f"    reverted {n} in {f}", file=sys.stderr)
    total += n
print(f"{total} text occurrence(s) of {new} reverted to {old} in {len(files)} file(s); "
      f"the plan has {len(rewrites)} text rewrite(s)")
EOF
)
    echo "$NOTEXT_STATUS"
    (cd "$REAL_DIR" && git diff --no-index work-notext work) >"$LOGS/notext.diff" 2>&1 || true
    echo "control vs moved tree: $LOGS/notext.diff"
    run_tests notext "$NOTEXT_WORK"
fi

# --- (4b) regraft check ------------------------------------------------------------------------
# run_check TAG ROOT [ARGS...]: output to $LOGS/check-TAG.txt; sets CHECK_RESULT.
run_check() {
    local tag=$1 root=$2 rc=0 lines codes
    shift 2
    echo "\$ regraft check --root $root $*"
    "$BIN" check --root "$root" "$@" >"$LOGS/check-$tag.txt" 2>&1 || rc=$?
    lines=$(wc -l <"$LOGS/check-$tag.txt")
    if ((lines > 40)); then
        head -30 "$LOGS/check-$tag.txt" | sed 's/^/    /'
        echo "    ... ($lines lines: $LOGS/check-$tag.txt)"
    else
        sed 's/^/    /' "$LOGS/check-$tag.txt"
    fi
    echo "check exit: $rc"
    codes=$(grep -oE '^[^ ]+:[0-9]+:[0-9]+: RG[0-9]+ ' "$LOGS/check-$tag.txt" | awk '{print $2}' \
            | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}' || true)
    CHECK_RESULT="exit $rc, ${codes:-no findings}"
}
RULES=$LOGS/rules.toml
printf '[[move]]\nfrom = "%s"\nto = "%s"\n' "$MOVE_SRC" "$MOVE_DST" >"$RULES"
say "regraft check with the move as rules ($RULES)"
sed 's/^/    /' "$RULES"
run_check moved-rules "$WORK" --rules "$RULES"
CHECK_MOVED=$CHECK_RESULT
run_check pristine "$PRISTINE"
CHECK_PRISTINE=$CHECK_RESULT
run_check pristine-rules "$PRISTINE" --rules "$RULES" >/dev/null
CHECK_PRISTINE_RULES=$CHECK_RESULT
echo "pristine tree with the rules: $CHECK_PRISTINE_RULES ($LOGS/check-pristine-rules.txt)"
CHECK_NOTEXT=skipped
if [[ $NOTEXT == 1 ]]; then
    # The guard must see the text references that the control put back.
    run_check notext-rules "$NOTEXT_WORK" --rules "$RULES"
    CHECK_NOTEXT=$CHECK_RESULT
fi

# --- (4c) round trip: move it back in a copy, compare with the pristine tree ---------------------
RT_STATUS=skipped
if [[ $ROUNDTRIP == 1 ]]; then
    say "round trip: regraft apply $MOVE_DST -> $MOVE_SRC on a copy of the moved tree"
    RT=$REAL_DIR/roundtrip
    rm -rf "$RT"; cp -a "$WORK" "$RT"
    RT_RC=0
    "$BIN" apply --root "$RT" "$MOVE_DST" "$MOVE_SRC" >"$LOGS/roundtrip-apply.txt" 2>&1 || RT_RC=$?
    tail -3 "$LOGS/roundtrip-apply.txt"
    rm -rf "$RT/.regraft"
    (cd "$REAL_DIR" && git diff --no-index pristine roundtrip) >"$LOGS/roundtrip.diff" 2>&1 || true
    RT_CHANGED=$(grep -cE '^-[^-]' "$LOGS/roundtrip.diff" || true)
    echo "lines that differ from the pristine tree after the round trip: $RT_CHANGED (apply exit $RT_RC)"
    grep -E '^(\+\+\+ |-[^-]|\+[^+])' "$LOGS/roundtrip.diff" | sed 's/^/    /' || true
    RT_STATUS="apply exit $RT_RC, $RT_CHANGED line(s) differ from pristine"
fi

# --- (5) summary ---------------------------------------------------------------------------------
say "SUMMARY"
counts_of() { if [[ -f $LOGS/$1.counts ]]; then cat "$LOGS/$1.counts"; else echo "(not run)"; fi; }
echo "project:        $PROJECT $VERSION (sdist sha256 $SDIST_SHA256)"
echo "move:           $MOVE_SRC -> $MOVE_DST   ($OLD_MOD -> $NEW_MOD)"
echo "test command:   pytest --doctest-modules toolz   (toolz's CI; PYTHONPATH=. , no install)"
echo "tests before:   $(counts_of before)"
echo "tests after:    $(counts_of after)"
echo "tests control:  $(counts_of notext)   (moved, text rewrites reverted: $NOTEXT_STATUS)"
echo "rewrites/kind:  $PLAN_KINDS"
echo "regraft:        plan exit $PLAN_RC, plan --format json exit $PLANJ_RC, apply exit $APPLY_RC"
echo "regraft said:   $(grep -v '^\s*$' "$LOGS/apply.txt" | tail -2 | head -1)"
echo "check:          moved tree --rules:    $CHECK_MOVED"
echo "                pristine, no rules:    $CHECK_PRISTINE"
echo "                pristine --rules:      $CHECK_PRISTINE_RULES"
echo "                control --rules:       $CHECK_NOTEXT"
echo "round trip:     $RT_STATUS"
echo "failing after the move but not before:"
comm -13 <(failing_ids before) <(failing_ids after) | sed 's/^/    /'
if [[ -f $LOGS/notext.log ]]; then
    echo "failing in the control but not after the move (tests that need the text rewrites):"
    comm -13 <(failing_ids after) <(failing_ids notext) | sed 's/^/    /'
fi
echo "leftover occurrences of '$OLD_MOD' in .py files of the moved tree, by where they stand (tokenize):"
(cd "$WORK" && grep -rnE "$OLD_RE\b" --include='*.py' . || true) >"$LOGS/leftover.txt"
"$PY" - "$WORK" "$OLD_MOD" "$LOGS/leftover.txt" <<'EOF'
import io, re, sys, tokenize
root, old, listing = sys.argv[1:]
pat = re.compile(r"(?<![\w.])" + re.escape(old) + r"\b")
kinds = {"code": [], "string": [], "comment": []}
for entry in open(listing, encoding="utf-8", errors="replace"):
    path, line, text = entry.rstrip("\n").split(":", 2)
    line = int(line)
    src = open(f"{root}/{path}", "rb").read()
    spans = []
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
for kind in ("code", "string", "comment"):
    print(f"  in {kind}: {len(kinds[kind])}")
    for x in dict.fromkeys(kinds[kind]):
        print(f"    {x}")
EOF
echo "logs: $LOGS   pristine: $PRISTINE   moved tree: $WORK"
