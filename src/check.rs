//! `regraft check`: the guard for pre-commit and CI.
//!
//! In: the tree, optional rules (their moves are the retired module paths), and optionally the
//! files to check (as pre-commit passes them; the module index always covers the whole tree).
//! Out: [`Diagnostic`]s, sorted by path and position. Reads; never writes.
//!
//! | code | finding |
//! | --- | --- |
//! | `RG001` | a reference (import, attribute chain, string, config token) to a module a rules file moved away |
//! | `RG002` | a project-internal import of a module that does not exist |
//! | `RG003` | `from m import name` where project module `m` neither defines, imports nor re-exports `name` |
//! | `RG004` | a conflict marker left by a merge |
//! | `RG005` | with `--against REF`: a public name a moved module had at REF that its new path no longer provides |
//!
//! Speed: only import statements are parsed, each on its own ([`crate::import_scan`]); the
//! rewrite scan behind `RG001` parses only files that mention a moved module.
//!
//! Imports of third-party and standard-library modules are never reported (their first name
//! is not a top-level module of the tree). Imports guarded by `try: … except ImportError` are
//! optional by design and not reported either (nor those a test expects to fail, under
//! `with raises(ImportError):`), and a module with `from x import *` or a
//! module-level `__getattr__` is assumed to define any name.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;
use tree_sitter::Node;

use crate::error::{Error, Result};
use crate::import_scan::import_statements;
use crate::line_index::LineIndex;
use crate::module_name::ModuleName;
use crate::parse::{dotted_name, imported_name, parse_python, relative_import, text};
use crate::plan::Scan;
use crate::references::{ModuleIndex, References};
use crate::resolve::{ImportRoots, ModuleMoves, resolve_relative};
use crate::rules::Rules;
use crate::walk::WalkedFile;

/// One finding, rendered as `path:line:col: CODE message`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Diagnostic {
    /// Root-relative path with `/`.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// `RG001` … `RG004` (see the module documentation).
    pub code: &'static str,
    /// What is wrong, and how to fix it.
    pub message: String,
}

/// Checks the tree at `root` (only `paths`, when given: root-relative files); with `against`
/// (a git revision), also audits the interface of every module that moved since then.
///
/// # Errors
/// Bad input (a path outside the root, bad rules, a revision git does not know) and I/O
/// failures.
pub fn check(
    root: &Path,
    rules: &Rules,
    paths: &[String],
    against: Option<&str>,
) -> Result<Vec<Diagnostic>> {
    let roots = ImportRoots::discover(root, &rules.python_roots);
    let moves = ModuleMoves::for_rules(root, &roots, rules)?;
    let files = rules.files(root)?;
    let index = ModuleIndex::build(&roots, &files);
    let selected: Option<HashSet<&str>> = if paths.is_empty() {
        None
    } else {
        Some(paths.iter().map(String::as_str).collect())
    };

    // RG001: whatever a plan of the retired moves would still rewrite.
    let mut diagnostics = Vec::new();
    let scan = Scan::new(root, &roots, &moves, &index, rules, &files)?;
    if !moves.moves().is_empty() || moves.renames_symbols() {
        for outcome in scan.files(&files, selected.as_ref())? {
            diagnostics.extend(outcome.rewrites.into_iter().map(|r| Diagnostic {
                path: r.file,
                line: r.line,
                col: r.col,
                code: "RG001",
                message: format!(
                    "`{}` refers to {}: write `{}`",
                    one_line(&r.old),
                    if r.kind == crate::rewrite::RefKind::Symbol {
                        "a renamed symbol"
                    } else {
                        "a module that moved"
                    },
                    one_line(&r.new)
                ),
            }));
        }
    }

    let references = scan.references();
    let checker = Checker {
        root,
        roots: &roots,
        index: &index,
        references,
    };
    let chosen: Vec<&WalkedFile> = files
        .iter()
        .filter(|f| !f.is_symlink)
        .filter(|f| {
            selected
                .as_ref()
                .is_none_or(|s| s.contains(f.path.as_str()))
        })
        .collect();
    let found: Vec<Vec<Diagnostic>> = chosen
        .par_iter()
        .map(|f| checker.file(&f.path))
        .collect::<Result<_>>()?;
    diagnostics.extend(found.into_iter().flatten());
    if let Some(rev) = against {
        diagnostics.extend(interface_audit(root, rules, &roots, references, rev)?);
    }
    // An import of a moved-away module is also an import of a missing one: say it once, with
    // the fix.
    let stale_at: HashSet<(String, usize, usize)> = diagnostics
        .iter()
        .filter(|d| d.code == "RG001")
        .map(|d| (d.path.clone(), d.line, d.col))
        .collect();
    diagnostics
        .retain(|d| d.code == "RG001" || !stale_at.contains(&(d.path.clone(), d.line, d.col)));
    diagnostics.sort();
    diagnostics.dedup();
    Ok(diagnostics)
}

