//! `<platform>/env` as a cluster may mount it: the packaged extension, run as the lifecycle runs
//! it (through the harness), reads only the variables it uses (`BP_JVM_VERSION`,
//! `BP_UBI_RUN_IMAGE_OVERRIDE`), each bounded; the other files are never opened.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{GenerateOutcome, Module, ModuleRun, OddPlatformEntry, workspace_root};
use tempfile::TempDir;

/// A Buildpack Plan with `jdk` and `jre` entries asking for Java 21, as the companion writes it.
const PLAN: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\nversion = \"21\"\nversion-source = \"pom.xml\"\n\n[[entries]]\nname = \"jre\"\n[entries.metadata]\nlaunch = true\nversion = \"21\"\nversion-source = \"pom.xml\"\n";

/// The extension (its catalogue a fixture's, kept as long as the returned directory) on a Maven
/// app on UBI 8, with a platform holding a CA bundle larger than any setting, a FIFO, a
/// dangling link (an optional `Secret` key) and a directory beside the settings.
fn run_with_odd_platform() -> (ModuleRun, TempDir) {
    let root = workspace_root();
    let (module, dir) = Module::package("extensions/ubi-java").copy_with_metadata_path(
        "catalogue",
        &root.join("tests/fixtures/ubi-java/images-ubi8.json"),
    );
    let run = ModuleRun::new(
        &module,
        root.join("tests/fixtures/apps/java-maven-release-21"),
    )
    .lifecycle_env("CNB_STACK_ID", "io.buildpacks.stacks.ubi8")
    .buildpack_plan(PLAN)
    .platform_env("SSL_CERT_BUNDLE", &"x".repeat(200_000))
    .odd_platform_entry("PIPE", OddPlatformEntry::Fifo)
    .odd_platform_entry("OPTIONAL_KEY", OddPlatformEntry::DanglingLink)
    .odd_platform_entry("NESTED", OddPlatformEntry::Directory);
    (run, dir)
}

/// Before, `<platform>/env` was read whole up front: each of these files failed detect and
/// generate (exit 1), although the extension reads none of them.
#[test]
fn unrelated_platform_files_are_never_opened() {
    let (run, _dir) = run_with_odd_platform();
    let detect = run.clone().detect();
    assert_eq!(
        detect.process.exit_code, 0,
        "{}{}",
        detect.process.stdout, detect.process.stderr
    );

    let outcome = run.platform_env("BP_JVM_VERSION", "17").generate();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    assert_eq!(outcome.process.stderr, "");
    assert!(
        outcome
            .process
            .stdout
            .contains("Selected Java major version 17"),
        "{}",
        outcome.process.stdout
    );
}

/// Fails as every module fails, naming the variable and its file; writes nothing.
fn assert_platform_error(outcome: &GenerateOutcome, name: &str, reason: &str) {
    assert_eq!(outcome.process.exit_code, 1, "{}", outcome.process.stdout);
    assert!(outcome.files.is_empty(), "{:?}", outcome.files);
    let stderr = &outcome.process.stderr;
    assert!(
        stderr.starts_with(&format!(
            "ERROR: Cannot read the platform setting {name}\n  "
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("/platform/env/{name} {reason}.\n")),
        "{stderr}"
    );
    assert!(stderr.len() < 1000, "{stderr}");
}

/// A variable the extension reads that holds no value is an error naming it, never a wait.
#[test]
fn a_variable_it_reads_that_is_no_value_is_an_error_naming_it() {
    let (run, _dir) = run_with_odd_platform();
    for name in ["BP_JVM_VERSION", "BP_UBI_RUN_IMAGE_OVERRIDE"] {
        for (entry, reason) in [
            (OddPlatformEntry::Fifo, "is a FIFO, not a regular file"),
            (
                OddPlatformEntry::Directory,
                "is a directory, not a regular file",
            ),
            (
                OddPlatformEntry::DanglingLink,
                "is a symbolic link to a file that does not exist",
            ),
        ] {
            let outcome = run.clone().odd_platform_entry(name, entry).generate();
            assert_platform_error(&outcome, name, reason);
        }
        // The limit applies to the variables it reads.
        let outcome = run
            .clone()
            .platform_env(name, &"1".repeat(200_000))
            .generate();
        assert_platform_error(
            &outcome,
            name,
            "is larger than 131072 bytes, the most read from it",
        );
    }
}
