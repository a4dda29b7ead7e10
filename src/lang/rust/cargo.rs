//! Every `Cargo.toml` of a tree, read the way Cargo reads it (issue #12, not yet wired).
//!
//! In: a root directory. Out: a [`CargoTree`] with
//! - the [`Package`]s, each with its crate roots ([`Target`]s): `[lib]` (default
//!   `src/lib.rs`), `[[bin]]` (default `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`),
//!   tests, examples and benches (`tests/*.rs`, `tests/*/main.rs`, …, or `[[test]]` …), and the
//!   build script (`package.build`, default `build.rs`), following Cargo's rules: an explicit
//!   target hides the inferred one of the same name or path, `autobins = false` (…) turns
//!   inference off;
//! - the [`Workspace`]s (`members` globs such as `crates/*`, `exclude`, and the path
//!   dependencies of members that live under the workspace, which Cargo adds implicitly);
//! - the [`Dependency`]s of each package, with the name its code writes
//!   ([`Dependency::extern_name`]): the rename key for `foo = { package = "real", … }`, else
//!   the dependency's `[lib] name`, else its package name, `-` turned into `_`.
//!
//! Invariants: paths are relative to the root and normalised; packages are sorted by
//! directory, targets in manifest order (lib, bins, tests, examples, benches, build script)
//! and by name within a kind. A manifest that cannot be read or parsed, a target whose file is
//! missing, or a member pattern that matches no package is a [`ManifestProblem`]; the rest of
//! the tree is still read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{Error, normalize};
use crate::line_index::LineIndex;

/// All the Cargo manifests of a tree.
#[derive(Debug, Clone, Default)]
pub struct CargoTree {
    /// Every package (a manifest with `[package]`), sorted by directory.
    pub packages: Vec<Package>,
    /// Every workspace (a manifest with `[workspace]`), sorted by directory.
    pub workspaces: Vec<Workspace>,
    /// What could not be read or made sense of, in manifest order.
    pub problems: Vec<ManifestProblem>,
}

/// One Cargo package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `package.name`, as written (may hold `-`).
    pub name: String,
    /// The directory of its `Cargo.toml`, relative to the root (empty for the root itself).
    pub dir: PathBuf,
    /// Its `Cargo.toml`, relative to the root.
    pub manifest: PathBuf,
    /// Its crate roots.
    pub targets: Vec<Target>,
    /// Its dependencies, in manifest order (normal, dev, build, then `[target.…]` tables).
    pub dependencies: Vec<Dependency>,
    /// The directory of the workspace it is a member of, if any.
    pub workspace: Option<PathBuf>,
}

/// What kind of crate a [`Target`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// The library (`[lib]`, `src/lib.rs`).
    Lib,
    /// A binary (`[[bin]]`, `src/main.rs`, `src/bin/…`).
    Bin,
    /// An integration test (`[[test]]`, `tests/…`).
    Test,
    /// An example (`[[example]]`, `examples/…`).
    Example,
    /// A benchmark (`[[bench]]`, `benches/…`).
    Bench,
    /// The build script (`package.build`, `build.rs`).
    BuildScript,
}

/// One crate of a package: its kind, name and root file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Lib, bin, test, …
    pub kind: TargetKind,
    /// The target name as Cargo knows it (`[lib] name`, `[[bin]] name`, the file stem, …).
    pub name: String,
    /// The crate name the compiler gets: [`Target::name`] with `-` turned into `_`.
    pub crate_name: String,
    /// The crate root file, relative to the tree root.
    pub root: PathBuf,
}

/// Which table a dependency comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DependencyKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

/// One dependency of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The key in the manifest (`foo` in `foo = { package = "real-name" }`).
    pub key: String,
    /// The package it names (`package = …`, else the key).
    pub package: String,
    /// The table it is in.
    pub kind: DependencyKind,
    /// `Some("cfg(unix)")` for `[target.'cfg(unix)'.dependencies]`.
    pub target: Option<String>,
    /// The directory of a path dependency, relative to the root (also through
    /// `workspace = true`).
    pub path: Option<PathBuf>,
    /// The name the dependent's code writes (`foo::…`): the key with `-` → `_` when renamed,
    /// else the `[lib] name` of the depended-on package when it is in the tree, else the key
    /// with `-` → `_`.
    pub extern_name: String,
}

