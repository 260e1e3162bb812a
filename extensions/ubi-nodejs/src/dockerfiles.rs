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
    use cnb_harness::ubi_extension::{INSTALL, UbiExtension};
    use ubi_companion_contract::{from_toml, to_toml};

    #[test]
    fn ubi8_node_20() {
        // The repository check before the install (tested in ubi-extension-support).
        let check = Repositories::default().install_step(ShellCommand::new("true"));
        let check = check.to_string();
        let install = Install::new(Stack::Ubi8, 20).unwrap();
        let dockerfile = build_dockerfile(&install, Stack::Ubi8, &Repositories::default());
        let expected = UbiExtension::NODEJS.build_dockerfile(
            &format!(
                "RUN {}microdnf -y module enable nodejs:20 && {INSTALL} make gcc gcc-c++ \
                 libatomic_ops git openssl-devel nodejs npm nodejs-nodemon nss_wrapper which \
                 python3 && microdnf clean all",
                check.strip_suffix("true").unwrap()
            ),
            "major = 20\nstack = \"io.buildpacks.stacks.ubi8\"\n",
        );
        assert_eq!(dockerfile.unwrap().to_string(), expected);
    }

    /// What the hand-off file says: TOML the companion reads back as the same runtime
    /// (cnb-extension's `write_file` delivers these bytes, tested there by running the line).
    #[test]
    fn the_hand_off_file_is_toml_the_companion_reads() {
        for (major, stack) in [(20, Stack::Ubi8), (22, Stack::Ubi10)] {
            let text = to_toml(&runtime(major, stack)).unwrap();
            assert_eq!(
                text,
                format!("major = {major}\nstack = \"{}\"\n", stack.id())
            );
            assert_eq!(from_toml(&text), Ok(runtime(major, stack)), "{text}");
        }
    }
}
