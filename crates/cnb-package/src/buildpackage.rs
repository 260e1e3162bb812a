//! Buildpackages (`.cnb` files) in the format pack writes and reads.
//!
//! A `.cnb` file is an uncompressed tar of an OCI image layout (see [`oci_layout`]) holding one
//! image whose single gzip layer carries the module at `/cnb/buildpacks/<escaped id>/<version>/`
//! (or `/cnb/extensions/...`), and whose config carries the labels
//! `io.buildpacks.buildpackage.metadata` and `io.buildpacks.buildpack.layers` (or
//! `io.buildpacks.extension.layers`). [`ModuleDetails`] is what a descriptor says about a module,
//! in the shapes pack puts into those labels.

use crate::descriptor::{ModuleKind, find_descriptor_text, validate_id, validate_label_version};
use anyhow::{Context, bail};
use oci_layout::{Image, LayerBlob, LayerBuilder, LoadedImage, Owner};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use untrusted_input::quoted;

/// The buildpackage's main module: its [`ModuleInfo`] (plus `stacks` for buildpacks).
pub const METADATA_LABEL: &str = "io.buildpacks.buildpackage.metadata";
/// [`ModuleLayers`] of the buildpacks of an image.
pub const BUILDPACK_LAYERS_LABEL: &str = "io.buildpacks.buildpack.layers";
/// [`ModuleLayers`] of the extensions of an image.
pub const EXTENSION_LAYERS_LABEL: &str = "io.buildpacks.extension.layers";
/// The architecture of every image the packager writes: module binaries are built for
/// `x86_64` only (the only target of the project's machines).
pub const ARCHITECTURE: &str = "amd64";

impl ModuleKind {
    /// Where modules of this kind live in an image: `/cnb/extensions` or `/cnb/buildpacks`.
    #[must_use]
    pub fn image_dir(self) -> &'static str {
        match self {
            Self::Extension => "/cnb/extensions",
            Self::Buildpack => "/cnb/buildpacks",
        }
    }

    /// The label listing the layers of modules of this kind.
    #[must_use]
    pub fn layers_label(self) -> &'static str {
        match self {
            Self::Extension => EXTENSION_LAYERS_LABEL,
            Self::Buildpack => BUILDPACK_LAYERS_LABEL,
        }
    }
}

/// A module's identity and description, as in pack's `dist.ModuleInfo` (JSON keys in pack's
/// order, empty fields left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub homepage: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License>,
}

/// A license of a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri: String,
}

/// A target a module supports (`[[targets]]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    /// `variant`; descriptors may spell it `arch-variant`.
    #[serde(
        default,
        alias = "arch-variant",
        skip_serializing_if = "String::is_empty"
    )]
    pub variant: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distros: Vec<Distro>,
}

/// A distribution of a [`Target`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// A legacy stack a buildpack supports (`[[stacks]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stack {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixins: Vec<String>,
}

/// One group of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEntry {
    #[serde(default)]
    pub group: Vec<ModuleRef>,
}

/// A module in an order group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// One module's entry in a layers label (pack's `dist.ModuleLayerInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleLayerInfo {
    pub api: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stacks: Vec<Stack>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<OrderEntry>,
    #[serde(rename = "layerDiffID")]
    pub layer_diff_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub homepage: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// A layers label: id → version → layer info.
pub type ModuleLayers = BTreeMap<String, BTreeMap<String, ModuleLayerInfo>>;

/// The `io.buildpacks.buildpackage.metadata` label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageMetadata {
    #[serde(flatten)]
    pub info: ModuleInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacks: Option<Vec<Stack>>,
}

/// What a module's descriptor says, in the shapes of pack's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDetails {
    pub kind: ModuleKind,
    pub info: ModuleInfo,
    /// The Buildpack API (`api`).
    pub api: String,
    pub targets: Vec<Target>,
    pub stacks: Vec<Stack>,
    /// The order of a composite buildpack.
    pub order: Vec<OrderEntry>,
}

