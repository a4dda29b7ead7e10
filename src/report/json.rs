//! `check --format json` and `--format json-lines`: the findings as serialised by
//! [`crate::check::Diagnostic`], whose doc lists the fields (`path`, `line`, `col`,
//! `end_line`, `end_col`, `code`, `message`, `url`, `fix`).

use std::io::{self, Write};

use crate::check::Diagnostic;

/// Writes check findings as one JSON array, pretty-printed (`[]` when clean).
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_json(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, diagnostics)?;
    writeln!(out)
}

/// Writes check findings as JSON lines: one compact object per finding, each on its own line
/// (nothing when clean), for tools that read a stream.
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_json_lines(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        serde_json::to_writer(&mut *out, d)?;
        writeln!(out)?;
    }
    Ok(())
}
