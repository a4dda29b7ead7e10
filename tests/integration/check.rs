//! Issue #7: `regraft check`, the guard for pre-commit and CI.

use crate::common::{regraft, write_tree};

const RULES: &str = "[[move]]\nfrom = \"backtester_v2/market_regime\"\nto = \"backtester_v2/strategies/market_regime\"\n";

/// A tree after the migration, with the rules file kept as the list of retired paths.
fn migrated() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("regraft.toml", RULES),
            ("backtester_v2/__init__.py", ""),
            (
                "backtester_v2/utils.py",
                "def load_prices():\n    return []\n",
            ),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/strategies/market_regime/__init__.py",
                "from .detector import RegimeDetector\n",
            ),
            (
                "backtester_v2/strategies/market_regime/detector.py",
                "from backtester_v2.utils import load_prices\n\n\nclass RegimeDetector:\n    pass\n",
            ),
            (
                "backtester_v2/strategies/market_regime/lazy.py",
                "def __getattr__(name):\n    return name\n",
            ),
            (
                "backtester_v2/engine.py",
                "import json\nimport numpy as np\n\
                 from backtester_v2.strategies.market_regime import RegimeDetector\n\
                 from backtester_v2.strategies.market_regime.lazy import anything\n\
                 try:\n    from backtester_v2 import speedups\nexcept ImportError:\n    speedups = None\n",
            ),
        ],
    );
    tmp
}

#[test]
fn a_clean_tree_passes_silently() {
    let tmp = migrated();
    let run = regraft(tmp.path(), &["check", "--rules", "regraft.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn stale_missing_and_conflicted_references_are_reported() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[
            (
                "backtester_v2/late_branch.py",
                "from backtester_v2.market_regime.detector import RegimeDetector\n\
                 from backtester_v2.strategies.market_regime import Detector\n\
                 import backtester_v2.reporting\n\
                 from . import nothing_here\n\
                 PATCH = \"backtester_v2.market_regime.detector.RegimeDetector\"\n",
            ),
            (
                "docs/api.rst",
                ".. automodule:: backtester_v2.market_regime.detector\n",
            ),
            (
                "backtester_v2/strategies/market_regime/config.py",
                "<<<<<<< DST x\nA = 1\n=======\nA = 2\n>>>>>>> SRC y\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "regraft.toml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "backtester_v2/late_branch.py:1:6: RG001 `backtester_v2.market_regime.detector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector`\n\
         backtester_v2/late_branch.py:2:52: RG003 `backtester_v2.strategies.market_regime` has no `Detector`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         backtester_v2/late_branch.py:3:8: RG002 no module `backtester_v2.reporting` in the project\n\
         backtester_v2/late_branch.py:4:15: RG003 `backtester_v2` has no `nothing_here`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         backtester_v2/late_branch.py:5:10: RG001 `backtester_v2.market_regime.detector.RegimeDetector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector.RegimeDetector`\n\
         backtester_v2/strategies/market_regime/config.py:1:1: RG004 conflict marker (start of a conflict) left by a merge: resolve the conflict\n\
         backtester_v2/strategies/market_regime/config.py:5:1: RG004 conflict marker (end of a conflict) left by a merge: resolve the conflict\n\
         docs/api.rst:1:17: RG001 `backtester_v2.market_regime.detector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector`\n\
         regraft check: 8 problems\n"
    );
}

#[test]
fn paths_limit_the_report_and_formats_serve_tools() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[
            ("backtester_v2/a.py", "import backtester_v2.gone\n"),
            ("backtester_v2/b.py", "import backtester_v2.also_gone\n"),
        ],
    );
    let run = regraft(
        tmp.path(),
        &["check", "backtester_v2/b.py", "deleted_in_this_commit.py"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "backtester_v2/b.py:1:8: RG002 no module `backtester_v2.also_gone` in the project\nregraft check: 1 problems\n"
    );
    let run = regraft(
        tmp.path(),
        &["check", "--format", "github", "backtester_v2/a.py"],
    );
    assert_eq!(
        run.stdout,
        "::error file=backtester_v2/a.py,line=1,col=8,title=regraft RG002::no module `backtester_v2.gone` in the project\n"
    );
    let run = regraft(
        tmp.path(),
        &["check", "--format", "json", "backtester_v2/a.py"],
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"path": "backtester_v2/a.py", "line": 1, "col": 8, "code": "RG002",
                            "message": "no module `backtester_v2.gone` in the project"}])
    );
    let outside = regraft(tmp.path(), &["check", "/etc/hostname"]);
    assert_eq!(outside.code, 2);
    assert!(
        outside.stderr.contains("is outside the root"),
        "{}",
        outside.stderr
    );
}

