//! Which Paketo UBI stack the build image belongs to: from `CNB_STACK_ID`, else from the target
//! distro (`CNB_TARGET_DISTRO_NAME` / `CNB_TARGET_DISTRO_VERSION`).
//!
//! ```
//! use cnb_extension::Target;
//! use ubi_extension_support::stack::{Stack, StackOrigin};
//!
//! let target = Target {
//!     os: "linux".into(),
//!     arch: "amd64".into(),
//!     arch_variant: None,
//!     distro_name: Some("rhel".into()),
//!     distro_version: Some("9.4".into()),
//! };
//! let (stack, origin) = Stack::detect(None, &target).unwrap();
//! assert_eq!(stack, Stack::Ubi9);
//! assert_eq!(origin.to_string(), "target distro rhel \"9.4\"");
//! assert_eq!(stack.id(), "io.buildpacks.stacks.ubi9");
//!
//! assert!(Stack::detect(Some("io.buildpacks.stacks.jammy"), &target).is_err());
//! ```

use cnb_extension::Target;
use std::fmt;
use untrusted_input::quoted;

/// A Paketo UBI base stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stack {
    /// `io.buildpacks.stacks.ubi8` (RHEL 8).
    Ubi8,
    /// `io.buildpacks.stacks.ubi9` (RHEL 9).
    Ubi9,
    /// `io.buildpacks.stacks.ubi10` (RHEL 10).
    Ubi10,
}

/// Where the stack was read from, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackOrigin {
    /// `CNB_STACK_ID`.
    StackId,
    /// `CNB_TARGET_DISTRO_NAME` / `CNB_TARGET_DISTRO_VERSION`, e.g. `rhel` `9.4`; shown with the
    /// version quoted.
    Target {
        /// The distro name, `rhel`.
        name: String,
        /// The distro version, e.g. `9.4`.
        version: String,
    },
}

impl fmt::Display for StackOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StackId => f.write_str("CNB_STACK_ID"),
            Self::Target { name, version } => {
                write!(f, "target distro {name} {}", quoted(version))
            }
        }
    }
}

/// The build is not on a UBI stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackError {
    /// `CNB_STACK_ID` is set but is not a UBI stack.
    UnknownStackId(String),
    /// No `CNB_STACK_ID`, and the target is not RHEL 8, 9 or 10.
    UnknownTarget {
        /// `CNB_TARGET_DISTRO_NAME`.
        distro_name: Option<String>,
        /// `CNB_TARGET_DISTRO_VERSION`.
        distro_version: Option<String>,
    },
}

/// The advice that ends the errors about a build image that is not a Paketo UBI one.
pub const USE_A_UBI_BUILDER: &str =
    "Build with a Paketo UBI builder (ubi8, ubi9 or ubi10 base stack).";

fn or_unset(value: Option<&String>) -> String {
    value.map_or_else(|| "<unset>".to_string(), |value| quoted(value))
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownStackId(stack_id) => write!(
                f,
                "unsupported stack {} (CNB_STACK_ID): this extension supports {}. \
                 {USE_A_UBI_BUILDER}",
                quoted(stack_id),
                Stack::ALL.map(Stack::id).join(", ")
            ),
            Self::UnknownTarget {
                distro_name,
                distro_version,
            } => write!(
                f,
                "cannot tell which UBI stack this is: CNB_STACK_ID is not set and the target \
                 distro is {} {} (CNB_TARGET_DISTRO_NAME, CNB_TARGET_DISTRO_VERSION); expected \
                 rhel with the version 8, 9 or 10, or one of their minor versions (e.g. 8.10, \
                 9.4, 10.0). {USE_A_UBI_BUILDER}",
                or_unset(distro_name.as_ref()),
                or_unset(distro_version.as_ref())
            ),
        }
    }
}

impl std::error::Error for StackError {}

impl Stack {
    /// Every stack, oldest first.
    pub const ALL: [Stack; 3] = [Stack::Ubi8, Stack::Ubi9, Stack::Ubi10];

