//! The union of two `__init__.py` files made only of imports, `__all__` and docstrings: what a
//! merge of two package inits is when nothing else is in them, without conflict markers.
//!
//! In: the DST and SRC texts. Out: the merged text, or `None` when a line merge
//! ([`crate::merge`]) must do. Pure: no I/O.

use std::fmt::Write as _;

use tree_sitter::Node;

use crate::lang::python::parse::{parse_python, text};
use crate::lang::python::rewrite::newline_style;

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

    let newline = newline_style(dst);
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
