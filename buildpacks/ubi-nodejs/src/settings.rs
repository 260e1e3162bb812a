//! The buildpack's settings: `BP_NODE_*` variables, and where the Node.js project is.

use crate::errors::NodejsBuildpackError;
use libcnb::Env;
use std::path::{Component, Path, PathBuf};
use untrusted_input::{ReadErrorKind, resolve_in_app};

/// The Node.js version the user asks for, ahead of every file of the app.
pub(crate) const BP_NODE_VERSION: &str = "BP_NODE_VERSION";
/// The directory of the Node.js project, relative to the app root.
pub(crate) const BP_NODE_PROJECT_PATH: &str = "BP_NODE_PROJECT_PATH";
/// `true`: limit the V8 heap to 75% of the container memory at launch (an exec.d program).
pub(crate) const BP_NODE_OPTIMIZE_MEMORY: &str = "BP_NODE_OPTIMIZE_MEMORY";

/// The `BP_NODE_*` settings, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// `BP_NODE_VERSION`, trimmed; `None` when unset or blank.
    pub(crate) node_version: Option<String>,
    /// `BP_NODE_PROJECT_PATH` as a relative path of plain components (`.` removed); `None` when
    /// unset, blank or the app root itself.
    pub(crate) project_path: Option<PathBuf>,
    /// `BP_NODE_OPTIMIZE_MEMORY`.
    pub(crate) optimize_memory: bool,
}

impl Settings {
    /// Reads the settings from the platform's env files (`<platform>/env`, the user's
    /// variables), falling back to this process's environment, where the lifecycle also puts the
    /// operator's build-config variables.
    pub(crate) fn from_platform_env(platform_env: &Env) -> Result<Self, NodejsBuildpackError> {
        Self::from_lookup(|name| platform_settings::setting(platform_env, name))
    }

    /// Reads the settings through `lookup` (a variable's value by name).
    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, NodejsBuildpackError> {
        let node_version = lookup(BP_NODE_VERSION)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty());
        let project_path = match lookup(BP_NODE_PROJECT_PATH) {
            Some(value) => parse_project_path(&value)?,
            None => None,
        };
        let optimize_memory = match lookup(BP_NODE_OPTIMIZE_MEMORY) {
            Some(value) => {
                parse_bool(&value).ok_or(NodejsBuildpackError::InvalidOptimizeMemory { value })?
            }
            None => false,
        };
        Ok(Self {
            node_version,
            project_path,
            optimize_memory,
        })
    }

    /// The directory of the Node.js project: the app root, or `BP_NODE_PROJECT_PATH` inside it.
    ///
    /// The directory must exist and, with symbolic links resolved, stay inside the app.
    pub(crate) fn project_dir(&self, app_dir: &Path) -> Result<PathBuf, NodejsBuildpackError> {
        let Some(relative) = &self.project_path else {
            return Ok(app_dir.to_path_buf());
        };
        let dir = app_dir.join(relative);
        let value = relative.to_string_lossy().into_owned();
        match resolve_in_app(app_dir, relative) {
            Ok(Some(resolved)) if resolved.is_dir() => Ok(dir),
            Ok(_) => Err(NodejsBuildpackError::MissingProjectDir { value, path: dir }),
            Err(error) if matches!(error.kind, ReadErrorKind::OutsideApp) => {
                Err(NodejsBuildpackError::InvalidProjectPath {
                    value,
                    reason: "leads out of the app directory through a symbolic link",
                })
            }
            Err(error) => Err(NodejsBuildpackError::AppFile(error)),
        }
    }

    /// The file `name` of the project, relative to the app root.
    pub(crate) fn project_file(&self, name: &str) -> PathBuf {
        self.project_path
            .as_ref()
            .map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
    }
}

/// Checks `BP_NODE_PROJECT_PATH`: a relative path that does not climb out of the app. Returns
/// its plain components, or `None` for the app root (`""`, `.`, `./`).
fn parse_project_path(value: &str) -> Result<Option<PathBuf>, NodejsBuildpackError> {
    let trimmed = value.trim();
    let invalid = |reason| NodejsBuildpackError::InvalidProjectPath {
        value: value.to_string(),
        reason,
    };
    let mut path = PathBuf::new();
    for component in Path::new(trimmed).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(invalid("leaves the app directory (`..`)")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid("is absolute: it must be relative to the app root"));
            }
        }
    }
    Ok((!path.as_os_str().is_empty()).then_some(path))
}

