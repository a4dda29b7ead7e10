//! The module tree of a crate, as rustc mounts it (issue #12, not yet wired).
//!
//! In: a crate root file (a [`Target::root`](super::cargo::Target::root)). Out: a
//! [`ModuleTree`]: every module reachable by `mod` items, in source order (pre-order), with
//! its path (`crate::a::b`), the file holding its items, and its declaration (the byte range
//! of the whole `mod` item in the parent's file, attributes and doc comments included).
//!
//! The lookup follows rustc (`rustc_expand::module`):
//! - `mod name;` in a crate root or a `mod.rs` file: `name.rs` or `name/mod.rs` in the same
//!   directory; in any other file `a.rs`: `a/name.rs` or `a/name/mod.rs`. Both present is
//!   ambiguous, neither is missing: both are reported, and the module is left out.
//! - `mod name { … }` (inline): its children live in a subdirectory `name/` of where the
//!   parent's children live.
//! - `#[path = "p"]` on `mod name;`: `p` relative to the directory where the parent's
//!   children live *for an inline parent* (`dir/inline/p`), or to the declaring file's own
//!   directory otherwise; the file then acts as a `mod.rs` (its children are its siblings).
//!   On an inline `mod name { … }`, `p` is the directory of its children.
//! - `#[cfg(…)]` is not evaluated: every module is mounted, whatever its cfg, and the cfg
//!   attributes are kept ([`Module::cfg`]). Two declarations of one path (one per cfg) give
//!   two modules.
//! - `#[cfg_attr(…, path = "…")]` is reported ([`ModuleProblem::ConditionalPath`]); the
//!   module is then mounted from its default file.
//! - `mod` items inside function bodies and macro-generated modules are not seen.
//!
//! Byte ranges come from `proc-macro2` spans (feature `span-locations`), whose
//! (1-based line, 0-based column in characters) are turned into byte offsets through a line
//! index of the file's text. proc-macro2 keeps every parsed text in a per-thread source map
//! (32-bit offsets) until `proc_macro2::extra::invalidate_current_thread_spans` is called;
//! this module does not call it, since the caller may hold spans of its own: a caller that
//! parses a large tree calls it between batches. A file that is not UTF-8, cannot be read or does not parse is a
//! [`ModuleProblem`]; its module is listed, its children are not.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Item, ItemMod, Lit, Meta, Token, Visibility};

use rayon::prelude::*;

use super::cargo::{CargoTree, Package, is_build_dir};
use super::source::Source;
use super::{Error, below_crate, normalize};

/// The modules of one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleTree {
    /// The crate root file, relative to the tree root.
    pub crate_root: PathBuf,
    /// Every module, the crate root first (path `crate`), then in source order (pre-order).
    pub modules: Vec<Module>,
    /// What could not be mounted or read, in the order met.
    pub problems: Vec<ModuleProblem>,
    /// What each module defines, by path below the crate (`a::b`; the root is `""`).
    pub items: HashMap<String, ModuleItems>,
}

/// One module of a crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Its path: `crate`, `crate::a`, `crate::a::b` (raw identifiers as written: `r#type`).
    pub path: String,
    /// The file holding its items, relative to the tree root (for an inline module, the
    /// file it is written in).
    pub file: PathBuf,
    /// Whether it is written inline (`mod x { … }`).
    pub inline: bool,
    /// Its `mod` item in the parent; `None` for the crate root.
    pub declaration: Option<Declaration>,
    /// The `#[cfg(…)]` attributes on its declaration and on those of its ancestors, as
    /// written (outermost first). Empty when it is always compiled.
    pub cfg: Vec<String>,
}

/// What one module defines, as far as paths into it are concerned.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ModuleItems {
    /// The names of its items, `use` bindings and child modules.
    pub names: HashSet<String>,
    /// A glob import or an item-level macro call: it may define anything.
    pub open: bool,
}

/// Where and how a module is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// The file holding the `mod` item, relative to the tree root.
    pub file: PathBuf,
    /// The byte range of the whole item in that file: outer attributes and doc comments,
    /// visibility, `mod name` and the `;` or the closing brace.
    pub byte_range: Range<usize>,
    /// The byte range of the name (`b` in `pub mod b;`).
    pub name_range: Range<usize>,
    /// The visibility as written (`pub`, `pub(crate)`, `pub(in crate::a)`), empty when
    /// private.
    pub visibility: String,
    /// The value of its `#[path = "…"]` attribute, if any.
    pub path_attr: Option<String>,
}

