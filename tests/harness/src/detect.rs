//! What `bin/detect` says about an app that is not its module's.

use crate::{DetectOutcome, Outcome};

/// The exit code of `bin/detect` for an app the module does not build (the buildpack spec's
/// "fail": the lifecycle tries the next group).
pub const NOT_DETECTED: i32 = 100;

/// Panics, showing the whole outcome, unless detect declined the app: exit
/// [`NOT_DETECTED`], no build plan, and `reason` (one line) on stdout.
#[track_caller]
pub fn assert_not_detected(outcome: &DetectOutcome, reason: &str) {
    outcome.assert_exit(NOT_DETECTED);
    assert_eq!(outcome.plan, None, "a plan, though not detected\n{outcome}");
    assert_eq!(outcome.process.stdout, format!("{reason}\n"), "\n{outcome}");
}
