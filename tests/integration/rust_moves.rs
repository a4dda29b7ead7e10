//! Rust module moves (issue #12): the issue's own scenario, and the forms regraft refuses
//! (exit 2, nothing changed) until it handles them. The fixture crates under
//! `fixtures/rust_*` cover the rewrites form by form.

use crate::common::{read_tree, regraft, write_tree};

fn calc_crate() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/lib.rs", "mod parser;\npub use parser::parse;\n"),
            (
                "src/parser/mod.rs",
                "mod lexer;\npub fn parse() {\n    lexer::lex();\n    super::helper();\n}\n",
            ),
            ("src/parser/lexer.rs", "pub fn lex() {}\n"),
        ],
    );
    tmp
}

/// The report of #12: `regraft apply src/parser src/front/parser` renamed the files, rewrote
/// nothing and exited 0, leaving E0583. Now the declaration moves to a new `front` module
/// (created in the crate's `mod.rs` style), widened to `pub(crate)` because `lib.rs` still
/// reaches it, and the paths follow.
#[test]
fn the_reported_move_leaves_a_crate_that_resolves() {
    let tmp = calc_crate();
    std::fs::write(
        tmp.path().join("src/lib.rs"),
        "mod parser;\npub use parser::parse;\n\nfn helper() {}\n",
    )
    .unwrap();
    let before = work_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", "src/parser", "src/front/parser"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    let expected = [
        (
            "src/lib.rs",
            "pub use crate::front::parser::parse;\npub(crate) mod front;\n\nfn helper() {}\n",
        ),
        ("src/front/mod.rs", "pub(crate) mod parser;\n"),
        (
            "src/front/parser/mod.rs",
            "mod lexer;\npub fn parse() {\n    lexer::lex();\n    crate::helper();\n}\n",
        ),
        ("src/front/parser/lexer.rs", "pub fn lex() {}\n"),
    ];
    for (path, text) in expected {
        assert_eq!(
            tree.get(path).map(Vec::as_slice),
            Some(text.as_bytes()),
            "{path}"
        );
    }
    assert!(
        !tree.keys().any(|p| p.starts_with("src/parser")),
        "{tree:?}"
    );
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert_eq!(work_tree(tmp.path()), before);
}

/// Forms regraft does not move yet are refused before anything is written.
#[test]
fn unsupported_rust_moves_are_refused_and_change_nothing() {
    let tmp = calc_crate();
    std::fs::create_dir_all(tmp.path().join("src/front/parser")).unwrap();
    std::fs::write(
        tmp.path().join("src/front/parser/old.rs"),
        "pub fn old() {}\n",
    )
    .unwrap();
    let before = read_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", "src/parser", "src/front/parser"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("exists but is not a Rust module (no `DST.rs` nor `DST/mod.rs`)"),
        "{}",
        run.stderr
    );
    let shim = regraft(tmp.path(), &["apply", "--shim", "src/parser", "src/other"]);
    assert_eq!(shim.code, 2, "{}{}", shim.stdout, shim.stderr);
    assert!(
        shim.stderr
            .contains("--shim keeps a public path working, and `crate::parser` is not `pub`"),
        "{}",
        shim.stderr
    );
    let outside = regraft(tmp.path(), &["apply", "src/parser", "front/parser"]);
    assert_eq!(outside.code, 2, "{}{}", outside.stdout, outside.stderr);
    assert!(
        outside
            .stderr
            .contains("below the crate's source directory `src/`"),
        "{}",
        outside.stderr
    );
    assert_eq!(read_tree(tmp.path()), before);
}

