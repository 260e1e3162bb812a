//! `<platform>/env` as a cluster may mount it: the packaged extension, run as the lifecycle runs
//! it (through the harness), reads only the variable it uses (`BP_UBI_RUN_IMAGE_OVERRIDE`),
//! bounded; the other files are never opened.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{Module, ModuleRun, Outcome, assert_contains, workspace_root};
use tempfile::TempDir;

/// A Buildpack Plan with a `node` entry asking for Node.js 22, as the companion writes it.
const PLAN: &str = "[[entries]]\nname = \"node\"\n[entries.metadata]\nbuild = true\nversion = \"~22\"\nversion-source = \"package.json\"\n\n[[entries]]\nname = \"npm\"\n";

/// The extension (its catalogue a fixture's, kept as long as the returned directory) on a
/// Node.js app on UBI 8, with a platform holding files it never reads
/// (`ModuleRun::with_odd_platform`).
fn run_with_odd_platform() -> (ModuleRun, TempDir) {
    let root = workspace_root();
    let (module, dir) = Module::package("extensions/ubi-nodejs").copy_with_metadata_path(
        "catalogue",
        &root.join("tests/fixtures/ubi-nodejs/images-ubi8.json"),
    );
    let run = ModuleRun::new(&module, root.join("tests/fixtures/apps/node-npm-engines"))
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

    let outcome = run
        .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/my/run-node:22")
        .generate();
    outcome.assert_success();
    assert_eq!(outcome.process.stderr, "");
    assert_contains!(
        outcome.process.stdout,
        "Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-node:22"
    );
}

/// A variable the extension reads that holds no value is an error naming it, never a wait.
#[test]
fn a_variable_it_reads_that_is_no_value_is_an_error_naming_it() {
    let (run, _dir) = run_with_odd_platform();
    run.assert_generate_refuses_odd_setting("BP_UBI_RUN_IMAGE_OVERRIDE");
}
