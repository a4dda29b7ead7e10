//! Runs every case under `fixtures/` (see `fixtures/README.md`), one test per directory, and
//! checks the invariants: the expected tree byte for byte, the exit status, the output
//! (`stdout`, and `stderr` when the case has one, else none), a second `apply` changes
//! nothing, a `plan` afterwards finds nothing left to do, `undo` restores the input byte for
//! byte, and no rewrite adds a syntax error.
//!
//! `cargo test fixtures::demo` runs one case. `REGRAFT_UPDATE_OUTPUT=1 cargo test fixtures`
//! writes each case's `stdout`/`stderr` anew: read the diff (`git diff fixtures/`) before you
//! commit it.

use std::path::{Path, PathBuf};

use crate::common::{copy_dir, read_tree, regraft, tree_diff};

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cmd").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Compares what the first run printed with the case's `stdout` and `stderr` files (a case
/// without `stderr` must print nothing there); with `REGRAFT_UPDATE_OUTPUT` set, writes them.
fn compare_output(case: &Path, stdout: &str, stderr: &str) -> Result<(), String> {
    let update = std::env::var_os("REGRAFT_UPDATE_OUTPUT").is_some();
    for (name, actual) in [("stdout", stdout), ("stderr", stderr)] {
        let file = case.join(name);
        if update {
            if actual.is_empty() && name == "stderr" {
                let _ = std::fs::remove_file(&file);
            } else {
                std::fs::write(&file, actual).unwrap();
            }
            continue;
        }
        let expected = std::fs::read_to_string(&file).unwrap_or_default();
        if expected != actual {
            let diff = similar::TextDiff::from_lines(&expected, actual)
                .unified_diff()
                .header(&format!("expected {name}"), &format!("actual {name}"))
                .to_string();
            return Err(format!("{name} differs from {}:\n{diff}", file.display()));
        }
    }
    Ok(())
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
    compare_output(case, &first.stdout, &first.stderr)?;
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
                regraft::lang::python::parse::first_syntax_error(
                    &regraft::lang::python::parse::parse_python(text),
                )
                .is_some()
            })
            .count()
    };
    if broken(&after) > broken(&input) {
        return Err("the run left more Python files with syntax errors than it found".to_owned());
    }
    Ok(())
}

/// One test per fixture directory, so that `cargo test` names the case that fails.
macro_rules! fixture_tests {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let case = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures")
                    .join(stringify!($case));
                run_case(&case).unwrap_or_else(|why| panic!("{why}"));
            }
        )*
        const LISTED: &[&str] = &[$(stringify!($case)),*];
    };
}

fixture_tests!(
    attribute_chains,
    bad_files,
    byte_preservation,
    chains_through_ancestors,
    config_files,
    decoys,
    demo,
    from_imports,
    from_parent_import,
    import_statements,
    mixed_from_split,
    module_names_in_text,
    nested_imports,
    pattern_glob,
    pattern_regex,
    relative_imports,
    rename_leaf,
    rename_module,
    rename_symbol,
    rules_two_moves,
    rust_cfg_and_path_attr,
    rust_docs_and_tests,
    rust_mod_rs,
    rust_new_parent,
    rust_paths_everywhere,
    rust_relative_paths,
    rust_use_groups,
    rust_workspace,
    src_layout,
    string_references,
    survey_pairs,
    text_switch_off,
    top_level_move,
);

#[test]
fn every_fixture_directory_has_its_test() {
    let dirs: Vec<String> = fixture_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        dirs, LISTED,
        "add new fixture directories to fixture_tests!"
    );
}