/// `check` on a crate: a stale path of a retired move (RG001, with its fix), a `mod` with
/// no file and paths to modules that are not there (RG002); names a `#[macro_export]`
/// macro, a glob import or a `cfg_attr` path provide are not findings.
#[test]
fn check_reads_rust_paths_without_cargo() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            (
                "src/lib.rs",
                "pub mod front;\nmod util;\nmod prelude;\nmod gone;\n#[cfg_attr(unix, path = \"sys_unix.rs\")]\nmod sys;\n\n\
                 pub fn run() {\n    crate::front::parser::parse();\n    crate::a::b::parse();\n    \
                 crate::util::nothing::f();\n    crate::prelude::anything::f();\n    crate::check!();\n    \
                 crate::fronts::x();\n}\n",
            ),
            ("src/front.rs", "pub mod parser;\n"),
            ("src/front/parser.rs", "pub fn parse() {}\n"),
            (
                "src/util.rs",
                "#[macro_export]\nmacro_rules! check { () => {} }\n",
            ),
            ("src/sys_unix.rs", ""),
            ("src/prelude.rs", "pub use crate::front::*;\n"),
            (
                "rules.toml",
                "[[move]]\nfrom = \"src/a/b\"\nto = \"src/front/parser\"\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "rules.toml"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let findings: Vec<&str> = run.stdout.lines().filter(|l| l.contains(" RG0")).collect();
    assert_eq!(
        findings,
        [
            "src/lib.rs:4:1: RG002 `crate::gone` has no file (looked for src/gone.rs and src/gone/mod.rs)",
            "src/lib.rs:10:5: RG001 `crate::a::b` refers to a module that moved: write `crate::front::parser`",
            "src/lib.rs:11:18: RG002 no module or item `nothing` in `crate::util`",
            "src/lib.rs:14:12: RG002 no module or item `fronts` in `crate`",
        ],
        "{}",
        run.stdout
    );
}

/// `--shim` on a `pub` module: the old place keeps a deprecated module of the old name that
/// re-exports the new one, under the declaration's own `cfg`; `check --rules` still reports
/// paths that use it.
#[test]
fn a_shim_keeps_the_old_public_path_and_check_reports_its_users() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"shimmy\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/lib.rs", "pub mod a;\n"),
            (
                "src/a.rs",
                "/// Parsing.\n#[cfg(not(test))]\npub mod b;\npub fn helper() {}\n",
            ),
            ("src/a/b.rs", "pub fn make() {}\n"),
            (
                "rules.toml",
                "[[move]]\nfrom = \"src/a/b\"\nto = \"src/front/parser\"\n",
            ),
        ],
    );
    let run = regraft(
        tmp.path(),
        &["apply", "--shim", "src/a/b", "src/front/parser"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    let text = |p: &str| String::from_utf8(tree[p].clone()).unwrap();
    assert_eq!(
        text("src/a.rs"),
        "#[cfg(not(test))]\n\
         /// Moved to [`crate::front::parser`]: this module keeps the old path working until its users move.\n\
         #[deprecated(note = \"moved to `crate::front::parser`\")]\n\
         pub mod b {\n    pub use crate::front::parser::*;\n}\n\
         pub fn helper() {}\n"
    );
    assert_eq!(
        text("src/front.rs"),
        "/// Parsing.\n#[cfg(not(test))]\npub mod parser;\n"
    );
    std::fs::write(
        tmp.path().join("src/lib.rs"),
        "pub mod a;\npub mod front;\npub fn old() { crate::a::b::make() }\n",
    )
    .unwrap();
    let check = regraft(tmp.path(), &["check", "--rules", "rules.toml"]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains(
            "src/lib.rs:3:16: RG001 `crate::a::b` refers to a module that moved: write `crate::front::parser`"
        ),
        "{}",
        check.stdout
    );
}

/// A maturin project (a Python package in `python/` beside a Rust crate): one run moves the
/// Python package and a Rust module, rewrites both languages' references and the
/// `[tool.maturin] module-name` the compiled extension is imported as.
#[test]
fn a_maturin_project_moves_python_and_rust_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"mypkg\"\n\n[tool.maturin]\npython-source = \"python\"\nmodule-name = \"mypkg._native\"\n",
            ),
            (
                "Cargo.toml",
                "[package]\nname = \"mypkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nname = \"_native\"\n",
            ),
            (
                "src/lib.rs",
                "pub mod ffi;\npub fn one() -> u8 { ffi::conv::one() }\n",
            ),
            ("src/ffi.rs", "pub mod conv;\n"),
            ("src/ffi/conv.rs", "pub fn one() -> u8 { 1 }\n"),
            (
                "python/mypkg/__init__.py",
                "from mypkg._native import one\n",
            ),
            ("python/mypkg/api.py", "from mypkg import one\n"),
            (
                "rules.toml",
                "[[move]]\nfrom = \"python/mypkg\"\nto = \"python/corepkg\"\n\n\
                 [[move]]\nfrom = \"src/ffi\"\nto = \"src/bindings/ffi\"\n",
            ),
        ],
    );
    let before = work_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", "--rules", "rules.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    let text = |p: &str| String::from_utf8(tree[p].clone()).unwrap();
    assert_eq!(
        text("pyproject.toml"),
        "[project]\nname = \"mypkg\"\n\n[tool.maturin]\npython-source = \"python\"\nmodule-name = \"corepkg._native\"\n"
    );
    assert_eq!(
        text("python/corepkg/__init__.py"),
        "from corepkg._native import one\n"
    );
    assert_eq!(text("python/corepkg/api.py"), "from corepkg import one\n");
    assert_eq!(
        text("src/lib.rs"),
        "pub mod bindings;\npub fn one() -> u8 { crate::bindings::ffi::conv::one() }\n"
    );
    assert_eq!(text("src/bindings.rs"), "pub mod ffi;\n");
    assert_eq!(
        text("src/bindings/ffi/conv.rs"),
        "pub fn one() -> u8 { 1 }\n"
    );
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert_eq!(work_tree(tmp.path()), before);
}

