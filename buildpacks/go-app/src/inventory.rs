//! The Go toolchains this buildpack may install (`inventory.toml`, embedded), and the choice of
//! one for a request.

use crate::version::{Constraint, GoVersion};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The embedded inventory (parsed by a unit test, so a bad inventory fails CI).
const INVENTORY_TOML: &str = include_str!("../inventory.toml");

/// The inventory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Inventory {
    pub(crate) toolchains: Vec<Toolchain>,
}

/// One toolchain zip: module `golang.org/toolchain`, version `v0.0.1-go<version>.<os>-<arch>`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Toolchain {
    pub(crate) version: GoVersion,
    pub(crate) os: String,
    pub(crate) arch: String,
    pub(crate) sha256: Sha256,
}

/// A SHA-256 digest, 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Sha256(String);

impl Sha256 {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(text.to_string()))
        } else {
            Err(format!(
                "{text:?} is not a SHA-256 digest (64 lowercase hex digits)"
            ))
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl Toolchain {
    /// The module version: `v0.0.1-go1.25.14.linux-amd64`.
    pub(crate) fn module_version(&self) -> String {
        format!("v0.0.1-go{}.{}-{}", self.version.bare(), self.os, self.arch)
    }

    /// The directory every file of the zip is in: `golang.org/toolchain@<module version>/`.
    pub(crate) fn zip_prefix(&self) -> String {
        format!("golang.org/toolchain@{}/", self.module_version())
    }
}

/// Parses an inventory and checks it: releases only, no duplicates.
pub(crate) fn parse(text: &str) -> Result<Inventory, String> {
    let inventory: Inventory = toml::from_str(text).map_err(|error| error.to_string())?;
    for (index, toolchain) in inventory.toolchains.iter().enumerate() {
        if !toolchain.version.is_release() {
            return Err(format!(
                "toolchain {} is not a release (X.Y.Z)",
                toolchain.version.original()
            ));
        }
        if inventory.toolchains[..index].iter().any(|other| {
            other.version == toolchain.version
                && other.os == toolchain.os
                && other.arch == toolchain.arch
        }) {
            return Err(format!(
                "toolchain {} {}/{} is listed twice",
                toolchain.version, toolchain.os, toolchain.arch
            ));
        }
    }
    Ok(inventory)
}

/// The embedded inventory. An error here is a bug of the buildpack (the unit test catches it).
pub(crate) fn embedded() -> Result<Inventory, String> {
    parse(INVENTORY_TOML)
}

impl Inventory {
    /// The toolchains for a target, newest first.
    pub(crate) fn for_target(&self, os: &str, arch: &str) -> Vec<&Toolchain> {
        let mut toolchains: Vec<&Toolchain> = self
            .toolchains
            .iter()
            .filter(|toolchain| toolchain.os == os && toolchain.arch == arch)
            .collect();
        toolchains.sort_by(|a, b| b.version.cmp(&a.version));
        toolchains
    }

    /// The toolchain for a constraint: the newest that satisfies it.
    pub(crate) fn select(
        &self,
        constraint: &Constraint,
        os: &str,
        arch: &str,
    ) -> Option<&Toolchain> {
        self.for_target(os, arch)
            .into_iter()
            .find(|toolchain| constraint.matches(&toolchain.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_inventory_parses() {
        let inventory = embedded().unwrap();
        assert!(inventory.toolchains.len() >= 6);
        // Every version is there for both architectures of buildpack.toml.
        let amd64: Vec<String> = inventory
            .for_target("linux", "amd64")
            .iter()
            .map(|toolchain| toolchain.version.bare())
            .collect();
        let arm64: Vec<String> = inventory
            .for_target("linux", "arm64")
            .iter()
            .map(|toolchain| toolchain.version.bare())
            .collect();
        assert_eq!(amd64, arm64);
        assert_eq!(
            amd64,
            ["1.27.3", "1.27.2", "1.26.10", "1.26.8", "1.25.14"],
            "keep the fixture go-toolchain (go1.25.14) and this list in step"
        );
    }

    #[test]
    fn module_version_and_prefix() {
        let inventory = embedded().unwrap();
        let toolchain = inventory
            .select(
                &Constraint::Exact(GoVersion::parse("1.25.14").unwrap()),
                "linux",
                "amd64",
            )
            .unwrap();
        assert_eq!(toolchain.module_version(), "v0.0.1-go1.25.14.linux-amd64");
        assert_eq!(
            toolchain.zip_prefix(),
            "golang.org/toolchain@v0.0.1-go1.25.14.linux-amd64/"
        );
        assert_eq!(
            toolchain.sha256.as_str(),
            "1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4"
        );
    }

    #[test]
    fn selection() {
        let inventory = embedded().unwrap();
        let select = |constraint: Constraint| {
            inventory
                .select(&constraint, "linux", "arm64")
                .map(|toolchain| toolchain.version.bare())
        };
        let v = |text| GoVersion::parse(text).unwrap();
        assert_eq!(select(Constraint::Any).as_deref(), Some("1.27.3"));
        assert_eq!(select(Constraint::Line(1, 26)).as_deref(), Some("1.26.10"));
        assert_eq!(
            select(Constraint::Minimum(v("1.20"))).as_deref(),
            Some("1.27.3")
        );
        assert_eq!(select(Constraint::Minimum(v("1.28"))), None);
        assert_eq!(select(Constraint::Exact(v("1.26.9"))), None);
        assert!(
            inventory
                .select(&Constraint::Any, "linux", "s390x")
                .is_none()
        );
    }

    #[test]
    fn bad_inventories_are_rejected() {
        let entry = |version: &str, sha: &str| {
            format!(
                "[[toolchains]]\nversion = \"{version}\"\nos = \"linux\"\narch = \"amd64\"\nsha256 = \"{sha}\"\n"
            )
        };
        let sha = "a".repeat(64);
        assert!(parse(&entry("1.26.8", &sha)).is_ok());
        assert!(
            parse(&entry("1.26.8", "abc"))
                .unwrap_err()
                .contains("not a SHA-256 digest")
        );
        assert!(
            parse(&entry("1.26.8", &"A".repeat(64)))
                .unwrap_err()
                .contains("not a SHA-256 digest")
        );
        assert!(
            parse(&entry("1.26", &sha))
                .unwrap_err()
                .contains("not a release")
        );
        assert!(
            parse(&entry("latest", &sha))
                .unwrap_err()
                .contains("not a Go version")
        );
        assert!(
            parse(&format!(
                "{}{}",
                entry("1.26.8", &sha),
                entry("1.26.8", &sha)
            ))
            .unwrap_err()
            .contains("listed twice")
        );
        assert!(
            parse(&format!("{}url = \"x\"\n", entry("1.26.8", &sha)))
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
