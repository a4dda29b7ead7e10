#!/usr/bin/env python3
"""Merge verdicts judged by an independent oracle, on real code (issue #10).

Takes packages of a real project (Django's, by default), and for each one builds a git
history like the one regraft exists for: the package lives at SRC, a copy of it is made at
DST (most files an exact fork, some an edited copy that git sees as an inexact copy), and
then both copies are developed apart: functions and methods are added, deleted and edited on
either side, at random (seeded). regraft then merges SRC into DST, and this script checks
every verdict with Python's own `ast`, knowing what each side really did:

- a merge base must be a version that both histories really hold (by the texts committed
  here): a file whose DST began as an inexact copy has none, until one side's edit makes it
  equal to the other's (both deleted the same function);
- every function, class and method that either side still has must be in the result, or be
  listed in the plan's `lost` for that file (the tool may lose code only out loud);
- a file with a listed loss that neither side deleted on purpose must not be `merged`;
- the tree parses after the merge wherever regraft said `merged`.

Usage:
    python3 scripts/merge_oracle.py [--project DIR] [--rounds N] [--seed S] [--bin PATH]

DIR defaults to an unpacked Django 5.1.4 sdist at /tmp/dj/Django-5.1.4 (see
scripts/corpus.sh, or `pip download --no-deps --no-binary :all: django==5.1.4`). Prints one
line per round and a summary; exits 1 when any verdict was wrong.
"""

import argparse
import ast
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

