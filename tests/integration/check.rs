//! Issue #7: `regraft check`, the guard for pre-commit and CI.

use crate::common::{regraft, write_tree};

const RULES: &str = "[[move]]\nfrom = \"backtester_v2/market_regime\"\nto = \"backtester_v2/strategies/market_regime\"\n";

/// A tree after the migration, with the rules file kept as the list of retired paths.
fn migrated() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("regraft.toml", RULES),
            ("backtester_v2/__init__.py", ""),
            (
                "backtester_v2/utils.py",
                "def load_prices():\n    return []\n",
            ),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/strategies/market_regime/__init__.py",
                "from .detector import RegimeDetector\n",
            ),
            (
                "backtester_v2/strategies/market_regime/detector.py",
                "from backtester_v2.utils import load_prices\n\n\nclass RegimeDetector:\n    pass\n",
            ),
            (
                "backtester_v2/strategies/market_regime/lazy.py",
                "def __getattr__(name):\n    return name\n",
            ),
            (
                "backtester_v2/engine.py",
                "import json\nimport numpy as np\n\
                 from backtester_v2.strategies.market_regime import RegimeDetector\n\
                 from backtester_v2.strategies.market_regime.lazy import anything\n\
                 try:\n    from backtester_v2 import speedups\nexcept ImportError:\n    speedups = None\n",
            ),
        ],
    );
    tmp
}

#[test]
fn a_clean_tree_passes_silently() {
    let tmp = migrated();
    let run = regraft(tmp.path(), &["check", "--rules", "regraft.toml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn stale_missing_and_conflicted_references_are_reported() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[
            (
                "backtester_v2/late_branch.py",
                "from backtester_v2.market_regime.detector import RegimeDetector\n\
                 from backtester_v2.strategies.market_regime import Detector\n\
                 import backtester_v2.reporting\n\
                 from . import nothing_here\n\
                 PATCH = \"backtester_v2.market_regime.detector.RegimeDetector\"\n",
            ),
            (
                "docs/api.rst",
                ".. automodule:: backtester_v2.market_regime.detector\n",
            ),
            (
                "backtester_v2/strategies/market_regime/config.py",
                "<<<<<<< DST x\nA = 1\n=======\nA = 2\n>>>>>>> SRC y\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "regraft.toml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "backtester_v2/late_branch.py:1:6: RG001 `backtester_v2.market_regime.detector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector`\n\
         backtester_v2/late_branch.py:2:52: RG003 `backtester_v2.strategies.market_regime` has no `Detector`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         backtester_v2/late_branch.py:3:8: RG002 no module `backtester_v2.reporting` in the project\n\
         backtester_v2/late_branch.py:4:15: RG003 `backtester_v2` has no `nothing_here`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         backtester_v2/late_branch.py:5:10: RG001 `backtester_v2.market_regime.detector.RegimeDetector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector.RegimeDetector`\n\
         backtester_v2/strategies/market_regime/config.py:1:1: RG004 conflict marker (start of a conflict) left by a merge: resolve the conflict\n\
         backtester_v2/strategies/market_regime/config.py:5:1: RG004 conflict marker (end of a conflict) left by a merge: resolve the conflict\n\
         docs/api.rst:1:17: RG001 `backtester_v2.market_regime.detector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector`\n\
         regraft check: 8 problems\n"
    );
}

#[test]
fn paths_limit_the_report_and_formats_serve_tools() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[
            ("backtester_v2/a.py", "import backtester_v2.gone\n"),
            ("backtester_v2/b.py", "import backtester_v2.also_gone\n"),
        ],
    );
    // (A deleted file among the PATHS: see conventions.rs.)
    let run = regraft(tmp.path(), &["check", "backtester_v2/b.py"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "backtester_v2/b.py:1:8: RG002 no module `backtester_v2.also_gone` in the project\nregraft check: 1 problem\n"
    );
    let run = regraft(
        tmp.path(),
        &["check", "--format", "github", "backtester_v2/a.py"],
    );
    assert_eq!(
        run.stdout,
        "::error file=backtester_v2/a.py,line=1,col=8,title=regraft RG002::no module `backtester_v2.gone` in the project\n"
    );
    let run = regraft(
        tmp.path(),
        &["check", "--format", "json", "backtester_v2/a.py"],
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"path": "backtester_v2/a.py", "line": 1, "col": 8, "code": "RG002",
                            "message": "no module `backtester_v2.gone` in the project",
                            "end_line": 1, "end_col": 26,
                            "url": format!("{}#rg002", regraft::check::DOCS_URL), "fix": null}])
    );
    let outside = regraft(tmp.path(), &["check", "/etc/hostname"]);
    assert_eq!(outside.code, 2);
    assert!(
        outside.stderr.contains("is outside the root"),
        "{}",
        outside.stderr
    );
}

