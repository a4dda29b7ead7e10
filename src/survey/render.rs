//! The survey as text, as JSON (the fields of [`Survey`]), and as a rules file with one
//! `[[move]]` per proposed merge.

use std::io::{self, Write};

use super::{Pair, RECENT_DAYS, Side, Survey};
use crate::categorize::short;
use crate::report::plural;

/// Writes the survey as readable text, one block per pair, most valuable merge first.
///
/// # Errors
/// When `out` fails.
pub fn text(survey: &Survey, out: &mut dyn Write) -> io::Result<()> {
    if survey.pairs.is_empty() {
        return writeln!(
            out,
            "regraft survey: no package directories that look like copies"
        );
    }
    let n = survey.pairs.len();
    writeln!(
        out,
        "regraft survey: {} of package directories that look like copies (most valuable merge first)",
        plural(n, "pair", "pairs")
    )?;
    for (i, pair) in survey.pairs.iter().enumerate() {
        pair_text(i + 1, pair, survey.git, out)?;
    }
    Ok(())
}

fn pair_text(rank: usize, pair: &Pair, git: bool, out: &mut dyn Write) -> io::Result<()> {
    let (a, b) = (&pair.a, &pair.b);
    writeln!(
        out,
        "\n{rank}. {}  <->  {}  (score {}; found by {})",
        a.path,
        b.path,
        pair.score,
        pair.found_by.join(", ")
    )?;
    writeln!(
        out,
        "   files: {} in both, {} only in {}, {} only in {}",
        pair.both,
        a.only_here.len(),
        a.path,
        b.only_here.len(),
        b.path
    )?;
    let based = pair.differ.iter().filter(|d| d.base.is_some()).count();
    writeln!(
        out,
        "   in both: {} identical, {} identical after rewriting, {} differ ({based} with a merge base)",
        pair.identical.len(),
        pair.identical_after_rewriting.len(),
        pair.differ.len()
    )?;
    for differ in &pair.differ {
        match &differ.base {
            Some(base) => writeln!(
                out,
                "     differ: {}  (base {} in git history)",
                differ.path,
                short(&base.commit)
            )?,
            None => writeln!(out, "     differ: {}  (no common base)", differ.path)?,
        }
    }
    for side in [a, b] {
        if !side.only_here.is_empty() {
            writeln!(
                out,
                "   only in {}: {}",
                side.path,
                side.only_here.join(", ")
            )?;
        }
    }
    for side in [a, b] {
        side_text(side, git, out)?;
    }
    match &pair.proposal {
        Some(p) => writeln!(out, "   merge: move {} into {} ({})", p.from, p.to, p.why),
        None if pair.score == 0 => writeln!(
            out,
            "   merge: none proposed (no file in common content or history)"
        ),
        None => writeln!(
            out,
            "   merge: none proposed (a side is already in a merge above)"
        ),
    }
}

fn side_text(side: &Side, git: bool, out: &mut dyn Write) -> io::Result<()> {
    let i = &side.importers;
    let activity = match &side.git {
        _ if !git => "not in git".to_owned(),
        Some(g) => match &g.last_commit {
            Some(date) => format!(
                "last commit {date}, {} in the last {RECENT_DAYS} days",
                plural(g.recent_commits, "commit", "commits")
            ),
            None => "no commits".to_owned(),
        },
        None => "no commits".to_owned(),
    };
    writeln!(
        out,
        "   {}: {} (absolute {}, relative {}, strings {}, config {}); {activity}",
        side.path,
        plural(i.total, "importer", "importers"),
        i.absolute,
        i.relative,
        i.strings,
        i.config
    )
}

/// Writes the survey as JSON: `{git, pairs: [{score, found_by, a, b, both, identical,
/// identical_after_rewriting, differ: [{path, base}], proposal}]}`, each side `{path, module,
/// files, only_here, importers: {absolute, relative, strings, config, total}, git:
/// {last_commit, recent_commits} | null}`.
///
/// # Errors
/// When `out` fails.
pub fn json(survey: &Survey, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, survey)?;
    writeln!(out)
}

/// Writes a rules file with one `[[move]]` per proposed merge, each after a comment that
/// says why.
///
/// # Errors
/// When `out` fails.
pub fn rules(survey: &Survey, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "# Written by `regraft survey`: one [[move]] per proposed merge, most valuable first.\n\
         # SRC (`from`) is the side with fewer importers. Review, then: regraft plan --rules <this file>"
    )?;
    let mut any = false;
    for pair in &survey.pairs {
        let Some(p) = &pair.proposal else { continue };
        any = true;
        let based = pair.differ.iter().filter(|d| d.base.is_some()).count();
        writeln!(
            out,
            "\n# {}; score {}: {} identical, {} identical after rewriting, {} differ ({based} with a merge base)",
            p.why,
            pair.score,
            pair.identical.len(),
            pair.identical_after_rewriting.len(),
            pair.differ.len()
        )?;
        writeln!(
            out,
            "[[move]]\nfrom = {}\nto = {}",
            toml::Value::String(p.from.clone()),
            toml::Value::String(p.to.clone())
        )?;
    }
    if !any {
        writeln!(out, "\n# no merge proposed")?;
    }
    Ok(())
}
