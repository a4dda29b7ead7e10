//! The one door through which regraft changes the disk.
//!
//! In: a [`Plan`]. Out: the tree changed as planned, and an [`Applied`] summary.
//! [`operations`] turns the plan into a list of [`Operation`]s (data); [`execute`] carries
//! them out in order after a preflight check. Every file write is atomic: the new bytes go to
//! a temporary file in the same directory, which is then renamed over the target with the
//! original's permissions. No other module writes, renames or deletes (see `clippy.toml`).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::plan::Plan;

/// One change to the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Move file `from` to `to` (root-relative), writing `contents` there instead of the old
    /// bytes when given. Creates missing parent directories.
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
    /// Remove directory `path` if it is empty; leave it otherwise.
    RemoveDirIfEmpty {
        /// The directory.
        path: String,
    },
}

/// What [`execute`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Files moved.
    pub moved: usize,
    /// Files whose contents were rewritten (moved or not).
    pub rewritten: usize,
    /// Empty directories removed.
    pub dirs_removed: usize,
}

/// The operations that carry out `plan`: moves, then in-place rewrites, then the removal of
/// source directories that the moves emptied (deepest first).
pub fn operations(plan: &Plan) -> Vec<Operation> {
    let mut ops = Vec::new();
    let changes: std::collections::HashMap<&str, &str> = plan
        .file_changes
        .iter()
        .map(|c| (c.path.as_str(), c.updated.as_str()))
        .collect();
    let contents_of = |path: &str| changes.get(path).map(|s| (*s).to_owned());
    for file in &plan.files {
        ops.push(Operation::Move {
            from: file.path.clone(),
            to: file.to.clone(),
            contents: contents_of(&file.path),
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

/// Checks that `ops` can all be carried out, then carries them out in order.
///
/// # Errors
/// [`Error::BadPath`] when the preflight finds a move whose destination exists or a file that
/// is not writable (nothing has been changed then); [`Error::Io`] when the disk fails midway.
pub fn execute(root: &Path, ops: &[Operation]) -> Result<Applied> {
    preflight(root, ops)?;
    let mut applied = Applied::default();
    for op in ops {
        match op {
            Operation::Move { from, to, contents } => {
                let (from, to) = (root.join(from), root.join(to));
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                match contents {
                    Some(contents) => {
                        write_atomically(&to, contents.as_bytes(), Some(&from))?;
                        fs::remove_file(&from).map_err(|e| Error::io(&from, e))?;
                        applied.rewritten += 1;
                    }
                    None => fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?,
                }
                applied.moved += 1;
            }
            Operation::Write { path, contents } => {
                let path = root.join(path);
                write_atomically(&path, contents.as_bytes(), Some(&path))?;
                applied.rewritten += 1;
            }
            Operation::RemoveDirIfEmpty { path } => {
                let path = root.join(path);
                let is_empty = fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
                if is_empty {
                    fs::remove_dir(&path).map_err(|e| Error::io(&path, e))?;
                    applied.dirs_removed += 1;
                }
            }
        }
    }
    Ok(applied)
}

/// Refuses a run that could not be finished: a destination that exists, or a file to rewrite
/// that is read-only.
fn preflight(root: &Path, ops: &[Operation]) -> Result<()> {
    for op in ops {
        match op {
            Operation::Move { to, .. } if fs::symlink_metadata(root.join(to)).is_ok() => {
                return Err(Error::BadPath {
                    what: "destination",
                    path: to.clone(),
                    reason: "already exists; regraft never overwrites a file".to_owned(),
                });
            }
            Operation::Write { path, .. } => {
                let meta =
                    fs::metadata(root.join(path)).map_err(|e| Error::io(root.join(path), e))?;
                if meta.permissions().readonly() {
                    return Err(Error::BadPath {
                        what: "file",
                        path: path.clone(),
                        reason: "is read-only; make it writable or leave it out".to_owned(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file next to `target`, with the permissions of `like` (when it
/// exists), flushes it to disk and renames it over `target`.
fn write_atomically(target: &Path, bytes: &[u8], like: Option<&Path>) -> Result<()> {
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp: PathBuf = target.with_file_name(format!(".{name}.regraft-tmp"));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        if let Some(permissions) = like
            .and_then(|p| fs::metadata(p).ok())
            .map(|m| m.permissions())
        {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        fs::rename(&temp, target)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io(target, e)
    })
}
