#!/usr/bin/env bash
# Proof on real crates from crates.io (issue #12): move a module directory with
# `regraft apply` and check that `cargo test` passes the same tests, per test binary, before
# and after, and that `cargo doc` reports no new broken intra-doc links.
#
#   scripts/rust_real_crates.sh                # every project
#   scripts/rust_real_crates.sh memchr         # only the named ones (memchr, regex-syntax,
#                                              # regex-workspace)
#
# Environment:
#   REGRAFT      regraft binary (default: <repo>/target/release/regraft)
#   CORPUS_DIR   where the projects are unpacked (default: /tmp/regraft-rust-corpus); each
#                project's tree is made anew on every run, its target dir is kept
#   CACHE_DIR    downloaded .crate files (default: ~/.cache/regraft-rust-corpus)
#   DOC          1 (default): also run `cargo doc` before and after; 0: skip
#   TEST_ARGS    extra arguments for `cargo test`, e.g. `--release` (regex-automata's DFA
#                suites take many minutes in a debug build)
#
# The projects (versions and sha256 of the .crate files pinned below):
#   memchr 2.8.3         src/memmem/ (mod.rs style, `pub mod memmem`) -> src/arch/memmem/
#                        (existing parent `arch`, mod.rs style). The public path changes
#                        (`memchr::memmem::Finder` -> `memchr::arch::memmem::Finder`), so the
#                        crate's doctests and `crate::memmem::` paths in src/tests/ follow.
#   regex-syntax 0.8.12  src/unicode_tables/ (private, mod.rs style, cfg-gated submodules) ->
#                        src/unicode/tables/ (under the leaf module src/unicode.rs): the leaf
#                        name changes, and ast/mod.rs outside `unicode` still names it, so the
#                        declaration must be widened to pub(crate).
#   regex-workspace      a workspace generated here from regex-syntax 0.8.12, regex-automata
#                        0.4.19 and regex 1.13.2 (members at regex-syntax/, regex-automata/,
#                        regex/; `[patch.crates-io]` points every dependent, dev-dependencies
#                        included, at the members; regex's testdata/ is copied to the root
#                        where regex-automata's tests look for it; the test modules whose
#                        data files are not published, `fuzz` and `gen`, are switched off
#                        with `#[cfg(any())]`). Move:
#                        regex-syntax/src/hir/ -> regex-syntax/src/ast/hir/, so that every
#                        `regex_syntax::hir::...` path of regex-automata and regex must follow.
#
# Per project: unpack into CORPUS_DIR/NAME, `git init` + commit, `cargo fetch` (the only
# online step), `cargo test --offline --no-fail-fast` with counts per test binary, `cargo doc
# --no-deps --offline` with `-D rustdoc::broken_intra_doc_links`, then `regraft apply SRC DST`
# from the project directory, and the same two cargo runs again. A table compares the counts.
#
# Exit status: 0 when every project ran (whatever the results), 2 when set-up failed.
# When `apply` refuses a move (exit 2, a form regraft does not move), the table says so and
# shows the counts from before the move only.
#
# Results of 2026-11-27 (every test binary the same before and after, cargo doc clean):
# memchr lib 142/0/0, doctests 24/0/1; regex-syntax lib 149/0/0, doctests 48/0/0; the
# workspace's 8 binaries as listed in the #12 closing note.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN=${REGRAFT:-$REPO/target/release/regraft}
CORPUS_DIR=${CORPUS_DIR:-/tmp/regraft-rust-corpus}
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/regraft-rust-corpus}
DOC=${DOC:-1}
read -r -a TEST_ARGS <<<"${TEST_ARGS:-}"

# name version sha256
CRATES=(
    "memchr 2.8.3 cf8baf1c55e62ffcace7a9f06f4bd9cd3f0c4beb022d3b367256b91b87513d98"
    "regex-syntax 0.8.12 d902046e6a28a1e4c3cab97258a0ce11e994903f01c2d97a9447a0b3df85f4f6"
    "regex-automata 0.4.19 41d60ef07df457506a0a1a2073112eb4aae5733dbd2813c3da77d1b0fd441158"
    "regex 1.13.2 9807af0e638c12e753aa1b4e601791bf2a8f71274023c8bbeec12fc149950857"
)
# project  SRC  DST (relative to the project directory)
PROJECTS=(
    "memchr src/memmem src/arch/memmem"
    "regex-syntax src/unicode_tables src/unicode/tables"
    "regex-workspace regex-syntax/src/hir regex-syntax/src/ast/hir"
)

say() { printf '\n=== %s\n' "$*"; }
die() { echo "rust_real_crates.sh: $*" >&2; exit 2; }
GIT=(git -c user.name=regraft-corpus -c user.email=corpus@regraft.invalid -c init.defaultBranch=main
     -c commit.gpgsign=false)

command -v cargo >/dev/null || die "cargo is not on PATH"
mkdir -p "$CACHE_DIR" "$CORPUS_DIR" || die "cannot create $CACHE_DIR or $CORPUS_DIR"

