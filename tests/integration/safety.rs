//! Issue #4: git history kept, an exact undo, crash safety, and bad input refused cleanly.

use std::path::Path;

use crate::common::{
    copy_dir, crash_at_every_step, git, git_init_commit, read_tree, regraft, regraft_env, snapshot,
    write_tree,
};

const SRC: &str = "backtester_v2/market_regime";
const DST: &str = "backtester_v2/strategies/market_regime";

fn demo_in(dir: &Path) {
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/input"),
        dir,
    );
}

/// The demo tree, with its rewritten `scripts/run_backtest.py` executable (mode 755), so that
/// the tests see modes kept by rewrites and restored by undo.
fn demo_with_a_script_in(dir: &Path) {
    demo_in(dir);
    std::fs::set_permissions(
        dir.join("scripts/run_backtest.py"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
}

/// The demo tree with its script executable, committed in a new git repository.
fn demo_in_git(dir: &Path) {
    demo_with_a_script_in(dir);
    git_init_commit(dir);
}

#[test]
fn moves_are_recorded_as_git_renames_and_undo_restores_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    demo_with_a_script_in(tmp.path());
    git_init_commit(tmp.path());
    let before = snapshot(tmp.path());

    let run = regraft_env(tmp.path(), &["apply", SRC, DST], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("git: 13 moves recorded as renames in the index"),
        "{}",
        run.stdout
    );
    let status = git(tmp.path(), &["status", "--porcelain"]);
    assert!(
        status.contains("R  backtester_v2/market_regime/config.py -> backtester_v2/strategies/market_regime/config.py\n"),
        "{status}"
    );
    // A moved and rewritten file: the rename is staged, the rewrite is not (as after `git mv`).
    assert!(
        status.contains("RM backtester_v2/market_regime/detector.py -> backtester_v2/strategies/market_regime/detector.py\n"),
        "{status}"
    );
    assert!(
        !status.contains(".regraft"),
        "the journal shows in git status: {status}"
    );

    // An atomic rewrite keeps the file's mode.
    let script = std::fs::metadata(tmp.path().join("scripts/run_backtest.py")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&script.permissions()) & 0o777,
        0o755
    );

    let undo = regraft_env(tmp.path(), &["undo"], &[]);
    assert_eq!(undo.code, 0, "{}{}", undo.stdout, undo.stderr);
    assert_eq!(snapshot(tmp.path()), before);
    assert_eq!(git(tmp.path(), &["status", "--porcelain"]), "");
}