/// `true`/`1` or `false`/`0` (any case, surrounding whitespace ignored); blank is `false`.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, NodejsBuildpackError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults() {
        assert_eq!(settings(&[]).unwrap(), Settings::default());
    }

    #[test]
    fn node_version_is_trimmed_and_blank_is_unset() {
        let read = |value| settings(&[(BP_NODE_VERSION, value)]).unwrap().node_version;
        assert_eq!(read(" ~20 \n").as_deref(), Some("~20"));
        assert_eq!(read("  "), None);
    }

    #[test]
    fn project_paths() {
        let read = |value| settings(&[(BP_NODE_PROJECT_PATH, value)]).map(|c| c.project_path);
        assert_eq!(read("frontend").unwrap(), Some(PathBuf::from("frontend")));
        assert_eq!(read("./a/./b/").unwrap(), Some(PathBuf::from("a/b")));
        assert_eq!(read(" a \n").unwrap(), Some(PathBuf::from("a")));
        for root in ["", ".", "./"] {
            assert_eq!(read(root).unwrap(), None, "{root:?}");
        }
        for (value, reason) in [
            ("../x", "leaves the app directory (`..`)"),
            ("a/../../x", "leaves the app directory (`..`)"),
            (
                "/workspace/a",
                "is absolute: it must be relative to the app root",
            ),
        ] {
            match read(value) {
                Err(NodejsBuildpackError::InvalidProjectPath {
                    value: quoted,
                    reason: got,
                }) => {
                    assert_eq!(quoted, value);
                    assert_eq!(got, reason);
                }
                other => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn optimize_memory() {
        let read = |value| settings(&[(BP_NODE_OPTIMIZE_MEMORY, value)]).map(|c| c.optimize_memory);
        for value in ["true", "TRUE", " True\n", "1"] {
            assert!(read(value).unwrap(), "{value:?}");
        }
        for value in ["false", "0", ""] {
            assert!(!read(value).unwrap(), "{value:?}");
        }
        assert!(matches!(
            read("yes"),
            Err(NodejsBuildpackError::InvalidOptimizeMemory { value }) if value == "yes"
        ));
    }

    #[test]
    fn project_dir_must_exist_and_stay_inside_the_app() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("app");
        std::fs::create_dir_all(app.join("web")).unwrap();
        std::fs::create_dir(root.path().join("outside")).unwrap();
        std::os::unix::fs::symlink("../outside", app.join("escape")).unwrap();

        let with = |value: &str| settings(&[(BP_NODE_PROJECT_PATH, value)]).unwrap();
        assert_eq!(Settings::default().project_dir(&app).unwrap(), app);
        assert_eq!(with("web").project_dir(&app).unwrap(), app.join("web"));
        assert!(matches!(
            with("missing").project_dir(&app),
            Err(NodejsBuildpackError::MissingProjectDir { value, .. }) if value == "missing"
        ));
        assert!(matches!(
            with("escape").project_dir(&app),
            Err(NodejsBuildpackError::InvalidProjectPath { value, .. }) if value == "escape"
        ));
        // A directory reached through a link inside the app is fine.
        std::os::unix::fs::symlink("web", app.join("site")).unwrap();
        assert_eq!(with("site").project_dir(&app).unwrap(), app.join("site"));
        // A file is no project directory; a dangling link is an error naming it.
        std::fs::write(app.join("file"), "").unwrap();
        assert!(matches!(
            with("file").project_dir(&app),
            Err(NodejsBuildpackError::MissingProjectDir { .. })
        ));
        std::os::unix::fs::symlink("nowhere", app.join("dangling")).unwrap();
        assert!(matches!(
            with("dangling").project_dir(&app),
            Err(NodejsBuildpackError::AppFile(error))
                if matches!(error.kind, ReadErrorKind::DanglingLink)
        ));
    }

    #[test]
    fn project_files_are_relative_to_the_app() {
        assert_eq!(
            Settings::default().project_file("package.json"),
            Path::new("package.json")
        );
        let settings = settings(&[(BP_NODE_PROJECT_PATH, "./api/")]).unwrap();
        assert_eq!(settings.project_file(".nvmrc"), Path::new("api/.nvmrc"));
    }
}
