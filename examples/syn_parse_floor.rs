//! The floor for a Rust move (issue #12): walk a directory with `ignore`, then read and
//! `syn::parse_file` every `.rs` file on all cores with `rayon`, and print how long that took.
//! `scripts/bench_rust.sh` sets regraft's `plan`/`apply` next to this figure.
//!
//! `cargo run --release --example syn_parse_floor -- DIR`
//!
//! Prints one line: files, lines, parse errors, threads and the wall time of walk + read +
//! parse (`seconds=` for scripts).
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("usage: syn_parse_floor DIR");
        }
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let paths: Vec<PathBuf> = ignore::WalkBuilder::new(&dir)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    // (lines, parse errors) per file; a file that cannot be read counts as an error.
    let (lines, errors) = paths
        .par_iter()
        .map(|path| match std::fs::read_to_string(path) {
            Ok(text) => {
                let parsed = syn::parse_file(&text);
                (text.lines().count(), usize::from(parsed.is_err()))
            }
            Err(_) => (0, 1),
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = start.elapsed().as_secs_f64();
    #[allow(clippy::print_stdout)]
    {
        println!(
            "{} files, {lines} lines, {errors} parse errors, {} threads: walk + read + parse seconds={secs:.3}",
            paths.len(),
            rayon::current_num_threads(),
        );
    }
    ExitCode::SUCCESS
}
