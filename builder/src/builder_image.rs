//! `packager builder create`: a builder image written as an OCI image layout, without a daemon,
//! the way `pack builder create` writes it (pack's `internal/builder/builder.go`).
//!
//! The builder is the build image's layers, then, each a gzip layer with normalized headers:
//!
//! 1. the directories: `/workspace` and `/layers` owned by `CNB_USER_ID:CNB_GROUP_ID` (taken
//!    from the build image's environment; an error if missing, as in pack), `/cnb`,
//!    `/cnb/buildpacks`, `/cnb/extensions`, `/cnb/build-config`, `/cnb/build-config/env`,
//!    `/platform` and `/platform/env` owned by root;
//! 2. the lifecycle: `/cnb/lifecycle/lifecycle` (the binary), the phases `detector`, `analyzer`,
//!    `restorer`, `builder`, `exporter`, `creator`, `extender`, `rebaser` as symlinks to it (the
//!    binary dispatches on its name), `launcher` (the `--launcher` binary, else a symlink to the
//!    lifecycle), `lifecycle.toml` with the APIs it supports, and the symlink
//!    `/lifecycle` → `/cnb/lifecycle`;
//! 3. one layer per module (buildpacks, then extensions, each sorted by `id@version`), the same
//!    layer as in its `.cnb` file;
//! 4. `/cnb/order.toml`, 5. `/cnb/stack.toml`, 6. `/cnb/run.toml`;
//! 7. `/cnb/build-config/env/*` when the builder.toml has `[[build.env]]`.
//!
//! The config keeps the build image's (user, env, labels) with the working directory `/layers`
//! and the labels `io.buildpacks.builder.metadata`, `io.buildpacks.buildpack.order`,
//! `io.buildpacks.buildpack.order-extensions`, `io.buildpacks.buildpack.layers` and
//! `io.buildpacks.extension.layers`.

use crate::builder_toml::{CheckedBuilder, GroupEntry, ModuleSource, check_file};
use crate::registry::{Registry, RegistryOptions, Transfer};
use anyhow::{Context, bail};
use cnb_package::buildpackage::{
    self, BUILDPACK_LAYERS_LABEL, EXTENSION_LAYERS_LABEL, ModuleDetails, ModuleInfo, ModuleLayers,
    ModuleRef, OrderEntry,
};
use cnb_package::descriptor::ModuleKind;
use oci_layout::{Image, LayerBlob, LayerBuilder, Owner, Platform};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const BUILDER_METADATA_LABEL: &str = "io.buildpacks.builder.metadata";
pub const ORDER_LABEL: &str = "io.buildpacks.buildpack.order";
pub const ORDER_EXTENSIONS_LABEL: &str = "io.buildpacks.buildpack.order-extensions";
/// The build image labels pack compares module targets with.
const DISTRO_NAME_LABEL: &str = "io.buildpacks.base.distro.name";
const DISTRO_VERSION_LABEL: &str = "io.buildpacks.base.distro.version";

/// The names the lifecycle binary answers to, laid out as symlinks to it.
pub const LIFECYCLE_PHASES: [&str; 8] = [
    "detector", "analyzer", "restorer", "builder", "exporter", "creator", "extender", "rebaser",
];
/// Buildpack APIs of lifecycle 0.21.
pub const BUILDPACK_APIS: [&str; 6] = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12"];
/// Platform APIs of lifecycle 0.21.
pub const PLATFORM_APIS: [&str; 9] = [
    "0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15",
];

/// The APIs of lifecycle 0.21, as `lifecycle.toml` and the builder metadata list them.
const LIFECYCLE_APIS: LifecycleApis<'static> = LifecycleApis {
    buildpack: ApiVersions {
        deprecated: &[],
        supported: &BUILDPACK_APIS,
    },
    platform: ApiVersions {
        deprecated: &[],
        supported: &PLATFORM_APIS,
    },
};

/// What `packager builder create` needs.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The builder.toml.
    pub config: PathBuf,
    /// The build image: an OCI layout directory, and the tag in it (`None`: its only image);
    /// `None`: the definition's build image, pulled from its registry.
    pub build_image: Option<PathBuf>,
    pub build_image_tag: Option<String>,
    /// The lifecycle binary (one binary for every phase, as `go install` builds it).
    pub lifecycle: PathBuf,
    /// A launcher binary; without it, `/cnb/lifecycle/launcher` links to the lifecycle.
    pub launcher: Option<PathBuf>,
    /// The OCI layout directory to write (`None`: none), and the tag of the builder in it.
    pub output: Option<PathBuf>,
    pub output_tag: String,
    /// The image reference to push the builder to (`None`: not pushed).
    pub publish: Option<String>,
    /// How to reach registries (for the images the definition references, and `publish`).
    pub registry: RegistryOptions,
}