#[test]
fn internal_code_that_still_uses_a_shim_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("regraft.toml", RULES),
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            ("backtester_v2/market_regime/__init__.py", ""),
            ("backtester_v2/market_regime/detector.py", "X = 1\n"),
        ],
    );
    let apply = regraft(tmp.path(), &["apply", "--shim", "--rules", "regraft.toml"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(
        apply
            .stdout
            .contains("left a compatibility shim at backtester_v2/market_regime/__init__.py")
    );
    // The rules file names the old path on purpose: it is never rewritten.
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("regraft.toml")).unwrap(),
        RULES
    );
    write_tree(
        tmp.path(),
        &[(
            "app.py",
            "from backtester_v2.market_regime.detector import X\n",
        )],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "regraft.toml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("app.py:1:6: RG001 `backtester_v2.market_regime.detector` refers to a module that moved: write `backtester_v2.strategies.market_regime.detector`\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn against_a_revision_every_public_name_of_a_moved_module_must_survive() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("regraft.toml", RULES),
            ("backtester_v2/__init__.py", ""),
            ("backtester_v2/strategies/__init__.py", ""),
            (
                "backtester_v2/market_regime/__init__.py",
                "from .detector import detect\n",
            ),
            (
                "backtester_v2/market_regime/detector.py",
                "THRESHOLD = 0.2\n_cache = {}\n\n\ndef detect(x):\n    return x > THRESHOLD\n\n\nclass RegimeDetector:\n    pass\n",
            ),
        ],
    );
    crate::common::git_init_commit(tmp.path());
    let apply = regraft(tmp.path(), &["apply", "--rules", "regraft.toml"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let args = ["check", "--rules", "regraft.toml", "--against", "HEAD"];
    let clean = regraft(tmp.path(), &args);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);

    // A later edit drops a public name (the private one may go).
    write_tree(
        tmp.path(),
        &[(
            "backtester_v2/strategies/market_regime/detector.py",
            "THRESHOLD = 0.2\n\n\ndef detect(x):\n    return x > THRESHOLD\n",
        )],
    );
    let run = regraft(tmp.path(), &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "backtester_v2/strategies/market_regime/detector.py:1:1: RG005 `backtester_v2.market_regime.detector` had the public name `RegimeDetector` at HEAD; `backtester_v2.strategies.market_regime.detector` no longer provides it\nregraft check: 1 problem\n"
    );
    let bad = regraft(tmp.path(), &["check", "--against", "no-such-rev"]);
    assert_eq!(bad.code, 2);
}

