//! Works out everything a run will do, before anything is written.
//!
//! In: the root and the validated [`Rules`]. Out: a [`Plan`]: pure, serialisable data listing
//! the files that move, every reference that is rewritten (with its new text), and the files
//! regraft could not handle. Reads files; never writes.
//!
//! Speed: every file is read once, on all cores. A file of a language ([`crate::lang`]) is
//! handed to it only when it lies in a moved directory or its bytes contain one of the
//! language's needles (for Python, the last component of a moved module: a reference from
//! outside must spell that name), so most files of a large tree are never parsed.

use std::collections::BTreeMap;
use std::path::Path;

use memchr::memmem;
use rayon::prelude::*;

use crate::categorize::{ConflictStyle, MergeContext, MergeReport, categorize, leftover_conflicts};
use crate::edit::FileEdits;
use crate::error::{Error, Result};
use crate::lang::python::references::{ModuleIndex, References};
use crate::lang::python::roots::ImportRoots;
use crate::lang::{Change, LANGUAGES, RefKind, Run, language_of};
use crate::line_index::LineIndex;
use crate::resolve::{ModuleMove, ModuleMoves};
use crate::rules::Rules;
use crate::walk::{WalkedFile, all_files_under};

/// Everything one run will do. Serialised as the JSON of `regraft plan --format json`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Plan {
    /// The moves: `from`, `to` (directories) and `from_module`, `to_module`.
    pub moves: Vec<PlannedMove>,
    /// Every file under a source directory, with its category and new path.
    pub files: Vec<PlannedFile>,
    /// Every reference that changes, sorted by file, line and column.
    pub rewrites: Vec<Rewrite>,
    /// Files in both source and destination that differ (their DST paths).
    pub conflicts: Vec<String>,
    /// How each conflict file is merged: base used, outcome.
    pub merges: Vec<MergeReport>,
    /// Files that still hold conflict markers (or sidecars) from an earlier run.
    pub unresolved: Vec<String>,
    /// Files, or parts of files, that regraft did not rewrite and a human should look at.
    pub skipped: Vec<Skipped>,
    /// Files under a source directory that are ignored (`.gitignore`, `exclude`) and so stay.
    pub left_behind: Vec<String>,
    /// The new contents of every file that changes, for `apply`, `--diff` and tests.
    #[serde(skip)]
    pub file_changes: Vec<FileChange>,
    /// Source copies that go away (identical to, or merged into, their DST twin).
    #[serde(skip)]
    pub deletions: Vec<String>,
    /// Sidecar files to create under `.regraft/conflicts/`: (path, contents).
    #[serde(skip)]
    pub sidecars: Vec<(String, Vec<u8>)>,
    /// Compatibility packages left at old paths (`--shim`): (`SRC/__init__.py`, contents).
    pub shims: Vec<(String, String)>,
    /// New files the move needs (a Rust parent module that does not exist yet): (path,
    /// contents).
    pub created: Vec<(String, String)>,
}

/// One move of the run, as reported: the paths and the module names (`a.b` in Python,
/// `crate::a::b` in Rust).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedMove {
    /// The paths.
    #[serde(flatten)]
    pub dirs: crate::rules::DirMove,
    /// The module SRC is.
    pub from_module: String,
    /// The module DST will be.
    pub to_module: String,
}

impl From<&ModuleMove> for PlannedMove {
    fn from(m: &ModuleMove) -> Self {
        Self {
            dirs: m.dirs.clone(),
            from_module: m.from_module.to_string(),
            to_module: m.to_module.to_string(),
        }
    }
}

/// What happens to one file under a source directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedFile {
    /// Root-relative path today.
    pub path: String,
    /// Root-relative path after the run.
    pub to: String,
    /// What happens to it.
    pub category: FileCategory,
}

/// How a file under SRC or DST is handled (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileCategory {
    /// Only in the source: moved.
    Move,
    /// In both, with the same content after rewriting: the source copy is dropped.
    Identical,
    /// In both, different: needs a merge.
    Conflict,
    /// Only in the destination: kept.
    Keep,
}

/// One rewritten reference, as reported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rewrite {
    /// Root-relative path of the file today.
    pub file: String,
    /// 1-based line where the reference starts.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What kind of reference.
    pub kind: RefKind,
    /// The text before.
    pub old: String,
    /// The text after.
    pub new: String,
}

/// Something regraft left as it was and a human should look at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Root-relative path.
    pub path: String,
    /// 1-based line, when the trouble has a place.
    pub line: usize,
    /// 1-based column in characters.
    pub col: usize,
    /// Why.
    pub reason: String,
}

