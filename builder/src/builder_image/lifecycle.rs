//! The lifecycle a builder gets, as pack finds it (`pkg/client/create_builder.go`
//! `fetchLifecycle`): the `--lifecycle` binary when given (an override, for the builders of
//! this machine's platform, whose binaries run here); else `[lifecycle] uri`
//! (`docker://<image>`: the image's last layer, `/cnb/lifecycle/...`; a path or `file://`: a
//! lifecycle archive, `lifecycle.toml` and `lifecycle/...`); else the image
//! `<repository>:<version>` of `[lifecycle] version` (pack's default version without one),
//! its platform's entry, through the registry client. pack downloads a version's release
//! archive from GitHub instead, which these machines cannot reach; the lifecycle's images hold
//! the same binaries.

use crate::builder_toml::CheckedBuilder;
use crate::registry::Registry;
use anyhow::{Context, bail};
use oci_layout::{BlobData, Platform};
use serde::Deserialize;
use std::io::Read;
use std::path::Path;
use untrusted_input::quoted;

/// Where lifecycle images are pulled from: `<repository>:<version>`.
pub const DEFAULT_LIFECYCLE_REPOSITORY: &str = "docker.io/buildpacksio/lifecycle";
/// The version pack v0.38.2 takes when `[lifecycle]` names none (`builder.DefaultLifecycleVersion`).
pub const PACK_DEFAULT_LIFECYCLE_VERSION: &str = "0.20.11";
/// The largest lifecycle file read (the lifecycle binary is about 30 MB).
pub const MAX_LIFECYCLE_FILE: u64 = 256 << 20;
/// The label of a lifecycle image naming its version.
const VERSION_LABEL: &str = "io.buildpacks.lifecycle.version";

/// The lifecycle's files, and where they came from.
#[derive(Debug)]
pub(super) struct LifecycleFiles {
    pub(super) lifecycle: Vec<u8>,
    pub(super) launcher: Option<Vec<u8>>,
    pub(super) version: String,
    /// The image (pinned) or the file, for messages.
    pub(super) source: String,
}

/// The `--lifecycle` binary (its version from `<binary> -version`, run by `version`) and the
/// launcher beside it, if any.
///
/// # Errors
/// If a file cannot be read, or the version cannot be had.
pub(super) fn from_binary(
    binary: &Path,
    launcher: Option<&Path>,
    version: impl FnOnce(&Path) -> anyhow::Result<String>,
) -> anyhow::Result<LifecycleFiles> {
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    Ok(LifecycleFiles {
        version: version(binary)?,
        lifecycle: read(binary)?,
        launcher: launcher.map(read).transpose()?,
        source: binary.display().to_string(),
    })
}

/// The lifecycle `[lifecycle]` names (see the module documentation), for `platform`.
///
/// # Errors
/// A `uri` the packager cannot read (a URL), an image or archive without the lifecycle, a
/// version that is not one; what pulling met.
pub(super) fn fetch_lifecycle(
    checked: &CheckedBuilder,
    registry: &Registry,
    platform: &Platform,
    repository: &str,
    pulled: &mut Vec<(String, String)>,
) -> anyhow::Result<LifecycleFiles> {
    let config = &checked.config.lifecycle;
    if let Some(uri) = &config.uri {
        if let Some(image) = uri.strip_prefix("docker://") {
            return from_image(image, registry, platform, pulled);
        }
        if uri.starts_with("http://") || uri.starts_with("https://") {
            bail!(
                "[lifecycle] uri {}: the packager does not download URLs; give the lifecycle as an image (docker://<image>), a local archive, [lifecycle] version, or --lifecycle",
                quoted(uri)
            );
        }
        let path = uri.strip_prefix("file://").unwrap_or(uri);
        let base = checked.path.parent().unwrap_or_else(|| Path::new("."));
        return from_archive(&base.join(path));
    }
    let version = config
        .version
        .as_deref()
        .unwrap_or(PACK_DEFAULT_LIFECYCLE_VERSION);
    from_image(
        &format!("{repository}:{version}"),
        registry,
        platform,
        pulled,
    )
}

/// The lifecycle in an image's last layer (`/cnb/lifecycle/lifecycle`, `/cnb/lifecycle/launcher`),
/// its version from the label `io.buildpacks.lifecycle.version`.
fn from_image(
    reference: &str,
    registry: &Registry,
    platform: &Platform,
    pulled: &mut Vec<(String, String)>,
) -> anyhow::Result<LifecycleFiles> {
    let image = registry.pull(reference, platform)?;
    pulled.push((image.reference.clone(), image.pinned.clone()));
    let version = image
        .image
        .label(VERSION_LABEL)
        .with_context(|| format!("the lifecycle image {reference} has no label {VERSION_LABEL}"))?
        .to_string();
    let layer = image
        .image
        .layers
        .last()
        .with_context(|| format!("the lifecycle image {reference} has no layers"))?;
    registry.fetch(&layer.blob)?;
    let bytes = match &layer.blob.data {
        BlobData::Memory(bytes) => bytes.clone(),
        BlobData::File(path) => {
            untrusted_input::read_regular_file(path, crate::registry::BLOB_LIMIT)?
                .with_context(|| format!("the layer {} is not in the cache", layer.blob.digest))?
        }
    };
    let gzip = layer.blob.media_type.to_string().ends_with("gzip");
    let (lifecycle, launcher) = {
        let files = if gzip {
            read_files(
                flate2::read::GzDecoder::new(bytes.as_slice()),
                "cnb/lifecycle/",
            )
        } else {
            read_files(bytes.as_slice(), "cnb/lifecycle/")
        }
        .with_context(|| format!("the lifecycle image {reference}"))?;
        (files.lifecycle, files.launcher)
    };
    Ok(LifecycleFiles {
        lifecycle: lifecycle.with_context(|| {
            format!(
                "the lifecycle image {reference}: its last layer has no /cnb/lifecycle/lifecycle"
            )
        })?,
        launcher,
        version: checked_version(version, reference)?,
        source: image.pinned,
    })
}

