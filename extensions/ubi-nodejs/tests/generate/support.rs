//! The fixtures, the packaged extension and the assertions the tests share.

use cnb_extension::ShellCommand;
use cnb_harness::ubi_extension::UbiExtension;
use cnb_harness::{GenerateOutcome, Module};
use std::fmt::Write;
use ubi_extension_support::repositories::Repositories;

pub(crate) use cnb_harness::fixture_app as app;
pub(crate) use cnb_harness::ubi_extension::{INSTALL, STACK_ID, UBI8, UBI9, generate_on};

/// The extension under test.
pub(crate) const NODEJS: UbiExtension = UbiExtension::NODEJS;

/// `generate` of `module` on the fixture app `app_name` on `stack`, with the Buildpack Plan
/// [`plan`] of `requests`.
pub(crate) fn generate(
    module: &Module,
    app_name: &str,
    stack: &str,
    requests: &[(Option<&str>, &str)],
) -> GenerateOutcome {
    generate_on(module, app(app_name), stack, &plan(requests))
}

/// [`generate`] on ubi8 of one request, `request` from `source`.
pub(crate) fn generate_ubi8(
    module: &Module,
    app_name: &str,
    source: &str,
    request: &str,
) -> GenerateOutcome {
    generate(module, app_name, UBI8, &[(Some(source), request)])
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

/// The install step: the repository check (which prepares the binding's repositories and puts
/// our message before microdnf's, tested in ubi-extension-support), then `install`.
pub(crate) fn install_step(install: &str) -> String {
    let check = Repositories::default().install_step(ShellCommand::new("true"));
    let check = check.to_string();
    format!(
        "RUN {} && {install}",
        check.strip_suffix(" && true").unwrap()
    )
}

/// What the hand-off file says for `major` on `stack`.
pub(crate) fn hand_off(major: u32, stack: &str) -> String {
    format!("major = {major}\nstack = \"{stack}\"\n")
}

/// How generate's log ends when it installs Node.js `major` (22 or 24: built with
/// gcc-toolset-13) on ubi8, with Paketo's run image.
pub(crate) fn log_end_ubi8(major: u32) -> String {
    format!(
        "\n  Selected Node.js major version {major}\n  Run image \
         paketobuildpacks/run-nodejs-{major}-ubi8-base (from Paketo's naming for the stack)\n  \
         Installing with microdnf from module stream nodejs:{major}:\n    make \
         gcc-toolset-13-gcc gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime libatomic_ops git \
         openssl-devel python3.12 nodejs npm nodejs-nodemon nss_wrapper-libs which\n\n"
    )
}
