//! The `build.Dockerfile`: install the JDK as root, record what was installed for the companion
//! buildpack, restore the build user.

use crate::errors::UbiJavaError;
use crate::packages::{Install, java_home};
use cnb_extension::BuildDockerfile;
use ubi_companion_contract::java::JavaRuntime;
use ubi_extension_support::install_dockerfile;
use ubi_extension_support::repositories::Repositories;
use ubi_extension_support::stack::Stack;

/// What the hand-off file says: TOML the companion (`paketo-community/ubi-java-buildpack`)
/// reads with the same type. It is part of the extended build image, so it survives into the
/// build; upstream's marker files at `/` (`/bpi.paketo.ubi.java.version`) are not written.
fn runtime(major: u32, stack: Stack) -> JavaRuntime {
    JavaRuntime {
        major,
        stack: stack.id().to_string(),
        java_home: java_home(major),
    }
}

/// The `build.Dockerfile` that installs `install` on `stack`.
///
/// It sets no `ENV` (`JAVA_HOME` included): the lifecycle runs buildpacks with its own
/// environment filtered to an allow-list plus the platform's env files, so `ENV` from a
/// `build.Dockerfile` does not reach them. The companion buildpack reads
/// [`HAND_OFF_FILE`](ubi_companion_contract::java::HAND_OFF_FILE).
/// The user is restored from the `user_id`/`group_id` build arguments (upstream hard-coded
/// `USER 1000:1000`, while the stacks' build user is 1002:1000).
pub(crate) fn build_dockerfile(
    install: &Install,
    stack: Stack,
    repositories: &Repositories,
) -> Result<BuildDockerfile, UbiJavaError> {
    Ok(install_dockerfile(
        "Java",
        install.command(&repositories.dnf_options()),
        repositories,
        &runtime(install.major, stack),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::ShellCommand;
    use cnb_harness::ubi_extension::{INSTALL, UbiExtension};
    use ubi_companion_contract::{from_toml, to_toml};

    #[test]
    fn ubi9_java_21() {
        // The repository check before the install (tested in ubi-extension-support).
        let check = Repositories::default().install_step(ShellCommand::new("true"));
        let install = Install::new(Stack::Ubi9, 21);
        assert_eq!(
            build_dockerfile(&install, Stack::Ubi9, &Repositories::default())
                .unwrap()
                .to_string(),
            UbiExtension::JAVA.build_dockerfile(
                &format!(
                    "RUN {}{INSTALL} openssl-devel java-21-openjdk-devel nss_wrapper-libs which \
                     && microdnf clean all",
                    check.to_string().strip_suffix("true").unwrap()
                ),
                "major = 21\nstack = \"io.buildpacks.stacks.ubi9\"\n\
                 java_home = \"/usr/lib/jvm/java-21-openjdk\"\n"
            )
        );
    }

    /// What the hand-off file says: TOML the companion reads back as the same runtime
    /// (cnb-extension's `write_file` delivers these bytes, tested there by running the line).
    #[test]
    fn the_hand_off_file_is_toml_the_companion_reads() {
        for (major, stack, expected) in [
            (
                8,
                Stack::Ubi8,
                "major = 8\nstack = \"io.buildpacks.stacks.ubi8\"\n\
                 java_home = \"/usr/lib/jvm/java-1.8.0-openjdk\"\n",
            ),
            (
                21,
                Stack::Ubi9,
                "major = 21\nstack = \"io.buildpacks.stacks.ubi9\"\n\
                 java_home = \"/usr/lib/jvm/java-21-openjdk\"\n",
            ),
            (
                21,
                Stack::Ubi10,
                "major = 21\nstack = \"io.buildpacks.stacks.ubi10\"\n\
                 java_home = \"/usr/lib/jvm/java-21-openjdk\"\n",
            ),
        ] {
            let text = to_toml(&runtime(major, stack)).unwrap();
            assert_eq!(text, expected);
            assert_eq!(from_toml(&text), Ok(runtime(major, stack)), "{text}");
        }
    }
}
