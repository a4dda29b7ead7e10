//! The parts of a run of doc comments (`///`, `//!`): prose, where paths are intra-doc
//! links and mentions, and fenced Rust code blocks, which rustdoc compiles as doc tests in
//! a crate of their own.
//!
//! In: the file's text and the byte ranges of consecutive doc comment lines. Out: the prose
//! lines' ranges, and each code block as one text with a map from its offsets back to the
//! file's, so that the code can be parsed and rewritten as code.

use std::ops::Range;

/// One piece of a run of doc comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocPiece {
    /// A line of prose: the byte range of its text (after `///`).
    Prose(Range<usize>),
    /// A fenced block of Rust code.
    Code(CodeBlock),
}

/// A doc test: its code, and where each of its lines comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeBlock {
    /// The code, lines joined with `\n` (hidden `# ` prefixes removed).
    pub(crate) code: String,
    /// For each line: (its start in `code`, its start in the file, what precedes it on the
    /// file's line: indentation, `///` and the space).
    lines: Vec<(usize, usize, String)>,
}

impl CodeBlock {
    /// The file offset of `at`, an offset into [`CodeBlock::code`].
    pub(crate) fn to_file(&self, at: usize) -> Option<usize> {
        let index = self.lines.partition_point(|(start, _, _)| *start <= at);
        let (start, file, _) = self.lines.get(index.checked_sub(1)?)?;
        Some(file + (at - start))
    }

    /// What precedes the code on the file's line holding code offset `at` (`    /// `).
    pub(crate) fn prefix_at(&self, at: usize) -> &str {
        let index = self.lines.partition_point(|(start, _, _)| *start <= at);
        index
            .checked_sub(1)
            .and_then(|i| self.lines.get(i))
            .map_or("", |(_, _, prefix)| prefix.as_str())
    }
}

/// Splits the doc comments at `ranges` (in order, each one `///…` or `//!…` comment, as
/// offsets into `text`) into prose lines and Rust code blocks. Other doc forms (`/** */`,
/// `#[doc = "…"]`) are prose.
pub(crate) fn pieces(text: &str, ranges: &[Range<usize>]) -> Vec<DocPiece> {
    /// Where the reading is: in prose, in a Rust block, or in a block of another language,
    /// with the fence that closes the block.
    enum State {
        Prose,
        Rust(String, CodeBlock),
        Foreign(String),
    }
    let mut out = Vec::new();
    let mut state = State::Prose;
    for (line_start, content_start, end) in lines(text, ranges) {
        let rest = &text[content_start..end];
        let range = content_start..end;
        let trimmed = rest.trim_start();
        state = match state {
            State::Rust(fence, block) if trimmed.starts_with(&fence) => {
                out.push(DocPiece::Code(block));
                State::Prose
            }
            State::Rust(fence, mut block) => {
                // rustdoc drops one leading space, and `# ` marks a hidden line.
                let mut skip = usize::from(rest.starts_with(' '));
                let line = &rest[skip..];
                if line.starts_with("# ") {
                    skip += 2;
                } else if line == "#" {
                    skip += 1;
                }
                let start = content_start + skip;
                if !block.lines.is_empty() {
                    block.code.push('\n');
                }
                block
                    .lines
                    .push((block.code.len(), start, text[line_start..start].to_owned()));
                block.code.push_str(&text[start..range.end]);
                State::Rust(fence, block)
            }
            State::Foreign(fence) if trimmed.starts_with(&fence) => State::Prose,
            State::Foreign(fence) => State::Foreign(fence),
            State::Prose => match fence_of(trimmed) {
                Some((fence, info)) if is_rust(info) => State::Rust(
                    fence,
                    CodeBlock {
                        code: String::new(),
                        lines: Vec::new(),
                    },
                ),
                Some((fence, _)) => State::Foreign(fence),
                None => {
                    out.push(DocPiece::Prose(range));
                    State::Prose
                }
            },
        };
    }
    if let State::Rust(_, block) = state {
        out.push(DocPiece::Code(block));
    }
    out.retain(|p| !matches!(p, DocPiece::Prose(r) if r.is_empty()));
    out
}

