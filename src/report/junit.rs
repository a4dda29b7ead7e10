//! `check --format junit`: the XML test report of `JUnit`, which CI dashboards (GitLab
//! `reports: junit`, Jenkins, Azure Pipelines) show as test results.
//!
//! One `<testsuites>` holding one `<testsuite name="regraft check">`, with one `<testcase>` per
//! finding (`classname` the file, `name` the code and position), each failing with the
//! message. A clean run has one passing test case, `no findings`, so dashboards show a pass
//! rather than nothing. Findings, not files, are the test cases: regraft reports on findings,
//! and a file with two findings shows both.

use std::io::{self, Write};

use crate::check::Diagnostic;

/// Writes check findings as a `JUnit` XML report.
///
/// # Errors
/// When `out` fails.
pub fn diagnostics_junit(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    let (tests, failures) = (diagnostics.len().max(1), diagnostics.len());
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="regraft check" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="regraft check" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    if diagnostics.is_empty() {
        writeln!(
            out,
            r#"    <testcase classname="regraft check" name="no findings"/>"#
        )?;
    }
    for d in diagnostics {
        writeln!(
            out,
            r#"    <testcase classname="{path}" name="{code} at {line}:{col}" file="{path}" line="{line}">"#,
            path = attribute(&d.path),
            code = d.code,
            line = d.line,
            col = d.col,
        )?;
        writeln!(
            out,
            r#"      <failure type="{code}" message="{message}">{body}</failure>"#,
            code = d.code,
            message = attribute(&d.message),
            body = content(&format!(
                "{}:{}:{}: {} {}\nhelp: {}",
                d.path, d.line, d.col, d.code, d.message, d.url
            )),
        )?;
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// `text` as XML character data: `&`, `<`, `>` escaped; characters XML 1.0 cannot hold
/// (control characters but tab, LF, CR; U+FFFE, U+FFFF) become U+FFFD.
fn content(text: &str) -> String {
    escape(text, false)
}

/// `text` as an attribute value in double quotes: as [`content`], and also `"`, `'`, and tab,
/// LF and CR as character references (a parser would turn them into spaces otherwise).
fn attribute(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' if in_attribute => out.push_str("&#13;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        assert_eq!(
            content("a < b && c > \"d\"\n"),
            "a &lt; b &amp;&amp; c &gt; \"d\"\n"
        );
        assert_eq!(
            attribute("`x` \"y\" 'z'\n\t\r"),
            "`x` &quot;y&quot; &apos;z&apos;&#10;&#9;&#13;"
        );
        assert_eq!(
            content("bell\u{7} nul\0 \u{FFFF}"),
            "bell\u{FFFD} nul\u{FFFD} \u{FFFD}"
        );
    }
}
