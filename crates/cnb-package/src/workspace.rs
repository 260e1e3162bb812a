//! Finding the Cargo workspace and the module crates in it.

use crate::descriptor::ModuleKind;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// Finds the workspace root: the nearest directory at or above `start` whose `Cargo.toml` has a
/// `[workspace]` table, the same rule Cargo uses.
///
/// The packager calls this with the current directory, so `cargo run -p packager -- …` works from
/// anywhere inside the workspace and always packages the checkout it is run in (a path baked in
/// at compile time would point at the checkout the packager was built from).
///
/// # Errors
/// If no such `Cargo.toml` exists, or one on the way cannot be read or parsed.
pub fn find_workspace_root(start: &Path) -> anyhow::Result<PathBuf> {
    let start = std::path::absolute(start)
        .with_context(|| format!("cannot resolve {}", start.display()))?;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let table: toml::Table = crate::parse_toml_file(&manifest, &text)?;
        if table.contains_key("workspace") {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "no Cargo workspace at or above {}: run the packager inside the workspace (a Cargo.toml with [workspace])",
        start.display()
    )
}

/// Lists the directories of the workspace's module crates, sorted: every `extensions/*/` or
/// `buildpacks/*/` directory holding a `Cargo.toml` and an `extension.toml` or `buildpack.toml`.
///
/// Directories without a descriptor (library crates such as `crates/cnb-extension`) are not
/// modules and are skipped; missing `extensions/` or `buildpacks/` directories are fine. The
/// descriptor is only looked for here: [`crate::package_module`] reads and validates it (and
/// rejects a directory holding both), so a module's kind comes from its descriptor, not from
/// the directory it sits in.
///
/// # Errors
/// If an existing `extensions/` or `buildpacks/` directory cannot be listed.
pub fn discover_modules(workspace_root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut modules = Vec::new();
    for parent_name in ["extensions", "buildpacks"] {
        let parent = workspace_root.join(parent_name);
        let entries = match std::fs::read_dir(&parent) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => {
                return Err(error).with_context(|| format!("cannot list {}", parent.display()));
            }
        };
        for entry in entries {
            let dir = entry
                .with_context(|| format!("cannot list {}", parent.display()))?
                .path();
            let has_descriptor = ModuleKind::ALL
                .iter()
                .any(|kind| dir.join(kind.descriptor_file_name()).is_file());
            if dir.join("Cargo.toml").is_file() && has_descriptor {
                modules.push(dir);
            }
        }
    }
    modules.sort();
    Ok(modules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn finds_the_nearest_workspace_above() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"a\"]\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("a/src")).unwrap();
        std::fs::write(dir.path().join("a/Cargo.toml"), "[package]\nname = \"a\"\n").unwrap();
        assert_eq!(
            find_workspace_root(&dir.path().join("a/src")).unwrap(),
            dir.path()
        );
    }

    #[test]
    fn finds_this_workspace() {
        let this_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = find_workspace_root(this_crate).unwrap();
        assert_eq!(root, this_crate.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn discovers_only_crates_with_a_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("extensions/lib-only/Cargo.toml"));
        touch(&root.join("extensions/ext/Cargo.toml"));
        touch(&root.join("extensions/ext/extension.toml"));
        touch(&root.join("extensions/descriptor-only/extension.toml"));
        touch(&root.join("buildpacks/bp/Cargo.toml"));
        touch(&root.join("buildpacks/bp/buildpack.toml"));
        touch(&root.join("buildpacks/README.md"));
        assert_eq!(
            discover_modules(root).unwrap(),
            [root.join("buildpacks/bp"), root.join("extensions/ext")]
        );
    }

    #[test]
    fn no_module_directories_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(discover_modules(dir.path()).unwrap().is_empty());
    }
}