/// A builder written by [`create_builder`].
#[derive(Debug, Clone)]
pub struct CreatedBuilder {
    pub manifest: oci_layout::Descriptor,
    pub lifecycle_version: String,
    /// `id@version` of every module in the builder.
    pub modules: Vec<String>,
    /// The number of layers added to the build image's.
    pub added_layers: usize,
    /// What the user should know (e.g. the launcher is a link).
    pub warnings: Vec<String>,
    /// Every image pulled (`<reference> <pinned digest>`), in the order pulled.
    pub pulled: Vec<(String, String)>,
    /// What went over the wire.
    pub transfer: Transfer,
}

/// A module to put into the builder.
struct BuilderModule {
    details: ModuleDetails,
    layer: LayerBlob,
}

/// Creates the builder (see the module documentation).
///
/// # Errors
/// The builder.toml's problems; modules of this workspace named by id only, or fetched by URL
/// (they are all named); an image reference that cannot be pulled or pushed (the reference
/// named, with what failed); a build image without `CNB_USER_ID` / `CNB_GROUP_ID`; a
/// lifecycle whose version differs from `[lifecycle] version`; a module whose Buildpack API or
/// targets the lifecycle or the build image do not support; I/O errors.
pub fn create_builder(options: &CreateOptions) -> anyhow::Result<CreatedBuilder> {
    let checked = check_file(&options.config)?;
    let mut warnings = checked.warnings.clone();
    // No network until an image reference is pulled or pushed.
    let registry = Registry::new(&options.registry)?;
    let platform = target_platform(&checked);
    let mut pulled = Vec::new();
    let modules = load_modules(&checked, &registry, &platform, &mut pulled)?;

    let (base, build_image_name) = if let Some(dir) = &options.build_image {
        (
            oci_layout::read_layout(dir, options.build_image_tag.as_deref())
                .with_context(|| format!("cannot read the build image {}", dir.display()))?,
            dir.display().to_string(),
        )
    } else {
        let image = registry.pull(&checked.build_image, &platform)?;
        pulled.push((image.reference.clone(), image.pinned.clone()));
        (image.image, checked.build_image.clone())
    };
    let owner = cnb_owner(&base, &build_image_name)?;

    let lifecycle_version = lifecycle_version(&options.lifecycle)?;
    if let Some(wanted) = &checked.config.lifecycle.version
        && *wanted != lifecycle_version
    {
        bail!(
            "{} asks for lifecycle {wanted}, but {} is lifecycle {lifecycle_version}",
            options.config.display(),
            options.lifecycle.display()
        );
    }
    if checked.config.lifecycle.uri.is_some() {
        warnings.push(format!(
            "[lifecycle] uri is ignored: the lifecycle is {}",
            options.lifecycle.display()
        ));
    }
    if !lifecycle_version.starts_with("0.21.") {
        bail!(
            "lifecycle {lifecycle_version} is not supported: the packager knows the APIs of lifecycle 0.21.x"
        );
    }
    check_modules_against(&modules, &base, &build_image_name)?;

    let mut layers = vec![dirs_layer(owner)?];
    let (lifecycle_layer, launcher_warning) = lifecycle_layer(
        &options.lifecycle,
        options.launcher.as_deref(),
        &lifecycle_version,
    )?;
    layers.push(lifecycle_layer);
    warnings.extend(launcher_warning);
    layers.extend(modules.iter().map(|module| module.layer.clone()));
    let (config_layers, labels) =
        config_layers_and_labels(&checked, &modules, &base, &lifecycle_version)?;
    layers.extend(config_layers);

    let config = builder_config(&base.config, &labels, &layers)?;
    let mut image_layers = base.layers.clone();
    image_layers.extend(layers.iter().cloned());
    let image = Image {
        config,
        layers: image_layers,
    };
    let manifest = match &options.output {
        Some(output) => {
            registry.fetch_all(&image)?;
            image.write_layout(output, &options.output_tag)?.manifest
        }
        None => image.documents(&options.output_tag)?.1.descriptor(),
    };
    if let Some(reference) = &options.publish {
        let digest = registry.push(&image, reference)?;
        if digest != manifest.digest {
            bail!(
                "{reference}: pushed as {digest}, but the builder is {}",
                manifest.digest
            );
        }
    }
    Ok(CreatedBuilder {
        manifest,
        lifecycle_version,
        modules: modules.iter().map(|m| m.details.full_name()).collect(),
        added_layers: layers.len(),
        warnings,
        pulled,
        transfer: registry.transfer(),
    })
}

