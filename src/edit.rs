//! Text edits as data: a byte range of the *original* text and its replacement.
//!
//! In: the edits that `rewrite` produced for one file, in any order.
//! Out: [`FileEdits`], sorted and free of overlaps, which turns the original text into the new
//! one in a single left-to-right pass. Bytes outside every edit are copied unchanged, which is
//! what keeps CRLF line endings, a BOM, tabs and a missing final newline exactly as they were.
//!
//! Several insertions at the same offset are applied in the order they were created (the sort
//! is stable). Any other overlap is a bug in the code that produced the edits, reported as
//! [`OverlapError`] rather than resolved silently.

use std::ops::Range;

/// Replace `range` (byte offsets into the original text) by `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    range: Range<usize>,
    replacement: String,
}

impl Edit {
    /// Replaces the bytes in `range` by `replacement`.
    ///
    /// # Panics
    /// When `range.start > range.end`.
    pub fn replace(range: Range<usize>, replacement: impl Into<String>) -> Self {
        assert!(range.start <= range.end, "edit range {range:?} is reversed");
        Self {
            range,
            replacement: replacement.into(),
        }
    }

    /// Inserts `text` at byte offset `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self::replace(at..at, text)
    }

    /// Deletes the bytes in `range`.
    pub fn delete(range: Range<usize>) -> Self {
        Self::replace(range, String::new())
    }

    /// The byte range of the original text that this edit replaces.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// The text that takes the place of the range.
    pub fn replacement(&self) -> &str {
        &self.replacement
    }
}

/// Two edits of one file claim the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal error: overlapping edits at bytes {first:?} and {second:?}")]
pub struct OverlapError {
    /// The range of the earlier edit.
    pub first: Range<usize>,
    /// The range of the later edit, which starts before `first` ends.
    pub second: Range<usize>,
}

/// The edits of one file: sorted by position, exact duplicates dropped, no overlaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileEdits {
    edits: Vec<Edit>,
}

impl FileEdits {
    /// Sorts `edits`, drops exact duplicates and checks that no two overlap.
    ///
    /// # Errors
    /// [`OverlapError`] when two different edits touch the same bytes.
    pub fn new(mut edits: Vec<Edit>) -> Result<Self, OverlapError> {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        edits.dedup();
        for pair in edits.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            // Two insertions at one offset are fine; a range that starts inside another is not.
            let both_empty_at_same_point = a.range.is_empty() && b.range.is_empty();
            if b.range.start < a.range.end && !both_empty_at_same_point {
                return Err(OverlapError {
                    first: a.range.clone(),
                    second: b.range.clone(),
                });
            }
        }
        Ok(Self { edits })
    }

    /// True when there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// The edits, sorted by position.
    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// Applies every edit to `original` in one pass and returns the new text.
    ///
    /// # Panics
    /// When an edit reaches past the end of `original` or splits a UTF-8 character; edits are
    /// made from parse-tree ranges of this very text, so that is a bug.
    pub fn apply(&self, original: &str) -> String {
        let inserted: usize = self.edits.iter().map(|e| e.replacement.len()).sum();
        let mut out = String::with_capacity(original.len() + inserted);
        let mut cursor = 0;
        for edit in &self.edits {
            out.push_str(&original[cursor..edit.range.start]);
            out.push_str(&edit.replacement);
            cursor = edit.range.end;
        }
        out.push_str(&original[cursor..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: Vec<Edit>) -> String {
        FileEdits::new(edits).unwrap().apply(text)
    }

    #[test]
    fn no_edits_keeps_the_text() {
        assert_eq!(apply("", vec![]), "");
        assert_eq!(apply("a\r\nb", vec![]), "a\r\nb");
    }

    #[test]
    fn edits_apply_in_position_order_whatever_their_input_order() {
        let text = "import a.b\nimport a.c\n";
        let edits = vec![Edit::replace(18..21, "x.c"), Edit::replace(7..10, "x.b")];
        assert_eq!(apply(text, edits), "import x.b\nimport x.c\n");
    }

    #[test]
    fn insert_and_delete() {
        let text = "from p import a, b\n";
        let edits = vec![Edit::delete(14..17), Edit::insert(18, "\nfrom q import a")];
        assert_eq!(apply(text, edits), "from p import b\nfrom q import a\n");
    }

    #[test]
    fn insertions_at_one_offset_keep_their_creation_order() {
        let edits = vec![Edit::insert(1, "x"), Edit::insert(1, "y")];
        assert_eq!(apply("ab", edits), "axyb");
    }

    #[test]
    fn exact_duplicates_are_dropped() {
        let edits = vec![Edit::replace(0..1, "z"), Edit::replace(0..1, "z")];
        assert_eq!(apply("ab", edits), "zb");
    }

    #[test]
    fn overlaps_are_an_error() {
        let err = FileEdits::new(vec![Edit::replace(0..3, "x"), Edit::replace(2..4, "y")]);
        assert_eq!(
            err.unwrap_err(),
            OverlapError {
                first: 0..3,
                second: 2..4
            }
        );
    }

    #[test]
    fn an_insertion_at_the_end_of_a_replacement_is_not_an_overlap() {
        let edits = vec![Edit::replace(0..2, "xy"), Edit::insert(2, "!")];
        assert_eq!(apply("ab", edits), "xy!");
    }

    #[test]
    #[should_panic(expected = "reversed")]
    fn a_reversed_range_panics() {
        let (start, end) = (3, 1);
        let _ = Edit::replace(start..end, "");
    }
}
