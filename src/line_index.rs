//! Byte offset → 1-based line and column (the column counted in characters).

/// The start offsets of the lines of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

/// A 1-based line and a 1-based column counted in characters (not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl LineIndex {
    /// Indexes the line starts of `text` (a line ends after `\n`).
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { line_starts }
    }

    /// The position of byte `offset` of `text` (the text this index was built from).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Position {
            line: line + 1,
            col: col + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\r\nxé z\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, col: 1 });
        assert_eq!(index.position(text, 4), Position { line: 2, col: 1 });
        // 'é' is two bytes: byte 8 ('z') is the 4th character of line 2.
        assert_eq!(index.position(text, 8), Position { line: 2, col: 4 });
        assert_eq!(index.position(text, 10), Position { line: 3, col: 1 });
        assert_eq!(
            index.position(text, text.len()),
            Position { line: 3, col: 5 }
        );
    }
}
