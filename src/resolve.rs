//! The moves of a run: from old paths and module names to new ones.
//!
//! In: the root, its import roots ([`ImportRoots`], from [`crate::lang::python::roots`]) and
//! the validated directory moves and renames. Out: [`ModuleMoves`] (old module → new module,
//! old path → new path, renamed symbols). Invariant: every name produced here is absolute;
//! nothing here reads file contents.

use std::path::Path;

use crate::error::{Error, Result};
use crate::lang::python::module_name::ModuleName;
use crate::lang::python::roots::ImportRoots;
use crate::rules::{DirMove, Rename, is_within};

/// A directory move seen as a module move.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModuleMove {
    /// The directories.
    #[serde(flatten)]
    pub dirs: DirMove,
    /// The module the source directory is.
    pub from_module: ModuleName,
    /// The module the destination directory will be.
    pub to_module: ModuleName,
}

/// Every move of a run, as paths and as module names, and the run's symbol renames.
#[derive(Debug, Clone)]
pub struct ModuleMoves {
    moves: Vec<ModuleMove>,
    symbols: Vec<Rename>,
}

impl ModuleMoves {
    /// The moves and renames a rules request asks for: its `[[move]]`s, its module renames
    /// (as moves of the module's file or package directory) and its symbol renames.
    ///
    /// # Errors
    /// As [`ModuleMoves::new`]; [`Error::Usage`] for a renamed module the tree does not have.
    pub fn for_rules(
        root: &Path,
        roots: &ImportRoots,
        rules: &crate::rules::Rules,
    ) -> Result<Self> {
        let mut dirs = rules.moves.clone();
        let mut symbols = Vec::new();
        for rename in &rules.renames {
            if rename.from_symbol.is_some() {
                symbols.push(rename.clone());
                continue;
            }
            let found = roots.dirs().iter().find_map(|r| {
                let path = |m: &ModuleName| {
                    let rel = m.components().collect::<Vec<_>>().join("/");
                    if r.is_empty() {
                        rel
                    } else {
                        format!("{r}/{rel}")
                    }
                };
                let (old, new) = (path(&rename.from_module), path(&rename.to_module));
                let file = |p: &str| root.join(format!("{p}.py")).is_file();
                if file(&old) || file(&new) {
                    Some(DirMove {
                        from: format!("{old}.py"),
                        to: format!("{new}.py"),
                        rule: None,
                    })
                } else if root.join(&old).is_dir() || root.join(&new).is_dir() {
                    Some(DirMove {
                        from: old,
                        to: new,
                        rule: None,
                    })
                } else {
                    None
                }
            });
            dirs.push(found.ok_or_else(|| {
                Error::Usage(format!(
                    "[[rename]] `{}`: the tree has no such module (nor `{}`)",
                    rename.from_module, rename.to_module
                ))
            })?);
        }
        let mut moves = Self::new(roots, &dirs)?;
        moves.symbols = symbols;
        Ok(moves)
    }

    /// Where symbol `name` of `module` goes, when a `[[rename]]` renames it: its new module
    /// and name. Rules may name the module before or after the run's moves.
    pub fn rename_symbol(&self, module: &ModuleName, name: &str) -> Option<(ModuleName, String)> {
        let module = self.map_or_same(module);
        self.symbols
            .iter()
            .find(|r| {
                r.from_symbol.as_deref() == Some(name) && self.map_or_same(&r.from_module) == module
            })
            .map(|r| {
                (
                    self.map_or_same(&r.to_module),
                    r.to_symbol.clone().unwrap_or_default(),
                )
            })
    }

    /// The old names of the symbols the run renames.
    pub fn renamed_symbols(&self) -> impl Iterator<Item = &str> {
        self.symbols.iter().filter_map(|r| r.from_symbol.as_deref())
    }

    /// True when the run renames symbols.
    pub fn renames_symbols(&self) -> bool {
        !self.symbols.is_empty()
    }

