//! Pattern rules (issue #15): a `[[move]]` whose `from` is a glob, or whose `from_regex` has
//! named groups that `to` uses. The plan names the rule of every expanded move; expansions
//! that collide, nest or match nothing are bad input at the rule's `line:col`, with a help
//! line, and change nothing.

use crate::common::{read_tree, regraft, write_tree};

/// A regime package with three `comprehensive_*` modules, one excluded by the rules.
fn regime_tree(dir: &std::path::Path) {
    write_tree(
        dir,
        &[
            ("bt/__init__.py", ""),
            ("bt/regime/__init__.py", ""),
            (
                "bt/regime/comprehensive_trend.py",
                "def trend(p):\n    return p[-1] - p[0]\n",
            ),
            (
                "bt/regime/comprehensive_vol.py",
                "from bt.regime.comprehensive_trend import trend\n\n\ndef vol(p):\n    return trend(p)\n",
            ),
            (
                "bt/regime/detector.py",
                "import bt.regime.comprehensive_vol\n",
            ),
            ("bt/strategies/__init__.py", ""),
        ],
    );
}

const GLOB_RULES: &str = "\
# regroup
[[move]]
from = \"bt/regime/comprehensive_*.py\"
to = \"bt/strategies/comprehensive/\"

[[move]]
from = \"bt/regime/detector.py\"
to = \"bt/strategies/detector.py\"
";

