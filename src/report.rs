//! Renders plans and results as text or JSON. The only module (with `main.rs`) that prints.

use std::io::{self, Write};

use crate::apply::Applied;
use crate::plan::Plan;

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
        writeln!(
            out,
            "move {} -> {}  (module {} -> {})",
            m.dirs.from, m.dirs.to, m.from_module, m.to_module
        )?;
    }
    if !plan.files.is_empty() {
        writeln!(out, "\nfiles to move ({}):", plan.files.len())?;
        for file in &plan.files {
            writeln!(out, "  {} -> {}", file.path, file.to)?;
        }
    }
    if !plan.rewrites.is_empty() {
        writeln!(
            out,
            "\nreferences to rewrite ({} in {} files):",
            plan.rewrites.len(),
            plan.rewritten_files()
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
    skipped_text(plan, out)?;
    if !plan.left_behind.is_empty() {
        writeln!(
            out,
            "\nleft behind in the source directory, ignored by .gitignore or exclude ({}):",
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
    skipped_text(plan, out)?;
    match applied {
        Some(a) if a == Applied::default() => {
            writeln!(out, "nothing to do: the tree is already as planned")
        }
        Some(a) => {
            writeln!(
                out,
                "moved {} files, rewrote {} references in {} files, removed {} empty directories",
                a.moved,
                plan.rewrites.len(),
                a.rewritten,
                a.dirs_removed
            )?;
            if a.git_renames > 0 {
                writeln!(
                    out,
                    "git: {} moves recorded as renames in the index",
                    a.git_renames
                )?;
            }
            if a.commits > 0 {
                writeln!(
                    out,
                    "git: {} commits made (renames, then rewrites)",
                    a.commits
                )?;
            }
            if a.moved + a.rewritten > 0 {
                writeln!(out, "to undo: regraft undo")?;
            }
            Ok(())
        }
        None => writeln!(out, "dry run, nothing changed: {}", summary(plan)),
    }
}

/// Writes a unified diff of every file whose contents change.
///
/// # Errors
/// When `out` fails.
pub fn diffs(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    for change in &plan.file_changes {
        let diff = similar::TextDiff::from_lines(&change.original, &change.updated);
        write!(
            out,
            "{}",
            diff.unified_diff().context_radius(3).header(
                &format!("a/{}", change.path),
                &format!("b/{}", change.new_path)
            )
        )?;
    }
    Ok(())
}

fn skipped_text(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    if plan.skipped.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nneeds a human ({}):", plan.skipped.len())?;
    for s in &plan.skipped {
        writeln!(out, "  {}:{}:{}: {}", s.path, s.line, s.col, s.reason)?;
    }
    Ok(())
}

fn summary(plan: &Plan) -> String {
    use std::fmt::Write as _;
    let kinds: Vec<String> = plan
        .counts_by_kind()
        .iter()
        .map(|(kind, n)| format!("{} {n}", kind.label()))
        .collect();
    let mut line = format!(
        "{} files to move, {} references to rewrite in {} files",
        plan.files.len(),
        plan.rewrites.len(),
        plan.rewritten_files()
    );
    if !kinds.is_empty() {
        let _ = write!(line, " ({})", kinds.join(", "));
    }
    if !plan.skipped.is_empty() {
        let _ = write!(line, ", {} need a human", plan.skipped.len());
    }
    line
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
    writeln!(out, "undid {} steps of: {}", undone.steps, undone.command)
}
