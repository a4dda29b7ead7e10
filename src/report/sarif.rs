//! `check --format sarif`: a SARIF 2.1.0 log, what GitHub code scanning uploads
//! (`github/codeql-action/upload-sarif`) and many other tools read.
//!
//! One run, whose tool describes every code as a rule and whose results are the findings.
//! The log is valid against the OASIS schema kept in `schemas/sarif-schema-2.1.0.json` (a test
//! proves it). Columns are counted in Unicode code points (`columnKind`), as regraft counts
//! them; paths are relative to the top of the git work tree (see
//! [`crate::check::to_repository_paths`]), as GitHub resolves them.
//!
//! SARIF wants an *absolute* URI in `informationUri` and `helpUri`. regraft has one only when
//! its Cargo.toml names a `repository` (see [`crate::check::DOCS_URL`]); until then both are
//! left out, and each rule carries its documentation in `help` (text and Markdown), with the
//! README anchor (`README.md#rg002`) there.

use std::io::{self, Write};

use serde::Serialize;

use crate::check::{Code, Diagnostic, Fix};

/// The schema the log names in `$schema` (the OASIS errata 01 schema, as kept in `schemas/`).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Writes check findings as a SARIF 2.1.0 log (pretty-printed JSON; a log with no results when
/// clean).
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_sarif(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &SarifLog::new(diagnostics))?;
    writeln!(out)
}

/// The whole log: `{"$schema", "version": "2.1.0", "runs": [one run]}`.
#[derive(Debug, Serialize)]
pub struct SarifLog<'a> {
    /// `$schema`: the URI of the SARIF 2.1.0 schema, [`SCHEMA`].
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// `version`: always `2.1.0`.
    pub version: &'static str,
    /// `runs`: exactly one run of `regraft check`.
    pub runs: Vec<Run<'a>>,
}

impl<'a> SarifLog<'a> {
    /// The log of one `check` run that found `diagnostics`.
    pub fn new(diagnostics: &'a [Diagnostic]) -> Self {
        Self {
            schema: SCHEMA,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "regraft",
                        version: env!("CARGO_PKG_VERSION"),
                        information_uri: absolute(crate::check::DOCS_URL),
                        rules: Code::ALL.iter().map(|&code| Rule::new(code)).collect(),
                    },
                },
                column_kind: "unicodeCodePoints",
                results: diagnostics.iter().map(SarifResult::new).collect(),
            }],
        }
    }
}

/// One run: the tool and what it found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run<'a> {
    /// `tool`: regraft.
    pub tool: Tool,
    /// `columnKind`: `unicodeCodePoints`, as regraft counts columns.
    pub column_kind: &'static str,
    /// `results`: one per finding, in the order of the text output (by path and position).
    pub results: Vec<SarifResult<'a>>,
}

/// `tool`: only a driver.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// `driver`: regraft itself.
    pub driver: Driver,
}

/// `tool.driver`: regraft, its version and its rules.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    /// `name`: `regraft`.
    pub name: &'static str,
    /// `version`: regraft's version (Cargo.toml).
    pub version: &'static str,
    /// `informationUri`: where regraft is documented; left out while that is no absolute URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_uri: Option<&'static str>,
    /// `rules`: every code, `RG001` … `RG005`, in order (a result's `ruleIndex` points here).
    pub rules: Vec<Rule>,
}

/// `tool.driver.rules[]`: one code.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// `id`: the code, `RG002`.
    pub id: &'static str,
    /// `name`: the code's name in regraft's source, `MissingModule`.
    pub name: &'static str,
    /// `shortDescription.text`: a few words ([`Code::summary`]).
    pub short_description: Text,
    /// `fullDescription.text`: what it finds and how to fix it ([`Code::description`]).
    pub full_description: Text,
    /// `helpUri`: where the code is documented ([`Code::help_url`]); left out while that is no
    /// absolute URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    /// `help`: the description again, with where to read more, as text and Markdown.
    pub help: Help,
    /// `defaultConfiguration.level`: `error` (every finding fails the check).
    pub default_configuration: Configuration,
}

impl Rule {
    fn new(code: Code) -> Self {
        let url = code.help_url();
        Self {
            id: code.as_str(),
            name: rule_name(code),
            short_description: Text::new(code.summary()),
            full_description: Text::new(code.description()),
            help_uri: absolute(&url).map(str::to_owned),
            help: Help {
                text: format!(
                    "{} See {url} in regraft's documentation.",
                    code.description()
                ),
                markdown: format!(
                    "{} See [{}]({url}) in regraft's documentation.",
                    code.description(),
                    code.as_str()
                ),
            },
            default_configuration: Configuration { level: "error" },
        }
    }
}

/// A `message` or description: `{"text": …}`.
#[derive(Debug, Serialize)]
pub struct Text {
    /// `text`: plain text.
    pub text: String,
}

impl Text {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
        }
    }
}

/// `help`: `{"text", "markdown"}`.
#[derive(Debug, Serialize)]
pub struct Help {
    /// `text`: plain text.
    pub text: String,
    /// `markdown`: the same, GitHub-flavoured Markdown.
    pub markdown: String,
}

/// `defaultConfiguration`: `{"level"}`.
#[derive(Debug, Serialize)]
pub struct Configuration {
    /// `level`: `error`.
    pub level: &'static str,
}

