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
//! Speed: only import statements are parsed, each on its own ([`crate::lang::python::import_scan`]); the
//! rewrite scan behind `RG001` parses only files that mention a moved module. Everything that
//! follows a doubt (a disk lookup, reading a package's files) runs only for a finding about to
//! be reported, so a clean tree pays nothing for it.
//!
//! Quiet when in doubt (a false finding is a bug). Never reported:
//! - imports of third-party and standard-library modules (their first name is not a top-level
//!   module of the tree);
//! - optional imports: under a `try:` that catches `ImportError` (or broader), under a test's
//!   `with raises(ImportError):`, under `if TYPE_CHECKING:`, or in a branch of a
//!   `sys.version_info` / `sys.platform` test;
//! - a module that exists on disk though the walk skips it (`.gitignore`d, like a generated
//!   `_version.py`; or compiled: `x.*.so`, `x.pyd`, `x.pyc`), or is a directory (a namespace
//!   package);
//! - a module under a package that makes modules at run time (writes `sys.modules` or
//!   installs a `sys.meta_path` finder, in its `__init__` or a module beside), under a
//!   package whose directory holds C, C++, Rust or Fortran sources, or named by a build file
//!   (`setup.py`, `pyproject.toml`, `setup.cfg`, `Cargo.toml`; `meson.build` or
//!   `CMakeLists.txt` beside it);
//! - a module under namespace packages only (another `sys.path` entry may add to them);
//! - a relative import in a file under a directory that is no identifier (a test fixture root
//!   of some other `sys.path` entry), or that climbs out of an import root that is itself a
//!   package (has an `__init__.py`);
//! - a name from a module whose names are made at run time (see
//!   [`crate::lang::python::import_scan::top_level_names`]) or that is compiled; names of a `.py` and its
//!   `.pyi` count together.
//!
//! A `# noqa` comment (any case) on the line a finding is reported on silences it: bare, every
//! finding; `# noqa: RG002, RG003`, those codes only.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use tree_sitter::Node;

use crate::error::{Error, Result};
use crate::lang::Language as _;
use crate::lang::python::Python;
use crate::lang::python::import_scan::import_statements;
use crate::lang::python::module_name::ModuleName;
use crate::lang::python::parse::{dotted_name, imported_name, parse_python, relative_import, text};
use crate::lang::python::references::{ModuleIndex, References};
use crate::line_index::{LineIndex, Position};
use crate::plan::Scan;
use crate::resolve::{ImportRoots, ModuleMoves, resolve_relative};
use crate::rules::Rules;
use crate::walk::WalkedFile;

/// The kind of a finding: its code, as printed (`RG002`) and written in `# noqa: RG002`,
/// `--select` and `--ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Code {
    /// `RG001`: a reference to a module a rules file moved away (or a symbol it renamed).
    #[serde(rename = "RG001")]
    StaleReference,
    /// `RG002`: a project-internal import of a module that does not exist.
    #[serde(rename = "RG002")]
    MissingModule,
    /// `RG003`: `from m import name` where project module `m` does not provide `name`.
    #[serde(rename = "RG003")]
    MissingName,
    /// `RG004`: a conflict marker left by a merge.
    #[serde(rename = "RG004")]
    ConflictMarker,
    /// `RG005`: a public name a moved module had at `--against REF` that it lost.
    #[serde(rename = "RG005")]
    LostPublicName,
}

impl Code {
    /// Every code, in order.
    pub const ALL: [Code; 5] = [
        Code::StaleReference,
        Code::MissingModule,
        Code::MissingName,
        Code::ConflictMarker,
        Code::LostPublicName,
    ];

    /// The code as printed: `RG001` … `RG005`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::StaleReference => "RG001",
            Code::MissingModule => "RG002",
            Code::MissingName => "RG003",
            Code::ConflictMarker => "RG004",
            Code::LostPublicName => "RG005",
        }
    }

    /// The code's anchor in the README's table of codes: `rg001` … `rg005`.
    pub fn anchor(self) -> &'static str {
        match self {
            Code::StaleReference => "rg001",
            Code::MissingModule => "rg002",
            Code::MissingName => "rg003",
            Code::ConflictMarker => "rg004",
            Code::LostPublicName => "rg005",
        }
    }

    /// Where the code is documented: [`DOCS_URL`], then `#` and [`Code::anchor`]
    /// (`README.md#rg002`).
    ///
    /// ```
    /// # use regraft::check::Code;
    /// assert!(Code::MissingModule.help_url().ends_with("#rg002"));
    /// ```
    pub fn help_url(self) -> String {
        format!("{DOCS_URL}#{}", self.anchor())
    }

    /// What the code finds and how to fix it, in a sentence or two (the README says more).
    pub fn description(self) -> &'static str {
        match self {
            Code::StaleReference => {
                "A reference (import, attribute chain, string, config token) to a module that a \
                 rules file moved away, or to a symbol it renamed. Write the new path the message \
                 names, or run `regraft apply --rules …` again."
            }
            Code::MissingModule => {
                "A project-internal import of a module that does not exist: the import fails at \
                 run time. Import the module where it lives, or add it."
            }
            Code::MissingName => {
                "`from m import name` where project module `m` neither defines, imports nor \
                 re-exports `name`: an ImportError. Import the name from the module that \
                 defines it."
            }
            Code::ConflictMarker => {
                "A conflict marker left by a merge: the file does not run, or a half-resolved \
                 merge ships. Resolve the conflict."
            }
            Code::LostPublicName => {
                "With `--against REF`: a public name a moved module had at REF that its new path \
                 no longer provides, which code outside the repository may import. Restore or \
                 re-export the name."
            }
        }
    }

    /// A few words on what the code finds (for `help:` lines).
    pub fn summary(self) -> &'static str {
        match self {
            Code::StaleReference => "stale reference to a moved module",
            Code::MissingModule => "import of a missing module",
            Code::MissingName => "import of a missing name",
            Code::ConflictMarker => "conflict marker",
            Code::LostPublicName => "public name lost since --against",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = Error;

    /// Parses `RG002` (any case, surrounding blanks ignored).
    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        Code::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let known: Vec<String> = Code::ALL
                    .iter()
                    .map(|c| format!("{c} ({})", c.summary()))
                    .collect();
                Error::Usage(format!(
                    "unknown check code `{text}`\nhelp: the codes are {}",
                    known.join(", ")
                ))
            })
    }
}

