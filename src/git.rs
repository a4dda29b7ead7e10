//! The git work tree around the root, when there is one: what is dirty, what is tracked, and
//! recording moves as renames in the index (what `git mv` does).
//!
//! Everything here runs the `git` command. Paths going in and out are root-relative; git's
//! repository-relative paths are translated with the root's prefix inside the work tree.
//! Without a `git` binary or outside a work tree, [`Git::detect`] returns `None` and regraft
//! moves plain files.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// A git work tree that contains the root.
#[derive(Debug, Clone)]
pub struct Git {
    root: PathBuf,
    /// The root's path inside the work tree, `""` or ending in `/`.
    prefix: String,
    /// The index file.
    index: PathBuf,
}

/// One index entry: mode and blob id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The file mode, e.g. `100644`.
    pub mode: String,
    /// The blob id.
    pub blob: String,
}

impl Git {
    /// The work tree around `root`, if `root` is inside one and git runs.
    pub fn detect(root: &Path) -> Option<Self> {
        let out = git_output(
            root,
            &[
                "rev-parse",
                "--is-inside-work-tree",
                "--show-prefix",
                "--git-path",
                "index",
            ],
        )
        .ok()?;
        let mut lines = out.lines();
        if lines.next()? != "true" {
            return None;
        }
        let prefix = lines.next()?.to_owned();
        let index = root.join(lines.next()?);
        Some(Self {
            root: root.to_owned(),
            prefix,
            index,
        })
    }

    /// The root's path inside the work tree: `""` at the top, else ending in `/` (`src/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The index file (backed up by the journal before a run changes it).
    pub fn index_path(&self) -> &Path {
        &self.index
    }

