//! Renders plans and results as text or JSON. The only module (with `main.rs`) that prints.
//!
//! The plan, apply and undo renderers are here; the `check` renderers have one file per
//! format: [`text`], [`json`] (also JSON lines), [`github`], [`sarif`], [`gitlab`], [`junit`].

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::apply::Applied;
use crate::categorize::{MergeOutcome, MergeReport};
use crate::plan::{FileCategory, Plan};

pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

pub use github::diagnostics_github;
pub use gitlab::diagnostics_gitlab;
pub use json::{diagnostics_json, diagnostics_json_lines};
pub use junit::diagnostics_junit;
pub use sarif::diagnostics_sarif;
pub use text::diagnostics_text;

/// Writes the plan as JSON (the contract of DESIGN.md: `files`, `rewrites`, `conflicts`, plus
/// `moves`, `skipped` and `left_behind`).
///
/// # Errors
/// When `out` fails.
pub fn plan_json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    writeln!(out)
}

/// Writes the plan as readable text: the moves, the files, every rewrite, what was skipped,
/// and a summary line.
///
/// # Errors
/// When `out` fails.
pub fn plan_text(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    for m in &plan.moves {
        write!(
            out,
            "move {} -> {}  (module {} -> {})",
            m.dirs.from, m.dirs.to, m.from_module, m.to_module
        )?;
        // A match of a pattern rule names the rule (issue #15).
        match &m.dirs.rule {
            Some(rule) => writeln!(out, "  (rule {rule})")?,
            None => writeln!(out)?,
        }
    }
    let listed = [
        (FileCategory::Move, "files to move"),
        (
            FileCategory::Identical,
            "identical in SRC and DST (the SRC copy is dropped)",
        ),
        (FileCategory::Keep, "only in DST (kept)"),
    ];
    for (category, title) in listed {
        let files: Vec<_> = plan
            .files
            .iter()
            .filter(|f| f.category == category)
            .collect();
        if files.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({}):", files.len())?;
        for file in files {
            if file.path == file.to {
                writeln!(out, "  {}", file.path)?;
            } else {
                writeln!(out, "  {} -> {}", file.path, file.to)?;
            }
        }
    }
    if !plan.created.is_empty() {
        writeln!(out, "\nfiles to create ({}):", plan.created.len())?;
        for (path, contents) in &plan.created {
            writeln!(out, "  {path}: {}", contents.trim_end().replace('\n', " "))?;
        }
    }
    if !plan.merges.is_empty() {
        writeln!(
            out,
            "\nin both, different: merged into DST ({}):",
            plan.merges.len()
        )?;
        for m in &plan.merges {
            writeln!(
                out,
                "  {} <- {}: {}; {}",
                m.path,
                m.source,
                outcome_text(m),
                base_text(m)
            )?;
            for line in lost_lines(m) {
                writeln!(out, "    {line}")?;
            }
        }
    }
    if !plan.unresolved.is_empty() {
        writeln!(
            out,
            "\nunresolved conflicts from an earlier run ({}):",
            plan.unresolved.len()
        )?;
        for path in &plan.unresolved {
            writeln!(out, "  {path}")?;
        }
    }
    if !plan.rewrites.is_empty() {
        writeln!(
            out,
            "\nreferences to rewrite ({} in {}):",
            plan.rewrites.len(),
            plural(plan.rewritten_files(), "file", "files")
        )?;
        for r in &plan.rewrites {
            writeln!(
                out,
                "  {}:{}:{}: {}: {} -> {}",
                r.file,
                r.line,
                r.col,
                r.kind.label(),
                one_line(&r.old),
                one_line(&r.new)
            )?;
        }
    }
    skipped_text(plan, out, false)?;
    if !plan.left_behind.is_empty() {
        writeln!(
            out,
            "\nleft behind in the source directory (ignored by .gitignore or exclude, or __pycache__) ({}):",
            plan.left_behind.len()
        )?;
        for path in &plan.left_behind {
            writeln!(out, "  {path}")?;
        }
    }
    writeln!(out, "\n{}", summary(plan))
}