/// Which codes to report: `--select` (only these; all when empty) minus `--ignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeSelection {
    select: Vec<Code>,
    ignore: Vec<Code>,
}

impl CodeSelection {
    /// Parses the codes given to `--select` and `--ignore` (each item may hold several,
    /// separated by commas).
    ///
    /// # Errors
    /// [`Error::Usage`], with a `help:` line that lists the codes, for an unknown code.
    pub fn parse(select: &[String], ignore: &[String]) -> Result<Self> {
        let codes = |items: &[String]| -> Result<Vec<Code>> {
            items
                .iter()
                .flat_map(|item| item.split(','))
                .filter(|code| !code.trim().is_empty())
                .map(str::parse)
                .collect()
        };
        Ok(Self {
            select: codes(select)?,
            ignore: codes(ignore)?,
        })
    }

    /// True when findings with `code` are reported.
    pub fn allows(&self, code: Code) -> bool {
        (self.select.is_empty() || self.select.contains(&code)) && !self.ignore.contains(&code)
    }
}

/// Where the codes are documented, without the `#anchor`: the `repository` of Cargo.toml
/// when the package names one (an absolute URL), else `README.md` (regraft's own README,
/// relative to regraft's repository: no hosted address is known to be stable).
pub const DOCS_URL: &str = if env!("CARGO_PKG_REPOSITORY").is_empty() {
    "README.md"
} else {
    env!("CARGO_PKG_REPOSITORY")
};

/// One finding, rendered as `path:line:col: CODE message`.
///
/// This is also the object of `check --format json` (an array of them, pretty-printed) and of
/// `--format json-lines` (one a line), field by field in this order:
///
/// - `path` (string): the file, with `/`. Relative to the top of the git work tree around
///   `--root` in every machine format (json, json-lines, github, sarif, gitlab, junit); relative
///   to `--root` in text, and everywhere when `--root` is in no git work tree.
/// - `line`, `col` (numbers): where the finding starts; 1-based, the column counted in
///   characters (Unicode scalar values), not bytes.
/// - `end_line`, `end_col` (numbers): where it ends, as `line` and `col`, exclusive: the
///   position just after its last character. The span is the reference itself: the dotted
///   name of an import, the name of a `from` import, the text `RG001` would rewrite, the
///   marker line of `RG004`; `RG005` is about a whole file and has an empty span at 1:1.
/// - `code` (string): `RG001` … `RG005`, see [`Code`].
/// - `message` (string): what is wrong, and how to fix it (one line).
/// - `url` (string): where the code is documented, [`Code::help_url`]
///   (`README.md#rg002`).
/// - `fix` (object or `null`): the edit regraft knows would fix it, see [`Fix`]; only `RG001`
///   has one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Diagnostic {
    /// The file, with `/`: root-relative as made by [`check`] (see
    /// [`to_repository_paths`]).
    pub path: String,
    /// 1-based line where the finding starts.
    pub line: usize,
    /// 1-based column where it starts, in characters.
    pub col: usize,
    /// 1-based line where it ends.
    pub end_line: usize,
    /// 1-based column just after its last character, in characters (exclusive).
    pub end_col: usize,
    /// What kind of finding (serialised as `RG001` … `RG005`).
    pub code: Code,
    /// What is wrong, and how to fix it.
    pub message: String,
    /// Where the code is documented ([`Code::help_url`]).
    pub url: String,
    /// The edit that fixes it, when regraft knows one.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding of `code` in file `path` that spans `start..end`, without a fix.
    pub fn new(path: &str, start: Position, end: Position, code: Code, message: String) -> Self {
        Self {
            path: path.to_owned(),
            line: start.line,
            col: start.col,
            end_line: end.line,
            end_col: end.col,
            code,
            message,
            url: code.help_url(),
            fix: None,
        }
    }

    /// The start: 1-based line and column in characters.
    pub fn start(&self) -> Position {
        Position {
            line: self.line,
            col: self.col,
        }
    }

    /// The end, exclusive: 1-based line and column in characters.
    pub fn end(&self) -> Position {
        Position {
            line: self.end_line,
            col: self.end_col,
        }
    }
}