/// One file whose contents change.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// Root-relative path today.
    pub path: String,
    /// Root-relative path after the run (same as `path` when it does not move).
    pub new_path: String,
    /// The text today.
    pub original: String,
    /// The text after the run.
    pub updated: String,
}

impl Plan {
    /// True when something needs a human (exit status 1).
    pub fn needs_human(&self) -> bool {
        !self.skipped.is_empty()
            || !self.unresolved.is_empty()
            || self.merges.iter().any(|m| m.outcome.needs_human())
    }

    /// True when applying the plan would change the tree.
    pub fn changes_anything(&self) -> bool {
        !self.files.iter().all(|f| f.category == FileCategory::Keep)
            || !self.file_changes.is_empty()
            || !self.deletions.is_empty()
            || !self.sidecars.is_empty()
            || !self.shims.is_empty()
            || !self.created.is_empty()
    }

    /// How many files fall in `category`.
    pub fn count(&self, category: FileCategory) -> usize {
        self.files.iter().filter(|f| f.category == category).count()
    }

    /// How many files have at least one rewritten reference.
    pub fn rewritten_files(&self) -> usize {
        let mut files: Vec<&str> = self.rewrites.iter().map(|r| r.file.as_str()).collect();
        files.dedup();
        files.len()
    }

    /// The number of rewrites of each kind, in [`RefKind::ALL`] order, without zeros.
    pub fn counts_by_kind(&self) -> Vec<(RefKind, usize)> {
        let mut counts = BTreeMap::new();
        for rewrite in &self.rewrites {
            *counts.entry(rewrite.kind).or_insert(0) += 1;
        }
        RefKind::ALL
            .iter()
            .filter_map(|k| counts.get(k).map(|n| (*k, *n)))
            .collect()
    }
}

/// How to plan, besides the rules.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// How conflicts of a merge are handed over.
    pub conflict_style: ConflictStyle,
    /// Leave a compatibility package at each old path.
    pub shim: bool,
}

