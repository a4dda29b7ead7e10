//! Issue #13: the output formats of `regraft check` (json, json-lines, sarif, gitlab, junit,
//! github) on one small tree with an `RG001` that has a fix, an `RG002`, an `RG003` and two
//! `RG004`s; and paths relative to the repository top when `--root` is a subdirectory.

use std::path::Path;

use crate::common::{git_init_commit, regraft, write_tree};

const RULES: &str = "[[move]]\nfrom = \"pkg/old\"\nto = \"pkg/new\"\n";

/// The findings, by hand (columns in characters, ends exclusive):
/// - `app.py:1:6..1:17` RG001: `from pkg.old.mod import X`, the dotted name `pkg.old.mod` (11
///   characters from column 6), fixed by writing `pkg.new.mod` there;
/// - `app.py:2:25..2:26` RG003: `from pkg.new.mod import Y`, the name `Y`;
/// - `app.py:3:8..3:16` RG002: `import pkg.gone`, the dotted name (8 characters);
/// - `conflict.py:1:1..1:13` and `5:1..5:15` RG004: the marker lines `<<<<<<< ours` (12
///   characters) and `>>>>>>> theirs` (14).
fn write_findings(dir: &Path) {
    write_tree(
        dir,
        &[
            ("regraft.toml", RULES),
            ("pkg/__init__.py", ""),
            ("pkg/new/__init__.py", ""),
            ("pkg/new/mod.py", "X = 1\n"),
            (
                "app.py",
                "from pkg.old.mod import X\nfrom pkg.new.mod import Y\nimport pkg.gone\n",
            ),
            (
                "conflict.py",
                "<<<<<<< ours\nA = 1\n=======\nA = 2\n>>>>>>> theirs\n",
            ),
        ],
    );
}

fn tree_with_findings() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_findings(tmp.path());
    tmp
}

const STALE: &str = "`pkg.old.mod` refers to a module that moved: write `pkg.new.mod`";
const NO_NAME: &str = "`pkg.new.mod` has no `Y`: it neither defines, imports nor re-exports it, and it is no submodule";
const NO_MODULE: &str = "no module `pkg.gone` in the project";
const START: &str = "conflict marker (start of a conflict) left by a merge: resolve the conflict";
const END: &str = "conflict marker (end of a conflict) left by a merge: resolve the conflict";

fn url(anchor: &str) -> String {
    format!("{}#{anchor}", regraft::check::DOCS_URL)
}

