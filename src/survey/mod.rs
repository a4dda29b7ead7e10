//! `regraft survey`: which package directories of the tree look like copies of one another,
//! how far each pair has drifted, who imports each side, and which side is alive (issue #15).
//!
//! In: the root. Out: a ranked [`Survey`] of [`Pair`]s, each with a proposed merge when the
//! two sides share content or history. Reads files and runs `git log` once; writes nothing.
//!
//! The steps, all over one walk of the tree (the walk and import roots of `plan`):
//!
//! 1. Every file is read once, in parallel: a module's import statements (the import scanner
//!    of `check`, [`import_statements`]), the dotted names that start its string literals,
//!    the dotted names and paths of text files (config), and a hash of its text with its own
//!    package's name blanked out.
//! 2. Candidate pairs of *package directories* (directories that hold a `.py`/`.pyi` file
//!    under an import root): the same last name, when exactly two package directories bear
//!    it ([`MAX_SAME_NAME`]); or at least two module names in common, other than `__init__.py`, that are
//!    half or more of the smaller side's; or half or more of the smaller side's non-empty
//!    modules with a twin of the same text once each package's own name is blanked out. A
//!    name or text that more than [`MAX_SHARED`] directories hold is too common to tell
//!    copies apart and is not counted. A pair inside a pair (`a/pkg/sub`, `b/pkg/sub` when
//!    `a/pkg`, `b/pkg` pair) is the same finding and is left out.
//! 3. Each pair is compared module by module (`.py`, `.pyi`; data files travel with their
//!    package) over its whole subtree (relative paths): identical
//!    bytes; identical once the first side's module path (`a.pkg`, `a/pkg`) is written as the
//!    second's, which is what `apply` would do to its imports; or different, with the newest
//!    blob both paths held in git history as the merge base when there is one.
//! 4. Importers of each side: files outside it whose absolute imports, relative imports,
//!    strings (a string literal that starts with the module's dotted name) or text files
//!    (dotted names, paths) name the side. Counted as files, once per kind.
//! 5. One `git log` over the pairs' directories gives each side's last commit and its commits
//!    in the last 90 days, and every blob each path held (for the merge bases).
//!
//! Score (higher first): `2 × (identical + identical after rewriting) + differ files with a
//! merge base`: the files a merge makes redundant, weighted by how little work they need;
//! empty files (an empty `__init__.py`) are listed but score nothing. A pair whose files
//! share neither content nor history scores 0 and gets no proposal; it is listed only when
//! found by its name (a namesake, so that it is known to be unrelated), as shared module
//! names alone are a convention (`models.py`, `apps.py`), not a copy. Ties go to the pair
//! with more files in both, then to path order. The proposed merge moves the
//! side with fewer importers (ties: fewer commits in 90 days, then the older last commit,
//! then the later path) into the other; a side already in an earlier proposal is not
//! proposed again.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::lang::python::import_scan::import_statements;
use crate::lang::python::module_name::ModuleName;
use crate::lang::python::roots::{ImportRoots, resolve_relative};
use crate::resolve::is_module_file;
use crate::rules::is_within;

mod git_log;
pub mod render;

/// Directories that share a last name count as a pair only when at most this many do: the
/// same package name in two places is a finding, while a name that three or more packages
/// bear (`tests`, `utils`, `migrations`) is a convention, and only pairs by shared paths or
/// content.
pub const MAX_SAME_NAME: usize = 2;

/// A module name or a text held by more than this many package directories is too common
/// to pair them.
pub const MAX_SHARED: usize = 32;

/// Days of "recent" git activity.
pub const RECENT_DAYS: i64 = 90;

/// The result of a survey, ranked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Survey {
    /// The pairs, most valuable merge first.
    pub pairs: Vec<Pair>,
    /// Whether the tree is in a git work tree (else no activity and no merge bases).
    pub git: bool,
}

