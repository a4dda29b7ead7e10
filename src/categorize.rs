//! Sorts the files of a merge (DST exists) into categories, and merges the ones in conflict.
//!
//! In: the files under each SRC and DST, the rewritten texts from the scan, and git (for
//! merge bases). Out: [`Categorized`]: every file with its [`FileCategory`], the merges with
//! their base and outcome, the source copies to delete, and new texts for merged files.
//! Reads files and git history; never writes.
//!
//! - `move`: only in SRC; moved.
//! - `identical`: in both, equal once the source copy's references are rewritten; the source
//!   copy is dropped.
//! - `conflict`: in both, different; merged into DST (three-way when git history holds a
//!   version both copies shared, else two-way), or handed over as sidecar files.
//! - `keep`: only in DST; kept.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::git::{Git, Lineages, Version};
use crate::lang::language_of;
use crate::lang::python::definitions::LostDefinition;
use crate::merge::{Labels, has_conflict_markers, three_way, two_way};
use crate::plan::{FileCategory, FileChange, PlannedFile};
use crate::rules::is_within;
use crate::walk::WalkedFile;

/// How conflicts are handed to a human.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ConflictStyle {
    /// Write the merge into DST with `git merge-file --diff3` style markers.
    #[default]
    Markers,
    /// Leave DST as it is; write base, SRC and DST versions under `.regraft/conflicts/`.
    Sidecar,
}

/// The version a merge started from, with the proof that both copies descend from it: the
/// same blob is found in the history of each path (following renames and exact copies, never
/// an inexact copy).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MergeBase {
    /// The commit of the source copy's history that holds it.
    pub commit: String,
    /// The file's root-relative path in that commit.
    pub path: String,
    /// The blob id (the same in both histories).
    pub blob: String,
    /// The commit of the destination copy's history that holds the same blob.
    pub dst_commit: String,
    /// The destination file's root-relative path in that commit.
    pub dst_path: String,
}

/// How a conflict file came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MergeOutcome {
    /// Merged without conflicts; still worth a review.
    Merged,
    /// Merged without conflict markers, but a definition of one side is missing from the
    /// result and nothing proves it was deleted on purpose: a human must look.
    #[serde(rename = "needs_review")]
    NeedsReview,
    /// An `__init__.py` made of the union of both copies' imports and `__all__`.
    Union,
    /// Conflict markers are left in the file: a human must resolve them.
    Unresolved,
    /// DST was left as it was; the versions are under `.regraft/conflicts/`.
    Sidecar,
}

impl MergeOutcome {
    /// True when a human must act on the file before the merge is done.
    pub fn needs_human(self) -> bool {
        matches!(self, Self::Unresolved | Self::Sidecar | Self::NeedsReview)
    }
}

/// One file that existed on both sides with different contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MergeReport {
    /// The file in DST (where the result lives).
    pub path: String,
    /// The source copy (removed by the merge).
    pub source: String,
    /// The merge base, or `null` when git history has none (a two-way merge).
    pub base: Option<MergeBase>,
    /// How the base was found, or why there is none, in words.
    pub base_found: String,
    /// Definitions of either side that the merged text lacks (see [`crate::lang::python::definitions`]).
    pub lost: Vec<LostDefinition>,
    /// How it came out.
    pub outcome: MergeOutcome,
    /// Conflicts marked in the result.
    pub conflicts: usize,
    /// The line (1-based) where a result written without markers stops parsing; the outcome
    /// is then `needs_review`. Absent when it parses (or has markers, or is not code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syntax_error_line: Option<usize>,
}

/// What categorising found.
#[derive(Debug, Default)]
pub struct Categorized {
    /// Every file under SRC and DST, sorted by path.
    pub files: Vec<PlannedFile>,
    /// One per conflict file.
    pub merges: Vec<MergeReport>,
    /// Source copies to delete (identical and conflict files).
    pub deletions: Vec<String>,
    /// New files under `.regraft/conflicts/` (sidecar style): (path, contents).
    pub sidecars: Vec<(String, Vec<u8>)>,
}

