//! Packaged module directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub use cnb_package::descriptor::ModuleKind;

/// A module directory laid out as the lifecycle expects it: the descriptor and `bin/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The module directory.
    pub dir: PathBuf,
    /// Extension or buildpack.
    pub kind: ModuleKind,
    /// The id from the descriptor.
    pub id: String,
    /// The version from the descriptor.
    pub version: String,
    /// `clear-env` from the descriptor: the platform's env files are then not in the process env.
    pub clear_env: bool,
}

/// The workspace root (this crate is `<root>/tests/harness`).
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/harness sits two levels below the workspace root")
        .to_path_buf()
}

/// A fixture of the workspace: `tests/fixtures/<path>`.
#[must_use]
pub fn fixture(path: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(path)
}

/// A fixture app of the workspace (`tests/fixtures/apps/<name>`).
#[must_use]
pub fn fixture_app(name: &str) -> PathBuf {
    fixture("apps").join(name)
}

/// The files of `tests/fixtures/<dir>` whose name ends in `.<extension>`, sorted by path.
#[must_use]
pub fn fixture_files(dir: &str, extension: &str) -> Vec<PathBuf> {
    let dir = workspace_root().join("tests/fixtures").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    files.sort();
    files
}

/// The version a module descriptor (`buildpack.toml` or `extension.toml`, as text, e.g.
/// `include_str!("../buildpack.toml")`) declares: what tests compare log headers and SBOM tool
/// versions with, so that a version bump breaks no test.
#[must_use]
pub fn descriptor_version(descriptor: &str) -> String {
    let table: toml::Table = toml::from_str(descriptor).expect("the descriptor is TOML");
    ["buildpack", "extension"]
        .iter()
        .find_map(|kind| table.get(*kind)?.get("version")?.as_str())
        .expect("the descriptor has [buildpack] or [extension] with a version")
        .to_string()
}

impl Module {
    /// Reads a module directory (a hand-written fixture, or a packaged module).
    #[must_use]
    pub fn from_dir(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        let descriptor = cnb_package::descriptor::find_descriptor(dir)
            .unwrap_or_else(|error| panic!("{} is not a module: {error}", dir.display()));
        let table: toml::Table = toml::from_str(
            &std::fs::read_to_string(&descriptor.path).expect("the descriptor was just read"),
        )
        .expect("the descriptor was just parsed");
        let clear_env = table
            .get(match descriptor.kind {
                ModuleKind::Extension => "extension",
                ModuleKind::Buildpack => "buildpack",
            })
            .and_then(|info| info.get("clear-env"))
            .and_then(toml::Value::as_bool)
            .unwrap_or(false);
        Self {
            dir: dir.to_path_buf(),
            kind: descriptor.kind,
            id: descriptor.id,
            version: descriptor.version,
            clear_env,
        }
    }

    /// Packages the workspace crate at `crate_dir` (relative to the workspace root) with the
    /// packager, exactly as the README's main command does, into
    /// `target/cnb/test-modules/`. Each crate is packaged once per test process.
    #[must_use]
    pub fn package(crate_dir: &str) -> Self {
        static PACKAGED: OnceLock<Mutex<HashMap<String, Module>>> = OnceLock::new();
        let cache = PACKAGED.get_or_init(Mutex::default);
        // Held while packaging: concurrent cargo builds would only queue on cargo's lock anyway.
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(module) = cache.get(crate_dir) {
            return module.clone();
        }
        let root = workspace_root();
        let out = root.join("target/cnb/test-modules");
        let packaged = cnb_package::package_module(&root, Path::new(crate_dir), &out)
            .unwrap_or_else(|error| panic!("cannot package {crate_dir}: {error:#}"));
        let module = Self::from_dir(&packaged.dir);
        cache.insert(crate_dir.to_string(), module.clone());
        module
    }

    /// A copy of this module in `dir` (symlinks and modes kept), e.g. to edit its descriptor for
    /// a test.
    #[must_use]
    pub fn copy_to(&self, dir: impl AsRef<Path>) -> Self {
        crate::lifecycle::copy_tree(&self.dir, dir.as_ref());
        Self::from_dir(dir)
    }

