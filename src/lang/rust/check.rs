//! `regraft check` for Rust (issue #12 point 6), without running cargo.
//!
//! In: the tree root, the Rust moves a rules file retired, and which files to report on.
//! Out: diagnostics:
//! - `RG001` for every path that still names a module a retired move took away (with the
//!   fix: the rewrite `apply` would make), read by `paths` against the tree as it
//!   is plus the old names;
//! - `RG002` for a `mod x;` with no file, and for a `crate::`, `self::` or `super::` path
//!   whose next segment is neither a module nor an item of the module it reaches (a module
//!   with a glob import or an item-level macro call could define anything, so it is not
//!   judged).
//!
//! Every crate of every package is read once (the crates, and the files of each, on all
//! cores); the findings are kept only for the files asked for.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use syn::visit::Visit;

use super::cargo::CargoTree;
use super::module_tree::{ModuleProblem, ModuleTree, module_tree};
use super::paths::{ModPath, ModuleSet, Relocation, Tree, Vantage, rewrite_file};
use super::source::Source;
use super::{below_crate, slash_path};
use crate::check::{Code, Diagnostic};
use crate::line_index::LineIndex;

/// One retired Rust move of a rules file: (SRC, DST), root-relative.
pub type RetiredMove = (String, String);

/// The Rust findings of the tree at `root`, for `selected` files (all when `None`).
///
/// # Errors
/// Only a failure to walk the tree; unreadable or unparsable files are skipped (the compiler
/// reports them better).
pub fn check<S: std::hash::BuildHasher>(
    root: &Path,
    retired: &[RetiredMove],
    selected: Option<&HashSet<&str, S>>,
) -> crate::error::Result<Vec<Diagnostic>> {
    let cargo = CargoTree::read(root).map_err(|e| crate::error::Error::Usage(e.to_string()))?;
    let wanted = |file: &str| selected.is_none_or(|s| s.contains(file));
    let mut targets = Vec::new();
    let mut seen_roots = HashSet::new();
    for package in &cargo.packages {
        for target in &package.targets {
            if seen_roots.insert(target.root.clone()) {
                targets.push((package, &target.root));
            }
        }
    }
    // One module tree per crate (with what each module defines), the crates on all cores.
    let indexes: Vec<(&super::cargo::Package, ModuleTree)> = targets
        .into_par_iter()
        .map(|(package, crate_root)| (package, module_tree(root, crate_root)))
        .collect();

    let mut out = Vec::new();
    let mut checked: HashSet<PathBuf> = HashSet::new();
    for (package, index) in &indexes {
        // A module whose file a `#[cfg_attr(…, path = "…")]` picks has no default file to
        // miss.
        let conditional: HashSet<&str> = index
            .problems
            .iter()
            .filter_map(|p| match p {
                ModuleProblem::ConditionalPath { module, .. } => Some(module.as_str()),
                _ => None,
            })
            .collect();
        for problem in &index.problems {
            if let ModuleProblem::Missing {
                module,
                declared_in,
                byte_range,
                candidates,
            } = problem
            {
                let file = slash_path(declared_in);
                if !wanted(&file) || conditional.contains(module.as_str()) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(root.join(declared_in)) else {
                    continue;
                };
                let lines = LineIndex::new(&text);
                let start = lines.position(&text, byte_range.start);
                let end = lines.position(&text, byte_range.end);
                let looked: Vec<String> = candidates.iter().map(|c| slash_path(c)).collect();
                out.push(Diagnostic::new(
                    &file,
                    start,
                    end,
                    Code::MissingModule,
                    format!(
                        "`{module}` has no file (looked for {})",
                        looked.join(" and ")
                    ),
                ));
            }
        }
        let files: Vec<(String, ModPath)> = index
            .modules
            .iter()
            .filter(|m| !m.inline && checked.insert(m.file.clone()))
            .map(|m| (slash_path(&m.file), below_crate(&m.path)))
            .filter(|(f, _)| wanted(f))
            .collect();
        let retired_here: Vec<Tree> = retired_relocations(index, retired)
            .into_iter()
            .map(|relocation| retired_tree(index, relocation))
            .collect();
        let crate_name = package.crate_name();
        let found: Vec<Vec<Diagnostic>> = files
            .par_iter()
            .map(|(file, module)| check_file(root, index, file, module, &retired_here, &crate_name))
            .collect();
        out.extend(found.into_iter().flatten());
    }
    Ok(out)
}