/// What merging needs besides the files.
pub struct MergeContext<'a> {
    /// The root.
    pub root: &'a Path,
    /// The git work tree, for merge bases.
    pub git: Option<&'a Git>,
    /// How unresolved conflicts are handed over.
    pub style: ConflictStyle,
    /// Rewrites a text as if it were the source file at the given path (for merge bases).
    pub rewrite_source: &'a (dyn Fn(&str, &str) -> String + Sync),
    /// What git history says of the pairs, when it was looked up ahead ([`PairHistory`]).
    pub history: Option<&'a PairHistory>,
}

/// The files of `files` that move (`moved_to`) onto a file that exists in one of
/// `destinations`: the pairs a merge must bring together, as (source, destination).
pub fn pairs_in_both<'f>(
    files: &'f [WalkedFile],
    moved_to: &'f HashMap<&str, String, impl std::hash::BuildHasher>,
    destinations: &[&str],
) -> Vec<(&'f str, &'f str)> {
    let in_dst: HashSet<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| destinations.iter().any(|d| is_within(p, d)))
        .collect();
    files
        .iter()
        .filter_map(|f| {
            let to = moved_to.get(f.path.as_str())?;
            in_dst
                .contains(to.as_str())
                .then_some((f.path.as_str(), to.as_str()))
        })
        .collect()
}

/// What git history says of every pair of a run, looked up before their final texts are
/// known, so that `plan` does it while it scans the tree: each pair's merge base, or why it
/// has none. History does not depend on the texts; only the pairs that turn out to differ
/// use it.
pub struct PairHistory {
    /// By source path: the base found, with its text.
    found: HashMap<String, BaseSearch>,
    /// By source path: why a pair has no base.
    why: HashMap<String, String>,
}

impl PairHistory {
    /// Looks up every pair of `pairs`: one pass over history, one `cat-file`, and git's copy
    /// search for the pairs without a base. Without git, nothing is found.
    ///
    /// # Errors
    /// When git fails.
    pub fn look_up(git: Option<&Git>, pairs: &[(&str, &str)]) -> Result<Self> {
        let mut bases = Bases::look_up(git, pairs)?;
        let why = match (git, bases.lineages.take()) {
            (Some(git), Some(lineages)) if !bases.without.is_empty() => {
                let _why = crate::timings::phase("plan: why no base");
                no_base_reasons(git, lineages, &bases.without)?
            }
            _ => HashMap::new(),
        };
        Ok(Self {
            found: bases.found,
            why,
        })
    }

    /// True when every pair of `pairs` was looked up (each gets a base or a reason).
    fn covers(&self, pairs: &[(&str, &str)]) -> bool {
        pairs
            .iter()
            .all(|(src, _)| self.found.contains_key(*src) || self.why.contains_key(*src))
    }
}

/// Categorises the files of every move; `changes` (the scan's rewrites) is updated so that a
/// merged DST file gets its merged text and a dropped source copy gets none.
pub fn categorize(
    cx: &MergeContext<'_>,
    files: &[WalkedFile],
    moved_to: &HashMap<&str, String, impl std::hash::BuildHasher>,
    destinations: &[&str],
    changes: &mut Vec<FileChange>,
) -> Result<Categorized> {
    let mut out = Categorized::default();
    let in_dst: HashSet<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| destinations.iter().any(|d| is_within(p, d)))
        .collect();
    let targets: HashSet<&str> = moved_to.values().map(String::as_str).collect();
    let pairs = pairs_in_both(files, moved_to, destinations);
    let mut merged = merge_pairs(cx, &pairs, changes)?;
    for file in files {
        let path = file.path.as_str();
        if let Some(to) = moved_to.get(path) {
            let category = match merged.remove(path) {
                Some(pair) => record(cx.root, pair, changes, &mut out)?,
                None => FileCategory::Move,
            };
            out.files.push(PlannedFile {
                path: path.to_owned(),
                to: to.clone(),
                category,
            });
        } else if in_dst.contains(path) && !targets.contains(path) {
            out.files.push(PlannedFile {
                path: path.to_owned(),
                to: path.to_owned(),
                category: FileCategory::Keep,
            });
        }
    }
    // The source copies go away: their content is equal to DST's, or merged into it.
    let dropped: HashSet<&str> = out.deletions.iter().map(String::as_str).collect();
    changes.retain(|c| !dropped.contains(c.path.as_str()));
    Ok(out)
}