/// A machine-readable fix: replace the text from `start` to `end` with `replacement`.
///
/// In `--format json`: `{"replacement": "…", "start": {"line": 1, "col": 6}, "end": {"line":
/// 1, "col": 17}}`, positions as in [`Diagnostic`] (1-based, columns in characters, `end`
/// exclusive). The span is the finding's own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Fix {
    /// The text to write in place of the span.
    pub replacement: String,
    /// Where the replaced text starts.
    pub start: Position,
    /// Just after where it ends (exclusive).
    pub end: Position,
}

/// Makes the paths of `diagnostics` (root-relative, as [`check`] makes them) relative to the
/// top of the git work tree around `root`, which is what CI services expect (with `--root src`,
/// `src/flask/x.py`, not `flask/x.py`). Outside a work tree (or without git) they stay
/// root-relative.
pub fn to_repository_paths(root: &Path, diagnostics: &mut [Diagnostic]) {
    let Some(git) = crate::git::Git::detect(root) else {
        return;
    };
    let prefix = git.prefix();
    if prefix.is_empty() {
        return;
    }
    for d in diagnostics {
        d.path.insert_str(0, prefix);
    }
}

/// The position just after `text`, when `text` starts at `start`: what [`LineIndex::position`]
/// gives for the end of `text`'s byte range in the file (lines end after `\n`; every other
/// character, `\r` too, is one column).
fn end_of(start: Position, text: &str) -> Position {
    match text.rsplit_once('\n') {
        Some((before, last)) => Position {
            line: start.line + before.matches('\n').count() + 1,
            col: last.chars().count() + 1,
        },
        None => Position {
            line: start.line,
            col: start.col + text.chars().count(),
        },
    }
}

