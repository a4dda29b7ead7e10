//! Finds the import statements, and the names a module defines, without parsing all of it.
//!
//! `regraft check` must read every file of a large tree in less time than a full parse takes,
//! so it tokenises just enough (strings, comments, brackets, line continuations) to see where
//! each logical line starts, picks the lines that matter (imports; top-level definitions and
//! assignments) and hands only those statements to tree-sitter. Text inside strings and
//! comments is never taken for code, and an import is marked optional when it may fail by
//! design or never runs: a `try:` around it (by indentation) catches `ImportError` or anything
//! broader, or it sits under `if TYPE_CHECKING:` or a `sys.version_info` / `sys.platform` test.
//!
//! It also tells when a module makes names or modules at run time ([`top_level_names`] returns
//! `None`, [`registers_modules`] is true): such a module is open, and `check` stays quiet
//! about it.

use std::collections::HashSet;

/// One import statement found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportStatement<'s> {
    /// Byte offset of the statement (its `import` or `from`) in the file.
    pub start: usize,
    /// The statement's text, up to the end of its logical line or a `;`.
    pub text: &'s str,
    /// True when the import may fail by design or never runs: a `try:` around it catches
    /// `ImportError` (an optional dependency), a test expects it to fail, or it sits under
    /// `if TYPE_CHECKING:` or a version or platform test.
    pub optional: bool,
}

/// A logical line: its indentation, its first word and its first statement.
struct Line<'s> {
    start: usize,
    indent: usize,
    word: &'s str,
    header: &'s str,
}

/// The import statements of `source`, in order.
pub fn import_statements(source: &str) -> Vec<ImportStatement<'_>> {
    let lines = logical_lines(source);
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| is_import(line))
        .map(|(index, line)| ImportStatement {
            start: line.start,
            text: line.header.trim_end(),
            optional: is_optional(&lines, index),
        })
        .collect()
}

fn is_import(line: &Line<'_>) -> bool {
    matches!(line.word, "import" | "from")
        && line
            .header
            .as_bytes()
            .get(line.word.len())
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\\' | b'('))
}

/// The names module `source` binds at its top level (also inside top-level `if`, `try`,
/// `with`, `for` and `while` blocks): definitions, assignments (also annotated declarations
/// without a value, as stubs write them), imports, loop and `with` targets, and names a
/// function declares `global`. `None` when it may bind any name: `from x import *`, a
/// module-level `__getattr__` (defined, assigned or imported), a write to its namespace
/// through `globals()` or `vars()`, a top-level `exec(`, or any module made at run time
/// ([`registers_modules`]).
pub fn top_level_names(source: &str) -> Option<HashSet<String>> {
    if registers_modules(source) || writes_own_namespace(source) {
        return None;
    }
    let lines = logical_lines(source);
    let mut names = HashSet::new();
    // The indentation of the innermost block that is still module level.
    let mut open: Vec<usize> = vec![0];
    let mut inside_definition: Option<usize> = None;
    for line in &lines {
        if line.word == "global" {
            // `global X` in a function: calling it binds `X` in the module.
            let declared = line.header["global".len()..].split('#').next();
            names.extend(words(declared.unwrap_or_default()).map(str::to_owned));
            continue;
        }
        if let Some(indent) = inside_definition {
            if line.indent > indent {
                continue;
            }
            inside_definition = None;
        }
        while open.len() > 1 && line.indent < *open.last().unwrap_or(&0) {
            open.pop();
        }
        let is_block = line.header.trim_end().ends_with(':');
        match line.word {
            "def" | "class" | "async" => {
                let name = words(line.header)
                    .find(|w| !matches!(*w, "async" | "def" | "class"))
                    .unwrap_or_default();
                names.insert(name.to_owned());
                inside_definition = Some(line.indent);
            }
            "if" | "elif" | "else" | "try" | "except" | "finally" => {
                open.push(line.indent + 1);
            }
            "with" => {
                // `with open(p) as f:` binds `f`.
                for target in line.header.split(" as ").skip(1) {
                    names.extend(words(target).next().map(str::to_owned));
                }
                open.push(line.indent + 1);
            }
            "for" if is_block => {
                // The loop target stays bound after the loop.
                let target = line.header["for".len()..]
                    .split(" in ")
                    .next()
                    .unwrap_or_default();
                names.extend(words(target).map(str::to_owned));
                open.push(line.indent + 1);
            }
            "while" | "match" | "case" if is_block => open.push(line.indent + 1),
            "exec" if line.header.starts_with("exec(") => return None,
            _ => bind_statement(line.header, &mut names)?,
        }
    }
    // `def __getattr__`, `__getattr__ = make_getattr(__name__)`,
    // `__getattr__, __dir__, __all__ = lazy.attach(…)`, `from ._lazy import __getattr__`.
    if names.contains("__getattr__") {
        return None;
    }
    Some(names)
}

/// The identifiers of `text`, in order.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().next().is_some_and(|c| !c.is_ascii_digit()))
}