/// The builder's platform: its first `[[targets]]` entry, else linux/amd64 (what our module
/// binaries are built for). Images are chosen from indexes by it.
fn target_platform(checked: &CheckedBuilder) -> Platform {
    let target = checked.config.targets.first();
    let field = |value: Option<&String>, default: &str| {
        value
            .filter(|value| !value.is_empty())
            .map_or_else(|| default.to_string(), Clone::clone)
    };
    Platform {
        os: field(target.map(|t| &t.os), "linux"),
        architecture: field(target.map(|t| &t.arch), "amd64"),
        variant: target
            .map(|t| t.variant.clone())
            .filter(|variant| !variant.is_empty()),
    }
}

/// `CNB_USER_ID:CNB_GROUP_ID` of the build image.
fn cnb_owner(base: &oci_layout::LoadedImage, build_image_name: &str) -> anyhow::Result<Owner> {
    let id_of = |name: &str| -> anyhow::Result<u64> {
        let value = base.env(name).with_context(|| {
            format!("build image {build_image_name} is missing the required env var {name} (pack requires CNB_USER_ID and CNB_GROUP_ID)")
        })?;
        value.parse().with_context(|| {
            format!("{name} of build image {build_image_name} is {value:?}, not an integer")
        })
    };
    Ok(Owner {
        uid: id_of("CNB_USER_ID")?,
        gid: id_of("CNB_GROUP_ID")?,
    })
}

