//! Where a language plugs in: everything regraft knows about one programming language lives
//! in a folder under `lang/`, and the language-free stages (walk, plan, apply and journal, git,
//! merge, report, cli) reach it through this module.
//!
//! Today there is one language, [`python`].

pub mod python;
