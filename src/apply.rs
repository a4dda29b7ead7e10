//! The one door through which regraft changes the tree.
//!
//! In: a [`Plan`]. Out: the tree changed as planned, an undo journal of the run, and an
//! [`Applied`] summary. [`operations`] turns the plan into [`Operation`]s (data); [`apply`]
//! checks them all (preflight, dirty files, the lock), journals them, then carries them out
//! in order. Every file write is atomic: the new bytes go to a temporary file in the same
//! directory, which is renamed over the target with the original's permissions. Inside a git
//! work tree, moved files are recorded in the index as renames, as `git mv` does. No other
//! module changes the tree except `journal` (see `clippy.toml`).
#![allow(clippy::disallowed_methods)]

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::failpoint;
use crate::git::Git;
use crate::interrupt;
use crate::journal::{self, Entry, Journal, Lock, file_mode, fingerprint, write_atomically};
use crate::plan::{FileCategory, Plan};

/// One change to the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Create directory `path` (its parent exists by then).
    CreateDir {
        /// The directory.
        path: String,
    },
    /// Move file `from` to `to` (root-relative), writing `contents` there instead of the old
    /// bytes when given.
    Move {
        /// Where the file is.
        from: String,
        /// Where it goes (must not exist).
        to: String,
        /// New contents, when the file is also rewritten.
        contents: Option<String>,
    },
    /// Replace the contents of file `path`.
    Write {
        /// The file.
        path: String,
        /// Its new contents.
        contents: String,
    },
    /// Delete file `path` (a source copy that is identical to, or merged into, its twin).
    Delete {
        /// The file.
        path: String,
    },
    /// Create file `path`, which must not exist (a sidecar of a conflict).
    Create {
        /// The file.
        path: String,
        /// Its contents.
        contents: Vec<u8>,
    },
    /// Remove directory `path` if it is empty; leave it otherwise.
    RemoveDirIfEmpty {
        /// The directory.
        path: String,
    },
}

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Go on even when files to touch have uncommitted changes.
    pub allow_dirty: bool,
    /// Commit the renames, then the rewrites, as two commits.
    pub commit: bool,
    /// With `commit`: skip the repository's git hooks (`git commit --no-verify`).
    pub no_verify: bool,
    /// With `commit`: the message of the rewrite commit (a trailer marks it as regraft's,
    /// so that `undo` knows it); default: `Rewrite imports for SRC -> DST (regraft)`.
    pub message: Option<String>,
    /// The command line, recorded in the journal.
    pub command: String,
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Files moved.
    pub moved: usize,
    /// Files whose contents were rewritten (moved or not).
    pub rewritten: usize,
    /// Empty directories removed.
    pub dirs_removed: usize,
    /// Source copies deleted (identical to, or merged into, their twin in DST).
    pub deleted: usize,
    /// New files written (conflict sidecars and shims).
    pub created: usize,
    /// Moves recorded as renames in the git index.
    pub git_renames: usize,
    /// Commits made by `--commit`.
    pub commits: usize,
}