/// False positive found on python-dateutil (`from ._parser import __doc__`): every module has
/// `__doc__`, `__name__`, `__file__`, … whatever its file says.
#[test]
fn module_attributes_every_module_has_are_not_reported() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[(
            "backtester_v2/docs.py",
            "from backtester_v2.utils import __doc__, __name__ as utils_name, __file__\n",
        )],
    );
    let run = regraft(tmp.path(), &["check", "backtester_v2/docs.py"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// Cython and compiled extension modules are modules too, with names nobody can read.
#[test]
fn extension_modules_are_modules_that_may_define_anything() {
    let tmp = migrated();
    write_tree(
        tmp.path(),
        &[
            (
                "backtester_v2/_speedups.pyx",
                "cdef class Fast:\n    pass\n",
            ),
            (
                "backtester_v2/_native.cpython-311-x86_64-linux-gnu.so",
                "\u{7f}ELF",
            ),
            (
                "backtester_v2/fast.py",
                "from backtester_v2._speedups import Fast\nimport backtester_v2._native\nfrom ._native import kernel\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check", "backtester_v2/fast.py"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// `pkg/static.py`, an ordinary module with one name, for the true findings beside each form
/// of doubt: `import pkg.gone` (RG002) and `from pkg.static import missing` (RG003).
const STATIC: [(&str, &str); 2] = [("pkg/__init__.py", ""), ("pkg/static.py", "X = 1\n")];
const TRUE_FINDINGS: &str = "import pkg.gone\nfrom pkg.static import X, missing\n";

/// Runs `check` on the whole tree; returns the report (and asserts exit 1, for the true
/// findings).
fn check_report(dir: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let run = regraft(dir, &all);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run.stdout
}

/// The report of the two true findings of [`TRUE_FINDINGS`] in file `path` (at `line`).
fn true_findings(path: &str, line: usize) -> String {
    format!(
        "{path}:{line}:8: RG002 no module `pkg.gone` in the project\n\
         {path}:{}:27: RG003 `pkg.static` has no `missing`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         regraft check: 2 problems\n",
        line + 1
    )
}

/// Form 1: setuptools-scm and hatch-vcs write `_version.py` at build time, and `.gitignore`
/// hides it; it exists all the same.
#[test]
fn a_gitignored_generated_module_still_exists() {
    let tmp = tempfile::tempdir().unwrap();
    crate::common::git(tmp.path(), &["init", "-q"]);
    write_tree(
        tmp.path(),
        &[
            (".gitignore", "/gen/_version.py\n/gen/_build/\n"),
            ("gen/__init__.py", "from ._version import version\n"),
            ("gen/_version.py", "version = '1.0'\n"),
            ("gen/_build/info.py", "DATE = 1\n"),
            (
                "app.py",
                "from gen._version import version\nfrom gen import _version\nimport gen._build.info\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// Form 2: transformers' `sys.modules[__name__] = _LazyModule(…)`: the package object is
/// replaced, and its names are made on demand.
#[test]
fn a_module_replaced_in_sys_modules_is_open() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "lazy_pkg/__init__.py",
                "import sys\nfrom ._lazy import LazyModule\n\n_import_structure = {\"models\": [\"AutoModel\"]}\n\
                 sys.modules[__name__] = LazyModule(__name__, globals()[\"__file__\"], _import_structure)\n",
            ),
            (
                "lazy_pkg/_lazy.py",
                "import types\n\n\nclass LazyModule(types.ModuleType):\n    pass\n",
            ),
            (
                "other/__init__.py",
                "import sys\nsys.modules[__name__].__class__ = _Deprecated\n",
            ),
            (
                "app.py",
                "from lazy_pkg import AutoModel\nfrom other import anything\n",
            ),
            ("true.py", TRUE_FINDINGS),
            (
                "pkg/lazy_static.py",
                "from lazy_pkg._lazy import NotThere\n",
            ),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    // `_lazy` itself is an ordinary module: a name it lacks is still reported.
    let report = check_report(tmp.path(), &[]);
    assert_eq!(
        report,
        "pkg/lazy_static.py:1:28: RG003 `lazy_pkg._lazy` has no `NotThere`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         true.py:1:8: RG002 no module `pkg.gone` in the project\n\
         true.py:2:27: RG003 `pkg.static` has no `missing`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         regraft check: 3 problems\n"
    );
}

/// Form 2: `sys.modules["pkg.x"] = y` makes a module without a file.
#[test]
fn a_module_aliased_into_sys_modules_exists_without_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "compat/__init__.py",
                "import sys\nfrom . import _impl\nsys.modules['compat.moved'] = _impl\n",
            ),
            ("compat/_impl.py", "thing = 1\n"),
            ("aliases/__init__.py", "from . import setup_aliases\n"),
            (
                "aliases/setup_aliases.py",
                "import sys\nfrom . import _real\nsys.modules.setdefault('aliases.alias', _real)\n",
            ),
            ("aliases/_real.py", ""),
            (
                "app.py",
                "import compat.moved\nfrom compat.moved import thing\nfrom compat import moved\nimport aliases.alias\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// Form 2: `six.moves`: a `sys.meta_path` finder makes the modules under `six`.
#[test]
fn a_meta_path_importer_opens_its_package() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "six.py",
                "import sys\n\n\nclass _SixMetaPathImporter:\n    pass\n\n\n\
                 _importer = _SixMetaPathImporter(__name__)\nsys.meta_path.append(_importer)\n",
            ),
            (
                "app.py",
                "from six.moves import urllib\nimport six.moves.configparser\nfrom six.moves.urllib.parse import urlparse\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// Form 2: the assignment forms of a module `__getattr__` (`lazy_loader.attach`, a factory).
#[test]
fn an_assigned_module_getattr_makes_the_module_open() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "skimg/__init__.py",
                "import lazy_loader as lazy\n\n__getattr__, __dir__, __all__ = lazy.attach(__name__, submodules=['filters'])\n",
            ),
            (
                "skimg/deprecated.py",
                "from ._shim import make_getattr\n\n__getattr__ = make_getattr(__name__)\n",
            ),
            ("skimg/_shim.py", "def make_getattr(name):\n    pass\n"),
            ("skimg/reexport.py", "from ._lazy import __getattr__\n"),
            ("skimg/_lazy.py", "def __getattr__(name):\n    pass\n"),
            (
                "app.py",
                "from skimg import gaussian\nfrom skimg.deprecated import old_name\nfrom skimg.reexport import late\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// Form 2: names written through `globals()` or `vars()`.
#[test]
fn a_module_that_writes_its_globals_is_open() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "consts/__init__.py",
                "NAMES = ['RED', 'GREEN']\nfor _name in NAMES:\n    globals()[_name] = _name\n",
            ),
            ("consts/more.py", "globals().update(dict(BLUE=1))\n"),
            ("consts/other.py", "vars()['CYAN'] = 2\n"),
            (
                "app.py",
                "from consts import RED, GREEN\nfrom consts.more import BLUE\nfrom consts.other import CYAN\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// Form 3: a `.pyi` beside its `.py` adds names (the stub omits private ones; the module
/// omits what only the stub declares); a declaration without a value counts in both.
#[test]
fn a_stub_beside_its_module_adds_names_not_hides_them() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "pkg/loader.py",
                "defaultTestLoader: TestLoader\n\n\ndef _private():\n    pass\n\n\ndef api():\n    pass\n",
            ),
            (
                "pkg/loader.pyi",
                "def api() -> None: ...\ntyped_only: int\n",
            ),
            (
                "app.py",
                "from pkg.loader import defaultTestLoader, _private, api, typed_only\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// Form 4: Sphinx's test roots are packages of a `sys.path` entry the test adds
/// (`tests/roots/test-ext-autodoc`, no identifier): their relative imports climb nowhere.
#[test]
fn a_relative_import_under_a_non_identifier_directory_is_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "tests/roots/test-ext-autodoc/target/__init__.py",
                "from .enums import EnumCls\nfrom .. import conf\n",
            ),
            (
                "tests/roots/test-ext-autodoc/target/enums.py",
                "class EnumCls:\n    pass\n",
            ),
            ("pkg/climbs.py", "from ... import nothing\n"),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // A relative import that climbs out of an ordinary package is still reported.
    assert_eq!(
        run.stdout,
        "pkg/climbs.py:1:6: RG002 relative import `...` climbs above the top-level package\nregraft check: 1 problem\n"
    );
}

/// Form 5: extension modules compiled from C/C++ sources, or declared in `setup.py`.
#[test]
fn a_module_compiled_from_c_sources_is_open() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "markup/__init__.py",
                "from ._speedups import escape\nfrom . import _cmodule\nimport markup.native._deep\n",
            ),
            ("markup/_speedups.c", "#include <Python.h>\n"),
            ("markup/src/_cmodule.cpp", "// C++\n"),
            (
                "setup.py",
                "from setuptools import Extension, setup\n\
                 setup(ext_modules=[Extension(\"plain._ext\", sources=[\"csrc/ext.c\"])])\n",
            ),
            ("csrc/ext.c", "#include <Python.h>\n"),
            (
                "plain/__init__.py",
                "from ._ext import fast\nimport plain.gone\n",
            ),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // `plain` ships no C sources: only the module setup.py declares is open.
    assert_eq!(
        run.stdout,
        "plain/__init__.py:2:8: RG002 no module `plain.gone` in the project\nregraft check: 1 problem\n"
    );
}

/// Imports that never run (`if TYPE_CHECKING:`) or run only on some Python or platform.
#[test]
fn imports_under_type_checking_and_version_tests_are_optional() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "app.py",
                "import sys\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg._typeshed import StrPath\n\
                 if sys.version_info >= (3, 11):\n    from pkg._compat311 import x\nelif sys.version_info >= (3, 9):\n    pass\n\
                 else:\n    from pkg._legacy import x\nif sys.platform == 'win32':\n    import pkg._winreg\n",
            ),
            ("true.py", TRUE_FINDINGS),
        ],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(check_report(tmp.path(), &[]), true_findings("true.py", 1));
}

/// `google/cloud/mylib/` in the tree does not make `google.protobuf` the project's: other
/// `sys.path` entries add to namespace packages.
#[test]
fn modules_under_namespace_packages_only_are_open() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("google/cloud/mylib/__init__.py", "X = 1\n"),
            (
                "app.py",
                "from google.protobuf import message\nimport google.cloud.storage\nimport google.cloud.mylib.gone\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Under a regular package, a missing module is still reported.
    assert_eq!(
        run.stdout,
        "app.py:3:8: RG002 no module `google.cloud.mylib.gone` in the project\nregraft check: 1 problem\n"
    );
}

#[test]
fn noqa_comments_silence_findings_on_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[(
            "app.py",
            "import pkg.gone  # noqa: RG002\nimport pkg.gone2  # NOQA\nimport pkg.gone3  # noqa:RG003,RG002\n\
                 import pkg.gone4  # noqa: RG003\nimport pkg.gone5  # noqa: E501\n\
                 from pkg.static import (\n    a,  # noqa: RG003\n    b,\n)\n",
        )],
    );
    write_tree(tmp.path(), &STATIC);
    assert_eq!(
        check_report(tmp.path(), &[]),
        "app.py:4:8: RG002 no module `pkg.gone4` in the project\n\
         app.py:5:8: RG002 no module `pkg.gone5` in the project\n\
         app.py:8:5: RG003 `pkg.static` has no `b`: it neither defines, imports nor re-exports it, and it is no submodule\n\
         regraft check: 3 problems\n"
    );
}