#[test]
fn internal_code_that_still_uses_a_shim_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("regraft.toml", RULES),
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            ("backtester_v2/market_regime/__init__.py", ""),
            ("backtester_v2/market_regime/detector.py", "X = 1\n"),
        ],
    );
    let apply = regraft(tmp.path(), &["apply", "--shim", "--rules", "regraft.toml"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(
        apply
            .stdout
            .contains("left a compatibility shim at backtester_v2/market_regime/__init__.py")
    );
    // The rules file names the old path on purpose: it is never rewritten.
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("regraft.toml")).unwrap(),
        RULES
    );
    write_tree(
        tmp.path(),
        &[(
            "app.py",
            "from backtester_v2.market_regime.detector import X\n",
        )],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "regraft.toml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("app.py:1:6: RG001 `backtester_v2.market_regime.detector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector`\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn against_a_revision_every_public_name_of_a_moved_module_must_survive() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("regraft.toml", RULES),
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/market_regime/__init__.py",
                "from .detector import detect\n",
            ),
            (
                "backtester_v2/market_regime/detector.py",
                "THRESHOLD = 0.2\n_cache = {}\n\n\ndef detect(x):\n    return x > THRESHOLD\n\n\nclass RegimeDetector:\n    pass\n",
            ),
        ],
    );
    crate::common::git_init_commit(tmp.path());
    let apply = regraft(tmp.path(), &["apply", "--rules", "regraft.toml"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let args = ["check", "--rules", "regraft.toml", "--against", "HEAD"];
    let clean = regraft(tmp.path(), &args);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);

    // A later edit drops a public name (the private one may go).
    write_tree(
        tmp.path(),
        &[(
            "backtester_v2/strategies/market_regime/detector.py",
            "THRESHOLD = 0.2\n\n\ndef detect(x):\n    return x > THRESHOLD\n",
        )],
    );
    let run = regraft(tmp.path(), &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "backtester_v2/strategies/market_regime/detector.py:1:1: RG005 `backtester_v2.market_regime.detector` had the public name `RegimeDetector` at HEAD; `backtester_v2.strategies.market_regime.detector` no longer provides it\nregraft check: 1 problems\n"
    );
    let bad = regraft(tmp.path(), &["check", "--against", "no-such-rev"]);
    assert_eq!(bad.code, 2);
}

/// False positive found on python-dateutil (`from ._parser import __doc__`): every module has
/// `__doc__`, `__name__`, `__file__`, … whatever its file says.
#[test]
fn module_attributes_every_module_has_are_not_reported() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[(
            "backtester_v2/docs.py",
            "from backtester_v2.utils import __doc__, __name__ as utils_name, __file__\n",
        )],
    );
    let run = regraft(tmp.path(), &["check", "backtester_v2/docs.py"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// Cython and compiled extension modules are modules too, with names nobody can read.
#[test]
fn extension_modules_are_modules_that_may_define_anything() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[
            (
                "backtester_v2/_speedups.pyx",
                "cdef class Fast:\n    pass\n",
            ),
            (
                "backtester_v2/_native.cpython-311-x86_64-linux-gnu.so",
                "\u{7f}ELF",
            ),
            (
                "backtester_v2/fast.py",
                "from backtester_v2._speedups import Fast\nimport backtester_v2._native\nfrom ._native import kernel\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check", "backtester_v2/fast.py"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
