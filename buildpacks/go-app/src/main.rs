//! Go App Buildpack (`paketo-community/go-app`): builds Go apps into static binaries for Paketo's
//! static run image (RFC 0053), whatever the stack id, and proves them static.
//!
//! - **detect**: a Go module (`go.mod`), Go sources at the root or under `cmd/*/`, or the
//!   directories of `BP_GO_TARGETS` (validated). No build plan: the buildpack brings its own Go.
//! - **build**: the Go toolchain on `PATH` when it satisfies the app, else one from the embedded
//!   inventory (downloaded from `GOPROXY`, SHA-256 verified, cached in the `go` layer); then
//!   `CGO_ENABLED=0 go build -buildmode=exe -trimpath` per target into the `targets` launch layer,
//!   with the module and build caches in the cache-only `go-cache` layer; every binary's ELF
//!   checked static; a `CycloneDX` SBOM from `go version -m`; one direct process per binary; the
//!   source removed but `BP_KEEP_FILES`.

mod download;
mod errors;
mod flags;
#[cfg(test)]
mod fuzz;
mod gocmd;
mod gomod;
mod inventory;
mod keep;
mod layers;
mod sbom;
mod source;
mod targets;
mod version;

use crate::download::{Fetch, HttpFetch};
use crate::errors::GoAppError;
use crate::gocmd::Go;
use crate::inventory::{Inventory, Toolchain};
use crate::layers::go::{GoLayerMetadata, GoLayerState, handle_go_layer};
use crate::layers::go_cache::{GoCaches, handle_go_cache_layer};
use crate::layers::targets::{TargetsLayerMetadata, handle_targets_layer};
use crate::version::VersionRequest;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::launch::{LaunchBuilder, ProcessBuilder, ProcessType};
use libcnb::data::sbom::SbomFormat;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::sbom::Sbom;
use libcnb::{Buildpack, Env, Platform, buildpack_main};
use platform_settings::setting;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[cfg(test)]
use cnb_harness as _;
#[cfg(test)]
use tempfile as _;

const BP_GO_VERSION: &str = "BP_GO_VERSION";
const BP_GO_CGO: &str = "BP_GO_CGO";
const GOPROXY: &str = "GOPROXY";
const GOFLAGS: &str = "GOFLAGS";

pub(crate) struct GoAppBuildpack;

impl Buildpack for GoAppBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = GoAppError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let bp_go_targets = setting(context.platform.env(), targets::BP_GO_TARGETS);
        let app = targets::detect(&context.app_dir, bp_go_targets.as_deref())
            .map_err(GoAppError::from)?;
        if let Some(app) = app {
            println!("Go app ({app})");
            DetectResultBuilder::pass().build()
        } else {
            println!(
                "No Go app: no go.mod, no *.go at the root or under cmd/*/ (set \
                 BP_GO_TARGETS to the directories of the main packages)"
            );
            DetectResultBuilder::fail().build()
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let buildpack = &context.buildpack_descriptor.buildpack;
        println!(
            "{} {}",
            buildpack.name.as_deref().unwrap_or(buildpack.id.as_str()),
            buildpack.version
        );
        let env = context.platform.env();
        let settings = Settings::read(env)?;
        let app_dir = &context.app_dir;
        let go_mod = read_go_mod(app_dir)?;

        // What to build, and how: every user error before anything is downloaded or built.
        let plan = plan(&context, &settings, go_mod.as_ref())?;

        println!();
        let go = contribute_go(&context, &settings, go_mod.as_ref())?;

        println!();
        let caches = handle_go_cache_layer(&context)?;
        println!(
            "  Go caches: {} ({})",
            if caches.reused {
                "reusing the module and build caches"
            } else {
                "starting empty"
            },
            caches.cause
        );

        println!();
        let targets_layer = handle_targets_layer(&context)?;
        let bin_dir = targets_layer.path().join("bin");
        std::fs::create_dir_all(&bin_dir).map_err(|source| GoAppError::ReadApp {
            path: bin_dir.clone(),
            source,
        })?;
        let build = GoBuild {
            go: &go,
            app_dir,
            caches: &caches,
            arguments: &plan.arguments,
            cgo: settings.cgo,
            module_mode: go_mod.is_some(),
            vendor: app_dir.join("vendor/modules.txt").is_file(),
            user_goflags: settings.goflags.as_deref(),
            arch: &context.target.arch,
        };
        println!(
            "  Building (CGO_ENABLED={}, GOFLAGS={})",
            u8::from(settings.cgo),
            build.goflags()
        );
        let mut binaries = Vec::new();
        for (target, name) in plan.targets.iter().zip(&plan.names) {
            let binary = bin_dir.join(name);
            build.run(target, &binary)?;
            binaries.push(binary);
        }

        println!();
        check_static(&binaries, settings.cgo)?;

        println!();
        let document = sbom_document(&go, &plan, &binaries, &context)?;
        targets_layer.write_sboms(&[Sbom::from_bytes(SbomFormat::CycloneDxJson, document)])?;
        targets_layer.write_metadata(TargetsLayerMetadata {
            go_version: go.version.original().to_string(),
            targets: plan.targets.clone(),
            binaries: plan.names.clone(),
        })?;

        println!();
        remove_sources(app_dir, &settings.keep_files)?;

        println!();
        println!("  Processes (direct, no shell)");
        let mut launch = LaunchBuilder::new();
        for (index, ((name, process_type), binary)) in plan
            .names
            .iter()
            .zip(&plan.process_types)
            .zip(&binaries)
            .enumerate()
        {
            println!(
                "    {name}{}: {}",
                if index == 0 { " (default)" } else { "" },
                binary.display()
            );
            launch.process(
                ProcessBuilder::new(process_type.clone(), [binary.to_string_lossy()])
                    .default(index == 0)
                    .build(),
            );
        }
        BuildResultBuilder::new().launch(launch.build()).build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        buildpack_errors::print_error(&error);
    }
}

