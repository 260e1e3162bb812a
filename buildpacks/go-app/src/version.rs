//! Go versions as the Go command spells them (`1.26`, `1.26rc1`, `1.26.8`, with or without the
//! `go` prefix), what an app asks for, and which toolchain satisfies it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use untrusted_input::quoted;

/// A Go version. Keeps the string it was read from; orders as the Go command does
/// (`1.26` < `1.26rc1` < `1.26.0` < `1.26.1`).
#[derive(Debug, Clone)]
pub(crate) struct GoVersion {
    original: String,
    major: u64,
    minor: u64,
    /// What follows `major.minor`.
    stage: Stage,
}

/// The part of a Go version after `major.minor`, in the Go command's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// `1.26`: a language version, below every release of that line.
    Language,
    /// `1.26beta1`.
    Beta(u64),
    /// `1.26rc1`.
    ReleaseCandidate(u64),
    /// `1.26.0`, `1.26.8`.
    Patch(u64),
}

/// The text is not a Go version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionParseError(pub(crate) String);

impl fmt::Display for VersionParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not a Go version (expected X.Y.Z, e.g. 1.26.8)",
            quoted(&self.0)
        )
    }
}

impl GoVersion {
    /// Parses `1.26.8`, `go1.26.8`, `1.26`, `1.26rc1`, `1.26beta1`.
    pub(crate) fn parse(text: &str) -> Result<Self, VersionParseError> {
        let error = || VersionParseError(text.to_string());
        let bare = text.strip_prefix("go").unwrap_or(text);
        let (major, rest) = bare.split_once('.').ok_or_else(error)?;
        let major = number(major).ok_or_else(error)?;
        let minor_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let minor = number(&rest[..minor_end]).ok_or_else(error)?;
        let suffix = &rest[minor_end..];
        let stage = if suffix.is_empty() {
            Stage::Language
        } else if let Some(patch) = suffix.strip_prefix('.') {
            Stage::Patch(number(patch).ok_or_else(error)?)
        } else if let Some(n) = suffix.strip_prefix("rc") {
            Stage::ReleaseCandidate(number(n).ok_or_else(error)?)
        } else if let Some(n) = suffix.strip_prefix("beta") {
            Stage::Beta(number(n).ok_or_else(error)?)
        } else {
            return Err(error());
        };
        if major == 0 {
            return Err(error());
        }
        Ok(Self {
            original: text.to_string(),
            major,
            minor,
            stage,
        })
    }

    /// The version as written, e.g. `go1.26.8`.
    pub(crate) fn original(&self) -> &str {
        &self.original
    }

    /// The version without the `go` prefix: `1.26.8`.
    pub(crate) fn bare(&self) -> String {
        let line = format!("{}.{}", self.major, self.minor);
        match self.stage {
            Stage::Language => line,
            Stage::Beta(n) => format!("{line}beta{n}"),
            Stage::ReleaseCandidate(n) => format!("{line}rc{n}"),
            Stage::Patch(n) => format!("{line}.{n}"),
        }
    }

    /// `major.minor`.
    pub(crate) fn line(&self) -> (u64, u64) {
        (self.major, self.minor)
    }

    /// A release `X.Y.Z` (not a language version, beta or release candidate).
    pub(crate) fn is_release(&self) -> bool {
        matches!(self.stage, Stage::Patch(_))
    }

    fn key(&self) -> (u64, u64, Stage) {
        (self.major, self.minor, self.stage)
    }
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // No leading zeros: "1.026" is not a Go version.
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

impl PartialEq for GoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for GoVersion {}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.bare())
    }
}

impl Serialize for GoVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.original)
    }
}

impl<'de> Deserialize<'de> for GoVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where a version request comes from, in priority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestSource {
    BpGoVersion,
    GoModToolchain,
    GoModGo,
    Default,
}

impl fmt::Display for RequestSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BpGoVersion => "BP_GO_VERSION",
            Self::GoModToolchain => "go.mod toolchain",
            Self::GoModGo => "go.mod go line",
            Self::Default => "default",
        })
    }
}

