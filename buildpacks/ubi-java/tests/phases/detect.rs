//! Detect: the version each app asks for, and the app files it refuses (FIFOs, links out of
//! the app, expansion bombs, huge values).

use crate::common::buildpack;
use crate::support::{ID, exploded_jar_plan, requirements};
use cnb_harness::detect::assert_not_detected;
use cnb_harness::files::dir_with_files;
use cnb_harness::{
    ModuleRun, Outcome, Process, assert_contains, fixture_app, mkfifo, workspace_root,
};
use jvm_version::VersionSource;
use std::path::Path;
use std::time::Duration;

#[test]
fn detect_reads_the_version_of_each_fixture() {
    let buildpack = buildpack();
    assert_eq!(buildpack.id, ID);
    for (app, version, source, marker) in [
        ("java-maven-release-21", "21", "pom.xml", "pom.xml"),
        (
            "java-gradle-toolchain-17",
            "17",
            "build.gradle.kts",
            "build.gradle.kts",
        ),
        (
            "java-prebuilt-jar",
            "17",
            "MANIFEST.MF",
            "META-INF/MANIFEST.MF",
        ),
        ("java-sdkmanrc", "17", ".sdkmanrc", "pom.xml"),
    ] {
        let outcome = ModuleRun::new(&buildpack, fixture_app(app)).detect();
        outcome.assert_success();
        let exploded_jar = marker == "META-INF/MANIFEST.MF";
        let expected_plan = if exploded_jar {
            exploded_jar_plan(&requirements(Some((version, source))))
        } else {
            requirements(Some((version, source)))
        };
        assert_eq!(outcome.plan, Some(expected_plan), "{app}");
        let mut expected_log = if version == "17" && source == ".sdkmanrc" {
            format!(
                "JVM application ({marker}): requires jdk and jre 17 (from .sdkmanrc: 17.0.10-tem)\n"
            )
        } else {
            format!("JVM application ({marker}): requires jdk and jre {version} (from {source})\n")
        };
        if exploded_jar {
            expected_log.push_str(
                "Exploded executable JAR: provides jvm-application-package when a later \
                 buildpack launches it\n",
            );
        }
        assert_eq!(outcome.process.stdout, expected_log, "{app}");
    }
}

#[test]
fn detect_bp_jvm_version_wins() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-sdkmanrc"))
        .platform_env("BP_JVM_VERSION", "11.*")
        .detect();
    outcome.assert_success();
    assert_eq!(
        outcome.plan,
        Some(requirements(Some(("11", "BP_JVM_VERSION"))))
    );
}

#[test]
fn detect_without_a_version_requires_jdk_and_jre_without_one() {
    let app = dir_with_files(&[("pom.xml", "<project/>")]);
    let outcome = ModuleRun::new(&buildpack(), app.path()).detect();
    outcome.assert_success();
    assert_eq!(outcome.plan, Some(requirements(None)));
    assert_eq!(
        outcome.process.stdout,
        "JVM application (pom.xml): requires jdk and jre without a version (the extension's default)\n"
    );
}

#[test]
fn detect_fails_for_other_apps() {
    assert_not_detected(
        &ModuleRun::new(&buildpack(), fixture_app("empty-app")).detect(),
        "No JVM application: none of pom.xml, build.gradle, build.gradle.kts, META-INF/MANIFEST.MF or a *.jar at the app root",
    );
}

#[test]
fn detect_rejects_an_invalid_version() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("java-maven-release-21"))
        .platform_env("BP_JVM_VERSION", "latest")
        .detect();
    outcome.process.assert_module_error(
        "Invalid Java version request",
        &["\n  BP_JVM_VERSION=\"latest\" is not a Java version"],
    );
}

/// Detect, killed after the harness's hang guard: the process (`None` when it hung) and how long it ran.
fn detect_bounded(app: &Path) -> (Option<Process>, Duration) {
    ModuleRun::new(&buildpack(), app).run_bounded("detect", cnb_harness::HANG_GUARD)
}