/// A file in both SRC and DST, as merging left it.
struct PairMerge {
    src: String,
    dst: String,
    /// The report, `None` when both copies are the same.
    report: Option<MergeReport>,
    /// DST's new text (none for identical files and sidecar style).
    text: Option<String>,
    sidecars: Vec<(String, Vec<u8>)>,
}

/// Notes one pair in `out` and `changes`; returns its category.
fn record(
    root: &Path,
    pair: PairMerge,
    changes: &mut Vec<FileChange>,
    out: &mut Categorized,
) -> Result<FileCategory> {
    out.deletions.push(pair.src);
    let Some(report) = pair.report else {
        return Ok(FileCategory::Identical);
    };
    out.sidecars.extend(pair.sidecars);
    if let Some(text) = pair.text {
        let dst = pair.dst;
        match changes.iter_mut().find(|c| c.path == dst) {
            Some(change) => change.updated = text,
            None => changes.push(FileChange {
                original: std::fs::read_to_string(root.join(&dst))
                    .map_err(|e| Error::io(&dst, e))?,
                path: dst.clone(),
                new_path: dst,
                updated: text,
            }),
        }
    }
    out.merges.push(report);
    Ok(FileCategory::Conflict)
}

/// Both copies of a pair as the run leaves them.
struct PairInput<'p> {
    src: &'p str,
    dst: &'p str,
    src_bytes: Vec<u8>,
    dst_bytes: Vec<u8>,
    /// The union of both `__init__.py`-like files, when the language makes one.
    union: Option<String>,
}

impl PairInput<'_> {
    fn texts(&self) -> Option<(&str, &str)> {
        Some((
            std::str::from_utf8(&self.src_bytes).ok()?,
            std::str::from_utf8(&self.dst_bytes).ok()?,
        ))
    }

    /// True when a three-way merge would want a base: the copies differ as text and no
    /// union merges them.
    fn wants_base(&self) -> bool {
        self.src_bytes != self.dst_bytes && self.union.is_none() && self.texts().is_some()
    }
}

/// Merges every pair (in parallel), looking their bases up together (see [`Bases`]).
fn merge_pairs(
    cx: &MergeContext<'_>,
    pairs: &[(&str, &str)],
    changes: &[FileChange],
) -> Result<HashMap<String, PairMerge>> {
    use rayon::prelude::*;
    let mut by_path: HashMap<&str, &FileChange> = HashMap::new();
    for change in changes {
        by_path.entry(change.path.as_str()).or_insert(change);
    }
    let final_bytes = |path: &str| -> Result<Vec<u8>> {
        match by_path.get(path) {
            Some(change) => Ok(change.updated.clone().into_bytes()),
            None => std::fs::read(cx.root.join(path)).map_err(|e| Error::io(path, e)),
        }
    };
    let inputs: Vec<PairInput> = pairs
        .par_iter()
        .map(|&(src, dst)| {
            let src_bytes = final_bytes(src)?;
            let dst_bytes = final_bytes(dst)?;
            let mut input = PairInput {
                src,
                dst,
                src_bytes,
                dst_bytes,
                union: None,
            };
            if input.src_bytes != input.dst_bytes
                && let Some((src_text, dst_text)) = input.texts()
            {
                input.union =
                    language_of(dst).and_then(|lang| lang.union_merge(dst, dst_text, src_text));
            }
            Ok(input)
        })
        .collect::<Result<_>>()?;
    let wanted: Vec<(&str, &str)> = inputs
        .iter()
        .filter(|i| i.wants_base())
        .map(|i| (i.src, i.dst))
        .collect();
    // The history looked up while the plan scanned, or (Rust merges, or a look-up that
    // failed then) looked up now for the pairs that want a base.
    let looked_up;
    let history = if let Some(history) = cx.history.filter(|h| h.covers(&wanted)) {
        history
    } else {
        let _looking_up = crate::timings::phase("plan: merge bases");
        looked_up = PairHistory::look_up(cx.git, &wanted)?;
        &looked_up
    };
    let _merging = crate::timings::phase("plan: merges");
    let merged: Vec<PairMerge> = inputs
        .par_iter()
        .map(|input| {
            let search = input
                .wants_base()
                .then(|| history.found.get(input.src).cloned())
                .flatten();
            let mut pair = merge_one(cx, input, search);
            if let Some(report) = pair.report.as_mut()
                && input.wants_base()
                && let Some(why) = history.why.get(input.src)
            {
                report.base_found.clone_from(why);
            }
            pair
        })
        .collect();
    Ok(merged.into_iter().map(|m| (m.src.clone(), m)).collect())
}