GIT = ["git", "-c", "user.name=oracle", "-c", "user.email=oracle@regraft.invalid",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def git(cwd, *args):
    subprocess.run(GIT + list(args), cwd=cwd, check=True, capture_output=True)


def blob_id(text):
    """git's id of a blob with `text` (as written, UTF-8)."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def names(source):
    """Functions, classes and methods of top-level classes, by ast (None: does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.add(node.name)
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found.add(f"{node.name}.{member.name}")
    return found


def side_view(text, side):
    """The text with each conflict region replaced by one side's lines (an independent reading
    of `git merge-file --diff3` markers)."""
    out, part = [], "out"
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if part == "out" and bare.startswith("<<<<<<<"):
            part = "dst"
        elif part in ("dst", "base") and bare == "=======":
            part = "src"
        elif part == "dst" and bare.startswith("|||||||"):
            part = "base"
        elif part == "src" and bare.startswith(">>>>>>>"):
            part = "out"
        elif part == "out" or part == side:
            out.append(line)
    return "".join(out)


def functions(source):
    """(name, first line, last line) of top-level functions and methods, for mutations."""
    tree = ast.parse(source)
    spans = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spans.append((node.name, node, None))
        elif isinstance(node, ast.ClassDef):
            for m in node.body:
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans.append((f"{node.name}.{m.name}", m, node))
    return spans


def delete_definition(source, rng):
    spans = [s for s in functions(source) if s[2] is None or len(s[2].body) > 1]
    if not spans:
        return source, None
    name, node, _ = rng.choice(spans)
    lines = source.splitlines(keepends=True)
    first = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
    del lines[first:node.end_lineno]
    return "".join(lines), name


def add_function(source, rng, tag):
    name = f"added_{tag}_{rng.randrange(10**6)}"
    text = source if source.endswith("\n") or not source else source + "\n"
    return text + f"\n\ndef {name}(value):\n    return value  # {tag}\n", name


def edit_body(source, rng):
    spans = functions(source)
    if not spans:
        return source
    _, node, _ = rng.choice(spans)
    lines = source.splitlines(keepends=True)
    at = node.body[-1].end_lineno
    if at > len(lines) or not lines[at - 1].endswith("\n"):
        return source
    lines.insert(at, " " * node.body[0].col_offset + "pass  # edited\n")
    return "".join(lines)


def mutate(source, rng, tag):
    """One side's development of a file: returns (text, deleted names, added names)."""
    deleted, added = set(), set()
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.35:
            source, name = delete_definition(source, rng)
            if name:
                deleted.add(name)
        elif roll < 0.7:
            source, name = add_function(source, rng, tag)
            added.add(name)
        else:
            source = edit_body(source, rng)
    return source, deleted, added


def package_dirs(project, minimum):
    """Packages with at least `minimum` parseable Python files of modest size."""
    found = []
    for dirpath, _, files in os.walk(project):
        py = [f for f in files if f.endswith(".py") and f != "__init__.py"]
        good = []
        for f in py:
            path = os.path.join(dirpath, f)
            if os.path.getsize(path) > 40_000:
                continue
            try:
                text = open(path, encoding="utf-8").read()
                if functions(text):
                    good.append(f)
            except (SyntaxError, UnicodeDecodeError, ValueError):
                pass
        if len(good) >= minimum:
            found.append((dirpath, sorted(good)))
    return sorted(found)


def one_round(regraft, package, files, rng, work):
    repo = os.path.join(work, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    src, dst = "app/old/pkg", "app/new/pkg"
    for d in ("app", "app/old", "app/new", src):
        os.makedirs(os.path.join(repo, d), exist_ok=True)
        open(os.path.join(repo, d, "__init__.py"), "w").close()
    texts = {f: open(os.path.join(package, f), encoding="utf-8").read() for f in files}
    for f, text in texts.items():
        open(os.path.join(repo, src, f), "w").write(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "package")
    # The fork: most files copied exactly, some edited while copying.
    os.makedirs(os.path.join(repo, dst), exist_ok=True)
    open(os.path.join(repo, dst, "__init__.py"), "w").close()
    inexact, truth = set(), {}
    for f, text in texts.items():
        deleted_d = set()
        if rng.random() < 0.3:
            copy, deleted_d, _ = mutate(text, rng, "copy")
            # A mutation can change nothing (a lone method cannot be deleted): then the
            # copy is exact, and a base is right (Django 5.2.19's contrib/postgres
            # serializers.py, round 12 of seed 1, was judged wrong for that).
            if copy != text:
                inexact.add(f)
        else:
            copy = text
        open(os.path.join(repo, dst, f), "w").write(copy)
        truth[f] = {"dst_deleted": set(deleted_d), "src_deleted": set(),
                    "src_blobs": {blob_id(text)}, "dst_blobs": {blob_id(copy)}}
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fork")
    # Both sides develop.
    for f in texts:
        for side, where in (("src", src), ("dst", dst)):
            path = os.path.join(repo, where, f)
            if rng.random() < 0.8:
                new, deleted, _ = mutate(open(path).read(), rng, side)
                open(path, "w").write(new)
                truth[f][f"{side}_deleted"] |= deleted
                truth[f][f"{side}_blobs"].add(blob_id(new))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "apart")
    before = {
        f: {side: open(os.path.join(repo, where, f)).read() for side, where in (("src", src), ("dst", dst))}
        for f in texts
    }
    plan = subprocess.run([regraft, "plan", "--root", repo, src, dst, "--format", "json"],
                          capture_output=True, text=True)
    if plan.returncode not in (0, 1):
        return [f"plan failed ({plan.returncode}): {plan.stderr.strip()}"], {}
    merges = {m["path"]: m for m in json.loads(plan.stdout)["merges"]}
    run = subprocess.run([regraft, "apply", "--root", repo, src, dst], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        return [f"apply failed ({run.returncode}): {run.stderr.strip()}"], {}
    wrong, stats = [], {"files": 0, "merged": 0, "needs_review": 0, "unresolved": 0, "inexact": 0}
    for f in texts:
        path = f"{dst}/{f}"
        m = merges.get(path)
        if m is None:
            continue  # identical after all
        stats["files"] += 1
        stats[m["outcome"]] = stats.get(m["outcome"], 0) + 1
        # A base must be a version both histories really hold (by the texts this script
        # committed). An inexact copy has none at first, but one side's later edit can make
        # it equal the other's copy (both deleted the same function): then that is a base.
        shared = truth[f]["src_blobs"] & truth[f]["dst_blobs"]
        if m["base"] is not None and m["base"]["blob"] not in shared:
            wrong.append(f"{path}: merged against base {m['base']}, a version both sides "
                         f"never held{' (began as an inexact copy)' if f in inexact else ''}")
        stats["inexact"] += f in inexact
        result = open(os.path.join(repo, dst, f)).read()
        kept = set()
        for side in ("dst", "src"):
            view = names(side_view(result, side))
            if view is None:
                view = set(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", result, re.M))
            kept |= view
        listed = {(l["name"], l["side"]) for l in m.get("lost", [])}
        for side in ("src", "dst"):
            have = names(before[f][side]) or set()
            for name in sorted(have - kept):
                other = "dst" if side == "src" else "src"
                on_purpose = name in truth[f][f"{other}_deleted"]
                if (name, side) not in listed:
                    wrong.append(f"{path}: {side.upper()}'s {name} is gone and not listed "
                                 f"({'the other side deleted it' if on_purpose else 'nobody deleted it'})")
                elif not on_purpose and m["outcome"] == "merged":
                    wrong.append(f"{path}: {side.upper()}'s {name} lost, yet the verdict is `merged`")
        if m["outcome"] == "merged" and names(result) is None:
            wrong.append(f"{path}: `merged` but the result does not parse")
    return wrong, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", default="/tmp/dj/Django-5.1.4/django")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "regraft"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    packages = package_dirs(args.project, 4)
    if not packages:
        sys.exit(f"no packages found under {args.project}")
    totals, all_wrong = {}, []
    with tempfile.TemporaryDirectory() as work:
        for i in range(args.rounds):
            package, files = rng.choice(packages)
            files = rng.sample(files, min(len(files), 12))
            wrong, stats = one_round(os.path.abspath(args.bin), package, files, rng, work)
            for k, v in stats.items():
                totals[k] = totals.get(k, 0) + v
            rel = os.path.relpath(package, args.project)
            print(f"round {i + 1:3}: {rel:40} {stats} wrong={len(wrong)}")
            for w in wrong:
                print(f"    WRONG {w}")
            all_wrong += wrong
    print(f"\n{args.rounds} rounds, {totals.get('files', 0)} merged files: {totals}; "
          f"{len(all_wrong)} wrong verdicts")
    sys.exit(1 if all_wrong else 0)


if __name__ == "__main__":
    main()
