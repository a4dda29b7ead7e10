//! Prints the tree-sitter tree of a Python file (a debugging aid): `cargo run --example dump_tree FILE`.
use std::io::Write;

fn show(node: tree_sitter::Node<'_>, depth: usize, field: Option<&str>, out: &mut impl Write) {
    let field = field.map(|f| format!("{f}: ")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{field}{} {:?}",
        "  ".repeat(depth),
        node.kind(),
        node.byte_range()
    );
    let mut cursor = node.walk();
    for (i, child) in node.children(&mut cursor).enumerate() {
        let name = u32::try_from(i)
            .ok()
            .and_then(|i| node.field_name_for_child(i));
        show(child, depth + 1, name, out);
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: dump_tree FILE");
    let text = std::fs::read_to_string(path).expect("a readable UTF-8 file");
    let tree = regraft::lang::python::parse::parse_python(&text);
    show(tree.root_node(), 0, None, &mut std::io::stdout().lock());
}
