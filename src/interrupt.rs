//! Ctrl-C (SIGINT) and SIGTERM during `apply`: the signal only sets a flag, and `apply` looks
//! at it at every step boundary (before each operation, before each git step, before the run
//! is marked complete). Before the journal is on disk the run just stops (nothing changed);
//! after, `apply` rolls the run back, so a stopped run leaves the tree as it was.
//!
//! A second signal while the first is being handled ends the process at once (exit 130), as
//! users expect of a second Ctrl-C; the journal then stays unfinished and `regraft undo`
//! finishes the job.
//!
//! Handlers are installed by [`install`] (called by `apply` only): `plan`, `check` and `undo`
//! keep the default behaviour of the signals.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::signal::{SIGINT, SIGTERM};

use crate::error::{Error, Result};

/// Set by the signal handlers; read at step boundaries.
static REQUESTED: AtomicBool = AtomicBool::new(false);
/// Whether [`install`] has run (and how it went).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Makes SIGINT and SIGTERM set the interrupt flag instead of ending the process (once per
/// process; later calls do nothing). Returns whether the handlers are in place.
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        [SIGINT, SIGTERM].into_iter().all(|signal| {
            // The shutdown goes first: it only fires when the flag was already set.
            signal_hook::flag::register_conditional_shutdown(signal, 130, &REQUESTED).is_ok()
                && signal_hook::flag::register(signal, &REQUESTED).is_ok()
        })
    })
}

/// True once SIGINT or SIGTERM arrived (after [`install`]).
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// A step boundary: [`Error::Interrupted`] when a signal asked the run to stop.
///
/// # Errors
/// [`Error::Interrupted`].
pub fn check() -> Result<()> {
    if requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Raises SIGINT in this process, as Ctrl-C would (the test hook `REGRAFT_INTERRUPT_AT`). Does
/// nothing when the handlers are not installed, so that the hook never kills a process that
/// would not survive a real Ctrl-C either way.
pub fn raise() {
    if INSTALLED.get().copied().unwrap_or(false) {
        let _ = signal_hook::low_level::raise(SIGINT);
    }
}