    /// The stack id, e.g. `io.buildpacks.stacks.ubi9`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Ubi8 => "io.buildpacks.stacks.ubi8",
            Self::Ubi9 => "io.buildpacks.stacks.ubi9",
            Self::Ubi10 => "io.buildpacks.stacks.ubi10",
        }
    }

    /// The short name, e.g. `ubi9`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ubi8 => "ubi8",
            Self::Ubi9 => "ubi9",
            Self::Ubi10 => "ubi10",
        }
    }

    /// The RHEL major version the stack is built on.
    #[must_use]
    pub const fn rhel_major(self) -> u32 {
        match self {
            Self::Ubi8 => 8,
            Self::Ubi9 => 9,
            Self::Ubi10 => 10,
        }
    }

    /// The stack of the build: `CNB_STACK_ID` when the build image sets it (it is then the only
    /// input consulted), else the target's distro: `rhel` and a version as RHEL's `VERSION_ID`
    /// writes it, the major or the major and minor (`8`, `8.10`, `9.4`, `10.0`), matched
    /// exactly.
    ///
    /// # Errors
    /// [`StackError::UnknownStackId`] when `stack_id` is not a UBI stack id;
    /// [`StackError::UnknownTarget`] when there is no stack id and the target is not RHEL 8, 9
    /// or 10.
    pub fn detect(
        stack_id: Option<&str>,
        target: &Target,
    ) -> Result<(Stack, StackOrigin), StackError> {
        if let Some(stack_id) = stack_id {
            return Self::ALL
                .into_iter()
                .find(|stack| stack.id() == stack_id)
                .map(|stack| (stack, StackOrigin::StackId))
                .ok_or_else(|| StackError::UnknownStackId(stack_id.to_string()));
        }
        let unknown = || StackError::UnknownTarget {
            distro_name: target.distro_name.clone(),
            distro_version: target.distro_version.clone(),
        };
        let (Some(name), Some(version)) = (&target.distro_name, &target.distro_version) else {
            return Err(unknown());
        };
        if name != "rhel" {
            return Err(unknown());
        }
        let major = rhel_major(version).ok_or_else(unknown)?;
        Self::ALL
            .into_iter()
            .find(|stack| stack.rhel_major() == major)
            .map(|stack| {
                (
                    stack,
                    StackOrigin::Target {
                        name: name.clone(),
                        version: version.clone(),
                    },
                )
            })
            .ok_or_else(unknown)
    }
}

/// The most digits of a RHEL minor version (they go to 10).
const MAX_MINOR_DIGITS: usize = 3;

