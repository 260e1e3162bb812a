//! The Node.js runtime in the build image: `node` and `npm` on `PATH`, the version of `node`,
//! and the hand-off file the ubi-nodejs-extension writes into the extended build image.

use crate::errors::NodejsBuildpackError;
use nodejs_semver::Version;
use nodejs_version::{Candidate, Request};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use untrusted_input::quoted;

use ubi_companion_contract::nodejs::NodejsRuntime;

/// A Node.js version as `node --version` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeVersion {
    /// Without the leading `v`, e.g. `20.11.1`.
    pub(crate) version: String,
    pub(crate) major: u64,
    /// The same, for range checks.
    pub(crate) semver: Version,
}

/// Parses the output of `node --version` (`v20.11.1`).
pub(crate) fn parse_node_version(output: &str) -> Option<NodeVersion> {
    let version = output.trim();
    let version = version.strip_prefix('v').unwrap_or(version);
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let numeric = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    // major.minor.patch, with an optional pre-release suffix on the patch (v23.0.0-rc.1).
    let minor = parts.next()?;
    let patch = parts.next()?;
    let patch_number = patch.split(['-', '+']).next()?;
    if !(numeric(minor) && numeric(patch_number)) {
        return None;
    }
    Some(NodeVersion {
        version: version.to_string(),
        major,
        semver: Version::parse(version).ok()?,
    })
}

/// When no extension installed Node.js (the plan still holds `node`), the node on `PATH` must
/// serve the plan's winning request, as [`Request::accepts`] decides: a range it satisfies,
/// an nvm alias of its major. Returns the line to log.
pub(crate) fn check_request(
    winner: &Candidate,
    node: &Path,
    version: &NodeVersion,
) -> Result<String, NodejsBuildpackError> {
    let source = winner.source_label();
    let request = Request::parse(&winner.constraint).map_err(|error| {
        NodejsBuildpackError::InvalidVersionRequest(error.message(&winner.constraint, &source))
    })?;
    if !request.accepts(&version.semver) {
        return Err(NodejsBuildpackError::NodeDoesNotSatisfy {
            request: winner.constraint.clone(),
            source,
            node: node.to_path_buf(),
            version: version.version.clone(),
        });
    }
    Ok(match request {
        Request::Default => format!("No version requested: v{} will do", version.version),
        Request::Range(_) => format!(
            "v{} satisfies {} ({source})",
            version.version,
            quoted(&winner.constraint)
        ),
        Request::Alias(alias) => format!(
            "v{} serves the nvm alias {alias}, for {} ({source})",
            version.version,
            alias.meaning()
        ),
    })
}

/// The warning to log when the hand-off's major differs from the running node's.
pub(crate) fn major_mismatch(hand_off: &NodejsRuntime, node: &NodeVersion) -> Option<String> {
    (u64::from(hand_off.major) != node.major).then(|| {
        format!(
            "The ubi-nodejs-extension installed Node.js {}, but `node --version` is v{}: another \
             node comes first on PATH.",
            hand_off.major, node.version
        )
    })
}

/// `node` and `npm` as found on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeRuntime {
    pub(crate) node: PathBuf,
    pub(crate) npm: PathBuf,
    pub(crate) version: NodeVersion,
}

/// Finds `node` and `npm` on `path_env` (the `PATH` of this process) and runs `node --version`.
///
/// `requested_in_plan`: whether the Buildpack Plan still holds `node`, for the error message.
pub(crate) fn find_node_runtime(
    path_env: Option<&OsString>,
    requested_in_plan: bool,
) -> Result<NodeRuntime, NodejsBuildpackError> {
    let path_text = path_env
        .as_ref()
        .map(|path| path.to_string_lossy().into_owned())
        .unwrap_or_default();
    let find = |name: &str| {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        find_program::find_on_path(name, path_env.map(OsString::as_os_str), &cwd)
    };
    let node = find("node").ok_or_else(|| NodejsBuildpackError::NodeNotFound {
        path_env: path_text.clone(),
        requested_in_plan,
    })?;
    let npm = find("npm").ok_or_else(|| NodejsBuildpackError::NpmNotFound {
        path_env: path_text,
        node: node.clone(),
    })?;
    let version = node_version(&node)?;
    Ok(NodeRuntime { node, npm, version })
}

