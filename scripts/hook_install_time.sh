#!/usr/bin/env bash
# Times the first use of each pre-commit hook id: `pre-commit install-hooks` in a scratch
# repository whose .pre-commit-config.yaml names the hook, with a fresh PRE_COMMIT_HOME, a fresh
# pip cache and no shared cargo target directory each time (crates already in ~/.cargo stay,
# for both routes alike). Prints every run and the median per hook id.
#
#   scripts/hook_install_time.sh [RUNS] [HOOK_ID ...]
#       (default: 3 runs of regraft-check-python and regraft-check)
#
# REGRAFT_CHECKOUT, REGRAFT_REV, PRE_COMMIT_VERSION and PYTHON as in precommit_roundtrip.sh.
# Each run compiles regraft in release mode (minutes on 2 cores): it is not part of CI.
set -euo pipefail

PRE_COMMIT_VERSION="${PRE_COMMIT_VERSION:-4.7.0}"
PYTHON="${PYTHON:-python3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "${REGRAFT_CHECKOUT:-$here/..}" && pwd)"
runs="${1:-3}"
shift || true
if [ "$#" -gt 0 ]; then hook_ids=("$@"); else hook_ids=(regraft-check-python regraft-check); fi
rev="$(git -C "$checkout" rev-parse --verify "${REGRAFT_REV:-HEAD}^{commit}")"

work="$(mktemp -d "${TMPDIR:-/tmp}/regraft-hooktime.XXXXXX")"
trap 'rm -rf "$work"' EXIT
unset CARGO_TARGET_DIR
export PIP_DISABLE_PIP_VERSION_CHECK=1 GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "pre-commit==$PRE_COMMIT_VERSION"

results=()
for id in "${hook_ids[@]}"; do
  times=()
  for i in $(seq 1 "$runs"); do
    repo="$work/$id-$i"
    mkdir -p "$repo"
    git -C "$repo" init -q
    printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: %s\n' "$checkout" "$rev" "$id" \
      >"$repo/.pre-commit-config.yaml"
    start=$EPOCHREALTIME
    (cd "$repo" && PRE_COMMIT_HOME="$work/home-$id-$i" PIP_CACHE_DIR="$work/pip-$id-$i" \
      "$work/venv/bin/pre-commit" install-hooks >"$work/$id-$i.log" 2>&1) \
      || { cat "$work/$id-$i.log"; echo "hook_install_time: install of $id failed" >&2; exit 1; }
    t=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {print b - a}')
    printf '%s run %d: %.0f s\n' "$id" "$i" "$t"
    times+=("$t")
    rm -rf "$work/home-$id-$i" "$work/pip-$id-$i"
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  results+=("$(printf '%s: median %.0f s of %d runs (%s)' "$id" "$median" "$runs" "$(printf '%.0f ' "${times[@]}")")")
done
echo
echo "first use (pre-commit install-hooks), regraft at $rev, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg):"
for line in "${results[@]}"; do echo "  $line"; done
