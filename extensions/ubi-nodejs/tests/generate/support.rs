//! The fixtures, the packaged extension and the assertions the tests share.

use cnb_harness::{Module, workspace_root};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub(crate) const STACK_ID: &str = "CNB_STACK_ID";
pub(crate) const UBI8: &str = "io.buildpacks.stacks.ubi8";

/// The module's version, as its extension.toml declares it.
pub(crate) fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../../extension.toml"))
}

pub(crate) use cnb_harness::fixture_app as app;

pub(crate) fn fixture(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/ubi-nodejs")
        .join(name)
}

pub(crate) fn packaged() -> Module {
    Module::package("extensions/ubi-nodejs")
}

/// A copy of the packaged extension whose `[metadata] catalogue` is `catalogue`; the copy lives
/// as long as the returned directory.
pub(crate) fn with_catalogue(catalogue: &Path) -> (Module, TempDir) {
    packaged().copy_with_metadata_path("catalogue", catalogue)
}

/// A Buildpack Plan with one `node` entry per `(source, version)`, and an `npm` entry.
pub(crate) fn plan(requests: &[(Option<&str>, &str)]) -> String {
    let mut plan = String::new();
    for (source, version) in requests {
        plan.push_str("[[entries]]\nname = \"node\"\n[entries.metadata]\nbuild = true\n");
        writeln!(plan, "version = {}", toml::Value::from(*version)).unwrap();
        if let Some(source) = source {
            writeln!(plan, "version-source = \"{source}\"").unwrap();
        }
    }
    plan.push_str("[[entries]]\nname = \"npm\"\n");
    plan
}

pub(crate) fn unsatisfiable(request: &str) -> String {
    format!(
        "failed to satisfy \"node\" dependency version constraint \"{request}\": no compatible \
         versions on \"io.buildpacks.stacks.ubi8\" stack"
    )
}

pub(crate) const INVALID_REQUEST: &str = "Invalid Node.js version request";

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
    until the build image or this file changes (a stack release, another Node.js major).\n\
    # Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on every build.\n";

pub(crate) const HAND_OFF_FILE: &str =
    "/usr/share/paketo-community/ubi-nodejs-extension/runtime.toml";

pub(crate) fn runtime_lines(major: u32, stack: &str) -> String {
    format!(
        "# Tells the companion buildpack which Node.js was installed: {HAND_OFF_FILE}\n\
         RUN mkdir -p /usr/share/paketo-community/ubi-nodejs-extension && printf '%b' \
         'major = {major}\\nstack = \"{stack}\"\\n' > {HAND_OFF_FILE} && chmod 644 {HAND_OFF_FILE}\n"
    )
}

pub(crate) const RESTORE_USER: &str = "ARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n";
