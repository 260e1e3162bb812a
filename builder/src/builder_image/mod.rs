//! `packager builder create`: a builder image written as an OCI image layout, without a daemon,
//! the way `pack builder create` writes it (pack's `internal/builder/builder.go`).
//!
//! The builder is the build image's layers, then, each a gzip layer with normalized headers:
//!
//! 1. the directories: `/workspace` and `/layers` owned by `CNB_USER_ID:CNB_GROUP_ID` (taken
//!    from the build image's environment; an error if missing, as in pack, or not an id from
//!    0 to [`MAX_CNB_ID`]), `/cnb`,
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
//!
//! A definition with several `[[targets]]` makes one such builder per platform, each from that
//! platform's entry of every image index it pulls (the build image, image modules, the lifecycle
//! image), written and pushed as an OCI image index of their manifests; one target, or none
//! (linux/amd64), makes one builder image, as pack does.
//!
//! Its parts: `modules` (the modules loaded and checked), `layers` (the other layers) and
//! `metadata` (the labels, the config files and the image config).

mod layers;
pub mod lifecycle;
mod metadata;
mod modules;
mod run_images;

pub use lifecycle::{DEFAULT_LIFECYCLE_REPOSITORY, PACK_DEFAULT_LIFECYCLE_VERSION};
pub use metadata::RunImageMetadata;

use lifecycle::{fetch_lifecycle, from_binary};

use crate::builder_toml::{CheckedBuilder, ImageContents, check_file, check_file_verified};
use crate::registry::{PulledImage, Registry, RegistryOptions, Transfer};
use anyhow::{Context, bail};
use layers::{build_env_layer, dirs_layer, lifecycle_layer, single_file_layer};
use metadata::{builder_config, config_files_and_labels, lifecycle_toml};
use modules::{check_modules_against, load_modules};
use oci_layout::{Image, Owner, Platform, PlatformImages, platform_name};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use untrusted_input::quoted;

pub const BUILDER_METADATA_LABEL: &str = "io.buildpacks.builder.metadata";
pub const ORDER_LABEL: &str = "io.buildpacks.buildpack.order";
pub const ORDER_EXTENSIONS_LABEL: &str = "io.buildpacks.buildpack.order-extensions";
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

/// What `packager builder create` needs.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The builder.toml.
    pub config: PathBuf,
    /// The build image: an OCI layout directory, and the tag in it (`None`: its only image);
    /// `None`: the definition's build image, pulled from its registry.
    pub build_image: Option<PathBuf>,
    pub build_image_tag: Option<String>,
    /// The lifecycle binary (one binary for every phase, as `go install` builds it) of the
    /// builders of this machine's platform (its `-version` is run); `None`, and for other
    /// platforms: the one `[lifecycle]` names ([`lifecycle`](self::lifecycle)), their entry.
    pub lifecycle: Option<PathBuf>,
    /// A launcher binary beside `lifecycle`; without it, `/cnb/lifecycle/launcher` links to
    /// the lifecycle.
    pub launcher: Option<PathBuf>,
    /// Where lifecycle images are pulled from by version (`<repository>:<version>`; default
    /// [`DEFAULT_LIFECYCLE_REPOSITORY`]).
    pub lifecycle_repository: String,
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
    /// The builder's manifest, or with several platforms the image index of their builders.
    pub manifest: oci_layout::Descriptor,
    /// The platforms made (`os/arch[/variant]`), in the definition's order.
    pub platforms: Vec<String>,
    /// The lifecycle's version (each distinct one, when platforms got different ones).
    pub lifecycle_version: String,
    /// `id@version` of every module in the builder (of any platform).
    pub modules: Vec<String>,
    /// The number of layers added to the build image's (of the first platform's builder).
    pub added_layers: usize,
    /// What the user should know (e.g. the launcher is a link).
    pub warnings: Vec<String>,
    /// Every image pulled (`<reference> <pinned digest>`), in the order pulled.
    pub pulled: Vec<(String, String)>,
    /// What went over the wire.
    pub transfer: Transfer,
}

/// What one platform's builder is made of.
struct PlatformBuilder {
    lifecycle_version: String,
    modules: Vec<String>,
    added_layers: usize,
    warnings: Vec<String>,
    pulled: Vec<(String, String)>,
}