/// A module or file that could not be mounted or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleProblem {
    /// `mod name;` with no file: neither candidate exists (or the `#[path]` file is missing).
    Missing {
        /// The module's path.
        module: String,
        /// The declaring file.
        declared_in: PathBuf,
        /// The declaration's byte range there.
        byte_range: Range<usize>,
        /// The files looked for.
        candidates: Vec<PathBuf>,
    },
    /// `mod name;` where both `name.rs` and `name/mod.rs` exist (rustc's E0761).
    Ambiguous {
        /// The module's path.
        module: String,
        /// The declaring file.
        declared_in: PathBuf,
        /// The declaration's byte range there.
        byte_range: Range<usize>,
        /// Both files.
        candidates: Vec<PathBuf>,
    },
    /// A module whose file is already being mounted by one of its ancestors (a `#[path]`
    /// loop); not followed.
    Circular {
        /// The module's path.
        module: String,
        /// The file.
        file: PathBuf,
    },
    /// `#[cfg_attr(…, path = "…")]` on a `mod`: its file depends on the cfg. The module is
    /// mounted from its default file (what applies when the cfg is false), if there is one.
    ConditionalPath {
        /// The module's path.
        module: String,
        /// The declaring file.
        declared_in: PathBuf,
        /// The `#[cfg_attr(…)]` attribute, as written.
        attribute: String,
    },
    /// A file that could not be read.
    Unreadable {
        /// The file.
        file: PathBuf,
        /// What the OS said.
        message: String,
    },
    /// A file that is not UTF-8.
    NotUtf8 {
        /// The file.
        file: PathBuf,
    },
    /// A file that does not parse as Rust.
    Unparsable {
        /// The file.
        file: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error, in characters.
        col: usize,
        /// What syn said.
        message: String,
    },
}

/// The module trees of every crate of one package, and the `.rs` files of the package that
/// are mounted more than once or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageModules {
    /// One tree per target, in the package's target order.
    pub trees: Vec<ModuleTree>,
    /// `.rs` files under the package directory (not in a nested package, not in `target/`)
    /// that no crate root mounts, sorted.
    pub unmounted: Vec<PathBuf>,
    /// Files mounted as more than one module (in one crate or across the package's crates),
    /// sorted by file.
    pub mounted_twice: Vec<MountedTwice>,
}

/// A file mounted as several modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountedTwice {
    /// The file, relative to the tree root.
    pub file: PathBuf,
    /// Each mount: (crate root, module path), sorted.
    pub mounts: Vec<(PathBuf, String)>,
}

/// The module tree of the crate whose root file is `crate_root` (relative to `root`).
pub fn module_tree(root: &Path, crate_root: &Path) -> ModuleTree {
    let mut walker = Walker {
        root,
        modules: Vec::new(),
        problems: Vec::new(),
        items: Vec::new(),
        stack: Vec::new(),
        deferred: Vec::new(),
    };
    let crate_root = normalize(crate_root);
    walker.modules.push(Module {
        path: "crate".to_owned(),
        file: crate_root.clone(),
        inline: false,
        declaration: None,
        cfg: Vec::new(),
    });
    let dir = crate_root.parent().unwrap_or(Path::new("")).to_path_buf();
    walker.visit_file(
        &crate_root,
        "crate",
        &Scope {
            dir,
            relative: None,
        },
        &[],
    );
    let mut items: HashMap<String, ModuleItems> = walker
        .modules
        .iter()
        .map(|m| (below_crate(&m.path).join("::"), ModuleItems::default()))
        .collect();
    // A child module is a name of its parent.
    for m in &walker.modules {
        let below = below_crate(&m.path);
        if let Some((name, parent)) = below.split_last() {
            items
                .entry(parent.join("::"))
                .or_default()
                .names
                .insert(name.clone());
        }
    }
    for (key, found) in walker.items {
        let entry = items.entry(key).or_default();
        entry.names.extend(found.names);
        entry.open |= found.open;
    }
    ModuleTree {
        crate_root,
        modules: walker.modules,
        problems: walker.problems,
        items,
    }
}

/// The module trees of every target of `package`, and its files mounted twice or not at all.
pub fn package_modules(
    root: &Path,
    cargo: &CargoTree,
    package: &Package,
) -> Result<PackageModules, Error> {
    let trees: Vec<ModuleTree> = package
        .targets
        .iter()
        .map(|t| module_tree(root, &t.root))
        .collect();

    let mut mounts: BTreeMap<PathBuf, BTreeSet<(PathBuf, String)>> = BTreeMap::new();
    for tree in &trees {
        for module in tree.modules.iter().filter(|m| !m.inline) {
            mounts
                .entry(module.file.clone())
                .or_default()
                .insert((tree.crate_root.clone(), module.path.clone()));
        }
    }
    let mounted_twice = mounts
        .iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(file, m)| MountedTwice {
            file: file.clone(),
            mounts: m.iter().cloned().collect(),
        })
        .collect();

    let nested: Vec<&Path> = cargo
        .packages
        .iter()
        .filter(|p| p.dir != package.dir && p.dir.starts_with(&package.dir))
        .map(|p| p.dir.as_path())
        .collect();
    let mut unmounted = Vec::new();
    let walker = ignore::WalkBuilder::new(root.join(&package.dir))
        .filter_entry(|entry| !is_build_dir(entry.path()))
        .build();
    for entry in walker {
        let entry = entry.map_err(|source| Error::Walk {
            path: root.join(&package.dir),
            source,
        })?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let is_rs = entry.file_type().is_some_and(|t| t.is_file())
            && rel.extension().is_some_and(|e| e == "rs");
        if is_rs && !nested.iter().any(|n| rel.starts_with(n)) && !mounts.contains_key(rel) {
            unmounted.push(rel.to_path_buf());
        }
    }
    unmounted.sort();

    Ok(PackageModules {
        trees,
        unmounted,
        mounted_twice,
    })
}

/// Where the children of a module are looked for: rustc's `dir_path` plus the pending
/// `relative` segment of a non-`mod.rs` file (`a.rs` → children in `a/`).
struct Scope {
    dir: PathBuf,
    relative: Option<String>,
}

