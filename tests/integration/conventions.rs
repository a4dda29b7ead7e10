//! Issue #13, command-line conventions: `--color`, completions and the man page, progress
//! only on a terminal, singular and plural, missing paths, positions in rules files, diffs
//! that `git apply` takes, and `--commit` through the user's git hooks.

use crate::common::{regraft, write_tree};

/// A package of one module, and one file that imports it.
fn one_of_each() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("app/__init__.py", ""),
            ("app/old/__init__.py", ""),
            ("app/main.py", "from app.old import thing\n"),
        ],
    );
    tmp
}

#[test]
fn counts_of_one_are_singular() {
    let tmp = one_of_each();
    let plan = regraft(tmp.path(), &["plan", "app/old", "app/new"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout
            .ends_with("\n1 file to move, 1 reference to rewrite in 1 file (from-import 1)\n"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("references to rewrite (1 in 1 file):"),
        "{}",
        plan.stdout
    );
    let apply = regraft(tmp.path(), &["apply", "app/old", "app/new"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    assert_eq!(
        apply.stdout,
        "moved 1 file, rewrote 1 reference in 1 file, removed 1 empty directory\nto undo: regraft undo\n"
    );
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert!(undo.stdout.starts_with("undid "), "{}", undo.stdout);
    assert!(!undo.stdout.starts_with("undid 1 steps"), "{}", undo.stdout);
}
