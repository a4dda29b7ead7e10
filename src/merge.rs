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
//! - `__init__.py` files made only of imports, `__all__` and docstrings: the union of both
//!   (see [`union_of_init_files`]), without markers.

use std::fmt::Write as _;

use tree_sitter::Node;

use crate::lang::python::parse::{parse_python, text};

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

/// The union of two `__init__.py` files made only of docstrings, comments, imports and an
/// `__all__` list of strings: the destination's text, plus the source's imports it lacks
/// (after its last import), plus the source's `__all__` names it lacks (at the end of its
/// list). `None` when either file holds anything else, or does not parse.
pub fn union_of_init_files(dst: &str, src: &str) -> Option<String> {
    let dst_tree = parse_python(dst);
    let src_tree = parse_python(src);
    let dst_parts = InitParts::read(dst_tree.root_node(), dst)?;
    let src_parts = InitParts::read(src_tree.root_node(), src)?;

    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let known: Vec<String> = dst_parts
        .imports
        .iter()
        .map(|(_, t)| normalise(t))
        .collect();
    let new_imports: Vec<&str> = src_parts
        .imports
        .iter()
        .map(|(_, t)| t.as_str())
        .filter(|t| !known.contains(&normalise(t)))
        .collect();
    let new_names: Vec<&String> = src_parts
        .all_names
        .iter()
        .filter(|(name, _)| !dst_parts.all_names.iter().any(|(n, _)| n == name))
        .map(|(_, literal)| literal)
        .collect();

    let newline = crate::lang::python::rewrite::newline_style(dst);
    let mut edits = Vec::new();
    if !new_imports.is_empty() {
        let block = new_imports.iter().fold(String::new(), |mut block, t| {
            block.push_str(newline);
            block.push_str(t);
            block
        });
        match dst_parts.imports.last() {
            Some((end, _)) => edits.push(crate::edit::Edit::insert(*end, block)),
            None => edits.push(crate::edit::Edit::insert(
                dst_parts.after_docstring,
                if dst_parts.after_docstring == 0 {
                    format!("{}{newline}", block.trim_start_matches(['\r', '\n']))
                } else {
                    block
                },
            )),
        }
    }
    if !new_names.is_empty() {
        let names = new_names
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        match dst_parts.all_list {
            Some(AllList {
                last_item_end: Some(end),
                ..
            }) => {
                edits.push(crate::edit::Edit::insert(end, format!(", {names}")));
            }
            Some(AllList {
                open_end,
                last_item_end: None,
            }) => {
                edits.push(crate::edit::Edit::insert(open_end, names));
            }
            None => {
                let mut tail = String::new();
                if !dst.is_empty() && !dst.ends_with('\n') {
                    tail.push_str(newline);
                }
                let _ = write!(tail, "{newline}__all__ = [{names}]{newline}");
                edits.push(crate::edit::Edit::insert(dst.len(), tail));
            }
        }
    }
    let edits = crate::edit::FileEdits::new(edits).ok()?;
    Some(edits.apply(dst))
}

/// What an `__init__.py` of the simple kind holds.
struct InitParts {
    /// (end offset, text) of each top-level import.
    imports: Vec<(usize, String)>,
    /// (name, literal as written) of each `__all__` entry.
    all_names: Vec<(String, String)>,
    /// Where the `__all__` list's items are.
    all_list: Option<AllList>,
    /// The end of the module docstring (0 when there is none).
    after_docstring: usize,
}

#[derive(Clone, Copy)]
struct AllList {
    /// Just after the opening bracket.
    open_end: usize,
    /// The end of the last item, if any.
    last_item_end: Option<usize>,
}

impl InitParts {
    fn read(root: Node<'_>, source: &str) -> Option<Self> {
        if root.has_error() {
            return None;
        }
        let mut parts = Self {
            imports: Vec::new(),
            all_names: Vec::new(),
            all_list: None,
            after_docstring: 0,
        };
        let mut cursor = root.walk();
        for (index, node) in root.named_children(&mut cursor).enumerate() {
            match node.kind() {
                "comment" => {}
                "import_statement" | "import_from_statement" | "future_import_statement" => {
                    parts
                        .imports
                        .push((node.end_byte(), text(node, source).to_owned()));
                }
                "expression_statement" => {
                    let inner = node.named_child(0)?;
                    match inner.kind() {
                        "string" if index == 0 => parts.after_docstring = node.end_byte(),
                        "string" => {}
                        "assignment" => parts.read_all(inner, source)?,
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        Some(parts)
    }

    /// Reads `__all__ = [...]` (or a tuple); anything else is not the simple kind.
    fn read_all(&mut self, assignment: Node<'_>, source: &str) -> Option<()> {
        let left = assignment.child_by_field_name("left")?;
        let right = assignment.child_by_field_name("right")?;
        if text(left, source) != "__all__" || !matches!(right.kind(), "list" | "tuple") {
            return None;
        }
        let mut cursor = right.walk();
        let mut last_item_end = None;
        for item in right.named_children(&mut cursor) {
            match item.kind() {
                "string" => {
                    let literal = text(item, source);
                    let name = literal.trim_matches(['"', '\'']).to_owned();
                    self.all_names.push((name, literal.to_owned()));
                    last_item_end = Some(item.end_byte());
                }
                "comment" => {}
                _ => return None,
            }
        }
        self.all_list = Some(AllList {
            open_end: right.start_byte() + 1,
            last_item_end,
        });
        Some(())
    }
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

    #[test]
    fn init_files_are_united() {
        let dst = "\"\"\"Regimes.\"\"\"\nfrom .detector import RegimeDetector\n\n__all__ = [\"RegimeDetector\"]\n";
        let src = "from .detector import RegimeDetector\nfrom .labels import Regime  # enum\n\n__all__ = [\n    \"RegimeDetector\",\n    'Regime',\n]\n";
        assert_eq!(
            union_of_init_files(dst, src).unwrap(),
            "\"\"\"Regimes.\"\"\"\nfrom .detector import RegimeDetector\nfrom .labels import Regime\n\n__all__ = [\"RegimeDetector\", 'Regime']\n"
        );
    }

    #[test]
    fn init_files_with_code_are_not_united() {
        assert_eq!(
            union_of_init_files("from .a import b\n", "x = compute()\n"),
            None
        );
        assert_eq!(
            union_of_init_files("def f():\n    pass\n", "from .a import b\n"),
            None
        );
    }

    #[test]
    fn an_empty_init_takes_the_other_side() {
        assert_eq!(
            union_of_init_files("", "from .a import b\n__all__ = ['b']\n").unwrap(),
            "from .a import b\n\n__all__ = ['b']\n"
        );
    }
}
