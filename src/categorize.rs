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
use crate::git::Git;
use crate::merge::{Labels, has_conflict_markers, three_way, two_way, union_of_init_files};
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

/// The version a merge started from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MergeBase {
    /// The commit that holds it.
    pub commit: String,
    /// The file's root-relative path in that commit.
    pub path: String,
}

/// How a conflict file came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MergeOutcome {
    /// Merged without conflicts; still worth a review.
    Merged,
    /// An `__init__.py` made of the union of both copies' imports and `__all__`.
    Union,
    /// Conflict markers are left in the file: a human must resolve them.
    Unresolved,
    /// DST was left as it was; the versions are under `.regraft/conflicts/`.
    Sidecar,
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
    for file in files {
        let path = file.path.as_str();
        if let Some(to) = moved_to.get(path) {
            let category = if in_dst.contains(to.as_str()) {
                both_sides(cx, path, to, changes, &mut out)?
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
            outcome: MergeOutcome::Sidecar,
            conflicts: 1,
        });
        return Ok(FileCategory::Conflict);
    };

    let is_init = Path::new(dst)
        .file_name()
        .is_some_and(|n| n == "__init__.py");
    let union = if is_init {
        union_of_init_files(dst_text, src_text)
    } else {
        None
    };
    let base = match cx.git {
        Some(git) if union.is_none() => find_base(git, src, dst)?,
        _ => None,
    };
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

/// The newest version that both files had at some point in git history (following renames),
/// with its text.
fn find_base(git: &Git, src: &str, dst: &str) -> Result<Option<(MergeBase, String)>> {
    let src_history = git.history(src)?;
    let dst_history = git.history(dst)?;
    let dst_blobs: HashSet<&str> = dst_history.iter().map(|v| v.blob.as_str()).collect();
    let newest = src_history
        .iter()
        .filter(|v| dst_blobs.contains(v.blob.as_str()))
        .max_by_key(|v| v.time);
    let Some(version) = newest else {
        return Ok(None);
    };
    let Ok(text) = git.blob_text(&version.blob) else {
        return Ok(None);
    };
    Ok(Some((
        MergeBase {
            commit: version.commit.clone(),
            path: version.path.clone(),
        },
        text,
    )))
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