/// The operations that carry out `plan`: directories to create, moves, in-place rewrites
/// (merged files included), deletions of source copies, sidecar files, then the removal of
/// source directories the run emptied (deepest first).
pub fn operations(plan: &Plan, root: &Path) -> Vec<Operation> {
    let mut ops = Vec::new();
    let mut created = HashSet::new();
    let moved = plan
        .files
        .iter()
        .filter(|f| f.category == FileCategory::Move);
    let new_files = moved
        .clone()
        .map(|f| f.to.as_str())
        .chain(plan.sidecars.iter().map(|(path, _)| path.as_str()))
        .chain(plan.created.iter().map(|(path, _)| path.as_str()));
    for new_file in new_files {
        let mut missing = Vec::new();
        let mut dir = new_file;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if created.contains(parent) || root.join(parent).is_dir() {
                break;
            }
            missing.push(parent.to_owned());
            dir = parent;
        }
        for path in missing.into_iter().rev() {
            created.insert(path.clone());
            ops.push(Operation::CreateDir { path });
        }
    }
    let changes: HashMap<&str, &str> = plan
        .file_changes
        .iter()
        .map(|c| (c.path.as_str(), c.updated.as_str()))
        .collect();
    for file in moved {
        ops.push(Operation::Move {
            from: file.path.clone(),
            to: file.to.clone(),
            contents: changes.get(file.path.as_str()).map(|s| (*s).to_owned()),
        });
    }
    for change in &plan.file_changes {
        if change.path == change.new_path {
            ops.push(Operation::Write {
                path: change.path.clone(),
                contents: change.updated.clone(),
            });
        }
    }
    ops.extend(
        plan.deletions
            .iter()
            .map(|path| Operation::Delete { path: path.clone() }),
    );
    ops.extend(
        plan.sidecars
            .iter()
            .map(|(path, contents)| Operation::Create {
                path: path.clone(),
                contents: contents.clone(),
            }),
    );
    ops.extend(
        plan.created
            .iter()
            .map(|(path, contents)| Operation::Create {
                path: path.clone(),
                contents: contents.clone().into_bytes(),
            }),
    );
    // A shim takes the place of the moved `__init__.py`, so SRC is not emptied and stays.
    ops.extend(plan.shims.iter().map(|(path, contents)| Operation::Create {
        path: path.clone(),
        contents: contents.clone().into_bytes(),
    }));
    let mut dirs: Vec<String> = Vec::new();
    for m in &plan.moves {
        for file in plan
            .files
            .iter()
            .filter(|f| crate::rules::is_within(&f.path, &m.dirs.from))
        {
            let mut dir = file.path.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                if !crate::rules::is_within(parent, &m.dirs.from) {
                    break;
                }
                dirs.push(parent.to_owned());
                dir = parent;
            }
        }
    }
    dirs.sort_by(|a, b| {
        b.matches('/')
            .count()
            .cmp(&a.matches('/').count())
            .then(a.cmp(b))
    });
    dirs.dedup();
    ops.extend(
        dirs.into_iter()
            .map(|path| Operation::RemoveDirIfEmpty { path }),
    );
    ops
}

/// Carries out `plan`: checks, journals, then changes the tree, and marks the journal
/// complete. All or nothing: an error or a signal after the first change rolls the run back.
///
/// # Errors
/// Before any change: [`Error::BadPath`] (preflight), [`Error::Dirty`], [`Error::Locked`],
/// [`Error::Git`], [`Error::Interrupted`]. After it: [`Error::RolledBack`] wrapping what
/// stopped the run (an I/O or git failure, [`Error::Interrupted`]), or
/// [`Error::PartlyApplied`] when the rollback failed too (the journal then stays unfinished,
/// for `regraft undo`).
pub fn apply(root: &Path, plan: &Plan, options: &ApplyOptions) -> Result<Applied> {
    if !plan.changes_anything() {
        return Ok(Applied::default());
    }
    // Ctrl-C and SIGTERM now stop the run at the next step boundary (see `interrupt`).
    interrupt::install();
    // The lock (in `.regraft/`) comes first, so that the operations see that directory.
    let _lock = Lock::acquire(root)?;
    let checking = crate::timings::phase("apply: preflight and git");
    let ops = operations(plan, root);
    preflight(root, &ops)?;
    let git = Git::detect(root);
    drop(checking);
    // Write ahead: every step, and a copy of every byte that will be replaced, is on disk
    // before the first change. The copies are read while git checks the work tree (nothing
    // is written before both are done).
    let journaling = crate::timings::phase("apply: git checks and journal");
    let mut journal = Journal::create(root, &options.command);
    let planned: HashMap<&str, &str> = plan
        .file_changes
        .iter()
        .map(|c| (c.path.as_str(), c.original.as_str()))
        .collect();
    let (checked, originals) = std::thread::scope(|scope| {
        let checked = scope.spawn(|| git_checks(git.as_ref(), plan, &ops, options));
        let originals: Result<Vec<Option<Original>>> = ops
            .par_iter()
            .map(|op| read_original(root, op, &planned))
            .collect();
        let checked = checked.join().expect("the git checks do not panic");
        (checked, originals)
    });
    let (renames, removals) = checked?;
    let originals = originals?;
    for (op, original) in ops.iter().zip(originals) {
        let entry = journal_entry(op, original, &planned, &mut journal);
        journal.push(entry);
    }
    let head_before = git.as_ref().and_then(Git::head);
    if let Some(git) = git
        .as_ref()
        .filter(|_| !renames.is_empty() || !removals.is_empty() || options.commit)
    {
        let index = fs::read(git.index_path()).map_err(|e| Error::io(git.index_path(), e))?;
        let blob = journal.keep(&index);
        journal.push(Entry::GitIndex { blob });
    }
    if options.commit
        && let Some(previous_head) = head_before.clone()
    {
        journal.push(Entry::GitCommit { previous_head });
    }
    // A signal before the journal is on disk stops the run with nothing changed.
    interrupt::check()?;
    journal.commit()?;
    drop(journaling);

    // From here on every error (and Ctrl-C) rolls the run back, so that a run is all or
    // nothing; the journal is marked complete only when every step, git included, is done.
    let steps = Steps {
        root,
        plan,
        ops: &ops,
        git: git.as_ref(),
        options,
        renames: &renames,
        removals: &removals,
    };
    let done = steps.carry_out().and_then(|applied| {
        interrupt::check()?;
        journal.finish()?;
        Ok(applied)
    });
    done.map_err(|error| match journal::roll_back(root, &journal) {
        Ok(()) => Error::RolledBack {
            source: Box::new(error),
        },
        Err(rollback) => Error::PartlyApplied {
            error: Box::new(error),
            rollback: Box::new(rollback),
        },
    })
}

