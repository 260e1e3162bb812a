//! Which app this is, and which main packages to build (`BP_GO_TARGETS`, else the root, else
//! `cmd/*/`), as Paketo's go-build chooses them.

use crate::source::{self, BuildContext};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use untrusted_input::quoted;

/// `BP_GO_TARGETS`: colon-separated relative paths of main packages.
pub(crate) const BP_GO_TARGETS: &str = "BP_GO_TARGETS";

/// Why detection passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoApp {
    /// `go.mod` at the root.
    Module,
    /// Go sources at the root.
    RootSources,
    /// Go sources under `cmd/<name>/`.
    CmdSources,
    /// Go sources in every `BP_GO_TARGETS` path.
    Targets,
}

impl fmt::Display for GoApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Module => "go.mod",
            Self::RootSources => "*.go at the root",
            Self::CmdSources => "*.go under cmd/*/",
            Self::Targets => "BP_GO_TARGETS",
        })
    }
}

/// A `BP_GO_TARGETS` entry that cannot be a target (a user error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetError {
    /// The whole `BP_GO_TARGETS` value.
    pub(crate) value: String,
    /// The offending entry.
    pub(crate) entry: String,
    /// Why it cannot be a target.
    pub(crate) reason: &'static str,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{BP_GO_TARGETS}={}: the target {} {}",
            quoted(&self.value),
            quoted(&self.entry),
            self.reason
        )
    }
}

/// Errors of detection and target selection.
#[derive(Debug)]
pub(crate) enum DetectError {
    /// `BP_GO_TARGETS` is invalid.
    Target(TargetError),
    /// The app cannot be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<TargetError> for DetectError {
    fn from(error: TargetError) -> Self {
        Self::Target(error)
    }
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> DetectError + '_ {
    move |source| DetectError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Parses and validates `BP_GO_TARGETS` against the app: each entry relative, without `..`,
/// an existing directory holding `*.go`. Entries are normalized (`./cmd/a/` is `cmd/a`, `.` is
/// the root); empty entries are skipped; duplicates are dropped.
///
/// # Errors
/// The first invalid entry, or a directory that cannot be read.
pub(crate) fn parse_targets(app_dir: &Path, value: &str) -> Result<Vec<String>, DetectError> {
    let error = |entry: &str, reason| TargetError {
        value: value.to_string(),
        entry: entry.to_string(),
        reason,
    };
    let mut targets: Vec<String> = Vec::new();
    for entry in value
        .split(':')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        let path = Path::new(entry);
        let mut parts = Vec::new();
        for component in path.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(error(entry, "must not contain '..'").into());
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(error(
                        entry,
                        "must be relative to the app directory (no leading '/')",
                    )
                    .into());
                }
            }
        }
        let normalized = if parts.is_empty() {
            ".".to_string()
        } else {
            parts.join("/")
        };
        let dir = app_dir.join(&normalized);
        // Symlinks could lead out of the app: every component must be a real directory.
        let mut current = app_dir.to_path_buf();
        for part in &parts {
            current.push(part);
            match std::fs::symlink_metadata(&current) {
                Ok(metadata) if metadata.is_dir() => {}
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    return Err(error(entry, "must not go through a symbolic link").into());
                }
                Ok(_) => return Err(error(entry, "is not a directory").into()),
                Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
                    return Err(error(entry, "does not exist in the app").into());
                }
                Err(source) => return Err(read_error(&current)(source)),
            }
        }
        if !source::has_go_sources(&dir).map_err(read_error(&dir))? {
            return Err(error(entry, "holds no *.go file (other than *_test.go)").into());
        }
        if !targets.contains(&normalized) {
            targets.push(normalized);
        }
    }
    Ok(targets)
}

/// Detection: a Go app, or `None`. With `BP_GO_TARGETS` set, its entries must be valid.
///
/// # Errors
/// An invalid `BP_GO_TARGETS`, or an app that cannot be read.
pub(crate) fn detect(
    app_dir: &Path,
    bp_go_targets: Option<&str>,
) -> Result<Option<GoApp>, DetectError> {
    if let Some(value) = bp_go_targets.filter(|value| !value.trim().is_empty()) {
        parse_targets(app_dir, value)?;
        return Ok(Some(if app_dir.join("go.mod").is_file() {
            GoApp::Module
        } else {
            GoApp::Targets
        }));
    }
    if app_dir.join("go.mod").is_file() {
        return Ok(Some(GoApp::Module));
    }
    if source::has_go_sources(app_dir).map_err(read_error(app_dir))? {
        return Ok(Some(GoApp::RootSources));
    }
    if !cmd_dirs(app_dir, source::has_go_sources)?.is_empty() {
        return Ok(Some(GoApp::CmdSources));
    }
    Ok(None)
}

