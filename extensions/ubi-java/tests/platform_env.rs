//! `<platform>/env` as a cluster may mount it: the packaged extension, run as the lifecycle runs
//! it (through the harness), reads only the variables it uses (`BP_JVM_VERSION`,
//! `BP_UBI_RUN_IMAGE_OVERRIDE`), each bounded; the other files are never opened.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{Module, ModuleRun, Outcome, assert_contains, workspace_root};
use tempfile::TempDir;

/// A Buildpack Plan with `jdk` and `jre` entries asking for Java 21, as the companion writes it.
const PLAN: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\nversion = \"21\"\nversion-source = \"pom.xml\"\n\n[[entries]]\nname = \"jre\"\n[entries.metadata]\nlaunch = true\nversion = \"21\"\nversion-source = \"pom.xml\"\n";

/// The extension (its catalogue a fixture's, kept as long as the returned directory) on a Maven
/// app on UBI 8, with a platform holding files it never reads (`ModuleRun::with_odd_platform`).
fn run_with_odd_platform() -> (ModuleRun, TempDir) {
    let root = workspace_root();
    let (module, dir) = Module::package("extensions/ubi-java").copy_with_metadata_path(
        "catalogue",
        &root.join("tests/fixtures/ubi-java/images-ubi8.json"),
    );
    let run = ModuleRun::new(
        &module,
        root.join("tests/fixtures/apps/java-maven-release-21"),
    )
    .lifecycle_env("CNB_STACK_ID", "io.buildpacks.stacks.ubi8")
    .buildpack_plan(PLAN)
    .with_odd_platform();
    (run, dir)
}

/// Before, `<platform>/env` was read whole up front: each of these files failed detect and
/// generate (exit 1), although the extension reads none of them.
#[test]
fn unrelated_platform_files_are_never_opened() {
    let (run, _dir) = run_with_odd_platform();
    let detect = run.clone().detect();
    detect.assert_success();

    let outcome = run.platform_env("BP_JVM_VERSION", "17").generate();
    outcome.assert_success();
    assert_eq!(outcome.process.stderr, "");
    assert_contains!(outcome.process.stdout, "Selected Java major version 17");
}

/// A variable the extension reads that holds no value is an error naming it, never a wait.
#[test]
fn a_variable_it_reads_that_is_no_value_is_an_error_naming_it() {
    let (run, _dir) = run_with_odd_platform();
    for name in ["BP_JVM_VERSION", "BP_UBI_RUN_IMAGE_OVERRIDE"] {
        run.assert_generate_refuses_odd_setting(name);
    }
}
