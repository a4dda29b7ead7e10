//! The request: which directories move where, which import roots and exclusions apply.
//!
//! In: a rules file (TOML, see `rules/*.toml`) or `SRC DST` from the command line.
//! Out: a validated [`Rules`]: every path is relative to the root, uses `/`, has no `.`/`..`
//! components and no trailing slash. Raw serde structs (`RulesFile`) stay private to this step.

use std::path::{Component, Path};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::lang::python::module_name::ModuleName;

mod pattern;

use pattern::{PatternMove, TreePaths, is_glob};

/// The rules file as written (unknown keys are refused).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    python_roots: Vec<toml::Spanned<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default, rename = "move")]
    moves: Vec<RawMove>,
    #[serde(default, rename = "rename")]
    renames: Vec<RawRename>,
    #[serde(default)]
    files: Option<RawFiles>,
    #[serde(default)]
    text: Option<RawText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    #[serde(default = "yes")]
    docstrings: bool,
    #[serde(default = "yes")]
    comments: bool,
}

fn yes() -> bool {
    true
}

/// Which prose inside Python files has its module names rewritten (`[text]` in a rules
/// file). Strings are always rewritten; docstrings and comments by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// Docstrings (doctests, Sphinx roles, "see pkg.mod" notes).
    pub docstrings: bool,
    /// Comments.
    pub comments: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self {
            docstrings: true,
            comments: true,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRename {
    from: toml::Spanned<String>,
    to: toml::Spanned<String>,
}

/// A `[[rename]]` rule: a module (`a.b.old` → `a.b.new`) or a symbol
/// (`a.b.mod:Old` → `a.c.mod:New`), named as they are after the run's moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The old module.
    pub from_module: ModuleName,
    /// The old symbol; `None` for a module rename.
    pub from_symbol: Option<String>,
    /// The new module.
    pub to_module: ModuleName,
    /// The new symbol; `None` for a module rename.
    pub to_symbol: Option<String>,
}

impl Rename {
    fn parse(from: &str, to: &str) -> Result<Self> {
        let part = |text: &str| -> Result<(ModuleName, Option<String>)> {
            let (module, symbol) = match text.split_once(':') {
                Some((m, s)) => (m, Some(s)),
                None => (text, None),
            };
            let bad = || {
                Error::Usage(format!(
                    "[[rename]] `{text}` is not `package.module` or `package.module:Name`"
                ))
            };
            let module = ModuleName::new(module).ok_or_else(bad)?;
            match symbol {
                Some(s) if ModuleName::new(s).is_none_or(|n| n.len() != 1) => Err(bad()),
                _ => Ok((module, symbol.map(str::to_owned))),
            }
        };
        let (from_module, from_symbol) = part(from)?;
        let (to_module, to_symbol) = part(to)?;
        if from_symbol.is_some() != to_symbol.is_some() {
            return Err(Error::Usage(format!(
                "[[rename]] `{from}` -> `{to}`: rename a module to a module, or a symbol to a symbol"
            )));
        }
        Ok(Self {
            from_module,
            from_symbol,
            to_module,
            to_symbol,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    include: Vec<String>,
}

/// The files other than Python whose module and file paths are rewritten, by default.
pub const DEFAULT_TEXT_FILES: [&str; 9] = [
    "*.toml", "*.yaml", "*.yml", "*.ini", "*.cfg", "*.json", "*.md", "*.rst", "*.txt",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMove {
    #[serde(default)]
    from: Option<toml::Spanned<String>>,
    #[serde(default)]
    from_regex: Option<toml::Spanned<String>>,
    to: toml::Spanned<String>,
}

/// One directory move: every file under `from` goes to the same relative path under `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DirMove {
    /// The source directory, relative to the root (`backtester_v2/market_regime`).
    pub from: String,
    /// The destination directory, relative to the root.
    pub to: String,
    /// The pattern rule this move is one match of; `None` (and left out of JSON) for a move
    /// written as a path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<MoveRule>,
}

/// Where a move expanded from a pattern comes from (JSON `rule` of a move):
/// `{file, line, key, pattern}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MoveRule {
    /// The rules file, as given on the command line.
    pub file: String,
    /// The 1-based line of the pattern in it.
    pub line: usize,
    /// `from` (a glob) or `from_regex`.
    pub key: &'static str,
    /// The pattern as written.
    pub pattern: String,
}

impl MoveRule {
    /// The pattern as written in the file: `from = "a/*.py"`, `from_regex = '^a/(?P<x>\w+)$'`.
    pub fn written(&self) -> String {
        if self.key == "from" || self.pattern.contains('\'') {
            format!("{} = {:?}", self.key, self.pattern)
        } else {
            format!("{} = '{}'", self.key, self.pattern)
        }
    }
}

impl std::fmt::Display for MoveRule {
    /// `rules.toml:3: from = "a/*.py"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.written())
    }
}

/// The 1-based line and column of a rule's `from` (or `from_regex`) and `to` values.
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    from: (usize, usize),
    to: (usize, usize),
}

