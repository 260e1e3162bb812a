//! The `build.Dockerfile`: install the JDK as root, record what was installed for the companion
//! buildpack, restore the build user.

use crate::packages::{Install, java_home};
use cnb_extension::{BuildDockerfile, DockerfileError, ShellCommand};
use ubi_common::stack::Stack;

/// Where the build image records the installed JDK for the companion buildpack
/// (`paketo-community/ubi-java-buildpack`): `major = <N>`, `stack = "<stack id>"` and
/// `java_home = "<path>"`. It is part of the extended build image, so it survives into the
/// build; upstream's marker files at `/` (`/bpi.paketo.ubi.java.version`) are not written.
pub(crate) const RUNTIME_DIR: &str = "/usr/share/paketo-community/ubi-java-extension";
pub(crate) const RUNTIME_FILE: &str = "/usr/share/paketo-community/ubi-java-extension/runtime.toml";

/// Writes the runtime file, world-readable. The script holds only validated values: the major
/// is an integer, the stack id comes from a fixed set and `JAVA_HOME` is built from the major,
/// so nothing needs escaping.
fn write_runtime_file(major: u32, stack: Stack) -> ShellCommand {
    let script = format!(
        "umask 022 && mkdir -p {RUNTIME_DIR} && printf \"major = %s\\nstack = \\\"%s\\\"\\n\
         java_home = \\\"%s\\\"\\n\" {major} {stack} {home} > {RUNTIME_FILE} && chmod 0644 \
         {RUNTIME_FILE}",
        stack = stack.id(),
        home = java_home(major)
    );
    ShellCommand::new("sh").arg("-c").arg(script)
}

/// The `build.Dockerfile` that installs `install` on `stack`.
///
/// It sets no `ENV` (`JAVA_HOME` included): the lifecycle runs buildpacks with its own
/// environment filtered to an allow-list plus the platform's env files, so `ENV` from a
/// `build.Dockerfile` does not reach them. The companion buildpack reads [`RUNTIME_FILE`].
/// The user is restored from the `user_id`/`group_id` build arguments (upstream hard-coded
/// `USER 1000:1000`, while the stacks' build user is 1002:1000).
pub(crate) fn build_dockerfile(
    install: &Install,
    stack: Stack,
) -> Result<BuildDockerfile, DockerfileError> {
    Ok(BuildDockerfile::new()
        .user_root()
        .comment(
            "build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another Java major).",
        )?
        .comment(
            "Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on \
             every build.",
        )?
        .run(install.command())?
        .comment(&format!(
            "Tells the companion buildpack which Java was installed: {RUNTIME_FILE}"
        ))?
        .run(write_runtime_file(install.major, stack))?
        .restore_user())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn ubi9_java_21() {
        let install = Install::new(Stack::Ubi9, 21);
        assert_eq!(
            build_dockerfile(&install, Stack::Ubi9).unwrap().to_string(),
            "ARG base_image\n\
             FROM ${base_image}\n\
             \n\
             USER root\n\
             # build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another Java major).\n\
             # Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on \
             every build.\n\
             RUN microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y \
             openssl-devel java-21-openjdk-devel nss_wrapper-libs which && microdnf clean all\n\
             # Tells the companion buildpack which Java was installed: \
             /usr/share/paketo-community/ubi-java-extension/runtime.toml\n\
             RUN sh -c 'umask 022 && mkdir -p /usr/share/paketo-community/ubi-java-extension && \
             printf \"major = %s\\nstack = \\\"%s\\\"\\njava_home = \\\"%s\\\"\\n\" 21 \
             io.buildpacks.stacks.ubi9 /usr/lib/jvm/java-21-openjdk > \
             /usr/share/paketo-community/ubi-java-extension/runtime.toml && chmod 0644 \
             /usr/share/paketo-community/ubi-java-extension/runtime.toml'\n\
             ARG user_id\n\
             ARG group_id\n\
             USER ${user_id}:${group_id}\n"
        );
    }

    #[test]
    fn the_runtime_script_writes_the_runtime_file() {
        // Run the script as the Dockerfile's shell would, in a temporary root.
        for (major, stack, expected) in [
            (
                8,
                Stack::Ubi8,
                "major = 8\nstack = \"io.buildpacks.stacks.ubi8\"\n\
                 java_home = \"/usr/lib/jvm/java-1.8.0-openjdk\"\n",
            ),
            (
                21,
                Stack::Ubi10,
                "major = 21\nstack = \"io.buildpacks.stacks.ubi10\"\n\
                 java_home = \"/usr/lib/jvm/java-21-openjdk\"\n",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().to_str().unwrap();
            let command = write_runtime_file(major, stack).to_string();
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
            let text = std::fs::read_to_string(&file).unwrap();
            assert_eq!(text, expected);
            // It is TOML the companion can read.
            let table: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(table["major"].as_integer(), Some(i64::from(major)));
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }
}