    fn to_root_relative<'a>(&self, repo_path: &'a str) -> Option<&'a str> {
        repo_path.strip_prefix(&self.prefix)
    }

    /// The files among `paths` with changes not yet committed (modified, staged, or untracked).
    ///
    /// # Errors
    /// When git fails.
    pub fn dirty(&self, paths: &HashSet<&str>) -> Result<Vec<String>> {
        let out = git_output(
            &self.root,
            &[
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--no-renames",
                ".",
            ],
        )?;
        let mut dirty: Vec<String> = out
            .split('\0')
            .filter(|entry| entry.len() > 3)
            .filter_map(|entry| self.to_root_relative(&entry[3..]))
            .filter(|path| paths.contains(path))
            .map(str::to_owned)
            .collect();
        dirty.sort();
        dirty.dedup();
        Ok(dirty)
    }

    /// The index entries of the tracked files under the root, by root-relative path.
    ///
    /// # Errors
    /// When git fails.
    pub fn tracked(&self) -> Result<HashMap<String, IndexEntry>> {
        let out = git_output(
            &self.root,
            &["ls-files", "--stage", "-z", "--full-name", "."],
        )?;
        let mut entries = HashMap::new();
        for record in out.split('\0').filter(|r| !r.is_empty()) {
            // "<mode> <blob> <stage>\t<path>"
            let Some((meta, path)) = record.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split(' ');
            let (Some(mode), Some(blob)) = (fields.next(), fields.next()) else {
                continue;
            };
            if let Some(path) = self.to_root_relative(path) {
                entries.insert(
                    path.to_owned(),
                    IndexEntry {
                        mode: mode.to_owned(),
                        blob: blob.to_owned(),
                    },
                );
            }
        }
        Ok(entries)
    }

    /// Records each `(from, to, entry)` as a rename in the index: `to` gets `from`'s staged blob
    /// and `from` leaves the index, as `git mv` does. Rewrites made after the move stay unstaged.
    /// Each of `removals` leaves the index (as `git rm` does).
    ///
    /// # Errors
    /// When git fails.
    pub fn record_renames(
        &self,
        renames: &[(String, String, IndexEntry)],
        removals: &[String],
    ) -> Result<()> {
        let mut input = String::new();
        for path in removals {
            let _ = writeln!(input, "0 {}\t{}{path}", "0".repeat(40), self.prefix);
        }
        for (from, to, entry) in renames {
            let _ = writeln!(input, "0 {}\t{}{from}", "0".repeat(40), self.prefix);
            let _ = writeln!(input, "{} {}\t{}{to}", entry.mode, entry.blob, self.prefix);
        }
        git_with_input(&self.root, &["update-index", "--index-info"], &input).map(|_| ())
    }

    /// Stages `paths` and commits what is staged with `message`; returns the new commit id.
    /// The user's hooks (`pre-commit`, `commit-msg`, …) run unless `verify` is false.
    ///
    /// # Errors
    /// When git fails (no identity configured, a hook refuses, …): the message carries what
    /// git and the hook printed.
    pub fn commit(&self, paths: &[String], message: &str, verify: bool) -> Result<String> {
        if !paths.is_empty() {
            let mut args = vec!["add".to_owned(), "--".to_owned()];
            args.extend(paths.iter().cloned());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            git_output(&self.root, &args)?;
        }
        let mut args = vec!["commit", "--quiet", "-m", message];
        if !verify {
            args.push("--no-verify");
        }
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::io("git", e))?;
        if !out.status.success() {
            // Hooks print to stdout or stderr: say both, as git showed them.
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let hooks = if verify {
                " (the repository's hooks ran; `--no-verify` skips them)"
            } else {
                ""
            };
            return Err(Error::Git(format!(
                "git commit failed{hooks}:\n  {}",
                said.trim().replace('\n', "\n  ")
            )));
        }
        Ok(git_output(&self.root, &["rev-parse", "HEAD"])?
            .trim()
            .to_owned())
    }

    /// True when git knows root-relative `path` (a file, or a directory of files): it is in
    /// the index, or in HEAD's tree. A path that is missing from the work tree but known to git
    /// was deleted (staged or not), as pre-commit may name it.
    pub fn knows(&self, path: &str) -> bool {
        let literal = format!(":(literal){path}");
        let listed = |args: &[&str]| git_output(&self.root, args).is_ok_and(|out| !out.is_empty());
        listed(&["ls-files", "-z", "--", &literal])
            || listed(&["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", path])
    }

    /// The commit HEAD points at, if any.
    pub fn head(&self) -> Option<String> {
        git_output(&self.root, &["rev-parse", "--verify", "--quiet", "HEAD"])
            .ok()
            .map(|s| s.trim().to_owned())
    }

    /// True when the index holds staged changes against HEAD.
    ///
    /// # Errors
    /// When git fails.
    pub fn has_staged_changes(&self) -> Result<bool> {
        let status = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(["diff", "--cached", "--quiet"])
            .status()
            .map_err(|e| Error::io("git", e))?;
        Ok(!status.success())
    }

    /// The whole messages of the commits reachable from HEAD but not from `base`, newest
    /// first.
    ///
    /// # Errors
    /// When git fails (for example when `base` no longer exists).
    pub fn messages_since(&self, base: &str) -> Result<Vec<String>> {
        let range = format!("{base}..HEAD");
        let out = git_output(&self.root, &["log", "-z", "--format=%B", &range])?;
        Ok(out
            .split('\0')
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// Every version of root-relative `path` in the history of HEAD, newest first, following
    /// renames: the commit, the path there (root-relative) and the blob.
    ///
    /// The lineage stops at a copy that git detected by similarity (status `C` below 100): the
    /// versions before it belong to the file that was copied, not to this one, and a merge
    /// must not take one of them as a base (an inexact copy is no proof of descent). An exact
    /// copy (`C100`) and renames are followed. The first version kept then carries
    /// [`Version::copied_from`].
    ///
    /// # Errors
    /// When git fails.
    pub fn history(&self, path: &str) -> Result<Vec<Version>> {
        let pathspec = format!(":(top){}{path}", self.prefix);
        let log = match git_output(
            &self.root,
            &[
                "log",
                "--follow",
                "--format=%x01%H %ct",
                "--name-status",
                "HEAD",
                "--",
                &pathspec,
            ],
        ) {
            Ok(log) => log,
            // A repository without commits has no history.
            Err(_) if self.head().is_none() => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut versions = Vec::new();
        for record in log.split('\x01').filter(|r| !r.trim().is_empty()) {
            let mut lines = record.lines().filter(|l| !l.is_empty());
            let Some((commit, time)) = lines.next().and_then(|l| l.split_once(' ')) else {
                continue;
            };
            // "M\tpath", "A\tpath", or "R086\told\tnew" / "C074\told\tnew".
            let Some(change) = lines.next() else {
                continue;
            };
            let mut fields = change.split('\t');
            let status = fields.next().unwrap_or_default();
            let Some(repo_path) = fields.next_back() else {
                continue;
            };
            let inexact_copy = status.starts_with('C') && status != "C100";
            versions.push(Version {
                commit: commit.to_owned(),
                time: time.parse().unwrap_or(0),
                path: repo_path
                    .strip_prefix(&self.prefix)
                    .unwrap_or(repo_path)
                    .to_owned(),
                repo_path: repo_path.to_owned(),
                blob: String::new(),
                copied_from: inexact_copy.then(|| {
                    let from = fields.next().unwrap_or_default();
                    from.strip_prefix(&self.prefix).unwrap_or(from).to_owned()
                }),
            });
            if inexact_copy {
                break;
            }
        }
        if versions.is_empty() {
            return Ok(versions);
        }
        // One `cat-file` for all blob ids; a version whose path was deleted has none.
        let mut input = String::new();
        for v in &versions {
            let _ = writeln!(input, "{}:{}", v.commit, v.repo_path);
        }
        let out = git_with_input(&self.root, &["cat-file", "--batch-check"], &input)?;
        for (version, line) in versions.iter_mut().zip(out.lines()) {
            if let Some(blob) = line
                .strip_suffix(" missing")
                .map(|_| "")
                .or_else(|| line.split(' ').next())
            {
                blob.clone_into(&mut version.blob);
            }
        }
        versions.retain(|v| !v.blob.is_empty());
        Ok(versions)
    }

    /// The contents of a blob.
    ///
    /// # Errors
    /// When git fails or the blob is not UTF-8 text.
    pub fn blob_text(&self, blob: &str) -> Result<String> {
        git_output(&self.root, &["cat-file", "blob", blob])
    }

    /// The Python files that moved between `rev` and the work tree: (old, new) root-relative
    /// paths, as git's rename detection pairs them, plus the files under `moved_dirs` (old,
    /// new directory pairs) that are gone and whose new place exists.
    ///
    /// # Errors
    /// When git fails (`rev` is not a revision, …).
    pub fn moved_since(
        &self,
        rev: &str,
        moved_dirs: &[(String, String)],
    ) -> Result<Vec<(String, String)>> {
        let out = git_output(
            &self.root,
            &[
                "diff",
                "--name-status",
                "-z",
                "-M",
                "--no-ext-diff",
                rev,
                "--",
                ".",
            ],
        )?;
        let mut fields = out.split('\0').filter(|f| !f.is_empty());
        let mut moved = Vec::new();
        while let Some(status) = fields.next() {
            let is_rename = status.starts_with('R');
            let Some(first) = fields.next() else { break };
            let second = if is_rename { fields.next() } else { None };
            let strip = |p: &str| p.strip_prefix(&self.prefix).unwrap_or(p).to_owned();
            match (is_rename, second) {
                (true, Some(new)) => moved.push((strip(first), strip(new))),
                _ if status == "D" => {
                    let old = strip(first);
                    if let Some(new) = moved_dirs.iter().find_map(|(from, to)| {
                        crate::rules::is_within(&old, from)
                            .then(|| format!("{to}{}", &old[from.len()..]))
                    }) && self.root.join(&new).is_file()
                    {
                        moved.push((old, new));
                    }
                }
                _ => {}
            }
        }
        moved.retain(|(old, _)| crate::resolve::is_module_file(old));
        Ok(moved)
    }

    /// The text of root-relative `path` at revision `rev`.
    ///
    /// # Errors
    /// When git fails or the file is not UTF-8 text.
    pub fn show(&self, rev: &str, path: &str) -> Result<String> {
        git_output(&self.root, &["show", &format!("{rev}:./{path}")])
    }

    /// Points HEAD's branch back at `commit` (undo of `--commit`), keeping the work tree.
    ///
    /// # Errors
    /// When git fails.
    pub fn reset_head(&self, commit: &str) -> Result<()> {
        git_output(
            &self.root,
            &["update-ref", "-m", "regraft undo", "HEAD", commit],
        )
        .map(|_| ())
    }
}

/// One version of a file in git history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The commit.
    pub commit: String,
    /// The commit time (seconds since the epoch).
    pub time: i64,
    /// The file's root-relative path in that commit.
    pub path: String,
    /// The file's repository-relative path in that commit.
    pub repo_path: String,
    /// The blob id of the file there.
    pub blob: String,
    /// When this version is where the file began as an inexact copy (git status `C` below
    /// 100) of another: that file's root-relative path. Older versions are not followed.
    pub copied_from: Option<String>,
}

/// Runs git in `dir` with `input` on its standard input; returns its standard output.
fn git_with_input(dir: &Path, args: &[&str], input: &str) -> Result<String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("git", e))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_owned();
    // Write from another thread so that a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| Error::io("git", e))?;
    let _ = writer.join();
    stdout_of(args, out)
}

/// Git's standard output, or its complaint as an error.
fn stdout_of(args: &[&str], out: std::process::Output) -> Result<String> {
    if !out.status.success() {
        return Err(Error::Git(format!(
            "git {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| Error::Git("git printed text that is not UTF-8".to_owned()))
}

/// Runs git in `dir` and returns its standard output.
fn git_output(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("git", e))?;
    stdout_of(args, out)
}
