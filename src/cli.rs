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
    /// Check only these files (as pre-commit passes them); default: the whole tree.
    pub paths: Vec<PathBuf>,
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
    /// Print a unified diff of every rewritten file.
    #[arg(long)]
    pub diff: bool,
    /// Go on even when files that would be moved or rewritten have uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Inside git: commit the pure renames first, then the rewrites (two commits), so that
    /// `git log --follow` reaches the old history however much a file was rewritten.
    #[arg(long, conflicts_with = "dry_run")]
    pub commit: bool,
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
            args.root = Some(ProjectRoot::find(args.root.as_deref())?.path);
            unfinished(args.root())?;
            run_check(&args, out)
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
        (Some(path), _, _) => Rules::from_file(path)?,
        (None, Some(src), Some(dst)) => Rules::from_command_line(target.root(), src, dst)?,
        _ => return Err(Error::Usage("give SRC and DST, or --rules FILE".to_owned())),
    };
    let options = PlanOptions {
        conflict_style: target.conflict_style,
        shim: target.shim,
    };
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
    let applied = if args.dry_run {
        None
    } else {
        let options = apply::ApplyOptions {
            allow_dirty: args.allow_dirty,
            commit: args.commit,
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
        Some(apply::apply(args.target.root(), &plan, &options)?)
    };
    let mut written = report::applied_text(&plan, applied, out);
    if args.diff && written.is_ok() {
        written = report::diffs(&plan, out);
    }
    written.map_err(|e| Error::io("<stdout>", e))?;
    Ok(status(&plan))
}

fn run_undo(args: &UndoArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let undone = crate::journal::undo(args.root.as_deref().unwrap_or(Path::new(".")), args.force)?;
    report::undone_text(&undone, out).map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}

fn run_check(args: &CheckArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    // Bad codes are bad input, whatever else the run would find.
    let selection = crate::check::CodeSelection::parse(&args.select, &args.ignore)?;
    let rules = match &args.rules {
        Some(path) => Rules::from_file(path)?,
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
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
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
/// `None` when the file does not exist (deleted in the commit being checked).
fn root_relative(root: &std::path::Path, path: &std::path::Path) -> Result<Option<String>> {
    let Ok(full) = std::fs::canonicalize(path) else {
        return Ok(None);
    };
    let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let relative = full.strip_prefix(&root).map_err(|_| {
        Error::bad_path(
            "PATH",
            path.display().to_string(),
            format!("is outside the root {}", root.display()),
        )
    })?;
    Ok(Some(
        relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    ))
}