#[test]
fn select_and_ignore_choose_the_codes_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), &[("true.py", TRUE_FINDINGS)]);
    write_tree(tmp.path(), &STATIC);
    let [missing_module, missing_name, _] = {
        let all = true_findings("true.py", 1);
        let lines: Vec<String> = all.lines().map(|l| format!("{l}\n")).collect();
        [lines[0].clone(), lines[1].clone(), lines[2].clone()]
    };
    let one = "regraft check: 1 problem\n";
    assert_eq!(
        check_report(tmp.path(), &["--ignore", "RG003"]),
        format!("{missing_module}{one}")
    );
    assert_eq!(
        check_report(tmp.path(), &["--select", "rg003,RG004"]),
        format!("{missing_name}{one}")
    );
    for clean in [
        &["--ignore", "RG002,RG003"][..],
        &["--select", "RG002", "--ignore", "RG002"],
        &["--select", "RG001", "--select", "RG004"],
    ] {
        let mut args = vec!["check"];
        args.extend_from_slice(clean);
        let run = regraft(tmp.path(), &args);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{clean:?}");
    }
    let bad = regraft(tmp.path(), &["check", "--ignore", "RG003,RG009"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("unknown check code `RG009`\nhelp: the codes are RG001 (")
            && bad.stderr.contains("RG005 ("),
        "{}",
        bad.stderr
    );
}

