//! Which Java the extension installs, from which source, and which run image the app gets.

use crate::support::{
    INSTALL, JAVA, JDK_ONLY, STACK_ID, UBI8, UBI9, app, generate, generate_bp_jvm_version,
    hand_off, install_step, jdk_package, log_end_17, plan, run_image, unmappable_on_ubi9,
};
use cnb_harness::{ModuleRun, TargetEnv, assert_contains};

#[test]
fn ubi8_without_java_entries_uses_the_builtin_table_and_the_sdkmanrc() {
    let (module, _dir, catalogue) = JAVA.with_fixture_catalogue("images-ubi8.json");
    let outcome = ModuleRun::new(&module, app("java-sdkmanrc"))
        .lifecycle_env(STACK_ID, UBI8)
        .target(TargetEnv::linux_amd64("rhel", "8.10"))
        .buildpack_plan(JDK_ONLY)
        .generate();
    outcome.assert_dockerfiles();
    let install = format!(
        "{INSTALL} openssl-devel java-17-openjdk-devel nss_wrapper which && microdnf clean all"
    );
    assert_eq!(
        outcome.build_dockerfile.as_deref().unwrap(),
        JAVA.build_dockerfile(
            &install_step(&install),
            &hand_off(17, UBI8, "/usr/lib/jvm/java-17-openjdk")
        )
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-java-17-ubi8-base\n")
    );
    assert_eq!(
        outcome.process.stdout,
        format!(
            "{start}\
             \x20   Using the highest-priority request: app .sdkmanrc -> \"17.0.10-tem\" (Java 17)\n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Java versions of the stack (built-in table for ubi8: {} lists no \
             java-<major> image): 8, 11, 17, 21 (default 17: upstream's default)\n\
             {end}",
            catalogue.display(),
            start = JAVA.log_start(&["app .sdkmanrc -> \"17.0.10-tem\""]),
            end = log_end_17(
                "ubi8",
                "openssl-devel java-17-openjdk-devel nss_wrapper which"
            )
        )
    );
}

/// The whole `build.Dockerfile` and the run image: the major's packages (`java-1.8.0-*` for 8;
/// `nss_wrapper` on ubi8, `nss_wrapper-libs` on ubi9), where its RPM puts the JDK, and the stack
/// from `CNB_STACK_ID` or from the target.
#[test]
fn the_build_dockerfile_installs_the_majors_packages_and_hands_off_the_java_home() {
    for (catalogue, stack, target, jvm_version, packages, major, java_home, run_stack) in [
        (
            "images-ubi8.json",
            Some(UBI8),
            None,
            // The legacy spelling of 8.
            Some("1.8"),
            "openssl-devel java-1.8.0-openjdk-devel nss_wrapper which",
            8,
            "/usr/lib/jvm/java-1.8.0-openjdk",
            (UBI8, "ubi8"),
        ),
        (
            "images-ubi9.json",
            None,
            Some("9.4"),
            None,
            "openssl-devel java-21-openjdk-devel nss_wrapper-libs which",
            21,
            "/usr/lib/jvm/java-21-openjdk",
            (UBI9, "ubi9"),
        ),
    ] {
        let (module, _dir, _) = JAVA.with_fixture_catalogue(catalogue);
        let mut run = ModuleRun::new(&module, app("java-maven-release-21"))
            .buildpack_plan(&plan(Some(("21", "pom.xml"))));
        if let Some(jvm_version) = jvm_version {
            run = run.platform_env("BP_JVM_VERSION", jvm_version);
        }
        if let Some(stack) = stack {
            run = run.lifecycle_env(STACK_ID, stack);
        }
        if let Some(version) = target {
            run = run.target(TargetEnv::linux_amd64("rhel", version));
        }
        let outcome = run.generate();
        outcome.assert_dockerfiles();
        let (stack, base) = run_stack;
        assert_eq!(
            outcome.build_dockerfile.as_deref().unwrap(),
            JAVA.build_dockerfile(
                &install_step(&format!("{INSTALL} {packages} && microdnf clean all")),
                &hand_off(major, stack, java_home)
            )
        );
        assert_eq!(
            run_image(&outcome),
            format!("paketobuildpacks/run-java-{major}-{base}-base")
        );
    }
}

#[test]
fn ubi9_from_the_target_logs_every_candidate_and_the_catalogue() {
    let (module, _dir, catalogue) = JAVA.with_fixture_catalogue("images-ubi9.json");
    let outcome = ModuleRun::new(&module, app("java-maven-release-21"))
        .target(TargetEnv::linux_amd64("rhel", "9.4"))
        .buildpack_plan(&plan(Some(("21", "pom.xml"))))
        .generate();
    outcome.assert_dockerfiles();
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
        assert_contains!(outcome.process.stdout, line);
    }
}

/// One generate on UBI 9 (`CNB_STACK_ID`), and what it must choose.
struct Choice {
    catalogue: &'static str,
    app: &'static str,
    /// A platform setting.
    setting: Option<(&'static str, &'static str)>,
    /// The plan's version and its source.
    plan: Option<(&'static str, &'static str)>,
    major: u32,
    run_image: &'static str,
    logged: &'static [&'static str],
}

const LOCAL_RUN_IMAGES: &str = "images-ubi9-local-run-images.json";

