//! Plans the move of one Rust module to another place in its crate's module tree (issue #12
//! point 3), and hands every file that names it to the path rewriter (`paths`).
//!
//! In: the tree root and one move (`SRC DST`, root-relative). Out: a [`RustMove`]: the files
//! that move, the new parent module files to create, and every file's changes (structural:
//! the `mod` declaration leaves the old parent and joins the new one; and path rewrites).
//! Reads files; never writes.
//!
//! What it refuses (an error: nothing is planned) are the forms it does not handle yet: a
//! module mounted by two crates, an inline module, a `#[path]` module, a destination that
//! exists (a merge), a new parent written inline.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::cargo::{CargoTree, TargetKind};
use super::module_tree::{Module, ModuleTree, module_tree};
use super::paths::{ModPath, ModuleSet, Relocation, Tree, Vantage, rewrite_file};
use super::source::Source;
use super::{below_crate, slash_path};
use crate::edit::Edit;
use crate::error::{Error, Result};
use crate::lang::{Change, Problem, RefKind};

/// One file as the path rewriter read it: its part in the move, the modules outside the
/// moved one that reach into it, and its restricted visibilities the move changes.
type FileRead = (RustFile, Vec<ModPath>, Vec<super::paths::Restricted>);

/// Everything a Rust module move does.
#[derive(Debug, Default)]
pub struct RustMove {
    /// The module today, `crate::a::b`.
    pub from_module: String,
    /// The module after the move.
    pub to_module: String,
    /// The files that move: (today, after), root-relative.
    pub file_moves: Vec<(String, String)>,
    /// New parent module files: (path, contents).
    pub created: Vec<(String, String)>,
    /// Every file with changes or problems.
    pub files: Vec<RustFile>,
    /// When DST is an existing module: its directory and its module file, into which SRC is
    /// merged (the files in both are categorised by [`crate::categorize`]).
    pub merge_into: Option<(String, String)>,
}

/// One file's part in a move.
#[derive(Debug, Default)]
pub struct RustFile {
    /// Root-relative path today.
    pub path: String,
    /// Root-relative path after the move.
    pub new_path: String,
    /// Its text today.
    pub text: String,
    /// Its changes.
    pub changes: Vec<Change>,
    /// What a human must look at.
    pub problems: Vec<Problem>,
}

/// Whether the move `src` → `dst` concerns Rust: a `.rs` file, or a directory holding `.rs`
/// files or standing beside a `SRC.rs` module file (or, once moved, the same of `dst`).
pub fn is_rust_move(root: &Path, src: &str, dst: &str) -> bool {
    let is_module = |path: &str| {
        let full = root.join(path);
        if Path::new(path).extension().is_some_and(|e| e == "rs") {
            return true;
        }
        if root.join(format!("{path}.rs")).is_file() {
            return true;
        }
        full.is_dir()
            && crate::walk::all_files_under(root, path).is_ok_and(|files| {
                files
                    .iter()
                    .any(|f| Path::new(f).extension().is_some_and(|e| e == "rs"))
            })
    };
    if root.join(src).exists() || root.join(format!("{src}.rs")).is_file() {
        is_module(src)
    } else {
        is_module(dst)
    }
}

fn has_rs_extension(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e == "rs")
}

fn bad(what: &'static str, path: &str, why: impl Into<String>) -> Error {
    Error::bad_path(what, path, why.into())
}