/// Builds the plan for `rules` on the tree at `root`.
///
/// # Errors
/// Bad input ([`Error::BadPath`], [`Error::Usage`], …), I/O failures, or an internal
/// overlap of edits.
pub fn build_plan(root: &Path, rules: &Rules, options: &PlanOptions) -> Result<Plan> {
    if !root.is_dir() {
        return Err(Error::bad_path(
            "root",
            root.display().to_string(),
            "is not a directory",
        ));
    }
    let rust_moves: Vec<&crate::rules::DirMove> = rules
        .moves
        .iter()
        .filter(|m| crate::lang::rust::relocate::is_rust_move(root, &m.from, &m.to))
        .collect();
    if !rust_moves.is_empty() {
        if rust_moves.len() == rules.moves.len() && rules.renames.is_empty() {
            return build_rust_plan(root, &rust_moves, options);
        }
        // A tree with a Python package and a Rust crate (maturin, pyo3): each language plans
        // its own moves; a file both would change is refused.
        let python_rules = rules.with_moves_where(|m| !rust_moves.contains(&m));
        let python = build_plan(root, &python_rules, options)?;
        let rust = build_rust_plan(root, &rust_moves, options)?;
        return combine(python, rust);
    }
    let roots = ImportRoots::discover(root, &rules.python_roots);
    let moves = ModuleMoves::for_rules(root, &roots, rules)?;
    let mut pending_sources = Vec::new();
    for m in moves.moves() {
        if check_directories(root, &m.dirs.from, &m.dirs.to)? {
            pending_sources.push(m.dirs.from.clone());
        }
    }

    let walked = crate::timings::phase("plan: walk");
    let files = rules.files(root)?;
    drop(walked);
    let git = crate::git::Git::detect(root);
    // Only a move still to be done has files to sort; after it, DST's files are just files.
    let pending_destinations: Vec<&str> = moves
        .moves()
        .iter()
        .filter(|m| pending_sources.contains(&m.dirs.from))
        .map(|m| m.dirs.to.as_str())
        .collect();
    let scanned = crate::timings::phase("plan: read and rewrite");
    let index = ModuleIndex::build(&roots, &files);
    let scan = Scan::new(root, &roots, &moves, &index, rules, &files)?;
    // Where each file of a move still to be done goes. The history of the files in both SRC
    // and DST does not depend on their texts: git looks it up while the tree is scanned.
    let mut moved_to: std::collections::HashMap<&str, String> = files
        .iter()
        .filter(|f| {
            pending_sources
                .iter()
                .any(|s| crate::rules::is_within(&f.path, s))
        })
        .filter_map(|f| Some((f.path.as_str(), moves.map_path(&f.path)?)))
        .collect();
    let pairs = crate::categorize::pairs_in_both(&files, &moved_to, &pending_destinations);
    let (outcomes, history) = std::thread::scope(|scope| {
        let history = git
            .as_ref()
            .filter(|_| !pairs.is_empty())
            .map(|git| scope.spawn(|| crate::categorize::PairHistory::look_up(Some(git), &pairs)));
        let outcomes = scan.files(&files, None);
        let history = history.map(|h| h.join().expect("the history look-up does not panic"));
        (outcomes, history)
    });
    let outcomes = outcomes?;
    // A failed look-up is not an error yet: the pairs that turn out to need a base look
    // their history up again, and report git's error then (none may need one).
    let history = history.and_then(Result::ok);
    drop(scanned);

    let mut plan = Plan {
        moves: moves.moves().iter().map(PlannedMove::from).collect(),
        ..Plan::default()
    };

    for (file, outcome) in files.iter().zip(outcomes) {
        // A shim regraft left (its outcome moves nothing) stays where it is.
        if outcome.moved_to.is_none() {
            moved_to.remove(file.path.as_str());
        }
        plan.rewrites.extend(outcome.rewrites);
        plan.skipped.extend(outcome.skipped);
        plan.file_changes.extend(outcome.change);
    }
    let destinations: Vec<&str> = moves.moves().iter().map(|m| m.dirs.to.as_str()).collect();
    let rewrite_source = |path: &str, text: &str| scan.rewrite_text(path, text);
    let merge_context = MergeContext {
        root,
        git: git.as_ref(),
        style: options.conflict_style,
        rewrite_source: &rewrite_source,
        history: history.as_ref(),
    };
    let sorting = crate::timings::phase("plan: sort and merge");
    let sorted = categorize(
        &merge_context,
        &files,
        &moved_to,
        &pending_destinations,
        &mut plan.file_changes,
    )?;
    drop(sorting);
    plan.files = sorted.files;
    plan.conflicts = sorted.merges.iter().map(|m| m.path.clone()).collect();
    plan.merges = sorted.merges;
    plan.deletions = sorted.deletions;
    plan.sidecars = sorted.sidecars;
    if options.shim {
        for m in moves
            .moves()
            .iter()
            .filter(|m| pending_sources.contains(&m.dirs.from))
        {
            // A package gets an `__init__.py` shim; a module file a shim of the same name.
            let path = if crate::resolve::is_module_file(&m.dirs.from) {
                m.dirs.from.clone()
            } else {
                format!("{}/__init__.py", m.dirs.from)
            };
            plan.shims.push((path, shim_text(m)));
        }
    }
    plan.unresolved = leftover_conflicts(root, &files, &destinations);
    plan.skipped
        .sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    let planned: std::collections::HashSet<&str> =
        plan.files.iter().map(|f| f.path.as_str()).collect();
    let mut left_behind = Vec::new();
    for source in &pending_sources {
        left_behind.extend(
            all_files_under(root, source)?
                .into_iter()
                .filter(|f| !planned.contains(f.as_str())),
        );
    }
    plan.left_behind = left_behind;
    Ok(plan)
}

/// How every shim starts (see `templates/shim.py`).
const SHIM_MARKER: &str = "\"\"\"Compatibility shim left by `regraft apply --shim`.";

/// True when directory `dir` holds nothing but a shim (and compiled files): the move is done.
fn holds_only_a_shim(dir: &Path) -> bool {
    let init = dir.join("__init__.py");
    let is_shim = std::fs::read(&init).is_ok_and(|b| b.starts_with(SHIM_MARKER.as_bytes()));
    is_shim
        && std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.filter_map(std::result::Result::ok).all(|e| {
                let name = e.file_name();
                name == "__init__.py" || name == "__pycache__"
            })
        })
}

/// The `__init__.py` that `--shim` leaves at the old path of `m`.
fn shim_text(m: &ModuleMove) -> String {
    include_str!("templates/shim.py")
        .replace("{old}", m.from_module.as_str())
        .replace("{new}", m.to_module.as_str())
        .replace("{{", "{")
        .replace("}}", "}")
}

