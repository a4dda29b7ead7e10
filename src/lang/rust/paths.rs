//! How one Rust file's paths change when a module moves (issue #12 point 4).
//!
//! In: the crate's module tree before and after the move ([`Tree`]), where the file sits in
//! it ([`Vantage`]) and the file's text. Out: the [`Change`]s that keep every path reaching
//! what it reached before, as byte-range edits, and the [`Problem`]s a human must look at.
//!
//! The policy is the one the Python engine follows: a path whose text still reaches the same
//! module after the move is left alone; any other is rewritten from the crate root
//! (`crate::…`, `$crate::…`, or the name another crate writes for it). A path is read as far
//! as its segments name modules; the rest (items, variants, generics) is never touched.
//!
//! Where paths are read: `use` trees (groups included, split when the moved prefix is cut by
//! a brace), every `syn::Path` (expressions, types, patterns, bounds, impl headers,
//! visibilities, attribute paths), the tokens of macro calls and attributes, `macro_rules!`
//! bodies (`$crate::…` and `crate::…` only: other paths there are read where the macro is
//! called), string literals in attributes, and doc comments (intra-doc links, doc-test code).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{UseTree, Visibility};

use super::source::Source;
use crate::edit::Edit;
use crate::lang::{Change, Problem, RefKind};

/// A module path below the crate root: `["a", "b"]` is `crate::a::b`; empty is the root.
pub(crate) type ModPath = Vec<String>;

/// The modules of one crate, as paths joined with `::` (the root is the empty string).
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleSet(HashSet<String>);

impl ModuleSet {
    /// The set of `paths`.
    pub(crate) fn new(paths: impl IntoIterator<Item = ModPath>) -> Self {
        Self(paths.into_iter().map(|p| p.join("::")).collect())
    }

    /// Whether `path` is a module.
    pub(crate) fn contains(&self, path: &[String]) -> bool {
        self.0.contains(&path.join("::"))
    }
}

/// One module move inside a crate: every module at or below `from` goes below `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Relocation {
    /// The moved module today.
    pub(crate) from: ModPath,
    /// Where it goes.
    pub(crate) to: ModPath,
}

impl Relocation {
    /// Where `path` is after the move, when it moves.
    pub(crate) fn map(&self, path: &[String]) -> Option<ModPath> {
        path.starts_with(&self.from).then(|| {
            let mut out = self.to.clone();
            out.extend_from_slice(&path[self.from.len()..]);
            out
        })
    }

    /// Where `path` is after the move.
    pub(crate) fn map_or_same(&self, path: &[String]) -> ModPath {
        self.map(path).unwrap_or_else(|| path.to_vec())
    }
}

/// The crate before and after the move.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    /// Its modules today.
    pub(crate) old: ModuleSet,
    /// Its modules after the move.
    pub(crate) new: ModuleSet,
    /// The move.
    pub(crate) relocation: Relocation,
}

/// Where a file sits relative to the moved crate.
#[derive(Debug, Clone)]
pub(crate) enum Vantage {
    /// A file of the crate itself, which is module `module` today.
    Own {
        /// Its module today (for a file mounted inline, the outer file's module).
        module: ModPath,
        /// The names under which doc tests of the crate write it (`mycrate::…`).
        doc_names: Vec<String>,
    },
    /// A file of another crate (or of the package's tests, examples, benches, bins) that
    /// writes the moved crate as one of `names`.
    Extern {
        /// The names it writes (`mycrate`, or a `package =` rename).
        names: Vec<String>,
    },
}

/// One segment of a written path, and where its text is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seg {
    name: String,
    range: Range<usize>,
}

/// How a path starts, which decides how its rewrite starts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Root {
    /// `crate::`, or a relative path (`self::`, `super::`, a child module or a `use` name)
    /// in the crate itself: rewritten as `crate::`.
    Crate,
    /// `$crate::` in a macro body.
    DollarCrate,
    /// `name::` where `name` is the crate as another crate writes it.
    Extern(String),
}

impl Root {
    fn text(&self) -> &str {
        match self {
            Self::Crate => "crate",
            Self::DollarCrate => "$crate",
            Self::Extern(name) => name,
        }
    }
}

/// A name a `use` item binds to a module of the moved crate.
#[derive(Debug, Clone)]
struct Alias {
    root: Root,
    target: ModPath,
}

/// Which paths a piece of text may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Code: every form.
    Code,
    /// A `macro_rules!` body: `$crate::`, `crate::` and extern names only.
    MacroBody,
    /// Prose and string literals: paths that start at a root (`crate::`, extern names), and
    /// in doc comments `self::`/`super::` too.
    Text { relative: bool },
}

/// Everything one file's rewrite needs.
pub(crate) struct FileRewriter<'a> {
    tree: &'a Tree,
    vantage: &'a Vantage,
    source: &'a Source,
    /// `use` names of the file, by name (file-wide: inline modules rarely shadow them).
    aliases: HashMap<String, Alias>,
    /// The modules of the moved crate whose names `use …::*` items of the file import.
    globs: Vec<Alias>,
    /// The module being read (today), innermost last.
    scope: ModPath,
    changes: Vec<Change>,
    problems: Vec<Problem>,
    /// The doc comments met since the last flush, consecutive in the file.
    doc_run: Vec<Range<usize>>,
    restricted: Vec<Restricted>,
    /// The modules today that paths of this file reach inside the moved module, from outside
    /// it; for the visibility check.
    pub(crate) reached_from: Vec<ModPath>,
}