/// A lifecycle archive as pack reads one (a tar, gzip or not): `lifecycle.toml` (its
/// `[lifecycle] version`) and `lifecycle/lifecycle`, `lifecycle/launcher`.
fn from_archive(path: &Path) -> anyhow::Result<LifecycleFiles> {
    #[derive(Deserialize)]
    struct Descriptor {
        lifecycle: Version,
    }
    #[derive(Deserialize)]
    struct Version {
        version: String,
    }
    let bytes = untrusted_input::read_regular_file(path, MAX_LIFECYCLE_FILE)?
        .with_context(|| format!("the lifecycle archive {} does not exist", path.display()))?;
    let files = if bytes.starts_with(&[0x1f, 0x8b]) {
        read_files(flate2::read::GzDecoder::new(bytes.as_slice()), "lifecycle/")
    } else {
        read_files(bytes.as_slice(), "lifecycle/")
    }
    .with_context(|| format!("the lifecycle archive {}", path.display()))?;
    let name = path.display().to_string();
    let descriptor = files
        .descriptor
        .with_context(|| format!("the lifecycle archive {name} has no lifecycle.toml"))?;
    let descriptor: Descriptor =
        toml::from_str(&String::from_utf8_lossy(&descriptor)).map_err(|error| {
            anyhow::anyhow!(
                "the lifecycle.toml of {name}: {}",
                cnb_package::toml_message(&error)
            )
        })?;
    Ok(LifecycleFiles {
        lifecycle: files
            .lifecycle
            .with_context(|| format!("the lifecycle archive {name} has no lifecycle/lifecycle"))?,
        launcher: files.launcher,
        version: checked_version(descriptor.lifecycle.version, &name)?,
        source: name,
    })
}

fn checked_version(version: String, source: &str) -> anyhow::Result<String> {
    if cnb_package::descriptor::is_valid_version(&version) {
        Ok(version)
    } else {
        bail!(
            "{source}: the lifecycle version {} is not MAJOR.MINOR.PATCH",
            quoted(&version)
        )
    }
}

#[derive(Default)]
struct Files {
    lifecycle: Option<Vec<u8>>,
    launcher: Option<Vec<u8>>,
    descriptor: Option<Vec<u8>>,
}

/// `<dir>lifecycle`, `<dir>launcher` and `lifecycle.toml` of a tar (names with or without a
/// leading `/` or `./`), regular files of at most [`MAX_LIFECYCLE_FILE`] bytes each.
fn read_files(tar: impl Read, dir: &str) -> anyhow::Result<Files> {
    let mut files = Files::default();
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().context("not a tar archive")? {
        let mut entry = entry.context("not a tar archive")?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = name.trim_start_matches("./").trim_start_matches('/');
        let slot = if name == format!("{dir}lifecycle") {
            &mut files.lifecycle
        } else if name == format!("{dir}launcher") {
            &mut files.launcher
        } else if name == "lifecycle.toml" {
            &mut files.descriptor
        } else {
            continue;
        };
        if !entry.header().entry_type().is_file() {
            bail!("{} is not a regular file", quoted(name));
        }
        let name = name.to_string();
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_LIFECYCLE_FILE + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", quoted(&name)))?;
        if bytes.len() as u64 > MAX_LIFECYCLE_FILE {
            bail!(
                "{} is larger than {MAX_LIFECYCLE_FILE} bytes, the most read",
                quoted(&name)
            );
        }
        *slot = Some(bytes);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::read_files;

    fn tar(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, kind, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o755);
            if *kind == tar::EntryType::Symlink {
                header.set_link_name("lifecycle").unwrap();
            }
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn the_lifecycle_files_are_found_by_name_and_must_be_regular_files() {
        let files = read_files(
            tar(&[
                ("cnb/lifecycle/lifecycle", tar::EntryType::Regular, b"ELF"),
                ("./cnb/lifecycle/launcher", tar::EntryType::Regular, b"L"),
                ("cnb/lifecycle/detector", tar::EntryType::Symlink, b""),
                ("etc/passwd", tar::EntryType::Regular, b"root"),
            ])
            .as_slice(),
            "cnb/lifecycle/",
        )
        .unwrap();
        assert_eq!(files.lifecycle.as_deref(), Some(&b"ELF"[..]));
        assert_eq!(files.launcher.as_deref(), Some(&b"L"[..]));
        assert!(files.descriptor.is_none());

        let error = read_files(
            tar(&[("lifecycle/lifecycle", tar::EntryType::Symlink, b"")]).as_slice(),
            "lifecycle/",
        )
        .err()
        .unwrap();
        assert_eq!(
            error.to_string(),
            "\"lifecycle/lifecycle\" is not a regular file"
        );
        assert!(read_files(&b"not a tar"[..], "lifecycle/").is_err());
    }
}
