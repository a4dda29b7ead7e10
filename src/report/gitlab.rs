//! `check --format gitlab`: a GitLab Code Quality report (a subset of the Code Climate issue
//! format), for `artifacts: reports: codequality:` in `.gitlab-ci.yml`.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::check::Diagnostic;

/// Writes check findings as a GitLab Code Quality report: a JSON array of [`Issue`]s,
/// pretty-printed (`[]` when clean).
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_gitlab(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &issues(diagnostics))?;
    writeln!(out)
}

/// One finding in the Code Quality format.
#[derive(Debug, Serialize)]
pub struct Issue<'a> {
    /// `description`: the code and the message, as the text format prints them
    /// (`RG002 no module `x` in the project`); GitLab shows it in merge requests.
    pub description: String,
    /// `check_name`: the code, `RG002`.
    pub check_name: &'static str,
    /// `fingerprint`: 16 hex digits, the 64-bit FNV-1a hash of the path, code, line and
    /// message (joined by NUL bytes). Stable while the finding stays on its line, so GitLab
    /// can tell new findings from old ones. The n-th repeat (n ≥ 1) of the same four in one
    /// report has `NUL n` added before hashing, so fingerprints are unique in a report.
    pub fingerprint: String,
    /// `severity`: `major` for every code (each fails the check).
    pub severity: &'static str,
    /// `location`: the file and lines.
    pub location: IssueLocation<'a>,
}

/// `location`: `{"path", "lines": {"begin", "end"}}`.
#[derive(Debug, Serialize)]
pub struct IssueLocation<'a> {
    /// `path`: relative to the top of the git work tree, with `/`.
    pub path: &'a str,
    /// `lines`: where the finding starts and ends.
    pub lines: Lines,
}

/// `lines`: 1-based.
#[derive(Debug, Serialize)]
pub struct Lines {
    /// `begin`: the line where the finding starts.
    pub begin: usize,
    /// `end`: the line where it ends.
    pub end: usize,
}

fn issues(diagnostics: &[Diagnostic]) -> Vec<Issue<'_>> {
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let mut key = Vec::new();
            for part in [
                d.path.as_str(),
                d.code.as_str(),
                &d.line.to_string(),
                &d.message,
            ] {
                key.extend_from_slice(part.as_bytes());
                key.push(0);
            }
            key.pop();
            let repeat = seen.entry(key.clone()).or_insert(0);
            if *repeat > 0 {
                key.push(0);
                key.extend_from_slice(repeat.to_string().as_bytes());
            }
            *repeat += 1;
            Issue {
                description: format!("{} {}", d.code, d.message),
                check_name: d.code.as_str(),
                fingerprint: format!("{:016x}", crate::journal::fnv1a(&key)),
                severity: "major",
                location: IssueLocation {
                    path: &d.path,
                    lines: Lines {
                        begin: d.line,
                        end: d.end_line,
                    },
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Code;
    use crate::line_index::Position;

    #[test]
    fn fingerprints_are_stable_and_unique_in_a_report() {
        let at = |col| Position { line: 3, col };
        let d = |col| {
            Diagnostic::new(
                "a.py",
                at(col),
                at(col + 1),
                Code::StaleReference,
                "m".into(),
            )
        };
        let both = [d(1), d(9)];
        let found = issues(&both);
        assert_eq!(
            found[0].fingerprint,
            format!("{:016x}", crate::journal::fnv1a(b"a.py\0RG001\x003\0m"))
        );
        assert_eq!(
            found[1].fingerprint,
            format!(
                "{:016x}",
                crate::journal::fnv1a(b"a.py\0RG001\x003\0m\x001")
            )
        );
    }
}