    /// Turns directory moves into module moves.
    ///
    /// # Errors
    /// [`Error::BadPath`] when a directory is not a module path under an import root
    /// (`my-pkg` is not an identifier, or the directory is an import root itself).
    pub fn new(roots: &ImportRoots, dirs: &[DirMove]) -> Result<Self> {
        // A directory is a package; a `.py` file a single module (a module move or rename).
        let module = |what, dir: &str| {
            let found = if is_module_file(dir) {
                roots.module_of_file(dir)
            } else {
                roots.module_of_dir(dir)
            };
            found.ok_or_else(|| match roots.shadowed_stdlib_name(dir) {
                Some(name) => Error::bad_path(
                    what,
                    dir,
                    format!(
                        "would be the top-level module `{name}`, which is the standard \
                         library's: the root holds __init__.py, so it lies inside a package and \
                         `import {name}` there means the standard library\n\
                         help: pass --root with the directory that holds the top-level package"
                    ),
                ),
                None => Error::bad_path(
                    what,
                    dir,
                    "is not a Python package path under an import root (each directory name \
                     must be an identifier)",
                ),
            })
        };
        let moves = dirs
            .iter()
            .map(|d| {
                Ok(ModuleMove {
                    from_module: module("SRC", &d.from)?,
                    to_module: module("DST", &d.to)?,
                    dirs: d.clone(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            moves,
            symbols: Vec::new(),
        })
    }

    /// The moves, in the order given.
    pub fn moves(&self) -> &[ModuleMove] {
        &self.moves
    }

    /// The move whose source module contains `module`, if any (moves never nest).
    pub fn move_of(&self, module: &ModuleName) -> Option<&ModuleMove> {
        self.moves.iter().find(|m| module.is_within(&m.from_module))
    }

    /// Where `module` lives after the moves; `None` when it does not move.
    pub fn map(&self, module: &ModuleName) -> Option<ModuleName> {
        let m = self.move_of(module)?;
        module.replace_prefix(&m.from_module, &m.to_module)
    }

    /// [`ModuleMoves::map`], or the name itself when it does not move.
    pub fn map_or_same(&self, module: &ModuleName) -> ModuleName {
        self.map(module).unwrap_or_else(|| module.clone())
    }

    /// Where the file at root-relative `path` lives after the moves; `None` when it stays.
    pub fn map_path(&self, path: &str) -> Option<String> {
        self.moves
            .iter()
            .find(|m| {
                is_within(path, &m.dirs.from)
                    && (path != m.dirs.from || is_module_file(&m.dirs.from))
            })
            .map(|m| format!("{}{}", m.dirs.to, &path[m.dirs.from.len()..]))
    }
}

/// True for a path that names a single-module file (`a/b/old.py`) rather than a package.
pub fn is_module_file(path: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e == "py" || e == "pyi")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> ModuleName {
        ModuleName::new(s).unwrap()
    }

    fn roots(list: &[&str]) -> ImportRoots {
        ImportRoots::from_dirs(list)
    }

    #[test]
    fn moves_map_modules_and_paths() {
        let dirs = [DirMove {
            from: "backtester_v2/market_regime".into(),
            to: "backtester_v2/strategies/market_regime".into(),
            rule: None,
        }];
        let moves = ModuleMoves::new(&roots(&[""]), &dirs).unwrap();
        assert_eq!(
            moves.map(&m("backtester_v2.market_regime.models.hmm")),
            Some(m("backtester_v2.strategies.market_regime.models.hmm"))
        );
        assert_eq!(moves.map(&m("backtester_v2.market_regime_legacy")), None);
        assert_eq!(
            moves
                .map_path("backtester_v2/market_regime/data/t.yaml")
                .as_deref(),
            Some("backtester_v2/strategies/market_regime/data/t.yaml")
        );
        assert_eq!(
            moves.map_path("backtester_v2/market_regime_legacy.py"),
            None
        );
    }

    #[test]
    fn a_directory_that_is_not_a_package_path_is_refused() {
        let dirs = [DirMove {
            from: "my-lib/core".into(),
            to: "lib/core".into(),
            rule: None,
        }];
        let err = ModuleMoves::new(&roots(&[""]), &dirs).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("SRC `my-lib/core`: is not a Python package path")
        );
    }
}