impl Scope {
    /// The directory the children's default files are in.
    fn children_dir(&self) -> PathBuf {
        match &self.relative {
            Some(name) => self.dir.join(name),
            None => self.dir.clone(),
        }
    }
}

/// What a child file's walk found: its modules, problems and items.
type Subtree = (Vec<Module>, Vec<ModuleProblem>, Vec<(String, ModuleItems)>);

/// A child file to mount once its parent's items are read.
struct Child {
    /// Where its subtree goes in [`Walker::modules`].
    at: usize,
    file: PathBuf,
    path: String,
    scope: Scope,
    cfg: Vec<String>,
    /// The files being mounted above it.
    stack: Vec<PathBuf>,
}

struct Walker<'a> {
    root: &'a Path,
    modules: Vec<Module>,
    problems: Vec<ModuleProblem>,
    /// The files being mounted, outermost first (to stop `#[path]` loops).
    stack: Vec<PathBuf>,
    /// Child files met in the file being read, mounted after it.
    deferred: Vec<Child>,
    /// What each module read so far defines (a module may appear more than once: one entry
    /// per `cfg` branch).
    items: Vec<(String, ModuleItems)>,
}

impl Walker<'_> {
    fn read(&mut self, file: &Path) -> Option<(Source, syn::File)> {
        let bytes = match fs::read(self.root.join(file)) {
            Ok(bytes) => bytes,
            Err(err) => {
                self.problems.push(ModuleProblem::Unreadable {
                    file: file.to_path_buf(),
                    message: err.to_string(),
                });
                return None;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            self.problems.push(ModuleProblem::NotUtf8 {
                file: file.to_path_buf(),
            });
            return None;
        };
        let source = Source::new(file.to_path_buf(), text);
        match syn::parse_file(&source.text) {
            Ok(parsed) => Some((source, parsed)),
            Err(err) => {
                let at = err.span().start();
                self.problems.push(ModuleProblem::Unparsable {
                    file: file.to_path_buf(),
                    line: at.line.max(1),
                    // The BOM is a character of line 1 that syn did not see.
                    col: at.column + 1 + usize::from(at.line == 1 && source.base > 0),
                    message: err.to_string(),
                });
                None
            }
        }
    }

    fn visit_file(&mut self, file: &Path, path: &str, scope: &Scope, cfg: &[String]) {
        let Some((source, parsed)) = self.read(file) else {
            // Unread: nothing is known of what it defines, so nothing is judged missing.
            self.items.push((
                below_crate(path).join("::"),
                ModuleItems {
                    names: HashSet::new(),
                    open: true,
                },
            ));
            return;
        };
        self.stack.push(file.to_path_buf());
        let outer = std::mem::take(&mut self.deferred);
        collect_items(&parsed.items, &below_crate(path), &mut self.items);
        self.visit_items(&source, &parsed.items, path, scope, cfg);
        drop(parsed);
        let children = std::mem::replace(&mut self.deferred, outer);
        self.stack.pop();
        // The child files are read on all cores; each subtree goes right after its module,
        // so the order stays rustc's pre-order.
        let found: Vec<Subtree> = children
            .par_iter()
            .map(|child| {
                let mut walker = Walker {
                    root: self.root,
                    modules: Vec::new(),
                    problems: Vec::new(),
                    items: Vec::new(),
                    stack: child.stack.clone(),
                    deferred: Vec::new(),
                };
                walker.visit_file(&child.file, &child.path, &child.scope, &child.cfg);
                (walker.modules, walker.problems, walker.items)
            })
            .collect();
        let mut problems = Vec::new();
        for (child, (modules, found_problems, items)) in children.iter().zip(found).rev() {
            self.modules.splice(child.at..child.at, modules);
            problems.push(found_problems);
            self.items.extend(items);
        }
        self.problems.extend(problems.into_iter().rev().flatten());
    }

    fn visit_items(
        &mut self,
        source: &Source,
        items: &[Item],
        parent: &str,
        scope: &Scope,
        parent_cfg: &[String],
    ) {
        for item in items {
            if let Item::Mod(item) = item {
                self.visit_mod(source, item, parent, scope, parent_cfg);
            }
        }
    }

    fn visit_mod(
        &mut self,
        source: &Source,
        item: &ItemMod,
        parent: &str,
        scope: &Scope,
        parent_cfg: &[String],
    ) {
        let name = item.ident.to_string();
        let file_name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        let path = format!("{parent}::{name}");
        let outer: Vec<&Attribute> = item
            .attrs
            .iter()
            .filter(|a| matches!(a.style, syn::AttrStyle::Outer))
            .collect();
        let first = outer.first().map_or_else(
            || match &item.vis {
                Visibility::Public(token) => token.span,
                Visibility::Restricted(r) => r.pub_token.span,
                Visibility::Inherited => item
                    .unsafety
                    .map_or(item.mod_token.span, |token| token.span),
            },
            |a| a.pound_token.span,
        );
        let last = match (&item.content, &item.semi) {
            (Some((brace, _)), _) => brace.span.close(),
            (None, Some(semi)) => semi.span,
            (None, None) => item.ident.span(),
        };
        let byte_range = source.range(first, last);
        let name_range = source.range(item.ident.span(), item.ident.span());
        let visibility = match &item.vis {
            Visibility::Public(token) => source.slice(&source.range(token.span, token.span)),
            Visibility::Restricted(r) => {
                source.slice(&source.range(r.pub_token.span, r.paren_token.span.close()))
            }
            Visibility::Inherited => "",
        }
        .to_owned();
        let path_attr = outer.iter().find_map(|a| path_attribute(a));
        for attr in outer.iter().filter(|a| cfg_attr_sets_path(a)) {
            let r = source.range(attr.pound_token.span, attr.bracket_token.span.close());
            self.problems.push(ModuleProblem::ConditionalPath {
                module: path.clone(),
                declared_in: source.file.clone(),
                attribute: source.slice(&r).to_owned(),
            });
        }
        let mut cfg = parent_cfg.to_vec();
        cfg.extend(outer.iter().filter(|a| a.path().is_ident("cfg")).map(|a| {
            let r = source.range(a.pound_token.span, a.bracket_token.span.close());
            source.slice(&r).to_owned()
        }));
        let declaration = Declaration {
            file: source.file.clone(),
            byte_range: byte_range.clone(),
            name_range,
            visibility,
            path_attr: path_attr.clone(),
        };

        if let Some((_, items)) = &item.content {
            // Inline: `#[path]` names the children's directory, relative to where this
            // module's siblings live; otherwise the children live in `name/` there.
            let dir = match &path_attr {
                Some(p) => normalize(&scope.dir.join(p)),
                None => scope.children_dir().join(&file_name),
            };
            self.modules.push(Module {
                path: path.clone(),
                file: source.file.clone(),
                inline: true,
                declaration: Some(declaration),
                cfg: cfg.clone(),
            });
            let child_scope = Scope {
                dir,
                relative: None,
            };
            self.visit_items(source, items, &path, &child_scope, &cfg);
            return;
        }

        let (file, child_scope) = if let Some(p) = &path_attr {
            // A `#[path]` file acts as a `mod.rs`: its children are its siblings.
            let file = normalize(&scope.dir.join(p));
            if !self.root.join(&file).is_file() {
                self.problems.push(ModuleProblem::Missing {
                    module: path,
                    declared_in: source.file.clone(),
                    byte_range,
                    candidates: vec![file],
                });
                return;
            }
            let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
            (
                file,
                Scope {
                    dir,
                    relative: None,
                },
            )
        } else {
            let base = scope.children_dir();
            let flat = normalize(&base.join(format!("{file_name}.rs")));
            let nested = normalize(&base.join(&file_name).join("mod.rs"));
            match (
                self.root.join(&flat).is_file(),
                self.root.join(&nested).is_file(),
            ) {
                (true, false) => (
                    flat,
                    Scope {
                        dir: normalize(&base),
                        relative: Some(file_name),
                    },
                ),
                (false, true) => (
                    nested,
                    Scope {
                        dir: normalize(&base.join(&file_name)),
                        relative: None,
                    },
                ),
                (found, _) => {
                    let candidates = vec![flat, nested];
                    let (module, declared_in) = (path, source.file.clone());
                    self.problems.push(if found {
                        ModuleProblem::Ambiguous {
                            module,
                            declared_in,
                            byte_range,
                            candidates,
                        }
                    } else {
                        ModuleProblem::Missing {
                            module,
                            declared_in,
                            byte_range,
                            candidates,
                        }
                    });
                    return;
                }
            }
        };

        if self.stack.contains(&file) {
            self.problems
                .push(ModuleProblem::Circular { module: path, file });
            return;
        }
        self.modules.push(Module {
            path: path.clone(),
            file: file.clone(),
            inline: false,
            declaration: Some(declaration),
            cfg: cfg.clone(),
        });
        self.deferred.push(Child {
            at: self.modules.len(),
            file,
            path,
            scope: child_scope,
            cfg,
            stack: self.stack.clone(),
        });
    }
}

