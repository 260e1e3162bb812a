//! `packager package --publish <prefix>`: every module's buildpackage pushed as an image, then
//! every builder definition made from its rendered file (its images pulled, the lifecycle the
//! one `[lifecycle]` names unless `--lifecycle` overrides it) and pushed.

use crate::builder_image::{CreateOptions, create_builder};
use crate::builders::{Definition, PackagedCnb};
use crate::registry::{Registry, RegistryOptions};
use oci_layout::{Image, read_archive};
use std::path::Path;

/// Pushes the buildpackages, then makes and pushes the builders.
pub(super) fn publish(
    prefix: &str,
    lifecycle: Option<&Path>,
    lifecycle_repository: &str,
    registry: &RegistryOptions,
    packages: &[PackagedCnb],
    definitions: &[Definition],
    builders_dir: &Path,
) -> anyhow::Result<()> {
    eprintln!("Publishing {} buildpackage(s) to {prefix}", packages.len());
    publish_buildpackages(packages, prefix, registry)?;
    eprintln!(
        "Making and publishing {} builder(s) to {prefix}",
        definitions.len()
    );
    publish_builders(
        definitions,
        builders_dir,
        prefix,
        lifecycle,
        lifecycle_repository,
        registry,
    )
}

/// `<prefix>/<id with / replaced by _>:<version>` for each buildpackage.
fn publish_buildpackages(
    packages: &[PackagedCnb],
    prefix: &str,
    registry: &RegistryOptions,
) -> anyhow::Result<()> {
    let registry = Registry::new(registry)?;
    for package in packages {
        let loaded = read_archive(&package.cnb, None)?;
        let reference = format!(
            "{prefix}/{}:{}",
            package.details.escaped_id(),
            package.details.info.version
        );
        let digest = registry.push(
            &Image {
                config: loaded.config,
                layers: loaded.layers,
            },
            &reference,
        )?;
        eprintln!("==> {} pushed", package.details.full_name());
        println!("{reference} {digest}");
    }
    Ok(())
}

/// Creates each builder from its rendered definition (`<builders dir>/<name>/builder.toml`)
/// and pushes it as `<prefix>/<name>:latest`: an image index of one builder per platform when
/// the definition has several `[[targets]]`.
fn publish_builders(
    definitions: &[Definition],
    builders_dir: &Path,
    prefix: &str,
    lifecycle: Option<&Path>,
    lifecycle_repository: &str,
    registry: &RegistryOptions,
) -> anyhow::Result<()> {
    // A launcher beside an overriding lifecycle binary goes with it, as `builder create` takes it.
    let launcher = lifecycle
        .map(|lifecycle| lifecycle.with_file_name("launcher"))
        .filter(|launcher| launcher.is_file());
    for definition in definitions {
        let reference = format!("{prefix}/{}:latest", definition.name);
        eprintln!("==> {} as {reference}", definition.name);
        let created = create_builder(&CreateOptions {
            config: builders_dir.join(&definition.name).join("builder.toml"),
            build_image: None,
            build_image_tag: None,
            lifecycle: lifecycle.map(Path::to_path_buf),
            launcher: launcher.clone(),
            lifecycle_repository: lifecycle_repository.to_string(),
            output: None,
            output_tag: "latest".to_string(),
            publish: Some(reference.clone()),
            registry: registry.clone(),
        })?;
        for warning in &created.warnings {
            eprintln!("warning: {warning}");
        }
        let transfer = created.transfer;
        eprintln!(
            "    {}: {} module(s); {} blob(s) downloaded ({} bytes), {} from the cache; {} uploaded ({} bytes), {} already there, {} mounted",
            created.platforms.join(", "),
            created.modules.len(),
            transfer.blobs_downloaded,
            transfer.bytes_downloaded,
            transfer.blobs_cached,
            transfer.blobs_uploaded,
            transfer.bytes_uploaded,
            transfer.blobs_present,
            transfer.blobs_mounted
        );
        println!("{reference} {}", created.manifest.digest());
    }
    Ok(())
}