/// Plans moving the module at `src` to `dst` (both root-relative, `/`-separated).
///
/// # Errors
/// [`Error::BadPath`] for a form regraft does not move (the message says which and why),
/// I/O errors.
#[allow(clippy::too_many_lines)]
pub fn plan_move(root: &Path, src: &str, dst: &str, shim: bool) -> Result<RustMove> {
    let src = src.trim_end_matches('/');
    let dst = dst.trim_end_matches('/');
    let file_form = has_rs_extension(src);
    let (src_dir, module_file) = if file_form {
        let dir = src.trim_end_matches(".rs").to_owned();
        (dir, src.to_owned())
    } else if root.join(format!("{src}.rs")).is_file() {
        (src.to_owned(), format!("{src}.rs"))
    } else if root.join(src).join("mod.rs").is_file() {
        (src.to_owned(), format!("{src}/mod.rs"))
    } else if !root.join(src).exists()
        && (root.join(dst).exists() || root.join(format!("{dst}.rs")).is_file())
    {
        // Done by an earlier run.
        return Ok(RustMove::default());
    } else {
        return Err(bad(
            "SRC",
            src,
            "is not a Rust module: neither `SRC.rs` nor `SRC/mod.rs` exists",
        ));
    };
    if !root.join(&module_file).is_file() {
        if root.join(dst).exists()
            || root
                .join(format!("{}.rs", dst.trim_end_matches(".rs")))
                .is_file()
        {
            return Ok(RustMove::default());
        }
        return Err(bad("SRC", src, "does not exist"));
    }
    if file_form != has_rs_extension(dst) {
        return Err(bad(
            "DST",
            dst,
            "must be a `.rs` file when SRC is one, and a directory when SRC is one",
        ));
    }
    let dst_dir = dst.trim_end_matches(".rs").to_owned();
    // DST an existing module: SRC is merged into it (its module file takes SRC's).
    let existing = [format!("{dst_dir}.rs"), format!("{dst_dir}/mod.rs")]
        .into_iter()
        .find(|f| root.join(f).is_file());
    let merging = existing.is_some();
    let new_module_file = match existing {
        Some(file) => file,
        None if root.join(&dst_dir).exists() => {
            return Err(bad(
                "DST",
                dst,
                "exists but is not a Rust module (no `DST.rs` nor `DST/mod.rs`)\n\
                 help: pick a new place, or the directory of an existing module",
            ));
        }
        None if module_file.ends_with("/mod.rs") => format!("{dst_dir}/mod.rs"),
        None => format!("{dst_dir}.rs"),
    };

    let cargo = CargoTree::read(root).map_err(|e| Error::Usage(e.to_string()))?;
    let module_path = Path::new(&module_file);
    let package = cargo.package_of(module_path).ok_or_else(|| {
        bad(
            "SRC",
            src,
            "is not inside a Cargo package (no Cargo.toml above it)",
        )
    })?;
    let trees: Vec<(TargetKind, ModuleTree)> = package
        .targets
        .iter()
        .map(|t| (t.kind, module_tree(root, &t.root)))
        .collect();
    let mounts: Vec<(usize, &Module)> = trees
        .iter()
        .enumerate()
        .flat_map(|(i, (_, tree))| {
            tree.modules
                .iter()
                .filter(|m| !m.inline && m.file == module_path)
                .map(move |m| (i, m))
        })
        .collect();
    let (tree_index, module) = match mounts.as_slice() {
        [] => {
            return Err(bad(
                "SRC",
                src,
                format!(
                    "is not mounted by any crate of package `{}`: no `mod` declaration reaches \
                     {module_file}",
                    package.name
                ),
            ));
        }
        [one] => *one,
        many => {
            let crates: Vec<String> = many
                .iter()
                .map(|(i, m)| format!("{} ({})", trees[*i].1.crate_root.display(), m.path))
                .collect();
            return Err(bad(
                "SRC",
                src,
                format!(
                    "is mounted by more than one crate ({}); moving it is not supported yet",
                    crates.join(", ")
                ),
            ));
        }
    };
    let (kind, tree) = &trees[tree_index];
    let Some(declaration) = module.declaration.clone() else {
        return Err(bad(
            "SRC",
            src,
            "is the crate root; move the package instead",
        ));
    };
    if declaration.path_attr.is_some() {
        return Err(bad(
            "SRC",
            src,
            "is mounted with a `#[path]` attribute; moving it is not supported yet",
        ));
    }
    let from = below_crate(&module.path);
    let crate_dir = tree
        .crate_root
        .parent()
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .replace('\\', "/");
    let to = destination_module(&crate_dir, &dst_dir).ok_or_else(|| {
        bad(
            "DST",
            dst,
            format!(
                "must be a module path below the crate's source directory `{crate_dir}/`, \
                 made of Rust identifiers"
            ),
        )
    })?;
    if to.starts_with(&from) {
        return Err(bad("DST", dst, "lies inside SRC"));
    }
    if merging
        && !tree.modules.iter().any(|m| {
            !m.inline && slash_path(&m.file) == new_module_file && below_crate(&m.path) == to
        })
    {
        return Err(bad(
            "DST",
            dst,
            format!(
                "{new_module_file} is not mounted as `crate::{}` by the crate that mounts SRC",
                to.join("::")
            ),
        ));
    }

    let relocation = Relocation {
        from: from.clone(),
        to: to.clone(),
    };
    let old_modules: Vec<ModPath> = tree.modules.iter().map(|m| below_crate(&m.path)).collect();
    let mut new_modules: Vec<ModPath> = old_modules
        .iter()
        .map(|m| relocation.map_or_same(m))
        .collect();
    let mut missing_parents: Vec<ModPath> = Vec::new();
    for len in 1..to.len() {
        let ancestor = to[..len].to_vec();
        if !new_modules.contains(&ancestor) {
            missing_parents.push(ancestor.clone());
            new_modules.push(ancestor);
        }
    }
    let run_tree = Tree {
        old: ModuleSet::new(old_modules.iter().cloned()),
        new: ModuleSet::new(new_modules),
        relocation: relocation.clone(),
    };

    // The files that move.
    let mut file_moves = vec![(module_file.clone(), new_module_file.clone())];
    if root.join(&src_dir).is_dir() {
        for file in crate::walk::all_files_under(root, &src_dir)? {
            if file == module_file {
                continue;
            }
            let rest = &file[src_dir.len()..];
            file_moves.push((file.clone(), format!("{dst_dir}{rest}")));
        }
    }
    file_moves.sort();
    let moved_to = |path: &str| {
        file_moves
            .iter()
            .find(|(from, _)| from == path)
            .map(|(_, to)| to.clone())
    };

    // Every file that may name the module, and how it sees the crate.
    let crate_name = package.crate_name();
    let mut jobs: Vec<(String, Vantage)> = Vec::new();
    let mut seen = BTreeSet::new();
    for m in tree.modules.iter().filter(|m| !m.inline) {
        let file = slash_path(&m.file);
        if seen.insert(file.clone()) {
            jobs.push((
                file,
                Vantage::Own {
                    module: below_crate(&m.path),
                    doc_names: vec![crate_name.clone()],
                },
            ));
        }
    }
    // Files under SRC that no `mod` reaches still move; their paths are read as if mounted.
    if *kind == TargetKind::Lib {
        for (i, (_, other)) in trees.iter().enumerate() {
            if i == tree_index {
                continue;
            }
            for m in other.modules.iter().filter(|m| !m.inline) {
                let file = slash_path(&m.file);
                if seen.insert(file.clone()) {
                    jobs.push((
                        file,
                        Vantage::Extern {
                            names: vec![crate_name.clone()],
                        },
                    ));
                }
            }
        }
        for dependent in cargo.dependents(package) {
            let names = vec![dependent.dependency.extern_name.clone()];
            for target in &dependent.package.targets {
                for m in module_tree(root, &target.root)
                    .modules
                    .iter()
                    .filter(|m| !m.inline)
                {
                    let file = slash_path(&m.file);
                    if seen.insert(file.clone()) {
                        jobs.push((
                            file,
                            Vantage::Extern {
                                names: names.clone(),
                            },
                        ));
                    }
                }
            }
        }
    }

    let needle = from.last().cloned().unwrap_or_default();
    let needle = needle.strip_prefix("r#").unwrap_or(&needle).to_owned();
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let results: Vec<Result<FileRead>> = jobs
        .par_iter()
        .map(|(file, vantage)| {
            let bytes = std::fs::read(root.join(file)).map_err(|e| Error::io(file, e))?;
            let Ok(text) = String::from_utf8(bytes) else {
                return Ok((
                    RustFile {
                        path: file.clone(),
                        new_path: moved_to(file).unwrap_or_else(|| file.clone()),
                        problems: vec![Problem {
                            offset: 0,
                            message: "not valid UTF-8: left as it was".to_owned(),
                        }],
                        ..RustFile::default()
                    },
                    Vec::new(),
                    Vec::new(),
                ));
            };
            let source = Source::new(PathBuf::from(file), text);
            // A file that stays can only name the module by spelling its name as a whole
            // name (a path, a `use`, a link): the others are not parsed.
            let spells = moved_to(file).is_some()
                || crate::lang::mentions_whole_name(source.text.as_bytes(), &finder);
            let outcome = if spells {
                match syn::parse_file(&source.text) {
                    Ok(parsed) => {
                        let result = rewrite_file(&run_tree, vantage, &source, &parsed);
                        drop(parsed);
                        Ok(result)
                    }
                    Err(err) => Err(source.offset(err.span().start())),
                }
            } else {
                Ok(super::paths::FileResult::default())
            };
            proc_macro2::extra::invalidate_current_thread_spans();
            let new_path = moved_to(file).unwrap_or_else(|| file.clone());
            let text = source.file_text();
            match outcome {
                Ok(result) => Ok((
                    RustFile {
                        path: file.clone(),
                        new_path,
                        text,
                        changes: result.changes,
                        problems: result.problems,
                    },
                    result.reached_from,
                    result.restricted,
                )),
                Err(offset) => Ok((
                    RustFile {
                        path: file.clone(),
                        new_path,
                        text,
                        changes: Vec::new(),
                        problems: vec![Problem {
                            offset,
                            message: "syntax error: the file is left as it was".to_owned(),
                        }],
                    },
                    Vec::new(),
                    Vec::new(),
                )),
            }
        })
        .collect();
    let mut files = Vec::new();
    let mut reached_from = Vec::new();
    let mut restricted = Vec::new();
    for result in results {
        let (file, reached, found) = result?;
        reached_from.extend(reached);
        restricted.extend(found.into_iter().map(|r| (file.path.clone(), r)));
        files.push(file);
    }
    // A `pub(super)` / `pub(in …)` item of the moved module that a module losing sight of it
    // may use: the compiler would refuse the crate, so a human decides how wide it must be.
    for (path, r) in restricted {
        let loses_sight = |m: &ModPath| {
            m.starts_with(&r.before) && r.after.as_ref().is_none_or(|a| !m.starts_with(a))
        };
        let Some(user) = reached_from.iter().find(|m| loses_sight(m)) else {
            continue;
        };
        let shown = |m: &[String]| {
            if m.is_empty() {
                "crate".to_owned()
            } else {
                format!("crate::{}", m.join("::"))
            }
        };
        let after = r
            .after
            .as_deref()
            .map_or_else(|| "no module".to_owned(), |a| format!("`{}`", shown(a)));
        if let Some(f) = files.iter_mut().find(|f| f.path == path) {
            f.problems.push(Problem {
                offset: r.offset,
                message: format!(
                    "`{}` opens this item to `{}` today and to {after} after the move, and `{}` uses \
                     the moved module: if it uses this item, widen it (e.g. `pub(crate)`)",
                    r.text,
                    shown(&r.before),
                    shown(user)
                ),
            });
        }
    }

    // `#[path]` attributes whose file, or whose declaring file, moves: rustc reads the path
    // from the declaring file's directory.
    for m in tree.modules.iter().filter(|m| !m.inline) {
        let Some(d) = &m.declaration else { continue };
        let Some(value) = &d.path_attr else { continue };
        let (decl_file, target) = (slash_path(&d.file), slash_path(&m.file));
        let new_decl_file = moved_to(&decl_file).unwrap_or_else(|| decl_file.clone());
        let new_target = moved_to(&target).unwrap_or_else(|| target.clone());
        if new_decl_file == decl_file && new_target == target {
            continue;
        }
        let parent_inline = tree.modules.iter().any(|p| {
            p.inline
                && m.path
                    .strip_prefix(&p.path)
                    .is_some_and(|r| r.starts_with("::"))
        });
        let text = text_of(&files, &decl_file);
        let quoted = format!("\"{value}\"");
        let at = text
            .get(d.byte_range.clone())
            .and_then(|decl| decl.find(&quoted))
            .map(|i| d.byte_range.start + i);
        match at {
            Some(at) if !parent_inline => {
                let new_value = relative_path(parent_dir(&new_decl_file), &new_target);
                add_change(
                    &mut files,
                    &decl_file,
                    Change::replace(
                        RefKind::Path,
                        at..at + quoted.len(),
                        format!("\"{new_value}\""),
                    ),
                );
            }
            _ => {
                if let Some(f) = files.iter_mut().find(|f| f.path == decl_file) {
                    f.problems.push(Problem {
                        offset: d.byte_range.start,
                        message: format!(
                            "`#[path = \"{value}\"]` names a file that moves (or is read from a \
                             file that moves) and regraft could not rewrite it: point it at \
                             {new_target}"
                        ),
                    });
                }
            }
        }
    }

    // The declaration leaves its old parent and joins the new one.
    let old_parent = from[..from.len() - 1].to_vec();
    let new_parent = to[..to.len() - 1].to_vec();
    let new_name = to.last().cloned().unwrap_or_default();
    let decl_file = slash_path(&declaration.file);
    let decl_text = slice_of(&files, &decl_file, &declaration.byte_range);
    let visibility = declaration.visibility.clone();
    let widen = !matches!(visibility.as_str(), "pub" | "pub(crate)")
        && reached_from.iter().any(|r| !r.starts_with(&new_parent));
    let new_visibility = if widen {
        "pub(crate)".to_owned()
    } else {
        visibility.clone()
    };
    let new_decl = redeclare(&decl_text, &declaration, &new_name, &new_visibility);
    let file_text = text_of(&files, &decl_file);
    let whole = whole_lines(&file_text, declaration.byte_range.clone());
    // Paths written in the declaration's own attributes go with it.
    if let Some(f) = files.iter_mut().find(|f| f.path == decl_file) {
        f.changes
            .retain(|c| c.range.end <= whole.start || c.range.start >= whole.end);
    }
    let own_line = whole != declaration.byte_range;
    let indent = file_text[whole.start..declaration.byte_range.start].to_owned();
    let shim_text = if shim {
        if visibility != "pub" {
            return Err(bad(
                "SRC",
                src,
                format!(
                    "--shim keeps a public path working, and `{}` is not `pub`\n\
                     help: run without --shim",
                    module.path
                ),
            ));
        }
        let old_name = from.last().cloned().unwrap_or_default();
        Some(shim_module(&decl_text, &old_name, &to)?)
    } else {
        None
    };
    // What takes the declaration's place: the renamed declaration when the parent stays,
    // and the shim.
    let mut lines = Vec::new();
    if old_parent == new_parent {
        lines.push(new_decl.clone());
    }
    if let Some(shim) = &shim_text {
        lines.extend(shim.lines().map(str::to_owned));
    }
    let (replaced, body) = if own_line {
        let mut body = String::new();
        for line in &lines {
            body.push_str(&indent);
            body.push_str(line);
            body.push('\n');
        }
        (whole.clone(), body)
    } else {
        (declaration.byte_range.clone(), lines.join("\n"))
    };
    add_change(
        &mut files,
        &decl_file,
        Change {
            kind: RefKind::ModDeclaration,
            range: replaced.clone(),
            edits: vec![Edit::replace(replaced, body)],
        },
    );
    if merging {
        let mut plan = finish(files, file_moves, &module.path, &to);
        plan.merge_into = Some((dst_dir, new_module_file));
        return Ok(plan);
    }
    if old_parent != new_parent {
        // The new parent: an existing module file, or new files down from the deepest
        // ancestor that exists.
        let parent_vis = if visibility == "pub" {
            "pub"
        } else {
            "pub(crate)"
        };
        let mut created = Vec::new();
        let mut declare_in: ModPath = new_parent.clone();
        let mut pending = new_decl.clone();
        let style_mod_rs = uses_mod_rs(tree);
        // A crate that lints `missing_docs` gets a doc line in each new module.
        let wants_docs = std::fs::read_to_string(root.join(&tree.crate_root))
            .is_ok_and(|text| text.contains("missing_docs"));
        let mut child = to.last().cloned().unwrap_or_default();
        for parent in missing_parents.iter().rev() {
            let rel = parent.join("/");
            let path = if style_mod_rs {
                format!("{crate_dir}/{rel}/mod.rs")
            } else {
                format!("{crate_dir}/{rel}.rs")
            };
            let doc = if wants_docs {
                format!("//! Holds the `{child}` module.\n\n")
            } else {
                String::new()
            };
            created.push((path, format!("{doc}{pending}\n")));
            let name = parent.last().cloned().unwrap_or_default();
            child.clone_from(&name);
            pending = format!("{parent_vis} mod {name};");
            declare_in = parent[..parent.len() - 1].to_vec();
        }
        let parent_module = tree
            .modules
            .iter()
            .find(|m| below_crate(&m.path) == declare_in)
            .ok_or_else(|| Error::Usage(format!("module {} not found", declare_in.join("::"))))?;
        if parent_module.inline {
            return Err(bad(
                "DST",
                dst,
                "its parent module is written inline (`mod x { … }`); moving into it is not \
                 supported yet",
            ));
        }
        let parent_file = slash_path(&parent_module.file);
        let at = insertion_point(tree, &files, parent_module, &from)?;
        let parent_text = text_of(&files, &parent_file);
        let (at, text) =
            if at == parent_text.len() && !parent_text.is_empty() && !parent_text.ends_with('\n') {
                (at, format!("\n{pending}"))
            } else {
                (at, format!("{pending}\n"))
            };
        add_change(
            &mut files,
            &parent_file,
            Change {
                kind: RefKind::ModDeclaration,
                range: at..at,
                edits: vec![Edit::insert(at, text)],
            },
        );
        created.reverse();
        let mut plan = finish(files, file_moves, &module.path, &to);
        plan.created = created;
        return Ok(plan);
    }
    Ok(finish(files, file_moves, &module.path, &to))
}