    /// A copy of this module in `dir` whose descriptor `edit` has changed, e.g. to point an
    /// extension's `[metadata]` at a fixture file instead of a path of the build image.
    #[must_use]
    pub fn copy_with_descriptor(
        &self,
        dir: impl AsRef<Path>,
        edit: impl FnOnce(&mut toml::Table),
    ) -> Self {
        let copy = self.copy_to(dir);
        let descriptor = cnb_package::descriptor::find_descriptor(&copy.dir)
            .expect("the copy has the descriptor of the original");
        let mut table: toml::Table = toml::from_str(
            &std::fs::read_to_string(&descriptor.path).expect("read the copied descriptor"),
        )
        .expect("the copied descriptor is TOML");
        edit(&mut table);
        std::fs::write(
            &descriptor.path,
            toml::to_string(&table).expect("serialize the edited descriptor"),
        )
        .expect("write the edited descriptor");
        Self::from_dir(&copy.dir)
    }

    /// A copy of this module in `dir` whose descriptor's `[metadata]` sets `key` to `value`,
    /// e.g. to point an extension at a fixture file instead of a path of the build image.
    #[must_use]
    pub fn copy_with_metadata(&self, dir: impl AsRef<Path>, key: &str, value: &str) -> Self {
        self.copy_with_descriptor(dir, |descriptor| {
            descriptor
                .entry("metadata")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("[metadata] is a table")
                .insert(key.to_string(), toml::Value::String(value.to_string()));
        })
    }

    /// A copy of this module in a new temporary directory whose `[metadata]` sets `key` to
    /// `path` (e.g. an extension's catalogue pointed at a fixture); the copy lives as long as
    /// the returned directory. Panics unless the module's `[metadata]` has `key`: the path
    /// replaced is one the module reads.
    #[must_use]
    pub fn copy_with_metadata_path(&self, key: &str, path: &Path) -> (Self, tempfile::TempDir) {
        assert!(
            self.metadata_string(key).is_some(),
            "{} has no [metadata] {key} to point at {}",
            self.id,
            path.display()
        );
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let path = path.to_str().expect("the path is UTF-8");
        let copy = self.copy_with_metadata(dir.path().join("module"), key, path);
        (copy, dir)
    }

    /// The value of `key` in the descriptor's `[metadata]`, when it is a string.
    #[must_use]
    pub fn metadata_string(&self, key: &str) -> Option<String> {
        let descriptor = cnb_package::descriptor::find_descriptor(&self.dir)
            .expect("a module has its descriptor");
        let table: toml::Table = toml::from_str(
            &std::fs::read_to_string(&descriptor.path).expect("read the descriptor"),
        )
        .expect("the descriptor is TOML");
        table
            .get("metadata")?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    /// The id with `/` replaced by `_`, as directories are named after it.
    #[must_use]
    pub fn escaped_id(&self) -> String {
        self.id.replace('/', "_")
    }

    /// A `group.toml` holding this module alone, at Buildpack API 0.10 (the lifecycle's
    /// `builder` input after detection passed it).
    #[must_use]
    pub fn group_toml(&self) -> String {
        format!(
            "[[group]]\nid = \"{}\"\nversion = \"{}\"\napi = \"0.10\"\n",
            self.id, self.version
        )
    }

    /// Panics unless the module is one executable, `bin/generate`, of at most `most_bytes`
    /// bytes, with `bin/detect` a link to it: how extensions built on `cnb-extension` are
    /// packaged (the packager has checked that it is statically linked).
    pub fn assert_one_executable_of_at_most(&self, most_bytes: u64) {
        let generate = self.executable("generate");
        let size = std::fs::metadata(&generate)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", generate.display()))
            .len();
        assert!(
            size <= most_bytes,
            "{} is {size} bytes, more than {most_bytes}",
            generate.display()
        );
        let detect = self.executable("detect");
        assert_eq!(
            std::fs::read_link(&detect).ok(),
            Some(PathBuf::from("generate")),
            "{} is a link to generate",
            detect.display()
        );
    }

    /// The executable of a phase: `<dir>/bin/<phase>`.
    #[must_use]
    pub fn executable(&self, phase: &str) -> PathBuf {
        self.dir.join("bin").join(phase)
    }
}

#[cfg(test)]
mod tests {
    use super::descriptor_version;

    #[test]
    fn reads_the_version_of_either_kind_of_module() {
        assert_eq!(
            descriptor_version("[buildpack]\nid = \"a/b\"\nversion = \"1.2.3\"\n"),
            "1.2.3"
        );
        assert_eq!(
            descriptor_version("[extension]\nid = \"a/c\"\nversion = \"0.4.0\"\n"),
            "0.4.0"
        );
    }
}
