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
    use ubi_companion_contract::to_toml;

    #[test]
    fn what_the_hand_off_file_says_is_what_the_companion_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        std::fs::write(&path, to_toml(&runtime(21, Stack::Ubi9)).unwrap()).unwrap();
        assert_eq!(
            ubi_companion_contract::read(&path),
            Ok(Some(JavaRuntime {
                major: 21,
                stack: "io.buildpacks.stacks.ubi9".to_string(),
                java_home: java_home(21),
            }))
        );
    }

    #[test]
    fn ubi9_java_21() {
        // The repository check before the install (tested in ubi-extension-support).
        let check = Repositories::default()
            .install_step(ShellCommand::new("true"))
            .to_string();
        let check = check.strip_suffix(" && true").unwrap();
        let install = Install::new(Stack::Ubi9, 21);
        assert_eq!(
            build_dockerfile(&install, Stack::Ubi9, &Repositories::default())
                .unwrap()
                .to_string(),
            format!(
                "ARG base_image\n\
             FROM ${{base_image}}\n\
             \n\
             USER root\n\
             # build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another Java major).\n\
             # Upstream ran `RUN echo ${{build_id}}` before the install, which re-ran microdnf on \
             every build.\n\
             RUN {check} && microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y \
             openssl-devel java-21-openjdk-devel nss_wrapper-libs which && microdnf clean all\n\
             # Tells the companion buildpack which Java was installed: \
             /usr/share/paketo-community/ubi-java-extension/runtime.toml\n\
             RUN mkdir -p /usr/share/paketo-community/ubi-java-extension && printf '%b' \
             'major = 21\\nstack = \"io.buildpacks.stacks.ubi9\"\\njava_home = \
             \"/usr/lib/jvm/java-21-openjdk\"\\n' > \
             /usr/share/paketo-community/ubi-java-extension/runtime.toml && chmod 644 \
             /usr/share/paketo-community/ubi-java-extension/runtime.toml\n\
             ARG user_id\n\
             ARG group_id\n\
             USER ${{user_id}}:${{group_id}}\n"
            )
        );
    }

    #[test]
    fn the_hand_off_file_is_toml_the_companion_reads() {
        // cnb-extension's write_file delivers these bytes (tested there by running the line).
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
            let text = to_toml(&runtime(major, stack)).unwrap();
            assert_eq!(text, expected);
            let table: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(table["major"].as_integer(), Some(i64::from(major)));
        }
    }
}
