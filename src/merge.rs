//! Merging two copies of one file: the destination's ("DST") and the source's ("SRC"), after
//! the source side's references have been rewritten.
//!
//! In: the two texts, and (when git history has one) the newest version both copies shared.
//! Out: a [`Merged`] text and the number of conflicts left in it, marked in the style of
//! `git merge-file --diff3` with the paths named in the markers. Pure: no I/O.
//!
//! - With a base: a three-way line merge (`diffy`).
//! - Without one: a two-way merge that keeps the lines both copies share and marks every
//!   difference, so that no side is ever picked silently.
//!
//! Which files a language unites instead (Python's `__init__.py` files) is the language's
//! call: see [`crate::lang::Language::union_merge`].

use std::fmt::Write as _;

/// The labels written after the conflict markers.
#[derive(Debug, Clone)]
pub struct Labels {
    /// After `<<<<<<<`, e.g. `DST backtester_v2/strategies/market_regime/config.py`.
    pub dst: String,
    /// After `|||||||`, e.g. `base 1a2b3c4d:backtester_v2/market_regime/config.py`.
    pub base: String,
    /// After `>>>>>>>`, e.g. `SRC backtester_v2/market_regime/config.py`.
    pub src: String,
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The merged text, with conflict markers where the copies disagree.
    pub text: String,
    /// How many conflicts are marked in it.
    pub conflicts: usize,
}

/// Three-way line merge of `dst` and `src` from their common `base`.
pub fn three_way(base: &str, dst: &str, src: &str, labels: &Labels) -> Merged {
    let mut options = diffy::MergeOptions::new();
    options
        .set_conflict_style(diffy::ConflictStyle::Diff3)
        .set_incomplete_hunk_style(diffy::IncompleteHunkStyle::Git);
    match options.merge(base, dst, src) {
        Ok(text) => Merged { text, conflicts: 0 },
        Err(text) => relabel(&text, labels),
    }
}

/// Two-way merge: lines both copies share are kept once; each run of differing lines becomes
/// a conflict showing both sides.
pub fn two_way(dst: &str, src: &str, labels: &Labels) -> Merged {
    let diff = similar::TextDiff::from_lines(dst, src);
    let mut text = String::with_capacity(dst.len() + src.len());
    let mut conflicts = 0;
    let (mut ours, mut theirs) = (String::new(), String::new());
    let flush =
        |text: &mut String, ours: &mut String, theirs: &mut String, conflicts: &mut usize| {
            if ours.is_empty() && theirs.is_empty() {
                return;
            }
            *conflicts += 1;
            let _ = writeln!(text, "<<<<<<< {}", labels.dst);
            push_line_block(text, ours);
            text.push_str("=======\n");
            push_line_block(text, theirs);
            let _ = writeln!(text, ">>>>>>> {}", labels.src);
            ours.clear();
            theirs.clear();
        };
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Equal => {
                flush(&mut text, &mut ours, &mut theirs, &mut conflicts);
                text.push_str(change.value());
            }
            similar::ChangeTag::Delete => ours.push_str(change.value()),
            similar::ChangeTag::Insert => theirs.push_str(change.value()),
        }
    }
    flush(&mut text, &mut ours, &mut theirs, &mut conflicts);
    Merged { text, conflicts }
}

/// Appends `block` and makes sure a marker that follows starts on its own line.
fn push_line_block(text: &mut String, block: &str) {
    text.push_str(block);
    if !block.is_empty() && !block.ends_with('\n') {
        text.push('\n');
    }
}

/// Puts regraft's labels on diffy's markers and counts the conflicts.
fn relabel(text: &str, labels: &Labels) -> Merged {
    let mut out = String::with_capacity(text.len() + 128);
    let mut conflicts = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let ending = &line[bare.len()..];
        match bare {
            "<<<<<<< ours" => {
                conflicts += 1;
                let _ = write!(out, "<<<<<<< {}{ending}", labels.dst);
            }
            "||||||| original" => {
                let _ = write!(out, "||||||| {}{ending}", labels.base);
            }
            ">>>>>>> theirs" => {
                let _ = write!(out, ">>>>>>> {}{ending}", labels.src);
            }
            _ => out.push_str(line),
        }
    }
    Merged {
        text: out,
        conflicts,
    }
}

/// True when `text` holds conflict markers.
pub fn has_conflict_markers(text: &str) -> bool {
    !conflict_markers(text).is_empty()
}

/// The conflict markers of a text, whoever wrote them: each `<<<<<<< ` line that starts a
/// conflict and the `>>>>>>> ` line that ends it, as (1-based line, which of the two).
pub fn conflict_markers(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    let mut inside = false;
    for (number, line) in text.lines().enumerate() {
        if line.starts_with("<<<<<<< ") || line == "<<<<<<<" {
            inside = true;
            found.push((number + 1, "start of a conflict"));
        } else if inside && (line.starts_with(">>>>>>> ") || line == ">>>>>>>") {
            inside = false;
            found.push((number + 1, "end of a conflict"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            dst: "DST new/x.py".into(),
            base: "base abc123:old/x.py".into(),
            src: "SRC old/x.py".into(),
        }
    }

    #[test]
    fn separate_changes_merge_cleanly() {
        let base = "a\nb\nc\nd\ne\n";
        let dst = "A\nb\nc\nd\ne\n";
        let src = "a\nb\nc\nd\nE\n";
        assert_eq!(
            three_way(base, dst, src, &labels()),
            Merged {
                text: "A\nb\nc\nd\nE\n".into(),
                conflicts: 0
            }
        );
    }

    #[test]
    fn overlapping_changes_are_marked_with_paths() {
        let merged = three_way("x = 1\n", "x = 2\n", "x = 3\n", &labels());
        assert_eq!(merged.conflicts, 1);
        assert_eq!(
            merged.text,
            "<<<<<<< DST new/x.py\nx = 2\n||||||| base abc123:old/x.py\nx = 1\n=======\nx = 3\n>>>>>>> SRC old/x.py\n"
        );
        assert!(has_conflict_markers(&merged.text));
    }

    #[test]
    fn two_way_keeps_shared_lines_and_marks_each_difference() {
        let merged = two_way("a\nb\nc\n", "a\nB\nc\nd", &labels());
        assert_eq!(merged.conflicts, 2);
        assert_eq!(
            merged.text,
            "a\n<<<<<<< DST new/x.py\nb\n=======\nB\n>>>>>>> SRC old/x.py\nc\n<<<<<<< DST new/x.py\n=======\nd\n>>>>>>> SRC old/x.py\n"
        );
    }
}
