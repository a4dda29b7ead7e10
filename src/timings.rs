//! Where a run's time goes, phase by phase, on stderr when `REGRAFT_TIMINGS` is set (any
//! value). Off by default: nothing is measured or printed, and stdout is never touched.
//!
//! Used by the benchmarks (issue #14) to put a profile next to the figures:
//! `REGRAFT_TIMINGS=1 regraft apply SRC DST` prints one line per phase, in the order they end.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("REGRAFT_TIMINGS").is_some())
}

/// A phase being timed; its time is printed when it is dropped.
pub struct Phase {
    name: &'static str,
    start: Option<Instant>,
}

/// Starts timing the phase `name`.
#[must_use = "the phase is timed until the value is dropped"]
pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        start: enabled().then(Instant::now),
    }
}

impl Drop for Phase {
    // Asked for by the user with REGRAFT_TIMINGS, on stderr only: stdout stays the report.
    #[allow(clippy::print_stderr)]
    fn drop(&mut self) {
        if let Some(start) = self.start {
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            eprintln!("regraft timings: {:<28} {ms:>9.1} ms", self.name);
        }
    }
}
