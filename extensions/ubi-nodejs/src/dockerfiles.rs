//! The `build.Dockerfile`: install Node.js as root, record what was installed for the companion
//! buildpack, restore the build user.

use crate::packages::Install;
use cnb_extension::{BuildDockerfile, DockerfileError, ShellCommand};
use ubi_common::stack::Stack;

/// Where the build image records the installed runtime for the companion buildpack
/// (`paketo-community/ubi-nodejs-buildpack`): `major = <N>` and `stack = "<stack id>"`.
pub(crate) const RUNTIME_DIR: &str = "/usr/share/paketo-community/ubi-nodejs-extension";
pub(crate) const RUNTIME_FILE: &str =
    "/usr/share/paketo-community/ubi-nodejs-extension/runtime.toml";

/// Writes the runtime file, world-readable. The script holds only validated values: the major
/// is an integer and the stack id comes from a fixed set, so nothing needs escaping.
fn write_runtime_file(major: u32, stack: Stack) -> ShellCommand {
    let script = format!(
        "umask 022 && mkdir -p {RUNTIME_DIR} && printf \"major = %s\\nstack = \\\"%s\\\"\\n\" \
         {major} {stack} > {RUNTIME_FILE} && chmod 0644 {RUNTIME_FILE}",
        stack = stack.id()
    );
    ShellCommand::new("sh").arg("-c").arg(script)
}

/// The `build.Dockerfile` that installs `install` on `stack`.
///
/// It sets no `ENV`: the lifecycle runs buildpacks with its own environment filtered to an
/// allow-list (`CNB_STACK_ID`, `HOME`, proxies, path variables) plus the platform's env files,
/// so `ENV` from a `build.Dockerfile` does not reach them. The companion buildpack reads
/// [`RUNTIME_FILE`] instead.
pub(crate) fn build_dockerfile(
    install: &Install,
    stack: Stack,
) -> Result<BuildDockerfile, DockerfileError> {
    Ok(BuildDockerfile::new()
        .user_root()
        .comment(
            "build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another Node.js major).",
        )?
        .comment(
            "Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on \
             every build.",
        )?
        .run(install.command())?
        .comment(&format!(
            "Tells the companion buildpack which Node.js was installed: {RUNTIME_FILE}"
        ))?
        .run(write_runtime_file(install.major, stack))?
        .restore_user())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn ubi8_node_20() {
        let install = Install::new(Stack::Ubi8, 20).unwrap();
        assert_eq!(
            build_dockerfile(&install, Stack::Ubi8).unwrap().to_string(),
            "ARG base_image\n\
             FROM ${base_image}\n\
             \n\
             USER root\n\
             # build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another Node.js major).\n\
             # Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on \
             every build.\n\
             RUN microdnf -y module enable nodejs:20 && microdnf --setopt=install_weak_deps=0 \
             --setopt=tsflags=nodocs install -y make gcc gcc-c++ libatomic_ops git openssl-devel \
             nodejs npm nodejs-nodemon nss_wrapper which python3 && microdnf clean all\n\
             # Tells the companion buildpack which Node.js was installed: \
             /usr/share/paketo-community/ubi-nodejs-extension/runtime.toml\n\
             RUN sh -c 'umask 022 && mkdir -p /usr/share/paketo-community/ubi-nodejs-extension && \
             printf \"major = %s\\nstack = \\\"%s\\\"\\n\" 20 io.buildpacks.stacks.ubi8 > \
             /usr/share/paketo-community/ubi-nodejs-extension/runtime.toml && chmod 0644 \
             /usr/share/paketo-community/ubi-nodejs-extension/runtime.toml'\n\
             ARG user_id\n\
             ARG group_id\n\
             USER ${user_id}:${group_id}\n"
        );
    }

    #[test]
    fn the_runtime_script_writes_the_runtime_file() {
        // Run the script as the Dockerfile's shell would, in a temporary root.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let command = write_runtime_file(22, Stack::Ubi10).to_string();
        let script = command
            .strip_prefix("sh -c '")
            .and_then(|rest| rest.strip_suffix('\''))
            .unwrap()
            .replace("/usr/share/", &format!("{root}/usr/share/"));
        let status = std::process::Command::new("sh")
            .args(["-c", &script])
            .status()
            .unwrap();
        assert!(status.success());
        let file = format!("{root}{RUNTIME_FILE}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "major = 22\nstack = \"io.buildpacks.stacks.ubi10\"\n"
        );
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
