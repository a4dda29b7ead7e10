//! regraft moves Python package directories and rewrites every reference to them.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`rules`]: the request (`SRC DST` or a rules file), validated.
//! 2. [`walk`]: the files of the tree, in parallel, honouring `.gitignore` and `exclude`.
//! 3. [`resolve`]: the run's moves, old path and module → new path and module, under the
//!    import roots ([`lang::python::roots`]).
//! 4. [`lang`]: where a language plugs in, through [`lang::Language`]: which files it owns,
//!    the needles a file must contain to be parsed at all, and one file's references that the
//!    move affects, as [`lang::Change`]s made of byte-range [`edit::Edit`]s. [`lang::python`]
//!    is the one language today: tree-sitter ([`lang::python::parse`]), the import rewriter
//!    ([`lang::python::rewrite`]), and module and file paths written in strings and in text
//!    files (TOML, YAML, INI, rst, …: [`lang::python::references`]).
//! 5. [`plan`]: all of the above, gathered into a serialisable [`plan::Plan`] before any write.
//! 6. [`apply`] and [`journal`]: the only stages that write. The journal records every step
//!    (and a copy of every byte to be replaced) before the first change; apply moves files
//!    (as git renames inside a work tree) and writes the rewritten texts atomically.
//!    `regraft undo` replays the journal backwards.
//! 7. [`report`]: text, JSON and diffs.
//!
//! Merges of files that exist on both sides ([`categorize`], [`merge`]) are line merges; the
//! language may unite a file instead (Python's `__init__.py`) and audits the result (for
//! Python, [`lang::python::definitions`]: a definition of either side that the result lacks is
//! named in the plan).
//!
//! [`check`] reuses walk, resolve and the rewrite scan to find stale references and leftover
//! conflict markers, and hands each file to its language's checks (for Python, broken imports:
//! [`lang::python::check`]) (`regraft check`, for pre-commit and CI).
//!
//! [`survey`] finds the package directories that look like copies of one another, before
//! any rules file exists, and can write one (`regraft survey`).
//!
//! [`cli`] ties them to the command line; `main.rs` only maps the result to an exit code.
#![warn(missing_docs)]

pub mod apply;
pub mod categorize;
pub mod check;
pub mod cli;
pub mod edit;
pub mod error;
pub mod failpoint;
pub mod git;
pub mod interrupt;
pub mod journal;
pub mod lang;
pub mod line_index;
pub mod merge;
pub mod plan;
pub mod progress;
pub mod project_root;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod survey;
pub mod timings;
pub mod walk;

/// How a run ended; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, and nothing needs a human.
    Clean = 0,
    /// 1: done, but something needs a human (skipped files, conflicts, check findings).
    NeedsHuman = 1,
    /// 2: bad input (usage, rules, missing SRC, an earlier run left unfinished, …); nothing
    /// was changed. Also an `apply` stopped by a signal or an error after its first change:
    /// it rolled the run back (or says it is only partly applied, for `regraft undo`).
    BadInput = 2,
}
