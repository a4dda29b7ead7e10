//! Issue #13, command-line conventions: `--color`, completions and the man page, progress
//! only on a terminal, singular and plural, missing paths, positions in rules files, diffs
//! that `git apply` takes, and `--commit` through the user's git hooks.

use std::path::Path;

use crate::common::{
    copy_dir, git, git_init_commit, read_tree, regraft, regraft_env, snapshot, tree_diff,
    write_tree,
};

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

/// A tree where `check` finds one stale import.
fn stale_import() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("app/__init__.py", ""),
            ("app/new/__init__.py", ""),
            ("app/main.py", "import app.old\n"),
            (
                "rules.toml",
                "[[move]]\nfrom = \"app/old\"\nto = \"app/new\"\n",
            ),
        ],
    );
    tmp
}

/// Whether `check` printed escape codes, run with `args` and `env` (stdout is a pipe).
fn check_coloured(args: &[&str], env: &[(&str, &str)]) -> bool {
    let tmp = stale_import();
    let mut all = vec!["check", "--rules", "rules.toml"];
    all.extend(args);
    let run = regraft_env(tmp.path(), &all, env);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("app/main.py:1:"), "{}", run.stdout);
    run.stdout.contains('\x1b')
}

#[test]
fn color_follows_the_flag_then_no_color_then_force_color() {
    // Not a terminal: no colour, unless forced.
    assert!(!check_coloured(&[], &[]));
    assert!(check_coloured(&[], &[("FORCE_COLOR", "1")]));
    // An empty NO_COLOR does not turn colour off; a non-empty one does.
    assert!(check_coloured(
        &[],
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "")]
    ));
    assert!(!check_coloured(
        &[],
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]
    ));
    // The flag overrides the environment, on check or before the subcommand.
    assert!(check_coloured(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(check_coloured(&["--color=always"], &[("TERM", "dumb")]));
    assert!(!check_coloured(
        &["--color", "never"],
        &[("FORCE_COLOR", "1")]
    ));
    let tmp = stale_import();
    let run = regraft(
        tmp.path(),
        &["--color", "always", "check", "--rules", "rules.toml"],
    );
    assert!(run.stdout.contains('\x1b'), "{}", run.stdout);
    let bad = regraft(tmp.path(), &["check", "--color", "sometimes"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn completions_and_man_page_go_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _regraft"),
        ("zsh", "#compdef regraft"),
        ("fish", "complete -c regraft"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[regraft]"),
    ] {
        let run = regraft(tmp.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        assert!(run.stdout.contains("apply"), "{shell}");
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
    }
    let man = regraft(tmp.path(), &["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH regraft 1"), "{}", man.stdout);
    assert!(man.stdout.contains("completions"), "{}", man.stdout);
    let help = regraft(tmp.path(), &["--help"]);
    assert!(
        help.stdout.contains("completions") && help.stdout.contains("man"),
        "{}",
        help.stdout
    );
    let bad = regraft(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
    // Neither needs a project around it, nor is stopped by an unfinished run.
    assert!(read_tree(tmp.path()).is_empty());
}

#[test]
fn check_refuses_a_path_that_never_existed_but_skips_one_deleted_in_git() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("app/__init__.py", ""),
            ("app/main.py", "import app.gone\n"),
            ("app/old.py", "x = 1\n"),
            ("app/staged.py", "x = 2\n"),
        ],
    );
    git_init_commit(tmp.path());
    // Deleted in the work tree only, and deleted and staged (as `git rm` does).
    std::fs::remove_file(tmp.path().join("app/old.py")).unwrap();
    git(tmp.path(), &["rm", "-q", "app/staged.py"]);

    let typo = regraft(tmp.path(), &["check", "app/mian.py"]);
    assert_eq!(typo.code, 2, "{}{}", typo.stdout, typo.stderr);
    assert!(typo.stdout.is_empty(), "{}", typo.stdout);
    assert!(
        typo.stderr
            .starts_with("regraft: error: PATH `app/mian.py`: does not exist\nhelp: "),
        "{}",
        typo.stderr
    );
    // One bad path among good ones still stops the run.
    let mixed = regraft(tmp.path(), &["check", "app/__init__.py", "nope/x.py"]);
    assert_eq!(mixed.code, 2, "{}", mixed.stderr);
    assert!(mixed.stderr.contains("`nope/x.py`"), "{}", mixed.stderr);

    for deleted in ["app/old.py", "app/staged.py"] {
        let run = regraft(tmp.path(), &["check", deleted]);
        assert_eq!(run.code, 0, "{deleted}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.is_empty() && run.stderr.is_empty(), "{deleted}");
    }
    // The deleted file is skipped; the rest is still checked.
    let run = regraft(tmp.path(), &["check", "app/staged.py", "app/main.py"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("app/main.py:1:8: RG002"),
        "{}",
        run.stdout
    );

    // Outside git nothing was ever deleted: a missing path is an error.
    let plain = tempfile::tempdir().unwrap();
    write_tree(plain.path(), &[("pkg/__init__.py", "")]);
    let run = regraft(plain.path(), &["check", "pkg/deleted.py"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// A git repository holding a package to move and a file that imports it, with `hook` as its
/// executable `pre-commit` hook (none when empty).
fn repo_with_hook(hook: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let tmp = one_of_each();
    write_tree(tmp.path(), &[("app/old/mod.py", "VALUE = 1\n")]);
    git_init_commit(tmp.path());
    if !hook.is_empty() {
        let path = tmp.path().join(".git/hooks/pre-commit");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, hook).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    tmp
}

#[test]
fn commit_runs_the_hooks_and_a_refusal_rolls_the_run_back() {
    let tmp = repo_with_hook("#!/bin/sh\necho 'lint: app/main.py is not formatted' >&2\nexit 1\n");
    let before = snapshot(tmp.path());
    let run = regraft(tmp.path(), &["apply", "app/old", "app/new", "--commit"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("git commit failed")
            && run.stderr.contains("lint: app/main.py is not formatted")
            && run.stderr.contains("the run was rolled back"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(tmp.path()), before);

    // --no-verify skips them.
    let run = regraft(
        tmp.path(),
        &["apply", "app/old", "app/new", "--commit", "--no-verify"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("git: 2 commits made"), "{}", run.stdout);
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn a_hook_refusing_the_second_commit_takes_back_the_first() {
    // Pure renames pass; the commit with rewritten (modified) files does not.
    let tmp = repo_with_hook(
        "#!/bin/sh\nif git diff --cached --name-status | grep -q '^M'; then\n  echo 'no edits today'\n  exit 1\nfi\n",
    );
    let before = snapshot(tmp.path());
    let run = regraft(tmp.path(), &["apply", "app/old", "app/new", "--commit"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("no edits today"), "{}", run.stderr);
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn commit_message_sets_the_rewrite_commit_and_undo_still_knows_it() {
    let tmp = repo_with_hook("#!/bin/sh\nexit 0\n");
    let before = snapshot(tmp.path());
    let run = regraft(
        tmp.path(),
        &[
            "apply",
            "app/old",
            "app/new",
            "--commit",
            "--message",
            "Move app.old to app.new",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let message = git(tmp.path(), &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("Move app.old to app.new\n\nRewritten-by: regraft"),
        "{message}"
    );
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert_eq!(snapshot(tmp.path()), before);
    // Without --commit, --message and --no-verify make no sense.
    let bad = regraft(tmp.path(), &["apply", "app/old", "app/new", "-m", "x"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// The tree under `dir` without git's own files.
fn work_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut tree = read_tree(dir);
    tree.retain(|path, _| !path.starts_with(".git/"));
    tree
}

/// Runs `apply ARGS --dry-run --diff` on a git repo made of `input` (with `rules` beside
/// it), checks that `git apply --check` accepts the patch, applies it, and compares the tree
/// with what `apply ARGS` makes of another copy. Returns the patch.
fn patch_gives_what_apply_makes(
    name: &str,
    input: &Path,
    rules: Option<&Path>,
    args: &[&str],
) -> String {
    let [patched, applied] = [(), ()].map(|()| {
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("tree");
        copy_dir(input, &tree);
        if let Some(rules) = rules {
            std::fs::copy(rules, tmp.path().join("rules.toml")).unwrap();
        }
        git_init_commit(&tree);
        (tmp, tree)
    });
    let mut dry = args.to_vec();
    dry.extend(["--dry-run", "--diff"]);
    let run = regraft(&patched.1, &dry);
    assert!(run.code == 0 || run.code == 1, "{name}: {}", run.stderr);
    let start = run.stdout.find("diff --git ").unwrap_or(run.stdout.len());
    let patch = run.stdout[start..].to_owned();
    let patch_file = patched.0.path().join("change.patch");
    std::fs::write(&patch_file, &patch).unwrap();
    let patch_arg = patch_file.to_str().unwrap();
    git(&patched.1, &["apply", "--check", patch_arg]);
    git(&patched.1, &["apply", patch_arg]);

    let run = regraft(&applied.1, args);
    assert!(run.code == 0 || run.code == 1, "{name}: {}", run.stderr);
    let diff = tree_diff(&work_tree(&applied.1), &work_tree(&patched.1));
    assert!(
        diff.is_empty(),
        "{name}: git apply of --diff differs from apply:\n{diff}"
    );
    patch
}

/// Every `apply` fixture: `apply --dry-run --diff` on a pristine copy gives a patch that
/// `git apply --check` accepts and that `git apply` turns into the very tree `apply` makes.
#[test]
fn apply_diff_is_a_patch_git_apply_takes() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut tried = 0;
    for case in std::fs::read_dir(&fixtures).unwrap() {
        let case = case.unwrap().path();
        let Ok(cmd) = std::fs::read_to_string(case.join("cmd")) else {
            continue;
        };
        let args: Vec<&str> = cmd.split_whitespace().collect();
        if args.first() != Some(&"apply") {
            continue;
        }
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let rules = case.join("rules.toml");
        patch_gives_what_apply_makes(
            &name,
            &case.join("input"),
            rules.exists().then_some(rules.as_path()),
            &args,
        );
        tried += 1;
    }
    assert!(tried >= 10, "only {tried} apply fixtures");
}

/// Deleted source copies and created shims carry their git modes.
#[test]
fn apply_diff_deletes_and_creates_files_with_modes() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("app/__init__.py", ""),
            ("app/old/__init__.py", ""),
            ("app/old/same.py", "X = 1\n"),
            ("app/old/tool.py", "#!/usr/bin/env python3\nprint(1)\n"),
            ("app/old/only.py", "from app.old import same\n"),
            ("app/new/__init__.py", ""),
            ("app/new/same.py", "X = 1\n"),
            ("app/new/tool.py", "#!/usr/bin/env python3\nprint(1)\n"),
            ("app/main.py", "from app.old import same\n"),
        ],
    );
    let tool = tmp.path().join("app/old/tool.py");
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let patch = patch_gives_what_apply_makes(
        "deletions and shims",
        tmp.path(),
        None,
        &["apply", "app/old", "app/new", "--shim"],
    );
    assert!(
        patch.contains("diff --git a/app/old/same.py b/app/old/same.py\ndeleted file mode 100644\n--- a/app/old/same.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-X = 1\n"),
        "{patch}"
    );
    assert!(patch.contains("deleted file mode 100755"), "{patch}");
    assert!(
        patch.contains("diff --git a/app/old/__init__.py b/app/old/__init__.py\nnew file mode 100644\n--- /dev/null\n+++ b/app/old/__init__.py\n"),
        "{patch}"
    );
    assert!(
        patch.contains("diff --git a/app/old/only.py b/app/new/only.py\nrename from app/old/only.py\nrename to app/new/only.py\n--- a/app/old/only.py\n+++ b/app/new/only.py\n"),
        "{patch}"
    );
}

/// Progress goes to stderr, and only on a terminal: piped, nothing is printed even when the
/// spinner's delay is over; on a terminal (a pty from `script`) it shows and stdout is the
/// same, byte for byte.
#[test]
fn progress_shows_on_a_terminal_only_and_leaves_stdout_alone() {
    let tmp = one_of_each();
    let now = [("REGRAFT_PROGRESS_DELAY_MS", "0")];
    let piped = regraft_env(tmp.path(), &["plan", "app/old", "app/new"], &now);
    assert_eq!(piped.code, 0);
    assert!(piped.stderr.is_empty(), "{}", piped.stderr);
    let plain = regraft(tmp.path(), &["plan", "app/old", "app/new"]);
    assert_eq!(piped.stdout, plain.stdout);

    // Under a pseudo-terminal (util-linux `script`), when there is one.
    let out = tempfile::tempdir().unwrap();
    let stdout_file = out.path().join("stdout");
    let command = format!(
        "{} plan app/old app/new > {}",
        env!("CARGO_BIN_EXE_regraft"),
        stdout_file.display()
    );
    let Ok(terminal) = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REGRAFT_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .current_dir(tmp.path())
        .output()
    else {
        eprintln!("no `script` here: the terminal half is skipped");
        return;
    };
    assert!(terminal.status.success(), "{terminal:?}");
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(shown.contains("regraft: scanning the tree"), "{shown:?}");
    assert_eq!(std::fs::read_to_string(&stdout_file).unwrap(), plain.stdout);
}
