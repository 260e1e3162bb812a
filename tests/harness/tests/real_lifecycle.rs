//! The real lifecycle (v0.21.0, installed by tests/install-lifecycle.sh) is the judge: its
//! `detector` runs our example extension (built with cnb-extension and packaged like every
//! module) in front of a buildpack that requires what the extension provides, and rejects
//! hand-written extensions that break the spec.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{DetectorOutcome, Lifecycle, Module, Outcome, assert_contains, fixture};

const STACK_RUN_IMAGE: &str = "localhost/stack-run:1";
const CURL_RUN_IMAGE: &str = "localhost/curl-run:1";
const ANALYZED: &str =
    "[run-image]\nreference = \"localhost/stack-run:1\"\nimage = \"localhost/stack-run:1\"\n";
const RUN_TOML: &str = "[[images]]\nimage = \"localhost/stack-run:1\"\n\n[[images]]\nimage = \"localhost/curl-run:1\"\n";

/// The exit code of the detector when no group passes (platform spec).
const FAILED_DETECTION: i32 = 20;
/// The exit code of the detector when an extension's output is invalid (92-99 are generation
/// errors other than a failed `bin/generate`).
const INVALID_GENERATE_OUTPUT: i32 = 92;

fn curl_extension() -> Module {
    Module::package("tests/modules/curl-extension")
}

fn curl_buildpack() -> Module {
    Module::package("tests/modules/curl-buildpack")
}

fn order(extension: &Module, buildpack: &Module) -> String {
    format!(
        "[[order]]\n[[order.group]]\nid = \"{}\"\nversion = \"{}\"\n\n\
         [[order-extensions]]\n[[order-extensions.group]]\nid = \"{}\"\nversion = \"{}\"\n",
        buildpack.id, buildpack.version, extension.id, extension.version
    )
}

fn detect(
    extension: &Module,
    buildpack: &Module,
    platform_env: &[(&str, &str)],
) -> DetectorOutcome {
    let mut run = Lifecycle::locate()
        .detector()
        .module(extension)
        .module(buildpack)
        .order(&order(extension, buildpack))
        .app(fixture("apps/curl-app"))
        .analyzed(ANALYZED)
        .run_toml(RUN_TOML);
    for (name, value) in platform_env {
        run = run.platform_env(name, value);
    }
    run.run()
}

const EXPECTED_BUILD_DOCKERFILE: &str = "ARG base_image
FROM ${base_image}

USER root
ARG DEBIAN_FRONTEND
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && apt-get clean
ARG user_id
ARG group_id
USER ${user_id}:${group_id}
";

#[test]
fn detector_keeps_the_extension_and_switches_the_run_image() {
    let (extension, buildpack) = (curl_extension(), curl_buildpack());
    let outcome = detect(
        &extension,
        &buildpack,
        &[("BP_CURL_RUN_IMAGE", CURL_RUN_IMAGE)],
    );
    // group.toml: the extension is kept because the buildpack requires curl.
    outcome.assert_group(&[&extension], &[&buildpack]);

    // plan.toml: generate satisfied the curl entry, so buildpacks no longer receive it.
    assert!(outcome.plan.is_some(), "{}", outcome.output);
    assert!(!outcome.plan_entry_names().contains(&"curl".to_string()));

    // The Dockerfiles the lifecycle accepted, where Platform API 0.14 puts them.
    let dir = extension.escaped_id();
    assert_eq!(
        outcome
            .generated
            .get(&format!("{dir}/build.Dockerfile"))
            .map(String::as_str),
        Some(EXPECTED_BUILD_DOCKERFILE),
        "{:#?}",
        outcome.generated
    );
    assert_eq!(
        outcome
            .generated
            .get(&format!("{dir}/run.Dockerfile"))
            .map(String::as_str),
        Some("FROM localhost/curl-run:1\n")
    );
    let extend_config: toml::Table =
        toml::from_str(&outcome.generated[&format!("{dir}/extend-config.toml")]).unwrap();
    assert_eq!(
        extend_config["build"]["args"][0]["name"].as_str(),
        Some("DEBIAN_FRONTEND")
    );

    // analyzed.toml: the run image is rewritten to the extension's choice, with nothing to extend.
    let run_image = outcome.run_image();
    assert_eq!(run_image["image"].as_str(), Some(CURL_RUN_IMAGE));
    assert_eq!(run_image["reference"].as_str(), Some(CURL_RUN_IMAGE));
    assert_ne!(
        run_image.get("extend").and_then(toml::Value::as_bool),
        Some(true)
    );
    assert_contains!(outcome.output, "Example curl extension 0.1.0");
}

#[test]
fn detector_records_a_run_image_extension() {
    let (extension, buildpack) = (curl_extension(), curl_buildpack());
    let outcome = detect(&extension, &buildpack, &[]);
    outcome.assert_success();

    let run_dockerfile = &outcome.generated[&format!("{}/run.Dockerfile", extension.escaped_id())];
    assert!(run_dockerfile.starts_with("ARG base_image\nFROM ${base_image}\n"));
    assert!(run_dockerfile.ends_with("LABEL io.buildpacks.rebasable=true\n"));

    let run_image = outcome.run_image();
    assert_eq!(run_image["image"].as_str(), Some(STACK_RUN_IMAGE));
    assert_eq!(
        run_image.get("extend").and_then(toml::Value::as_bool),
        Some(true)
    );
}

#[test]
fn detector_leaves_the_extension_out_when_no_buildpack_requires_curl() {
    let extension = curl_extension();
    let buildpack = Module::from_dir(fixture("buildpacks/no-requirements"));
    let outcome = detect(
        &extension,
        &buildpack,
        &[("BP_CURL_RUN_IMAGE", CURL_RUN_IMAGE)],
    );
    outcome.assert_group(&[], &[&buildpack]);
    assert!(outcome.generated.is_empty(), "{:#?}", outcome.generated);
    assert_eq!(outcome.run_image()["image"].as_str(), Some(STACK_RUN_IMAGE));
}

/// Hand-written extensions that break the spec: the detector names the fault and exits with
/// its code.
#[test]
fn detector_rejects_extensions_that_break_the_spec() {
    let buildpack = curl_buildpack();
    for (extension_dir, expected, exit_code) in [
        (
            // The erroring extension is dropped, so nothing provides curl and no group passes.
            "extensions/requires-curl",
            &[
                "extension examples/broken-requires outputs \"requires\" which is not allowed",
                "err:  examples/broken-requires@0.1.0",
            ][..],
            FAILED_DETECTION,
        ),
        (
            "extensions/no-base-image",
            &[
                "failed to parse build.Dockerfile for extension examples/broken-no-base-image: \
                 build.Dockerfile did not start with required ARG command",
            ][..],
            INVALID_GENERATE_OUTPUT,
        ),
    ] {
        let extension = Module::from_dir(fixture(extension_dir));
        let outcome = detect(&extension, &buildpack, &[]);
        for expected in expected {
            assert_contains!(outcome.output, expected, "{extension_dir}");
        }
        outcome.assert_exit(exit_code);
    }
}
