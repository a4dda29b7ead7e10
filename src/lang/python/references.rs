//! References that are not import statements: module paths and file paths written as text,
//! in Python strings (`mock.patch("a.b.f")`, `import_module("a.b")`, `"a/b/data.csv"`) and in
//! other files (entry points in TOML, logging YAML, `--cov=a.b` in INI, Sphinx directives).
//!
//! In: the moves, the module index of the tree, and a piece of text. Out: the new text, only
//! when the piece names something that really moves: a module in the index under a moved
//! package, or that module plus an attribute chain whose first name the module defines, or
//! a file or directory under SRC. A single word is never a reference, so `market_regime` in
//! prose is never touched. Reads module files (to learn what they define), never writes.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::lang::python::module_name::ModuleName;
use crate::lang::python::roots::ImportRoots;
use crate::lang::{Change, RefKind};
use crate::resolve::ModuleMoves;
use crate::walk::WalkedFile;

/// Every module and package of the tree, with the files that define it (none for a
/// namespace package; a `.py` file and its `.pyi` stub both, when both exist).
#[derive(Debug, Default)]
pub struct ModuleIndex {
    modules: HashMap<ModuleName, Vec<String>>,
    /// Modules built from Cython sources or shipped compiled (`.pyx`, `.so`, `.pyd`): what
    /// they define cannot be read, so they are taken to define anything.
    opaque: HashSet<ModuleName>,
    /// Packages whose directory holds sources of compiled code (C, C++, Rust, Fortran):
    /// modules under them may be built from those and exist without a Python file.
    native: HashSet<ModuleName>,
}

/// Extensions of sources that build extension modules.
const NATIVE_SOURCES: [&str; 9] = [
    ".c", ".cc", ".cpp", ".cxx", ".c++", ".rs", ".f", ".f90", ".swg",
];

impl ModuleIndex {
    /// Indexes the Python files of `files`.
    pub fn build(roots: &ImportRoots, files: &[WalkedFile]) -> Self {
        let mut modules: HashMap<ModuleName, Vec<String>> = HashMap::new();
        let mut opaque = HashSet::new();
        let mut native_sources = Vec::new();
        for file in files {
            let module = if let Some(module) = roots.module_of_file(&file.path) {
                module
            } else {
                if NATIVE_SOURCES.iter().any(|e| file.path.ends_with(e)) {
                    native_sources.push(file.path.as_str());
                }
                let Some(module) = extension_module(roots, &file.path) else {
                    continue;
                };
                opaque.insert(module.clone());
                module
            };
            let mut package = module.parent();
            while let Some(p) = package {
                package = p.parent();
                modules.entry(p).or_default();
            }
            modules.entry(module).or_default().push(file.path.clone());
        }
        // A native source belongs to the nearest package above it (`pkg/src/_x.c` → `pkg`).
        let mut native = HashSet::new();
        for source in native_sources {
            let mut dir = source;
            while let Some((parent, _)) = dir.rsplit_once('/') {
                dir = parent;
                if let Some(package) = roots.module_of_dir(dir)
                    && modules.contains_key(&package)
                {
                    native.insert(package);
                    break;
                }
            }
        }
        Self {
            modules,
            opaque,
            native,
        }
    }

    /// True for a module whose names cannot be read (Cython or compiled).
    fn is_opaque(&self, module: &ModuleName) -> bool {
        self.opaque.contains(module)
    }

    /// True when `module` is a module or package of the tree.
    pub fn contains(&self, module: &ModuleName) -> bool {
        self.modules.contains_key(module)
    }

    /// Every module and package of the tree.
    pub fn modules(&self) -> impl Iterator<Item = &ModuleName> {
        self.modules.keys()
    }

    /// True when `name` is a top-level module or package of the tree (so imports under it are
    /// the project's own, not third-party or standard library ones).
    pub fn is_project_top_level(&self, name: &str) -> bool {
        ModuleName::new(name).is_some_and(|m| self.modules.contains_key(&m))
    }