/// Creates the builder (see the module documentation): one per platform of the definition's
/// `[[targets]]` (linux/amd64 without any), each from that platform's entry of every image
/// index it pulls; one platform's is written and pushed as an image manifest, several as an
/// image index of theirs (as `pack builder create --publish` does).
///
/// # Errors
/// The builder.toml's problems; modules of this workspace named by id only, or fetched by URL
/// (they are all named); an image reference that cannot be pulled or pushed (the reference
/// named, with what failed, a platform its index lacks among them); `--build-image` for
/// several platforms; a build image without `CNB_USER_ID` / `CNB_GROUP_ID`, or with
/// one that is not an id from 0 to [`MAX_CNB_ID`]; a
/// lifecycle whose version differs from `[lifecycle] version`; a module whose Buildpack API or
/// targets the lifecycle or the build image do not support; I/O errors.
pub fn create_builder(options: &CreateOptions) -> anyhow::Result<CreatedBuilder> {
    // Offline first: its problems need no network, and its targets give the platforms.
    let platforms = target_platforms(&check_file(&options.config)?);
    if let (Some(dir), [_, _, ..]) = (&options.build_image, platforms.as_slice()) {
        bail!(
            "{}: the build image {} is one image, and the definition asks for {}: leave --build-image out, and each platform's build image is pulled from its registry's index",
            options.config.display(),
            dir.display(),
            platforms
                .iter()
                .map(platform_name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // No network until an image reference is pulled or pushed.
    let registry = Registry::new(&options.registry)?;
    let mut images = Vec::new();
    let mut made: Vec<PlatformBuilder> = Vec::new();
    for platform in &platforms {
        let made_one = platform_builder(options, &registry, platform);
        // With several platforms, an error names the one it is about.
        let (image, builder) = if platforms.len() > 1 {
            made_one.with_context(|| format!("the {} builder", platform_name(platform)))?
        } else {
            made_one?
        };
        images.push((platform.clone(), image));
        made.push(builder);
    }
    let manifest = write_and_push(options, &registry, images)?;
    Ok(CreatedBuilder {
        manifest,
        platforms: platforms.iter().map(platform_name).collect(),
        lifecycle_version: distinct(made.iter().map(|b| &b.lifecycle_version)).join(", "),
        modules: distinct(made.iter().flat_map(|b| &b.modules)),
        added_layers: made.first().map_or(0, |b| b.added_layers),
        warnings: distinct(made.iter().flat_map(|b| &b.warnings)),
        pulled: made.into_iter().flat_map(|b| b.pulled).collect(),
        transfer: registry.transfer(),
    })
}

/// Each value once, in the order first seen.
fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for value in values {
        if !seen.contains(value) {
            seen.push(value.clone());
        }
    }
    seen
}

/// The builder of one platform, and what it is made of.
fn platform_builder(
    options: &CreateOptions,
    registry: &Registry,
    platform: &Platform,
) -> anyhow::Result<(Image, PlatformBuilder)> {
    let (checked, images) = check_against_images(&options.config, registry, platform)?;
    let mut pulled: Vec<(String, String)> = images
        .values()
        .map(|image| (image.reference.clone(), image.pinned.clone()))
        .collect();
    let mut warnings = checked.warnings.clone();
    let modules = load_modules(&checked, &images)?;

    let (base, build_image_name) = if let Some(dir) = &options.build_image {
        (
            oci_layout::read_layout(dir, options.build_image_tag.as_deref())
                .with_context(|| format!("cannot read the build image {}", dir.display()))?,
            dir.display().to_string(),
        )
    } else {
        let image = registry.pull(&checked.build_image, platform)?;
        pulled.push((image.reference.clone(), image.pinned.clone()));
        // As pack does when it publishes; a local build image means working offline.
        run_images::check_run_images(&checked, registry, platform, &mut pulled, &mut warnings)?;
        (image.image, checked.build_image.clone())
    };
    let owner = cnb_owner(&base, &build_image_name)?;

    let lifecycle = match &options.lifecycle {
        // The binary's version is checked by running it: it is this machine's platform's.
        Some(binary) if runs_here(platform) => {
            // One file for the version check and the layer: a name without a slash is a file
            // of the current directory (as every path argument), never a program looked up on
            // PATH.
            let binary = &std::path::absolute(binary)
                .with_context(|| format!("cannot resolve the lifecycle {}", binary.display()))?;
            if checked.config.lifecycle.uri.is_some() {
                warnings.push(format!(
                    "[lifecycle] uri is ignored for {}: the lifecycle is {}",
                    platform_name(platform),
                    binary.display()
                ));
            }
            from_binary(binary, options.launcher.as_deref(), lifecycle_version)?
        }
        given => {
            if let Some(binary) = given {
                warnings.push(format!(
                    "the lifecycle {} is for {} (this machine's platform): the {} builder gets the one [lifecycle] names",
                    binary.display(),
                    platform_name(&host_platform()),
                    platform_name(platform)
                ));
            }
            fetch_lifecycle(
                &checked,
                registry,
                platform,
                &options.lifecycle_repository,
                &mut pulled,
            )?
        }
    };
    let lifecycle_version = checked_lifecycle_version(&checked, &lifecycle)?;
    check_modules_against(&modules, &base, &build_image_name)?;

    let mut layers = vec![dirs_layer(owner)?];
    let (lifecycle_layer, launcher_warning) = lifecycle_layer(
        &lifecycle.lifecycle,
        lifecycle.launcher.as_deref(),
        &lifecycle_toml(&lifecycle_version)?,
    )?;
    layers.push(lifecycle_layer);
    warnings.extend(launcher_warning);
    layers.extend(modules.iter().map(|module| module.layer.clone()));
    let (files, labels) = config_files_and_labels(&checked, &modules, &base, &lifecycle_version)?;
    for (path, text) in &files {
        layers.push(single_file_layer(path, text)?);
    }
    if !checked.config.build.env.is_empty() {
        layers.push(build_env_layer(&checked)?);
    }

    let config = builder_config(&base.config, &labels, &layers)?;
    let mut image_layers = base.layers.clone();
    image_layers.extend(layers.iter().cloned());
    let image = Image {
        config,
        layers: image_layers,
    };
    let made = PlatformBuilder {
        lifecycle_version,
        modules: modules.iter().map(|m| m.details.full_name()).collect(),
        added_layers: layers.len(),
        warnings,
        pulled,
    };
    Ok((image, made))
}

/// Writes (`--output`) and pushes (`--publish`) the builder: one platform's as its image
/// manifest, several as an image index of theirs; returns the manifest's or the index's
/// descriptor.
fn write_and_push(
    options: &CreateOptions,
    registry: &Registry,
    mut images: Vec<(Platform, Image)>,
) -> anyhow::Result<oci_layout::Descriptor> {
    if options.output.is_some() {
        for (_, image) in &images {
            registry.fetch_all(image)?;
        }
    }
    let tag = &options.output_tag;
    let (written, pushed) = if let [_] = images.as_slice() {
        let (_, image) = images.remove(0);
        let written = match &options.output {
            Some(output) => image.write_layout(output, tag)?.manifest,
            None => image.config_and_manifest()?.1.descriptor()?,
        };
        let pushed = options.publish.as_ref().map(|to| registry.push(&image, to));
        (written, pushed.transpose()?)
    } else {
        let index = PlatformImages { images };
        let written = match &options.output {
            Some(output) => index.write_layout(output, tag)?,
            None => index.documents()?.index.descriptor()?,
        };
        let pushed = options
            .publish
            .as_ref()
            .map(|to| registry.push_index(&index, to));
        (written, pushed.transpose()?)
    };
    if let (Some(reference), Some(digest)) = (&options.publish, pushed)
        && digest != written.digest().to_string()
    {
        bail!(
            "{reference}: pushed as {digest}, but the builder is {}",
            written.digest()
        );
    }
    Ok(written)
}

/// The lifecycle's version: the one `[lifecycle] version` asks for, if any, and a 0.21 one
/// (the APIs the packager knows).
fn checked_lifecycle_version(
    checked: &CheckedBuilder,
    lifecycle: &lifecycle::LifecycleFiles,
) -> anyhow::Result<String> {
    let lifecycle_version = lifecycle.version.clone();
    if let Some(wanted) = &checked.config.lifecycle.version
        && *wanted != lifecycle_version
    {
        bail!(
            "{} asks for lifecycle {wanted}, but {} is lifecycle {lifecycle_version}",
            checked.path.display(),
            lifecycle.source
        );
    }
    if !lifecycle_version.starts_with("0.21.") {
        bail!(
            "lifecycle {lifecycle_version} ({}) is not supported: the packager knows the APIs of lifecycle 0.21.x",
            lifecycle.source
        );
    }
    Ok(lifecycle_version)
}

/// The definition checked with its modules named by image read from their labels (each image
/// pulled for `platform`, manifest and config only), and the images pulled, by reference.
///
/// # Errors
/// The definition's problems, an image that cannot be pulled or is not a buildpackage among
/// them.
pub fn check_against_images(
    config: &Path,
    registry: &Registry,
    platform: &Platform,
) -> anyhow::Result<(CheckedBuilder, BTreeMap<String, PulledImage>)> {
    let mut images = BTreeMap::new();
    let checked = check_file_verified(config, &mut |reference: &str| {
        let contents_of = |image: &PulledImage| {
            ImageContents::of(&image.image).with_context(|| format!("the image {reference}"))
        };
        if let Some(image) = images.get(reference) {
            return contents_of(image);
        }
        let image = registry.pull(reference, platform)?;
        let contents = contents_of(&image)?;
        images.insert(reference.to_string(), image);
        Ok(contents)
    })?;
    Ok((checked, images))
}

/// The builder's platforms: one per `[[targets]]` entry, else linux/amd64 (what our module
/// binaries are built for). Images are chosen from indexes by them.
#[must_use]
pub fn target_platforms(checked: &CheckedBuilder) -> Vec<Platform> {
    let field = |value: &str, default: &str| -> String {
        if value.is_empty() { default } else { value }.to_string()
    };
    let platforms: Vec<Platform> = checked
        .config
        .targets
        .iter()
        .map(|target| {
            oci_layout::platform(
                &field(&target.os, "linux"),
                &field(&target.arch, "amd64"),
                Some(target.variant.as_str()).filter(|variant| !variant.is_empty()),
            )
        })
        .collect();
    if platforms.is_empty() {
        vec![oci_layout::platform("linux", "amd64", None)]
    } else {
        platforms
    }
}

/// The platform of this machine, whose binaries the packager can run (linux/amd64 here).
fn host_platform() -> Platform {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    oci_layout::platform(std::env::consts::OS, arch, None)
}

/// Whether binaries of `platform` run on this machine.
fn runs_here(platform: &Platform) -> bool {
    let host = host_platform();
    platform.os() == host.os() && platform.architecture() == host.architecture()
}

/// The largest `CNB_USER_ID` / `CNB_GROUP_ID` taken: 2^31 - 1.
///
/// pack (`internal/builder/builder.go`) and the lifecycle (`platform/lifecycle_inputs.go`) read
/// both with Go's `strconv.Atoi`, an `int`: pack then writes it into tar headers and the
/// lifecycle switches to it, and a value that does not parse is silently 0 (root) in the
/// lifecycle. Linux ids are 32 bits, `(uid_t) -1` (4294967295) meaning "unchanged" to
/// `setresuid`, and Kubernetes, where kpack runs builders, takes `runAsUser` and `runAsGroup`
/// from 0 to 2^31 - 1: that range is an id every one of them reads alike.
pub const MAX_CNB_ID: u32 = i32::MAX.unsigned_abs();

/// `CNB_USER_ID:CNB_GROUP_ID` of the build image: decimal integers from 0 to [`MAX_CNB_ID`].
fn cnb_owner(base: &oci_layout::LoadedImage, build_image_name: &str) -> anyhow::Result<Owner> {
    let id_of = |name: &str, what: &str| -> anyhow::Result<u64> {
        let value = base.env(name).with_context(|| {
            format!("build image {build_image_name} is missing the required env var {name} (pack requires CNB_USER_ID and CNB_GROUP_ID)")
        })?;
        value
            .parse::<u32>()
            .ok()
            .filter(|id| *id <= MAX_CNB_ID)
            .map(u64::from)
            .with_context(|| {
                format!(
                    "{name} of build image {build_image_name} is {}, not a {what} id: expected a decimal integer from 0 to {MAX_CNB_ID}",
                    quoted(value)
                )
            })
    };
    Ok(Owner {
        uid: id_of("CNB_USER_ID", "user")?,
        gid: id_of("CNB_GROUP_ID", "group")?,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn owner_of(uid: &str, gid: &str) -> anyhow::Result<Owner> {
        let image = oci_layout::LoadedImage {
            config: serde_json::json!({
                "config": {"Env": [format!("CNB_USER_ID={uid}"), format!("CNB_GROUP_ID={gid}")]}
            }),
            layers: Vec::new(),
        };
        cnb_owner(&image, "build")
    }

    #[test]
    fn cnb_ids_are_ids_pack_and_the_lifecycle_read_alike() {
        let owner = owner_of("1002", "0").unwrap();
        assert_eq!((owner.uid, owner.gid), (1002, 0));
        let owner = owner_of("2147483647", "+1000").unwrap();
        assert_eq!((owner.uid, owner.gid), (2_147_483_647, 1000));
        for bad in [
            "18446744073709551615",
            "4294967295",
            "2147483648",
            "-1",
            "",
            "1e3",
            " 1",
        ] {
            assert_eq!(
                owner_of(bad, "1000").unwrap_err().to_string(),
                format!(
                    "CNB_USER_ID of build image build is {}, not a user id: expected a decimal integer from 0 to 2147483647",
                    quoted(bad)
                ),
            );
            assert_eq!(
                owner_of("1000", bad).unwrap_err().to_string(),
                format!(
                    "CNB_GROUP_ID of build image build is {}, not a group id: expected a decimal integer from 0 to 2147483647",
                    quoted(bad)
                ),
            );
        }
        let long = "9".repeat(100_000);
        let message = owner_of(&long, "1000").unwrap_err().to_string();
        assert!(message.len() < 300, "{message}");
    }
}