/// The settings, from the platform's env files, else the process environment (a builder's
/// build-config env).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Settings {
    targets: Option<String>,
    version: Option<String>,
    build_flags: Option<String>,
    ldflags: Option<String>,
    cgo: bool,
    keep_files: keep::KeepFiles,
    goproxy: Option<String>,
    goflags: Option<String>,
    ssl_cert_file: Option<String>,
}

impl Settings {
    fn read(env: &Env) -> Result<Self, GoAppError> {
        let cgo = match setting(env, BP_GO_CGO).map(|v| v.trim().to_ascii_lowercase()) {
            None => false,
            Some(value) if value == "true" || value == "1" => true,
            Some(value) if value == "false" || value == "0" => false,
            Some(value) => {
                return Err(GoAppError::Setting {
                    name: BP_GO_CGO,
                    value,
                    expected: "expected true or false".to_string(),
                });
            }
        };
        let keep = setting(env, keep::BP_KEEP_FILES);
        let keep_files =
            keep::parse_patterns(keep.as_deref()).map_err(|error| GoAppError::Setting {
                name: keep::BP_KEEP_FILES,
                value: keep.clone().unwrap_or_default(),
                expected: format!(
                    "{}; BP_KEEP_FILES holds at most {} colon-separated globs relative to the \
                     app (`*` and `?` within a directory, `**` across directories, `[a-z]`, \
                     `{{a,b}}`, `\\` escapes), e.g. assets/**:templates/*.html",
                    error.0,
                    keep::MAX_PATTERNS
                ),
            })?;
        Ok(Self {
            targets: setting(env, targets::BP_GO_TARGETS),
            version: setting(env, BP_GO_VERSION),
            build_flags: setting(env, flags::BP_GO_BUILD_FLAGS),
            ldflags: setting(env, flags::BP_GO_BUILD_LDFLAGS),
            cgo,
            keep_files,
            goproxy: setting(env, GOPROXY),
            goflags: setting(env, GOFLAGS),
            ssl_cert_file: setting(env, "SSL_CERT_FILE"),
        })
    }
}

/// What to build: the targets, their binaries' names and process types, the go build flags.
#[derive(Debug)]
struct Plan {
    targets: Vec<String>,
    names: Vec<String>,
    process_types: Vec<ProcessType>,
    arguments: Vec<String>,
}

