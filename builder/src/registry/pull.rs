//! Pulling an image: its manifest (through an index, the entry of the wanted platform) and its
//! config, by digest from the cache or streamed into it; its layers are taken into the cache
//! when their bytes are needed ([`Registry::fetch`]): a push to the registry they came from
//! mounts them instead.

use super::{Registry, cache::Cache, mirrored, parse_reference};
use anyhow::{Context, bail};
use oci_client::Reference;
use oci_client::manifest::{
    IMAGE_DOCKER_LAYER_GZIP_MEDIA_TYPE, IMAGE_DOCKER_LAYER_TAR_MEDIA_TYPE,
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, ImageIndexEntry,
    OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest, OciManifest,
};
use oci_layout::{
    Blob, BlobData, Image, LayerBlob, LoadedImage, MEDIA_TYPE_LAYER_GZIP, MEDIA_TYPE_LAYER_TAR,
    Platform,
};
use std::path::PathBuf;

/// The manifest media types asked for.
const MANIFEST_TYPES: [&str; 4] = [
    OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE,
    IMAGE_MANIFEST_LIST_MEDIA_TYPE,
    IMAGE_MANIFEST_MEDIA_TYPE,
];

/// A pulled image: its layers are files of the blob cache, there once fetched.
#[derive(Debug, Clone)]
pub struct PulledImage {
    /// The reference as given.
    pub reference: String,
    /// The reference pinned to the manifest's digest (`<registry>/<repository>@sha256:...`),
    /// in the mirror it was pulled from if its registry has one.
    pub pinned: String,
    /// The digest of the image's manifest (for an index, of the platform's entry).
    pub digest: String,
    /// The digest of the index it was chosen from, if any.
    pub index_digest: Option<String>,
    pub image: LoadedImage,
}

