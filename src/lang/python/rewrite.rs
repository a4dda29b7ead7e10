//! Finds the module references of one Python file and turns those that a move affects into
//! [`Change`]s: byte-range edits plus the kind of reference and the range to show in reports.
//!
//! In: the source text, its tree-sitter tree, and a [`FileContext`] (the file's package before
//! and after the move, and the moves). Out: [`Rewritten`]. Nothing here reads or writes files.
//!
//! The policy (also in `fixtures/README.md` and the README):
//! - `import M` and `from M import …` with `M` under a moved module: the dotted name is replaced.
//! - `from P import n` where `P.n` moves: the statement follows `n` to its new parent package;
//!   names that go to different places are split into one statement per place.
//! - Relative imports are kept byte for byte when the same dots still reach the same module from
//!   the file's new place, and become absolute otherwise.
//! - Attribute chains `R.a.b.f()` in a file with a plain `import R…` follow the module they name,
//!   unless a function binds `R` locally.
//! - Nothing inside a syntax error, and nothing in comments or strings, is touched.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::edit::Edit;
use crate::lang::python::module_name::ModuleName;
use crate::lang::python::parse::{
    dotted_name, from_import_bindings, imported_name, relative_import, text,
};
use crate::lang::python::references::References;
use crate::lang::python::roots::resolve_relative;
use crate::lang::{Change, Problem, RefKind, Rewritten};
use crate::resolve::ModuleMoves;

/// What the rewrite needs to know about the file besides its text.
#[derive(Debug, Clone)]
pub struct FileContext<'a> {
    /// The package relative imports start from today (`None` for a file at an import root).
    pub package: Option<ModuleName>,
    /// The same after the move (differs only for files that move).
    pub new_package: Option<ModuleName>,
    /// The moves of this run.
    pub moves: &'a ModuleMoves,
    /// Resolves module and file paths written in strings; `None` leaves strings alone.
    pub references: Option<&'a References<'a>>,
    /// The module the file defines (for renaming a symbol where it is defined).
    pub module: Option<ModuleName>,
    /// Whether docstrings and comments are rewritten too.
    pub text: crate::rules::TextOptions,
}

/// Finds and rewrites every reference in `source` that the moves affect.
pub fn rewrite_python(source: &str, tree: &Tree, cx: &FileContext<'_>) -> Rewritten {
    let found = collect(tree.root_node());
    let mut out = Rewritten::default();
    let mut bound = Bound::default();
    for node in &found.imports {
        rewrite_import(*node, source, cx, &mut bound, &mut out);
    }
    for node in &found.from_imports {
        bind_ancestor_packages(*node, source, cx, &mut bound);
        rewrite_from_import(*node, source, cx, &mut out);
    }
    let mut scopes = ShadowCache::default();
    let mut chains = Chains {
        source,
        tree: tree.root_node(),
        cx,
        bound: &bound,
        added_imports: HashSet::new(),
        free_names: HashMap::new(),
    };
    for node in &found.chains {
        chains.rewrite(*node, &mut scopes, &mut out);
    }
    rename_definitions(tree.root_node(), source, cx, &mut scopes, &mut out);
    if let Some(references) = cx.references {
        for node in &found.strings {
            rewrite_string(*node, source, cx, references, &mut out);
        }
        if cx.text.comments {
            for node in &found.comments {
                out.changes.extend(references.rewrite_tokens(
                    source,
                    node.byte_range(),
                    RefKind::Comment,
                ));
            }
        }
    }
    out.changes.sort_by_key(|c| (c.range.start, c.range.end));
    out
}

#[derive(Default)]
struct Found<'t> {
    imports: Vec<Node<'t>>,
    from_imports: Vec<Node<'t>>,
    chains: Vec<Node<'t>>,
    strings: Vec<Node<'t>>,
    comments: Vec<Node<'t>>,
}