#[test]
fn commit_keeps_the_history_of_a_heavily_rewritten_file() {
    let tmp = tempfile::tempdir().unwrap();
    // A lazy-loader table: every line names the moved package, so the rewrite changes more
    // than half of the file and git could not pair the old and new paths by similarity.
    let table: String = (0..18)
        .map(|i| format!("from backtester_v2.market_regime.m{i} import f{i}\n"))
        .collect();
    let mut files = vec![
        ("backtester_v2/__init__.py".to_owned(), String::new()),
        (
            "backtester_v2/strategies/__init__.py".to_owned(),
            String::new(),
        ),
        (
            "backtester_v2/market_regime/__init__.py".to_owned(),
            String::new(),
        ),
        ("backtester_v2/market_regime/registry.py".to_owned(), table),
    ];
    for i in 0..18 {
        files.push((
            format!("backtester_v2/market_regime/m{i}.py"),
            format!("def f{i}():\n    return {i}\n"),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_tree(tmp.path(), &files);
    git_init_commit(tmp.path());
    let first = git(tmp.path(), &["rev-parse", "HEAD"]);

    let run = regraft_env(tmp.path(), &["apply", "--commit", SRC, DST], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("git: 2 commits made"), "{}", run.stdout);
    let subjects = git(tmp.path(), &["log", "--format=%s"]);
    assert_eq!(
        subjects,
        format!(
            "Rewrite imports for {SRC} -> {DST} (regraft)\nMove {SRC} -> {DST} (regraft: renames only)\nbefore the move\n"
        )
    );
    let followed = git(
        tmp.path(),
        &[
            "log",
            "--follow",
            "--format=%H",
            "--",
            &format!("{DST}/registry.py"),
        ],
    );
    assert!(
        followed.contains(first.trim()),
        "git log --follow lost the history: {followed}"
    );
    assert_eq!(git(tmp.path(), &["status", "--porcelain"]), "");

    // Undo takes the commits back too, but not over somebody's later commit.
    write_tree(tmp.path(), &[("NOTES.md", "later work\n")]);
    git(tmp.path(), &["add", "NOTES.md"]);
    git(tmp.path(), &["commit", "-q", "-m", "later work"]);
    let refused = regraft_env(tmp.path(), &["undo"], &[]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("HEAD (commits made after the run)"),
        "{}",
        refused.stderr
    );
    git(tmp.path(), &["reset", "-q", "--hard", "HEAD~1"]);
    let undo = regraft_env(tmp.path(), &["undo"], &[]);
    assert_eq!(undo.code, 0, "{}{}", undo.stdout, undo.stderr);
    assert_eq!(git(tmp.path(), &["rev-parse", "HEAD"]), first);
    assert_eq!(git(tmp.path(), &["status", "--porcelain"]), "");
}

#[test]
fn uncommitted_changes_in_touched_files_stop_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    git_init_commit(tmp.path());
    let engine = tmp.path().join("backtester_v2/engine.py");
    let edited = format!(
        "{}# work in progress\n",
        std::fs::read_to_string(&engine).unwrap()
    );
    std::fs::write(&engine, &edited).unwrap();
    write_tree(
        tmp.path(),
        &[("backtester_v2/market_regime/scratch.py", "x = 1\n")],
    );
    let before = snapshot(tmp.path());

    let run = regraft_env(tmp.path(), &["apply", SRC, DST], &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "uncommitted changes in files this run would touch (commit or stash them, or pass --allow-dirty):\n  backtester_v2/engine.py\n  backtester_v2/market_regime/scratch.py\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(tmp.path()), before);

    let run = regraft_env(tmp.path(), &["apply", "--allow-dirty", SRC, DST], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let engine_now = std::fs::read_to_string(&engine).unwrap();
    assert!(
        engine_now.ends_with("# work in progress\n")
            && engine_now.contains("strategies.market_regime")
    );
    assert_eq!(regraft_env(tmp.path(), &["undo"], &[]).code, 0);
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn undo_stops_when_a_file_changed_after_the_run_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    let before = snapshot(tmp.path());
    assert_eq!(regraft(tmp.path(), &["apply", SRC, DST]).code, 0);
    let moved = tmp.path().join(DST).join("indicators.py");
    std::fs::write(&moved, "# edited after the move\n").unwrap();
    let after_edit = snapshot(tmp.path());

    let run = regraft(tmp.path(), &["undo"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("files changed after the run; undo would lose those changes (pass --force to undo anyway):\n  {DST}/indicators.py\n")),
        "{}",
        run.stderr
    );
    assert_eq!(
        snapshot(tmp.path()),
        after_edit,
        "a refused undo changed the tree"
    );

    let run = regraft(tmp.path(), &["undo", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(snapshot(tmp.path()), before);
    let again = regraft(tmp.path(), &["undo"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("nothing to undo"), "{}", again.stderr);
}

#[test]
fn undo_replays_runs_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    let original = snapshot(tmp.path());
    assert_eq!(regraft(tmp.path(), &["apply", SRC, DST]).code, 0);
    let after_first = snapshot(tmp.path());
    assert_eq!(
        regraft(
            tmp.path(),
            &["apply", "backtester_v2/strategies", "backtester_v2/trading"]
        )
        .code,
        0
    );
    assert_eq!(regraft(tmp.path(), &["undo"]).code, 0);
    assert_eq!(snapshot(tmp.path()), after_first);
    assert_eq!(regraft(tmp.path(), &["undo"]).code, 0);
    assert_eq!(snapshot(tmp.path()), original);
}

#[test]
fn a_second_apply_changes_and_journals_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    assert_eq!(regraft(tmp.path(), &["apply", SRC, DST]).code, 0);
    let runs = || {
        std::fs::read_dir(tmp.path().join(".regraft/runs"))
            .unwrap()
            .count()
    };
    assert_eq!(runs(), 1);
    let again = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(again.code, 0);
    assert_eq!(
        again.stdout,
        "nothing to do: the tree is already as planned\n"
    );
    assert_eq!(runs(), 1);
}

#[test]
fn undo_restores_the_tree_after_a_crash_at_any_step() {
    let crashes = crash_at_every_step(demo_in_git, &["apply", SRC, DST], 0);
    // The demo run has dozens of durable steps (journal copies, moves, writes, directories,
    // the git index): make sure the loop really went through them.
    assert!(crashes > 40, "only {crashes} failpoints");
    eprintln!("crash safety: {crashes} failpoints exercised without --commit");
}

#[test]
fn undo_restores_the_tree_after_a_crash_at_any_step_with_commit() {
    let crashes = crash_at_every_step(demo_in_git, &["apply", SRC, DST, "--commit"], 0);
    assert!(crashes > 40, "only {crashes} failpoints");
    eprintln!("crash safety: {crashes} failpoints exercised with --commit");
}

#[test]
fn a_live_lock_refuses_a_second_run() {
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    write_tree(tmp.path(), &[(".regraft/lock", "1")]);
    let before = read_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("another regraft run (pid 1) is working on this tree"),
        "{}",
        run.stderr
    );
    assert_eq!(read_tree(tmp.path()), before);
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 2);
}

#[test]
fn a_read_only_file_to_rewrite_stops_the_run_before_any_change() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    let engine = tmp.path().join("backtester_v2/engine.py");
    std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(tmp.path());
    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "file `backtester_v2/engine.py`: is read-only; make it writable, or exclude it"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn symlinks_are_moved_as_links_and_never_followed_out_of_the_root() {
    let outside = tempfile::tempdir().unwrap();
    write_tree(
        outside.path(),
        &[("secret.py", "from backtester_v2.market_regime import x\n")],
    );
    let tmp = tempfile::tempdir().unwrap();
    demo_in(tmp.path());
    std::os::unix::fs::symlink(
        outside.path().join("secret.py"),
        tmp.path().join(SRC).join("linked.py"),
    )
    .unwrap();
    let before = snapshot(tmp.path());
    let run = regraft(tmp.path(), &["apply", SRC, DST]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "{DST}/linked.py:1:1: symbolic link: moved as a link, its target not rewritten"
        )),
        "{}",
        run.stdout
    );
    let moved = tmp.path().join(DST).join("linked.py");
    assert_eq!(
        std::fs::read_link(&moved).unwrap(),
        outside.path().join("secret.py")
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.py")).unwrap(),
        "from backtester_v2.market_regime import x\n"
    );
    assert_eq!(regraft(tmp.path(), &["undo"]).code, 0);
    assert_eq!(snapshot(tmp.path()), before);

    // A SRC or DST whose path leads out of the root through a link is refused.
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("elsewhere")).unwrap();
    write_tree(outside.path(), &[("pkg/__init__.py", "")]);
    let run = regraft(tmp.path(), &["apply", "elsewhere/pkg", "backtester_v2/pkg"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("SRC `elsewhere/pkg`: leads out of the root through a symbolic link"),
        "{}",
        run.stderr
    );
    let run = regraft(tmp.path(), &["apply", SRC, "elsewhere/market_regime"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "DST `elsewhere/market_regime`: leads out of the root through a symbolic link"
        ),
        "{}",
        run.stderr
    );
    std::os::unix::fs::symlink(tmp.path().join(SRC), tmp.path().join("backtester_v2/alias"))
        .unwrap();
    let run = regraft(
        tmp.path(),
        &["apply", "backtester_v2/alias", "backtester_v2/other"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("SRC `backtester_v2/alias`: is a symbolic link"),
        "{}",
        run.stderr
    );
}

mod roundtrip {
    //! Property: on any small tree, `apply` then `undo` restores every byte, mode and index entry.
    use proptest::prelude::*;

    use crate::common::{git_init_commit, regraft, snapshot, write_tree};

    /// One generated Python file outside or inside the package that moves.
    fn file() -> impl Strategy<Value = (String, String, bool)> {
        let dir = prop::sample::select(vec![
            "app",
            "app/core",
            "pkg/moved",
            "pkg/moved/sub",
            "tests",
        ]);
        let import = prop::sample::select(vec![
            "import pkg.moved.a\n",
            "from pkg.moved import a\n",
            "from pkg import moved, other\n",
            "from . import a\n",
            "from ..moved.sub import b as c\n",
            "import os\n",
            "x = pkg.moved.a.f()\n",
        ]);
        let newline = prop::sample::select(vec!["\n", "\r\n"]);
        (
            dir,
            0..4u8,
            prop::collection::vec(import, 0..4),
            newline,
            any::<bool>(),
        )
            .prop_map(|(dir, n, lines, newline, executable)| {
                let text: String = lines.concat().replace('\n', newline);
                (format!("{dir}/m{n}.py"), text, executable)
            })
    }

    proptest! {
        // 24 cases by default (each runs git and the binary); PROPTEST_CASES=N for more.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(24)
        ))]
        #[test]
        fn apply_then_undo_restores_everything(files in prop::collection::vec(file(), 1..8), in_git in any::<bool>()) {
            use std::os::unix::fs::PermissionsExt;
            let tmp = tempfile::tempdir().unwrap();
            let mut tree: Vec<(String, String)> = vec![
                ("pkg/__init__.py".into(), String::new()),
                ("pkg/moved/__init__.py".into(), "from . import a\n".into()),
                ("pkg/moved/a.py".into(), "def f():\n    return 1\n".into()),
            ];
            tree.extend(files.iter().map(|(p, t, _)| (p.clone(), t.clone())));
            let pairs: Vec<(&str, &str)> = tree.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            write_tree(tmp.path(), &pairs);
            for (path, _, executable) in &files {
                if *executable {
                    std::fs::set_permissions(tmp.path().join(path), std::fs::Permissions::from_mode(0o755)).unwrap();
                }
            }
            if in_git {
                git_init_commit(tmp.path());
            }
            let before = snapshot(tmp.path());
            let run = regraft(tmp.path(), &["apply", "pkg/moved", "lib/moved"]);
            prop_assert!(run.code == 0 || run.code == 1, "{}{}", run.stdout, run.stderr);
            let undo = regraft(tmp.path(), &["undo"]);
            prop_assert_eq!(undo.code, 0, "{}{}", undo.stdout, undo.stderr);
            prop_assert_eq!(snapshot(tmp.path()), before);
        }
    }
}

