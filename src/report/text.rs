//! `check --format text`: `path:line:col: CODE message`, one a line, for people.
//!
//! Paths are relative to `--root`, as the user named the tree (the machine formats use paths
//! relative to the top of the git work tree instead, see [`crate::check::to_repository_paths`]).

use std::io::{self, Write};

/// Writes check findings as `path:line:col: CODE message`, then a count (nothing when clean).
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_text(
    diagnostics: &[crate::check::Diagnostic],
    colour: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Bold place, red code, as compilers print them; plain text when not on a terminal.
    let (bold, red, reset) = if colour {
        ("\x1b[1m", "\x1b[31m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    for d in diagnostics {
        writeln!(
            out,
            "{bold}{}:{}:{}:{reset} {red}{}{reset} {}",
            d.path, d.line, d.col, d.code, d.message
        )?;
    }
    if !diagnostics.is_empty() {
        let count = super::plural(diagnostics.len(), "problem", "problems");
        writeln!(out, "regraft check: {count}")?;
    }
    Ok(())
}