/// `RG005`: every public top-level name of a module that moved since `rev` must still be
/// importable from the module's new path.
fn interface_audit(
    root: &Path,
    rules: &Rules,
    roots: &ImportRoots,
    references: &References<'_>,
    rev: &str,
) -> Result<Vec<Diagnostic>> {
    let git = crate::git::Git::detect(root)
        .ok_or_else(|| Error::Usage("--against needs a git work tree around --root".to_owned()))?;
    let dirs: Vec<(String, String)> = rules
        .moves
        .iter()
        .map(|m| (m.from.clone(), m.to.clone()))
        .collect();
    let mut out = Vec::new();
    for (old, new) in git.moved_since(rev, &dirs)? {
        let (Some(old_module), Some(new_module)) =
            (roots.module_of_file(&old), roots.module_of_file(&new))
        else {
            continue;
        };
        let before = git.show(rev, &old)?;
        // A module that could define anything then promised nothing checkable.
        let Some(names) = crate::import_scan::top_level_names(&before) else {
            continue;
        };
        let mut missing: Vec<&String> = names
            .iter()
            .filter(|n| !n.starts_with('_'))
            .filter(|n| !references.defines(&new_module, n))
            .collect();
        missing.sort();
        out.extend(missing.into_iter().map(|name| Diagnostic {
            path: new.clone(),
            line: 1,
            col: 1,
            code: "RG005",
            message: format!(
                "`{old_module}` had the public name `{name}` at {rev}; `{new_module}` no longer provides it"
            ),
        }));
    }
    Ok(out)
}

fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace('\n', " ")
}

struct Checker<'a> {
    root: &'a Path,
    roots: &'a ImportRoots,
    index: &'a ModuleIndex,
    references: &'a References<'a>,
}

impl Checker<'_> {
    fn file(&self, path: &str) -> Result<Vec<Diagnostic>> {
        let bytes = std::fs::read(self.root.join(path)).map_err(|e| Error::io(path, e))?;
        let mut out = Vec::new();
        if memchr::memmem::find(&bytes, b"<<<<<<< ").is_some()
            || memchr::memmem::find(&bytes, b">>>>>>> ").is_some()
        {
            out.extend(conflict_markers(path, &bytes));
        }
        let is_python = Path::new(path)
            .extension()
            .is_some_and(|e| e == "py" || e == "pyi");
        if !is_python || memchr::memchr(0, &bytes).is_some() {
            return Ok(out);
        }
        let Ok(source) = String::from_utf8(bytes) else {
            return Ok(out);
        };
        let lines = LineIndex::new(&source);
        let package = self.roots.package_of_file(path);
        // Only the import statements are parsed, each on its own (see `import_scan`).
        for statement in import_statements(&source) {
            if statement.optional {
                continue;
            }
            let tree = parse_python(statement.text);
            let Some(node) = tree.root_node().named_child(0) else {
                continue;
            };
            if !matches!(node.kind(), "import_statement" | "import_from_statement")
                || node.has_error()
            {
                continue;
            }
            for (offset, message, code) in self.import(node, statement.text, package.as_ref()) {
                let at = lines.position(&source, statement.start + offset);
                out.push(Diagnostic {
                    path: path.to_owned(),
                    line: at.line,
                    col: at.col,
                    code,
                    message,
                });
            }
        }
        Ok(out)
    }

    /// The findings of one import statement: (offset, message, code).
    fn import(
        &self,
        stmt: Node<'_>,
        source: &str,
        package: Option<&ModuleName>,
    ) -> Vec<(usize, String, &'static str)> {
        let mut found = Vec::new();
        if stmt.kind() == "import_statement" {
            let mut c = stmt.walk();
            for name in stmt.children_by_field_name("name", &mut c) {
                let Some(node) = imported_name(name) else {
                    continue;
                };
                if let Some(module) = dotted_name(node, source)
                    && self.is_internal(&module)
                    && !self.index.contains(&module)
                {
                    found.push((node.start_byte(), missing_module(&module), "RG002"));
                }
            }
            return found;
        }
        let Some(module_node) = stmt.child_by_field_name("module_name") else {
            return found;
        };
        let module = if module_node.kind() == "relative_import" {
            let (dots, name) = relative_import(module_node, source);
            let Some(module) =
                resolve_relative(package, dots, name.as_ref().map(ModuleName::as_str))
            else {
                found.push((
                    module_node.start_byte(),
                    format!(
                        "relative import `{}` climbs above the top-level package",
                        text(module_node, source)
                    ),
                    "RG002",
                ));
                return found;
            };
            module
        } else {
            let Some(module) = dotted_name(module_node, source) else {
                return found;
            };
            if !self.is_internal(&module) {
                return found;
            }
            module
        };
        if !self.index.contains(&module) {
            found.push((module_node.start_byte(), missing_module(&module), "RG002"));
            return found;
        }
        let mut c = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut c) {
            let Some(node) = imported_name(name) else {
                continue;
            };
            let imported = text(node, source);
            if !self.references.defines(&module, imported) {
                found.push((
                    node.start_byte(),
                    format!("`{module}` has no `{imported}`: it neither defines, imports nor re-exports it, and it is no submodule"),
                    "RG003",
                ));
            }
        }
        found
    }

    /// True for a module of the project (its first name is a top-level module of the tree).
    fn is_internal(&self, module: &ModuleName) -> bool {
        module
            .components()
            .next()
            .is_some_and(|top| self.index.is_project_top_level(top))
    }
}

fn missing_module(module: &ModuleName) -> String {
    format!("no module `{module}` in the project")
}

/// `RG004` for each conflict marker of a file.
fn conflict_markers(path: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    crate::merge::conflict_markers(&String::from_utf8_lossy(bytes))
        .into_iter()
        .map(|(line, what)| Diagnostic {
            path: path.to_owned(),
            line,
            col: 1,
            code: "RG004",
            message: format!("conflict marker ({what}) left by a merge: resolve the conflict"),
        })
        .collect()
}
