#!/usr/bin/env python3
"""Generate a large, realistic synthetic Python project for benchmarking regraft.

Usage:
    python3 scripts/gen_tree.py OUTDIR [--files N] [--seed S]

The output is deterministic for a given (--files, --seed).  With the defaults it writes
about 20,000 ``.py`` files (> 1,000,000 lines) laid out as::

    OUTDIR/
      README.md, pyproject.toml, config/*.yaml, docs/*.md
      backtester_v2/
        <~30 areas>/...            nested subpackages, 2-4 deep, each with __init__.py
        market_regime/             ~2% of the files (~400), nested; the package to move
        market_regime_legacy/      small decoy package (shares a name prefix, must not move)
        strategies/                ~50 files; the destination parent
      tests/                       test files, absolute imports only

About 2.5% of the files outside market_regime import something from
``backtester_v2.market_regime`` in every form the fixtures' rewrite policy covers:
absolute, ``import a.b.c`` with attribute chains, aliases, parenthesised multi-line
imports, ``from backtester_v2 import market_regime``, relative imports, imports
inside functions, ``TYPE_CHECKING`` blocks and ``try/except ImportError``.
Files inside market_regime import each other relatively and absolutely and also
import the rest of the project relatively (``from ...core.x import Y``), which
must be made absolute by the move.

A few files use CRLF line endings and a few have non-ASCII text in docstrings.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import keyword
import os
import random
import sys
import time

TOP = "backtester_v2"
MR = "market_regime"

# --------------------------------------------------------------------------- vocabulary

GENERAL_WORDS = """
engine scheduler clock events orders fills broker gateway router position ledger account
cash margin leverage exposure limits drawdown stress scenario factor alpha beta momentum
reversal carry value quality volatility correlation covariance returns prices bars ticks
quotes trades volume liquidity spread slippage commission fees session universe sector
industry country currency fx rates curve bond equity futures options greeks pricing model
fit estimator optimizer solver constraint objective portfolio rebalance allocation weights
budget cache loader reader writer parser serializer schema validator registry factory
adapter client server handler pipeline stage step transform window rolling ewm kalman
cluster forest boost linear ridge lasso metrics report plot chart table summary tearsheet
attribution benchmark tracking turnover costs tax audit monitor alert health settings
constants errors exceptions helpers common base mixins interfaces protocols storage
database parquet arrow snapshot replay recorder journal blotter matcher auction venue
latency throughput throttle retry backoff heartbeat watchdog cursor paging batch chunk
partition shard index lookup mapping resolver normalizer cleaner imputer winsorize
rank zscore decay halflife horizon lookback rollover expiry contract tenor coupon
accrual dividend split corporate actions holiday business daycount interval bucket
histogram quantile percentile bootstrap montecarlo sampler generator seed tuning grid
search walkforward crossval purged embargo labeling meta barrier target stoploss
takeprofit sizing kelly risk parity hedge overlay basket pairs spreadbook inventory
""".split()

MR_WORDS = """
detectors classifiers hmm gaussian_mixture markov_switching volatility_regime
trend_regime breakpoints changepoint transitions states labels features calibration
thresholds smoothing ensemble voting posterior likelihood viterbi baum_welch emission
hidden_states regime_map regime_store regime_cache bull_bear crisis turbulence
mahalanobis entropy hurst fractal cusum bocpd online offline backfill snapshots
diagnostics scoring evaluation persistence duration switching classifier_base
detector_base registry schemas adapters overlays filters sizing priors kernels
clustering kmeans spectral dispersion skew kurtosis drift regime_signals stability
""".split()

STRATEGY_WORDS = """
momentum mean_reversion pairs trend carry breakout value stat_arb rotation overlay
base signals sizing execution filters universe rebalance allocators composite
""".split()

CLASS_SUFFIXES = """
Detector Model Engine Manager Config Result Handler Calculator Estimator Store Cache
Builder Policy Report Adapter Spec State Error Tracker Provider Registry Pipeline
Filter Transformer Signal Snapshot Frame Window Router Monitor Scorer Classifier
""".split()

MR_CLASS_SUFFIXES = """
Detector Classifier Model Estimator State Labeler Calibrator Filter Scorer Config
Result Snapshot Store Registry Smoother Ensemble Transition Signal
""".split()

VERBS = """
compute build load fit estimate resolve apply normalize validate merge split rank score
detect classify smooth align resample aggregate filter collect render parse encode decode
update refresh prepare finalize summarize extract project rebalance hedge price simulate
""".split()

NOUNS = """
weights returns prices signals labels states exposure positions orders fills window
features scores metrics frame series matrix schedule calendar universe costs limits
thresholds horizon snapshot payload config report summary buckets quantiles regimes
""".split()

VARS = """
values result frame window weights scores items record payload state total count
buffer series mapping keys prices returns labels threshold matrix summary cursor batch
observations estimates residuals deltas bounds ranks snapshot_ids
""".split()

ADJ = """
rolling cached normalized adjusted raw smoothed filtered lagged annualised robust
weighted cumulative realised expected forward trailing intraday daily
""".split()

PHRASES = [
    "Compute the {adj} {noun} for the given {noun2}.",
    "Helpers for working with {adj} {noun}.",
    "Build {noun} from {adj} {noun2} and cache the result.",
    "Thin wrapper around the {noun} {noun2} machinery.",
    "Utilities to load, validate and normalise {noun}.",
    "Keep track of {adj} {noun} across {noun2} boundaries.",
    "Estimate {noun} using a {adj} window over {noun2}.",
    "Adapters between the {noun} layer and the {noun2} layer.",
    "Resolve {noun} for each {noun2} in the universe.",
    "Score {noun} against the {adj} {noun2} baseline.",
]

COMMENTS = [
    "TODO: vectorise this once the {noun} schema is stable.",
    "NOTE: {noun} may be empty on holidays; keep the guard below.",
    "Keep this in sync with the {noun} definitions in config/.",
    "FIXME: {adj} {noun} are double counted when {noun2} roll over.",
    "Fast path: most callers pass pre-sorted {noun}.",
    "The {noun2} here are assumed to be {adj}.",
    "See the design notes in docs/architecture.md for the {noun} contract.",
    "Avoid pandas here: this runs inside the hot {noun} loop.",
    "Backwards compatibility with the v1 {noun} format.",
]

NON_ASCII = [
    "Zürich session", "São Paulo venue", "Shanghai–Hong Kong connect", "résumé of fills",
    "Δ-hedged book", "µs latency budget", "€STR curve", "naïve estimator",
]

STDLIB_EXTRA = [
    ("import os", None), ("import sys", None), ("import math", "math"), ("import json", None),
    ("import re", None), ("import time", None), ("import itertools", None),
    ("import functools", None), ("import datetime as dt", None), ("import threading", None),
    ("from collections import defaultdict, deque", None), ("from pathlib import Path", None),
    ("from enum import Enum", None), ("from abc import ABC, abstractmethod", None),
    ("from dataclasses import dataclass, field", "dataclass"),
    ("from functools import lru_cache", None), ("import warnings", None),
    ("from contextlib import contextmanager", None), ("import heapq", None),
    ("import statistics", None), ("import copy", None), ("import uuid", None),
]

THIRD_PARTY = [
    ("import numpy as np", "np"), ("import pandas as pd", "pd"), ("from scipy import stats", None),
    ("from scipy.optimize import minimize", None), ("import yaml", None),
    ("from sklearn.base import BaseEstimator", None), ("import pyarrow as pa", None),
    ("from pydantic import BaseModel", None), ("import requests", None),
    ("from tqdm import tqdm", None), ("import numba", None),
]

AREAS = """
core data execution risk portfolio indicators analytics reporting utils dataio
optimization ml signals brokers config simulation research live api storage validation
features universe pricing costs compliance monitoring cli fixed_income derivatives factors
""".split()

_STDLIB_NAMES = set(getattr(sys, "stdlib_module_names", ())) | {
    "signal", "types", "queue", "calendar", "csv", "json", "io", "random", "math", "time",
    "string", "select", "logging", "parser", "code", "test", "token", "tokenize", "ast",
}
_BAD = set(keyword.kwlist) | set(getattr(keyword, "softkwlist", ())) | _STDLIB_NAMES | {
    MR, "market_regime_legacy", "strategies", "tests", "conftest",
}


def camel(*words: str) -> str:
    return "".join(p.capitalize() for w in words for p in w.split("_"))


# --------------------------------------------------------------------------- model


class Pkg:
    __slots__ = ("parts", "children", "taken", "modules")

    def __init__(self, parts):
        self.parts = parts
        self.children = []
        self.taken = {}
        self.modules = []


class Mod:
    __slots__ = ("parts", "is_pkg", "area", "symbols", "target", "pkg", "mr_import",
                 "legacy_import", "crlf", "non_ascii", "reexports")

    def __init__(self, parts, is_pkg, area, pkg):
        self.parts = parts
        self.is_pkg = is_pkg
        self.area = area
        self.pkg = pkg  # Pkg object (for __init__, the package itself; else the parent)
        self.symbols = []
        self.target = 0
        self.mr_import = False
        self.legacy_import = False
        self.crlf = False
        self.non_ascii = False
        self.reexports = []  # list of (Mod, name) for __init__ files

    @property
    def pkg_parts(self):
        return self.parts if self.is_pkg else self.parts[:-1]

    def relpath(self):
        if self.is_pkg:
            return os.path.join(*self.parts, "__init__.py")
        return os.path.join(*self.parts[:-1], self.parts[-1] + ".py")


def fresh_name(rng, pool, taken, pair_prob):
    for _ in range(40):
        if rng.random() < pair_prob:
            a, b = rng.choice(pool), rng.choice(pool)
            if a == b:
                continue
            name = f"{a}_{b}"
        else:
            name = rng.choice(pool)
        if name not in taken and name not in _BAD and name.isidentifier():
            return name
    i = 2
    base = rng.choice(pool)
    while f"{base}_{i}" in taken:
        i += 1
    return f"{base}_{i}"


def build_area(rng, root, n_files, pkg_pool, mod_pool, max_depth, files_per_pkg, area,
               fixed_children=()):
    """Create a package tree rooted at `root` holding exactly n_files .py files."""
    n_pkgs = max(1, min(max(1, n_files // 3), round(n_files / files_per_pkg)))
    rootpkg = Pkg(root)
    pkgs = [rootpkg]
    for name in fixed_children:
        if len(pkgs) >= n_pkgs:
            break
        child = Pkg(root + (name,))
        rootpkg.children.append(child)
        rootpkg.taken[name] = 1
        pkgs.append(child)
    while len(pkgs) < n_pkgs:
        cands = [p for p in pkgs if len(p.parts) < max_depth]
        # bias towards shallower packages a little so trees stay bushy
        parent = rng.choice(cands) if rng.random() < 0.7 else rng.choice(cands[: max(1, len(cands) // 3)])
        name = fresh_name(rng, pkg_pool, parent.taken, 0.25)
        child = Pkg(parent.parts + (name,))
        parent.children.append(child)
        parent.taken[name] = 1
        pkgs.append(child)
    remaining = n_files - len(pkgs)
    counts = [0] * len(pkgs)
    base = min(2, remaining // len(pkgs))
    for i in range(len(pkgs)):
        counts[i] = base
    remaining -= base * len(pkgs)
    weights = [rng.uniform(0.3, 3.0) for _ in pkgs]
    for i in rng.choices(range(len(pkgs)), weights=weights, k=remaining):
        counts[i] += 1
    mods = []
    for pkg, cnt in zip(pkgs, counts):
        mods.append(Mod(pkg.parts, True, area, pkg))
        for _ in range(cnt):
            name = fresh_name(rng, mod_pool, pkg.taken, 0.6)
            pkg.taken[name] = 1
            m = Mod(pkg.parts + (name,), False, area, pkg)
            pkg.modules.append(m)
            mods.append(m)
    return rootpkg, pkgs, mods


def assign_symbols(rng, m):
    words = MR_WORDS if m.area == "mr" else GENERAL_WORDS
    suffixes = MR_CLASS_SUFFIXES if m.area == "mr" else CLASS_SUFFIXES
    n = 1 if m.target < 20 else rng.randint(1, 3 if m.target < 60 else 6)
    seen = {}
    syms = []
    for _ in range(n):
        for _ in range(10):
            if rng.random() < 0.55:
                w = rng.choice(words)
                pre = "Regime" if m.area == "mr" and rng.random() < 0.4 else ""
                name = pre + camel(w) + rng.choice(suffixes)
                kind = "class"
            else:
                name = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
                kind = "func"
            if name not in seen and not keyword.iskeyword(name):
                seen[name] = 1
                syms.append((name, kind))
                break
    m.symbols = syms


def target_lines(rng, m):
    if m.is_pkg:
        return rng.randint(5, 25)
    r = rng.random()
    if r < 0.06:
        return rng.randint(5, 14)
    v = rng.lognormvariate(3.72, 0.72)
    return int(min(300, max(8, v)))


# --------------------------------------------------------------------------- import forms


def rel_spec(src_pkg, target):
    """Relative `from` spec from package src_pkg to module `target`.

    Returns (dots_and_module, last) meaning `from {dots_and_module} import {last}` names
    the target module, and `from {dots_and_module_with_last}` names it as a module; or None.
    """
    c = 0
    lim = min(len(src_pkg), len(target))
    while c < lim and src_pkg[c] == target[c]:
        c += 1
    if c == 0:
        return None
    ndots = len(src_pkg) - c + 1
    if ndots > 4:
        return None
    return "." * ndots, target[c:]


class ImportCtx:
    """Collects the import lines for one file and expressions that use them."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []          # top-level import lines (strings, may contain \n)
        self.tc_lines = []       # lines inside `if TYPE_CHECKING:`
        self.try_lines = []      # (try_line, fallback_binding) inside try/except ImportError
        self.lazy = []           # (import_line, expr) used inside one function body
        self.usages = []         # expressions valid at module level
        self.bound = {}          # local binding -> 1
        self.dotted_roots = 0

    def bind(self, name):
        if name in self.bound:
            return None
        self.bound[name] = 1
        return name

    def alias_for(self, name):
        base = name if not name[0].isupper() else name
        for i in range(1, 50):
            cand = f"{base}_{i}" if not base[0].isupper() else f"{base}{i}"
            if cand not in self.bound:
                self.bound[cand] = 1
                return cand
        return None