/// Whether `attr` is a `#[cfg_attr(predicate, …, path = "…", …)]`.
fn cfg_attr_sets_path(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg_attr")
        && attr
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .is_ok_and(|metas| metas.iter().skip(1).any(|m| m.path().is_ident("path")))
}

/// The string of a `#[path = "…"]` attribute.
fn path_attribute(attr: &Attribute) -> Option<String> {
    if !attr.path().is_ident("path") {
        return None;
    }
    match &attr.meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn collect_items(
    items: &[syn::Item],
    module: &[String],
    out: &mut Vec<(String, ModuleItems)>,
) {
    let mut here = ModuleItems::default();
    for item in items {
        let name = match item {
            syn::Item::Const(i) => Some(i.ident.to_string()),
            syn::Item::Enum(i) => Some(i.ident.to_string()),
            syn::Item::ExternCrate(i) => Some(
                i.rename
                    .as_ref()
                    .map_or_else(|| i.ident.to_string(), |(_, r)| r.to_string()),
            ),
            syn::Item::Fn(i) => Some(i.sig.ident.to_string()),
            syn::Item::Static(i) => Some(i.ident.to_string()),
            syn::Item::Struct(i) => Some(i.ident.to_string()),
            syn::Item::Trait(i) => Some(i.ident.to_string()),
            syn::Item::TraitAlias(i) => Some(i.ident.to_string()),
            syn::Item::Type(i) => Some(i.ident.to_string()),
            syn::Item::Union(i) => Some(i.ident.to_string()),
            syn::Item::Mod(i) => {
                if let Some((_, inner)) = &i.content {
                    let mut child = module.to_vec();
                    child.push(i.ident.to_string());
                    collect_items(inner, &child, out);
                }
                Some(i.ident.to_string())
            }
            syn::Item::Macro(m) => {
                if let Some(ident) = &m.ident {
                    // `#[macro_export]` puts a `macro_rules!` at the crate root.
                    out.push((
                        String::new(),
                        ModuleItems {
                            names: HashSet::from([ident.to_string()]),
                            open: false,
                        },
                    ));
                    Some(ident.to_string())
                } else {
                    here.open = true;
                    None
                }
            }
            syn::Item::Use(u) => {
                use_names(&u.tree, &mut here);
                None
            }
            syn::Item::ForeignMod(f) => {
                for foreign in &f.items {
                    match foreign {
                        syn::ForeignItem::Fn(i) => {
                            here.names.insert(i.sig.ident.to_string());
                        }
                        syn::ForeignItem::Static(i) => {
                            here.names.insert(i.ident.to_string());
                        }
                        syn::ForeignItem::Type(i) => {
                            here.names.insert(i.ident.to_string());
                        }
                        _ => here.open = true,
                    }
                }
                None
            }
            syn::Item::Verbatim(_) => {
                here.open = true;
                None
            }
            _ => None,
        };
        if let Some(name) = name {
            here.names.insert(name);
        }
    }
    out.push((module.join("::"), here));
}

pub(crate) fn use_names(tree: &syn::UseTree, out: &mut ModuleItems) {
    match tree {
        syn::UseTree::Path(p) => use_names(&p.tree, out),
        syn::UseTree::Name(n) if n.ident == "self" => out.open = true,
        syn::UseTree::Name(n) => {
            out.names.insert(n.ident.to_string());
        }
        syn::UseTree::Rename(r) => {
            out.names.insert(r.rename.to_string());
        }
        syn::UseTree::Glob(_) => out.open = true,
        syn::UseTree::Group(g) => {
            for item in &g.items {
                use_names(item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{write_bytes, write_tree};
    use super::*;

    /// (path, file, inline) of every module.
    fn summary(tree: &ModuleTree) -> Vec<(String, String, bool)> {
        tree.modules
            .iter()
            .map(|m| {
                (
                    m.path.clone(),
                    m.file.to_string_lossy().replace('\\', "/"),
                    m.inline,
                )
            })
            .collect()
    }

    fn m(path: &str, file: &str, inline: bool) -> (String, String, bool) {
        (path.to_owned(), file.to_owned(), inline)
    }

    fn module<'t>(tree: &'t ModuleTree, path: &str) -> &'t Module {
        tree.modules.iter().find(|m| m.path == path).unwrap()
    }

    /// The text of a module's declaration, read back from its file.
    fn declaration_text(root: &Path, module: &Module) -> String {
        let decl = module.declaration.as_ref().unwrap();
        let bytes = std::fs::read(root.join(&decl.file)).unwrap();
        String::from_utf8(bytes[decl.byte_range.clone()].to_vec()).unwrap()
    }

    fn name_text(root: &Path, module: &Module) -> String {
        let decl = module.declaration.as_ref().unwrap();
        let bytes = std::fs::read(root.join(&decl.file)).unwrap();
        String::from_utf8(bytes[decl.name_range.clone()].to_vec()).unwrap()
    }

    #[test]
    fn file_modules_in_2018_and_mod_rs_styles() {
        let lib = "//! Crate doc.\n\n/// Doc of a.\n#[allow(dead_code)]\npub mod a;\npub(crate) mod b;\nmod c;\nfn f() {}\n";
        let tmp = write_tree(&[
            ("src/lib.rs", lib),
            ("src/a.rs", "pub mod inner;\n"),
            ("src/a/inner.rs", "mod leaf;\n"),
            ("src/a/inner/leaf.rs", ""),
            ("src/b/mod.rs", "pub(super) mod leaf;\n"),
            ("src/b/leaf.rs", ""),
            ("src/c.rs", ""),
        ]);
        let root = tmp.path();
        let tree = module_tree(root, Path::new("src/lib.rs"));
        assert_eq!(tree.problems, []);
        assert_eq!(tree.crate_root, Path::new("src/lib.rs"));
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::a", "src/a.rs", false),
                m("crate::a::inner", "src/a/inner.rs", false),
                m("crate::a::inner::leaf", "src/a/inner/leaf.rs", false),
                m("crate::b", "src/b/mod.rs", false),
                m("crate::b::leaf", "src/b/leaf.rs", false),
                m("crate::c", "src/c.rs", false),
            ]
        );
        assert_eq!(tree.modules[0].declaration, None);
        let a = module(&tree, "crate::a");
        assert_eq!(
            a.declaration,
            Some(Declaration {
                file: PathBuf::from("src/lib.rs"),
                byte_range: 16..60,
                name_range: 58..59,
                visibility: "pub".to_owned(),
                path_attr: None,
            })
        );
        assert_eq!(
            declaration_text(root, a),
            "/// Doc of a.\n#[allow(dead_code)]\npub mod a;"
        );
        assert_eq!(name_text(root, a), "a");
        let b = module(&tree, "crate::b");
        assert_eq!(declaration_text(root, b), "pub(crate) mod b;");
        assert_eq!(b.declaration.as_ref().unwrap().visibility, "pub(crate)");
        let c = module(&tree, "crate::c");
        assert_eq!(declaration_text(root, c), "mod c;");
        assert_eq!(c.declaration.as_ref().unwrap().visibility, "");
        let leaf = module(&tree, "crate::b::leaf");
        assert_eq!(
            leaf.declaration.as_ref().unwrap().file,
            Path::new("src/b/mod.rs")
        );
        assert_eq!(declaration_text(root, leaf), "pub(super) mod leaf;");
        assert_eq!(leaf.declaration.as_ref().unwrap().visibility, "pub(super)");
    }

    #[test]
    fn a_bin_root_mounts_its_children_beside_it() {
        let tmp = write_tree(&[
            ("src/bin/tool/main.rs", "mod cli;\n"),
            ("src/bin/tool/cli.rs", ""),
            ("src/bin/single.rs", "mod util;\n"),
            ("src/bin/util.rs", ""),
        ]);
        let tree = module_tree(tmp.path(), Path::new("src/bin/tool/main.rs"));
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/bin/tool/main.rs", false),
                m("crate::cli", "src/bin/tool/cli.rs", false),
            ]
        );
        let tree = module_tree(tmp.path(), Path::new("src/bin/single.rs"));
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/bin/single.rs", false),
                m("crate::util", "src/bin/util.rs", false),
            ]
        );
    }

    #[test]
    fn inline_modules_put_their_children_in_a_subdirectory() {
        let lib = "pub mod outer {\n    pub mod deep;\n    mod nested {\n        mod leaf;\n    }\n}\nmod a;\n";
        let tmp = write_tree(&[
            ("src/lib.rs", lib),
            ("src/outer/deep.rs", ""),
            ("src/outer/nested/leaf.rs", ""),
            ("src/a.rs", "mod x {\n    mod y;\n}\n"),
            ("src/a/x/y.rs", ""),
        ]);
        let root = tmp.path();
        let tree = module_tree(root, Path::new("src/lib.rs"));
        assert_eq!(tree.problems, []);
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::outer", "src/lib.rs", true),
                m("crate::outer::deep", "src/outer/deep.rs", false),
                m("crate::outer::nested", "src/lib.rs", true),
                m(
                    "crate::outer::nested::leaf",
                    "src/outer/nested/leaf.rs",
                    false
                ),
                m("crate::a", "src/a.rs", false),
                m("crate::a::x", "src/a.rs", true),
                m("crate::a::x::y", "src/a/x/y.rs", false),
            ]
        );
        let outer = module(&tree, "crate::outer");
        assert_eq!(outer.declaration.as_ref().unwrap().byte_range, 0..76);
        assert_eq!(
            declaration_text(root, outer),
            "pub mod outer {\n    pub mod deep;\n    mod nested {\n        mod leaf;\n    }\n}"
        );
        let nested = module(&tree, "crate::outer::nested");
        assert_eq!(
            declaration_text(root, nested),
            "mod nested {\n        mod leaf;\n    }"
        );
        let deep = module(&tree, "crate::outer::deep");
        assert_eq!(declaration_text(root, deep), "pub mod deep;");
        assert_eq!(
            declaration_text(root, module(&tree, "crate::a::x::y")),
            "mod y;"
        );
    }

    #[test]
    fn path_attributes_follow_rustc() {
        let lib = r#"#[path = "other/thing.rs"]
mod thing;
mod a;
mod inl {
    #[path = "z.rs"]
    mod z;
}
#[path = "pdir"]
mod pinl {
    mod w;
}
"#;
        let tmp = write_tree(&[
            ("src/lib.rs", lib),
            // A `#[path]` file acts as a mod.rs: `sib` is its sibling.
            ("src/other/thing.rs", "mod sib;\n"),
            ("src/other/sib.rs", ""),
            // In a non-mod.rs file, `#[path]` is relative to the file's own directory…
            (
                "src/a.rs",
                "#[path = \"p.rs\"]\nmod q;\nmod i {\n    #[path = \"k.rs\"]\n    mod k;\n}\n",
            ),
            ("src/p.rs", ""),
            // …but inside an inline module, to the inline module's directory.
            ("src/a/i/k.rs", ""),
            ("src/inl/z.rs", ""),
            ("src/pdir/w.rs", ""),
        ]);
        let root = tmp.path();
        let tree = module_tree(root, Path::new("src/lib.rs"));
        assert_eq!(tree.problems, []);
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::thing", "src/other/thing.rs", false),
                m("crate::thing::sib", "src/other/sib.rs", false),
                m("crate::a", "src/a.rs", false),
                m("crate::a::q", "src/p.rs", false),
                m("crate::a::i", "src/a.rs", true),
                m("crate::a::i::k", "src/a/i/k.rs", false),
                m("crate::inl", "src/lib.rs", true),
                m("crate::inl::z", "src/inl/z.rs", false),
                m("crate::pinl", "src/lib.rs", true),
                m("crate::pinl::w", "src/pdir/w.rs", false),
            ]
        );
        let thing = module(&tree, "crate::thing");
        assert_eq!(
            thing.declaration.as_ref().unwrap().path_attr.as_deref(),
            Some("other/thing.rs")
        );
        assert_eq!(
            declaration_text(root, thing),
            "#[path = \"other/thing.rs\"]\nmod thing;"
        );
        assert_eq!(
            declaration_text(root, module(&tree, "crate::a::i::k")),
            "#[path = \"k.rs\"]\n    mod k;"
        );
    }

    #[test]
    fn cfg_gated_modules_are_all_mounted() {
        let lib = r#"#[cfg(unix)]
#[path = "imp/unix.rs"]
mod imp;
#[cfg(windows)]
#[path = "imp/windows.rs"]
mod imp;
#[cfg(test)]
mod tests;
#[cfg(feature = "x")]
pub mod feat {
    #[cfg(not(test))]
    pub mod deep;
}
"#;
        let tmp = write_tree(&[
            ("src/lib.rs", lib),
            ("src/imp/unix.rs", ""),
            ("src/imp/windows.rs", ""),
            ("src/tests.rs", ""),
            ("src/feat/deep.rs", ""),
        ]);
        let root = tmp.path();
        let tree = module_tree(root, Path::new("src/lib.rs"));
        assert_eq!(tree.problems, []);
        let cfgs: Vec<_> = tree
            .modules
            .iter()
            .map(|m| (m.path.as_str(), m.file.to_str().unwrap(), m.cfg.clone()))
            .collect();
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            cfgs,
            [
                ("crate", "src/lib.rs", s(&[])),
                ("crate::imp", "src/imp/unix.rs", s(&["#[cfg(unix)]"])),
                ("crate::imp", "src/imp/windows.rs", s(&["#[cfg(windows)]"])),
                ("crate::tests", "src/tests.rs", s(&["#[cfg(test)]"])),
                ("crate::feat", "src/lib.rs", s(&["#[cfg(feature = \"x\")]"])),
                (
                    "crate::feat::deep",
                    "src/feat/deep.rs",
                    s(&["#[cfg(feature = \"x\")]", "#[cfg(not(test))]"])
                ),
            ]
        );
        assert_eq!(
            declaration_text(root, &tree.modules[2]),
            "#[cfg(windows)]\n#[path = \"imp/windows.rs\"]\nmod imp;"
        );
    }

    #[test]
    fn a_path_set_by_cfg_attr_is_reported() {
        let lib = "#[cfg_attr(unix, path = \"unix_imp.rs\")]\nmod imp;\n";
        let tmp = write_tree(&[
            ("src/lib.rs", lib),
            ("src/imp.rs", ""),
            ("src/unix_imp.rs", ""),
        ]);
        let tree = module_tree(tmp.path(), Path::new("src/lib.rs"));
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::imp", "src/imp.rs", false)
            ]
        );
        assert_eq!(
            tree.problems,
            [ModuleProblem::ConditionalPath {
                module: "crate::imp".to_owned(),
                declared_in: PathBuf::from("src/lib.rs"),
                attribute: "#[cfg_attr(unix, path = \"unix_imp.rs\")]".to_owned(),
            }]
        );
        assert_eq!(
            declaration_text(tmp.path(), &tree.modules[1]),
            lib.trim_end()
        );
    }

    #[test]
    fn missing_ambiguous_and_circular_modules_are_reported() {
        let lib = "mod gone;\nmod both;\n#[path = \"nope.rs\"]\nmod nope;\n#[path = \"lib.rs\"]\nmod again;\nmod ok;\n";
        let tmp = write_tree(&[
            ("src/lib.rs", lib),
            ("src/both.rs", ""),
            ("src/both/mod.rs", ""),
            ("src/ok.rs", "mod child;\n"),
        ]);
        let tree = module_tree(tmp.path(), Path::new("src/lib.rs"));
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::ok", "src/ok.rs", false)
            ]
        );
        let p = PathBuf::from;
        assert_eq!(
            tree.problems,
            [
                ModuleProblem::Missing {
                    module: "crate::gone".to_owned(),
                    declared_in: p("src/lib.rs"),
                    byte_range: 0..9,
                    candidates: vec![p("src/gone.rs"), p("src/gone/mod.rs")],
                },
                ModuleProblem::Ambiguous {
                    module: "crate::both".to_owned(),
                    declared_in: p("src/lib.rs"),
                    byte_range: 10..19,
                    candidates: vec![p("src/both.rs"), p("src/both/mod.rs")],
                },
                ModuleProblem::Missing {
                    module: "crate::nope".to_owned(),
                    declared_in: p("src/lib.rs"),
                    byte_range: 20..49,
                    candidates: vec![p("src/nope.rs")],
                },
                ModuleProblem::Circular {
                    module: "crate::again".to_owned(),
                    file: p("src/lib.rs"),
                },
                ModuleProblem::Missing {
                    module: "crate::ok::child".to_owned(),
                    declared_in: p("src/ok.rs"),
                    byte_range: 0..10,
                    candidates: vec![p("src/ok/child.rs"), p("src/ok/child/mod.rs")],
                },
            ]
        );
        assert_eq!(&lib[20..49], "#[path = \"nope.rs\"]\nmod nope;");
    }

    #[test]
    fn unreadable_non_utf8_and_unparsable_files_are_reported() {
        let tmp = write_tree(&[
            ("src/lib.rs", "mod bad;\nmod broken;\nmod fine;\n"),
            ("src/broken.rs", "mod inner;\nfn f( {\n"),
            ("src/fine.rs", ""),
        ]);
        write_bytes(tmp.path(), "src/bad.rs", b"mod x;\n// caf\xe9\n");
        let tree = module_tree(tmp.path(), Path::new("src/lib.rs"));
        // The files are mounted (their modules are listed); what they declare is unknown.
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::bad", "src/bad.rs", false),
                m("crate::broken", "src/broken.rs", false),
                m("crate::fine", "src/fine.rs", false),
            ]
        );
        assert_eq!(tree.problems.len(), 2, "{:?}", tree.problems);
        assert_eq!(
            tree.problems[0],
            ModuleProblem::NotUtf8 {
                file: PathBuf::from("src/bad.rs")
            }
        );
        assert!(
            matches!(
                &tree.problems[1],
                ModuleProblem::Unparsable { file, line: 2, .. } if file == Path::new("src/broken.rs")
            ),
            "{:?}",
            tree.problems[1]
        );

        let tree = module_tree(tmp.path(), Path::new("src/main.rs"));
        assert_eq!(summary(&tree), [m("crate", "src/main.rs", false)]);
        assert!(matches!(
            &tree.problems[..],
            [ModuleProblem::Unreadable { file, .. }] if file == Path::new("src/main.rs")
        ));
    }

    #[test]
    fn byte_ranges_count_bytes_through_bom_crlf_and_multibyte_text() {
        let lib = "\u{feff}//! Café.\r\n/// Ünïcode doc — here.\r\npub(in crate) mod a;\r\n/** block é */ pub(crate) mod r#type { }\r\n";
        let tmp = write_tree(&[("src/lib.rs", lib), ("src/a.rs", "")]);
        let root = tmp.path();
        let tree = module_tree(root, Path::new("src/lib.rs"));
        assert_eq!(tree.problems, []);
        assert_eq!(
            summary(&tree),
            [
                m("crate", "src/lib.rs", false),
                m("crate::a", "src/a.rs", false),
                m("crate::r#type", "src/lib.rs", true),
            ]
        );
        let a = module(&tree, "crate::a");
        let start = lib.find("///").unwrap();
        let end = lib.find("a;").unwrap() + 2;
        assert_eq!(a.declaration.as_ref().unwrap().byte_range, start..end);
        assert_eq!(
            declaration_text(root, a),
            "/// Ünïcode doc — here.\r\npub(in crate) mod a;"
        );
        assert_eq!(a.declaration.as_ref().unwrap().visibility, "pub(in crate)");
        let raw = module(&tree, "crate::r#type");
        assert_eq!(
            declaration_text(root, raw),
            "/** block é */ pub(crate) mod r#type { }"
        );
        assert_eq!(name_text(root, raw), "r#type");
    }

    #[test]
    fn unparsable_positions_count_the_bom_and_characters() {
        // `é` is an identifier, so syn stops at `fn` (expecting `é!`): the BOM is column 1,
        // `é` column 2, `fn` column 4 although it is byte 6.
        let tmp = write_tree(&[("lib.rs", "\u{feff}é fn")]);
        let tree = module_tree(tmp.path(), Path::new("lib.rs"));
        assert!(
            matches!(
                &tree.problems[..],
                [ModuleProblem::Unparsable {
                    line: 1,
                    col: 4,
                    ..
                }]
            ),
            "{:?}",
            tree.problems
        );
    }

    #[test]
    fn a_package_reports_files_mounted_twice_or_not_at_all() {
        let tmp = write_tree(&[
            ("Cargo.toml", "[package]\nname = \"pkg\"\n"),
            (
                "src/lib.rs",
                "pub mod shared;\n#[path = \"shared.rs\"]\nmod alias;\n",
            ),
            ("src/main.rs", "mod shared;\nmod cli;\n"),
            ("src/shared.rs", ""),
            ("src/cli.rs", ""),
            ("src/orphan.rs", ""),
            ("src/old/gone.rs", ""),
            ("tests/it.rs", "mod common;\n"),
            ("tests/common/mod.rs", ""),
            ("tests/common/unused.rs", ""),
            // Neither a nested package nor build output is this package's business.
            ("nested/Cargo.toml", "[package]\nname = \"nested\"\n"),
            ("nested/src/lib.rs", ""),
            ("nested/src/stray.rs", ""),
            ("target/debug/build/out.rs", ""),
        ]);
        let root = tmp.path();
        let cargo = CargoTree::read(root).unwrap();
        let package = cargo.package_at(Path::new("")).unwrap();
        let modules = package_modules(root, &cargo, package).unwrap();
        let roots: Vec<_> = modules.trees.iter().map(|t| t.crate_root.clone()).collect();
        let p = PathBuf::from;
        assert_eq!(roots, [p("src/lib.rs"), p("src/main.rs"), p("tests/it.rs")]);
        assert_eq!(
            modules.unmounted,
            [
                p("src/old/gone.rs"),
                p("src/orphan.rs"),
                p("tests/common/unused.rs")
            ]
        );
        assert_eq!(
            modules.mounted_twice,
            [MountedTwice {
                file: p("src/shared.rs"),
                mounts: vec![
                    (p("src/lib.rs"), "crate::alias".to_owned()),
                    (p("src/lib.rs"), "crate::shared".to_owned()),
                    (p("src/main.rs"), "crate::shared".to_owned()),
                ],
            }]
        );
    }
}
