//! Where the project is, when `--root` does not say.
//!
//! In: `--root` if given, and the current directory. Out: the [`ProjectRoot`]: the directory
//! that import roots, SRC and DST are relative to, and how to read paths typed on the command
//! line. Reads the file system and asks git; never writes.
//!
//! Without `--root`, the root is the top of the git work tree around the current directory;
//! outside git, the nearest directory upward that holds `pyproject.toml`, `setup.cfg` or
//! `setup.py`; else the current directory. A root found this way that holds `__init__.py` is
//! refused: it lies inside a package, so every module name would be wrong (run from inside
//! `src/flask`, `json/` would be taken for the standard library's `json`). An explicit
//! `--root` is taken as it is.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The project root of a run.
#[derive(Debug, Clone)]
pub struct ProjectRoot {
    /// The root directory.
    pub path: PathBuf,
    /// Where the current directory is inside the root, when the root was found rather than
    /// given (`None` with `--root`): SRC and DST typed on the command line are then relative
    /// to the current directory, as `git mv` reads them.
    cwd_inside: Option<PathBuf>,
}

impl ProjectRoot {
    /// The root to use: `explicit` (`--root`) as it is, or the one found from the current
    /// directory.
    ///
    /// # Errors
    /// [`Error::Usage`] when a found root lies inside a package; I/O failures reading the
    /// current directory.
    pub fn find(explicit: Option<&Path>) -> Result<Self> {
        if let Some(path) = explicit {
            return Ok(Self {
                path: path.to_owned(),
                cwd_inside: None,
            });
        }
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        let root = git_top_level(&cwd)
            .or_else(|| nearest_project_file(&cwd))
            .unwrap_or_else(|| cwd.clone());
        if root.join("__init__.py").is_file() {
            return Err(Error::Usage(format!(
                "the project root {} holds __init__.py: it lies inside a package, so module \
                 names would be wrong\nhelp: run regraft from the project's top directory, or \
                 pass --root with the directory that holds the top-level package",
                root.display()
            )));
        }
        let cwd_inside = cwd.strip_prefix(&root).ok().map(Path::to_owned);
        Ok(Self {
            path: root,
            cwd_inside,
        })
    }

    /// The root that holds regraft's journal for `undo`: `--root` as it is, else the nearest
    /// directory upward from the current one that has a `.regraft/` directory, else the root
    /// [`ProjectRoot::find`] would give.
    ///
    /// # Errors
    /// As [`ProjectRoot::find`].
    pub fn for_undo(explicit: Option<&Path>) -> Result<Self> {
        if explicit.is_none() {
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            if let Some(dir) = cwd
                .ancestors()
                .find(|d| d.join(crate::journal::DIR).is_dir())
            {
                return Ok(Self {
                    path: dir.to_owned(),
                    cwd_inside: None,
                });
            }
        }
        Self::find(explicit)
    }

    /// A path typed on the command line (SRC or DST) as a root-relative path: unchanged with
    /// `--root`, else read from the current directory. `..` that stays inside the root is
    /// resolved; one that leaves it is kept, for the rules' checks to refuse.
    pub fn command_line_path(&self, typed: &str) -> String {
        let Some(inside) = self
            .cwd_inside
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
        else {
            return typed.to_owned();
        };
        if Path::new(typed).is_absolute() {
            return typed.to_owned();
        }
        let mut parts: Vec<String> = Vec::new();
        for component in inside.join(typed).components() {
            match component {
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::ParentDir if !parts.is_empty() => {
                    parts.pop();
                }
                Component::ParentDir => return typed.to_owned(),
                _ => {}
            }
        }
        parts.join("/")
    }
}

/// The top directory of the git work tree around `dir`, if any.
fn git_top_level(dir: &Path) -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let top = String::from_utf8(out.stdout).ok()?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    // git prints the real path; keep the user's spelling of the current directory when it
    // is the same place (a symlinked home, a /tmp alias).
    let canonical_dir = std::fs::canonicalize(dir).ok()?;
    let inside = canonical_dir.strip_prefix(&top).ok()?;
    let mut mine = dir.to_owned();
    for _ in inside.components() {
        mine.pop();
    }
    Some(mine)
}

/// The nearest directory from `dir` upward that holds a Python project file.
fn nearest_project_file(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            ["pyproject.toml", "setup.cfg", "setup.py"]
                .iter()
                .any(|f| d.join(f).is_file())
        })
        .map(Path::to_owned)
}