/// Everything a journaled run changes, in order.
struct Steps<'a> {
    root: &'a Path,
    plan: &'a Plan,
    ops: &'a [Operation],
    git: Option<&'a Git>,
    options: &'a ApplyOptions,
    renames: &'a [(String, String, crate::git::IndexEntry)],
    removals: &'a [String],
}

impl Steps<'_> {
    /// Carries out the operations, then records renames in the git index and makes the
    /// `--commit` commits. Stops at the first error or interrupt, leaving the rest undone.
    fn carry_out(&self) -> Result<Applied> {
        let root = self.root;
        let mut applied = Applied::default();
        // Directories one by one; moves and rewrites, which each touch their own files, on
        // all cores (so that their flushes to disk overlap); then the emptied directories in
        // order.
        for group in self.ops.chunk_by(|a, b| is_file_op(a) == is_file_op(b)) {
            let done: Vec<Applied> = if is_file_op(&group[0]) {
                let _files = crate::timings::phase("apply: moves and writes");
                execute_file_ops(root, group)?
            } else {
                group
                    .iter()
                    .map(|op| execute(root, op))
                    .collect::<Result<_>>()?
            };
            for counts in done {
                applied.moved += counts.moved;
                applied.rewritten += counts.rewritten;
                applied.dirs_removed += counts.dirs_removed;
                applied.deleted += counts.deleted;
                applied.created += counts.created;
            }
        }
        if let Some(git) = self.git {
            if !self.renames.is_empty() || !self.removals.is_empty() {
                interrupt::check()?;
                let _index = crate::timings::phase("apply: git index");
                git.record_renames(self.renames, self.removals)?;
                applied.git_renames = self.renames.len();
                failpoint::step();
            }
            if self.options.commit {
                applied.commits = commit_in_two_steps(git, self.plan, self.renames, self.options)?;
            }
        }
        Ok(applied)
    }
}

/// The file an operation moves or rewrites (what must not have uncommitted changes).
fn touched_file(op: &Operation) -> Option<&str> {
    match op {
        Operation::Move { from, .. } => Some(from),
        Operation::Write { path, .. } | Operation::Delete { path } => Some(path),
        Operation::CreateDir { .. }
        | Operation::Create { .. }
        | Operation::RemoveDirIfEmpty { .. } => None,
    }
}

/// Moved files that git tracks (from, to, index entry), and deleted files it tracks.
type GitSteps = (Vec<(String, String, crate::git::IndexEntry)>, Vec<String>);

/// What must hold of the git work tree around `root` before `plan` is applied (the files it
/// touches are clean; `--commit` has a work tree, nothing staged and nothing left to a
/// human), and the renames and removals to record in the index afterwards.
fn git_checks(
    git: Option<&Git>,
    plan: &Plan,
    ops: &[Operation],
    options: &ApplyOptions,
) -> Result<GitSteps> {
    let Some(git) = git else {
        if options.commit {
            return Err(Error::Usage(
                "--commit needs a git work tree around --root".to_owned(),
            ));
        }
        return Ok((Vec::new(), Vec::new()));
    };
    if !options.allow_dirty {
        let touched: HashSet<&str> = ops.iter().filter_map(touched_file).collect();
        let dirty = git.dirty(&touched)?;
        if !dirty.is_empty() {
            return Err(Error::Dirty(dirty));
        }
    }
    if options.commit && plan.needs_human() {
        return Err(Error::Usage(
            "--commit would commit files that need a human (conflicts or skipped files); \
             run without --commit, resolve them, and commit yourself"
                .to_owned(),
        ));
    }
    if options.commit && git.has_staged_changes()? {
        return Err(Error::Usage(
            "--commit needs an index without staged changes: commit or unstage them first"
                .to_owned(),
        ));
    }
    journal::exclude_from_git(git);
    let tracked = git.tracked()?;
    let renames = plan
        .files
        .iter()
        .filter(|f| f.category == FileCategory::Move)
        .filter_map(|f| {
            let entry = tracked.get(&f.path)?;
            Some((f.path.clone(), f.to.clone(), entry.clone()))
        })
        .collect();
    let removals = plan
        .deletions
        .iter()
        .filter(|p| tracked.contains_key(*p))
        .cloned()
        .collect();
    Ok((renames, removals))
}

