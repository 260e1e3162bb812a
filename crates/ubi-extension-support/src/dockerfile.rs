//! The `build.Dockerfile` both extensions write to install their runtime.

use cnb_extension::{BuildDockerfile, DockerfileError, ShellCommand};

/// The `build.Dockerfile` of both extensions: as root, `install` (the microdnf command line),
/// then `runtime_toml` written to `runtime_file` for the companion, then the build user
/// restored from the `user_id`/`group_id` build arguments. `runtime` (e.g. `Node.js`) names what
/// is installed in the comments.
///
/// `build_id` is deliberately not referenced: the install layer stays cached until the build
/// image or the Dockerfile changes (upstream ran `RUN echo ${build_id}` first, which re-ran
/// microdnf on every build).
///
/// # Errors
/// When a value cannot go into the Dockerfile (see [`BuildDockerfile`]).
pub fn install_dockerfile(
    runtime: &str,
    install: ShellCommand,
    runtime_file: &str,
    runtime_toml: &str,
) -> Result<BuildDockerfile, DockerfileError> {
    Ok(BuildDockerfile::new()
        .user_root()
        .comment(&format!(
            "build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another {runtime} major)."
        ))?
        .comment(
            "Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on \
             every build.",
        )?
        .run(install)?
        .comment(&format!(
            "Tells the companion buildpack which {runtime} was installed: {runtime_file}"
        ))?
        .write_file(runtime_file, runtime_toml, 0o644)?
        .restore_user())
}
