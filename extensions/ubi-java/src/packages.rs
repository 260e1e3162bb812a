//! What to install for a stack and a Java major: the JDK development package and what the
//! runtime needs, as the upstream extension installs them.
//!
//! Upstream (ubi8 only) installs `openssl-devel java-<v>-openjdk-devel nss_wrapper which`,
//! without a module stream (RHEL's JDK packages are not modular). ubi9 and ubi10 ship
//! `nss_wrapper`'s library as `nss_wrapper-libs`, as the Node.js extension installs it there.
//! The package and `JAVA_HOME` names are uniform (`java-<major>-openjdk-devel`,
//! `/usr/lib/jvm/java-<major>-openjdk`, the alternatives link the RPM creates) except for Java
//! 8, which RHEL calls `1.8.0`.

use cnb_extension::ShellCommand;
use ubi_extension_support::stack::Stack;

/// How a Java major is installed on a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Install {
    pub(crate) major: u32,
    pub(crate) packages: Vec<String>,
}

/// RHEL's name of a Java major in package and directory names: `1.8.0` for 8, else the major.
fn rhel_version(major: u32) -> String {
    if major == 8 {
        "1.8.0".to_string()
    } else {
        major.to_string()
    }
}

/// Why this extension cannot install Java `major`, `None` when it can: RHEL packages `OpenJDK`'s
/// long-term-support releases, `java-1.8.0-openjdk` then `java-<N>-openjdk` for 11, 17 and every
/// fourth major after (21, 25, 29...), all named alike, so a future LTS installs as the others.
/// The one table of both questions, which catalogue majors are offered to the app and what
/// [`Install::new`] is given: a major the catalogue lists but this rule refuses is skipped,
/// never selected.
pub(crate) fn cannot_install(major: u32) -> Option<String> {
    let lts = major == 8 || major == 11 || (major >= 17 && (major - 17).is_multiple_of(4));
    (!lts).then(|| {
        format!(
            "{} OpenJDK LTS release, the only Java RHEL packages (8, 11, 17, 21, 25 and every \
             fourth after)",
            if major < 8 {
                "older than the first"
            } else {
                "not an"
            }
        )
    })
}

/// The JDK package, e.g. `java-17-openjdk-devel` or `java-1.8.0-openjdk-devel`.
pub(crate) fn jdk_package(major: u32) -> String {
    format!("java-{}-openjdk-devel", rhel_version(major))
}

/// The JDK's home, e.g. `/usr/lib/jvm/java-17-openjdk` or `/usr/lib/jvm/java-1.8.0-openjdk`.
pub(crate) fn java_home(major: u32) -> String {
    format!("/usr/lib/jvm/java-{}-openjdk", rhel_version(major))
}

/// The `nss_wrapper` library (the runtime resolves the build user through it).
fn nss_wrapper(stack: Stack) -> &'static str {
    match stack {
        Stack::Ubi8 => "nss_wrapper",
        Stack::Ubi9 | Stack::Ubi10 => "nss_wrapper-libs",
    }
}

impl Install {
    /// The installation of Java `major` on `stack`. The major is one the stack offers (see
    /// `catalogue.rs`) and that [`cannot_install`] accepts, checked before.
    pub(crate) fn new(stack: Stack, major: u32) -> Self {
        Self {
            major,
            packages: vec![
                "openssl-devel".to_string(),
                jdk_package(major),
                nss_wrapper(stack).to_string(),
                "which".to_string(),
            ],
        }
    }

    /// Install without weak dependencies or docs, then clean microdnf's caches, in one `RUN`.
    pub(crate) fn command(&self, options: &[String]) -> ShellCommand {
        let microdnf = || ShellCommand::new("microdnf").args(options.iter().cloned());
        microdnf()
            .args([
                "--setopt=install_weak_deps=0",
                "--setopt=tsflags=nodocs",
                "install",
                "-y",
            ])
            .args(self.packages.iter().cloned())
            .and(microdnf().args(["clean", "all"]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(stack: Stack, major: u32) -> String {
        Install::new(stack, major).command(&[]).to_string()
    }

    const INSTALL: &str =
        "microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y";

    #[test]
    fn ubi8_as_upstream() {
        assert_eq!(
            command(Stack::Ubi8, 8),
            format!(
                "{INSTALL} openssl-devel java-1.8.0-openjdk-devel nss_wrapper which && \
                 microdnf clean all"
            )
        );
        for major in [11, 17, 21] {
            assert_eq!(
                command(Stack::Ubi8, major),
                format!(
                    "{INSTALL} openssl-devel java-{major}-openjdk-devel nss_wrapper which && \
                     microdnf clean all"
                )
            );
        }
    }

    #[test]
    fn ubi9_and_ubi10_install_nss_wrapper_libs() {
        assert_eq!(
            command(Stack::Ubi9, 17),
            format!(
                "{INSTALL} openssl-devel java-17-openjdk-devel nss_wrapper-libs which && \
                 microdnf clean all"
            )
        );
        assert_eq!(
            command(Stack::Ubi9, 8),
            format!(
                "{INSTALL} openssl-devel java-1.8.0-openjdk-devel nss_wrapper-libs which && \
                 microdnf clean all"
            )
        );
        assert_eq!(
            command(Stack::Ubi10, 21),
            format!(
                "{INSTALL} openssl-devel java-21-openjdk-devel nss_wrapper-libs which && \
                 microdnf clean all"
            )
        );
    }

    #[test]
    fn java_home_per_major() {
        assert_eq!(java_home(8), "/usr/lib/jvm/java-1.8.0-openjdk");
        assert_eq!(java_home(11), "/usr/lib/jvm/java-11-openjdk");
        assert_eq!(java_home(21), "/usr/lib/jvm/java-21-openjdk");
        assert_eq!(jdk_package(25), "java-25-openjdk-devel");
    }

    #[test]
    fn the_lts_releases_are_installable() {
        for major in [8, 11, 17, 21, 25, 29, 33] {
            assert_eq!(cannot_install(major), None, "{major}");
        }
        for major in [9, 10, 12, 16, 18, 22, 23, 24, 26, 27, 28, 30] {
            assert_eq!(
                cannot_install(major).as_deref(),
                Some(
                    "not an OpenJDK LTS release, the only Java RHEL packages (8, 11, 17, 21, 25 \
                     and every fourth after)"
                ),
                "{major}"
            );
        }
        for major in [0, 1, 7] {
            assert!(
                cannot_install(major)
                    .unwrap()
                    .starts_with("older than the first OpenJDK LTS release"),
                "{major}"
            );
        }
        for &major in crate::catalogue::builtin_majors(Stack::Ubi8) {
            assert_eq!(cannot_install(major), None, "{major}");
        }
    }

    #[test]
    fn nothing_is_quoted() {
        for stack in Stack::ALL {
            for major in [8, 11, 17, 21, 25] {
                assert!(!command(stack, major).contains('\''));
            }
        }
    }
}
