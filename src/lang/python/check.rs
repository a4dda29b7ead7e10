//! The Python checks of `regraft check`: `RG002` (an import of a project module that does
//! not exist) and `RG003` (`from m import name` where `m` lacks `name`), file by file.
//!
//! In: one Python file's text, and the run's import roots, module index and references.
//! Out: its [`Diagnostic`]s. Reads the tree only to settle a doubt about a finding about to be
//! reported; never writes. The policy (what is never reported) is in [`crate::check`].

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use tree_sitter::Node;

use crate::check::{Code, Diagnostic};
use crate::lang::python::import_scan::import_statements;
use crate::lang::python::module_name::ModuleName;
use crate::lang::python::parse::{
    dotted_name, from_import_bindings, imported_name, parse_python, relative_import, text,
};
use crate::lang::python::references::{ModuleIndex, References};
use crate::lang::python::roots::{ImportRoots, resolve_relative};
use crate::lang::{FileCheck, Run};
use crate::line_index::LineIndex;

/// The Python checks of one `regraft check` run, and what they learn on the way.
pub(crate) struct Checker<'a> {
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

impl<'a> Checker<'a> {
    /// Fresh checks for the run `run`.
    pub(crate) fn new(run: Run<'a>) -> Self {
        Self {
            root: run.root,
            roots: run.roots,
            index: run.index,
            references: run.references,
            may_exist: Mutex::default(),
            registers: Mutex::default(),
            build_files: OnceLock::new(),
            module_leaves: OnceLock::new(),
            self_imports: Mutex::default(),
        }
    }
}

impl Checker<'_> {
    /// `RG002` and `RG003` for the import statements of one Python file (`source`, at
    /// `path`), and `RG002` for attribute chains through packages that lack the module.
    fn file(&self, path: &str, source: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let lines = LineIndex::new(source);
        let package = self.roots.package_of_file(path);
        let mut packages_bound = Vec::new();
        // Only the import statements are parsed, each on its own (see `import_scan`).
        for statement in import_statements(source) {
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
                let start = lines.position(source, statement.start + range.start);
                let end = lines.position(source, statement.start + range.end);
                out.push(Diagnostic::new(path, start, end, code, message));
            }
        }
        if self.may_chain_to_a_lost_module(source, &packages_bound) {
            for (range, message) in self.chains_through_packages(source, &packages_bound) {
                let start = lines.position(source, range.start);
                let end = lines.position(source, range.end);
                out.push(Diagnostic::new(
                    path,
                    start,
                    end,
                    Code::MissingModule,
                    message,
                ));
            }
        }
        out
    }

    /// The names a `from` statement (or `import a.b as x`) binds to packages of the tree:
    /// (local name, package).
    fn packages_bound(
        &self,
        stmt: Node<'_>,
        source: &str,
        package: Option<&ModuleName>,
    ) -> Vec<(String, ModuleName)> {
        let bound = if stmt.kind() == "import_from_statement" {
            from_import_bindings(stmt, source, package)
        } else {
            // `import a.b as x`; a plain `import a.b` binds `a`, checked as an import.
            let mut c = stmt.walk();
            stmt.children_by_field_name("name", &mut c)
                .filter_map(|item| {
                    let alias = item.child_by_field_name("alias")?;
                    let name = imported_name(item).and_then(|n| dotted_name(n, source))?;
                    Some((text(alias, source).to_owned(), name))
                })
                .collect()
        };
        bound
            .into_iter()
            .filter(|(_, module)| self.is_package(module))
            .collect()
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

fn missing_module(module: &ModuleName) -> String {
    format!("no module `{module}` in the project")
}

impl FileCheck for Checker<'_> {
    fn check(&self, path: &str, source: &str) -> Vec<Diagnostic> {
        self.file(path, source)
    }
}