/// Targets, names, the cgo check and the flags: every user error before anything is downloaded.
fn plan(
    context: &BuildContext<GoAppBuildpack>,
    settings: &Settings,
    go_mod: Option<&gomod::GoMod>,
) -> Result<Plan, GoAppError> {
    let app_dir = &context.app_dir;
    let targets = targets::targets(app_dir, settings.targets.as_deref(), &context.target.arch)?;
    if targets.is_empty() {
        return Err(GoAppError::NoTargets {
            has_go_mod: go_mod.is_some(),
        });
    }
    let names = binary_names(&targets, go_mod)?;
    let process_types = names
        .iter()
        .zip(&targets)
        .map(|(name, target)| {
            name.parse::<ProcessType>()
                .map_err(|_| GoAppError::BinaryName {
                    target: target.clone(),
                    reason: format!("{name:?} is not a valid process type"),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    println!("  Targets");
    for (target, name) in targets.iter().zip(&names) {
        println!("    {target} -> {name}");
    }
    check_cgo(app_dir, &targets, &context.target.arch, settings.cgo)?;
    let arguments =
        flags::build_arguments(settings.build_flags.as_deref(), settings.ldflags.as_deref())
            .map_err(GoAppError::Flags)?;
    Ok(Plan {
        targets,
        names,
        process_types,
        arguments,
    })
}

/// Fails unless every binary is statically linked (no `PT_INTERP`, no `DT_NEEDED`).
fn check_static(binaries: &[PathBuf], cgo: bool) -> Result<(), GoAppError> {
    println!("  Checking that the binaries are static");
    for binary in binaries {
        elf_check::check_static(binary).map_err(|error| GoAppError::NotStatic {
            detail: error_detail(&error),
            cgo,
        })?;
        println!(
            "    {}: static (no program interpreter, no shared library), {}",
            file_name(binary),
            size(binary)
        );
    }
    Ok(())
}

/// The `CycloneDX` SBOM of the binaries, from `go version -m`.
fn sbom_document(
    go: &Go,
    plan: &Plan,
    binaries: &[PathBuf],
    context: &BuildContext<GoAppBuildpack>,
) -> Result<Vec<u8>, GoAppError> {
    let buildpack = &context.buildpack_descriptor.buildpack;
    let infos = build_info(go, binaries)?;
    let document = sbom::cyclonedx(
        &plan
            .names
            .iter()
            .cloned()
            .zip(infos.iter().cloned())
            .collect::<Vec<_>>(),
        buildpack.id.as_str(),
        &buildpack.version.to_string(),
    )
    .map_err(|error| GoAppError::Sbom(error.to_string()))?;
    println!("  SBOM (CycloneDX, from the binaries' build information)");
    for (name, info) in plan.names.iter().zip(&infos) {
        println!(
            "    {name}: {} {}, {} {}",
            info.path.as_deref().unwrap_or("?"),
            info.go_version,
            info.deps.len(),
            if info.deps.len() == 1 {
                "dependency"
            } else {
                "dependencies"
            }
        );
    }
    Ok(document)
}

/// The app's `go.mod`: a regular file inside the app (links inside it followed) of at most
/// [`gomod::MAX_SIZE`] bytes.
fn read_go_mod(app_dir: &Path) -> Result<Option<gomod::GoMod>, GoAppError> {
    untrusted_input::read_app_text(app_dir, Path::new("go.mod"), gomod::MAX_SIZE)
        .map_err(GoAppError::GoModFile)?
        .map(|text| gomod::parse(&text).map_err(GoAppError::GoMod))
        .transpose()
}

/// The binary of each target: the root is named after the module (`example.com/app` builds
/// `app`; `app` without go.mod), any other after its directory.
fn binary_names(
    targets: &[String],
    go_mod: Option<&gomod::GoMod>,
) -> Result<Vec<String>, GoAppError> {
    let mut names: Vec<String> = Vec::new();
    for target in targets {
        let name = if target == "." {
            go_mod
                .and_then(|go_mod| go_mod.module.as_deref())
                .map_or("app", gomod::binary_name)
                .to_string()
        } else {
            gomod::binary_name(target).to_string()
        };
        if let Some(index) = names.iter().position(|other| *other == name) {
            return Err(GoAppError::BinaryName {
                target: target.clone(),
                reason: format!(
                    "{} and {target} would both build a binary named {name:?}",
                    targets[index]
                ),
            });
        }
        names.push(name);
    }
    Ok(names)
}

/// Fails when a target needs cgo and the user did not ask for it.
fn check_cgo(
    app_dir: &Path,
    targets: &[String],
    arch: &str,
    cgo_enabled: bool,
) -> Result<(), GoAppError> {
    let mut required = Vec::new();
    for target in targets {
        let dir = app_dir.join(target);
        let usage = source::cgo_use(&dir, arch)
            .map_err(|source| GoAppError::ReadApp { path: dir, source })?;
        let relative = |path: &PathBuf| path.strip_prefix(app_dir).unwrap_or(path).to_path_buf();
        if !usage.optional.is_empty() && !cgo_enabled {
            println!(
                "    Note: {} import \"C\" under a cgo build constraint: left out of this static \
                 build (CGO_ENABLED=0)",
                usage
                    .optional
                    .iter()
                    .map(|path| relative(path).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        required.extend(usage.required.iter().map(relative));
    }
    if required.is_empty() {
        Ok(())
    } else if cgo_enabled {
        println!(
            "    cgo: BP_GO_CGO=true, building with CGO_ENABLED=1 ({} import \"C\")",
            required
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(())
    } else {
        Err(GoAppError::CgoRequired { files: required })
    }
}

/// The toolchain to build with: where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ToolchainChoice<'a> {
    /// The `go` on `PATH` satisfies the request.
    Path,
    /// Install this one.
    Install(&'a Toolchain),
}

/// Chooses the toolchain for `request`: the `go` on `PATH` when it satisfies it, else the newest
/// of the inventory that does.
fn choose_toolchain<'a>(
    request: &VersionRequest,
    path_go: Option<&Go>,
    inventory: &'a Inventory,
    os: &str,
    arch: &str,
) -> Result<ToolchainChoice<'a>, GoAppError> {
    if path_go.is_some_and(|go| request.constraint.matches(&go.version)) {
        return Ok(ToolchainChoice::Path);
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
fn contribute_go(
    context: &BuildContext<GoAppBuildpack>,
    settings: &Settings,
    go_mod: Option<&gomod::GoMod>,
) -> Result<Go, libcnb::Error<GoAppError>> {
    let request = version::version_request(
        settings.version.as_deref(),
        go_mod.and_then(|go_mod| go_mod.toolchain.as_ref()),
        go_mod.and_then(|go_mod| go_mod.go.as_ref()),
    )
    .map_err(GoAppError::VersionRequest)?;
    println!("  Go version");
    match (&request.raw, &request.constraint) {
        (Some(raw), constraint) => {
            println!("    Requested {constraint} ({}: {raw})", request.source);
        }
        (None, _) => println!("    No version requested (BP_GO_VERSION, go.mod): any"),
    }

    let path = std::env::var_os("PATH");
    let path_go = which::which_in("go", path.as_ref(), &context.app_dir)
        .ok()
        .and_then(|binary| match gocmd::version_of(&binary) {
            Ok(version) => Some(Go { binary, version }),
            Err(error) => {
                println!(
                    "    WARNING: ignoring the go on PATH ({}: {})",
                    error.command, error.cause
                );
                None
            }
        });
    let inventory = inventory::embedded().map_err(GoAppError::Inventory)?;
    let arch = host_arch();
    match choose_toolchain(&request, path_go.as_ref(), &inventory, "linux", arch)? {
        ToolchainChoice::Path => {
            let go = path_go.ok_or_else(|| GoAppError::Inventory("no go on PATH".into()))?;
            println!(
                "    Using {} from PATH ({}): it satisfies {}",
                go.version.original(),
                go.binary.display(),
                request.constraint
            );
            Ok(go)
        }
        ToolchainChoice::Install(toolchain) => {
            match &path_go {
                Some(go) => println!(
                    "    The go on PATH is {} ({}): it does not satisfy {}",
                    go.version.original(),
                    go.binary.display(),
                    request.constraint
                ),
                None => println!("    No go on PATH"),
            }
            install_go(context, settings, toolchain)
        }
    }
}

fn install_go(
    context: &BuildContext<GoAppBuildpack>,
    settings: &Settings,
    toolchain: &Toolchain,
) -> Result<Go, libcnb::Error<GoAppError>> {
    let metadata = GoLayerMetadata::new(toolchain);
    let (layer, state) = handle_go_layer(context, &metadata)?;
    let binary = layer.path().join("bin/go");
    match state {
        GoLayerState::Reused(cause) => {
            println!("    Reusing the cached Go {} ({cause})", toolchain.version);
        }
        GoLayerState::Empty(cause) => {
            println!("    Installing Go {} ({cause})", toolchain.version);
            let proxy =
                download::proxy_base(settings.goproxy.as_deref()).map_err(GoAppError::Proxy)?;
            let url = download::toolchain_url(&proxy, toolchain);
            let started = Instant::now();
            let (roots, trusted) = download::root_certs(settings.ssl_cert_file.as_deref());
            println!("      Downloading {url}");
            if !url.starts_with("file://") {
                println!("        (HTTPS trusting the {trusted})");
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
            println!(
                "      Verified SHA-256 {} ({:.1} MB)",
                toolchain.sha256,
                mb(installed.bytes)
            );
            println!(
                "      Extracted {} files into {}",
                installed.files,
                layer.path().display()
            );
            println!("      Completed in {}", elapsed(started));
            layer.write_metadata(metadata)?;
        }
    }
    let version = gocmd::version_of(&binary).map_err(|error| GoAppError::GoCommand {
        command: error.command,
        cause: error.cause,
    })?;
    Ok(Go { binary, version })
}

/// One `go build` configuration.
struct GoBuild<'a> {
    go: &'a Go,
    app_dir: &'a Path,
    caches: &'a GoCaches,
    arguments: &'a [String],
    cgo: bool,
    /// go.mod exists; else GOPATH mode (`GO111MODULE=off`), which builds a directory of
    /// standard-library-only sources without a module.
    module_mode: bool,
    vendor: bool,
    user_goflags: Option<&'a str>,
    arch: &'a str,
}

impl GoBuild<'_> {
    /// `GOFLAGS`: the user's, plus `-modcacherw` (the cache layer must stay deletable) and, in
    /// module mode, `-mod=vendor` (with vendor/modules.txt) or `-mod=readonly` unless the user
    /// set `-mod`.
    fn goflags(&self) -> String {
        let mut goflags: Vec<String> = self
            .user_goflags
            .unwrap_or_default()
            .split_whitespace()
            .map(ToString::to_string)
            .collect();
        if !goflags.iter().any(|flag| flag.starts_with("-modcacherw")) {
            goflags.push("-modcacherw".to_string());
        }
        if self.module_mode && !goflags.iter().any(|flag| flag.starts_with("-mod=")) {
            goflags.push(
                if self.vendor {
                    "-mod=vendor"
                } else {
                    "-mod=readonly"
                }
                .to_string(),
            );
        }
        goflags.join(" ")
    }

    fn run(&self, target: &str, binary: &Path) -> Result<(), GoAppError> {
        let package = if target == "." {
            ".".to_string()
        } else {
            format!("./{target}")
        };
        let mut command = Command::new(&self.go.binary);
        command
            .current_dir(self.app_dir)
            .arg("build")
            .arg("-o")
            .arg(binary)
            .args(self.arguments)
            .arg(&package)
            .env("CGO_ENABLED", if self.cgo { "1" } else { "0" })
            .env("GOTOOLCHAIN", "local")
            .env("GOOS", "linux")
            .env("GOARCH", self.arch)
            .env("GOCACHE", &self.caches.gocache)
            .env("GOMODCACHE", &self.caches.gomodcache)
            .env("GOPATH", &self.caches.gopath)
            .env("GOFLAGS", self.goflags())
            // The toolchain finds its own root; a GOROOT of another Go would mix versions.
            .env_remove("GOROOT");
        if !self.module_mode {
            command.env("GO111MODULE", "off");
        }
        let shown = gocmd::display(&command);
        let shown = shown
            .strip_prefix(&self.go.binary.to_string_lossy().into_owned())
            .map_or(shown.clone(), |rest| format!("go{rest}"));
        println!("    Running '{shown}'");
        let started = Instant::now();
        let status =
            gocmd::run_streamed(&mut command, "      ").map_err(|error| GoAppError::GoCommand {
                command: shown.clone(),
                cause: error.to_string(),
            })?;
        if !status.success() {
            return Err(GoAppError::GoBuild {
                target: target.to_string(),
                code: status.code(),
            });
        }
        println!("      Completed in {}", elapsed(started));
        Ok(())
    }
}

/// `go version -m` over the binaries, in their order.
fn build_info(go: &Go, binaries: &[PathBuf]) -> Result<Vec<sbom::BuildInfo>, GoAppError> {
    let mut command = Command::new(&go.binary);
    command
        .args(["version", "-m"])
        .args(binaries)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOROOT");
    let shown = gocmd::display(&command);
    let error = |cause: String| GoAppError::GoCommand {
        command: shown.clone(),
        cause,
    };
    let output = command.output().map_err(|e| error(e.to_string()))?;
    if !output.status.success() {
        return Err(error(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    let infos = sbom::parse_go_version_m(&String::from_utf8_lossy(&output.stdout))
        .map_err(|cause| error(format!("unexpected output: {cause}")))?;
    binaries
        .iter()
        .map(|binary| {
            infos
                .iter()
                .find(|info| Path::new(&info.file) == binary)
                .cloned()
                .ok_or_else(|| error(format!("no build information for {}", binary.display())))
        })
        .collect()
}

fn remove_sources(app_dir: &Path, keep_files: &keep::KeepFiles) -> Result<(), GoAppError> {
    if keep_files.patterns.is_empty() {
        println!("  Removing the source code (BP_KEEP_FILES keeps none)");
    } else {
        println!(
            "  Removing the source code but BP_KEEP_FILES={}",
            keep_files.patterns.join(":")
        );
    }
    let removal =
        keep::remove_sources(app_dir, keep_files).map_err(|source| GoAppError::RemoveSources {
            path: app_dir.to_path_buf(),
            source,
        })?;
    println!(
        "    Removed {} entries of the app directory",
        removal.removed
    );
    if !removal.kept.is_empty() {
        println!("    Kept {}", removal.kept.join(", "));
    }
    Ok(())
}

fn error_detail(error: &elf_check::StaticCheckError) -> String {
    use elf_check::StaticCheckError;
    match error {
        StaticCheckError::Dynamic { path, dependencies } => {
            let mut parts = Vec::new();
            if let Some(interpreter) = &dependencies.interpreter {
                parts.push(format!("program interpreter {interpreter}"));
            }
            if !dependencies.needed.is_empty() {
                parts.push(format!(
                    "needs {}",
                    dependencies
                        .needed
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            format!(
                "{} is dynamically linked ({})",
                file_name(path),
                parts.join("; ")
            )
        }
        other => other.to_string(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[allow(clippy::cast_precision_loss)]
fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn size(path: &Path) -> String {
    std::fs::metadata(path).map_or_else(
        |_| "size unknown".to_string(),
        |metadata| {
            format!(
                "{:.1} MB",
                mb(usize::try_from(metadata.len()).unwrap_or(usize::MAX))
            )
        },
    )
}

fn elapsed(started: Instant) -> String {
    format!("{:.3}s", started.elapsed().as_secs_f64())
}

buildpack_main!(GoAppBuildpack);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::{GoVersion, RequestSource};
    use buildpack_errors::HeaderAndBody;

    #[test]
    fn go_mod_is_a_regular_file_inside_the_app() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "module secret\n").unwrap();
        let app = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), app.path().join("go.mod"))
            .unwrap();
        let error = read_go_mod(app.path()).unwrap_err();
        assert_eq!(error.header(), "Cannot read go.mod");
        assert!(
            error.body().contains("leads outside the app directory"),
            "{}",
            error.body()
        );
        assert!(!error.body().contains("secret\n"));

        let app = tempfile::tempdir().unwrap();
        let fifo = app.path().join("go.mod");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let (sender, receiver) = std::sync::mpsc::channel();
        let dir = app.path().to_path_buf();
        std::thread::spawn(move || sender.send(read_go_mod(&dir).map(|_| ()).unwrap_err().body()));
        let body = receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("reading a FIFO go.mod waited");
        assert!(body.contains("is a FIFO, not a regular file"), "{body}");

        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("real")).unwrap();
        std::fs::write(app.path().join("real/go.mod"), "module example.com/x\n").unwrap();
        std::os::unix::fs::symlink("real/go.mod", app.path().join("go.mod")).unwrap();
        let go_mod = read_go_mod(app.path()).unwrap().unwrap();
        assert_eq!(go_mod.module.as_deref(), Some("example.com/x"));
    }

    fn go(version: &str) -> Go {
        Go {
            binary: PathBuf::from("/usr/local/go/bin/go"),
            version: GoVersion::parse(version).unwrap(),
        }
    }

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
            Ok(ToolchainChoice::Path) => "PATH".to_string(),
            Ok(ToolchainChoice::Install(toolchain)) => toolchain.version.bare(),
            Err(error) => error.header(),
        };
        let path = go("go1.26.8");
        // The go line is a minimum: the build image's go satisfies it.
        assert_eq!(
            choose(&request(None, None, Some("1.24")), Some(&path)),
            "PATH"
        );
        assert_eq!(choose(&request(None, None, None), Some(&path)), "PATH");
        assert_eq!(choose(&request(None, None, None), None), "1.27.3");
        // A toolchain is exact.
        assert_eq!(
            choose(&request(None, Some("go1.25.14"), Some("1.25")), Some(&path)),
            "1.25.14"
        );
        assert_eq!(
            choose(&request(None, Some("go1.26.8"), Some("1.25")), Some(&path)),
            "PATH"
        );
        // BP_GO_VERSION wins, exact or a line.
        assert_eq!(
            choose(&request(Some("1.26"), Some("go1.25.14"), None), Some(&path)),
            "PATH"
        );
        assert_eq!(
            choose(&request(Some("1.27"), None, None), Some(&path)),
            "1.27.3"
        );
        assert_eq!(
            choose(&request(Some("1.26.9"), None, None), Some(&path)),
            "Go 1.26.9 is not available"
        );
        assert_eq!(
            choose(&request(None, None, Some("1.28")), Some(&path)),
            "Go >= 1.28 is not available"
        );
        let error = choose_toolchain(
            &request(Some("1.24.1"), None, None),
            None,
            &inventory,
            "linux",
            "amd64",
        )
        .unwrap_err();
        assert!(error.body().contains(
            "there is no go on PATH, and this buildpack installs only the versions it knows the \
             checksum of. For linux/amd64 these are: 1.27.3, 1.27.2, 1.26.10, 1.26.8, 1.25.14."
        ));
        assert_eq!(
            request(Some("1.24.1"), None, None).source,
            RequestSource::BpGoVersion
        );
    }

    #[test]
    fn binary_names_follow_the_module_and_directories() {
        let go_mod = gomod::parse("module example.com/go-http/v2\n").unwrap();
        let targets = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            binary_names(&targets(&[".", "cmd/a"]), Some(&go_mod)).unwrap(),
            ["go-http", "a"]
        );
        assert_eq!(binary_names(&targets(&["."]), None).unwrap(), ["app"]);
        let error = binary_names(&targets(&["cmd/a", "tools/a"]), None).unwrap_err();
        assert_eq!(
            error.body().lines().next().unwrap(),
            "cmd/a and tools/a would both build a binary named \"a\"."
        );
    }

    #[test]
    fn goflags() {
        let go = go("1.26.8");
        let caches = GoCaches::in_layer(Path::new("/l"), false, String::new());
        let mut build = GoBuild {
            go: &go,
            app_dir: Path::new("/workspace"),
            caches: &caches,
            arguments: &[],
            cgo: false,
            module_mode: true,
            vendor: false,
            user_goflags: None,
            arch: "amd64",
        };
        assert_eq!(build.goflags(), "-modcacherw -mod=readonly");
        build.vendor = true;
        assert_eq!(build.goflags(), "-modcacherw -mod=vendor");
        build.user_goflags = Some("-mod=mod -tags=x");
        assert_eq!(build.goflags(), "-mod=mod -tags=x -modcacherw");
        build.module_mode = false;
        build.user_goflags = None;
        assert_eq!(build.goflags(), "-modcacherw");
    }

    #[test]
    fn cgo_check() {
        let app = tempfile::tempdir().unwrap();
        std::fs::write(
            app.path().join("main.go"),
            "package main\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc main() {}\n",
        )
        .unwrap();
        let targets = [".".to_string()];
        let error = check_cgo(app.path(), &targets, "amd64", false).unwrap_err();
        assert!(
            matches!(&error, GoAppError::CgoRequired { files } if files == &[PathBuf::from("main.go")])
        );
        assert!(check_cgo(app.path(), &targets, "amd64", true).is_ok());
    }
}
