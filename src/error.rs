//! The library's error type. Most variants are a reason to stop before anything is changed
//! (bad input) or an I/O failure; findings about the code are not errors (see `plan::Skipped`).
//!
//! An error that stops `apply` after its first change is wrapped: [`Error::RolledBack`] when
//! the run was rolled back (the tree is as it was), [`Error::PartlyApplied`] when the rollback
//! failed too. [`Error::outcome`] tells the caller which of the three is true, so that the
//! message about the tree is never a guess.

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
    /// A pattern `[[move]]` of the rules file cannot be expanded on this tree (it matches
    /// nothing, its expansions collide or nest, it does not parse).
    #[error("{path}:{line}:{col}: invalid rules file: {message}")]
    RulesPattern {
        /// The rules file.
        path: PathBuf,
        /// 1-based line of the pattern (or of its `to`).
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
        /// What to do about it.
        help: &'static str,
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
    /// A PATH given to `check` is neither in the work tree nor, as a deleted file, in git.
    #[error("PATH `{0}`: does not exist")]
    NoSuchPath(String),
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
    /// Ctrl-C (SIGINT) or SIGTERM stopped the run at a step boundary.
    #[error("interrupted")]
    Interrupted,
    /// An earlier run is unfinished (interrupted, crashed, or failed and not rolled back):
    /// only `undo` may run.
    #[error("{what} before it finished: {run}")]
    Unfinished {
        /// What was cut off: an earlier run, or the undo of one.
        what: &'static str,
        /// The run: its id, start time and command (or the process that left the lock).
        run: String,
    },
    /// `apply` failed (or was interrupted) after its first change, and rolled the run back:
    /// the tree is as it was before it.
    #[error(transparent)]
    RolledBack {
        /// Why the run stopped.
        source: Box<Error>,
    },
    /// `apply` failed after its first change and could not roll the run back either: the
    /// journal stays unfinished, for `regraft undo`.
    #[error("{error}")]
    PartlyApplied {
        /// Why the run stopped.
        error: Box<Error>,
        /// Why the rollback failed.
        rollback: Box<Error>,
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

/// What an error left of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It was raised before the first change: nothing was changed.
    NothingChanged,
    /// The run was rolled back: the tree is as it was before it.
    RolledBack,
    /// The rollback failed: the run is only partly applied, `regraft undo` restores the tree.
    PartlyApplied,
}

impl Outcome {
    /// What to tell the user about the tree.
    pub fn message(self) -> &'static str {
        match self {
            Self::NothingChanged => "nothing was changed",
            Self::RolledBack => "the run was rolled back; the tree is as it was before it",
            Self::PartlyApplied => {
                "the run is only partly applied: run `regraft undo` to restore the tree"
            }
        }
    }
}

impl Error {
    /// What this error left of the tree.
    pub fn outcome(&self) -> Outcome {
        match self {
            Self::RolledBack { .. } => Outcome::RolledBack,
            Self::PartlyApplied { .. } => Outcome::PartlyApplied,
            _ => Outcome::NothingChanged,
        }
    }

    /// True when nothing was changed (the error came before the first change).
    pub fn changed_nothing(&self) -> bool {
        self.outcome() == Outcome::NothingChanged
    }

    /// The error that stopped the run, under a [`Error::RolledBack`] or
    /// [`Error::PartlyApplied`] wrapper (`self` otherwise).
    pub fn cause(&self) -> &Error {
        match self {
            Self::RolledBack { source } => source.cause(),
            Self::PartlyApplied { error, .. } => error.cause(),
            _ => self,
        }
    }

    /// True when a signal stopped the run.
    pub fn is_interrupt(&self) -> bool {
        matches!(self.cause(), Self::Interrupted)
    }

    /// What the user can do about it, when that is not in the message already.
    pub fn help(&self) -> Option<&'static str> {
        match self.cause() {
            Self::Unfinished { .. } => Some(
                "run `regraft undo` to restore the tree as it was before that run; \
                 nothing else runs until then",
            ),
            Self::RulesPattern { help, .. } => Some(*help),
            Self::NoSuchPath(_) => Some(
                "name files under the root that exist; a file deleted in git (in the index or \
                 in HEAD) is skipped, and `regraft check` without PATHS checks the whole tree",
            ),
            _ => None,
        }
    }
}

/// `Result` with regraft's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
