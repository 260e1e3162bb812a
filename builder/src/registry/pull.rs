//! Pulling an image: its manifest (through an index, the entry of the wanted platform) and its
//! config, by digest from the cache or streamed into it; its layers are taken into the cache
//! when their bytes are needed ([`Registry::fetch`]): a push to the registry they came from
//! mounts them instead.

use super::{Registry, cache::Cache, mirrored, parse_reference};
use anyhow::{Context, bail};
use oci_client::Reference;
use oci_layout::{
    Blob, BlobData, Image, ImageIndex, ImageManifest, LayerBlob, LoadedImage, MANIFEST_MEDIA_TYPES,
    Platform, check_layer_compression, choose_manifest, image_layers, platform_name,
};
use std::path::PathBuf;

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
            Document::Image(manifest) => manifest,
            Document::Index(index) => {
                let entry = choose_manifest(index.manifests(), platform).with_context(|| {
                    format!(
                        "{reference}: the image index {digest} has no {} image (it has: {})",
                        platform_name(platform),
                        index
                            .manifests()
                            .iter()
                            .map(|entry| entry
                                .platform()
                                .as_ref()
                                .map_or_else(|| "no platform".to_string(), platform_name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                let chosen = parsed.clone_with_digest(entry.digest().to_string());
                let (bytes, chosen_digest) = self.manifest(&chosen)?;
                index_digest = Some(digest);
                digest = chosen_digest;
                match parse_manifest(&bytes, &chosen)? {
                    Document::Image(manifest) => manifest,
                    Document::Index(_) => {
                        bail!("{reference}: the index entry {digest} is an index, not an image")
                    }
                }
            }
        };
        let config_digest = manifest.config().digest().to_string();
        let config_path = self.blob(&parsed, &config_digest, Some(manifest.config().size()))?;
        let config: serde_json::Value = serde_json::from_slice(&Cache::read(&config_path)?)
            .with_context(|| {
                format!("{reference}: the image config {config_digest} is not JSON")
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
        manifest: &ImageManifest,
        config: &serde_json::Value,
        reference: &str,
    ) -> anyhow::Result<Vec<LayerBlob>> {
        image_layers(manifest, config)
            .with_context(|| reference.to_string())?
            .into_iter()
            .map(|(layer, diff_id)| {
                let digest = layer.digest().to_string();
                Ok(LayerBlob {
                    blob: Blob {
                        media_type: layer.media_type().clone(),
                        size: layer.size(),
                        data: BlobData::File(self.lazy_blob(parsed, &digest)?),
                        digest,
                    },
                    diff_id,
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
                &MANIFEST_MEDIA_TYPES,
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
    /// checked) from the repository it was pulled from when missing. Blobs in memory need
    /// nothing; a layer's bytes, once there, must be compressed as its media type declares
    /// ([`oci_layout::check_layer_compression`], as for layouts and `.cnb` files when read).
    ///
    /// # Errors
    /// What the download met (see [`Registry::pull`]); a layer whose bytes are not what its
    /// media type declares, with the repository it was pulled from.
    pub fn fetch(&self, blob: &Blob) -> anyhow::Result<()> {
        let BlobData::File(path) = &blob.data else {
            return Ok(());
        };
        let origin = self.origins.borrow().get(&blob.digest).cloned();
        if !path.is_file() {
            let origin = origin.as_ref().with_context(|| {
                format!(
                    "the blob {} ({}) is neither there nor from a pulled image",
                    blob.digest,
                    path.display()
                )
            })?;
            self.blob(origin, &blob.digest, Some(blob.size))?;
        }
        check_layer_compression(blob).with_context(|| {
            origin.map_or_else(|| path.display().to_string(), |origin| origin.to_string())
        })
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
        digest: &str,
        size: Option<u64>,
    ) -> anyhow::Result<std::path::PathBuf> {
        self.origins
            .borrow_mut()
            .entry(digest.to_string())
            .or_insert_with(|| reference.clone());
        if let Some(path) = self.cache.get(digest, size)? {
            self.count(|transfer| transfer.blobs_cached += 1);
            return Ok(path);
        }
        let download = self.cache.temp_file()?;
        let file = download
            .reopen()
            .with_context(|| format!("cannot open {}", download.path().display()))?;
        self.block_on(
            self.client
                .pull_blob(reference, digest, tokio::fs::File::from_std(file)),
        )
        .map_err(|error| self.explain(error, reference, &self.credentials_source(reference)))
        .with_context(|| format!("cannot download the blob {digest}"))?;
        let length = download
            .as_file()
            .metadata()
            .map(|metadata| metadata.len())?;
        if let Some(size) = size.filter(|size| *size != length) {
            bail!("{reference}: the blob {digest} is {length} bytes, its descriptor says {size}");
        }
        self.count(|transfer| {
            transfer.blobs_downloaded += 1;
            transfer.bytes_downloaded += length;
        });
        self.cache.commit(download, digest)
    }
}

/// A manifest as read: an image manifest or an index (one with `manifests`).
enum Document {
    Image(Box<ImageManifest>),
    Index(Box<ImageIndex>),
}

fn parse_manifest(bytes: &[u8], reference: &Reference) -> anyhow::Result<Document> {
    let neither = || format!("{reference}: the manifest is neither an image manifest nor an index");
    let value: serde_json::Value = serde_json::from_slice(bytes).with_context(neither)?;
    if value.get("manifests").is_some() {
        serde_json::from_value(value).map(|index| Document::Index(Box::new(index)))
    } else {
        serde_json::from_value(value).map(|manifest| Document::Image(Box::new(manifest)))
    }
    .with_context(neither)
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
        ("os", platform.os().to_string()),
        ("architecture", platform.architecture().to_string()),
    ] {
        if let Some(actual) = field(name)
            && actual != wanted
        {
            bail!(
                "{reference}: the image is {}, not {}",
                platform_name(&oci_layout::platform(
                    field("os").unwrap_or("?"),
                    field("architecture").unwrap_or("?"),
                    field("variant")
                )),
                platform_name(platform)
            );
        }
    }
    Ok(())
}
