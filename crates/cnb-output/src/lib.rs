//! How a Cloud Native Buildpacks module (a buildpack or an image extension) talks to the user,
//! the way Paketo's do:
//!
//! - **the build log** ([`Log`], on stdout): a header per module, then indented steps; warnings
//!   ([`Log::warning`]) as a detail, `WARNING: <text>`;
//! - **errors** ([`HeaderAndBody`], [`write_error`], on stderr): `ERROR: <header>` saying what
//!   failed, then the body indented by two spaces, saying why and what to do;
//! - **the user's input in both**, quoted and bounded ([`quoted`], [`bounded`]): a value can be
//!   megabytes long or hold line breaks, and a message shows at most [`QUOTE_LIMIT`] characters.
//!
//! ```text
//! UBI Node.js Extension 1.0.0
//!   Resolving Node.js version
//!     Candidate version sources (in priority order):
//!       BP_NODE_VERSION -> "20; id"
//! ERROR: Invalid Node.js version request
//!   The Node.js version "20; id" requested by BP_NODE_VERSION is not a version range.
//!   Request a version or range, e.g. "22" or "^20.0.0".
//! ```
//!
//! With the `libcnb` feature, `libcnb::Error` implements [`HeaderAndBody`] too, so that a libcnb
//! buildpack prints every error in that form from `Buildpack::on_error`:
//!
//! ```text
//! fn on_error(&self, error: libcnb::Error<Self::Error>) {
//!     cnb_output::print_error(&error);
//! }
//! ```
//!
//! An image extension written with `cnb-extension` does the same in `Extension::on_error`.

#![warn(missing_docs)]
// The dev-dependency on this crate itself turns the libcnb feature on for the tests.
#![cfg_attr(test, allow(unused_crate_dependencies))]

mod error;
mod log;
mod quote;

pub use error::{HeaderAndBody, print_error, render_error, write_error};
pub use log::Log;
pub use quote::{QUOTE_LIMIT, bounded, quoted};
