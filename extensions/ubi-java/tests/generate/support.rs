//! The fixtures, the packaged extension and the assertions the tests share.

use cnb_harness::{GenerateOutcome, Module, workspace_root};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub(crate) const STACK_ID: &str = "CNB_STACK_ID";
pub(crate) const UBI8: &str = "io.buildpacks.stacks.ubi8";
pub(crate) const UBI9: &str = "io.buildpacks.stacks.ubi9";

/// The module's version, as its extension.toml declares it.
pub(crate) fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../../extension.toml"))
}

pub(crate) use cnb_harness::fixture_app as app;

pub(crate) fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/ubi-java").join(name)
}

pub(crate) fn packaged() -> Module {
    Module::package("extensions/ubi-java")
}

/// A copy of the packaged extension whose `[metadata] catalogue` is `catalogue`; the copy lives
/// as long as the returned directory.
pub(crate) fn with_catalogue(catalogue: &Path) -> (Module, TempDir) {
    packaged().copy_with_metadata_path("catalogue", catalogue)
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

/// An app directory holding `files`.
pub(crate) fn app_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

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

/// `RUN <the repository check> && `: how the install step starts (the check, which prepares the
/// binding's repositories and puts our message before microdnf's, is tested in
/// ubi-extension-support).
pub(crate) fn run_step() -> String {
    let step = ubi_extension_support::repositories::Repositories::default()
        .install_step(cnb_extension::ShellCommand::new("true"))
        .to_string();
    format!("RUN {} && ", step.strip_suffix(" && true").unwrap())
}

pub(crate) const INSTALL: &str =
    "microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y";

pub(crate) const CACHE_COMMENT: &str = "# build_id is deliberately not referenced: these layers stay cached \
    until the build image or this file changes (a stack release, another Java major).\n\
    # Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on every build.\n";

pub(crate) const HAND_OFF_FILE: &str =
    "/usr/share/paketo-community/ubi-java-extension/runtime.toml";

pub(crate) fn runtime_lines(major: u32, stack: &str, java_home: &str) -> String {
    format!(
        "# Tells the companion buildpack which Java was installed: {HAND_OFF_FILE}\n\
         RUN mkdir -p /usr/share/paketo-community/ubi-java-extension && printf '%b' \
         'major = {major}\\nstack = \"{stack}\"\\njava_home = \"{java_home}\"\\n' > \
         {HAND_OFF_FILE} && chmod 644 {HAND_OFF_FILE}\n"
    )
}

pub(crate) const RESTORE_USER: &str = "ARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n";
