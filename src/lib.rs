//! regraft moves Python package directories and rewrites every reference to them.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`rules`]: the request (`SRC DST` or a rules file), validated.
//! 2. [`walk`]: the files of the tree, in parallel, honouring `.gitignore` and `exclude`.
//! 3. [`resolve`]: file paths ↔ module names under the import roots; old module → new module.
//! 4. [`parse`]: tree-sitter parses the Python files that can refer to a moved module.
//! 5. [`rewrite`]: each reference the move affects becomes a [`rewrite::Change`] made of
//!    byte-range [`edit::Edit`]s; [`references`] resolves module and file paths written in
//!    strings and in text files (TOML, YAML, INI, rst, …).
//! 6. [`plan`]: all of the above, gathered into a serialisable [`plan::Plan`] before any write.
//! 7. [`apply`] and [`journal`]: the only stages that write. The journal records every step
//!    (and a copy of every byte to be replaced) before the first change; apply moves files
//!    (as git renames inside a work tree) and writes the rewritten texts atomically.
//!    `regraft undo` replays the journal backwards.
//! 8. [`report`]: text, JSON and diffs.
//!
//! Merges of files that exist on both sides ([`categorize`], [`merge`]) are audited by
//! [`definitions`]: a definition of either side that the result lacks is named in the plan.
//!
//! [`check`] reuses walk, resolve, parse and the rewrite scan to find stale and broken imports
//! and leftover conflict markers (`regraft check`, for pre-commit and CI).
//!
//! [`cli`] ties them to the command line; `main.rs` only maps the result to an exit code.
#![warn(missing_docs)]

pub mod apply;
pub mod categorize;
pub mod check;
pub mod cli;
pub mod definitions;
pub mod edit;
pub mod error;
pub mod failpoint;
pub mod git;
pub mod import_scan;
pub mod interrupt;
pub mod journal;
#[path = "lang/rust/mod.rs"]
pub mod lang_rust;
pub mod line_index;
pub mod merge;
pub mod module_name;
pub mod parse;
pub mod plan;
pub mod progress;
pub mod project_root;
pub mod references;
pub mod report;
pub mod resolve;
pub mod rewrite;
pub mod rules;
pub mod stdlib;
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