/// The major of a RHEL version as `/etc/os-release` writes it in `VERSION_ID` (and the lifecycle
/// passes it on as `CNB_TARGET_DISTRO_VERSION`): the major, or the major and the minor (`8`,
/// `8.10`, `9.4`, `10.0`), ASCII digits without leading zeros in the major and at most
/// [`MAX_MINOR_DIGITS`] in the minor. `None` for anything else (`8.10x`, `8.`, `8.10.1`, `08`).
fn rhel_major(version: &str) -> Option<u32> {
    let (major, minor) = match version.split_once('.') {
        Some((major, minor)) => (major, Some(minor)),
        None => (version, None),
    };
    let digits = |text: &str, most: usize| {
        (1..=most).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit())
    };
    if !digits(major, 2) || major.starts_with('0') {
        return None;
    }
    if minor.is_some_and(|minor| !digits(minor, MAX_MINOR_DIGITS)) {
        return None;
    }
    major.parse().ok()
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: Option<&str>, version: Option<&str>) -> Target {
        Target {
            os: "linux".to_string(),
            arch: "amd64".to_string(),
            arch_variant: None,
            distro_name: name.map(str::to_string),
            distro_version: version.map(str::to_string),
        }
    }

    #[test]
    fn the_stack_id_names_the_stack() {
        let any_target = target(Some("ubuntu"), Some("24.04"));
        for (id, stack, name) in [
            ("io.buildpacks.stacks.ubi8", Stack::Ubi8, "ubi8"),
            ("io.buildpacks.stacks.ubi9", Stack::Ubi9, "ubi9"),
            ("io.buildpacks.stacks.ubi10", Stack::Ubi10, "ubi10"),
        ] {
            assert_eq!(
                Stack::detect(Some(id), &any_target).unwrap(),
                (stack, StackOrigin::StackId)
            );
            assert_eq!(stack.id(), id);
            assert_eq!(stack.to_string(), id);
            assert_eq!(stack.name(), name);
        }
    }

    #[test]
    fn an_unknown_stack_id_is_an_error_even_when_the_target_is_rhel() {
        for id in [
            "io.buildpacks.stacks.jammy",
            "io.buildpacks.stacks.ubi7",
            "io.buildpacks.stacks.",
            "ubi8",
            "io.buildpacks.stacks.ubi8 ",
        ] {
            let error = Stack::detect(Some(id), &target(Some("rhel"), Some("8.10"))).unwrap_err();
            assert_eq!(error, StackError::UnknownStackId(id.to_string()));
            assert!(error.to_string().contains(&format!("{id:?}")), "{error}");
        }
        let error = Stack::detect(
            Some(&"x".repeat(10_000)),
            &target(Some("rhel"), Some("8.10")),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("… (cut, 10000 bytes in all)"), "{error}");
        assert!(error.len() < 400, "{error}");
        assert_eq!(
            StackError::UnknownStackId("io.buildpacks.stacks.jammy".to_string()).to_string(),
            "unsupported stack \"io.buildpacks.stacks.jammy\" (CNB_STACK_ID): this extension \
             supports io.buildpacks.stacks.ubi8, io.buildpacks.stacks.ubi9, \
             io.buildpacks.stacks.ubi10. Build with a Paketo UBI builder (ubi8, ubi9 or ubi10 \
             base stack)."
        );
    }

    #[test]
    fn without_a_stack_id_the_target_distro_names_the_stack() {
        for (version, stack) in [
            ("8.10", Stack::Ubi8),
            ("8", Stack::Ubi8),
            ("9.4", Stack::Ubi9),
            ("10.0", Stack::Ubi10),
            ("10", Stack::Ubi10),
        ] {
            assert_eq!(
                Stack::detect(None, &target(Some("rhel"), Some(version))).unwrap(),
                (
                    stack,
                    StackOrigin::Target {
                        name: "rhel".to_string(),
                        version: version.to_string()
                    }
                )
            );
        }
        let (_, origin) = Stack::detect(None, &target(Some("rhel"), Some("9.4"))).unwrap();
        assert_eq!(origin.to_string(), "target distro rhel \"9.4\"");
        assert_eq!(StackOrigin::StackId.to_string(), "CNB_STACK_ID");
    }

    /// Issue 21: the version was matched by its prefix, so `8.10<anything>` was ubi8, and the
    /// log printed it raw (a terminal escape in it retitled the terminal). Now it must be a
    /// version as RHEL writes it (`VERSION_ID`: the major, or the major and minor).
    #[test]
    fn the_distro_version_must_be_a_rhel_version_exactly() {
        for version in [
            "8.10\u{1b}]0;pwned\u{7}",
            "8.10x",
            "8.10 ",
            " 8.10",
            "8.",
            ".8",
            "8..10",
            "8.10.1",
            "8.x",
            "8.1000",
            "08",
            "+8",
            "9-4",
            "10.0;id",
            "8\n",
            "٨",
        ] {
            let error = Stack::detect(None, &target(Some("rhel"), Some(version))).unwrap_err();
            assert_eq!(
                error,
                StackError::UnknownTarget {
                    distro_name: Some("rhel".to_string()),
                    distro_version: Some(version.to_string()),
                },
                "{version:?}"
            );
            let message = error.to_string();
            assert!(message.contains(&format!("{version:?}")), "{message}");
            assert!(!message.chars().any(char::is_control), "{message:?}");
        }
        for version in ["8", "8.0", "8.10", "9", "9.4", "10", "10.0", "10.1"] {
            let (_, origin) = Stack::detect(None, &target(Some("rhel"), Some(version))).unwrap();
            assert_eq!(
                origin.to_string(),
                format!("target distro rhel {version:?}")
            );
        }
        let long = "8.".to_string() + &"1".repeat(10_000);
        let message = Stack::detect(None, &target(Some("rhel"), Some(&long)))
            .unwrap_err()
            .to_string();
        assert!(message.contains("… (cut, 10002 bytes in all)"), "{message}");
    }

    #[test]
    fn other_targets_are_errors_that_say_what_was_seen() {
        for (name, version) in [
            (Some("ubuntu"), Some("24.04")),
            (Some("rhel"), Some("7.9")),
            (Some("rhel"), Some("11.0")),
            (Some("rhel"), Some("")),
            (Some("rhel"), None),
            (None, Some("9.4")),
            (None, None),
        ] {
            let error = Stack::detect(None, &target(name, version)).unwrap_err();
            assert_eq!(
                error,
                StackError::UnknownTarget {
                    distro_name: name.map(str::to_string),
                    distro_version: version.map(str::to_string),
                }
            );
        }
        let message = Stack::detect(None, &target(Some("ubuntu"), Some("24.04")))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "cannot tell which UBI stack this is: CNB_STACK_ID is not set and the target distro is \
             \"ubuntu\" \"24.04\" (CNB_TARGET_DISTRO_NAME, CNB_TARGET_DISTRO_VERSION); expected \
             rhel with the version 8, 9 or 10, or one of their minor versions (e.g. 8.10, 9.4, \
             10.0). Build with a Paketo UBI builder (ubi8, ubi9 or ubi10 base stack)."
        );
        let message = Stack::detect(None, &target(Some("ubuntu"), None))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("the target distro is \"ubuntu\" <unset> "),
            "{message}"
        );
    }
}
