//! `check --format json`: the findings as serialised by [`crate::check::Diagnostic`], whose
//! doc lists the fields.

use std::io::{self, Write};

/// Writes check findings as a JSON array.
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_json(
    diagnostics: &[crate::check::Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, diagnostics)?;
    writeln!(out)
}