/// Two package directories that look like copies.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pair {
    /// The rank score (see the module doc).
    pub score: usize,
    /// Why the pair was looked at: `same name`, `shared paths`, `same content`.
    pub found_by: Vec<&'static str>,
    /// The first side (in path order).
    pub a: Side,
    /// The second side.
    pub b: Side,
    /// How many module files (relative paths) both sides hold.
    pub both: usize,
    /// Files (relative paths) identical in both.
    pub identical: Vec<String>,
    /// Files identical once `a`'s module path is written as `b`'s.
    pub identical_after_rewriting: Vec<String>,
    /// Files that differ, with their merge base.
    pub differ: Vec<Differ>,
    /// The proposed merge, `null` when none.
    pub proposal: Option<Proposal>,
}

/// One side of a pair.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Side {
    /// The directory, root-relative.
    pub path: String,
    /// Its module name.
    pub module: String,
    /// How many module files (`.py`, `.pyi`) it holds, subpackages included.
    pub files: usize,
    /// Relative paths of the modules only this side holds.
    pub only_here: Vec<String>,
    /// Files outside the side that refer to it.
    pub importers: Importers,
    /// Its git activity; `null` outside git.
    pub git: Option<Activity>,
}

/// Files that refer to a side, per kind of reference (a file counts once per kind, and once
/// in `total`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Importers {
    /// `import a.pkg…`, `from a.pkg… import …`, `from a import pkg`.
    pub absolute: usize,
    /// `from ..pkg import …` and the like, from outside the side.
    pub relative: usize,
    /// Python string literals that start with the dotted module name.
    pub strings: usize,
    /// Text files (TOML, YAML, INI, …) that name the module or a path under the side.
    pub config: usize,
    /// Distinct files.
    pub total: usize,
}

/// Git activity of a side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Activity {
    /// Date (UTC, `YYYY-MM-DD`) of the newest commit that touched the side; `null` when none.
    pub last_commit: Option<String>,
    /// Commits that touched it in the last [`RECENT_DAYS`] days.
    pub recent_commits: usize,
    /// The newest commit time (seconds since the epoch), for ranking.
    #[serde(skip)]
    pub last_time: i64,
}

/// A file that differs between the sides.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Differ {
    /// Its relative path.
    pub path: String,
    /// The merge base: the newest blob both paths held in git history (`{commit, blob}`), or
    /// `null`.
    pub base: Option<Base>,
}

/// A merge base found in git history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Base {
    /// The newest commit that wrote the blob at either path.
    pub commit: String,
    /// The blob.
    pub blob: String,
}

/// A proposed merge: `from` moves into `to`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Proposal {
    /// The side that moves (fewer importers).
    pub from: String,
    /// The side it merges into.
    pub to: String,
    /// Why this direction, in words.
    pub why: String,
}

/// A module or text file as read once: its text, and for a non-empty module the hash of its
/// text with its package's name blanked out.
#[derive(Debug, Default)]
struct Read {
    text: Option<String>,
    shape: Option<u64>,
}

impl Read {
    fn new(root: &Path, roots: &ImportRoots, path: &str) -> Self {
        let is_module = is_module_file(path);
        // Text files whose dotted names and paths count as config references: the kinds
        // a plan rewrites by default.
        let is_text = crate::rules::DEFAULT_TEXT_FILES
            .iter()
            .any(|glob| path.ends_with(glob.trim_start_matches('*')));
        if !is_module && !is_text {
            return Self::default();
        }
        let Ok(text) = std::fs::read_to_string(root.join(path)) else {
            return Self::default();
        };
        let shape = (is_module && !text.trim().is_empty()).then(|| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            match roots.package_of_file(path) {
                Some(p) => hash_blanked(&text, p.as_str(), &mut hasher),
                None => text.hash(&mut hasher),
            }
            hasher.finish()
        });
        Self {
            text: Some(text),
            shape,
        }
    }
}

/// What a file must contain to refer to a side at all, so that most files are never scanned.
struct Needles {
    /// The sides' dotted names and paths: absolute imports, strings and config spell them.
    full: Option<regex::bytes::Regex>,
    /// The sides' last names: `from a.b import pkg` and relative imports spell only those,
    /// after `from <parent>` or `from .`.
    leaves: Option<regex::bytes::Regex>,
    /// A relative import, or an import from a side's parent package, that spells a side's
    /// last name (`from ..pkg import x`, `from . import pkg`, `from a.b import (x, pkg)`).
    from: Option<regex::bytes::Regex>,
}

