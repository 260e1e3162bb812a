//! Building the plan: `go build` per target into the `targets` layer, the static check of every
//! binary, the `CycloneDX` SBOM from the binaries' build information, the source removal and
//! one direct process per binary.

use crate::GoAppBuildpack;
use crate::errors::GoAppError;
use crate::gocmd::{self, Go};
use crate::keep;
use crate::layers::go_cache::GoCaches;
use crate::plan::Target;
use crate::sbom_components;
use crate::units::{elapsed, mb};
use cnb_output::{Log, bounded};
use libcnb::build::BuildContext;
use libcnb::data::launch::{Launch, LaunchBuilder, ProcessBuilder};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A target's binary, once built.
#[derive(Debug)]
pub(crate) struct Binary<'a> {
    pub(crate) target: &'a Target,
    pub(crate) path: PathBuf,
}

/// One `go build` configuration.
pub(crate) struct GoBuild<'a> {
    pub(crate) go: &'a Go,
    pub(crate) app_dir: &'a Path,
    pub(crate) caches: &'a GoCaches,
    pub(crate) arguments: &'a [String],
    pub(crate) cgo: bool,
    /// go.mod exists; else GOPATH mode (`GO111MODULE=off`), which builds a directory of
    /// standard-library-only sources without a module.
    pub(crate) module_mode: bool,
    pub(crate) vendor: bool,
    pub(crate) user_goflags: Option<&'a str>,
    pub(crate) arch: &'a str,
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
        let mut log = Log::stdout();
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
        log.detail(&format!("Running '{shown}'"));
        let started = Instant::now(); // clock: a time for the log
        let status =
            gocmd::run_streamed(&mut command, 3).map_err(|error| GoAppError::GoCommand {
                command: shown.clone(),
                cause: error.to_string(),
            })?;
        if !status.success() {
            return Err(GoAppError::GoBuild {
                target: target.to_string(),
                code: status.code(),
            });
        }
        log.subdetail(&format!("Completed in {}", elapsed(started)));
        Ok(())
    }
}

/// Builds every target into `bin_dir`.
///
/// # Errors
/// `go build` cannot be run or fails.
pub(crate) fn build_targets<'a>(
    build: &GoBuild<'_>,
    targets: &'a [Target],
    bin_dir: &Path,
) -> Result<Vec<Binary<'a>>, GoAppError> {
    let mut log = Log::stdout();
    log.step(&format!(
        "Building (CGO_ENABLED={}, GOFLAGS={})",
        u8::from(build.cgo),
        build.goflags()
    ));
    targets
        .iter()
        .map(|target| {
            let path = bin_dir.join(&target.binary);
            build.run(&target.dir, &path)?;
            Ok(Binary { target, path })
        })
        .collect()
}

/// Fails unless every binary is statically linked (no `PT_INTERP`, no `DT_NEEDED`).
pub(crate) fn check_static(binaries: &[Binary], cgo: bool) -> Result<(), GoAppError> {
    let mut log = Log::stdout();
    log.step("Checking that the binaries are static");
    for binary in binaries {
        elf_check::check_static(&binary.path).map_err(|error| GoAppError::NotStatic {
            detail: error_detail(&error),
            cgo,
        })?;
        log.detail(&format!(
            "{}: static (no program interpreter, no shared library), {}",
            file_name(&binary.path),
            size(&binary.path)
        ));
    }
    Ok(())
}

/// The `CycloneDX` SBOM of the binaries, from `go version -m`.
pub(crate) fn sbom_document(
    go: &Go,
    binaries: &[Binary],
    context: &BuildContext<GoAppBuildpack>,
) -> Result<Vec<u8>, GoAppError> {
    let mut log = Log::stdout();
    let buildpack = &context.buildpack_descriptor.buildpack;
    let infos = build_info(go, binaries)?;
    let document = sbom_components::cyclonedx(
        &infos,
        buildpack.id.as_str(),
        &buildpack.version.to_string(),
    )
    .map_err(|error| GoAppError::Sbom(error.to_string()))?;
    log.step("SBOM (CycloneDX, from the binaries' build information)");
    for (name, info) in &infos {
        log.detail(&format!(
            "{name}: {} {}, {} {}",
            info.path.as_deref().unwrap_or("?"),
            info.go_version,
            info.deps.len(),
            if info.deps.len() == 1 {
                "dependency"
            } else {
                "dependencies"
            }
        ));
    }
    Ok(document)
}

