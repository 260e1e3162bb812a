//! The real lifecycle's `detector` (v0.21.0) over an order with both Java modules: the
//! ubi-java-extension in `[[order-extensions]]` and the companion ubi-java-buildpack, which
//! requires `jdk` and `jre` (with the version the app asks for), on fixture apps. It checks the
//! group, the plan routing (the extension satisfies `jdk` and `jre`, so they leave the plan), the
//! generated files the lifecycle accepted and the run image it recorded in analyzed.toml.

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
    let catalogue = fixture("ubi-java/images-ubi9-local-run-images.json");
    let (extension, scratch) =
        Module::package("extensions/ubi-java").copy_with_metadata_path("catalogue", &catalogue);
    let buildpack = Module::package("buildpacks/ubi-java");
    let java_run_images =
        [11, 17, 21].map(|major| format!("localhost/paketo/run-java-{major}-ubi9-base:0.0.42"));
    let mut run = Lifecycle::locate()
        .detector()
        .extension_and_companion(&extension, &buildpack)
        .app(fixture("apps").join(app))
        .env("CNB_STACK_ID", "io.buildpacks.stacks.ubi9")
        .run_images(STACK_RUN_IMAGE, &java_run_images);
    for (name, value) in platform_env {
        run = run.platform_env(name, value);
    }
    // The copied extension is read by the detector while `scratch` lives.
    let outcome = run.run();
    drop(scratch);
    (outcome, extension, buildpack)
}

fn analyzed_run_image(outcome: &DetectorOutcome) -> Option<&str> {
    outcome.analyzed.as_ref()?["run-image"]
        .as_table()?
        .get("image")?
        .as_str()
}

#[test]
fn both_modules_route_jdk_and_jre_through_the_extension() {
    // pom.xml maven.compiler.release 21: the buildpack requires jdk and jre 21 (from pom.xml),
    // the extension installs OpenJDK 21 and switches to the catalogue's Java 21 run image.
    let (outcome, extension, buildpack) = detect("java-maven-release-21", &[]);
    outcome.assert_success();
    assert_eq!(
        outcome.group_ids("group-extensions"),
        std::slice::from_ref(&extension.id)
    );
    assert_eq!(
        outcome.group_ids("group"),
        std::slice::from_ref(&buildpack.id)
    );
    let names = outcome.plan_entry_names();
    assert!(
        !names.contains(&"jdk".to_string()) && !names.contains(&"jre".to_string()),
        "the extension satisfied jdk and jre, so the buildpack must not receive them: {:#?}",
        outcome.plan
    );

    let dir = extension.escaped_id();
    let build = &outcome.generated[&format!("{dir}/build.Dockerfile")];
    assert!(
        build.starts_with("ARG base_image\nFROM ${base_image}\n\nUSER root\n"),
        "{build}"
    );
    assert!(
        build.contains(
            " && microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y \
             openssl-devel java-21-openjdk-devel nss_wrapper-libs which && microdnf clean all\n"
        ),
        "{build}"
    );
    assert_contains!(
        build,
        "'major = 21\\nstack = \"io.buildpacks.stacks.ubi9\"\\njava_home = \
             \"/usr/lib/jvm/java-21-openjdk\"\\n' > "
    );
    assert!(build.ends_with("USER ${user_id}:${group_id}\n"), "{build}");
    assert_eq!(
        outcome.generated[&format!("{dir}/run.Dockerfile")],
        "FROM localhost/paketo/run-java-21-ubi9-base:0.0.42\n"
    );
    assert_eq!(
        analyzed_run_image(&outcome),
        Some("localhost/paketo/run-java-21-ubi9-base:0.0.42")
    );
    for expected in [
        &format!("UBI Java Extension {}", version()),
        "build plan jdk from pom.xml -> \"21\"",
    ] {
        assert_contains!(outcome.output, expected);
    }
    assert!(
        !outcome.output.contains("not found in run metadata"),
        "the run image is listed in run.toml: {}",
        outcome.output
    );
}

#[test]
fn bp_jvm_version_wins_and_an_unsupported_request_fails_the_build() {
    // The user's BP_JVM_VERSION over the pom's 21.
    let (outcome, extension, _) = detect("java-maven-release-21", &[("BP_JVM_VERSION", "17")]);
    outcome.assert_success();
    assert_eq!(
        outcome.generated[&format!("{}/run.Dockerfile", extension.escaped_id())],
        "FROM localhost/paketo/run-java-17-ubi9-base:0.0.42\n"
    );

    // The override wins over the catalogue's run image.
    let (outcome, extension, _) = detect(
        "java-sdkmanrc",
        &[("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/mirror/java:17")],
    );
    outcome.assert_success();
    assert_eq!(
        outcome.generated[&format!("{}/run.Dockerfile", extension.escaped_id())],
        "FROM localhost/mirror/java:17\n"
    );

    // Java 8: the ubi9 catalogue offers 11, 17, 21. generate fails, and the detector reports an
    // extension generate error (exit 91) and writes no Dockerfiles.
    let (outcome, extension, _) = detect("java-maven-release-21", &[("BP_JVM_VERSION", "1.8")]);
    outcome.assert_exit(91);
    assert_contains!(outcome.output, "offers Java 11, 17, 21");
    assert!(
        !outcome
            .generated
            .contains_key(&format!("{}/build.Dockerfile", extension.escaped_id()))
    );
}
