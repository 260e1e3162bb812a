//! The `build.Dockerfile`: install Node.js as root, record what was installed for the companion
//! buildpack, restore the build user.

use crate::errors::UbiNodejsError;
use crate::packages::Install;
use cnb_extension::BuildDockerfile;
use ubi_companion_contract::nodejs::NodejsRuntime;
use ubi_extension_support::install_dockerfile;
use ubi_extension_support::repositories::Repositories;
use ubi_extension_support::stack::Stack;

/// What the hand-off file says: TOML the companion (`paketo-community/ubi-nodejs-buildpack`)
/// reads with the same type.
fn runtime(major: u32, stack: Stack) -> NodejsRuntime {
    NodejsRuntime {
        major,
        stack: stack.id().to_string(),
    }
}

/// The `build.Dockerfile` that installs `install` on `stack`.
///
/// It sets no `ENV`: the lifecycle runs buildpacks with its own environment filtered to an
/// allow-list (`CNB_STACK_ID`, `HOME`, proxies, path variables) plus the platform's env files,
/// so `ENV` from a `build.Dockerfile` does not reach them. The companion buildpack reads
/// [`HAND_OFF_FILE`](ubi_companion_contract::nodejs::HAND_OFF_FILE) instead.
pub(crate) fn build_dockerfile(
    install: &Install,
    stack: Stack,
    repositories: &Repositories,
) -> Result<BuildDockerfile, UbiNodejsError> {
    Ok(install_dockerfile(
        "Node.js",
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
        std::fs::write(&path, to_toml(&runtime(20, Stack::Ubi8)).unwrap()).unwrap();
        assert_eq!(
            ubi_companion_contract::read(&path),
            Ok(Some(NodejsRuntime {
                major: 20,
                stack: "io.buildpacks.stacks.ubi8".to_string(),
            }))
        );
    }

    #[test]
    fn ubi8_node_20() {
        // The repository check before the install (tested in ubi-extension-support).
        let check = Repositories::default()
            .install_step(ShellCommand::new("true"))
            .to_string();
        let check = check.strip_suffix(" && true").unwrap();
        let install = Install::new(Stack::Ubi8, 20).unwrap();
        assert_eq!(
            build_dockerfile(&install, Stack::Ubi8, &Repositories::default())
                .unwrap()
                .to_string(),
            format!(
                "ARG base_image\n\
             FROM ${{base_image}}\n\
             \n\
             USER root\n\
             # build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another Node.js major).\n\
             # Upstream ran `RUN echo ${{build_id}}` before the install, which re-ran microdnf on \
             every build.\n\
             RUN {check} && microdnf -y module enable nodejs:20 && microdnf --setopt=install_weak_deps=0 \
             --setopt=tsflags=nodocs install -y make gcc gcc-c++ libatomic_ops git openssl-devel \
             nodejs npm nodejs-nodemon nss_wrapper which python3 && microdnf clean all\n\
             # Tells the companion buildpack which Node.js was installed: \
             /usr/share/paketo-community/ubi-nodejs-extension/runtime.toml\n\
             RUN mkdir -p /usr/share/paketo-community/ubi-nodejs-extension && printf '%b' \
             'major = 20\\nstack = \"io.buildpacks.stacks.ubi8\"\\n' > \
             /usr/share/paketo-community/ubi-nodejs-extension/runtime.toml && chmod 644 \
             /usr/share/paketo-community/ubi-nodejs-extension/runtime.toml\n\
             ARG user_id\n\
             ARG group_id\n\
             USER ${{user_id}}:${{group_id}}\n"
            )
        );
    }

    #[test]
    fn the_hand_off_file_is_toml_the_companion_reads() {
        // cnb-extension's write_file delivers these bytes (tested there by running the line).
        let table: toml::Table =
            toml::from_str(&to_toml(&runtime(22, Stack::Ubi10)).unwrap()).unwrap();
        assert_eq!(table["major"].as_integer(), Some(22));
        assert_eq!(table["stack"].as_str(), Some("io.buildpacks.stacks.ubi10"));
    }
}
