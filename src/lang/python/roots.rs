//! Where Python finds modules: the import roots (`sys.path` entries) of the tree, file ↔
//! module under them, and relative imports made absolute.
//!
//! In: the root (and the rules' `python_roots`). Out: [`ImportRoots`] and
//! [`resolve_relative`]. Invariant: every name produced here is absolute; nothing here reads
//! file contents.

use std::path::Path;

use crate::lang::python::module_name::ModuleName;
use crate::rules::is_within;

/// The directories that Python puts on `sys.path`, relative to the root (`""` is the root).
#[derive(Debug, Clone)]
pub struct ImportRoots {
    /// Deepest first, so that the first match is the innermost root.
    roots: Vec<String>,
    /// The root itself holds `__init__.py`: it lies inside a package, and a directory there
    /// named like a standard-library module (`json/`) is not what `import json` finds.
    root_is_package: bool,
}

impl ImportRoots {
    /// The root itself, `src/` when it exists and is not a package itself, and `extra`.
    pub fn discover(root: &Path, extra: &[String]) -> Self {
        let mut roots = vec![String::new()];
        let src = root.join("src");
        if src.is_dir() && !src.join("__init__.py").exists() {
            roots.push("src".to_owned());
        }
        roots.extend(maturin_python_source(root));
        roots.extend(extra.iter().cloned());
        roots.sort_by_key(|r| {
            std::cmp::Reverse(r.matches('/').count() + usize::from(!r.is_empty()))
        });
        roots.dedup();
        Self {
            roots,
            root_is_package: root.join("__init__.py").is_file(),
        }
    }

    /// When `dir` (root-relative) would be a top-level module named like a standard-library
    /// module while the root lies inside a package: that name, which is then the standard
    /// library's and not the project's.
    pub fn shadowed_stdlib_name<'p>(&self, dir: &'p str) -> Option<&'p str> {
        let root = self.root_of(dir);
        let first = dir[root.len()..]
            .trim_start_matches('/')
            .split('/')
            .next()?;
        let first = first
            .strip_suffix(".pyi")
            .or_else(|| first.strip_suffix(".py"))
            .unwrap_or(first);
        (self.root_is_package
            && root.is_empty()
            && crate::lang::python::stdlib::is_stdlib_module(first))
        .then_some(first)
    }

    /// The innermost import root that contains `path`.
    fn root_of<'a>(&'a self, path: &str) -> &'a str {
        self.roots
            .iter()
            .find(|root| is_within(path, root))
            .map_or("", String::as_str)
    }

    /// The module named by directory `dir` (a package, with or without `__init__.py`);
    /// `None` for an import root itself or a path with a component that is not an identifier.
    pub fn module_of_dir(&self, dir: &str) -> Option<ModuleName> {
        ModuleName::from_components(self.dir_components(dir)?)
    }

    /// The components of `dir` below its import root (empty for the root itself); `None` when
    /// a component is not an identifier.
    fn dir_components<'p>(&self, dir: &'p str) -> Option<Vec<&'p str>> {
        if self.shadowed_stdlib_name(dir).is_some() {
            return None;
        }
        let root = self.root_of(dir);
        let rest = dir[root.len()..].trim_start_matches('/');
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        parts
            .iter()
            .all(|p| ModuleName::new(p).is_some())
            .then_some(parts)
    }

    /// The module a Python file defines (`a/b/c.py` → `a.b.c`, `a/b/__init__.py` → `a.b`).
    pub fn module_of_file(&self, path: &str) -> Option<ModuleName> {
        if self.shadowed_stdlib_name(path).is_some() {
            return None;
        }
        let (dir, file) = split_file(path);
        let stem = file
            .strip_suffix(".py")
            .or_else(|| file.strip_suffix(".pyi"))?;
        let mut parts = self.dir_components(dir)?;
        if stem != "__init__" {
            parts.push(stem);
        }
        ModuleName::from_components(parts)
    }

    /// The package that relative imports in file `path` start from (its directory's module).
    pub fn package_of_file(&self, path: &str) -> Option<ModuleName> {
        self.module_of_dir(split_file(path).0)
    }

    /// The import roots, root-relative (`""` is the root itself), deepest first.
    pub fn dirs(&self) -> &[String] {
        &self.roots
    }

    /// The import root that file `path` lies under (`""` for the root itself).
    pub fn import_root_of<'a>(&'a self, path: &str) -> &'a str {
        self.root_of(path)
    }

    /// True when a directory between file `path` and its import root is no identifier
    /// (`tests/roots/test-ext-autodoc/target/__init__.py`): the file belongs to some other
    /// `sys.path` entry, which regraft does not know.
    pub fn is_outside_module_space(&self, path: &str) -> bool {
        self.dir_components(split_file(path).0).is_none()
    }

    /// Where the files of `module` would be, under each import root, without extension:
    /// `a.b.c` → `a/b/c`, `src/a/b/c`, … (root-relative, `/`-separated).
    pub fn module_paths(&self, module: &ModuleName) -> Vec<String> {
        let relative = module.components().collect::<Vec<_>>().join("/");
        self.roots
            .iter()
            .map(|r| {
                if r.is_empty() {
                    relative.clone()
                } else {
                    format!("{r}/{relative}")
                }
            })
            .collect()
    }
}

