//! The packaged extension run as the lifecycle runs it (through the harness), on fixture apps,
//! with its catalogue pointed at fixture `images.json` files.
//!
//! - [`versions`]: which Java is installed and which run image the app gets.
//! - [`catalogue`]: the stack's catalogue, its problems and the majors skipped.
//! - [`refusals`]: hostile or missing inputs, refused with nothing written, in bounded time.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

mod catalogue;
mod refusals;
mod support;
mod versions;

use cnb_harness::{ModuleRun, Outcome};
use support::{app, packaged};

#[test]
fn detect_provides_jdk_and_jre_or_either() {
    for name in ["java-maven-release-21", "java-prebuilt-jar", "empty-app"] {
        let outcome = ModuleRun::new(&packaged(), app(name)).detect();
        outcome.assert_success();
        let expected: toml::Table = toml::from_str(
            "[[provides]]\nname = \"jdk\"\n[[provides]]\nname = \"jre\"\n\n\
             [[or]]\n[[or.provides]]\nname = \"jdk\"\n\n\
             [[or]]\n[[or.provides]]\nname = \"jre\"\n",
        )
        .unwrap();
        assert_eq!(outcome.plan, Some(expected));
    }
}

#[test]
fn the_packaged_extension_is_one_small_executable_reading_the_stacks_catalogue() {
    let module = packaged();
    module.assert_one_executable_of_at_most(2 * 1024 * 1024);
    assert_eq!(
        module.metadata_string("catalogue").as_deref(),
        Some("/etc/buildpacks/images.json")
    );
}