mod all_or_nothing {
    //! Issue: an interrupted or failed `apply` must leave the tree as it was (rolled back) or
    //! block every command but `undo`, and `main` must say truthfully which it is.
    use std::path::Path;
    use std::process::Command;

    use crate::common::{
        Snapshot, git, git_init_commit, read_tree, regraft, regraft_env, snapshot, write_tree,
    };

    const OLD: &str = "pkg/old";
    const NEW: &str = "lib/new";
    const ROLLED_BACK: &str = "the run was rolled back; the tree is as it was before it";

    /// A package of 20 modules and 300 files that import it (each in two ways), so that an
    /// apply has hundreds of durable steps and takes a while.
    fn large_tree(dir: &Path) {
        let mut files = vec![
            ("pkg/__init__.py".to_owned(), String::new()),
            (
                "pkg/old/__init__.py".to_owned(),
                "from . import m0\n".to_owned(),
            ),
            ("app/__init__.py".to_owned(), String::new()),
        ];
        for m in 0..20 {
            files.push((
                format!("pkg/old/m{m}.py"),
                format!("def f{m}():\n    return {m}\n"),
            ));
        }
        for i in 0..300 {
            let m = i % 20;
            files.push((
                format!("app/f{i:03}.py"),
                format!(
                    "import pkg.old.m{m}\nfrom pkg.old.m{m} import f{m}\n\nVALUE = f{m}() + {i}\n"
                ),
            ));
        }
        let pairs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        write_tree(dir, &pairs);
    }