/// One `[workspace]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The directory of its manifest, relative to the root.
    pub dir: PathBuf,
    /// Its `Cargo.toml`, relative to the root.
    pub manifest: PathBuf,
    /// `members`, as written (globs allowed).
    pub member_patterns: Vec<String>,
    /// `exclude`, as written (directory prefixes).
    pub exclude: Vec<String>,
    /// The directories of its member packages, sorted: the matches of `members`, the root
    /// package, and the path dependencies of members under the workspace directory, less
    /// `exclude`.
    pub members: Vec<PathBuf>,
}

/// A manifest trouble; the rest of the tree is read regardless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestProblem {
    /// The manifest could not be read (or is not UTF-8).
    Unreadable {
        /// The manifest.
        manifest: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The manifest is not valid TOML, or a key has the wrong type.
    Invalid {
        /// The manifest.
        manifest: PathBuf,
        /// 1-based line (1 when unknown).
        line: usize,
        /// 1-based column, in characters (1 when unknown).
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// A target's root file does not exist; the target is left out.
    MissingTarget {
        /// The manifest.
        manifest: PathBuf,
        /// The target's kind.
        kind: TargetKind,
        /// The target's name.
        name: String,
        /// The root file that is missing, relative to the tree root.
        root: PathBuf,
    },
    /// A workspace `members` entry matches no package.
    MemberNotFound {
        /// The workspace manifest.
        manifest: PathBuf,
        /// The entry.
        pattern: String,
    },
}

/// One package that depends on another, and how it names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependent<'a> {
    /// The depending package.
    pub package: &'a Package,
    /// Its dependency entry (see [`Dependency::extern_name`]).
    pub dependency: &'a Dependency,
}

impl CargoTree {
    /// Reads every `Cargo.toml` under `root` (honouring `.gitignore`, skipping hidden
    /// directories and the `target/` directory next to a manifest).
    pub fn read(root: &Path) -> Result<Self, Error> {
        let manifests = find_manifests(root)?;
        let mut problems = Vec::new();
        let mut raw = Vec::new();
        for manifest in manifests {
            if let Some(table) = read_manifest(root, &manifest, &mut problems) {
                raw.push((manifest, table));
            }
        }

        let mut packages = Vec::new();
        let mut workspaces = Vec::new();
        let mut workspace_deps: BTreeMap<PathBuf, Table> = BTreeMap::new();
        let mut explicit_workspace: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        for (manifest, table) in &raw {
            let dir = manifest.parent().unwrap_or(Path::new("")).to_path_buf();
            if let Some(ws) = table.get("workspace").and_then(Value::as_table) {
                workspaces.push(Workspace {
                    dir: dir.clone(),
                    manifest: manifest.clone(),
                    member_patterns: strings(ws.get("members")),
                    exclude: strings(ws.get("exclude")),
                    members: Vec::new(),
                });
                if let Some(deps) = ws.get("dependencies").and_then(Value::as_table) {
                    workspace_deps.insert(dir.clone(), deps.clone());
                }
            }
            let Some(package) = table.get("package").and_then(Value::as_table) else {
                continue;
            };
            let Some(name) = package.get("name").and_then(Value::as_str) else {
                problems.push(ManifestProblem::Invalid {
                    manifest: manifest.clone(),
                    line: 1,
                    col: 1,
                    message: "[package] has no string `name`".to_owned(),
                });
                continue;
            };
            if let Some(ws) = package.get("workspace").and_then(Value::as_str) {
                explicit_workspace.insert(dir.clone(), normalize(&dir.join(ws)));
            }
            let targets = targets(root, &dir, manifest, name, table, &mut problems);
            let dependencies = dependencies(&dir, table);
            packages.push(Package {
                name: name.to_owned(),
                dir,
                manifest: manifest.clone(),
                targets,
                dependencies,
                workspace: None,
            });
        }
        packages.sort_by(|a, b| a.dir.cmp(&b.dir));
        workspaces.sort_by(|a, b| a.dir.cmp(&b.dir));

        for ws in &mut workspaces {
            ws.members = workspace_members(ws, &packages, &mut problems);
        }
        for package in &mut packages {
            let owner = match explicit_workspace.get(&package.dir) {
                Some(dir) => workspaces.iter().find(|ws| &ws.dir == dir),
                // Cargo takes the nearest enclosing workspace manifest.
                None => workspaces
                    .iter()
                    .filter(|ws| package.dir.starts_with(&ws.dir))
                    .max_by_key(|ws| ws.dir.components().count()),
            };
            package.workspace = owner
                .filter(|ws| ws.members.contains(&package.dir))
                .map(|ws| ws.dir.clone());
        }

        // `workspace = true` dependencies take their path and package from the workspace.
        for package in &mut packages {
            let Some(ws_dir) = package.workspace.clone() else {
                continue;
            };
            let Some(deps) = workspace_deps.get(&ws_dir) else {
                continue;
            };
            for dep in &mut package.dependencies {
                if dep.path.is_some() {
                    continue;
                }
                if let Some(Value::Table(spec)) = deps.get(&dep.key) {
                    if let Some(path) = spec.get("path").and_then(Value::as_str) {
                        dep.path = Some(normalize(&ws_dir.join(path)));
                    }
                    if dep.package == dep.key
                        && let Some(real) = spec.get("package").and_then(Value::as_str)
                    {
                        real.clone_into(&mut dep.package);
                    }
                }
            }
        }

        // Now that every package is known: the name each dependent writes.
        let lib_names: BTreeMap<PathBuf, String> = packages
            .iter()
            .map(|p| (p.dir.clone(), p.crate_name()))
            .collect();
        for package in &mut packages {
            for dep in &mut package.dependencies {
                dep.extern_name = if dep.key != dep.package {
                    dep.key.replace('-', "_")
                } else if let Some(name) = dep.path.as_ref().and_then(|p| lib_names.get(p)) {
                    name.clone()
                } else {
                    dep.key.replace('-', "_")
                };
            }
        }

        Ok(Self {
            packages,
            workspaces,
            problems,
        })
    }