/// Label names and values.
type Labels = Vec<(&'static str, String)>;

/// The layers after the modules (order.toml, stack.toml, run.toml, build-config env) and the
/// builder's labels.
fn config_layers_and_labels(
    checked: &CheckedBuilder,
    modules: &[BuilderModule],
    base: &oci_layout::LoadedImage,
    lifecycle_version: &str,
) -> anyhow::Result<(Vec<LayerBlob>, Labels)> {
    let mut buildpack_layers: ModuleLayers = label_json(base, BUILDPACK_LAYERS_LABEL)?;
    let mut extension_layers: ModuleLayers = label_json(base, EXTENSION_LAYERS_LABEL)?;
    for module in modules {
        let layers_label = match module.details.kind {
            ModuleKind::Buildpack => &mut buildpack_layers,
            ModuleKind::Extension => &mut extension_layers,
        };
        layers_label
            .entry(module.details.info.id.clone())
            .or_default()
            .insert(
                module.details.info.version.clone(),
                module.details.layer_info(&module.layer.diff_id),
            );
    }

    let mut layers = Vec::new();
    let order = config_order(&checked.config.order);
    let order_extensions = config_order(&checked.config.order_extensions);
    layers.push(single_file_layer(
        "/cnb/order.toml",
        &toml::to_string(&OrderToml {
            order: &resolve_order(&order, modules, ModuleKind::Buildpack),
            order_extensions: &resolve_order(&order_extensions, modules, ModuleKind::Extension),
        })?,
    )?);
    let run_images: Vec<RunImageMetadata> = checked
        .run_images
        .iter()
        .map(|image| RunImageMetadata {
            image: image.image.clone(),
            mirrors: image.mirrors.clone(),
        })
        .collect();
    let default_run_image = run_images
        .first()
        .cloned()
        .context("a checked builder has a run image")?;
    layers.push(single_file_layer(
        "/cnb/stack.toml",
        &toml::to_string(&StackToml {
            run_image: &default_run_image,
        })?,
    )?);
    layers.push(single_file_layer(
        "/cnb/run.toml",
        &toml::to_string(&RunToml {
            images: &run_images,
        })?,
    )?);
    if !checked.config.build.env.is_empty() {
        layers.push(build_env_layer(checked)?);
    }

    let module_infos = |kind: ModuleKind| -> Vec<ModuleInfo> {
        modules
            .iter()
            .filter(|module| module.details.kind == kind)
            .map(|module| module.details.info.clone())
            .collect()
    };
    let metadata = BuilderMetadata {
        description: &checked.config.description,
        buildpacks: module_infos(ModuleKind::Buildpack),
        extensions: module_infos(ModuleKind::Extension),
        stack: StackMetadata {
            run_image: default_run_image,
        },
        lifecycle: LifecycleMetadata {
            version: lifecycle_version.to_string(),
            api: LifecycleApi {
                buildpack: BUILDPACK_APIS[0],
                platform: PLATFORM_APIS[0],
            },
            apis: LIFECYCLE_APIS,
        },
        created_by: CreatorMetadata {
            name: "packager",
            version: env!("CARGO_PKG_VERSION"),
        },
        images: run_images,
    };
    let labels = vec![
        (BUILDER_METADATA_LABEL, serde_json::to_string(&metadata)?),
        (ORDER_LABEL, serde_json::to_string(&order)?),
        (
            ORDER_EXTENSIONS_LABEL,
            serde_json::to_string(&order_extensions)?,
        ),
        (
            BUILDPACK_LAYERS_LABEL,
            serde_json::to_string(&buildpack_layers)?,
        ),
        (
            EXTENSION_LAYERS_LABEL,
            serde_json::to_string(&extension_layers)?,
        ),
    ];
    Ok((layers, labels))
}

/// The build image's config with the builder's labels, working directory `/layers`, the added
/// layers' diff ids (and history entries, when the build image has history).
fn builder_config(
    base: &serde_json::Value,
    labels: &[(&'static str, String)],
    added: &[LayerBlob],
) -> anyhow::Result<serde_json::Value> {
    let mut config = base.clone();
    let object = config
        .as_object_mut()
        .context("the build image config is not a JSON object")?;
    object.insert("created".to_string(), oci_layout::NORMALIZED_TIME.into());
    let image_config = object
        .entry("config")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
        .context("the build image's config.config is not an object")?;
    image_config.insert("WorkingDir".to_string(), "/layers".into());
    let labels_value = image_config
        .entry("Labels")
        .or_insert_with(|| serde_json::json!({}));
    if labels_value.is_null() {
        *labels_value = serde_json::json!({});
    }
    let labels_object = labels_value
        .as_object_mut()
        .context("the build image's Labels is not an object")?;
    for (name, value) in labels {
        labels_object.insert((*name).to_string(), value.clone().into());
    }
    let diff_ids = object
        .entry("rootfs")
        .or_insert_with(|| serde_json::json!({"type": "layers", "diff_ids": []}))
        .as_object_mut()
        .context("the build image's rootfs is not an object")?
        .entry("diff_ids")
        .or_insert_with(|| serde_json::json!([]))
        .as_array_mut()
        .context("the build image's rootfs.diff_ids is not an array")?;
    for layer in added {
        diff_ids.push(layer.diff_id.clone().into());
    }
    // History entries stay in step with the layers only if the build image has them.
    if let Some(history) = object
        .get_mut("history")
        .and_then(serde_json::Value::as_array_mut)
        && !history.is_empty()
    {
        for layer in added {
            history.push(serde_json::json!({
                "created": oci_layout::NORMALIZED_TIME,
                "created_by": format!("packager builder create: layer {}", layer.diff_id),
            }));
        }
    }
    Ok(config)
}

fn load_modules(
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
fn check_modules_against(
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

/// `<lifecycle> -version`.
fn lifecycle_version(lifecycle: &Path) -> anyhow::Result<String> {
    if !lifecycle.is_file() {
        bail!("the lifecycle {} does not exist", lifecycle.display());
    }
    let output = Command::new(lifecycle)
        .arg("-version")
        .output()
        .with_context(|| format!("cannot run {} -version", lifecycle.display()))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || !cnb_package::descriptor::is_valid_version(&version) {
        bail!(
            "{} -version did not print a lifecycle version ({}): {}",
            lifecycle.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(version)
}

fn dirs_layer(owner: Owner) -> anyhow::Result<LayerBlob> {
    let mut layer = LayerBuilder::new();
    for dir in ["/workspace", "/layers"] {
        layer.dir(dir, 0o755, owner)?;
    }
    for dir in [
        "/cnb",
        "/cnb/buildpacks",
        "/cnb/extensions",
        "/cnb/build-config",
        "/cnb/build-config/env",
        "/platform",
        "/platform/env",
    ] {
        layer.dir(dir, 0o755, Owner::ROOT)?;
    }
    layer.into_layer()
}

fn lifecycle_layer(
    lifecycle: &Path,
    launcher: Option<&Path>,
    version: &str,
) -> anyhow::Result<(LayerBlob, Option<String>)> {
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let mut layer = LayerBuilder::new();
    layer.dir("/cnb/lifecycle", 0o755, Owner::ROOT)?;
    layer.file(
        "/cnb/lifecycle/lifecycle",
        0o755,
        Owner::ROOT,
        &read(lifecycle)?,
    )?;
    for phase in LIFECYCLE_PHASES {
        layer.symlink(&format!("/cnb/lifecycle/{phase}"), "lifecycle")?;
    }
    let warning = if let Some(launcher) = launcher {
        layer.file(
            "/cnb/lifecycle/launcher",
            0o755,
            Owner::ROOT,
            &read(launcher)?,
        )?;
        None
    } else {
        layer.symlink("/cnb/lifecycle/launcher", "lifecycle")?;
        Some(
            "no --launcher: /cnb/lifecycle/launcher links to the lifecycle binary, which has no launcher \
             phase (the launcher is the lifecycle's cmd/launcher); detect and build work, exported app \
             images need a real launcher"
                .to_string(),
        )
    };
    let descriptor = LifecycleToml {
        apis: LIFECYCLE_APIS,
        api: LifecycleApi {
            buildpack: BUILDPACK_APIS[0],
            platform: PLATFORM_APIS[0],
        },
        lifecycle: LifecycleInfo { version },
    };
    layer.file(
        "/cnb/lifecycle/lifecycle.toml",
        0o644,
        Owner::ROOT,
        toml::to_string(&descriptor)?.as_bytes(),
    )?;
    layer.symlink("/lifecycle", "/cnb/lifecycle")?;
    Ok((layer.into_layer()?, warning))
}

fn single_file_layer(path: &str, text: &str) -> anyhow::Result<LayerBlob> {
    let mut layer = LayerBuilder::new();
    layer.file(path, 0o644, Owner::ROOT, text.as_bytes())?;
    layer.into_layer()
}

/// `/cnb/build-config/env/<name>[.<suffix>]` and `<name>.delim`, as the lifecycle reads them.
fn build_env_layer(checked: &CheckedBuilder) -> anyhow::Result<LayerBlob> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for variable in &checked.config.build.env {
        let name = if variable.suffix.is_empty() {
            variable.name.clone()
        } else {
            format!("{}.{}", variable.name, variable.suffix)
        };
        files.insert(name, variable.value.clone());
        if !variable.delim.is_empty() {
            files.insert(format!("{}.delim", variable.name), variable.delim.clone());
        }
    }
    let mut layer = LayerBuilder::new();
    for (name, value) in files {
        if name.contains('/') {
            bail!("invalid build.env name {name:?}");
        }
        layer.file(
            &format!("/cnb/build-config/env/{name}"),
            0o644,
            Owner::ROOT,
            value.as_bytes(),
        )?;
    }
    layer.into_layer()
}

fn label_json<T: serde::de::DeserializeOwned + Default>(
    image: &oci_layout::LoadedImage,
    name: &str,
) -> anyhow::Result<T> {
    match image.label(name) {
        None => Ok(T::default()),
        Some(value) => serde_json::from_str(value)
            .with_context(|| format!("invalid label {name} on the build image")),
    }
}

fn config_order(groups: &[crate::builder_toml::OrderGroup]) -> Vec<OrderEntry> {
    groups
        .iter()
        .map(|group| OrderEntry {
            group: group
                .group
                .iter()
                .map(|entry: &GroupEntry| ModuleRef {
                    id: entry.id.clone().unwrap_or_default(),
                    version: entry.version.clone().unwrap_or_default(),
                    optional: entry.optional,
                })
                .collect(),
        })
        .collect()
}

/// The order with every version filled in (the check made sure each is unique).
fn resolve_order(
    order: &[OrderEntry],
    modules: &[BuilderModule],
    kind: ModuleKind,
) -> Vec<OrderEntry> {
    order
        .iter()
        .map(|entry| OrderEntry {
            group: entry
                .group
                .iter()
                .map(|module| {
                    let mut module = module.clone();
                    if module.version.is_empty()
                        && let Some(found) = modules
                            .iter()
                            .find(|m| m.details.kind == kind && m.details.info.id == module.id)
                    {
                        module.version = found.details.info.version.clone();
                    }
                    // Extensions are always optional; pack leaves the flag out for them.
                    if kind == ModuleKind::Extension {
                        module.optional = false;
                    }
                    module
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct OrderToml<'a> {
    #[serde(skip_serializing_if = "<[OrderEntry]>::is_empty")]
    order: &'a [OrderEntry],
    #[serde(
        rename = "order-extensions",
        skip_serializing_if = "<[OrderEntry]>::is_empty"
    )]
    order_extensions: &'a [OrderEntry],
}

#[derive(Serialize)]
struct StackToml<'a> {
    #[serde(rename = "run-image")]
    run_image: &'a RunImageMetadata,
}

#[derive(Serialize)]
struct RunToml<'a> {
    images: &'a [RunImageMetadata],
}

/// A run image in the builder's metadata and in `run.toml`/`stack.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct RunImageMetadata {
    pub image: String,
    pub mirrors: Vec<String>,
}

#[derive(Serialize)]
struct BuilderMetadata<'a> {
    description: &'a str,
    buildpacks: Vec<ModuleInfo>,
    extensions: Vec<ModuleInfo>,
    stack: StackMetadata,
    lifecycle: LifecycleMetadata<'a>,
    #[serde(rename = "createdBy")]
    created_by: CreatorMetadata,
    images: Vec<RunImageMetadata>,
}

#[derive(Serialize)]
struct StackMetadata {
    #[serde(rename = "runImage")]
    run_image: RunImageMetadata,
}

#[derive(Serialize)]
struct LifecycleMetadata<'a> {
    version: String,
    api: LifecycleApi,
    apis: LifecycleApis<'a>,
}

#[derive(Serialize)]
struct LifecycleApi {
    buildpack: &'static str,
    platform: &'static str,
}

#[derive(Serialize)]
struct LifecycleApis<'a> {
    buildpack: ApiVersions<'a>,
    platform: ApiVersions<'a>,
}

#[derive(Serialize)]
struct ApiVersions<'a> {
    deprecated: &'a [&'a str],
    supported: &'a [&'a str],
}

