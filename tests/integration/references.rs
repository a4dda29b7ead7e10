//! Issue #6: references beyond import statements, checked in a real Python interpreter.

use std::path::Path;
use std::process::Command;

use crate::common::{read_tree, regraft, snapshot, write_tree};

const SRC: &str = "backtester_v2/market_regime";
const DST: &str = "backtester_v2/strategies/market_regime";

fn python(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .args(args)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs (this machine kind ships CPython 3)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn package(dir: &Path) {
    write_tree(
        dir,
        &[
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/market_regime/__init__.py",
                "from .detector import detect\n",
            ),
            (
                "backtester_v2/market_regime/detector.py",
                "def fetch_prices():\n    raise RuntimeError(\"no network in tests\")\n\n\n\
                 def detect():\n    prices = fetch_prices()\n    return \"bull\" if prices[-1] > prices[0] else \"bear\"\n",
            ),
            (
                "tests/test_detector.py",
                "import unittest\nfrom unittest import mock\n\nfrom backtester_v2.market_regime import detector\n\n\n\
                 class DetectTest(unittest.TestCase):\n    \
                 @mock.patch(\"backtester_v2.market_regime.detector.fetch_prices\", return_value=[1, 2])\n    \
                 def test_rising_prices_are_bull(self, fetch):\n        \
                 self.assertEqual(detector.detect(), \"bull\")\n        fetch.assert_called_once()\n\n\n\
                 if __name__ == \"__main__\":\n    unittest.main()\n",
            ),
            ("tests/__init__.py", ""),
        ],
    );
}

#[test]
fn a_mock_patch_target_still_takes_effect_after_the_move() {
    let tmp = tempfile::tempdir().unwrap();
    package(tmp.path());
    let (ok, out) = python(tmp.path(), &["-m", "unittest", "-q", "tests.test_detector"]);
    assert!(ok, "the test fails before the move: {out}");

    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let test = String::from_utf8(read_tree(tmp.path())["tests/test_detector.py"].clone()).unwrap();
    assert!(
        test.contains("@mock.patch(\"backtester_v2.strategies.market_regime.detector.fetch_prices\", return_value=[1, 2])"),
        "{test}"
    );
    // The patch must hit the moved module: were it left on the old path, mock could not
    // import it, and were it missed, detect() would call the real fetch_prices and fail.
    let (ok, out) = python(tmp.path(), &["-m", "unittest", "-q", "tests.test_detector"]);
    assert!(ok, "the test fails after the move: {out}");
}

#[test]
fn a_shim_gives_the_same_module_objects_with_a_deprecation_warning() {
    let tmp = tempfile::tempdir().unwrap();
    package(tmp.path());
    let before = snapshot(tmp.path());
    let run = regraft(tmp.path(), &["apply", "--shim", SRC, DST]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(tmp.path().join(SRC).join("__init__.py").exists());
    assert!(!tmp.path().join(SRC).join("detector.py").exists());

    let check = r#"
import sys
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import backtester_v2.market_regime as old_package
    import backtester_v2.market_regime.detector as old_detector
    from backtester_v2.market_regime.detector import detect as old_detect
import backtester_v2.strategies.market_regime as new_package
import backtester_v2.strategies.market_regime.detector as new_detector

assert old_package is new_package, (old_package, new_package)
assert old_detector is new_detector, (old_detector, new_detector)
assert old_detect is new_detector.detect
old_detector.fetch_prices = lambda: [3, 1]
assert new_detector.detect() == "bear"
messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
assert any("has moved to backtester_v2.strategies.market_regime.detector" in m for m in messages), messages
assert any("has moved to backtester_v2.strategies.market_regime;" in m for m in messages), messages
print("shim ok")
"#;
    let (ok, out) = python(tmp.path(), &["-c", check]);
    assert!(ok && out.contains("shim ok"), "{out}");

    // The shim is regraft's own: a second apply leaves it, and undo takes it away.
    let again = regraft(tmp.path(), &["apply", "--shim", SRC, DST]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(
        again.stdout,
        "nothing to do: the tree is already as planned\n"
    );
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}{}", undo.stdout, undo.stderr);
    assert_eq!(snapshot(tmp.path()), before);
}

/// Found on Django: a curly quote right before a `%s` placeholder, and the string `"./"`,
/// once made regraft slice through a character or past a bound and panic.
#[test]
fn non_ascii_text_before_a_placeholder_is_read_safely() {
    let tmp = tempfile::tempdir().unwrap();
    package(tmp.path());
    write_tree(
        tmp.path(),
        &[(
            "backtester_v2/messages.py",
            "# about market_regime\nINVALID = \"The value of \u{201c}%s\u{201d} is invalid.\"\n\
             BUILT = f\"\u{e9}t\u{e9} backtester_v2.market_regime.{name}\"\n\
             EDGES = [\"./\", \"/\", \"\", \".\", \"..\", \":\", \"a..b\", \"./market_regime/\"]\n",
        )],
    );
    let run = regraft(tmp.path(), &["plan", SRC, DST]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // The f-string's literal prefix names the moved module (issue #11): rewritten, with the
    // column counted in characters after the accented ones.
    assert!(
        run.stdout.contains(
            "backtester_v2/messages.py:3:15: string: backtester_v2.market_regime -> backtester_v2.strategies.market_regime"
        ),
        "{}",
        run.stdout
    );
}
