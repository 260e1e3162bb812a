//! The Go toolchain to build with: the version the app asks for (`BP_GO_VERSION`, `go.mod`),
//! the `go` on `PATH` when it satisfies it, else one of the embedded inventory, installed into
//! the `go` layer (downloaded from `GOPROXY`, SHA-256 verified).

use crate::GoAppBuildpack;
use crate::download::{self, Fetch, HttpFetch};
use crate::errors::GoAppError;
use crate::gocmd::{self, Go};
use crate::gomod::GoMod;
use crate::inventory::{self, Inventory, Toolchain};
use crate::layers::go::{GoLayerMetadata, GoLayerState, handle_go_layer};
use crate::settings::Settings;
use crate::units::{elapsed, mb};
use crate::version::{self, VersionRequest};
use cnb_output::Log;
use libcnb::build::BuildContext;
use std::time::{Duration, Instant};

/// The toolchain to build with: where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ToolchainChoice<'a> {
    /// The `go` on `PATH`, which satisfies the request.
    Path(&'a Go),
    /// Install this one.
    Install(&'a Toolchain),
}

/// Chooses the toolchain for `request`: the `go` on `PATH` when it satisfies it, else the newest
/// of the inventory that does.
fn choose_toolchain<'a>(
    request: &VersionRequest,
    path_go: Option<&'a Go>,
    inventory: &'a Inventory,
    os: &str,
    arch: &str,
) -> Result<ToolchainChoice<'a>, GoAppError> {
    if let Some(go) = path_go.filter(|go| request.constraint.matches(&go.version)) {
        return Ok(ToolchainChoice::Path(go));
    }
    inventory
        .select(&request.constraint, os, arch)
        .map(ToolchainChoice::Install)
        .ok_or_else(|| GoAppError::VersionNotAvailable {
            request: request.constraint.to_string(),
            source: request.source.to_string(),
            path_go: path_go.map(|go| go.version.bare()),
            arch: arch.to_string(),
            available: inventory
                .for_target(os, arch)
                .iter()
                .map(|toolchain| toolchain.version.bare())
                .collect(),
        })
}

/// The architecture of this machine (where the toolchain runs), as Go names it.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Resolves the Go version and provides the toolchain (`PATH`, or the `go` layer).
pub(crate) fn contribute_go(
    context: &BuildContext<GoAppBuildpack>,
    settings: &Settings,
    go_mod: Option<&GoMod>,
) -> Result<Go, libcnb::Error<GoAppError>> {
    let mut log = Log::stdout();
    let request = version::version_request(
        settings.version.as_deref(),
        go_mod.and_then(|go_mod| go_mod.toolchain.as_ref()),
        go_mod.and_then(|go_mod| go_mod.go.as_ref()),
    )
    .map_err(GoAppError::VersionRequest)?;
    log.step("Go version");
    match (&request.raw, &request.constraint) {
        (Some(raw), constraint) => {
            log.detail(&format!(
                "Requested {constraint} ({}: {raw})",
                request.source
            ));
        }
        (None, _) => {
            log.detail("No version requested (BP_GO_VERSION, go.mod): any");
        }
    }

    let path = std::env::var_os("PATH");
    let path_go =
        find_program::find_on_path("go", path.as_deref(), &context.app_dir).and_then(|binary| {
            match gocmd::version_of(&binary) {
                Ok(version) => Some(Go { binary, version }),
                Err(error) => {
                    log.warning(&format!(
                        "ignoring the go on PATH ({}: {})",
                        error.command, error.cause
                    ));
                    None
                }
            }
        });
    let inventory = inventory::embedded().map_err(GoAppError::Inventory)?;
    let arch = host_arch();
    match choose_toolchain(&request, path_go.as_ref(), &inventory, "linux", arch)? {
        ToolchainChoice::Path(go) => {
            log.detail(&format!(
                "Using {} from PATH ({}): it satisfies {}",
                go.version.original(),
                go.binary.display(),
                request.constraint
            ));
            Ok(go.clone())
        }
        ToolchainChoice::Install(toolchain) => {
            match &path_go {
                Some(go) => log.detail(&format!(
                    "The go on PATH is {} ({}): it does not satisfy {}",
                    go.version.original(),
                    go.binary.display(),
                    request.constraint
                )),
                None => log.detail("No go on PATH"),
            };
            install_go(context, settings, toolchain)
        }
    }
}

