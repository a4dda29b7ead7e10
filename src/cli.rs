//! The command line: one `XArgs` struct and one `run_x` function per subcommand.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::categorize::ConflictStyle;
use crate::error::{Error, Result};
use crate::plan::{Plan, PlanOptions, build_plan};
use crate::project_root::ProjectRoot;
use crate::rules::Rules;
use crate::{ExitStatus, apply, report};

/// Move or merge Python package directories and rewrite every import that refers to them.
#[derive(Debug, Parser)]
#[command(
    name = "regraft",
    version,
    about,
    long_about = None,
    after_help = "Examples:\n  regraft plan backtester_v2/market_regime backtester_v2/strategies/market_regime\n  \
                  regraft apply --rules rules/merge_market_regime.toml --report migration.md\n  \
                  regraft undo\n  regraft check --rules rules/merge_market_regime.toml\n\n\
                  Exit status: 0 done and clean; 1 done, but something needs a human (conflicts, \
                  skipped files, check findings); 2 bad input, nothing changed (also: apply \
                  interrupted by Ctrl-C or failed after its first change, and rolled back).\n\n\
                  After an apply that did not finish, only undo runs."
)]
pub struct Cli {
    /// When to colour the output: `auto` colours on a terminal, unless `NO_COLOR` is set
    /// (non-empty) or `TERM=dumb`; a non-empty `FORCE_COLOR` colours even off a terminal.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a move would do: files to move, every reference to rewrite. Changes nothing.
    Plan(PlanArgs),
    /// Move the files and rewrite every reference to the moved modules (journaled: see undo).
    Apply(ApplyArgs),
    /// Restore the tree as it was before the newest apply (also after a crash half-way: one
    /// undo is enough; it also clears a lock left by a run that died before changing anything).
    Undo(UndoArgs),
    /// Fail (exit 1) on imports of moved-away or missing modules and on leftover conflict
    /// markers: the guard for pre-commit and CI.
    Check(CheckArgs),
    /// Find package directories that look like copies of one another (same name, same files,
    /// same content once imports are rewritten), and how far each pair drifted, who imports
    /// each side and which side git says is alive; ranked, most valuable merge first.
    /// `--write-rules FILE` writes a `[[move]]` per proposed merge. Changes nothing else.
    Survey(SurveyArgs),
    /// Print a shell completion script to stdout, e.g. `regraft completions bash >
    /// ~/.local/share/bash-completion/completions/regraft`.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, e.g. `regraft man > ~/.local/share/man/man1/regraft.1`.
    Man,
}

/// `regraft completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// When to colour the output (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal only, following the `NO_COLOR`, `FORCE_COLOR` and `TERM=dumb`
    /// conventions.
    #[default]
    Auto,
    /// Always, whatever the environment says.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// [`ColorChoice::enabled`] with the process's environment.
    pub fn resolve(self, is_terminal: bool) -> bool {
        self.enabled(is_terminal, |name| std::env::var_os(name))
    }

    /// Whether to colour output going to a terminal (`is_terminal`) or not, with `var` reading
    /// the environment. In `auto` mode: `NO_COLOR` set to a non-empty value turns colour off
    /// (an empty `NO_COLOR=` does not: <https://no-color.org>); otherwise a non-empty
    /// `FORCE_COLOR` turns it on (<https://force-color.org>); otherwise `TERM=dumb` turns it
    /// off; otherwise colour follows `is_terminal`. `always` and `never` override all that.
    pub fn enabled(
        self,
        is_terminal: bool,
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> bool {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto if set("NO_COLOR") => false,
            Self::Auto if set("FORCE_COLOR") => true,
            Self::Auto => is_terminal && var("TERM").is_none_or(|t| t != "dumb"),
        }
    }
}