/// One direct process per binary, the first the default.
pub(crate) fn processes(binaries: &[Binary]) -> Launch {
    let mut log = Log::stdout();
    log.step("Processes (direct, no shell)");
    let mut launch = LaunchBuilder::new();
    for (index, binary) in binaries.iter().enumerate() {
        log.detail(&format!(
            "{}{}: {}",
            binary.target.binary,
            if index == 0 { " (default)" } else { "" },
            binary.path.display()
        ));
        launch.process(
            ProcessBuilder::new(
                binary.target.process_type.clone(),
                [binary.path.to_string_lossy()],
            )
            .default(index == 0)
            .build(),
        );
    }
    launch.build()
}

/// `go version -m` over the binaries: each binary's name and build information, in their
/// order.
fn build_info(
    go: &Go,
    binaries: &[Binary],
) -> Result<Vec<(String, sbom_components::BuildInfo)>, GoAppError> {
    let mut command = Command::new(&go.binary);
    command
        .args(["version", "-m"])
        .args(binaries.iter().map(|binary| &binary.path))
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
    let infos = sbom_components::parse_go_version_m(&String::from_utf8_lossy(&output.stdout))
        .map_err(|cause| error(format!("unexpected output: {cause}")))?;
    binaries
        .iter()
        .map(|binary| {
            infos
                .iter()
                .find(|info| Path::new(&info.file) == binary.path)
                .map(|info| (binary.target.binary.clone(), info.clone()))
                .ok_or_else(|| {
                    error(format!(
                        "no build information for {}",
                        binary.path.display()
                    ))
                })
        })
        .collect()
}

/// Removes the app's sources but the files `BP_KEEP_FILES` keeps.
pub(crate) fn remove_sources(
    app_dir: &Path,
    keep_files: &keep::KeepFiles,
) -> Result<(), GoAppError> {
    let mut log = Log::stdout();
    log.step(&removal_step(keep_files));
    let removal =
        keep::remove_sources(app_dir, keep_files).map_err(|source| GoAppError::RemoveSources {
            path: app_dir.to_path_buf(),
            source,
        })?;
    log.detail(&format!(
        "Removed {} entries of the app directory",
        removal.removed
    ));
    if !removal.kept.is_empty() {
        log.detail(&format!("Kept {}", bounded(&removal.kept.join(", "))));
    }
    Ok(())
}

/// The step that announces the removal: the patterns (up to 100 KB) quoted bounded.
fn removal_step(keep_files: &keep::KeepFiles) -> String {
    if keep_files.patterns.is_empty() {
        "Removing the source code (BP_KEEP_FILES keeps none)".to_string()
    } else {
        format!(
            "Removing the source code but BP_KEEP_FILES={}",
            bounded(&keep_files.patterns.join(":"))
        )
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gocmd::go_in_usr_local as go;

    /// Issue 21: the whole `BP_KEEP_FILES` value (up to 100 KB) was one log line.
    #[test]
    fn the_kept_patterns_are_logged_bounded() {
        let short = keep::parse_patterns(Some("assets/**:*.md")).unwrap();
        assert_eq!(
            removal_step(&short),
            "Removing the source code but BP_KEEP_FILES=assets/**:*.md"
        );
        let value = vec!["x".repeat(1000); keep::MAX_PATTERNS].join(":");
        let long = keep::parse_patterns(Some(&value)).unwrap();
        let step = removal_step(&long);
        assert!(step.len() < 200, "{step}");
        assert!(step.ends_with("… (cut, 100099 bytes in all)"), "{step}");
        assert_eq!(
            removal_step(&keep::KeepFiles::default()),
            "Removing the source code (BP_KEEP_FILES keeps none)"
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
}