impl Needles {
    fn new(pairs: &[Pair]) -> Result<Self> {
        let sides: Vec<&Side> = pairs.iter().flat_map(|p| [&p.a, &p.b]).collect();
        let alternation = |words: Vec<String>, wrap: &str| -> Result<Option<regex::bytes::Regex>> {
            if words.is_empty() {
                return Ok(None);
            }
            let mut words = words;
            words.sort_unstable();
            words.dedup();
            let pattern = wrap.replace("{}", &words.join("|"));
            regex::bytes::Regex::new(&pattern)
                .map(Some)
                .map_err(|e| Error::Usage(format!("survey: {e}")))
        };
        let mut full = Vec::new();
        let mut leaves = Vec::new();
        let mut parents = Vec::new();
        for side in &sides {
            full.push(regex::escape(&side.module));
            full.push(regex::escape(&side.path));
            let (parent, leaf) = side.module.rsplit_once('.').unwrap_or(("", &side.module));
            leaves.push(regex::escape(leaf));
            if !parent.is_empty() {
                parents.push(regex::escape(parent));
            }
        }
        leaves.sort_unstable();
        leaves.dedup();
        // `from ..pkg import x`, `from ..a.pkg import x`, or `from . import pkg` / `from
        // parent import (x,\n pkg)`: a relative import or one from a side's parent that
        // spells a side's last name.
        let from = if leaves.is_empty() {
            Vec::new()
        } else {
            let leaf = leaves.join("|");
            let mut parents = parents;
            parents.push(r"\.+[\w.]*".to_owned());
            vec![format!(
                r"\.+[\w.]*(?:{leaf})|(?:{})[ \t]+import[ \t]*(?:\([^)]*|[^\n]*)(?:{leaf})",
                parents.join("|")
            )]
        };
        Ok(Self {
            full: alternation(full, "(?:{})")?,
            // Plain literals, no word boundaries: the search stays a fast multi-literal scan,
            // and the few false hits are only scanned for nothing.
            leaves: alternation(leaves, "(?:{})")?,
            from: alternation(from, r"from[ \t]+(?:{})")?,
        })
    }

    /// The facts of a file that may refer to a side; nothing for the others.
    fn facts(&self, roots: &ImportRoots, path: &str, text: &str) -> Facts {
        let has = |re: &Option<regex::bytes::Regex>| {
            re.as_ref().is_some_and(|re| re.is_match(text.as_bytes()))
        };
        // A dotted name or path of a side ends in its last name too: most files fail here.
        if !has(&self.leaves) {
            Facts::default()
        } else if has(&self.full) {
            Facts::of(roots, path, text, self.full.as_ref())
        } else if is_module_file(path) && has(&self.from) {
            Facts::of(roots, path, text, None)
        } else {
            Facts::default()
        }
    }
}

/// The references a file makes, for counting importers.
#[derive(Debug, Default)]
struct Facts {
    /// Module names an import statement names (absolute; relative ones resolved).
    absolute: Vec<String>,
    relative: Vec<String>,
    /// Dotted names that start a string literal.
    strings: Vec<String>,
    /// Dotted names and paths of a text file.
    config: Vec<String>,
}