def pick_symbol(rng, t):
    if not t.symbols:
        return None
    return rng.choice(t.symbols)[0]


def add_import(ctx, src, t, style, placement="top"):
    """Add an import of target module `t` to ctx using `style`. Returns True on success."""
    rng = ctx.rng
    dotted = ".".join(t.parts)
    sym = pick_symbol(rng, t)
    line = None
    expr = None
    if style == "rel":
        if src.area == "tests":
            return False
        spec = rel_spec(src.pkg_parts, t.parts)
        if spec is None:
            return False
        dots, rest = spec
        r = rng.random()
        if not rest:
            if not sym:
                return False
            local = ctx.bind(sym) or ctx.alias_for(sym)
            line = f"from {dots} import {sym}" + (f" as {local}" if local != sym else "")
            expr = local
        elif r < 0.6 and sym:
            local = ctx.bind(sym) or ctx.alias_for(sym)
            line = f"from {dots}{'.'.join(rest)} import {sym}" + (f" as {local}" if local != sym else "")
            expr = local
        else:
            leaf = rest[-1]
            local = ctx.bind(leaf) or ctx.alias_for(leaf)
            line = f"from {dots}{'.'.join(rest[:-1])} import {leaf}" + (f" as {local}" if local != leaf else "")
            expr = f"{local}.{sym}" if sym else local
    elif style == "from_sym":
        if not sym:
            return False
        local = ctx.bind(sym) or ctx.alias_for(sym)
        line = f"from {dotted} import {sym}" + (f" as {local}" if local != sym else "")
        expr = local
    elif style == "from_multi":
        names = [s for s, _ in t.symbols]
        if len(names) < 2:
            return add_import(ctx, src, t, "from_sym", placement)
        k = rng.randint(2, min(4, len(names)))
        chosen = rng.sample(names, k)
        items = []
        for s in chosen:
            local = ctx.bind(s) or ctx.alias_for(s)
            items.append(s if local == s else f"{s} as {local}")
            expr = local
        if rng.random() < 0.7:
            body = "".join(f"    {it},\n" for it in items)
            if rng.random() < 0.3:
                body = body.rstrip("\n") + "  # noqa: F401\n"
            line = f"from {dotted} import (\n{body})"
        else:
            line = f"from {dotted} import " + ", ".join(items)
    elif style == "from_mod":
        if len(t.parts) < 2:
            return False
        leaf = t.parts[-1]
        local = ctx.bind(leaf) or ctx.alias_for(leaf)
        line = f"from {'.'.join(t.parts[:-1])} import {leaf}" + (f" as {local}" if local != leaf else "")
        expr = f"{local}.{sym}" if sym else local
    elif style == "import_dotted":
        root = t.parts[0]
        if placement != "top":
            placement = "top"
        ctx.bound[root] = 1
        line = f"import {dotted}"
        expr = f"{dotted}.{sym}" if sym else dotted
        ctx.dotted_roots += 1
    elif style == "import_as":
        leaf = t.parts[-1]
        short = "".join(w[0] for w in leaf.split("_"))[:4] or leaf
        alias = ctx.bind(f"{short}_mod") or ctx.alias_for(f"{short}_mod")
        line = f"import {dotted} as {alias}"
        expr = f"{alias}.{sym}" if sym else alias
    else:
        raise ValueError(style)
    if line is None:
        return False
    if placement == "top":
        ctx.lines.append(line)
        if expr:
            ctx.usages.append(expr)
    elif placement == "tc":
        ctx.tc_lines.append(line)
        if expr:
            ctx.usages.append(f'"{expr}"')  # string annotation use
    elif placement == "try":
        ctx.try_lines.append((line, expr.split(".")[0] if expr else None))
        if expr:
            ctx.usages.append(expr)
    elif placement == "lazy":
        ctx.lazy.append((line, expr))
    return True