fn finish(
    files: Vec<RustFile>,
    file_moves: Vec<(String, String)>,
    from: &str,
    to: &[String],
) -> RustMove {
    let mut files: Vec<RustFile> = files
        .into_iter()
        .filter(|f| !f.changes.is_empty() || !f.problems.is_empty())
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    RustMove {
        from_module: from.to_owned(),
        to_module: format!("crate::{}", to.join("::")),
        file_moves,
        created: Vec::new(),
        files,
        merge_into: None,
    }
}

/// The module path DST names: its path below the crate's source directory.
fn destination_module(crate_dir: &str, dst_dir: &str) -> Option<ModPath> {
    let rest = if crate_dir.is_empty() {
        dst_dir
    } else {
        dst_dir.strip_prefix(crate_dir)?.strip_prefix('/')?
    };
    let parts: ModPath = rest.split('/').map(str::to_owned).collect();
    parts
        .iter()
        .all(|p| is_rust_identifier(p) && p != "mod")
        .then_some(parts)
}

fn is_rust_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && word != "_"
        && !matches!(word, "crate" | "self" | "super" | "Self")
}

/// Whether the crate writes directory modules as `name/mod.rs` (and never as `name.rs` with
/// a `name/` directory).
fn uses_mod_rs(tree: &ModuleTree) -> bool {
    let files: Vec<&Path> = tree
        .modules
        .iter()
        .skip(1)
        .filter(|m| !m.inline)
        .map(|m| m.file.as_path())
        .collect();
    let mod_rs = files
        .iter()
        .any(|f| f.file_name().is_some_and(|n| n == "mod.rs"));
    let flat_with_children = tree.modules.iter().skip(1).any(|child| {
        child.declaration.as_ref().is_some_and(|d| {
            d.file.file_name().is_some_and(|n| n != "mod.rs")
                && d.file != tree.crate_root
                && !child.inline
        })
    });
    mod_rs && !flat_with_children
}