impl Registry {
    /// Pulls `reference` (`docker://` allowed) for `platform`: from an index, the entry of that
    /// OS and architecture (and variant, when given); a single image must be of that platform.
    /// From the mirror of its registry, if [`super::RegistryOptions::mirrors`] names one.
    ///
    /// # Errors
    /// The reference named, with what failed: an unreachable registry, refused credentials, a
    /// missing repository or tag, content that does not match its digest, a platform the
    /// index lacks.
    pub fn pull(&self, reference: &str, platform: &Platform) -> anyhow::Result<PulledImage> {
        let named = parse_reference(reference)?;
        let parsed = mirrored(&named, &self.mirrors).unwrap_or(named);
        self.authenticate(&parsed, false)?;
        let (bytes, mut digest) = self.manifest(&parsed)?;
        let mut index_digest = None;
        let manifest = match parse_manifest(&bytes, &parsed)? {
            OciManifest::Image(manifest) => manifest,
            OciManifest::ImageIndex(index) => {
                let entry = choose(&index.manifests, platform).with_context(|| {
                    format!(
                        "{reference}: the image index {digest} has no {} image (it has: {})",
                        platform_name(platform),
                        index
                            .manifests
                            .iter()
                            .map(|entry| entry.platform.as_ref().map_or_else(
                                || "no platform".to_string(),
                                |p| entry_platform_name(
                                    &p.os.to_string(),
                                    &p.architecture.to_string(),
                                    p.variant.as_deref()
                                )
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                let chosen = parsed.clone_with_digest(entry.digest.clone());
                let (bytes, chosen_digest) = self.manifest(&chosen)?;
                index_digest = Some(digest);
                digest = chosen_digest;
                match parse_manifest(&bytes, &chosen)? {
                    OciManifest::Image(manifest) => manifest,
                    OciManifest::ImageIndex(_) => {
                        bail!("{reference}: the index entry {digest} is an index, not an image")
                    }
                }
            }
        };
        let config_path = self.blob(&parsed, &manifest.config)?;
        let config: serde_json::Value = serde_json::from_slice(&Cache::read(&config_path)?)
            .with_context(|| {
                format!(
                    "{reference}: the image config {} is not JSON",
                    manifest.config.digest
                )
            })?;
        check_platform(&config, platform, reference)?;
        let layers = self.layers(&parsed, &manifest, &config, reference)?;
        let pinned = format!("{}/{}@{digest}", parsed.registry(), parsed.repository());
        Ok(PulledImage {
            reference: reference.to_string(),
            pinned,
            digest,
            index_digest,
            image: LoadedImage { config, layers },
        })
    }

    fn layers(
        &self,
        parsed: &Reference,
        manifest: &OciImageManifest,
        config: &serde_json::Value,
        reference: &str,
    ) -> anyhow::Result<Vec<LayerBlob>> {
        let diff_ids: Vec<&str> = config
            .pointer("/rootfs/diff_ids")
            .and_then(serde_json::Value::as_array)
            .map(|ids| ids.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        if diff_ids.len() != manifest.layers.len() {
            bail!(
                "{reference}: the image config lists {} diff ids for {} layers",
                diff_ids.len(),
                manifest.layers.len()
            );
        }
        manifest
            .layers
            .iter()
            .zip(diff_ids)
            .map(|(layer, diff_id)| {
                let media_type = match layer.media_type.as_str() {
                    IMAGE_DOCKER_LAYER_GZIP_MEDIA_TYPE | MEDIA_TYPE_LAYER_GZIP => {
                        MEDIA_TYPE_LAYER_GZIP
                    }
                    IMAGE_DOCKER_LAYER_TAR_MEDIA_TYPE | MEDIA_TYPE_LAYER_TAR => {
                        MEDIA_TYPE_LAYER_TAR
                    }
                    other => bail!(
                        "{reference}: layer {} has the unsupported media type {other:?}",
                        layer.digest
                    ),
                };
                Ok(LayerBlob {
                    blob: Blob {
                        media_type: media_type.to_string(),
                        digest: layer.digest.clone(),
                        size: u64::try_from(layer.size).with_context(|| {
                            format!("{reference}: layer {} has a negative size", layer.digest)
                        })?,
                        data: BlobData::File(self.lazy_blob(parsed, &layer.digest)?),
                    },
                    diff_id: diff_id.to_string(),
                })
            })
            .collect()
    }

    /// A manifest's bytes and digest: by digest from the cache when there, else from the
    /// registry (the client checks the digest of what it gets).
    fn manifest(&self, reference: &Reference) -> anyhow::Result<(Vec<u8>, String)> {
        if let Some(digest) = reference.digest()
            && let Some(path) = self.cache.get(digest, None)?
        {
            return Ok((Cache::read(&path)?, digest.to_string()));
        }
        let (bytes, digest) = self
            .block_on(self.client.pull_manifest_raw(
                reference,
                &oci_client::secrets::RegistryAuth::Anonymous,
                &MANIFEST_TYPES,
            ))
            .map_err(|error| self.explain(error, reference, &self.credentials_source(reference)))?;
        self.count(|transfer| transfer.manifests_fetched += 1);
        self.cache
            .put(&digest, &bytes)
            .with_context(|| format!("{reference}: the manifest does not match its digest"))?;
        Ok((bytes.to_vec(), digest))
    }

    /// Where a layer will be in the cache: it is downloaded only when its bytes are needed
    /// ([`Registry::fetch`]), so that a push to the registry it came from mounts it instead.
    fn lazy_blob(&self, reference: &Reference, digest: &str) -> anyhow::Result<PathBuf> {
        self.origins
            .borrow_mut()
            .entry(digest.to_string())
            .or_insert_with(|| reference.clone());
        self.cache.path(digest)
    }

    /// Makes sure a blob of a pulled image is in the cache: downloaded (streamed, its digest
    /// checked) from the repository it was pulled from when missing. Blobs in memory and files
    /// that are there already need nothing.
    ///
    /// # Errors
    /// What the download met (see [`Registry::pull`]).
    pub fn fetch(&self, blob: &Blob) -> anyhow::Result<()> {
        let BlobData::File(path) = &blob.data else {
            return Ok(());
        };
        if path.is_file() {
            return Ok(());
        }
        let origin = self
            .origins
            .borrow()
            .get(&blob.digest)
            .cloned()
            .with_context(|| {
                format!(
                    "the blob {} ({}) is neither there nor from a pulled image",
                    blob.digest,
                    path.display()
                )
            })?;
        let descriptor = OciDescriptor {
            media_type: blob.media_type.clone(),
            digest: blob.digest.clone(),
            size: i64::try_from(blob.size).unwrap_or(i64::MAX),
            ..OciDescriptor::default()
        };
        self.blob(&origin, &descriptor)?;
        Ok(())
    }

    /// Every blob of `image` in the cache (see [`Registry::fetch`]), e.g. before writing it
    /// as a layout.
    ///
    /// # Errors
    /// What a download met.
    pub fn fetch_all(&self, image: &Image) -> anyhow::Result<()> {
        image
            .layers
            .iter()
            .try_for_each(|layer| self.fetch(&layer.blob))
    }

    /// A blob's file in the cache, downloaded (streamed, its digest checked) when missing.
    fn blob(
        &self,
        reference: &Reference,
        descriptor: &OciDescriptor,
    ) -> anyhow::Result<std::path::PathBuf> {
        let size = u64::try_from(descriptor.size).ok();
        self.origins
            .borrow_mut()
            .entry(descriptor.digest.clone())
            .or_insert_with(|| reference.clone());
        if let Some(path) = self.cache.get(&descriptor.digest, size)? {
            self.count(|transfer| transfer.blobs_cached += 1);
            return Ok(path);
        }
        let download = self.cache.temp_file()?;
        let file = download
            .reopen()
            .with_context(|| format!("cannot open {}", download.path().display()))?;
        self.block_on(self.client.pull_blob(
            reference,
            descriptor,
            tokio::fs::File::from_std(file),
        ))
        .map_err(|error| self.explain(error, reference, &self.credentials_source(reference)))
        .with_context(|| format!("cannot download the blob {}", descriptor.digest))?;
        let length = download
            .as_file()
            .metadata()
            .map(|metadata| metadata.len())?;
        if size.is_some_and(|size| size != length) {
            bail!(
                "{reference}: the blob {} is {length} bytes, its descriptor says {}",
                descriptor.digest,
                descriptor.size
            );
        }
        self.count(|transfer| {
            transfer.blobs_downloaded += 1;
            transfer.bytes_downloaded += length;
        });
        self.cache.commit(download, &descriptor.digest)
    }
}

fn parse_manifest(bytes: &[u8], reference: &Reference) -> anyhow::Result<OciManifest> {
    serde_json::from_slice(bytes).with_context(|| {
        format!("{reference}: the manifest is neither an image manifest nor an index")
    })
}

/// The index entry for `platform`: same OS and architecture, and variant when `platform` names
/// one (an entry without a variant matches too).
fn choose<'a>(entries: &'a [ImageIndexEntry], platform: &Platform) -> Option<&'a ImageIndexEntry> {
    entries.iter().find(|entry| {
        entry.platform.as_ref().is_some_and(|p| {
            p.os.to_string() == platform.os
                && p.architecture.to_string() == platform.architecture
                && platform
                    .variant
                    .as_ref()
                    .is_none_or(|variant| p.variant.as_ref().is_none_or(|v| v == variant))
        })
    })
}

/// A single image must be of the platform (an image config without `os`/`architecture`
/// passes: old buildpackages lack them).
fn check_platform(
    config: &serde_json::Value,
    platform: &Platform,
    reference: &str,
) -> anyhow::Result<()> {
    let field = |name: &str| config.get(name).and_then(serde_json::Value::as_str);
    for (name, wanted) in [
        ("os", &platform.os),
        ("architecture", &platform.architecture),
    ] {
        if let Some(actual) = field(name)
            && actual != wanted
        {
            bail!(
                "{reference}: the image is {}, not {}",
                entry_platform_name(
                    field("os").unwrap_or("?"),
                    field("architecture").unwrap_or("?"),
                    field("variant")
                ),
                platform_name(platform)
            );
        }
    }
    Ok(())
}

fn platform_name(platform: &Platform) -> String {
    entry_platform_name(
        &platform.os,
        &platform.architecture,
        platform.variant.as_deref(),
    )
}

fn entry_platform_name(os: &str, architecture: &str, variant: Option<&str>) -> String {
    match variant {
        Some(variant) => format!("{os}/{architecture}/{variant}"),
        None => format!("{os}/{architecture}"),
    }
}
