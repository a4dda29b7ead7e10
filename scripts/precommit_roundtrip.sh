#!/usr/bin/env bash
# Round trip through the real pre-commit framework, for each hook id of .pre-commit-hooks.yaml.
#
#   scripts/precommit_roundtrip.sh [HOOK_ID ...]     (default: regraft-check-python regraft-check)
#
# For each hook id, in a scratch git repository (pkg/__init__.py, pkg/a.py, pkg/b.py):
#   1. `pre-commit try-repo CHECKOUT HOOK_ID --ref REV` on a staged stale import
#      (`from pkg.gone import thing`, a module that does not exist: RG002) fails and names it;
#   2. with that hook in .pre-commit-config.yaml (repo: CHECKOUT, rev: REV) and
#      `pre-commit install`, `git commit` of the same change is blocked (HEAD does not move);
#   3. the fixed change (`from pkg.b import helper`) commits, with the hook run and passed.
#
# What is tested is the commit REV of the checkout (default: its HEAD), as pre-commit always
# installs hooks from a commit: commit your work first (uncommitted changes are not tested).
#
# Environment:
#   REGRAFT_CHECKOUT    the regraft repository (default: the one holding this script)
#   REGRAFT_REV         the commit or tag to test (default: HEAD of the checkout)
#   PRE_COMMIT_VERSION  pre-commit version pip installs into a private venv (default: pinned below)
#   PYTHON              the Python that makes that venv (default: python3)
#   CARGO_TARGET_DIR    shared by every hook install of the run, so regraft is compiled once per
#                       route rather than once per install (default: a directory of this run;
#                       set it to reuse an earlier build, e.g. CI's wheel build)
#   KEEP_WORKDIR=1      keep the scratch directory (printed) for a look afterwards
#
# Needs git, Python 3.8+ with venv and pip, a Rust toolchain (both routes compile regraft until
# wheels are published), and PyPI (pre-commit, maturin) and crates.io.
set -euo pipefail

PRE_COMMIT_VERSION="${PRE_COMMIT_VERSION:-4.7.0}"
PYTHON="${PYTHON:-python3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "${REGRAFT_CHECKOUT:-$here/..}" && pwd)"

if [ "$#" -gt 0 ]; then hook_ids=("$@"); else hook_ids=(regraft-check-python regraft-check); fi

say() { printf '\n== %s\n' "$*"; }
fail() { printf '\nprecommit_roundtrip: FAILED: %s\n' "$*" >&2; exit 1; }
# git in the scratch repositories: its own identity (given per command, never taken from the
# machine), and from the work directory on no user or system configuration (also for the git
# that pre-commit runs), so a global hooksPath, template or signing setting cannot interfere.
g() {
  git -c user.name=regraft-roundtrip -c user.email=roundtrip@regraft.invalid \
    -c init.defaultBranch=main -c commit.gpgsign=false "$@"
}

git -C "$checkout" rev-parse --git-dir >/dev/null 2>&1 \
  || fail "$checkout is not a git repository: pre-commit installs hooks from a git commit"
rev="$(git -C "$checkout" rev-parse --verify "${REGRAFT_REV:-HEAD}^{commit}")" \
  || fail "no commit ${REGRAFT_REV:-HEAD} in $checkout"
hooks_file="$(git -C "$checkout" show "$rev:.pre-commit-hooks.yaml" 2>/dev/null)" \
  || fail ".pre-commit-hooks.yaml is not committed at $rev"
for id in "${hook_ids[@]}"; do
  grep -q "^- id: $id\$" <<<"$hooks_file" || fail "hook id $id is not in .pre-commit-hooks.yaml at $rev"
done
if [ -n "$(git -C "$checkout" status --porcelain --untracked-files=no)" ]; then
  echo "precommit_roundtrip: note: $checkout has uncommitted changes; testing commit $rev without them" >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/regraft-roundtrip.XXXXXX")"
cleanup() {
  if [ "${KEEP_WORKDIR:-0}" = 1 ]; then echo "precommit_roundtrip: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$work/cargo-target}"
# pre-commit's own store (hook environments) for this run only: nothing from an earlier run.
export PRE_COMMIT_HOME="$work/pre-commit-home"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

say "pre-commit $PRE_COMMIT_VERSION in a private venv"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "pre-commit==$PRE_COMMIT_VERSION"
pre_commit="$work/venv/bin/pre-commit"
"$pre_commit" --version

stale='from pkg.gone import thing'
fixed='from pkg.b import helper'
proven=()

for id in "${hook_ids[@]}"; do
  repo="$work/scratch-$id"
  log="$work/$id.log"
  say "hook $id: scratch repository $repo (regraft at $rev)"
  mkdir -p "$repo/pkg"
  cd "$repo"
  g init -q
  : >pkg/__init__.py
  printf 'def helper():\n    return 1\n' >pkg/b.py
  printf 'VALUE = 1\n' >pkg/a.py
  cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $checkout
    rev: $rev
    hooks:
      - id: $id
EOF
  g add -A
  g commit -q -m "scratch: a clean package"

  say "hook $id: try-repo on a staged stale import ($stale)"
  printf '%s\n' "$stale" >>pkg/a.py
  g add pkg/a.py
  start=$SECONDS
  set +e
  "$pre_commit" try-repo "$checkout" "$id" --ref "$rev" >"$log" 2>&1
  rc=$?
  set -e
  cat "$log"
  echo "(try-repo took $((SECONDS - start)) s, hook environment install included)"
  [ "$rc" -eq 1 ] || fail "hook $id: try-repo exited $rc on a stale import, expected 1 (log above)"
  grep -q 'pkg/a.py:2:6: RG002' "$log" || fail "hook $id: try-repo did not report pkg/a.py:2:6: RG002 (log above)"

  say "hook $id: pre-commit install; git commit of the stale import"
  "$pre_commit" install
  head_before="$(g rev-parse HEAD)"
  start=$SECONDS
  set +e
  g commit -m "adds a stale import" >"$log" 2>&1
  rc=$?
  set -e
  cat "$log"
  echo "(commit attempt took $((SECONDS - start)) s, hook environment install included)"
  [ "$rc" -ne 0 ] || fail "hook $id: the commit of a stale import was not blocked"
  [ "$(g rev-parse HEAD)" = "$head_before" ] || fail "hook $id: HEAD moved although the hook failed"
  grep -q 'pkg/a.py:2:6: RG002' "$log" || fail "hook $id: the blocked commit did not name pkg/a.py:2:6: RG002"

  say "hook $id: git commit of the fixed import ($fixed)"
  printf 'VALUE = 1\n%s\n' "$fixed" >pkg/a.py
  g add pkg/a.py
  g commit -m "imports a module that exists" >"$log" 2>&1 || { cat "$log"; fail "hook $id: the clean commit was blocked"; }
  cat "$log"
  grep -Eq '^regraft check\.+Passed' "$log" || fail "hook $id: the clean commit did not run the hook (no 'Passed' line)"
  [ "$(g rev-parse HEAD)" != "$head_before" ] || fail "hook $id: the clean commit made no commit"
  cd "$work"
  proven+=("$id: try-repo fails on a staged stale import (RG002), a commit adding it is blocked, the fixed commit passes")
done

say "precommit_roundtrip: passed (pre-commit $PRE_COMMIT_VERSION, regraft $rev)"
for line in "${proven[@]}"; do echo "  - $line"; done