/// One walk over the tree: import statements, and the tops of attribute chains.
///
/// tree-sitter often wraps a large part of a broken file in one ERROR node, with intact
/// statements inside it. So inside an ERROR node only complete statements without errors of
/// their own (and what they contain) are collected; loose tokens of the broken region, and
/// statements that hold a syntax error, are not.
fn collect(root: Node<'_>) -> Found<'_> {
    let mut found = Found::default();
    // (node, inside a broken region, is the `object` of an attribute: not a chain top)
    let mut stack = vec![(root, false, false)];
    let mut cursor = root.walk();
    while let Some((node, parent_in_error, is_object)) = stack.pop() {
        let kind = node.kind();
        let in_error = if kind == "ERROR" {
            true
        } else if parent_in_error && is_statement(kind) && !node.has_error() {
            false
        } else {
            parent_in_error
        };
        let mut object = None;
        match kind {
            "import_statement" | "import_from_statement" => {
                if !in_error && !node.has_error() {
                    if kind == "import_statement" {
                        found.imports.push(node);
                    } else {
                        found.from_imports.push(node);
                    }
                }
                continue;
            }
            "attribute" => {
                if !in_error && !node.has_error() && !is_object {
                    found.chains.push(node);
                }
                object = node.child_by_field_name("object");
            }
            "string" if !in_error && !node.has_error() => found.strings.push(node),
            "comment" if !in_error => found.comments.push(node),
            _ => {}
        }
        stack.extend(
            node.children(&mut cursor)
                .map(|child| (child, in_error, Some(child) == object)),
        );
    }
    found
}

fn is_statement(kind: &str) -> bool {
    kind.ends_with("_statement")
        || matches!(
            kind,
            "function_definition" | "class_definition" | "decorated_definition"
        )
}

/// The names that import statements bind to modules in a file.
#[derive(Default)]
struct Bound {
    /// First components bound by `import a.b.c` (no alias), with where a statement that the
    /// chain rewrite needs can go (after the first such import).
    roots: HashMap<String, InsertionPoint>,
    /// First components that plain `import`s bind once their moves are rewritten.
    roots_after: HashSet<String>,
    /// `import a.b.c as m`: `m` → `a.b.c`; also `from a import b [as m]` when `a.b` is a
    /// package that holds a moved module (an ancestor: chains through it name the move).
    aliases: HashMap<String, Binding>,
}

/// A name bound to a module, and where an import can go after the statement that binds it.
struct Binding {
    module: ModuleName,
    after: InsertionPoint,
}

/// An offset to insert a statement at, and the text that goes before it (see
/// [`insertion_point`]).
#[derive(Clone)]
struct InsertionPoint {
    at: usize,
    separator: String,
}

impl InsertionPoint {
    fn after(stmt: Node<'_>, source: &str) -> Self {
        let (at, separator) = insertion_point(stmt, source);
        Self { at, separator }
    }
}

/// Records the names a `from` statement binds to packages that hold a moved module:
/// `from pkg import plugins` when `pkg/plugins/render` moves, so that `plugins.render.x`
/// is seen as a reference to the moved module.
fn bind_ancestor_packages(stmt: Node<'_>, source: &str, cx: &FileContext<'_>, bound: &mut Bound) {
    for (local, package) in from_import_bindings(stmt, source, cx.package.as_ref()) {
        let holds_a_move = cx
            .moves
            .moves()
            .iter()
            .any(|m| m.from_module.len() > package.len() && m.from_module.is_within(&package));
        if holds_a_move {
            bound.aliases.insert(
                local,
                Binding {
                    module: package,
                    after: InsertionPoint::after(stmt, source),
                },
            );
        }
    }
}

fn rewrite_import(
    stmt: Node<'_>,
    source: &str,
    cx: &FileContext<'_>,
    bound: &mut Bound,
    out: &mut Rewritten,
) {
    let mut cursor = stmt.walk();
    for name in stmt.children_by_field_name("name", &mut cursor) {
        let Some(dotted_node) = imported_name(name) else {
            continue;
        };
        let aliased = name.kind() == "aliased_import";
        let Some(module) = dotted_name(dotted_node, source) else {
            continue;
        };
        let new = cx.moves.map(&module);
        // `import pkg` of a top-level package that moves into another: `import a.pkg` would
        // bind `a` instead, and bare uses of `pkg` would break; `import a.pkg as pkg` keeps
        // the name, and every use of it, as it was.
        let keep_name = !aliased && module.len() == 1 && new.as_ref().is_some_and(|n| n.len() > 1);
        let after = InsertionPoint::after(stmt, source);
        if aliased || keep_name {
            let alias = name
                .child_by_field_name("alias")
                .map_or_else(|| module.to_string(), |a| text(a, source).to_owned());
            bound.aliases.insert(
                alias,
                Binding {
                    module: module.clone(),
                    after,
                },
            );
        } else {
            let top = |m: &ModuleName| m.components().next().unwrap_or_default().to_owned();
            bound
                .roots_after
                .insert(top(new.as_ref().unwrap_or(&module)));
            bound.roots.entry(top(&module)).or_insert(after);
        }
        if let Some(new) = new {
            let spelled = if keep_name {
                format!("{new} as {module}")
            } else {
                new.to_string()
            };
            out.changes.push(Change::replace(
                RefKind::Import,
                dotted_node.byte_range(),
                spelled,
            ));
        }
    }
}

/// One imported name of a `from` statement.
struct ImportedName<'t> {
    /// The whole item (`n` or `n as a`).
    node: Node<'t>,
    /// The `n` part.
    name_node: Node<'t>,
    name: String,
    alias: Option<String>,
    /// The module the name must be imported from after the move.
    target: ModuleName,
    /// The name it has there (differs when the move renames a package).
    new_name: String,
}

impl ImportedName<'_> {
    /// `n`, `n as a`, or `new as n` when the move renamed it.
    fn spelled(&self) -> String {
        let bound = self.alias.as_deref().unwrap_or(&self.name);
        if self.new_name == bound {
            self.new_name.clone()
        } else {
            format!("{} as {bound}", self.new_name)
        }
    }
}

