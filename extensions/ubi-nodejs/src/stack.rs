//! Which UBI stack the build image belongs to: from `CNB_STACK_ID`, else from the target distro.

use crate::errors::UbiNodejsError;
use cnb_extension::Target;
use std::fmt;

/// A Paketo UBI base stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stack {
    Ubi8,
    Ubi9,
    Ubi10,
}

/// Where the stack was read from, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StackOrigin {
    /// `CNB_STACK_ID`.
    StackId,
    /// `CNB_TARGET_DISTRO_NAME` / `CNB_TARGET_DISTRO_VERSION`, e.g. `rhel` `9.4`.
    Target { name: String, version: String },
}

impl fmt::Display for StackOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StackId => f.write_str("CNB_STACK_ID"),
            Self::Target { name, version } => write!(f, "target distro {name} {version}"),
        }
    }
}

impl Stack {
    pub(crate) const ALL: [Stack; 3] = [Stack::Ubi8, Stack::Ubi9, Stack::Ubi10];

    /// The stack id, e.g. `io.buildpacks.stacks.ubi9`.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Ubi8 => "io.buildpacks.stacks.ubi8",
            Self::Ubi9 => "io.buildpacks.stacks.ubi9",
            Self::Ubi10 => "io.buildpacks.stacks.ubi10",
        }
    }

    /// The RHEL major version the stack is built on.
    fn rhel_major(self) -> u32 {
        match self {
            Self::Ubi8 => 8,
            Self::Ubi9 => 9,
            Self::Ubi10 => 10,
        }
    }

    /// The stack of the build: `CNB_STACK_ID` when the build image sets it (it is then the only
    /// input consulted), else the target's distro (`rhel` and a version such as `9.4`).
    pub(crate) fn detect(
        stack_id: Option<&str>,
        target: &Target,
    ) -> Result<(Stack, StackOrigin), UbiNodejsError> {
        if let Some(stack_id) = stack_id {
            return Self::ALL
                .into_iter()
                .find(|stack| stack.id() == stack_id)
                .map(|stack| (stack, StackOrigin::StackId))
                .ok_or_else(|| UbiNodejsError::UnknownStackId(stack_id.to_string()));
        }
        let unknown = || UbiNodejsError::UnknownTarget {
            distro_name: target.distro_name.clone(),
            distro_version: target.distro_version.clone(),
        };
        let (Some(name), Some(version)) = (&target.distro_name, &target.distro_version) else {
            return Err(unknown());
        };
        if name != "rhel" {
            return Err(unknown());
        }
        let major = version.split('.').next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|stack| stack.rhel_major().to_string() == major)
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
        for (id, stack) in [
            ("io.buildpacks.stacks.ubi8", Stack::Ubi8),
            ("io.buildpacks.stacks.ubi9", Stack::Ubi9),
            ("io.buildpacks.stacks.ubi10", Stack::Ubi10),
        ] {
            assert_eq!(
                Stack::detect(Some(id), &any_target).unwrap(),
                (stack, StackOrigin::StackId)
            );
            assert_eq!(stack.id(), id);
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
            assert_eq!(error, UbiNodejsError::UnknownStackId(id.to_string()));
            assert!(error.to_string().contains(&format!("{id:?}")), "{error}");
        }
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
        assert_eq!(origin.to_string(), "target distro rhel 9.4");
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
                UbiNodejsError::UnknownTarget {
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
             rhel 8.x, 9.x or 10.x. Build with a Paketo UBI builder (ubi8, ubi9 or ubi10 base stack)."
        );
    }
}
