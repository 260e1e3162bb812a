//! `[[buildpacks]]` and `[[extensions]]` entries resolved: a local `.cnb` or module directory, a
//! module of this workspace (an entry with only an `id`), or an external image accepted with the
//! `id` and `version` it declares.

use super::config::ModuleConfig;
use super::images::check_image_reference;
use super::problem::{KeyPath, Problems};
use cnb_package::buildpackage::{ModuleDetails, read_buildpackage};
use cnb_package::descriptor::ModuleKind;
use cnb_package::workspace::{discover_modules, find_workspace_root};
use std::path::{Path, PathBuf};
use untrusted_input::quoted;

/// Where a `[[buildpacks]]` / `[[extensions]]` entry's module comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// A module crate of this workspace (an entry with only an `id`: a template).
    Workspace(PathBuf),
    /// A local buildpackage.
    Cnb(PathBuf),
    /// A local module directory.
    Dir(PathBuf),
    /// An image or URL pack would fetch; the packager cannot.
    External(String),
}

/// A resolved `[[buildpacks]]` / `[[extensions]]` entry.
#[derive(Debug, Clone)]
pub struct ResolvedModule {
    /// `buildpacks[2]`, `extensions[0]`.
    pub key: KeyPath,
    pub source: ModuleSource,
    pub kind: ModuleKind,
    pub id: String,
    pub version: String,
    /// The descriptor's details; `None` for external modules.
    pub details: Option<ModuleDetails>,
}

/// The module crates of the workspace holding a directory, read on first use.
#[derive(Clone)]
pub(super) struct WorkspaceModules {
    start: PathBuf,
    modules: Option<Result<Vec<(PathBuf, ModuleDetails)>, String>>,
}

impl WorkspaceModules {
    pub(super) fn new(start: &Path) -> Self {
        Self {
            start: start.to_path_buf(),
            modules: None,
        }
    }

    pub(super) fn find(&mut self, id: &str) -> Result<Option<(PathBuf, ModuleDetails)>, String> {
        let start = self.start.clone();
        let modules = self.modules.get_or_insert_with(|| {
            let root = find_workspace_root(&start)
                .or_else(|_| find_workspace_root(Path::new(".")))
                .map_err(|error| format!("{error:#}"))?;
            let dirs = discover_modules(&root).map_err(|error| format!("{error:#}"))?;
            dirs.into_iter()
                .map(|dir| {
                    ModuleDetails::read(&dir)
                        .map(|details| (dir, details))
                        .map_err(|error| format!("{error:#}"))
                })
                .collect()
        });
        match modules {
            Ok(modules) => Ok(modules
                .iter()
                .find(|(_, details)| details.info.id == id)
                .cloned()),
            Err(error) => Err(error.clone()),
        }
    }
}

pub(super) fn resolve_module(
    problems: &mut Problems<'_>,
    entry: &ModuleConfig,
    kind: ModuleKind,
    key: KeyPath,
    base_dir: &Path,
    workspace: &mut WorkspaceModules,
) -> Option<ResolvedModule> {
    let (source, details) = module_source(problems, entry, kind, &key, base_dir, workspace)?;
    let Some(details) = details else {
        return external_module(problems, entry, kind, key, source);
    };
    let (id, version) = (&details.info.id, &details.info.version);
    if details.kind != kind {
        let (wrong, right) = if details.kind == ModuleKind::Extension {
            ("an extension", "[[extensions]]")
        } else {
            ("a buildpack", "[[buildpacks]]")
        };
        let at = if entry.uri.is_some() { "uri" } else { "id" };
        problems.add(
            key.key(at),
            format!(
                "{} is {wrong}: list it under {right}",
                quoted(&format!("{id}@{version}"))
            ),
        );
        return None;
    }
    if let Some(declared) = entry.id.as_ref().filter(|declared| *declared != id) {
        problems.add(
            key.key("id"),
            format!(
                "{} does not match the module's id {}",
                quoted(declared),
                quoted(id)
            ),
        );
    }
    if let Some(declared) = entry
        .version
        .as_ref()
        .filter(|declared| *declared != version)
    {
        problems.add(
            key.key("version"),
            format!(
                "{} does not match the version of {}, {}",
                quoted(declared),
                quoted(id),
                quoted(version)
            ),
        );
    }
    Some(ResolvedModule {
        key,
        source,
        kind,
        id: id.clone(),
        version: version.clone(),
        details: Some(details),
    })
}