/// Merges one pair against `search` (its base, when one was looked up).
fn merge_one(cx: &MergeContext<'_>, input: &PairInput, search: Option<BaseSearch>) -> PairMerge {
    let (src, dst) = (input.src, input.dst);
    let mut pair = PairMerge {
        src: src.to_owned(),
        dst: dst.to_owned(),
        report: None,
        text: None,
        sidecars: Vec::new(),
    };
    if input.src_bytes == input.dst_bytes {
        return pair;
    }
    let Some((src_text, dst_text)) = input.texts() else {
        // Not text: no line merge is possible; hand both over as they are.
        sidecar(
            &mut pair.sidecars,
            dst,
            None,
            &input.src_bytes,
            &input.dst_bytes,
        );
        pair.report = Some(MergeReport {
            path: dst.to_owned(),
            source: src.to_owned(),
            base: None,
            base_found: "not text: no line merge".to_owned(),
            lost: Vec::new(),
            outcome: MergeOutcome::Sidecar,
            conflicts: 1,
            syntax_error_line: None,
        });
        return pair;
    };
    let union = input.union.clone();
    let search = match (cx.git, &union, search) {
        (Some(_), None, Some(search)) => search,
        (Some(_), None, None) => BaseSearch::none("no version both histories hold (two-way merge)"),
        (Some(_), Some(_), _) => BaseSearch::not_needed(),
        (None, _, _) => BaseSearch::none("no git history (two-way merge)"),
    };
    let BaseSearch { base, found } = search;
    let base_text = base
        .as_ref()
        .map(|(_, text)| (cx.rewrite_source)(src, text));
    let labels = Labels {
        dst: format!("DST {dst}"),
        base: base.as_ref().map_or_else(
            || "base (none)".to_owned(),
            |(b, _)| format!("base {}:{}", short(&b.commit), b.path),
        ),
        src: format!("SRC {src}"),
    };
    let (merged, outcome) = if let Some(text) = union {
        (
            crate::merge::Merged { text, conflicts: 0 },
            MergeOutcome::Union,
        )
    } else {
        let merged = match &base_text {
            Some(base) => three_way(base, dst_text, src_text, &labels),
            None => two_way(dst_text, src_text, &labels),
        };
        let outcome = match (merged.conflicts, cx.style) {
            (0, _) => MergeOutcome::Merged,
            (_, ConflictStyle::Markers) => MergeOutcome::Unresolved,
            (_, ConflictStyle::Sidecar) => MergeOutcome::Sidecar,
        };
        (merged, outcome)
    };
    // Audit every merge that writes a result: nothing either side defined may go unnamed,
    // and a result without markers must parse (two clean deletions can leave a class with
    // no body: SRC deletes one method, DST the others).
    let audit = language_of(dst)
        .filter(|_| outcome != MergeOutcome::Sidecar)
        .and_then(|lang| lang.audit_merge(base_text.as_deref(), dst_text, src_text, &merged.text))
        .unwrap_or_default();
    let lost = audit.lost;
    let syntax_error_line = audit
        .syntax_error
        .filter(|_| matches!(outcome, MergeOutcome::Merged | MergeOutcome::Union))
        .map(|offset| merged.text[..offset].matches('\n').count() + 1);
    let outcome = if outcome != MergeOutcome::Unresolved
        && (lost.iter().any(|l| !l.deleted_on_purpose) || syntax_error_line.is_some())
    {
        MergeOutcome::NeedsReview
    } else {
        outcome
    };
    if outcome == MergeOutcome::Sidecar {
        sidecar(
            &mut pair.sidecars,
            dst,
            base_text.as_deref().map(str::as_bytes),
            src_text.as_bytes(),
            dst_text.as_bytes(),
        );
    } else {
        pair.text = Some(merged.text);
    }
    pair.report = Some(MergeReport {
        path: dst.to_owned(),
        source: src.to_owned(),
        base: base.map(|(b, _)| b),
        base_found: found,
        lost,
        outcome,
        conflicts: merged.conflicts,
        syntax_error_line,
    });
    pair
}

