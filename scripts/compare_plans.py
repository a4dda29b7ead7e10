#!/usr/bin/env python3
"""Plans of two regraft binaries, compared on real projects: a check for speed work.

A change that only makes `plan` faster must leave every plan as it was. This takes the
untouched projects that scripts/corpus.sh extracted, picks up to N packages in each (every
k-th package directory, sorted, so the pick is the same on every run), and plans two runs of
each with both binaries: a move into a new sibling (`pkg` -> `pkg_moved`), and a merge into
the next package of the list that neither holds it nor lies in it. It compares exit status
and the JSON plan byte for byte, and prints every difference.

Usage:
    python3 scripts/compare_plans.py OLD_BIN NEW_BIN [--corpus /tmp/regraft-corpus] [-n 4]

Exits 1 when a plan differs.
"""

import argparse
import os
import subprocess
import sys


def packages(tree):
    found = []
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        if "__init__.py" in filenames and dirpath != tree:
            found.append(os.path.relpath(dirpath, tree))
    return sorted(found)


def plan(binary, tree, src, dst):
    run = subprocess.run([binary, "plan", "--root", tree, src, dst, "--format", "json"],
                         capture_output=True, text=True)
    return run.returncode, run.stdout, run.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--corpus", default="/tmp/regraft-corpus")
    parser.add_argument("-n", type=int, default=4, help="packages per project")
    args = parser.parse_args()
    trees = sorted(
        os.path.join(args.corpus, d) for d in os.listdir(args.corpus)
        if d != "results" and os.path.isdir(os.path.join(args.corpus, d))
    )
    compared = differ = 0
    for tree in trees:
        pkgs = packages(tree)
        if not pkgs:
            continue
        step = max(1, len(pkgs) // args.n)
        for src in pkgs[::step][: args.n]:
            runs = [src + "_moved"]
            unrelated = [p for p in pkgs[pkgs.index(src) + 1:] + pkgs
                         if p != src and not p.startswith(src + "/") and not src.startswith(p + "/")]
            runs += unrelated[:1]
            for dst in runs:
                old, new = plan(args.old, tree, src, dst), plan(args.new, tree, src, dst)
                compared += 1
                if old != new:
                    differ += 1
                    print(f"DIFFERS {os.path.basename(tree)}: {src} -> {dst}: "
                          f"exit {old[0]} vs {new[0]}")
                    if old[2] != new[2]:
                        print(f"  stderr: {old[2][:200]!r} vs {new[2][:200]!r}")
    print(f"{compared} plans compared on {len(trees)} projects; {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
