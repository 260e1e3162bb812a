//! The `build.Dockerfile` both extensions write to install their runtime.

use crate::SharedError;
use crate::repositories::Repositories;
use cnb_extension::{BuildDockerfile, ShellCommand};
use ubi_companion_contract::{HandOff, to_toml};

/// The `build.Dockerfile` of both extensions: as root, `install` (the microdnf command line),
/// then `hand_off` written to its file for the companion (as TOML, the companion reads it with
/// the same type), then the build user
/// restored from the `user_id`/`group_id` build arguments. `runtime` (e.g. `Node.js`) names what
/// is installed in the comments.
///
/// `repositories` says where microdnf installs from: the install runs as its
/// [`install_step`](Repositories::install_step) (the binding's repositories prepared and checked
/// first, our message when they cannot be reached), after an `ARG` for each proxy variable given
/// to the build (its value is a build argument of `extend-config.toml`, never in the image).
///
/// `build_id` is deliberately not referenced: the install layer stays cached until the build
/// image or the Dockerfile changes (upstream ran `RUN echo ${build_id}` first, which re-ran
/// microdnf on every build).
///
/// # Errors
/// When a value cannot go into the Dockerfile (see [`BuildDockerfile`]), or `hand_off` cannot
/// be written as TOML.
pub fn install_dockerfile<H: HandOff>(
    runtime: &str,
    install: ShellCommand,
    repositories: &Repositories,
    hand_off: &H,
) -> Result<BuildDockerfile, SharedError> {
    let mut dockerfile = BuildDockerfile::new()
        .user_root()
        .comment(&format!(
            "build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another {runtime} major)."
        ))?
        .comment(
            "Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on \
             every build.",
        )?;
    for name in repositories.proxy_arg_names() {
        dockerfile = dockerfile.arg(name)?;
    }
    Ok(dockerfile
        .run(repositories.install_step(install))?
        .comment(&format!(
            "Tells the companion buildpack which {runtime} was installed: {}",
            H::FILE
        ))?
        .write_file(H::FILE, &to_toml(hand_off)?, 0o644)?
        .restore_user())
}