    /// The files that define `module`: none for a namespace package or a module the tree
    /// does not have; its `.py` and its `.pyi` when both exist.
    pub fn files_of(&self, module: &ModuleName) -> &[String] {
        self.modules.get(module).map_or(&[], Vec::as_slice)
    }

    /// True for a namespace package of the tree (a directory without `__init__.py`).
    pub fn is_namespace(&self, module: &ModuleName) -> bool {
        self.modules.get(module).is_some_and(Vec::is_empty)
    }

    /// True when `module` or a package above it ships sources of compiled code in its
    /// directory (see [`ModuleIndex::build`]).
    pub fn may_be_native(&self, module: &ModuleName) -> bool {
        let mut at = Some(module.clone());
        while let Some(m) = at {
            if self.native.contains(&m) {
                return true;
            }
            at = m.parent();
        }
        false
    }
}

/// The module an extension file provides: `pkg/_speed.pyx`, or
/// `pkg/_speed.cpython-311-x86_64-linux-gnu.so` / `pkg/_speed.pyd` (the name before the
/// first dot).
fn extension_module(roots: &ImportRoots, path: &str) -> Option<ModuleName> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let is_extension = [".pyx", ".so", ".pyd"].iter().any(|e| file.ends_with(e));
    if !is_extension {
        return None;
    }
    let stem = file.split('.').next()?;
    let as_python = if dir.is_empty() {
        format!("{stem}.py")
    } else {
        format!("{dir}/{stem}.py")
    };
    roots.module_of_file(&as_python)
}

/// What a module defines at its top level.
#[derive(Debug)]
enum Defined {
    Names(HashSet<String>),
    /// Names made at run time (`from x import *`, a module-level `__getattr__`, …): it may
    /// define anything.
    Anything,
}

/// Resolves textual references against the moves.
#[derive(Debug)]
pub struct References<'a> {
    root: &'a Path,
    moves: &'a ModuleMoves,
    index: &'a ModuleIndex,
    /// Root-relative files and directories under a SRC or a DST.
    moved_paths: HashSet<String>,
    defined: Mutex<HashMap<String, Arc<Defined>>>,
    /// What a text must spell for a word of it to be a reference (a moved module's dotted
    /// name or directory, a renamed symbol): text without any is not tokenised.
    needles: Vec<memchr::memmem::Finder<'static>>,
}

impl<'a> References<'a> {
    /// A resolver for the tree whose files are `files`.
    pub fn new(
        root: &'a Path,
        moves: &'a ModuleMoves,
        index: &'a ModuleIndex,
        files: &[WalkedFile],
    ) -> Self {
        // Files and directories under a SRC (before the move) or a DST (after it).
        let under_a_move = |path: &str| {
            moves.moves().iter().any(|m| {
                crate::rules::is_within(path, &m.dirs.from)
                    || crate::rules::is_within(path, &m.dirs.to)
            })
        };
        let mut moved_paths = HashSet::new();
        for file in files.iter().filter(|f| under_a_move(&f.path)) {
            let mut path = file.path.as_str();
            moved_paths.insert(path.to_owned());
            while let Some((parent, _)) = path.rsplit_once('/') {
                if !under_a_move(parent) || !moved_paths.insert(parent.to_owned()) {
                    break;
                }
                path = parent;
            }
        }
        let needles = moves
            .moves()
            .iter()
            .flat_map(|m| [m.from_module.to_string(), m.dirs.from.clone()])
            .chain(moves.renamed_symbols().map(str::to_owned))
            .map(|needle| memchr::memmem::Finder::new(needle.as_bytes()).into_owned())
            .collect();
        Self {
            root,
            moves,
            index,
            moved_paths,
            defined: Mutex::new(HashMap::new()),
            needles,
        }
    }