/// A module merged into an existing one: SRC-only files move, identical copies are dropped,
/// DST-only files stay, the two module files (only `mod` items) are united, a file that
/// differs gets conflict markers (no git history: a two-way merge) and the run exits 1.
#[test]
fn a_rust_module_merges_into_an_existing_one() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"mm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            (
                "src/lib.rs",
                "pub mod a;\npub mod front;\npub fn go() -> u8 { a::b::stmt::s() + crate::a::b::shared::x() }\n",
            ),
            ("src/a.rs", "pub mod b;\npub fn keep() {}\n"),
            ("src/front.rs", "pub mod parser;\n"),
            (
                "src/a/b.rs",
                "pub mod stmt;\npub mod shared;\npub mod util;\n",
            ),
            (
                "src/a/b/stmt.rs",
                "pub fn s() -> u8 { super::shared::x() }\n",
            ),
            ("src/a/b/shared.rs", "pub fn x() -> u8 { 1 }\n"),
            ("src/a/b/util.rs", "pub fn clamp() -> u8 { 0 }\n"),
            (
                "src/front/parser.rs",
                "pub mod expr;\npub mod shared;\npub mod util;\n",
            ),
            ("src/front/parser/expr.rs", "pub fn e() -> u8 { 2 }\n"),
            ("src/front/parser/shared.rs", "pub fn x() -> u8 { 1 }\n"),
            ("src/front/parser/util.rs", "pub fn round() -> u8 { 1 }\n"),
        ],
    );
    let plan = regraft(tmp.path(), &["plan", "src/a/b", "src/front/parser"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains(
            "src/front/parser.rs <- src/a/b.rs: united (the `mod` and `use` items of both); \
             no base needed (union of `mod` and `use` items)"
        ),
        "{}",
        plan.stdout
    );
    let before = work_tree(tmp.path());
    let run = regraft(tmp.path(), &["apply", "src/a/b", "src/front/parser"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    let text = |p: &str| String::from_utf8(tree[p].clone()).unwrap();
    assert_eq!(
        text("src/front/parser.rs"),
        "pub mod expr;\npub mod shared;\npub mod util;\npub mod stmt;\n"
    );
    assert_eq!(text("src/a.rs"), "pub fn keep() {}\n");
    assert_eq!(
        text("src/lib.rs"),
        "pub mod a;\npub mod front;\npub fn go() -> u8 { crate::front::parser::stmt::s() + crate::front::parser::shared::x() }\n"
    );
    assert_eq!(
        text("src/front/parser/stmt.rs"),
        "pub fn s() -> u8 { super::shared::x() }\n"
    );
    assert_eq!(text("src/front/parser/expr.rs"), "pub fn e() -> u8 { 2 }\n");
    let util = text("src/front/parser/util.rs");
    assert!(
        util.contains("pub fn round() -> u8 { 1 }") && util.contains("pub fn clamp() -> u8 { 0 }"),
        "{util}"
    );
    assert!(util.contains("<<<<<<< "), "{util}");
    assert!(!tree.keys().any(|p| p.starts_with("src/a/")), "{tree:?}");
    let undo = regraft(tmp.path(), &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert_eq!(work_tree(tmp.path()), before);
}

/// `pub(super)` on an item of the moved module opened it to the old parent, which still uses
/// the module: after the move it would open it to the new parent only, and the crate would
/// not compile. The plan names the item for a human (exit 1) instead of promising a clean
/// move; a `pub(super)` nobody outside loses is not reported.
#[test]
fn a_pub_super_item_the_old_parent_may_use_goes_to_a_human() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"vis\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/lib.rs", "mod a;\nmod front;\n"),
            ("src/front.rs", "pub(crate) fn unrelated() {}\n"),
            ("src/a.rs", "mod b;\npub fn run() { b::helper(); }\n"),
            ("src/a/b.rs", "pub(super) fn helper() {}\n"),
        ],
    );
    let run = regraft(tmp.path(), &["plan", "src/a/b", "src/front/b"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "src/a/b.rs:1:1: `pub(super)` opens this item to `crate::a` today and to `crate::front` \
             after the move, and `crate::a` uses the moved module: if it uses this item, widen it"
        ),
        "{}",
        run.stdout
    );
    std::fs::write(tmp.path().join("src/a.rs"), "mod b;\npub fn run() {}\n").unwrap();
    let quiet = regraft(tmp.path(), &["plan", "src/a/b", "src/front/b"]);
    assert_eq!(quiet.code, 0, "{}{}", quiet.stdout, quiet.stderr);
}