/// The sidecar files of one conflict: `.regraft/conflicts/<dst>.{BASE,SRC,DST}`.
fn sidecar(
    out: &mut Vec<(String, Vec<u8>)>,
    dst: &str,
    base: Option<&[u8]>,
    src: &[u8],
    dst_bytes: &[u8],
) {
    let stem = format!("{}/conflicts/{dst}", crate::journal::DIR);
    if let Some(base) = base {
        out.push((format!("{stem}.BASE"), base.to_vec()));
    }
    out.push((format!("{stem}.SRC"), src.to_vec()));
    out.push((format!("{stem}.DST"), dst_bytes.to_vec()));
}

pub(crate) fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// What the search for a merge base found: the base and its text, and in words how it was
/// found or why there is none.
#[derive(Clone)]
struct BaseSearch {
    base: Option<(MergeBase, String)>,
    found: String,
}

impl BaseSearch {
    fn none(why: &str) -> Self {
        Self {
            base: None,
            found: why.to_owned(),
        }
    }

    fn not_needed() -> Self {
        Self::none("no base needed (union of imports and __all__)")
    }
}

/// The merge bases of every pair of a run, looked up together: one pass over git history
/// for all lineages ([`Git::lineages`]) and one `cat-file` for all base texts.
#[derive(Default)]
struct Bases {
    /// By source path: the base found, with its text.
    found: HashMap<String, BaseSearch>,
    /// The pairs without a base: why, [`no_base_reasons`] says.
    without: Vec<(String, String)>,
    /// The lineages, kept for [`no_base_reasons`].
    lineages: Option<Lineages>,
}

impl Bases {
    fn look_up(git: Option<&Git>, pairs: &[(&str, &str)]) -> Result<Self> {
        let mut bases = Self::default();
        let Some(git) = git.filter(|_| !pairs.is_empty()) else {
            return Ok(bases);
        };
        let paths: Vec<&str> = pairs.iter().flat_map(|&(s, d)| [s, d]).collect();
        let lineages = git.lineages(&paths)?;
        let blobs: Vec<&str> = pairs
            .iter()
            .filter_map(|&(s, d)| newest_common(&lineages, s, d).map(|(v, _)| v.blob.as_str()))
            .collect();
        let texts = git.blob_texts(&blobs)?;
        for &(src, dst) in pairs {
            match newest_common(&lineages, src, dst) {
                Some((version, dst_version)) => {
                    let search = found_base(&texts, version, dst_version);
                    bases.found.insert(src.to_owned(), search);
                }
                None => bases.without.push((src.to_owned(), dst.to_owned())),
            }
        }
        bases.lineages = Some(lineages);
        Ok(bases)
    }
}

