//! Detection: is this a Node.js app, and which Node.js versions does it ask for?

use crate::errors::NodejsBuildpackError;
use crate::package_json::{PACKAGE_JSON, PackageJson, read_package_json};
use crate::settings::{BP_NODE_PROJECT_PATH, BP_NODE_VERSION, Settings};
use libcnb::data::build_plan::{BuildPlan, BuildPlanBuilder, Require};
use std::path::Path;
use ubi_companion_contract::RequirementMetadata;
use ubi_companion_contract::nodejs::NODE;
use untrusted_input::{quoted, read_app_text};

/// The app file that names a Node.js version, as nvm reads it.
pub(crate) const NVMRC: &str = ".nvmrc";
/// The app file that names a Node.js version, as nodenv and others read it.
pub(crate) const NODE_VERSION_FILE: &str = ".node-version";
/// The largest `.nvmrc` or `.node-version` read, in bytes: one version, maybe some comments.
pub(crate) const VERSION_FILE_LIMIT: u64 = 4096;

/// Where a requested Node.js version comes from, in priority order (highest first): the order
/// in which the ubi-nodejs-extension, like Paketo's node-engine, picks the requirement to honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionSource {
    BpNodeVersion,
    PackageJson,
    Nvmrc,
    NodeVersionFile,
}

impl VersionSource {
    /// `metadata.version-source` of the requirement.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::BpNodeVersion => BP_NODE_VERSION,
            Self::PackageJson => PACKAGE_JSON,
            Self::Nvmrc => NVMRC,
            Self::NodeVersionFile => NODE_VERSION_FILE,
        }
    }
}

/// One requested version: the constraint exactly as written (trimmed), and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionRequest {
    pub(crate) source: VersionSource,
    /// Passed through verbatim (`>=20 <21`, `v20.11.1`, `lts/*`, `node`): the extension
    /// resolves it.
    pub(crate) version: String,
}

/// The outcome of detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Detection {
    /// A Node.js app, with its version requests in priority order (possibly none).
    NodeApp(Vec<VersionRequest>),
    /// Not a Node.js app; the one-line reason to log.
    NotNodeApp(String),
}

/// Detects a Node.js app: `package.json` in the project directory (the app root, or
/// `BP_NODE_PROJECT_PATH`), and collects its version requests.
pub(crate) fn detect(
    app_dir: &Path,
    settings: &Settings,
) -> Result<Detection, NodejsBuildpackError> {
    // BP_NODE_PROJECT_PATH must name a directory inside the app; its files are read below.
    settings.project_dir(app_dir)?;
    let Some(package_json) = read_package_json(app_dir, &settings.project_file(PACKAGE_JSON))?
    else {
        let reason = match &settings.project_path {
            Some(path) => format!(
                "No {PACKAGE_JSON} in {} ({BP_NODE_PROJECT_PATH}): not a Node.js app",
                quoted(&path.to_string_lossy())
            ),
            None => format!("No {PACKAGE_JSON} in the app root: not a Node.js app"),
        };
        return Ok(Detection::NotNodeApp(reason));
    };
    collect_version_requests(settings, &package_json, app_dir).map(Detection::NodeApp)
}