/// The result for one file.
#[derive(Debug, Default)]
pub(crate) struct FileResult {
    pub(crate) changes: Vec<Change>,
    pub(crate) problems: Vec<Problem>,
    /// Modules (today) outside the moved one whose paths reach into it.
    pub(crate) reached_from: Vec<ModPath>,
    /// Restricted visibilities in the moved module whose reach the move changes.
    pub(crate) restricted: Vec<Restricted>,
}

/// A `pub(super)` or `pub(in path)` of an item in the moved module that names a module
/// outside it: after the move it names another one (or none), so users of the item in the
/// old one may no longer see it.
#[derive(Debug, Clone)]
pub(crate) struct Restricted {
    /// Where the visibility is written.
    pub(crate) offset: usize,
    /// The visibility as written.
    pub(crate) text: String,
    /// The module it opens the item to today.
    pub(crate) before: ModPath,
    /// The module it opens the item to after the move, when it still means one.
    pub(crate) after: Option<ModPath>,
}

/// Rewrites the paths of one parsed file.
pub(crate) fn rewrite_file(
    tree: &Tree,
    vantage: &Vantage,
    source: &Source,
    file: &syn::File,
) -> FileResult {
    let scope = match vantage {
        Vantage::Own { module, .. } => module.clone(),
        Vantage::Extern { .. } => Vec::new(),
    };
    let mut rewriter = FileRewriter {
        tree,
        vantage,
        source,
        aliases: HashMap::new(),
        globs: Vec::new(),
        scope,
        changes: Vec::new(),
        problems: Vec::new(),
        doc_run: Vec::new(),
        restricted: Vec::new(),
        reached_from: Vec::new(),
    };
    rewriter.collect_aliases(&file.items);
    rewriter.visit_file(file);
    rewriter.flush_docs();
    let mut changes = rewriter.changes;
    changes.sort_by_key(|c| (c.range.start, c.range.end));
    changes.dedup();
    FileResult {
        changes,
        problems: rewriter.problems,
        reached_from: rewriter.reached_from,
        restricted: rewriter.restricted,
    }
}

/// What one written path resolves to: how it starts, the module its leading segments name
/// and how many segments that takes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Resolved {
    root: Root,
    module: ModPath,
    consumed: usize,
}

/// The two worlds a path is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum World {
    Before,
    After,
}

