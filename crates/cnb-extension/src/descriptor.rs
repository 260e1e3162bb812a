//! `extension.toml`, typed: what libcnb-data's `ComponentBuildpackDescriptor` is for
//! `buildpack.toml`, with libcnb-data's types for the API, the version, licenses and targets.

use crate::untrusted::quoted;
use libcnb_data::buildpack::{BuildpackApi, BuildpackTarget, BuildpackVersion, License};
use libcnb_data::generic::GenericMetadata;
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// The contents of `extension.toml`, as libcnb-data's `ComponentBuildpackDescriptor` is the
/// contents of `buildpack.toml`.
///
/// `M` is the type of the `[metadata]` table; the default, libcnb-data's `GenericMetadata`
/// (`Option<toml::Table>`), accepts any table or none. Unknown keys are rejected so that a typo
/// is an error, not a silently ignored setting. An extension can never contain `[[order]]`.
///
/// ```
/// use cnb_extension::ExtensionDescriptor;
/// use cnb_extension::libcnb_data::buildpack::BuildpackVersion;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Metadata {
///     default_version: String,
/// }
///
/// let descriptor: ExtensionDescriptor<Metadata> = toml::from_str(
///     r#"
/// api = "0.10"
///
/// [extension]
/// id = "examples/curl"
/// version = "0.1.0"
///
/// [[targets]]
/// os = "linux"
/// arch = "amd64"
///
/// [metadata]
/// default_version = "8"
/// "#,
/// )?;
/// assert_eq!(descriptor.extension.id.as_str(), "examples/curl");
/// assert_eq!(descriptor.extension.version, BuildpackVersion::new(0, 1, 0));
/// assert_eq!(descriptor.targets[0].arch.as_deref(), Some("amd64"));
/// assert_eq!(descriptor.metadata.default_version, "8");
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDescriptor<M = GenericMetadata> {
    /// The Buildpack API the extension implements.
    pub api: BuildpackApi,
    /// The `[extension]` table.
    pub extension: ExtensionInfo,
    /// The `[[targets]]` the extension supports; empty means any Linux target.
    #[serde(default)]
    pub targets: Vec<BuildpackTarget>,
    /// The `[metadata]` table.
    pub metadata: M,
}

/// The `[extension]` table of `extension.toml`: libcnb-data's `Buildpack` (the `[buildpack]`
/// table) with an [`ExtensionId`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInfo {
    /// The globally unique id, e.g. `paketo-community/ubi-nodejs-extension`.
    pub id: ExtensionId,
    /// The human-readable name.
    pub name: Option<String>,
    /// The version, `X.Y.Z`.
    pub version: BuildpackVersion,
    /// Where to learn more.
    pub homepage: Option<String>,
    /// Whether the platform's user env (`<platform>/env`) is withheld from the process env.
    #[serde(default, rename = "clear-env")]
    pub clear_env: bool,
    /// A short description.
    pub description: Option<String>,
    /// Search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Licenses of the extension.
    #[serde(default)]
    pub licenses: Vec<License>,
}

impl ExtensionInfo {
    /// The name, or the id when the descriptor has none: what a log header shows.
    #[must_use]
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.id.as_str())
    }
}

/// An extension id: letters, digits, `.`, `/` and `-`, and not one of the reserved names `app`,
/// `config`, `generated` or `sbom` (a buildpack id's rules, and the lifecycle's `generated`).
///
/// libcnb-data has no extension id, and its `BuildpackId` is checked with a `fancy-regex` that
/// is compiled at run time: as this workspace measured, 0.31 MiB more in every static binary and
/// about 1.4 M more instructions in every detect. This newtype checks the same rules by hand
/// and has the same API (`FromStr`, `Display`, `as_str`, `Deserialize`).
///
/// ```
/// use cnb_extension::ExtensionId;
///
/// let id: ExtensionId = "paketo-community/ubi-nodejs-extension".parse().unwrap();
/// assert_eq!(id.escaped(), "paketo-community_ubi-nodejs-extension");
/// assert!("generated".parse::<ExtensionId>().is_err());
/// assert!("a b".parse::<ExtensionId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ExtensionId(String);

