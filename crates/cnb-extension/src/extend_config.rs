//! `extend-config.toml`: build arguments the platform passes when it applies the Dockerfiles.

use crate::untrusted::quoted;
use cnb_output::HeaderAndBody;
use serde::Serialize;
use std::fmt;

/// The build arguments the platform sets itself; an extension may not set them.
pub const RESERVED_ARGS: [&str; 3] = ["build_id", "user_id", "group_id"];

/// The contents of `extend-config.toml`: `[[build.args]]` and `[[run.args]]`.
///
/// ```
/// use cnb_extension::ExtendConfig;
///
/// let config = ExtendConfig::new().build_arg("NODE_MAJOR", "20")?;
/// assert_eq!(
///     config.to_toml(),
///     "[[build.args]]\nname = \"NODE_MAJOR\"\nvalue = \"20\"\n"
/// );
/// assert!(ExtendConfig::new().build_arg("user_id", "0").is_err());
/// # Ok::<(), cnb_extension::ExtendConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[must_use]
pub struct ExtendConfig {
    #[serde(skip_serializing_if = "Args::is_empty")]
    build: Args,
    #[serde(skip_serializing_if = "Args::is_empty")]
    run: Args,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Args {
    args: Vec<Arg>,
}

impl Args {
    fn is_empty(&self) -> bool {
        self.args.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Arg {
    name: String,
    value: String,
}

/// Why a build argument cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtendConfigError {
    /// `build_id`, `user_id` and `group_id` are set by the platform; the lifecycle rejects them.
    ReservedName(String),
    /// The name is not an identifier.
    InvalidName(String),
    /// The value contains a line break or NUL.
    UnsafeValue {
        /// The argument's name.
        name: String,
        /// The rejected value.
        value: String,
    },
}

impl fmt::Display for ExtendConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedName(name) => write!(
                f,
                "build argument {} is reserved: the platform sets build_id, user_id and group_id itself",
                quoted(name)
            ),
            Self::InvalidName(name) => write!(
                f,
                "invalid build argument name {}: expected a letter or '_' followed by letters, digits or '_'",
                quoted(name)
            ),
            Self::UnsafeValue { name, value } => write!(
                f,
                "unsafe value {} for build argument {}: it may not contain a line break or NUL",
                quoted(value),
                quoted(name)
            ),
        }
    }
}

impl std::error::Error for ExtendConfigError {}

/// As an extension's error: what was rejected, then why.
impl HeaderAndBody for ExtendConfigError {
    fn header(&self) -> String {
        "Invalid build argument for extend-config.toml".to_string()
    }

    fn body(&self) -> String {
        format!(
            "{self}.\nFix the argument where it comes from, or report this to the extension's \
             authors if it comes from the extension itself."
        )
    }
}

fn validated(name: &str, value: &str) -> Result<Arg, ExtendConfigError> {
    if RESERVED_ARGS.contains(&name) {
        return Err(ExtendConfigError::ReservedName(name.to_string()));
    }
    let mut bytes = name.bytes();
    let valid_name = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid_name {
        return Err(ExtendConfigError::InvalidName(name.to_string()));
    }
    if value.contains(['\n', '\r', '\0']) {
        return Err(ExtendConfigError::UnsafeValue {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    Ok(Arg {
        name: name.to_string(),
        value: value.to_string(),
    })
}

impl ExtendConfig {
    /// No arguments.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `[[build.args]]` entry, passed when `build.Dockerfile` is applied.
    ///
    /// # Errors
    /// When the name is reserved or not an identifier, or the value is not a single line.
    pub fn build_arg(mut self, name: &str, value: &str) -> Result<Self, ExtendConfigError> {
        self.build.args.push(validated(name, value)?);
        Ok(self)
    }

    /// Adds a `[[run.args]]` entry, passed when `run.Dockerfile` is applied.
    ///
    /// # Errors
    /// When the name is reserved or not an identifier, or the value is not a single line.
    pub fn run_arg(mut self, name: &str, value: &str) -> Result<Self, ExtendConfigError> {
        self.run.args.push(validated(name, value)?);
        Ok(self)
    }

    /// The TOML text.
    #[must_use]
    pub fn to_toml(&self) -> String {
        // Serializing strings and tables cannot fail.
        toml::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_every_reserved_name_for_build_and_run() {
        for name in RESERVED_ARGS {
            assert_eq!(
                ExtendConfig::new().build_arg(name, "1"),
                Err(ExtendConfigError::ReservedName(name.to_string()))
            );
            assert!(ExtendConfig::new().run_arg(name, "1").is_err());
        }
    }

    #[test]
    fn rejects_bad_names_and_multi_line_values() {
        assert!(ExtendConfig::new().build_arg("a-b", "1").is_err());
        assert!(ExtendConfig::new().build_arg("", "1").is_err());
        assert!(ExtendConfig::new().build_arg("A", "1\n2").is_err());
    }

    #[test]
    fn writes_build_and_run_args_as_the_lifecycle_reads_them() {
        let config = ExtendConfig::new()
            .build_arg("A", "x \"y\"")
            .unwrap()
            .run_arg("B", "2")
            .unwrap();
        let table: toml::Table = toml::from_str(&config.to_toml()).unwrap();
        assert_eq!(table["build"]["args"][0]["name"].as_str(), Some("A"));
        assert_eq!(table["build"]["args"][0]["value"].as_str(), Some("x \"y\""));
        assert_eq!(table["run"]["args"][0]["value"].as_str(), Some("2"));
        assert_eq!(ExtendConfig::new().to_toml(), "");
    }

    /// Every error as an extension shows it, one snapshot per variant (`src/snapshots/`).
    #[test]
    fn messages() {
        let errors = [
            (
                "reserved_name",
                ExtendConfigError::ReservedName("build_id".to_string()),
            ),
            (
                "invalid_name",
                ExtendConfigError::InvalidName("NODE VERSION".to_string()),
            ),
            (
                "unsafe_value",
                ExtendConfigError::UnsafeValue {
                    name: "NODE_VERSION".to_string(),
                    value: "20\nRUN id".to_string(),
                },
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
