//! `regraft survey` in a git repository (issue #15): three pairs of different kinds (a pure
//! copy, a copy that drifted on both sides after a common commit, a same-name package that is
//! unrelated), their text and JSON written by hand from the rules in `src/survey/mod.rs`, and
//! the round trip `survey --write-rules` → `apply --rules` → `check`.

use std::path::Path;
use std::process::Command;

use crate::common::{copy_dir, read_tree, regraft, write_tree};

const DAY: i64 = 86_400;

/// Runs git in `dir` with a clean environment, fixed identity, and `when` (seconds since the
/// epoch, UTC) as the author and committer date.
fn git_at(dir: &Path, when: i64, args: &[&str]) -> String {
    let date = format!("@{when} +0000");
    let output = Command::new("git")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .args(["-c", "user.name=t", "-c", "user.email=t@t.invalid"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn commit(dir: &Path, when: i64, message: &str) {
    git_at(dir, when, &["add", "-A"]);
    git_at(dir, when, &["commit", "-q", "-m", message]);
}

const INDICATORS: &str = "\
def volatility(prices):
    tail = prices[-20:]
    return (max(tail) - min(tail)) / max(tail)


def trend(prices):
    return prices[-1] - prices[0]
";

const DETECTOR: &str = "\
from backtester_v2.market_regime.indicators import trend, volatility


def detect(prices):
    return \"trending\" if abs(trend(prices)) > volatility(prices) else \"ranging\"
";

/// The repository: the `survey_pairs` fixture plus a regime package copied to strategies/
/// 150 days ago, then edited on both sides. Returns the commit times.
fn repository(dir: &Path) -> [i64; 4] {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now = i64::try_from(now).unwrap();
    let times = [
        now - 200 * DAY,
        now - 150 * DAY,
        now - 120 * DAY,
        now - 10 * DAY,
    ];
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/survey_pairs/input"),
        dir,
    );
    write_tree(
        dir,
        &[
            ("backtester_v2/__init__.py", ""),
            (
                "backtester_v2/market_regime/__init__.py",
                "\"\"\"Regime detection.\"\"\"\n",
            ),
            ("backtester_v2/market_regime/indicators.py", INDICATORS),
            ("backtester_v2/market_regime/detector.py", DETECTOR),
            (
                "backtester_v2/engine.py",
                "from backtester_v2.market_regime.detector import detect\n",
            ),
        ],
    );
    git_at(dir, times[0], &["init", "-q"]);
    commit(dir, times[0], "trading code");
    write_tree(
        dir,
        &[
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/strategies/market_regime/__init__.py",
                "\"\"\"Regime detection.\"\"\"\n",
            ),
            (
                "backtester_v2/strategies/market_regime/indicators.py",
                INDICATORS,
            ),
            (
                "backtester_v2/strategies/market_regime/detector.py",
                &DETECTOR.replace(
                    "backtester_v2.market_regime",
                    "backtester_v2.strategies.market_regime",
                ),
            ),
            (
                "backtester_v2/live.py",
                "from backtester_v2.strategies.market_regime import detector\n",
            ),
            (
                "backtester_v2/report.py",
                "import backtester_v2.strategies.market_regime.indicators as ind\n",
            ),
        ],
    );
    commit(dir, times[1], "copy the regime package under strategies");
    write_tree(
        dir,
        &[(
            "backtester_v2/market_regime/indicators.py",
            &INDICATORS.replace("/ max(tail)", "/ min(tail)"),
        )],
    );
    commit(dir, times[2], "volatility against the low");
    write_tree(
        dir,
        &[(
            "backtester_v2/strategies/market_regime/indicators.py",
            &format!(
                "{INDICATORS}\n\ndef momentum(prices, lag=5):\n    return prices[-1] - prices[-1 - lag]\n"
            ),
        )],
    );
    commit(dir, times[3], "momentum");
    times
}

/// The commit date git itself shows (UTC: the commits carry +0000).
fn day_of(dir: &Path, rev: &str) -> String {
    git_at(dir, 0, &["log", "-1", "--format=%cd", "--date=short", rev])
}

#[test]
fn survey_ranks_a_copy_a_drifted_copy_and_a_namesake() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    repository(dir);
    let (first, copied, old_edit, new_edit) = (
        day_of(dir, "HEAD~3"),
        git_at(dir, 0, &["rev-parse", "HEAD~2"]),
        day_of(dir, "HEAD~1"),
        day_of(dir, "HEAD"),
    );
    let run = regraft(dir, &["survey"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = format!(
        "\
regraft survey: 3 pairs of package directories that look like copies (most valuable merge first)

1. legacy/indicators  <->  trading/indicators  (score 6; found by same name, shared paths, same content)
   files: 3 in both, 0 only in legacy/indicators, 0 only in trading/indicators
   in both: 1 identical, 2 identical after rewriting, 0 differ (0 with a merge base)
   legacy/indicators: 1 importer (absolute 1, relative 0, strings 0, config 0); last commit {first}, 0 commits in the last 90 days
   trading/indicators: 3 importers (absolute 1, relative 1, strings 1, config 1); last commit {first}, 0 commits in the last 90 days
   merge: move legacy/indicators into trading/indicators (legacy/indicators has fewer importers: 1 against 3)

2. backtester_v2/market_regime  <->  backtester_v2/strategies/market_regime  (score 5; found by same name, shared paths, same content)
   files: 3 in both, 0 only in backtester_v2/market_regime, 0 only in backtester_v2/strategies/market_regime
   in both: 1 identical, 1 identical after rewriting, 1 differ (1 with a merge base)
     differ: indicators.py  (base {} in git history)
   backtester_v2/market_regime: 1 importer (absolute 1, relative 0, strings 0, config 0); last commit {old_edit}, 0 commits in the last 90 days
   backtester_v2/strategies/market_regime: 2 importers (absolute 2, relative 0, strings 0, config 0); last commit {new_edit}, 1 commit in the last 90 days
   merge: move backtester_v2/market_regime into backtester_v2/strategies/market_regime (backtester_v2/market_regime has fewer importers: 1 against 2)

3. tools/reports  <->  trading/reports  (score 0; found by same name)
   files: 1 in both, 1 only in tools/reports, 1 only in trading/reports
   in both: 1 identical, 0 identical after rewriting, 0 differ (0 with a merge base)
   only in tools/reports: coverage.py
   only in trading/reports: pnl.py
   tools/reports: 1 importer (absolute 1, relative 0, strings 0, config 0); last commit {first}, 0 commits in the last 90 days
   trading/reports: 0 importers (absolute 0, relative 0, strings 0, config 0); last commit {first}, 0 commits in the last 90 days
   merge: none proposed (no file in common content or history)
",
        &copied[..12]
    );
    assert_eq!(run.stdout, expected);

    let run = regraft(dir, &["survey", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["git"], true);
    let blob = git_at(
        dir,
        0,
        &[
            "rev-parse",
            "HEAD~2:backtester_v2/strategies/market_regime/indicators.py",
        ],
    );
    assert_eq!(
        json["pairs"][1],
        serde_json::json!({
            "score": 5,
            "found_by": ["same name", "shared paths", "same content"],
            "a": {
                "path": "backtester_v2/market_regime",
                "module": "backtester_v2.market_regime",
                "files": 3,
                "only_here": [],
                "importers": {"absolute": 1, "relative": 0, "strings": 0, "config": 0, "total": 1},
                "git": {"last_commit": old_edit, "recent_commits": 0},
            },
            "b": {
                "path": "backtester_v2/strategies/market_regime",
                "module": "backtester_v2.strategies.market_regime",
                "files": 3,
                "only_here": [],
                "importers": {"absolute": 2, "relative": 0, "strings": 0, "config": 0, "total": 2},
                "git": {"last_commit": new_edit, "recent_commits": 1},
            },
            "both": 3,
            "identical": ["__init__.py"],
            "identical_after_rewriting": ["detector.py"],
            "differ": [{"path": "indicators.py", "base": {"commit": copied, "blob": blob}}],
            "proposal": {
                "from": "backtester_v2/market_regime",
                "to": "backtester_v2/strategies/market_regime",
                "why": "backtester_v2/market_regime has fewer importers: 1 against 2",
            },
        })
    );
    assert_eq!(json["pairs"][2]["proposal"], serde_json::Value::Null);
    assert_eq!(json["pairs"].as_array().unwrap().len(), 3);
}

#[test]
fn written_rules_apply_and_check_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    repository(dir);
    let run = regraft(dir, &["survey", "--write-rules", "survey.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("survey.toml")).unwrap(),
        "\
# Written by `regraft survey`: one [[move]] per proposed merge, most valuable first.
# SRC (`from`) is the side with fewer importers. Review, then: regraft plan --rules <this file>

# legacy/indicators has fewer importers: 1 against 3; score 6: 1 identical, 2 identical after rewriting, 0 differ (0 with a merge base)
[[move]]
from = \"legacy/indicators\"
to = \"trading/indicators\"

# backtester_v2/market_regime has fewer importers: 1 against 2; score 5: 1 identical, 1 identical after rewriting, 1 differ (1 with a merge base)
[[move]]
from = \"backtester_v2/market_regime\"
to = \"backtester_v2/strategies/market_regime\"
"
    );
    let before = read_tree(dir);

    let run = regraft(dir, &["apply", "--rules", "survey.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = regraft(dir, &["check", "--rules", "survey.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let after = read_tree(dir);
    let text = |path: &str| String::from_utf8(after[path].clone()).unwrap();
    assert!(!after.keys().any(|p| p.starts_with("legacy/indicators/")));
    assert!(
        !after
            .keys()
            .any(|p| p.starts_with("backtester_v2/market_regime/"))
    );
    assert_eq!(text("legacy/__init__.py"), "");
    assert_eq!(
        text("app/old_signals.py"),
        "from trading.indicators import sma\n\n\ndef fast(values):\n    return sma(values, 3)\n"
    );
    assert_eq!(
        text("backtester_v2/engine.py"),
        "from backtester_v2.strategies.market_regime.detector import detect\n"
    );
    // Both edits since the copy survive the three-way merge.
    assert_eq!(
        text("backtester_v2/strategies/market_regime/indicators.py"),
        "\
def volatility(prices):
    tail = prices[-20:]
    return (max(tail) - min(tail)) / min(tail)


def trend(prices):
    return prices[-1] - prices[0]


def momentum(prices, lag=5):
    return prices[-1] - prices[-1 - lag]
"
    );
    // Everything else is as it was.
    for (path, bytes) in &before {
        let moved_or_rewritten = path.starts_with("legacy/indicators/")
            || path.starts_with("backtester_v2/market_regime/")
            || path == "app/old_signals.py"
            || path == "backtester_v2/engine.py"
            || path == "backtester_v2/strategies/market_regime/indicators.py"
            || path.starts_with(".git/");
        if !moved_or_rewritten {
            assert_eq!(after.get(path), Some(bytes), "{path} changed");
        }
    }
}

#[test]
fn survey_json_outside_git() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/survey_pairs/input"),
        tmp.path(),
    );
    let run = regraft(tmp.path(), &["survey", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let none =
        serde_json::json!({"absolute": 0, "relative": 0, "strings": 0, "config": 0, "total": 0});
    assert_eq!(
        json,
        serde_json::json!({
            "git": false,
            "pairs": [
                {
                    "score": 6,
                    "found_by": ["same name", "shared paths", "same content"],
                    "a": {
                        "path": "legacy/indicators",
                        "module": "legacy.indicators",
                        "files": 3,
                        "only_here": [],
                        "importers": {"absolute": 1, "relative": 0, "strings": 0, "config": 0, "total": 1},
                        "git": null,
                    },
                    "b": {
                        "path": "trading/indicators",
                        "module": "trading.indicators",
                        "files": 3,
                        "only_here": [],
                        "importers": {"absolute": 1, "relative": 1, "strings": 1, "config": 1, "total": 3},
                        "git": null,
                    },
                    "both": 3,
                    "identical": ["moving.py"],
                    "identical_after_rewriting": ["__init__.py", "bands.py"],
                    "differ": [],
                    "proposal": {
                        "from": "legacy/indicators",
                        "to": "trading/indicators",
                        "why": "legacy/indicators has fewer importers: 1 against 3",
                    },
                },
                {
                    "score": 0,
                    "found_by": ["same name"],
                    "a": {
                        "path": "tools/reports",
                        "module": "tools.reports",
                        "files": 2,
                        "only_here": ["coverage.py"],
                        "importers": {"absolute": 1, "relative": 0, "strings": 0, "config": 0, "total": 1},
                        "git": null,
                    },
                    "b": {
                        "path": "trading/reports",
                        "module": "trading.reports",
                        "files": 2,
                        "only_here": ["pnl.py"],
                        "importers": none,
                        "git": null,
                    },
                    "both": 1,
                    "identical": ["__init__.py"],
                    "identical_after_rewriting": [],
                    "differ": [],
                    "proposal": null,
                },
            ],
        })
    );
}

/// Two sides can bear the same module name under two import roots (`pkg/` and `src/pkg/`, a
/// half-done move to a src layout): `import pkg.core` may mean either, so it counts for both,
/// but a path names one directory and counts for that side only.
#[test]
fn sides_with_the_same_module_name_count_their_own_importers() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("pkg/__init__.py", ""),
            ("pkg/core.py", "def f():\n    return 1\n"),
            ("src/pkg/__init__.py", ""),
            ("src/pkg/core.py", "def f():\n    return 2\n"),
            ("app.py", "import pkg.core\n"),
            (
                "NOTES.md",
                "The copy in src/pkg/core.py is the newer one.\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["survey", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let pair = &json["pairs"][0];
    assert_eq!(pair["a"]["path"], "pkg", "{pair}");
    assert_eq!(pair["b"]["path"], "src/pkg", "{pair}");
    assert_eq!(
        pair["a"]["importers"],
        serde_json::json!({"absolute": 1, "relative": 0, "strings": 0, "config": 0, "total": 1})
    );
    assert_eq!(
        pair["b"]["importers"],
        serde_json::json!({"absolute": 1, "relative": 0, "strings": 0, "config": 1, "total": 2})
    );
}

/// A side whose path is not ASCII has its git history too (git quotes such paths in its
/// output unless told not to, and the quoted path matched no side).
#[test]
fn a_side_whose_path_is_not_ascii_has_its_history() {
    let tmp = tempfile::tempdir().unwrap();
    let core = "def f():\n    return 1\n";
    write_tree(
        tmp.path(),
        &[
            ("café/__init__.py", ""),
            ("café/pkg/__init__.py", ""),
            ("café/pkg/core.py", core),
            ("legacy/__init__.py", ""),
            ("legacy/pkg/__init__.py", ""),
            ("legacy/pkg/core.py", core),
        ],
    );
    git_at(tmp.path(), 1_700_000_000, &["init", "-q"]);
    commit(tmp.path(), 1_700_000_000, "both copies");
    let run = regraft(tmp.path(), &["survey", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let pair = &json["pairs"][0];
    for side in ["a", "b"] {
        assert_eq!(pair[side]["git"]["last_commit"], "2023-11-14", "{pair}");
    }
}