    fn large_tree_in_git(dir: &Path) {
        large_tree(dir);
        git_init_commit(dir);
    }

    /// Everything that must come back: bytes, modes, directories, index, HEAD, and what
    /// `git status` says (nothing staged or changed that was not before).
    fn state(dir: &Path) -> (Snapshot, String) {
        let status = if dir.join(".git").exists() {
            git(dir, &["status", "--porcelain"])
        } else {
            String::new()
        };
        (snapshot(dir), status)
    }

    fn assert_no_temp_files(dir: &Path) {
        let temps: Vec<String> = read_tree(dir)
            .into_keys()
            .filter(|p| p.ends_with(".regraft-tmp"))
            .collect();
        assert!(temps.is_empty(), "temporary files left: {temps:?}");
    }

    /// How many durable steps a full `apply ARGS` makes: the smallest N for which
    /// `REGRAFT_INTERRUPT_AT=N` no longer stops the run (the last step marks it complete).
    /// Each probe that stops must leave the tree as it was.
    fn count_steps(dir: &Path, args: &[&str]) -> usize {
        let before = state(dir);
        let (mut low, mut high) = (1, 4096);
        while low < high {
            let mid = usize::midpoint(low, high);
            let run = regraft_env(dir, args, &[("REGRAFT_INTERRUPT_AT", &mid.to_string())]);
            if run.code == 0 {
                high = mid;
                assert_eq!(regraft(dir, &["undo"]).code, 0);
            } else {
                assert_eq!(run.code, 2, "step {mid}: {}", run.stderr);
                low = mid + 1;
            }
            assert_eq!(state(dir), before, "step {mid}: the tree was not restored");
        }
        low
    }