fn rewrite_from_import(stmt: Node<'_>, source: &str, cx: &FileContext<'_>, out: &mut Rewritten) {
    let Some(module_node) = stmt.child_by_field_name("module_name") else {
        return;
    };
    // The module the statement names today, and what its text will name after the move.
    let (module, module_after, relative) = if module_node.kind() == "relative_import" {
        let (dots, name) = relative_import(module_node, source);
        let name = name.as_ref().map(ModuleName::as_str);
        let Some(module) = resolve_relative(cx.package.as_ref(), dots, name) else {
            return;
        };
        let after = resolve_relative(cx.new_package.as_ref(), dots, name);
        (module, after, true)
    } else {
        let Some(module) = dotted_name(module_node, source) else {
            return;
        };
        (module.clone(), Some(module), false)
    };

    let mut names = Vec::new();
    let mut cursor = stmt.walk();
    for node in stmt.children_by_field_name("name", &mut cursor) {
        let Some(name_node) = imported_name(node) else {
            return;
        };
        let alias = node
            .child_by_field_name("alias")
            .map(|a| text(a, source).to_owned());
        let Some(name) = dotted_name(name_node, source) else {
            return;
        };
        let as_module = module.join(name.as_str());
        let (target, new_name) = match as_module.as_ref().and_then(|m| cx.moves.map(m)) {
            // The name is itself a moved module: it goes wherever that module goes.
            Some(new_module) => {
                let Some(parent) = new_module.parent() else {
                    out.problems.push(Problem {
                        offset: node.start_byte(),
                        message: format!(
                            "`{name}` becomes the top-level module `{new_module}`, which a \
                             `from` import cannot name; rewrite this import by hand"
                        ),
                    });
                    return;
                };
                (parent, new_module.leaf().to_owned())
            }
            // A symbol of the module: it follows the module, or its `[[rename]]`.
            None => cx
                .moves
                .rename_symbol(&module, name.as_str())
                .unwrap_or_else(|| (cx.moves.map_or_same(&module), name.to_string())),
        };
        names.push(ImportedName {
            node,
            name_node,
            name: name.to_string(),
            alias,
            target,
            new_name,
        });
    }

    // Group the names by the module they must come from, in order of first appearance.
    let mut groups: Vec<(ModuleName, Vec<&ImportedName<'_>>)> = Vec::new();
    if names.is_empty() {
        // `from M import *`
        groups.push((cx.moves.map_or_same(&module), Vec::new()));
    }
    for name in &names {
        match groups.iter_mut().find(|(target, _)| *target == name.target) {
            Some((_, members)) => members.push(name),
            None => groups.push((name.target.clone(), vec![name])),
        }
    }
    let keep = groups
        .iter()
        .position(|(target, _)| Some(target) == module_after.as_ref())
        .unwrap_or(0);

    let mut edits = Vec::new();
    let (kept_target, kept_names) = &groups[keep];
    let module_changes = Some(kept_target) != module_after.as_ref();
    if module_changes {
        edits.push(Edit::replace(
            module_node.byte_range(),
            kept_target.to_string(),
        ));
    }
    let mut renames_names = false;
    for name in kept_names {
        if name.new_name != name.name {
            renames_names = true;
            let spelled = match name.alias {
                Some(_) => name.new_name.clone(),
                None => name.spelled(),
            };
            edits.push(Edit::replace(name.name_node.byte_range(), spelled));
        }
    }

    if groups.len() == 1 {
        if edits.is_empty() {
            return;
        }
        let renamed_symbol = names
            .iter()
            .any(|n| cx.moves.rename_symbol(&module, &n.name).is_some());
        let kind = if relative {
            RefKind::Relative
        } else if renamed_symbol {
            RefKind::Symbol
        } else if cx.moves.move_of(&module).is_some() {
            RefKind::FromImport
        } else {
            RefKind::ImportedModule
        };
        // The module part alone says it all when it names the moved module; when the moved
        // thing is an imported name, or the module part is relative dots, show the statement.
        let range = if renames_names || kind != RefKind::FromImport {
            stmt.byte_range()
        } else {
            module_node.byte_range()
        };
        out.changes.push(Change { kind, range, edits });
        return;
    }

    // Split: take the other groups' names out of this statement and add one statement each.
    let mut removed: Vec<Range<usize>> = Vec::new();
    let mut added = String::new();
    let (insert_at, separator) = insertion_point(stmt, source);
    for (i, (target, members)) in groups.iter().enumerate() {
        if i == keep {
            continue;
        }
        for member in members {
            let index = names
                .iter()
                .position(|n| n.node == member.node)
                .unwrap_or(0);
            removed.push(removal_range(&names, index, source));
        }
        let spelled: Vec<String> = members.iter().map(|m| m.spelled()).collect();
        added.push_str(&separator);
        let _ = write!(added, "from {target} import {}", spelled.join(", "));
    }
    edits.extend(merge_ranges(removed).into_iter().map(Edit::delete));
    edits.push(Edit::insert(insert_at, added));
    out.changes.push(Change {
        kind: RefKind::Split,
        range: stmt.start_byte()..insert_at,
        edits,
    });
}

/// The bytes to delete so that `names[index]` leaves its statement (see `fixtures/README.md`).
fn removal_range(names: &[ImportedName<'_>], index: usize, source: &str) -> Range<usize> {
    let node = names[index].node;
    let bytes = source.as_bytes();
    let skip_blanks = |mut at: usize| {
        while matches!(bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        at
    };
    let start_of_line = line_start(source, node.start_byte());
    let alone_before = source[start_of_line..node.start_byte()]
        .bytes()
        .all(|b| b == b' ' || b == b'\t');
    let after_name = skip_blanks(node.end_byte());
    let comma = (bytes.get(after_name) == Some(&b',')).then_some(after_name);
    let after_comma = comma.map_or(after_name, |c| skip_blanks(c + 1));
    let line_break = if source[after_comma..].starts_with("\r\n") {
        2
    } else {
        usize::from(source[after_comma..].starts_with('\n'))
    };
    if alone_before && line_break > 0 {
        start_of_line..after_comma + line_break
    } else if comma.is_some() {
        node.start_byte()..after_comma
    } else if index > 0 {
        names[index - 1].node.end_byte()..node.end_byte()
    } else {
        node.byte_range()
    }
}

/// Where split-off statements go, and what comes before each: a new line with the statement's
/// indentation, or `; ` when the statement shares its line with code before it.
fn insertion_point(stmt: Node<'_>, source: &str) -> (usize, String) {
    let start_of_line = line_start(source, stmt.start_byte());
    let indent = &source[start_of_line..stmt.start_byte()];
    if indent.bytes().all(|b| b == b' ' || b == b'\t') {
        let end = line_end(source, stmt.end_byte());
        (end, format!("{}{indent}", newline_style(source)))
    } else {
        (stmt.end_byte(), "; ".to_owned())
    }
}

fn merge_ranges(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset of the line break that ends the line holding `offset` (before a `\r\n`).
fn line_end(source: &str, offset: usize) -> usize {
    match source[offset..].find('\n') {
        Some(i) if i > 0 && source.as_bytes()[offset + i - 1] == b'\r' => offset + i - 1,
        Some(i) => offset + i,
        None => source.len(),
    }
}

/// `"\r\n"` when the file's first line break is CRLF, else `"\n"`.
pub fn newline_style(source: &str) -> &'static str {
    match source.find('\n') {
        Some(i) if i > 0 && source.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Rewrites a string whose whole content is a moved module path or a path to a moved file;
/// reports one that builds a moved module path at run time (`f"a.b.{name}"`, `"a.b.%s"`).
/// Rewrites the moved module names written in a string: each whole dotted name (or path)
/// in its literal parts, the text around f-string placeholders and `%`/`{}` templates
/// included (`f"pkg.old.lang.{code}"`). Python code kept in a string (`python -c "…"`,
/// `exec("…")`) has its imports rewritten as code. A template that completes a package
/// holding a moved module (`f"pkg.{name}"`) may build the moved name at run time: reported.
fn rewrite_string(
    node: Node<'_>,
    source: &str,
    cx: &FileContext<'_>,
    references: &References<'_>,
    out: &mut Rewritten,
) {
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
    let prefix = children
        .first()
        .filter(|c| c.kind() == "string_start")
        .map_or("", |c| text(*c, source))
        .to_ascii_lowercase();
    if prefix.contains('b') {
        return;
    }
    let docstring = is_docstring(node);
    if docstring && !cx.text.docstrings {
        return;
    }
    let contents: Vec<Node<'_>> = children
        .iter()
        .copied()
        .filter(|c| c.kind() == "string_content")
        .collect();
    let Some(first) = contents.first() else {
        return;
    };
    let whole = text(*first, source);
    if contents.len() == 1
        && first.named_child_count() == 0
        && references.is_renamed_symbol(whole)
        && is_getattr_name(node, source)
    {
        out.problems.push(Problem {
            offset: node.start_byte(),
            message: format!(
                "`{whole}` is renamed by a [[rename]] rule, and this dynamic attribute access \
                 cannot be proven to mean it; check it by hand"
            ),
        });
        return;
    }
    let interpolated = children.iter().any(|c| c.kind() == "interpolation");
    if !docstring
        && !interpolated
        && contents.len() == 1
        && rewrite_code_in_string(*first, source, cx, out)
    {
        return;
    }
    let kind = if docstring {
        RefKind::Docstring
    } else {
        RefKind::String
    };
    for content in &contents {
        out.changes
            .extend(references.rewrite_tokens(source, content.byte_range(), kind));
        // The literal text right before a placeholder: `{}` and `%s` in a template, or the
        // next part of an f-string.
        let literal = text(*content, source);
        let before_placeholder = match literal.find(['%', '{']) {
            Some(at) => Some(&literal[..at]),
            None if content
                .next_sibling()
                .is_some_and(|n| n.kind() == "interpolation") =>
            {
                Some(literal)
            }
            None => None,
        };
        if let Some(prefix) = before_placeholder
            && !docstring
            && let Some(moved) = references.completes_to_moved(prefix)
        {
            out.problems.push(Problem {
                offset: content.start_byte(),
                message: format!(
                    "this string builds a module path under `{}` at run time, and `{}` moved to \
                     `{}`: check it by hand",
                    moved
                        .from_module
                        .parent()
                        .map_or_else(String::new, |p| p.to_string()),
                    moved.from_module,
                    moved.to_module
                ),
            });
        }
    }
}

/// Python code kept in a string (`python -c "from a.b import c"`, `exec("import a.b")`, an
/// indented block for `textwrap.dedent`): when the text parses as statements and imports
/// something, its imports are rewritten as code would be. Returns false when the string is
/// not such code.
fn rewrite_code_in_string(
    content: Node<'_>,
    source: &str,
    cx: &FileContext<'_>,
    out: &mut Rewritten,
) -> bool {
    let code = text(content, source);
    if !code.contains("import ") {
        return false;
    }
    // An indented block (`textwrap.dedent("""\n    import a.b\n""")`) is read without its
    // common indentation, as the program that runs it will.
    let dedented = Dedented::new(code);
    let tree = crate::lang::python::parse::parse_python(&dedented.text);
    let root = tree.root_node();
    let imports = root
        .named_children(&mut root.walk())
        .any(|n| matches!(n.kind(), "import_statement" | "import_from_statement"));
    if root.has_error() || !imports {
        return false;
    }
    // The code runs on its own: no package for relative imports, no strings within.
    let inner = FileContext {
        package: None,
        new_package: None,
        references: None,
        module: None,
        ..cx.clone()
    };
    let rewritten = rewrite_python(&dedented.text, &tree, &inner);
    let start = content.start_byte();
    let at = |offset: usize| start + dedented.original(offset);
    let new_line = format!("\n{}", dedented.indent);
    for change in rewritten.changes {
        out.changes.push(Change {
            kind: change.kind,
            range: at(change.range.start)..at(change.range.end),
            edits: change
                .edits
                .iter()
                .map(|e| {
                    Edit::replace(
                        at(e.range().start)..at(e.range().end),
                        e.replacement().replace('\n', &new_line),
                    )
                })
                .collect(),
        });
    }
    out.problems
        .extend(rewritten.problems.into_iter().map(|p| Problem {
            offset: at(p.offset),
            message: p.message,
        }));
    true
}

/// A text without the indentation its non-blank lines share, and the way back to offsets of
/// the original.
struct Dedented {
    text: String,
    /// The common indentation that was taken off.
    indent: String,
    /// For each line: (offset in `text`, offset in the original) of its first kept byte.
    lines: Vec<(usize, usize)>,
}

impl Dedented {
    fn new(original: &str) -> Self {
        let indent = original
            .split_inclusive('\n')
            .filter(|l| !l.trim().is_empty())
            .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
            .reduce(|a, b| {
                let shared = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                &a[..shared]
            })
            .unwrap_or_default()
            .to_owned();
        let mut text = String::with_capacity(original.len());
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in original.split_inclusive('\n') {
            let cut = if line.starts_with(indent.as_str()) {
                indent.len()
            } else {
                line.len() - line.trim_start_matches([' ', '\t']).len()
            };
            lines.push((text.len(), offset + cut));
            text.push_str(&line[cut..]);
            offset += line.len();
        }
        Self {
            text,
            indent,
            lines,
        }
    }

    /// The original offset of `offset` in the dedented text.
    fn original(&self, offset: usize) -> usize {
        let line = self.lines.partition_point(|(start, _)| *start <= offset);
        let (start, original) = self.lines[line.saturating_sub(1)];
        original + (offset - start)
    }
}

/// In the module that defines a symbol a `[[rename]]` renames in place (same module, new
/// name): renames the definition and every use of the name in the module, except where a
/// function binds the name itself and where it is an attribute or a keyword argument.
fn rename_definitions(
    root: Node<'_>,
    source: &str,
    cx: &FileContext<'_>,
    scopes: &mut ShadowCache,
    out: &mut Rewritten,
) {
    let Some(module) = cx.module.as_ref().filter(|_| cx.moves.renames_symbols()) else {
        return;
    };
    let renamed: HashMap<&str, String> = cx
        .moves
        .renamed_symbols()
        .filter_map(|old| {
            let (new_module, new) = cx.moves.rename_symbol(module, old)?;
            (new_module == cx.moves.map_or_same(module)).then_some((old, new))
        })
        .collect();
    if renamed.is_empty() {
        return;
    }
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier"
            && let Some(new) = renamed.get(text(node, source))
            && !is_attribute_or_keyword(node)
            && !scopes.is_shadowed(node, text(node, source), source)
        {
            out.changes.push(Change::replace(
                RefKind::Symbol,
                node.byte_range(),
                new.clone(),
            ));
        }
        if !matches!(
            node.kind(),
            "import_statement" | "import_from_statement" | "ERROR"
        ) {
            stack.extend(node.children(&mut cursor));
        }
    }
}

/// True for `x.name` (the `name` part) and `f(name=…)` (the keyword).
fn is_attribute_or_keyword(identifier: Node<'_>) -> bool {
    identifier.parent().is_some_and(|p| {
        (p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(identifier))
            || (p.kind() == "keyword_argument" && p.child_by_field_name("name") == Some(identifier))
    })
}

/// True when `string` is the attribute name of `getattr`, `hasattr`, `setattr` or `delattr`.
fn is_getattr_name(string: Node<'_>, source: &str) -> bool {
    let Some(call) = string
        .parent()
        .filter(|p| p.kind() == "argument_list")
        .and_then(|p| p.parent())
    else {
        return false;
    };
    call.child_by_field_name("function").is_some_and(|f| {
        matches!(
            text(f, source),
            "getattr" | "hasattr" | "setattr" | "delattr"
        )
    })
}

/// True for the docstring of a module, class or function (prose, never rewritten).
fn is_docstring(string: Node<'_>) -> bool {
    let Some(statement) = string
        .parent()
        .filter(|p| p.kind() == "expression_statement")
    else {
        return false;
    };
    let Some(body) = statement.parent() else {
        return false;
    };
    let first = body
        .named_children(&mut body.walk())
        .find(|c| c.kind() != "comment");
    first == Some(statement)
        && (body.kind() == "module"
            || body
                .parent()
                .is_some_and(|p| matches!(p.kind(), "function_definition" | "class_definition")))
}

/// What rewriting attribute chains needs: the file, the names its imports bind, and the
/// imports the rewrite has added so far (each new module is imported once).
struct Chains<'s, 'c, 't> {
    source: &'s str,
    tree: Node<'t>,
    cx: &'c FileContext<'c>,
    bound: &'c Bound,
    added_imports: HashSet<ModuleName>,
    /// Names found free (or not) in the file, by [`Chains::is_free`].
    free_names: HashMap<String, bool>,
}

impl Chains<'_, '_, '_> {
    /// Rewrites the part of `R.a.b.c…` that names a moved module, where `R` is bound by an
    /// import to a module or to one of its ancestor packages (`import a`, `import a.b as x`,
    /// `from a import b [as x]`), and no enclosing function binds `R` itself. The chain keeps
    /// going through `R` when `R`'s module still holds the moved one; otherwise it is spelled
    /// from the top, and `import <new module>` is added after the binding import when the
    /// file does not bind the new top-level name yet. Also renames (or reports) a symbol
    /// that a `[[rename]]` renames, reached through such a chain or a module alias.
    fn rewrite(&mut self, top: Node<'_>, scopes: &mut ShadowCache, out: &mut Rewritten) {
        let (source, cx) = (self.source, self.cx);
        // nodes[0] is the root identifier; nodes[k] is the attribute node spelling k+1
        // components.
        let mut nodes = Vec::new();
        let mut node = top;
        loop {
            match node.kind() {
                "attribute" => {
                    nodes.push(node);
                    let Some(object) = node.child_by_field_name("object") else {
                        return;
                    };
                    node = object;
                }
                "identifier" => {
                    nodes.push(node);
                    break;
                }
                _ => return,
            }
        }
        nodes.reverse();
        let root = text(nodes[0], source);
        let alias = self.bound.aliases.get(root);
        let Some(root_import) = alias
            .map(|a| &a.after)
            .or_else(|| self.bound.roots.get(root))
        else {
            return;
        };
        let mut parts = vec![root];
        for attribute in &nodes[1..] {
            let Some(name) = attribute.child_by_field_name("attribute") else {
                return;
            };
            parts.push(text(name, source));
        }
        if scopes.is_shadowed(nodes[0], root, source) {
            return;
        }
        // The module `R` stands for, and the chain spelled as modules: through an alias,
        // `m.x` is `<module of m>.x`.
        let bound_module = match alias {
            Some(binding) => binding.module.clone(),
            None => ModuleName::new(root).expect("an identifier is a module name"),
        };
        let spelled: Vec<String> = bound_module
            .components()
            .map(str::to_owned)
            .chain(parts[1..].iter().map(|p| (*p).to_owned()))
            .collect();
        let offset = spelled.len() - parts.len();
        let mut edits = Vec::new();
        if let Some(chain) = ModuleName::from_components(spelled.iter().map(String::as_str))
            && let Some(found) = cx.moves.move_of(&chain)
            && found.from_module.len() > offset
            // Through an alias, only a module below the alias's own moves here (the alias's
            // import statement itself follows a move of its module).
            && (alias.is_none() || found.from_module.len() > bound_module.len())
        {
            let prefix_node = nodes[found.from_module.len() - 1 - offset];
            let new = &found.to_module;
            if new.is_within(&bound_module) && alias.is_some() {
                // Still reachable through `R`: `R.<rest of the new module>`.
                let rest: Vec<&str> = new.components().skip(bound_module.len()).collect();
                let spelled_new = std::iter::once(root)
                    .chain(rest.iter().copied())
                    .collect::<Vec<_>>()
                    .join(".");
                edits.push(Edit::replace(prefix_node.byte_range(), spelled_new));
            } else {
                let top_name = new.components().next().unwrap_or_default();
                let top_bound = self.bound.roots_after.contains(top_name);
                if !top_bound && !self.is_free(top_name) {
                    out.problems.push(Problem {
                        offset: prefix_node.start_byte(),
                        message: format!(
                            "`{}` is now `{new}`, but `{top_name}` means something else in \
                             this file; rewrite this reference by hand",
                            text(prefix_node, source)
                        ),
                    });
                    return;
                }
                edits.push(Edit::replace(prefix_node.byte_range(), new.to_string()));
                if !top_bound && self.added_imports.insert(new.clone()) {
                    out.changes.push(Change::replace(
                        RefKind::Import,
                        root_import.at..root_import.at,
                        format!("{}import {new}", root_import.separator),
                    ));
                }
            }
        }
        if cx.moves.renames_symbols() {
            for k in 1..spelled.len() {
                let Some(module) =
                    ModuleName::from_components(spelled[..k].iter().map(String::as_str))
                else {
                    break;
                };
                let Some((new_module, new_name)) = cx.moves.rename_symbol(&module, &spelled[k])
                else {
                    continue;
                };
                let Some(node) = k.checked_sub(offset).and_then(|i| nodes.get(i)) else {
                    break;
                };
                if new_module == cx.moves.map_or_same(&module) {
                    if let Some(symbol) = node.child_by_field_name("attribute") {
                        edits.push(Edit::replace(symbol.byte_range(), new_name));
                    }
                } else {
                    out.problems.push(Problem {
                        offset: node.start_byte(),
                        message: format!(
                            "`{}` is now `{new_module}:{new_name}`: import it from there",
                            text(*node, source)
                        ),
                    });
                }
                break;
            }
        }
        if let Some(end) = edits.iter().map(|e| e.range().end).max() {
            out.changes.push(Change {
                kind: RefKind::Attribute,
                range: top.start_byte()..end,
                edits,
            });
        }
    }

    /// True when nothing in the file binds `name` (no assignment, parameter, import, `def`
    /// or `class` of that name anywhere), so that an added `import name.…` cannot take the
    /// place of something else it means here.
    fn is_free(&mut self, name: &str) -> bool {
        if let Some(known) = self.free_names.get(name) {
            return *known;
        }
        let free = self.binds_nowhere(name);
        self.free_names.insert(name.to_owned(), free);
        free
    }

    fn binds_nowhere(&self, name: &str) -> bool {
        let mut stack = vec![self.tree];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" && text(node, self.source) == name {
                let defines = node.parent().is_some_and(|p| {
                    matches!(p.kind(), "function_definition" | "class_definition")
                        && p.child_by_field_name("name") == Some(node)
                });
                if defines || is_binding(node) {
                    return false;
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        true
    }
}

/// Remembers, per function and name, whether the function binds that name locally.
#[derive(Default)]
pub(crate) struct ShadowCache {
    binds: HashMap<(usize, String), bool>,
}

impl ShadowCache {
    /// True when a function around `node` binds `name` itself (a parameter, an assignment, a
    /// loop variable, …), so that `name` there is not the imported module.
    pub(crate) fn is_shadowed(&mut self, node: Node<'_>, name: &str, source: &str) -> bool {
        let mut current = node.parent();
        while let Some(scope) = current {
            if matches!(scope.kind(), "function_definition" | "lambda") {
                let key = (scope.id(), name.to_owned());
                let binds = *self
                    .binds
                    .entry(key)
                    .or_insert_with(|| scope_binds(scope, name, source));
                if binds {
                    return true;
                }
            }
            current = scope.parent();
        }
        false
    }
}

/// True when function or lambda `scope` binds `name` locally (and does not declare it global).
fn scope_binds(scope: Node<'_>, name: &str, source: &str) -> bool {
    let mut binds = false;
    let mut stack: Vec<Node<'_>> = Vec::new();
    for field in ["parameters", "body"] {
        stack.extend(scope.child_by_field_name(field));
    }
    while let Some(node) = stack.pop() {
        match node.kind() {
            "global_statement" | "nonlocal_statement" => {
                let mut cursor = node.walk();
                if node
                    .named_children(&mut cursor)
                    .any(|c| text(c, source) == name)
                {
                    return false;
                }
            }
            // A nested scope binds only its own name here; what it binds inside is its own.
            "function_definition" | "class_definition" => {
                if node
                    .child_by_field_name("name")
                    .is_some_and(|n| text(n, source) == name)
                {
                    binds = true;
                }
            }
            "lambda" => {}
            "identifier" => {
                if text(node, source) == name && is_binding(node) {
                    binds = true;
                }
            }
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.children(&mut cursor));
            }
        }
    }
    binds
}

/// True when `identifier` stands where Python binds a name.
pub(crate) fn is_binding(identifier: Node<'_>) -> bool {
    let Some(parent) = identifier.parent() else {
        return false;
    };
    let is_field = |field: &str| parent.child_by_field_name(field) == Some(identifier);
    match parent.kind() {
        "parameters"
        | "lambda_parameters"
        | "typed_parameter"
        | "list_splat_pattern"
        | "dictionary_splat_pattern"
        | "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "as_pattern_target" => true,
        "default_parameter" | "typed_default_parameter" | "named_expression" => is_field("name"),
        "aliased_import" => is_field("alias"),
        "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
            is_field("left")
        }
        "tuple" | "list" | "parenthesized_expression" => is_target_container(parent),
        // `from m import name` binds `name`; `import name` binds the module, not a shadow.
        "dotted_name" => {
            parent
                .parent()
                .is_some_and(|p| p.kind() == "import_from_statement")
                && parent
                    .parent()
                    .and_then(|p| p.child_by_field_name("module_name"))
                    != Some(parent)
        }
        _ => false,
    }
}

