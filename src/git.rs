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

/// The lineages of many files, looked up together by [`Git::lineages`].
#[derive(Debug, Default)]
pub struct Lineages {
    by_path: HashMap<String, Lineage>,
    /// HEAD's commits, as the look-up read them (for [`Git::explain_copies`]).
    commits: Vec<CommitMeta>,
}

#[derive(Debug, Default)]
struct Lineage {
    versions: Vec<Version>,
    /// Where the lineage began as a new file, in a commit that deletes nothing, when it is
    /// not yet known whether git sees it as an inexact copy (see [`Git::explain_copies`]):
    /// the commit's position and the added file (repository path, mode, blob).
    unexplained: Option<(usize, Added)>,
}

impl Lineages {
    /// The versions of root-relative `path`, newest first, as [`Git::history`] finds them
    /// (empty for a path that was not looked up).
    pub fn versions(&self, path: &str) -> &[Version] {
        self.by_path
            .get(path)
            .map_or(&[], |l| l.versions.as_slice())
    }
}

/// A file added by a commit: repository path, mode, blob.
#[derive(Debug, Clone)]
struct Added {
    path: String,
    mode: String,
    blob: String,
}

/// One commit of HEAD's history, in `git log`'s order.
#[derive(Debug)]
struct CommitMeta {
    hash: String,
    time: i64,
    parent: Option<String>,
}

/// A change to one path in one commit, from `git log --raw`.
#[derive(Debug)]
struct Event {
    /// The commit's position in [`CommitMeta`] order.
    at: usize,
    status: u8,
    mode: String,
    blob: String,
}

/// What a commit that adds followed files holds: the files of its parent by blob, and the
/// files it deletes; plus what git's similarity said of the added files asked about.
#[derive(Debug, Default)]
struct Creation {
    parent_by_blob: HashMap<String, Vec<String>>,
    deleted: HashSet<String>,
    /// Added repository path → its most similar source and score, or `None`: not a copy.
    similar: HashMap<String, Option<(String, u32)>>,
}

/// Where an added file came from, as `git log --follow` judges it.
enum Origin {
    /// An exact copy or a rename (any score): the lineage goes on with this path.
    Follow(String),
    /// An inexact copy of this path: the lineage stops.
    InexactCopy(String),
    /// A new file: the lineage goes on with older versions of the same path.
    New,
    /// Inexact copy or new file, not yet known, and it makes no difference to the versions.
    Unexplained,
    /// Needs git's similarity first.
    AskGit,
}

impl Creation {
    fn origin(&self, added: &Added, has_older: bool) -> Origin {
        if let Some(sources) = self.parent_by_blob.get(&added.blob) {
            // git's exact matching prefers a source no other pair used yet (a deleted file)
            // and the same file name.
            let name = |p: &str| p.rsplit('/').next().unwrap_or_default().to_owned();
            let own = name(&added.path);
            let best = sources
                .iter()
                .max_by_key(|s| {
                    (
                        self.deleted.contains(s.as_str()),
                        name(s) == own,
                        std::cmp::Reverse(s.as_str()),
                    )
                })
                .expect("a blob's list of sources is never empty");
            return Origin::Follow(best.clone());
        }
        match self.similar.get(&added.path) {
            // A deleted source makes a rename, which the lineage follows whatever its score.
            Some(Some((from, _))) if self.deleted.contains(from) => Origin::Follow(from.clone()),
            Some(Some((from, _))) => Origin::InexactCopy(from.clone()),
            Some(None) => Origin::New,
            None if self.deleted.is_empty() && !has_older => Origin::Unexplained,
            None => Origin::AskGit,
        }
    }
}

/// One lineage being traced by [`Git::lineages`].
struct Walk {
    target: String,
    versions: Vec<Version>,
    /// The repository path followed now.
    path: String,
    /// Only events older than this position count (the commit where `path` was taken up).
    after: Option<usize>,
    done: bool,
    unexplained: Option<(usize, Added)>,
}

/// What a lineage needs before it can go on.
#[derive(Default)]
struct Wants {
    paths: HashSet<String>,
    creations: HashSet<usize>,
    similar: HashMap<usize, Vec<Added>>,
}