impl ModuleDetails {
    /// Reads the descriptor of the module directory `dir` (a packaged module or a module crate).
    ///
    /// # Errors
    /// If the directory has no valid descriptor, or a field has the wrong type.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let (descriptor, text) = find_descriptor_text(dir)?;
        let file: DescriptorFile = crate::parse_toml_file(&descriptor.path, &text)?;
        let info = match descriptor.kind {
            ModuleKind::Extension => file.extension,
            ModuleKind::Buildpack => file.buildpack,
        }
        .unwrap_or_default();
        Ok(Self {
            kind: descriptor.kind,
            // The id and version as validated.
            info: ModuleInfo {
                id: descriptor.id,
                version: descriptor.version,
                ..info
            },
            api: file.api.unwrap_or_else(|| "0.1".to_string()),
            targets: file.targets,
            stacks: file.stacks,
            order: file.order,
        })
    }

    /// `<id>@<version>`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{}@{}", self.info.id, self.info.version)
    }

    /// The id with `/` replaced by `_`.
    #[must_use]
    pub fn escaped_id(&self) -> String {
        self.info.id.replace('/', "_")
    }

    /// The module's directory in an image: `/cnb/<buildpacks|extensions>/<escaped id>/<version>`.
    #[must_use]
    pub fn image_path(&self) -> String {
        format!(
            "{}/{}/{}",
            self.kind.image_dir(),
            self.escaped_id(),
            self.info.version
        )
    }

    /// This module's entry in a layers label, for its layer `diff_id`.
    #[must_use]
    pub fn layer_info(&self, diff_id: &str) -> ModuleLayerInfo {
        ModuleLayerInfo {
            api: self.api.clone(),
            stacks: self.stacks.clone(),
            targets: self.targets.clone(),
            order: self.order.clone(),
            layer_diff_id: diff_id.to_string(),
            homepage: self.info.homepage.clone(),
            name: self.info.name.clone(),
        }
    }

    /// The `io.buildpacks.buildpackage.metadata` label: the module info, and for buildpacks the
    /// stacks (`[{"id":"*"}]`, any stack, when the descriptor names none: it declares targets).
    #[must_use]
    pub fn package_metadata(&self) -> PackageMetadata {
        PackageMetadata {
            info: self.info.clone(),
            stacks: match self.kind {
                ModuleKind::Extension => None,
                ModuleKind::Buildpack if self.stacks.is_empty() => Some(vec![Stack {
                    id: "*".to_string(),
                    mixins: Vec::new(),
                }]),
                ModuleKind::Buildpack => Some(self.stacks.clone()),
            },
        }
    }
}

/// A descriptor's fields that go into pack's labels, read straight into their label shapes
/// (the header's keys are [`ModuleInfo`]'s; other keys are ignored).
#[derive(Deserialize)]
struct DescriptorFile {
    api: Option<String>,
    buildpack: Option<ModuleInfo>,
    extension: Option<ModuleInfo>,
    #[serde(default)]
    targets: Vec<Target>,
    #[serde(default)]
    stacks: Vec<Stack>,
    #[serde(default)]
    order: Vec<OrderEntry>,
}

/// The layer of the module directory `dir`: `<image dir>/<escaped id>` and
/// `<image dir>/<escaped id>/<version>` (0755), then the directory's contents normalized as
/// [`LayerBuilder::tree`] does.
///
/// # Errors
/// If the directory cannot be read.
pub fn module_layer(dir: &Path, details: &ModuleDetails) -> anyhow::Result<LayerBlob> {
    let mut layer = LayerBuilder::new();
    let module_root = format!("{}/{}", details.kind.image_dir(), details.escaped_id());
    layer.dir(&module_root, 0o755, Owner::ROOT)?;
    let versioned = details.image_path();
    layer.dir(&versioned, 0o755, Owner::ROOT)?;
    layer.tree(dir, &versioned)?;
    layer.into_layer()
}

/// A buildpackage written by [`write_buildpackage`] or read by [`read_buildpackage`].
#[derive(Debug, Clone)]
pub struct Buildpackage {
    /// The main module (the one named by `io.buildpacks.buildpackage.metadata`).
    pub details: ModuleDetails,
    /// Its layer.
    pub layer: LayerBlob,
    /// The `.cnb` file.
    pub path: PathBuf,
}

