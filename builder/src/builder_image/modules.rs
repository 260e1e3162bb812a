//! The modules of a builder: loaded from `.cnb` files, module directories and buildpackage
//! images (each module's layer as it is there), and checked against the lifecycle and the
//! build image as pack checks them.

use super::BUILDPACK_APIS;
use crate::builder_toml::{CheckedBuilder, ModuleSource, ResolvedModule, is_image_reference};
use crate::registry::PulledImage;
use anyhow::{Context, bail};
use cnb_package::buildpackage::{self, ModuleDetails};
use cnb_package::descriptor::ModuleKind;
use oci_layout::LayerBlob;
use std::collections::BTreeMap;

/// The build image labels pack compares module targets with.
const DISTRO_NAME_LABEL: &str = "io.buildpacks.base.distro.name";
const DISTRO_VERSION_LABEL: &str = "io.buildpacks.base.distro.version";

/// A module to put into the builder.
pub(super) struct BuilderModule {
    pub(super) details: ModuleDetails,
    pub(super) layer: LayerBlob,
    /// Where pack lists the module in the builder's metadata label: the index of the first
    /// definition entry that brings it, then 0 for the entry's own module and 1 for a module of
    /// its composite (those follow it sorted by id and version).
    pub(super) listed_at: (usize, u8),
}

/// The modules of the builder, buildpacks then extensions, each sorted by `id@version` (the
/// order of their layers); a module listed twice must have the same layer, and keeps the
/// place of its first listing ([`BuilderModule::listed_at`]). Images come from `images`
/// (pulled when the definition was checked against them).
pub(super) fn load_modules(
    checked: &CheckedBuilder,
    images: &BTreeMap<String, PulledImage>,
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
    let loaded_modules = checked.modules.iter().enumerate().map(
        |(entry, module)| -> anyhow::Result<Vec<BuilderModule>> {
            Ok(match &module.source {
                // A buildpackage, file or image, brings every module it holds, as pack reads
                // them: their info from the layers label (id, name, version, homepage).
                ModuleSource::Cnb(path) => {
                    let image = oci_layout::read_archive(path, None)?;
                    package_modules(&image, module, entry, &path.display().to_string())?
                }
                ModuleSource::Dir(dir) => {
                    let details = ModuleDetails::read(dir)?;
                    let layer = buildpackage::module_layer(dir, &details)?;
                    vec![BuilderModule {
                        details,
                        layer,
                        listed_at: (entry, 0),
                    }]
                }
                ModuleSource::External(reference) => {
                    let image = images
                        .get(reference)
                        .with_context(|| format!("{}: {reference} was not pulled", module.key))?;
                    package_modules(&image.image, module, entry, reference)?
                }
                ModuleSource::Workspace(_) => Vec::new(),
            })
        },
    );
    for loaded in loaded_modules {
        for loaded in loaded? {
            let kind_rank = u8::from(loaded.details.kind == ModuleKind::Extension);
            let key = (kind_rank, loaded.details.full_name());
            if let Some(previous) = modules.get(&key) {
                if previous.layer.diff_id != loaded.layer.diff_id {
                    bail!(
                        "{} is listed twice with different contents ({} and {})",
                        key.1,
                        previous.layer.diff_id,
                        loaded.layer.diff_id
                    );
                }
                if previous.listed_at <= loaded.listed_at {
                    continue;
                }
            }
            modules.insert(key, loaded);
        }
    }
    Ok(modules.into_values().collect())
}

/// The modules of the buildpackage `image` (`source`: its file or reference), which must hold
/// the definition entry `module` (the `entry`th): the entry's own module listed first, the
/// others after it ([`BuilderModule::listed_at`]).
fn package_modules(
    image: &oci_layout::LoadedImage,
    module: &ResolvedModule,
    entry: usize,
    source: &str,
) -> anyhow::Result<Vec<BuilderModule>> {
    let found = buildpackage::modules_of_image(image)
        .with_context(|| format!("{}: {source} is not a buildpackage", module.key))?;
    if !found
        .iter()
        .any(|(details, _)| details.info.id == module.id && details.info.version == module.version)
    {
        bail!(
            "{}: {source} holds {}, not {}@{} as the entry declares",
            module.key,
            names_from_image(found.iter().map(|(details, _)| details)),
            module.id,
            module.version
        );
    }
    Ok(found
        .into_iter()
        .map(|(details, layer)| {
            let own = details.info.id == module.id && details.info.version == module.version;
            BuilderModule {
                details,
                layer,
                listed_at: (entry, u8::from(!own)),
            }
        })
        .collect())
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

/// The `id@version`s of modules read from an image's labels, for a message: each quoted
/// bounded (they come from the registry), at most eight.
pub(super) fn names_from_image<'a>(
    modules: impl ExactSizeIterator<Item = &'a ModuleDetails>,
) -> String {
    const SHOWN: usize = 8;
    let total = modules.len();
    let mut names: Vec<String> = modules
        .take(SHOWN)
        .map(|details| untrusted_input::bounded(&details.full_name()))
        .collect();
    if total > SHOWN {
        names.push(format!("{} more", total - SHOWN));
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::names_from_image;
    use cnb_package::buildpackage::{ModuleDetails, ModuleInfo};
    use cnb_package::descriptor::ModuleKind;

    fn module(id: &str, version: &str) -> ModuleDetails {
        ModuleDetails {
            kind: ModuleKind::Buildpack,
            info: ModuleInfo {
                id: id.to_string(),
                version: version.to_string(),
                ..ModuleInfo::default()
            },
            api: "0.10".to_string(),
            targets: Vec::new(),
            stacks: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Ids and versions from an image's labels reach the terminal quoted, and not all of them.
    #[test]
    fn module_names_from_an_image_are_quoted_and_bounded() {
        let mut modules = vec![
            module("paketo/java", "1.0.0"),
            module(
                "\u{1b}[2Jx",
                &format!("\u{1b}]0;t\u{7}{}", "9".repeat(1_000_000)),
            ),
        ];
        modules.extend((0..1000).map(|n| module("a", &n.to_string())));
        let names = names_from_image(modules.iter());
        assert!(
            names.starts_with("paketo/java@1.0.0, \"\\u{1b}[2Jx@"),
            "{names}"
        );
        assert!(
            !names.contains('\u{1b}') && !names.contains('\u{7}'),
            "{names:?}"
        );
        assert!(names.ends_with(", 994 more"), "{names}");
        assert!(names.len() < 1000, "{}", names.len());
    }
}