impl FileRewriter<'_> {
    fn own(&self) -> bool {
        matches!(self.vantage, Vantage::Own { .. })
    }

    fn extern_names(&self, reach: Reach) -> &[String] {
        match self.vantage {
            Vantage::Own { doc_names, .. } if matches!(reach, Reach::Text { .. }) => doc_names,
            Vantage::Own { .. } => &[],
            Vantage::Extern { names } => names,
        }
    }

    fn modules(&self, world: World) -> &ModuleSet {
        match world {
            World::Before => &self.tree.old,
            World::After => &self.tree.new,
        }
    }

    /// Reads `segs` in `world` from module `scope`.
    fn resolve(
        &self,
        segs: &[Seg],
        leading_colon: bool,
        world: World,
        scope: &[String],
        reach: Reach,
    ) -> Option<Resolved> {
        let first = segs.first()?.name.as_str();
        let own = self.own();
        let relative_ok =
            own && !leading_colon && matches!(reach, Reach::Code | Reach::Text { relative: true });
        let modules = self.modules(world);
        let (root, mut module, mut consumed) = match first {
            "crate" if own && !leading_colon => (Root::Crate, Vec::new(), 1),
            "$crate" if own => (Root::DollarCrate, Vec::new(), 1),
            "self" if relative_ok => (Root::Crate, scope.to_vec(), 1),
            "super" if relative_ok => {
                let ups = segs.iter().take_while(|s| s.name == "super").count();
                let kept = scope.len().checked_sub(ups)?;
                (Root::Crate, scope[..kept].to_vec(), ups)
            }
            name if self.extern_names(reach).iter().any(|n| n == name) => {
                (Root::Extern(name.to_owned()), Vec::new(), 1)
            }
            name if relative_ok && {
                let mut child = scope.to_vec();
                child.push(name.to_owned());
                modules.contains(&child)
            } =>
            {
                (Root::Crate, scope.to_vec(), 0)
            }
            name if relative_ok && self.aliases.contains_key(name) => {
                let alias = &self.aliases[name];
                let target = match world {
                    World::Before => alias.target.clone(),
                    World::After => self.tree.relocation.map_or_same(&alias.target),
                };
                (alias.root.clone(), target, 1)
            }
            // A child module of a module the file imports with `*`.
            name if relative_ok => {
                let glob = self.globs.iter().find_map(|glob| {
                    let target = match world {
                        World::Before => glob.target.clone(),
                        World::After => self.tree.relocation.map_or_same(&glob.target),
                    };
                    let mut child = target.clone();
                    child.push(name.to_owned());
                    modules
                        .contains(&child)
                        .then(|| (glob.root.clone(), target))
                })?;
                (glob.0, glob.1, 0)
            }
            _ => return None,
        };
        while let Some(seg) = segs.get(consumed) {
            module.push(seg.name.clone());
            if modules.contains(&module) {
                consumed += 1;
            } else {
                module.pop();
                break;
            }
        }
        Some(Resolved {
            root,
            module,
            consumed,
        })
    }

    /// The scope of the module being read, after the move.
    fn scope_after(&self) -> ModPath {
        if self.own() {
            self.tree.relocation.map_or_same(&self.scope)
        } else {
            Vec::new()
        }
    }

    /// When `segs` no longer reach what they reach today: what they reached (today and after
    /// the move) and how many leading segments must be rewritten.
    fn needs_rewrite(
        &mut self,
        segs: &[Seg],
        leading_colon: bool,
        reach: Reach,
    ) -> Option<Resolved> {
        let before = self.resolve(segs, leading_colon, World::Before, &self.scope, reach)?;
        if before.consumed == 0 {
            return None;
        }
        let inside = before.module.starts_with(&self.tree.relocation.from);
        let here_moves = self.own() && self.scope.starts_with(&self.tree.relocation.from);
        if inside && !here_moves {
            self.reached_from.push(self.scope.clone());
        }
        let target = self.tree.relocation.map_or_same(&before.module);
        let scope_after = self.scope_after();
        let after = self.resolve(
            &segs[..before.consumed],
            leading_colon,
            World::After,
            &scope_after,
            reach,
        );
        if after.is_some_and(|a| a.module == target && a.consumed == before.consumed) {
            return None;
        }
        Some(Resolved {
            root: before.root,
            module: target,
            consumed: before.consumed,
        })
    }

    fn push(&mut self, kind: RefKind, range: Range<usize>, new: String) {
        self.changes.push(Change::replace(kind, range, new));
    }

    /// Rewrites one written path (not a `use` tree); `kind` is how it is reported.
    fn path(&mut self, segs: &[Seg], leading_colon: bool, reach: Reach, kind: RefKind) {
        if segs.len() < 2 && reach != Reach::Code {
            return;
        }
        let Some(found) = self.needs_rewrite(segs, leading_colon, reach) else {
            return;
        };
        let range = segs[0].range.start..segs[found.consumed - 1].range.end;
        let new = rooted(&found.root, &found.module);
        self.push(kind, range, new);
    }

    fn syn_path(&mut self, path: &syn::Path, reach: Reach, kind: RefKind) {
        let segs: Vec<Seg> = path
            .segments
            .iter()
            .map(|s| Seg {
                name: s.ident.to_string(),
                range: self.source.span(s.ident.span()),
            })
            .collect();
        if segs.len() < 2 {
            return;
        }
        self.path(&segs, path.leading_colon.is_some(), reach, kind);
    }

    /// Records a `pub(super)`/`pub(in …)` in the moved module that opens an item to a
    /// module outside it (`pub(self)` and `pub(crate)` mean the same after the move).
    fn restricted_visibility(&mut self, vis: &syn::VisRestricted) {
        let relocation = &self.tree.relocation;
        if !self.own() || !self.scope.starts_with(&relocation.from) {
            return;
        }
        let segs: Vec<Seg> = vis
            .path
            .segments
            .iter()
            .map(|s| Seg {
                name: s.ident.to_string(),
                range: self.source.span(s.ident.span()),
            })
            .collect();
        if matches!(
            segs.first().map(|s| s.name.as_str()),
            Some("crate" | "self") | None
        ) && segs.len() == 1
        {
            return;
        }
        let Some(before) = self.resolve(&segs, false, World::Before, &self.scope, Reach::Code)
        else {
            return;
        };
        if before.consumed != segs.len() || before.module.starts_with(&relocation.from) {
            return;
        }
        let scope_after = self.scope_after();
        let after = self
            .resolve(&segs, false, World::After, &scope_after, Reach::Code)
            .filter(|a| a.consumed == segs.len() && scope_after.starts_with(&a.module))
            .map(|a| a.module);
        if after.as_ref() == Some(&before.module) {
            return;
        }
        let start = self.source.span(vis.pub_token.span).start;
        let end = self.source.span(vis.paren_token.span.close()).end;
        self.restricted.push(Restricted {
            offset: start,
            text: self.source.slice(&(start..end)).to_owned(),
            before: before.module,
            after,
        });
    }

    // ---- `use` items -------------------------------------------------------------------

    /// Records the names `use` items bind to modules of the moved crate.
    fn collect_aliases(&mut self, items: &[syn::Item]) {
        for item in items {
            if let syn::Item::Use(u) = item {
                let mut leaves = Vec::new();
                flatten(
                    self.source,
                    &u.tree,
                    &mut Vec::new(),
                    (0, None),
                    &mut leaves,
                    &mut Vec::new(),
                );
                for leaf in leaves {
                    let (segs, binding) = match &leaf.kind {
                        LeafKind::Name => {
                            (&leaf.segs[..], leaf.segs.last().map(|s| s.name.clone()))
                        }
                        LeafKind::Rename(alias) => (&leaf.segs[..], Some(alias.clone())),
                        LeafKind::SelfImport => {
                            (&leaf.segs[..], leaf.segs.last().map(|s| s.name.clone()))
                        }
                        LeafKind::Glob => {
                            let leading = u.leading_colon.is_some();
                            if let Some(r) = self.resolve_without_aliases(&leaf.segs, leading)
                                && r.consumed == leaf.segs.len()
                            {
                                self.globs.push(Alias {
                                    root: r.root,
                                    target: r.module,
                                });
                            }
                            continue;
                        }
                    };
                    let (Some(binding), false) = (binding, segs.is_empty()) else {
                        continue;
                    };
                    if binding == "_" {
                        continue;
                    }
                    let leading = u.leading_colon.is_some();
                    let Some(r) = self.resolve_without_aliases(segs, leading) else {
                        continue;
                    };
                    if r.consumed == segs.len() {
                        self.aliases.insert(
                            binding,
                            Alias {
                                root: r.root,
                                target: r.module,
                            },
                        );
                    }
                }
            }
        }
    }

    fn resolve_without_aliases(&self, segs: &[Seg], leading_colon: bool) -> Option<Resolved> {
        let first = segs.first()?.name.as_str();
        if self.aliases.contains_key(first) {
            return None;
        }
        self.resolve(segs, leading_colon, World::Before, &self.scope, Reach::Code)
    }

    fn use_item(&mut self, item: &syn::ItemUse) {
        let mut leaves = Vec::new();
        let mut groups = Vec::new();
        flatten(
            self.source,
            &item.tree,
            &mut Vec::new(),
            (0, None),
            &mut leaves,
            &mut groups,
        );
        let leading = item.leading_colon.is_some();
        // A group's prefix that names a moved module is rewritten once, for all its entries.
        let mut prefix_after: HashMap<usize, Option<ModPath>> = HashMap::new();
        for group in &groups {
            let prefix = &group.prefix;
            let before = self.resolve(prefix, leading, World::Before, &self.scope, Reach::Code);
            let full = before.as_ref().filter(|b| b.consumed == prefix.len());
            prefix_after.insert(
                group.id,
                full.map(|b| self.tree.relocation.map_or_same(&b.module)),
            );
            if prefix.is_empty() {
                continue;
            }
            let Some(found) = self.needs_rewrite(prefix, leading, Reach::Code) else {
                continue;
            };
            let outer = group
                .outer
                .map(|(id, start)| (start, prefix_after.get(&id).cloned().flatten()));
            match in_place(&found, prefix, outer) {
                InPlace::Edit(range, new) => {
                    self.push(RefKind::UsePath, range, new);
                    if let Some(self_at) = group.self_binding_at.clone()
                        && found.consumed == prefix.len()
                        && found.module.last() != prefix.last().map(|s| &s.name)
                    {
                        let old = prefix.last().map(|s| s.name.clone()).unwrap_or_default();
                        self.push(
                            RefKind::UsePath,
                            self_at.end..self_at.end,
                            format!(" as {old}"),
                        );
                    }
                }
                InPlace::Outer => {}
                InPlace::Split => {
                    // The group leaves its enclosing group and becomes a `use` of its own,
                    // its entries as written.
                    let Some(entry) = &group.entry else { continue };
                    let braces = self.source.slice(&group.braces).to_owned();
                    let head = self.use_head(item);
                    let item_end = self.source.span(item.semi_token.span).end;
                    let indent = indentation(self.source, item_end);
                    let path = rooted(&found.root, &found.module);
                    let new_line = format!("\n{indent}{head}use {path}::{braces};");
                    let range = entry.entry.start.min(entry.deletion.start)
                        ..item_end.max(entry.deletion.end);
                    self.changes.push(Change {
                        kind: RefKind::Split,
                        range,
                        edits: vec![
                            Edit::delete(entry.deletion.clone()),
                            Edit::insert(item_end, new_line),
                        ],
                    });
                }
            }
        }
        let head = self.use_head(item);
        for leaf in &leaves {
            if leaf.kind == LeafKind::SelfImport {
                continue;
            }
            let segs = &leaf.segs;
            let Some(found) = self.needs_rewrite(segs, leading, Reach::Code) else {
                continue;
            };
            let binds_module = leaf.kind == LeafKind::Name && found.consumed == segs.len();
            let old_name = segs.last().map(|s| s.name.clone()).unwrap_or_default();
            if binds_module && self.declares_it_here(&found.module, &old_name) {
                // The new parent's own `mod` declaration binds this name now: the `use` goes.
                let whole = self.item_range(item);
                let range = match &leaf.group {
                    Some(group) if !(group.sole && leaves.len() == 1) => group.deletion.clone(),
                    _ => own_line(self.source, whole.start, whole.end).unwrap_or(whole),
                };
                self.changes.push(Change {
                    kind: RefKind::UsePath,
                    range: range.clone(),
                    edits: vec![Edit::delete(range)],
                });
                continue;
            }
            let alias = if binds_module && found.module.last() != Some(&old_name) {
                format!(" as {old_name}")
            } else {
                String::new()
            };
            let outer = leaf
                .group
                .as_ref()
                .map(|g| (leaf.group_start, prefix_after.get(&g.id).cloned().flatten()));
            match in_place(&found, segs, outer) {
                InPlace::Edit(range, new) => {
                    self.push(RefKind::UsePath, range, new);
                    if !alias.is_empty() {
                        self.push(RefKind::UsePath, leaf.end..leaf.end, alias);
                    }
                    continue;
                }
                InPlace::Outer => continue,
                InPlace::Split => {}
            }
            let Some(group) = &leaf.group else {
                continue;
            };
            // The moved prefix is cut by the group's brace: the entry leaves the group and
            // becomes a `use` of its own, right after this one.
            let mut path = rooted(&found.root, &found.module);
            for seg in &segs[found.consumed..] {
                path.push_str("::");
                path.push_str(&seg.name);
            }
            match &leaf.kind {
                LeafKind::Glob => path.push_str("::*"),
                LeafKind::Rename(a) => {
                    path.push_str(" as ");
                    path.push_str(a);
                }
                _ => path.push_str(&alias),
            }
            let item_end = self.source.span(item.semi_token.span).end;
            let indent = indentation(self.source, item_end);
            let old_range = group.entry.clone();
            let deletion = group.deletion.clone();
            let new_line = format!("\n{indent}{head}use {path};");
            let mut edits = vec![Edit::delete(deletion.clone())];
            if group.sole && leaves.len() == 1 {
                // The only entry: the whole item goes, the new line takes its place.
                let whole = self.item_range(item);
                edits = vec![Edit::replace(whole.clone(), format!("{head}use {path};"))];
                self.changes.push(Change {
                    kind: RefKind::Split,
                    range: whole,
                    edits,
                });
                continue;
            }
            edits.push(Edit::insert(item_end, new_line));
            let range = old_range.start.min(deletion.start)..item_end.max(deletion.end);
            self.changes.push(Change {
                kind: RefKind::Split,
                range,
                edits,
            });
        }
    }

    /// Whether this file is the moved module's new parent and `name` is the name the moved
    /// module (now `module`) is declared under there.
    fn declares_it_here(&self, module: &[String], name: &str) -> bool {
        let to = &self.tree.relocation.to;
        self.own()
            && module == to.as_slice()
            && to.last().is_some_and(|last| last == name)
            && self.scope_after() == to[..to.len() - 1]
    }

    /// The attributes and visibility of a `use` item, as written, up to `use`.
    fn use_head(&self, item: &syn::ItemUse) -> String {
        let start = self.item_range(item).start;
        let use_at = self.source.span(item.use_token.span).start;
        self.source.slice(&(start..use_at)).to_owned()
    }

    fn item_range(&self, item: &syn::ItemUse) -> Range<usize> {
        let first = item.attrs.first().map_or_else(
            || match &item.vis {
                Visibility::Public(p) => p.span,
                Visibility::Restricted(r) => r.pub_token.span,
                Visibility::Inherited => item.use_token.span,
            },
            |a| a.pound_token.span,
        );
        self.source.range(first, item.semi_token.span)
    }

    // ---- tokens and text ---------------------------------------------------------------

    /// Reads the paths in a token stream (a macro call, an attribute's arguments, a
    /// `macro_rules!` body).
    fn tokens(&mut self, tokens: &TokenStream, reach: Reach, kind: RefKind) {
        let flat: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                TokenTree::Group(g) => {
                    self.tokens(&g.stream(), reach, kind);
                    i += 1;
                }
                TokenTree::Literal(lit) => {
                    let text = lit.to_string();
                    if text.starts_with('"') || text.starts_with("r\"") || text.starts_with("r#") {
                        let range = self.source.span(lit.span());
                        self.text(range, Reach::Text { relative: false }, RefKind::String);
                    }
                    i += 1;
                }
                _ => {
                    let (segs, leading, next) = token_path(self.source, &flat, i);
                    if segs.len() >= 2 {
                        self.path(&segs, leading, reach, kind);
                    }
                    i = next.max(i + 1);
                }
            }
        }
    }

    /// Reads the paths written in a stretch of the file that is prose or a string literal.
    fn text(&mut self, range: Range<usize>, reach: Reach, kind: RefKind) {
        let text = self.source.slice(&range).to_owned();
        for (segs, leading) in text_paths(&text, range.start) {
            self.path(&segs, leading, reach, kind);
        }
    }

    /// Reads the doc comments gathered so far: prose as intra-doc links and mentions, Rust
    /// code blocks as doc tests (a crate of their own, which names this one from outside).
    fn flush_docs(&mut self) {
        let run = std::mem::take(&mut self.doc_run);
        if run.is_empty() {
            return;
        }
        let base = self.source.base;
        let local: Vec<Range<usize>> = run.iter().map(|r| r.start - base..r.end - base).collect();
        for piece in super::docs::pieces(&self.source.text, &local) {
            match piece {
                super::docs::DocPiece::Prose(r) => {
                    let range = r.start + base..r.end + base;
                    self.text(
                        range.clone(),
                        Reach::Text { relative: true },
                        RefKind::Docstring,
                    );
                    self.single_links(range);
                }
                super::docs::DocPiece::Code(block) => self.doc_test(&block),
            }
        }
    }

    /// ``[`name`]`` links to a moved module by its bare name: the text stays and the link
    /// gets the module's new path as its target.
    fn single_links(&mut self, range: Range<usize>) {
        let text = self.source.slice(&range).to_owned();
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(open) = text[at..].find('[').map(|i| at + i) {
            at = open + 1;
            let Some(close) = text[open..].find(']').map(|i| open + i) else {
                break;
            };
            let inner = text[open + 1..close].trim_matches('`');
            let is_name = !inner.is_empty()
                && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !inner.starts_with(|c: char| c.is_ascii_digit());
            if !is_name || matches!(bytes.get(close + 1), Some(b'(' | b'[' | b':')) {
                continue;
            }
            let name_at = range.start + open + 1 + text[open + 1..close].find(inner).unwrap_or(0);
            let seg = Seg {
                name: inner.to_owned(),
                range: name_at..name_at + inner.len(),
            };
            let Some(found) = self.needs_rewrite(&[seg], false, Reach::Text { relative: true })
            else {
                continue;
            };
            let end = range.start + close + 1;
            self.push(
                RefKind::Docstring,
                end..end,
                format!("({})", rooted(&found.root, &found.module)),
            );
        }
    }

    /// Rewrites a doc test as code seen from outside the crate, and maps its edits back into
    /// the comment (a new line gets the comment's `///` prefix).
    fn doc_test(&mut self, block: &super::docs::CodeBlock) {
        let names = match self.vantage {
            Vantage::Own { doc_names, .. } => doc_names.clone(),
            Vantage::Extern { names } => names.clone(),
        };
        if names.is_empty() || !names.iter().any(|n| block.code.contains(n.as_str())) {
            return;
        }
        // A doc test is a list of items, or the body of a `main` rustdoc writes around it.
        let wrapper = "fn main() {\n";
        let items = Source::new(std::path::PathBuf::new(), block.code.clone());
        let (source, parsed, shift) = if let Ok(parsed) = syn::parse_file(&items.text) {
            (items, parsed, 0)
        } else {
            let body = format!("{wrapper}{}\n}}", block.code);
            let in_main = Source::new(std::path::PathBuf::new(), body);
            let Ok(parsed) = syn::parse_file(&in_main.text) else {
                return;
            };
            (in_main, parsed, wrapper.len())
        };
        let vantage = Vantage::Extern { names };
        let result = rewrite_file(self.tree, &vantage, &source, &parsed);
        for change in result.changes {
            let map = |at: usize| at.checked_sub(shift).and_then(|a| block.to_file(a));
            let mut edits = Vec::new();
            for edit in &change.edits {
                let r = edit.range();
                let (Some(start), Some(end)) = (map(r.start), map(r.end)) else {
                    edits.clear();
                    break;
                };
                let prefix = block.prefix_at(r.start.saturating_sub(shift));
                let text = edit.replacement().replace('\n', &format!("\n{prefix}"));
                edits.push(Edit::replace(
                    start + self.source.base..end + self.source.base,
                    text,
                ));
            }
            let (Some(start), Some(end)) = (map(change.range.start), map(change.range.end)) else {
                continue;
            };
            if edits.is_empty() {
                continue;
            }
            self.changes.push(Change {
                kind: RefKind::Docstring,
                range: start + self.source.base..end + self.source.base,
                edits,
            });
        }
    }

    fn attribute(&mut self, attr: &syn::Attribute) {
        let range = self
            .source
            .range(attr.pound_token.span, attr.bracket_token.span.close());
        if attr.path().is_ident("doc") {
            let adjacent = self.doc_run.last().is_some_and(|last| {
                self.source
                    .slice(&(last.end..range.start))
                    .trim()
                    .is_empty()
            });
            if !adjacent {
                self.flush_docs();
            }
            self.doc_run.push(range);
            return;
        }
        self.syn_path(attr.path(), Reach::Code, RefKind::AttributePath);
        match &attr.meta {
            syn::Meta::List(list) => self.tokens(&list.tokens, Reach::Code, RefKind::AttributePath),
            syn::Meta::NameValue(nv) => self.visit_expr(&nv.value),
            syn::Meta::Path(_) => {}
        }
    }
}

