//! `<platform>/env` as a cluster may mount it: the packaged extension, run as the lifecycle runs
//! it (through the harness), reads only the variable it uses (`BP_UBI_RUN_IMAGE_OVERRIDE`),
//! bounded; the other files are never opened.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::ubi_extension::UbiExtension;

const NODEJS: UbiExtension = UbiExtension::NODEJS;

/// A Buildpack Plan with a `node` entry asking for Node.js 22, as the companion writes it.
const PLAN: &str = "[[entries]]\nname = \"node\"\n[entries.metadata]\nbuild = true\nversion = \"~22\"\nversion-source = \"package.json\"\n\n[[entries]]\nname = \"npm\"\n";

/// Before, `<platform>/env` was read whole up front: each of these files failed detect and
/// generate (exit 1), although the extension reads none of them.
#[test]
fn unrelated_platform_files_are_never_opened() {
    NODEJS.assert_unread_platform_files_unopened(
        "node-npm-engines",
        PLAN,
        ("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/my/run-node:22"),
        "Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-node:22",
    );
}

/// A variable the extension reads that holds no value is an error naming it, never a wait.
#[test]
fn a_variable_it_reads_that_is_no_value_is_an_error_naming_it() {
    let (run, _dir) = NODEJS.run_with_odd_platform("node-npm-engines", PLAN);
    run.assert_generate_refuses_odd_setting("BP_UBI_RUN_IMAGE_OVERRIDE");
}
