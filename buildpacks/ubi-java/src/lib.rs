//! The parts of the UBI Java buildpack that both of its binaries use: the build
//! (`bin/build`, `bin/detect`) counts classes; the exec.d program `memory-calculator` counts
//! classes too and sizes the JVM's memory at launch.
//!
//! - [`classes`]: class counts of a JVM (its module image) and of an app (class files, JARs);
//! - [`memory_calculator`]: the exec.d program that sizes the JVM's memory at launch: Paketo's
//!   calculation ([`memory_calculator::calculation`]), its inputs from cgroups and `/proc`
//!   ([`memory_calculator::system`]) and the environment, its output for `JAVA_TOOL_OPTIONS`
//!   ([`memory_calculator::exec_d`]).

// The dev-dependencies serve the integration tests and the binaries' unit tests.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod classes;
pub mod memory_calculator;

// Dependencies of the binaries only (exec_d: of both).
use cnb_output as _;
use exec_d as _;
use find_program as _;
use jvm_version as _;
use libcnb as _;
use platform_settings as _;
use sbom as _;
use serde as _;
use serde_json as _;
use ubi_companion_contract as _;
use untrusted_input as _;