/// The version requests, highest priority first: `BP_NODE_VERSION`, `package.json`
/// `engines.node`, `.nvmrc`, `.node-version` (the files in the project directory). Sources that
/// are absent or blank are left out. A request longer than the extension reads
/// ([`nodejs_version::MAX_REQUEST_LENGTH`]) is refused here, with the extension's message,
/// rather than copied into the build plan.
pub(crate) fn collect_version_requests(
    settings: &Settings,
    package_json: &PackageJson,
    app_dir: &Path,
) -> Result<Vec<VersionRequest>, NodejsBuildpackError> {
    let version_file = |name| {
        Ok::<_, NodejsBuildpackError>(
            read_app_text(app_dir, &settings.project_file(name), VERSION_FILE_LIMIT)
                .map_err(NodejsBuildpackError::AppFile)?
                .as_deref()
                .and_then(version_file_request),
        )
    };
    let candidates = [
        (VersionSource::BpNodeVersion, settings.node_version.clone()),
        (
            VersionSource::PackageJson,
            package_json.engines_node.clone(),
        ),
        (VersionSource::Nvmrc, version_file(NVMRC)?),
        (
            VersionSource::NodeVersionFile,
            version_file(NODE_VERSION_FILE)?,
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(source, version)| version.map(|version| VersionRequest { source, version }))
        .map(
            |request| match nodejs_version::check_length(&request.version) {
                Ok(()) => Ok(request),
                Err(error) => Err(NodejsBuildpackError::InvalidVersionRequest(
                    error.message(&request.version, request.source.as_str()),
                )),
            },
        )
        .collect()
}

/// The version a `.nvmrc` or `.node-version` holds: its first line that is not blank once a
/// `#` comment is cut off (nvm reads comments), trimmed; `None` when there is none. `text` is
/// the file as `read_app_text` decodes it (without a leading byte order mark).
pub(crate) fn version_file_request(text: &str) -> Option<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .find(|line| !line.is_empty())
        .map(str::to_string)
}

