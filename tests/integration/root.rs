//! Issue #10: the root is the project's, wherever regraft is run from. Run from inside
//! `src/flask`, `regraft plan json ser/json` once planned to rewrite the standard library's
//! `import json` lines, because the current directory was taken for the root.

use crate::common::{git_init_commit, regraft, write_tree};

/// A src-layout project like flask's: a `json` subpackage next to modules that import the
/// standard library's `json`.
const FLASK_LIKE: &[(&str, &str)] = &[
    ("pyproject.toml", "[project]\nname = \"flask\"\n"),
    ("src/flask/__init__.py", "from .app import Flask\n"),
    (
        "src/flask/app.py",
        "import json\n\nfrom . import json as flask_json\nfrom .json.provider import dumps\n\n\nclass Flask:\n    def dump(self, x):\n        return json.dumps(x) + flask_json.provider.dumps(x) + dumps(x)\n",
    ),
    (
        "src/flask/json/__init__.py",
        "from .provider import dumps\n",
    ),
    (
        "src/flask/json/provider.py",
        "import json\n\n\ndef dumps(x):\n    return json.dumps(x)\n",
    ),
    (
        "tests/test_json.py",
        "import json\n\nfrom flask.json import dumps\n",
    ),
];

fn plan_json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let run = regraft(dir, args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The (file, old) pairs of a plan's rewrites.
fn rewritten(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["rewrites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_owned(),
                r["old"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn inside_a_git_work_tree_the_root_is_its_top_and_paths_are_read_from_the_current_directory() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), FLASK_LIKE);
    git_init_commit(tmp.path());
    let plan = plan_json(
        &tmp.path().join("src/flask"),
        &["plan", "json", "ser/json", "--format", "json"],
    );
    assert_eq!(plan["moves"][0]["from"], "src/flask/json");
    assert_eq!(plan["moves"][0]["to"], "src/flask/ser/json");
    assert_eq!(plan["moves"][0]["from_module"], "flask.json");
    let rewrites = rewritten(&plan);
    assert!(
        rewrites
            .iter()
            .all(|(_, old)| old != "json" && !old.starts_with("import json")),
        "the standard library's json was rewritten: {rewrites:?}"
    );
    assert!(
        rewrites
            .iter()
            .any(|(file, old)| file == "tests/test_json.py" && old.contains("flask.json")),
        "{rewrites:?}"
    );
}

#[test]
fn outside_git_the_root_is_the_nearest_directory_with_a_project_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), FLASK_LIKE);
    let plan = plan_json(
        &tmp.path().join("src/flask"),
        &["plan", "json", "ser/json", "--format", "json"],
    );
    assert_eq!(plan["moves"][0]["from_module"], "flask.json");
    assert_eq!(plan["moves"][0]["to_module"], "flask.ser.json");
}

#[test]
fn a_found_root_inside_a_package_is_refused_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    // No git, no project file: the current directory would be the root, and it is a package.
    let package = [
        ("__init__.py", ""),
        ("json/__init__.py", ""),
        ("app.py", "import json\n"),
    ];
    write_tree(tmp.path(), &package);
    let before = crate::common::read_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", "json", "ser/json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("holds __init__.py: it lies inside a package")
            && run.stderr.contains("help: "),
        "{}",
        run.stderr
    );
    assert_eq!(crate::common::read_tree(tmp.path()), before);
}

#[test]
fn an_explicit_root_inside_a_package_never_takes_a_standard_library_name() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), FLASK_LIKE);
    let before = crate::common::read_tree(tmp.path());
    let run = regraft(
        tmp.path(),
        &["apply", "--root", "src/flask", "json", "ser/json"],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("would be the top-level module `json`, which is the standard library's"),
        "{}",
        run.stderr
    );
    assert_eq!(crate::common::read_tree(tmp.path()), before);
    // With a root that is not a package, the same kind of move is the project's own.
    let plan = plan_json(
        tmp.path(),
        &[
            "plan",
            "--root",
            ".",
            "src/flask/json",
            "src/flask/ser/json",
            "--format",
            "json",
        ],
    );
    assert_eq!(plan["moves"][0]["from_module"], "flask.json");
}
