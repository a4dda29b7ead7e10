//! The definitions a Python file offers to its importers, and which of them a merge lost.
//!
//! In: Python texts (the two sides of a merge, its base, and the merged result). Out: the
//! [`Definition`]s of each text, and the [`LostDefinition`]s: those of either side that the
//! result lacks. Pure: no I/O.
//!
//! A definition is a name bound at module level (a function, a class, an assignment, an
//! annotated declaration, an import, also inside top-level `if`/`try`/`with`/`for` blocks),
//! or a method of a top-level class (`Loader.save`). A line merge can drop any of them without
//! a conflict (when the base it trusted was wrong, or when one side deleted what the other
//! still uses), so every merge is audited with this list: nothing either side had may
//! disappear unnamed.

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::lang::python::parse::{first_empty_block, first_syntax_error, parse_python, text};

/// One name a module offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// `name`, or `Class.method` for a method.
    pub name: String,
    /// 1-based line where it is defined (the first definition when there are several).
    pub line: usize,
}

/// Which side of a merge a definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The source copy (SRC).
    Src,
    /// The destination copy (DST).
    Dst,
}

/// A definition of one side that the merged text does not have.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LostDefinition {
    /// `name`, or `Class.method`.
    pub name: String,
    /// The side that had it.
    pub side: Side,
    /// 1-based line in that side's file.
    pub line: usize,
    /// True when the merge base had it and the other side removed it: a deliberate deletion
    /// that the merge carried over. Still listed, but no reason to stop.
    pub deleted_on_purpose: bool,
}

/// The definitions of `source`, each name once (at its first line), in name order.
pub fn definitions(source: &str) -> Vec<Definition> {
    definitions_in(&parse_python(source), source)
}

/// [`definitions`] of a text already parsed.
fn definitions_in(tree: &tree_sitter::Tree, source: &str) -> Vec<Definition> {
    let mut found = BTreeMap::new();
    collect_block(tree.root_node(), source, None, &mut found);
    found
        .into_iter()
        .map(|(name, line)| Definition { name, line })
        .collect()
}

/// What the audit of one merge found.
#[derive(Debug, Default)]
pub struct MergeAudit {
    /// Definitions of either side that the result lacks.
    pub lost: Vec<LostDefinition>,
    /// Where a result without conflict markers stops being Python (a byte offset): a
    /// tree-sitter error, or a block with no statement, which tree-sitter accepts
    /// ([`crate::lang::python::parse::first_empty_block`]).
    pub syntax_error: Option<usize>,
}

/// The audit of a merge: the definitions of `src` or `dst` that `merged` lacks, and whether
/// a `merged` without markers parses. `merged` may hold conflict markers: a definition counts
/// as kept when either side's reading of the markers has it. `base`, when the merge had one,
/// tells deliberate deletions apart. Each distinct reading of the result is parsed once.
pub fn audit_merge(base: Option<&str>, dst: &str, src: &str, merged: &str) -> MergeAudit {
    let mut kept: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut syntax_error = None;
    let dst_view = resolve_markers(merged, Reading::Dst);
    let src_view = resolve_markers(merged, Reading::Src);
    // Without markers both readings are the result itself.
    let mut views = vec![&dst_view];
    if src_view != dst_view {
        views.push(&src_view);
    }
    for view in views {
        let tree = parse_python(view);
        if view == merged {
            syntax_error = first_syntax_error(&tree).or_else(|| first_empty_block(&tree));
        }
        kept.extend(definitions_in(&tree, view).into_iter().map(|d| d.name));
    }
    let base = base.map(|b| {
        definitions(b)
            .into_iter()
            .map(|d| d.name)
            .collect::<std::collections::HashSet<_>>()
    });
    let dst_defs = definitions(dst);
    let src_defs = definitions(src);
    let has = |defs: &[Definition], name: &str| defs.iter().any(|d| d.name == name);
    let mut lost = Vec::new();
    for (side, defs, other) in [
        (Side::Dst, &dst_defs, &src_defs),
        (Side::Src, &src_defs, &dst_defs),
    ] {
        for d in defs.iter().filter(|d| !kept.contains(&d.name)) {
            // A deletion is deliberate when the base had the name, the other side removed
            // it, and nothing in the result still uses it.
            let deleted_on_purpose = base.as_ref().is_some_and(|b| b.contains(&d.name))
                && !has(other, &d.name)
                && !uses_name(merged, &d.name);
            lost.push(LostDefinition {
                name: d.name.clone(),
                side,
                line: d.line,
                deleted_on_purpose,
            });
        }
    }
    MergeAudit { lost, syntax_error }
}

