//! An image to write ([`Image`]: a config and its layers, turned into the config, manifest and
//! index documents) and an image read ([`LoadedImage`]).

use crate::manifest::{diff_ids, platform};
use crate::{Blob, Descriptor, LayerBlob, MediaType, Platform, REF_NAME_ANNOTATION};
use anyhow::bail;
use oci_spec::image::{ImageIndexBuilder, ImageManifestBuilder};
use std::collections::HashMap;

/// An image to write: its config (a JSON document whose `rootfs.diff_ids` must list the layers)
/// and its layers, bottom first.
#[derive(Debug, Clone)]
pub struct Image {
    pub config: serde_json::Value,
    pub layers: Vec<LayerBlob>,
}

/// The blobs of a written image.
#[derive(Debug, Clone)]
pub struct WrittenImage {
    /// The manifest's descriptor (its digest is the image's digest).
    pub manifest: Descriptor,
    /// The config's descriptor (its digest is the image id).
    pub config: Descriptor,
}

impl Image {
    /// The config, manifest and index blobs for the tag `tag`.
    ///
    /// # Errors
    /// If the config's `rootfs.diff_ids` do not list the layers.
    pub fn documents(&self, tag: &str) -> anyhow::Result<(Blob, Blob, Vec<u8>)> {
        let (config, manifest) = self.config_and_manifest()?;
        let index = layout_index(&manifest, Some(self.platform()), tag)?;
        Ok((config, manifest, index))
    }

    /// The config and manifest blobs.
    ///
    /// # Errors
    /// If the config's `rootfs.diff_ids` do not list the layers.
    pub fn config_and_manifest(&self) -> anyhow::Result<(Blob, Blob)> {
        let layer_ids: Vec<&str> = self.layers.iter().map(|l| l.diff_id.as_str()).collect();
        if diff_ids(&self.config) != layer_ids {
            bail!("the image config's rootfs.diff_ids do not list the image's layers");
        }
        let config = Blob::memory(MediaType::ImageConfig, serde_json::to_vec(&self.config)?);
        let manifest = ImageManifestBuilder::default()
            .schema_version(2_u32)
            .media_type(MediaType::ImageManifest)
            .config(config.descriptor()?)
            .layers(
                self.layers
                    .iter()
                    .map(|l| l.blob.descriptor())
                    .collect::<anyhow::Result<Vec<_>>>()?,
            )
            .build()?;
        let manifest = Blob::memory(MediaType::ImageManifest, serde_json::to_vec(&manifest)?);
        Ok((config, manifest))
    }

    /// The platform its config names (linux/amd64 when it names none).
    fn platform(&self) -> Platform {
        platform(
            json_str(&self.config, "/os").unwrap_or("linux"),
            json_str(&self.config, "/architecture").unwrap_or("amd64"),
            json_str(&self.config, "/variant"),
        )
    }

    /// All blobs (layers, `documents`), sorted by digest, without duplicates.
    pub(super) fn all_blobs<'a>(&'a self, documents: &[&'a Blob]) -> Vec<&'a Blob> {
        let mut blobs: Vec<&Blob> = self.layers.iter().map(|l| &l.blob).collect();
        blobs.extend(documents);
        sorted_unique(blobs)
    }
}

/// `blobs` sorted by digest, each once.
pub(super) fn sorted_unique(mut blobs: Vec<&Blob>) -> Vec<&Blob> {
    blobs.sort_by(|a, b| a.digest.cmp(&b.digest));
    blobs.dedup_by(|a, b| a.digest == b.digest);
    blobs
}

/// A layout's `index.json` listing `entry` (an image manifest with its `platform`, or an
/// image index) tagged `tag`.
pub(super) fn layout_index(
    entry: &Blob,
    platform: Option<Platform>,
    tag: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut descriptor = entry.descriptor()?;
    descriptor.set_annotations(Some(HashMap::from([(
        REF_NAME_ANNOTATION.to_string(),
        tag.to_string(),
    )])));
    descriptor.set_platform(platform);
    let index = ImageIndexBuilder::default()
        .schema_version(2_u32)
        .media_type(MediaType::ImageIndex)
        .manifests(vec![descriptor])
        .build()?;
    Ok(serde_json::to_vec(&index)?)
}

fn json_str<'a>(value: &'a serde_json::Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(serde_json::Value::as_str)
}

/// An image read from an OCI layout directory or a `.cnb` archive.
#[derive(Debug, Clone)]
pub struct LoadedImage {
    /// The config document, as read.
    pub config: serde_json::Value,
    /// The layers, bottom first, with their diff ids from the config.
    pub layers: Vec<LayerBlob>,
}

impl LoadedImage {
    /// The label `name` of the config, if set.
    #[must_use]
    pub fn label(&self, name: &str) -> Option<&str> {
        self.config
            .pointer("/config/Labels")
            .and_then(|labels| labels.get(name))
            .and_then(serde_json::Value::as_str)
    }

    /// The value of the environment variable `name` in the config's `Env`, if set.
    #[must_use]
    pub fn env(&self, name: &str) -> Option<&str> {
        self.config
            .pointer("/config/Env")
            .and_then(serde_json::Value::as_array)?
            .iter()
            .filter_map(serde_json::Value::as_str)
            .find_map(|entry| {
                entry
                    .split_once('=')
                    .filter(|(key, _)| *key == name)
                    .map(|(_, value)| value)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LayerBuilder, Owner};

    /// The documents are byte for byte what the packager wrote before it used `oci-spec`'s
    /// types (and what pack writes): the digests of everything written depend on them.
    #[test]
    fn documents_keep_their_bytes() {
        let mut layer = LayerBuilder::new();
        layer.file("/hello", 0o644, Owner::ROOT, b"hello").unwrap();
        let layer = layer.into_layer().unwrap();
        let image = Image {
            config: serde_json::json!({
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            }),
            layers: vec![layer.clone()],
        };
        let (config, manifest, index) = image.documents("v1").unwrap();
        let manifest_text = String::from_utf8(manifest.bytes().unwrap().into_owned()).unwrap();
        assert_eq!(
            manifest_text,
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}}]}}"#,
                config.digest, config.size, layer.blob.digest, layer.blob.size
            )
        );
        assert_eq!(
            String::from_utf8(index).unwrap(),
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"v1"}},"platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#,
                manifest.digest, manifest.size
            )
        );
    }
}