# crate_file NAME VERSION SHA256: downloads (once) and checks the .crate; prints its path.
crate_file() {
    local name=$1 version=$2 sha=$3 file=$CACHE_DIR/$1-$2.crate
    if [[ ! -f $file ]]; then
        curl -sSfL -o "$file.part" "https://static.crates.io/crates/$name/$name-$version.crate" \
            || die "download of $name $version failed"
        mv "$file.part" "$file"
    fi
    echo "$sha  $file" | sha256sum -c --quiet - >&2 || die "checksum mismatch for $file"
    echo "$file"
}

# unpack NAME DIR: the pinned .crate of NAME, unpacked into DIR (made anew).
unpack() {
    local line name version sha
    for line in "${CRATES[@]}"; do
        read -r name version sha <<<"$line"
        if [[ $name == "$1" ]]; then
            local file
            file=$(crate_file "$name" "$version" "$sha") || exit 2
            rm -rf "$2" && mkdir -p "$2" || die "cannot create $2"
            tar xzf "$file" -C "$2" --strip-components=1 || die "cannot unpack $file"
            # Published metadata that is not source.
            rm -f "$2/.cargo_vcs_info.json"
            return
        fi
    done
    die "no pinned crate named $1"
}

# make_tree PROJECT DIR: the project's tree in DIR, committed to a fresh git repository.
make_tree() {
    local project=$1 dir=$2
    case $project in
        memchr | regex-syntax)
            unpack "$project" "$dir"
            # A published crate is its own workspace root.
            grep -q '^\[workspace\]' "$dir/Cargo.toml" || printf '\n[workspace]\n' >>"$dir/Cargo.toml"
            ;;
        regex-workspace)
            rm -rf "$dir" && mkdir -p "$dir" || die "cannot create $dir"
            local m
            for m in regex-syntax regex-automata regex; do
                unpack "$m" "$dir/$m"
                rm -f "$dir/$m/Cargo.lock"
            done
            cp -a "$dir/regex/testdata" "$dir/testdata"
            # The published crates leave out the binary data of some test modules
            # (tests/fuzz/testdata, tests/gen/*.dfa): those modules are switched off with
            # `#[cfg(any())]`, every other test stays.
            sed -i 's/^mod fuzz;$/#[cfg(any())] \/\/ regraft corpus: data not published\nmod fuzz;/' \
                "$dir/regex/tests/lib.rs" "$dir/regex-automata/tests/lib.rs"
            sed -i 's/^mod gen;$/#[cfg(any())] \/\/ regraft corpus: data not published\nmod gen;/' \
                "$dir/regex-automata/tests/lib.rs"
            cat >"$dir/Cargo.toml" <<'EOF'
[workspace]
members = ["regex-syntax", "regex-automata", "regex"]
resolver = "2"

[patch.crates-io]
regex-syntax = { path = "regex-syntax" }
regex-automata = { path = "regex-automata" }
regex = { path = "regex" }
EOF
            # One lock file, kept in the cache so that later runs resolve the same versions.
            if [[ -f $CACHE_DIR/regex-workspace.Cargo.lock ]]; then
                cp "$CACHE_DIR/regex-workspace.Cargo.lock" "$dir/Cargo.lock"
            fi
            ;;
        *) die "unknown project $project" ;;
    esac
    (cd "$dir" && cargo fetch >"$dir.fetch.log" 2>&1) || die "cargo fetch failed in $dir (see $dir.fetch.log)"
    if [[ $project == regex-workspace && ! -f $CACHE_DIR/regex-workspace.Cargo.lock ]]; then
        cp "$dir/Cargo.lock" "$CACHE_DIR/regex-workspace.Cargo.lock"
    fi
    (cd "$dir" && "${GIT[@]}" init -q && "${GIT[@]}" add -A && "${GIT[@]}" commit -q -m "pristine $project") \
        || die "git init/commit failed in $dir"
}

