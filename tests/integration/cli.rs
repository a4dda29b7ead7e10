//! The command-line contract of DESIGN.md: output formats, exit codes, and bad input refused
//! with nothing changed.

use crate::common::{read_tree, regraft, write_tree};

const SRC: &str = "backtester_v2/market_regime";
const DST: &str = "backtester_v2/strategies/market_regime";

/// A small project: the package to move, a file that imports it, and one that does not.
fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/market_regime/__init__.py",
                "from .detector import RegimeDetector\n",
            ),
            (
                "backtester_v2/market_regime/detector.py",
                "from ..utils import rolling_mean\n\n\nclass RegimeDetector:\n    pass\n",
            ),
            ("backtester_v2/market_regime/thresholds.yaml", "bull: 0.6\n"),
            (
                "backtester_v2/utils.py",
                "def rolling_mean(xs, n):\n    return sum(xs[-n:]) / n\n",
            ),
            (
                "backtester_v2/engine.py",
                "import logging\n\nfrom backtester_v2.market_regime.detector import RegimeDetector\n",
            ),
        ],
    );
    tmp
}

#[test]
fn plan_json_follows_the_contract_and_changes_nothing() {
    let tmp = project();
    let before = read_tree(tmp.path());
    let run = regraft(tmp.path(), &["plan", SRC, DST, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read_tree(tmp.path()), before);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["files"],
        serde_json::json!([
            {"path": "backtester_v2/market_regime/__init__.py", "to": "backtester_v2/strategies/market_regime/__init__.py", "category": "move"},
            {"path": "backtester_v2/market_regime/detector.py", "to": "backtester_v2/strategies/market_regime/detector.py", "category": "move"},
            {"path": "backtester_v2/market_regime/thresholds.yaml", "to": "backtester_v2/strategies/market_regime/thresholds.yaml", "category": "move"},
        ])
    );
    assert_eq!(
        json["rewrites"],
        serde_json::json!([
            {"file": "backtester_v2/engine.py", "line": 3, "col": 6, "kind": "from-import",
             "old": "backtester_v2.market_regime.detector", "new": "backtester_v2.strategies.market_regime.detector"},
            {"file": "backtester_v2/market_regime/detector.py", "line": 1, "col": 1, "kind": "relative",
             "old": "from ..utils import rolling_mean", "new": "from backtester_v2.utils import rolling_mean"},
        ])
    );
    assert_eq!(json["conflicts"], serde_json::json!([]));
    assert_eq!(
        json["moves"][0]["from_module"],
        "backtester_v2.market_regime"
    );
    assert_eq!(
        json["moves"][0]["to_module"],
        "backtester_v2.strategies.market_regime"
    );
}