    /// The package whose directory is `dir` (relative to the root).
    pub fn package_at(&self, dir: &Path) -> Option<&Package> {
        self.packages.iter().find(|p| p.dir == dir)
    }

    /// The package a file belongs to: the one with the deepest directory holding it.
    pub fn package_of(&self, file: &Path) -> Option<&Package> {
        self.packages
            .iter()
            .filter(|p| file.starts_with(&p.dir))
            .max_by_key(|p| p.dir.components().count())
    }

    /// The packages of the tree that depend on `package` through a path dependency (or a
    /// `workspace = true` one that resolves to a path), or by its name from the same
    /// workspace (a registry dependency that the workspace's `[patch]` points at the member),
    /// with the name each one writes.
    pub fn dependents<'a>(&'a self, package: &Package) -> Vec<Dependent<'a>> {
        self.packages
            .iter()
            .filter(|p| p.dir != package.dir)
            .flat_map(|p| {
                let same_workspace = p.workspace.is_some() && p.workspace == package.workspace;
                p.dependencies
                    .iter()
                    .filter(move |d| match d.path.as_deref() {
                        Some(path) => path == package.dir.as_path(),
                        None => same_workspace && d.package == package.name,
                    })
                    .map(move |d| Dependent {
                        package: p,
                        dependency: d,
                    })
            })
            .collect()
    }
}

impl Package {
    /// Its library target, if it has one.
    pub fn lib(&self) -> Option<&Target> {
        self.targets.iter().find(|t| t.kind == TargetKind::Lib)
    }

    /// The name other crates write for it when they do not rename it: the `[lib] name`, else
    /// the package name, with `-` turned into `_`.
    pub fn crate_name(&self) -> String {
        self.lib()
            .map_or_else(|| self.name.replace('-', "_"), |lib| lib.crate_name.clone())
    }
}

/// The `Cargo.toml` files under `root`, relative to it and sorted.
fn find_manifests(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut manifests = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(|entry| !is_build_dir(entry.path()))
        .build();
    for entry in walker {
        let entry = entry.map_err(|source| Error::Walk {
            path: root.to_path_buf(),
            source,
        })?;
        if entry.file_name() == "Cargo.toml" && entry.file_type().is_some_and(|t| t.is_file()) {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            manifests.push(rel.to_path_buf());
        }
    }
    manifests.sort();
    Ok(manifests)
}