/// Surveys the tree at `root`.
///
/// # Errors
/// Walk and git failures.
pub fn survey(root: &Path) -> Result<Survey> {
    let files = crate::walk::walk(root, &[])?;
    let roots = ImportRoots::discover(root, &[]);
    let paths: Vec<&str> = files
        .iter()
        .filter(|f| !f.is_symlink)
        .map(|f| f.path.as_str())
        .collect();
    let reads: Vec<Read> = paths
        .par_iter()
        .map(|path| Read::new(root, &roots, path))
        .collect();

    let packages = package_dirs(&roots, &paths);
    let candidates = candidate_pairs(&packages, &paths, &reads);

    let git = crate::git::Git::detect(root);
    let mut dirs: Vec<&str> = candidates
        .keys()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    let log = match &git {
        Some(git) if !dirs.is_empty() => Some(git_log::GitLog::read(git, root, &dirs)?),
        _ => None,
    };

    let texts: HashMap<&str, &str> = paths
        .iter()
        .zip(&reads)
        .filter_map(|(path, read)| Some((*path, read.text.as_deref()?)))
        .collect();
    let mut pairs: Vec<Pair> = candidates
        .into_par_iter()
        .map(|((a, b), found_by)| {
            compare(
                root,
                &paths,
                &texts,
                &packages,
                log.as_ref(),
                &a,
                &b,
                found_by,
            )
        })
        .collect::<Result<_>>()?;
    // Shared names without shared content or history are a convention (every Django app has
    // `models.py` and `apps.py`), not a copy; a namesake is listed anyway, so that it is known
    // to be unrelated.
    pairs.retain(|p| p.score > 0 || p.found_by.contains(&"same name"));
    let needles = Needles::new(&pairs)?;
    let facts: Vec<Facts> = paths
        .par_iter()
        .zip(&reads)
        .map(|(path, read)| match &read.text {
            Some(text) => needles.facts(&roots, path, text),
            None => Facts::default(),
        })
        .collect();
    count_importers(&mut pairs, &paths, &facts);
    pairs.sort_by(|x, y| {
        y.score
            .cmp(&x.score)
            .then(y.both.cmp(&x.both))
            .then_with(|| (&x.a.path, &x.b.path).cmp(&(&y.a.path, &y.b.path)))
    });
    propose(&mut pairs);
    Ok(Survey {
        pairs,
        git: git.is_some(),
    })
}

/// Package directories: directories under an import root that hold a module file directly,
/// with their module name.
fn package_dirs(roots: &ImportRoots, paths: &[&str]) -> BTreeMap<String, ModuleName> {
    let mut out = BTreeMap::new();
    for path in paths {
        if !is_module_file(path) {
            continue;
        }
        let Some((dir, _)) = path.rsplit_once('/') else {
            continue;
        };
        if out.contains_key(dir) {
            continue;
        }
        if let Some(module) = roots.module_of_dir(dir).filter(|m| !m.is_empty()) {
            out.insert(dir.to_owned(), module);
        }
    }
    out
}

fn parent_and_name(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// The pairs worth comparing, with why (see the module doc, step 2).
fn candidate_pairs(
    packages: &BTreeMap<String, ModuleName>,
    paths: &[&str],
    reads: &[Read],
) -> BTreeMap<(String, String), Vec<&'static str>> {
    let mut found: BTreeMap<(String, String), Vec<&'static str>> = BTreeMap::new();
    let mut add = |a: &str, b: &str, why: &'static str| {
        if is_within(a, b) || is_within(b, a) {
            return;
        }
        let key = if a < b { (a, b) } else { (b, a) };
        let reasons = found
            .entry((key.0.to_owned(), key.1.to_owned()))
            .or_default();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    };

    // Same last name.
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for dir in packages.keys() {
        by_name.entry(parent_and_name(dir).1).or_default().push(dir);
    }
    for dirs in by_name.values().filter(|d| d.len() <= MAX_SAME_NAME) {
        for (i, a) in dirs.iter().enumerate() {
            for b in &dirs[i + 1..] {
                add(a, b, "same name");
            }
        }
    }

    // Shared module names and shared texts, per directory.
    let mut names: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut shapes: HashMap<u64, Vec<&str>> = HashMap::new();
    let mut own_names: HashMap<&str, usize> = HashMap::new();
    let mut own_shapes: HashMap<&str, usize> = HashMap::new();
    for (path, read) in paths.iter().zip(reads) {
        if !is_module_file(path) {
            continue;
        }
        let (dir, name) = parent_and_name(path);
        if !packages.contains_key(dir) {
            continue;
        }
        if name != "__init__.py" {
            names.entry(name).or_default().push(dir);
            *own_names.entry(dir).or_default() += 1;
        }
        if let Some(shape) = read.shape {
            shapes.entry(shape).or_default().push(dir);
            *own_shapes.entry(dir).or_default() += 1;
        }
    }
    for (groups, own, why, at_least) in [
        (
            names.into_values().collect::<Vec<_>>(),
            &own_names,
            "shared paths",
            2,
        ),
        (
            shapes.into_values().collect(),
            &own_shapes,
            "same content",
            1,
        ),
    ] {
        let mut shared: HashMap<(&str, &str), usize> = HashMap::new();
        for mut dirs in groups {
            dirs.sort_unstable();
            dirs.dedup();
            if dirs.len() > MAX_SHARED {
                continue;
            }
            for (i, a) in dirs.iter().enumerate() {
                for b in &dirs[i + 1..] {
                    *shared.entry((a, b)).or_default() += 1;
                }
            }
        }
        let mut keys: Vec<_> = shared.into_iter().collect();
        keys.sort_unstable();
        for ((a, b), count) in keys {
            let smaller = own[a].min(own[b]);
            if count >= at_least && count * 2 >= smaller {
                add(a, b, why);
            }
        }
    }

    // A pair inside a pair is the same finding.
    let keys: BTreeSet<(String, String)> = found.keys().cloned().collect();
    found.retain(|(a, b), _| {
        let (mut a, mut b) = (a.as_str(), b.as_str());
        loop {
            let ((pa, na), (pb, nb)) = (parent_and_name(a), parent_and_name(b));
            if na != nb || pa.is_empty() || pb.is_empty() || pa == pb {
                return true;
            }
            let key = if pa < pb { (pa, pb) } else { (pb, pa) };
            if keys.contains(&(key.0.to_owned(), key.1.to_owned())) {
                return false;
            }
            (a, b) = (pa, pb);
        }
    });
    found
}