/// Writes the module directory `module_dir` as the buildpackage `path`: one gzip layer, the
/// labels, os linux, architecture [`ARCHITECTURE`], tagged with the module version. Byte for
/// byte reproducible.
///
/// # Errors
/// If the module directory cannot be read or the file cannot be written.
pub fn write_buildpackage(module_dir: &Path, path: &Path) -> anyhow::Result<Buildpackage> {
    let details = ModuleDetails::read(module_dir)?;
    let layer = module_layer(module_dir, &details)
        .with_context(|| format!("cannot make the layer of {}", module_dir.display()))?;
    let layers: ModuleLayers = BTreeMap::from([(
        details.info.id.clone(),
        BTreeMap::from([(
            details.info.version.clone(),
            details.layer_info(&layer.diff_id),
        )]),
    )]);
    let labels = BTreeMap::from([
        (
            METADATA_LABEL.to_string(),
            serde_json::to_string(&details.package_metadata())?,
        ),
        (
            details.kind.layers_label().to_string(),
            serde_json::to_string(&layers)?,
        ),
    ]);
    let image = Image {
        config: serde_json::json!({
            "architecture": ARCHITECTURE,
            "created": oci_layout::NORMALIZED_TIME,
            "history": [{
                "created": oci_layout::NORMALIZED_TIME,
                "created_by": format!("packager: {} {}", details.kind, details.full_name()),
            }],
            "os": "linux",
            "config": {"Labels": labels},
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        }),
        layers: vec![layer.clone()],
    };
    image
        .write_archive(path, &details.info.version)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Buildpackage {
        details,
        layer,
        path: path.to_path_buf(),
    })
}

/// Reads the buildpackage `path` (written by [`write_buildpackage`] or by
/// `pack buildpack package --format file`): its main module, from the labels, and that module's
/// layer.
///
/// # Errors
/// If the file is not a buildpackage, or its labels or layers are inconsistent.
pub fn read_buildpackage(path: &Path) -> anyhow::Result<Buildpackage> {
    let image = oci_layout::read_archive(path, None)?;
    buildpackage_of_image(&image, path)
        .with_context(|| format!("{} is not a buildpackage", path.display()))
}

fn buildpackage_of_image(image: &LoadedImage, path: &Path) -> anyhow::Result<Buildpackage> {
    let main = main_module_of_image(image)?;
    let kind = if image.label(BUILDPACK_LAYERS_LABEL).is_some() {
        ModuleKind::Buildpack
    } else if image.label(EXTENSION_LAYERS_LABEL).is_some() {
        ModuleKind::Extension
    } else {
        bail!("neither {BUILDPACK_LAYERS_LABEL} nor {EXTENSION_LAYERS_LABEL} is set");
    };
    let layers: ModuleLayers = serde_json::from_str(
        image
            .label(kind.layers_label())
            .context("the layers label was just found")?,
    )
    .with_context(|| format!("invalid label {}", kind.layers_label()))?;
    let info = layers
        .get(&main.id)
        .and_then(|versions| versions.get(&main.version))
        .with_context(|| {
            format!(
                "{} does not list {}@{}",
                kind.layers_label(),
                main.id,
                main.version
            )
        })?;
    let layer = layer_with_diff_id(image, &info.layer_diff_id)?;
    check_label_order(kind.layers_label(), &info.order)?;
    Ok(Buildpackage {
        details: ModuleDetails {
            kind,
            info: main,
            api: info.api.clone(),
            targets: info.targets.clone(),
            stacks: info.stacks.clone(),
            order: info.order.clone(),
        },
        layer,
        path: path.to_path_buf(),
    })
}