/// The lines of the doc comments at `ranges`: (where the line starts, where its text starts,
/// where it ends). `///` and `//!` comments are one line each; `/** */` and `/*! */` are cut
/// into lines, each without its indentation and a leading `* `.
fn lines(text: &str, ranges: &[Range<usize>]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for range in ranges {
        let comment = &text[range.clone()];
        let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        if comment.starts_with("///") || comment.starts_with("//!") {
            out.push((line_start, range.start + 3, range.end));
            continue;
        }
        let inner = comment
            .strip_prefix("/**")
            .or_else(|| comment.strip_prefix("/*!"))
            .and_then(|c| c.strip_suffix("*/"));
        let Some(inner) = inner else {
            // `#[doc = "…"]`: one piece of prose.
            out.push((line_start, range.start, range.end));
            continue;
        };
        let mut at = range.start + 3;
        for line in inner.split('\n') {
            let indent = line.len() - line.trim_start().len();
            let after = &line[indent..];
            let star = if after.starts_with('*') && !after.starts_with("*/") {
                1 + usize::from(after[1..].starts_with(' '))
            } else {
                0
            };
            out.push((
                at,
                at + indent + star,
                at + line.trim_end_matches('\r').len(),
            ));
            at += line.len() + 1;
        }
    }
    out
}

/// The fence that opens a code block on this line (three or more backticks or tildes), and
/// the block's info string.
fn fence_of(line: &str) -> Option<(String, &str)> {
    let mark = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = line.len() - line.trim_start_matches(mark).len();
    (count >= 3).then(|| (mark.to_string().repeat(count), &line[count..]))
}

/// Whether a fence's info string marks Rust (rustdoc's rule: no language, or only rustdoc's
/// own attributes).
fn is_rust(info: &str) -> bool {
    info.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|tag| {
            matches!(
                tag,
                "rust"
                    | "ignore"
                    | "no_run"
                    | "should_panic"
                    | "compile_fail"
                    | "test_harness"
                    | "standalone_crate"
            ) || tag.starts_with("edition")
                || tag.starts_with("ignore-")
                || tag.starts_with('{')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            let start = at + (line.len() - trimmed.len());
            out.push(start..at + line.trim_end_matches('\n').len());
            at += line.len();
        }
        out
    }

    #[test]
    fn prose_and_code_blocks_are_told_apart() {
        let text = "    /// See [`memmem`].\n    ///\n    /// ```\n    /// use memchr::{\n    ///     memmem::Finder,\n    /// };\n    /// # let x = 1;\n    /// ```\n    /// ```text\n    /// memchr::memmem\n    /// ```\n    /// Done.";
        let pieces = pieces(text, &ranges(text));
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        let DocPiece::Prose(first) = &pieces[0] else {
            panic!("{pieces:?}")
        };
        assert_eq!(&text[first.clone()], " See [`memmem`].");
        let DocPiece::Code(code) = &pieces[1] else {
            panic!("{pieces:?}")
        };
        assert_eq!(
            code.code,
            "use memchr::{\n    memmem::Finder,\n};\nlet x = 1;"
        );
        let at = code.code.find("memmem").unwrap();
        let file_at = code.to_file(at).unwrap();
        assert_eq!(&text[file_at..file_at + 6], "memmem");
        assert_eq!(code.prefix_at(at), "    /// ");
        let DocPiece::Prose(last) = &pieces[2] else {
            panic!("{pieces:?}")
        };
        assert_eq!(&text[last.clone()], " Done.");
    }

    #[test]
    fn a_block_doc_comment_is_cut_into_lines() {
        let text = "/*!\nSee [`memmem`].\n\n```\nuse memchr::memmem;\nlet it = memmem::find_iter(b\"a\", \"a\");\n```\n*/";
        let whole = std::iter::once(0..text.len()).collect::<Vec<_>>();
        let pieces = pieces(text, &whole);
        let code: Vec<&CodeBlock> = pieces
            .iter()
            .filter_map(|p| match p {
                DocPiece::Code(c) => Some(c),
                DocPiece::Prose(_) => None,
            })
            .collect();
        assert_eq!(code.len(), 1, "{pieces:?}");
        assert_eq!(
            code[0].code,
            "use memchr::memmem;\nlet it = memmem::find_iter(b\"a\", \"a\");"
        );
        assert!(
            pieces
                .iter()
                .any(|p| matches!(p, DocPiece::Prose(r) if &text[r.clone()] == "See [`memmem`]."))
        );
    }
}
