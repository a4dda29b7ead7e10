//! Test hooks for crash safety, keyed on the count of durable steps on disk:
//!
//! - `REGRAFT_FAILPOINT=N`: the process aborts (as a `kill -9` would stop it) right after its
//!   N-th durable step. The test suite runs a fixture with every N and checks that
//!   `regraft undo` restores the tree.
//! - `REGRAFT_INTERRUPT_AT=N`: the process raises SIGINT on itself right after its N-th durable
//!   step, as a Ctrl-C there would, so that the real signal handler and rollback run.
//! - `REGRAFT_FAIL_IO_AT=N`: the first operation of `apply` that starts after the N-th durable
//!   step fails with an I/O error, as a full disk would, so that the rollback after an error
//!   runs.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::interrupt;

static STEPS: AtomicUsize = AtomicUsize::new(0);
static ABORT_AT: OnceLock<Option<usize>> = OnceLock::new();
static INTERRUPT_AT: OnceLock<Option<usize>> = OnceLock::new();
static FAIL_IO_AT: OnceLock<Option<usize>> = OnceLock::new();
static IO_FAILED: AtomicBool = AtomicBool::new(false);

fn limit(cell: &OnceLock<Option<usize>>, variable: &str) -> Option<usize> {
    *cell.get_or_init(|| std::env::var(variable).ok().and_then(|v| v.parse().ok()))
}

/// Counts one durable step; aborts the process when the count reaches `REGRAFT_FAILPOINT`,
/// raises SIGINT when it reaches `REGRAFT_INTERRUPT_AT`.
pub fn step() {
    let done = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if limit(&ABORT_AT, "REGRAFT_FAILPOINT") == Some(done) {
        std::process::abort();
    }
    if limit(&INTERRUPT_AT, "REGRAFT_INTERRUPT_AT") == Some(done) {
        interrupt::raise();
    }
}

/// An injected I/O error for the operation on `path`, once, when `REGRAFT_FAIL_IO_AT=N` is set
/// and N durable steps are done.
///
/// # Errors
/// The injected error.
pub fn io(path: &std::path::Path) -> crate::error::Result<()> {
    let due =
        limit(&FAIL_IO_AT, "REGRAFT_FAIL_IO_AT").is_some_and(|n| STEPS.load(Ordering::SeqCst) >= n);
    if due && !IO_FAILED.swap(true, Ordering::SeqCst) {
        return Err(crate::error::Error::io(
            path,
            std::io::Error::other("injected I/O error (REGRAFT_FAIL_IO_AT)"),
        ));
    }
    Ok(())
}
