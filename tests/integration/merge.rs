//! Issue #5: merging SRC into an existing DST. The history is built here, in a temporary git
//! repository: the package is copied (forked) into DST, then both copies are edited.

use std::path::Path;

use crate::common::{crash_at_every_step, git, read_tree, regraft, snapshot, write_tree};

const SRC: &str = "backtester_v2/market_regime";
const DST: &str = "backtester_v2/strategies/market_regime";

const DETECTOR: &str = r#""""Detects the market regime from prices."""
from backtester_v2.market_regime.indicators import rolling_vol


def detect(prices):
    vol = rolling_vol(prices, 20)
    return "bull" if vol < 0.2 else "bear"


def describe(regime):
    return f"regime={regime}"
"#;

const INDICATORS: &str = r#""""Indicators."""


def rolling_vol(prices, window):
    tail = prices[-window:]
    return (max(tail) - min(tail)) / max(tail)
"#;

const INIT: &str = r#""""Market regime detection."""
from .detector import detect

__all__ = ["detect"]
"#;

/// Builds the forked history; returns the first commit (where the shared versions live).
fn forked_repository(dir: &Path) -> String {
    write_tree(
        dir,
        &[
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/engine.py",
                "from backtester_v2.market_regime import detect\n",
            ),
            ("backtester_v2/market_regime/__init__.py", INIT),
            ("backtester_v2/market_regime/detector.py", DETECTOR),
            ("backtester_v2/market_regime/indicators.py", INDICATORS),
            (
                "backtester_v2/market_regime/config.py",
                "from backtester_v2.market_regime.labels import Regime\n\nDEFAULT = Regime.BULL\n",
            ),
            (
                "backtester_v2/market_regime/labels.py",
                "import enum\n\n\nclass Regime(enum.Enum):\n    BULL = \"bull\"\n    BEAR = \"bear\"\n",
            ),
            ("backtester_v2/market_regime/thresholds.yaml", "bull: 0.2\n"),
            (
                "backtester_v2/market_regime/features/__init__.py",
                "from .trend import slope\n",
            ),
            (
                "backtester_v2/market_regime/features/trend.py",
                "def slope(xs):\n    return xs[-1] - xs[0]\n",
            ),
        ],
    );
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "market regime package"]);
    let first = git(dir, &["rev-parse", "HEAD"]).trim().to_owned();

    // The fork: a copy of the package under strategies/ (without labels.py and the yaml).
    for file in [
        "__init__.py",
        "detector.py",
        "indicators.py",
        "config.py",
        "features/__init__.py",
        "features/trend.py",
    ] {
        let text = std::fs::read_to_string(dir.join(SRC).join(file)).unwrap();
        write_tree(dir, &[(&format!("{DST}/{file}"), &text)]);
    }
    git(dir, &["add", "-A"]);
    git(
        dir,
        &["commit", "-q", "-m", "copy market_regime into strategies"],
    );

    // Both copies grow apart.
    write_tree(
        dir,
        &[
            (
                &format!("{SRC}/detector.py"),
                &DETECTOR.replace("prices, 20", "prices, 30"),
            ),
            (
                &format!("{DST}/detector.py"),
                &DETECTOR.replace("f\"regime={regime}\"", "f\"Regime: {regime}\""),
            ),
            (
                &format!("{SRC}/indicators.py"),
                &INDICATORS.replace("/ max(tail)", "/ min(tail)"),
            ),
            (
                &format!("{DST}/indicators.py"),
                &INDICATORS.replace("/ max(tail)", "/ (sum(tail) / len(tail))"),
            ),
            (
                &format!("{DST}/config.py"),
                "from backtester_v2.strategies.market_regime.labels import Regime\n\nDEFAULT = Regime.BULL\n",
            ),
            (
                &format!("{SRC}/__init__.py"),
                &INIT
                    .replace(
                        "import detect\n",
                        "import detect\nfrom .labels import Regime\n",
                    )
                    .replace("[\"detect\"]", "[\"detect\", \"Regime\"]"),
            ),
            (
                &format!("{DST}/__init__.py"),
                &INIT
                    .replace(
                        "import detect\n",
                        "import detect\nfrom .risk import RiskGate\n",
                    )
                    .replace("[\"detect\"]", "[\"detect\", \"RiskGate\"]"),
            ),
            (&format!("{DST}/risk.py"), "class RiskGate:\n    pass\n"),
            (
                &format!("{SRC}/features/__init__.py"),
                "from .trend import slope\nfrom .volatility import realized\n",
            ),
            (
                &format!("{SRC}/features/volatility.py"),
                "def realized(xs):\n    return max(xs) - min(xs)\n",
            ),
            (
                &format!("{DST}/features/__init__.py"),
                "from .trend import slope\nfrom .momentum import roc\n",
            ),
            (
                &format!("{DST}/features/momentum.py"),
                "def roc(xs):\n    return xs[-1] / xs[0] - 1\n",
            ),
            // Added on each side on its own: no shared history.
            (
                &format!("{SRC}/notes.py"),
                "\"\"\"Release notes.\"\"\"\nVERSION = \"2.1\"\nOWNER = \"quant-research\"\n",
            ),
            (
                &format!("{DST}/notes.py"),
                "\"\"\"Release notes.\"\"\"\nVERSION = \"3.0\"\nOWNER = \"quant-research\"\n",
            ),
        ],
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "both copies grow apart"]);
    first
}