/// Detect failed with an error (exit 1, not 100 "not a JVM app"): its stderr.
fn detect_error(app: &Path) -> String {
    let (process, took) = detect_bounded(app);
    let process = process.unwrap_or_else(|| panic!("detect hung ({took:?})"));
    process.assert_exit(1);
    assert!(process.stdout.len() < 1000, "{}", process.stdout);
    assert!(process.stderr.len() < 1000, "{}", process.stderr);
    process.stderr
}

#[test]
fn detect_fails_clearly_on_app_files_that_are_fifos() {
    for file in VersionSource::ALL
        .into_iter()
        .filter_map(VersionSource::file)
    {
        let app = tempfile::tempdir().unwrap();
        // A JVM app whatever the FIFO is (a FIFO is not a marker file).
        std::fs::write(app.path().join("app.jar"), "").unwrap();
        let fifo = app.path().join(file);
        mkfifo(&fifo);
        let stderr = detect_error(app.path());
        assert!(
            stderr.starts_with(&format!(
                "ERROR: Cannot read {path}\n  cannot read the app's Java version: {path} is a \
                 FIFO, not a regular file.",
                path = fifo.display()
            )),
            "{file}: {stderr}"
        );
    }
}

/// A FIFO or a directory named `pom.xml`, a FIFO `build.gradle.kts` or `META-INF/MANIFEST.MF`
/// made detect exit 100 ("not a JVM app") where the extension, reading the same file for the
/// version, gives an error: detect now gives that error (`jvm_version`'s, the extension's).
#[test]
fn detect_errors_on_a_jvm_app_file_that_is_no_regular_file() {
    let directory: fn(&Path) = |path| std::fs::create_dir(path).unwrap();
    for (file, make) in [
        ("pom.xml", mkfifo as fn(&Path)),
        ("pom.xml", directory),
        ("build.gradle.kts", mkfifo),
        ("META-INF/MANIFEST.MF", mkfifo),
    ] {
        let app = tempfile::tempdir().unwrap();
        let path = app.path().join(file);
        make(&path);
        let stderr = detect_error(app.path());
        let extension_error = jvm_version::requested_version(app.path(), None)
            .unwrap_err()
            .to_string();
        assert!(
            stderr.starts_with(&format!(
                "ERROR: Cannot read {}\n  {extension_error}.\n",
                path.display()
            )),
            "{file}: {stderr}"
        );
    }
}

#[test]
fn detect_fails_on_a_pom_expansion_bomb() {
    // The 641-byte pom of issue 13: detect ran past 30 s building a 200 MB string. The work is
    // bounded by the substitution and size limits: the error says which one stopped it.
    let app = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace_root().join("tests/fixtures/ubi-java/pom-expansion-bomb.xml"),
        app.path().join("pom.xml"),
    )
    .unwrap();
    let stderr = detect_error(app.path());
    assert!(
        stderr.starts_with(
            "ERROR: Invalid Java version request\n  pom.xml sets the Java version with \
             <maven.compiler.release>, but its ${...} property references expand to more than \
             1024 bytes"
        ),
        "{stderr}"
    );
}

#[test]
fn detect_quotes_a_long_java_version_cut_and_refuses_a_huge_one() {
    let app = dir_with_files(&[("pom.xml", "<project/>")]);
    std::fs::write(app.path().join(".java-version"), "1".repeat(60_000)).unwrap();
    let stderr = detect_error(app.path());
    assert_contains!(stderr, "… (cut, 60000 bytes in all)");
    // 10 MB printed 20 MB before.
    std::fs::write(app.path().join(".java-version"), "1".repeat(10 << 20)).unwrap();
    let stderr = detect_error(app.path());
    assert_contains!(
        stderr,
        ".java-version is larger than 65536 bytes, the most read from it"
    );
}

#[test]
fn detect_refuses_a_java_version_linked_out_of_the_app() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), "root:secret-hash:19000\n").unwrap();
    let app = dir_with_files(&[("pom.xml", "<project/>")]);
    std::os::unix::fs::symlink(
        outside.path().join("shadow"),
        app.path().join(".java-version"),
    )
    .unwrap();
    let stderr = detect_error(app.path());
    assert_contains!(stderr, "outside the app directory");
    assert!(!stderr.contains("secret"), "{stderr}");
}