/// Found by the corpus run (scripts/corpus.sh) on twisted: `twisted.plugins` extends its
/// `__path__` with plugin directories outside the tree, so `twisted.plugins.fakeendpoint`
/// may exist anywhere.
#[test]
fn a_package_that_grows_its_path_is_open() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "app/plugins/__init__.py",
                "\"\"\"Plugins: see the __path__ variable.\"\"\"\nfrom app.plugin import plugin_dirs\n\n__path__.extend(plugin_dirs(__name__))\n",
            ),
            ("app/plugin.py", "def plugin_dirs(name):\n    return []\n"),
            ("app/__init__.py", ""),
            (
                "app/kept/__init__.py",
                "\"\"\"Mentions pkg.__path__ only.\"\"\"\n",
            ),
            (
                "app/main.py",
                "from app.plugins import fakeendpoint\nimport app.kept.gone\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(
        run.stdout,
        "app/main.py:2:8: RG002 no module `app.kept.gone` in the project\nregraft check: 1 problem\n",
        "{}",
        run.stderr
    );
}

/// Found by the corpus run on pandas: `pandas/_version_meson.py` is written by a step of the
/// root `meson.build` and is not in the sdist; a `.py.in` template becomes a module too.
#[test]
fn a_module_a_build_step_generates_exists() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            (
                "meson.build",
                "project('frames', 'c')\ncustom_target('write_version', output: '_version_meson.py', command: [py, 'gen.py'])\n",
            ),
            (
                "frames/__init__.py",
                "from frames._version_meson import __version__\nfrom frames._build_info import when\nfrom frames._nothing import x\n",
            ),
            ("frames/_build_info.py.in", "when = '@DATE@'\n"),
        ],
    );
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(
        run.stdout,
        "frames/__init__.py:3:6: RG002 no module `frames._nothing` in the project\nregraft check: 1 problem\n",
        "{}",
        run.stderr
    );
}

