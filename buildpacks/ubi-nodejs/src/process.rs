//! The default `web` process: `npm start`, `node <main>`, or `node <a conventional file>`.

use crate::package_json::PackageJson;
use libcnb::data::launch::{Process, ProcessBuilder, WorkingDirectory};
use libcnb::data::process_type;
use std::path::{Path, PathBuf};

/// Files tried, in order, when package.json has neither `scripts.start` nor `main`.
pub(crate) const CONVENTIONAL_ENTRY_POINTS: [&str; 3] = ["server.js", "app.js", "index.js"];

/// How the app is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WebProcess {
    /// `npm start`: package.json has `scripts.start`.
    NpmStart,
    /// `node <main>`: package.json's `main`.
    NodeMain(String),
    /// `node <file>`: the first of [`CONVENTIONAL_ENTRY_POINTS`] that exists.
    NodeFile(&'static str),
}

impl WebProcess {
    /// The command and its arguments.
    pub(crate) fn command_line(&self) -> Vec<String> {
        match self {
            Self::NpmStart => vec!["npm".into(), "start".into()],
            Self::NodeMain(main) => vec!["node".into(), main.clone()],
            Self::NodeFile(file) => vec!["node".into(), (*file).to_string()],
        }
    }

    /// Where the choice comes from, for the log.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::NpmStart => "package.json has scripts.start",
            Self::NodeMain(_) => "package.json main",
            Self::NodeFile(_) => "no start script or main in package.json",
        }
    }

    /// The `web` launch process, the default one. `working_dir`: the project directory when it
    /// is not the app root (`BP_NODE_PROJECT_PATH`).
    pub(crate) fn to_process(&self, working_dir: Option<PathBuf>) -> Process {
        let mut command_line = self.command_line().into_iter();
        let command = command_line.next().unwrap_or_default();
        let mut builder = ProcessBuilder::new(process_type!("web"), [command]);
        builder.args(command_line).default(true);
        if let Some(dir) = working_dir {
            builder.working_directory(WorkingDirectory::Directory(dir));
        }
        builder.build()
    }
}

/// The chosen process (if any) and warnings to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessSelection {
    pub(crate) process: Option<WebProcess>,
    pub(crate) warnings: Vec<String>,
}

/// Chooses the `web` process for the project in `project_dir`: `npm start` when package.json
/// has `scripts.start`, else `node <main>` when `main` resolves to a file (as node resolves it:
/// the path, `<path>.js`, or `<path>/index.js`), else `node` with the first of `server.js`,
/// `app.js`, `index.js` that exists, else none.
pub(crate) fn select_web_process(
    package_json: &PackageJson,
    project_dir: &Path,
) -> ProcessSelection {
    let mut warnings = Vec::new();
    if package_json.start_script.is_some() {
        return ProcessSelection {
            process: Some(WebProcess::NpmStart),
            warnings,
        };
    }
    if let Some(main) = &package_json.main {
        if main_resolves(project_dir, main) {
            return ProcessSelection {
                process: Some(WebProcess::NodeMain(main.clone())),
                warnings,
            };
        }
        warnings.push(format!(
            "package.json main {} is not a file of the app (tried it, with .js and as a \
             directory with index.js); ignoring it",
            untrusted_input::quoted(main)
        ));
    }
    let process = CONVENTIONAL_ENTRY_POINTS
        .into_iter()
        .find(|file| project_dir.join(file).is_file())
        .map(WebProcess::NodeFile);
    ProcessSelection { process, warnings }
}

fn main_resolves(project_dir: &Path, main: &str) -> bool {
    let path = project_dir.join(main);
    path.is_file()
        || project_dir.join(format!("{main}.js")).is_file()
        || path.join("index.js").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(start: Option<&str>, main: Option<&str>) -> PackageJson {
        PackageJson {
            path: PathBuf::from("package.json"),
            engines_node: None,
            start_script: start.map(String::from),
            main: main.map(String::from),
        }
    }

    fn touch(dir: &Path, file: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn npm_start_wins() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "server.js");
        let selection =
            select_web_process(&package(Some("node x.js"), Some("server.js")), dir.path());
        assert_eq!(selection.process, Some(WebProcess::NpmStart));
        assert!(selection.warnings.is_empty());
    }

    #[test]
    fn main_as_node_resolves_it() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "src/server.js");
        touch(dir.path(), "lib/index.js");
        touch(dir.path(), "index.js");
        for main in ["src/server.js", "src/server", "lib", "./lib"] {
            let selection = select_web_process(&package(None, Some(main)), dir.path());
            assert_eq!(
                selection.process,
                Some(WebProcess::NodeMain(main.to_string())),
                "{main}"
            );
        }
    }

    #[test]
    fn a_missing_main_falls_back_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "app.js");
        touch(dir.path(), "index.js");
        let selection = select_web_process(&package(None, Some("dist/main.js")), dir.path());
        assert_eq!(selection.process, Some(WebProcess::NodeFile("app.js")));
        assert_eq!(selection.warnings.len(), 1);
        assert!(
            selection.warnings[0].starts_with("package.json main \"dist/main.js\" is not a file"),
            "{:?}",
            selection.warnings
        );
    }

    #[test]
    fn conventional_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let select = || select_web_process(&package(None, None), dir.path()).process;
        assert_eq!(select(), None);
        touch(dir.path(), "index.js");
        assert_eq!(select(), Some(WebProcess::NodeFile("index.js")));
        touch(dir.path(), "app.js");
        assert_eq!(select(), Some(WebProcess::NodeFile("app.js")));
        touch(dir.path(), "server.js");
        assert_eq!(select(), Some(WebProcess::NodeFile("server.js")));
        // A directory is not an entry point.
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir(other.path().join("server.js")).unwrap();
        assert_eq!(
            select_web_process(&package(None, None), other.path()).process,
            None
        );
    }

    #[test]
    fn launch_processes() {
        let process = |web: WebProcess, dir: Option<PathBuf>| {
            toml::Table::try_from(web.to_process(dir)).unwrap()
        };
        let expected: toml::Table = toml::from_str(
            "type = \"web\"\ncommand = [\"npm\"]\nargs = [\"start\"]\ndefault = true\n",
        )
        .unwrap();
        assert_eq!(process(WebProcess::NpmStart, None), expected);

        let expected: toml::Table = toml::from_str(
            "type = \"web\"\ncommand = [\"node\"]\nargs = [\"server.js\"]\ndefault = true\n\
             working-dir = \"/workspace/api\"\n",
        )
        .unwrap();
        assert_eq!(
            process(
                WebProcess::NodeFile("server.js"),
                Some(PathBuf::from("/workspace/api"))
            ),
            expected
        );
        assert_eq!(
            WebProcess::NodeMain("src/a.js".into()).command_line(),
            ["node", "src/a.js"]
        );
    }
}
