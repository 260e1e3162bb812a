//! The real lifecycle's `detector` (v0.21.0) over an order with both Node.js modules: the
//! ubi-nodejs-extension in `[[order-extensions]]` and the ubi-nodejs-buildpack, which requires
//! `node`, on a fixture app. It checks the group, the plan routing (the extension satisfies the
//! `node` entries, so they leave the plan), the generated files the lifecycle accepted and the
//! run image it recorded in analyzed.toml.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::assert_contains;
use cnb_harness::ubi_extension::{
    UbiExtension, assert_generate_failed, assert_routed_through, assert_switched_run_image,
    generated,
};

const NODEJS: UbiExtension = UbiExtension::NODEJS;

/// The Node.js majors of the catalogue's run images.
const MAJORS: &[u32] = &[20, 22];

#[test]
fn both_modules_route_node_through_the_extension() {
    // package.json engines ">=20 <21": the buildpack requires node with that version, the
    // extension resolves it to the stack's nodejs-20 stream and switches to its run image.
    let (outcome, extension, buildpack) =
        NODEJS.detect_with_companion("node-npm-engines", MAJORS, &[]);
    assert_routed_through(&outcome, &extension, &buildpack, &["node"]);

    let build = generated(&outcome, &extension, "build.Dockerfile");
    assert!(
        build.starts_with("ARG base_image\nFROM ${base_image}\n"),
        "{build}"
    );
    assert_contains!(build, "microdnf -y module enable nodejs:20 && ");
    assert!(build.ends_with("USER ${user_id}:${group_id}\n"), "{build}");
    assert_switched_run_image(
        &outcome,
        &extension,
        "localhost/paketo/run-nodejs-20-ubi9-base:0.0.42",
    );
    assert_contains!(
        outcome.output,
        format!("UBI Node.js Extension {}", NODEJS.version())
    );
}

#[test]
fn the_override_wins_and_an_unsupported_request_fails_the_build() {
    let (outcome, extension, buildpack) = NODEJS.detect_with_companion(
        "node-npm-engines",
        MAJORS,
        &[("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/mirror/node:20")],
    );
    assert_routed_through(&outcome, &extension, &buildpack, &["node"]);
    assert_eq!(
        generated(&outcome, &extension, "run.Dockerfile"),
        "FROM localhost/mirror/node:20\n"
    );

    // BP_NODE_VERSION=14: no stream of the stack satisfies it. generate fails, and the detector
    // reports an extension generate error (exit 91) and writes no Dockerfiles.
    let (outcome, extension, _) =
        NODEJS.detect_with_companion("node-npm-engines", MAJORS, &[("BP_NODE_VERSION", "14")]);
    assert_generate_failed(&outcome, &extension, "\"14\"");
}