/// What the journal must know of a file before an operation changes it.
struct Original {
    /// Its bytes, when the operation deletes them and the plan did not read them (the journal
    /// keeps a copy; of a file the plan read, it keeps the plan's text, checked equal here).
    bytes: Option<Vec<u8>>,
    /// Their fingerprint ([`journal::fnv1a`], or [`fingerprint`] for a plain move).
    hash: u64,
    mode: u32,
}

/// Reads what [`journal_entry`] needs of the file `op` changes, if any. Reads only, so the
/// operations are read on all cores.
/// `planned` holds the text the plan read of each file it rewrites: a file that changed since
/// stops the run (its new contents were computed from the old text).
fn read_original(
    root: &Path,
    op: &Operation,
    planned: &HashMap<&str, &str>,
) -> Result<Option<Original>> {
    let read = |path: &str, as_planned: bool| {
        let full = root.join(path);
        let bytes = fs::read(&full).map_err(|e| Error::io(&full, e))?;
        if as_planned && planned.get(path).map(|text| text.as_bytes()) != Some(bytes.as_slice()) {
            return Err(Error::Usage(format!(
                "{path} changed while regraft was planning; nothing was changed, run again"
            )));
        }
        Ok(Some(Original {
            hash: journal::fnv1a(&bytes),
            bytes: (!as_planned).then_some(bytes),
            mode: file_mode(&full).unwrap_or(0o644),
        }))
    };
    match op {
        Operation::Move {
            from,
            contents: Some(_),
            ..
        } => read(from, true),
        Operation::Write { path, .. } => read(path, true),
        Operation::Delete { path } => read(path, false),
        Operation::Move {
            from,
            contents: None,
            ..
        } => {
            let full = root.join(from);
            let missing = || Error::io(&full, std::io::Error::from(std::io::ErrorKind::NotFound));
            Ok(Some(Original {
                bytes: None,
                hash: fingerprint(&full).ok_or_else(missing)?,
                mode: file_mode(&full).unwrap_or(0o644),
            }))
        }
        Operation::CreateDir { .. }
        | Operation::RemoveDirIfEmpty { .. }
        | Operation::Create { .. } => Ok(None),
    }
}

/// What the journal must know to undo `op`: `original` ([`read_original`]), whose bytes it
/// keeps when `op` replaces them.
fn journal_entry(
    op: &Operation,
    original: Option<Original>,
    planned: &HashMap<&str, &str>,
    journal: &mut Journal,
) -> Entry {
    // The copy kept: the bytes read for a deletion, else the plan's text of the file (which
    // `read_original` found equal to the file).
    let mut keep = |path: &str, original: &Original| match &original.bytes {
        Some(bytes) => journal.keep(bytes),
        None => journal.keep(planned.get(path).copied().unwrap_or_default().as_bytes()),
    };
    match (op, original) {
        (Operation::Move { from, to, contents }, Some(original)) => Entry::Move {
            from: from.clone(),
            to: to.clone(),
            original_hash: original.hash,
            original_blob: contents.as_ref().map(|_| keep(from, &original)),
            written_hash: contents.as_ref().map(|c| journal::fnv1a(c.as_bytes())),
            mode: original.mode,
        },
        (Operation::Delete { path }, Some(original)) => Entry::Delete {
            path: path.clone(),
            original_hash: original.hash,
            original_blob: keep(path, &original),
            mode: original.mode,
        },
        (Operation::Write { path, contents }, Some(original)) => Entry::Write {
            path: path.clone(),
            original_hash: original.hash,
            original_blob: keep(path, &original),
            written_hash: journal::fnv1a(contents.as_bytes()),
            mode: original.mode,
        },
        (Operation::Create { path, contents }, _) => Entry::Create {
            path: path.clone(),
            written_hash: journal::fnv1a(contents),
        },
        (Operation::CreateDir { path }, _) => Entry::CreateDir { path: path.clone() },
        (Operation::RemoveDirIfEmpty { path }, _) => Entry::RemoveDir { path: path.clone() },
        (Operation::Move { .. } | Operation::Delete { .. } | Operation::Write { .. }, None) => {
            unreachable!("read_original reads every file a move, write or deletion changes")
        }
    }
}