    /// The new text of a dotted reference (`a.b.c`, `a.b.c.Name.attr`, `a.b:func`, or the
    /// module prefix `a.b.`) when it names something under a moved module.
    pub fn dotted(&self, reference: &str) -> Option<String> {
        if let Some((module, attr)) = reference.split_once(':') {
            let module = ModuleName::new(module)?;
            let (_, new) = self.existing_module(&module)?;
            if let Some((renamed, symbol)) = self.moves.rename_symbol(&new, attr) {
                return Some(format!("{renamed}:{symbol}"));
            }
            let moved = self.moves.map(&module).is_some();
            return (moved && is_dotted_or_empty(attr)).then(|| format!("{new}:{attr}"));
        }
        if let Some(prefix) = reference.strip_suffix('.') {
            let module = ModuleName::new(prefix)?;
            self.moves.map(&module)?;
            return Some(format!("{}.", self.existing_module(&module)?.1));
        }
        let name = ModuleName::new(reference)?;
        if name.len() < 2 {
            return None;
        }
        // The longest leading part that is a module of the tree, before or after the move.
        let (module, found, new, rest) = (1..=name.len()).rev().find_map(|n| {
            let module = name.truncate(n)?;
            let (found, new) = self.existing_module(&module)?;
            Some((
                module,
                found,
                new,
                name.components().skip(n).collect::<Vec<_>>(),
            ))
        })?;
        if let Some(first) = rest.first()
            && let Some((renamed, symbol)) = self.moves.rename_symbol(&new, first)
        {
            let mut renamed_path = format!("{renamed}.{symbol}");
            for part in &rest[1..] {
                renamed_path.push('.');
                renamed_path.push_str(part);
            }
            return Some(renamed_path);
        }
        self.moves.map(&module)?;
        match rest.first() {
            Some(first) if !self.defines(&found, first) => None,
            Some(_) => Some(format!("{new}.{}", rest.join("."))),
            None => Some(new.to_string()),
        }
    }

    /// The new place of a root-relative path (`a/b/data.csv`, `./a/b/`) naming a moved file
    /// or directory.
    pub fn path(&self, reference: &str) -> Option<String> {
        let (lead, rest) = reference
            .strip_prefix("./")
            .map_or(("", reference), |rest| ("./", rest));
        let (core, trail) = rest
            .strip_suffix('/')
            .map_or((rest, ""), |core| (core, "/"));
        if core.is_empty() {
            return None;
        }
        let new = match self.moves.map_path(core) {
            Some(new) => new,
            None => self
                .moves
                .moves()
                .iter()
                .find(|m| m.dirs.from == core)?
                .dirs
                .to
                .clone(),
        };
        // It names something that exists: before the move at the old place, after at the new.
        (self.moved_paths.contains(core) || self.moved_paths.contains(&new))
            .then(|| format!("{lead}{new}{trail}"))
    }

    /// True when a `[[rename]]` renames a symbol called `name`.
    pub fn is_renamed_symbol(&self, name: &str) -> bool {
        self.moves.renamed_symbols().any(|s| s == name)
    }

    /// For a module of the tree: the module as the tree has it now (the old name before a
    /// move, the new one after it), and its name after the run.
    fn existing_module(&self, module: &ModuleName) -> Option<(ModuleName, ModuleName)> {
        let new = self.moves.map_or_same(module);
        if self.index.contains(module) {
            Some((module.clone(), new))
        } else if self.index.contains(&new) {
            Some((new.clone(), new))
        } else {
            None
        }
    }

    /// True when module `module` defines `name` (or may, as far as can be told): a
    /// submodule, a top-level definition, assignment or import (in its `.py` or its `.pyi`),
    /// or anything at all when the module's names are made at run time (`from x import *`, a
    /// module-level `__getattr__`, `globals()` writes, a lazy module object: see
    /// [`crate::lang::python::import_scan::top_level_names`]).
    pub fn defines(&self, module: &ModuleName, name: &str) -> bool {
        // Every module object has these, whatever its file says.
        const MODULE_ATTRIBUTES: [&str; 10] = [
            "__doc__",
            "__name__",
            "__file__",
            "__spec__",
            "__loader__",
            "__package__",
            "__path__",
            "__builtins__",
            "__dict__",
            "__cached__",
        ];
        if MODULE_ATTRIBUTES.contains(&name) || self.index.is_opaque(module) {
            return true;
        }
        if module.join(name).is_some_and(|m| self.index.contains(&m)) {
            return true;
        }
        // A `.py` and its `.pyi` stub: a name from either counts.
        self.index
            .files_of(module)
            .iter()
            .any(|file| self.file_defines(file, name))
    }