#[derive(Serialize)]
struct CreatorMetadata {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct LifecycleToml<'a> {
    apis: LifecycleApis<'a>,
    api: LifecycleApi,
    lifecycle: LifecycleInfo<'a>,
}

#[derive(Serialize)]
struct LifecycleInfo<'a> {
    version: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_toml_lists_the_apis() {
        let descriptor = LifecycleToml {
            apis: LifecycleApis {
                buildpack: ApiVersions {
                    deprecated: &[],
                    supported: &BUILDPACK_APIS,
                },
                platform: ApiVersions {
                    deprecated: &[],
                    supported: &PLATFORM_APIS,
                },
            },
            api: LifecycleApi {
                buildpack: "0.7",
                platform: "0.7",
            },
            lifecycle: LifecycleInfo { version: "0.21.17" },
        };
        let table: toml::Table = toml::from_str(&toml::to_string(&descriptor).unwrap()).unwrap();
        assert_eq!(table["lifecycle"]["version"].as_str(), Some("0.21.17"));
        let platform = table["apis"]["platform"]["supported"].as_array().unwrap();
        assert_eq!(platform.first().unwrap().as_str(), Some("0.7"));
        assert_eq!(platform.last().unwrap().as_str(), Some("0.15"));
        let buildpack = table["apis"]["buildpack"]["supported"].as_array().unwrap();
        assert_eq!(buildpack.last().unwrap().as_str(), Some("0.12"));
    }

    #[test]
    fn order_toml_shape() {
        let order = vec![OrderEntry {
            group: vec![
                ModuleRef {
                    id: "a/b".into(),
                    version: "1.0.0".into(),
                    optional: false,
                },
                ModuleRef {
                    id: "c/d".into(),
                    version: "2.0.0".into(),
                    optional: true,
                },
            ],
        }];
        let text = toml::to_string(&OrderToml {
            order: &order,
            order_extensions: &[],
        })
        .unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            table["order"][0]["group"][1]["optional"].as_bool(),
            Some(true)
        );
        assert!(table["order"][0]["group"][0].get("optional").is_none());
        assert!(!table.contains_key("order-extensions"));
    }
}
