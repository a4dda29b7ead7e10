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
            .contains("exists: merging a Rust module into another is not supported yet"),
        "{}",
        run.stderr
    );
    let shim = regraft(tmp.path(), &["apply", "--shim", "src/parser", "src/other"]);
    assert_eq!(shim.code, 2, "{}{}", shim.stdout, shim.stderr);
    assert!(
        shim.stderr.contains("--shim is not supported for Rust"),
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
