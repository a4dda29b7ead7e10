//! Lists the files of the tree, in parallel, honouring `.gitignore` (also outside a git
//! repository), `.ignore` and the rules' `exclude` globs.
//!
//! In: the root and the exclude globs. Out: every file and symlink, as a root-relative path
//! with `/` separators, sorted by path. Symlinks are listed, never followed; `.git`,
//! `.regraft` and `__pycache__` (compiled files that Python remakes) are never entered.

use std::path::Path;
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

use crate::error::{Error, Result};

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkedFile {
    /// Root-relative path with `/` separators.
    pub path: String,
    /// True for a symbolic link (to a file or a directory): it is moved as a link, never read.
    pub is_symlink: bool,
}

/// Lists the files under `root`.
///
/// # Errors
/// [`Error::Usage`] for an exclude glob that does not parse; [`Error::Walk`] when a directory
/// cannot be read.
pub fn walk(root: &Path, exclude: &[String]) -> Result<Vec<WalkedFile>> {
    let mut overrides = OverrideBuilder::new(root);
    for glob in exclude {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| Error::Usage(format!("exclude glob `{glob}`: {e}")))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| Error::Usage(format!("exclude globs: {e}")))?;
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .overrides(overrides)
        .filter_entry(|entry| {
            !matches!(
                entry.file_name().to_str(),
                Some(".git" | ".regraft" | "__pycache__")
            )
        })
        .build_parallel();

    let files = Mutex::new(Vec::new());
    let first_error = Mutex::new(None);
    walker.run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    first_error
                        .lock()
                        .expect("no panics while locked")
                        .get_or_insert(err);
                    return WalkState::Quit;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue;
            };
            if file_type.is_dir() {
                return WalkState::Continue;
            }
            let Ok(relative) = entry.path().strip_prefix(root) else {
                return WalkState::Continue;
            };
            let path = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files
                .lock()
                .expect("no panics while locked")
                .push(WalkedFile {
                    path,
                    is_symlink: file_type.is_symlink(),
                });
            WalkState::Continue
        })
    });
    if let Some(err) = first_error.into_inner().expect("no panics while locked") {
        return Err(err.into());
    }
    let mut files = files.into_inner().expect("no panics while locked");
    files.sort();
    Ok(files)
}

/// Every file under `dir`, ignored ones included (to tell what a move leaves behind).
///
/// # Errors
/// [`Error::Walk`] when a directory cannot be read.
pub fn all_files_under(root: &Path, dir: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in WalkBuilder::new(root.join(dir))
        .standard_filters(false)
        .follow_links(false)
        .build()
    {
        let entry = entry?;
        if entry.file_type().is_some_and(|t| !t.is_dir())
            && let Ok(relative) = entry.path().strip_prefix(root)
        {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    Ok(out)
}
