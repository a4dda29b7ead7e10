//! Rust support, issue #12 point 2 ("Understand Cargo"): the foundation, not yet wired into
//! `plan`/`apply` (regraft still refuses to move Rust modules).
//!
//! - [`cargo`]: every `Cargo.toml` of a tree → packages, their crate roots (lib, bins,
//!   tests, examples, benches, build script), workspaces (`members` globs, `exclude`) and path
//!   dependencies, with the name a dependent writes (`-` → `_`, `[lib] name`, renames).
//! - [`module_tree`]: from a crate root, every `mod` (file or inline, `#[path]`, any `#[cfg]`)
//!   with its module path, its file and the byte range of its declaration; per package, the
//!   `.rs` files mounted twice or not at all.
//!
//! Paths are relative to the root the caller gives, lexically normalised (no `.` or `..`
//! inside the tree). Trouble with one manifest or one source file is a *problem* in the
//! result, never an error: only a failure to walk the tree is an [`Error`].

pub mod cargo;
pub mod check;
pub(crate) mod docs;
pub mod merge;
pub mod module_tree;
pub(crate) mod paths;
pub mod relocate;
pub(crate) mod source;

use std::path::{Component, Path, PathBuf};

/// Why the Rust layer could not read a tree at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Walking the tree failed.
    #[error("walking {path}: {source}")]
    Walk {
        /// The directory being walked.
        path: PathBuf,
        /// What the walker said.
        source: ignore::Error,
    },
}

/// A module path as written in a module tree (`crate::a::b`), below the crate root
/// (`["a", "b"]`; the root is empty).
pub(crate) fn below_crate(path: &str) -> Vec<String> {
    path.split("::").skip(1).map(str::to_owned).collect()
}

/// A root-relative path with `/` separators, as the rest of regraft writes paths.
pub(crate) fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `path` with `.` dropped and `a/..` folded, without touching the disk. A `..` that climbs
/// above the start is kept (the path then leaves the tree).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// Test support: writes `files` (path, content) into a new temporary directory.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
pub(crate) fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write_bytes(dir.path(), path, text.as_bytes());
    }
    dir
}

/// Test support: writes `bytes` to `root/path`, creating the directories.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
pub(crate) fn write_bytes(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c.rs")), Path::new("a/c.rs"));
        assert_eq!(normalize(Path::new("a/../../x")), Path::new("../x"));
        assert_eq!(
            normalize(Path::new("./src/lib.rs")),
            Path::new("src/lib.rs")
        );
        assert_eq!(normalize(Path::new("")), Path::new(""));
    }
}