/// Which request wins (`BP_JVM_VERSION`, the plan, the app's files, the catalogue's default),
/// and which run image (Paketo's naming, the catalogue's full reference,
/// `BP_UBI_RUN_IMAGE_OVERRIDE` unless empty), each said in the log.
const CHOICES: &[Choice] = &[
    Choice {
        catalogue: "images-ubi9.json",
        app: "java-maven-release-21",
        setting: Some(("BP_JVM_VERSION", "17.*")),
        plan: Some(("21", "pom.xml")),
        major: 17,
        run_image: "paketobuildpacks/run-java-17-ubi9-base",
        logged: &[
            "      BP_JVM_VERSION -> \"17.*\"\n      build plan jdk from pom.xml -> \"21\"\n",
        ],
    },
    Choice {
        catalogue: "images-ubi9.json",
        app: "java-maven-release-21",
        setting: None,
        plan: None,
        major: 21,
        run_image: "paketobuildpacks/run-java-21-ubi9-base",
        logged: &["    Using the highest-priority request: app pom.xml -> \"21\" (Java 21)\n"],
    },
    Choice {
        catalogue: "images-ubi9.json",
        app: "java-gradle-toolchain-17",
        setting: None,
        plan: None,
        major: 17,
        run_image: "paketobuildpacks/run-java-17-ubi9-base",
        logged: &[
            "    Using the highest-priority request: app build.gradle.kts -> \"17\" (Java 17)\n",
        ],
    },
    Choice {
        catalogue: "images-ubi9.json",
        app: "java-prebuilt-jar",
        setting: None,
        plan: None,
        major: 17,
        run_image: "paketobuildpacks/run-java-17-ubi9-base",
        logged: &[
            "    Using the highest-priority request: app META-INF/MANIFEST.MF -> \"17\" (Java 17)\n",
        ],
    },
    Choice {
        catalogue: "images-ubi9.json",
        app: "java-sdkmanrc",
        setting: None,
        plan: None,
        major: 17,
        run_image: "paketobuildpacks/run-java-17-ubi9-base",
        logged: &[
            "    Using the highest-priority request: app .sdkmanrc -> \"17.0.10-tem\" (Java 17)\n",
        ],
    },
    Choice {
        catalogue: "images-ubi9.json",
        app: "java-version-file",
        setting: None,
        plan: None,
        major: 17,
        run_image: "paketobuildpacks/run-java-17-ubi9-base",
        logged: &[
            "    Using the highest-priority request: app .java-version -> \"17.0.10\" (Java 17)\n",
        ],
    },
    Choice {
        catalogue: LOCAL_RUN_IMAGES,
        app: "empty-app",
        setting: None,
        plan: None,
        major: 17,
        run_image: "localhost/paketo/run-java-17-ubi9-base:0.0.42",
        logged: &[
            "    No version requested (BP_JVM_VERSION, the build plan's jdk and jre, the app's \
             .sdkmanrc, .java-version, MANIFEST.MF, pom.xml, build.gradle(.kts))\n",
            "    No version requested: using the default, 17\n",
            "  Run image localhost/paketo/run-java-17-ubi9-base:0.0.42 (from run_image of \
             java-17 in the catalogue)\n",
        ],
    },
    Choice {
        catalogue: LOCAL_RUN_IMAGES,
        app: "java-maven-release-21",
        setting: Some(("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/my/run-java:21")),
        plan: None,
        major: 21,
        run_image: "localhost/my/run-java:21",
        logged: &[
            "  Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-java:21\n",
        ],
    },
    // Upstream writes `FROM ` with nothing after it; here an empty value is unset.
    Choice {
        catalogue: LOCAL_RUN_IMAGES,
        app: "java-maven-release-21",
        setting: Some(("BP_UBI_RUN_IMAGE_OVERRIDE", "")),
        plan: None,
        major: 21,
        run_image: "localhost/paketo/run-java-21-ubi9-base:0.0.42",
        logged: &[],
    },
];

#[test]
fn the_request_the_catalogue_and_the_override_choose_the_jdk_and_the_run_image() {
    for choice in CHOICES {
        let (module, _dir, _) = JAVA.with_fixture_catalogue(choice.catalogue);
        let mut run = ModuleRun::new(&module, app(choice.app))
            .lifecycle_env(STACK_ID, UBI9)
            .buildpack_plan(&plan(choice.plan));
        if let Some((name, value)) = choice.setting {
            run = run.platform_env(name, value);
        }
        let outcome = run.generate();
        outcome.assert_dockerfiles();
        let what = format!("{} {:?}", choice.app, choice.setting);
        assert_eq!(
            jdk_package(&outcome),
            format!("java-{}-openjdk-devel", choice.major),
            "{what}"
        );
        assert_eq!(run_image(&outcome), choice.run_image, "{what}");
        for line in choice.logged {
            assert_contains!(outcome.process.stdout, line, "{what}");
        }
    }
}

#[test]
fn an_unsupported_major_fails_with_the_supported_list() {
    let (module, _dir, catalogue) = JAVA.with_fixture_catalogue("images-ubi9.json");
    let outcome = generate_bp_jvm_version(&module, "java-maven-release-21", "11");
    outcome.assert_error("", &[&unmappable_on_ubi9("11", &catalogue)]);
    // The log went as far as the candidates.
    assert_contains!(outcome.process.stdout, "      BP_JVM_VERSION -> \"11\"\n");
    // 22 on the ubi8 table.
    let (module, _dir, _) = JAVA.with_fixture_catalogue("images-ubi8.json");
    let outcome = generate(&module, "empty-app", UBI8, Some(("22", "BP_JVM_VERSION")));
    outcome.assert_error(
        "",
        &["offers Java 8, 11, 17, 21 (built-in table for ubi8: "],
    );
}
