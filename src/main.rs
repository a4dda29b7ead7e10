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

#[allow(clippy::print_stderr)]
fn report_error(err: &regraft::error::Error) {
    eprintln!("regraft: error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    eprintln!("regraft: nothing was changed");
}
