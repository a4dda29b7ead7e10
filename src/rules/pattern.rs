//! Pattern rules: a `[[move]]` whose `from` is a glob, or whose `from_regex` is a regular
//! expression with named captures that `to` uses as `${name}` (issue #15).
//!
//! In: the pattern as written and the tree's root-relative paths (module files and the
//! directories that hold files, after the walk's ignores and `exclude`). Out: plain
//! [`DirMove`]s, one per match, each naming the rule it came from, so that everything after
//! the rules (plan, merge, rewrite, journal, undo, check) sees ordinary moves.
//!
//! A move already carried out is found again from its destination: a path under the glob's
//! `to/` whose source would match the pattern and is gone from the tree, or, for a regex whose
//! shape is text and named groups only, a path that `to` could have produced. So `plan` after
//! `apply` finds the moves done, and `check` knows their retired paths.

use std::collections::BTreeSet;

use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;

use super::{DirMove, MoveRule, is_within};

/// What a pattern rule matches.
#[derive(Debug, Clone)]
pub(super) enum Matcher {
    /// `from` with glob metacharacters; `*` and `?` stay inside one path component, `**`
    /// crosses them.
    Glob {
        matcher: GlobMatcher,
        /// The glob's directory part when it has no metacharacters (`a/b` of `a/b/x_*.py`).
        literal_parent: Option<String>,
    },
    /// `from_regex`, anchored at both ends of the path.
    Regex {
        regex: Regex,
        /// The source path as a template of text and group names, when the regex is only that
        /// (`^services/(?P<name>\w+)_v2$` → `services/${name}_v2`): it finds done moves again.
        source: Option<Vec<Piece>>,
    },
}

/// A piece of a `to` template, or of a regex read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    Group(String),
}

/// One pattern `[[move]]`, compiled.
#[derive(Debug, Clone)]
pub(super) struct PatternMove {
    pub(super) matcher: Matcher,
    /// `to` as written, split into text and `${name}` references (a glob's `to` is all text).
    pub(super) to: Vec<Piece>,
    /// `to` ends with `/`: each match goes into that directory under its own name.
    pub(super) into_dir: bool,
    /// Where the rule is, for the plan and for errors.
    pub(super) rule: MoveRule,
}

/// True when `from` is a glob rather than a path.
pub(super) fn is_glob(from: &str) -> bool {
    from.contains(['*', '?', '[', '{'])
}

/// Why a pattern cannot be compiled, with a help line.
pub(super) struct PatternError {
    pub(super) message: String,
    pub(super) help: &'static str,
    /// The error is about `to` rather than `from`/`from_regex`.
    pub(super) at_to: bool,
}

impl PatternError {
    fn from(message: String, help: &'static str) -> Self {
        Self {
            message,
            help,
            at_to: false,
        }
    }
    fn to(message: String, help: &'static str) -> Self {
        Self {
            message,
            help,
            at_to: true,
        }
    }
}

impl PatternMove {
    /// Compiles a glob rule; its `to` must be a directory (`…/`).
    pub(super) fn glob(from: &str, to: &str, rule: MoveRule) -> Result<Self, PatternError> {
        let from = from.trim_start_matches("./");
        let matcher = GlobBuilder::new(from)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                PatternError::from(
                    format!("glob `{from}` does not parse: {}", e.kind()),
                    "`*` and `?` match inside one path component, `**` across them, `[ab]` \
                     one of a set, `{a,b}` either",
                )
            })?
            .compile_matcher();
        if !to.ends_with('/') {
            return Err(PatternError::to(
                format!("move.to `{to}`: a glob `from` needs a directory `to`, ending in `/`"),
                "write `to = \"dir/\"` to move every match into `dir` under its own name, or \
                 use `from_regex` with named groups to name each destination",
            ));
        }
        let parent = from.rsplit_once('/').map_or("", |(p, _)| p);
        Ok(Self {
            matcher: Matcher::Glob {
                matcher,
                literal_parent: (!is_glob(parent)).then(|| parent.to_owned()),
            },
            to: vec![Piece::Text(to.to_owned())],
            into_dir: true,
            rule,
        })
    }

    /// Compiles a `from_regex` rule and its `to` template.
    pub(super) fn regex(pattern: &str, to: &str, rule: MoveRule) -> Result<Self, PatternError> {
        let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
            PatternError::from(
                format!("from_regex does not parse: {e}"),
                "the syntax is the `regex` crate's (https://docs.rs/regex); name the parts `to` \
                 uses: `(?P<name>\\w+)`",
            )
        })?;
        let template = parse_template(to)?;
        let names: BTreeSet<&str> = regex.capture_names().flatten().collect();
        for piece in &template {
            if let Piece::Group(name) = piece
                && !names.contains(name.as_str())
            {
                return Err(PatternError::to(
                    format!("move.to `{to}`: from_regex has no group named `{name}`"),
                    "name the group in from_regex: `(?P<name>…)`, and use it in `to` as \
                     `${name}`",
                ));
            }
        }
        Ok(Self {
            matcher: Matcher::Regex {
                source: regex_as_template(pattern),
                regex,
            },
            into_dir: to.ends_with('/'),
            to: template,
            rule,
        })
    }
}

