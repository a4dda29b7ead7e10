#!/usr/bin/env bash
# Corpus run of `regraft check`: run the check on the untouched sdists of ~45 popular PyPI
# projects (scripts/corpus.txt) and count what it reports. On an untouched release nearly
# every import works, so nearly every finding is a false positive of regraft: read them
# (results/NAME.txt) before and after changing the resolver.
#
#   scripts/corpus.sh                  # every project of scripts/corpus.txt
#   scripts/corpus.sh flask numpy      # only these (names as in corpus.txt)
#
# Environment:
#   REGRAFT        regraft binary (default: <repo>/target/release/regraft; build it first)
#   CORPUS_CACHE   downloaded sdists, kept between runs (default: ~/.cache/regraft-corpus)
#   CORPUS_DIR     extracted trees and results/ (default: /tmp/regraft-corpus); a tree already
#                  extracted is reused as it is (delete it to extract it anew)
#   CORPUS_LIST    the list to read (default: <repo>/scripts/corpus.txt): `NAME VERSION SHA256`
#                  of the sdist a line, `#` comments
#   PYTHON         interpreter whose pip downloads (default: python3)
#
# Out: $CORPUS_DIR/results/NAME.txt (text output) and NAME.json (`--format json`) per project,
# and a summary table on stdout: Python files, findings by code, check's exit status, seconds.
#
# Exit status: 0 when every check ran (exit 0 = clean or 1 = findings, both fine here);
# 1 when some check exited 2 or crashed (reported in the table, the others still run);
# 2 when set-up failed (no binary, a download failed, a checksum did not match).
#
# Downloads: only PyPI, through pip's own finder and session (scripts/fetch_sdist.py says why
# not `pip download`, which is only the fallback); every file is checked against the pinned
# sha256 either way.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN=${REGRAFT:-$REPO/target/release/regraft}
CACHE=${CORPUS_CACHE:-$HOME/.cache/regraft-corpus}
DIR=${CORPUS_DIR:-/tmp/regraft-corpus}
LIST=${CORPUS_LIST:-$HERE/corpus.txt}
PYTHON=${PYTHON:-python3}

die() { echo "corpus.sh: $*" >&2; exit 2; }

[[ -x $BIN ]] || die "no regraft binary at $BIN (cargo build --release, or set REGRAFT)"
[[ -f $LIST ]] || die "no corpus list at $LIST"
mkdir -p "$CACHE" "$DIR/results"

# Fetches the sdist of $1==$2 into directory $3 without building anything (see
# scripts/fetch_sdist.py); prints the saved file's path.
pip_fetch() {
    "$PYTHON" "$HERE/fetch_sdist.py" "$1" "$2" "$3"
}

# The cached sdist of NAME VERSION (downloading it when missing); its sha256 must match.
sdist() {
    local name=$1 version=$2 sha=$3 dir="$CACHE/$1-$2" file
    mkdir -p "$dir"
    file=$(find "$dir" -maxdepth 1 \( -name '*.tar.gz' -o -name '*.zip' \) | head -n 1)
    if [[ -z $file ]]; then
        echo "downloading $name==$version" >&2
        if ! file=$(pip_fetch "$name" "$version" "$dir"); then
            echo "  pip's finder failed; trying pip download" >&2
            # --no-binary for this package only, so its build dependencies come as wheels.
            "$PYTHON" -m pip download --quiet --no-deps --no-binary "$name" \
                "$name==$version" -d "$dir" >&2 || die "cannot download $name==$version"
            file=$(find "$dir" -maxdepth 1 \( -name '*.tar.gz' -o -name '*.zip' \) | head -n 1)
        fi
    fi
    [[ -n $file ]] || die "no sdist of $name==$version in $dir"
    local got
    got=$(sha256sum "$file" | cut -d' ' -f1)
    if [[ $got != "$sha" ]]; then
        echo "corpus.sh: SHA256 MISMATCH for $file" >&2
        echo "  expected $sha" >&2
        echo "  got      $got" >&2
        die "delete $file to download it again, or fix $LIST"
    fi
    echo "$file"
}