/// A pattern `[[move]]` waiting for the tree ([`Rules::expand_patterns`]).
#[derive(Debug, Clone)]
struct PendingPattern {
    /// How many path moves come before it in the file (its expansions go there).
    position: usize,
    pattern: PatternMove,
    place: Place,
}

/// A validated request.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Extra import roots, relative to the root (the root itself and `src/` are found anyway).
    pub python_roots: Vec<String>,
    /// Gitignore-style globs of files to leave out, on top of `.gitignore`.
    pub exclude: Vec<String>,
    /// The moves, in the order given.
    pub moves: Vec<DirMove>,
    /// Globs of the files other than Python whose references are rewritten
    /// ([`DEFAULT_TEXT_FILES`] unless the rules file has `[files] include`).
    pub text_files: Vec<String>,
    /// The rules file itself (never rewritten: it lists the old paths on purpose).
    pub source: Option<std::path::PathBuf>,
    /// The `[[rename]]` rules.
    pub renames: Vec<Rename>,
    /// Whether docstrings and comments are rewritten (`[text]`).
    pub text: TextOptions,
    /// The rules file as named on the command line (for messages).
    file: Option<std::path::PathBuf>,
    /// Where each of `moves` is written in the rules file (empty for the command line).
    places: Vec<Place>,
    /// Pattern moves not yet expanded.
    patterns: Vec<PendingPattern>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            python_roots: Vec::new(),
            exclude: Vec::new(),
            moves: Vec::new(),
            text_files: DEFAULT_TEXT_FILES.iter().map(|g| (*g).to_owned()).collect(),
            source: None,
            renames: Vec::new(),
            text: TextOptions::default(),
            file: None,
            places: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

impl Rules {
    /// The request of `regraft plan SRC DST`.
    ///
    /// # Errors
    /// [`Error::BadPath`] when a path is absolute outside `root`, or leaves it.
    pub fn from_command_line(root: &Path, src: &str, dst: &str) -> Result<Self> {
        let rules = Self {
            moves: vec![DirMove {
                from: relative_path("SRC", src, Some(root))?,
                to: relative_path("DST", dst, Some(root))?,
                rule: None,
            }],
            ..Self::default()
        };
        rules.validate()?;
        Ok(rules)
    }

    /// Reads and validates a rules file, and expands its pattern moves on the tree at `root`
    /// ([`Rules::expand_patterns`]): what `plan`, `apply` and `check` use.
    ///
    /// # Errors
    /// As [`Rules::from_file`] and [`Rules::expand_patterns`].
    pub fn load(path: &Path, root: &Path) -> Result<Self> {
        let mut rules = Self::from_file(path)?;
        rules.expand_patterns(root)?;
        Ok(rules)
    }