    /// Interrupts `apply ARGS` after each of `steps` and checks the rollback each time.
    fn interrupt_at(dir: &Path, args: &[&str], steps: &[usize]) {
        let before = state(dir);
        for step in steps {
            let run = regraft_env(dir, args, &[("REGRAFT_INTERRUPT_AT", &step.to_string())]);
            assert_eq!(run.code, 2, "step {step}: {}{}", run.stdout, run.stderr);
            assert_eq!(
                run.stderr,
                format!("regraft: interrupted: {ROLLED_BACK}\n"),
                "step {step}"
            );
            assert_eq!(state(dir), before, "step {step}: the tree was not restored");
            assert_no_temp_files(dir);
            assert!(
                !dir.join(".regraft/lock").exists(),
                "step {step}: lock left"
            );
            // Nothing is left for the guard or for undo.
            let plan = regraft(dir, &["plan", OLD, NEW]);
            assert_eq!(plan.code, 0, "step {step}: {}", plan.stderr);
            let undo = regraft(dir, &["undo"]);
            assert!(
                undo.stderr.contains("nothing to undo"),
                "step {step}: {}",
                undo.stderr
            );
        }
    }

    fn apply_then_apply_again(dir: &Path, args: &[&str]) {
        let run = regraft(dir, args);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        let again = regraft(dir, args);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert_eq!(
            again.stdout,
            "nothing to do: the tree is already as planned\n"
        );
    }