/// What the app asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Constraint {
    /// Exactly this release (`BP_GO_VERSION=1.25.14`, `toolchain go1.25.14`).
    Exact(GoVersion),
    /// The newest patch of a line (`BP_GO_VERSION=1.25`, `1.25.x`, `1.25.*`).
    Line(u64, u64),
    /// At least this version (go.mod's `go` line, as the Go command reads it).
    Minimum(GoVersion),
    /// Anything: the build image's go, else the newest of the inventory.
    Any,
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(version) => write!(f, "{version}"),
            Self::Line(major, minor) => write!(f, "{major}.{minor}.*"),
            Self::Minimum(version) => write!(f, ">= {version}"),
            Self::Any => f.write_str("any"),
        }
    }
}

impl Constraint {
    /// Whether `version` satisfies the constraint.
    pub(crate) fn matches(&self, version: &GoVersion) -> bool {
        match self {
            Self::Exact(wanted) => version == wanted,
            Self::Line(major, minor) => version.is_release() && version.line() == (*major, *minor),
            Self::Minimum(minimum) => version >= minimum,
            Self::Any => true,
        }
    }
}

/// The request: the constraint and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionRequest {
    pub(crate) constraint: Constraint,
    pub(crate) source: RequestSource,
    /// The text the constraint was read from (`None` for the default).
    pub(crate) raw: Option<String>,
}

/// A request that is not a Go version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestError {
    pub(crate) source: RequestSource,
    pub(crate) value: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={} is not a Go version: use X.Y.Z for one release (1.26.8) or X.Y for the \
             newest patch of a line (1.26, 1.26.x, 1.26.*)",
            self.source,
            quoted(&self.value)
        )
    }
}

/// Parses `BP_GO_VERSION`: `X.Y.Z` exactly, or `X.Y` / `X.Y.x` / `X.Y.*` (also with a `go`
/// prefix).
pub(crate) fn parse_bp_go_version(value: &str) -> Result<Constraint, RequestError> {
    let error = || RequestError {
        source: RequestSource::BpGoVersion,
        value: value.to_string(),
    };
    let trimmed = value.trim();
    let bare = trimmed.strip_prefix("go").unwrap_or(trimmed);
    let line = bare
        .strip_suffix(".x")
        .or_else(|| bare.strip_suffix(".*"))
        .unwrap_or(bare);
    let version = GoVersion::parse(line).map_err(|_| error())?;
    match version.stage {
        Stage::Language => Ok(Constraint::Line(version.major, version.minor)),
        Stage::Patch(_) if line == bare => Ok(Constraint::Exact(version)),
        Stage::ReleaseCandidate(_) | Stage::Beta(_) if line == bare => {
            Ok(Constraint::Exact(version))
        }
        _ => Err(error()),
    }
}