fn is_file_op(op: &Operation) -> bool {
    // New files come after the moves, one by one: a shim takes the place of a moved file.
    matches!(
        op,
        Operation::Move { .. } | Operation::Write { .. } | Operation::Delete { .. }
    )
}

/// The path an operation changes first (where an injected I/O error is reported).
fn first_path(op: &Operation) -> &str {
    match op {
        Operation::CreateDir { path }
        | Operation::Write { path, .. }
        | Operation::Delete { path }
        | Operation::Create { path, .. }
        | Operation::RemoveDirIfEmpty { path } => path,
        Operation::Move { to, .. } => to,
    }
}

/// Carries out one operation; returns what it did, as counts. A step boundary: stops with
/// [`Error::Interrupted`] before starting when a signal asked to.
fn execute(root: &Path, op: &Operation) -> Result<Applied> {
    interrupt::check()?;
    failpoint::io(&root.join(first_path(op)))?;
    let mut applied = Applied::default();
    match op {
        Operation::CreateDir { path } => {
            let path = root.join(path);
            fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
            failpoint::step();
        }
        Operation::Move { from, to, contents } => {
            let (from, to) = (root.join(from), root.join(to));
            if let Some(contents) = contents {
                write_atomically(&to, contents.as_bytes(), file_mode(&from))?;
                fs::remove_file(&from).map_err(|e| Error::io(&from, e))?;
                failpoint::step();
                applied.rewritten += 1;
            } else {
                fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
                failpoint::step();
            }
            applied.moved += 1;
        }
        Operation::Write { path, contents } => {
            let path = root.join(path);
            write_atomically(&path, contents.as_bytes(), file_mode(&path))?;
            applied.rewritten += 1;
        }
        Operation::Delete { path } => {
            let path = root.join(path);
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            failpoint::step();
            applied.deleted += 1;
        }
        Operation::Create { path, contents } => {
            write_atomically(&root.join(path), contents, None)?;
            applied.created += 1;
        }
        Operation::RemoveDirIfEmpty { path } => {
            let path = root.join(path);
            let is_empty = fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
            if is_empty {
                fs::remove_dir(&path).map_err(|e| Error::io(&path, e))?;
                failpoint::step();
                applied.dirs_removed += 1;
            }
        }
    }
    Ok(applied)
}

/// Carries out moves, rewrites and deletions (each touches its own files) on all cores, in
/// three phases: every new text into a temporary file next to its target; one flush of all
/// of them ([`journal::flush`]); then each temporary file renamed over its target, and the
/// plain moves and deletions.
///
/// Why one flush is as safe as a flush per file: what makes a run undoable is that the
/// journal, with a copy of every byte to be replaced, is on disk before the first change
/// (unchanged here), and that no target is ever replaced by bytes that might not be on disk
/// yet, so that after a crash or a power cut each target holds either its original bytes or
/// its complete new ones, both of which `undo` recognises by their fingerprints. Both still
/// hold: every rename comes after the flush of every temporary file. What a cut-off run
/// leaves in the first two phases is temporary files only, which rollback and `undo` remove
/// (as they did for a write cut off before its rename). Plain moves and deletions write no
/// bytes and needed no flush before either. The step boundaries (failpoints, interrupt
/// checks) are the same as before, in a different order, plus one after the flush.
fn execute_file_ops(root: &Path, ops: &[Operation]) -> Result<Vec<Applied>> {
    let temps: Vec<Option<std::path::PathBuf>> = ops
        .par_iter()
        .map(|op| stage(root, op))
        .collect::<Result<_>>()?;
    let temps: Vec<std::path::PathBuf> = temps.into_iter().flatten().collect();
    if !temps.is_empty() {
        interrupt::check()?;
        journal::flush(&temps)?;
        failpoint::step();
    }
    ops.par_iter().map(|op| put_in_place(root, op)).collect()
}

