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
        parser.borrow_mut().parse(text, None).expect(
            "parsing only fails when cancelled or without a language, neither of which we do",
        )
    })
}

/// The byte offset where the first syntax error starts, if the tree has one.
///
/// tree-sitter may wrap much of a broken file, intact statements included, in one ERROR node;
/// so this descends through ERROR nodes whose children before the trouble are whole
/// statements, down to the ERROR (or MISSING) node where the loose tokens begin.
pub fn first_syntax_error(tree: &Tree) -> Option<usize> {
    let mut node = tree.root_node();
    if !node.has_error() {
        return None;
    }
    loop {
        if node.is_missing() {
            return Some(node.start_byte());
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        let Some(errored) = children.iter().position(|c| c.has_error() || c.is_error()) else {
            return Some(node.start_byte());
        };
        let loose_tokens_first = children[..errored].iter().any(|c| !is_whole_statement(*c));
        if node.is_error() && loose_tokens_first {
            return Some(node.start_byte());
        }
        node = children[errored];
    }
}

/// The start of the first statement whose body is empty (`class Loader(Base):` and nothing
/// under it, or only comments), which Python refuses and tree-sitter-python accepts: its
/// block may hold no statement. One walk over the whole tree, so only for texts that regraft
/// made itself (merge results), not for every file a plan reads.
pub fn first_empty_block(tree: &Tree) -> Option<usize> {
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.kind() == "block" {
            let mut children = node.walk();
            let empty = node
                .named_children(&mut children)
                .all(|c| c.kind() == "comment");
            if empty {
                return Some(node.parent().unwrap_or(node).start_byte());
            }
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                return None;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}

fn is_whole_statement(node: Node<'_>) -> bool {
    let kind = node.kind();
    (kind.ends_with("_statement") || kind.ends_with("_definition") || kind == "comment")
        && !node.has_error()
}

/// The dotted name written by a `dotted_name` node, ignoring any layout between its parts.
pub fn dotted_name(
    node: Node<'_>,
    source: &str,
) -> Option<crate::lang::python::module_name::ModuleName> {
    let mut cursor = node.walk();
    let parts: Vec<&str> = node
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "identifier")
        .map(|c| text(c, source))
        .collect();
    crate::lang::python::module_name::ModuleName::from_components(parts)
}

/// A `relative_import` node as its number of leading dots and the name after them.
pub fn relative_import(
    node: Node<'_>,
    source: &str,
) -> (usize, Option<crate::lang::python::module_name::ModuleName>) {
    let mut cursor = node.walk();
    let mut dots = 0;
    let mut name = None;
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "import_prefix" => dots = text(child, source).matches('.').count(),
            "dotted_name" => name = dotted_name(child, source),
            _ => {}
        }
    }
    (dots, name)
}

/// The absolute module a `from` statement's module part names (`from .x import y` seen from
/// `package`, or `from a.b import y`); `None` when it has none or the dots climb too high.
pub fn from_module(
    stmt: Node<'_>,
    source: &str,
    package: Option<&crate::lang::python::module_name::ModuleName>,
) -> Option<crate::lang::python::module_name::ModuleName> {
    let node = stmt.child_by_field_name("module_name")?;
    if node.kind() == "relative_import" {
        let (dots, name) = relative_import(node, source);
        crate::lang::python::roots::resolve_relative(
            package,
            dots,
            name.as_ref()
                .map(crate::lang::python::module_name::ModuleName::as_str),
        )
    } else {
        dotted_name(node, source)
    }
}

/// The names a `from M import a, b as c` statement binds, each with the module it names if it
/// is a submodule: (`a`, `M.a`), (`c`, `M.b`). Empty when `M` cannot be resolved.
pub fn from_import_bindings(
    stmt: Node<'_>,
    source: &str,
    package: Option<&crate::lang::python::module_name::ModuleName>,
) -> Vec<(String, crate::lang::python::module_name::ModuleName)> {
    let Some(module) = from_module(stmt, source, package) else {
        return Vec::new();
    };
    let mut cursor = stmt.walk();
    stmt.children_by_field_name("name", &mut cursor)
        .filter_map(|item| {
            let name = imported_name(item).and_then(|n| dotted_name(n, source))?;
            let local = item
                .child_by_field_name("alias")
                .map_or_else(|| name.to_string(), |a| text(a, source).to_owned());
            Some((local, module.join(name.as_str())?))
        })
        .collect()
}

/// The name node of an imported item (`a.b` of `a.b as c`, or the item itself).
pub fn imported_name(item: Node<'_>) -> Option<Node<'_>> {
    match item.kind() {
        "aliased_import" => item.child_by_field_name("name"),
        _ => Some(item),
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
    fn a_block_without_a_statement_is_an_error_tree_sitter_lets_pass() {
        for (text, at) in [
            ("import a\n\nclass Loader(Base):\n\n\n", 10),
            ("class A:\n    # only a comment\n\nx = 1\n", 0),
            ("def f():\n    if x:\n        # todo\n    return 1\n", 13),
        ] {
            let tree = parse_python(text);
            assert_eq!(
                first_syntax_error(&tree),
                None,
                "tree-sitter accepts {text:?}"
            );
            assert_eq!(first_empty_block(&tree), Some(at), "{text:?}");
        }
        for text in [
            "class A:\n    pass\n",
            "def f(): ...\n",
            "class A:\n    # doc\n    x = 1\n",
            "",
        ] {
            assert_eq!(first_empty_block(&parse_python(text)), None, "{text:?}");
        }
    }

    #[test]
    fn finds_the_first_syntax_error() {
        let ok = "import a\n";
        assert_eq!(first_syntax_error(&parse_python(ok)), None);
        let bad = "import a\ndef f(:\n    pass\n";
        // The stray `:` after `def f(` (byte 15) is where the parser gives up.
        assert_eq!(first_syntax_error(&parse_python(bad)), Some(15));
        // An unclosed bracket makes tree-sitter wrap the whole file in one ERROR node; the
        // error is still placed at the broken statement, not at the top of the file.
        let unclosed = "import a\n\n\ndef f():\n    pass\n\n\ndef g():\n    from a import (b, c\n    return 1\n";
        assert_eq!(
            first_syntax_error(&parse_python(unclosed)),
            Some(unclosed.find("from a").unwrap())
        );
    }
}
