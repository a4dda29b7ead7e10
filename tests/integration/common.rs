//! Helpers shared by the integration tests: trees on disk, running the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The result of one run of the binary.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `regraft ARGS` in `dir`, with a clean environment (see [`regraft_env`]).
pub(crate) fn regraft(dir: &Path, args: &[&str]) -> Run {
    regraft_env(dir, args, &[])
}

/// Every file under `dir` (hidden ones included, but not regraft's own `.regraft/` journal),
/// by `/`-separated relative path, with its bytes.
pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn visit(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name() == ".regraft" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                visit(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap();
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        visit(dir, dir, &mut out);
    }
    out
}

/// Writes `files` (path, text) under `dir`.
pub(crate) fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Copies the directory `from` to `to` (which must not exist).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A readable account of how two trees differ: missing and extra files, and a unified diff of
/// each file whose bytes differ. Empty when they are equal.
pub(crate) fn tree_diff(
    expected: &BTreeMap<String, Vec<u8>>,
    actual: &BTreeMap<String, Vec<u8>>,
) -> String {
    let mut report = String::new();
    for path in expected.keys().filter(|p| !actual.contains_key(*p)) {
        report.push_str(&format!("missing: {path}\n"));
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        report.push_str(&format!("unexpected: {path}\n"));
    }
    for (path, want) in expected {
        let Some(got) = actual.get(path) else {
            continue;
        };
        if want != got {
            let (want, got) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
            let diff = similar::TextDiff::from_lines(want.as_ref(), got.as_ref());
            report.push_str(&format!(
                "{}",
                diff.unified_diff()
                    .header(&format!("expected/{path}"), &format!("actual/{path}"))
            ));
            if want == got {
                report.push_str(&format!(
                    "{path}: same text, different bytes (line endings?)\n"
                ));
            }
        }
    }
    report
}

/// Runs git in `dir` with an empty environment (but `PATH`) and a fixed identity, so that the
/// machine's git configuration never matters. Panics when git fails.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=Regraft Test",
            "-c",
            "user.email=test@regraft.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Makes `dir` a git repository with everything in it committed.
pub(crate) fn git_init_commit(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "before the move"]);
}

/// Runs `regraft ARGS` in `dir` with an empty environment but `PATH`, a git identity (for
/// `--commit`) and `extra` variables.
pub(crate) fn regraft_env(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_regraft"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Regraft Test")
        .env("GIT_AUTHOR_EMAIL", "test@regraft.invalid")
        .env("GIT_COMMITTER_NAME", "Regraft Test")
        .env("GIT_COMMITTER_EMAIL", "test@regraft.invalid")
        .envs(extra.iter().copied())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the regraft binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Everything `undo` must restore: each file's bytes and mode (outside `.git` and `.regraft`),
/// the git index entries and HEAD.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) files: BTreeMap<String, (Vec<u8>, u32)>,
    pub(crate) dirs: Vec<String>,
    pub(crate) index: String,
    pub(crate) head: String,
}

pub(crate) fn snapshot(dir: &Path) -> Snapshot {
    use std::os::unix::fs::PermissionsExt;
    fn visit(
        base: &Path,
        dir: &Path,
        files: &mut BTreeMap<String, (Vec<u8>, u32)>,
        dirs: &mut Vec<String>,
    ) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name == ".git" || name == ".regraft" {
                continue;
            }
            let path = entry.path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                dirs.push(rel);
                visit(base, &path, files, dirs);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                files.insert(
                    rel,
                    (target.to_string_lossy().as_bytes().to_vec(), 0o120_000),
                );
            } else {
                files.insert(
                    rel,
                    (std::fs::read(&path).unwrap(), meta.permissions().mode()),
                );
            }
        }
    }
    let (mut files, mut dirs) = (BTreeMap::new(), Vec::new());
    visit(dir, dir, &mut files, &mut dirs);
    dirs.sort();
    let is_git = dir.join(".git").exists();
    Snapshot {
        files,
        dirs,
        index: if is_git {
            git(dir, &["ls-files", "--stage"])
        } else {
            String::new()
        },
        head: if is_git {
            git(dir, &["rev-parse", "HEAD"])
        } else {
            String::new()
        },
    }
}

/// Kills the run of `regraft ARGS` after each of its durable steps in turn (as a power cut
/// would), on a fresh tree made by `setup` each time, and checks that `regraft undo` brings
/// back every byte, mode, index entry and HEAD. The last, uninterrupted run must exit with
/// `finished_code`. Returns how many crashes were tried.
pub(crate) fn crash_at_every_step(
    setup: impl Fn(&Path),
    args: &[&str],
    finished_code: i32,
) -> usize {
    for (crashes, step) in (1..).enumerate() {
        assert!(step < 1000, "the run never finished");
        let tmp = tempfile::tempdir().unwrap();
        setup(tmp.path());
        let before = snapshot(tmp.path());
        let step_text = step.to_string();
        let run = regraft_env(tmp.path(), args, &[("REGRAFT_FAILPOINT", &step_text)]);
        let finished = run.code != -1;
        assert!(
            !finished || run.code == finished_code,
            "step {step}: exit {} {}",
            run.code,
            run.stderr
        );
        let undo = regraft_env(tmp.path(), &["undo"], &[]);
        let nothing_yet = undo.code == 2 && undo.stderr.contains("nothing to undo");
        assert!(
            undo.code == 0 || nothing_yet,
            "step {step}: undo failed: {}{}",
            undo.stdout,
            undo.stderr
        );
        assert_eq!(
            snapshot(tmp.path()),
            before,
            "step {step}: undo did not restore the tree"
        );
        if finished {
            return crashes;
        }
    }
    unreachable!()
}
