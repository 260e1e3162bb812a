//! How sizes and durations are written in the log.

use std::time::Instant;

/// Bytes in megabytes (10^6 bytes).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// The time since `started`, in seconds to the millisecond.
pub(crate) fn elapsed(started: Instant) -> String {
    format!("{:.3}s", started.elapsed().as_secs_f64()) // clock: a time for the log
}