/// Writes what `apply` did (or, with `dry_run`, would do).
///
/// # Errors
/// When `out` fails.
pub fn applied_text(plan: &Plan, applied: Option<Applied>, out: &mut dyn Write) -> io::Result<()> {
    let lost: Vec<String> = plan.merges.iter().flat_map(lost_lines).collect();
    if !lost.is_empty() {
        writeln!(out, "definitions the merges lost ({}):", lost.len())?;
        for line in lost {
            writeln!(out, "  {line}")?;
        }
    }
    skipped_text(plan, out, applied.is_some())?;
    match applied {
        Some(a) if a == Applied::default() => {
            writeln!(out, "nothing to do: the tree is already as planned")
        }
        Some(a) => {
            writeln!(
                out,
                "moved {}, rewrote {} in {}, removed {}",
                plural(a.moved, "file", "files"),
                plural(plan.rewrites.len(), "reference", "references"),
                plural(a.rewritten, "file", "files"),
                plural(a.dirs_removed, "empty directory", "empty directories")
            )?;
            if a.deleted > 0 {
                writeln!(
                    out,
                    "dropped {} (identical to, or merged into, DST)",
                    plural(a.deleted, "source copy", "source copies")
                )?;
            }
            if !plan.sidecars.is_empty() {
                writeln!(
                    out,
                    "wrote {} under {}/conflicts/",
                    plural(
                        plan.sidecars.len(),
                        "conflict sidecar file",
                        "conflict sidecar files"
                    ),
                    crate::journal::DIR
                )?;
            }
            for (shim, _) in &plan.shims {
                writeln!(out, "left a compatibility shim at {shim}")?;
            }
            for (path, _) in &plan.created {
                writeln!(out, "created {path}")?;
            }
            if a.git_renames > 0 {
                writeln!(
                    out,
                    "git: {} recorded as {} in the index",
                    plural(a.git_renames, "move", "moves"),
                    if a.git_renames == 1 {
                        "a rename"
                    } else {
                        "renames"
                    }
                )?;
            }
            match a.commits {
                0 => {}
                1 => writeln!(out, "git: 1 commit made")?,
                n => writeln!(out, "git: {n} commits made (renames, then rewrites)")?,
            }
            if a.moved + a.rewritten > 0 {
                writeln!(out, "to undo: regraft undo")?;
            }
            Ok(())
        }
        None => writeln!(out, "dry run, nothing changed: {}", summary(plan)),
    }
}

/// A file `apply` deletes, as `--diff` shows it: its text and git mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedFile {
    /// Root-relative path.
    pub path: String,
    /// Its text (lossy when not UTF-8).
    pub text: String,
    /// `100644`, or `100755` for an executable file.
    pub mode: &'static str,
}

/// Writes the whole change of `plan` as a git-style patch that `git apply` (and `patch -p1`)
/// take: each moved file as a rename (`rename from`/`rename to`, with a hunk when it is also
/// rewritten), each file rewritten in place, each deleted source copy (`deleted`, read before
/// the run: see [`DeletedFile`]) and each created file (shims, conflict sidecars) with its
/// mode. Paths are root-relative with `a/`/`b/` prefixes.
///
/// # Errors
/// When `out` fails.
pub fn diffs(plan: &Plan, deleted: &[DeletedFile], out: &mut dyn Write) -> io::Result<()> {
    let changes: std::collections::HashMap<&str, &crate::plan::FileChange> = plan
        .file_changes
        .iter()
        .map(|c| (c.path.as_str(), c))
        .collect();
    let hunks = |out: &mut dyn Write, old: &str, new: &str, from: &str, to: &str| {
        let diff = similar::TextDiff::from_lines(old, new);
        write!(
            out,
            "{}",
            diff.unified_diff().context_radius(3).header(from, to)
        )
    };
    for file in plan
        .files
        .iter()
        .filter(|f| f.category == FileCategory::Move)
    {
        let (from, to) = (&file.path, &file.to);
        writeln!(out, "diff --git a/{from} b/{to}")?;
        match changes.get(from.as_str()) {
            Some(change) => {
                writeln!(out, "rename from {from}\nrename to {to}")?;
                hunks(
                    out,
                    &change.original,
                    &change.updated,
                    &format!("a/{from}"),
                    &format!("b/{to}"),
                )?;
            }
            None => writeln!(
                out,
                "similarity index 100%\nrename from {from}\nrename to {to}"
            )?,
        }
    }
    for change in plan.file_changes.iter().filter(|c| c.path == c.new_path) {
        let path = &change.path;
        writeln!(out, "diff --git a/{path} b/{path}")?;
        hunks(
            out,
            &change.original,
            &change.updated,
            &format!("a/{path}"),
            &format!("b/{path}"),
        )?;
    }
    for file in deleted {
        let path = &file.path;
        writeln!(
            out,
            "diff --git a/{path} b/{path}\ndeleted file mode {}",
            file.mode
        )?;
        if !file.text.is_empty() {
            hunks(out, &file.text, "", &format!("a/{path}"), "/dev/null")?;
        }
    }
    let created = plan
        .shims
        .iter()
        .chain(&plan.created)
        .map(|(path, text)| (path, std::borrow::Cow::Borrowed(text.as_str())))
        .chain(
            plan.sidecars
                .iter()
                .map(|(path, bytes)| (path, String::from_utf8_lossy(bytes))),
        );
    for (path, text) in created {
        writeln!(out, "diff --git a/{path} b/{path}\nnew file mode 100644")?;
        if !text.is_empty() {
            hunks(out, "", &text, "/dev/null", &format!("b/{path}"))?;
        }
    }
    Ok(())
}

