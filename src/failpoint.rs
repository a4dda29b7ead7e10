//! A test hook for crash safety: with `REGRAFT_FAILPOINT=N` in the environment, the process
//! aborts (as a `kill -9` would stop it) right after its N-th durable step on disk. The test
//! suite runs a fixture with every N and checks that `regraft undo` restores the tree.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

static STEPS: AtomicUsize = AtomicUsize::new(0);
static LIMIT: OnceLock<Option<usize>> = OnceLock::new();

/// Counts one durable step; aborts the process when the count reaches `REGRAFT_FAILPOINT`.
pub fn step() {
    let limit = LIMIT.get_or_init(|| {
        std::env::var("REGRAFT_FAILPOINT")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    let done = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if *limit == Some(done) {
        std::process::abort();
    }
}
