//! Spinners for steps that take more than a moment (hidden when stderr is not a terminal).
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// A spinner showing `msg`; finish it with `done`.
pub fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}
