//! One Rust file's text, and the byte offsets of `proc-macro2` spans in it.
//!
//! syn parses the text without its byte-order mark and reports positions as (1-based line,
//! 0-based column in characters) through `proc-macro2`'s `span-locations`; every edit
//! regraft makes is a byte range of the file as it is on disk, so the conversion lives here,
//! once.

use std::ops::Range;
use std::path::PathBuf;

use proc_macro2::{LineColumn, Span};

/// One file's text (without a BOM), where that text starts in the file, and its line starts.
pub(crate) struct Source {
    /// The file, relative to the tree root.
    pub(crate) file: PathBuf,
    /// The text syn parses: the file without its BOM.
    pub(crate) text: String,
    /// 3 when a UTF-8 BOM was cut off the front, else 0.
    pub(crate) base: usize,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps the text of `file` (as read, BOM included).
    pub(crate) fn new(file: PathBuf, mut text: String) -> Self {
        let base = if text.starts_with('\u{feff}') {
            text.drain(..3);
            3
        } else {
            0
        };
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self {
            file,
            text,
            base,
            line_starts,
        }
    }

    /// The file's text as it is on disk: the parsed text with its BOM, if it had one.
    pub(crate) fn file_text(&self) -> String {
        if self.base > 0 {
            format!("\u{feff}{}", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The byte offset (in the file) of a proc-macro2 location.
    pub(crate) fn offset(&self, at: LineColumn) -> usize {
        let line = at.line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[line];
        let in_text = self.text[start..]
            .char_indices()
            .nth(at.column)
            .map_or(self.text.len(), |(i, _)| start + i);
        self.base + in_text
    }

    /// The file's byte range from the start of `start` to the end of `end`.
    pub(crate) fn range(&self, start: Span, end: Span) -> Range<usize> {
        self.offset(start.start())..self.offset(end.end())
    }

    /// The byte range of one span.
    pub(crate) fn span(&self, span: Span) -> Range<usize> {
        self.range(span, span)
    }

    /// The file's text of a byte range (offsets from [`Source::range`]).
    pub(crate) fn slice(&self, range: &Range<usize>) -> &str {
        &self.text[range.start - self.base..range.end - self.base]
    }
}