/// Output formats of `check`. Every format but `text` names files relative to the top of the
/// git work tree around `--root` (as CI services expect); `text` names them relative to
/// `--root`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `path:line:col: CODE message`, one a line (in colour on a terminal, unless `NO_COLOR`).
    #[default]
    Text,
    /// A JSON array of `{path, line, col, end_line, end_col, code, message, url, fix}`.
    Json,
    /// The objects of `json`, one a line.
    JsonLines,
    /// GitHub Actions workflow annotations (`::error file=…`).
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF readers.
    Sarif,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality`).
    Gitlab,
    /// JUnit XML: one test case per finding.
    #[allow(clippy::doc_markdown)] // shown by --help, where backticks would show
    Junit,
}

/// `regraft check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The project root: the module index covers all of it. Default: found as for `plan`.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// A rules file whose moves are the retired module paths (keep it after the migration).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// Also audit the interface of every module moved since git revision REF: each public
    /// top-level name it had there must still be importable from its new path.
    #[arg(long, value_name = "REF")]
    pub against: Option<String>,
    /// Report only findings with these codes (comma-separated, e.g. `RG001,RG002`); default:
    /// all.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not report findings with these codes (comma-separated, e.g. `RG003`).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Check only these files (as pre-commit passes them); default: the whole tree. A PATH
    /// that does not exist is an error (exit 2), unless git knows it as deleted (in the index
    /// or in HEAD): that one is skipped.
    pub paths: Vec<PathBuf>,
    /// The global `--color` choice (set by [`run`]).
    #[arg(skip)]
    pub color: ColorChoice,
}

/// Where and what to move; shared by `plan` and `apply`.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// The project root: import roots, SRC and DST are relative to it. Default: the top of
    /// the git work tree, else the nearest directory upward with pyproject.toml, setup.cfg or
    /// setup.py, else the current directory (SRC and DST are then read from the current
    /// directory, as `git mv` reads them). A found root that holds `__init__.py` is refused.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// A rules file (TOML) with `[[move]]` and `[[rename]]` entries, instead of SRC DST (see
    /// rules/*.toml).
    #[arg(long, conflicts_with_all = ["src", "dst"])]
    pub rules: Option<PathBuf>,
    /// The directory (package) or `.py` file (module) to move, relative to --root (e.g.
    /// `backtester_v2/market_regime`).
    #[arg(required_unless_present = "rules", requires = "dst")]
    pub src: Option<String>,
    /// Where it goes, relative to --root. When it exists, SRC is merged into it.
    pub dst: Option<String>,
    /// How a merge hands over files it cannot merge cleanly: conflict markers in DST, or the
    /// base, SRC and DST versions side by side under .regraft/conflicts/ (DST left as it was).
    #[arg(long, value_enum, default_value_t)]
    pub conflict_style: ConflictStyle,
    /// Also write the migration report (counts, files that need a human, merge bases) as
    /// Markdown to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Leave a package at the old path whose imports give the modules of the new path (with a
    /// `DeprecationWarning`), for code outside the tree: plugins, pickles, notebooks.
    #[arg(long)]
    pub shim: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    /// Readable text.
    #[default]
    Text,
    /// JSON, as documented on `Plan`.
    Json,
}

/// `regraft plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    /// Where and what to move.
    pub target: MoveArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `regraft apply`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // each bool is one command-line flag
pub struct ApplyArgs {
    #[command(flatten)]
    /// Where and what to move.
    pub target: MoveArgs,
    /// Print what would be done, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the whole change as a git-style patch (renames, rewrites, deleted and created
    /// files) that `git apply` takes; with --dry-run, `git apply` of it does what apply would.
    #[arg(long)]
    pub diff: bool,
    /// Go on even when files that would be moved or rewritten have uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Inside git: commit the pure renames first, then the rewrites (two commits), so that
    /// `git log --follow` reaches the old history however much a file was rewritten.
    #[arg(long, conflicts_with = "dry_run")]
    pub commit: bool,
    /// With --commit: skip the repository's git hooks (`git commit --no-verify`). Without it
    /// the hooks run, and one that refuses rolls the whole run back.
    #[arg(long, requires = "commit")]
    pub no_verify: bool,
    /// With --commit: the message of the rewrite commit (a `Rewritten-by:` trailer is added
    /// so that `regraft undo` knows the commit as its own).
    #[arg(long, short = 'm', value_name = "TEXT", requires = "commit")]
    pub message: Option<String>,
}