/// True when `text` still spells `name` (a method: `.name`) as a whole word. Comments and
/// strings count too: in doubt, a deletion is not called deliberate.
fn uses_name(text: &str, name: &str) -> bool {
    let word = name.rsplit('.').next().unwrap_or(name);
    let is_ident = |c: char| c == '_' || c.is_alphanumeric();
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let method = name.contains('.');
        let starts = if method {
            before == Some('.')
        } else {
            before.is_none_or(|c| !is_ident(c))
        };
        starts && after.is_none_or(|c| !is_ident(c))
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Dst,
    Src,
}

/// `text` with every conflict region replaced by one side of it (the `<<<<<<<` part is DST's,
/// the part after `=======` SRC's; a diff3 base part is dropped).
fn resolve_markers(text: &str, reading: Reading) -> String {
    #[derive(PartialEq)]
    enum Part {
        Outside,
        Ours,
        Base,
        Theirs,
    }
    let mut part = Part::Outside;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        let marker = |m: &str| bare == m || bare.starts_with(&format!("{m} "));
        match part {
            Part::Outside if marker("<<<<<<<") => part = Part::Ours,
            Part::Ours | Part::Base if bare == "=======" => part = Part::Theirs,
            Part::Ours if marker("|||||||") => part = Part::Base,
            Part::Theirs if marker(">>>>>>>") => part = Part::Outside,
            Part::Outside => out.push_str(line),
            Part::Ours if reading == Reading::Dst => out.push_str(line),
            Part::Theirs if reading == Reading::Src => out.push_str(line),
            Part::Ours | Part::Base | Part::Theirs => {}
        }
    }
    out
}

/// Collects the names bound by the statements of `block` (the module, or a compound
/// statement's body at module level); `class` is set inside a top-level class body.
fn collect_block(
    block: Node<'_>,
    source: &str,
    class: Option<&str>,
    found: &mut BTreeMap<String, usize>,
) {
    let mut cursor = block.walk();
    for node in block.named_children(&mut cursor) {
        collect_statement(node, source, class, found);
    }
}

fn collect_statement(
    node: Node<'_>,
    source: &str,
    class: Option<&str>,
    found: &mut BTreeMap<String, usize>,
) {
    let mut add = |name: &str, at: Node<'_>| {
        let name = match class {
            Some(class) => format!("{class}.{name}"),
            None => name.to_owned(),
        };
        found.entry(name).or_insert(at.start_position().row + 1);
    };
    match node.kind() {
        "decorated_definition" => {
            if let Some(inner) = node.child_by_field_name("definition") {
                collect_statement(inner, source, class, found);
            }
        }
        "function_definition" => {
            if let Some(name) = node.child_by_field_name("name") {
                add(text(name, source), node);
            }
        }
        "class_definition" => {
            let Some(name) = node.child_by_field_name("name") else {
                return;
            };
            let name = text(name, source);
            add(name, node);
            // Methods of top-level classes only: nested classes are rare and their members
            // reach importers through the outer name anyway.
            if class.is_none()
                && let Some(body) = node.child_by_field_name("body")
            {
                let mut cursor = body.walk();
                for member in body.named_children(&mut cursor) {
                    if matches!(
                        member.kind(),
                        "function_definition" | "decorated_definition"
                    ) {
                        collect_statement(member, source, Some(name), found);
                    }
                }
            }
        }
        "expression_statement" if class.is_none() => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                collect_assignment(child, source, &mut add);
            }
        }
        "import_statement" | "import_from_statement" if class.is_none() => {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let bound = match name.kind() {
                    "aliased_import" => name.child_by_field_name("alias"),
                    // `import a.b` binds `a`.
                    "dotted_name" if node.kind() == "import_statement" => name.named_child(0),
                    _ => Some(name),
                };
                if let Some(bound) = bound {
                    add(text(bound, source), node);
                }
            }
        }
        "if_statement" | "try_statement" | "with_statement" | "for_statement"
        | "while_statement" | "else_clause" | "elif_clause" | "except_clause"
        | "finally_clause" | "block"
            if class.is_none() =>
        {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "block" {
                    collect_block(child, source, None, found);
                } else if child.kind().ends_with("_clause") {
                    collect_statement(child, source, None, found);
                }
            }
        }
        _ => {}
    }
}

/// The names an assignment (`a = …`, `a, b = …`, `a: T`, `a: T = …`, `a = b = …`) binds.
fn collect_assignment(node: Node<'_>, source: &str, add: &mut impl FnMut(&str, Node<'_>)) {
    if node.kind() != "assignment" {
        return;
    }
    if let Some(left) = node.child_by_field_name("left") {
        collect_targets(left, source, add);
    }
    // `a = b = 1` nests the second assignment on the right.
    if let Some(right) = node.child_by_field_name("right") {
        collect_assignment(right, source, add);
    }
}

