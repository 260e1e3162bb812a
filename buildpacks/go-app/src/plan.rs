//! What to build, decided before anything is downloaded or built: the app's `go.mod`, the
//! targets (one [`Target`] each: its directory, its binary, its process type), the cgo check and
//! the `go build` flags. Every user error about the app or its settings is found here.

use crate::errors::GoAppError;
use crate::settings::Settings;
use crate::{flags, gomod, source, targets};
use cnb_output::Log;
use libcnb::data::launch::ProcessType;
use std::path::{Path, PathBuf};

/// One main package to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Its directory relative to the app, as `BP_GO_TARGETS` spells it (`.` for the root).
    pub(crate) dir: String,
    /// The name of its binary.
    pub(crate) binary: String,
    /// The process that runs the binary (named after it).
    pub(crate) process_type: ProcessType,
}

/// What to build, and how.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The targets, the default process's first.
    pub(crate) targets: Vec<Target>,
    /// The arguments of `go build` between `-o <binary>` and the package.
    pub(crate) arguments: Vec<String>,
}

/// The targets, their binaries' names and process types, the cgo check and the flags.
///
/// # Errors
/// An invalid `BP_GO_TARGETS`, no main package, two binaries of one name, a name that is not a
/// process type, cgo needed but not enabled, invalid build flags; an app that cannot be read.
pub(crate) fn plan(
    app_dir: &Path,
    arch: &str,
    settings: &Settings,
    go_mod: Option<&gomod::GoMod>,
) -> Result<Plan, GoAppError> {
    let mut log = Log::stdout();
    let dirs = targets::targets(app_dir, settings.targets.as_deref(), arch)?;
    if dirs.is_empty() {
        return Err(GoAppError::NoTargets {
            has_go_mod: go_mod.is_some(),
        });
    }
    let names = binary_names(&dirs, go_mod)?;
    let targets = dirs
        .iter()
        .zip(names)
        .map(|(dir, binary)| {
            let process_type =
                binary
                    .parse::<ProcessType>()
                    .map_err(|_| GoAppError::BinaryName {
                        target: dir.clone(),
                        reason: format!("{binary:?} is not a valid process type"),
                    })?;
            Ok(Target {
                dir: dir.clone(),
                binary,
                process_type,
            })
        })
        .collect::<Result<Vec<_>, GoAppError>>()?;
    log.step("Targets");
    for target in &targets {
        log.detail(&format!("{} -> {}", target.dir, target.binary));
    }
    check_cgo(app_dir, &dirs, arch, settings.cgo)?;
    let arguments =
        flags::build_arguments(settings.build_flags.as_deref(), settings.ldflags.as_deref())
            .map_err(GoAppError::Flags)?;
    Ok(Plan { targets, arguments })
}

/// The app's `go.mod`: a regular file inside the app (links inside it followed) of at most
/// [`gomod::MAX_SIZE`] bytes.
pub(crate) fn read_go_mod(app_dir: &Path) -> Result<Option<gomod::GoMod>, GoAppError> {
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
    let mut log = Log::stdout();
    let mut required = Vec::new();
    for target in targets {
        let dir = app_dir.join(target);
        let usage = source::cgo_use(&dir, arch)
            .map_err(|source| GoAppError::ReadApp { path: dir, source })?;
        let relative = |path: &PathBuf| path.strip_prefix(app_dir).unwrap_or(path).to_path_buf();
        if !usage.optional.is_empty() && !cgo_enabled {
            log.detail(&format!(
                "Note: {} import \"C\" under a cgo build constraint: left out of this static \
                 build (CGO_ENABLED=0)",
                usage
                    .optional
                    .iter()
                    .map(|path| relative(path).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        required.extend(usage.required.iter().map(relative));
    }
    if required.is_empty() {
        Ok(())
    } else if cgo_enabled {
        log.detail(&format!(
            "cgo: BP_GO_CGO=true, building with CGO_ENABLED=1 ({} import \"C\")",
            required
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        Ok(())
    } else {
        Err(GoAppError::CgoRequired { files: required })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_output::HeaderAndBody;

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
        cnb_harness::mkfifo(&fifo);
        let dir = app.path().to_path_buf();
        let body = cnb_harness::within_hang_guard("reading a FIFO go.mod", move || {
            read_go_mod(&dir).map(|_| ()).unwrap_err().body()
        });
        assert!(body.contains("is a FIFO, not a regular file"), "{body}");

        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("real")).unwrap();
        std::fs::write(app.path().join("real/go.mod"), "module example.com/x\n").unwrap();
        std::os::unix::fs::symlink("real/go.mod", app.path().join("go.mod")).unwrap();
        let go_mod = read_go_mod(app.path()).unwrap().unwrap();
        assert_eq!(go_mod.module.as_deref(), Some("example.com/x"));
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
    fn cgo_check() {
        let app = cnb_harness::files::dir_with_files(&[(
            "main.go",
            "package main\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc main() {}\n",
        )]);
        let targets = [".".to_string()];
        let error = check_cgo(app.path(), &targets, "amd64", false).unwrap_err();
        assert!(
            matches!(&error, GoAppError::CgoRequired { files } if files == &[PathBuf::from("main.go")])
        );
        assert!(check_cgo(app.path(), &targets, "amd64", true).is_ok());
    }
}