fn check(dir: &Path, format: &str) -> String {
    let run = regraft(
        dir,
        &["check", "--rules", "regraft.toml", "--format", format],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run.stdout
}

#[test]
fn json_lines_gives_one_object_a_line_with_span_url_and_fix() {
    let tmp = tree_with_findings();
    let expected = format!(
        r#"{{"path":"app.py","line":1,"col":6,"end_line":1,"end_col":17,"code":"RG001","message":"{STALE}","url":"{}","fix":{{"replacement":"pkg.new.mod","start":{{"line":1,"col":6}},"end":{{"line":1,"col":17}}}}}}
{{"path":"app.py","line":2,"col":25,"end_line":2,"end_col":26,"code":"RG003","message":"{NO_NAME}","url":"{}","fix":null}}
{{"path":"app.py","line":3,"col":8,"end_line":3,"end_col":16,"code":"RG002","message":"{NO_MODULE}","url":"{}","fix":null}}
{{"path":"conflict.py","line":1,"col":1,"end_line":1,"end_col":13,"code":"RG004","message":"{START}","url":"{}","fix":null}}
{{"path":"conflict.py","line":5,"col":1,"end_line":5,"end_col":15,"code":"RG004","message":"{END}","url":"{}","fix":null}}
"#,
        url("rg001"),
        url("rg003"),
        url("rg002"),
        url("rg004"),
        url("rg004"),
    );
    assert_eq!(check(tmp.path(), "json-lines"), expected);

    // `json` is the same objects in one array; a clean tree gives `[]` and nothing.
    let array: serde_json::Value = serde_json::from_str(&check(tmp.path(), "json")).unwrap();
    let lines: Vec<serde_json::Value> = expected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(array, serde_json::Value::Array(lines));
    let clean = tempfile::tempdir().unwrap();
    write_tree(clean.path(), &[("a.py", "import json\n")]);
    let run = regraft(clean.path(), &["check", "--format", "json-lines"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    let run = regraft(clean.path(), &["check", "--format", "json"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn gitlab_gives_a_code_quality_report() {
    let tmp = tree_with_findings();
    let issue = |code: &str, message: &str, fingerprint: &str, path: &str, line: usize| {
        format!(
            r#"  {{
    "description": "{code} {message}",
    "check_name": "{code}",
    "fingerprint": "{fingerprint}",
    "severity": "major",
    "location": {{
      "path": "{path}",
      "lines": {{
        "begin": {line},
        "end": {line}
      }}
    }}
  }}"#
        )
    };
    // Each fingerprint is the FNV-1a hash of `path NUL code NUL line NUL message`, checked
    // against the library's hash below.
    let issues = [
        ("RG001", STALE, "b2558f0345d77b41", "app.py", 1),
        ("RG003", NO_NAME, "a6ec6bd217c50383", "app.py", 2),
        ("RG002", NO_MODULE, "efbfbc0ef42a6de8", "app.py", 3),
        ("RG004", START, "da9bb21647074f4d", "conflict.py", 1),
        ("RG004", END, "77d0b928ceea0452", "conflict.py", 5),
    ];
    for (code, message, fingerprint, path, line) in issues {
        let key = format!("{path}\0{code}\0{line}\0{message}");
        assert_eq!(
            format!("{:016x}", regraft::journal::fnv1a(key.as_bytes())),
            fingerprint
        );
    }
    let expected = format!(
        "[\n{}\n]\n",
        issues
            .iter()
            .map(|(c, m, f, p, l)| issue(c, m, f, p, *l))
            .collect::<Vec<_>>()
            .join(",\n")
    );
    assert_eq!(check(tmp.path(), "gitlab"), expected);
}

#[test]
fn junit_gives_one_failing_test_case_a_finding() {
    let tmp = tree_with_findings();
    let case = |path: &str, code: &str, line: usize, col: usize, message: &str, anchor: &str| {
        let escaped = message.replace('"', "&quot;");
        format!(
            "    <testcase classname=\"{path}\" name=\"{code} at {line}:{col}\" file=\"{path}\" line=\"{line}\">\n      \
             <failure type=\"{code}\" message=\"{escaped}\">{path}:{line}:{col}: {code} {message}\nhelp: {}</failure>\n    \
             </testcase>\n",
            url(anchor)
        )
    };
    let expected = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"regraft check\" tests=\"5\" failures=\"5\" errors=\"0\">\n  \
         <testsuite name=\"regraft check\" tests=\"5\" failures=\"5\" errors=\"0\" skipped=\"0\">\n\
         {}{}{}{}{}  </testsuite>\n</testsuites>\n",
        case("app.py", "RG001", 1, 6, STALE, "rg001"),
        case("app.py", "RG003", 2, 25, NO_NAME, "rg003"),
        case("app.py", "RG002", 3, 8, NO_MODULE, "rg002"),
        case("conflict.py", "RG004", 1, 1, START, "rg004"),
        case("conflict.py", "RG004", 5, 1, END, "rg004"),
    );
    assert_eq!(check(tmp.path(), "junit"), expected);

    // Markup in a message is escaped; a clean run is one passing test case.
    let odd = tempfile::tempdir().unwrap();
    write_tree(
        odd.path(),
        &[("pkg/__init__.py", ""), ("x<&>.py", "import pkg.gone\n")],
    );
    let run = regraft(odd.path(), &["check", "--format", "junit"]);
    assert!(
        run.stdout.contains(
            "<testcase classname=\"x&lt;&amp;&gt;.py\" name=\"RG002 at 1:8\" file=\"x&lt;&amp;&gt;.py\" line=\"1\">\n      \
             <failure type=\"RG002\" message=\"no module `pkg.gone` in the project\">x&lt;&amp;&gt;.py:1:8: RG002"
        ),
        "{}",
        run.stdout
    );
    let clean = tempfile::tempdir().unwrap();
    write_tree(clean.path(), &[("a.py", "import json\n")]);
    let run = regraft(clean.path(), &["check", "--format", "junit"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"regraft check\" tests=\"1\" failures=\"0\" errors=\"0\">\n  \
         <testsuite name=\"regraft check\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    \
         <testcase classname=\"regraft check\" name=\"no findings\"/>\n  \
         </testsuite>\n</testsuites>\n"
    );
}

/// The official SARIF 2.1.0 schema, kept in the repository (see `schemas/README.md`), with
/// every `format` (`uri`, `uri-reference`) checked.
fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(log: &serde_json::Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{log:#}");
}

#[test]
fn sarif_is_valid_against_the_official_schema_and_carries_rules_regions_and_fixes() {
    let tmp = tree_with_findings();
    let log: serde_json::Value = serde_json::from_str(&check(tmp.path(), "sarif")).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "regraft");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["RG001", "RG002", "RG003", "RG004", "RG005"]);
    assert_eq!(
        rules[1]["shortDescription"]["text"],
        "import of a missing module"
    );
    assert!(
        rules[1]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains(&format!("[RG002]({})", url("rg002")))
    );
    // SARIF wants absolute URIs there: present only when regraft has one.
    let absolute = regraft::check::DOCS_URL.contains("://");
    assert_eq!(rules[1].get("helpUri").is_some(), absolute);
    assert_eq!(driver.get("informationUri").is_some(), absolute);
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    let results = run["results"].as_array().unwrap();
    let summary: Vec<(String, String, u64, u64, u64, u64)> = results
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            let region = &location["region"];
            let n = |key: &str| region[key].as_u64().unwrap();
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                n("startLine"),
                n("startColumn"),
                n("endLine"),
                n("endColumn"),
            )
        })
        .collect();
    let s = |code: &str, uri: &str, a, b, c, d| (code.to_owned(), uri.to_owned(), a, b, c, d);
    assert_eq!(
        summary,
        [
            s("RG001", "app.py", 1, 6, 1, 17),
            s("RG003", "app.py", 2, 25, 2, 26),
            s("RG002", "app.py", 3, 8, 3, 16),
            s("RG004", "conflict.py", 1, 1, 1, 13),
            s("RG004", "conflict.py", 5, 1, 5, 15),
        ]
    );
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[0]["message"]["text"], STALE);
    assert_eq!(results[1]["ruleIndex"], 2);
    assert_eq!(
        results[0]["fixes"],
        serde_json::json!([{
            "description": {"text": "write `pkg.new.mod`"},
            "artifactChanges": [{
                "artifactLocation": {"uri": "app.py"},
                "replacements": [{
                    "deletedRegion": {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 17},
                    "insertedContent": {"text": "pkg.new.mod"}
                }]
            }]
        }])
    );
    assert!(results[1].get("fixes").is_none());

    // A clean run, and a path that is no plain URI, are valid too.
    let odd = tempfile::tempdir().unwrap();
    write_tree(odd.path(), &[("my dir/a#1.py", "import json\n")]);
    let run = regraft(odd.path(), &["check", "--format", "sarif"]);
    assert_eq!(run.code, 0);
    let clean: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_valid_sarif(&clean);
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));
    write_tree(
        odd.path(),
        &[
            ("my dir/b:c é.py", "import my.gone\n"),
            ("my/__init__.py", ""),
        ],
    );
    let run = regraft(odd.path(), &["check", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "my%20dir/b%3Ac%20%C3%A9.py"
    );
}