/// True when `source` makes modules at run time: it writes to `sys.modules` (replaces itself
/// by a lazy module object, `sys.modules[__name__] = LazyModule(…)`, sets its class, or aliases
/// another module, `sys.modules["pkg.x"] = y`), or installs an import hook on `sys.meta_path`
/// (as `six.moves` does). Modules under such a module's package may exist without a file.
///
/// A text search, so a mention in a comment or a string counts too: when in doubt, open.
pub fn registers_modules(source: &str) -> bool {
    let writes = |needle: &str| {
        memchr::memmem::find_iter(source.as_bytes(), needle.as_bytes()).any(|at| {
            let before = source[..at].trim_end();
            before.ends_with("setattr(") || is_write(&source[at + needle.len()..])
        })
    };
    // A package whose `__path__` grows (`__path__.extend(plugin_dirs)`, `extend_path`)
    // finds modules in directories outside the tree (twisted.plugins).
    let grows_path = memchr::memmem::find_iter(source.as_bytes(), b"__path__").any(|at| {
        let before = source[..at].trim_end();
        before.ends_with("setattr(") || !before.ends_with('.') && is_write(&source[at + 8..])
    }) || source.contains("extend_path(");
    writes("sys.modules") || writes("sys.meta_path") || grows_path
}

/// True when `source` writes its own namespace by name: `globals().update(…)`,
/// `globals()[name] = …`, `vars()[…] = …`.
fn writes_own_namespace(source: &str) -> bool {
    ["globals()", "vars()", "locals()"].iter().any(|needle| {
        memchr::memmem::find_iter(source.as_bytes(), needle.as_bytes())
            .any(|at| is_write(&source[at + needle.len()..]))
    })
}

/// True when `rest` (the text after a mapping or list expression) writes to it: `[key] = …`,
/// `[key].attr = …`, `.update(…)`, `.setdefault(…)`, `.append(…)`, `.insert(…)`,
/// `.extend(…)`, `+= …`, `= …`.
fn is_write(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    let is_assignment =
        |tail: &str| tail.starts_with("+=") || (tail.starts_with('=') && !tail.starts_with("=="));
    if let Some(subscript) = rest.strip_prefix('[') {
        let mut depth = 1usize;
        let Some(close) = subscript.find(|c: char| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            depth == 0
        }) else {
            return false;
        };
        let tail = subscript[close + 1..].trim_start_matches([' ', '\t']);
        if let Some(attribute) = tail.strip_prefix('.') {
            // `sys.modules[__name__].__class__ = LazyModule`
            let end = attribute
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(attribute.len());
            return is_assignment(attribute[end..].trim_start_matches([' ', '\t']));
        }
        return is_assignment(tail);
    }
    if let Some(method) = rest.strip_prefix('.') {
        return [
            "update(",
            "setdefault(",
            "__setitem__(",
            "append(",
            "insert(",
            "extend(",
        ]
        .iter()
        .any(|m| method.starts_with(m));
    }
    is_assignment(rest)
}