/// A `target/` directory next to a `Cargo.toml`: Cargo's build output, never sources.
pub(crate) fn is_build_dir(path: &Path) -> bool {
    path.file_name() == Some("target".as_ref())
        && path.is_dir()
        && path
            .parent()
            .is_some_and(|parent| parent.join("Cargo.toml").is_file())
}

fn read_manifest(
    root: &Path,
    manifest: &Path,
    problems: &mut Vec<ManifestProblem>,
) -> Option<Table> {
    let text = match fs::read(root.join(manifest)).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            problems.push(ManifestProblem::Unreadable {
                manifest: manifest.to_path_buf(),
                message: "not UTF-8".to_owned(),
            });
            return None;
        }
        Err(err) => {
            problems.push(ManifestProblem::Unreadable {
                manifest: manifest.to_path_buf(),
                message: err.to_string(),
            });
            return None;
        }
    };
    match toml::from_str::<Table>(&text) {
        Ok(table) => Some(table),
        Err(err) => {
            let position = err
                .span()
                .map(|span| LineIndex::new(&text).position(&text, span.start));
            problems.push(ManifestProblem::Invalid {
                manifest: manifest.to_path_buf(),
                line: position.map_or(1, |p| p.line),
                col: position.map_or(1, |p| p.col),
                message: err.message().to_owned(),
            });
            None
        }
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// One kind of target with its manifest key, auto flag and inference directory.
struct KindRules {
    kind: TargetKind,
    array_key: &'static str,
    auto_key: &'static str,
    /// The directory whose `*.rs` and `*/main.rs` are inferred targets.
    dir: &'static str,
}

const MULTI_KINDS: [KindRules; 4] = [
    KindRules {
        kind: TargetKind::Bin,
        array_key: "bin",
        auto_key: "autobins",
        dir: "src/bin",
    },
    KindRules {
        kind: TargetKind::Test,
        array_key: "test",
        auto_key: "autotests",
        dir: "tests",
    },
    KindRules {
        kind: TargetKind::Example,
        array_key: "example",
        auto_key: "autoexamples",
        dir: "examples",
    },
    KindRules {
        kind: TargetKind::Bench,
        array_key: "bench",
        auto_key: "autobenches",
        dir: "benches",
    },
];

fn target(kind: TargetKind, name: &str, root: PathBuf) -> Target {
    Target {
        kind,
        name: name.to_owned(),
        crate_name: name.replace('-', "_"),
        root,
    }
}

fn targets(
    root: &Path,
    dir: &Path,
    manifest: &Path,
    package_name: &str,
    table: &Table,
    problems: &mut Vec<ManifestProblem>,
) -> Vec<Target> {
    let exists = |rel: &Path| root.join(rel).is_file();
    let package = table.get("package").and_then(Value::as_table);
    let auto = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    };
    let mut out = Vec::new();
    let mut keep = |t: Target, out: &mut Vec<Target>| {
        if exists(&t.root) {
            out.push(t);
        } else {
            problems.push(ManifestProblem::MissingTarget {
                manifest: manifest.to_path_buf(),
                kind: t.kind,
                name: t.name,
                root: t.root,
            });
        }
    };

    // The library.
    let lib = table.get("lib").and_then(Value::as_table);
    let default_lib = dir.join("src/lib.rs");
    if lib.is_some() || (auto("autolib") && exists(&default_lib)) {
        let name = lib
            .and_then(|l| l.get("name"))
            .and_then(Value::as_str)
            .unwrap_or(package_name);
        let path = lib
            .and_then(|l| l.get("path"))
            .and_then(Value::as_str)
            .map_or(default_lib, |p| normalize(&dir.join(p)));
        keep(target(TargetKind::Lib, name, path), &mut out);
    }

    // Bins, tests, examples, benches: explicit entries first, then the inferred ones that
    // share neither a name nor a path with an explicit one.
    for rules in &MULTI_KINDS {
        let inferred = infer(root, dir, rules, package_name);
        let explicit = table
            .get(rules.array_key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut kind_targets = Vec::new();
        for entry in explicit.iter().filter_map(Value::as_table) {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let path = match entry.get("path").and_then(Value::as_str) {
                Some(p) => normalize(&dir.join(p)),
                None => explicit_default(root, dir, rules, name, package_name),
            };
            kind_targets.push(target(rules.kind, name, path));
        }
        if auto(rules.auto_key) {
            let mut extra: Vec<Target> = inferred
                .into_iter()
                .filter(|t| {
                    !kind_targets
                        .iter()
                        .any(|e| e.name == t.name || e.root == t.root)
                })
                .collect();
            kind_targets.append(&mut extra);
        }
        kind_targets.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.root.cmp(&b.root)));
        for t in kind_targets {
            keep(t, &mut out);
        }
    }

    // The build script.
    let build = package.and_then(|p| p.get("build"));
    let build_root = match build {
        Some(Value::String(path)) => Some(normalize(&dir.join(path))),
        Some(Value::Boolean(false)) => None,
        _ => Some(dir.join("build.rs")).filter(|p| exists(p)),
    };
    if let Some(path) = build_root {
        keep(
            target(TargetKind::BuildScript, "build-script-build", path),
            &mut out,
        );
    }
    out
}

