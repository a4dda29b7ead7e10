//! Issue #12, the Rust fixture crates (`fixtures/rust_*/`) on their own, without regraft: each
//! `input/` and each hand-written `expected/` is a crate (or workspace) that `cargo check`
//! accepts with every target and feature, with warnings denied. A case whose `expected/` does
//! not compile would judge the engine against a tree rustc rejects.
//!
//! The second test here checks that `expected/` holds exactly the file moves that the case's
//! `cmd` asks for.
//!
//! Skipped, with a note on stderr, when `cargo` is not on `PATH`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{copy_dir, read_tree};

/// Every `fixtures/rust_*` directory, sorted.
fn rust_cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("rust_")
        })
        .collect();
    dirs.sort();
    dirs
}

fn cargo_available() -> bool {
    Command::new("cargo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `cargo check --offline --quiet --all-targets ARGS` in `dir`, with warnings denied and a
/// target directory shared by every case (so the crates of the standard library's prelude are
/// not rebuilt); returns the error output when it fails.
fn cargo_check(dir: &Path, extra: &[&str]) -> Result<(), String> {
    let target = std::env::temp_dir().join("regraft-rust-fixtures-target");
    let out = Command::new("cargo")
        .args(["check", "--offline", "--quiet", "--all-targets"])
        .args(extra)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-D warnings")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn rust_fixture_crates_compile_before_and_after() {
    if !cargo_available() {
        eprintln!("note: cargo is not on PATH; the Rust fixture crates are not checked");
        return;
    }
    let cases = rust_cases();
    assert!(cases.len() >= 8, "only {} rust_* fixtures", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        for side in ["input", "expected"] {
            let tmp = tempfile::tempdir().unwrap();
            let tree = tmp.path().join("tree");
            copy_dir(&case.join(side), &tree);
            let manifests: String = read_tree(&tree)
                .into_iter()
                .filter(|(path, _)| path.ends_with("Cargo.toml"))
                .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
                .collect();
            let mut runs: Vec<&[&str]> = vec![&["--all-features"]];
            if manifests.contains("[features]") {
                runs.push(&[]);
            }
            for extra in runs {
                if let Err(stderr) = cargo_check(&tree, extra) {
                    let name = case.file_name().unwrap().to_string_lossy();
                    failures.push(format!("{name}/{side} {extra:?}:\n{stderr}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The files of `tree` that belong to module path `dir` (`dir.rs` and everything under
/// `dir/`), relative to it: `dir.rs` as `.rs`, `dir/x.rs` as `/x.rs`.
fn module_files(tree: &BTreeSet<String>, dir: &str) -> BTreeSet<String> {
    tree.iter()
        .filter_map(|path| {
            path.strip_prefix(dir)
                .filter(|rest| *rest == ".rs" || rest.starts_with('/'))
                .map(str::to_owned)
        })
        .collect()
}

/// `expected/` moves exactly the files `apply SRC DST` names (`SRC.rs` and `SRC/`, to `DST.rs`
/// and `DST/`), keeps every other file, and adds nothing but `.rs` module files for parents
/// that did not exist.
#[test]
fn rust_fixture_trees_move_the_files_their_command_names() {
    for case in rust_cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let cmd = std::fs::read_to_string(case.join("cmd")).unwrap();
        let args: Vec<&str> = cmd.split_whitespace().collect();
        let ["apply", src, dst] = args[..] else {
            panic!("{name}: expected `apply SRC DST`, found {cmd:?}");
        };
        let input: BTreeSet<String> = read_tree(&case.join("input")).into_keys().collect();
        let expected: BTreeSet<String> = read_tree(&case.join("expected")).into_keys().collect();
        let moved = module_files(&input, src);
        assert!(
            moved.len() >= 2,
            "{name}: {src} is not a directory module of input/"
        );
        assert!(
            module_files(&expected, src).is_empty(),
            "{name}: {src} left in expected/"
        );
        assert_eq!(
            moved,
            module_files(&expected, dst),
            "{name}: files under {dst}"
        );
        let stayed: BTreeSet<&String> = input
            .iter()
            .filter(|p| !moved.iter().any(|m| **p == format!("{src}{m}")))
            .collect();
        let others: BTreeSet<&String> = expected
            .iter()
            .filter(|p| !moved.iter().any(|m| **p == format!("{dst}{m}")))
            .collect();
        let created: Vec<&&String> = others.difference(&stayed).collect();
        let lost: Vec<&&String> = stayed.difference(&others).collect();
        assert!(
            lost.is_empty(),
            "{name}: files missing from expected/: {lost:?}"
        );
        assert!(
            created
                .iter()
                .all(|p| Path::new(p.as_str()).extension().is_some_and(|e| e == "rs")),
            "{name}: unexpected new files {created:?}"
        );
    }
}
