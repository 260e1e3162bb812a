//! The modules of a builder: loaded from `.cnb` files, module directories and buildpackage
//! images (each module's layer as it is there), and checked against the lifecycle and the
//! build image as pack checks them.

use super::BUILDPACK_APIS;
use crate::builder_toml::{CheckedBuilder, ModuleSource};
use crate::registry::Registry;
use anyhow::{Context, bail};
use cnb_package::buildpackage::{self, ModuleDetails};
use cnb_package::descriptor::ModuleKind;
use oci_layout::{LayerBlob, Platform};
use std::collections::BTreeMap;

/// The build image labels pack compares module targets with.
const DISTRO_NAME_LABEL: &str = "io.buildpacks.base.distro.name";
const DISTRO_VERSION_LABEL: &str = "io.buildpacks.base.distro.version";

/// A module to put into the builder.
pub(super) struct BuilderModule {
    pub(super) details: ModuleDetails,
    pub(super) layer: LayerBlob,
}

/// The modules of the builder, buildpacks then extensions, each sorted by `id@version`; a
/// module listed twice must have the same layer.
pub(super) fn load_modules(
    checked: &CheckedBuilder,
    registry: &Registry,
    platform: &Platform,
    pulled: &mut Vec<(String, String)>,
) -> anyhow::Result<Vec<BuilderModule>> {
    let unavailable: Vec<String> = checked
        .modules
        .iter()
        .filter_map(|module| match &module.source {
            ModuleSource::External(reference) if !is_image_reference(reference) => {
                Some(format!("{} ({reference})", module.key))
            }
            ModuleSource::Workspace(_) => Some(format!(
                "{} ({}: a workspace module named by id only; use the rendered target/cnb/builders/<name>/builder.toml, which points at its .cnb)",
                module.key, module.id
            )),
            ModuleSource::Cnb(_) | ModuleSource::Dir(_) | ModuleSource::External(_) => None,
        })
        .collect();
    if !unavailable.is_empty() {
        bail!(
            "{}: only local modules (.cnb files, module directories) and image references (docker://<image>, or image = \"<image>\") can go into a builder; these are neither: {}",
            checked.path.display(),
            unavailable.join(", ")
        );
    }
    let mut modules: BTreeMap<(u8, String), BuilderModule> = BTreeMap::new();
    let loaded_modules =
        checked
            .modules
            .iter()
            .map(|module| -> anyhow::Result<Vec<BuilderModule>> {
                Ok(match &module.source {
                    ModuleSource::Cnb(path) => {
                        let package = buildpackage::read_buildpackage(path)?;
                        vec![BuilderModule {
                            details: package.details,
                            layer: package.layer,
                        }]
                    }
                    ModuleSource::Dir(dir) => {
                        let details = ModuleDetails::read(dir)?;
                        let layer = buildpackage::module_layer(dir, &details)?;
                        vec![BuilderModule { details, layer }]
                    }
                    ModuleSource::External(reference) => {
                        let image = registry.pull(reference, platform)?;
                        pulled.push((image.reference.clone(), image.pinned.clone()));
                        let found =
                            buildpackage::modules_of_image(&image.image).with_context(|| {
                                format!("{}: {reference} is not a buildpackage", module.key)
                            })?;
                        if !found.iter().any(|(details, _)| {
                            details.info.id == module.id && details.info.version == module.version
                        }) {
                            bail!(
                                "{}: {reference} holds {}, not {}@{} as the entry declares",
                                module.key,
                                found
                                    .iter()
                                    .map(|(details, _)| details.full_name())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                module.id,
                                module.version
                            );
                        }
                        found
                            .into_iter()
                            .map(|(details, layer)| BuilderModule { details, layer })
                            .collect()
                    }
                    ModuleSource::Workspace(_) => Vec::new(),
                })
            });
    for loaded in loaded_modules {
        for loaded in loaded? {
            let kind_rank = u8::from(loaded.details.kind == ModuleKind::Extension);
            let key = (kind_rank, loaded.details.full_name());
            if let Some(previous) = modules.get(&key)
                && previous.layer.diff_id != loaded.layer.diff_id
            {
                bail!(
                    "{} is listed twice with different contents ({} and {})",
                    key.1,
                    previous.layer.diff_id,
                    loaded.layer.diff_id
                );
            }
            modules.insert(key, loaded);
        }
    }
    Ok(modules.into_values().collect())
}

/// An external module the packager pulls: an image reference (`docker://...`, or an entry's
/// `image`), not a URL or a registry URN.
fn is_image_reference(reference: &str) -> bool {
    !["urn:cnb:registry:", "http://", "https://"]
        .iter()
        .any(|scheme| reference.starts_with(scheme))
}

/// pack's checks of the modules against the lifecycle (Buildpack API) and the build image
/// (targets).
pub(super) fn check_modules_against(
    modules: &[BuilderModule],
    base: &oci_layout::LoadedImage,
    build_image_name: &str,
) -> anyhow::Result<()> {
    let os = base
        .config
        .get("os")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("linux");
    let arch = base
        .config
        .get("architecture")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("amd64");
    let distro = (
        base.label(DISTRO_NAME_LABEL),
        base.label(DISTRO_VERSION_LABEL),
    );
    for module in modules {
        let details = &module.details;
        if !BUILDPACK_APIS.contains(&details.api.as_str()) {
            bail!(
                "{} {} (Buildpack API {}) is incompatible with the lifecycle (Buildpack APIs {})",
                details.kind,
                details.full_name(),
                details.api,
                BUILDPACK_APIS.join(", ")
            );
        }
        if details.targets.is_empty() {
            continue;
        }
        let supported = details.targets.iter().any(|target| {
            (target.os.is_empty() || target.os == os)
                && (target.arch.is_empty() || target.arch == arch)
                && match distro {
                    (Some(name), Some(version)) => {
                        target.distros.is_empty()
                            || target.distros.iter().any(|d| {
                                d.name == name && (d.version.is_empty() || d.version == version)
                            })
                    }
                    _ => true,
                }
        });
        if !supported {
            bail!(
                "{} {} does not support the build image {build_image_name} ({os}/{arch})",
                details.kind,
                details.full_name()
            );
        }
    }
    Ok(())
}