# --------------------------------------------------------------------------- code bodies


class Writer:
    def __init__(self, rng, has_np, has_pd, has_math, has_logger):
        self.rng = rng
        self.has_np = has_np
        self.has_pd = has_pd
        self.has_math = has_math
        self.has_logger = has_logger

    def phrase(self, tpl=None):
        rng = self.rng
        tpl = tpl or rng.choice(PHRASES)
        return tpl.format(adj=rng.choice(ADJ), noun=rng.choice(NOUNS), noun2=rng.choice(NOUNS))

    def comment(self):
        rng = self.rng
        return rng.choice(COMMENTS).format(adj=rng.choice(ADJ), noun=rng.choice(NOUNS),
                                           noun2=rng.choice(NOUNS))

    def stmts(self, ind, avail, n, usages, depth=0):
        """Generate about n lines of statements at indent `ind` using variables in avail."""
        rng = self.rng
        out = []
        pad = "    " * ind
        while len(out) < n:
            a = rng.choice(avail)
            new = rng.choice(VARS)
            r = rng.random()
            if r < 0.10:
                out.append(f"{pad}{new} = len({a}) if {a} else 0")
            elif r < 0.18:
                out.append(f"{pad}{new} = [item for item in {a} if item is not None]")
            elif r < 0.24:
                out.append(f'{pad}{new}: Dict[str, Any] = {{"name": "{rng.choice(NOUNS)}", "size": len({a})}}')
            elif r < 0.34 and depth < 2 and n - len(out) > 3:
                out.append(f"{pad}if {a} is None:")
                out.extend(self.block(ind + 1, avail, rng.randint(1, 2), usages, depth + 1))
                if rng.random() < 0.4:
                    out.append(f"{pad}else:")
                    out.extend(self.block(ind + 1, avail, 1, usages, depth + 1))
            elif r < 0.44 and depth < 2 and n - len(out) > 4:
                acc = "collected" if "collected" not in avail else "extra"
                out.append(f"{pad}{acc}: List[Any] = []")
                out.append(f"{pad}for idx, item in enumerate({a}):")
                out.append(f"{pad}    if idx > {rng.randint(2, 500)}:")
                out.append(f"{pad}        break")
                out.append(f"{pad}    {acc}.append(item)")
                avail = avail + [acc]
                new = acc
            elif r < 0.50 and n - len(out) > 4:
                out.append(f"{pad}try:")
                out.append(f"{pad}    {new} = float({a})")
                out.append(f"{pad}except (TypeError, ValueError):")
                if self.has_logger:
                    out.append(f'{pad}    logger.debug("could not coerce %r", {a})')
                out.append(f"{pad}    {new} = 0.0")
            elif r < 0.57:
                out.append(f"{pad}# {self.comment()}")
                continue
            elif r < 0.62 and self.has_logger:
                out.append(f'{pad}logger.debug("{rng.choice(NOUNS)}: %s", {a})')
                continue
            elif r < 0.72 and usages:
                u = rng.choice(usages)
                if u.startswith('"'):
                    out.append(f"{pad}{new}: {u} = {a}  # type: ignore[assignment]")
                elif rng.random() < 0.5:
                    out.append(f"{pad}{new} = {u}({a})")
                else:
                    out.append(f"{pad}if isinstance({a}, {u}):")
                    out.append(f"{pad}    {new} = {a}")
                    out.append(f"{pad}else:")
                    out.append(f"{pad}    {new} = {u}")
            elif r < 0.77 and self.has_np:
                out.append(f"{pad}{new} = np.asarray({a}, dtype=float)")
            elif r < 0.81 and self.has_pd:
                out.append(f"{pad}{new} = pd.Series({a}).rolling({rng.randint(2, 60)}, min_periods=1).mean()")
            elif r < 0.85 and self.has_math:
                out.append(f"{pad}{new} = math.sqrt(max(len({a}), 1))")
            elif r < 0.88:
                out.append(f'{pad}assert {a} is not None, "{a} must be provided"')
                continue
            elif r < 0.8815 and not any(u.startswith("market_regime.") for u in usages):
                out.append(f"{pad}market_regime = {a}  # local name, not the package")
                new = "market_regime"
            elif r < 0.95:
                k = rng.choice(VARS)
                out.append(f"{pad}{new} = {{{k}: v for {k}, v in dict({a} or {{}}).items() if v}}")
            else:
                out.append(f"{pad}{new} = sorted({a}, key=str)[:{rng.randint(1, 100)}]")
            if new not in avail:
                avail = avail + [new]
        return out

    def block(self, ind, avail, n, usages, depth):
        """Like stmts, but guaranteed to hold at least one statement that is not a comment."""
        lines = self.stmts(ind, avail, n, usages, depth)
        if all(ln.lstrip().startswith("#") for ln in lines):
            lines.append("    " * ind + "pass")
        return lines

    def docstring(self, ind, long):
        pad = "    " * ind
        first = self.phrase()
        if not long:
            return [f'{pad}"""{first}"""']
        lines = [f'{pad}"""{first}', ""]
        for _ in range(self.rng.randint(1, 3)):
            lines.append(f"{pad}{self.phrase()}")
        lines.append(f'{pad}"""')
        return lines

    def function(self, name, ind, budget, usages, method=False, lazy=None):
        rng = self.rng
        pad = "    " * ind
        params = rng.sample(VARS, rng.randint(1, 3))
        sig = []
        if method:
            sig.append("self")
        defaulted = False
        for i, p in enumerate(params):
            ann = rng.choice(["List[float]", "Optional[Dict[str, Any]]", "Any", "int", "str", "List[Any]"])
            defaulted = defaulted or (i > 0 and rng.random() < 0.4)
            sig.append(f"{p}: {ann}" + (" = None" if defaulted else ""))
        ret = rng.choice(["Any", "List[Any]", "Dict[str, Any]", "Optional[float]", "int"])
        out = []
        if method and rng.random() < 0.1:
            out.append(f"{pad}@property")
            sig = ["self"]
            params = ["self"]
        out.append(f"{pad}def {name}({', '.join(sig)}) -> {ret}:")
        long_doc = budget > 12 and rng.random() < 0.6
        out.extend(self.docstring(ind + 1, long_doc))
        avail = list(params) if params != ["self"] else ["self"]
        if lazy:
            line, expr = lazy
            for ln in line.split("\n"):
                out.append(f"{pad}    {ln}" if ln else ln)
            tmp = rng.choice(VARS)
            if expr:
                out.append(f"{pad}    {tmp} = {expr}")
                avail.append(tmp)
        n = max(1, budget - len(out) - 1)
        out.extend(self.stmts(ind + 1, avail, n, usages))
        out.append(f"{pad}    return {rng.choice(avail)}")
        return out

    def klass(self, name, ind, budget, usages, dataclass_ok):
        rng = self.rng
        pad = "    " * ind
        out = []
        bases = ""
        if usages and rng.random() < 0.25:
            u = rng.choice(usages)
            if not u.startswith('"'):
                bases = f"({u})"
        if dataclass_ok and rng.random() < 0.3:
            out.append(f"{pad}@dataclass")
            out.append(f"{pad}class {name}{bases}:")
            out.extend(self.docstring(ind + 1, budget > 15))
            out.append("")
            for f in rng.sample(VARS, rng.randint(2, 6)):
                out.append(f"{pad}    {f}: {rng.choice(['float', 'int', 'str', 'Optional[str]'])} = "
                           f"{rng.choice(['0.0', '0', repr(rng.choice(NOUNS)), 'None'])}")
            budget -= len(out)
            while budget > 4:
                out.append("")
                m = self.function(f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}", ind + 1,
                                  min(budget, rng.randint(5, 25)), usages, method=True)
                out.extend(m)
                budget -= len(m) + 1
            return out
        out.append(f"{pad}class {name}{bases}:")
        out.extend(self.docstring(ind + 1, budget > 15))
        out.append("")
        if rng.random() < 0.4:
            out.append(f"{pad}    DEFAULT_{rng.choice(NOUNS).upper()} = {rng.randint(1, 500)}")
            out.append("")
        attrs = rng.sample(VARS, rng.randint(1, 4))
        out.append(f"{pad}    def __init__(self, {', '.join(f'{a}: Any = None' for a in attrs)}) -> None:")
        for a in attrs:
            out.append(f"{pad}        self.{a} = {a}")
        out.append(f"{pad}        self._cache: Dict[str, Any] = {{}}")
        budget -= len(out)
        used = {}
        while budget > 4:
            mname = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
            if mname in used:
                mname += f"_{len(used)}"
            used[mname] = 1
            out.append("")
            m = self.function(mname, ind + 1, min(budget, rng.randint(5, 28)), usages, method=True)
            out.extend(m)
            budget -= len(m) + 1
        return out