/// `regraft survey`.
#[derive(Debug, Args)]
#[command(
    after_help = "A pair is two package directories (directories with .py files under an \
import root) with the same name that no third package has, with half or more of their module \
names in common, or with half or more of their modules equal once each package's own name is \
blanked out. Each pair lists the module files in both and only in each; how many are identical, identical once the first side's imports \
are rewritten to the second's, or differ (with a merge base when both paths held the same blob in \
git history); the files outside each side that import it (absolute, relative, strings, config); \
and each side's last commit and commits in the last 90 days.\n\n\
Score: 2 x (identical + identical after rewriting) + differing files with a merge base (empty \
files score nothing). A pair with score 0 gets no proposal and is listed only when found by its \
name; otherwise the side with fewer importers merges into the other."
)]
pub struct SurveyArgs {
    /// The project root. Default: found as for `plan`.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Output format (the JSON fields are listed in the README, "regraft survey").
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also write a rules file with one `[[move]]` per proposed merge (SRC: the side with
    /// fewer importers), to review and run with `regraft plan --rules FILE`.
    #[arg(long, value_name = "FILE")]
    pub write_rules: Option<PathBuf>,
}

/// `regraft undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The project root the run was applied to. Default: the nearest directory upward that
    /// holds a `.regraft/` journal, else found as for `plan`.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Undo even when files were changed after the run (those changes are lost).
    #[arg(long)]
    pub force: bool,
}

/// Runs a parsed command line, writing its report to `out`.
///
/// # Errors
/// Bad input or I/O failures; nothing has been changed when the error is bad input.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<ExitStatus> {
    // While an earlier run is unfinished the tree is neither before nor after it: only
    // `undo`, the way out, may run.
    let unfinished = crate::journal::refuse_if_unfinished;
    match cli.command {
        Command::Plan(mut args) => {
            args.target.find_root()?;
            unfinished(args.target.root())?;
            run_plan(&args, out)
        }
        Command::Apply(mut args) => {
            args.target.find_root()?;
            unfinished(args.target.root())?;
            run_apply(&args, out)
        }
        Command::Undo(mut args) => {
            args.root = Some(ProjectRoot::for_undo(args.root.as_deref())?.path);
            run_undo(&args, out)
        }
        Command::Check(mut args) => {
            args.color = cli.color;
            args.root = Some(ProjectRoot::find(args.root.as_deref())?.path);
            unfinished(args.root())?;
            run_check(&args, out)
        }
        Command::Survey(mut args) => {
            let root = ProjectRoot::find(args.root.as_deref())?.path;
            unfinished(&root)?;
            args.root = Some(root);
            run_survey(&args, out)
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            clap_complete::generate(args.shell, &mut Cli::command(), "regraft", out);
            Ok(ExitStatus::Clean)
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(out)
                .map_err(|e| Error::io("<stdout>", e))?;
            Ok(ExitStatus::Clean)
        }
    }
}

impl MoveArgs {
    /// Settles `--root` (found when not given) and reads SRC and DST against it.
    fn find_root(&mut self) -> Result<()> {
        let root = ProjectRoot::find(self.root.as_deref())?;
        self.src = self.src.take().map(|p| root.command_line_path(&p));
        self.dst = self.dst.take().map(|p| root.command_line_path(&p));
        self.root = Some(root.path);
        Ok(())
    }

    /// The project root (settled by [`run`] before any command runs).
    fn root(&self) -> &Path {
        self.root.as_deref().unwrap_or(Path::new("."))
    }
}

impl CheckArgs {
    /// The project root (settled by [`run`] before any command runs).
    fn root(&self) -> &Path {
        self.root.as_deref().unwrap_or(Path::new("."))
    }
}

fn load(target: &MoveArgs) -> Result<Plan> {
    let rules = match (&target.rules, &target.src, &target.dst) {
        (Some(path), _, _) => Rules::load(path, target.root())?,
        (None, Some(src), Some(dst)) => Rules::from_command_line(target.root(), src, dst)?,
        _ => return Err(Error::Usage("give SRC and DST, or --rules FILE".to_owned())),
    };
    let options = PlanOptions {
        conflict_style: target.conflict_style,
        shim: target.shim,
    };
    let _spinner = crate::progress::Spinner::start("scanning the tree");
    let _plan = crate::timings::phase("plan");
    build_plan(target.root(), &rules, &options)
}

fn status(plan: &Plan) -> ExitStatus {
    if plan.needs_human() {
        ExitStatus::NeedsHuman
    } else {
        ExitStatus::Clean
    }
}

