//! The library's error type. Every variant is a reason to stop before anything is changed
//! (bad input) or an I/O failure; findings about the code are not errors (see `plan::Skipped`).

use std::path::PathBuf;

/// Why regraft could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The rules file could not be read.
    #[error("cannot read rules file {path}: {source}")]
    ReadRules {
        /// The rules file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The rules file is not valid TOML, or has unknown or missing keys.
    #[error("{path}:{line}:{col}: invalid rules file: {message}")]
    ParseRules {
        /// The rules file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// A path given on the command line or in a rules file cannot be used.
    #[error("{what} `{path}`: {reason}")]
    BadPath {
        /// Which path this is (`SRC`, `DST`, `python_roots entry`, …).
        what: &'static str,
        /// The path as given.
        path: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The request as a whole does not make sense (no move given, moves that collide, …).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Walking the tree failed.
    #[error("walking the tree: {0}")]
    Walk(#[from] ignore::Error),
    /// A git command failed.
    #[error("{0}")]
    Git(String),
    /// Files with uncommitted changes would be touched.
    #[error("uncommitted changes in files this run would touch (commit or stash them, or pass --allow-dirty):\n  {}", .0.join("\n  "))]
    Dirty(Vec<String>),
    /// Another regraft run holds the lock.
    #[error(
        "another regraft run (pid {pid}) is working on this tree; wait for it, or remove {lock} if that process is gone"
    )]
    Locked {
        /// The process holding the lock.
        pid: u32,
        /// The lock file.
        lock: PathBuf,
    },
    /// `undo` found no run to undo.
    #[error("nothing to undo: no regraft run is recorded under .regraft/")]
    NothingToUndo,
    /// `undo` found files changed after the run.
    #[error("files changed after the run; undo would lose those changes (pass --force to undo anyway):\n  {}", .0.join("\n  "))]
    ChangedSinceRun(Vec<String>),
    /// The journal of a run cannot be read.
    #[error("{path}: unreadable journal: {message}")]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A bug: two edits of one file overlap.
    #[error("{path}: {source}")]
    Overlap {
        /// The file whose edits overlap.
        path: String,
        /// The overlapping ranges.
        source: crate::edit::OverlapError,
    },
}

impl Error {
    /// Builds an [`Error::BadPath`].
    pub fn bad_path(
        what: &'static str,
        path: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::BadPath {
            what,
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with regraft's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
