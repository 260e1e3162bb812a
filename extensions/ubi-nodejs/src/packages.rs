//! What to install for a stack and a Node.js major: the RPM module stream, the packages and the
//! links, as the upstream extension installs them.

use crate::errors::UbiNodejsError;
use cnb_extension::ShellCommand;
use ubi_extension_support::comma_separated;
use ubi_extension_support::stack::Stack;

/// The packages installed on ubi8 for Node.js 16, 18 and 20.
const UBI8_GCC: &[&str] = &[
    "make",
    "gcc",
    "gcc-c++",
    "libatomic_ops",
    "git",
    "openssl-devel",
    "nodejs",
    "npm",
    "nodejs-nodemon",
    "nss_wrapper",
    "which",
    "python3",
];

/// The packages installed on ubi8 for Node.js 22 and 24, whose native addons need a newer
/// compiler (GCC toolset 13) and Python (3.12, for node-gyp).
const UBI8_GCC_TOOLSET_13: &[&str] = &[
    "make",
    "gcc-toolset-13-gcc",
    "gcc-toolset-13-gcc-c++",
    "gcc-toolset-13-runtime",
    "libatomic_ops",
    "git",
    "openssl-devel",
    "python3.12",
    "nodejs",
    "npm",
    "nodejs-nodemon",
    "nss_wrapper-libs",
    "which",
];

/// GCC toolset 13 on the `PATH` of node-gyp.
const UBI8_GCC_TOOLSET_13_LINKS: &[Link] = &[
    Link {
        target: "/opt/rh/gcc-toolset-13/root/usr/bin/gcc",
        name: "/usr/bin/gcc",
    },
    Link {
        target: "/opt/rh/gcc-toolset-13/root/usr/bin/g++",
        name: "/usr/bin/g++",
    },
];

/// The packages installed on ubi9.
const UBI9: &[&str] = &[
    "make",
    "gcc",
    "gcc-c++",
    "git",
    "openssl-devel",
    "nodejs",
    "npm",
    "nodejs-nodemon",
    "nss_wrapper-libs",
    "python3",
];

/// The packages installed on ubi10 for Node.js 22 (`nodejs`, named without its major); python3
/// for node-gyp (native modules), as upstream installs it there.
const UBI10_22: &[&str] = &[
    "make",
    "gcc",
    "gcc-c++",
    "git",
    "openssl-devel",
    "nodejs",
    "nodejs-nodemon",
    "nodejs-npm",
    "nss_wrapper-libs",
    "which",
    "python3",
];

/// The packages installed on ubi10 for Node.js 24 (`nodejs24`, named with its major); python3 as
/// for 22.
const UBI10_24: &[&str] = &[
    "make",
    "gcc",
    "gcc-c++",
    "git",
    "openssl-devel",
    "nodejs24",
    "nodejs-nodemon",
    "nodejs24-npm",
    "nss_wrapper-libs",
    "which",
    "python3",
];

/// ubi10's packages install `node-<major>`, `npm-<major>`, `npx-<major>`; the plain names must
/// point at the installed major.
const UBI10_22_LINKS: &[Link] = &[
    Link {
        target: "/usr/bin/node-22",
        name: "/usr/bin/node",
    },
    Link {
        target: "/usr/bin/npm-22",
        name: "/usr/bin/npm",
    },
    Link {
        target: "/usr/bin/npx-22",
        name: "/usr/bin/npx",
    },
];

const UBI10_24_LINKS: &[Link] = &[
    Link {
        target: "/usr/bin/node-24",
        name: "/usr/bin/node",
    },
    Link {
        target: "/usr/bin/npm-24",
        name: "/usr/bin/npm",
    },
    Link {
        target: "/usr/bin/npx-24",
        name: "/usr/bin/npx",
    },
];

/// A symbolic link `name` -> `target`, made with `ln -sf` (replacing what the packages put
/// there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) target: &'static str,
    pub(crate) name: &'static str,
}

/// How Node.js `major` is installed on a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Install {
    pub(crate) major: u32,
    /// `microdnf module enable nodejs:<major>` first (ubi8 and ubi9, whose `nodejs` package
    /// comes in module streams; ubi10 names the major in the package instead).
    pub(crate) enable_module: bool,
    pub(crate) packages: &'static [&'static str],
    pub(crate) links: &'static [Link],
}

