//! A spinner on stderr for the slow steps (the scan of `plan`/`apply`, carrying out an
//! `apply`, an `undo`), so that a long run on a big tree shows it is alive (issue #13).
//!
//! It appears only when stderr is a terminal and the step has run for about a second; it is
//! cleared when the step ends. Off a terminal (pipes, CI, tests) it prints nothing at all, and
//! stdout is never touched. `REGRAFT_PROGRESS_DELAY_MS` changes the delay (for tests).

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner that shows `message` after the delay, until it is dropped.
pub struct Spinner {
    bar: ProgressBar,
    stop: Option<mpsc::Sender<()>>,
    waiter: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    /// Starts the spinner (nothing is drawn before the delay, nor ever off a terminal).
    pub fn start(message: &str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("regraft: {message}"));
        if !std::io::stderr().is_terminal() {
            return Self {
                bar,
                stop: None,
                waiter: None,
            };
        }
        let delay = std::env::var("REGRAFT_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let waiter = std::thread::spawn(move || {
            // Shown only when the step outlives the delay (the sender is dropped at its end).
            if stopped.recv_timeout(delay) == Err(mpsc::RecvTimeoutError::Timeout) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.tick();
                shown.enable_steady_tick(Duration::from_millis(100));
            }
        });
        Self {
            bar,
            stop: Some(stop),
            waiter: Some(waiter),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(waiter) = self.waiter.take() {
            let _ = waiter.join();
        }
        self.bar.finish_and_clear();
    }
}