/// True when a tuple/list/parenthesised expression is (part of) an assignment target.
fn is_target_container(mut node: Node<'_>) -> bool {
    while let Some(parent) = node.parent() {
        match parent.kind() {
            "tuple" | "list" | "parenthesized_expression" | "pattern_list" => node = parent,
            "as_pattern_target" => return true,
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                return parent.child_by_field_name("left") == Some(node);
            }
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::FileEdits;
    use crate::lang::python::roots::ImportRoots;
    use crate::rules::DirMove;

    const SRC: &str = "backtester_v2/market_regime";
    const DST: &str = "backtester_v2/strategies/market_regime";

    fn moves(from: &str, to: &str) -> ModuleMoves {
        let roots = ImportRoots::discover(std::path::Path::new("/nonexistent"), &[]);
        let dirs = [DirMove {
            from: from.into(),
            to: to.into(),
            rule: None,
        }];
        ModuleMoves::new(&roots, &dirs).unwrap()
    }

    /// Rewrites `source` as if it were the file at `path` (root-relative).
    fn run_with(path: &str, source: &str, from: &str, to: &str) -> String {
        let moves = moves(from, to);
        let roots = ImportRoots::discover(std::path::Path::new("/nonexistent"), &[]);
        let new_path = moves.map_path(path).unwrap_or_else(|| path.to_owned());
        let cx = FileContext {
            package: roots.package_of_file(path),
            new_package: roots.package_of_file(&new_path),
            moves: &moves,
            references: None,
            module: roots.module_of_file(path),
            text: crate::rules::TextOptions::default(),
        };
        let tree = crate::lang::python::parse::parse_python(source);
        let result = rewrite_python(source, &tree, &cx);
        let edits = result.changes.into_iter().flat_map(|c| c.edits).collect();
        FileEdits::new(edits).unwrap().apply(source)
    }

    fn run(path: &str, source: &str) -> String {
        run_with(path, source, SRC, DST)
    }

    #[test]
    fn plain_imports_change_only_the_moved_name() {
        assert_eq!(
            run(
                "app.py",
                "import os, backtester_v2.market_regime.detector as d  # keep\n"
            ),
            "import os, backtester_v2.strategies.market_regime.detector as d  # keep\n"
        );
        assert_eq!(
            run("app.py", "import backtester_v2.market_regime_legacy\n"),
            "import backtester_v2.market_regime_legacy\n"
        );
    }

    #[test]
    fn from_imports_keep_their_names_and_layout() {
        let before =
            "from backtester_v2.market_regime.detector import (\n    a,  # why\n    b as c,\n)\n";
        let after = "from backtester_v2.strategies.market_regime.detector import (\n    a,  # why\n    b as c,\n)\n";
        assert_eq!(run("app.py", before), after);
    }

    #[test]
    fn importing_the_moved_package_by_name_follows_it() {
        assert_eq!(
            run("app.py", "from backtester_v2 import market_regime as mr\n"),
            "from backtester_v2.strategies import market_regime as mr\n"
        );
        assert_eq!(
            run_with(
                "app.py",
                "from backtester_v2 import market_regime\n",
                SRC,
                "backtester_v2/regimes"
            ),
            "from backtester_v2 import regimes as market_regime\n"
        );
    }

    #[test]
    fn mixed_names_are_split_with_the_same_indentation() {
        assert_eq!(
            run(
                "app.py",
                "def f():\n    from backtester_v2 import market_regime, utils\n"
            ),
            "def f():\n    from backtester_v2 import utils\n    from backtester_v2.strategies import market_regime\n"
        );
        assert_eq!(
            run(
                "app.py",
                "from backtester_v2 import (\n    utils,\n    market_regime,\n)  # x\r\n"
            ),
            "from backtester_v2 import (\n    utils,\n)  # x\nfrom backtester_v2.strategies import market_regime\r\n"
        );
        assert_eq!(
            run("app.py", "from backtester_v2 import utils, market_regime\n"),
            "from backtester_v2 import utils\nfrom backtester_v2.strategies import market_regime\n"
        );
        assert_eq!(
            run(
                "app.py",
                "if x: from backtester_v2 import market_regime, utils\n"
            ),
            "if x: from backtester_v2 import utils; from backtester_v2.strategies import market_regime\n"
        );
    }

    #[test]
    fn relative_imports_stay_when_they_still_reach() {
        let inside = "backtester_v2/market_regime/detector.py";
        let source = "from . import config\nfrom .models.hmm import H\nfrom ..utils import load\nfrom .. import utils\n";
        assert_eq!(
            run(inside, source),
            "from . import config\nfrom .models.hmm import H\nfrom backtester_v2.utils import load\nfrom backtester_v2 import utils\n"
        );
        assert_eq!(
            run(
                "backtester_v2/runner.py",
                "from .market_regime.detector import D\nfrom . import market_regime\n"
            ),
            "from backtester_v2.strategies.market_regime.detector import D\nfrom backtester_v2.strategies import market_regime\n"
        );
    }

    #[test]
    fn attribute_chains_follow_the_import_unless_shadowed() {
        let source = "import backtester_v2.market_regime.detector\n\
                      x: backtester_v2.market_regime.detector.T = backtester_v2.market_regime.detector.f()\n\
                      def g(backtester_v2):\n    return backtester_v2.market_regime.x\n\
                      def h():\n    backtester_v2 = 1\n    return backtester_v2.market_regime\n\
                      def k():\n    return backtester_v2.market_regime.y, backtester_v2.utils\n";
        let expected = "import backtester_v2.strategies.market_regime.detector\n\
                        x: backtester_v2.strategies.market_regime.detector.T = backtester_v2.strategies.market_regime.detector.f()\n\
                        def g(backtester_v2):\n    return backtester_v2.market_regime.x\n\
                        def h():\n    backtester_v2 = 1\n    return backtester_v2.market_regime\n\
                        def k():\n    return backtester_v2.strategies.market_regime.y, backtester_v2.utils\n";
        assert_eq!(run("app.py", source), expected);
    }

    #[test]
    fn a_top_level_package_moving_into_another_keeps_its_name() {
        // `market_regime` stays bound (to the moved package), so its uses stay as they are.
        let source = "import market_regime\nimport market_regime.detector\n\
                      print(market_regime)\nmarket_regime.detector.f()\n";
        assert_eq!(
            run_with(
                "app.py",
                source,
                "market_regime",
                "backtester_v2/market_regime"
            ),
            "import backtester_v2.market_regime as market_regime\nimport backtester_v2.market_regime.detector\n\
             print(market_regime)\nmarket_regime.detector.f()\n"
        );
    }

    #[test]
    fn chains_through_a_from_imported_ancestor_keep_going_through_it() {
        let source = "from pkg import nodes, plugins, utils\nfrom . import plugins as p\n\n\
                      engine = plugins.render.Engine()\nlang = p.render.lang.en\n\
                      other = plugins.cache.Store\n";
        assert_eq!(
            run_with(
                "pkg/app.py",
                source,
                "pkg/plugins/render",
                "pkg/plugins/views/render"
            ),
            "from pkg import nodes, plugins, utils\nfrom . import plugins as p\n\n\
             engine = plugins.views.render.Engine()\nlang = p.views.render.lang.en\n\
             other = plugins.cache.Store\n"
        );
    }

    #[test]
    fn chains_through_an_ancestor_that_no_longer_holds_the_module_import_it() {
        let source = "import pkg.plugins as pl\nfrom pkg import plugins\n\n\
                      def f():\n    return plugins.render.Engine(), pl.render.lang\n\n\
                      def g(plugins):\n    return plugins.render\n";
        assert_eq!(
            run_with("app.py", source, "pkg/plugins/render", "pkg/render_engine"),
            "import pkg.plugins as pl\nimport pkg.render_engine\nfrom pkg import plugins\n\n\
             def f():\n    return pkg.render_engine.Engine(), pkg.render_engine.lang\n\n\
             def g(plugins):\n    return plugins.render\n"
        );
        // From a top-level package of its own: the new top-level name is imported too.
        assert_eq!(
            run_with(
                "app.py",
                "import pkg\n\nx = pkg.plugins.render.T\n",
                "pkg/plugins/render",
                "engines/render"
            ),
            "import pkg\nimport engines.render\n\nx = engines.render.T\n"
        );
    }

    #[test]
    fn a_chain_whose_new_top_level_name_means_something_else_is_reported() {
        let source = "from pkg import plugins\n\npkg = object()\nx = plugins.render.T\n";
        let moves = moves("pkg/plugins/render", "pkg/render_engine");
        let roots = ImportRoots::discover(std::path::Path::new("/nonexistent"), &[]);
        let cx = FileContext {
            package: None,
            new_package: None,
            moves: &moves,
            references: None,
            module: roots.module_of_file("app.py"),
            text: crate::rules::TextOptions::default(),
        };
        let tree = crate::lang::python::parse::parse_python(source);
        let result = rewrite_python(source, &tree, &cx);
        assert!(result.changes.is_empty());
        assert_eq!(result.problems.len(), 1);
        assert_eq!(
            result.problems[0].offset,
            source.find("plugins.render").unwrap()
        );
        assert!(
            result.problems[0]
                .message
                .contains("`pkg` means something else")
        );
    }

    #[test]
    fn dedented_code_maps_back_to_its_offsets() {
        let original = "\n    import a.b\n\n    if x:\n        f()\n";
        let d = Dedented::new(original);
        assert_eq!(d.text, "\nimport a.b\n\nif x:\n    f()\n");
        assert_eq!(d.indent, "    ");
        let at = d.text.find("a.b").unwrap();
        assert_eq!(&original[d.original(at)..d.original(at) + 3], "a.b");
        let f = d.text.find("f()").unwrap();
        assert_eq!(&original[d.original(f)..d.original(f) + 3], "f()");
        assert_eq!(Dedented::new("import a\n").text, "import a\n");
    }

    #[test]
    fn chains_without_a_plain_import_are_left_alone() {
        let source = "import backtester_v2.market_regime as mr\nbacktester_v2.market_regime.f()\n";
        assert_eq!(
            run("app.py", source),
            "import backtester_v2.strategies.market_regime as mr\nbacktester_v2.market_regime.f()\n"
        );
    }

    #[test]
    fn broken_statements_are_not_touched() {
        let source = "from backtester_v2.market_regime import a\ndef f(:\n    from backtester_v2.market_regime import (b\n";
        let out = run("app.py", source);
        assert!(
            out.starts_with("from backtester_v2.strategies.market_regime import a\n"),
            "{out}"
        );
        assert!(
            out.ends_with("def f(:\n    from backtester_v2.market_regime import (b\n"),
            "{out}"
        );
    }
}
