//! The tree-sitter wrapper: Python text in, a syntax tree out.
//!
//! One parser per thread (parsers are not `Sync`, and building one per file is waste).
//! tree-sitter never fails on bad syntax: it returns a tree with ERROR or MISSING nodes, and
//! [`first_syntax_error`] finds where the first one starts.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

thread_local! {
    static PYTHON: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("the bundled tree-sitter-python grammar matches the tree-sitter version");
        parser
    });
}

/// Parses Python source text.
pub fn parse_python(text: &str) -> Tree {
    PYTHON.with(|parser| {
        parser
            .borrow_mut()
            .parse(text, None)
            .expect("parsing only fails when cancelled or without a language, neither of which we do")
    })
}

/// The byte offset where the first ERROR or MISSING node starts, if the tree has one.
pub fn first_syntax_error(tree: &Tree) -> Option<usize> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    // Descend into the first child that holds an error until the error node itself.
    'descend: loop {
        if node.is_error() || node.is_missing() {
            return Some(node.start_byte());
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.has_error() {
                node = child;
                continue 'descend;
            }
        }
        return Some(node.start_byte());
    }
}

/// The text of `node` in `source`.
pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_syntax_error() {
        let ok = "import a\n";
        assert_eq!(first_syntax_error(&parse_python(ok)), None);
        let bad = "import a\ndef f(:\n    pass\n";
        // The stray `:` after `def f(` (byte 15) is where the parser gives up.
        assert_eq!(first_syntax_error(&parse_python(bad)), Some(15));
    }
}
