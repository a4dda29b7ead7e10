//! Python: module names, the tree-sitter parser, the import rewriter, references written as
//! text, the definitions a merge must keep, and the standard library's names.
//!
//! In the order a run meets them: [`module_name`] and [`stdlib`] (what a module is),
//! [`parse`] and [`import_scan`] (reading a file, whole or just its imports), [`rewrite`]
//! (a file's references → [`crate::lang::Change`]s), [`references`] (module and file paths
//! written in strings and in text files), [`definitions`] (what a merge lost), [`init_union`] (merging package inits), [`check`] (`RG002`, `RG003`).

pub mod check;
pub mod definitions;
pub mod import_scan;
pub mod init_union;
pub mod module_name;
pub mod parse;
pub mod references;
pub mod rewrite;
pub mod roots;
pub mod stdlib;

use std::path::Path;

use memchr::memmem;

use crate::lang::{FileCheck, FileRewrite, Language, Run};
use crate::resolve::ModuleMoves;
use parse::{first_syntax_error, parse_python};
use rewrite::{FileContext, rewrite_python};

/// Python, as the language-free stages see it (see [`Language`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Python;

impl Language for Python {
    /// `.py` and `.pyi` files.
    fn owns(&self, path: &str) -> bool {
        crate::resolve::is_module_file(path)
    }

    /// The last component of each moved module (a reference from outside must spell it), and
    /// each renamed symbol.
    fn needles<'m>(&self, moves: &'m ModuleMoves) -> Vec<&'m str> {
        moves
            .moves()
            .iter()
            .map(|m| m.from_module.leaf())
            .chain(moves.renamed_symbols())
            .collect()
    }

    /// True when the text has `from` followed (after blanks or line continuations) by two
    /// dots: the only relative import that can reach above the directory the file moves
    /// with. A file directly in a moved directory reaches that directory with one dot, which
    /// moves with it. (Strings and comments that look so are parsed needlessly, never
    /// missed.)
    fn moved_file_may_change(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        memmem::find_iter(bytes, b"from").any(|at| {
            let rest = &bytes[at + 4..];
            let skipped = rest
                .iter()
                .take_while(|b| b.is_ascii_whitespace() || **b == b'\\')
                .count();
            rest[skipped..].starts_with(b"..")
        })
    }

    fn rewrite(&self, run: &Run<'_>, path: &str, new_path: &str, text: &str) -> FileRewrite {
        // A file outside SRC can only refer to what moves where it spells a moved name, so
        // only the top-level statements up to its last mention need parsing. (Files in SRC
        // have relative imports, and a symbol rename renames through its whole module.)
        let parsed_len = if run.moves.map_path(path).is_none() && !run.moves.renames_symbols() {
            let last = self
                .needles(run.moves)
                .iter()
                .filter_map(|n| crate::lang::last_whole_name(text.as_bytes(), n))
                .max()
                .unwrap_or(0);
            import_scan::top_level_boundary_after(text, last)
        } else {
            text.len()
        };
        let cx = FileContext {
            package: run.roots.package_of_file(path),
            new_package: run.roots.package_of_file(new_path),
            moves: run.moves,
            references: Some(run.references),
            module: run.roots.module_of_file(path),
            text: run.text,
        };
        let tree = parse_python(&text[..parsed_len]);
        let rewritten = rewrite_python(text, &tree, &cx);
        // A file that does not parse is never rewritten, not even outside the broken
        // statement: what tree-sitter recovered around it may not be what Python reads. When
        // only a prefix was parsed and there is something to rewrite, the rest is checked too.
        let syntax_error = first_syntax_error(&tree).or_else(|| {
            // The rest starts at a top-level statement: it parses on its own.
            (parsed_len < text.len() && !rewritten.changes.is_empty())
                .then(|| first_syntax_error(&parse_python(&text[parsed_len..])))
                .flatten()
                .map(|offset| parsed_len + offset)
        });
        FileRewrite {
            changes: rewritten.changes,
            problems: rewritten.problems,
            syntax_error,
        }
    }

    fn audit_merge(
        &self,
        base: Option<&str>,
        dst: &str,
        src: &str,
        merged: &str,
    ) -> Option<definitions::MergeAudit> {
        Some(definitions::audit_merge(base, dst, src, merged))
    }

    /// `__init__.py` files of imports, `__all__` and docstrings only (see [`init_union`]).
    fn union_merge(&self, path: &str, dst: &str, src: &str) -> Option<String> {
        let is_init = Path::new(path)
            .file_name()
            .is_some_and(|n| n == "__init__.py");
        if is_init {
            init_union::union_of_init_files(dst, src)
        } else {
            None
        }
    }

    fn checker<'a>(&self, run: Run<'a>) -> Box<dyn FileCheck + 'a> {
        Box::new(check::Checker::new(run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_file_is_parsed_when_a_relative_import_may_climb_out() {
        let climbs = [
            "from ..common import clock\n",
            "from ...core.db import session\n",
            "from .. import settings\n",
            "import os\nfrom \\\n    ..common import clock\n",
            "from\t..common import clock\n",
        ];
        for text in climbs {
            assert!(Python.moved_file_may_change(text), "{text:?}");
        }
    }

    #[test]
    fn a_moved_file_with_only_sibling_imports_is_left_unparsed() {
        let stays = [
            "from . import features\nfrom .windows import rolling\n",
            "import numpy as np\n\ndef f():\n    return ...\n",
            "from __future__ import annotations\nfrom .x import y\n",
            "",
        ];
        for text in stays {
            assert!(!Python.moved_file_may_change(text), "{text:?}");
        }
    }
}
