//! Runs every case under `fixtures/` (see `fixtures/README.md`) and checks the invariants:
//! the expected tree byte for byte, the exit status, a second `apply` changes nothing, a `plan`
//! afterwards finds nothing left to do, `undo` restores the input byte for byte, and no rewrite
//! adds a syntax error.
//!
//! `REGRAFT_FIXTURE=name cargo test fixtures` runs one case.

use std::path::{Path, PathBuf};

use crate::common::{copy_dir, read_tree, regraft, tree_diff};

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let only = std::env::var("REGRAFT_FIXTURE").ok();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cmd").is_file())
        .filter(|p| only.as_deref().is_none_or(|o| p.file_name().unwrap() == o))
        .collect();
    dirs.sort();
    dirs
}

/// Runs one case; returns what went wrong, if anything.
fn run_case(case: &Path) -> Result<(), String> {
    let cmd = std::fs::read_to_string(case.join("cmd")).unwrap();
    let args: Vec<&str> = cmd.split_whitespace().collect();
    let expected_code: i32 = std::fs::read_to_string(case.join("exit"))
        .map_or(0, |s| s.trim().parse().expect("exit holds a number"));
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    copy_dir(&case.join("input"), &tree);
    if case.join("rules.toml").exists() {
        std::fs::copy(case.join("rules.toml"), tmp.path().join("rules.toml")).unwrap();
    }
    let input = read_tree(&tree);

    let first = regraft(&tree, &args);
    if first.code != expected_code {
        return Err(format!(
            "exit status {} instead of {expected_code}\nstdout:\n{}\nstderr:\n{}",
            first.code, first.stdout, first.stderr
        ));
    }
    let after = read_tree(&tree);
    if case.join("expected").is_dir() {
        let diff = tree_diff(&read_tree(&case.join("expected")), &after);
        if !diff.is_empty() {
            return Err(format!(
                "tree differs from expected/:\n{diff}\nstdout:\n{}",
                first.stdout
            ));
        }
    } else if after != input {
        return Err("a run without expected/ changed the tree".to_owned());
    }

    if args.first() == Some(&"apply") {
        let second = regraft(&tree, &args);
        let diff = tree_diff(&after, &read_tree(&tree));
        if !diff.is_empty() || second.code != expected_code {
            return Err(format!(
                "a second apply is not a no-op (exit {}):\n{diff}\n{}{}",
                second.code, second.stdout, second.stderr
            ));
        }
        let mut plan_args = args.clone();
        plan_args[0] = "plan";
        plan_args.extend(["--format", "json"]);
        let plan = regraft(&tree, &plan_args);
        let json: serde_json::Value = serde_json::from_str(&plan.stdout).map_err(|e| {
            format!(
                "plan after apply printed no JSON ({e}): {}{}",
                plan.stdout, plan.stderr
            )
        })?;
        if json["rewrites"] != serde_json::json!([]) || json["files"] != serde_json::json!([]) {
            return Err(format!("plan after apply still has work: {}", plan.stdout));
        }
        let undo = regraft(&tree, &["undo"]);
        let diff = tree_diff(&input, &read_tree(&tree));
        if undo.code != 0 || !diff.is_empty() {
            return Err(format!(
                "undo did not restore the input (exit {}): {}\n{diff}",
                undo.code, undo.stderr
            ));
        }
        let pristine = read_tree(&tree);
        regraft(&tree, &args);
        if read_tree(&tree) != after {
            return Err("apply after undo did not give the same tree again".to_owned());
        }
        if pristine != input {
            return Err("undo left the tree different from the input".to_owned());
        }
    }

    let broken = |tree: &std::collections::BTreeMap<String, Vec<u8>>| {
        tree.iter()
            .filter(|(path, _)| Path::new(path).extension().is_some_and(|e| e == "py"))
            .filter_map(|(_, bytes)| std::str::from_utf8(bytes).ok())
            .filter(|text| !text.contains('\0'))
            .filter(|text| {
                regraft::parse::first_syntax_error(&regraft::parse::parse_python(text)).is_some()
            })
            .count()
    };
    if broken(&after) > broken(&input) {
        return Err("the run left more Python files with syntax errors than it found".to_owned());
    }
    Ok(())
}

#[test]
fn every_fixture_gives_its_expected_tree() {
    let dirs = fixture_dirs();
    assert!(!dirs.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for case in &dirs {
        if let Err(why) = run_case(case) {
            failures.push(format!(
                "=== {} ===\n{why}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}

/// Pinned to one case, for stepping through in a debugger.
#[test]
fn debug_fixture() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    if case.exists() {
        run_case(&case).unwrap_or_else(|why| panic!("{why}"));
    }
}