/// Every module in a buildpackage image, each with its layer: one for a single module, the
/// composite buildpack and every buildpack of its order for a composite buildpackage (such as
/// Paketo's language families). Their details are what the layers label says, as pack reads a
/// buildpackage image into a builder (the main module's id, name, version and homepage the
/// same; its description, keywords and licenses are in no label).
///
/// # Errors
/// If the image has no buildpackage labels, or a module's layer is missing.
pub fn modules_of_image(image: &LoadedImage) -> anyhow::Result<Vec<(ModuleDetails, LayerBlob)>> {
    let mut modules = Vec::new();
    for kind in [ModuleKind::Buildpack, ModuleKind::Extension] {
        let Some(label) = image.label(kind.layers_label()) else {
            continue;
        };
        let layers: ModuleLayers = serde_json::from_str(label)
            .with_context(|| format!("invalid label {}", kind.layers_label()))?;
        for (id, versions) in layers {
            for (version, info) in versions {
                check_label_module(kind.layers_label(), &id, &version)?;
                check_label_order(kind.layers_label(), &info.order)?;
                let layer = layer_with_diff_id(image, &info.layer_diff_id)
                    .with_context(|| format!("{id}@{version}"))?;
                let details = ModuleDetails {
                    kind,
                    info: ModuleInfo {
                        id: id.clone(),
                        name: info.name,
                        version,
                        homepage: info.homepage,
                        ..ModuleInfo::default()
                    },
                    api: info.api,
                    targets: info.targets,
                    stacks: info.stacks,
                    order: info.order,
                };
                modules.push((details, layer));
            }
        }
    }
    if modules.is_empty() {
        bail!("neither {BUILDPACK_LAYERS_LABEL} nor {EXTENSION_LAYERS_LABEL} is set");
    }
    Ok(modules)
}

/// The layer of `image` whose diff id is `diff_id`.
fn layer_with_diff_id(image: &LoadedImage, diff_id: &str) -> anyhow::Result<LayerBlob> {
    image
        .layers
        .iter()
        .find(|layer| layer.diff_id == diff_id)
        .cloned()
        .with_context(|| format!("no layer with diff id {diff_id}"))
}

/// The main module of a buildpackage image, from its `io.buildpacks.buildpackage.metadata`
/// label (pack reads a buildpackage's id and version there): its id and version checked.
///
/// # Errors
/// If the label is missing or not the metadata JSON, or its id or version is refused.
pub fn main_module_of_image(image: &LoadedImage) -> anyhow::Result<ModuleInfo> {
    let metadata: PackageMetadata = serde_json::from_str(
        image
            .label(METADATA_LABEL)
            .with_context(|| format!("no label {METADATA_LABEL}"))?,
    )
    .with_context(|| format!("invalid label {METADATA_LABEL}"))?;
    check_label_module(METADATA_LABEL, &metadata.info.id, &metadata.info.version)?;
    Ok(metadata.info)
}

/// An id and version read from `label`, checked before they name a directory
/// (`/cnb/<kind>/<id>/<version>`) or reach a builder's `order.toml`: the CNB id grammar
/// ([`validate_id`]) and a path-safe version ([`validate_label_version`]); each quoted
/// bounded in the error.
fn check_label_module(label: &str, id: &str, version: &str) -> anyhow::Result<()> {
    validate_id(id).map_err(|reason| {
        anyhow::anyhow!(
            "label {label}: the module id {} is refused: {reason}",
            quoted(id)
        )
    })?;
    validate_label_version(version).map_err(|reason| {
        anyhow::anyhow!(
            "label {label}: the version {} of {} is refused: {reason}",
            quoted(version),
            quoted(id)
        )
    })
}

/// The order of a composite, as a layers label gives it: each entry's id, and its version
/// when it has one, checked as [`check_label_module`] does.
fn check_label_order(label: &str, order: &[OrderEntry]) -> anyhow::Result<()> {
    for entry in order.iter().flat_map(|entry| &entry.group) {
        if entry.version.is_empty() {
            validate_id(&entry.id).map_err(|reason| {
                anyhow::anyhow!(
                    "label {label}: the order's module id {} is refused: {reason}",
                    quoted(&entry.id)
                )
            })?;
        } else {
            check_label_module(label, &entry.id, &entry.version)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod label_tests;