/// How a rewrite fits a path that may sit in a `use` group.
enum InPlace {
    /// Replace this range by this text.
    Edit(Range<usize>, String),
    /// The part to rewrite lies before the group: the group's own prefix rewrite does it.
    Outer,
    /// The moved prefix is cut by the group's brace.
    Split,
}

/// Where the rewrite `found` of `segs` goes when the first `outer.0` segments are written
/// before an enclosing group whose prefix names module `outer.1` after the move.
fn in_place(found: &Resolved, segs: &[Seg], outer: Option<(usize, Option<ModPath>)>) -> InPlace {
    let end = segs[found.consumed - 1].range.end;
    match outer {
        None | Some((0, _)) => {
            InPlace::Edit(segs[0].range.start..end, rooted(&found.root, &found.module))
        }
        Some((start, _)) if found.consumed <= start => InPlace::Outer,
        Some((start, Some(prefix)))
            if found.module.starts_with(&prefix) && found.module.len() > prefix.len() =>
        {
            InPlace::Edit(
                segs[start].range.start..end,
                found.module[prefix.len()..].join("::"),
            )
        }
        Some(_) => InPlace::Split,
    }
}

/// `root::a::b`.
fn rooted(root: &Root, module: &[String]) -> String {
    let mut out = root.text().to_owned();
    for part in module {
        out.push_str("::");
        out.push_str(part);
    }
    out
}