/// The first phase of [`execute_file_ops`] for one operation: its new text, if any, into
/// the temporary file next to where it goes. A step boundary.
fn stage(root: &Path, op: &Operation) -> Result<Option<std::path::PathBuf>> {
    let (target, contents, mode) = match op {
        Operation::Move {
            from,
            to,
            contents: Some(contents),
        } => (root.join(to), contents, file_mode(&root.join(from))),
        Operation::Write { path, contents } => {
            let path = root.join(path);
            let mode = file_mode(&path);
            (path, contents, mode)
        }
        _ => return Ok(None),
    };
    interrupt::check()?;
    failpoint::io(&target)?;
    let temp = journal::write_temp(&target, contents.as_bytes(), mode)?;
    failpoint::step();
    Ok(Some(temp))
}

/// The last phase of [`execute_file_ops`] for one operation: the flushed temporary file over
/// its target (and the source of a rewritten move removed), or the plain move or deletion.
/// A step boundary.
fn put_in_place(root: &Path, op: &Operation) -> Result<Applied> {
    interrupt::check()?;
    failpoint::io(&root.join(first_path(op)))?;
    let mut applied = Applied::default();
    match op {
        Operation::Move {
            from,
            to,
            contents: Some(_),
        } => {
            let (from, to) = (root.join(from), root.join(to));
            journal::replace_with_temp(&to)?;
            failpoint::step();
            fs::remove_file(&from).map_err(|e| Error::io(&from, e))?;
            failpoint::step();
            applied.rewritten += 1;
            applied.moved += 1;
        }
        Operation::Write { path, .. } => {
            journal::replace_with_temp(&root.join(path))?;
            failpoint::step();
            applied.rewritten += 1;
        }
        _ => return execute(root, op),
    }
    Ok(applied)
}

/// `--commit`: the pure renames first (the index holds just them), then the rewrites, so
/// that `git log --follow` reaches a file's history however much it was rewritten. The
/// user's hooks run on both (unless `--no-verify`); a hook that refuses stops the run, which
/// is then rolled back, commits included.
fn commit_in_two_steps(
    git: &Git,
    plan: &Plan,
    renames: &[(String, String, crate::git::IndexEntry)],
    options: &ApplyOptions,
) -> Result<usize> {
    let verify = !options.no_verify;
    let describe = plan
        .moves
        .iter()
        .map(|m| format!("{} -> {}", m.dirs.from, m.dirs.to))
        .collect::<Vec<_>>()
        .join(", ");
    let mut commits = 0;
    if !renames.is_empty() {
        interrupt::check()?;
        git.commit(
            &[],
            &format!("Move {describe} (regraft: renames only)"),
            verify,
        )?;
        failpoint::step();
        commits += 1;
    }
    let mut paths: Vec<String> = plan.files.iter().map(|f| f.to.clone()).collect();
    paths.extend(
        plan.file_changes
            .iter()
            .filter(|c| c.path == c.new_path)
            .map(|c| c.path.clone()),
    );
    if !paths.is_empty() {
        interrupt::check()?;
        let message = match &options.message {
            // `undo` takes back only commits marked as regraft's.
            Some(text) => format!(
                "{}\n\nRewritten-by: regraft apply --commit (regraft)",
                text.trim_end()
            ),
            None => format!("Rewrite imports for {describe} (regraft)"),
        };
        git.commit(&paths, &message, verify)?;
        failpoint::step();
        commits += 1;
    }
    Ok(commits)
}

/// Refuses a run that could not be finished: a destination that exists, or a file to rewrite
/// that is read-only.
fn preflight(root: &Path, ops: &[Operation]) -> Result<()> {
    // A file the run moves or deletes first frees its path for a new one (a shim).
    let freed: HashSet<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Operation::Move { from, .. } | Operation::Delete { path: from } => Some(from.as_str()),
            _ => None,
        })
        .collect();
    for op in ops {
        match op {
            Operation::Move { to, .. } | Operation::Create { path: to, .. }
                if fs::symlink_metadata(root.join(to)).is_ok() && !freed.contains(to.as_str()) =>
            {
                return Err(Error::bad_path(
                    "destination",
                    to,
                    "already exists; regraft never overwrites a file",
                ));
            }
            Operation::Write { path, .. }
            | Operation::Move {
                from: path,
                contents: Some(_),
                ..
            } => {
                let meta =
                    fs::metadata(root.join(path)).map_err(|e| Error::io(root.join(path), e))?;
                if meta.permissions().readonly() {
                    return Err(Error::bad_path(
                        "file",
                        path,
                        "is read-only; make it writable, or exclude it",
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