fn node_version(node: &Path) -> Result<NodeVersion, NodejsBuildpackError> {
    let error = |detail: String| NodejsBuildpackError::NodeVersion {
        node: node.to_path_buf(),
        detail,
    };
    let output = Command::new(node)
        .arg("--version")
        .output()
        .map_err(|source| {
            error(format!(
                "`{} --version` did not run: {source}",
                node.display()
            ))
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(error(format!(
            "`{} --version` failed ({}): {}",
            node.display(),
            output.status,
            quoted(String::from_utf8_lossy(&output.stderr).trim())
        )));
    }
    parse_node_version(&stdout).ok_or_else(|| {
        error(format!(
            "`{} --version` printed {}, not a version such as v20.11.1",
            node.display(),
            quoted(stdout.trim())
        ))
    })
}

/// `npm --version`, or `None` if it fails (the version is only informational).
pub(crate) fn npm_version(npm: &Path) -> Option<String> {
    let output = Command::new(npm)
        .arg("--version")
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !version.is_empty() && !version.contains(char::is_whitespace))
        .then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_harness::files::write_executable;
    use cnb_output::HeaderAndBody;

    fn candidate(source: &str, constraint: &str) -> Candidate {
        Candidate {
            source: Some(source.to_string()),
            constraint: constraint.to_string(),
        }
    }

    #[test]
    fn node_versions() {
        assert_eq!(
            parse_node_version("v20.11.1\n"),
            Some(NodeVersion {
                version: "20.11.1".into(),
                major: 20,
                semver: Version::from((20, 11, 1)),
            })
        );
        assert_eq!(parse_node_version("22.0.0").map(|v| v.major), Some(22));
        assert_eq!(
            parse_node_version("v23.0.0-rc.1").map(|v| v.version),
            Some("23.0.0-rc.1".into())
        );
        for bad in [
            "",
            "v",
            "vx.1.2",
            "v20",
            "v20.1",
            "v20.x.1",
            "node: not found",
        ] {
            assert_eq!(parse_node_version(bad), None, "{bad:?}");
        }
    }

    /// Issue 13: the companion accepted whatever node was on PATH for a request the extension
    /// did not install (`^99` with the extension absent): a warning only. Now an error.
    #[test]
    fn the_node_found_must_serve_the_request() {
        let node = Path::new("/usr/bin/node");
        let v20 = parse_node_version("v20.20.2").unwrap();
        for (source, request, line) in [
            (
                "package.json",
                ">=20 <21",
                "v20.20.2 satisfies \">=20 <21\" (package.json)",
            ),
            (
                ".nvmrc",
                "lts/iron",
                "v20.20.2 serves the nvm alias lts/iron, for the LTS line iron (.nvmrc)",
            ),
            (
                ".nvmrc",
                "lts/*",
                "v20.20.2 serves the nvm alias lts/*, for the newest LTS (even) major offered (.nvmrc)",
            ),
            (
                "BP_NODE_VERSION",
                "",
                "No version requested: v20.20.2 will do",
            ),
        ] {
            assert_eq!(
                check_request(&candidate(source, request), node, &v20).unwrap(),
                line
            );
        }
        let error = check_request(&candidate("BP_NODE_VERSION", "^99"), node, &v20).unwrap_err();
        assert_eq!(
            error.header(),
            "The Node.js on PATH is not the requested version"
        );
        assert!(
            error.body().starts_with(
                "The app asks for Node.js \"^99\" (BP_NODE_VERSION), but /usr/bin/node is \
                 v20.20.2. The build plan still requests node, so no image extension installed it."
            ),
            "{}",
            error.body()
        );
        for request in ["lts/jod", "20.11.1", "<20"] {
            assert!(matches!(
                check_request(&candidate(".nvmrc", request), node, &v20),
                Err(NodejsBuildpackError::NodeDoesNotSatisfy { .. })
            ));
        }
        for request in ["lts/nope", "~x", "20 foo"] {
            assert!(matches!(
                check_request(&candidate(".nvmrc", request), node, &v20),
                Err(NodejsBuildpackError::InvalidVersionRequest(_))
            ));
        }
    }

    #[test]
    fn fuzz_companion_node_version() {
        let seeds = [
            "v20.11.1",
            "v23.0.0-rc.1",
            "20.20.2\n",
            ">=20 <21",
            "lts/*",
            "lts/iron",
            "node",
            "^99",
            "~x",
            "=*",
            "20 || 22",
        ];
        let node = Path::new("/usr/bin/node");
        let v20 = parse_node_version("v20.20.2").unwrap();
        fuzz_check::fuzz_text(
            "Node.js version check (ubi-nodejs-buildpack)",
            &seeds,
            |input| {
                if let Some(version) = parse_node_version(input) {
                    let _ = check_request(&candidate(".nvmrc", ">=20"), node, &version);
                }
                if let Err(error) = check_request(&candidate("package.json", input), node, &v20) {
                    assert!(error.body().len() < 2048, "{}", error.body());
                }
            },
        );
    }

    #[test]
    fn major_mismatch_is_a_warning() {
        let hand_off = NodejsRuntime {
            major: 22,
            stack: "io.buildpacks.stacks.ubi9".into(),
        };
        let node = parse_node_version("v22.3.0").unwrap();
        assert_eq!(major_mismatch(&hand_off, &node), None);
        let other = parse_node_version("v20.11.1").unwrap();
        assert_eq!(
            major_mismatch(&hand_off, &other).as_deref(),
            Some(
                "The ubi-nodejs-extension installed Node.js 22, but `node --version` is v20.11.1: \
                 another node comes first on PATH."
            )
        );
    }

    #[test]
    fn missing_node_and_npm() {
        let empty = tempfile::tempdir().unwrap();
        let path = empty.path().as_os_str().to_os_string();
        assert!(matches!(
            find_node_runtime(Some(&path), true),
            Err(NodejsBuildpackError::NodeNotFound {
                requested_in_plan: true,
                ..
            })
        ));

        // A node without npm.
        let node = empty.path().join("node");
        write_executable(&node, "#!/bin/sh\necho v20.11.1\n");
        assert!(matches!(
            find_node_runtime(Some(&path), false),
            Err(NodejsBuildpackError::NpmNotFound { node: found, .. }) if found == node
        ));
    }

    #[test]
    fn a_node_that_prints_no_version_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        for (name, script) in [("node", "#!/bin/sh\necho hello\n"), ("npm", "#!/bin/sh\n")] {
            write_executable(&dir.path().join(name), script);
        }
        let error =
            find_node_runtime(Some(&dir.path().as_os_str().to_os_string()), false).unwrap_err();
        assert!(
            error.body().contains("printed \"hello\", not a version"),
            "{}",
            error.body()
        );
    }
}
