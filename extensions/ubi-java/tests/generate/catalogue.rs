//! The stack's catalogue: its problems name the file, names not ours are ignored, majors the
//! extension cannot install are skipped with the reason.

use crate::support::{
    INSTALL, JAVA, UBI8, UBI9, app, generate, generate_bp_jvm_version, jdk_package, log_end_17,
    plan, run_image, unmappable_on_ubi9,
};
use cnb_harness::{ModuleRun, TargetEnv, assert_contains};

#[test]
fn catalogue_problems_name_the_file_and_a_missing_one_means_the_table() {
    for (json, expected) in [
        (
            "images:\n  - java-17\n",
            "is not valid: expected value at line 1 column 1",
        ),
        (
            r#"{"images": [{"name": "java-latest"}]}"#,
            "has an image named \"java-latest\"",
        ),
        (
            r#"{"images": [{"name": "java-17", "run_image": "localhost/Run Image"}]}"#,
            "gives \"java-17\" a run_image that is not a valid image reference",
        ),
    ] {
        let (module, _dir, catalogue) = JAVA.with_catalogue_json(json);
        let outcome = generate(&module, "empty-app", UBI9, None);
        let expected = format!(
            "the Java version catalogue {} {expected}",
            catalogue.display()
        );
        outcome.assert_error("", &[&expected]);
    }

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let (module, _module_dir) = JAVA.with_catalogue(&missing);
    let outcome = generate(&module, "empty-app", UBI8, None);
    outcome.assert_dockerfiles();
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/run-java-17-ubi8-base"
    );
    assert_contains!(
        outcome.process.stdout,
        format!(
            "(built-in table for ubi8: {} does not exist): 8, 11, 17, 21 (default 17",
            missing.display()
        )
    );

    // ubi10 publishes no Java run image: without java-* entries there is nothing to offer.
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("rhel", "10.0"))
        .buildpack_plan(&plan(None))
        .generate();
    outcome.assert_error(
        "",
        &["ERROR: io.buildpacks.stacks.ubi10 offers no Java this extension knows of"],
    );
}

#[test]
fn ubi10_with_java_entries_in_its_catalogue() {
    // Upstream cannot serve ubi10 at all; a catalogue with java-* entries makes it work.
    let (module, _dir, _) = JAVA.with_catalogue_json(
        r#"{"os_name": "ubi", "os_codename": "10", "images": [{"name": "java-21", "run_image": "run-java-21"}, {"name": "nodejs-24", "is_default_run_image": true}]}"#,
    );
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .target(TargetEnv::linux_amd64("rhel", "10.0"))
        .buildpack_plan(&plan(Some(("21", "pom.xml"))))
        .generate();
    outcome.assert_dockerfiles();
    assert!(outcome.build_dockerfile.as_deref().unwrap().contains(&format!(
        " && {INSTALL} openssl-devel java-21-openjdk-devel nss_wrapper-libs which && microdnf \
         clean all\n"
    )));
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/ubi-10-run-java-21-base"
    );
}

#[test]
fn catalogue_names_that_are_not_ours_are_ignored_and_uninstallable_majors_skipped() {
    for (json, logged) in [
        (
            r#"{"images": [{"name": "javascript-tools", "run_image": "x"}, {"name": "nodejsfoo"}, {"name": "java-21", "run_image": "run-java-21"}, {"name": "nodejs-22", "is_default_run_image": true}]}"#,
            "",
        ),
        // `java-0` used to make the catalogue an error; it is skipped (never installed).
        (
            r#"{"images": [{"name": "java-0", "run_image": "run-java-0"}, {"name": "java-21"}]}"#,
            "      Skipped java-0: older than the first OpenJDK LTS release, the only Java RHEL \
             packages (8, 11, 17, 21, 25 and every fourth after)\n",
        ),
    ] {
        let (module, _dir, _) = JAVA.with_catalogue_json(json);
        let outcome = generate(&module, "empty-app", UBI9, None);
        outcome.assert_dockerfiles();
        assert_eq!(jdk_package(&outcome), "java-21-openjdk-devel", "{json}");
        assert_contains!(outcome.process.stdout, logged);
    }
}

/// Issue 21: one `java-26` (not an LTS release RHEL packages) or `java-1` entry in the
/// catalogue aborted every Java build ("The build image is broken"), even one asking for 17.
/// Now they are skipped, with the reason in the log.
#[test]
fn unknown_and_future_majors_of_the_catalogue_are_skipped() {
    let (module, _dir, catalogue) =
        JAVA.with_fixture_catalogue("images-ubi9-unknown-and-future.json");
    let pom_asks_for_17 = Some(("17", "pom.xml"));
    let outcome = generate(&module, "java-maven-release-21", UBI9, pom_asks_for_17);
    outcome.assert_dockerfiles();
    assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/run-java-17-ubi9-base"
    );
    assert_eq!(
        outcome.process.stdout,
        format!(
            "{start}\
             \x20   Using the highest-priority request: build plan jdk from pom.xml -> \"17\" \
             (Java 17)\n\
             \x20   Stack io.buildpacks.stacks.ubi9 (from CNB_STACK_ID)\n\
             \x20   Java versions of the stack (catalogue {}): 17, 21 (default 17: upstream's \
             default)\n\
             \x20     Skipped java-1: older than the first OpenJDK LTS release, the only Java \
             RHEL packages (8, 11, 17, 21, 25 and every fourth after)\n\
             \x20     Skipped java-26: not an OpenJDK LTS release, the only Java RHEL packages \
             (8, 11, 17, 21, 25 and every fourth after)\n\
             {end}",
            catalogue.display(),
            start = JAVA.log_start(&[
                "build plan jdk from pom.xml -> \"17\"",
                "build plan jre from pom.xml -> \"17\"",
                "app pom.xml -> \"21\""
            ]),
            end = log_end_17(
                "ubi9",
                "openssl-devel java-17-openjdk-devel nss_wrapper-libs which"
            )
        )
    );

    // Nothing requested: the default, 17.
    let outcome = generate(&module, "empty-app", UBI9, None);
    outcome.assert_dockerfiles();
    assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");

    // Asking for the skipped major fails, saying why.
    let outcome = generate_bp_jvm_version(&module, "empty-app", "26");
    outcome.assert_error(
        "",
        &[&format!(
            "{}\n  The catalogue also lists java-26, but this extension cannot install it: it is \
             not an OpenJDK LTS release, the only Java RHEL packages (8, 11, 17, 21, 25 and every \
             fourth after).\n",
            unmappable_on_ubi9("26", &catalogue)
        )],
    );

    // Only majors it cannot install: a clear error naming them.
    let (module, _dir, catalogue) =
        JAVA.with_fixture_catalogue("images-ubi9-only-uninstallable.json");
    let outcome = generate(&module, "java-maven-release-21", UBI9, pom_asks_for_17);
    outcome.assert_error(
        "Cannot use the stack's Java catalogue",
        &[&format!(
            "\n  the Java version catalogue {} lists \
             Java 1, 26, none of which this extension can install: java-1: older than the first \
             OpenJDK LTS release",
            catalogue.display()
        )],
    );
}
