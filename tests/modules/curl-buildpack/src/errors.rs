//! This buildpack's errors and how they are shown.

use cnb_output::HeaderAndBody;
use std::path::PathBuf;

/// Everything that can go wrong in this buildpack.
#[derive(Debug)]
pub(crate) enum CurlBuildpackError {
    /// The app's `.curl-version` exists but cannot be read.
    ReadCurlVersion {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The build plan metadata could not be serialized (a bug in this buildpack).
    BuildPlanMetadata(String),
    /// `curl` is not on `PATH` at build time: the image extension did not install it.
    CurlNotFound { path: String, cause: String },
}

impl HeaderAndBody for CurlBuildpackError {
    /// A one-line header saying what failed.
    fn header(&self) -> String {
        match self {
            Self::ReadCurlVersion { path, .. } => format!("Cannot read {}", path.display()),
            Self::BuildPlanMetadata(_) => "Cannot write the build plan".to_string(),
            Self::CurlNotFound { .. } => "curl is not installed in the build image".to_string(),
        }
    }

    /// The body: the cause and what to do.
    fn body(&self) -> String {
        match self {
            Self::ReadCurlVersion { source, .. } => format!(
                "{source}\nThe file .curl-version, if present, must be a readable text file holding a curl version, e.g. 8.5.0."
            ),
            Self::BuildPlanMetadata(cause) => {
                format!("{cause}\nThis is a bug in the buildpack; please report it.")
            }
            Self::CurlNotFound { path, cause } => format!(
                "curl was expected to be installed by the image extension examples/curl-extension, \
                 which provides `curl` for this buildpack's build plan, but it is not on PATH \
                 ({cause}; PATH={path:?}).\nAdd examples/curl-extension to the builder's order \
                 (order-extensions) before this buildpack, and check that its Dockerfile installs curl."
            ),
        }
    }
}

cnb_output::libcnb_buildpack_error!(CurlBuildpackError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_not_found_says_the_extension_should_have_installed_it() {
        let error = CurlBuildpackError::CurlNotFound {
            path: "/usr/bin:/bin".to_string(),
            cause: "cannot find binary path".to_string(),
        };
        assert_eq!(error.header(), "curl is not installed in the build image");
        assert!(
            error.body().starts_with(
                "curl was expected to be installed by the image extension examples/curl-extension"
            ),
            "{}",
            error.body()
        );
    }

    /// Every error as the user sees it, one snapshot per variant (`src/snapshots/`).
    #[test]
    fn messages() {
        let errors = [
            (
                "read_curl_version",
                CurlBuildpackError::ReadCurlVersion {
                    path: PathBuf::from("/workspace/.curl-version"),
                    source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
                },
            ),
            (
                "build_plan_metadata",
                CurlBuildpackError::BuildPlanMetadata("unsupported type".to_string()),
            ),
            (
                "curl_not_found",
                CurlBuildpackError::CurlNotFound {
                    path: "/usr/bin:/bin\nRUN id".to_string(),
                    cause: "cannot find binary path".to_string(),
                },
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
