//! The parts of the UBI Java buildpack that both of its binaries use: the build
//! (`bin/build`, `bin/detect`) counts classes; the exec.d program `memory-calculator` counts
//! classes too and sizes the JVM's memory at launch.
//!
//! - [`classes`]: class counts of a JVM (its module image) and of an app (class files, JARs);
//! - [`memory`]: Paketo's memory calculator (regions, sizes, user flags);
//! - [`launch`]: the exec.d program: inputs from cgroups, `/proc` and the environment, output
//!   for `JAVA_TOOL_OPTIONS`.

pub mod classes;
pub mod launch;
pub mod memory;

// Dependencies of the build binary only.
#[cfg(test)]
use cnb_harness as _;
use cnb_output as _;
#[cfg(test)]
use insta as _;
use libcnb as _;
use platform_settings as _;
use sbom as _;
use serde as _;
use serde_json as _;
use ubi_common as _;
use untrusted_input as _;