/// The root of an explicit target that gives no `path`, as Cargo infers it.
fn explicit_default(
    root: &Path,
    dir: &Path,
    rules: &KindRules,
    name: &str,
    package_name: &str,
) -> PathBuf {
    let flat = dir.join(rules.dir).join(format!("{name}.rs"));
    let nested = dir.join(rules.dir).join(name).join("main.rs");
    let main = dir.join("src/main.rs");
    if rules.kind == TargetKind::Bin && name == package_name && root.join(&main).is_file() {
        main
    } else if root.join(&nested).is_file() && !root.join(&flat).is_file() {
        nested
    } else {
        flat
    }
}

/// The targets Cargo infers for one kind: `src/main.rs` (bins only), `<dir>/*.rs` and
/// `<dir>/*/main.rs`.
fn infer(root: &Path, dir: &Path, rules: &KindRules, package_name: &str) -> Vec<Target> {
    let mut out = Vec::new();
    if rules.kind == TargetKind::Bin {
        let main = dir.join("src/main.rs");
        if root.join(&main).is_file() {
            out.push(target(rules.kind, package_name, main));
        }
    }
    let base = dir.join(rules.dir);
    let Ok(entries) = fs::read_dir(root.join(&base)) else {
        return out;
    };
    let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
    names.sort_by_key(fs::DirEntry::file_name);
    for entry in names {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let path = entry.path();
        if path.is_file() {
            if let Some(stem) = file_name.strip_suffix(".rs") {
                out.push(target(rules.kind, stem, base.join(file_name)));
            }
        } else if path.join("main.rs").is_file() {
            out.push(target(
                rules.kind,
                file_name,
                base.join(file_name).join("main.rs"),
            ));
        }
    }
    out
}

const DEPENDENCY_TABLES: [(&str, DependencyKind); 4] = [
    ("dependencies", DependencyKind::Normal),
    ("dev-dependencies", DependencyKind::Dev),
    ("dev_dependencies", DependencyKind::Dev),
    ("build-dependencies", DependencyKind::Build),
];

fn dependencies(dir: &Path, table: &Table) -> Vec<Dependency> {
    let mut out = Vec::new();
    dependency_tables(dir, table, None, &mut out);
    if let Some(targets) = table.get("target").and_then(Value::as_table) {
        for (cfg, target_table) in targets {
            if let Some(target_table) = target_table.as_table() {
                dependency_tables(dir, target_table, Some(cfg), &mut out);
            }
        }
    }
    out
}

fn dependency_tables(dir: &Path, table: &Table, target: Option<&str>, out: &mut Vec<Dependency>) {
    for (key, kind) in DEPENDENCY_TABLES {
        let Some(deps) = table.get(key).and_then(Value::as_table) else {
            continue;
        };
        for (name, spec) in deps {
            let spec = spec.as_table();
            let field = |f: &str| spec.and_then(|s| s.get(f)).and_then(Value::as_str);
            out.push(Dependency {
                key: name.clone(),
                package: field("package").unwrap_or(name).to_owned(),
                kind,
                target: target.map(str::to_owned),
                path: field("path").map(|p| normalize(&dir.join(p))),
                extern_name: name.replace('-', "_"),
            });
        }
    }
}

