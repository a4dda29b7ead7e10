#!/usr/bin/env python3
"""Generate a git repository in which a large package is merged into an older copy of itself,
with every shared file's category known in advance (a benchmark for `regraft` merges, #14).

Usage:
    python3 scripts/gen_merge_tree.py OUTDIR [--scale F] [--seed S]

With --scale 1 (the default) the tree is the one issue #14 describes:

    OUTDIR/                          a git repository, 11 commits
      app/vendor/analytics/          SRC: ~7,100 .py files (~8,000 files with its data files)
      app/analytics/                 DST: 1,200 .py files, forked from SRC in commit 4
      app/core/, app/services/       200 .py files, a third of which import SRC
      .git/regraft-expected.json     the category of every file in both (outside the tree)

About 8,500 .py files and 600,000 lines of Python in all. The 420 files in both are:

- `identical`: DST is an exact copy made at the fork, and neither side touched it since;
- `clean`: an exact copy at the fork, then SRC edits the first function and DST appends
  one (a three-way merge against the fork's blob, no conflict);
- `conflict`: an exact copy at the fork, then both sides edit the first function;
- `inexact`: DST was edited while it was copied (git sees an inexact copy: no merge base,
  a two-way merge);
- `union`: the `__init__.py` files of both (merged as the union of their imports).

History worth looking up: SRC's area `a05` was renamed from `legacy05` before the fork (the
lineages of its files go through a rename), and six more commits edit files on either side
and elsewhere. Commit dates are fixed, one hour apart, so the output is deterministic for a
given (--scale, --seed). Only the standard library and the `git` command are used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

SRC = "app/vendor/analytics"
DST = "app/analytics"

WORDS = """
engine clock events orders fills broker router ledger account cash margin exposure limits
drawdown scenario factor alpha beta momentum carry value quality volatility returns prices
bars ticks quotes trades volume spread slippage fees session universe sector currency rates
curve pricing model estimator optimizer solver portfolio rebalance weights cache loader
reader writer parser schema validator registry adapter client handler pipeline window
cluster forest metrics report summary monitor alert settings storage snapshot journal
""".split()


def git(cwd, *args, when=None):
    env = dict(os.environ)
    env.update(
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_CONFIG_NOSYSTEM="1",
    )
    if when is not None:
        stamp = f"{1_700_000_000 + when * 3600} +0000"
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@regraft.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=env,
    )


class Module:
    """A module as blocks of text (header, then one block per function or class), so that
    either side can edit one block and leave the others as they were."""

    def __init__(self, rng, name, imports):
        self.header = f'"""The {name} module: {" ".join(rng.sample(WORDS, 6))}."""\n' + "".join(
            f"{line}\n" for line in imports
        )
        self.blocks = []
        for i in range(rng.randint(4, 7)):
            verb, noun = rng.choice(WORDS), rng.choice(WORDS)
            if i == 2:
                cls = "".join(w.capitalize() for w in rng.sample(WORDS, 2))
                self.blocks.append(
                    f"\n\nclass {cls}:\n"
                    f'    """Keeps the {noun} of one {verb} run."""\n\n'
                    f"    def __init__(self, {noun}=None):\n"
                    f"        self.{noun} = {noun} or []\n"
                    f"        self.count = 0\n\n"
                    f"    def add(self, item):\n"
                    f"        self.{noun}.append(item)\n"
                    f"        self.count += 1\n"
                    f"        return self\n\n"
                    f"    def total(self):\n"
                    f"        return sum(x for x in self.{noun} if x is not None)\n"
                )
            else:
                fn = f"{verb}_{noun}_{i}"
                self.blocks.append(
                    f"\n\ndef {fn}(values, window={rng.randint(2, 60)}):\n"
                    f'    """Compute the {noun} of {verb} over a rolling window."""\n'
                    f"    if not values:\n"
                    f"        return []\n"
                    f"    out = []\n"
                    f"    for i in range(len(values)):\n"
                    f"        lo = max(0, i - window + 1)\n"
                    f"        chunk = values[lo:i + 1]\n"
                    f"        out.append(sum(chunk) / len(chunk))\n"
                    f"    return out\n"
                )

    def text(self):
        return self.header + "".join(self.blocks)

    def edit_first(self, tag):
        first = self.blocks[0].split("\n")
        first.insert(5, f"    # {tag}: values must be a list of numbers")
        self.blocks[0] = "\n".join(first)

    def append(self, tag):
        self.blocks.append(f"\n\ndef added_{tag}(values):\n    return list(values)  # {tag}\n")


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def generate(out, scale, seed):
    rng = random.Random(seed)
    n = lambda x: max(1, round(x * scale))  # noqa: E731
    areas, subs = n(40), 5
    per_sub = max(1, int(7100 * scale) // (areas * subs))
    shared_areas = max(1, areas * 6 // 40)
    os.makedirs(out, exist_ok=True)
    if os.listdir(out):
        sys.exit(f"error: {out} is not empty")

    # Outside the package: app/core (imported by SRC) and app/services (imports SRC).
    core = []
    for i in range(n(100)):
        name = f"app/core/{WORDS[i % len(WORDS)]}_{i}.py"
        core.append(name[:-3].replace("/", "."))
        write(out, name, Module(rng, f"core {i}", []).text())
    write(out, "app/__init__.py", "")
    write(out, "app/core/__init__.py", "")
    write(out, "app/vendor/__init__.py", "")
    write(out, "app/services/__init__.py", "")

    src, shared, categories = {}, [], {}
    for a in range(areas):
        area = f"legacy{a:02}" if a == 5 else f"a{a:02}"
        src[f"{area}/__init__.py"] = None
        for s in range(subs):
            src[f"{area}/s{s}/__init__.py"] = None
            for m in range(per_sub):
                imports = [f"from {rng.choice(core)} import {rng.choice(WORDS)}_helper"]
                rel = f"{area}/s{s}/m{m:03}.py"
                if a < shared_areas and m < 13:
                    shared.append(rel.replace("legacy05", "a05"))
                elif m > 0 and rng.random() < 0.5:
                    target = f"{SRC}/{area}/s{s}/m{m - 1:03}".replace("/", ".")
                    imports.append(f"from {target} import {rng.choice(WORDS)}_{m}")
                src[rel] = Module(rng, rel, imports)
    src["__init__.py"] = None
    for rel in list(src):
        if src[rel] is None:
            src[rel] = f'"""Package {rel[:-len("__init__.py")] or "analytics"}."""\n'
    for i in range(n(900)):  # data files: part of the package, not Python
        write(out, f"{SRC}/data/table_{i:04}.json", json.dumps({"id": i, "w": rng.random()}) + "\n")

    def text_of(v):
        return v if isinstance(v, str) else v.text()

    def write_src():
        for rel, v in src.items():
            write(out, f"{SRC}/{rel}", text_of(v))

    # Services: a third import a module of SRC that only SRC has.
    movers = [r for r in src if r.endswith(".py") and "__init__" not in r and r.replace("legacy05", "a05") not in shared]
    for i in range(n(100)):
        imports = []
        if i % 3 == 0:
            rel = rng.choice(movers)
            imports.append(f"from {SRC.replace('/', '.')}.{rel[:-3].replace('/', '.')} import helper_{i}")
        write(out, f"app/services/svc_{i:03}.py", Module(rng, f"service {i}", imports).text())

    t = 0
    write_src()
    git(out, "init", "-q")
    git(out, "add", "-A")
    git(out, "commit", "-qm", "analytics package", when=t)

    # Commit 2: edits in SRC (history depth). Commit 3: legacy05 becomes a05 (a rename).
    t += 1
    for rel in rng.sample(movers, min(len(movers), n(300))):
        src[rel].edit_first("early")
    write_src()
    git(out, "commit", "-qam", "early edits", when=t)
    t += 1
    git(out, "mv", f"{SRC}/legacy05", f"{SRC}/a05")
    src = {k.replace("legacy05", "a05"): v for k, v in src.items()}
    movers = [m.replace("legacy05", "a05") for m in movers]
    git(out, "commit", "-qm", "rename legacy05 to a05", when=t)

    # Commit 4: the fork. Shared modules get their category; DST gets modules of its own.
    order = list(shared)
    rng.shuffle(order)
    k = len(order)
    cut = [0, k * 100 // 383, k * 300 // 383, k * 333 // 383, k]
    for i, name in enumerate(("identical", "clean", "conflict", "inexact")):
        for rel in order[cut[i]:cut[i + 1]]:
            categories[rel] = name
    dst = {}
    for rel in shared:
        copy = Module.__new__(Module)
        copy.header, copy.blocks = src[rel].header, list(src[rel].blocks)
        if categories[rel] == "inexact":
            copy.edit_first("edited while copying")
            copy.append("copy")
        dst[rel] = copy
    for rel, v in src.items():
        area = rel.split("/")[0]
        if rel.endswith("__init__.py") and (rel == "__init__.py" or int(area[1:]) < shared_areas):
            dst[rel] = v + f"from {DST.replace('/', '.')}.local import LOCAL\n"
            categories[rel] = "union"
    dst_only = int(1200 * scale) - len(dst) - 1
    for i in range(max(0, round(dst_only))):
        dst[f"a{i % shared_areas:02}/local_{i:03}.py"] = Module(rng, f"local {i}", [])
    dst["local.py"] = 'LOCAL = "dst"\n'
    for rel, v in dst.items():
        write(out, f"{DST}/{rel}", text_of(v))
    t += 1
    git(out, "add", "-A")
    git(out, "commit", "-qm", "fork analytics into app/analytics", when=t)

    # Commits 5-10: both copies grow apart, a few files at a time, and the rest changes too.
    steps = [r for r in shared if categories[r] in ("clean", "conflict")]
    rng.shuffle(steps)
    for c in range(6):
        t += 1
        for rel in steps[c::6]:
            src[rel].edit_first("src")
            if categories[rel] == "clean":
                dst[rel].append("dst")
            else:
                dst[rel].edit_first("dst")
        for rel in rng.sample(movers, min(len(movers), n(50))):
            src[rel].append(f"c{c}")
        for rel in [r for r in dst if "local_" in r][c::12]:
            dst[rel].append(f"c{c}")
        write_src()
        for rel, v in dst.items():
            write(out, f"{DST}/{rel}", text_of(v))
        git(out, "commit", "-qam", f"both copies grow apart ({c + 1})", when=t)
    t += 1
    write(out, "README.md", "# app\n\nSee app/vendor/analytics.\n")
    git(out, "add", "-A")
    git(out, "commit", "-qm", "readme", when=t)

    expected = {f"{DST}/{rel}": categories[rel] for rel in sorted(categories)}
    with open(os.path.join(out, ".git", "regraft-expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    counts = {}
    for v in expected.values():
        counts[v] = counts.get(v, 0) + 1
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--scale", type=float, default=1.0, help="size factor (default 1)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    counts = generate(args.outdir, args.scale, args.seed)
    print(f"files in both by category: {json.dumps(counts, sort_keys=True)}")


if __name__ == "__main__":
    main()