/// Checks the tree at `root` (only `paths`, when given: root-relative files); with `against`
/// (a git revision), also audits the interface of every module that moved since then.
/// Findings silenced by a `# noqa` comment on their line are left out.
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
            diagnostics.extend(outcome.rewrites.into_iter().map(|r| {
                let start = Position {
                    line: r.line,
                    col: r.col,
                };
                // The rewrite's `old` is the text of its byte range, so its end follows.
                let end = end_of(start, &r.old);
                let message = format!(
                    "`{}` refers to {}: write `{}`",
                    one_line(&r.old),
                    if r.kind == crate::lang::RefKind::Symbol {
                        "a renamed symbol"
                    } else {
                        "a module that moved"
                    },
                    one_line(&r.new)
                );
                Diagnostic {
                    fix: Some(Fix {
                        replacement: r.new,
                        start,
                        end,
                    }),
                    ..Diagnostic::new(&r.file, start, end, Code::StaleReference, message)
                }
            }));
        }
    }

    let references = scan.references();
    let checker = Checker {
        root,
        roots: &roots,
        index: &index,
        references,
        may_exist: Mutex::default(),
        registers: Mutex::default(),
        build_files: OnceLock::new(),
        module_leaves: OnceLock::new(),
        self_imports: Mutex::default(),
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
        .filter(|d| d.code == Code::StaleReference)
        .map(|d| (d.path.clone(), d.line, d.col))
        .collect();
    diagnostics.retain(|d| {
        d.code == Code::StaleReference || !stale_at.contains(&(d.path.clone(), d.line, d.col))
    });
    diagnostics.sort();
    diagnostics.dedup();
    silence_noqa(root, &mut diagnostics);
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
        let Some(names) = crate::lang::python::import_scan::top_level_names(&before) else {
            continue;
        };
        let mut missing: Vec<&String> = names
            .iter()
            .filter(|n| !n.starts_with('_'))
            .filter(|n| !references.defines(&new_module, n))
            .collect();
        missing.sort();
        // About the whole file: an empty span at its start.
        let top = Position { line: 1, col: 1 };
        out.extend(missing.into_iter().map(|name| {
            Diagnostic::new(
                &new,
                top,
                top,
                Code::LostPublicName,
                format!(
                    "`{old_module}` had the public name `{name}` at {rev}; `{new_module}` no longer provides it"
                ),
            )
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
    /// Modules the index lacks that may exist all the same (see [`Checker::may_exist`]).
    may_exist: Mutex<HashMap<ModuleName, bool>>,
    /// Module files that make modules at run time (see
    /// [`crate::lang::python::import_scan::registers_modules`]), by root-relative path.
    registers: Mutex<HashMap<String, bool>>,
    /// The text of the project's build files, read once, when first needed.
    build_files: OnceLock<String>,
    /// The last component of every module of the tree, made when first needed.
    module_leaves: OnceLock<HashSet<String>>,
    /// Per package `__init__` file: the names it binds only by `from . import name` (bound
    /// name → submodule), see [`Checker::lost_self_import`].
    self_imports: Mutex<HashMap<String, Arc<HashMap<String, String>>>>,
}

/// One finding of an import statement: (byte range in the statement, message, code).
type Finding = (Range<usize>, String, Code);

impl Checker<'_> {
    fn file(&self, path: &str) -> Result<Vec<Diagnostic>> {
        let bytes = std::fs::read(self.root.join(path)).map_err(|e| Error::io(path, e))?;
        let mut out = Vec::new();
        if memchr::memmem::find(&bytes, b"<<<<<<< ").is_some()
            || memchr::memmem::find(&bytes, b">>>>>>> ").is_some()
        {
            out.extend(conflict_markers(path, &bytes));
        }
        if !Python.owns(path) || memchr::memchr(0, &bytes).is_some() {
            return Ok(out);
        }
        let Ok(source) = String::from_utf8(bytes) else {
            return Ok(out);
        };
        let lines = LineIndex::new(&source);
        let package = self.roots.package_of_file(path);
        let mut packages_bound = Vec::new();
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
            packages_bound.extend(self.packages_bound(node, statement.text, package.as_ref()));
            for (range, message, code) in self.import(node, statement.text, path, package.as_ref())
            {
                let start = lines.position(&source, statement.start + range.start);
                let end = lines.position(&source, statement.start + range.end);
                out.push(Diagnostic::new(path, start, end, code, message));
            }
        }
        if self.may_chain_to_a_lost_module(&source, &packages_bound) {
            for (range, message) in self.chains_through_packages(&source, &packages_bound) {
                let start = lines.position(&source, range.start);
                let end = lines.position(&source, range.end);
                out.push(Diagnostic::new(
                    path,
                    start,
                    end,
                    Code::MissingModule,
                    message,
                ));
            }
        }
        Ok(out)
    }

    /// The names a `from` statement (or `import a.b as x`) binds to packages of the tree:
    /// (local name, package).
    fn packages_bound(
        &self,
        stmt: Node<'_>,
        source: &str,
        package: Option<&ModuleName>,
    ) -> Vec<(String, ModuleName)> {
        let mut bound = Vec::new();
        let from = match stmt.child_by_field_name("module_name") {
            Some(node) if node.kind() == "relative_import" => {
                let (dots, name) = relative_import(node, source);
                resolve_relative(package, dots, name.as_ref().map(ModuleName::as_str))
            }
            Some(node) => dotted_name(node, source),
            None => None,
        };
        let mut c = stmt.walk();
        for item in stmt.children_by_field_name("name", &mut c) {
            let Some(name) = imported_name(item).and_then(|n| dotted_name(n, source)) else {
                continue;
            };
            let alias = item.child_by_field_name("alias").map(|a| text(a, source));
            let (local, module) = match (&from, alias) {
                (Some(from), alias) => (
                    alias.map_or_else(|| name.to_string(), str::to_owned),
                    from.join(name.as_str()),
                ),
                // `import a.b as x`; a plain `import a.b` binds `a`, checked as an import.
                (None, Some(alias)) => (alias.to_owned(), Some(name)),
                (None, None) => continue,
            };
            if let Some(module) = module.filter(|m| self.is_package(m)) {
                bound.push((local, module));
            }
        }
        bound
    }

    /// True when `attr`, read through `package`, looks like a module that is not there: no
    /// submodule and no name of `package`, but the name of a module elsewhere in the tree
    /// (where a hand-made move put it).
    fn looks_lost(&self, package: &ModuleName, attr: &str) -> bool {
        let leaves = self
            .module_leaves
            .get_or_init(|| self.index.modules().map(|m| m.leaf().to_owned()).collect());
        leaves.contains(attr)
            && package.join(attr).is_some_and(|m| !self.index.contains(&m))
            && (!self.references.defines(package, attr)
                || self.lost_self_import(package, attr).is_some())
    }

    /// A cheap text pass before [`Checker::chains_through_packages`] parses a file: true when
    /// some `name.attr.` follows a name bound to a package and `attr` looks lost.
    fn may_chain_to_a_lost_module(&self, source: &str, bound: &[(String, ModuleName)]) -> bool {
        let is_ident = |c: char| c.is_alphanumeric() || c == '_';
        bound.iter().any(|(local, package)| {
            let needle = format!("{local}.");
            source.match_indices(&needle).any(|(at, _)| {
                if source[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| is_ident(c) || c == '.')
                {
                    return false;
                }
                let rest = &source[at + needle.len()..];
                let attr_len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
                rest[attr_len..].starts_with('.') && self.looks_lost(package, &rest[..attr_len])
            })
        })
    }

    /// True for a package of the tree (with or without `__init__.py`).
    fn is_package(&self, module: &ModuleName) -> bool {
        self.index.is_namespace(module)
            || self.index.files_of(module).iter().any(|f| {
                f.ends_with("/__init__.py") || f.ends_with("/__init__.pyi") || f == "__init__.py"
            })
    }

    /// `RG002` for attribute chains through a name bound to a package: `plugins.render.x`
    /// after `from pkg import plugins`, where `pkg.plugins` has no submodule `render` and
    /// defines no such name, while a module named `render` exists elsewhere in the tree (what
    /// a hand-made move leaves behind). Quiet when the name is bound again at module level,
    /// or shadowed in a function, or when the package may hold the name after all.
    fn chains_through_packages(
        &self,
        source: &str,
        bound: &[(String, ModuleName)],
    ) -> Vec<(Range<usize>, String)> {
        let tree = parse_python(source);
        let root = tree.root_node();
        let mut rebound: HashSet<&str> = HashSet::new();
        let mut chains = Vec::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "identifier" => {
                    let name = text(node, source);
                    let in_import = node.parent().is_some_and(|p| {
                        matches!(p.kind(), "dotted_name" | "aliased_import")
                            && p.parent().is_some_and(|g| {
                                matches!(
                                    g.kind(),
                                    "import_from_statement" | "import_statement" | "aliased_import"
                                )
                            })
                    });
                    // A function's own binding is the function's business (see the shadow
                    // check below); one at module level changes what the name means.
                    let mut scope = node.parent();
                    while let Some(s) = scope.filter(|s| {
                        !matches!(
                            s.kind(),
                            "function_definition" | "lambda" | "class_definition"
                        )
                    }) {
                        scope = s.parent();
                    }
                    if !in_import
                        && scope.is_none()
                        && crate::lang::python::rewrite::is_binding(node)
                    {
                        rebound.insert(name);
                    }
                }
                "attribute" => {
                    if let Some(object) = node.child_by_field_name("object")
                        && object.kind() == "identifier"
                    {
                        chains.push(node);
                    }
                }
                _ => {}
            }
            let mut c = node.walk();
            stack.extend(node.children(&mut c));
        }
        let mut scopes = crate::lang::python::rewrite::ShadowCache::default();
        let mut found = Vec::new();
        for chain in chains {
            let (Some(object), Some(attribute)) = (
                chain.child_by_field_name("object"),
                chain.child_by_field_name("attribute"),
            ) else {
                continue;
            };
            let local = text(object, source);
            let Some((_, package)) = bound.iter().find(|(name, _)| name == local) else {
                continue;
            };
            if rebound.contains(local) || scopes.is_shadowed(object, local, source) {
                continue;
            }
            let attr = text(attribute, source);
            let Some(module) = package.join(attr) else {
                continue;
            };
            // Only a chain that goes on (`plugins.render.Engine`) reads `attr` as a module;
            // `mail.outbox` may be an attribute another module sets.
            let goes_on = chain.parent().is_some_and(|p| {
                p.kind() == "attribute" && p.child_by_field_name("object") == Some(chain)
            });
            if !goes_on || !self.looks_lost(package, attr) || self.may_be_submodule(&module) {
                continue;
            }
            found.push((
                chain.byte_range(),
                format!(
                    "`{local}.{attr}`: no module `{module}` in the project, and `{package}` \
                     defines no `{attr}`"
                ),
            ));
        }
        found
    }

    /// The findings of one import statement of file `path`.
    fn import(
        &self,
        stmt: Node<'_>,
        source: &str,
        path: &str,
        package: Option<&ModuleName>,
    ) -> Vec<Finding> {
        let mut found = Vec::new();
        if stmt.kind() == "import_statement" {
            let mut c = stmt.walk();
            for name in stmt.children_by_field_name("name", &mut c) {
                let Some(node) = imported_name(name) else {
                    continue;
                };
                if let Some(module) = dotted_name(node, source)
                    && self.is_internal(&module)
                    && self.is_missing(&module)
                {
                    found.push((
                        node.byte_range(),
                        missing_module(&module),
                        Code::MissingModule,
                    ));
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
                if self.climbs_out_for_sure(path) {
                    found.push((
                        module_node.byte_range(),
                        format!(
                            "relative import `{}` climbs above the top-level package",
                            text(module_node, source)
                        ),
                        Code::MissingModule,
                    ));
                }
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
            // A module that exists without a file in the index has names nobody can read.
            if self.is_missing(&module) {
                found.push((
                    module_node.byte_range(),
                    missing_module(&module),
                    Code::MissingModule,
                ));
            }
            return found;
        }
        let mut c = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut c) {
            let Some(node) = imported_name(name) else {
                continue;
            };
            let imported = text(node, source);
            let may_be_submodule = || {
                module
                    .join(imported)
                    .is_some_and(|m| self.may_be_submodule(&m))
            };
            if !self.references.defines(&module, imported) && !may_be_submodule() {
                found.push((
                    node.byte_range(),
                    format!("`{module}` has no `{imported}`: it neither defines, imports nor re-exports it, and it is no submodule"),
                    Code::MissingName,
                ));
            } else if let Some(submodule) = self.lost_self_import(&module, imported) {
                found.push((
                    node.byte_range(),
                    format!(
                        "{}: `{module}` binds `{imported}` only by importing that submodule \
                         (`from . import`)",
                        missing_module(&submodule)
                    ),
                    Code::MissingModule,
                ));
            }
        }
        found
    }

    /// When package `package` binds `name` only by `from . import name` in its `__init__`
    /// (a submodule import) and that submodule is not there: the submodule. Such a name
    /// counts as defined for everything else, so without this a package that lost a
    /// submodule to a hand-made move would look whole.
    fn lost_self_import(&self, package: &ModuleName, name: &str) -> Option<ModuleName> {
        let init = self
            .index
            .files_of(package)
            .iter()
            .find(|f| f.ends_with("__init__.py"))?;
        let bound = cached(&self.self_imports, init, || {
            Arc::new(
                std::fs::read_to_string(self.root.join(init))
                    .map(|source| self_imported_submodules(&source))
                    .unwrap_or_default(),
            )
        });
        let submodule = package.join(bound.get(name)?)?;
        let defined_otherwise =
            self.index.contains(&submodule) || self.may_be_submodule(&submodule);
        (!defined_otherwise).then_some(submodule)
    }

    /// True for a module of the project (its first name is a top-level module of the tree).
    fn is_internal(&self, module: &ModuleName) -> bool {
        module
            .components()
            .next()
            .is_some_and(|top| self.index.is_project_top_level(top))
    }

    /// True when `module` is surely missing: the index lacks it, and no doubt remains.
    fn is_missing(&self, module: &ModuleName) -> bool {
        !self.index.contains(module) && !self.may_exist(module)
    }

    /// True when a relative import of file `path` that climbs above its top-level package
    /// surely fails: not when a directory on the way is no identifier (the file belongs to a
    /// `sys.path` entry we do not know, as test fixture roots do), nor when its import root is
    /// itself a package (has an `__init__.py`).
    fn climbs_out_for_sure(&self, path: &str) -> bool {
        if self.roots.is_outside_module_space(path) {
            return false;
        }
        let root = self.roots.import_root_of(path);
        !self.root.join(root).join("__init__.py").is_file()
    }

    /// True when `module`, which the index lacks, may exist all the same (cached): see
    /// [`Checker::on_disk`], [`Checker::made_at_run_time`], [`Checker::built_from_sources`].
    fn may_exist(&self, module: &ModuleName) -> bool {
        if self.index.contains(module) {
            return true;
        }
        cached(&self.may_exist, module, || {
            self.on_disk(module)
                || self.made_at_run_time(module, true)
                || self.built_from_sources(module)
        })
    }

    /// True when `module`, named as `from package import leaf`, may be a submodule the
    /// index lacks: as [`Checker::may_exist`], but of the packages above it only its own
    /// package making modules at run time counts (a package that writes `sys.modules` opens
    /// its subtree to imports of modules, not every module in it to any name).
    fn may_be_submodule(&self, module: &ModuleName) -> bool {
        self.on_disk(module)
            || self.made_at_run_time(module, false)
            || self.built_from_sources(module)
    }

    /// True when a file or directory of `module` exists though the walk did not list it: a
    /// `.gitignore`d generated module (`_version.py`), a compiled one (`x.*.so`, `x.pyd`,
    /// `x.pyc`) or a directory (a package, or a namespace package).
    fn on_disk(&self, module: &ModuleName) -> bool {
        // Besides modules, the templates a build turns into one (`_version.py.in`,
        // `_fast.pyx.tp`).
        const SUFFIXES: [&str; 10] = [
            ".py", ".pyi", ".pyc", ".pyx", ".pyd", ".so", ".py.in", ".pyx.in", ".pyx.tp", ".py.tp",
        ];
        self.roots.module_paths(module).iter().any(|base| {
            let full = self.root.join(base);
            if full.is_dir()
                || SUFFIXES
                    .iter()
                    .any(|s| self.root.join(format!("{base}{s}")).exists())
            {
                return true;
            }
            // `x.cpython-311-x86_64-linux-gnu.so`, `x.cp311-win_amd64.pyd`
            let (dir, leaf) = base.rsplit_once('/').unwrap_or(("", base));
            let prefix = format!("{leaf}.");
            std::fs::read_dir(self.root.join(dir)).is_ok_and(|entries| {
                entries.flatten().any(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.starts_with(&prefix) && (name.ends_with(".so") || name.ends_with(".pyd"))
                })
            })
        })
    }

    /// True when a package above `module` may make it at run time: a module of the package
    /// chain (or a module beside it in its nearest package) writes `sys.modules` or installs a
    /// `sys.meta_path` finder; or every package above it that exists is a namespace package,
    /// which other `sys.path` entries may add to. With `whole_chain` false, only the nearest
    /// package that exists may make it.
    fn made_at_run_time(&self, module: &ModuleName, whole_chain: bool) -> bool {
        let mut existing = Vec::new();
        let mut at = module.parent();
        while let Some(package) = at {
            at = package.parent();
            if self.index.contains(&package) {
                existing.push(package);
            }
        }
        if !existing.is_empty() && existing.iter().all(|p| self.index.is_namespace(p)) {
            return true;
        }
        let registers = |file: &str| self.registers_modules(file);
        let makers = if whole_chain { existing.len() } else { 1 };
        if existing
            .iter()
            .take(makers)
            .flat_map(|p| self.index.files_of(p))
            .any(|f| registers(f))
        {
            return true;
        }
        // A module beside it, in its nearest package (`pkg/compat.py` that sets
        // `sys.modules["pkg.x"]`).
        let Some(nearest) = existing.first() else {
            return false;
        };
        self.roots.module_paths(nearest).iter().any(|dir| {
            std::fs::read_dir(self.root.join(dir)).is_ok_and(|entries| {
                entries.flatten().any(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.ends_with(".py") && registers(&format!("{dir}/{name}"))
                })
            })
        })
    }

    /// True when module file `file` makes modules at run time (cached).
    fn registers_modules(&self, file: &str) -> bool {
        cached(&self.registers, &file.to_owned(), || {
            std::fs::read_to_string(self.root.join(file))
                .is_ok_and(|source| crate::lang::python::import_scan::registers_modules(&source))
        })
    }

    /// True when `module` may be built from compiled sources: a package above it ships C,
    /// C++, Rust or Fortran sources, a build file of the project names it (`"pkg._x"` in
    /// `setup.py`, `pyproject.toml`, `setup.cfg`; `"_x"` in `Cargo.toml`), or a `meson.build`
    /// or `CMakeLists.txt` in its package directory mentions it.
    fn built_from_sources(&self, module: &ModuleName) -> bool {
        if self.index.may_be_native(module) {
            return true;
        }
        let build_files = self.build_files.get_or_init(|| self.read_build_files());
        let quoted = |name: &str| {
            build_files.contains(&format!("\"{name}\""))
                || build_files.contains(&format!("'{name}'"))
        };
        if quoted(module.as_str()) || quoted(&module.components().collect::<Vec<_>>().join("/")) {
            return true;
        }
        if build_files.contains("[lib]") && quoted(module.leaf()) {
            return true;
        }
        // A build step that writes the module (`output: '_version_meson.py'` in meson.build).
        if contains_word(build_files, &format!("{}.py", module.leaf())) {
            return true;
        }
        let Some(package) = module.parent() else {
            return false;
        };
        self.roots.module_paths(&package).iter().any(|dir| {
            ["meson.build", "CMakeLists.txt"].iter().any(|f| {
                std::fs::read_to_string(self.root.join(dir).join(f))
                    .is_ok_and(|text| contains_word(&text, module.leaf()))
            })
        })
    }

    /// The build files at the root and at each import root, one after the other.
    fn read_build_files(&self) -> String {
        const BUILD_FILES: [&str; 6] = [
            "setup.py",
            "setup.cfg",
            "pyproject.toml",
            "Cargo.toml",
            "meson.build",
            "CMakeLists.txt",
        ];
        let mut text = String::new();
        for dir in self.roots.dirs() {
            for file in BUILD_FILES {
                if let Ok(found) = std::fs::read_to_string(self.root.join(dir).join(file)) {
                    text.push_str(&found);
                    text.push('\n');
                }
            }
        }
        text
    }
}