/// Adds the names one simple statement binds (an import or an assignment); `None` for
/// `from x import *`.
fn bind_statement(statement: &str, names: &mut HashSet<String>) -> Option<()> {
    // `=` for an assignment, `:` for an annotated declaration (`loader: Loader`).
    let is_binding = statement.starts_with("import ")
        || statement.starts_with("from ")
        || statement.contains(['=', ':']);
    if !is_binding {
        return Some(());
    }
    let tree = crate::lang::python::parse::parse_python(statement);
    let Some(node) = tree.root_node().named_child(0) else {
        return Some(());
    };
    let text = |n: tree_sitter::Node<'_>| statement[n.byte_range()].to_owned();
    match node.kind() {
        "import_statement" | "import_from_statement" => {
            let mut cursor = node.walk();
            if node
                .named_children(&mut cursor)
                .any(|c| c.kind() == "wildcard_import")
            {
                return None;
            }
            let from = node.kind() == "import_from_statement";
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let bound = match name.kind() {
                    "aliased_import" => name.child_by_field_name("alias"),
                    _ if from => Some(name),
                    _ => name.named_child(0),
                };
                names.extend(bound.map(text));
            }
        }
        "expression_statement" => {
            let mut target = node.named_child(0);
            while let Some(assignment) = target.filter(|t| t.kind() == "assignment") {
                if let Some(left) = assignment.child_by_field_name("left") {
                    identifiers(left, statement, names);
                }
                target = assignment.child_by_field_name("right");
            }
        }
        _ => {}
    }
    Some(())
}

fn identifiers(target: tree_sitter::Node<'_>, source: &str, names: &mut HashSet<String>) {
    match target.kind() {
        "identifier" => {
            names.insert(source[target.byte_range()].to_owned());
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
            let mut cursor = target.walk();
            for child in target.named_children(&mut cursor) {
                identifiers(child, source, names);
            }
        }
        _ => {}
    }
}

/// Where the first top-level statement that starts after byte `offset` begins (the length of
/// `source` when there is none): everything before it is whole top-level statements, so it
/// parses exactly as it does inside the whole file.
pub fn top_level_boundary_after(source: &str, offset: usize) -> usize {
    let mut after_decorator = false;
    for line in logical_lines(source).iter().filter(|l| l.indent == 0) {
        // A decorator and what it decorates, and `else`/`except`/… and their `if`/`try`, are
        // one statement.
        let continues =
            after_decorator || matches!(line.word, "else" | "elif" | "except" | "finally");
        after_decorator = line.header.starts_with('@');
        if line.start > offset && !continues {
            return line.start;
        }
    }
    source.len()
}

/// The logical lines of `source`, with the first statement of each.
fn logical_lines(source: &str) -> Vec<Line<'_>> {
    let bytes = source.as_bytes();
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // At the start of a logical line: measure the indentation.
        let line_start = i;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\x0c') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        if matches!(bytes[i], b'\n' | b'\r' | b'#') {
            i = skip_to_line_end(bytes, i);
            continue;
        }
        let indent = i - line_start;
        let word_end = i + bytes[i..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(bytes.len() - i);
        let word = &source[i..word_end];
        let (end, statement_end) = logical_line_end(bytes, i);
        lines.push(Line {
            start: i,
            indent,
            word,
            header: &source[i..statement_end.min(end)],
        });
        i = end;
    }
    lines
}

/// Skips to just after the next line break.
fn skip_to_line_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i + 1
}

/// From `i` (inside a logical line), returns (where the next logical line starts, where the
/// first statement of this line ends: a `;` or the line's end, outside brackets and strings).
fn logical_line_end(bytes: &[u8], mut i: usize) -> (usize, usize) {
    let mut depth = 0usize;
    let mut statement_end = None;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b';' if depth == 0 => {
                statement_end.get_or_insert(i);
                i += 1;
            }
            b'\n' if depth == 0 => {
                let end = statement_end.unwrap_or(i);
                return (i + 1, end);
            }
            b'"' | b'\'' => i = skip_string(bytes, i),
            _ => i += 1,
        }
    }
    (bytes.len(), statement_end.unwrap_or(bytes.len()))
}