#[test]
fn plan_names_the_rule_of_every_expanded_move() {
    let tmp = tempfile::tempdir().unwrap();
    regime_tree(tmp.path());
    write_tree(tmp.path(), &[("rules.toml", GLOB_RULES)]);
    let run = regraft(tmp.path(), &["plan", "--rules", "rules.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let moves: Vec<&str> = run.stdout.lines().take(3).collect();
    assert_eq!(
        moves,
        [
            "move bt/regime/comprehensive_trend.py -> bt/strategies/comprehensive/comprehensive_trend.py  \
             (module bt.regime.comprehensive_trend -> bt.strategies.comprehensive.comprehensive_trend)  \
             (rule rules.toml:3: from = \"bt/regime/comprehensive_*.py\")",
            "move bt/regime/comprehensive_vol.py -> bt/strategies/comprehensive/comprehensive_vol.py  \
             (module bt.regime.comprehensive_vol -> bt.strategies.comprehensive.comprehensive_vol)  \
             (rule rules.toml:3: from = \"bt/regime/comprehensive_*.py\")",
            "move bt/regime/detector.py -> bt/strategies/detector.py  \
             (module bt.regime.detector -> bt.strategies.detector)",
        ]
    );

    let run = regraft(
        tmp.path(),
        &["plan", "--rules", "rules.toml", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let moves = json["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 3);
    assert_eq!(
        moves[1]["rule"],
        serde_json::json!({
            "file": "rules.toml",
            "line": 3,
            "key": "from",
            "pattern": "bt/regime/comprehensive_*.py",
        })
    );
    assert_eq!(moves[1]["from"], "bt/regime/comprehensive_vol.py");
    // A move written as a path has no rule.
    assert!(moves[2].get("rule").is_none(), "{}", moves[2]);
}

#[test]
fn check_after_a_pattern_apply_knows_the_retired_paths() {
    let tmp = tempfile::tempdir().unwrap();
    regime_tree(tmp.path());
    write_tree(tmp.path(), &[("rules.toml", GLOB_RULES)]);
    let run = regraft(tmp.path(), &["apply", "--rules", "rules.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        tmp.path()
            .join("bt/strategies/comprehensive/comprehensive_vol.py")
            .is_file()
    );
    assert!(!tmp.path().join("bt/regime/comprehensive_vol.py").exists());

    let run = regraft(tmp.path(), &["check", "--rules", "rules.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // A branch written against the old layout arrives.
    write_tree(
        tmp.path(),
        &[(
            "bt/late.py",
            "from bt.regime.comprehensive_trend import trend\n",
        )],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "rules.toml"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("bt/late.py:1:6: RG001 "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("bt.strategies.comprehensive.comprehensive_trend"),
        "{}",
        run.stdout
    );
}

/// Runs `apply` with `rules` on `files` and returns stderr, after checking that it is bad
/// input and that the tree is untouched.
fn refused(files: &[(&str, &str)], rules: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), files);
    write_tree(tmp.path(), &[("rules.toml", rules)]);
    let before = read_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", "--rules", "rules.toml"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        read_tree(tmp.path()),
        before,
        "a refused run changed the tree"
    );
    assert!(run.stderr.contains("\nhelp: "), "{}", run.stderr);
    run.stderr
}

const SERVICES: &[(&str, &str)] = &[
    ("services/__init__.py", ""),
    ("services/billing_v2/__init__.py", ""),
    ("services/billing_v2/api/__init__.py", ""),
    ("services/shipping_v2/__init__.py", ""),
    ("services/shipping_v2/api/__init__.py", ""),
];

#[test]
fn expansions_that_collide_are_refused_at_the_rule() {
    let stderr = refused(
        SERVICES,
        "[[move]]\nfrom_regex = '^services/\\w+_v2/(?P<leaf>api)$'\nto = 'services/${leaf}'\n",
    );
    assert!(
        stderr.starts_with(
            "regraft: error: rules.toml:2:14: invalid rules file: from_regex = \
             '^services/\\w+_v2/(?P<leaf>api)$' sends both `services/billing_v2/api` and \
             `services/shipping_v2/api` to `services/api`\n"
        ),
        "{stderr}"
    );
}

#[test]
fn expansions_that_nest_are_refused_at_the_rule() {
    // `**` reaches into a match: `pkg/plugins` and `pkg/plugins/x/plugin_extra`.
    let stderr = refused(
        &[
            ("pkg/__init__.py", ""),
            ("pkg/plugins/__init__.py", ""),
            ("pkg/plugins/x/plugin_extra/__init__.py", ""),
        ],
        "[[move]]\nfrom = \"pkg/**/plugin*\"\nto = \"ext/\"\n",
    );
    assert!(
        stderr.starts_with(
            "regraft: error: rules.toml:2:8: invalid rules file: from = \"pkg/**/plugin*\" \
             matches `pkg/plugins` and `pkg/plugins/x/plugin_extra`, which lies inside it\n"
        ),
        "{stderr}"
    );
    // A destination inside another match's source.
    let stderr = refused(
        SERVICES,
        "[[move]]\nfrom_regex = '^services/(?P<n>\\w+)_v2$'\nto = 'services/billing_v2/${n}'\n",
    );
    assert!(
        stderr.contains(
            "moves `services/shipping_v2` to `services/billing_v2/shipping`, which lies inside \
             `services/billing_v2`, another match"
        ),
        "{stderr}"
    );
}

#[test]
fn a_pattern_that_matches_nothing_is_refused_at_the_rule() {
    let stderr = refused(
        SERVICES,
        "exclude = [\"services/shipping_v2/**\"]\n\n[[move]]\nto = \"x/\"\nfrom = \"services/ship*\"\n",
    );
    assert!(
        stderr.starts_with(
            "regraft: error: rules.toml:5:8: invalid rules file: from = \"services/ship*\" \
             matches nothing in the tree\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhelp: patterns match whole root-relative paths"),
        "{stderr}"
    );
}

#[test]
fn a_glob_needs_a_directory_and_a_template_needs_its_groups() {
    let stderr = refused(
        SERVICES,
        "[[move]]\nfrom = \"services/*_v2\"\nto = \"v2\"\n",
    );
    assert!(
        stderr.starts_with(
            "regraft: error: rules.toml:3:6: invalid rules file: move.to `v2`: a glob `from` \
             needs a directory `to`, ending in `/`\n"
        ),
        "{stderr}"
    );
    let stderr = refused(
        SERVICES,
        "[[move]]\nfrom_regex = '^services/(?P<name>\\w+)_v2$'\nto = 'v2/${nmae}'\n",
    );
    assert!(
        stderr.starts_with(
            "regraft: error: rules.toml:3:6: invalid rules file: move.to `v2/${nmae}`: \
             from_regex has no group named `nmae`\n"
        ),
        "{stderr}"
    );
}
