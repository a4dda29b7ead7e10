//! Integration tests: they run the built `regraft` binary on real-looking trees.
//! One test binary (faster to link than one per file).

mod cli;
mod common;
mod fixtures;