/// Skips a string literal starting at its opening quote `i` (a prefix such as `rb` was
/// already passed as an ordinary word); returns the offset just after it.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let triple = bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'\n' if !triple => return j,
            b if b == quote => {
                if !triple {
                    return j + 1;
                }
                if bytes.get(j + 1) == Some(&quote) && bytes.get(j + 2) == Some(&quote) {
                    return j + 3;
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    bytes.len()
}

/// True when the statement on `lines[index]` sits in the body of a `try:` that catches
/// `ImportError` or anything broader, of a `with` that expects an `ImportError` (a test), of
/// `if TYPE_CHECKING:` (never runs), or of a branch of a version or platform test.
fn is_optional(lines: &[Line<'_>], index: usize) -> bool {
    let mut indent = lines[index].indent;
    let mut i = index;
    // Climb to each enclosing block header: the nearest earlier line indented less.
    while i > 0 && indent > 0 {
        i -= 1;
        let line = &lines[i];
        if line.indent >= indent {
            continue;
        }
        indent = line.indent;
        if line.word == "try" && catches_import_error(lines, i) {
            return true;
        }
        // `with raises(ImportError):` / `assertRaises(ModuleNotFoundError)`: a test that
        // expects the import to fail.
        let expects_failure = ["ImportError", "ModuleNotFoundError"]
            .iter()
            .any(|e| line.header.contains(e));
        if line.word == "with" && expects_failure {
            return true;
        }
        // `if not TYPE_CHECKING:` runs.
        let type_checking =
            line.header.contains("TYPE_CHECKING") && !line.header.contains("not TYPE_CHECKING");
        if matches!(line.word, "if" | "elif") && type_checking {
            return true;
        }
        if matches!(line.word, "if" | "elif" | "else") && tests_version_or_platform(lines, i) {
            return true;
        }
    }
    false
}

/// True when a header of the `if`/`elif`/`else` chain that ends at `lines[branch]` tests the
/// Python version or the platform: what it imports may only exist elsewhere.
fn tests_version_or_platform(lines: &[Line<'_>], branch: usize) -> bool {
    const MARKERS: [&str; 8] = [
        "sys.version_info",
        "sys.platform",
        "sys.implementation",
        "os.name",
        "platform.",
        "PY2",
        "PY3",
        "PYPY",
    ];
    let indent = lines[branch].indent;
    for line in lines[..=branch].iter().rev() {
        if line.indent > indent {
            continue;
        }
        if line.indent < indent || !matches!(line.word, "if" | "elif" | "else") {
            return false;
        }
        if MARKERS.iter().any(|m| line.header.contains(m)) {
            return true;
        }
        if line.word == "if" {
            return false;
        }
    }
    false
}

/// True when a handler of the `try:` on `lines[try_line]` catches `ImportError`.
fn catches_import_error(lines: &[Line<'_>], try_line: usize) -> bool {
    let indent = lines[try_line].indent;
    for line in &lines[try_line + 1..] {
        if line.indent > indent {
            continue;
        }
        if line.indent < indent || !matches!(line.word, "except" | "else" | "finally") {
            return false;
        }
        if line.word == "except" {
            let caught = line.header["except".len()..]
                .split(':')
                .next()
                .unwrap_or_default()
                .trim();
            let broad = [
                "ImportError",
                "ModuleNotFoundError",
                "Exception",
                "BaseException",
            ];
            if caught.is_empty() || broad.iter().any(|e| caught.contains(e)) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(&str, bool)> {
        import_statements(source)
            .into_iter()
            .map(|s| (s.text, s.optional))
            .collect()
    }

    #[test]
    fn finds_statements_and_ignores_strings_and_comments() {
        let source = "\"\"\"Docs.\n\nimport not_this\n\"\"\"\nimport os, a.b as c  # why\n\
                      # import nor_this\nx = 'import no'\nfrom . import (\n    x,  # )\n    y,\n)\n\
                      def f():\n    from .m import \\\n        g\n    return 1; import late\n";
        assert_eq!(
            texts(source),
            vec![
                ("import os, a.b as c  # why", false),
                ("from . import (\n    x,  # )\n    y,\n)", false),
                ("from .m import \\\n        g", false),
            ]
        );
    }

    #[test]
    fn imports_guarded_by_import_error_are_optional() {
        let source = "try:\n    import fast\n    if x:\n        from .c import speedups\n\
                      except ImportError:\n    fast = None\ntry:\n    import b\nexcept KeyError:\n    pass\n\
                      try:\n    import c\nexcept (OSError, ModuleNotFoundError):\n    pass\n\
                      def test():\n    with raises(ImportError):\n        from sympy import Pi\n";
        assert_eq!(
            texts(source),
            vec![
                ("import fast", true),
                ("from .c import speedups", true),
                ("import b", false),
                ("import c", true),
                ("from sympy import Pi", true),
            ]
        );
    }

    #[test]
    fn top_level_names_come_from_definitions_assignments_and_imports() {
        let source = "\"\"\"Doc.\"\"\"\nimport os.path\nimport numpy as np\nfrom .a import b, c as d\n\
                      X = Y = 1\nP, (Q, R) = f()\nT: int = 3\n\n@decorate\nclass K:\n    inner = 1\n\n\
                      def f():\n    local = 2\n\nasync def g():\n    pass\n\
                      try:\n    from fast import h\nexcept ImportError:\n    h = None\n\
                      if DEBUG:\n    Z = 1\nfor i in range(3):\n    loop_var = i\n";
        let names = top_level_names(source).unwrap();
        let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "K", "P", "Q", "R", "T", "X", "Y", "Z", "b", "d", "f", "g", "h", "i", "loop_var",
                "np", "os"
            ]
        );
    }

    #[test]
    fn star_imports_and_module_getattr_define_anything() {
        assert_eq!(top_level_names("from .core import *\n"), None);
        assert_eq!(
            top_level_names("def __getattr__(name):\n    return 1\n"),
            None
        );
    }

    #[test]
    fn names_made_at_run_time_make_the_module_open() {
        for open in [
            "import sys\nsys.modules[__name__] = _LazyModule(__name__)\n",
            "sys.modules[__name__].__class__ = Deprecated\n",
            "sys.modules[names[0]] = x\n",
            "setattr(sys.modules[__name__], 'x', 1)\n",
            "sys.meta_path.append(_importer)\n",
            "globals().update(make())\n",
            "for n in NAMES:\n    globals()[n] = n\n",
            "vars()['X'] = 1\n",
            "__getattr__ = make_getattr(__name__)\n",
            "__getattr__, __dir__, __all__ = lazy.attach(__name__)\n",
            "from ._lazy import __getattr__\n",
            "exec(open('_consts.py').read())\n",
        ] {
            assert_eq!(top_level_names(open), None, "{open}");
        }
        // Reading these is not making anything.
        let closed = "import sys\nmod = sys.modules[__name__]\nif sys.modules.get('x') == y:\n    pass\n\
                      for f in sys.meta_path:\n    pass\nG = globals()['X']\n";
        assert!(top_level_names(closed).is_some());
        assert!(registers_modules("sys.modules['pkg.x'] = y\n"));
        assert!(!registers_modules("globals()['x'] = 1\n"));
    }

    #[test]
    fn declarations_loop_targets_and_globals_are_names() {
        let source = "defaultTestLoader: TestLoader\nwith open(p) as f:\n    pass\n\
                      match = re.match('a', 'b')\ndef setup():\n    global _cache, _ready  # not: comment\n    _cache = {}\n";
        let names = top_level_names(source).unwrap();
        for name in [
            "defaultTestLoader",
            "f",
            "match",
            "setup",
            "_cache",
            "_ready",
        ] {
            assert!(names.contains(name), "{name}: {names:?}");
        }
        assert!(!names.contains("comment"));
    }

    #[test]
    fn imports_that_never_run_or_run_somewhere_else_are_optional() {
        let source = "if TYPE_CHECKING:\n    from a import b\nelse:\n    from a import c\n\
                      if sys.version_info >= (3, 11):\n    import d\nelif X:\n    import e\nelse:\n    import f\n\
                      if DEBUG:\n    import g\nif not TYPE_CHECKING:\n    import h\n";
        assert_eq!(
            texts(source),
            vec![
                ("from a import b", true),
                ("from a import c", false),
                ("import d", true),
                ("import e", true),
                ("import f", true),
                ("import g", false),
                ("import h", false),
            ]
        );
    }

    #[test]
    fn the_top_level_boundary_keeps_statements_whole() {
        let source = "import a\n\n@skip(a.x)\n@other\nclass T:\n    pass\n\
                      try:\n    import a.y\nexcept ImportError:\n    pass\nX = 1\n";
        let at = |text: &str| source.find(text).unwrap();
        // A mention inside the decorator: the class goes with it.
        assert_eq!(top_level_boundary_after(source, at("a.x")), at("try:"));
        // A mention inside `try:`: its `except` goes with it.
        assert_eq!(top_level_boundary_after(source, at("a.y")), at("X = 1"));
        assert_eq!(top_level_boundary_after(source, at("X = 1")), source.len());
    }

    #[test]
    fn an_unterminated_string_does_not_loop() {
        assert_eq!(texts("x = '''never closed\nimport a\n"), vec![]);
        assert_eq!(
            texts("import a\nx = 'open\nimport b\n"),
            vec![("import a", false), ("import b", false)]
        );
    }
}