/// The request, by priority: `BP_GO_VERSION`, go.mod's `toolchain` (exactly that release), its
/// `go` line (at least that version), else any.
pub(crate) fn version_request(
    bp_go_version: Option<&str>,
    toolchain: Option<&GoVersion>,
    go_line: Option<&GoVersion>,
) -> Result<VersionRequest, RequestError> {
    if let Some(value) = bp_go_version.filter(|value| !value.trim().is_empty()) {
        return Ok(VersionRequest {
            constraint: parse_bp_go_version(value)?,
            source: RequestSource::BpGoVersion,
            raw: Some(value.to_string()),
        });
    }
    if let Some(toolchain) = toolchain {
        return Ok(VersionRequest {
            constraint: Constraint::Exact(toolchain.clone()),
            source: RequestSource::GoModToolchain,
            raw: Some(toolchain.original().to_string()),
        });
    }
    if let Some(go) = go_line {
        return Ok(VersionRequest {
            constraint: Constraint::Minimum(go.clone()),
            source: RequestSource::GoModGo,
            raw: Some(go.original().to_string()),
        });
    }
    Ok(VersionRequest {
        constraint: Constraint::Any,
        source: RequestSource::Default,
        raw: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> GoVersion {
        GoVersion::parse(text).unwrap()
    }

    #[test]
    fn parses_and_orders_like_the_go_command() {
        let mut versions = [
            "1.26.10",
            "1.26.8",
            "go1.26rc1",
            "1.26",
            "1.25.14",
            "1.26beta1",
            "1.26.0",
            "1.3.1",
        ]
        .map(v);
        versions.sort();
        assert_eq!(
            versions.iter().map(GoVersion::bare).collect::<Vec<_>>(),
            [
                "1.3.1",
                "1.25.14",
                "1.26",
                "1.26beta1",
                "1.26rc1",
                "1.26.0",
                "1.26.8",
                "1.26.10"
            ]
        );
        assert_eq!(v("go1.26.8"), v("1.26.8"));
        assert_eq!(v("go1.26.8").original(), "go1.26.8");
        for bad in [
            "", "1", "go", "1.x", "1.26.", "1.26.8.1", "1.026", "0.1", "v1.26.8", "1.26-rc1",
        ] {
            assert!(GoVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bp_go_version_forms() {
        assert_eq!(
            parse_bp_go_version("1.25.14").unwrap(),
            Constraint::Exact(v("1.25.14"))
        );
        assert_eq!(
            parse_bp_go_version("go1.25.14").unwrap(),
            Constraint::Exact(v("1.25.14"))
        );
        for line in ["1.25", "1.25.x", "1.25.*", "go1.25"] {
            assert_eq!(
                parse_bp_go_version(line).unwrap(),
                Constraint::Line(1, 25),
                "{line}"
            );
        }
        for bad in ["latest", "1", "1.25.14.x", "~1.25", ">=1.25", "1.25rc1.x"] {
            let error = parse_bp_go_version(bad).unwrap_err();
            assert_eq!(error.value, bad);
        }
        assert_eq!(
            parse_bp_go_version("latest").unwrap_err().to_string(),
            "BP_GO_VERSION=\"latest\" is not a Go version: use X.Y.Z for one release (1.26.8) or \
             X.Y for the newest patch of a line (1.26, 1.26.x, 1.26.*)"
        );
    }

    #[test]
    fn request_priority() {
        let toolchain = v("go1.25.14");
        let go = v("1.24");
        let request = version_request(Some("1.26.8"), Some(&toolchain), Some(&go)).unwrap();
        assert_eq!(request.source, RequestSource::BpGoVersion);
        assert_eq!(request.constraint, Constraint::Exact(v("1.26.8")));
        let request = version_request(Some("  "), Some(&toolchain), Some(&go)).unwrap();
        assert_eq!(request.source, RequestSource::GoModToolchain);
        assert_eq!(request.constraint, Constraint::Exact(v("1.25.14")));
        assert_eq!(request.raw.as_deref(), Some("go1.25.14"));
        let request = version_request(None, None, Some(&go)).unwrap();
        assert_eq!(request.source, RequestSource::GoModGo);
        assert_eq!(request.constraint, Constraint::Minimum(v("1.24")));
        let request = version_request(None, None, None).unwrap();
        assert_eq!(request.source, RequestSource::Default);
        assert_eq!(request.constraint, Constraint::Any);
    }

    #[test]
    fn constraints_match() {
        assert!(Constraint::Exact(v("1.25.14")).matches(&v("go1.25.14")));
        assert!(!Constraint::Exact(v("1.25.14")).matches(&v("1.26.8")));
        assert!(Constraint::Line(1, 26).matches(&v("1.26.8")));
        assert!(!Constraint::Line(1, 26).matches(&v("1.26rc1")));
        assert!(!Constraint::Line(1, 26).matches(&v("1.27.0")));
        assert!(Constraint::Minimum(v("1.24")).matches(&v("1.24.0")));
        assert!(Constraint::Minimum(v("1.24")).matches(&v("1.26.8")));
        assert!(!Constraint::Minimum(v("1.27.1")).matches(&v("1.26.8")));
        assert!(Constraint::Any.matches(&v("1.20.1")));
    }
}