/// Writes the Markdown report when `--report` asks for one. It is output, like stdout, not a
/// change to the tree, so it is written here rather than through `apply`.
#[allow(clippy::disallowed_methods)]
fn write_report(target: &MoveArgs, plan: &Plan) -> Result<()> {
    if let Some(path) = &target.report {
        let mut text = Vec::new();
        report::plan_markdown(plan, &mut text).map_err(|e| Error::io(path, e))?;
        std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

fn run_plan(args: &PlanArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let plan = load(&args.target)?;
    write_report(&args.target, &plan)?;
    let written = match args.format {
        Format::Text => report::plan_text(&plan, out),
        Format::Json => report::plan_json(&plan, out),
    };
    written.map_err(|e| Error::io("<stdout>", e))?;
    Ok(status(&plan))
}

fn run_apply(args: &ApplyArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let plan = load(&args.target)?;
    write_report(&args.target, &plan)?;
    // The patch is made before the run: it quotes the files the run deletes.
    let mut patch = Vec::new();
    if args.diff {
        let deleted = deleted_files(args.target.root(), &plan)?;
        report::diffs(&plan, &deleted, &mut patch).map_err(|e| Error::io("<stdout>", e))?;
    }
    let applied = if args.dry_run {
        None
    } else {
        let options = apply::ApplyOptions {
            allow_dirty: args.allow_dirty,
            commit: args.commit,
            no_verify: args.no_verify,
            message: args.message.clone(),
            // `regraft apply …` as typed, without the directory the binary is in.
            command: std::env::args()
                .enumerate()
                .map(|(i, arg)| match std::path::Path::new(&arg).file_name() {
                    Some(name) if i == 0 => name.to_string_lossy().into_owned(),
                    _ => arg,
                })
                .collect::<Vec<_>>()
                .join(" "),
        };
        let _spinner = crate::progress::Spinner::start("applying");
        Some(apply::apply(args.target.root(), &plan, &options)?)
    };
    let mut written = report::applied_text(&plan, applied, out);
    if args.diff && written.is_ok() {
        written = out.write_all(&patch);
    }
    written.map_err(|e| Error::io("<stdout>", e))?;
    Ok(status(&plan))
}

/// The files `plan` deletes, with their text and mode, for `--diff`.
fn deleted_files(root: &Path, plan: &Plan) -> Result<Vec<report::DeletedFile>> {
    plan.deletions
        .iter()
        .map(|path| {
            let full = root.join(path);
            let bytes = std::fs::read(&full).map_err(|e| Error::io(&full, e))?;
            let executable = crate::journal::file_mode(&full).is_some_and(|m| m & 0o111 != 0);
            Ok(report::DeletedFile {
                path: path.clone(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
                mode: if executable { "100755" } else { "100644" },
            })
        })
        .collect()
}

/// `regraft survey`; the rules file is output, like `--report`, so it is written here.
#[allow(clippy::disallowed_methods)]
fn run_survey(args: &SurveyArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let root = args.root.as_deref().unwrap_or(Path::new("."));
    let survey = {
        let _spinner = crate::progress::Spinner::start("surveying the tree");
        crate::survey::survey(root)?
    };
    if let Some(path) = &args.write_rules {
        let mut text = Vec::new();
        crate::survey::render::rules(&survey, &mut text).map_err(|e| Error::io(path, e))?;
        std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
    }
    let written = match args.format {
        Format::Text => crate::survey::render::text(&survey, out),
        Format::Json => crate::survey::render::json(&survey, out),
    };
    written.map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}

fn run_undo(args: &UndoArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let undone = {
        let _spinner = crate::progress::Spinner::start("undoing");
        crate::journal::undo(args.root.as_deref().unwrap_or(Path::new(".")), args.force)?
    };
    report::undone_text(&undone, out).map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}

fn run_check(args: &CheckArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    // Bad codes are bad input, whatever else the run would find.
    let selection = crate::check::CodeSelection::parse(&args.select, &args.ignore)?;
    let rules = match &args.rules {
        Some(path) => Rules::load(path, args.root())?,
        None => Rules::default(),
    };
    let paths = args
        .paths
        .iter()
        .filter_map(|p| root_relative(args.root(), p).transpose())
        .collect::<Result<Vec<_>>>()?;
    if !args.paths.is_empty() && paths.is_empty() {
        // Only deleted files were named: nothing is left to check.
        return Ok(ExitStatus::Clean);
    }
    let mut diagnostics =
        crate::check::check(args.root(), &rules, &paths, args.against.as_deref())?;
    diagnostics.retain(|d| selection.allows(d.code));
    if args.format != CheckFormat::Text {
        crate::check::to_repository_paths(args.root(), &mut diagnostics);
    }
    let written = match args.format {
        CheckFormat::Text => {
            use std::io::IsTerminal;
            let colour = args.color.resolve(std::io::stdout().is_terminal());
            report::diagnostics_text(&diagnostics, colour, out)
        }
        CheckFormat::Json => report::diagnostics_json(&diagnostics, out),
        CheckFormat::JsonLines => report::diagnostics_json_lines(&diagnostics, out),
        CheckFormat::Github => report::diagnostics_github(&diagnostics, out),
        CheckFormat::Sarif => report::diagnostics_sarif(&diagnostics, out),
        CheckFormat::Gitlab => report::diagnostics_gitlab(&diagnostics, out),
        CheckFormat::Junit => report::diagnostics_junit(&diagnostics, out),
    };
    written.map_err(|e| Error::io("<stdout>", e))?;
    Ok(if diagnostics.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::NeedsHuman
    })
}

/// `path` (relative to the current directory, or absolute) as a root-relative `/` path;
/// `None` when the file does not exist but git knows it (deleted in the index or in HEAD: a
/// commit being checked may name it, and nothing is left of it to check).
///
/// # Errors
/// [`Error::NoSuchPath`] when the path exists neither in the work tree nor in git (a typo
/// must not pass as a clean check, issue #13); [`Error::BadPath`] when it lies outside the
/// root.
fn root_relative(root: &std::path::Path, path: &std::path::Path) -> Result<Option<String>> {
    let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let (full, exists) = match std::fs::canonicalize(path) {
        Ok(full) => (full, true),
        Err(_) => (canonical_missing(path), false),
    };
    let relative = full.strip_prefix(&root).map_err(|_| {
        Error::bad_path(
            "PATH",
            path.display().to_string(),
            format!("is outside the root {}", root.display()),
        )
    })?;
    let relative = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if exists {
        return Ok(Some(relative));
    }
    match crate::git::Git::detect(&root) {
        Some(git) if !relative.is_empty() && git.knows(&relative) => Ok(None),
        _ => Err(Error::NoSuchPath(path.display().to_string())),
    }
}

/// The absolute path a missing `path` would have: its deepest existing ancestor,
/// canonicalised, then the rest of it (`..` taken lexically).
fn canonical_missing(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::env::current_dir().unwrap_or_default().join(path);
    let mut base = absolute.as_path();
    let mut rest = Vec::new();
    let mut full = loop {
        if let Ok(found) = std::fs::canonicalize(base) {
            break found;
        }
        match (base.parent(), base.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                base = parent;
            }
            _ => break PathBuf::from("/"),
        }
    };
    for component in rest.into_iter().rev() {
        match component {
            Component::ParentDir => {
                full.pop();
            }
            Component::Normal(part) => full.push(part),
            _ => {}
        }
    }
    full
}

#[cfg(test)]
mod tests {
    use super::ColorChoice;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).into())
        }
    }

    #[test]
    fn auto_colours_a_terminal_unless_the_environment_says_no() {
        let auto = ColorChoice::Auto;
        assert!(auto.enabled(true, env(&[])));
        assert!(!auto.enabled(false, env(&[])));
        assert!(!auto.enabled(true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR is no request (https://no-color.org).
        assert!(auto.enabled(true, env(&[("NO_COLOR", "")])));
        assert!(!auto.enabled(true, env(&[("TERM", "dumb")])));
        assert!(auto.enabled(true, env(&[("TERM", "xterm-256color")])));
        assert!(auto.enabled(false, env(&[("FORCE_COLOR", "1")])));
        assert!(auto.enabled(true, env(&[("FORCE_COLOR", "1"), ("TERM", "dumb")])));
        assert!(!auto.enabled(false, env(&[("FORCE_COLOR", "")])));
        assert!(!auto.enabled(true, env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])));
    }

    #[test]
    fn always_and_never_override_the_environment() {
        let no = [("NO_COLOR", "1"), ("TERM", "dumb")];
        assert!(ColorChoice::Always.enabled(false, env(&no)));
        assert!(!ColorChoice::Never.enabled(true, env(&[("FORCE_COLOR", "1")])));
    }
}