/// The "needs a human" list; `applied` names moved files by their new paths.
fn skipped_text(plan: &Plan, out: &mut dyn Write, applied: bool) -> io::Result<()> {
    let human = needs_a_human(plan, applied);
    if human.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nneeds a human ({}):", human.len())?;
    for (path, why) in &human {
        writeln!(out, "  {path}: {why}")?;
    }
    Ok(())
}

fn summary(plan: &Plan) -> String {
    let kinds: Vec<String> = plan
        .counts_by_kind()
        .iter()
        .map(|(kind, n)| format!("{} {n}", kind.label()))
        .collect();
    let mut line = format!(
        "{} to move",
        plural(plan.count(FileCategory::Move), "file", "files")
    );
    if plan.files.iter().any(|f| f.category != FileCategory::Move) {
        let _ = write!(
            line,
            ", {} identical, {} in conflict ({} merged cleanly), {} kept",
            plan.count(FileCategory::Identical),
            plan.count(FileCategory::Conflict),
            plan.merges
                .iter()
                .filter(|m| matches!(m.outcome, MergeOutcome::Merged | MergeOutcome::Union))
                .count(),
            plan.count(FileCategory::Keep)
        );
    }
    let _ = write!(
        line,
        ", {} to rewrite in {}",
        plural(plan.rewrites.len(), "reference", "references"),
        plural(plan.rewritten_files(), "file", "files")
    );
    if !kinds.is_empty() {
        let _ = write!(line, " ({})", kinds.join(", "));
    }
    let human = needs_a_human(plan, false).len();
    if human > 0 {
        let verb = if human == 1 { "needs" } else { "need" };
        let _ = write!(line, ", {human} {verb} a human");
    }
    line
}

fn outcome_text(m: &MergeReport) -> String {
    match m.outcome {
        MergeOutcome::Merged => "merged cleanly (review it)".to_owned(),
        MergeOutcome::NeedsReview => {
            let missing = m.lost.iter().filter(|l| !l.deleted_on_purpose).count();
            let (noun, verb) = if missing == 1 {
                ("definition", "is")
            } else {
                ("definitions", "are")
            };
            let mut why = Vec::new();
            if missing > 0 {
                why.push(format!("{missing} {noun} {verb} missing"));
            }
            if let Some(line) = m.syntax_error_line {
                why.push(format!("the result does not parse (line {line})"));
            }
            format!(
                "merged without markers, but {}: needs review",
                why.join(" and ")
            )
        }
        MergeOutcome::Union
            if std::path::Path::new(&m.path)
                .extension()
                .is_some_and(|e| e == "rs") =>
        {
            "united (the `mod` and `use` items of both)".to_owned()
        }
        MergeOutcome::Union => "united (imports and __all__ of both)".to_owned(),
        MergeOutcome::Unresolved => format!(
            "{} marked in the file",
            plural(m.conflicts, "conflict", "conflicts")
        ),
        MergeOutcome::Sidecar => format!(
            "left as it was; versions under {}/conflicts/",
            crate::journal::DIR
        ),
    }
}

fn base_text(m: &MergeReport) -> String {
    match &m.base {
        Some(base) => format!(
            "base {}:{} ({})",
            &base.commit[..base.commit.len().min(12)],
            base.path,
            m.base_found
        ),
        None => m.base_found.clone(),
    }
}

/// One line per definition a merge lost: `SRC path:line: name` and what that means.
fn lost_lines(m: &MergeReport) -> Vec<String> {
    m.lost
        .iter()
        .map(|l| {
            let (side, path) = match l.side {
                crate::lang::python::definitions::Side::Src => ("SRC", &m.source),
                crate::lang::python::definitions::Side::Dst => ("DST", &m.path),
            };
            let why = if l.deleted_on_purpose {
                "not in the result: the base had it and the other side deleted it"
            } else {
                "MISSING from the result: restore it or delete it on purpose"
            };
            format!("{side} {path}:{}: {} {why}", l.line, l.name)
        })
        .collect()
}

