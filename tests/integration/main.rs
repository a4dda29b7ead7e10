//! Integration tests: they run the built `regraft` binary on real-looking trees.
//! One test binary (faster to link than one per file).

// Tests build their trees on disk directly; the one-door rule of clippy.toml is for the library.
#![allow(
    clippy::disallowed_methods,
    clippy::format_push_string,
    clippy::format_collect,
    clippy::print_stderr
)]

mod check;
mod check_formats;
mod cli;
mod common;
mod conventions;
mod fixtures;
mod left_alone;
mod merge;
mod pattern_rules;
mod references;
mod root;
mod rust_crates;
mod rust_moves;
mod safety;
mod survey;
