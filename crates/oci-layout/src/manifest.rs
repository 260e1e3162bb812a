//! The OCI documents: media types, content descriptors, image manifests and indexes, written as
//! pack and the registries read them and read back (Docker's media types normalized to OCI).

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MEDIA_TYPE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_TYPE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
const DOCKER_MEDIA_TYPE_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MEDIA_TYPE_MANIFEST_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const DOCKER_MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// The `index.json` annotation that names a manifest (the tag of `oci:<dir>:<tag>`).
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

/// The platform of an index entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Manifest {
    #[serde(rename = "schemaVersion")]
    pub(super) schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub(super) media_type: Option<String>,
    pub(super) config: Descriptor,
    pub(super) layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) annotations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Index {
    #[serde(rename = "schemaVersion")]
    pub(super) schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub(super) media_type: Option<String>,
    pub(super) manifests: Vec<Descriptor>,
}

pub(super) fn select_manifest(
    entries: &[Descriptor],
    tag: Option<&str>,
) -> anyhow::Result<Descriptor> {
    let tag_of = |entry: &Descriptor| entry.annotations.get(REF_NAME_ANNOTATION).cloned();
    match tag {
        Some(tag) => entries
            .iter()
            .find(|entry| tag_of(entry).as_deref() == Some(tag))
            .cloned()
            .with_context(|| {
                let tags: Vec<String> = entries.iter().filter_map(tag_of).collect();
                format!(
                    "no image tagged {tag:?} (tags: {})",
                    if tags.is_empty() {
                        "none".to_string()
                    } else {
                        tags.join(", ")
                    }
                )
            }),
        None => match entries {
            [only] => Ok(only.clone()),
            [] => bail!("the layout holds no image"),
            several => bail!(
                "the layout holds {} images: name one with <dir>:<tag> (tags: {})",
                several.len(),
                several
                    .iter()
                    .filter_map(tag_of)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

/// Reads a manifest (following an index to its linux/amd64 entry) and its config; returns the
/// config and the layer descriptors (media types normalized to OCI) with their diff ids.
pub(super) fn load_manifest(
    entry: &Descriptor,
    read_blob: &dyn Fn(&str) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<(serde_json::Value, Vec<(Descriptor, String)>)> {
    let bytes = read_blob(&entry.digest)?;
    if entry.media_type == MEDIA_TYPE_INDEX || entry.media_type == DOCKER_MEDIA_TYPE_MANIFEST_LIST {
        let index: Index = serde_json::from_slice(&bytes).context("invalid image index")?;
        let chosen = index
            .manifests
            .iter()
            .find(|m| {
                m.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
            })
            .or_else(|| index.manifests.first())
            .context("an empty image index")?;
        return load_manifest(chosen, read_blob);
    }
    if entry.media_type != MEDIA_TYPE_MANIFEST && entry.media_type != DOCKER_MEDIA_TYPE_MANIFEST {
        bail!("unsupported manifest media type {:?}", entry.media_type);
    }
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("invalid manifest {}", entry.digest))?;
    let config_bytes = read_blob(&manifest.config.digest)?;
    let config: serde_json::Value = serde_json::from_slice(&config_bytes)
        .with_context(|| format!("invalid image config {}", manifest.config.digest))?;
    let diff_ids: Vec<String> = config
        .pointer("/rootfs/diff_ids")
        .and_then(serde_json::Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if diff_ids.len() != manifest.layers.len() {
        bail!(
            "the image config lists {} diff ids for {} layers",
            diff_ids.len(),
            manifest.layers.len()
        );
    }
    let layers = manifest
        .layers
        .into_iter()
        .zip(diff_ids)
        .map(|(mut descriptor, diff_id)| {
            descriptor.media_type = match descriptor.media_type.as_str() {
                DOCKER_MEDIA_TYPE_LAYER_GZIP => MEDIA_TYPE_LAYER_GZIP.to_string(),
                DOCKER_MEDIA_TYPE_LAYER_TAR => MEDIA_TYPE_LAYER_TAR.to_string(),
                other => other.to_string(),
            };
            (descriptor, diff_id)
        })
        .collect();
    Ok((config, layers))
}
