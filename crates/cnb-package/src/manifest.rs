//! Reading a module crate's `Cargo.toml`: its package name and the binary to package.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The parts of a module crate's `Cargo.toml` that packaging needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateManifest {
    /// The `Cargo.toml` that was read.
    pub path: PathBuf,
    /// `[package] name`.
    pub package_name: String,
    /// The crate's binary targets: explicit `[[bin]]` entries plus the ones Cargo discovers
    /// (`src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`) unless `autobins = false`.
    pub binaries: Vec<String>,
}

impl CrateManifest {
    /// Reads `<crate_dir>/Cargo.toml` and lists the crate's binaries.
    ///
    /// # Errors
    /// If the file cannot be read or parsed, or has no `[package] name`.
    pub fn read(crate_dir: &Path) -> anyhow::Result<Self> {
        let path = crate_dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let manifest: RawManifest = crate::parse_toml_file(&path, &text)?;
        let Some(package) = manifest.package else {
            bail!(
                "{} has no [package] table: a module must be a package, not a virtual manifest",
                path.display()
            );
        };

        let mut binaries: Vec<String> = Vec::new();
        let explicit_paths: Vec<PathBuf> = manifest
            .bin
            .iter()
            .filter_map(|bin| bin.path.as_ref().map(|path| crate_dir.join(path)))
            .collect();
        for bin in &manifest.bin {
            match &bin.name {
                Some(name) => binaries.push(name.clone()),
                None => bail!("{}: a [[bin]] entry has no name", path.display()),
            }
        }
        if package.autobins != Some(false) {
            for (name, source) in discovered_binaries(crate_dir, &package.name) {
                if !explicit_paths.contains(&source) && !binaries.contains(&name) {
                    binaries.push(name);
                }
            }
        }

        Ok(Self {
            path,
            package_name: package.name,
            binaries,
        })
    }

    /// The binary to package: the one named like the package, else the crate's only binary.
    ///
    /// # Errors
    /// If the crate has no binary, or several binaries none of which is named like the package.
    pub fn module_binary(&self) -> anyhow::Result<&str> {
        if let Some(name) = self
            .binaries
            .iter()
            .find(|name| **name == self.package_name)
        {
            return Ok(name);
        }
        match self.binaries.as_slice() {
            [only] => Ok(only),
            [] => bail!(
                "{} defines no binary target: a module crate needs src/main.rs or one [[bin]]",
                self.path.display()
            ),
            several => bail!(
                "{} defines several binaries ({}) and none is named {:?}: name the module's binary like its package",
                self.path.display(),
                several.join(", "),
                self.package_name
            ),
        }
    }

    /// The crate's other binaries (every binary but [`Self::module_binary`]), in the order of
    /// [`Self::binaries`]. The packager builds them like the module binary and places them at
    /// `bin/<name>` in the module directory (e.g. an exec.d program a buildpack copies into a
    /// layer).
    ///
    /// # Errors
    /// The errors of [`Self::module_binary`].
    pub fn extra_binaries(&self) -> anyhow::Result<Vec<&str>> {
        let main = self.module_binary()?;
        Ok(self
            .binaries
            .iter()
            .map(String::as_str)
            .filter(|name| *name != main)
            .collect())
    }
}

#[derive(Deserialize)]
struct RawManifest {
    package: Option<RawPackage>,
    #[serde(default)]
    bin: Vec<RawBin>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    autobins: Option<bool>,
}

#[derive(Deserialize)]
struct RawBin {
    name: Option<String>,
    path: Option<String>,
}

/// Binaries Cargo discovers by convention, with their source file.
fn discovered_binaries(crate_dir: &Path, package_name: &str) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let main = crate_dir.join("src").join("main.rs");
    if main.is_file() {
        found.push((package_name.to_string(), main));
    }
    let mut others = Vec::new();
    if let Ok(entries) = std::fs::read_dir(crate_dir.join("src").join("bin")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|extension| extension == "rs") {
                if let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) {
                    others.push((stem.to_string(), path.clone()));
                }
            } else if path.join("main.rs").is_file()
                && let Some(name) = path.file_name().and_then(|name| name.to_str())
            {
                others.push((name.to_string(), path.join("main.rs")));
            }
        }
    }
    others.sort();
    found.extend(others);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, relative: &str, content: &str) {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// The module binary and the others: `src/main.rs` is the package's binary (named after
    /// it), beside `src/bin/`'s; a single `[[bin]]` of another name is the module binary.
    #[test]
    fn the_module_binary_and_the_extra_ones() {
        for (case, cargo_toml, sources, binaries, extra) in [
            (
                "main.rs and a src/bin helper",
                "[package]\nname = \"my-module\"\n",
                &["src/main.rs", "src/bin/helper.rs"][..],
                &["my-module", "helper"][..],
                &["helper"][..],
            ),
            (
                "a single differently named binary",
                "[package]\nname = \"my-module\"\n[[bin]]\nname = \"tool\"\npath = \"src/main.rs\"\n",
                &["src/main.rs"][..],
                &["tool"][..],
                &[][..],
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), "Cargo.toml", cargo_toml);
            for source in sources {
                write(dir.path(), source, "fn main() {}");
            }
            let manifest = CrateManifest::read(dir.path()).unwrap();
            assert_eq!(manifest.package_name, "my-module", "{case}");
            assert_eq!(manifest.binaries, binaries, "{case}");
            assert_eq!(manifest.module_binary().unwrap(), binaries[0], "{case}");
            assert_eq!(manifest.extra_binaries().unwrap(), extra, "{case}");
        }
    }

    #[test]
    fn no_or_ambiguous_binaries_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Cargo.toml", "[package]\nname = \"pkg\"\n");
        write(dir.path(), "src/lib.rs", "");
        // Each case adds its sources to the crate of the case before.
        for (added_sources, expected) in [
            (&[][..], "defines no binary target"),
            (
                &["src/bin/a.rs", "src/bin/b/main.rs"][..],
                "several binaries (a, b)",
            ),
        ] {
            for source in added_sources {
                write(dir.path(), source, "fn main() {}");
            }
            let message = CrateManifest::read(dir.path())
                .unwrap()
                .module_binary()
                .unwrap_err()
                .to_string();
            assert!(message.contains(expected), "{added_sources:?}: {message}");
        }
    }

    #[test]
    fn virtual_manifest_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Cargo.toml", "[workspace]\n");
        let message = CrateManifest::read(dir.path()).unwrap_err().to_string();
        assert!(message.contains("has no [package] table"), "{message}");
    }
}