# Extracts sdist $1 into directory $2 (the sdist's single top directory stripped), unless $2
# exists. Extracts into a temporary directory first, so that an interrupted run leaves nothing
# half-extracted behind.
extract() {
    local file=$1 tree=$2 tmp
    [[ -d $tree ]] && return 0
    tmp=$(mktemp -d "$DIR/.extract.XXXXXX")
    case $file in
        *.zip) unzip -q "$file" -d "$tmp" ;;
        *) tar -xzf "$file" -C "$tmp" ;;
    esac
    local top=("$tmp"/*)
    if [[ ${#top[@]} -eq 1 && -d ${top[0]} ]]; then
        mv "${top[0]}" "$tree"
        rmdir "$tmp"
    else
        mv "$tmp" "$tree"
    fi
}

# Counts findings by code in a `--format json` output: prints `RG001 RG002 RG003 RG004 RG005`.
count_codes() {
    "$PYTHON" - "$1" <<'PY'
import json, sys
try:
    found = json.load(open(sys.argv[1]))
except ValueError:  # not JSON: the caller reports the project as failed
    print("- - - - -")
    sys.exit()
print(" ".join(str(sum(1 for d in found if d["code"] == c))
               for c in ("RG001", "RG002", "RG003", "RG004", "RG005")))
PY
}

# The projects to run: every line of the list, or only those named on the command line.
mapfile -t entries < <(grep -v '^\s*\(#\|$\)' "$LIST")
if (($# > 0)); then
    wanted=" $* "
    selected=()
    for e in "${entries[@]}"; do
        [[ $wanted == *" ${e%% *} "* ]] && selected+=("$e")
    done
    entries=("${selected[@]}")
    ((${#entries[@]} > 0)) || die "none of $* is in $LIST"
fi

# Fetch and extract everything first, so that a set-up failure stops the run before any check.
for e in "${entries[@]}"; do
    read -r name version sha <<<"$e"
    # sdist runs in a subshell: its `die` must stop this script too.
    file=$(sdist "$name" "$version" "$sha") || exit 2
    extract "$file" "$DIR/$name-$version"
done

row() { printf '%-30s %6s %5s %6s %6s %6s %6s %6s %6s %8s %7s\n' "$@"; }
echo
echo "regraft: $BIN ($("$BIN" --version))"
row project .py .pyi RG001 RG002 RG003 RG004 RG005 total exit seconds
failed=0
tot_py=0 tot_pyi=0 tot=(0 0 0 0 0) tot_secs=0
for e in "${entries[@]}"; do
    read -r name version _ <<<"$e"
    tree="$DIR/$name-$version"
    out="$DIR/results/$name"
    py=$(find "$tree" -name '*.py' -type f | wc -l)
    pyi=$(find "$tree" -name '*.pyi' -type f | wc -l)

    # Exit 1 means findings: expected here, never a reason to stop. The seconds are those of
    # the JSON run; the text run is the same check again, for reading.
    start=$(date +%s.%N)
    rc=0
    "$BIN" check --root "$tree" --format json >"$out.json" 2>"$out.stderr" || rc=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    NO_COLOR=1 "$BIN" check --root "$tree" >"$out.txt" 2>>"$out.stderr" || true

    codes=(- - - - -)
    if ((rc == 0 || rc == 1)); then
        read -r -a codes <<<"$(count_codes "$out.json")"
    fi
    if [[ ${codes[0]} != - ]]; then
        sum=0
        for i in 0 1 2 3 4; do
            sum=$((sum + codes[i]))
            tot[i]=$((tot[i] + codes[i]))
        done
        status=$rc
    else
        # Exit 2 (bad input), a crash (a signal, a panic's 101) or output that is no JSON:
        # report, go on.
        sum=-
        status="FAIL:$rc"
        failed=1
        echo "  $name: check exited $rc; stderr in $out.stderr:" >&2
        sed 's/^/    /' "$out.stderr" | tail -n 5 >&2
    fi
    tot_py=$((tot_py + py))
    tot_pyi=$((tot_pyi + pyi))
    tot_secs=$(awk -v a="$tot_secs" -v b="$secs" 'BEGIN { print a + b }')
    row "$name-$version" "$py" "$pyi" "${codes[@]}" "$sum" "$status" "$(printf '%.2f' "$secs")"
done
row TOTAL "$tot_py" "$tot_pyi" "${tot[@]}" $((tot[0] + tot[1] + tot[2] + tot[3] + tot[4])) \
    "$([[ $failed == 0 ]] && echo ok || echo FAIL)" "$(printf '%.2f' "$tot_secs")"
echo
echo "findings per project: $DIR/results/NAME.txt (and .json)"
exit "$failed"