/// The names an `__init__` binds by `from . import name [as alias]` outside any
/// `try: … except ImportError` (bound name → submodule name), minus the names it also binds
/// otherwise.
fn self_imported_submodules(source: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for statement in import_statements(source) {
        if statement.optional || !statement.text.starts_with("from . import") {
            continue;
        }
        let tree = parse_python(statement.text);
        let Some(node) = tree.root_node().named_child(0) else {
            continue;
        };
        let mut c = node.walk();
        for item in node.children_by_field_name("name", &mut c) {
            let Some(name) = imported_name(item).map(|n| text(n, statement.text)) else {
                continue;
            };
            let bound = item
                .child_by_field_name("alias")
                .map_or(name, |a| text(a, statement.text));
            found.insert(bound.to_owned(), name.to_owned());
        }
    }
    if !found.is_empty() {
        // A name the file also binds some other way (`render = None` after a failed
        // import) is not the submodule's alone.
        let blanked: String = import_statements(source)
            .iter()
            .filter(|s| s.text.starts_with("from . import"))
            .fold(source.to_owned(), |mut text, s| {
                text.replace_range(s.start..s.start + s.text.len(), &" ".repeat(s.text.len()));
                text
            });
        match crate::lang::python::import_scan::top_level_names(&blanked) {
            Some(others) => found.retain(|bound, _| !others.contains(bound)),
            None => found.clear(),
        }
    }
    found
}

