//! `[[buildpacks]]` and `[[extensions]]` entries resolved: a local `.cnb` or module directory, a
//! module of this workspace (an entry with only an `id`), or an image: read from its labels when
//! an [`ImageResolver`] is given (`builder create`, `check --verify`), else accepted offline with
//! what it declares (its `id` and `version` may be missing: a warning names the reference).

use super::config::ModuleConfig;
use super::images::check_image_reference;
use super::problem::{KeyPath, Problems};
use cnb_package::buildpackage::{
    ModuleDetails, ModuleInfo, main_module_of_image, modules_of_image, read_buildpackage,
};
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
    /// An image (`docker://…`, `image = …`), or a URL pack would fetch and the packager cannot.
    External(String),
}

/// What an image holds, as its labels say: its main module (`io.buildpacks.buildpackage.metadata`)
/// and every module of its layers labels (for a composite, the composite and each buildpack
/// of its order), ids and versions checked.
#[derive(Debug, Clone)]
pub struct ImageContents {
    pub main: ModuleInfo,
    pub modules: Vec<ModuleDetails>,
}

impl ImageContents {
    /// The contents of a buildpackage image, from its config alone (no layer is read).
    ///
    /// # Errors
    /// If the image is not a buildpackage (a label missing or invalid), or an id or version of
    /// its labels is refused ([`cnb_package::buildpackage::modules_of_image`]).
    pub fn of(image: &oci_layout::LoadedImage) -> anyhow::Result<Self> {
        let main = main_module_of_image(image)?;
        let modules = modules_of_image(image)?
            .into_iter()
            .map(|(details, _)| details)
            .collect();
        Ok(Self { main, modules })
    }
}

/// Reads what the image a reference names holds (by pulling its manifest and config).
pub type ImageResolver<'a> = dyn FnMut(&str) -> anyhow::Result<ImageContents> + 'a;

/// A resolved `[[buildpacks]]` / `[[extensions]]` entry.
#[derive(Debug, Clone)]
pub struct ResolvedModule {
    /// `buildpacks[2]`, `extensions[0]`.
    pub key: KeyPath,
    pub source: ModuleSource,
    pub kind: ModuleKind,
    pub id: String,
    pub version: String,
    /// The descriptor's details (for an image, its main module's, from its labels); `None`
    /// for external modules not read (offline, or a URL).
    pub details: Option<ModuleDetails>,
    /// Every module an image holds (its main module among them); empty for local modules.
    pub held: Vec<ModuleDetails>,
}

impl ResolvedModule {
    /// An image or URL whose contents were not read: what it holds is unknown.
    #[must_use]
    pub fn unverified(&self) -> Option<&str> {
        match (&self.source, &self.details) {
            (ModuleSource::External(reference), None) => Some(reference),
            _ => None,
        }
    }
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
    images: Option<&mut ImageResolver<'_>>,
) -> Option<ResolvedModule> {
    let (source, details) = module_source(problems, entry, kind, &key, base_dir, workspace)?;
    let (details, held) = match (details, &source, images) {
        (Some(details), _, _) => (details, Vec::new()),
        (None, ModuleSource::External(reference), Some(images))
            if is_image_reference(reference) =>
        {
            match read_image(problems, entry, &key, reference, images) {
                Ok(read) => read,
                Err(true) => {
                    // Unread: the order entries it may hold are not reported missing too.
                    return Some(ResolvedModule {
                        key,
                        kind,
                        id: entry.id.clone().unwrap_or_default(),
                        version: entry.version.clone().unwrap_or_default(),
                        source,
                        details: None,
                        held: Vec::new(),
                    });
                }
                Err(false) => return None,
            }
        }
        (None, _, _) => return external_module(problems, entry, kind, key, source),
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
    if let ModuleSource::External(reference) = &source {
        // pack's `validateModule`, with its words.
        for (field, declared, actual) in
            [("id", &entry.id, id), ("version", &entry.version, version)]
        {
            if let Some(declared) = declared.as_ref().filter(|declared| *declared != actual) {
                problems.add(
                    key.key(field),
                    format!(
                        "{} from URI {} has {} {} which does not match {} {} from builder config",
                        details.kind,
                        quoted(reference),
                        if field == "id" { "ID" } else { "version" },
                        quoted(actual),
                        if field == "id" { "ID" } else { "version" },
                        quoted(declared)
                    ),
                );
            }
        }
    } else if let Some(declared) = entry.id.as_ref().filter(|declared| *declared != id) {
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
        .filter(|declared| *declared != version && !matches!(source, ModuleSource::External(_)))
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
        held,
    })
}

/// An image's main module and every module it holds, read through `images`; a problem of the
/// entry when it cannot be read (`Err(true)`: unread) or its labels disagree (`Err(false)`).
fn read_image(
    problems: &mut Problems<'_>,
    entry: &ModuleConfig,
    key: &KeyPath,
    reference: &str,
    images: &mut ImageResolver<'_>,
) -> Result<(ModuleDetails, Vec<ModuleDetails>), bool> {
    let at = if entry.uri.is_some() { "uri" } else { "image" };
    let contents = images(reference).map_err(|error| {
        problems.add(key.key(at), format!("{error:#}"));
        true
    })?;
    let Some(main) = contents.modules.iter().find(|details| {
        details.info.id == contents.main.id && details.info.version == contents.main.version
    }) else {
        problems.add(
            key.key(at),
            format!(
                "{}: the label {} names {}, which the image's layers labels do not list",
                quoted(reference),
                cnb_package::buildpackage::METADATA_LABEL,
                quoted(&format!("{}@{}", contents.main.id, contents.main.version))
            ),
        );
        return Err(false);
    };
    Ok((main.clone(), contents.modules.clone()))
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

/// An external module not read: accepted with the `id` and `version` it declares, either of
/// which may be missing (pack reads them from the image); a warning names the reference.
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
    let at = if entry.uri.is_some() { "uri" } else { "image" };
    let message = if is_image_reference(reference) {
        let read = match (&entry.id, &entry.version) {
            (Some(_), Some(_)) => "its id and version are taken as declared".to_string(),
            (None, None) => "its id and version are read from the image".to_string(),
            (None, Some(_)) => "its id is read from the image".to_string(),
            (Some(_), None) => "its version is read from the image".to_string(),
        };
        format!(
            "{} is not pulled by an offline check: {read}, and the order is checked against it by `builder create` (or `check --verify`)",
            quoted(reference)
        )
    } else {
        format!(
            "{} is not fetched: the packager reads modules from images and local files only, and takes its id and version as declared",
            quoted(reference)
        )
    };
    problems.warn(key.key(at), message);
    Some(ResolvedModule {
        key,
        source,
        kind,
        id: entry.id.clone().unwrap_or_default(),
        version: entry.version.clone().unwrap_or_default(),
        details: None,
        held: Vec::new(),
    })
}

/// An external module the packager pulls: an image reference (`docker://...`, or an entry's
/// `image`), not a URL or a registry URN.
#[must_use]
pub fn is_image_reference(reference: &str) -> bool {
    !["urn:cnb:registry:", "http://", "https://"]
        .iter()
        .any(|scheme| reference.starts_with(scheme))
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