/// Why each pair of `without` has no base, in words, by source path: git's copy detection
/// says whether one of them began as an edited copy ([`Git::explain_copies`]).
fn no_base_reasons(
    git: &Git,
    mut lineages: Lineages,
    without: &[(String, String)],
) -> Result<HashMap<String, String>> {
    let paths: Vec<&str> = without
        .iter()
        .flat_map(|(s, d)| [s.as_str(), d.as_str()])
        .collect();
    git.explain_copies(&mut lineages, &paths)?;
    Ok(without
        .iter()
        .map(|(src, dst)| {
            let (src_history, dst_history) = (lineages.versions(src), lineages.versions(dst));
            let copy = dst_history
                .iter()
                .chain(src_history)
                .find_map(|v| v.copied_from.as_ref().map(|from| (v, from)));
            let why = match copy {
                Some((v, from)) => format!(
                    "no version both histories hold: {} began in {} as an edited copy of {from}, which proves no common base (two-way merge)",
                    v.path,
                    short(&v.commit)
                ),
                None if src_history.is_empty() || dst_history.is_empty() => {
                    "no git history for one side (two-way merge)".to_owned()
                }
                None => "no version both histories hold (two-way merge)".to_owned(),
            };
            (src.clone(), why)
        })
        .collect())
}

/// The newest version that both files had at some point in git history: a blob found in the
/// lineage of each path (renames and exact copies followed; see [`Git::lineages`]), as the
/// source's and the destination's version. Only such a blob proves that both copies descend
/// from it; the nearest version by similarity would not, and taking one side's own past as
/// the base makes the merge drop the other side's additions.
fn newest_common<'a>(
    lineages: &'a Lineages,
    src: &str,
    dst: &str,
) -> Option<(&'a Version, &'a Version)> {
    let dst_history = lineages.versions(dst);
    lineages
        .versions(src)
        .iter()
        .filter_map(|s| {
            let d = dst_history.iter().find(|d| d.blob == s.blob)?;
            Some((s, d))
        })
        .max_by_key(|(s, d)| s.time.max(d.time))
}

/// The base of one pair, with its text.
fn found_base(
    texts: &HashMap<String, String>,
    version: &Version,
    dst_version: &Version,
) -> BaseSearch {
    let Some(text) = texts.get(&version.blob) else {
        return BaseSearch::none("the common version is not UTF-8 text (two-way merge)");
    };
    let found = format!(
        "the same blob is in DST's history: {} at {}",
        dst_version.path,
        short(&dst_version.commit)
    );
    BaseSearch {
        base: Some((
            MergeBase {
                commit: version.commit.clone(),
                path: version.path.clone(),
                blob: version.blob.clone(),
                dst_commit: dst_version.commit.clone(),
                dst_path: dst_version.path.clone(),
            },
            text.clone(),
        )),
        found,
    }
}

/// Files under the destinations that still hold conflict markers from an earlier run, and
/// sidecar sets under `.regraft/conflicts/`.
pub fn leftover_conflicts(root: &Path, files: &[WalkedFile], destinations: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = files
        .iter()
        .filter(|f| !f.is_symlink && destinations.iter().any(|d| is_within(&f.path, d)))
        .filter(|f| {
            std::fs::read(root.join(&f.path))
                .is_ok_and(|bytes| has_conflict_markers(&String::from_utf8_lossy(&bytes)))
        })
        .map(|f| f.path.clone())
        .collect();
    let sidecars = root.join(crate::journal::DIR).join("conflicts");
    if sidecars.is_dir() {
        for file in
            crate::walk::all_files_under(root, &format!("{}/conflicts", crate::journal::DIR))
                .unwrap_or_default()
        {
            found.push(file);
        }
    }
    found.sort();
    found.dedup();
    found
}