# run_tests DIR TARGET LOG COUNTS: `cargo test` of every package of DIR; COUNTS gets one line
# per test binary: `<binary> <passed> <failed> <ignored>`; a line `BUILD-FAILED` when some
# target did not compile. Returns cargo's exit status.
run_tests() {
    local dir=$1 target=$2 log=$3 counts=$4 rc=0
    (cd "$dir" && CARGO_TARGET_DIR=$target cargo test --offline --workspace --no-fail-fast "${TEST_ARGS[@]}" 2>&1) >"$log" || rc=$?
    awk '
        /^ *Running / {
            # "Running unittests src/lib.rs (target/debug/deps/regex_syntax-0123abcd)"
            what = $0; sub(/^ *Running /, "", what)
            bin = what; sub(/.*\//, "", bin); sub(/-[0-9a-f]+\)$/, "", bin)
            src = what; sub(/ \(.*$/, "", src)
            # A package runs its library tests first; later binaries (tests/, which may share
            # a name such as `integration` with another package) are named after it.
            if (src ~ /^unittests src\/lib\.rs/) pkg = bin
            sub(/^unittests /, "", src)
            name = (bin == pkg ? bin : pkg "/" bin) ":" src; next
        }
        /^ *Doc-tests / { name = "doctests:" $2; next }
        /^test result: / {
            p = $0; sub(/.* ok\. |.* FAILED\. /, "", p)
            split(p, f, /; /)
            passed = f[1]; sub(/ passed/, "", passed)
            failed = f[2]; sub(/ failed/, "", failed)
            ignored = f[3]; sub(/ ignored/, "", ignored)
            printf "%s %s %s %s\n", name, passed, failed, ignored
        }
        /^error(\[E[0-9]+\])?: / && !/(test|targets?) failed/ { broken = 1 }
        END { if (broken) print "BUILD-FAILED - - -" }
    ' "$log" >"$counts"
    return $rc
}

# run_doc DIR TARGET LOG: `cargo doc` with broken intra-doc links denied; prints
# `ok` or `FAILED(<n> unresolved links)`.
run_doc() {
    local dir=$1 target=$2 log=$3 rc=0
    (cd "$dir" && CARGO_TARGET_DIR=$target RUSTDOCFLAGS="-D rustdoc::broken_intra_doc_links" \
        cargo doc --no-deps --offline --workspace 2>&1) >"$log" || rc=$?
    if ((rc == 0)); then
        echo ok
    else
        echo "FAILED($(grep -c 'unresolved link' "$log") unresolved links)"
    fi
}

SELECTED=("$@")
SUMMARY=$CORPUS_DIR/summary.txt
: >"$SUMMARY"
for line in "${PROJECTS[@]}"; do
    read -r project src dst <<<"$line"
    if ((${#SELECTED[@]} > 0)) && [[ " ${SELECTED[*]} " != *" $project "* ]]; then
        continue
    fi
    dir=$CORPUS_DIR/$project
    target=$CORPUS_DIR/target-$project
    logs=$CORPUS_DIR/logs-$project
    rm -rf "$logs" && mkdir -p "$logs"

    say "$project: set-up in $dir"
    make_tree "$project" "$dir"
    [[ -e $dir/$src || -e $dir/$src.rs ]] || die "$project: $src is not in the tree"

    say "$project: cargo test BEFORE the move (log: $logs/before.test.log)"
    run_tests "$dir" "$target" "$logs/before.test.log" "$logs/before.counts"
    echo "cargo test exit $?"
    cat "$logs/before.counts"
    doc_before=skipped
    if [[ $DOC == 1 ]]; then
        doc_before=$(run_doc "$dir" "$target" "$logs/before.doc.log")
    fi
    echo "cargo doc: $doc_before"

    say "$project: regraft apply $src $dst"
    apply_rc=0
    if [[ -x $BIN ]]; then
        (cd "$dir" && "$BIN" apply "$src" "$dst") >"$logs/apply.out" 2>"$logs/apply.err" || apply_rc=$?
    else
        echo "regraft binary not found: $BIN (build it with cargo build --release, or set REGRAFT)" >"$logs/apply.err"
        apply_rc=127
    fi
    echo "regraft apply exit $apply_rc"
    head -n 5 "$logs/apply.err"
    : >"$logs/after.counts"
    doc_after=-
    [[ $DOC == 1 ]] || doc_after=skipped
    if ((apply_rc == 0 || apply_rc == 1)); then
        (cd "$dir" && "${GIT[@]}" add -A && "${GIT[@]}" diff --cached --stat | tail -n 1)
        say "$project: cargo test AFTER the move (log: $logs/after.test.log)"
        run_tests "$dir" "$target" "$logs/after.test.log" "$logs/after.counts"
        echo "cargo test exit $?"
        if [[ $DOC == 1 ]]; then
            doc_after=$(run_doc "$dir" "$target" "$logs/after.doc.log")
        fi
        echo "cargo doc: $doc_after"
        applied="applied (exit $apply_rc)"
    elif ((apply_rc == 2)); then
        applied="REFUSED by regraft (exit 2): $(head -n 1 "$logs/apply.err")"
    else
        applied="regraft FAILED (exit $apply_rc): $(head -n 1 "$logs/apply.err")"
    fi

    {
        echo
        echo "## $project: $src -> $dst"
        echo "regraft: $applied"
        printf '%-58s %-16s %-16s %s\n' "test binary" "before p/f/i" "after p/f/i" "same"
        join -a1 -a2 -e - -o 0,1.2,1.3,1.4,2.2,2.3,2.4 \
            <(sort "$logs/before.counts") <(sort "$logs/after.counts") |
            while read -r bin bp bf bi ap af ai; do
                same=no
                [[ $bp/$bf == "$ap/$af" ]] && same=yes
                # Not run after the move: regraft refused, or the binary is gone.
                [[ $ap == - ]] && { [[ -s $logs/after.counts ]] && same=MISSING || same=-; }
                printf '%-58s %-16s %-16s %s\n' "$bin" "$bp/$bf/$bi" "$ap/$af/$ai" "$same"
            done
        echo "cargo doc (-D rustdoc::broken_intra_doc_links): before $doc_before, after $doc_after"
    } >>"$SUMMARY"
done

say "summary (also in $SUMMARY)"
cat "$SUMMARY"