/// The whitespace that starts the line holding byte `at`.
fn indentation(source: &Source, at: usize) -> String {
    let text = &source.text[..at - source.base];
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

impl<'ast> Visit<'ast> for FileRewriter<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.attribute(attr);
        }
        self.use_item(item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        for attr in &item.attrs {
            self.attribute(attr);
        }
        if let Some((_, items)) = &item.content {
            self.scope.push(item.ident.to_string());
            for inner in items {
                self.visit_item(inner);
            }
            self.scope.pop();
        }
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        self.attribute(attr);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.syn_path(path, Reach::Code, RefKind::QualifiedPath);
        for segment in &path.segments {
            self.visit_path_arguments(&segment.arguments);
        }
    }

    fn visit_vis_restricted(&mut self, vis: &'ast syn::VisRestricted) {
        self.restricted_visibility(vis);
        self.visit_path(&vis.path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        if mac.path.is_ident("macro_rules") {
            self.tokens(&mac.tokens, Reach::MacroBody, RefKind::MacroPath);
        } else {
            self.tokens(&mac.tokens, Reach::Code, RefKind::MacroPath);
        }
    }
}

/// The path that starts at token `i` of `flat` (`$crate`, `::`, idents joined by `::`):
/// its segments, whether it had a leading `::`, and the index after it.
fn token_path(source: &Source, flat: &[TokenTree], mut i: usize) -> (Vec<Seg>, bool, usize) {
    let is_colon2 = |at: usize| {
        matches!((flat.get(at), flat.get(at + 1)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
    };
    // A path continued from before (`x::a::b` where `x` is not a path start) is not read
    // from its middle.
    if i >= 2 && is_colon2(i - 2) {
        return (Vec::new(), false, i + 1);
    }
    let mut leading = false;
    if is_colon2(i) {
        leading = true;
        i += 2;
    }
    let mut segs = Vec::new();
    loop {
        match (flat.get(i), flat.get(i + 1)) {
            (Some(TokenTree::Punct(dollar)), Some(TokenTree::Ident(id)))
                if dollar.as_char() == '$' && id == "crate" && segs.is_empty() =>
            {
                let range = source.range(dollar.span(), id.span());
                segs.push(Seg {
                    name: "$crate".to_owned(),
                    range,
                });
                i += 2;
            }
            (Some(TokenTree::Ident(id)), _) => {
                segs.push(Seg {
                    name: id.to_string(),
                    range: source.span(id.span()),
                });
                i += 1;
            }
            _ => break,
        }
        if is_colon2(i) {
            i += 2;
        } else {
            break;
        }
    }
    (segs, leading, i)
}

/// The `a::b::c` paths of a stretch of prose (offsets from `base`): only runs of two or more
/// identifiers joined by `::` that do not continue a longer path.
fn text_paths(text: &str, base: usize) -> Vec<(Vec<Seg>, bool)> {
    let bytes = text.as_bytes();
    let is_start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b'$';
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let continues = i > 0 && (is_ident(bytes[i - 1]) || bytes[i - 1] == b'$');
        if !is_start(b) || continues {
            i += 1;
            continue;
        }
        let leading = i >= 2 && &bytes[i - 2..i] == b"::";
        if leading && i >= 3 && is_ident(bytes[i - 3]) {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            if bytes.get(j) == Some(&b'$') {
                j += 1;
            }
            while j < bytes.len() && is_ident(bytes[j]) {
                j += 1;
            }
            let name = &text[start..j];
            if name.is_empty() || name == "$" || (name.starts_with('$') && name != "$crate") {
                break;
            }
            segs.push(Seg {
                name: name.to_owned(),
                range: base + start..base + j,
            });
            if bytes.get(j..j + 2) == Some(b"::") && bytes.get(j + 2).is_some_and(|c| is_start(*c))
            {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() >= 2 {
            out.push((segs, leading));
        }
        i = j.max(i + 1);
    }
    out
}

/// How a `use` tree leaf binds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LeafKind {
    /// `a::b` binds `b`.
    Name,
    /// `a::b as c`.
    Rename(String),
    /// `a::*`.
    Glob,
    /// `a::{self}` binds `a`.
    SelfImport,
}

/// One entry of the innermost group a leaf sits in.
#[derive(Debug, Clone)]
struct GroupEntry {
    /// Which group.
    id: usize,
    /// The entry's text.
    entry: Range<usize>,
    /// What to delete to take the entry out (its comma, or its line).
    deletion: Range<usize>,
    /// Whether it is the group's only entry.
    sole: bool,
}

/// One leaf of a `use` tree.
#[derive(Debug, Clone)]
struct Leaf {
    /// Its path: the segments before it and its own name (not `self`, not `*`).
    segs: Vec<Seg>,
    /// How many of `segs` come before its innermost group.
    group_start: usize,
    kind: LeafKind,
    /// Where its text ends (after a rename or `*`).
    end: usize,
    group: Option<GroupEntry>,
}

/// A group of a `use` tree, and the path before its brace.
struct Group {
    id: usize,
    prefix: Vec<Seg>,
    /// The enclosing group (its id) and how many of `prefix` come before it.
    outer: Option<(usize, usize)>,
    /// Its entry in the enclosing group.
    entry: Option<GroupEntry>,
    /// Its text from `{` to `}`.
    braces: Range<usize>,
    /// The end of a `self` entry in it, if it has one without `as`.
    self_binding_at: Option<Range<usize>>,
}

fn group_id(source: &Source, group: &syn::UseGroup) -> usize {
    source.span(group.brace_token.span.open()).start
}

/// The leaves of a `use` tree and its groups, in source order. `within` is the innermost
/// group around `tree` so far: how many of `segs` come before it, and which entry of it
/// `tree` is part of.
fn flatten(
    source: &Source,
    tree: &UseTree,
    segs: &mut Vec<Seg>,
    within: (usize, Option<&GroupEntry>),
    out: &mut Vec<Leaf>,
    groups: &mut Vec<Group>,
) {
    let (group_start, group) = within;
    match tree {
        UseTree::Path(p) => {
            segs.push(Seg {
                name: p.ident.to_string(),
                range: source.span(p.ident.span()),
            });
            flatten(source, &p.tree, segs, within, out, groups);
            segs.pop();
        }
        UseTree::Name(n) if n.ident == "self" => out.push(Leaf {
            segs: segs.clone(),
            group_start,
            kind: LeafKind::SelfImport,
            end: source.span(n.ident.span()).end,
            group: group.cloned(),
        }),
        UseTree::Name(n) => {
            let mut all = segs.clone();
            let range = source.span(n.ident.span());
            all.push(Seg {
                name: n.ident.to_string(),
                range: range.clone(),
            });
            out.push(Leaf {
                segs: all,
                group_start,
                kind: LeafKind::Name,
                end: range.end,
                group: group.cloned(),
            });
        }
        UseTree::Rename(r) => {
            let mut all = segs.clone();
            all.push(Seg {
                name: r.ident.to_string(),
                range: source.span(r.ident.span()),
            });
            out.push(Leaf {
                segs: all,
                group_start,
                kind: LeafKind::Rename(r.rename.to_string()),
                end: source.span(r.rename.span()).end,
                group: group.cloned(),
            });
        }
        UseTree::Glob(g) => out.push(Leaf {
            segs: segs.clone(),
            group_start,
            kind: LeafKind::Glob,
            end: source.span(g.star_token.span).end,
            group: group.cloned(),
        }),
        UseTree::Group(g) => {
            let self_binding_at = g.items.iter().find_map(|t| match t {
                UseTree::Name(n) if n.ident == "self" => Some(source.span(n.ident.span())),
                _ => None,
            });
            let id = group_id(source, g);
            groups.push(Group {
                id,
                prefix: segs.clone(),
                outer: group.map(|g| (g.id, group_start)),
                entry: group.cloned(),
                braces: source.range(g.brace_token.span.open(), g.brace_token.span.close()),
                self_binding_at,
            });
            for (item, entry) in g.items.iter().zip(group_entries(source, g)) {
                flatten(source, item, segs, (segs.len(), Some(&entry)), out, groups);
            }
        }
    }
}

/// Each entry of a group, with what to delete to take it out (its comma, or its line).
fn group_entries(source: &Source, g: &syn::UseGroup) -> Vec<GroupEntry> {
    let id = group_id(source, g);
    let pairs: Vec<_> = g.items.pairs().collect();
    let sole = pairs.len() == 1;
    let mut out = Vec::new();
    for (index, pair) in pairs.iter().enumerate() {
        let entry = tree_range(source, pair.value());
        let deletion = if let Some(comma) = pair.punct() {
            let comma = source.span(comma.spans[0]);
            own_line(source, entry.start, comma.end).unwrap_or_else(|| {
                let after = skip_spaces(source, comma.end);
                entry.start..after
            })
        } else if index > 0 {
            let before = pairs[index - 1].punct().map(|c| source.span(c.spans[0]));
            match before {
                Some(comma) => {
                    own_line(source, entry.start, entry.end).unwrap_or(comma.start..entry.end)
                }
                None => entry.clone(),
            }
        } else {
            entry.clone()
        };
        out.push(GroupEntry {
            id,
            entry,
            deletion,
            sole,
        });
    }
    out
}

/// The byte range of a `use` tree's text.
fn tree_range(source: &Source, tree: &UseTree) -> Range<usize> {
    fn first(source: &Source, tree: &UseTree) -> usize {
        match tree {
            UseTree::Path(p) => source.span(p.ident.span()).start,
            UseTree::Name(n) => source.span(n.ident.span()).start,
            UseTree::Rename(r) => source.span(r.ident.span()).start,
            UseTree::Glob(g) => source.span(g.star_token.span).start,
            UseTree::Group(g) => source.span(g.brace_token.span.open()).start,
        }
    }
    fn last(source: &Source, tree: &UseTree) -> usize {
        match tree {
            UseTree::Path(p) => last(source, &p.tree),
            UseTree::Name(n) => source.span(n.ident.span()).end,
            UseTree::Rename(r) => source.span(r.rename.span()).end,
            UseTree::Glob(g) => source.span(g.star_token.span).end,
            UseTree::Group(g) => source.span(g.brace_token.span.close()).end,
        }
    }
    first(source, tree)..last(source, tree)
}

/// When `start..end` is all a line holds but its indentation and a trailing comma or spaces:
/// the whole line, newline included.
fn own_line(source: &Source, start: usize, end: usize) -> Option<Range<usize>> {
    let text = &source.text;
    let (s, e) = (start - source.base, end - source.base);
    let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..s].chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let rest = &text[e..];
    let line_end = rest.find('\n').map_or(text.len(), |i| e + i + 1);
    let tail = text[e..line_end].trim_end_matches(['\n', '\r']);
    let tail = tail.strip_prefix(',').unwrap_or(tail);
    tail.chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(source.base + line_start..source.base + line_end)
}

fn skip_spaces(source: &Source, at: usize) -> usize {
    let rest = &source.text[at - source.base..];
    at + rest.len() - rest.trim_start_matches([' ', '\t']).len()
}