# --------------------------------------------------------------------------- file rendering


def render_module(rng, m, ctx):
    """Render a regular module (or package __init__) to text (LF line endings)."""
    tiny = m.target < 15
    out = []
    # module docstring
    w0 = Writer(rng, False, False, False, False)
    title = w0.phrase()
    if m.non_ascii:
        title = title.rstrip(".") + f" ({rng.choice(NON_ASCII)})."
    if tiny:
        out.append(f'"""{title}"""')
    else:
        out.append(f'"""{title}')
        out.append("")
        for _ in range(rng.randint(1, 4)):
            out.append(w0.phrase())
        if m.mr_import and rng.random() < 0.3:
            out.append("")
            out.append("See backtester_v2.market_regime for the regime definitions.")
        out.append('"""')
    out.append("")
    if not tiny and rng.random() < 0.5:
        out.append("from __future__ import annotations")
        out.append("")

    has_np = has_pd = has_math = False
    dataclass_ok = False
    if not tiny:
        std = ["import logging"]
        typing_names = ["Any", "Dict", "List", "Optional"]
        if ctx.tc_lines:
            typing_names.insert(0, "TYPE_CHECKING")
        for line, flag in rng.sample(STDLIB_EXTRA, rng.randint(1, 6)):
            std.append(line)
            if flag == "math":
                has_math = True
            if flag == "dataclass":
                dataclass_ok = True
        std.append(f"from typing import {', '.join(typing_names)}")
        std.sort(key=lambda s: (s.startswith("from "), s))
        out.extend(std)
        out.append("")
        tp = rng.sample(THIRD_PARTY, rng.randint(0, 3))
        if tp:
            for line, flag in sorted(tp):
                out.append(line)
                has_np |= flag == "np"
                has_pd |= flag == "pd"
            out.append("")
    else:
        out.append("from typing import Any, Dict, List, Optional")
        out.append("")

    if ctx.lines:
        for ln in ctx.lines:
            out.extend(ln.split("\n"))
        out.append("")
    if ctx.try_lines:
        for line, binding in ctx.try_lines:
            out.append("try:")
            out.extend("    " + ln if ln else ln for ln in line.split("\n"))
            out.append("except ImportError:  # optional dependency")
            out.append(f"    {binding} = None  # type: ignore[assignment]")
        out.append("")
    if ctx.tc_lines:
        if tiny:
            out.append("from typing import TYPE_CHECKING")
        out.append("if TYPE_CHECKING:")
        for ln in ctx.tc_lines:
            out.extend("    " + x if x else x for x in ln.split("\n"))
        out.append("")

    has_logger = not tiny
    w = Writer(rng, has_np, has_pd, has_math, has_logger)
    if has_logger:
        out.append("logger = logging.getLogger(__name__)")
        out.append("")
    if not tiny and rng.random() < 0.6:
        for _ in range(rng.randint(1, 4)):
            out.append(f"{rng.choice(ADJ).upper()}_{rng.choice(NOUNS).upper()} = {rng.choice([rng.randint(1, 1000), round(rng.random(), 3), repr(rng.choice(NOUNS))])}")
        out.append("")
    if m.symbols and not tiny and rng.random() < 0.7:
        out.append("__all__ = [" + ", ".join(f'"{s}"' for s, _ in m.symbols) + "]")
        out.append("")

    usages = ctx.usages
    lazy = list(ctx.lazy)
    remaining = m.target - len(out)
    nsym = len(m.symbols)
    per = max(4, remaining // max(1, nsym + (1 if remaining > 120 else 0)))
    for name, kind in m.symbols:
        out.append("")
        if not tiny:
            out.append("")
        if kind == "class":
            out.extend(w.klass(name, 0, per, usages, dataclass_ok))
        else:
            out.extend(w.function(name, 0, per, usages, lazy=lazy.pop() if lazy else None))
    # private helpers until the target is reached
    k = 0
    while len(out) < m.target - 6 or lazy:
        out.append("")
        out.append("")
        if rng.random() < 0.2 and not lazy:
            out.append(f"# {w.comment()}")
        name = f"_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{k}"
        k += 1
        budget = min(max(5, m.target - len(out)), rng.randint(6, 40))
        out.extend(w.function(name, 0, budget, usages, lazy=lazy.pop() if lazy else None))
    if not tiny and rng.random() < 0.05:
        out.append("")
        out.append("")
        out.append('if __name__ == "__main__":')
        out.append(f"    logging.basicConfig(level=logging.INFO)")
        out.append(f"    logger.info(\"{w.phrase()}\")")
    return "\n".join(out) + "\n"


def render_init(rng, m, ctx):
    out = []
    w = Writer(rng, False, False, False, False)
    title = f"{' '.join(m.parts[-1].split('_')).capitalize()} package."
    out.append(f'"""{title}')
    out.append("")
    for _ in range(rng.randint(0, 3)):
        out.append(w.phrase())
    out.append('"""')
    if m.reexports:
        out.append("")
        absolute = rng.random() < 0.25
        for t, name in m.reexports:
            if absolute:
                out.append(f"from {'.'.join(t.parts)} import {name}")
            else:
                out.append(f"from .{t.parts[-1]} import {name}")
    for ln in ctx.lines:
        out.extend(ln.split("\n"))
    if m.reexports:
        out.append("")
        out.append("__all__ = [")
        for _, name in m.reexports:
            out.append(f'    "{name}",')
        out.append("]")
    while len(out) < m.target:
        out.append("")
        out.append(f"# {w.comment()}")
    return "\n".join(out) + "\n"


def render_test(rng, m, ctx):
    w = Writer(rng, False, False, False, False)
    out = [f'"""Tests for {w.phrase().rstrip(".").lower()}."""', ""]
    out.append("from typing import Any, Dict, List, Optional")
    out.append("")
    out.append("import pytest")
    out.append("")
    for ln in ctx.lines:
        out.extend(ln.split("\n"))
    out.append("")
    out.append("")
    out.append("@pytest.fixture")
    out.append("def payload() -> Dict[str, Any]:")
    out.append(f'    return {{"{rng.choice(NOUNS)}": [1.0, 2.0, 3.0], "window": {rng.randint(2, 50)}}}')
    usages = ctx.usages or ["payload"]
    i = 0
    while len(out) < m.target:
        out.append("")
        out.append("")
        out.append(f"def test_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{i}(payload: Dict[str, Any]) -> None:")
        i += 1
        u = rng.choice(usages)
        out.append(f"    assert {u} is not None")
        out.extend(w.stmts(1, ["payload"], rng.randint(2, 10), []))
        out.append(f"    assert payload")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- non-Python files


def non_python_files(rng, mr_mods):
    files = {}
    cls_paths = []
    for t in mr_mods:
        for s, kind in t.symbols:
            if kind == "class":
                cls_paths.append(".".join(t.parts) + "." + s)
    cls_paths = cls_paths[:1] + rng.sample(cls_paths, min(6, len(cls_paths)))
    files["README.md"] = (
        "# backtester_v2\n\nEvent-driven backtesting framework (synthetic benchmark tree).\n\n"
        "## Layout\n\n- `backtester_v2/core` - engine and event loop\n"
        "- `backtester_v2/market_regime` - regime detection (HMM, volatility, trend)\n"
        "- `backtester_v2/strategies` - strategy implementations\n\n"
        "```python\nfrom backtester_v2.market_regime import detectors\n```\n")
    files["pyproject.toml"] = (
        '[project]\nname = "backtester-v2"\nversion = "2.3.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["numpy", "pandas", "scipy", "pyyaml"]\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["backtester_v2*"]\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    files["docs/architecture.md"] = (
        "# Architecture\n\nThe regime layer (`backtester_v2.market_regime`) feeds the strategies.\n"
        + "".join(f"- `{p}`\n" for p in cls_paths))
    for i in range(8):
        lines = [f"# backtest configuration {i}", "engine:", f"  start: 20{10 + i}-01-01",
                 "  end: 2024-12-31", f"  capital: {rng.randint(1, 100) * 100000}", "regime:"]
        lines.append(f"  detector: {rng.choice(cls_paths)}")
        lines.append(f"  lookback: {rng.randint(20, 500)}")
        lines.append("strategies:")
        for _ in range(rng.randint(1, 4)):
            lines.append(f"  - name: {rng.choice(STRATEGY_WORDS)}")
            lines.append(f"    weight: {round(rng.random(), 2)}")
        files[f"config/backtest_{i}.yaml"] = "\n".join(lines) + "\n"
    files[f"{TOP}/{MR}/README.md"] = "# market_regime\n\nRegime detectors and classifiers.\n"
    files[f"{TOP}/{MR}/resources/regimes.yaml"] = (
        "regimes:\n  - bull\n  - bear\n  - crisis\n  - sideways\nthresholds:\n  vol: 0.25\n  trend: 0.1\n")
    files[f"{TOP}/{MR}/resources/priors.json"] = '{"bull": 0.5, "bear": 0.3, "crisis": 0.2}\n'
    return files


# --------------------------------------------------------------------------- main


def generate(outdir, n_files, seed):
    rng = random.Random(seed)
    n_tests = max(8, round(n_files * 0.002))
    n_mr = max(20, round(n_files * 0.02))
    n_strat = max(8, round(n_files * 0.0025))
    n_legacy = max(4, round(n_files * 0.0006))
    n_root = 1  # backtester_v2/__init__.py
    n_other = n_files - n_tests - n_mr - n_strat - n_legacy - n_root
    if n_other < len(AREAS) * 3:
        raise SystemExit("--files too small (need at least ~300)")

    all_mods = []
    root_pkg = Pkg((TOP,))
    root_mod = Mod((TOP,), True, "root", root_pkg)
    all_mods.append(root_mod)

    # market_regime
    mr_fixed = ["detectors", "classifiers", "features", "transitions", "calibration"]
    _, _, mr_mods = build_area(rng, (TOP, MR), n_mr, MR_WORDS, MR_WORDS, 5, 11, "mr", mr_fixed)
    all_mods.extend(mr_mods)
    # strategies (destination parent)
    _, _, st_mods = build_area(rng, (TOP, "strategies"), n_strat, STRATEGY_WORDS, GENERAL_WORDS, 4, 10,
                               "strategies", ["momentum", "mean_reversion", "pairs"])
    all_mods.extend(st_mods)
    # decoy
    _, _, lg_mods = build_area(rng, (TOP, "market_regime_legacy"), n_legacy, MR_WORDS, MR_WORDS, 3, 6,
                               "legacy")
    all_mods.extend(lg_mods)
    # other areas
    weights = [rng.uniform(0.4, 2.5) for _ in AREAS]
    tot = sum(weights)
    sizes = [max(3, int(n_other * w / tot)) for w in weights]
    sizes[0] += n_other - sum(sizes)
    other_by_area = {}
    for area, size in zip(AREAS, sizes):
        _, _, mods = build_area(rng, (TOP, area), size, GENERAL_WORDS, GENERAL_WORDS, 5, 14, "other")
        other_by_area[area] = mods
        all_mods.extend(mods)
    # a module whose name starts with "market_regime" outside the package (decoy)
    an = other_by_area["analytics"]
    an_pkg = an[0].pkg
    decoy = Mod(an_pkg.parts + ("market_regime_report",), False, "other", an_pkg)
    an_pkg.taken["market_regime_report"] = 1
    an_pkg.modules.append(decoy)
    # swap one ordinary analytics module out to keep the file count exact
    victim = next(x for x in reversed(an) if not x.is_pkg)
    victim.pkg.modules.remove(victim)
    an.remove(victim)
    all_mods.remove(victim)
    an.append(decoy)
    all_mods.append(decoy)
    # tests
    test_mods = []
    tests_root = Pkg(("tests",))
    for sub in ["unit", "integration", "regime"]:
        p = Pkg(("tests", sub))
        test_mods.append(Mod(p.parts, True, "tests", p))
    test_mods.insert(0, Mod(("tests",), True, "tests", tests_root))
    conftest = Mod(("tests", "conftest"), False, "tests", tests_root)
    test_mods.append(conftest)
    subs = [m.pkg for m in test_mods if m.is_pkg and len(m.parts) == 2]
    while len(test_mods) < n_tests:
        p = rng.choice(subs)
        name = fresh_name(rng, GENERAL_WORDS + MR_WORDS, p.taken, 0.3)
        p.taken[name] = 1
        test_mods.append(Mod(p.parts + (f"test_{name}",), False, "tests", p))
    all_mods.extend(test_mods)
    assert len(all_mods) == n_files, (len(all_mods), n_files)

    # sizes and symbols
    for m in all_mods:
        m.target = target_lines(rng, m)
        if m.area == "tests":
            m.target = rng.randint(25, 160)
        if not m.is_pkg and m.area != "tests":
            assign_symbols(rng, m)
        m.non_ascii = rng.random() < 0.01
        m.crlf = rng.random() < 0.002
    # package re-exports
    by_parts = {m.parts: m for m in all_mods}
    for m in all_mods:
        if not m.is_pkg or m.area == "tests":
            continue
        direct = [x for x in m.pkg.modules if x.symbols]
        p = 1.0 if m.parts == (TOP, MR) else (0.5 if m.area == "mr" else 0.35)
        if direct and rng.random() < p:
            k = min(len(direct), 6 if m.parts == (TOP, MR) else rng.randint(1, 4))
            seen = {}
            for t in rng.sample(direct, k):
                name, kind = rng.choice(t.symbols)
                if name not in seen:
                    seen[name] = kind
                    m.reexports.append((t, name))
            m.symbols = [(n, seen[n]) for _, n in m.reexports]
    mr_root = by_parts[(TOP, MR)]

    mr_targets = [m for m in mr_mods if m.symbols]
    mr_pkgs = [m for m in mr_mods if m.is_pkg]
    lg_targets = [m for m in lg_mods if m.symbols]
    other_targets = {a: [m for m in mods if m.symbols] for a, mods in other_by_area.items()}
    area_names = [a for a in AREAS if other_targets[a]]
    all_other_targets = [m for a in area_names for m in other_targets[a]]
    st_targets = [m for m in st_mods if m.symbols]

    # choose MR importers outside MR
    outside = [m for m in all_mods if m.area in ("other", "strategies", "root", "legacy")]
    n_imp = round(0.025 * len(outside))
    st_pick = [m for m in st_mods if rng.random() < 0.4]
    rest = [m for m in outside if m.area != "strategies"]
    chosen = st_pick + rng.sample(rest, max(0, n_imp - len(st_pick)))
    for m in chosen:
        m.mr_import = True
    for m in test_mods:
        if m.parts[-1].startswith("test_") and rng.random() < (0.6 if m.parts[1] == "regime" else 0.2):
            m.mr_import = True
    for m in rng.sample(outside, max(3, round(0.003 * len(outside)))):
        m.legacy_import = True

    def area_of(m):
        return m.parts[1] if len(m.parts) > 1 else None

    abs_styles = ["from_sym"] * 35 + ["from_mod"] * 15 + ["import_dotted"] * 8 + ["import_as"] * 10 \
        + ["from_multi"] * 5
    placements = ["top"] * 80 + ["lazy"] * 8 + ["tc"] * 6 + ["try"] * 6

    n_written = 0
    n_lines = 0
    n_mr_importers = 0
    t0 = time.time()
    for m in all_mods:
        ctx = ImportCtx(rng)
        # --- project imports
        if m.area == "mr":
            for _ in range(rng.randint(1, 5) if not m.is_pkg else rng.randint(0, 1)):
                t = rng.choice(mr_targets)
                if t is m:
                    continue
                style = "rel" if rng.random() < 0.6 else rng.choice(abs_styles)
                add_import(ctx, m, t, style, rng.choice(placements) if not m.is_pkg else "top") \
                    or add_import(ctx, m, t, "from_sym")
            if not m.is_pkg:
                for _ in range(rng.randint(0, 2)):
                    t = rng.choice(other_targets[rng.choice(["core", "utils", "data", "features", "config"])]
                                   or all_other_targets)
                    style = "rel" if rng.random() < 0.35 else rng.choice(abs_styles)
                    add_import(ctx, m, t, style) or add_import(ctx, m, t, "from_sym")
                if rng.random() < 0.08:
                    add_import(ctx, m, mr_root, "rel" if rng.random() < 0.5 else "from_sym")
        elif m.area == "tests":
            if m.mr_import:
                for _ in range(rng.randint(1, 3)):
                    t = rng.choice(mr_targets)
                    add_import(ctx, m, t, rng.choice(abs_styles))
            for _ in range(rng.randint(0, 3)):
                add_import(ctx, m, rng.choice(all_other_targets), rng.choice(abs_styles))
        elif not m.is_pkg:
            a = area_of(m)
            pool = other_targets.get(a) or st_targets or all_other_targets
            for _ in range(rng.randint(0, 4)):
                if rng.random() < 0.65:
                    t = rng.choice(pool)
                    style = "rel" if rng.random() < 0.4 else rng.choice(abs_styles)
                else:
                    t = rng.choice(all_other_targets)
                    style = "rel" if rng.random() < 0.12 else rng.choice(abs_styles)
                if t is m:
                    continue
                add_import(ctx, m, t, style) or add_import(ctx, m, t, "from_sym")
        if m.area != "mr" and m.area != "tests" and m.mr_import:
            n_imp_here = rng.randint(1, 3)
            for j in range(n_imp_here):
                r = rng.random()
                if r < 0.06:
                    # `from backtester_v2 import market_regime` then attribute use
                    if "market_regime" not in ctx.bound:
                        ctx.bound["market_regime"] = 1
                        ctx.lines.append(f"from {TOP} import {MR}")
                        if mr_root.symbols:
                            ctx.usages.append(f"{MR}.{rng.choice(mr_root.symbols)[0]}")
                    continue
                if r < 0.13 and mr_root.symbols:
                    t = mr_root
                elif r < 0.18:
                    t = rng.choice(mr_pkgs)
                    if not t.symbols:
                        add_import(ctx, m, t, "from_mod" if len(t.parts) > 2 else "import_as")
                        continue
                else:
                    t = rng.choice(mr_targets)
                style = "rel" if (m.area != "tests" and rng.random() < 0.18) else rng.choice(abs_styles)
                place = rng.choice(placements) if not m.is_pkg else "top"
                add_import(ctx, m, t, style, place) or add_import(ctx, m, t, "from_sym", place)
            if m.is_pkg and not m.reexports:
                m.target = max(m.target, 8)
        if m.legacy_import and lg_targets:
            add_import(ctx, m, rng.choice(lg_targets), rng.choice(["from_sym", "from_mod", "import_dotted"]))
        if m.parts[-1] == "market_regime_report":
            add_import(ctx, m, rng.choice(mr_targets), "from_sym")
            m.mr_import = True
        if rng.random() < 0.02 and m.area not in ("tests",) and not m.is_pkg:
            add_import(ctx, m, decoy, rng.choice(["from_sym", "from_mod"]))
        if m.mr_import or m.area == "mr":
            n_mr_importers += m.mr_import

        # --- render
        if m.area == "tests" and not m.is_pkg:
            if m is conftest:
                m.target = 30
            text = render_test(rng, m, ctx)
        elif m.is_pkg:
            text = render_init(rng, m, ctx)
        else:
            text = render_module(rng, m, ctx)
        path = os.path.join(outdir, m.relpath())
        os.makedirs(os.path.dirname(path), exist_ok=True)
        nl = "\r\n" if m.crlf else "\n"
        with open(path, "w", encoding="utf-8", newline=nl) as fh:
            fh.write(text)
        n_written += 1
        n_lines += text.count("\n")

    other_files = non_python_files(rng, mr_mods)
    other_lines = 0
    for rel, text in other_files.items():
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        other_lines += text.count("\n")
    return {
        "py_files": n_written,
        "py_lines": n_lines,
        "other_files": len(other_files),
        "other_lines": other_lines,
        "mr_files": len(mr_mods),
        "strategies_files": len(st_mods),
        "outside_mr_importers": n_mr_importers,
        "outside_files": len(all_mods) - len(mr_mods),
        "seconds": time.time() - t0,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=20000, help="number of .py files (default 20000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true", help="write even if OUTDIR is not empty")
    args = ap.parse_args(argv)
    if os.path.isdir(args.outdir) and os.listdir(args.outdir) and not args.force:
        ap.error(f"{args.outdir} exists and is not empty (use --force to write into it anyway)")
    os.makedirs(args.outdir, exist_ok=True)
    t0 = time.time()
    s = generate(args.outdir, args.files, args.seed)
    dt = time.time() - t0
    print(f"files written: {s['py_files']} .py + {s['other_files']} other")
    print(f"total lines: {s['py_lines']} in .py files ({s['other_lines']} in other files)")
    print(f"market_regime: {s['mr_files']} .py files; strategies: {s['strategies_files']}; "
          f"files outside market_regime importing it: {s['outside_mr_importers']} "
          f"of {s['outside_files']} ({100.0 * s['outside_mr_importers'] / max(1, s['outside_files']):.1f}%)")
    print(f"generated in {dt:.1f}s (seed {args.seed})")


if __name__ == "__main__":
    main()