fn collect_targets(node: Node<'_>, source: &str, add: &mut impl FnMut(&str, Node<'_>)) {
    match node.kind() {
        "identifier" => add(text(node, source), node),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                collect_targets(child, source, add);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost_definitions(
        base: Option<&str>,
        dst: &str,
        src: &str,
        merged: &str,
    ) -> Vec<LostDefinition> {
        audit_merge(base, dst, src, merged).lost
    }

    fn names(source: &str) -> Vec<String> {
        definitions(source).into_iter().map(|d| d.name).collect()
    }

    #[test]
    fn module_level_names_and_methods_are_definitions() {
        let source = "import os, json as j\nimport a.b\nfrom x import y, z as w\n\
                      X = 1\nA, B = 1, 2\nC: int\nD: int = 4\nE = F = 5\n\n\
                      @dec\ndef f():\n    inner = 1\n\n\nclass K(Base):\n    attr = 1\n\n    \
                      def m(self):\n        pass\n\n    @property\n    def p(self):\n        pass\n\n\
                      if cond:\n    def g():\n        pass\nelse:\n    G = 1\n\
                      try:\n    import fast as impl\nexcept ImportError:\n    impl = None\n";
        assert_eq!(
            names(source),
            [
                "A", "B", "C", "D", "E", "F", "G", "K", "K.m", "K.p", "X", "a", "f", "g", "impl",
                "j", "os", "w", "y"
            ]
        );
    }

    #[test]
    fn definitions_report_their_first_line() {
        let defs = definitions("x = 1\n\ndef f():\n    pass\n\nx = 2\n");
        assert_eq!(
            defs,
            [
                Definition {
                    name: "f".into(),
                    line: 3
                },
                Definition {
                    name: "x".into(),
                    line: 1
                }
            ]
        );
    }

    #[test]
    fn a_merge_that_keeps_everything_loses_nothing() {
        let dst = "def a():\n    pass\n";
        let src = "def b():\n    pass\n";
        let merged = "def a():\n    pass\n\n\ndef b():\n    pass\n";
        assert!(lost_definitions(None, dst, src, merged).is_empty());
    }

    #[test]
    fn a_dropped_function_and_method_are_named_with_side_and_line() {
        let src = "class Loader:\n    def load(self):\n        pass\n\n    def save(self):\n        pass\n\n\ndef loader_extra():\n    pass\n";
        let dst = "class Loader:\n    def load(self):\n        return 1\n";
        let lost = lost_definitions(Some(src), dst, src, dst);
        assert_eq!(
            lost,
            [
                LostDefinition {
                    name: "Loader.save".into(),
                    side: Side::Src,
                    line: 5,
                    deleted_on_purpose: true,
                },
                LostDefinition {
                    name: "loader_extra".into(),
                    side: Side::Src,
                    line: 9,
                    deleted_on_purpose: true,
                },
            ]
        );
        // Without a base, nothing proves that DST meant to delete them.
        assert!(
            lost_definitions(None, dst, src, dst)
                .iter()
                .all(|l| !l.deleted_on_purpose)
        );
        // A result that still calls the deleted function: not a deliberate deletion.
        let calls = format!("{dst}\n\ndef user():\n    return loader_extra()\n");
        let lost = lost_definitions(Some(src), dst, src, &calls);
        assert!(
            !lost
                .iter()
                .find(|l| l.name == "loader_extra")
                .unwrap()
                .deleted_on_purpose
        );
        assert!(
            lost.iter()
                .find(|l| l.name == "Loader.save")
                .unwrap()
                .deleted_on_purpose
        );
        // A base that never had them: SRC added them, so losing them is not deliberate.
        let base = "class Loader:\n    def load(self):\n        pass\n";
        assert!(
            lost_definitions(Some(base), dst, src, dst)
                .iter()
                .all(|l| !l.deleted_on_purpose)
        );
    }

    #[test]
    fn definitions_inside_conflict_markers_count_as_kept() {
        let merged = "<<<<<<< DST a.py\ndef a():\n    pass\n||||||| base\n=======\ndef b():\n    pass\n>>>>>>> SRC b.py\n";
        assert!(
            lost_definitions(None, "def a():\n    pass\n", "def b():\n    pass\n", merged)
                .is_empty()
        );
        assert_eq!(
            resolve_markers(merged, Reading::Src),
            "def b():\n    pass\n"
        );
    }
}
