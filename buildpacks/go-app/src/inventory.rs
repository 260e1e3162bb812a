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

    /// The `(version, sha256)` of each linux/`arch` entry of `inventory.toml`, read without the
    /// code under test: the tests' expectations come from the data they check.
    fn listed(arch: &str) -> Vec<(GoVersion, String)> {
        let raw: toml::Value = toml::from_str(INVENTORY_TOML).unwrap();
        raw["toolchains"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["os"].as_str() == Some("linux"))
            .filter(|entry| entry["arch"].as_str() == Some(arch))
            .map(|entry| {
                (
                    GoVersion::parse(entry["version"].as_str().unwrap()).unwrap(),
                    entry["sha256"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The versions listed for linux/`arch`, newest first.
    fn listed_versions(arch: &str) -> Vec<GoVersion> {
        let mut versions: Vec<GoVersion> = listed(arch)
            .into_iter()
            .map(|(version, _)| version)
            .collect();
        versions.sort_by(|a, b| b.cmp(a));
        versions
    }

    /// The toolchain the fixture app `go-toolchain` asks for (its go.mod's `toolchain` line),
    /// which the phase and lifecycle tests install.
    fn fixture_toolchain() -> String {
        let go_mod = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/apps/go-toolchain/go.mod"),
        )
        .unwrap();
        crate::gomod::parse(&go_mod)
            .unwrap()
            .toolchain
            .unwrap()
            .bare()
    }

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
            listed_versions("amd64")
                .iter()
                .map(GoVersion::bare)
                .collect::<Vec<_>>()
        );
        assert!(
            amd64.contains(&fixture_toolchain()),
            "keep the fixture go-toolchain (go{}) in the inventory",
            fixture_toolchain()
        );
    }

    #[test]
    fn module_version_and_prefix() {
        let inventory = embedded().unwrap();
        for (version, sha256) in listed("amd64") {
            let toolchain = inventory
                .select(&Constraint::Exact(version.clone()), "linux", "amd64")
                .unwrap();
            let module_version = format!("v0.0.1-go{}.linux-amd64", version.bare());
            assert_eq!(toolchain.module_version(), module_version);
            assert_eq!(
                toolchain.zip_prefix(),
                format!("golang.org/toolchain@{module_version}/")
            );
            assert_eq!(toolchain.sha256.as_str(), sha256);
        }
    }

    #[test]
    fn selection() {
        let inventory = embedded().unwrap();
        let select = |constraint: Constraint| {
            inventory
                .select(&constraint, "linux", "arm64")
                .map(|toolchain| toolchain.version.bare())
        };
        let v = |text: &str| GoVersion::parse(text).unwrap();
        let versions = listed_versions("arm64");
        let newest = versions[0].bare();
        assert_eq!(select(Constraint::Any), Some(newest.clone()));
        // Each line selects its newest patch.
        for version in &versions {
            let (major, minor) = version.line();
            let newest_of_line = versions
                .iter()
                .find(|other| other.line() == (major, minor))
                .map(GoVersion::bare);
            assert_eq!(select(Constraint::Line(major, minor)), newest_of_line);
        }
        assert_eq!(select(Constraint::Minimum(v("1.20"))), Some(newest.clone()));
        let (major, minor) = versions[0].line();
        assert_eq!(
            select(Constraint::Minimum(v(&format!("{major}.{}", minor + 1)))),
            None
        );
        // A patch past the newest is not in the inventory.
        let newest_patch: u64 = newest.rsplit('.').next().unwrap().parse().unwrap();
        assert_eq!(
            select(Constraint::Exact(v(&format!(
                "{major}.{minor}.{}",
                newest_patch + 1
            )))),
            None
        );
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
