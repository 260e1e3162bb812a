//! What this buildpack needs to know about curl: the requested version and where it is.

use crate::errors::CurlBuildpackError;
use libcnb::data::build_plan::Require;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The app file that asks for a curl version (its trimmed content, e.g. `8.5.0`).
pub(crate) const CURL_VERSION_FILE: &str = ".curl-version";

/// `[requires.metadata]` of the `curl` build plan entry.
#[derive(Debug, Serialize)]
struct CurlRequirementMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// curl must be in the launch image too: the default process runs it.
    launch: bool,
}

/// The trimmed content of the app's `.curl-version`, or `None` if the file does not exist or
/// holds only whitespace.
pub(crate) fn read_curl_version(app_dir: &Path) -> Result<Option<String>, CurlBuildpackError> {
    let path = app_dir.join(CURL_VERSION_FILE);
    match std::fs::read_to_string(&path) {
        Ok(content) => Ok(Some(content.trim().to_string()).filter(|version| !version.is_empty())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CurlBuildpackError::ReadCurlVersion { path, source }),
    }
}

/// The build plan requirement: `curl`, with `metadata.version` when one was asked for and
/// `metadata.launch = true`.
pub(crate) fn curl_requirement(version: Option<String>) -> Result<Require, CurlBuildpackError> {
    let mut require = Require::new("curl");
    require
        .metadata(CurlRequirementMetadata {
            version,
            launch: true,
        })
        .map_err(|error| CurlBuildpackError::BuildPlanMetadata(error.to_string()))?;
    Ok(require)
}

/// Finds `curl` on `PATH`.
pub(crate) fn find_curl() -> Result<PathBuf, CurlBuildpackError> {
    which::which("curl").map_err(|error| CurlBuildpackError::CurlNotFound {
        path: std::env::var("PATH").unwrap_or_default(),
        cause: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use libcnb::data::build_plan::BuildPlanBuilder;

    fn plan_toml(version: Option<&str>) -> String {
        let plan = BuildPlanBuilder::new()
            .requires(curl_requirement(version.map(String::from)).unwrap())
            .build();
        toml::to_string(&plan).unwrap()
    }

    #[test]
    fn requirement_without_version() {
        assert_eq!(
            plan_toml(None),
            "[[requires]]\nname = \"curl\"\n\n[requires.metadata]\nlaunch = true\n"
        );
    }

    #[test]
    fn requirement_with_version() {
        assert_eq!(
            plan_toml(Some("8.5.0")),
            "[[requires]]\nname = \"curl\"\n\n[requires.metadata]\nlaunch = true\nversion = \"8.5.0\"\n"
        );
    }

    #[test]
    fn curl_version_file_is_trimmed_and_optional() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(read_curl_version(app.path()).unwrap(), None);
        std::fs::write(app.path().join(CURL_VERSION_FILE), " 8.5.0\n").unwrap();
        assert_eq!(
            read_curl_version(app.path()).unwrap().as_deref(),
            Some("8.5.0")
        );
        std::fs::write(app.path().join(CURL_VERSION_FILE), "\n").unwrap();
        assert_eq!(read_curl_version(app.path()).unwrap(), None);
    }

    #[test]
    fn unreadable_curl_version_is_an_error() {
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join(CURL_VERSION_FILE)).unwrap();
        assert!(matches!(
            read_curl_version(app.path()),
            Err(CurlBuildpackError::ReadCurlVersion { .. })
        ));
    }
}
