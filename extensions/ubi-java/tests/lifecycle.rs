//! The real lifecycle's `detector` (v0.21.0) over an order with both Java modules: the
//! ubi-java-extension in `[[order-extensions]]` and the companion ubi-java-buildpack, which
//! requires `jdk` and `jre` (with the version the app asks for), on fixture apps. It checks the
//! group, the plan routing (the extension satisfies `jdk` and `jre`, so they leave the plan), the
//! generated files the lifecycle accepted and the run image it recorded in analyzed.toml.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::assert_contains;
use cnb_harness::ubi_extension::{
    UbiExtension, assert_generate_failed, assert_routed_through, assert_switched_run_image,
    generated,
};

const JAVA: UbiExtension = UbiExtension::JAVA;

/// The Java majors of the catalogue's run images.
const MAJORS: &[u32] = &[11, 17, 21];

#[test]
fn both_modules_route_jdk_and_jre_through_the_extension() {
    // pom.xml maven.compiler.release 21: the buildpack requires jdk and jre 21 (from pom.xml),
    // the extension installs OpenJDK 21 and switches to the catalogue's Java 21 run image.
    let (outcome, extension, buildpack) =
        JAVA.detect_with_companion("java-maven-release-21", MAJORS, &[]);
    assert_routed_through(&outcome, &extension, &buildpack, &["jdk", "jre"]);

    let build = generated(&outcome, &extension, "build.Dockerfile");
    assert!(
        build.starts_with("ARG base_image\nFROM ${base_image}\n\nUSER root\n"),
        "{build}"
    );
    assert_contains!(
        build,
        " && microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y \
         openssl-devel java-21-openjdk-devel nss_wrapper-libs which && microdnf clean all\n"
    );
    assert_contains!(
        build,
        "'major = 21\\nstack = \"io.buildpacks.stacks.ubi9\"\\njava_home = \
             \"/usr/lib/jvm/java-21-openjdk\"\\n' > "
    );
    assert!(build.ends_with("USER ${user_id}:${group_id}\n"), "{build}");
    assert_switched_run_image(
        &outcome,
        &extension,
        "localhost/paketo/run-java-21-ubi9-base:0.0.42",
    );
    for expected in [
        &format!("UBI Java Extension {}", JAVA.version()),
        "build plan jdk from pom.xml -> \"21\"",
    ] {
        assert_contains!(outcome.output, expected);
    }
}

#[test]
fn bp_jvm_version_wins_and_an_unsupported_request_fails_the_build() {
    // The user's BP_JVM_VERSION over the pom's 21; the override over the catalogue's run image.
    for (app, setting, run_image) in [
        (
            "java-maven-release-21",
            ("BP_JVM_VERSION", "17"),
            "localhost/paketo/run-java-17-ubi9-base:0.0.42",
        ),
        (
            "java-sdkmanrc",
            ("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/mirror/java:17"),
            "localhost/mirror/java:17",
        ),
    ] {
        let (outcome, extension, buildpack) = JAVA.detect_with_companion(app, MAJORS, &[setting]);
        assert_routed_through(&outcome, &extension, &buildpack, &["jdk", "jre"]);
        assert_eq!(
            generated(&outcome, &extension, "run.Dockerfile"),
            format!("FROM {run_image}\n"),
            "{setting:?}"
        );
    }

    // Java 8: the ubi9 catalogue offers 11, 17, 21. generate fails, and the detector reports an
    // extension generate error (exit 91) and writes no Dockerfiles.
    let (outcome, extension, _) = JAVA.detect_with_companion(
        "java-maven-release-21",
        MAJORS,
        &[("BP_JVM_VERSION", "1.8")],
    );
    assert_generate_failed(&outcome, &extension, "offers Java 11, 17, 21");
}