impl Facts {
    /// The references in `text`, the text of `path`; strings and config only around the
    /// matches of `spelled` (the sides' dotted names and paths), when the text has any.
    fn of(
        roots: &ImportRoots,
        path: &str,
        text: &str,
        spelled: Option<&regex::bytes::Regex>,
    ) -> Self {
        if !is_module_file(path) {
            let Some(spelled) = spelled else {
                return Self::default();
            };
            return Self {
                config: dotted_tokens(text, spelled, |_| true),
                ..Self::default()
            };
        }
        let package = roots.package_of_file(path);
        let mut facts = Self::default();
        for statement in import_statements(text) {
            imported_modules(statement.text, package.as_ref(), &mut facts);
        }
        if let Some(spelled) = spelled {
            facts.strings =
                dotted_tokens(text, spelled, |before| matches!(before, Some(b'"' | b'\'')));
        }
        facts
    }
}

/// The modules an import statement names (with `from x import a, b`: `x`, `x.a`, `x.b`, as
/// `a` may be a submodule).
fn imported_modules(statement: &str, package: Option<&ModuleName>, facts: &mut Facts) {
    // An import statement holds no string, so a `#` starts a comment (inside parentheses a
    // line of a long import can end with one: `from . import (a,  # note` / `b)`).
    let uncommented: String = statement
        .lines()
        .map(|line| line.split_once('#').map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    let text: String = uncommented
        .chars()
        .map(|c| {
            if matches!(c, '(' | ')' | '\\' | '\n') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut words = text.split_whitespace();
    match words.next() {
        Some("import") => {
            let rest: Vec<&str> = words.collect();
            for item in rest.join(" ").split(',') {
                if let Some(name) = item.split_whitespace().next()
                    && ModuleName::new(name).is_some()
                {
                    facts.absolute.push(name.to_owned());
                }
            }
        }
        Some("from") => {
            let Some(source) = words.next() else { return };
            if words.next() != Some("import") {
                return;
            }
            let names: Vec<String> = words
                .collect::<Vec<_>>()
                .join(" ")
                .split(',')
                .filter_map(|item| item.split_whitespace().next().map(str::to_owned))
                .filter(|n| n != "*")
                .collect();
            let dots = source.bytes().take_while(|b| *b == b'.').count();
            let (module, relative) = if dots == 0 {
                (ModuleName::new(source), false)
            } else {
                let rest = &source[dots..];
                (
                    resolve_relative(package, dots, (!rest.is_empty()).then_some(rest)),
                    true,
                )
            };
            let Some(module) = module else { return };
            let out = if relative {
                &mut facts.relative
            } else {
                &mut facts.absolute
            };
            for name in &names {
                if let Some(sub) = module.join(name) {
                    out.push(sub.as_str().to_owned());
                }
            }
            out.push(module.as_str().to_owned());
        }
        _ => {}
    }
}

/// The dotted names (`a.b`, at least two components) and paths (`a/b`) of `text` around the
/// matches of `spelled`, whose preceding byte passes `before`. Only the matches are looked
/// at, so that a large document costs one search.
fn dotted_tokens(
    text: &str,
    spelled: &regex::bytes::Regex,
    before: impl Fn(Option<u8>) -> bool,
) -> Vec<String> {
    let bytes = text.as_bytes();
    let part = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/');
    let mut out = Vec::new();
    let mut done = 0;
    for m in spelled.find_iter(bytes) {
        if m.start() < done {
            continue;
        }
        let mut start = m.start();
        while start > 0 && part(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = m.end();
        while end < bytes.len() && part(bytes[end]) {
            end += 1;
        }
        done = end;
        // Only a token that starts as a name does: not `.a.b`, not `2/a/b`.
        let token = text[start..end].trim_end_matches(['.', '/']);
        if token.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && token.contains(['.', '/'])
            && before(start.checked_sub(1).map(|p| bytes[p]))
        {
            out.push(token.to_owned());
        }
    }
    out
}

/// Hashes `text` with the module name `module` (whole dotted components) left out: the same
/// as hashing [`replace_module`]`(text, module, "")`, without building it.
fn hash_blanked(text: &str, module: &str, hasher: &mut impl Hasher) {
    let mut last = 0;
    for (at, end) in module_spans(text, module) {
        hasher.write(&text.as_bytes()[last..at]);
        hasher.write_u8(1);
        last = end;
    }
    hasher.write(&text.as_bytes()[last..]);
}

/// The byte spans where module name `module` stands in `text` on whole dotted components.
fn module_spans<'t>(text: &'t str, module: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut last = 0;
    text.match_indices(module).filter_map(move |(at, _)| {
        let end = at + module.len();
        let starts = at == 0 || !(word(bytes[at - 1]) || bytes[at - 1] == b'.');
        let ends = end == bytes.len() || !word(bytes[end]);
        (starts && ends && at >= last).then(|| {
            last = end;
            (at, end)
        })
    })
}

/// `text` with the module name `from` (whole dotted components) written as `to`.
fn replace_module(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, end) in module_spans(text, from) {
        out.push_str(&text[last..at]);
        out.push_str(to);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Compares the two sides of a pair (step 3).
#[allow(clippy::too_many_arguments)]
fn compare(
    root: &Path,
    paths: &[&str],
    texts: &HashMap<&str, &str>,
    packages: &BTreeMap<String, ModuleName>,
    log: Option<&git_log::GitLog>,
    a: &str,
    b: &str,
    found_by: Vec<&'static str>,
) -> Result<Pair> {
    // `paths` is sorted, so the files under `dir/` are one run of it. Only modules are
    // compared: data files (translations, fixtures) travel with their package.
    let under = |dir: &str| -> BTreeSet<String> {
        let prefix = format!("{dir}/");
        let start = paths.partition_point(|p| *p < prefix.as_str());
        paths[start..]
            .iter()
            .take_while(|p| p.starts_with(&prefix))
            .filter(|p| is_module_file(p))
            .map(|p| p[prefix.len()..].to_owned())
            .collect()
    };
    let (files_a, files_b) = (under(a), under(b));
    let (module_a, module_b) = (&packages[a], &packages[b]);
    let mut identical = Vec::new();
    let mut after = Vec::new();
    let mut differ = Vec::new();
    let mut both = 0;
    let mut score = 0;
    for rel in files_a.intersection(&files_b) {
        both += 1;
        // The texts read in step 1; a file that is not UTF-8 is read again as bytes.
        let read = |dir: &str| -> Result<std::borrow::Cow<'_, [u8]>> {
            if let Some(text) = texts.get(format!("{dir}/{rel}").as_str()) {
                return Ok(std::borrow::Cow::Borrowed(text.as_bytes()));
            }
            let full = root.join(dir).join(rel);
            std::fs::read(&full)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| Error::io(&full, e))
        };
        let (bytes_a, bytes_b) = (read(a)?, read(b)?);
        // An empty file (`__init__.py`) is no evidence of a copy.
        let weight = if bytes_a.trim_ascii().is_empty() {
            0
        } else {
            2
        };
        if bytes_a == bytes_b {
            identical.push(rel.clone());
            score += weight;
            continue;
        }
        let rewritten = std::str::from_utf8(&bytes_a).ok().map(|text| {
            let text = replace_module(text, module_a.as_str(), module_b.as_str());
            text.replace(&format!("{a}/"), &format!("{b}/"))
        });
        if rewritten.as_deref().map(str::as_bytes) == Some(&*bytes_b) {
            after.push(rel.clone());
            score += weight;
            continue;
        }
        let base =
            log.and_then(|log| log.common_blob(&format!("{a}/{rel}"), &format!("{b}/{rel}")));
        score += usize::from(base.is_some());
        differ.push(Differ {
            path: rel.clone(),
            base,
        });
    }
    let side =
        |dir: &str, module: &ModuleName, own: &BTreeSet<String>, other: &BTreeSet<String>| Side {
            path: dir.to_owned(),
            module: module.as_str().to_owned(),
            files: own.len(),
            only_here: own.difference(other).cloned().collect(),
            importers: Importers::default(),
            git: log.map(|log| log.activity(dir)),
        };
    Ok(Pair {
        score,
        found_by,
        a: side(a, module_a, &files_a, &files_b),
        b: side(b, module_b, &files_b, &files_a),
        both,
        identical,
        identical_after_rewriting: after,
        differ,
        proposal: None,
    })
}

/// Counts the importers of every side (step 4).
fn count_importers(pairs: &mut [Pair], paths: &[&str], facts: &[Facts]) {
    // The sides, by module and by directory. Two sides can bear the same module name under
    // two import roots (`pkg/` and `src/pkg/`): a dotted name then counts for both, a path
    // for the one it names.
    let mut by_module: HashMap<String, Vec<String>> = HashMap::new();
    let mut dirs: HashSet<String> = HashSet::new();
    for pair in pairs.iter() {
        for side in [&pair.a, &pair.b] {
            let same = by_module.entry(side.module.clone()).or_default();
            if !same.contains(&side.path) {
                same.push(side.path.clone());
            }
            dirs.insert(side.path.clone());
        }
    }
    // The sides (their directories) a dotted name or path falls under.
    let sides_of = |token: &str| -> Vec<&str> {
        let mut out = Vec::new();
        let separator = if token.contains('/') { '/' } else { '.' };
        let mut at = token;
        loop {
            if separator == '/' {
                out.extend(dirs.get(at).map(String::as_str));
            } else {
                out.extend(by_module.get(at).into_iter().flatten().map(String::as_str));
            }
            match at.rsplit_once(separator) {
                Some((parent, _)) => at = parent,
                None => break,
            }
        }
        out
    };
    let mut counts: HashMap<&str, Importers> = HashMap::new();
    for (path, fact) in paths.iter().zip(facts) {
        let mut hit: HashMap<&str, [bool; 4]> = HashMap::new();
        for (kind, tokens) in [&fact.absolute, &fact.relative, &fact.strings, &fact.config]
            .into_iter()
            .enumerate()
        {
            for token in tokens {
                for side in sides_of(token) {
                    if !is_within(path, side) {
                        hit.entry(side).or_default()[kind] = true;
                    }
                }
            }
        }
        for (side, kinds) in hit {
            let c = counts.entry(side).or_default();
            c.absolute += usize::from(kinds[0]);
            c.relative += usize::from(kinds[1]);
            c.strings += usize::from(kinds[2]);
            c.config += usize::from(kinds[3]);
            c.total += 1;
        }
    }
    let counts: HashMap<String, Importers> = counts
        .into_iter()
        .map(|(side, c)| (side.to_owned(), c))
        .collect();
    for pair in pairs {
        for side in [&mut pair.a, &mut pair.b] {
            side.importers = counts.get(&side.path).cloned().unwrap_or_default();
        }
    }
}

/// Proposes a merge for each pair that shares content or history, in rank order, never
/// moving or merging into a directory an earlier proposal already uses.
fn propose(pairs: &mut [Pair]) {
    let mut used: Vec<String> = Vec::new();
    for pair in pairs {
        if pair.score == 0 {
            continue;
        }
        if used.iter().any(|u| {
            [&pair.a.path, &pair.b.path]
                .iter()
                .any(|p| is_within(p, u) || is_within(u, p))
        }) {
            continue;
        }
        let key = |s: &Side| {
            let git = s.git.as_ref();
            (
                s.importers.total,
                git.map_or(0, |g| g.recent_commits),
                git.map_or(0, |g| g.last_time),
            )
        };
        // The side with the smaller key moves; on a full tie, the later path.
        let (from, to) = if key(&pair.a) < key(&pair.b) {
            (&pair.a, &pair.b)
        } else {
            (&pair.b, &pair.a)
        };
        let count = |n: usize| crate::report::plural(n, "importer", "importers");
        let why = if from.importers.total != to.importers.total {
            format!(
                "{} has fewer importers: {} against {}",
                from.path, from.importers.total, to.importers.total
            )
        } else if key(from) == key(to) {
            format!(
                "both have {} and the same git activity; the later path moves",
                count(from.importers.total)
            )
        } else {
            format!(
                "both have {}; {} is the less active side in git",
                count(from.importers.total),
                from.path
            )
        };
        used.push(from.path.clone());
        used.push(to.path.clone());
        pair.proposal = Some(Proposal {
            from: from.path.clone(),
            to: to.path.clone(),
            why,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_replaced_on_whole_components() {
        assert_eq!(
            replace_module(
                "from a.pkg.x import y\nimport a.pkg\nimport a.pkg_old, b.a.pkg\n",
                "a.pkg",
                "b.pkg"
            ),
            "from b.pkg.x import y\nimport b.pkg\nimport a.pkg_old, b.a.pkg\n"
        );
    }

    #[test]
    fn dotted_tokens_of_strings_and_text() {
        let text = "patch(\"a.b.c\")\nx = 'a/b/d.csv'\ny = a.b\nz = x.a.b\n";
        let spelled = regex::bytes::Regex::new(r"a\.b|a/b").unwrap();
        assert_eq!(
            dotted_tokens(text, &spelled, |b| matches!(b, Some(b'"' | b'\''))),
            ["a.b.c", "a/b/d.csv"]
        );
        assert_eq!(
            dotted_tokens(text, &spelled, |_| true),
            ["a.b.c", "a/b/d.csv", "a.b", "x.a.b"]
        );
    }

    #[test]
    fn import_statements_name_their_modules() {
        let package = ModuleName::new("app.billing").unwrap();
        let mut facts = Facts::default();
        imported_modules("import a.b as c, d", Some(&package), &mut facts);
        imported_modules(
            "from ..shipping import (rates,\n fees as f)",
            Some(&package),
            &mut facts,
        );
        imported_modules("from a import *", Some(&package), &mut facts);
        assert_eq!(facts.absolute, ["a.b", "d", "a"]);
        assert_eq!(
            facts.relative,
            ["app.shipping.rates", "app.shipping.fees", "app.shipping"]
        );
    }

    #[test]
    fn a_comment_inside_an_import_hides_no_name() {
        let package = ModuleName::new("app.billing").unwrap();
        let mut facts = Facts::default();
        imported_modules(
            "from . import (invoices,  # the old ones\n    refunds)",
            Some(&package),
            &mut facts,
        );
        assert_eq!(
            facts.relative,
            ["app.billing.invoices", "app.billing.refunds", "app.billing"]
        );
    }
}
