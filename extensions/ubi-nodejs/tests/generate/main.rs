//! The packaged extension run as the lifecycle runs it (through the harness), on fixture apps,
//! with its catalogue pointed at fixture `images.json` files.
//!
//! - [`versions`]: which Node.js is installed, from which request, and which run image the app
//!   gets.
//! - [`catalogue`]: the stack's catalogue, its problems and the majors skipped.
//! - [`platform_env`]: `<platform>/env` as a cluster may mount it.
//! - [`refusals`]: hostile or missing inputs, refused with nothing written.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

mod catalogue;
mod platform_env;
mod refusals;
mod support;
mod versions;

use support::NODEJS;

#[test]
fn detect_provides_node_or_node_and_npm() {
    NODEJS.assert_detect_provides(
        &["node-npm-engines", "node-nvmrc", "empty-app"],
        "[[provides]]\nname = \"node\"\n\n[[or]]\n[[or.provides]]\nname = \"node\"\n\
         [[or.provides]]\nname = \"npm\"\n",
    );
}

#[test]
fn the_packaged_extension_is_one_small_executable_reading_the_stacks_catalogue() {
    NODEJS.assert_small_and_reading_the_stacks_catalogue();
}
