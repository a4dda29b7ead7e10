#!/usr/bin/env python3
"""Independent check of a tree after a move: resolve every import statement with `ast`.

    check_imports.py TREE OLD_MODULE

A file's module name comes from its chain of `__init__.py` packages (`src/dateutil/tz/tz.py` ->
`dateutil.tz.tz`, `tests/property/test_x.py` without an `__init__.py` -> `test_x`). Relative
imports are resolved from the file's package. Reported:

- STALE:  an import that still names OLD_MODULE or something inside it (`import a.old`,
          `from a.old.x import y`, `from a import old`, `from .. import old`);
- BROKEN: an import of a module of one of the tree's own top-level packages that does not exist
          in the tree (for `from P import n`: P missing, or P a module of the tree whose `n`
          is neither a submodule nor defined at P's top level).

Prints one line per statement found and a final `stale=N broken=M imports_checked=K` (K counts
imported names); exit 0 always.
"""
import ast
import os
import sys


def module_name(tree, path):
    rel_dir, base = os.path.split(os.path.relpath(path, tree))
    parts = [] if base == "__init__.py" else [base[:-3]]
    d = rel_dir
    while d and os.path.exists(os.path.join(tree, d, "__init__.py")):
        d, last = os.path.split(d)
        parts.insert(0, last)
    return ".".join(parts), base == "__init__.py"


def top_level_names(path):
    """Names bound at the top level of a module (defs, classes, assignments, imports)."""
    try:
        mod = ast.parse(open(path, "rb").read())
    except SyntaxError:
        return None
    names = set()
    for node in ast.walk(mod):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                if a.name == "*":
                    names.add("*")
                else:
                    names.add(a.asname or a.name.split(".")[0])
    return names


def main():
    tree, old = sys.argv[1], sys.argv[2]
    files = {}
    for dirpath, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".git") and not d.startswith(".")]
        for n in names:
            if n.endswith(".py"):
                p = os.path.join(dirpath, n)
                files[p] = module_name(tree, p)
    modules = {}  # module name -> file
    for p, (m, _) in files.items():
        if m:
            modules[m] = p
    known = set(modules)
    for m in list(modules):
        parts = m.split(".")
        known.update(".".join(parts[:i]) for i in range(1, len(parts)))
    # Our own top-level packages (directories with __init__.py).
    own_tops = {m.split(".")[0] for p, (m, is_init) in files.items() if m and (is_init or "." in m)}

    def under(name):
        return name == old or name.startswith(old + ".")

    stale = broken = checked = 0
    for p, (m, is_init) in sorted(files.items()):
        rel = os.path.relpath(p, tree)
        try:
            mod = ast.parse(open(p, "rb").read())
        except SyntaxError as e:
            print(f"SYNTAX {rel}:{e.lineno}: {e.msg}")
            continue
        pkg = m if is_init else m.rpartition(".")[0]
        for node in ast.walk(mod):
            targets = []  # (resolved module, from-name or None)
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = pkg.split(".") if pkg else []
                    up = node.level - 1
                    if up > len(parts) or (not parts):
                        print(f"BROKEN {rel}:{node.lineno}: relative import beyond top level")
                        broken += 1
                        continue
                    base = ".".join(parts[: len(parts) - up] + ([node.module] if node.module else []))
                else:
                    base = node.module
                targets = [(base, a.name) for a in node.names]
            else:
                continue
            line = ast.get_source_segment(open(p, encoding="utf-8", errors="replace").read(), node) or ""
            line = " ".join(line.split())
            is_stale, problems = False, []
            for base, name in targets:
                checked += 1
                full = f"{base}.{name}" if name and name != "*" else base
                if under(base) or under(full):
                    is_stale = True
                    continue
                if base.split(".")[0] not in own_tops:
                    continue
                if base not in known:
                    problems.append(f"{base} does not exist")
                elif (name and name != "*" and not name.startswith("__") and full not in known
                      and base in modules):
                    defined = top_level_names(modules[base])
                    if defined is not None and name not in defined and "*" not in defined:
                        problems.append(f"{base} has no {name}")
            if is_stale:
                print(f"STALE  {rel}:{node.lineno}: {line}")
                stale += 1
            if problems:
                print(f"BROKEN {rel}:{node.lineno}: {line}  ({'; '.join(dict.fromkeys(problems))})")
                broken += 1
    print(f"stale={stale} broken={broken} imports_checked={checked}")


if __name__ == "__main__":
    main()
