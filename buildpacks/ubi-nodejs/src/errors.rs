//! This buildpack's errors and how they are shown: a header that says what failed, a body that
//! says why and what to do, with the offending input quoted.

use cnb_output::HeaderAndBody;
use exec_d::InstallError;
use nodejs_version::PlanValueNotAString;
use std::path::PathBuf;
use untrusted_input::{ReadError, quoted};

/// The ubi-nodejs-extension, named in messages about a missing Node.js.
pub(crate) const EXTENSION_ID: &str = "paketo-community/ubi-nodejs-extension";

/// Everything that can go wrong in this buildpack.
#[derive(Debug)]
pub(crate) enum NodejsBuildpackError {
    /// `BP_NODE_PROJECT_PATH` is not a relative path inside the app.
    InvalidProjectPath { value: String, reason: &'static str },
    /// `BP_NODE_PROJECT_PATH` names no directory of the app.
    MissingProjectDir { value: String, path: PathBuf },
    /// `BP_NODE_OPTIMIZE_MEMORY` is neither true nor false.
    InvalidOptimizeMemory { value: String },
    /// A file of the app (package.json, .nvmrc, .node-version) or the project directory exists
    /// but cannot be read: not a regular file, too large, a dangling link, outside the app.
    AppFile(ReadError),
    /// package.json is not valid JSON.
    PackageJsonSyntax { path: PathBuf, message: String },
    /// A package.json field this buildpack reads has the wrong type.
    PackageJsonField {
        path: PathBuf,
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    /// The build plan metadata could not be serialized (a bug in this buildpack).
    BuildPlanMetadata(String),
    /// `node` is not on `PATH` at build time.
    NodeNotFound {
        path_env: String,
        /// The Buildpack Plan still holds `node`: no image extension satisfied it.
        requested_in_plan: bool,
    },
    /// `npm` is not on `PATH` at build time, although `node` is.
    NpmNotFound { path_env: String, node: PathBuf },
    /// `node --version` failed or printed something that is not a version.
    NodeVersion { node: PathBuf, detail: String },
    /// A `node` entry of the Buildpack Plan has a value that is not a string.
    PlanValue(PlanValueNotAString),
    /// The plan's winning request is no version request: the message, shared with the
    /// extension ([`nodejs_version::RequestError::message`]).
    InvalidVersionRequest(String),
    /// No extension installed Node.js and the node on `PATH` does not serve the request.
    NodeDoesNotSatisfy {
        request: String,
        source: String,
        node: PathBuf,
        version: String,
    },
    /// The exec.d program cannot be installed (missing: a packaging bug).
    ExecD(InstallError),
    /// The SBOM could not be serialized (a bug in this buildpack).
    Sbom(String),
}

impl HeaderAndBody for NodejsBuildpackError {
    /// A one-line header saying what failed.
    fn header(&self) -> String {
        match self {
            Self::InvalidProjectPath { .. } => "Invalid BP_NODE_PROJECT_PATH".to_string(),
            Self::MissingProjectDir { .. } => {
                "BP_NODE_PROJECT_PATH does not name a directory of the app".to_string()
            }
            Self::InvalidOptimizeMemory { .. } => "Invalid BP_NODE_OPTIMIZE_MEMORY".to_string(),
            Self::AppFile(error) => format!("Cannot read {}", error.path.display()),
            Self::PackageJsonSyntax { path, .. } | Self::PackageJsonField { path, .. } => {
                format!("Invalid {}", path.display())
            }
            Self::BuildPlanMetadata(_) => "Cannot write the build plan".to_string(),
            Self::NodeNotFound { .. } => "Node.js is not installed in the build image".to_string(),
            Self::NpmNotFound { .. } => "npm is not installed in the build image".to_string(),
            Self::NodeVersion { node, .. } => {
                format!("Cannot determine the version of {}", node.display())
            }
            Self::PlanValue(_) | Self::InvalidVersionRequest(_) => {
                "Invalid Node.js version request".to_string()
            }
            Self::NodeDoesNotSatisfy { .. } => {
                "The Node.js on PATH is not the requested version".to_string()
            }
            Self::ExecD(error) => error.header(),
            Self::Sbom(_) => "Cannot write the SBOM".to_string(),
        }
    }

    /// The body: the cause and what to do.
    fn body(&self) -> String {
        match self {
            Self::InvalidProjectPath { value, reason } => format!(
                "BP_NODE_PROJECT_PATH={} {reason}.\nSet it to the directory of the Node.js \
                 project relative to the app root, e.g. BP_NODE_PROJECT_PATH=frontend, or unset it \
                 when package.json is in the app root.",
                quoted(value)
            ),
            Self::MissingProjectDir { value, path } => format!(
                "BP_NODE_PROJECT_PATH={}, but {} is not a directory.\nSet it to the \
                 directory of the app that holds package.json, relative to the app root.",
                quoted(value),
                quoted(&path.to_string_lossy())
            ),
            Self::InvalidOptimizeMemory { value } => format!(
                "BP_NODE_OPTIMIZE_MEMORY={} is not a boolean.\nSet it to \"true\" to limit \
                 the V8 heap to 75% of the container's memory at launch, or to \"false\".",
                quoted(value)
            ),
            Self::AppFile(error) => format!(
                "{error}.\nA package.json, .nvmrc or .node-version of the app, and the \
                 BP_NODE_PROJECT_PATH directory, must be regular files (a directory for the \
                 project) inside the app directory; symbolic links may point only inside the \
                 app. Replace or remove it."
            ),
            Self::PackageJsonSyntax { message, .. } => format!(
                "It is not valid JSON: {message}.\nFix the file (`node -e \"require('./package.json')\"` \
                 shows the same problem)."
            ),
            Self::PackageJsonField {
                field,
                expected,
                found,
                ..
            } => format!(
                "`{field}` must be {expected}, but it is {found}.\nFix the field in package.json."
            ),
            Self::BuildPlanMetadata(cause) | Self::Sbom(cause) => {
                format!("{cause}\nThis is a bug in the buildpack; please report it.")
            }
            Self::NodeNotFound {
                path_env,
                requested_in_plan,
            } => {
                let plan = if *requested_in_plan {
                    "The build plan still requests node, so no image extension installed it: \
                     the extension did not run."
                } else {
                    "No image extension reported node as missing either."
                };
                format!(
                    "`node` is not on PATH ({path_env:?}). This buildpack uses the Node.js that \
                     the image extension {EXTENSION_ID} installs from the distribution's RPMs \
                     into the build image. {plan}\nAdd {EXTENSION_ID} to the builder's \
                     order-extensions (builder.toml [[order-extensions]]) and build with a \
                     platform that runs image extensions (Platform API 0.10 or later), or use a \
                     build image that has Node.js on PATH."
                )
            }
            Self::NpmNotFound { path_env, node } => format!(
                "`node` is at {}, but `npm` is not on PATH ({path_env:?}).\nThe image extension \
                 {EXTENSION_ID} installs npm with Node.js; check that it ran (its generate phase \
                 lists the RPMs it installs) and that the Node.js packages of the build image \
                 include npm.",
                node.display()
            ),
            Self::NodeVersion { detail, .. } => format!(
                "{detail}\nCheck that the node on PATH runs in the build image (`node --version`)."
            ),
            Self::PlanValue(error) => error.to_string(),
            Self::InvalidVersionRequest(message) => message.clone(),
            Self::NodeDoesNotSatisfy {
                request,
                source,
                node,
                version,
            } => format!(
                "The app asks for Node.js {} ({source}), but {} is v{version}. The build plan \
                 still requests node, so no image extension installed it.\nAdd {EXTENSION_ID} to \
                 the builder's order-extensions (builder.toml [[order-extensions]]) and build \
                 with a platform that runs image extensions, or request a version that v{version} \
                 satisfies.",
                quoted(request),
                node.display()
            ),
            Self::ExecD(error @ InstallError::Missing { .. }) => format!(
                "{}\nMeanwhile, unset BP_NODE_OPTIMIZE_MEMORY to build without it.",
                error.body()
            ),
            Self::ExecD(error) => error.body(),
        }
    }
}

cnb_output::libcnb_buildpack_error!(NodejsBuildpackError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_not_found_names_the_extension_and_order_extensions() {
        let error = NodejsBuildpackError::NodeNotFound {
            path_env: "/nonexistent".to_string(),
            requested_in_plan: true,
        };
        assert_eq!(
            error.header(),
            "Node.js is not installed in the build image"
        );
        let body = error.body();
        assert!(
            body.starts_with("`node` is not on PATH (\"/nonexistent\")."),
            "{body}"
        );
        for needle in [
            "the image extension paketo-community/ubi-nodejs-extension installs",
            "the extension did not run",
            "order-extensions",
        ] {
            assert!(body.contains(needle), "{needle}: {body}");
        }
    }

    #[test]
    fn package_json_errors_name_the_file_and_quote_the_input() {
        let error = NodejsBuildpackError::PackageJsonField {
            path: PathBuf::from("/workspace/package.json"),
            field: "engines.node",
            expected: "a string",
            found: "20".to_string(),
        };
        assert_eq!(
            error.to_string(),
            "Invalid /workspace/package.json: `engines.node` must be a string, but it is 20.\n\
             Fix the field in package.json."
        );
    }

    /// Issue 13 (9): a 10 MB value was echoed whole in errors; now a bounded prefix that says
    /// it was cut.
    #[test]
    fn hostile_values_are_quoted_short() {
        let huge = "x".repeat(10 << 20);
        for error in [
            NodejsBuildpackError::InvalidProjectPath {
                value: huge.clone(),
                reason: "leaves the app directory",
            },
            NodejsBuildpackError::MissingProjectDir {
                value: huge.clone(),
                path: PathBuf::from(&huge),
            },
            NodejsBuildpackError::InvalidOptimizeMemory {
                value: huge.clone(),
            },
            NodejsBuildpackError::NodeDoesNotSatisfy {
                request: huge.clone(),
                source: ".nvmrc".to_string(),
                node: PathBuf::from("/usr/bin/node"),
                version: "20.20.2".to_string(),
            },
        ] {
            let message = error.to_string();
            assert!(message.len() < 1024, "{}", &message[..1024]);
            assert!(
                message.contains("… (cut, 10485760 bytes in all)"),
                "{message}"
            );
        }
    }

    #[test]
    fn project_path_errors_quote_the_value() {
        let error = NodejsBuildpackError::InvalidProjectPath {
            value: "../other".to_string(),
            reason: "leaves the app directory",
        };
        assert_eq!(error.header(), "Invalid BP_NODE_PROJECT_PATH");
        assert!(
            error
                .body()
                .starts_with("BP_NODE_PROJECT_PATH=\"../other\" leaves the app directory.\n"),
            "{}",
            error.body()
        );
    }

    /// Every error as the user sees it, one snapshot per variant (`src/snapshots/`), with
    /// realistic inputs; hostile ones quoted short.
    #[test]
    #[allow(clippy::too_many_lines)] // one entry per error
    fn messages() {
        use untrusted_input::ReadErrorKind;
        let hostile = format!("../../etc\nRUN id{}", "x".repeat(100));
        let errors = [
            (
                "invalid_project_path",
                NodejsBuildpackError::InvalidProjectPath {
                    value: hostile.clone(),
                    reason: "leaves the app directory",
                },
            ),
            (
                "missing_project_dir",
                NodejsBuildpackError::MissingProjectDir {
                    value: "frontend".to_string(),
                    path: PathBuf::from("/workspace/frontend"),
                },
            ),
            (
                "invalid_optimize_memory",
                NodejsBuildpackError::InvalidOptimizeMemory {
                    value: "yes please".to_string(),
                },
            ),
            (
                "app_file",
                NodejsBuildpackError::AppFile(ReadError {
                    path: PathBuf::from("/workspace/package.json"),
                    kind: ReadErrorKind::NotRegular("a FIFO"),
                }),
            ),
            (
                "package_json_syntax",
                NodejsBuildpackError::PackageJsonSyntax {
                    path: PathBuf::from("/workspace/package.json"),
                    message: "expected `,` or `}` at line 3 column 5".to_string(),
                },
            ),
            (
                "package_json_field",
                NodejsBuildpackError::PackageJsonField {
                    path: PathBuf::from("/workspace/package.json"),
                    field: "engines.node",
                    expected: "a string",
                    found: "20".to_string(),
                },
            ),
            (
                "build_plan_metadata",
                NodejsBuildpackError::BuildPlanMetadata("unsupported value".to_string()),
            ),
            (
                "node_not_found",
                NodejsBuildpackError::NodeNotFound {
                    path_env: "/usr/local/bin:/usr/bin".to_string(),
                    requested_in_plan: true,
                },
            ),
            (
                "node_not_found_not_requested",
                NodejsBuildpackError::NodeNotFound {
                    path_env: "/usr/local/bin:/usr/bin".to_string(),
                    requested_in_plan: false,
                },
            ),
            (
                "npm_not_found",
                NodejsBuildpackError::NpmNotFound {
                    path_env: "/usr/local/bin:/usr/bin".to_string(),
                    node: PathBuf::from("/usr/bin/node"),
                },
            ),
            (
                "node_version",
                NodejsBuildpackError::NodeVersion {
                    node: PathBuf::from("/usr/bin/node"),
                    detail: "node --version printed \"banana\", which is not a version".to_string(),
                },
            ),
            (
                "plan_value",
                NodejsBuildpackError::PlanValue(PlanValueNotAString {
                    key: "version",
                    value: "20".to_string(),
                }),
            ),
            (
                "invalid_version_request",
                NodejsBuildpackError::InvalidVersionRequest(
                    nodejs_version::RequestError::NotARange(
                        "it contains the character ';'".to_string(),
                    )
                    .message("20; id", "BP_NODE_VERSION"),
                ),
            ),
            (
                "node_does_not_satisfy",
                NodejsBuildpackError::NodeDoesNotSatisfy {
                    request: "~22\nRUN id".to_string(),
                    source: ".nvmrc".to_string(),
                    node: PathBuf::from("/usr/bin/node"),
                    version: "20.20.2".to_string(),
                },
            ),
            (
                "exec_d_program_missing",
                NodejsBuildpackError::ExecD(InstallError::Missing {
                    path: PathBuf::from("/cnb/buildpacks/ubi-nodejs-buildpack/bin/optimize-memory"),
                }),
            ),
            (
                "sbom",
                NodejsBuildpackError::Sbom("key must be a string".to_string()),
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