/// What this extension installs, per stack and major: the packages and the links. The one
/// table of both questions, which catalogue majors are offered to the app
/// ([`cannot_install`]) and what the `build.Dockerfile` installs ([`Install::new`]): a major
/// the stack's catalogue lists but this table lacks is skipped, never selected.
const INSTALLS: &[(Stack, u32, &[&str], &[Link])] = &[
    (Stack::Ubi8, 16, UBI8_GCC, &[]),
    (Stack::Ubi8, 18, UBI8_GCC, &[]),
    (Stack::Ubi8, 20, UBI8_GCC, &[]),
    (
        Stack::Ubi8,
        22,
        UBI8_GCC_TOOLSET_13,
        UBI8_GCC_TOOLSET_13_LINKS,
    ),
    (
        Stack::Ubi8,
        24,
        UBI8_GCC_TOOLSET_13,
        UBI8_GCC_TOOLSET_13_LINKS,
    ),
    (Stack::Ubi9, 18, UBI9, &[]),
    (Stack::Ubi9, 20, UBI9, &[]),
    (Stack::Ubi9, 22, UBI9, &[]),
    (Stack::Ubi9, 24, UBI9, &[]),
    (Stack::Ubi10, 22, UBI10_22, UBI10_22_LINKS),
    (Stack::Ubi10, 24, UBI10_24, UBI10_24_LINKS),
];

/// The majors this extension installs on `stack`, ascending.
pub(crate) fn supported_majors(stack: Stack) -> Vec<u32> {
    INSTALLS
        .iter()
        .filter(|(on, ..)| *on == stack)
        .map(|(_, major, ..)| *major)
        .collect()
}

/// Why this extension cannot install Node.js `major` on `stack`, `None` when it can: the
/// reason a catalogue major is skipped.
pub(crate) fn cannot_install(stack: Stack, major: u32) -> Option<String> {
    let supported = supported_majors(stack);
    if supported.contains(&major) {
        return None;
    }
    let relation = if supported.last().is_some_and(|newest| major > *newest) {
        "newer than"
    } else if supported.first().is_some_and(|oldest| major < *oldest) {
        "older than"
    } else {
        "not one of"
    };
    Some(format!(
        "{relation} the Node.js majors this extension installs on {stack} ({})",
        comma_separated(&supported)
    ))
}

impl Install {
    /// The installation of Node.js `major` on `stack`, from the one table ([`INSTALLS`]).
    pub(crate) fn new(stack: Stack, major: u32) -> Result<Self, UbiNodejsError> {
        let Some(&(_, _, packages, links)) = INSTALLS
            .iter()
            .find(|(on, installs, ..)| *on == stack && *installs == major)
        else {
            return Err(UbiNodejsError::UnsupportedMajor {
                major,
                stack,
                supported: supported_majors(stack),
            });
        };
        Ok(Self {
            major,
            enable_module: matches!(stack, Stack::Ubi8 | Stack::Ubi9),
            packages,
            links,
        })
    }

    /// The RPM module stream enabled before the install, e.g. `nodejs:20`.
    pub(crate) fn module_stream(&self) -> Option<String> {
        self.enable_module.then(|| format!("nodejs:{}", self.major))
    }