/// Issue #11: after a hand-made move of `pkg/plugins/render`, a chain through a name bound to
/// an ancestor package (`plugins.render.Engine()`) fails at run time; without any rules,
/// check finds it. Chains the package can answer (a submodule, a name it defines) and a
/// parameter of the same name are quiet.
#[test]
fn a_chain_through_a_package_binding_to_a_missing_module_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("pkg/__init__.py", ""),
            (
                "pkg/plugins/__init__.py",
                "from .cache import Store\nDEFAULT = 'cache'\n",
            ),
            ("pkg/plugins/cache.py", "class Store:\n    pass\n"),
            ("pkg/engines/__init__.py", ""),
            (
                "pkg/engines/render/__init__.py",
                "class Engine:\n    pass\n",
            ),
            (
                "pkg/app.py",
                "from pkg import plugins\nfrom pkg import plugins as p\n\n\
                 ENGINE = plugins.render.Engine()\nSTORE = plugins.cache.Store(), p.Store, p.DEFAULT\n\n\n\
                 def build(plugins):\n    return plugins.render\n\n\n\
                 def lang():\n    return p.render.lang  # noqa: RG002\n",
            ),
        ],
    );
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "pkg/app.py:4:10: RG002 `plugins.render`: no module `pkg.plugins.render` in the project, and `pkg.plugins` defines no `render`\nregraft check: 1 problem\n"
    );
}

