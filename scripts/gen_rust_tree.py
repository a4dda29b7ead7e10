#!/usr/bin/env python3
"""Generate a large synthetic Rust crate for benchmarking regraft's Rust support (issue #12).

Usage:
    python3 scripts/gen_rust_tree.py OUTDIR [--lines N] [--seed S]

Deterministic for a given (--lines, --seed). With the defaults it writes one crate
(`bigtrader`, edition 2021, no dependencies, its own workspace root) of about 1,400 `.rs`
files and more than 500,000 lines:

    OUTDIR/Cargo.toml
    OUTDIR/src/lib.rs               `pub mod` of 12 areas
    OUTDIR/src/<area>.rs + <area>/  nested directory modules, 2018 style (`name.rs` + `name/`)
    OUTDIR/src/<area>/mod.rs        ... or `mod.rs` style for a few areas
    OUTDIR/src/market/regime.rs + regime/   ~3% of the modules: the module to move
    OUTDIR/src/strategies.rs + strategies/  the destination's parent
    OUTDIR/tests/*.rs               integration tests naming `bigtrader::...` paths

Every module defines `Rec<id>`, `Kind<id>`, `Op<id>`, `LIMIT_<id>`, `classify_<id>` and
`calc_<id>_<j>` items and refers to other modules in the forms the Rust engine rewrites:
`use crate::` lines with nested groups, `super::` and `super::super::` imports, bare child
paths, qualified paths in expressions, types, patterns, trait bounds and impl headers,
`macro_rules!` bodies with `$crate::` paths invoked through their module path, intra-doc
links and doctest `use` lines. About a quarter of the modules outside `market::regime` name
something inside it. `calc` functions only call modules generated before them, so there is no
recursion; the crate is meant to pass `cargo check` (with `dead_code`/`unused` allowed).
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

AREAS = ["market", "engine", "storage", "net", "pricing", "risk", "report",
         "strategies", "util", "sim", "feeds", "orders"]
MOD_RS_AREAS = {"storage", "net", "sim"}
WORDS = ["signals", "depth", "book", "ticks", "fills", "quotes", "spread", "vol", "trend",
         "hedge", "margin", "ledger", "cache", "codec", "frames", "session", "limits",
         "alerts", "metrics", "window", "stats", "curve", "basis", "carry", "venue", "route",
         "batch", "replay", "audit", "clock", "calendar", "symbols", "greeks", "surface",
         "factor", "exposure", "budget", "throttle", "retry", "journal", "snapshot", "delta",
         "gamma", "theta", "auction", "sweep", "iceberg", "peg", "twap", "vwap", "slippage",
         "latency", "heartbeat", "gateway", "parser", "encoder", "schema", "index", "shard"]
FNS_PER_MODULE = (14, 22)


class Module:
    def __init__(self, path: list[str], mid: int, parent: "Module | None", style: str):
        self.path = path          # ["market", "regime", "detect"]
        self.id = mid
        self.parent = parent
        self.style = style        # "2018" or "mod.rs"
        self.children: list[Module] = []
        self.nfns = 0

    @property
    def crate_path(self) -> str:
        return "crate::" + "::".join(self.path)

    def file(self) -> str:
        rel = "/".join(self.path)
        if self.children and self.style == "mod.rs":
            return f"src/{rel}/mod.rs"
        return f"src/{rel}.rs"

    def in_regime(self) -> bool:
        return self.path[:2] == ["market", "regime"]


def build(rng: random.Random, n_modules: int) -> list[Module]:
    """The module tree, in generation order (parents before children)."""
    modules: list[Module] = []

    def grow(path: list[str], parent: Module | None, budget: int, depth: int, style: str) -> Module:
        m = Module(path, len(modules), parent, style)
        modules.append(m)
        budget -= 1
        if budget <= 0 or depth >= 4:
            return m
        k = min(budget, rng.randint(3, 8))
        cuts = sorted(rng.sample(range(1, budget), k - 1)) if k > 1 else []
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [budget])]
        names = rng.sample(WORDS, k)
        for name, size in zip(names, sizes):
            m.children.append(grow(path + [name], m, size, depth + 1, style))
        return m

    per_area = n_modules // len(AREAS)
    for area in AREAS:
        style = "mod.rs" if area in MOD_RS_AREAS else "2018"
        if area == "market":
            # market::regime first: ~3% of the modules, the subtree the benchmark moves.
            m = Module([area], len(modules), None, style)
            modules.append(m)
            m.children.append(grow([area, "regime"], m, max(8, n_modules * 3 // 100), 1, style))
            rest = per_area - len(modules)
            names = [w for w in rng.sample(WORDS, 6) if w != "regime"][:5]
            for i, name in enumerate(names):
                m.children.append(grow([area, name], m, max(1, rest // len(names)), 1, style))
        else:
            grow([area], None, per_area, 0, style)
    return modules


def pick(rng: random.Random, pool: list[Module], regime: list[Module], me: Module, bias: float) -> Module:
    """Another module: from market::regime with probability `bias`, else from `pool`."""
    for _ in range(20):
        m = rng.choice(regime) if (regime and rng.random() < bias) else rng.choice(pool)
        if m is not me:
            return m
    return pool[0] if pool[0] is not me else pool[1]


def render(rng: random.Random, m: Module, modules: list[Module], regime: list[Module]) -> str:
    # A quarter of the modules outside the moved subtree name something inside it.
    bias = 0.05 if m.in_regime() else (0.15 if rng.random() < 0.25 else 0.0)
    if bias == 0.0:
        # This module names nothing under market::regime.
        modules = [x for x in modules if not x.in_regime()]
        regime = []
    older = [x for x in modules if x.id < m.id]
    out: list[str] = []
    link = pick(rng, modules, regime, m, bias)
    out.append(f"//! `{m.crate_path}`: {' '.join(m.path)} handling.")
    out.append("//!")
    out.append(f"//! Works with [`{link.crate_path}::Rec{link.id}`] and [`Rec{m.id}`].")
    out.append("")
    # Child declarations.
    for c in m.children:
        if rng.random() < 0.3:
            out.append(f"/// The `{c.path[-1]}` part of {m.path[-1]}.")
        out.append(f"pub mod {c.path[-1]};")
    if m.children:
        out.append("")

    imported: set[str] = set()
    # A grouped import with a nested group.
    a, b = pick(rng, modules, regime, m, bias), pick(rng, modules, regime, m, bias)
    if a is not b and b.id != m.id and a.id != m.id:
        names_a, names_b = f"Rec{a.id}", [f"Kind{b.id}", f"LIMIT_{b.id}"]
        pa = "::".join(a.path)
        pb = "::".join(b.path)
        out.append(f"use crate::{{{pa}::{names_a}, {pb}::{{{', '.join(names_b)}}}}};")
        imported.update([names_a, *names_b])
    # A plain crate:: import, sometimes of a module itself.
    c = pick(rng, modules, regime, m, bias)
    if f"Op{c.id}" not in imported and c.id != m.id:
        out.append(f"use {c.crate_path}::Op{c.id};")
        imported.add(f"Op{c.id}")
    # super:: and super::super:: imports.
    if m.parent is not None and f"Rec{m.parent.id}" not in imported:
        out.append(f"use super::Rec{m.parent.id};")
        imported.add(f"Rec{m.parent.id}")
    gp = m.parent.parent if m.parent is not None else None
    if gp is not None and f"Kind{gp.id}" not in imported and rng.random() < 0.6:
        out.append(f"use super::super::Kind{gp.id};")
        imported.add(f"Kind{gp.id}")
    if m.children and rng.random() < 0.7:
        ch = rng.choice(m.children)
        if f"Rec{ch.id}" not in imported:
            out.append(f"use self::{ch.path[-1]}::Rec{ch.id};")
            imported.add(f"Rec{ch.id}")
    out.append("")

    limit = rng.randint(10, 10_000)
    out += [
        f"/// A record of `{m.path[-1]}`.",
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]",
        f"pub struct Rec{m.id} {{",
        "    pub a: u64,",
        "    pub b: u64,",
        "}",
        "",
        "#[derive(Debug, Clone, Copy, PartialEq, Eq)]",
        f"pub enum Kind{m.id} {{",
        "    Low,",
        "    Mid,",
        "    High,",
        "}",
        "",
        f"pub const LIMIT_{m.id}: u64 = {limit};",
        "",
        f"/// Something `{m.path[-1]}` can apply.",
        f"pub trait Op{m.id} {{",
        "    fn apply(&self, x: u64) -> u64;",
        "}",
        "",
        f"impl Op{m.id} for Rec{m.id} {{",
        "    fn apply(&self, x: u64) -> u64 {",
        "        x.wrapping_add(self.a).rotate_left(self.b as u32 % 64)",
        "    }",
        "}",
        "",
    ]
    t = pick(rng, modules, regime, m, bias)
    out += [
        f"impl {t.crate_path}::Op{t.id} for Rec{m.id} {{",
        "    fn apply(&self, x: u64) -> u64 {",
        f"        x ^ {t.crate_path}::LIMIT_{t.id}",
        "    }",
        "}",
        "",
        "/// Which band `x` falls in.",
        f"pub fn classify_{m.id}(x: u64) -> Kind{m.id} {{",
        f"    if x < LIMIT_{m.id} {{",
        f"        Kind{m.id}::Low",
        f"    }} else if x < LIMIT_{m.id} * 4 {{",
        f"        Kind{m.id}::Mid",
        "    } else {",
        f"        Kind{m.id}::High",
        "    }",
        "}",
        "",
    ]
    g = pick(rng, modules, regime, m, bias)
    out += [
        f"/// Applies every item in turn; see [`{g.crate_path}::Op{g.id}`].",
        f"pub fn apply_all_{m.id}<T: {g.crate_path}::Op{g.id}>(items: &[T], x: u64) -> u64 {{",
        "    items.iter().fold(x, |acc, t| t.apply(acc))",
        "}",
        "",
        f"pub fn boxed_{m.id}(items: &[Box<dyn {g.crate_path}::Op{g.id}>]) -> u64 {{",
        "    items.iter().map(|t| t.apply(1)).sum()",
        "}",
        "",
    ]
    has_macro = rng.random() < 0.25
    if has_macro:
        out += [
            f"/// `step_{m.id}!(x)` runs the first calculation of this module.",
            f"macro_rules! step_{m.id} {{",
            "    ($x:expr) => {",
            f"        $crate::{'::'.join(m.path)}::calc_{m.id}_0($x)",
            "    };",
            "}",
            f"pub(crate) use step_{m.id};",
            "",
        ]
    nfns = rng.randint(*FNS_PER_MODULE)
    m.nfns = nfns
    m.has_macro = has_macro
    for j in range(nfns):
        callee = rng.choice(older) if older else None
        other = pick(rng, modules, regime, m, bias)
        if j == 0 and rng.random() < 0.3:
            out += [
                f"/// The first calculation of `{m.path[-1]}`.",
                "///",
                "/// ```",
                f"/// use bigtrader::{'::'.join(m.path)}::calc_{m.id}_0;",
                "///",
                f"/// assert_eq!(calc_{m.id}_0(7), calc_{m.id}_0(7));",
                "/// ```",
            ]
        else:
            out.append(f"/// Step {j} of the {m.path[-1]} pipeline.")
        out.append(f"pub fn calc_{m.id}_{j}(x: u64) -> u64 {{")
        if callee is not None and callee.nfns:
            k = rng.randrange(callee.nfns)
            out.append(f"    let r = {callee.crate_path}::calc_{callee.id}_{k}(x ^ {rng.randint(1, 999)});")
            if getattr(callee, "has_macro", False) and rng.random() < 0.3:
                out.append(f"    let r = r ^ {callee.crate_path}::step_{callee.id}!(r);")
        else:
            out.append(f"    let r = x.wrapping_mul({rng.randint(3, 97)});")
        out += [
            f"    let s: {other.crate_path}::Rec{other.id} = {other.crate_path}::Rec{other.id} {{ a: r, b: x }};",
            f"    let v = match {other.crate_path}::classify_{other.id}(s.a) {{",
            f"        {other.crate_path}::Kind{other.id}::Low => r.wrapping_mul({rng.randint(3, 31)}),",
            f"        {other.crate_path}::Kind{other.id}::Mid => r.rotate_left({rng.randint(1, 63)}),",
            f"        {other.crate_path}::Kind{other.id}::High => r ^ s.b,",
            "    };",
        ]
        if m.children and rng.random() < 0.4:
            ch = rng.choice(m.children)
            out.append(f"    let v = v ^ {ch.path[-1]}::LIMIT_{ch.id};")
        if m.parent is not None and rng.random() < 0.3:
            out.append(f"    let v = v.wrapping_add(super::LIMIT_{m.parent.id});")
        out += [
            f"    if v > LIMIT_{m.id} {{",
            f"        v % LIMIT_{m.id}",
            "    } else {",
            f"        v.wrapping_add({rng.randint(1, 1000)})",
            "    }",
            "}",
            "",
        ]
    out += [
        "#[cfg(test)]",
        "mod tests {",
        "    use super::*;",
        "",
        "    #[test]",
        "    fn bands() {",
        f"        assert_eq!(classify_{m.id}(0), Kind{m.id}::Low);",
        f"        assert_eq!(classify_{m.id}(LIMIT_{m.id} * 8), Kind{m.id}::High);",
        "    }",
        "}",
    ]
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=520_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    avg_lines = 370
    modules = build(rng, max(60, args.lines // avg_lines))
    regime = [m for m in modules if m.in_regime()]
    if os.path.exists(args.out) and os.listdir(args.out):
        print(f"gen_rust_tree.py: {args.out} is not empty", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)

    def write(rel: str, text: str) -> int:
        path = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return text.count("\n")

    total = write("Cargo.toml", '[package]\nname = "bigtrader"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n')
    lib = ["//! A generated trading system, for benchmarks.", "",
           "#![allow(dead_code, unused_imports, unused_macros, clippy::all)]", ""]
    lib += [f"pub mod {a};" for a in AREAS]
    total += write("src/lib.rs", "\n".join(lib) + "\n")
    files = 1
    for m in modules:
        total += write(m.file(), render(rng, m, modules, regime))
        files += 1
    # Integration tests naming public paths, a few of them inside market::regime.
    for t in range(20):
        picks = [pick(rng, modules, regime, modules[0], 0.3) for _ in range(30)]
        body = ["//! Generated integration test.", ""]
        for i, p in enumerate(picks):
            body += ["#[test]", f"fn case_{i}() {{",
                     f"    let r = bigtrader::{'::'.join(p.path)}::classify_{p.id}(0);",
                     f"    assert_eq!(r, bigtrader::{'::'.join(p.path)}::Kind{p.id}::Low);",
                     "}", ""]
        total += write(f"tests/generated_{t}.rs", "\n".join(body))
        files += 1
    print(f"{files} .rs files, {total} lines, {len(regime)} modules under market::regime "
          f"(of {len(modules)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
