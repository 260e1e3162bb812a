//! The fixtures, the packaged extension and the assertions the tests share.

use cnb_extension::ShellCommand;
use cnb_harness::ubi_extension::UbiExtension;
use cnb_harness::{GenerateOutcome, Module};
use std::fmt::Write;
use ubi_extension_support::repositories::Repositories;

pub(crate) use cnb_harness::fixture_app as app;
pub(crate) use cnb_harness::ubi_extension::{
    INSTALL, STACK_ID, UBI8, UBI9, app_with, generate_on, generate_with_setting,
};
use std::path::Path;

/// The extension under test.
pub(crate) const JAVA: UbiExtension = UbiExtension::JAVA;

/// `generate` of `module` on the fixture app `app_name` on `stack`, with the Buildpack Plan
/// [`plan`] of `version`.
pub(crate) fn generate(
    module: &Module,
    app_name: &str,
    stack: &str,
    version: Option<(&str, &str)>,
) -> GenerateOutcome {
    generate_on(module, app(app_name), stack, &plan(version))
}

/// [`generate`] on UBI 9 asking for Java `version` by `BP_JVM_VERSION` (nothing in the plan).
pub(crate) fn generate_bp_jvm_version(
    module: &Module,
    app_name: &str,
    version: &str,
) -> GenerateOutcome {
    let setting = ("BP_JVM_VERSION", version);
    generate_with_setting(module, app(app_name), UBI9, setting, &plan(None))
}

/// The error when `BP_JVM_VERSION` asks for Java `version` on UBI 9, whose `catalogue` offers
/// Java 17 and 21.
pub(crate) fn unmappable_on_ubi9(version: &str, catalogue: &Path) -> String {
    format!(
        "ERROR: unable to map requested Java version \"{version}\" (BP_JVM_VERSION) to a UBI \
         supported runtime\n  io.buildpacks.stacks.ubi9 offers Java 17, 21 (catalogue {}), not \
         {version}.",
        catalogue.display()
    )
}

/// A Buildpack Plan with a `jdk` (build) and a `jre` (launch) entry, each with `version` and
/// `version-source` when given, as the companion buildpack requires them.
pub(crate) fn plan(version: Option<(&str, &str)>) -> String {
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
pub(crate) const JDK_ONLY: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nbuild = true\n";

/// The run.Dockerfile's image.
pub(crate) fn run_image(outcome: &GenerateOutcome) -> &str {
    outcome
        .run_dockerfile
        .as_deref()
        .and_then(|dockerfile| dockerfile.strip_prefix("FROM "))
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap()
}

/// The JDK package the build.Dockerfile installs.
pub(crate) fn jdk_package(outcome: &GenerateOutcome) -> &str {
    outcome
        .build_dockerfile
        .as_deref()
        .unwrap()
        .split_whitespace()
        .find(|word| word.starts_with("java-") && word.ends_with("-openjdk-devel"))
        .unwrap()
}

/// The install step: the repository check (which prepares the binding's repositories and puts
/// our message before microdnf's, tested in ubi-extension-support), then `install`.
pub(crate) fn install_step(install: &str) -> String {
    let step = Repositories::default().install_step(ShellCommand::new("true"));
    format!(
        "RUN {}{install}",
        step.to_string().strip_suffix("true").unwrap()
    )
}

pub(crate) const HAND_OFF_FILE: &str =
    "/usr/share/paketo-community/ubi-java-extension/runtime.toml";

/// What the hand-off file says for `major` on `stack`, the JDK in `java_home`.
pub(crate) fn hand_off(major: u32, stack: &str, java_home: &str) -> String {
    format!("major = {major}\nstack = \"{stack}\"\njava_home = \"{java_home}\"\n")
}

/// How generate's log ends when it installs Java 17 with `packages` on `stack` (`ubi8`,
/// `ubi9`), with Paketo's run image.
pub(crate) fn log_end_17(stack: &str, packages: &str) -> String {
    format!(
        "\n  Selected Java major version 17\n  Run image paketobuildpacks/run-java-17-{stack}-base \
         (from Paketo's naming for the stack)\n  Installing with microdnf:\n    {packages}\n  \
         JAVA_HOME /usr/lib/jvm/java-17-openjdk (recorded for the companion buildpack in \
         {HAND_OFF_FILE})\n\n"
    )
}
