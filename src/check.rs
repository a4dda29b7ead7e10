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
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::lang::python::references::{ModuleIndex, References};
use crate::lang::python::roots::ImportRoots;
use crate::lang::{FileCheck, LANGUAGES};
use crate::line_index::Position;
use crate::plan::Scan;
use crate::resolve::ModuleMoves;
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
    // Rust moves are checked by the Rust checks; the Python ones never see them.
    // (Each move is classified once: `is_rust_move` may walk SRC.)
    let rust_moves: Vec<crate::rules::DirMove> = rules
        .moves
        .iter()
        .filter(|m| crate::lang::rust::relocate::is_rust_move(root, &m.from, &m.to))
        .cloned()
        .collect();
    let python_rules = rules.with_moves_where(|m| !rust_moves.contains(m));
    let rules = &python_rules;
    let walking = crate::timings::phase("check: walk and index");
    let roots = ImportRoots::discover(root, &rules.python_roots);
    let moves = ModuleMoves::for_rules(root, &roots, rules)?;
    let files = rules.files(root)?;
    let index = ModuleIndex::build(&roots, &files);
    drop(walking);
    // A PATH that is a directory stands for every file under it (`regraft check src/`).
    let selected: Option<HashSet<&str>> = if paths.is_empty() {
        None
    } else {
        let given: HashSet<&str> = paths
            .iter()
            .map(|p| p.trim_end_matches('/'))
            .filter(|p| !p.is_empty())
            .collect();
        let whole_tree = paths
            .iter()
            .any(|p| p.trim_end_matches('/').is_empty() || p == ".");
        Some(
            files
                .iter()
                .map(|f| f.path.as_str())
                .filter(|f| {
                    whole_tree
                        || given.contains(f)
                        || given.iter().any(|d| crate::rules::is_within(f, d))
                })
                .chain(given.iter().copied())
                .collect(),
        )
    };

    // RG001: whatever a plan of the retired moves would still rewrite.
    let retired = crate::timings::phase("check: retired moves");
    let mut diagnostics = Vec::new();
    let scan = Scan::new(root, &roots, &moves, &index, rules, &files)?;
    if !moves.moves().is_empty() || moves.renames_symbols() {
        for outcome in scan.files(&files, selected.as_ref())? {
            diagnostics.extend(outcome.open_references.into_iter().map(|s| {
                let at = Position {
                    line: s.line,
                    col: s.col,
                };
                Diagnostic::new(&s.path, at, at, Code::StaleReference, s.reason)
            }));
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

    drop(retired);
    let _files = crate::timings::phase("check: files");
    let references = scan.references();
    // One checker per language, in the order of `LANGUAGES`.
    let checkers: Vec<Box<dyn FileCheck + '_>> = LANGUAGES
        .iter()
        .map(|lang| lang.checker(scan.run()))
        .collect();
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
        .map(|f| file(root, &checkers, &f.path))
        .collect::<Result<_>>()?;
    diagnostics.extend(found.into_iter().flatten());
    if files
        .iter()
        .any(|f| f.path == "Cargo.toml" || f.path.ends_with("/Cargo.toml"))
    {
        let retired: Vec<(String, String)> =
            rust_moves.into_iter().map(|m| (m.from, m.to)).collect();
        diagnostics.extend(crate::lang::rust::check::check(
            root,
            &retired,
            selected.as_ref(),
        )?);
    }
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

/// The findings of the file at `path`: conflict markers in any file, and its language's
/// checks when a language owns it and it is text.
fn file(root: &Path, checkers: &[Box<dyn FileCheck + '_>], path: &str) -> Result<Vec<Diagnostic>> {
    let bytes = std::fs::read(root.join(path)).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    if memchr::memmem::find(&bytes, b"<<<<<<< ").is_some()
        || memchr::memmem::find(&bytes, b">>>>>>> ").is_some()
    {
        out.extend(conflict_markers(path, &bytes));
    }
    let Some(checker) = LANGUAGES
        .iter()
        .position(|lang| lang.owns(path))
        .map(|at| &checkers[at])
    else {
        return Ok(out);
    };
    if memchr::memchr(0, &bytes).is_some() {
        return Ok(out);
    }
    let Ok(source) = String::from_utf8(bytes) else {
        return Ok(out);
    };
    out.extend(checker.check(path, &source));
    Ok(out)
}

fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace('\n', " ")
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
    use crate::line_index::LineIndex;

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