/// The value `cache` holds for `key`, computed (without holding the lock, so that
/// computations on other threads go on) and kept when it is missing.
fn cached<K, V>(cache: &Mutex<HashMap<K, V>>, key: &K, compute: impl FnOnce() -> V) -> V
where
    K: Eq + std::hash::Hash + Clone,
    V: Clone,
{
    if let Some(known) = cache.lock().expect("no panics while locked").get(key) {
        return known.clone();
    }
    let value = compute();
    cache
        .lock()
        .expect("no panics while locked")
        .insert(key.clone(), value.clone());
    value
}

/// True when `word` occurs in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(is_ident)
            && !text[at + word.len()..].chars().next().is_some_and(is_ident)
    })
}

/// Drops each finding whose line carries a `# noqa` comment that covers its code (bare
/// `# noqa` covers all; `# noqa: RG002, RG003` those). Only files with findings are read.
fn silence_noqa(root: &Path, diagnostics: &mut Vec<Diagnostic>) {
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    diagnostics.retain(|d| {
        let text = texts.entry(d.path.clone()).or_insert_with(|| {
            std::fs::read(root.join(&d.path))
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        });
        let line = text
            .as_deref()
            .and_then(|t| t.lines().nth(d.line.saturating_sub(1)));
        !line.is_some_and(|line| noqa_covers(line, d.code))
    });
}

