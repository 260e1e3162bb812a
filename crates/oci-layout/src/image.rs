//! An image to write ([`Image`]: a config and its layers, turned into the config, manifest and
//! index documents) and an image read ([`LoadedImage`]).

use crate::manifest::{Index, Manifest};
use crate::{
    Blob, Descriptor, LayerBlob, MEDIA_TYPE_CONFIG, MEDIA_TYPE_INDEX, MEDIA_TYPE_MANIFEST,
    Platform, REF_NAME_ANNOTATION,
};
use anyhow::bail;
use std::collections::BTreeMap;

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
        let diff_ids: Vec<&str> = self
            .config
            .pointer("/rootfs/diff_ids")
            .and_then(serde_json::Value::as_array)
            .map(|ids| ids.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let layer_ids: Vec<&str> = self.layers.iter().map(|l| l.diff_id.as_str()).collect();
        if diff_ids != layer_ids {
            bail!("the image config's rootfs.diff_ids do not list the image's layers");
        }
        let config = Blob::memory(MEDIA_TYPE_CONFIG, serde_json::to_vec(&self.config)?);
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_MANIFEST.to_string()),
            config: config.descriptor(),
            layers: self.layers.iter().map(|l| l.blob.descriptor()).collect(),
            annotations: BTreeMap::new(),
        };
        let manifest = Blob::memory(MEDIA_TYPE_MANIFEST, serde_json::to_vec(&manifest)?);
        let platform = Platform {
            architecture: json_str(&self.config, "/architecture")
                .unwrap_or("amd64")
                .to_string(),
            os: json_str(&self.config, "/os").unwrap_or("linux").to_string(),
            variant: json_str(&self.config, "/variant").map(str::to_string),
        };
        let mut entry = manifest.descriptor();
        entry
            .annotations
            .insert(REF_NAME_ANNOTATION.to_string(), tag.to_string());
        entry.platform = Some(platform);
        let index = Index {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_INDEX.to_string()),
            manifests: vec![entry],
        };
        Ok((config, manifest, serde_json::to_vec(&index)?))
    }

    /// All blobs, sorted by digest, without duplicates.
    pub(super) fn all_blobs<'a>(&'a self, config: &'a Blob, manifest: &'a Blob) -> Vec<&'a Blob> {
        let mut blobs: Vec<&Blob> = self.layers.iter().map(|l| &l.blob).collect();
        blobs.push(config);
        blobs.push(manifest);
        blobs.sort_by(|a, b| a.digest.cmp(&b.digest));
        blobs.dedup_by(|a, b| a.digest == b.digest);
        blobs
    }
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