/// Issue #11: a subpackage moved by hand (`mv pkg/plugins/render pkg/engines/`), nothing
/// rewritten. Without rules, check names every reference the move broke: the package's own
/// `from . import render` (which made `render` look defined to everyone), the importers of
/// it, and the chains through `plugins` and an alias of it.
#[test]
fn a_subpackage_moved_by_hand_is_found_without_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/chains_through_ancestors/input");
    crate::common::copy_dir(&fixture, tmp.path());
    std::fs::rename(
        tmp.path().join("pkg/plugins/render"),
        tmp.path().join("pkg/engines/render"),
    )
    .unwrap();
    let run = regraft(tmp.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let missing = "no module `pkg.plugins.render` in the project";
    assert_eq!(
        run.stdout,
        format!(
            "pkg/app.py:4:8: RG002 no module `pkg.plugins.render.lang.en` in the project\n\
             pkg/app.py:8:14: RG002 `plugins.render`: {missing}, and `pkg.plugins` defines no `render`\n\
             pkg/plugins/__init__.py:2:15: RG002 {missing}: `pkg.plugins` binds `render` only by importing that submodule (`from . import`)\n\
             tests/test_render.py:2:25: RG002 {missing}: `pkg.plugins` binds `render` only by importing that submodule (`from . import`)\n\
             tests/test_render.py:6:23: RG002 `p.render`: {missing}, and `pkg.plugins` defines no `render`\n\
             regraft check: 5 problems\n"
        )
    );
}

/// Issue #11: with the move in a rules file, RG001 covers module names in docstrings (a
/// Sphinx role, a doctest), comments, strings (a multi-line expected output, an f-string's
/// literal prefix, `+` and `%` templates) and code kept in strings (also an indented block),
/// as the rewrite does.
#[test]
fn stale_module_names_in_text_are_found_with_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/module_names_in_text/input");
    crate::common::copy_dir(&fixture, tmp.path());
    std::fs::rename(
        tmp.path().join("pkg/plugins/render"),
        tmp.path().join("pkg/engines/render"),
    )
    .unwrap();
    write_tree(
        tmp.path(),
        &[(
            "rules.toml",
            "[[move]]\nfrom = \"pkg/plugins/render\"\nto = \"pkg/engines/render\"\n",
        )],
    );
    let run = regraft(tmp.path(), &["check", "--rules", "rules.toml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let places: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(" RG001 "))
        .map(|l| l.split(": RG001").next().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "pkg/languages.py:3:11",
            "pkg/languages.py:3:47",
            "pkg/languages.py:5:14",
            "pkg/languages.py:15:21",
            "pkg/languages.py:16:39",
            "pkg/languages.py:17:11",
            "pkg/languages.py:23:38",
            "pkg/languages.py:27:37",
            "pkg/languages.py:31:37",
            // `f"pkg.plugins.{kind}"` may build the moved name at run time: what the plan
            // hands to a human, check does not call clean.
            "pkg/languages.py:36:38",
            "pkg/languages.py:40:44",
            "pkg/languages.py:41:18",
            // Inside the block given to `textwrap.dedent`.
            "pkg/languages.py:46:9",
        ]
    );
}

/// `regraft check DIR` checked nothing and exited 0 (found while sharding `check` by
/// directory for #14): a directory stands for every file under it, and a Rust crate's files
/// are judged as its Python files are.
#[test]
fn a_directory_path_checks_every_file_under_it() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[
            ("app/__init__.py", ""),
            ("app/views.py", "from app.gone import render\n"),
            ("lib/__init__.py", ""),
            ("lib/ok.py", "import app\n"),
        ],
    );
    let run = regraft(tmp.path(), &["check", "app"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("app/views.py:1:6: RG002"),
        "{}",
        run.stdout
    );
    let other = regraft(tmp.path(), &["check", "lib/"]);
    assert_eq!(other.code, 0, "{}{}", other.stdout, other.stderr);
}