/// A bare path through a glob import (`use crate::a::*;` then `b::helper()`) reaches the
/// moved module as a child of the globbed one: written from `crate::` after the move, since
/// the glob no longer brings it.
#[test]
fn a_path_through_a_glob_import_is_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"globs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/lib.rs", "mod a;\nmod front;\nmod run;\n"),
            ("src/front.rs", "pub(crate) fn unrelated() {}\n"),
            ("src/a.rs", "pub(crate) mod b;\npub fn keep() {}\n"),
            ("src/a/b.rs", "pub fn helper() {}\n"),
            (
                "src/run.rs",
                "use crate::a::*;\npub fn go() {\n    keep();\n    b::helper();\n}\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["apply", "src/a/b", "src/front/b"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    assert_eq!(
        String::from_utf8(tree["src/run.rs"].clone()).unwrap(),
        "use crate::a::*;\npub fn go() {\n    keep();\n    crate::front::b::helper();\n}\n"
    );
}

/// Found on `serde_json` 1.0.154 (`src/io` → `src/read/io`): `read.rs` imported the module
/// (`use crate::io;`) that now becomes its own child. Its new `mod io;` binds the name, so the
/// `use` goes (E0255 otherwise), the declaration comes after the last `use`, and the other
/// `use` lines follow the module as usual.
#[test]
fn a_use_of_the_module_in_its_new_parent_gives_way_to_the_declaration() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"rd\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/lib.rs", "mod io;\nmod iter;\npub mod read;\n"),
            ("src/io.rs", "pub fn pull() -> u8 { 1 }\n"),
            ("src/iter.rs", "pub fn next() {}\n"),
            (
                "src/read.rs",
                "use crate::io;\nuse crate::{io as raw, iter};\n\npub fn go() -> u8 {\n    iter::next();\n    raw::pull() + io::pull()\n}\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["apply", "src/io", "src/read/io"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let tree = read_tree(tmp.path());
    assert_eq!(
        String::from_utf8(tree["src/read.rs"].clone()).unwrap(),
        "use crate::{read::io as raw, iter};\nmod io;\n\npub fn go() -> u8 {\n    iter::next();\n    raw::pull() + io::pull()\n}\n"
    );
    assert_eq!(
        String::from_utf8(tree["src/lib.rs"].clone()).unwrap(),
        "mod iter;\npub mod read;\n"
    );
}

/// The files of the tree without git's own (apply records renames in the index and its
/// exclude file; undo restores the files, which is what these tests compare).
fn work_tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    read_tree(dir)
        .into_iter()
        .filter(|(path, _)| !path.starts_with(".git/"))
        .collect()
}
