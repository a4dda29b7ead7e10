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