/// `results[]`: one finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    /// `ruleId`: the code, `RG002`.
    pub rule_id: &'static str,
    /// `ruleIndex`: the code's place in `tool.driver.rules`.
    pub rule_index: usize,
    /// `level`: `error`.
    pub level: &'static str,
    /// `message.text`: the finding's message.
    pub message: Text,
    /// `locations`: exactly one, the finding's span.
    pub locations: Vec<Location>,
    /// `fixes`: the edit regraft knows (only `RG001`); left out when there is none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<SarifFix<'a>>,
}

impl<'a> SarifResult<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        Self {
            rule_id: d.code.as_str(),
            rule_index: Code::ALL.iter().position(|&c| c == d.code).unwrap_or(0),
            level: "error",
            message: Text::new(&d.message),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation::new(&d.path),
                    region: Region::new(d.start(), d.end()),
                },
            }],
            fixes: d
                .fix
                .iter()
                .map(|fix| SarifFix::new(&d.path, fix))
                .collect(),
        }
    }
}

/// `locations[]`: `{"physicalLocation"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// `physicalLocation`: a file and a region in it.
    pub physical_location: PhysicalLocation,
}

/// `physicalLocation`: `{"artifactLocation", "region"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    /// `artifactLocation`: the file.
    pub artifact_location: ArtifactLocation,
    /// `region`: the span.
    pub region: Region,
}

/// `artifactLocation`: `{"uri"}`.
#[derive(Debug, Serialize)]
pub struct ArtifactLocation {
    /// `uri`: the path relative to the top of the work tree, percent-encoded as a relative URI
    /// reference (`my%20dir/x.py`).
    pub uri: String,
}

impl ArtifactLocation {
    fn new(path: &str) -> Self {
        Self {
            uri: uri_of_path(path),
        }
    }
}

/// `region`: 1-based lines and columns (in code points); `endColumn` is exclusive.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// `startLine`.
    pub start_line: usize,
    /// `startColumn`.
    pub start_column: usize,
    /// `endLine`.
    pub end_line: usize,
    /// `endColumn`: just after the last character.
    pub end_column: usize,
}

impl Region {
    fn new(start: crate::line_index::Position, end: crate::line_index::Position) -> Self {
        Self {
            start_line: start.line,
            start_column: start.col,
            end_line: end.line,
            end_column: end.col,
        }
    }
}

/// `fixes[]`: `{"description", "artifactChanges": [one change of the finding's file]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifFix<'a> {
    /// `description.text`: ``write `new text` ``.
    pub description: Text,
    /// `artifactChanges`: one, in the finding's file.
    pub artifact_changes: Vec<ArtifactChange<'a>>,
}

impl<'a> SarifFix<'a> {
    fn new(path: &'a str, fix: &'a Fix) -> Self {
        Self {
            description: Text {
                text: format!("write `{}`", fix.replacement),
            },
            artifact_changes: vec![ArtifactChange {
                artifact_location: ArtifactLocation::new(path),
                replacements: vec![Replacement {
                    deleted_region: Region::new(fix.start, fix.end),
                    inserted_content: InsertedContent {
                        text: &fix.replacement,
                    },
                }],
            }],
        }
    }
}

/// `artifactChanges[]`: `{"artifactLocation", "replacements"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactChange<'a> {
    /// `artifactLocation`: the file to change.
    pub artifact_location: ArtifactLocation,
    /// `replacements`: one.
    pub replacements: Vec<Replacement<'a>>,
}

/// `replacements[]`: `{"deletedRegion", "insertedContent": {"text"}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement<'a> {
    /// `deletedRegion`: the span to replace.
    pub deleted_region: Region,
    /// `insertedContent`: what to write there.
    pub inserted_content: InsertedContent<'a>,
}

/// `insertedContent`: `{"text"}`.
#[derive(Debug, Serialize)]
pub struct InsertedContent<'a> {
    /// `text`: the replacement.
    pub text: &'a str,
}

/// The code's name in SARIF (`name`, an identifier): the variant of [`Code`].
fn rule_name(code: Code) -> &'static str {
    match code {
        Code::StaleReference => "StaleReference",
        Code::MissingModule => "MissingModule",
        Code::MissingName => "MissingName",
        Code::ConflictMarker => "ConflictMarker",
        Code::LostPublicName => "LostPublicName",
    }
}

/// `url` when it is an absolute URI (has a scheme), as SARIF's `…Uri` properties must be.
fn absolute(url: &str) -> Option<&str> {
    let scheme = url.split_once(':')?.0;
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(url)
}

/// A `/` path as a relative URI reference: every byte but the unreserved characters and `/`
/// percent-encoded (so `:` in a first segment cannot read as a scheme).
fn uri_of_path(path: &str) -> String {
    use std::fmt::Write as _;
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(uri_of_path("src/pkg/x.py"), "src/pkg/x.py");
        assert_eq!(uri_of_path("my dir/a:b#c%.py"), "my%20dir/a%3Ab%23c%25.py");
        assert_eq!(uri_of_path("é.py"), "%C3%A9.py");
    }

    #[test]
    fn only_absolute_uris_go_where_sarif_wants_them() {
        assert_eq!(absolute("README.md#rg002"), None);
        assert_eq!(
            absolute("https://example.org/regraft#rg002"),
            Some("https://example.org/regraft#rg002")
        );
        assert_eq!(absolute("1x:y"), None);
        assert_eq!(absolute("git+ssh:x"), Some("git+ssh:x"));
    }
}