/// Where an entry's module comes from, and its details when it is local.
fn module_source(
    problems: &mut Problems<'_>,
    entry: &ModuleConfig,
    kind: ModuleKind,
    key: &KeyPath,
    base_dir: &Path,
    workspace: &mut WorkspaceModules,
) -> Option<(ModuleSource, Option<ModuleDetails>)> {
    match (&entry.uri, &entry.image) {
        (Some(_), Some(_)) => {
            problems.add(key.key("image"), "set either uri or image, not both");
            None
        }
        (None, Some(image)) => {
            check_image_reference(problems, &key.key("image"), image);
            Some((ModuleSource::External(image.clone()), None))
        }
        (Some(uri), None) => {
            let found = classify_uri(uri, base_dir).and_then(|classified| match classified {
                UriKind::External(reference) => Ok((ModuleSource::External(reference), None)),
                UriKind::Local(local) => read_local_module(&local, uri),
            });
            if let Some(image) = uri.strip_prefix("docker://") {
                check_image_reference(problems, &key.key("uri"), image);
            }
            found
                .map_err(|message| problems.add(key.key("uri"), message))
                .ok()
        }
        (None, None) => {
            let Some(id) = &entry.id else {
                let table = if kind == ModuleKind::Buildpack {
                    "[[buildpacks]]"
                } else {
                    "[[extensions]]"
                };
                problems.add(
                        key.clone(),
                        format!("a {table} entry needs a uri, an image, or the id of a module of this workspace"),
                    );
                return None;
            };
            let message = match workspace.find(id) {
                Ok(Some((dir, details))) => {
                    return Some((ModuleSource::Workspace(dir), Some(details)));
                }
                Ok(None) => format!(
                    "no module of this workspace has the id {}, and the entry has no uri or image",
                    quoted(id)
                ),
                Err(error) => format!(
                    "{} has no uri or image, and the workspace modules cannot be read: {error}",
                    quoted(id)
                ),
            };
            problems.add(key.key("id"), message);
            None
        }
    }
}

/// An external module: accepted with the id and version it declares.
fn external_module(
    problems: &mut Problems<'_>,
    entry: &ModuleConfig,
    kind: ModuleKind,
    key: KeyPath,
    source: ModuleSource,
) -> Option<ResolvedModule> {
    let ModuleSource::External(reference) = &source else {
        return None;
    };
    let mut missing = false;
    for (field, value) in [("id", &entry.id), ("version", &entry.version)] {
        if value.is_none() {
            problems.add(
                    key.key(field),
                    format!(
                        "required for {}: the packager cannot fetch it to read its {field}, so declare it",
                        quoted(reference)
                    ),
                );
            missing = true;
        }
    }
    if missing {
        return None;
    }
    Some(ResolvedModule {
        key,
        source,
        kind,
        id: entry.id.clone().unwrap_or_default(),
        version: entry.version.clone().unwrap_or_default(),
        details: None,
    })
}

enum UriKind {
    External(String),
    Local(PathBuf),
}

fn classify_uri(uri: &str, base_dir: &Path) -> Result<UriKind, String> {
    if uri.is_empty() {
        return Err("an empty uri".to_string());
    }
    for scheme in ["docker://", "urn:cnb:registry:", "http://", "https://"] {
        if uri.starts_with(scheme) {
            return Ok(UriKind::External(uri.to_string()));
        }
    }
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    if path.contains("://") {
        return Err(format!("unsupported uri scheme in {}", quoted(uri)));
    }
    Ok(UriKind::Local(base_dir.join(path)))
}

fn read_local_module(
    path: &Path,
    uri: &str,
) -> Result<(ModuleSource, Option<ModuleDetails>), String> {
    let metadata =
        std::fs::metadata(path).map_err(|error| format!("cannot read {}: {error}", quoted(uri)))?;
    if metadata.is_dir() {
        let details = ModuleDetails::read(path).map_err(|error| format!("{error:#}"))?;
        return Ok((ModuleSource::Dir(path.to_path_buf()), Some(details)));
    }
    if !metadata.is_file() {
        return Err(format!(
            "{} is neither a module directory nor a regular file (a .cnb buildpackage)",
            quoted(uri)
        ));
    }
    let package = read_buildpackage(path).map_err(|error| {
        format!("{error:#} (local modules are .cnb buildpackages or module directories)")
    })?;
    Ok((ModuleSource::Cnb(path.to_path_buf()), Some(package.details)))
}