fn split_file(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// The absolute module a relative import names: `dots` leading dots, then `name` (if any),
/// seen from `package`. `None` when the dots climb above the top-level package.
///
/// ```
/// use regraft::lang::python::{module_name::ModuleName, roots::resolve_relative};
/// let pkg = ModuleName::new("backtester_v2.market_regime").unwrap();
/// assert_eq!(resolve_relative(Some(&pkg), 2, Some("utils")).unwrap().as_str(), "backtester_v2.utils");
/// assert_eq!(resolve_relative(Some(&pkg), 1, None).unwrap().as_str(), "backtester_v2.market_regime");
/// assert_eq!(resolve_relative(Some(&pkg), 3, None), None);
/// ```
pub fn resolve_relative(
    package: Option<&ModuleName>,
    dots: usize,
    name: Option<&str>,
) -> Option<ModuleName> {
    let package = package?;
    let keep = package.len().checked_sub(dots.checked_sub(1)?)?;
    let base = package.truncate(keep)?;
    match name {
        Some(name) => base.join(name),
        None => Some(base),
    }
}

/// The `[tool.maturin] python-source` directory of `pyproject.toml` (a maturin project with
/// Python code beside its Rust crate), when it names one.
fn maturin_python_source(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("pyproject.toml")).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let dir = table
        .get("tool")?
        .get("maturin")?
        .get("python-source")?
        .as_str()?
        .trim_matches('/')
        .to_owned();
    (!dir.is_empty() && !dir.contains("..") && root.join(&dir).is_dir()).then_some(dir)
}

#[cfg(test)]
impl ImportRoots {
    /// Import roots `list` (root-relative directories) of a root that is not a package.
    pub(crate) fn from_dirs(list: &[&str]) -> Self {
        let mut roots: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
        ImportRoots {
            roots,
            root_is_package: false,
        }
    }
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
    fn a_root_inside_a_package_never_owns_a_standard_library_name() {
        let inside = ImportRoots {
            roots: vec![String::new()],
            root_is_package: true,
        };
        assert_eq!(inside.module_of_dir("json"), None);
        assert_eq!(inside.module_of_file("json/provider.py"), None);
        assert_eq!(inside.module_of_file("logging.py"), None);
        assert_eq!(inside.shadowed_stdlib_name("json/tag.py"), Some("json"));
        assert_eq!(inside.module_of_dir("sansio"), Some(m("sansio")));
        // A project root that is not a package keeps its own `test/` package.
        assert_eq!(roots(&[""]).module_of_dir("test"), Some(m("test")));
    }

    #[test]
    fn files_map_to_modules_under_the_innermost_root() {
        let r = roots(&["", "src"]);
        assert_eq!(r.module_of_file("src/pkg/a.py"), Some(m("pkg.a")));
        assert_eq!(r.module_of_file("src/pkg/__init__.py"), Some(m("pkg")));
        assert_eq!(r.module_of_file("tests/test_a.py"), Some(m("tests.test_a")));
        assert_eq!(r.module_of_file("setup.py"), Some(m("setup")));
        assert_eq!(r.module_of_file("my-scripts/run.py"), None);
        assert_eq!(r.module_of_file("README.md"), None);
        assert_eq!(r.package_of_file("src/pkg/sub/x.py"), Some(m("pkg.sub")));
        assert_eq!(r.package_of_file("setup.py"), None);
    }

    #[test]
    fn relative_imports_climb_one_package_per_extra_dot() {
        let p = m("a.b.c");
        assert_eq!(resolve_relative(Some(&p), 1, Some("x")), Some(m("a.b.c.x")));
        assert_eq!(resolve_relative(Some(&p), 3, Some("x.y")), Some(m("a.x.y")));
        assert_eq!(resolve_relative(Some(&p), 3, None), Some(m("a")));
        assert_eq!(resolve_relative(Some(&p), 4, None), None);
        assert_eq!(resolve_relative(None, 1, Some("x")), None);
        assert_eq!(resolve_relative(Some(&p), 0, Some("x")), None);
    }
}