fn text_of(files: &[RustFile], path: &str) -> String {
    files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

fn slice_of(files: &[RustFile], path: &str, range: &Range<usize>) -> String {
    text_of(files, path)
        .get(range.clone())
        .unwrap_or_default()
        .to_owned()
}

fn add_change(files: &mut [RustFile], path: &str, change: Change) {
    if let Some(f) = files.iter_mut().find(|f| f.path == path) {
        f.changes.push(change);
        f.changes.sort_by_key(|c| (c.range.start, c.range.end));
    }
}

/// The module `--shim` leaves at the old place: the old name, deprecated, re-exporting
/// everything public of the new place, under the declaration's own `cfg`s. Built as tokens
/// and printed by `prettyplease`.
fn shim_module(declaration: &str, old_name: &str, to: &[String]) -> Result<String> {
    let target = format!("crate::{}", to.join("::"));
    let internal = |e: syn::Error| Error::Usage(format!("internal error: shim for {target}: {e}"));
    let path: syn::Path = syn::parse_str(&target).map_err(internal)?;
    let name: syn::Ident = syn::parse_str(old_name).map_err(internal)?;
    let parsed: syn::ItemMod = syn::parse_str(declaration).map_err(internal)?;
    let cfgs = parsed
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"));
    let doc = format!(
        " Moved to [`{target}`]: this module keeps the old path working until its users move."
    );
    let note = format!("moved to `{target}`");
    let file: syn::File = syn::parse_quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[deprecated(note = #note)]
        pub mod #name {
            pub use #path::*;
        }
    };
    Ok(prettyplease::unparse(&file))
}

/// The directory of a root-relative file path (`""` at the root).
fn parent_dir(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `to` (a root-relative file) as written from directory `from` (root-relative).
fn relative_path(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = to.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend_from_slice(&to[common..]);
    parts.join("/")
}

/// The declaration's text with its new name and visibility.
fn redeclare(
    text: &str,
    declaration: &super::module_tree::Declaration,
    name: &str,
    visibility: &str,
) -> String {
    let base = declaration.byte_range.start;
    let name_at = declaration.name_range.start - base..declaration.name_range.end - base;
    let mut out = String::new();
    out.push_str(&text[..name_at.start]);
    out.push_str(name);
    out.push_str(&text[name_at.end..]);
    if visibility == declaration.visibility {
        return out;
    }
    // Find the visibility (or `mod`) after the attributes: the text before `mod <name>`.
    let mod_at = out[..name_at.start].rfind("mod").unwrap_or(0);
    let before_mod = &out[..mod_at];
    let head_end = if declaration.visibility.is_empty() {
        mod_at
    } else {
        before_mod.rfind(&declaration.visibility).unwrap_or(mod_at)
    };
    let tail_start = if declaration.visibility.is_empty() {
        mod_at
    } else {
        head_end + declaration.visibility.len() + 1
    };
    format!("{}{visibility} {}", &out[..head_end], &out[tail_start..])
}

/// `range` grown to whole lines when nothing but spaces shares them.
fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..range.start]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return range;
    }
    let rest = &text[range.end..];
    let line_end = rest.find('\n').map_or(text.len(), |i| range.end + i + 1);
    if !text[range.end..line_end].trim().is_empty() {
        return range;
    }
    line_start..line_end
}