#[test]
fn plan_text_lists_files_rewrites_and_a_summary() {
    let tmp = project();
    let run = regraft(tmp.path(), &["plan", SRC, DST]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("files to move (3):"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "  backtester_v2/engine.py:3:6: from-import: backtester_v2.market_regime.detector -> backtester_v2.strategies.market_regime.detector\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "3 files to move, 2 references to rewrite in 2 files (from-import 1, relative import 1)\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn dry_run_changes_nothing_and_diff_shows_the_rewrites() {
    let tmp = project();
    let before = read_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", SRC, DST, "--dry-run", "--diff"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read_tree(tmp.path()), before);
    assert!(
        run.stdout
            .starts_with("dry run, nothing changed: 3 files to move"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(
        "--- a/backtester_v2/market_regime/detector.py\n+++ b/backtester_v2/strategies/market_regime/detector.py\n@@ -1,4 +1,4 @@\n-from ..utils import rolling_mean\n+from backtester_v2.utils import rolling_mean\n"
    ), "{}", run.stdout);
}

#[test]
fn apply_moves_rewrites_and_removes_the_empty_source() {
    let tmp = project();
    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "moved 3 files, rewrote 2 references in 2 files, removed 1 empty directory\nto undo: regraft undo\n"
    );
    let tree = read_tree(tmp.path());
    assert!(!tmp.path().join(SRC).exists());
    assert_eq!(
        tree["backtester_v2/strategies/market_regime/detector.py"],
        b"from backtester_v2.utils import rolling_mean\n\n\nclass RegimeDetector:\n    pass\n"
    );
    assert_eq!(
        tree["backtester_v2/engine.py"],
        b"import logging\n\nfrom backtester_v2.strategies.market_regime.detector import RegimeDetector\n"
    );
    // Once moved, the same command has nothing left to do.
    let again = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(read_tree(tmp.path()), tree);
}

/// Runs `args` on the small project, expects exit 2 with `message` on stderr and an unchanged tree.
fn refused(args: &[&str], message: &str) {
    let tmp = project();
    std::fs::write(
        tmp.path().join("bad.toml"),
        "[[move]]\nfrom = \"backtester_v2/market_regime\"\nto = \"../elsewhere\"\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("typo.toml"),
        "[[move]]\nfrom = \"a\"\ntoo = \"b\"\n",
    )
    .unwrap();
    let before = read_tree(tmp.path());
    let run = regraft(tmp.path(), args);
    assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(message),
        "{args:?}: stderr was {}",
        run.stderr
    );
    assert_eq!(read_tree(tmp.path()), before, "{args:?} changed the tree");
}

#[test]
fn bad_input_is_refused_with_nothing_changed() {
    refused(
        &["apply", "backtester_v2/nope", DST],
        "regraft: error: SRC `backtester_v2/nope`: does not exist",
    );
    refused(
        &["apply", SRC, "backtester_v2/market_regime/inner"],
        "DST `backtester_v2/market_regime/inner`: lies inside SRC",
    );
    refused(&["apply", SRC, SRC], "is the same directory as SRC");
    refused(
        &["apply", SRC, "../outside"],
        "DST `../outside`: leaves the root through `..`",
    );
    refused(
        &["apply", "backtester_v2/utils.py", DST],
        "SRC `backtester_v2/utils.py` and DST must both be directories (packages) or both `.py` files",
    );
    refused(
        &["apply", SRC, "backtester_v2"],
        "SRC `backtester_v2/market_regime`: lies inside DST",
    );
    refused(
        &["apply", SRC, "my-lib/regimes"],
        "DST `my-lib/regimes`: is not a Python package path",
    );
    refused(
        &["apply", "--rules", "bad.toml"],
        "move.to `../elsewhere`: leaves the root through `..`",
    );
    refused(
        &["apply", "--rules", "typo.toml"],
        "typo.toml:3:1: invalid rules file: unknown field `too`",
    );
    refused(
        &["apply", "--rules", "missing.toml"],
        "cannot read rules file missing.toml",
    );
    refused(&["apply", SRC], "");
    refused(
        &["plan", "--format", "yaml", SRC, DST],
        "invalid value 'yaml'",
    );
}

#[test]
fn gitignored_and_excluded_files_are_not_touched_outside_git() {
    let tmp = project();
    let stale = "from backtester_v2.market_regime import detector\n";
    write_tree(
        tmp.path(),
        &[
            (".gitignore", "build/\n"),
            ("build/lib/copy.py", stale),
            ("BACKUP_2024/old.py", stale),
            (
                "rules.toml",
                "exclude = [\"BACKUP_*/**\"]\n\n[[move]]\nfrom = \"backtester_v2/market_regime\"\nto = \"backtester_v2/strategies/market_regime\"\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["apply", "--rules", "rules.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tree = read_tree(tmp.path());
    assert_eq!(tree["build/lib/copy.py"], stale.as_bytes());
    assert_eq!(tree["BACKUP_2024/old.py"], stale.as_bytes());
    assert!(tree.contains_key("backtester_v2/strategies/market_regime/detector.py"));
}

#[test]
fn help_explains_the_subcommands() {
    let tmp = tempfile::tempdir().unwrap();
    let run = regraft(tmp.path(), &["--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("plan") && run.stdout.contains("apply"),
        "{}",
        run.stdout
    );
    let run = regraft(tmp.path(), &["apply", "--help"]);
    assert!(
        run.stdout.contains("--dry-run") && run.stdout.contains("--rules"),
        "{}",
        run.stdout
    );
}
