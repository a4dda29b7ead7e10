//! Python: module names, the tree-sitter parser, the import rewriter, references written as
//! text, the definitions a merge must keep, and the standard library's names.
//!
//! In the order a run meets them: [`module_name`] and [`stdlib`] (what a module is),
//! [`parse`] and [`import_scan`] (reading a file, whole or just its imports), [`rewrite`]
//! (a file's references → [`rewrite::Change`]s), [`references`] (module and file paths
//! written in strings and in text files), [`definitions`] (what a merge lost).

pub mod definitions;
pub mod import_scan;
pub mod module_name;
pub mod parse;
pub mod references;
pub mod rewrite;
pub mod stdlib;
