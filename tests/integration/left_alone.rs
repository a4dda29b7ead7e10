//! Issue #10: what regraft leaves alone is left byte for byte, and said, with
//! `path:line:col`: files that do not parse, and links and binary files it cannot rewrite.

use crate::common::{read_tree, regraft, write_tree};

const PACKAGE: &[(&str, &str)] = &[
    ("shop/__init__.py", ""),
    ("shop/billing/__init__.py", ""),
    ("shop/billing/tax.py", "RATE = 0.2\n"),
];

/// Runs `apply shop/billing shop/finance/billing` on PACKAGE plus `extra`, and checks that
/// each of `broken` (path, line:col) is byte-identical afterwards and reported at that place.
fn broken_files_stay_as_they_were(extra: &[(&str, &str)], broken: &[(&str, &str)]) {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), PACKAGE);
    write_tree(tmp.path(), extra);
    let before = read_tree(tmp.path());
    let run = regraft(
        tmp.path(),
        &["apply", "shop/billing", "shop/finance/billing"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let after = read_tree(tmp.path());
    for (path, at) in broken {
        let now = path.replace("shop/billing/", "shop/finance/billing/");
        assert_eq!(after[&now], before[*path], "{path} was changed");
        assert!(
            run.stdout.contains(&format!(
                "  {now}:{at}: syntax error: the file is left as it was"
            )),
            "{path} at {at} not reported by its new path:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_def_header_missing_a_comma_leaves_the_whole_file_as_it_was() {
    broken_files_stay_as_they_were(
        &[(
            "shop/orders.py",
            "from shop.billing.tax import RATE\n\n\ndef total(net gross):\n    from shop.billing import tax\n    return net * (1 + tax.RATE)\n",
        )],
        &[("shop/orders.py", "4:11")],
    );
}

#[test]
fn an_unclosed_parenthesis_before_an_import_leaves_the_whole_file_as_it_was() {
    broken_files_stay_as_they_were(
        &[(
            "shop/report.py",
            "import shop.billing.tax\n\nTOTALS = dict(\n    net=1,\n\nfrom shop.billing.tax import RATE\n\n\ndef show():\n    return shop.billing.tax.RATE\n",
        )],
        &[("shop/report.py", "3:1")],
    );
}

#[test]
fn a_moved_file_that_does_not_parse_moves_byte_for_byte() {
    broken_files_stay_as_they_were(
        &[(
            "shop/billing/invoice.py",
            "from .tax import RATE\nfrom shop.billing.tax import RATE as R\n\nclass Invoice(\n    pass\n",
        )],
        &[("shop/billing/invoice.py", "4:1")],
    );
}

#[test]
fn links_and_files_regraft_cannot_rewrite_are_reported_and_left_as_they_were() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), PACKAGE);
    write_tree(
        tmp.path(),
        &[
            ("shared/rates/eu.csv", "country,rate\nFR,0.2\n"),
            ("shop/pipeline.py", "from shop.billing.tax import RATE\n"),
        ],
    );
    let dir = tmp.path();
    // A directory link inside SRC, a link outside SRC that points into it, and a binary
    // file and a notebook that spell the moved module.
    std::os::unix::fs::symlink("../../shared/rates", dir.join("shop/billing/rates")).unwrap();
    std::os::unix::fs::symlink("billing/tax.py", dir.join("shop/tax_link.py")).unwrap();
    let pickle: &[u8] = b"\x80\x04\x95\x00cshop.billing.tax\nRATE\n\x00q\x00.";
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::write(dir.join("models/model.pkl"), pickle).unwrap();
    write_tree(
        dir,
        &[(
            "notebooks/explore.ipynb",
            "{\"cells\": [{\"source\": [\"import shop.billing.tax\"]}]}\n",
        )],
    );
    let notebook = std::fs::read(dir.join("notebooks/explore.ipynb")).unwrap();
    let run = regraft(dir, &["apply", "shop/billing", "shop/finance/billing"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for expected in [
        "  shop/finance/billing/rates:1:1: symbolic link to a directory: moved as a link, nothing under it rewritten\n",
        "  shop/tax_link.py:1:1: symbolic link into shop/billing (to shop/billing/tax.py): left as it was, it will point to nothing after the move; point it at shop/finance/billing/tax.py\n",
        "  models/model.pkl:1:6: binary file spells `shop.billing`: left as it was (the column counts bytes)\n",
        "  notebooks/explore.ipynb:1:32: spells `shop.billing`, but regraft does not rewrite this kind of file",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
    assert_eq!(std::fs::read(dir.join("models/model.pkl")).unwrap(), pickle);
    assert_eq!(
        std::fs::read(dir.join("notebooks/explore.ipynb")).unwrap(),
        notebook
    );
    assert_eq!(
        std::fs::read_link(dir.join("shop/finance/billing/rates")).unwrap(),
        std::path::Path::new("../../shared/rates")
    );
    assert_eq!(
        std::fs::read_link(dir.join("shop/tax_link.py")).unwrap(),
        std::path::Path::new("billing/tax.py")
    );
}