/// The retired moves that concern this crate, as module relocations: DST is one of its
/// modules today.
fn retired_relocations(index: &ModuleTree, retired: &[RetiredMove]) -> Vec<Relocation> {
    let crate_dir = slash_path(index.crate_root.parent().unwrap_or(Path::new("")));
    let module_of = |path: &str| -> Option<ModPath> {
        let rest = path.trim_end_matches(".rs");
        let rest = if crate_dir.is_empty() {
            rest
        } else {
            rest.strip_prefix(&crate_dir)?.strip_prefix('/')?
        };
        Some(rest.split('/').map(str::to_owned).collect())
    };
    retired
        .iter()
        .filter_map(|(from, to)| {
            let (from, to) = (module_of(from)?, module_of(to)?);
            let exists = index.items.contains_key(&to.join("::"));
            exists.then_some(Relocation { from, to })
        })
        .collect()
}

/// The crate as a retired move left it (`new`: today) and as its old names still describe it
/// (`old`: today plus the moved modules at their old place, and the old place's parents).
fn retired_tree(index: &ModuleTree, relocation: Relocation) -> Tree {
    let current: Vec<ModPath> = index.items.keys().map(|k| split_key(k)).collect();
    let mut old: Vec<ModPath> = current.clone();
    old.extend(
        current
            .iter()
            .filter(|m| m.starts_with(&relocation.to))
            .map(|m| {
                let mut back = relocation.from.clone();
                back.extend_from_slice(&m[relocation.to.len()..]);
                back
            }),
    );
    old.extend((1..relocation.from.len()).map(|n| relocation.from[..n].to_vec()));
    Tree {
        old: ModuleSet::new(old),
        new: ModuleSet::new(current),
        relocation,
    }
}

fn check_file(
    root: &Path,
    index: &ModuleTree,
    file: &str,
    module: &[String],
    retired: &[Tree],
    crate_name: &str,
) -> Vec<Diagnostic> {
    let Ok(text) = std::fs::read_to_string(root.join(file)) else {
        return Vec::new();
    };
    let source = Source::new(PathBuf::from(file), text);
    let Ok(parsed) = syn::parse_file(&source.text) else {
        proc_macro2::extra::invalidate_current_thread_spans();
        return Vec::new();
    };
    let full_text = source.file_text();
    let lines = LineIndex::new(&full_text);
    let position = |offset: usize| lines.position(&full_text, offset);
    let mut out = Vec::new();
    let mut stale_ranges = Vec::new();

    // RG001: paths that a retired move would still rewrite.
    for tree in retired {
        let vantage = Vantage::Own {
            module: module.to_vec(),
            doc_names: vec![crate_name.to_owned()],
        };
        let result = rewrite_file(tree, &vantage, &source, &parsed);
        for change in result.changes {
            stale_ranges.push(change.range.clone());
            let (old_text, new_text) = change.old_and_new(&full_text);
            let start = position(change.range.start);
            let end = position(change.range.end);
            out.push(Diagnostic {
                fix: Some(crate::check::Fix {
                    replacement: new_text.clone(),
                    start,
                    end,
                }),
                ..Diagnostic::new(
                    file,
                    start,
                    end,
                    Code::StaleReference,
                    format!(
                        "`{}` refers to a module that moved: write `{}`",
                        old_text.replace('\n', " "),
                        new_text.replace('\n', " ")
                    ),
                )
            });
        }
    }

    // RG002: paths from the crate root or the file's module to what is not there.
    let mut finder = MissingPaths {
        index,
        source: &source,
        scope: module.to_vec(),
        found: Vec::new(),
    };
    finder.visit_file(&parsed);
    // A stale path is also a path to what is not there: it is said once, with its fix.
    let stale = |r: &std::ops::Range<usize>| {
        stale_ranges
            .iter()
            .any(|s| s.start <= r.start && r.end <= s.end)
    };
    for (range, message) in finder.found.into_iter().filter(|(r, _)| !stale(r)) {
        out.push(Diagnostic::new(
            file,
            position(range.start),
            position(range.end),
            Code::MissingModule,
            message,
        ));
    }
    drop(parsed);
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

fn split_key(key: &str) -> ModPath {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split("::").map(str::to_owned).collect()
    }
}

