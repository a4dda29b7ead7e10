//! Where a language plugs in: everything regraft knows about one programming language lives
//! in a folder under `lang/`, and the language-free stages (walk, plan, apply and journal, git,
//! merge, report, cli) reach it through this module.
//!
//! Today there is one language, [`python`]. A new one is a folder beside it, a `pub mod`
//! line here and an entry in [`LANGUAGES`].
//!
//! The seam still names a few Python types: [`Run`] lends the Python import roots, module
//! index and reference resolver, and merge audits report Python's
//! [`python::definitions::LostDefinition`]; [`RefKind`] lists Python's kinds of reference.

use std::ops::Range;
use std::path::Path;

use crate::check::Diagnostic;
use crate::edit::{Edit, FileEdits};
use crate::lang::python::references::{ModuleIndex, References};
use crate::lang::python::roots::ImportRoots;
use crate::resolve::ModuleMoves;
use crate::rules::TextOptions;

pub mod python;
pub mod rust;

/// The languages regraft knows, in the order a file is offered to them.
pub const LANGUAGES: &[&dyn Language] = &[&python::Python];

/// The language that owns the file at `path` (root-relative, `/`-separated), if any.
pub fn language_of(path: &str) -> Option<&'static dyn Language> {
    LANGUAGES.iter().copied().find(|lang| lang.owns(path))
}

/// True for a byte that can continue an identifier: an ASCII letter, digit or `_`, or any
/// byte of a non-ASCII character.
fn continues_name(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || !byte.is_ascii()
}

/// True when the match of `needle_len` bytes at `at` in `bytes` is a whole name: no byte
/// that could continue an identifier touches it on either side. `utils` is mentioned as a
/// whole name by `django.utils` and `"django/utils/x.py"`, not by `test_utils`, which
/// cannot refer to the module.
fn is_whole_name(bytes: &[u8], at: usize, needle_len: usize) -> bool {
    let before = at.checked_sub(1).map(|i| bytes[i]);
    let after = bytes.get(at + needle_len).copied();
    !before.is_some_and(continues_name) && !after.is_some_and(continues_name)
}

/// True when `bytes` mention `needle` (a [`Language::needles`] finder) as a whole name.
pub fn mentions_whole_name(bytes: &[u8], needle: &memchr::memmem::Finder<'_>) -> bool {
    needle
        .find_iter(bytes)
        .any(|at| is_whole_name(bytes, at, needle.needle().len()))
}

/// Where `bytes` last mention `needle` as a whole name.
pub fn last_whole_name(bytes: &[u8], needle: &str) -> Option<usize> {
    memchr::memmem::rfind_iter(bytes, needle.as_bytes())
        .find(|&at| is_whole_name(bytes, at, needle.len()))
}

/// What a language hands the language-free stages ([`crate::plan`], [`crate::check`],
/// [`crate::categorize`]).
///
/// A trait rather than an enum: each language keeps its code in its own folder, and the
/// stages hold `&dyn Language` without a `match` to grow for every new language.
pub trait Language: Sync {
    /// Whether the file at `path` (root-relative, `/`-separated) is one of this language's.
    fn owns(&self, path: &str) -> bool;

    /// The names one of which a file must contain to refer to something `moves` moves or
    /// renames. A file outside the moved directories that contains none of them as a whole
    /// name ([`mentions_whole_name`]) is neither parsed nor rewritten.
    fn needles<'m>(&self, moves: &'m ModuleMoves) -> Vec<&'m str>;

    /// Whether `text`, a file that moves with its directory and contains none of the
    /// needles, may still hold a reference that the move breaks (for Python, a relative
    /// import that climbs out of the directory). A file that gives `false` moves as it is,
    /// unparsed; so the answer must err towards `true`.
    fn moved_file_may_change(&self, text: &str) -> bool;

    /// The references of one file (`text`, at `path`, going to `new_path`) that the run
    /// changes. Reads nothing from disk.
    fn rewrite(&self, run: &Run<'_>, path: &str, new_path: &str, text: &str) -> FileRewrite;

    /// The audit of a merge: the definitions of either side that the merged text lacks, and
    /// where a result without markers stops parsing (a merge whose result does not parse is
    /// never called clean). `None` when the language does not audit its merges.
    fn audit_merge(
        &self,
        base: Option<&str>,
        dst: &str,
        src: &str,
        merged: &str,
    ) -> Option<python::definitions::MergeAudit>;

    /// The union of two copies (`dst`, `src`) of the file at `path` that exists on both sides
    /// of a merge, when the language knows one that needs no markers (Python: `__init__.py`
    /// files of imports and `__all__`). `None` leaves the file to a line merge.
    fn union_merge(&self, path: &str, dst: &str, src: &str) -> Option<String>;

    /// This language's checks for one `regraft check` run; [`crate::check`] hands them every
    /// file the language owns (as text: binary and non-UTF-8 files are not checked).
    fn checker<'a>(&self, run: Run<'a>) -> Box<dyn FileCheck + 'a>;
}

/// The per-run state of a language's checks (caches of what they learn on the way).
pub trait FileCheck: Sync {
    /// The findings of one file (`source`, at root-relative `path`).
    fn check(&self, path: &str, source: &str) -> Vec<Diagnostic>;
}

