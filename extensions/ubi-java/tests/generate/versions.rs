//! Which Java the extension installs, from which source, and which run image the app gets.

use crate::support::{
    CACHE_COMMENT, INSTALL, JDK_ONLY, RESTORE_USER, RUNTIME_FILE, STACK_ID, UBI8, UBI9, app,
    assert_failure, assert_success, fixture, jdk_package, plan, run_image, run_step, runtime_lines,
    version, with_catalogue,
};
use cnb_harness::{ModuleRun, TargetEnv};

#[test]
fn ubi8_without_java_entries_uses_the_builtin_table_and_the_sdkmanrc() {
    let run = run_step();
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
             {run}{INSTALL} openssl-devel java-17-openjdk-devel nss_wrapper which && \
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
    let run = run_step();
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
             {run}{INSTALL} openssl-devel java-1.8.0-openjdk-devel nss_wrapper which && \
             microdnf clean all\n{}{RESTORE_USER}",
            runtime_lines(8, UBI8, "/usr/lib/jvm/java-1.8.0-openjdk")
        )
    );
    assert_eq!(run_image(&outcome), "paketobuildpacks/run-java-8-ubi8-base");
}

#[test]
fn ubi9_from_the_target_with_the_plan_version() {
    let run = run_step();
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
             {run}{INSTALL} openssl-devel java-21-openjdk-devel nss_wrapper-libs which && \
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