/// Finds `crate::`/`self::`/`super::` paths to what is not there.
struct MissingPaths<'a> {
    index: &'a ModuleTree,
    source: &'a Source,
    scope: ModPath,
    found: Vec<(std::ops::Range<usize>, String)>,
}

impl MissingPaths<'_> {
    /// `names` is the written path; `is_use` when it is a `use` leaf (its last segment must
    /// exist too).
    fn judge(&mut self, names: &[(String, std::ops::Range<usize>)], is_use: bool) {
        let Some((first, _)) = names.first() else {
            return;
        };
        let (mut module, mut at) = match first.as_str() {
            "crate" => (Vec::new(), 1),
            "self" => (self.scope.clone(), 1),
            "super" => {
                let ups = names.iter().take_while(|(n, _)| n == "super").count();
                let Some(kept) = self.scope.len().checked_sub(ups) else {
                    let range = names[0].1.start..names[ups - 1].1.end;
                    self.found
                        .push((range, "`super` climbs above the crate root".to_owned()));
                    return;
                };
                (self.scope[..kept].to_vec(), ups)
            }
            _ => return,
        };
        while let Some((name, range)) = names.get(at) {
            let is_last = at + 1 == names.len();
            if is_last && !is_use {
                return; // an item, a value or a macro: the compiler says it better
            }
            let key = module.join("::");
            let Some(items) = self.index.items.get(&key) else {
                return;
            };
            let mut child = module.clone();
            child.push(name.clone());
            if self.index.items.contains_key(&child.join("::")) {
                module = child;
                at += 1;
                continue;
            }
            if !items.open && !items.names.contains(name) {
                let shown = if key.is_empty() {
                    "crate".to_owned()
                } else {
                    format!("crate::{key}")
                };
                self.found.push((
                    range.clone(),
                    format!("no module or item `{name}` in `{shown}`"),
                ));
            }
            return;
        }
    }

    fn use_tree(
        &mut self,
        tree: &syn::UseTree,
        prefix: &mut Vec<(String, std::ops::Range<usize>)>,
    ) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push((p.ident.to_string(), self.source.span(p.ident.span())));
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => self.judge(prefix, true),
            syn::UseTree::Name(n) => {
                prefix.push((n.ident.to_string(), self.source.span(n.ident.span())));
                self.judge(prefix, true);
                prefix.pop();
            }
            syn::UseTree::Rename(r) if r.ident == "self" => self.judge(prefix, true),
            syn::UseTree::Rename(r) => {
                prefix.push((r.ident.to_string(), self.source.span(r.ident.span())));
                self.judge(prefix, true);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.judge(prefix, true),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(item, prefix);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for MissingPaths<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if item.leading_colon.is_none() {
            self.use_tree(&item.tree, &mut Vec::new());
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if let Some((_, items)) = &item.content {
            self.scope.push(item.ident.to_string());
            for inner in items {
                self.visit_item(inner);
            }
            self.scope.pop();
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() && path.segments.len() >= 2 {
            let names: Vec<(String, std::ops::Range<usize>)> = path
                .segments
                .iter()
                .map(|s| (s.ident.to_string(), self.source.span(s.ident.span())))
                .collect();
            self.judge(&names, false);
        }
        syn::visit::visit_path(self, path);
    }
}