    /// One `&&` chain: enable the stream, install without weak dependencies or docs, make the
    /// links, clean microdnf's caches.
    pub(crate) fn command(&self, options: &[String]) -> ShellCommand {
        let microdnf = || ShellCommand::new("microdnf").args(options.iter().cloned());
        let install = microdnf()
            .args([
                "--setopt=install_weak_deps=0",
                "--setopt=tsflags=nodocs",
                "install",
                "-y",
            ])
            .args(self.packages.iter().copied());
        let mut command = match self.module_stream() {
            Some(stream) => microdnf()
                .args(["-y", "module", "enable"])
                .arg(stream)
                .and(install),
            None => install,
        };
        for link in self.links {
            command = command.and(ShellCommand::new("ln").args(["-sf", link.target, link.name]));
        }
        command.and(microdnf().args(["clean", "all"]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(stack: Stack, major: u32) -> String {
        Install::new(stack, major).unwrap().command(&[]).to_string()
    }

    const INSTALL: &str =
        "microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y";

    #[test]
    fn ubi8_16_18_20() {
        for major in [16, 18, 20] {
            assert_eq!(
                command(Stack::Ubi8, major),
                format!(
                    "microdnf -y module enable nodejs:{major} && {INSTALL} make gcc gcc-c++ \
                     libatomic_ops git openssl-devel nodejs npm nodejs-nodemon nss_wrapper which \
                     python3 && microdnf clean all"
                )
            );
        }
    }

    #[test]
    fn ubi8_22_24_use_gcc_toolset_13() {
        for major in [22, 24] {
            assert_eq!(
                command(Stack::Ubi8, major),
                format!(
                    "microdnf -y module enable nodejs:{major} && {INSTALL} make gcc-toolset-13-gcc \
                     gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime libatomic_ops git openssl-devel \
                     python3.12 nodejs npm nodejs-nodemon nss_wrapper-libs which && \
                     ln -sf /opt/rh/gcc-toolset-13/root/usr/bin/gcc /usr/bin/gcc && \
                     ln -sf /opt/rh/gcc-toolset-13/root/usr/bin/g++ /usr/bin/g++ && \
                     microdnf clean all"
                )
            );
        }
    }

    #[test]
    fn ubi9() {
        for major in [18, 20, 22, 24] {
            assert_eq!(
                command(Stack::Ubi9, major),
                format!(
                    "microdnf -y module enable nodejs:{major} && {INSTALL} make gcc gcc-c++ git \
                     openssl-devel nodejs npm nodejs-nodemon nss_wrapper-libs python3 && \
                     microdnf clean all"
                )
            );
        }
    }

    #[test]
    fn ubi10_has_no_module_streams_and_links_the_major() {
        // The packages of 22 are named without their major (`nodejs`), those of 24 with it.
        for (major, nodejs, npm) in [
            (22, "nodejs", "nodejs-npm"),
            (24, "nodejs24", "nodejs24-npm"),
        ] {
            assert_eq!(
                command(Stack::Ubi10, major),
                format!(
                    "{INSTALL} make gcc gcc-c++ git openssl-devel {nodejs} nodejs-nodemon {npm} \
                     nss_wrapper-libs which python3 && ln -sf /usr/bin/node-{major} /usr/bin/node \
                     && ln -sf /usr/bin/npm-{major} /usr/bin/npm && ln -sf /usr/bin/npx-{major} \
                     /usr/bin/npx && microdnf clean all"
                ),
                "{major}"
            );
        }
        assert_eq!(
            Install::new(Stack::Ubi10, 24).unwrap().module_stream(),
            None
        );
        assert_eq!(
            Install::new(Stack::Ubi9, 20)
                .unwrap()
                .module_stream()
                .as_deref(),
            Some("nodejs:20")
        );
    }

    #[test]
    fn the_reason_a_major_cannot_be_installed() {
        assert_eq!(cannot_install(Stack::Ubi8, 24), None);
        assert_eq!(
            cannot_install(Stack::Ubi8, 26).as_deref(),
            Some(
                "newer than the Node.js majors this extension installs on \
                 io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)"
            )
        );
        assert_eq!(
            cannot_install(Stack::Ubi9, 12).as_deref(),
            Some(
                "older than the Node.js majors this extension installs on \
                 io.buildpacks.stacks.ubi9 (18, 20, 22, 24)"
            )
        );
        assert_eq!(
            cannot_install(Stack::Ubi8, 23).as_deref(),
            Some(
                "not one of the Node.js majors this extension installs on \
                 io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)"
            )
        );
        // The one table answers both questions.
        for stack in Stack::ALL {
            for major in 0..40 {
                assert_eq!(
                    cannot_install(stack, major).is_none(),
                    Install::new(stack, major).is_ok(),
                    "{stack} {major}"
                );
            }
        }
    }

    #[test]
    fn unsupported_majors_are_errors() {
        for (stack, major) in [
            (Stack::Ubi8, 14),
            (Stack::Ubi8, 26),
            (Stack::Ubi9, 16),
            (Stack::Ubi10, 20),
            (Stack::Ubi10, 18),
        ] {
            let error = Install::new(stack, major).unwrap_err();
            assert_eq!(
                error,
                UbiNodejsError::UnsupportedMajor {
                    major,
                    stack,
                    supported: supported_majors(stack)
                }
            );
        }
        assert_eq!(
            cnb_extension::cnb_output::render_error(&Install::new(Stack::Ubi9, 16).unwrap_err()),
            "ERROR: unsupported Node.js version 16 for image io.buildpacks.stacks.ubi9\n  This \
             extension installs Node.js 18, 20, 22, 24 on io.buildpacks.stacks.ubi9.\n  Request \
             one of those major versions.\n"
        );
    }

    /// Issue 13 (parity): node-gyp needs Python to build native modules; upstream installs it
    /// on every stack, ubi10 included.
    #[test]
    fn every_install_has_python_for_node_gyp() {
        for stack in Stack::ALL {
            for major in supported_majors(stack) {
                let install = Install::new(stack, major).unwrap();
                assert!(
                    install
                        .packages
                        .iter()
                        .any(|package| package.starts_with("python3")),
                    "{stack} {major}"
                );
            }
        }
    }

    #[test]
    fn every_supported_major_has_an_install() {
        for stack in Stack::ALL {
            for major in supported_majors(stack) {
                let install = Install::new(stack, major).unwrap();
                assert!(install.packages.contains(&"make"));
                // Every word is plain: nothing is quoted in the RUN line.
                assert!(!install.command(&[]).to_string().contains('\''));
            }
        }
    }
}
