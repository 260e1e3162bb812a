//! Where a value enters a Dockerfile: names checked, values kept to one line and quoted.

use crate::untrusted::quoted;
use cnb_output::HeaderAndBody;
use std::fmt;

/// Why a value cannot go into a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfileError {
    /// A name (ARG, ENV, label key, command) is not of the expected form.
    InvalidName {
        /// What the name is for, e.g. "ENV name".
        what: &'static str,
        /// The rejected name, verbatim.
        name: String,
        /// The form that was expected.
        expected: &'static str,
    },
    /// A value contains a character that could end the instruction.
    UnsafeValue {
        /// What the value is for, e.g. "RUN argument".
        what: &'static str,
        /// The rejected value, verbatim.
        value: String,
    },
    /// A path is not of the accepted form.
    InvalidPath {
        /// What the path is for.
        what: &'static str,
        /// The rejected path.
        path: String,
    },
}

impl fmt::Display for DockerfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName {
                what,
                name,
                expected,
            } => write!(f, "invalid {what} {}: expected {expected}", quoted(name)),
            Self::UnsafeValue { what, value } => write!(
                f,
                "unsafe {what} {}: a Dockerfile value may not contain a line break or NUL",
                quoted(value)
            ),
            Self::InvalidPath { what, path } => write!(
                f,
                "invalid {what} {}: expected a path of letters, digits and any of ._-+@/ \
                 (no spaces, quotes or variables)",
                quoted(path)
            ),
        }
    }
}

impl std::error::Error for DockerfileError {}

/// As an extension's error: what was rejected, then why.
impl HeaderAndBody for DockerfileError {
    fn header(&self) -> String {
        match self {
            Self::InvalidName { what, .. } | Self::InvalidPath { what, .. } => {
                format!("Invalid {what} for the Dockerfile")
            }
            Self::UnsafeValue { what, .. } => format!("Unsafe {what} for the Dockerfile"),
        }
    }

    fn body(&self) -> String {
        format!(
            "{self}.\nEvery value an extension writes into a Dockerfile is checked, so that none \
             can add an instruction: fix the value where it comes from, or report this to the \
             extension's authors if it comes from the extension itself."
        )
    }
}

pub(super) const IDENTIFIER: &str = "a letter or '_' followed by letters, digits or '_'";

pub(super) fn check_identifier(what: &'static str, name: &str) -> Result<(), DockerfileError> {
    let mut bytes = name.bytes();
    let valid = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(DockerfileError::InvalidName {
            what,
            name: name.to_string(),
            expected: IDENTIFIER,
        })
    }
}

pub(super) fn check_single_line(what: &'static str, value: &str) -> Result<(), DockerfileError> {
    if value.contains(['\n', '\r', '\0']) {
        Err(DockerfileError::UnsafeValue {
            what,
            value: value.to_string(),
        })
    } else {
        Ok(())
    }
}

/// Quotes a value for a Dockerfile `ENV`, `LABEL` or `ARG` line: double quotes, with `\`, `"`
/// and `$` escaped (the Dockerfile parser expands variables inside double quotes otherwise).
pub(super) fn double_quoted(what: &'static str, value: &str) -> Result<String, DockerfileError> {
    check_single_line(what, value)?;
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    Ok(quoted)
}

/// A path for `WORKDIR` or `COPY`: plain characters only, so that neither the Dockerfile parser
/// nor a shell can read anything into it.
pub(super) fn check_path(what: &'static str, path: &str) -> Result<(), DockerfileError> {
    let valid = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+@/".contains(c));
    if valid {
        Ok(())
    } else {
        Err(DockerfileError::InvalidPath {
            what,
            path: path.to_string(),
        })
    }
}