#[test]
fn the_schema_check_catches_a_bad_log() {
    // The validator is no rubber stamp: a relative `helpUri` (a `uri` must be absolute) and a
    // result without a message both fail.
    let bad = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "regraft", "rules": [{"id": "RG001", "helpUri": "README.md#rg001"}]}},
            "results": [{"ruleId": "RG001"}]
        }]
    });
    assert_eq!(sarif_validator().iter_errors(&bad).count(), 2);
}

/// With `--root src` inside a git work tree, machine formats name files from the top of the
/// repository (`src/app.py`, as GitHub and GitLab resolve them); text keeps `--root`-relative
/// paths.
#[test]
fn machine_formats_name_files_from_the_repository_top_whatever_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), &[("README.md", "top\n")]);
    write_findings(&tmp.path().join("src"));
    git_init_commit(tmp.path());
    let args = |format: &'static str| {
        [
            "check",
            "--root",
            "src",
            "--rules",
            "src/regraft.toml",
            "--format",
            format,
        ]
    };
    let github = regraft(tmp.path(), &args("github"));
    assert_eq!(github.code, 1, "{}", github.stderr);
    assert_eq!(
        github.stdout.lines().next().unwrap(),
        format!("::error file=src/app.py,line=1,col=6,title=regraft RG001::{STALE}")
    );
    assert!(
        github
            .stdout
            .lines()
            .all(|l| l.starts_with("::error file=src/")),
        "{}",
        github.stdout
    );

    let sarif = regraft(tmp.path(), &args("sarif"));
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "src/app.py",
            "src/app.py",
            "src/app.py",
            "src/conflict.py",
            "src/conflict.py"
        ]
    );
    assert_eq!(
        results[0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"],
        "src/app.py"
    );

    // The same from inside the root (the root found from the current directory).
    let from_inside = regraft(
        &tmp.path().join("src"),
        &[
            "check",
            "--root",
            ".",
            "--rules",
            "regraft.toml",
            "--format",
            "json-lines",
        ],
    );
    assert!(
        from_inside
            .stdout
            .starts_with(r#"{"path":"src/app.py","line":1,"col":6,"#),
        "{}",
        from_inside.stdout
    );

    // Text stays relative to --root.
    let text = regraft(
        tmp.path(),
        &["check", "--root", "src", "--rules", "src/regraft.toml"],
    );
    assert!(
        text.stdout.starts_with("app.py:1:6: RG001 "),
        "{}",
        text.stdout
    );
}