/// Checks SRC and DST of one move (DST may exist: then SRC is merged into it). Returns false
/// when SRC is gone but DST exists: the move was done by an earlier run, and only references
/// that still use the old name are left to fix.
fn check_directories(root: &Path, src: &str, dst: &str) -> Result<bool> {
    let src_meta = std::fs::symlink_metadata(root.join(src));
    let dst_path = root.join(dst);
    stays_inside_root(root, src, "SRC")?;
    stays_inside_root(root, dst, "DST")?;
    match src_meta {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::bad_path(
            "SRC",
            src,
            "is a symbolic link; move the directory it points to instead",
        )),
        Ok(meta) if meta.is_file() && crate::resolve::is_module_file(src) => {
            let is_shim =
                std::fs::read(root.join(src)).is_ok_and(|b| b.starts_with(SHIM_MARKER.as_bytes()));
            if is_shim {
                return Ok(false);
            }
            if dst_path.exists() && !crate::resolve::is_module_file(dst) {
                return Err(Error::bad_path(
                    "DST",
                    dst,
                    "must be a `.py` file when SRC is one",
                ));
            }
            Ok(true)
        }
        Ok(meta) if !meta.is_dir() => Err(Error::bad_path(
            "SRC",
            src,
            "is not a directory (nor a `.py` module file)",
        )),
        Ok(_) if holds_only_a_shim(&root.join(src)) => Ok(false),
        Ok(_) => {
            if dst_path.exists() && !dst_path.is_dir() {
                return Err(Error::bad_path("DST", dst, "exists and is not a directory"));
            }
            Ok(true)
        }
        Err(_) if dst_path.is_dir() || dst_path.is_file() => Ok(false),
        Err(_) => Err(Error::bad_path("SRC", src, "does not exist")),
    }
}

/// Plans a run whose moves are Rust modules ([`crate::lang::rust::relocate`]). One Rust
/// move per run, and no Python moves beside it: each is planned against the tree as it is,
/// so two would not see each other's edits.
fn build_rust_plan(
    root: &Path,
    rust_moves: &[&crate::rules::DirMove],
    options: &PlanOptions,
) -> Result<Plan> {
    let [m] = rust_moves else {
        return Err(Error::Usage(format!(
            "{} Rust module moves in one run; regraft moves one Rust module per run for now\n\
             help: run them one after the other",
            rust_moves.len()
        )));
    };
    stays_inside_root(root, &m.from, "SRC")?;
    stays_inside_root(root, &m.to, "DST")?;
    let moved = crate::lang::rust::relocate::plan_move(root, &m.from, &m.to, options.shim)?;
    let mut plan = Plan::default();
    if moved.file_moves.is_empty() {
        return Ok(plan);
    }
    plan.moves.push(PlannedMove {
        dirs: (*m).clone(),
        from_module: moved.from_module,
        to_module: moved.to_module,
    });
    plan.files = moved
        .file_moves
        .iter()
        .map(|(from, to)| PlannedFile {
            path: from.clone(),
            to: to.clone(),
            category: FileCategory::Move,
        })
        .collect();
    for file in moved.files {
        let mut outcome = FileOutcome::default();
        let index = LineIndex::new(&file.text);
        for problem in &file.problems {
            let at = index.position(&file.text, problem.offset);
            outcome.skipped.push(Skipped {
                path: file.path.clone(),
                line: at.line,
                col: at.col,
                reason: problem.message.clone(),
            });
        }
        let unparsable = file
            .problems
            .iter()
            .any(|p| p.message.starts_with("syntax error"));
        if !unparsable {
            Scan::record(
                &file.path,
                &file.new_path,
                file.text,
                file.changes,
                &mut outcome,
            )?;
        }
        plan.rewrites.extend(outcome.rewrites);
        plan.skipped.extend(outcome.skipped);
        plan.file_changes.extend(outcome.change);
    }
    plan.created = moved.created;
    if let Some((dst_dir, dst_module_file)) = &moved.merge_into {
        merge_rust_modules(
            root,
            &moved.file_moves,
            dst_dir,
            dst_module_file,
            options,
            &mut plan,
        )?;
    }
    plan.skipped
        .sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    Ok(plan)
}

