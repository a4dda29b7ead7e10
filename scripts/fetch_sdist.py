#!/usr/bin/env python3
"""Fetch the sdist of NAME==VERSION from PyPI into DEST, building nothing; print its path.

    python3 scripts/fetch_sdist.py NAME VERSION DEST

`pip download --no-binary` cannot be used for this as it is: it prepares the sdist's metadata,
which builds the build dependencies from source and, for meson-python projects (numpy, pandas,
scikit-learn, matplotlib), compiles the whole project. This uses pip's own finder and HTTP
session instead (its index, certificates and proxy settings) and only downloads the file.
Callers check the file's sha256 against their pinned value (scripts/corpus.sh,
scripts/text_references_project.sh).
"""
import os
import shutil
import sys

from pip._internal.commands import create_command
from pip._vendor.packaging.specifiers import SpecifierSet


def main():
    name, version, dest = sys.argv[1:4]
    cmd = create_command("download")
    options, _ = cmd.parse_args(
        ["--no-deps", "--no-binary", ":all:", "-d", dest, f"{name}=={version}"]
    )
    session = cmd._build_session(options)
    finder = cmd._build_package_finder(options=options, session=session)
    best = finder.find_best_candidate(name, SpecifierSet(f"=={version}")).best_candidate
    if best is None:
        sys.exit(f"pip finds no sdist of {name}=={version}")
    link = best.link
    response = session.get(
        link.url_without_fragment, stream=True, headers={"Accept-Encoding": "identity"}
    )
    response.raise_for_status()
    target = os.path.join(dest, link.filename)
    with open(target + ".part", "wb") as out:
        shutil.copyfileobj(response.raw, out)
    os.replace(target + ".part", target)
    print(target)


if __name__ == "__main__":
    main()