/// Splits a `to` template into text and `${name}` / `$name` references (`$$` is a `$`).
fn parse_template(to: &str) -> Result<Vec<Piece>, PatternError> {
    let bad = |why: &str| {
        PatternError::to(
            format!("move.to `{to}`: {why}"),
            "refer to a named group of from_regex as `${name}`; write `$$` for a `$`",
        )
    };
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = to;
    while let Some(at) = rest.find('$') {
        text.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let name = if let Some(after) = rest.strip_prefix('$') {
            text.push('$');
            rest = after;
            continue;
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = after.find('}').ok_or_else(|| bad("`${` is not closed"))?;
            rest = &after[end + 1..];
            &after[..end]
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            rest = &rest[end..];
            name
        };
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(bad(
                "a `$` reference needs a group name (numbered groups are not used)",
            ));
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(Piece::Group(name.to_owned()));
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The regex as a template of text and named groups, when it is nothing else (anchors
/// aside); `None` for any other shape (alternatives, classes or repetitions outside a group).
fn regex_as_template(pattern: &str) -> Option<Vec<Piece>> {
    use regex_syntax::hir::{HirKind, Look};
    fn walk(hir: &regex_syntax::hir::Hir, out: &mut Vec<Piece>) -> Option<()> {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(Look::Start | Look::End) => {}
            HirKind::Literal(literal) => {
                let text = std::str::from_utf8(&literal.0).ok()?;
                match out.last_mut() {
                    Some(Piece::Text(last)) => last.push_str(text),
                    _ => out.push(Piece::Text(text.to_owned())),
                }
            }
            HirKind::Capture(capture) => {
                out.push(Piece::Group(capture.name.as_deref()?.to_owned()));
            }
            HirKind::Concat(parts) => {
                for part in parts {
                    walk(part, out)?;
                }
            }
            _ => return None,
        }
        Some(())
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut pieces = Vec::new();
    walk(&hir, &mut pieces)?;
    Some(pieces)
}

/// The paths of the tree a pattern may match: module files (`.py`, `.pyi`) and every
/// directory that holds a file (the root itself excepted).
#[derive(Debug, Default)]
pub(super) struct TreePaths {
    paths: BTreeSet<String>,
}

impl TreePaths {
    /// The paths of the walked files.
    pub(super) fn new<'a>(files: impl IntoIterator<Item = &'a str>) -> Self {
        let mut paths = BTreeSet::new();
        for file in files {
            if crate::resolve::is_module_file(file) {
                paths.insert(file.to_owned());
            }
            let mut dir = file;
            while let Some((parent, _)) = dir.rsplit_once('/') {
                if !paths.insert(parent.to_owned()) {
                    break;
                }
                dir = parent;
            }
        }
        Self { paths }
    }

    fn contains(&self, path: &str) -> bool {
        self.paths.contains(path)
    }
}

fn basename(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

impl PatternMove {
    /// The moves this rule means on `tree`: every path it matches, and every move of it that
    /// was already carried out (the destination is there, the source gone).
    ///
    /// # Errors
    /// A destination that leaves the root; expansions that collide or nest; no match at all.
    pub(super) fn expand(&self, tree: &TreePaths) -> Result<Vec<DirMove>, PatternError> {
        let mut moves = Vec::new();
        for path in &tree.paths {
            if let Some(to) = self.destination(path)? {
                moves.push(self.dir_move(path.clone(), to));
            }
        }
        let mut done = self.done_moves(tree)?;
        // A path inside a source still to move is that source's content, not a done move.
        done.retain(|d| !moves.iter().any(|m| is_within(&d.to, &m.from)));
        // Of done moves that nest (a regex group that spans `/`), the outermost is the move.
        done.sort_by(|a, b| a.to.cmp(&b.to));
        let mut outermost: Vec<DirMove> = Vec::new();
        for m in done {
            if !outermost.iter().any(|o| is_within(&m.to, &o.to)) {
                outermost.push(m);
            }
        }
        moves.extend(outermost);
        moves.sort_by(|a, b| a.from.cmp(&b.from));
        if moves.is_empty() {
            return Err(PatternError::from(
                format!("{} matches nothing in the tree", self.rule.written()),
                "patterns match whole root-relative paths of directories and .py/.pyi files \
                 (`*` stays inside one component); files hidden by .gitignore or `exclude` \
                 are not seen",
            ));
        }
        self.refuse_clashes(&moves)?;
        Ok(moves)
    }

    fn dir_move(&self, from: String, to: String) -> DirMove {
        DirMove {
            from,
            to,
            rule: Some(self.rule.clone()),
        }
    }

    /// Where `path` goes when the rule matches it.
    fn destination(&self, path: &str) -> Result<Option<String>, PatternError> {
        let filled = match &self.matcher {
            Matcher::Glob { matcher, .. } => {
                if !matcher.is_match(path) {
                    return Ok(None);
                }
                fill(&self.to, |_| None)
            }
            Matcher::Regex { regex, .. } => {
                let Some(captures) = regex.captures(path) else {
                    return Ok(None);
                };
                fill(&self.to, |name| captures.name(name).map(|m| m.as_str()))
            }
        };
        let to = if self.into_dir {
            join(filled.trim_end_matches('/'), basename(path))
        } else {
            filled
        };
        super::relative_path("move.to", &to, None)
            .map(Some)
            .map_err(|e| {
                PatternError::to(
                    format!("{e} (from `{path}`)"),
                    "every destination must stay under the root",
                )
            })
    }

    /// Moves of this rule already carried out: sources gone from the tree whose destination
    /// is there.
    fn done_moves(&self, tree: &TreePaths) -> Result<Vec<DirMove>, PatternError> {
        let mut sources: Vec<(String, &str)> = Vec::new();
        match &self.matcher {
            Matcher::Glob {
                literal_parent,
                matcher,
            } => {
                let dir = fill(&self.to, |_| None);
                let dir = dir.trim_end_matches('/');
                let parents: Vec<&str> = match literal_parent {
                    Some(parent) => vec![parent.as_str()],
                    None => std::iter::once("")
                        .chain(tree.paths.iter().map(String::as_str))
                        .collect(),
                };
                for q in &tree.paths {
                    if q.rsplit_once('/').map_or("", |(p, _)| p) != dir {
                        continue;
                    }
                    let found: Vec<String> = parents
                        .iter()
                        .map(|p| join(p, basename(q)))
                        .filter(|s| matcher.is_match(s) && !tree.contains(s))
                        .collect();
                    // With a wildcard directory, a name found under two of them is no proof.
                    if let [source] = found.as_slice() {
                        sources.push((source.clone(), q));
                    }
                }
            }
            Matcher::Regex {
                source: Some(source),
                ..
            } => {
                let mut inverse = String::from("^");
                let mut groups = Vec::new();
                for piece in &self.to {
                    match piece {
                        Piece::Text(text) => inverse.push_str(&regex::escape(text)),
                        Piece::Group(name) => {
                            inverse.push_str("(.+?)");
                            groups.push(name.as_str());
                        }
                    }
                }
                if self.into_dir {
                    inverse.push_str("([^/]+)");
                }
                inverse.push('$');
                let Ok(inverse) = Regex::new(&inverse) else {
                    return Ok(Vec::new());
                };
                for q in &tree.paths {
                    let Some(captures) = inverse.captures(q) else {
                        continue;
                    };
                    let mut values: Vec<(&str, &str)> = Vec::new();
                    let consistent = groups.iter().enumerate().all(|(i, name)| {
                        let value = captures.get(i + 1).map_or("", |m| m.as_str());
                        if let Some((_, v)) = values.iter().find(|(n, _)| n == name) {
                            *v == value
                        } else {
                            values.push((name, value));
                            true
                        }
                    });
                    if !consistent {
                        continue;
                    }
                    let candidate = fill(source, |name| {
                        values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
                    });
                    if !tree.contains(&candidate) {
                        sources.push((candidate, q));
                    }
                }
            }
            Matcher::Regex { source: None, .. } => {}
        }
        let mut moves = Vec::new();
        for (source, q) in sources {
            // The forward rule decides: the source must match and go exactly there.
            if self.destination(&source)?.as_deref() == Some(q)
                && crate::resolve::is_module_file(&source) == crate::resolve::is_module_file(q)
            {
                moves.push(self.dir_move(source, q.to_owned()));
            }
        }
        Ok(moves)
    }

    /// Expansions that collide (two sources, one destination) or nest are refused.
    fn refuse_clashes(&self, moves: &[DirMove]) -> Result<(), PatternError> {
        let help = "make the pattern narrower (anchor it, or use `[^/]` / `*` rather than \
                    `.*` / `**`), or write the moves that clash as separate rules";
        for (i, a) in moves.iter().enumerate() {
            for b in &moves[i + 1..] {
                let why = if a.to == b.to {
                    format!("sends both `{}` and `{}` to `{}`", a.from, b.from, a.to)
                } else if is_within(&b.from, &a.from) || is_within(&a.from, &b.from) {
                    let (outer, inner) = if is_within(&b.from, &a.from) {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    format!(
                        "matches `{}` and `{}`, which lies inside it",
                        outer.from, inner.from
                    )
                } else if let Some((m, src)) = [(a, b), (b, a)]
                    .into_iter()
                    .find(|(m, src)| is_within(&m.to, &src.from))
                {
                    format!(
                        "moves `{}` to `{}`, which lies inside `{}`, another match",
                        m.from, m.to, src.from
                    )
                } else if is_within(&a.to, &b.to) || is_within(&b.to, &a.to) {
                    format!(
                        "sends `{}` to `{}` and `{}` to `{}`, one inside the other",
                        a.from, a.to, b.from, b.to
                    )
                } else {
                    continue;
                };
                return Err(PatternError::from(
                    format!("{} {why}", self.rule.written()),
                    help,
                ));
            }
        }
        for m in moves {
            if is_within(&m.to, &m.from) {
                return Err(PatternError::from(
                    format!(
                        "{} moves `{}` to `{}`, which lies inside it",
                        self.rule.written(),
                        m.from,
                        m.to
                    ),
                    help,
                ));
            }
        }
        Ok(())
    }
}

/// The template with each group replaced by its value (`""` when it has none).
fn fill<'v>(pieces: &[Piece], value: impl Fn(&str) -> Option<&'v str>) -> String {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.as_str(),
            Piece::Group(name) => value(name).unwrap_or(""),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> MoveRule {
        MoveRule {
            file: "rules.toml".into(),
            line: 2,
            key: "from_regex",
            pattern: String::new(),
        }
    }

    fn text(s: &str) -> Piece {
        Piece::Text(s.into())
    }

    fn group(s: &str) -> Piece {
        Piece::Group(s.into())
    }

    #[test]
    fn templates_split_into_text_and_groups() {
        assert_eq!(
            parse_template("services/v2/${name}_$kind/$$x").ok(),
            Some(vec![
                text("services/v2/"),
                group("name"),
                text("_"),
                group("kind"),
                text("/$x"),
            ])
        );
        assert!(parse_template("a/${1}").is_err());
        assert!(parse_template("a/${name").is_err());
    }

    #[test]
    fn a_regex_of_text_and_named_groups_reads_as_a_template() {
        assert_eq!(
            regex_as_template(r"^services/(?P<name>\w+)_v2$"),
            Some(vec![text("services/"), group("name"), text("_v2")])
        );
        assert_eq!(
            regex_as_template(r"lib/(?P<a>[a-z]+)\.py"),
            Some(vec![text("lib/"), group("a"), text(".py")])
        );
        // An alternative or an unnamed group outside has no single source to rebuild.
        assert_eq!(regex_as_template(r"^(a|b)/(?P<n>\w+)$"), None);
        assert_eq!(regex_as_template(r"^x/(\w+)$"), None);
    }

    #[test]
    fn a_done_regex_move_is_found_from_its_destination() {
        let pattern = PatternMove::regex(
            r"^services/(?P<name>\w+)_v2$",
            "services/v2/${name}",
            rule(),
        )
        .ok()
        .unwrap();
        // billing was moved already; shipping is still to move.
        let tree = TreePaths::new([
            "services/__init__.py",
            "services/v2/billing/__init__.py",
            "services/shipping_v2/__init__.py",
        ]);
        let moves = pattern.expand(&tree).ok().unwrap();
        let pairs: Vec<(&str, &str)> = moves
            .iter()
            .map(|m| (m.from.as_str(), m.to.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("services/billing_v2", "services/v2/billing"),
                ("services/shipping_v2", "services/v2/shipping"),
            ]
        );
    }

    #[test]
    fn a_glob_matches_inside_one_component() {
        let pattern = PatternMove::glob("a/x_*.py", "b/", rule()).ok().unwrap();
        let tree = TreePaths::new(["a/x_1.py", "a/x_2.pyi", "a/sub/x_3.py", "a/x_4.md"]);
        let moves = pattern.expand(&tree).ok().unwrap();
        let pairs: Vec<(&str, &str)> = moves
            .iter()
            .map(|m| (m.from.as_str(), m.to.as_str()))
            .collect();
        assert_eq!(pairs, [("a/x_1.py", "b/x_1.py")]);
    }
}