    #[test]
    fn an_interrupted_large_apply_in_git_with_commit_is_rolled_back_at_every_kind_of_step() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree_in_git(tmp.path());
        let args = ["apply", "--commit", OLD, NEW];
        let total = count_steps(tmp.path(), &args);
        // journal (2) + 320 moves and rewrites (at least one step each) + index + 2 commits
        // + the completion marker.
        assert!(total > 320, "only {total} steps");
        // The last steps, in order: the index update, the first commit, the second commit,
        // the completion marker (after which an interrupt no longer matters).
        let steps = [
            1,             // the journal's copies, before the journal itself
            2,             // the journal: nothing changed yet
            3,             // the first move
            total / 2,     // moves and rewrites, on all cores
            total * 3 / 4, // rewrites
            total - 4,     // the last file operation
            total - 3,     // after the git index update
            total - 2,     // between the two --commit commits
            total - 1,     // after both commits, before the marker
        ];
        interrupt_at(tmp.path(), &args, &steps);
        apply_then_apply_again(tmp.path(), &args);
        assert_eq!(git(tmp.path(), &["status", "--porcelain"]), "");
    }

    #[test]
    fn an_interrupted_large_apply_outside_git_is_rolled_back() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree(tmp.path());
        let args = ["apply", OLD, NEW];
        interrupt_at(tmp.path(), &args, &[2, 5, 100, 400, 600]);
        apply_then_apply_again(tmp.path(), &args);
    }

    #[test]
    fn an_interrupt_before_the_moves_keeps_the_package_a_shim_would_replace() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree_in_git(tmp.path());
        let args = ["apply", "--shim", OLD, NEW];
        interrupt_at(tmp.path(), &args, &[2, 3]);
        apply_then_apply_again(tmp.path(), &args);
    }

    #[test]
    fn a_real_sigint_leaves_the_tree_applied_and_complete_or_as_it_was() {
        let bin = env!("CARGO_BIN_EXE_regraft");
        for delay_ms in [0, 30, 80, 150, 300, 600, 1200] {
            let tmp = tempfile::tempdir().unwrap();
            large_tree_in_git(tmp.path());
            let before = state(tmp.path());
            let child = Command::new(bin)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .args(["apply", OLD, NEW])
                .current_dir(tmp.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                // Finished before the signal came: applied, complete, nothing blocks.
                Some(0) => {
                    eprintln!("SIGINT after {delay_ms} ms: the run had finished");
                    let runs = tmp.path().join(".regraft/runs");
                    let run = std::fs::read_dir(runs).unwrap().next().unwrap().unwrap();
                    assert!(run.path().join("complete").exists(), "{delay_ms} ms");
                    assert_eq!(
                        regraft(tmp.path(), &["apply", OLD, NEW]).stdout,
                        "nothing to do: the tree is already as planned\n",
                        "{delay_ms} ms"
                    );
                    assert_eq!(regraft(tmp.path(), &["undo"]).code, 0);
                    assert_eq!(state(tmp.path()), before, "{delay_ms} ms");
                }
                // Stopped (or killed while still planning, before its handlers were in
                // place): the tree is as it was.
                code => {
                    eprintln!("SIGINT after {delay_ms} ms: exit {code:?}, {stderr}");
                    assert!(
                        code.is_none() || stderr.contains("interrupted:"),
                        "{delay_ms} ms: exit {code:?}: {stderr}"
                    );
                    assert_eq!(state(tmp.path()), before, "{delay_ms} ms: {stderr}");
                    assert_no_temp_files(tmp.path());
                    let plan = regraft(tmp.path(), &["plan", OLD, NEW]);
                    assert_eq!(plan.code, 0, "{delay_ms} ms: {}", plan.stderr);
                }
            }
        }
    }

    #[test]
    fn after_a_crash_only_undo_runs_and_one_undo_restores_the_tree() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree_in_git(tmp.path());
        let before = state(tmp.path());
        let crash = regraft_env(
            tmp.path(),
            &["apply", OLD, NEW],
            &[("REGRAFT_FAILPOINT", "150")],
        );
        assert_eq!(
            crash.code, -1,
            "the failpoint did not abort: {}",
            crash.stderr
        );
        let crashed = state(tmp.path());
        assert_ne!(crashed, before);
        for args in [
            &["apply", OLD, NEW][..],
            &["apply", "--dry-run", OLD, NEW],
            &["plan", OLD, NEW],
            &["check"],
        ] {
            let run = regraft(tmp.path(), args);
            assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
            assert!(
                run.stderr.starts_with("regraft: error: an earlier run was interrupted before it finished: ")
                    && run.stderr.contains(&format!("(`regraft apply {OLD} {NEW}`)\n"))
                    && run.stderr.contains(
                        "help: run `regraft undo` to restore the tree as it was before that run; nothing else runs until then\n"
                    ),
                "{args:?}: {}",
                run.stderr
            );
            assert_eq!(state(tmp.path()), crashed, "{args:?} changed the tree");
        }
        let undo = regraft(tmp.path(), &["undo"]);
        assert_eq!(undo.code, 0, "{}", undo.stderr);
        assert_eq!(state(tmp.path()), before);
        assert_no_temp_files(tmp.path());
        apply_then_apply_again(tmp.path(), &["apply", OLD, NEW]);
    }

    #[test]
    fn a_cut_off_undo_blocks_other_commands_until_undo_finishes_it() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree(tmp.path());
        let before = state(tmp.path());
        assert_eq!(regraft(tmp.path(), &["apply", OLD, NEW]).code, 0);
        let run_dir = std::fs::read_dir(tmp.path().join(".regraft/runs"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        // As an undo killed after its first step would leave it.
        std::fs::write(run_dir.join("undoing"), "").unwrap();
        let plan = regraft(tmp.path(), &["plan", OLD, NEW]);
        assert_eq!(plan.code, 2);
        assert!(
            plan.stderr
                .contains("the undo of an earlier run was interrupted before it finished: "),
            "{}",
            plan.stderr
        );
        assert_eq!(regraft(tmp.path(), &["undo"]).code, 0);
        assert_eq!(state(tmp.path()), before);
    }

    #[test]
    fn a_stale_lock_blocks_plan_apply_and_check_and_undo_clears_it() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree(tmp.path());
        // No process has a PID this large on Linux (pid_max is at most 2^22).
        write_tree(tmp.path(), &[(".regraft/lock", "4294967295")]);
        let before = state(tmp.path());
        for args in [&["apply", OLD, NEW][..], &["plan", OLD, NEW], &["check"]] {
            let run = regraft(tmp.path(), args);
            assert_eq!(run.code, 2, "{args:?}");
            assert!(
                run.stderr.contains(
                    "an earlier run was interrupted before it finished: process 4294967295 left"
                ) && run.stderr.contains("help: run `regraft undo`"),
                "{args:?}: {}",
                run.stderr
            );
            assert_eq!(state(tmp.path()), before);
        }
        let undo = regraft(tmp.path(), &["undo"]);
        assert_eq!(undo.code, 0, "{}", undo.stderr);
        assert_eq!(
            undo.stdout,
            "cleared the lock left by process 4294967295: the interrupted run had not changed anything yet\n"
        );
        assert!(!tmp.path().join(".regraft/lock").exists());
        assert_eq!(state(tmp.path()), before);
        apply_then_apply_again(tmp.path(), &["apply", OLD, NEW]);
    }

    #[test]
    fn a_failing_git_commit_rolls_the_run_back_and_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree_in_git(tmp.path());
        // No identity anywhere git looks: commits fail.
        git(tmp.path(), &["config", "user.useConfigOnly", "true"]);
        let home = tempfile::tempdir().unwrap();
        let before = state(tmp.path());
        let out = Command::new(env!("CARGO_BIN_EXE_regraft"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .args(["apply", "--commit", OLD, NEW])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with("regraft: error: git commit failed (the repository's hooks ran"),
            "{stderr}"
        );
        assert!(
            stderr.ends_with(&format!("regraft: {ROLLED_BACK}\n")),
            "{stderr}"
        );
        assert!(!stderr.contains("nothing was changed"), "{stderr}");
        assert_eq!(state(tmp.path()), before);
        assert_no_temp_files(tmp.path());
        // With an identity, the same run goes through.
        apply_then_apply_again(tmp.path(), &["apply", "--commit", OLD, NEW]);
    }

    #[test]
    fn an_io_error_after_the_first_write_rolls_the_run_back_and_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree_in_git(tmp.path());
        let before = state(tmp.path());
        for step in ["3", "200"] {
            let run = regraft_env(
                tmp.path(),
                &["apply", OLD, NEW],
                &[("REGRAFT_FAIL_IO_AT", step)],
            );
            assert_eq!(run.code, 2, "{}", run.stderr);
            assert!(
                run.stderr.starts_with("regraft: error: ")
                    && run
                        .stderr
                        .contains(": injected I/O error (REGRAFT_FAIL_IO_AT)\n")
                    && run.stderr.ends_with(&format!("regraft: {ROLLED_BACK}\n"))
                    && !run.stderr.contains("nothing was changed"),
                "{}",
                run.stderr
            );
            assert_eq!(state(tmp.path()), before, "step {step}");
            assert_no_temp_files(tmp.path());
        }
        apply_then_apply_again(tmp.path(), &["apply", OLD, NEW]);
    }

    #[test]
    fn an_error_before_the_first_change_says_nothing_was_changed() {
        let tmp = tempfile::tempdir().unwrap();
        large_tree(tmp.path());
        let run = regraft(tmp.path(), &["apply", "pkg/missing", NEW]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.ends_with("regraft: nothing was changed\n"),
            "{}",
            run.stderr
        );
    }
}
