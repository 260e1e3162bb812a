//! `<platform>/env` as a cluster may mount it: the packaged extension, run as the lifecycle runs
//! it (through the harness), reads only the variables it uses (`BP_JVM_VERSION`,
//! `BP_UBI_RUN_IMAGE_OVERRIDE`), each bounded; the other files are never opened.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::ubi_extension::UbiExtension;

const JAVA: UbiExtension = UbiExtension::JAVA;

/// A Buildpack Plan with `jdk` and `jre` entries asking for Java 21, as the companion writes it.
const PLAN: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\nversion = \"21\"\nversion-source = \"pom.xml\"\n\n[[entries]]\nname = \"jre\"\n[entries.metadata]\nlaunch = true\nversion = \"21\"\nversion-source = \"pom.xml\"\n";

/// Before, `<platform>/env` was read whole up front: each of these files failed detect and
/// generate (exit 1), although the extension reads none of them.
#[test]
fn unrelated_platform_files_are_never_opened() {
    JAVA.assert_unread_platform_files_unopened(
        "java-maven-release-21",
        PLAN,
        ("BP_JVM_VERSION", "17"),
        "Selected Java major version 17",
    );
}

/// A variable the extension reads that holds no value is an error naming it, never a wait.
#[test]
fn a_variable_it_reads_that_is_no_value_is_an_error_naming_it() {
    let (run, _dir) = JAVA.run_with_odd_platform("java-maven-release-21", PLAN);
    for name in ["BP_JVM_VERSION", "BP_UBI_RUN_IMAGE_OVERRIDE"] {
        run.assert_generate_refuses_odd_setting(name);
    }
}