/// True when `line` has a `# noqa` comment that covers `code` (see [`silence_noqa`]).
fn noqa_covers(line: &str, code: Code) -> bool {
    line.match_indices('#').any(|(at, _)| {
        let comment = line[at + 1..].trim_start();
        let Some(head) = comment.get(..4).filter(|h| h.eq_ignore_ascii_case("noqa")) else {
            return false;
        };
        let rest = &comment[head.len()..];
        match rest.trim_start().strip_prefix(':') {
            Some(codes) => codes
                .split(|c: char| c == ',' || c.is_whitespace())
                .map(str::trim)
                .take_while(|c| {
                    c.is_empty()
                        || c.chars().next().is_some_and(|f| f.is_ascii_alphabetic())
                            && c.chars().all(|ch| ch.is_ascii_alphanumeric())
                })
                .any(|c| c.eq_ignore_ascii_case(code.as_str())),
            // Bare `# noqa`, not `# noqamodule`.
            None => !rest
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_'),
        }
    })
}

fn missing_module(module: &ModuleName) -> String {
    format!("no module `{module}` in the project")
}

/// `RG004` for each conflict marker of a file; the span is the marker's line (without its
/// line break).
fn conflict_markers(path: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split('\n').collect();
    crate::merge::conflict_markers(&text)
        .into_iter()
        .map(|(line, what)| {
            let marker = lines
                .get(line.saturating_sub(1))
                .map_or("", |l| l.strip_suffix('\r').unwrap_or(l));
            let start = Position { line, col: 1 };
            Diagnostic::new(
                path,
                start,
                end_of(start, marker),
                Code::ConflictMarker,
                format!("conflict marker ({what}) left by a merge: resolve the conflict"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noqa_covers_its_codes_or_all() {
        let d = Code::MissingModule;
        assert!(noqa_covers("import a.b  # noqa", d));
        assert!(noqa_covers("import a.b  #NOQA", d));
        assert!(noqa_covers("import a.b  # noqa: RG002", d));
        assert!(noqa_covers("import a.b  # noqa:RG003,rg002", d));
        assert!(noqa_covers(
            "import a.b  # type: ignore  # noqa: RG001, RG002",
            d
        ));
        assert!(!noqa_covers("import a.b  # noqa: RG003", d));
        assert!(!noqa_covers("import a.b  # noqa: E501", d));
        assert!(!noqa_covers("import a.b  # noqamodule", d));
        assert!(!noqa_covers("import a.b", d));
    }

    #[test]
    fn end_of_a_text_is_where_the_line_index_puts_the_end_of_its_range() {
        let source = "ab\r\nxé z\n\nlast é";
        let index = LineIndex::new(source);
        let bounds: Vec<usize> = (0..=source.len())
            .filter(|&i| source.is_char_boundary(i))
            .collect();
        for &start in &bounds {
            for &end in bounds.iter().filter(|&&e| e >= start) {
                assert_eq!(
                    end_of(index.position(source, start), &source[start..end]),
                    index.position(source, end),
                    "{start}..{end}"
                );
            }
        }
    }

    #[test]
    fn diagnostics_serialise_with_span_url_and_fix() {
        let at = |line, col| Position { line, col };
        let mut d = Diagnostic::new("a.py", at(1, 6), at(1, 9), Code::StaleReference, "m".into());
        d.fix = Some(Fix {
            replacement: "x.y".into(),
            start: at(1, 6),
            end: at(1, 9),
        });
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"path": "a.py", "line": 1, "col": 6, "end_line": 1, "end_col": 9,
                "code": "RG001", "message": "m", "url": format!("{DOCS_URL}#rg001"),
                "fix": {"replacement": "x.y", "start": {"line": 1, "col": 6},
                        "end": {"line": 1, "col": 9}}})
        );
        assert_eq!((d.start(), d.end()), (at(1, 6), at(1, 9)));
    }

    #[test]
    fn codes_print_parse_and_serialise_as_rg_numbers() {
        assert_eq!(Code::MissingName.to_string(), "RG003");
        assert_eq!(" rg003 ".parse::<Code>().unwrap(), Code::MissingName);
        assert_eq!(
            serde_json::to_string(&Code::StaleReference).unwrap(),
            "\"RG001\""
        );
        let err = "RG9".parse::<Code>().unwrap_err().to_string();
        assert!(err.contains("\nhelp: the codes are RG001 ("), "{err}");
        let only = CodeSelection::parse(&["RG001,RG002".into()], &["RG002".into()]).unwrap();
        assert!(only.allows(Code::StaleReference));
        assert!(!only.allows(Code::MissingModule));
        assert!(!only.allows(Code::MissingName));
        assert!(CodeSelection::default().allows(Code::LostPublicName));
    }
}