impl Git {
    /// The lineage of every root-relative path of `paths` (see [`Git::history`]), found with
    /// one `git log` over all of them instead of a `git log --follow` per path.
    ///
    /// The lineages are the ones `git log --follow` gives, rule for rule: each version is a
    /// commit that changed the path (merge commits show no change); where the path was
    /// added, git's rename and copy detection as `--follow` runs it (copies from every file
    /// of the parent, `--find-copies-harder`) says where it came from: an exact copy or a
    /// rename of any score is followed into the older path, an inexact copy ends the lineage
    /// ([`Version::copied_from`]), and a new file goes on with older versions of the same
    /// path. Exact copies are matched here by blob id, as git's first step does; git's
    /// similarity is asked (once per commit, for all paths added there) only where the answer
    /// changes the versions. Where it would not (the commit deletes nothing and the path has
    /// no older versions), the lineage is left unexplained until [`Git::explain_copies`].
    ///
    /// Two differences with `--follow`, neither of which changes which blobs a lineage
    /// holds in a linear history: among several sources with the same blob, the one git
    /// would take is guessed (a deleted file first, then the same file name, then the first
    /// path); and after a rename the older path's versions are taken from commits older than
    /// the rename in `git log`'s order, as `--follow` does, with the history simplified
    /// for all paths together rather than for each.
    ///
    /// # Errors
    /// When git fails.
    pub fn lineages(&self, paths: &[&str]) -> Result<Lineages> {
        let mut lineages = Lineages::default();
        let Some(commits) = self.commits()? else {
            return Ok(lineages);
        };
        let mut walks: Vec<Walk> = paths
            .iter()
            .map(|p| Walk {
                target: (*p).to_owned(),
                versions: Vec::new(),
                path: format!("{}{p}", self.prefix),
                after: None,
                done: false,
                unexplained: None,
            })
            .collect();
        let mut events: HashMap<String, Vec<Event>> = HashMap::new();
        let mut creations: HashMap<usize, Creation> = HashMap::new();
        loop {
            let mut wants = Wants::default();
            for walk in walks.iter_mut().filter(|w| !w.done) {
                self.advance(walk, &commits, &events, &creations, &mut wants);
            }
            if wants.paths.is_empty() && wants.creations.is_empty() && wants.similar.is_empty() {
                break;
            }
            let mut new_paths: Vec<String> = wants.paths.into_iter().collect();
            new_paths.sort();
            if !new_paths.is_empty() {
                let mut found = self.events(&new_paths, &commits)?;
                for path in new_paths {
                    let list = found.remove(&path).unwrap_or_default();
                    events.insert(path, list);
                }
            }
            for at in wants.creations {
                let creation = self.creation(&commits[at])?;
                creations.insert(at, creation);
            }
            for (at, added) in wants.similar {
                let creation = creations
                    .get_mut(&at)
                    .expect("asked only after its creation");
                let similar = self.similar_sources(&commits[at], &added, &creation.deleted)?;
                creation.similar.extend(similar);
            }
        }
        for walk in walks {
            lineages.by_path.insert(
                walk.target,
                Lineage {
                    versions: walk.versions,
                    unexplained: walk.unexplained,
                },
            );
        }
        lineages.commits = commits;
        Ok(lineages)
    }

