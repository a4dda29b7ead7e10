//! `check --format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the files of a pull request.

use std::io::{self, Write};

/// Writes check findings as GitHub Actions workflow annotations.
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_github(
    diagnostics: &[crate::check::Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    // Workflow commands escape %, CR and LF in messages, and also : and , in properties.
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    for d in diagnostics {
        writeln!(
            out,
            "::error file={},line={},col={},title=regraft {}::{}",
            escape(&d.path).replace(':', "%3A").replace(',', "%2C"),
            d.line,
            d.col,
            d.code,
            escape(&d.message)
        )?;
    }
    Ok(())
}