impl ExtensionId {
    /// The id as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id with `/` replaced by `_`, as the lifecycle names directories after it.
    #[must_use]
    pub fn escaped(&self) -> String {
        self.0.replace('/', "_")
    }
}

/// An invalid extension id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidExtensionId(pub String);

impl fmt::Display for InvalidExtensionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid extension id {:?}: expected letters, digits, '.', '/' and '-', \
             and not one of app, config, generated, sbom",
            quoted(&self.0)
        )
    }
}

impl std::error::Error for InvalidExtensionId {}

impl FromStr for ExtensionId {
    type Err = InvalidExtensionId;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let valid = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-'))
            && !matches!(value, "app" | "config" | "generated" | "sbom");
        if valid {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidExtensionId(value.to_string()))
        }
    }
}

impl TryFrom<String> for ExtensionId {
    type Error = InvalidExtensionId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for ExtensionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_descriptor() {
        #[derive(Debug, Deserialize)]
        struct Metadata {
            default: String,
        }
        let descriptor: ExtensionDescriptor<Metadata> = toml::from_str(
            r#"
api = "0.10"

[extension]
id = "paketo-community/ubi-nodejs-extension"
name = "UBI Node.js Extension"
version = "1.2.3"
homepage = "https://example.com"
description = "Installs Node.js"
keywords = ["nodejs"]
clear-env = true

[[extension.licenses]]
type = "Apache-2.0"

[[targets]]
os = "linux"
arch = "amd64"
[[targets.distros]]
name = "rhel"
version = "8"

[metadata]
default = "20"
"#,
        )
        .unwrap();
        assert_eq!(
            descriptor.api,
            BuildpackApi {
                major: 0,
                minor: 10
            }
        );
        assert_eq!(
            descriptor.extension.id.as_str(),
            "paketo-community/ubi-nodejs-extension"
        );
        assert_eq!(descriptor.extension.version, BuildpackVersion::new(1, 2, 3));
        assert!(descriptor.extension.clear_env);
        assert_eq!(descriptor.targets.len(), 1);
        assert_eq!(descriptor.targets[0].distros[0].name, "rhel");
        assert_eq!(descriptor.metadata.default, "20");
        assert_eq!(descriptor.extension.display_name(), "UBI Node.js Extension");
    }

    #[test]
    fn metadata_is_optional_by_default() {
        let descriptor: ExtensionDescriptor =
            toml::from_str("api = \"0.10\"\n[extension]\nid = \"a/b\"\nversion = \"0.1.0\"\n")
                .unwrap();
        assert!(descriptor.metadata.is_none());
        assert_eq!(descriptor.extension.display_name(), "a/b");
    }

    #[test]
    fn rejects_order_unknown_keys_bad_ids_and_versions() {
        for (toml, expected) in [
            (
                "api = \"0.10\"\n[extension]\nid = \"a/b\"\nversion = \"0.1.0\"\n[[order]]\n",
                "unknown field `order`",
            ),
            (
                "api = \"0.10\"\n[extension]\nid = \"a/b\"\nversion = \"0.1.0\"\nversoin = \"x\"\n",
                "unknown field `versoin`",
            ),
            (
                "api = \"0.10\"\n[extension]\nid = \"a b\"\nversion = \"0.1.0\"\n",
                "invalid extension id",
            ),
            (
                "api = \"0.10\"\n[extension]\nid = \"a/b\"\nversion = \"1.0\"\n",
                "1.0",
            ),
            (
                "[extension]\nid = \"a/b\"\nversion = \"1.0.0\"\n",
                "missing field `api`",
            ),
        ] {
            let error = toml::from_str::<ExtensionDescriptor>(toml)
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