    /// Takes `walk` through the events known so far; records in `wants` what it needs next.
    fn advance(
        &self,
        walk: &mut Walk,
        commits: &[CommitMeta],
        events: &HashMap<String, Vec<Event>>,
        creations: &HashMap<usize, Creation>,
        wants: &mut Wants,
    ) {
        'path: loop {
            let Some(list) = events.get(&walk.path) else {
                wants.paths.insert(walk.path.clone());
                return;
            };
            let start = list.partition_point(|e| walk.after.is_some_and(|a| e.at <= a));
            for (i, event) in list.iter().enumerate().skip(start) {
                let commit = &commits[event.at];
                if event.status == b'D' {
                    walk.after = Some(event.at);
                    continue;
                }
                let origin = if event.status == b'A' && commit.parent.is_some() {
                    let Some(creation) = creations.get(&event.at) else {
                        wants.creations.insert(event.at);
                        return;
                    };
                    let added = Added {
                        path: walk.path.clone(),
                        mode: event.mode.clone(),
                        blob: event.blob.clone(),
                    };
                    match creation.origin(&added, i + 1 < list.len()) {
                        Origin::AskGit => {
                            wants.similar.entry(event.at).or_default().push(added);
                            return;
                        }
                        Origin::Unexplained => {
                            walk.unexplained = Some((event.at, added));
                            Origin::Unexplained
                        }
                        origin => origin,
                    }
                } else {
                    Origin::New
                };
                walk.versions.push(Version {
                    commit: commit.hash.clone(),
                    time: commit.time,
                    path: self.root_relative(&walk.path),
                    repo_path: walk.path.clone(),
                    blob: event.blob.clone(),
                    copied_from: match &origin {
                        Origin::InexactCopy(from) => Some(self.root_relative(from)),
                        _ => None,
                    },
                });
                walk.after = Some(event.at);
                match origin {
                    Origin::Follow(from) => {
                        walk.path = from;
                        continue 'path;
                    }
                    Origin::InexactCopy(_) | Origin::Unexplained => break 'path,
                    Origin::New | Origin::AskGit => {}
                }
            }
            break;
        }
        walk.done = true;
    }

    /// Says, for the lineages of `paths` that [`Git::lineages`] left unexplained, whether
    /// they began as an inexact copy ([`Version::copied_from`] of their oldest version). One
    /// similarity search per commit, for all of its added files at once.
    ///
    /// # Errors
    /// When git fails.
    pub fn explain_copies(&self, lineages: &mut Lineages, paths: &[&str]) -> Result<()> {
        let mut by_commit: HashMap<usize, Vec<Added>> = HashMap::new();
        for path in paths {
            if let Some((at, added)) = lineages
                .by_path
                .get(*path)
                .and_then(|l| l.unexplained.clone())
            {
                by_commit.entry(at).or_default().push(added);
            }
        }
        if by_commit.is_empty() {
            return Ok(());
        }
        let mut found = HashMap::new();
        for (at, added) in &by_commit {
            // The commit deletes nothing (else the lineage would have been explained).
            let commit = &lineages.commits[*at];
            found.extend(self.similar_sources(commit, added, &HashSet::new())?);
        }
        for path in paths {
            let Some(lineage) = lineages.by_path.get_mut(*path) else {
                continue;
            };
            let Some((_, added)) = lineage.unexplained.take() else {
                continue;
            };
            if let (Some(Some((from, _))), Some(oldest)) =
                (found.get(&added.path), lineage.versions.last_mut())
            {
                oldest.copied_from = Some(self.root_relative(from));
            }
        }
        Ok(())
    }

    fn root_relative(&self, repo_path: &str) -> String {
        repo_path
            .strip_prefix(&self.prefix)
            .unwrap_or(repo_path)
            .to_owned()
    }

    /// HEAD's commits in `git log`'s order, or `None` without a HEAD.
    fn commits(&self) -> Result<Option<Vec<CommitMeta>>> {
        if self.head().is_none() {
            return Ok(None);
        }
        let out = git_output(&self.root, &["log", "--format=%H %ct %P", "HEAD"])?;
        Ok(Some(
            out.lines()
                .filter_map(|line| {
                    let mut fields = line.split(' ');
                    Some(CommitMeta {
                        hash: fields.next()?.to_owned(),
                        time: fields.next()?.parse().unwrap_or(0),
                        parent: fields.next().filter(|p| !p.is_empty()).map(str::to_owned),
                    })
                })
                .collect(),
        ))
    }

    /// The changes to each of `repo_paths` in HEAD's history, in `commits` order, from one
    /// `git log --raw` (no rename detection: [`Git::lineages`] does its own following).
    fn events(
        &self,
        repo_paths: &[String],
        commits: &[CommitMeta],
    ) -> Result<HashMap<String, Vec<Event>>> {
        let position: HashMap<&str, usize> = commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.hash.as_str(), i))
            .collect();
        let mut input = String::from("--\n");
        for path in repo_paths {
            let _ = writeln!(input, ":(top,literal){path}");
        }
        let out = git_with_input(
            &self.root,
            &[
                "log",
                "-z",
                "--raw",
                "--no-abbrev",
                "--no-renames",
                "--format=%x01%H",
                "HEAD",
                "--stdin",
            ],
            &input,
        )?;
        let mut events: HashMap<String, Vec<Event>> = HashMap::new();
        let mut at = None;
        let mut fields = out.split('\0');
        while let Some(field) = fields.next() {
            let field = field.trim_start_matches('\n');
            if let Some(hash) = field.strip_prefix('\x01') {
                at = position.get(hash).copied();
            } else if let Some(meta) = field.strip_prefix(':') {
                // ":<old mode> <new mode> <old blob> <new blob> <status>", then the path.
                let path = fields.next().unwrap_or_default();
                let parts: Vec<&str> = meta.split(' ').collect();
                let (Some(at), [_, mode, _, blob, status]) = (at, parts.as_slice()) else {
                    continue;
                };
                events.entry(path.to_owned()).or_default().push(Event {
                    at,
                    status: status.as_bytes().first().copied().unwrap_or(b'M'),
                    mode: (*mode).to_owned(),
                    blob: if blob.bytes().all(|b| b == b'0') {
                        String::new()
                    } else {
                        (*blob).to_owned()
                    },
                });
            }
        }
        for list in events.values_mut() {
            list.sort_by_key(|e| e.at);
            // A deleted path has no blob: the old `cat-file` check dropped such versions.
            list.retain(|e| e.status == b'D' || !e.blob.is_empty());
        }
        Ok(events)
    }

    /// The parent's files by blob and the files `commit` deletes.
    fn creation(&self, commit: &CommitMeta) -> Result<Creation> {
        let parent = commit.parent.as_deref().unwrap_or_default();
        let listing = git_output(&self.root, &["ls-tree", "-r", "-z", "--full-tree", parent])?;
        let mut parent_by_blob: HashMap<String, Vec<String>> = HashMap::new();
        for record in listing.split('\0').filter(|r| !r.is_empty()) {
            // "<mode> blob <id>\t<path>"
            let Some((meta, path)) = record.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split(' ');
            if let (Some(_), Some("blob"), Some(blob)) = (parts.next(), parts.next(), parts.next())
            {
                parent_by_blob
                    .entry(blob.to_owned())
                    .or_default()
                    .push(path.to_owned());
            }
        }
        let deleted = git_output(
            &self.root,
            &[
                "diff-tree",
                "-r",
                "-z",
                "--no-renames",
                "--name-only",
                "--diff-filter=D",
                parent,
                &commit.hash,
            ],
        )?
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
        Ok(Creation {
            parent_by_blob,
            deleted,
            similar: HashMap::new(),
        })
    }

    /// git's copy and rename detection, as `git log --follow` runs it, for files `commit`
    /// adds: each added file against every file of the parent (`--find-copies-harder`, no
    /// rename limit). The diff is between the parent and a temporary index that holds the
    /// parent's files, less `deleted`, plus `added` only, so that git compares only these;
    /// nothing in the repository is written.
    fn similar_sources(
        &self,
        commit: &CommitMeta,
        added: &[Added],
        deleted: &HashSet<String>,
    ) -> Result<HashMap<String, Option<(String, u32)>>> {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let parent = commit.parent.as_deref().unwrap_or_default();
        let index = std::env::temp_dir().join(format!(
            "regraft-index-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let env = [("GIT_INDEX_FILE", index.as_os_str())];
        let result = (|| {
            run_git(&self.root, &["read-tree", parent], None, &env)?;
            let mut input = String::new();
            for path in deleted {
                let _ = writeln!(input, "0 {}\t{path}", "0".repeat(40));
            }
            for a in added {
                let _ = writeln!(input, "{} {}\t{}", a.mode, a.blob, a.path);
            }
            run_git(
                &self.root,
                &["update-index", "--index-info"],
                Some(&input),
                &env,
            )?;
            run_git(
                &self.root,
                &[
                    "diff-index",
                    "--cached",
                    "-r",
                    "-z",
                    "--no-abbrev",
                    "-M",
                    "-C",
                    "--find-copies-harder",
                    "-l0",
                    parent,
                ],
                None,
                &env,
            )
        })();
        // The temporary index is git's scratch file in the system's temporary directory,
        // never a file of the tree.
        #[allow(clippy::disallowed_methods)]
        let _ = std::fs::remove_file(&index);
        let out = String::from_utf8(result?)
            .map_err(|_| Error::Git("git printed a path that is not UTF-8".to_owned()))?;
        let mut found: HashMap<String, Option<(String, u32)>> =
            added.iter().map(|a| (a.path.clone(), None)).collect();
        let mut fields = out.split('\0').filter(|f| !f.is_empty());
        while let Some(meta) = fields.next() {
            let status = meta.rsplit(' ').next().unwrap_or_default();
            let Some(kind) = status.chars().next() else {
                continue;
            };
            let first = fields.next().unwrap_or_default();
            if kind == 'R' || kind == 'C' {
                let to = fields.next().unwrap_or_default();
                if let Some(slot) = found.get_mut(to) {
                    *slot = Some((first.to_owned(), status[1..].parse().unwrap_or(0)));
                }
            }
        }
        Ok(found)
    }

    /// The contents of each of `blobs` that is UTF-8 text, by blob id, from one
    /// `git cat-file --batch`.
    ///
    /// # Errors
    /// When git fails.
    pub fn blob_texts(&self, blobs: &[&str]) -> Result<HashMap<String, String>> {
        let mut texts = HashMap::new();
        if blobs.is_empty() {
            return Ok(texts);
        }
        let mut input = String::new();
        for blob in blobs {
            let _ = writeln!(input, "{blob}");
        }
        let out = run_git(&self.root, &["cat-file", "--batch"], Some(&input), &[])?;
        let mut rest = out.as_slice();
        // "<id> <type> <size>\n<contents>\n", or "<id> missing\n".
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let header = String::from_utf8_lossy(&rest[..end]).into_owned();
            rest = &rest[end + 1..];
            let mut parts = header.split(' ');
            let (Some(id), Some(_), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let size: usize = size.parse().unwrap_or(0);
            let Some(contents) = rest.get(..size) else {
                break;
            };
            if let Ok(text) = std::str::from_utf8(contents) {
                texts.insert(id.to_owned(), text.to_owned());
            }
            rest = rest.get(size + 1..).unwrap_or_default();
        }
        Ok(texts)
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

/// Runs git in `dir` with `env` set and `input` (if any) on its standard input; returns its
/// standard output as bytes.
fn run_git(
    dir: &Path,
    args: &[&str],
    input: Option<&str>,
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<Vec<u8>> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| Error::io("git", e))?;
    let writer = child.stdin.take().zip(input).map(|(mut stdin, input)| {
        let input = input.to_owned();
        // Write from another thread so that a full stdout pipe cannot deadlock us.
        std::thread::spawn(move || stdin.write_all(input.as_bytes()))
    });
    let out = child.wait_with_output().map_err(|e| Error::io("git", e))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if !out.status.success() {
        return Err(Error::Git(format!(
            "git {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
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

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn run(dir: &Path, args: &[&str], when: u32) {
        let stamp = format!("{} +0000", 1_700_000_000 + u64::from(when) * 60);
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t.invalid",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", &stamp)
            .env("GIT_COMMITTER_DATE", &stamp)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn module(name: &str, extra: &str) -> String {
        let mut text = format!("\"\"\"The {name} module.\"\"\"\nimport os\n\n");
        for i in 0..8 {
            let _ = write!(
                text,
                "\ndef {name}_{i}(values):\n    total = 0\n    for v in values:\n        total += v * {i}\n    return total\n"
            );
        }
        text + extra
    }

    /// A history with every kind of start a lineage can have, committed one step at a time.
    fn eventful_repository(dir: &Path) {
        let mut when = 0;
        let mut commit = |message: &str| {
            when += 1;
            run(dir, &["add", "-A"], when);
            run(dir, &["commit", "-q", "-m", message], when);
        };
        run(dir, &["init", "-q"], 0);
        write(dir, "pkg/a.py", &module("alpha", ""));
        write(dir, "pkg/e.py", &module("echo", ""));
        write(dir, "pkg/f.py", &module("fox", ""));
        write(dir, "old/x.py", &module("xray", ""));
        write(dir, "pkg/__init__.py", "");
        commit("start");
        // An exact copy of a file that stays, and an edited copy of it.
        write(dir, "fork/b.py", &module("alpha", ""));
        write(dir, "fork/c.py", &module("alpha", "\nA = 2\nB = 3\n"));
        write(dir, "fork/__init__.py", "");
        commit("fork");
        // A rename with edits, a directory renamed as it is, a file deleted.
        write(dir, "pkg/a.py", &module("alpha", "\nA = 1\n"));
        std::fs::remove_file(dir.join("pkg/e.py")).unwrap();
        write(dir, "pkg/d.py", &module("echo", "\nD = 4\n"));
        std::fs::remove_dir_all(dir.join("old")).unwrap();
        write(dir, "new/x.py", &module("xray", ""));
        std::fs::remove_file(dir.join("pkg/f.py")).unwrap();
        commit("renames");
        // The deleted path comes back with other contents; a new file while another goes.
        write(dir, "pkg/f.py", "class Golf:\n    HOLES = 18\n");
        write(dir, "fork/n.py", "VALUE = 'unrelated'\n");
        std::fs::remove_file(dir.join("fork/__init__.py")).unwrap();
        commit("return");
        // Both sides move on; an edited copy of a renamed file, made while its source goes.
        write(dir, "pkg/a.py", &module("alpha", "\nA = 5\n"));
        write(dir, "fork/b.py", &module("alpha", "\nA = 1\nZ = 0\n"));
        write(dir, "fork/d2.py", &module("echo", "\nD = 4\nE = 5\n"));
        std::fs::remove_file(dir.join("pkg/d.py")).unwrap();
        commit("apart");
    }

    #[test]
    fn one_pass_lineages_are_the_ones_git_log_follow_gives() {
        let tmp = tempfile::tempdir().unwrap();
        eventful_repository(tmp.path());
        let git = Git::detect(tmp.path()).unwrap();
        let paths = [
            "pkg/a.py",
            "fork/b.py",
            "fork/c.py",
            "fork/d2.py",
            "new/x.py",
            "pkg/f.py",
            "fork/n.py",
            "pkg/__init__.py",
        ];
        let mut lineages = git.lineages(&paths).unwrap();
        git.explain_copies(&mut lineages, &paths).unwrap();
        for path in paths {
            assert_eq!(
                lineages.versions(path),
                git.history(path).unwrap().as_slice(),
                "{path}"
            );
        }
        // What the lineages hold, read by hand from the history above.
        let starts = |path: &str| {
            let versions = lineages.versions(path);
            let oldest = versions.last().unwrap();
            (
                versions.len(),
                oldest.path.clone(),
                oldest.copied_from.clone(),
            )
        };
        // b.py: two own versions, then a.py's older than the fork (exact copy followed).
        assert_eq!(starts("fork/b.py"), (3, "pkg/a.py".to_owned(), None));
        // c.py began as an edited copy of a.py: its lineage stops there.
        assert_eq!(
            starts("fork/c.py"),
            (1, "fork/c.py".to_owned(), Some("pkg/a.py".to_owned()))
        );
        // d2.py: renamed (edited) from d.py, itself renamed (edited) from e.py.
        assert_eq!(starts("fork/d2.py"), (3, "pkg/e.py".to_owned(), None));
        assert_eq!(starts("new/x.py"), (2, "old/x.py".to_owned(), None));
        // f.py came back: its older life is the same path's.
        assert_eq!(starts("pkg/f.py"), (2, "pkg/f.py".to_owned(), None));
        assert_eq!(starts("fork/n.py"), (1, "fork/n.py".to_owned(), None));
    }

    #[test]
    fn lineages_outside_git_history_are_empty() {
        let tmp = tempfile::tempdir().unwrap();
        run(tmp.path(), &["init", "-q"], 0);
        write(tmp.path(), "a.py", "A = 1\n");
        let git = Git::detect(tmp.path()).unwrap();
        let lineages = git.lineages(&["a.py"]).unwrap();
        assert!(lineages.versions("a.py").is_empty());
        assert!(git.blob_texts(&[]).unwrap().is_empty());
    }
}