/// The member directories of a workspace (see [`Workspace::members`]).
fn workspace_members(
    ws: &Workspace,
    packages: &[Package],
    problems: &mut Vec<ManifestProblem>,
) -> Vec<PathBuf> {
    let excluded = |dir: &Path| {
        ws.exclude
            .iter()
            .any(|e| dir.starts_with(normalize(&ws.dir.join(e))))
    };
    let mut members = BTreeSet::new();
    if packages.iter().any(|p| p.dir == ws.dir) {
        members.insert(ws.dir.clone());
    }
    for pattern in &ws.member_patterns {
        let full = normalize(&ws.dir.join(pattern.trim_end_matches('/')));
        let matcher = globset::GlobBuilder::new(&full.to_string_lossy())
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher());
        let mut found = false;
        for package in packages {
            let hit = match &matcher {
                Ok(m) => m.is_match(&package.dir),
                Err(_) => package.dir == full,
            };
            if hit && !excluded(&package.dir) {
                members.insert(package.dir.clone());
                found = true;
            }
        }
        if !found {
            problems.push(ManifestProblem::MemberNotFound {
                manifest: ws.manifest.clone(),
                pattern: pattern.clone(),
            });
        }
    }
    // Path dependencies of members that live under the workspace are members too.
    loop {
        let extra: Vec<PathBuf> = packages
            .iter()
            .filter(|p| members.contains(&p.dir))
            .flat_map(|p| p.dependencies.iter().filter_map(|d| d.path.clone()))
            .filter(|dir| {
                dir.starts_with(&ws.dir)
                    && !members.contains(dir)
                    && !excluded(dir)
                    && packages.iter().any(|p| &p.dir == dir)
            })
            .collect();
        if extra.is_empty() {
            break;
        }
        members.extend(extra);
    }
    members.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::super::{write_bytes, write_tree};
    use super::*;
    use DependencyKind::{Dev, Normal};
    use TargetKind::{Bench, Bin, BuildScript, Example, Lib, Test};

    fn roots(package: &Package) -> Vec<(TargetKind, &str, &str, String)> {
        package
            .targets
            .iter()
            .map(|t| {
                (
                    t.kind,
                    t.name.as_str(),
                    t.crate_name.as_str(),
                    t.root.to_string_lossy().replace('\\', "/"),
                )
            })
            .collect()
    }

    #[test]
    fn a_package_infers_every_kind_of_crate_root() {
        let tmp = write_tree(&[
            ("Cargo.toml", "[package]\nname = \"my-pkg\"\n"),
            ("src/lib.rs", ""),
            ("src/main.rs", ""),
            ("src/bin/tool-x.rs", ""),
            ("src/bin/multi/main.rs", ""),
            ("src/bin/multi/helper.rs", ""),
            ("src/bin/notes.txt", ""),
            ("tests/it.rs", ""),
            ("tests/suite/main.rs", ""),
            ("tests/common/mod.rs", ""),
            ("examples/demo.rs", ""),
            ("benches/speed.rs", ""),
            ("build.rs", ""),
        ]);
        let cargo = CargoTree::read(tmp.path()).unwrap();
        assert_eq!(cargo.problems, []);
        assert_eq!(cargo.packages.len(), 1);
        let package = &cargo.packages[0];
        assert_eq!(package.dir, Path::new(""));
        assert_eq!(package.manifest, Path::new("Cargo.toml"));
        assert_eq!(package.crate_name(), "my_pkg");
        assert_eq!(
            roots(package),
            [
                (Lib, "my-pkg", "my_pkg", "src/lib.rs".to_owned()),
                (Bin, "multi", "multi", "src/bin/multi/main.rs".to_owned()),
                (Bin, "my-pkg", "my_pkg", "src/main.rs".to_owned()),
                (Bin, "tool-x", "tool_x", "src/bin/tool-x.rs".to_owned()),
                (Test, "it", "it", "tests/it.rs".to_owned()),
                (Test, "suite", "suite", "tests/suite/main.rs".to_owned()),
                (Example, "demo", "demo", "examples/demo.rs".to_owned()),
                (Bench, "speed", "speed", "benches/speed.rs".to_owned()),
                (
                    BuildScript,
                    "build-script-build",
                    "build_script_build",
                    "build.rs".to_owned()
                ),
            ]
        );
        assert_eq!(cargo.workspaces, []);
        assert_eq!(package.workspace, None);
    }

    #[test]
    fn explicit_targets_hide_inferred_ones_and_missing_roots_are_reported() {
        let tmp = write_tree(&[
            (
                "pkg/Cargo.toml",
                r#"
[package]
name = "pkg"
build = "tools/gen.rs"
autotests = false

[lib]
name = "core_x"
path = "lib/core.rs"

[[bin]]
name = "cli"
path = "src/main.rs"

[[bin]]
name = "tool"

[[example]]
name = "gone"
path = "examples/elsewhere/gone.rs"
"#,
            ),
            ("pkg/lib/core.rs", ""),
            ("pkg/src/lib.rs", ""),
            ("pkg/src/main.rs", ""),
            ("pkg/src/bin/tool.rs", ""),
            ("pkg/tests/ignored.rs", ""),
            ("pkg/examples/gone.rs", ""),
            ("pkg/build.rs", ""),
            ("pkg/tools/gen.rs", ""),
        ]);
        let cargo = CargoTree::read(tmp.path()).unwrap();
        let package = &cargo.packages[0];
        assert_eq!(package.dir, Path::new("pkg"));
        assert_eq!(package.crate_name(), "core_x");
        assert_eq!(
            roots(package),
            [
                (Lib, "core_x", "core_x", "pkg/lib/core.rs".to_owned()),
                (Bin, "cli", "cli", "pkg/src/main.rs".to_owned()),
                (Bin, "tool", "tool", "pkg/src/bin/tool.rs".to_owned()),
                // `examples/gone.rs` is hidden by the explicit `gone` (same name).
                (
                    BuildScript,
                    "build-script-build",
                    "build_script_build",
                    "pkg/tools/gen.rs".to_owned()
                ),
            ]
        );
        assert_eq!(
            cargo.problems,
            [ManifestProblem::MissingTarget {
                manifest: PathBuf::from("pkg/Cargo.toml"),
                kind: Example,
                name: "gone".to_owned(),
                root: PathBuf::from("pkg/examples/elsewhere/gone.rs"),
            }]
        );
    }

    #[test]
    fn a_workspace_with_members_exclude_and_renamed_dependencies() {
        let tmp = write_tree(&[
            (
                "Cargo.toml",
                r#"
[workspace]
members = ["crates/*", "not-here"]
exclude = ["crates/old"]

[workspace.dependencies]
core-lib = { path = "crates/core-lib" }
sh = { package = "shared-x", path = "crates/shared-x" }
"#,
            ),
            (
                "crates/core-lib/Cargo.toml",
                "[package]\nname = \"core-lib\"\n",
            ),
            ("crates/core-lib/src/lib.rs", ""),
            (
                "crates/shared-x/Cargo.toml",
                "[package]\nname = \"shared-x\"\n[lib]\nname = \"sx\"\n",
            ),
            ("crates/shared-x/src/lib.rs", ""),
            (
                "crates/app/Cargo.toml",
                r#"
[package]
name = "app"

[dependencies]
core = { package = "core-lib", path = "../core-lib" }
shared-x = { path = "../shared-x" }
serde = "1"
helper = { path = "../../helper" }

[target.'cfg(unix)'.dev-dependencies]
my-core = { package = "core-lib", path = "../core-lib" }
"#,
            ),
            ("crates/app/src/main.rs", ""),
            (
                "crates/tool/Cargo.toml",
                r#"
[package]
name = "tool"

[dependencies]
core-lib = { workspace = true }

[build-dependencies]
sh = { workspace = true }
"#,
            ),
            ("crates/tool/src/main.rs", ""),
            ("crates/old/Cargo.toml", "[package]\nname = \"old\"\n"),
            ("crates/old/src/lib.rs", ""),
            ("helper/Cargo.toml", "[package]\nname = \"helper\"\n"),
            ("helper/src/lib.rs", ""),
            ("outside/Cargo.toml", "[package]\nname = \"outside\"\n"),
            ("outside/src/lib.rs", ""),
        ]);
        let cargo = CargoTree::read(tmp.path()).unwrap();
        let dirs: Vec<_> = cargo.packages.iter().map(|p| p.dir.clone()).collect();
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            dirs,
            [
                p("crates/app"),
                p("crates/core-lib"),
                p("crates/old"),
                p("crates/shared-x"),
                p("crates/tool"),
                p("helper"),
                p("outside"),
            ]
        );
        assert_eq!(cargo.workspaces.len(), 1);
        let ws = &cargo.workspaces[0];
        assert_eq!(ws.dir, p(""));
        assert_eq!(ws.member_patterns, ["crates/*", "not-here"]);
        assert_eq!(ws.exclude, ["crates/old"]);
        // `helper` is a member as a path dependency of a member; `outside` is not one.
        assert_eq!(
            ws.members,
            [
                p("crates/app"),
                p("crates/core-lib"),
                p("crates/shared-x"),
                p("crates/tool"),
                p("helper"),
            ]
        );
        let workspace_of = |dir: &str| cargo.package_at(Path::new(dir)).unwrap().workspace.clone();
        assert_eq!(workspace_of("crates/app"), Some(p("")));
        assert_eq!(workspace_of("crates/old"), None);
        assert_eq!(workspace_of("outside"), None);
        assert_eq!(
            cargo.problems,
            [ManifestProblem::MemberNotFound {
                manifest: p("Cargo.toml"),
                pattern: "not-here".to_owned(),
            }]
        );

        let app = cargo.package_at(Path::new("crates/app")).unwrap();
        let deps: Vec<_> = app
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.package.as_str(),
                    d.kind,
                    d.target.as_deref(),
                    d.path.clone(),
                    d.extern_name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            deps,
            [
                (
                    "core",
                    "core-lib",
                    Normal,
                    None,
                    Some(p("crates/core-lib")),
                    "core"
                ),
                (
                    "helper",
                    "helper",
                    Normal,
                    None,
                    Some(p("helper")),
                    "helper"
                ),
                ("serde", "serde", Normal, None, None, "serde"),
                (
                    "shared-x",
                    "shared-x",
                    Normal,
                    None,
                    Some(p("crates/shared-x")),
                    "sx"
                ),
                (
                    "my-core",
                    "core-lib",
                    Dev,
                    Some("cfg(unix)"),
                    Some(p("crates/core-lib")),
                    "my_core"
                ),
            ]
        );

        let names = |dir: &str| -> Vec<(String, String)> {
            let package = cargo.package_at(Path::new(dir)).unwrap();
            cargo
                .dependents(package)
                .iter()
                .map(|d| (d.package.name.clone(), d.dependency.extern_name.clone()))
                .collect()
        };
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            names("crates/core-lib"),
            [
                pair("app", "core"),
                pair("app", "my_core"),
                pair("tool", "core_lib")
            ]
        );
        assert_eq!(
            names("crates/shared-x"),
            [pair("app", "sx"), pair("tool", "sh")]
        );
        assert_eq!(
            cargo
                .package_of(Path::new("crates/app/src/main.rs"))
                .unwrap()
                .name,
            "app"
        );
        assert_eq!(cargo.package_of(Path::new("README.md")), None);
    }

    #[test]
    fn bad_manifests_are_reported_and_the_rest_is_read() {
        let tmp = write_tree(&[
            ("broken/Cargo.toml", "[package]\nname = \"b\"\nversion = \n"),
            ("noname/Cargo.toml", "[package]\nversion = \"1.0.0\"\n"),
            ("good/Cargo.toml", "[package]\nname = \"good\"\n"),
            ("good/src/lib.rs", ""),
            // Build output next to a manifest is never read.
            (
                "good/target/package/x/Cargo.toml",
                "[package]\nname = \"x\"\n",
            ),
        ]);
        write_bytes(tmp.path(), "latin1/Cargo.toml", b"name = \"caf\xe9\"\n");
        let cargo = CargoTree::read(tmp.path()).unwrap();
        assert_eq!(cargo.packages.len(), 1);
        assert_eq!(cargo.packages[0].name, "good");
        assert_eq!(cargo.problems.len(), 3, "{:?}", cargo.problems);
        assert!(
            matches!(
                &cargo.problems[0],
                ManifestProblem::Invalid { manifest, line: 3, col: 11, .. }
                    if manifest == Path::new("broken/Cargo.toml")
            ),
            "{:?}",
            cargo.problems[0]
        );
        assert_eq!(
            cargo.problems[1],
            ManifestProblem::Unreadable {
                manifest: PathBuf::from("latin1/Cargo.toml"),
                message: "not UTF-8".to_owned()
            }
        );
        assert!(matches!(
            &cargo.problems[2],
            ManifestProblem::Invalid { manifest, .. } if manifest == Path::new("noname/Cargo.toml")
        ));
    }
}
