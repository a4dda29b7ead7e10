//! The `regraft` binary: parse arguments, run, map the result to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use regraft::ExitStatus;
use regraft::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let status = match run(cli, &mut out) {
        Ok(status) => status,
        Err(regraft::error::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            let _ = out.flush();
            report_error(&err);
            ExitStatus::BadInput
        }
    };
    let _ = out.flush();
    ExitCode::from(status as u8)
}

/// Prints the error, its causes, a `help:` line when there is one, and what the error left of
/// the tree (nothing changed, rolled back, or partly applied): never a guess.
#[allow(clippy::print_stderr)]
fn report_error(err: &regraft::error::Error) {
    let outcome = err.outcome().message();
    if err.is_interrupt() {
        eprintln!("regraft: interrupted: {outcome}");
        return;
    }
    let cause = err.cause();
    eprintln!("regraft: error: {cause}");
    let mut said = cause.to_string();
    let mut source = std::error::Error::source(cause);
    while let Some(cause) = source {
        // `path: what the OS said` already ends with its cause: say it once.
        let text = cause.to_string();
        if !said.ends_with(&text) {
            eprintln!("  caused by: {text}");
        }
        said = text;
        source = cause.source();
    }
    if let regraft::error::Error::PartlyApplied { rollback, .. } = err {
        eprintln!("  and the rollback failed: {rollback}");
    }
    if let Some(help) = err.help() {
        eprintln!("help: {help}");
    }
    // An earlier run's tree is not this command's to describe: the help line says what to do.
    if !matches!(cause, regraft::error::Error::Unfinished { .. }) {
        eprintln!("regraft: {outcome}");
    }
}