/// Every file a human must look at, with why; with `applied`, a moved file is named by its
/// new path (where the human will find it).
fn needs_a_human(plan: &Plan, applied: bool) -> Vec<(String, String)> {
    let where_now = |path: &str| -> String {
        if !applied {
            return path.to_owned();
        }
        plan.files
            .iter()
            .find(|f| f.path == path)
            .map_or_else(|| path.to_owned(), |f| f.to.clone())
    };
    let mut list: Vec<(String, String)> = plan
        .merges
        .iter()
        .filter(|m| m.outcome.needs_human())
        .map(|m| (m.path.clone(), outcome_text(m)))
        .collect();
    list.extend(
        plan.unresolved
            .iter()
            .map(|p| (p.clone(), "conflict left from an earlier run".to_owned())),
    );
    list.extend(plan.skipped.iter().map(|s| {
        (
            format!("{}:{}:{}", where_now(&s.path), s.line, s.col),
            s.reason.clone(),
        )
    }));
    list
}

/// Writes the migration report as Markdown: counts per category, what needs a human, the
/// merges with their bases, and the rewrites per kind.
///
/// # Errors
/// When `out` fails.
pub fn plan_markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# regraft migration report\n")?;
    for m in &plan.moves {
        write!(
            out,
            "- `{}` → `{}` (module `{}` → `{}`)",
            m.dirs.from, m.dirs.to, m.from_module, m.to_module
        )?;
        match &m.dirs.rule {
            Some(rule) => writeln!(out, " (rule `{rule}`)")?,
            None => writeln!(out)?,
        }
    }
    writeln!(out, "\n| category | files |\n| --- | ---: |")?;
    for (category, name) in [
        (FileCategory::Move, "move"),
        (FileCategory::Identical, "identical"),
        (FileCategory::Conflict, "conflict"),
        (FileCategory::Keep, "keep"),
    ] {
        writeln!(out, "| {name} | {} |", plan.count(category))?;
    }
    writeln!(
        out,
        "\n{} rewritten in {}.",
        plural(plan.rewrites.len(), "reference", "references"),
        plural(plan.rewritten_files(), "file", "files")
    )?;
    let human = needs_a_human(plan, false);
    writeln!(out, "\n## Needs a human ({})\n", human.len())?;
    if human.is_empty() {
        writeln!(out, "Nothing.")?;
    }
    for (path, why) in &human {
        writeln!(out, "- [ ] `{path}`: {why}")?;
    }
    if !plan.merges.is_empty() {
        writeln!(
            out,
            "\n## Merges\n\n| file (DST) | from (SRC) | base | outcome |\n| --- | --- | --- | --- |"
        )?;
        for m in &plan.merges {
            writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                m.path,
                m.source,
                base_text(m),
                outcome_text(m)
            )?;
        }
        let lost: Vec<String> = plan.merges.iter().flat_map(lost_lines).collect();
        if !lost.is_empty() {
            writeln!(out, "\n## Definitions the merges lost ({})\n", lost.len())?;
            for line in lost {
                writeln!(out, "- {line}")?;
            }
        }
    }
    Ok(())
}

/// `n` and the noun that fits it: `plural(1, "file", "files")` is `1 file`, `plural(2, …)`
/// and `plural(0, …)` are `2 files` and `0 files` (issue #13).
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Shows a multi-line snippet on one line.
fn one_line(text: &str) -> String {
    text.replace("\r\n", "\\r\\n").replace('\n', "\\n")
}

/// Writes what `undo` did.
///
/// # Errors
/// When `out` fails.
pub fn undone_text(undone: &crate::journal::Undone, out: &mut dyn Write) -> io::Result<()> {
    match undone {
        crate::journal::Undone::Run { command, steps } => {
            writeln!(
                out,
                "undid {} of: {command}",
                plural(*steps, "step", "steps")
            )
        }
        crate::journal::Undone::StaleLock { pid } => writeln!(
            out,
            "cleared the lock left by process {}: the interrupted run had not changed anything yet",
            pid.map_or_else(|| "?".to_owned(), |p| p.to_string())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plural_is_singular_for_one_only() {
        assert_eq!(plural(0, "file", "files"), "0 files");
        assert_eq!(
            plural(1, "empty directory", "empty directories"),
            "1 empty directory"
        );
        assert_eq!(plural(2, "source copy", "source copies"), "2 source copies");
    }
}