/// What the language-free stages know about a run, lent to a language for each file.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The root of the tree.
    pub root: &'a Path,
    /// The import roots of the tree.
    pub roots: &'a ImportRoots,
    /// Every module of the tree, by name.
    pub index: &'a ModuleIndex,
    /// The moves and renames of this run.
    pub moves: &'a ModuleMoves,
    /// Resolves module and file paths written as text.
    pub references: &'a References<'a>,
    /// Whether docstrings and comments are rewritten too.
    pub text: TextOptions,
}

/// One file's rewrite, as its language hands it back.
#[derive(Debug, Clone, Default)]
pub struct FileRewrite {
    /// The changes, in source order.
    pub changes: Vec<Change>,
    /// References that need a human.
    pub problems: Vec<Problem>,
    /// Where the file's first syntax error starts (a byte offset), if it has one: a file that
    /// does not parse is left as it was.
    pub syntax_error: Option<usize>,
}

/// The kinds of reference regraft rewrites, as counted in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefKind {
    /// `import a.b.c` (with or without `as`).
    Import,
    /// `from a.b.c import x`: the module part names a moved module.
    FromImport,
    /// `from a.b import c` where `c` is the moved package or a module in it.
    ImportedModule,
    /// A relative import that no longer reaches its module from the file's new place.
    Relative,
    /// A `from` statement whose names go to different places, split in two or more.
    Split,
    /// An attribute chain such as `a.b.c.f()` after `import a.b.c`.
    Attribute,
    /// A moved module path in a string (`mock.patch("a.b.f")`, `f"a.b.{x}"`, a message).
    String,
    /// A moved module path in a docstring (doctests, Sphinx roles, notes).
    Docstring,
    /// A moved module path in a comment.
    Comment,
    /// A root-relative path to a moved file, in a string or a text file.
    Path,
    /// A module path in a file that is not Python (TOML, YAML, INI, rst, …).
    Config,
    /// An import of a symbol that a `[[rename]]` renames or moves.
    Symbol,
    /// Rust: a path in a `use` item (groups included).
    UsePath,
    /// Rust: a path in code (expressions, types, patterns, bounds, impl headers).
    QualifiedPath,
    /// Rust: a path in a macro call or a `macro_rules!` body.
    MacroPath,
    /// Rust: a path in an attribute.
    AttributePath,
    /// Rust: a `mod` declaration removed, added or widened.
    ModDeclaration,
}

impl RefKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 17] = [
        Self::Import,
        Self::FromImport,
        Self::ImportedModule,
        Self::Relative,
        Self::Split,
        Self::Attribute,
        Self::String,
        Self::Docstring,
        Self::Comment,
        Self::Path,
        Self::Config,
        Self::Symbol,
        Self::UsePath,
        Self::QualifiedPath,
        Self::MacroPath,
        Self::AttributePath,
        Self::ModDeclaration,
    ];

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Import => "import",
            Self::FromImport => "from-import",
            Self::ImportedModule => "imported module",
            Self::Relative => "relative import",
            Self::Split => "split import",
            Self::Attribute => "attribute chain",
            Self::String => "string",
            Self::Docstring => "docstring",
            Self::Comment => "comment",
            Self::Path => "file path",
            Self::Config => "config reference",
            Self::Symbol => "renamed symbol",
            Self::UsePath => "use path",
            Self::QualifiedPath => "path",
            Self::MacroPath => "macro path",
            Self::AttributePath => "attribute path",
            Self::ModDeclaration => "mod declaration",
        }
    }
}

/// One rewritten reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of reference it is.
    pub kind: RefKind,
    /// The byte range to show as "old" in reports; every edit lies inside it.
    pub range: Range<usize>,
    /// The edits that make the change.
    pub edits: Vec<Edit>,
}

impl Change {
    pub(crate) fn replace(kind: RefKind, range: Range<usize>, new: String) -> Self {
        Self {
            kind,
            edits: vec![Edit::replace(range.clone(), new)],
            range,
        }
    }

    /// The text of the change's range before and after its edits.
    pub fn old_and_new(&self, source: &str) -> (String, String) {
        let old = &source[self.range.clone()];
        // The change's own edits, moved to offsets within its range (an overlap is reported
        // when the file's edits are gathered; here the old text stands in).
        let start = self.range.start;
        let local = self
            .edits
            .iter()
            .map(|e| {
                Edit::replace(
                    e.range().start - start..e.range().end - start,
                    e.replacement(),
                )
            })
            .collect();
        let new = FileEdits::new(local).map_or_else(|_| old.to_owned(), |edits| edits.apply(old));
        (old.to_owned(), new)
    }
}

/// A reference regraft found but cannot rewrite; a human has to look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it starts.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// The result for one file.
#[derive(Debug, Clone, Default)]
pub struct Rewritten {
    /// The changes, in source order.
    pub changes: Vec<Change>,
    /// References that need a human.
    pub problems: Vec<Problem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_needle_counts_only_as_a_whole_name() {
        let utils = memchr::memmem::Finder::new("utils");
        for text in [
            "from django.utils import timezone",
            "import utils",
            "patch('django/utils/text.py')",
            "x = utils",
        ] {
            assert!(mentions_whole_name(text.as_bytes(), &utils), "{text}");
        }
        for text in [
            "from test_utils import x",
            "import utils2",
            "myutils.run()",
            "utilsé = 1",
        ] {
            assert!(!mentions_whole_name(text.as_bytes(), &utils), "{text}");
        }
        let text = "import utils\nfrom test_utils import x\n";
        assert_eq!(last_whole_name(text.as_bytes(), "utils"), Some(7));
    }
}
