//! The packaged extension run as the lifecycle runs it (through the harness), on fixture apps,
//! with its catalogue pointed at fixture `images.json` files.
//!
//! - [`versions`]: which Java is installed and which run image the app gets.
//! - [`catalogue`]: the stack's catalogue, its problems and the majors skipped.
//! - [`platform_env`]: `<platform>/env` as a cluster may mount it.
//! - [`refusals`]: hostile or missing inputs, refused with nothing written, in bounded time.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

mod catalogue;
mod platform_env;
mod refusals;
mod support;
mod versions;

use support::JAVA;

#[test]
fn detect_provides_jdk_and_jre_or_either() {
    JAVA.assert_detect_provides(
        &["java-maven-release-21", "java-prebuilt-jar", "empty-app"],
        "[[provides]]\nname = \"jdk\"\n[[provides]]\nname = \"jre\"\n\n\
         [[or]]\n[[or.provides]]\nname = \"jdk\"\n\n\
         [[or]]\n[[or.provides]]\nname = \"jre\"\n",
    );
}

#[test]
fn the_packaged_extension_is_one_small_executable_reading_the_stacks_catalogue() {
    JAVA.assert_small_and_reading_the_stacks_catalogue();
}