fn install_go(
    context: &BuildContext<GoAppBuildpack>,
    settings: &Settings,
    toolchain: &Toolchain,
) -> Result<Go, libcnb::Error<GoAppError>> {
    let mut log = Log::stdout();
    let metadata = GoLayerMetadata::new(toolchain);
    let (layer, state) = handle_go_layer(context, &metadata)?;
    let binary = layer.path().join("bin/go");
    match state {
        GoLayerState::Reused(cause) => {
            log.detail(&format!(
                "Reusing the cached Go {} ({cause})",
                toolchain.version
            ));
        }
        GoLayerState::Empty(cause) => {
            log.detail(&format!("Installing Go {} ({cause})", toolchain.version));
            let proxy =
                download::proxy_base(settings.goproxy.as_deref()).map_err(GoAppError::Proxy)?;
            let url = download::toolchain_url(&proxy, toolchain);
            let started = Instant::now(); // clock: a time for the log
            let (roots, trusted) = download::root_certs(settings.ssl_cert_file.as_deref());
            log.subdetail(&format!("Downloading {url}"));
            if !url.starts_with("file://") {
                log.nested(4, &format!("(HTTPS trusting the {trusted})"));
            }
            let fetch = HttpFetch::new(
                &format!(
                    "{}/{}",
                    context.buildpack_descriptor.buildpack.id,
                    context.buildpack_descriptor.buildpack.version
                ),
                roots,
                4,
                Duration::from_secs(2),
            );
            let installed = download::install(&fetch as &dyn Fetch, &url, toolchain, &layer.path())
                .map_err(GoAppError::Install)?;
            log.subdetail(&format!(
                "Verified SHA-256 {} ({:.1} MB)",
                toolchain.sha256,
                mb(installed.bytes)
            ));
            log.subdetail(&format!(
                "Extracted {} files into {}",
                installed.files,
                layer.path().display()
            ));
            log.subdetail(&format!("Completed in {}", elapsed(started)));
            layer.write_metadata(metadata)?;
        }
    }
    let version = gocmd::version_of(&binary).map_err(|error| GoAppError::GoCommand {
        command: error.command,
        cause: error.cause,
    })?;
    Ok(Go { binary, version })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gocmd::go_in_usr_local as go;
    use crate::version::{GoVersion, RequestSource};
    use cnb_output::HeaderAndBody;

    fn request(bp: Option<&str>, toolchain: Option<&str>, go_line: Option<&str>) -> VersionRequest {
        let toolchain = toolchain.map(|v| GoVersion::parse(v).unwrap());
        let go_line = go_line.map(|v| GoVersion::parse(v).unwrap());
        version::version_request(bp, toolchain.as_ref(), go_line.as_ref()).unwrap()
    }

    #[test]
    fn toolchain_choice() {
        let inventory = inventory::embedded().unwrap();
        let choose = |request: &VersionRequest, path: Option<&Go>| match choose_toolchain(
            request, path, &inventory, "linux", "amd64",
        ) {
            Ok(ToolchainChoice::Path(_)) => "PATH".to_string(),
            Ok(ToolchainChoice::Install(toolchain)) => toolchain.version.bare(),
            Err(error) => error.header(),
        };
        // The versions the tests expect come from the inventory they check: its newest, its
        // oldest, and versions it cannot have (past the newest).
        let available: Vec<String> = inventory
            .for_target("linux", "amd64")
            .iter()
            .map(|toolchain| toolchain.version.bare())
            .collect();
        let newest = &available[0];
        let oldest = &available[available.len() - 1];
        let (major, minor) = GoVersion::parse(newest).unwrap().line();
        let newest_patch: u64 = newest.rsplit('.').next().unwrap().parse().unwrap();
        let unavailable = format!("{major}.{minor}.{}", newest_patch + 1);
        let next_line = format!("{major}.{}", minor + 1);
        let path = go("go1.26.8");
        assert_ne!(
            oldest.as_str(),
            "1.26.8",
            "the go on PATH must not be the oldest"
        );
        // The go line is a minimum: the build image's go satisfies it.
        assert_eq!(
            choose(&request(None, None, Some("1.24")), Some(&path)),
            "PATH"
        );
        assert_eq!(choose(&request(None, None, None), Some(&path)), "PATH");
        assert_eq!(choose(&request(None, None, None), None), *newest);
        // A toolchain is exact.
        assert_eq!(
            choose(
                &request(None, Some(&format!("go{oldest}")), Some("1.25")),
                Some(&path)
            ),
            *oldest
        );
        assert_eq!(
            choose(&request(None, Some("go1.26.8"), Some("1.25")), Some(&path)),
            "PATH"
        );
        // BP_GO_VERSION wins, exact or a line.
        assert_eq!(
            choose(
                &request(Some("1.26"), Some(&format!("go{oldest}")), None),
                Some(&path)
            ),
            "PATH"
        );
        assert_eq!(
            choose(
                &request(Some(&format!("{major}.{minor}")), None, None),
                Some(&path)
            ),
            *newest
        );
        assert_eq!(
            choose(&request(Some(&unavailable), None, None), Some(&path)),
            format!("Go {unavailable} is not available")
        );
        assert_eq!(
            choose(&request(None, None, Some(&next_line)), Some(&path)),
            format!("Go >= {next_line} is not available")
        );
        let error = choose_toolchain(
            &request(Some("1.24.1"), None, None),
            None,
            &inventory,
            "linux",
            "amd64",
        )
        .unwrap_err();
        assert!(error.body().contains(&format!(
            "there is no go on PATH, and this buildpack installs only the versions it knows the \
             checksum of. For linux/amd64 these are: {}.",
            available.join(", ")
        )));
        assert_eq!(
            request(Some("1.24.1"), None, None).source,
            RequestSource::BpGoVersion
        );
    }
}