/// The build plan: provides `node` and requires it once per version request (in priority order),
/// or once without a version when the app asks for none.
///
/// The requirement is what makes the lifecycle keep the ubi-nodejs-extension (it provides
/// `node`), so no other buildpack is needed for the extension to be chosen. Providing `node` too
/// keeps detection passing on a builder without the extension; the build then explains what is
/// missing. When the extension runs it satisfies every `node` entry and the lifecycle removes
/// them, so this buildpack's Buildpack Plan holds `node` only when no extension installed it.
pub(crate) fn build_plan(requests: &[VersionRequest]) -> Result<BuildPlan, NodejsBuildpackError> {
    // Node.js is needed to build the app (npm install) and to run it.
    let needed = RequirementMetadata {
        build: Some(true),
        launch: Some(true),
        ..RequirementMetadata::default()
    };
    let metadata: Vec<RequirementMetadata> = if requests.is_empty() {
        vec![needed]
    } else {
        requests
            .iter()
            .map(|request| RequirementMetadata {
                version: Some(request.version.clone()),
                version_source: Some(request.source.as_str().to_string()),
                ..needed.clone()
            })
            .collect()
    };
    let mut builder = BuildPlanBuilder::new().provides(NODE);
    for metadata in metadata {
        let mut require = Require::new(NODE);
        require
            .metadata(metadata)
            .map_err(|error| NodejsBuildpackError::BuildPlanMetadata(error.to_string()))?;
        builder = builder.requires(require);
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_output::HeaderAndBody;

    #[test]
    fn the_sources_are_the_contracts_in_its_order() {
        let sources = [
            VersionSource::BpNodeVersion,
            VersionSource::PackageJson,
            VersionSource::Nvmrc,
            VersionSource::NodeVersionFile,
        ]
        .map(VersionSource::as_str);
        assert_eq!(sources, ubi_companion_contract::nodejs::VERSION_SOURCES);
    }
    use std::path::PathBuf;

    fn write(dir: &Path, name: &str, content: &str) {
        std::fs::write(dir.join(name), content).unwrap();
    }

    fn package_json(engines_node: Option<&str>) -> PackageJson {
        PackageJson {
            path: PathBuf::from("package.json"),
            engines_node: engines_node.map(String::from),
            start_script: None,
            main: None,
        }
    }

    fn request(source: VersionSource, version: &str) -> VersionRequest {
        VersionRequest {
            source,
            version: version.to_string(),
        }
    }

    #[test]
    fn all_sources_in_priority_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), NVMRC, "lts/*\n");
        write(dir.path(), NODE_VERSION_FILE, " 22 \n");
        let settings = Settings {
            node_version: Some("~20".to_string()),
            ..Settings::default()
        };
        let requests =
            collect_version_requests(&settings, &package_json(Some(">=18")), dir.path()).unwrap();
        assert_eq!(
            requests,
            [
                request(VersionSource::BpNodeVersion, "~20"),
                request(VersionSource::PackageJson, ">=18"),
                request(VersionSource::Nvmrc, "lts/*"),
                request(VersionSource::NodeVersionFile, "22"),
            ]
        );
    }

    #[test]
    fn version_files_are_passed_through_verbatim_but_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        for content in ["v20.11.1", "node", "lts/iron", "lts/*"] {
            write(dir.path(), NVMRC, &format!("\t{content}\r\n"));
            let requests =
                collect_version_requests(&Settings::default(), &package_json(None), dir.path())
                    .unwrap();
            assert_eq!(requests, [request(VersionSource::Nvmrc, content)]);
        }
    }

    #[test]
    fn absent_and_blank_sources_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), NVMRC, "\n  \n");
        let requests =
            collect_version_requests(&Settings::default(), &package_json(None), dir.path())
                .unwrap();
        assert!(requests.is_empty());
    }

    #[test]
    fn an_unreadable_version_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(NODE_VERSION_FILE)).unwrap();
        let error = collect_version_requests(&Settings::default(), &package_json(None), dir.path())
            .unwrap_err();
        assert!(
            matches!(&error, NodejsBuildpackError::AppFile(error) if error.path.ends_with(NODE_VERSION_FILE)),
            "{error:?}"
        );
    }

    /// Issue 13: `.nvmrc` linked to `/etc/shadow` was copied into plan.toml; a FIFO blocked
    /// detect; a huge file was read whole.
    #[test]
    fn version_files_are_bounded_regular_files_inside_the_app() {
        use std::os::unix::fs::symlink;
        use untrusted_input::ReadErrorKind;

        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("shadow"), "root:secret\n").unwrap();
        let kind = |app: &Path, name: &str| match collect_version_requests(
            &Settings::default(),
            &package_json(None),
            app,
        ) {
            Err(NodejsBuildpackError::AppFile(error)) => {
                assert_eq!(error.path, app.join(name));
                assert!(!error.to_string().contains("secret"));
                error.kind
            }
            other => panic!("{other:?}"),
        };
        for name in [NVMRC, NODE_VERSION_FILE] {
            let app = tempfile::tempdir().unwrap();
            symlink(outside.path().join("shadow"), app.path().join(name)).unwrap();
            assert!(matches!(kind(app.path(), name), ReadErrorKind::OutsideApp));

            let app = tempfile::tempdir().unwrap();
            cnb_harness::mkfifo(&app.path().join(name));
            assert!(matches!(
                kind(app.path(), name),
                ReadErrorKind::NotRegular("a FIFO")
            ));

            let app = tempfile::tempdir().unwrap();
            write(app.path(), name, &"2".repeat(5000));
            assert!(matches!(
                kind(app.path(), name),
                ReadErrorKind::TooLarge {
                    limit: VERSION_FILE_LIMIT
                }
            ));

            let app = tempfile::tempdir().unwrap();
            symlink("missing", app.path().join(name)).unwrap();
            assert!(matches!(
                kind(app.path(), name),
                ReadErrorKind::DanglingLink
            ));
        }
    }

    /// Detect copied a 1 MB `engines.node` into the build plan, although both Node.js modules
    /// read at most 256 bytes: it is refused with the extension's message.
    #[test]
    fn a_request_longer_than_the_extension_reads_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let huge = "2".repeat(1 << 20);
        let error =
            collect_version_requests(&Settings::default(), &package_json(Some(&huge)), dir.path())
                .unwrap_err();
        let extension_message = nodejs_version::Request::parse(&huge)
            .unwrap_err()
            .message(&huge, "package.json");
        assert!(
            matches!(&error, NodejsBuildpackError::InvalidVersionRequest(message) if *message == extension_message),
            "{error:?}"
        );
        assert_eq!(error.header(), "Invalid Node.js version request");
        assert!(error.body().len() < 1000);

        // At the limit, passed on; a long version file line too is refused.
        let at_limit = "2".repeat(nodejs_version::MAX_REQUEST_LENGTH);
        assert!(
            collect_version_requests(
                &Settings::default(),
                &package_json(Some(&at_limit)),
                dir.path()
            )
            .is_ok()
        );
        write(dir.path(), NVMRC, &format!("{at_limit}2\n"));
        assert!(
            collect_version_requests(&Settings::default(), &package_json(None), dir.path())
                .is_err()
        );
    }

    #[test]
    fn version_files_may_hold_comments() {
        for (text, version) in [
            (
                "# the LTS we deploy\nlts/iron # until April\n",
                Some("lts/iron"),
            ),
            ("\u{feff}v20.11.1\r\n", Some("v20.11.1")),
            ("\n\n  22  \n23\n", Some("22")),
            ("# nothing\n\n", None),
            ("", None),
        ] {
            // Decoded as the files are read: a leading byte order mark dropped.
            let text = untrusted_input::text_lossy(text.as_bytes());
            assert_eq!(version_file_request(&text).as_deref(), version, "{text:?}");
        }
    }

    #[test]
    fn fuzz_node_version_file() {
        let seeds = [
            "v20.11.1\n",
            "lts/*\n",
            "lts/iron # comment\n",
            "# comment\n22\n",
            "\u{feff}24.*\r\n",
            "node",
        ];
        fuzz_check::fuzz_text(
            ".nvmrc / .node-version (ubi-nodejs-buildpack)",
            &seeds,
            |input| {
                if let Some(version) = version_file_request(input) {
                    assert!(
                        !version.contains('\n') && !version.contains('#'),
                        "{version:?}"
                    );
                    let _ = nodejs_version::Request::parse(&version);
                }
            },
        );
    }

    #[test]
    fn detect_needs_package_json_in_the_project_dir() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(
            detect(app.path(), &Settings::default()).unwrap(),
            Detection::NotNodeApp("No package.json in the app root: not a Node.js app".into())
        );

        std::fs::create_dir(app.path().join("web")).unwrap();
        write(&app.path().join("web"), PACKAGE_JSON, "{}");
        write(&app.path().join("web"), NODE_VERSION_FILE, "22");
        write(app.path(), NVMRC, "20");
        let in_web = Settings {
            project_path: Some(PathBuf::from("web")),
            ..Settings::default()
        };
        // The version files are read from the project directory, not the app root.
        assert_eq!(
            detect(app.path(), &in_web).unwrap(),
            Detection::NodeApp(vec![request(VersionSource::NodeVersionFile, "22")])
        );
        assert_eq!(
            detect(app.path(), &Settings::default()).unwrap(),
            Detection::NotNodeApp("No package.json in the app root: not a Node.js app".into())
        );

        let elsewhere = Settings {
            project_path: Some(PathBuf::from("api")),
            ..Settings::default()
        };
        std::fs::create_dir(app.path().join("api")).unwrap();
        assert_eq!(
            detect(app.path(), &elsewhere).unwrap(),
            Detection::NotNodeApp(
                "No package.json in \"api\" (BP_NODE_PROJECT_PATH): not a Node.js app".into()
            )
        );
    }

    #[test]
    fn malformed_package_json_fails_detection_with_an_error() {
        let app = tempfile::tempdir().unwrap();
        write(app.path(), PACKAGE_JSON, "{ nope");
        assert!(matches!(
            detect(app.path(), &Settings::default()),
            Err(NodejsBuildpackError::PackageJsonSyntax { .. })
        ));
    }

    fn plan_toml(requests: &[VersionRequest]) -> toml::Table {
        toml::Table::try_from(build_plan(requests).unwrap()).unwrap()
    }

    #[test]
    fn plan_requires_node_once_per_source() {
        let plan = plan_toml(&[
            request(VersionSource::BpNodeVersion, "~20"),
            request(VersionSource::Nvmrc, "lts/*"),
        ]);
        let expected: toml::Table = toml::from_str(
            r#"
            provides = [{ name = "node" }]
            requires = [
                { name = "node", metadata = { version = "~20", version-source = "BP_NODE_VERSION", build = true, launch = true } },
                { name = "node", metadata = { version = "lts/*", version-source = ".nvmrc", build = true, launch = true } },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(plan, expected);
    }

    #[test]
    fn plan_without_version_requests_still_requires_node() {
        let expected: toml::Table = toml::from_str(
            r#"
            provides = [{ name = "node" }]
            requires = [{ name = "node", metadata = { build = true, launch = true } }]
            "#,
        )
        .unwrap();
        assert_eq!(plan_toml(&[]), expected);
    }
}