/// Where a new `mod` line goes in `parent`'s file: after the line of its last `mod`
/// declaration (not the moved one's), else after its last `use` item, else before its first
/// item, else at the end.
fn insertion_point(
    tree: &ModuleTree,
    files: &[RustFile],
    parent: &Module,
    moved: &[String],
) -> Result<usize> {
    let parent_file = slash_path(&parent.file);
    let text = text_of(files, &parent_file);
    let parent_path = below_crate(&parent.path);
    let after_line = |end: usize| text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let last_mod = tree
        .modules
        .iter()
        .filter_map(|m| {
            let d = m.declaration.as_ref()?;
            let path = below_crate(&m.path);
            (d.file == parent.file
                && path.len() == parent_path.len() + 1
                && path.starts_with(&parent_path)
                && path != moved)
                .then_some(d.byte_range.end)
        })
        .max();
    if let Some(end) = last_mod {
        return Ok(after_line(end));
    }
    let source = Source::new(parent.file.clone(), text.clone());
    let parsed = syn::parse_file(&source.text)
        .map_err(|e| Error::Usage(format!("{parent_file}: does not parse: {e}")))?;
    let last_use = parsed.items.iter().filter_map(|item| match item {
        syn::Item::Use(u) => Some(source.span(u.semi_token.span).end),
        _ => None,
    });
    let at = if let Some(end) = last_use.max() {
        after_line(end)
    } else if let Some(first) = parsed.items.first() {
        let start = item_start(&source, first);
        text[..start].rfind('\n').map_or(0, |i| i + 1)
    } else {
        text.len()
    };
    drop(parsed);
    proc_macro2::extra::invalidate_current_thread_spans();
    Ok(at)
}