    /// True when module file `file` defines `name`, or may.
    fn file_defines(&self, file: &str, name: &str) -> bool {
        let defined = {
            let cache = self.defined.lock().expect("no panics while locked");
            cache.get(file).cloned()
        };
        let defined = defined.unwrap_or_else(|| {
            let found = Arc::new(read_defined(&self.root.join(file)));
            self.defined
                .lock()
                .expect("no panics while locked")
                .insert(file.to_owned(), Arc::clone(&found));
            found
        });
        match &*defined {
            Defined::Anything => true,
            Defined::Names(names) => names.contains(name),
        }
    }

    /// The references in a text file that is not Python (`path` tells its kind only).
    pub fn rewrite_text_file(&self, source: &str) -> Vec<Change> {
        self.rewrite_tokens(source, 0..source.len(), RefKind::Config)
    }

    /// The references written as words in `source[range]`: each whole dotted name (of at
    /// least two components) or root-relative path that names something moved. Dotted names
    /// are reported as `kind`, paths as [`RefKind::Path`]. The same policy serves text files,
    /// and strings, docstrings and comments in Python files.
    pub fn rewrite_tokens(&self, source: &str, range: Range<usize>, kind: RefKind) -> Vec<Change> {
        let mut changes = Vec::new();
        let bytes = source.as_bytes();
        let text = &bytes[range.clone()];
        if !self.needles.iter().any(|n| n.find(text).is_some()) {
            return changes;
        }
        let is_token =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b':' | b'-');
        let mut i = range.start;
        while i < range.end {
            if !is_token(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < range.end && is_token(bytes[i]) {
                i += 1;
            }
            // A word that goes on in a character outside ASCII is not a name of ours.
            if source[i..range.end]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
                || source[range.start..start]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            // Punctuation that ends a sentence or a key is not part of the reference.
            let mut end = i;
            while end > start && matches!(bytes[end - 1], b'.' | b':' | b',' | b'-') {
                end -= 1;
            }
            let mut begin = start;
            while begin < end && matches!(bytes[begin], b'-' | b':') {
                begin += 1;
            }
            let token = &source[begin..end];
            let (kind, new) = if token.contains('/') {
                (RefKind::Path, self.path(token))
            } else {
                (kind, self.dotted(token))
            };
            if let Some(new) = new.filter(|n| n != token) {
                changes.push(Change::replace(kind, begin..end, new));
            }
        }
        changes
    }

    /// When `prefix` ends in a package followed by a dot (`"pkg.plugins."` before a
    /// placeholder) and a module right under that package moves: that module. The string
    /// may build its name at run time, which only a human can tell.
    pub fn completes_to_moved(&self, prefix: &str) -> Option<&crate::resolve::ModuleMove> {
        let start = prefix
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let package = ModuleName::new(prefix[start..].strip_suffix('.')?)?;
        if !self.index.contains(&package) {
            return None;
        }
        self.moves
            .moves()
            .iter()
            .find(|m| m.from_module.parent().as_ref() == Some(&package))
    }
}

fn is_dotted_or_empty(text: &str) -> bool {
    text.is_empty() || ModuleName::new(text).is_some()
}

/// Reads what a module file defines at its top level (a file that cannot be read defines
/// nothing).
fn read_defined(path: &Path) -> Defined {
    let Ok(source) = std::fs::read_to_string(path) else {
        return Defined::Names(HashSet::new());
    };
    crate::lang::python::import_scan::top_level_names(&source)
        .map_or(Defined::Anything, Defined::Names)
}