/// The directories `cmd/<name>` (sorted) for which `keep` holds.
fn cmd_dirs(
    app_dir: &Path,
    keep: impl Fn(&Path) -> std::io::Result<bool>,
) -> Result<Vec<String>, DetectError> {
    let cmd = app_dir.join("cmd");
    let entries = match std::fs::read_dir(&cmd) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) if error.kind() == std::io::ErrorKind::NotADirectory => return Ok(Vec::new()),
        Err(source) => return Err(read_error(&cmd)(source)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_error(&cmd))?;
        let path = entry.path();
        if entry.file_type().map_err(read_error(&path))?.is_dir()
            && keep(&path).map_err(read_error(&path))?
        {
            dirs.push(format!("cmd/{}", entry.file_name().to_string_lossy()));
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Whether the directory holds a `package main` file built for linux/<arch>.
fn is_main_package(dir: &Path, arch: &str) -> std::io::Result<bool> {
    Ok(
        source::package_files(dir, BuildContext { arch, cgo: false })?
            .iter()
            .any(|(_, header)| header.package.as_deref() == Some("main")),
    )
}

/// The targets to build: `BP_GO_TARGETS`, else the root if it holds a main package, else every
/// `cmd/*/` that does. Empty when there is none.
///
/// # Errors
/// An invalid `BP_GO_TARGETS`, or an app that cannot be read.
pub(crate) fn targets(
    app_dir: &Path,
    bp_go_targets: Option<&str>,
    arch: &str,
) -> Result<Vec<String>, DetectError> {
    if let Some(value) = bp_go_targets.filter(|value| !value.trim().is_empty()) {
        return parse_targets(app_dir, value);
    }
    if is_main_package(app_dir, arch).map_err(read_error(app_dir))? {
        return Ok(vec![".".to_string()]);
    }
    cmd_dirs(app_dir, |dir| is_main_package(dir, arch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_harness::files::dir_with_files as app;

    const MAIN: &str = "package main\n\nfunc main() {}\n";

    #[test]
    fn detection() {
        let detect = |files: &[(&str, &str)]| detect(app(files).path(), None).unwrap();
        assert_eq!(detect(&[("go.mod", "module a\n")]), Some(GoApp::Module));
        assert_eq!(detect(&[("main.go", MAIN)]), Some(GoApp::RootSources));
        assert_eq!(
            detect(&[("cmd/a/main.go", MAIN), ("README.md", "")]),
            Some(GoApp::CmdSources)
        );
        assert_eq!(detect(&[]), None);
        assert_eq!(detect(&[("main_test.go", MAIN)]), None);
        assert_eq!(detect(&[("cmd/main.go", MAIN)]), None);
        assert_eq!(detect(&[("cmd", "a file")]), None);
        assert_eq!(detect(&[("pkg/lib/lib.go", "package lib\n")]), None);
    }

    #[test]
    fn detection_with_bp_go_targets() {
        let dir = app(&[("server/main.go", MAIN)]);
        assert_eq!(detect(dir.path(), None).unwrap(), None);
        assert_eq!(
            detect(dir.path(), Some("server")).unwrap(),
            Some(GoApp::Targets)
        );
        let Err(DetectError::Target(error)) = detect(dir.path(), Some("server:../x")) else {
            panic!("an error");
        };
        assert_eq!(
            error.to_string(),
            "BP_GO_TARGETS=\"server:../x\": the target \"../x\" must not contain '..'"
        );
    }

    #[test]
    fn bp_go_targets_validation() {
        let dir = app(&[
            ("main.go", MAIN),
            ("cmd/a/main.go", MAIN),
            ("cmd/b/main.go", MAIN),
            ("docs/README.md", ""),
            ("file.txt", ""),
        ]);
        std::os::unix::fs::symlink(dir.path().join("cmd/a"), dir.path().join("link")).unwrap();
        assert_eq!(
            parse_targets(dir.path(), "./cmd/b/:cmd/a::.:cmd/b").unwrap(),
            ["cmd/b", "cmd/a", "."]
        );
        for (value, reason) in [
            (
                "/cmd/a",
                "must be relative to the app directory (no leading '/')",
            ),
            ("cmd/../cmd/a", "must not contain '..'"),
            ("cmd/c", "does not exist in the app"),
            ("docs", "holds no *.go file (other than *_test.go)"),
            ("file.txt", "is not a directory"),
            ("link", "must not go through a symbolic link"),
        ] {
            match parse_targets(dir.path(), value) {
                Err(DetectError::Target(error)) => {
                    assert_eq!(error.reason, reason, "{value}");
                    assert_eq!(error.entry, value);
                }
                other => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn default_targets() {
        let targets = |files: &[(&str, &str)]| targets(app(files).path(), None, "amd64").unwrap();
        assert_eq!(
            targets(&[("main.go", MAIN), ("cmd/a/main.go", MAIN)]),
            ["."]
        );
        assert_eq!(
            targets(&[
                ("lib.go", "package lib\n"),
                ("cmd/b/main.go", MAIN),
                ("cmd/a/main.go", MAIN),
                ("cmd/tool/tool.go", "package tool\n"),
                ("cmd/win/main_windows.go", MAIN),
            ]),
            ["cmd/a", "cmd/b"]
        );
        assert!(targets(&[("go.mod", "module a\n"), ("lib.go", "package lib\n")]).is_empty());
        let dir = app(&[("lib.go", "package lib\n"), ("srv/main.go", MAIN)]);
        assert_eq!(
            super::targets(dir.path(), Some("srv"), "amd64").unwrap(),
            ["srv"]
        );
    }
}