/// Sorts the files of a Rust module merged into an existing one as a Python merge is sorted
/// ([`categorize`]: moved, identical, merged, kept), then unites two module files that only
/// declare, and audits every merged `.rs` file for items either side had.
fn merge_rust_modules(
    root: &Path,
    file_moves: &[(String, String)],
    dst_dir: &str,
    dst_module_file: &str,
    options: &PlanOptions,
    plan: &mut Plan,
) -> Result<()> {
    let mut files: Vec<WalkedFile> = file_moves
        .iter()
        .map(|(from, _)| WalkedFile {
            path: from.clone(),
            is_symlink: false,
        })
        .collect();
    for path in all_files_under(root, dst_dir)?
        .into_iter()
        .chain([dst_module_file.to_owned()])
    {
        files.push(WalkedFile {
            is_symlink: std::fs::symlink_metadata(root.join(&path))
                .is_ok_and(|m| m.file_type().is_symlink()),
            path,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    let moved_to: std::collections::HashMap<&str, String> = file_moves
        .iter()
        .map(|(from, to)| (from.as_str(), to.clone()))
        .collect();
    // Both sides of each pair as the run rewrote them (categorize replaces those changes).
    let rewritten: std::collections::HashMap<String, String> = plan
        .file_changes
        .iter()
        .map(|c| (c.path.clone(), c.updated.clone()))
        .collect();
    let git = crate::git::Git::detect(root);
    let unchanged = |_: &str, text: &str| text.to_owned();
    let context = MergeContext {
        root,
        git: git.as_ref(),
        style: options.conflict_style,
        rewrite_source: &unchanged,
        history: None,
    };
    let sorted = categorize(
        &context,
        &files,
        &moved_to,
        &[dst_dir, dst_module_file],
        &mut plan.file_changes,
    )?;
    plan.files = sorted.files;
    plan.deletions = sorted.deletions;
    plan.sidecars = sorted.sidecars;
    plan.merges = sorted.merges;
    let src_module_file = file_moves.first().map(|(from, _)| from.as_str());
    for merge in &mut plan.merges {
        let on_disk = std::fs::read_to_string(root.join(&merge.path)).unwrap_or_default();
        let final_text = |path: &str| match rewritten.get(path) {
            Some(text) => text.clone(),
            None => std::fs::read_to_string(root.join(path)).unwrap_or_default(),
        };
        let (dst_text, src_text) = (final_text(&merge.path), final_text(&merge.source));
        if Some(merge.source.as_str()) == src_module_file
            && let Some(united) = crate::lang::rust::merge::module_file_union(&dst_text, &src_text)
        {
            plan.sidecars
                .retain(|(p, _)| !p.contains(&format!("/conflicts/{}.", merge.path)));
            match plan.file_changes.iter_mut().find(|c| c.path == merge.path) {
                Some(change) => change.updated.clone_from(&united),
                None => plan.file_changes.push(FileChange {
                    path: merge.path.clone(),
                    new_path: merge.path.clone(),
                    original: on_disk,
                    updated: united,
                }),
            }
            merge.outcome = crate::categorize::MergeOutcome::Union;
            merge.conflicts = 0;
            merge.base = None;
            "no base needed (union of `mod` and `use` items)".clone_into(&mut merge.base_found);
            continue;
        }
        let merged = plan
            .file_changes
            .iter()
            .find(|c| c.path == merge.path)
            .map(|c| c.updated.clone());
        if let Some(merged) = merged
            && !merge.outcome.needs_human()
            && let Some(lost) = crate::lang::rust::merge::lost_items(&dst_text, &src_text, &merged)
            && !lost.is_empty()
        {
            merge.lost = lost;
            merge.outcome = crate::categorize::MergeOutcome::NeedsReview;
        }
    }
    plan.conflicts = plan.merges.iter().map(|m| m.path.clone()).collect();
    Ok(())
}

/// One plan of a Python plan and a Rust plan of the same run. Each was planned against the
/// tree as it is, so a file both would change (or move) is refused rather than guessed.
fn combine(mut python: Plan, rust: Plan) -> Result<Plan> {
    let touched: std::collections::HashSet<&str> = python
        .file_changes
        .iter()
        .map(|c| c.path.as_str())
        .chain(python.files.iter().map(|f| f.path.as_str()))
        .chain(python.created.iter().map(|(p, _)| p.as_str()))
        .collect();
    let both: Vec<String> = rust
        .file_changes
        .iter()
        .map(|c| c.path.as_str())
        .chain(rust.files.iter().map(|f| f.path.as_str()))
        .chain(rust.created.iter().map(|(p, _)| p.as_str()))
        .filter(|p| touched.contains(p))
        .map(str::to_owned)
        .collect();
    if !both.is_empty() {
        return Err(Error::Usage(format!(
            "the Python and the Rust moves of this run would both change {}\n\
             help: run the moves one after the other",
            both.join(", ")
        )));
    }
    python.moves.extend(rust.moves);
    python.files.extend(rust.files);
    python.rewrites.extend(rust.rewrites);
    python
        .rewrites
        .sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    python.skipped.extend(rust.skipped);
    python
        .skipped
        .sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    python.file_changes.extend(rust.file_changes);
    python.created.extend(rust.created);
    Ok(python)
}

/// Refuses a path whose existing part leads out of the root through a symbolic link.
fn stays_inside_root(root: &Path, path: &str, what: &'static str) -> Result<()> {
    let canonical_root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let mut existing = root.join(path);
    while std::fs::symlink_metadata(&existing).is_err() {
        if !existing.pop() {
            return Ok(());
        }
    }
    // A symlink at the very end is refused separately, with its own message.
    if existing == root.join(path)
        && std::fs::symlink_metadata(&existing).is_ok_and(|m| m.file_type().is_symlink())
    {
        existing.pop();
    }
    let canonical = std::fs::canonicalize(&existing).map_err(|e| Error::io(&existing, e))?;
    if canonical.starts_with(&canonical_root) {
        Ok(())
    } else {
        Err(Error::bad_path(
            what,
            path,
            format!(
                "leads out of the root through a symbolic link (to {})",
                canonical.display()
            ),
        ))
    }
}

/// What the scan learns about one file.
#[derive(Default)]
pub(crate) struct FileOutcome {
    /// Where the file goes, when it is under a SRC.
    pub(crate) moved_to: Option<String>,
    /// Its references that change.
    pub(crate) rewrites: Vec<Rewrite>,
    /// What in it needs a human.
    pub(crate) skipped: Vec<Skipped>,
    /// Of those, the references to a moved module that regraft found but cannot rewrite (a
    /// template that may build one, a renamed symbol reached through `getattr`): `check`
    /// reports them too, so that its verdict is never "clean" where a plan asks for a human.
    pub(crate) open_references: Vec<Skipped>,
    /// Its new contents.
    pub(crate) change: Option<FileChange>,
}

/// Finds, file by file, what a run does to each (see [`Scan::file`]).
pub(crate) struct Scan<'a> {
    root: &'a Path,
    roots: &'a ImportRoots,
    moves: &'a ModuleMoves,
    index: &'a ModuleIndex,
    /// The last component of each moved module, and each renamed symbol: a file without any
    /// is not parsed.
    needles: Vec<memmem::Finder<'a>>,
    references: References<'a>,
    text_files: globset::GlobSet,
    /// Whether docstrings and comments are rewritten.
    text: crate::rules::TextOptions,
}

impl<'a> Scan<'a> {
    /// Prepares the scan of the tree whose files are `files`.
    pub(crate) fn new(
        root: &'a Path,
        roots: &'a ImportRoots,
        moves: &'a ModuleMoves,
        index: &'a ModuleIndex,
        rules: &Rules,
        files: &[WalkedFile],
    ) -> Result<Self> {
        let mut text_files = globset::GlobSetBuilder::new();
        for glob in &rules.text_files {
            text_files.add(
                globset::Glob::new(glob)
                    .map_err(|e| Error::Usage(format!("[files] include glob `{glob}`: {e}")))?,
            );
        }
        Ok(Self {
            root,
            roots,
            moves,
            index,
            needles: LANGUAGES
                .iter()
                .flat_map(|lang| lang.needles(moves))
                .map(|needle| memmem::Finder::new(needle.as_bytes()))
                .collect(),
            references: References::new(root, moves, index, files),
            text_files: text_files
                .build()
                .map_err(|e| Error::Usage(format!("[files] include: {e}")))?,
            text: rules.text,
        })
    }

    /// The resolver of module and file paths written as text.
    pub(crate) fn references(&self) -> &References<'a> {
        &self.references
    }

    /// Scans `files` on all cores; with `selected`, only those paths (the others get an empty
    /// outcome). The outcomes line up with `files`.
    pub(crate) fn files(
        &self,
        files: &[WalkedFile],
        selected: Option<&std::collections::HashSet<&str>>,
    ) -> Result<Vec<FileOutcome>> {
        files
            .par_iter()
            .map(|file| match selected {
                Some(only) if !only.contains(file.path.as_str()) => Ok(FileOutcome::default()),
                _ => self.file(file),
            })
            .collect()
    }
}

impl Scan<'_> {
    /// What a language is lent to rewrite a file of this run.
    pub(crate) fn run(&self) -> Run<'_> {
        Run {
            root: self.root,
            roots: self.roots,
            index: self.index,
            moves: self.moves,
            references: &self.references,
            text: self.text,
        }
    }

    /// `text` rewritten as the file at `path` is rewritten (used for merge bases).
    fn rewrite_text(&self, path: &str, text: &str) -> String {
        let Some(lang) = language_of(path) else {
            return text.to_owned();
        };
        let new_path = self.moves.map_path(path).unwrap_or_else(|| path.to_owned());
        let rewritten = lang.rewrite(&self.run(), path, &new_path, text);
        let edits = rewritten
            .changes
            .into_iter()
            .flat_map(|c| c.edits)
            .collect();
        FileEdits::new(edits).map_or_else(|_| text.to_owned(), |edits| edits.apply(text))
    }

    fn file(&self, file: &WalkedFile) -> Result<FileOutcome> {
        let path = &file.path;
        let moved_to = self.moves.map_path(path);
        let mut outcome = FileOutcome {
            moved_to: moved_to.clone(),
            ..FileOutcome::default()
        };
        let skip = |line, col, reason: &str| Skipped {
            path: path.clone(),
            line,
            col,
            reason: reason.to_owned(),
        };
        if file.is_symlink {
            if let Some(reason) = self.symlink_left_alone(path, moved_to.is_some()) {
                outcome.skipped.push(skip(1, 1, &reason));
            }
            return Ok(outcome);
        }
        let Some(lang) = language_of(path) else {
            if self.text_files.is_match(path) {
                self.text_file(path, &mut outcome)?;
            } else {
                self.other_file(path, &mut outcome)?;
            }
            return Ok(outcome);
        };
        let bytes = std::fs::read(self.root.join(path)).map_err(|e| Error::io(path, e))?;
        if bytes.starts_with(SHIM_MARKER.as_bytes()) {
            // A shim names the old path on purpose; it is regraft's own, and stays as it is.
            return Ok(FileOutcome::default());
        }
        let mentions_moved = self
            .needles
            .iter()
            .any(|n| crate::lang::mentions_whole_name(&bytes, n));
        if moved_to.is_none() && !mentions_moved {
            return Ok(outcome);
        }
        if let Some(nul) = memchr::memchr(0, &bytes) {
            let (line, col) = byte_position(&bytes, nul);
            outcome
                .skipped
                .push(skip(line, col, "binary file (NUL byte): left as it was"));
            return Ok(outcome);
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let (line, col) = byte_position(err.as_bytes(), err.utf8_error().valid_up_to());
                outcome
                    .skipped
                    .push(skip(line, col, "not valid UTF-8: left as it was"));
                return Ok(outcome);
            }
        };
        // A file that moves inside a moved directory and names nothing that moves keeps
        // its text, unless the language sees a reference that could climb out of the
        // directory. (A moved single-module file is always read: its relative imports start
        // in the old parent.)
        if moved_to.is_some()
            && !mentions_moved
            && !self.moves.moves().iter().any(|m| m.dirs.from == *path)
            && !lang.moved_file_may_change(&text)
        {
            return Ok(outcome);
        }
        let new_path = moved_to.unwrap_or_else(|| path.clone());
        let rewritten = lang.rewrite(&self.run(), path, &new_path, &text);
        let index = LineIndex::new(&text);
        if let Some(offset) = rewritten.syntax_error {
            let at = index.position(&text, offset);
            let left = rewritten.changes.len();
            let reason = if left == 0 {
                "syntax error: the file is left as it was".to_owned()
            } else {
                let noun = if left == 1 { "reference" } else { "references" };
                format!(
                    "syntax error: the file is left as it was, {left} {noun} in it not \
                     rewritten (fix the syntax and run again)"
                )
            };
            outcome.skipped.push(skip(at.line, at.col, &reason));
            return Ok(outcome);
        }
        for problem in &rewritten.problems {
            let at = index.position(&text, problem.offset);
            outcome
                .open_references
                .push(skip(at.line, at.col, &problem.message));
        }
        outcome
            .skipped
            .extend(outcome.open_references.iter().cloned());
        Self::record(path, &new_path, text, rewritten.changes, &mut outcome)?;
        Ok(outcome)
    }

    /// Records `changes` of the file at `path` (`text` today): the reported rewrites, and the
    /// new contents.
    fn record(
        path: &str,
        new_path: &str,
        text: String,
        changes: Vec<Change>,
        outcome: &mut FileOutcome,
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let index = LineIndex::new(&text);
        for change in &changes {
            let at = index.position(&text, change.range.start);
            let (old, new) = change.old_and_new(&text);
            outcome.rewrites.push(Rewrite {
                file: path.to_owned(),
                line: at.line,
                col: at.col,
                kind: change.kind,
                old,
                new,
            });
        }
        let edits = changes.into_iter().flat_map(|c| c.edits).collect();
        let edits = FileEdits::new(edits).map_err(|source| Error::Overlap {
            path: path.to_owned(),
            source,
        })?;
        outcome.change = Some(FileChange {
            path: path.to_owned(),
            new_path: new_path.to_owned(),
            updated: edits.apply(&text),
            original: text,
        });
        Ok(())
    }

    /// Why a symbolic link is left as it is, if it concerns the run: a link in SRC moves as a
    /// link (its target is neither followed nor rewritten); a link elsewhere that points into
    /// SRC will point to nothing once SRC has moved.
    fn symlink_left_alone(&self, path: &str, in_src: bool) -> Option<String> {
        let full = self.root.join(path);
        if in_src {
            let kind = if full.is_dir() {
                "symbolic link to a directory: moved as a link, nothing under it rewritten"
            } else {
                "symbolic link: moved as a link, its target not rewritten"
            };
            return Some(kind.to_owned());
        }
        let target = std::fs::read_link(&full).ok()?;
        let target = self.root_relative_target(path, &target)?;
        let source = self.moves.moves().iter().find(|m| {
            crate::rules::is_within(&target, &m.dirs.from) && self.root.join(&m.dirs.from).exists()
        })?;
        Some(format!(
            "symbolic link into {} (to {target}): left as it was, it will point to nothing after \
             the move; point it at {}",
            source.dirs.from,
            self.moves.map_path(&target).unwrap_or(target.clone())
        ))
    }

    /// The root-relative path a link at `path` points to, when it stays inside the root.
    fn root_relative_target(&self, path: &str, target: &Path) -> Option<String> {
        let mut parts: Vec<String> = if target.is_absolute() {
            let root = std::fs::canonicalize(self.root).ok()?;
            let inside = target.strip_prefix(&root).ok()?;
            return Some(inside.to_string_lossy().replace('\\', "/"));
        } else {
            path.split('/').map(str::to_owned).collect()
        };
        parts.pop();
        for component in target.components() {
            match component {
                std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                std::path::Component::ParentDir => {
                    parts.pop()?;
                }
                _ => {}
            }
        }
        Some(parts.join("/"))
    }

    /// A file regraft does not rewrite (binary, or text of a kind not in `[files] include`):
    /// reported when it spells a moved module's dotted name or SRC's path, since whatever
    /// reads it may look for the old name.
    fn other_file(&self, path: &str, outcome: &mut FileOutcome) -> Result<()> {
        use std::io::Read;
        // Data files (archives, models, databases) can be large, and every plan would read
        // them whole: only their first 16 MiB are searched (a name past that is not seen; the
        // README lists it among the known gaps).
        const SEARCHED: u64 = 16 << 20;
        let mut bytes = Vec::new();
        std::fs::File::open(self.root.join(path))
            .and_then(|file| file.take(SEARCHED).read_to_end(&mut bytes))
            .map_err(|e| Error::io(path, e))?;
        let Some((offset, name)) = self.moves.moves().iter().find_map(|m| {
            [m.from_module.as_str(), m.dirs.from.as_str()]
                .into_iter()
                .find_map(|needle| memmem::find(&bytes, needle.as_bytes()).map(|at| (at, needle)))
        }) else {
            return Ok(());
        };
        let binary = memchr::memchr(0, &bytes).is_some() || std::str::from_utf8(&bytes).is_err();
        let (line, col) = byte_position(&bytes, offset);
        let reason = if binary {
            format!("binary file spells `{name}`: left as it was (the column counts bytes)")
        } else {
            format!(
                "spells `{name}`, but regraft does not rewrite this kind of file: left as it \
                 was (add it under [files] include to have it rewritten)"
            )
        };
        outcome.skipped.push(Skipped {
            path: path.to_owned(),
            line,
            col,
            reason,
        });
        Ok(())
    }

    /// Rewrites the module and file paths in a text file that is not Python.
    fn text_file(&self, path: &str, outcome: &mut FileOutcome) -> Result<()> {
        let bytes = std::fs::read(self.root.join(path)).map_err(|e| Error::io(path, e))?;
        if !self.needles.iter().any(|n| n.find(&bytes).is_some()) {
            return Ok(());
        }
        let Ok(text) = String::from_utf8(bytes) else {
            return Ok(());
        };
        let mut changes = self.references.rewrite_text_file(&text);
        if path == "pyproject.toml"
            && let Some(change) = self.maturin_module_name(&text)
            && !changes
                .iter()
                .any(|c| c.range.start < change.range.end && change.range.start < c.range.end)
        {
            changes.push(change);
            changes.sort_by_key(|c| c.range.start);
        }
        let new_path = outcome.moved_to.clone().unwrap_or_else(|| path.to_owned());
        Self::record(path, &new_path, text, changes, outcome)
    }
}

impl Scan<'_> {
    /// `[tool.maturin] module-name` of `pyproject.toml` (the dotted name the compiled
    /// extension is imported as) when it lies in a moved package. Its `#[pymodule]` name, the
    /// last component, stays: a directory move never renames the extension itself, which
    /// has no directory of its own.
    fn maturin_module_name(&self, text: &str) -> Option<Change> {
        let table: toml::Table = text.parse().ok()?;
        let name = table
            .get("tool")?
            .get("maturin")?
            .get("module-name")?
            .as_str()?;
        let module = crate::lang::python::module_name::ModuleName::new(name)?;
        let new = self.moves.map(&module)?;
        let section = text.find("[tool.maturin]")?;
        let key = section + text[section..].find("module-name")?;
        let quote_at = key + text[key..].find(['"', '\''])?;
        let start = quote_at + 1;
        (text.get(start..start + name.len()) == Some(name))
            .then(|| Change::replace(RefKind::Config, start..start + name.len(), new.to_string()))
    }
}

/// 1-based line and column of byte `offset` in text that may not be UTF-8 (column in bytes).
fn byte_position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}
