//! The real lifecycle's `detector` (v0.21.0) over an order with both Node.js modules: the
//! ubi-nodejs-extension in `[[order-extensions]]` and the ubi-nodejs-buildpack, which requires
//! `node`, on a fixture app. It checks the group, the plan routing (the extension satisfies the
//! `node` entries, so they leave the plan) and the generated files the lifecycle accepted.

// Test helpers panic on a broken setup (clippy.toml allows unwrap only inside #[test] fns).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{DetectorOutcome, Lifecycle, Module, Outcome, assert_contains, workspace_root};
use std::path::PathBuf;

const STACK_RUN_IMAGE: &str = "localhost/paketo/run-ubi9-base:0.0.42";

/// The module's version, as its extension.toml declares it.
fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../extension.toml"))
}

fn fixture(path: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(path)
}

fn detect(app: &str, platform_env: &[(&str, &str)]) -> (DetectorOutcome, Module, Module) {
    let catalogue = fixture("ubi-nodejs/images-ubi9-local-run-images.json");
    let (extension, scratch) =
        Module::package("extensions/ubi-nodejs").copy_with_metadata_path("catalogue", &catalogue);
    let buildpack = Module::package("buildpacks/ubi-nodejs");
    let nodejs_run_images =
        [20, 22].map(|major| format!("localhost/paketo/run-nodejs-{major}-ubi9-base:0.0.42"));
    let mut run = Lifecycle::locate()
        .detector()
        .extension_and_companion(&extension, &buildpack)
        .app(fixture("apps").join(app))
        .env("CNB_STACK_ID", "io.buildpacks.stacks.ubi9")
        .run_images(STACK_RUN_IMAGE, &nodejs_run_images);
    for (name, value) in platform_env {
        run = run.platform_env(name, value);
    }
    // The copied extension is read by the detector while `scratch` lives.
    let outcome = run.run();
    drop(scratch);
    (outcome, extension, buildpack)
}

#[test]
fn both_modules_route_node_through_the_extension() {
    // package.json engines ">=20 <21": the buildpack requires node with that version, the
    // extension resolves it to the stack's nodejs-20 stream and switches to its run image.
    let (outcome, extension, buildpack) = detect("node-npm-engines", &[]);
    outcome.assert_success();
    assert_eq!(
        outcome.group_ids("group-extensions"),
        std::slice::from_ref(&extension.id)
    );
    assert_eq!(
        outcome.group_ids("group"),
        std::slice::from_ref(&buildpack.id)
    );
    assert!(
        !outcome.plan_entry_names().contains(&"node".to_string()),
        "the extension satisfied node, so the buildpack must not receive it: {:#?}",
        outcome.plan
    );

    let dir = extension.escaped_id();
    let build = &outcome.generated[&format!("{dir}/build.Dockerfile")];
    assert!(
        build.starts_with("ARG base_image\nFROM ${base_image}\n"),
        "{build}"
    );
    assert!(
        build.contains("microdnf -y module enable nodejs:20 && "),
        "{build}"
    );
    assert!(build.ends_with("USER ${user_id}:${group_id}\n"), "{build}");
    assert_eq!(
        outcome.generated[&format!("{dir}/run.Dockerfile")],
        "FROM localhost/paketo/run-nodejs-20-ubi9-base:0.0.42\n"
    );

    let run_image = outcome.analyzed.as_ref().unwrap()["run-image"]
        .as_table()
        .unwrap();
    assert_eq!(
        run_image["image"].as_str(),
        Some("localhost/paketo/run-nodejs-20-ubi9-base:0.0.42")
    );
    assert_contains!(
        outcome.output,
        format!("UBI Node.js Extension {}", version())
    );
    assert!(
        !outcome.output.contains("not found in run metadata"),
        "the run image is listed in run.toml: {}",
        outcome.output
    );
}

#[test]
fn the_override_wins_and_an_unsupported_request_fails_the_build() {
    let (outcome, extension, _) = detect(
        "node-npm-engines",
        &[("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/mirror/node:20")],
    );
    outcome.assert_success();
    assert_eq!(
        outcome.generated[&format!("{}/run.Dockerfile", extension.escaped_id())],
        "FROM localhost/mirror/node:20\n"
    );

    // BP_NODE_VERSION=14: no stream of the stack satisfies it. generate fails, and the detector
    // reports an extension generate error (exit 91) and writes no Dockerfiles.
    let (outcome, extension, _) = detect("node-npm-engines", &[("BP_NODE_VERSION", "14")]);
    outcome.assert_exit(91);
    assert_contains!(outcome.output, "\"14\"");
    assert!(
        !outcome
            .generated
            .contains_key(&format!("{}/build.Dockerfile", extension.escaped_id()))
    );
}