    /// Reads and validates a rules file. Pattern moves (a glob `from`, a `from_regex`) are
    /// compiled but not expanded: that needs the tree ([`Rules::load`]).
    ///
    /// # Errors
    /// [`Error::ReadRules`], [`Error::ParseRules`] (with line and column), [`Error::BadPath`],
    /// or [`Error::Usage`].
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadRules {
            path: path.to_owned(),
            source,
        })?;
        let mut rules = Self::from_toml(path, &text)?;
        rules.source = Some(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()));
        Ok(rules)
    }

    /// Parses and validates the text of a rules file; `path` is only used in messages.
    ///
    /// # Errors
    /// As [`Rules::from_file`].
    pub fn from_toml(path: &Path, text: &str) -> Result<Self> {
        // One index for every position: each `[[move]]` has one.
        let lines = crate::line_index::LineIndex::new(text);
        let line_col = |offset: usize| {
            let pos = lines.position(text, offset.min(text.len()));
            (pos.line, pos.col)
        };
        let raw: RulesFile = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |span| line_col(span.start));
            Error::ParseRules {
                path: path.to_owned(),
                line,
                col,
                message: e.message().to_owned(),
            }
        })?;
        // Every error about a value points at it: `rules.toml:7:8: invalid rules file: …`.
        let at = |value: &toml::Spanned<String>, error: Error| {
            let (line, col) = line_col(value.span().start);
            Error::ParseRules {
                path: path.to_owned(),
                line,
                col,
                message: error.to_string(),
            }
        };
        let rules = Self {
            renames: raw
                .renames
                .iter()
                .map(|r| {
                    Rename::parse(r.from.get_ref(), r.to.get_ref()).map_err(|e| at(&r.from, e))
                })
                .collect::<Result<_>>()?,
            python_roots: raw
                .python_roots
                .iter()
                .map(|p| {
                    relative_path("python_roots entry", p.get_ref(), None).map_err(|e| at(p, e))
                })
                .collect::<Result<_>>()?,
            exclude: raw.exclude,
            moves: Vec::new(),
            text_files: raw.files.map_or_else(
                || DEFAULT_TEXT_FILES.iter().map(|g| (*g).to_owned()).collect(),
                |f| f.include,
            ),
            source: None,
            text: raw.text.map_or_else(TextOptions::default, |t| TextOptions {
                docstrings: t.docstrings,
                comments: t.comments,
            }),
            file: Some(path.to_owned()),
            places: Vec::new(),
            patterns: Vec::new(),
        };
        let mut rules = rules;
        for m in &raw.moves {
            let (key, from) = match (&m.from, &m.from_regex) {
                (Some(from), None) => ("from", from),
                (None, Some(from)) => ("from_regex", from),
                (Some(_), Some(regex)) => {
                    return Err(at(
                        regex,
                        Error::Usage(
                            "a [[move]] has `from` (a path or a glob) or `from_regex`, not both"
                                .to_owned(),
                        ),
                    ));
                }
                (None, None) => {
                    return Err(at(
                        &m.to,
                        Error::Usage(
                            "this [[move]] has no `from` (a path or a glob) nor `from_regex`"
                                .to_owned(),
                        ),
                    ));
                }
            };
            let place = Place {
                from: line_col(from.span().start),
                to: line_col(m.to.span().start),
            };
            if key == "from" && !is_glob(from.get_ref()) {
                rules.moves.push(DirMove {
                    from: relative_path("move.from", from.get_ref(), None)
                        .map_err(|e| at(from, e))?,
                    to: relative_path("move.to", m.to.get_ref(), None).map_err(|e| at(&m.to, e))?,
                    rule: None,
                });
                rules.places.push(place);
                continue;
            }
            let rule = MoveRule {
                file: path.display().to_string(),
                line: place.from.0,
                key,
                pattern: from.get_ref().clone(),
            };
            let compiled = if key == "from" {
                PatternMove::glob(from.get_ref(), m.to.get_ref(), rule)
            } else {
                PatternMove::regex(from.get_ref(), m.to.get_ref(), rule)
            };
            let pattern = compiled.map_err(|e| rules.pattern_error(place, e))?;
            rules.patterns.push(PendingPattern {
                position: rules.moves.len(),
                pattern,
                place,
            });
        }
        if rules.moves.is_empty() && rules.patterns.is_empty() && rules.renames.is_empty() {
            return Err(Error::Usage(format!(
                "{}: the rules file has no [[move]] or [[rename]] entry",
                path.display()
            )));
        }
        rules
            .check_moves()
            .map_err(|(error, culprit)| rules.locate(error, &culprit))?;
        Ok(rules)
    }

    /// These rules with only the moves `keep` accepts (their rules-file places follow).
    #[must_use]
    pub fn with_moves_where(&self, keep: impl Fn(&DirMove) -> bool) -> Self {
        let mut out = self.clone();
        let kept: Vec<bool> = self.moves.iter().map(keep).collect();
        let mut flags = kept.iter();
        out.moves.retain(|_| *flags.next().unwrap_or(&true));
        if out.places.len() == kept.len() {
            let mut flags = kept.iter();
            out.places.retain(|_| *flags.next().unwrap_or(&true));
        }
        out
    }

    /// Replaces each pattern move (a glob `from`, a `from_regex`) by the moves it means on
    /// the tree at `root`, in the rules' order, each naming its rule; then checks all the
    /// moves together again. Nothing to do for rules without patterns.
    ///
    /// # Errors
    /// [`Error::RulesPattern`] (with the rule's `line:col` and a help line) for a pattern
    /// that matches nothing, or whose expansions collide or nest; [`Error::ParseRules`] when
    /// the expanded moves clash with other moves; walk errors as [`Rules::files`].
    pub fn expand_patterns(&mut self, root: &Path) -> Result<()> {
        if self.patterns.is_empty() {
            return Ok(());
        }
        let files = self.files(root)?;
        let tree = TreePaths::new(files.iter().map(|f| f.path.as_str()));
        let literal: Vec<(DirMove, Place)> = std::mem::take(&mut self.moves)
            .into_iter()
            .zip(std::mem::take(&mut self.places))
            .collect();
        let mut patterns = std::mem::take(&mut self.patterns).into_iter().peekable();
        for (i, (m, place)) in literal.into_iter().enumerate() {
            while let Some(pending) = patterns.next_if(|p| p.position == i) {
                self.push_expansion(&pending, &tree)?;
            }
            self.moves.push(m);
            self.places.push(place);
        }
        for pending in patterns {
            self.push_expansion(&pending, &tree)?;
        }
        self.check_moves()
            .map_err(|(error, culprit)| self.locate(error, &culprit))
    }

    fn push_expansion(&mut self, pending: &PendingPattern, tree: &TreePaths) -> Result<()> {
        let moves = pending
            .pattern
            .expand(tree)
            .map_err(|e| self.pattern_error(pending.place, e))?;
        self.places
            .extend(std::iter::repeat_n(pending.place, moves.len()));
        self.moves.extend(moves);
        Ok(())
    }

    /// A pattern's error, at its `from` (or `to`) in the rules file.
    fn pattern_error(&self, place: Place, error: pattern::PatternError) -> Error {
        let (line, col) = if error.at_to { place.to } else { place.from };
        Error::RulesPattern {
            path: self.file.clone().unwrap_or_default(),
            line,
            col,
            message: error.message,
            help: error.help,
        }
    }

    /// A validation error at the rules-file value it is about (as it is, for the command
    /// line).
    fn locate(&self, error: Error, culprit: &Culprit) -> Error {
        match (&self.file, self.places.get(culprit.index)) {
            (Some(path), Some(place)) => {
                let (line, col) = if culprit.is_to { place.to } else { place.from };
                Error::ParseRules {
                    path: path.clone(),
                    line,
                    col,
                    message: error.to_string(),
                }
            }
            _ => error,
        }
    }

    /// The rules file's path relative to `root`, when it lies inside the tree.
    pub fn source_in(&self, root: &Path) -> Option<String> {
        let root = std::fs::canonicalize(root).ok()?;
        let relative = self.source.as_ref()?.strip_prefix(root).ok()?;
        Some(
            relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        )
    }

    /// The files of the tree at `root` that a run may touch: all but the rules file itself.
    ///
    /// # Errors
    /// As [`crate::walk::walk`].
    pub fn files(&self, root: &Path) -> Result<Vec<crate::walk::WalkedFile>> {
        let mut files = crate::walk::walk(root, &self.exclude)?;
        if let Some(source) = self.source_in(root) {
            files.retain(|f| f.path != source);
        }
        Ok(files)
    }

    /// Checks that the moves can be carried out together.
    fn validate(&self) -> Result<()> {
        self.check_moves().map_err(|(error, _)| error)
    }

    /// As [`Rules::validate`], also saying which value is to blame (for the rules file's
    /// `line:col`).
    fn check_moves(&self) -> std::result::Result<(), (Error, Culprit)> {
        for (index, m) in self.moves.iter().enumerate() {
            let src = Culprit {
                index,
                is_to: false,
            };
            let dst = Culprit { index, is_to: true };
            if m.from.is_empty() {
                return Err((
                    Error::bad_path(
                        "SRC",
                        &m.from,
                        "is the root itself; name a directory under it",
                    ),
                    src,
                ));
            }
            if m.from == m.to {
                return Err((
                    Error::bad_path("DST", &m.to, "is the same directory as SRC"),
                    dst,
                ));
            }
            if crate::resolve::is_module_file(&m.from) != crate::resolve::is_module_file(&m.to) {
                return Err((
                    Error::bad_path(
                        "DST",
                        &m.to,
                        format!(
                            "SRC `{}` and DST must both be directories (packages) or both `.py` files (modules)",
                            m.from
                        ),
                    ),
                    dst,
                ));
            }
            if is_within(&m.to, &m.from) {
                return Err((
                    Error::bad_path("DST", &m.to, format!("lies inside SRC `{}`", m.from)),
                    dst,
                ));
            }
            if is_within(&m.from, &m.to) {
                return Err((
                    Error::bad_path("SRC", &m.from, format!("lies inside DST `{}`", m.to)),
                    src,
                ));
            }
        }
        for (i, a) in self.moves.iter().enumerate() {
            for (j, b) in self.moves.iter().enumerate().skip(i + 1) {
                let clash = is_within(&a.from, &b.from)
                    || is_within(&b.from, &a.from)
                    || is_within(&a.to, &b.from)
                    || is_within(&b.to, &a.from)
                    || is_within(&a.to, &b.to)
                    || is_within(&b.to, &a.to);
                if clash {
                    return Err((
                        Error::Usage(format!(
                            "moves `{}` -> `{}` and `{}` -> `{}` overlap; give each directory \
                             one move",
                            a.from, a.to, b.from, b.to
                        )),
                        Culprit {
                            index: j,
                            is_to: false,
                        },
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The value of a rules file a validation error is about: `from` or `to` of one move.
struct Culprit {
    index: usize,
    is_to: bool,
}

/// True when `path` is `dir` or lies under it (whole components; `""` is the root).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// Normalises a user-given path to a root-relative `/`-separated path without `.`, `..` or a
/// trailing slash. An absolute path is accepted only when `root` is given and contains it.
fn relative_path(what: &'static str, given: &str, root: Option<&Path>) -> Result<String> {
    let path = Path::new(given);
    let path = if path.is_absolute() {
        let stripped = root.and_then(|root| {
            let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
            path.strip_prefix(&root).ok().map(Path::to_owned)
        });
        stripped.ok_or_else(|| {
            Error::bad_path(what, given, "is absolute; give a path relative to the root")
        })?
    } else {
        path.to_owned()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => {
                let part = part
                    .to_str()
                    .ok_or_else(|| Error::bad_path(what, given, "is not valid UTF-8"))?;
                parts.push(part.to_owned());
            }
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(Error::bad_path(what, given, "leaves the root through `..`"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(Error::bad_path(
                    what,
                    given,
                    "is absolute; give a path relative to the root",
                ));
            }
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Rules> {
        Rules::from_toml(Path::new("rules.toml"), text)
    }

    #[test]
    fn reads_moves_roots_and_excludes() {
        let rules = parse(
            r#"
python_roots = ["./lib/"]
exclude = ["BACKUP_*/**"]

[[move]]
from = "backtester_v2/market_regime/"
to = "./backtester_v2/strategies/market_regime"
"#,
        )
        .unwrap();
        assert_eq!(rules.python_roots, vec!["lib"]);
        assert_eq!(rules.exclude, vec!["BACKUP_*/**"]);
        assert_eq!(
            rules.moves,
            vec![DirMove {
                from: "backtester_v2/market_regime".into(),
                to: "backtester_v2/strategies/market_regime".into(),
                rule: None,
            }]
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_a_position() {
        let err = parse("[[move]]\nfrom = \"a\"\nto = \"b\"\ncolour = \"red\"\n").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("rules.toml:4:1: invalid rules file: unknown field `colour`"),
            "{message}"
        );
    }

    #[test]
    fn paths_may_not_leave_the_root() {
        let err = parse("[[move]]\nfrom = \"a/../../b\"\nto = \"c\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules.toml:2:8: invalid rules file: move.from `a/../../b`: leaves the root through `..`"
        );
        let err = parse("[[move]]\nfrom = \"a\"\nto = \"/etc\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules.toml:3:6: invalid rules file: move.to `/etc`: is absolute; give a path relative to the root"
        );
        let err = parse("python_roots = [\"lib\", \"../x\"]\n[[move]]\nfrom = \"a\"\nto = \"b\"\n")
            .unwrap_err();
        assert!(err.to_string().starts_with("rules.toml:1:24: "), "{err}");
    }

    #[test]
    fn dst_inside_src_and_overlapping_moves_are_refused() {
        let err = parse("[[move]]\nfrom = \"a\"\nto = \"a/b\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules.toml:3:6: invalid rules file: DST `a/b`: lies inside SRC `a`"
        );
        let err =
            parse("[[move]]\nfrom = \"a\"\nto = \"x\"\n[[move]]\nfrom = \"a/b\"\nto = \"y\"\n");
        let message = err.unwrap_err().to_string();
        assert!(
            message.starts_with("rules.toml:5:8: invalid rules file: moves `a` -> `x` and `a/b`"),
            "{message}"
        );
        assert!(
            parse("[[move]]\nfrom = \"ab\"\nto = \"x\"\n[[move]]\nfrom = \"a\"\nto = \"y\"\n")
                .is_ok()
        );
    }

    #[test]
    fn a_malformed_rename_is_refused_at_its_place() {
        let err = parse("[[rename]]\nfrom = \"a.b:Old\"\nto = \"a.c\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules.toml:2:8: invalid rules file: [[rename]] `a.b:Old` -> `a.c`: rename a module to a module, or a symbol to a symbol"
        );
        let err = parse("[[rename]]\nfrom = \"a b\"\nto = \"a.c\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("rules.toml:2:8: invalid rules file: [[rename]] `a b` is not"),
            "{err}"
        );
    }

    #[test]
    fn a_rules_file_needs_a_move() {
        assert!(
            parse("python_roots = [\".\"]\n")
                .unwrap_err()
                .to_string()
                .contains("no [[move]]")
        );
    }

    #[test]
    fn a_move_has_from_or_from_regex() {
        let err = parse("[[move]]\nfrom = \"a\"\nfrom_regex = '^b$'\nto = \"c\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules.toml:3:14: invalid rules file: a [[move]] has `from` (a path or a glob) or \
             `from_regex`, not both"
        );
        let err = parse("[[move]]\nto = \"c\"\n").unwrap_err();
        assert!(err.to_string().starts_with("rules.toml:2:6: "), "{err}");
        let err = parse("[[move]]\nfrom_regex = '^a/(?P<x'\nto = \"c\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("rules.toml:2:14: invalid rules file: from_regex does not parse"),
            "{err}"
        );
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the test's own tree
    fn patterns_wait_for_the_tree_and_keep_their_place() {
        let mut rules = parse(
            "[[move]]\nfrom = \"a\"\nto = \"z/a\"\n\
             [[move]]\nfrom = \"b/*_v2\"\nto = \"v2/\"\n\
             [[move]]\nfrom = \"c\"\nto = \"z/c\"\n",
        )
        .unwrap();
        assert_eq!(rules.moves.len(), 2);
        let tmp = tempfile::tempdir().unwrap();
        for file in [
            "a/__init__.py",
            "b/x_v2/__init__.py",
            "b/y_v2/m.py",
            "c/__init__.py",
        ] {
            let path = tmp.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::File::create(path).unwrap();
        }
        rules.expand_patterns(tmp.path()).unwrap();
        let pairs: Vec<(&str, &str, Option<usize>)> = rules
            .moves
            .iter()
            .map(|m| {
                (
                    m.from.as_str(),
                    m.to.as_str(),
                    m.rule.as_ref().map(|r| r.line),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("a", "z/a", None),
                ("b/x_v2", "v2/x_v2", Some(5)),
                ("b/y_v2", "v2/y_v2", Some(5)),
                ("c", "z/c", None),
            ]
        );
    }
}