/// Where an item starts, its outer attributes and doc comments included.
fn item_start(source: &Source, item: &syn::Item) -> usize {
    use syn::spanned::Spanned;
    source.span(item.span()).start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_directory() {
        assert_eq!(
            relative_path("src/a", "src/gen/codes.rs"),
            "../gen/codes.rs"
        );
        assert_eq!(
            relative_path("src/x/y", "src/gen/codes.rs"),
            "../../gen/codes.rs"
        );
        assert_eq!(relative_path("src", "src/x/y/b/t.rs"), "x/y/b/t.rs");
        assert_eq!(relative_path("", "src/t.rs"), "src/t.rs");
    }

    #[test]
    fn destinations_are_module_paths_below_the_crate_directory() {
        let m = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            destination_module("src", "src/front/parser"),
            Some(m(&["front", "parser"]))
        );
        assert_eq!(
            destination_module("crates/a/src", "crates/a/src/x"),
            Some(m(&["x"]))
        );
        assert_eq!(destination_module("src", "lib/front"), None);
        assert_eq!(destination_module("src", "src/front-end/parser"), None);
        assert_eq!(destination_module("src", "src/self/x"), None);
    }

    #[test]
    fn a_declaration_keeps_its_attributes_and_takes_a_new_name_and_visibility() {
        let text = "/// Docs.\n#[cfg(feature = \"x\")]\npub(super) mod b;";
        let declaration = super::super::module_tree::Declaration {
            file: PathBuf::from("src/a.rs"),
            byte_range: 10..10 + text.len(),
            name_range: 10 + text.len() - 2..10 + text.len() - 1,
            visibility: "pub(super)".to_owned(),
            path_attr: None,
        };
        assert_eq!(
            redeclare(text, &declaration, "parser", "pub(crate)"),
            "/// Docs.\n#[cfg(feature = \"x\")]\npub(crate) mod parser;"
        );
        assert_eq!(
            redeclare(text, &declaration, "parser", "pub(super)"),
            "/// Docs.\n#[cfg(feature = \"x\")]\npub(super) mod parser;"
        );
    }
}
