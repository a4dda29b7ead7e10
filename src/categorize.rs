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
    pub rewrite_source: &'a dyn Fn(&str, &str) -> String,
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
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .filter_map(|f| {
            let to = moved_to.get(f.path.as_str())?;
            in_dst
                .contains(to.as_str())
                .then_some((f.path.as_str(), to.as_str()))
        })
        .collect();
    let mut bases = Bases::look_up(cx, &pairs, changes)?;
    for file in files {
        let path = file.path.as_str();
        if let Some(to) = moved_to.get(path) {
            let category = if in_dst.contains(to.as_str()) {
                both_sides(cx, &mut bases, path, to, changes, &mut out)?
            } else {
                FileCategory::Move
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
    Ok(out)
}

/// The text a file will have after the run's rewrites (its bytes when it is not text).
fn final_bytes(root: &Path, path: &str, changes: &[FileChange]) -> Result<Vec<u8>> {
    match changes.iter().find(|c| c.path == path) {
        Some(change) => Ok(change.updated.clone().into_bytes()),
        None => std::fs::read(root.join(path)).map_err(|e| Error::io(path, e)),
    }
}

fn both_sides(
    cx: &MergeContext<'_>,
    bases: &mut Bases,
    src: &str,
    dst: &str,
    changes: &mut Vec<FileChange>,
    out: &mut Categorized,
) -> Result<FileCategory> {
    let root = cx.root;
    let src_bytes = final_bytes(root, src, changes)?;
    let dst_bytes = final_bytes(root, dst, changes)?;
    // The source copy goes away either way: its content is equal to DST, or merged into it.
    changes.retain(|c| c.path != src);
    out.deletions.push(src.to_owned());
    if src_bytes == dst_bytes {
        return Ok(FileCategory::Identical);
    }

    let (Ok(src_text), Ok(dst_text)) = (
        std::str::from_utf8(&src_bytes),
        std::str::from_utf8(&dst_bytes),
    ) else {
        // Not text: no line merge is possible; hand both over as they are.
        sidecar(out, dst, None, &src_bytes, &dst_bytes);
        out.merges.push(MergeReport {
            path: dst.to_owned(),
            source: src.to_owned(),
            base: None,
            base_found: "not text: no line merge".to_owned(),
            lost: Vec::new(),
            outcome: MergeOutcome::Sidecar,
            conflicts: 1,
        });
        return Ok(FileCategory::Conflict);
    };

    let union = match bases.unions.remove(dst) {
        Some(text) => Some(text),
        None => union_merge(dst, dst_text, src_text),
    };
    let search = match cx.git {
        Some(_) if union.is_none() => bases.search(src, dst),
        Some(_) => BaseSearch::not_needed(),
        None => BaseSearch::none("no git history (two-way merge)"),
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
    // Audit every merge that writes a result: nothing either side defined may go unnamed.
    let lost = language_of(dst)
        .filter(|_| outcome != MergeOutcome::Sidecar)
        .and_then(|lang| {
            lang.lost_definitions(base_text.as_deref(), dst_text, src_text, &merged.text)
        })
        .unwrap_or_default();
    let outcome =
        if outcome != MergeOutcome::Unresolved && lost.iter().any(|l| !l.deleted_on_purpose) {
            MergeOutcome::NeedsReview
        } else {
            outcome
        };
    if outcome == MergeOutcome::Sidecar {
        sidecar(
            out,
            dst,
            base_text.as_deref().map(str::as_bytes),
            src_text.as_bytes(),
            dst_text.as_bytes(),
        );
    } else {
        match changes.iter_mut().find(|c| c.path == dst) {
            Some(change) => change.updated.clone_from(&merged.text),
            None => changes.push(FileChange {
                path: dst.to_owned(),
                new_path: dst.to_owned(),
                original: std::fs::read_to_string(root.join(dst)).map_err(|e| Error::io(dst, e))?,
                updated: merged.text.clone(),
            }),
        }
    }
    out.merges.push(MergeReport {
        path: dst.to_owned(),
        source: src.to_owned(),
        base: base.map(|(b, _)| b),
        base_found: found,
        lost,
        outcome,
        conflicts: merged.conflicts,
    });
    Ok(FileCategory::Conflict)
}

/// The sidecar files of one conflict: `.regraft/conflicts/<dst>.{BASE,SRC,DST}`.
fn sidecar(out: &mut Categorized, dst: &str, base: Option<&[u8]>, src: &[u8], dst_bytes: &[u8]) {
    let stem = format!("{}/conflicts/{dst}", crate::journal::DIR);
    if let Some(base) = base {
        out.sidecars.push((format!("{stem}.BASE"), base.to_vec()));
    }
    out.sidecars.push((format!("{stem}.SRC"), src.to_vec()));
    out.sidecars
        .push((format!("{stem}.DST"), dst_bytes.to_vec()));
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// What the search for a merge base found: the base and its text, and in words how it was
/// found or why there is none.
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

fn union_merge(dst: &str, dst_text: &str, src_text: &str) -> Option<String> {
    language_of(dst).and_then(|lang| lang.union_merge(dst, dst_text, src_text))
}

/// The merge bases of every pair of a run, looked up together: one pass over git history
/// for all lineages ([`Git::lineages`]), one `cat-file` for all base texts, and git's copy
/// detection only for the pairs left without a base (to say why).
#[derive(Default)]
struct Bases {
    /// By source path: what the search found.
    found: HashMap<String, BaseSearch>,
    /// By destination path: the union merges worked out while sorting out which pairs need
    /// a base.
    unions: HashMap<String, String>,
}

impl Bases {
    fn look_up(
        cx: &MergeContext<'_>,
        pairs: &[(&str, &str)],
        changes: &[FileChange],
    ) -> Result<Self> {
        let mut bases = Self::default();
        let Some(git) = cx.git else {
            return Ok(bases);
        };
        // Only a pair whose copies differ as text, and that no union merges, needs a base.
        let mut wanted = Vec::new();
        for &(src, dst) in pairs {
            let src_bytes = final_bytes(cx.root, src, changes)?;
            let dst_bytes = final_bytes(cx.root, dst, changes)?;
            if src_bytes == dst_bytes {
                continue;
            }
            let (Ok(src_text), Ok(dst_text)) = (
                std::str::from_utf8(&src_bytes),
                std::str::from_utf8(&dst_bytes),
            ) else {
                continue;
            };
            match union_merge(dst, dst_text, src_text) {
                Some(text) => {
                    bases.unions.insert(dst.to_owned(), text);
                }
                None => wanted.push((src, dst)),
            }
        }
        if wanted.is_empty() {
            return Ok(bases);
        }
        let paths: Vec<&str> = wanted.iter().flat_map(|&(s, d)| [s, d]).collect();
        let mut lineages = git.lineages(&paths)?;
        let unexplained: Vec<&str> = wanted
            .iter()
            .filter(|&&(s, d)| newest_common(&lineages, s, d).is_none())
            .flat_map(|&(s, d)| [s, d])
            .collect();
        git.explain_copies(&mut lineages, &unexplained)?;
        let blobs: Vec<&str> = wanted
            .iter()
            .filter_map(|&(s, d)| newest_common(&lineages, s, d).map(|(v, _)| v.blob.as_str()))
            .collect();
        let texts = git.blob_texts(&blobs)?;
        for &(src, dst) in &wanted {
            let search = found_base(&lineages, &texts, src, dst);
            bases.found.insert(src.to_owned(), search);
        }
        Ok(bases)
    }

    fn search(&mut self, src: &str, dst: &str) -> BaseSearch {
        self.found.remove(src).unwrap_or_else(|| {
            // Not looked up: the pair's texts were not what look_up read (cannot happen).
            BaseSearch::none(&format!("no base looked up for {dst} (two-way merge)"))
        })
    }
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

/// The base of one pair, with its text, or in words why there is none.
fn found_base(
    lineages: &Lineages,
    texts: &HashMap<String, String>,
    src: &str,
    dst: &str,
) -> BaseSearch {
    let Some((version, dst_version)) = newest_common(lineages, src, dst) else {
        let (src_history, dst_history) = (lineages.versions(src), lineages.versions(dst));
        let copy = dst_history
            .iter()
            .chain(src_history)
            .find_map(|v| v.copied_from.as_ref().map(|from| (v, from)));
        return BaseSearch::none(&match copy {
            Some((v, from)) => format!(
                "no version both histories hold: {} began in {} as an edited copy of {from}, which proves no common base (two-way merge)",
                v.path,
                short(&v.commit)
            ),
            None if src_history.is_empty() || dst_history.is_empty() => {
                "no git history for one side (two-way merge)".to_owned()
            }
            None => "no version both histories hold (two-way merge)".to_owned(),
        });
    };
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