#[test]
fn a_merge_sorts_every_file_and_merges_the_conflicts() {
    let tmp = tempfile::tempdir().unwrap();
    let first = forked_repository(tmp.path());
    let short = &first[..12];
    let fork = git(tmp.path(), &["rev-parse", "HEAD~1"]).trim().to_owned();
    let fork = &fork[..12];
    let before = snapshot(tmp.path());

    let plan = regraft(tmp.path(), &["plan", SRC, DST, "--format", "json"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let categories: Vec<(String, String)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["category"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        (format!("{SRC}/__init__.py"), "conflict"),
        (format!("{SRC}/config.py"), "identical"),
        (format!("{SRC}/detector.py"), "conflict"),
        (format!("{SRC}/features/__init__.py"), "conflict"),
        (format!("{SRC}/features/trend.py"), "identical"),
        (format!("{SRC}/features/volatility.py"), "move"),
        (format!("{SRC}/indicators.py"), "conflict"),
        (format!("{SRC}/labels.py"), "move"),
        (format!("{SRC}/notes.py"), "conflict"),
        (format!("{SRC}/thresholds.yaml"), "move"),
        (format!("{DST}/features/momentum.py"), "keep"),
        (format!("{DST}/risk.py"), "keep"),
    ]
    .into_iter()
    .map(|(p, c)| (p, c.to_owned()))
    .collect();
    assert_eq!(categories, expected);
    assert_eq!(
        json["conflicts"],
        serde_json::json!([
            format!("{DST}/__init__.py"),
            format!("{DST}/detector.py"),
            format!("{DST}/features/__init__.py"),
            format!("{DST}/indicators.py"),
            format!("{DST}/notes.py"),
        ])
    );
    assert_eq!(json["merges"][1]["outcome"], "merged");
    assert_eq!(json["merges"][1]["base"]["commit"], first.as_str());
    assert_eq!(
        json["merges"][1]["base"]["path"],
        format!("{SRC}/detector.py")
    );
    assert_eq!(json["merges"][4]["base"], serde_json::Value::Null);

    // The report goes outside the tree, in a directory of this test's own (tests run in
    // parallel, and a shared ../report.md was a race between them).
    let out = tempfile::tempdir().unwrap();
    let report_path = out.path().join("report.md");
    let run = regraft(
        tmp.path(),
        &["apply", SRC, DST, "--report", report_path.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    let text = |path: &str| String::from_utf8(tree[path].clone()).unwrap();
    assert!(!tmp.path().join(SRC).exists(), "the emptied SRC is removed");
    assert_eq!(
        text(&format!("{DST}/detector.py")),
        DETECTOR
            .replace(
                "backtester_v2.market_regime.",
                "backtester_v2.strategies.market_regime."
            )
            .replace("prices, 20", "prices, 30")
            .replace("f\"regime={regime}\"", "f\"Regime: {regime}\"")
    );
    assert_eq!(
        text(&format!("{DST}/indicators.py")),
        format!(
            "\"\"\"Indicators.\"\"\"\n\n\ndef rolling_vol(prices, window):\n    tail = prices[-window:]\n\
             <<<<<<< DST {DST}/indicators.py\n    return (max(tail) - min(tail)) / (sum(tail) / len(tail))\n\
             ||||||| base {short}:{SRC}/indicators.py\n    return (max(tail) - min(tail)) / max(tail)\n\
             =======\n    return (max(tail) - min(tail)) / min(tail)\n>>>>>>> SRC {SRC}/indicators.py\n"
        )
    );
    assert_eq!(
        text(&format!("{DST}/notes.py")),
        format!(
            "\"\"\"Release notes.\"\"\"\n<<<<<<< DST {DST}/notes.py\nVERSION = \"3.0\"\n=======\nVERSION = \"2.1\"\n>>>>>>> SRC {SRC}/notes.py\nOWNER = \"quant-research\"\n"
        )
    );
    assert_eq!(
        text(&format!("{DST}/__init__.py")),
        "\"\"\"Market regime detection.\"\"\"\nfrom .detector import detect\nfrom .risk import RiskGate\nfrom .labels import Regime\n\n__all__ = [\"detect\", \"RiskGate\", \"Regime\"]\n"
    );
    assert_eq!(
        text(&format!("{DST}/features/__init__.py")),
        "from .trend import slope\nfrom .momentum import roc\nfrom .volatility import realized\n"
    );
    assert_eq!(
        text(&format!("{DST}/config.py")),
        "from backtester_v2.strategies.market_regime.labels import Regime\n\nDEFAULT = Regime.BULL\n"
    );
    assert!(tree.contains_key(&format!("{DST}/labels.py")));
    assert!(tree.contains_key(&format!("{DST}/thresholds.yaml")));
    assert!(tree.contains_key(&format!("{DST}/features/volatility.py")));
    assert_eq!(
        text("backtester_v2/engine.py"),
        "from backtester_v2.strategies.market_regime import detect\n"
    );

    let report = std::fs::read_to_string(&report_path).unwrap();
    assert_eq!(
        report,
        format!(
            "# regraft migration report\n\n\
             - `{SRC}` → `{DST}` (module `backtester_v2.market_regime` → `backtester_v2.strategies.market_regime`)\n\n\
             | category | files |\n| --- | ---: |\n| move | 3 |\n| identical | 2 |\n| conflict | 5 |\n| keep | 2 |\n\n\
             4 references rewritten in 4 files.\n\n\
             ## Needs a human (2)\n\n\
             - [ ] `{DST}/indicators.py`: 1 conflict marked in the file\n\
             - [ ] `{DST}/notes.py`: 1 conflict marked in the file\n\n\
             ## Merges\n\n| file (DST) | from (SRC) | base | outcome |\n| --- | --- | --- | --- |\n\
             | `{DST}/__init__.py` | `{SRC}/__init__.py` | no base needed (union of imports and __all__) | united (imports and __all__ of both) |\n\
             | `{DST}/detector.py` | `{SRC}/detector.py` | base {short}:{SRC}/detector.py (the same blob is in DST's history: {DST}/detector.py at {fork}) | merged cleanly (review it) |\n\
             | `{DST}/features/__init__.py` | `{SRC}/features/__init__.py` | no base needed (union of imports and __all__) | united (imports and __all__ of both) |\n\
             | `{DST}/indicators.py` | `{SRC}/indicators.py` | base {short}:{SRC}/indicators.py (the same blob is in DST's history: {DST}/indicators.py at {fork}) | 1 conflict marked in the file |\n\
             | `{DST}/notes.py` | `{SRC}/notes.py` | no version both histories hold (two-way merge) | 1 conflict marked in the file |\n"
        )
    );

    // The migration is not over while markers remain: plan says so.
    let later = regraft(tmp.path(), &["plan", SRC, DST]);
    assert_eq!(later.code, 1);
    assert!(
        later.stdout.contains(&format!("unresolved conflicts from an earlier run (2):\n  {DST}/indicators.py\n  {DST}/notes.py\n")),
        "{}",
        later.stdout
    );

    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}{}", undo.stdout, undo.stderr);
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn line_merges_agree_with_git_merge_file() {
    let cases = [
        // (base, dst, src)
        (
            INDICATORS,
            INDICATORS.replace("/ max(tail)", "/ 2"),
            INDICATORS.replace("/ max(tail)", "/ 3"),
        ),
        (
            DETECTOR,
            DETECTOR.replace("20", "25"),
            DETECTOR.replace("regime=", "r="),
        ),
        (
            "a\nb\nc\nd\ne\nf\n",
            "a\nB\nc\nd\nE\nf\n".to_owned(),
            "a\nb\nC\nd\nE2\nf\ng\n".to_owned(),
        ),
        ("x\n", "x\ny\n".to_owned(), "x\nz\n".to_owned()),
    ];
    let labels = regraft::merge::Labels {
        dst: "DST new/m.py".into(),
        base: "base 0123456789ab:old/m.py".into(),
        src: "SRC old/m.py".into(),
    };
    for (i, (base, dst, src)) in cases.iter().enumerate() {
        let ours = regraft::merge::three_way(base, dst, src, &labels);
        let tmp = tempfile::tempdir().unwrap();
        write_tree(tmp.path(), &[("base", base), ("dst", dst), ("src", src)]);
        let oracle = std::process::Command::new("git")
            .current_dir(tmp.path())
            .args(["merge-file", "-p", "--diff3"])
            .args(["-L", &labels.dst, "-L", &labels.base, "-L", &labels.src])
            .args(["dst", "base", "src"])
            .output()
            .unwrap();
        assert_eq!(
            ours.text,
            String::from_utf8(oracle.stdout).unwrap(),
            "case {i}: regraft and git merge-file disagree"
        );
        assert_eq!(
            ours.conflicts,
            usize::try_from(oracle.status.code().unwrap()).unwrap(),
            "case {i}"
        );
    }
}

#[test]
fn sidecar_style_leaves_dst_alone_and_writes_the_three_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let first = forked_repository(tmp.path());
    let before = snapshot(tmp.path());
    let dst_indicators = std::fs::read(tmp.path().join(DST).join("indicators.py")).unwrap();
    let run = regraft(
        tmp.path(),
        &["apply", SRC, DST, "--conflict-style", "sidecar"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        std::fs::read(tmp.path().join(DST).join("indicators.py")).unwrap(),
        dst_indicators
    );
    let sidecars = tmp.path().join(".regraft/conflicts").join(DST);
    assert_eq!(
        std::fs::read_to_string(sidecars.join("indicators.py.BASE")).unwrap(),
        INDICATORS
    );
    assert_eq!(
        std::fs::read_to_string(sidecars.join("indicators.py.SRC")).unwrap(),
        INDICATORS.replace("/ max(tail)", "/ min(tail)")
    );
    assert!(sidecars.join("notes.py.SRC").exists() && !sidecars.join("notes.py.BASE").exists());
    assert!(
        run.stdout.contains("wrote 5 conflict sidecar files"),
        "{}",
        run.stdout
    );
    let _ = first;
    assert_eq!(regraft(tmp.path(), &["undo"]).code, 0);
    assert_eq!(snapshot(tmp.path()), before);
    assert!(!sidecars.join("indicators.py.SRC").exists());
}

#[test]
fn undo_restores_a_merge_after_a_crash_at_any_step() {
    let setup = |dir: &Path| {
        forked_repository(dir);
    };
    let crashes = crash_at_every_step(setup, &["apply", SRC, DST], 1);
    assert!(crashes > 15, "only {crashes} failpoints");
    eprintln!("crash safety: {crashes} failpoints exercised in a merge");
}

/// Issue #10, "a merge silently dropped code": the loader of a package that was copied by
/// hand and then developed in parallel. SRC has `save()` and `loader_extra()`.
const LOADER: &str = r#""""Loads and saves market data."""
import json


class Loader:
    def __init__(self, path):
        self.path = path

    def load(self):
        with open(self.path) as f:
            return json.load(f)

    def save(self, data):
        with open(self.path, "w") as f:
            json.dump(data, f)

    def describe(self):
        return f"Loader({self.path})"


def loader_extra(path):
    return Loader(path).load().get("extra")


def default_loader():
    return Loader("data/market.json")
"#;

/// DST's copy, as someone made it: the same file without `save()` and `loader_extra()`,
/// and with a retry in `load()` (git sees it as an inexact copy, not as the same file).
fn edited_copy_of_loader() -> String {
    LOADER
        .replace(
            "    def save(self, data):\n        with open(self.path, \"w\") as f:\n            json.dump(data, f)\n\n",
            "",
        )
        .replace(
            "def loader_extra(path):\n    return Loader(path).load().get(\"extra\")\n\n\n",
            "",
        )
        .replace(
            "        with open(self.path) as f:\n            return json.load(f)\n",
            "        for _ in range(3):\n            with open(self.path) as f:\n                return json.load(f)\n",
        )
}

/// A repository with SRC/loader.py committed first, then DST/loader.py written by `dst_text`
/// in a later commit; SRC is left as it was (its text is the blob both histories could
/// share).
fn loader_repository(dir: &Path, dst_text: &str) {
    write_tree(
        dir,
        &[
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (&format!("{SRC}/__init__.py"), ""),
            (&format!("{SRC}/loader.py"), LOADER),
            (
                "backtester_v2/report.py",
                "from backtester_v2.market_regime.loader import loader_extra\n",
            ),
        ],
    );
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "loader"]);
    write_tree(
        dir,
        &[
            (&format!("{DST}/__init__.py"), ""),
            (&format!("{DST}/loader.py"), dst_text),
        ],
    );
    git(dir, &["add", "-A"]);
    git(
        dir,
        &["commit", "-q", "-m", "strategies get their own loader"],
    );
}

#[test]
fn an_inexact_copy_is_no_merge_base_and_nothing_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    loader_repository(tmp.path(), &edited_copy_of_loader());
    // git itself calls the new file a copy of SRC's, not an exact one.
    let log = git(
        tmp.path(),
        &[
            "log",
            "--follow",
            "--name-status",
            "--format=",
            "--",
            &format!("{DST}/loader.py"),
        ],
    );
    assert!(log.starts_with('C') && !log.starts_with("C100"), "{log}");

    let plan = regraft(tmp.path(), &["plan", SRC, DST, "--format", "json"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let merge = &json["merges"][0];
    assert_eq!(merge["path"], format!("{DST}/loader.py"));
    assert_eq!(merge["base"], serde_json::Value::Null);
    assert_eq!(merge["outcome"], "unresolved");
    assert!(
        merge["base_found"].as_str().unwrap().contains("began in"),
        "{merge}"
    );
    assert_eq!(merge["lost"], serde_json::json!([]));

    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let merged = std::fs::read_to_string(tmp.path().join(DST).join("loader.py")).unwrap();
    // Both sides' code is there, SRC's inside the conflict markers of a two-way merge.
    for kept in [
        "def save(self, data):",
        "def loader_extra(path):",
        "for _ in range(3):",
    ] {
        assert!(merged.contains(kept), "{kept} is missing:\n{merged}");
    }
    assert!(
        merged.contains(&format!("<<<<<<< DST {DST}/loader.py\n")),
        "{merged}"
    );
}

#[test]
fn a_clean_three_way_merge_that_drops_a_definition_is_listed_and_needs_review() {
    let tmp = tempfile::tempdir().unwrap();
    // An exact fork: DST starts as SRC's very blob, so the base is proven.
    loader_repository(tmp.path(), LOADER);
    // Then DST deletes `loader_extra` while SRC edits another part of the file and
    // adds a function right after the deleted one's neighbour.
    let dst = LOADER.replace(
        "def loader_extra(path):\n    return Loader(path).load().get(\"extra\")\n\n\n",
        "",
    );
    let src = LOADER.replace("Loader({self.path})", "Loader(path={self.path!r})");
    write_tree(
        tmp.path(),
        &[
            (&format!("{DST}/loader.py"), &dst),
            (&format!("{SRC}/loader.py"), &src),
        ],
    );
    git(tmp.path(), &["commit", "-q", "-am", "both sides change"]);

    let plan = regraft(tmp.path(), &["plan", SRC, DST, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let merge = &json["merges"][0];
    assert_ne!(merge["base"], serde_json::Value::Null, "{merge}");
    // DST deleted it on purpose (the base had it, SRC did not touch it): listed, merged.
    assert_eq!(
        merge["lost"],
        serde_json::json!([{"name": "loader_extra", "side": "src", "line": 21, "deleted_on_purpose": true}])
    );
    assert_eq!(merge["outcome"], "merged");
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);

    // Now SRC also uses it in a new function: the merge still drops the definition
    // (no conflict: the lines differ), and nothing proves that is wanted any more.
    let src = format!("{src}\n\ndef extra_or_none(path):\n    return loader_extra(path) or None\n");
    write_tree(tmp.path(), &[(&format!("{SRC}/loader.py"), &src)]);
    git(
        tmp.path(),
        &["commit", "-q", "-am", "SRC uses loader_extra"],
    );
    let text = regraft(tmp.path(), &["plan", SRC, DST]);
    assert_eq!(text.code, 1, "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout.contains(&format!(
            "  {DST}/loader.py <- {SRC}/loader.py: merged without markers, but"
        )),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!(
            "    SRC {SRC}/loader.py:21: loader_extra MISSING from the result: restore it or delete it on purpose\n"
        )),
        "{}",
        text.stdout
    );
    // The report goes outside the tree, in a directory of this test's own (tests run in
    // parallel, and a shared ../report.md was a race between them).
    let out = tempfile::tempdir().unwrap();
    let report_path = out.path().join("report.md");
    let run = regraft(
        tmp.path(),
        &["apply", SRC, DST, "--report", report_path.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with(&format!(
            "definitions the merges lost (1):\n  SRC {SRC}/loader.py:21: loader_extra MISSING"
        )),
        "{}",
        run.stdout
    );
    let report = std::fs::read_to_string(&report_path).unwrap();
    assert!(
        report.contains(&format!(
            "## Definitions the merges lost (1)\n\n- SRC {SRC}/loader.py:21: loader_extra MISSING"
        )),
        "{report}"
    );
}

#[test]
fn a_base_proven_by_an_exact_fork_merges_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    loader_repository(tmp.path(), LOADER);
    let dst = LOADER.replace(
        "return Loader(\"data/market.json\")",
        "return Loader(\"data/strategies.json\")",
    );
    let src = LOADER.replace(
        "    def describe(self):",
        "    def exists(self):\n        import os\n        return os.path.exists(self.path)\n\n    def describe(self):",
    );
    write_tree(
        tmp.path(),
        &[
            (&format!("{DST}/loader.py"), &dst),
            (&format!("{SRC}/loader.py"), &src),
        ],
    );
    git(tmp.path(), &["commit", "-q", "-am", "both sides change"]);
    let first = git(tmp.path(), &["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_owned();

    let plan = regraft(tmp.path(), &["plan", SRC, DST, "--format", "json"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let merge = &json["merges"][0];
    assert_eq!(merge["outcome"], "merged");
    assert_eq!(merge["base"]["commit"], first.as_str());
    assert_eq!(merge["lost"], serde_json::json!([]));

    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let merged = std::fs::read_to_string(tmp.path().join(DST).join("loader.py")).unwrap();
    assert_eq!(
        merged,
        src.replace(
            "return Loader(\"data/market.json\")",
            "return Loader(\"data/strategies.json\")"
        )
    );
}

/// Found by `scripts/merge_oracle.py` (seed 2) on Django's `template/loaders/locmem.py`: SRC
/// deletes one method of a class and DST deletes the other. Each deletion merges cleanly line
/// by line, nothing is lost that a side did not delete on purpose, and the result is a class
/// with no body, which Python refuses (tree-sitter accepts it). That is not a clean merge.
#[test]
fn a_clean_line_merge_that_leaves_a_class_without_a_body_needs_review() {
    const TEMPLATES: &str = r#""""Templates kept in a dict."""


class DictLoader:
    def get_contents(self, name):
        return self.templates[name]

    def template_sources(self, name):
        yield name
"#;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_tree(
        dir,
        &[
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (&format!("{SRC}/__init__.py"), ""),
            (&format!("{SRC}/templates.py"), TEMPLATES),
        ],
    );
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "templates"]);
    write_tree(
        dir,
        &[
            (&format!("{DST}/__init__.py"), ""),
            (&format!("{DST}/templates.py"), TEMPLATES),
        ],
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "fork"]);
    // Each side deletes one method (not the blank line after it, as an editor does): the
    // blank line both keep holds the two hunks apart.
    let first = "    def get_contents(self, name):\n        return self.templates[name]\n";
    let second = "    def template_sources(self, name):\n        yield name\n";
    write_tree(
        dir,
        &[
            (
                &format!("{DST}/templates.py"),
                &TEMPLATES.replace(first, ""),
            ),
            (
                &format!("{SRC}/templates.py"),
                &TEMPLATES.replace(second, ""),
            ),
        ],
    );
    git(dir, &["commit", "-q", "-am", "each side deletes a method"]);

    let plan = regraft(dir, &["plan", SRC, DST, "--format", "json"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let merge = &json["merges"][0];
    assert_ne!(merge["base"], serde_json::Value::Null, "{merge}");
    assert_eq!(merge["conflicts"], 0, "{merge}");
    // Both deletions were on purpose: the audit alone would call this merged.
    assert_eq!(merge["lost"].as_array().unwrap().len(), 2, "{merge}");
    assert!(
        merge["lost"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["deleted_on_purpose"] == true),
        "{merge}"
    );
    assert_eq!(merge["outcome"], "needs_review", "{merge}");
    // `class DictLoader:` is line 4.
    assert_eq!(merge["syntax_error_line"], 4, "{merge}");

    let text = regraft(dir, &["plan", SRC, DST]);
    assert!(
        text.stdout.contains(&format!(
            "  {DST}/templates.py <- {SRC}/templates.py: merged without markers, but the result \
             does not parse (line 4): needs review"
        )),
        "{}",
        text.stdout
    );
    let run = regraft(dir, &["apply", SRC, DST]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let merged = std::fs::read_to_string(dir.join(DST).join("templates.py")).unwrap();
    assert_eq!(
        merged,
        "\"\"\"Templates kept in a dict.\"\"\"\n\n\nclass DictLoader:\n\n"
    );
}
