//! Pulling an image: its manifest (through an index, the entry of the wanted platform) and its
//! config, by digest from the cache or streamed into it; its layers are taken into the cache
//! when their bytes are needed ([`Registry::fetch`]): a push to the registry they came from
//! mounts them instead.

use super::http::{BLOB_LIMIT, CONFIG_LIMIT, MANIFEST_LIMIT, Step, accept};
use super::{Registry, cache::Cache, mirrored, parse_reference};
use anyhow::{Context, bail};
use oci_client::Reference;
use oci_layout::sha256_digest;
use oci_layout::{
    Blob, BlobData, Image, ImageIndex, ImageManifest, LayerBlob, LoadedImage, MANIFEST_MEDIA_TYPES,
    Platform, check_layer_compression, choose_manifest, image_layers, platform_name,
};
use reqwest::Method;
use std::path::PathBuf;
use std::time::Duration;
use untrusted_input::{bounded, quoted};

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
        self.authorization(&parsed, false)?;
        let (bytes, mut digest) = self.manifest(&parsed)?;
        let mut index_digest = None;
        let manifest = match parse_manifest(&bytes, &parsed)? {
            Document::Image(manifest) => manifest,
            Document::Index(index) => {
                let entry = choose_manifest(index.manifests(), platform).with_context(|| {
                    format!(
                        "{reference}: the image index {digest} has no {} image (it has: {})",
                        platform_name(platform),
                        platforms(&index)
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
        if manifest.config().size() > CONFIG_LIMIT {
            bail!(
                "{reference}: the image config {config_digest} is declared as {} bytes, more than the cap of {CONFIG_LIMIT}",
                manifest.config().size()
            );
        }
        let config_path = self.blob(&parsed, &config_digest, Some(manifest.config().size()))?;
        let config: serde_json::Value = serde_json::from_slice(&Cache::read(&config_path)?)
            .map_err(|error| {
                anyhow::anyhow!(
                    "{reference}: the image config {config_digest} is not JSON: {}",
                    quoted(&error.to_string())
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
    /// registry (at most [`MANIFEST_LIMIT`] bytes; a digest the reference names checked).
    fn manifest(&self, reference: &Reference) -> anyhow::Result<(Vec<u8>, String)> {
        if let Some(digest) = reference.digest()
            && let Some(path) = self.cache.get(digest, None)?
        {
            return Ok((Cache::read(&path)?, digest.to_string()));
        }
        let auth = self.authorization(reference, false)?;
        let target = reference.digest().or(reference.tag()).unwrap_or("latest");
        let step = Step {
            reference,
            what: format!("GET the manifest {target}"),
        };
        let url = self.http.url(reference, &format!("manifests/{target}"))?;
        let bytes = self.http.run(&self.runtime, &step, Duration::ZERO, async {
            let response = self
                .http
                .send(
                    self.http
                        .request(Method::GET, url, reference, &auth)
                        .headers(accept(&MANIFEST_MEDIA_TYPES)),
                    &step,
                )
                .await?;
            if !response.status().is_success() {
                return Err(self.answer_error(&self.http.status_error(response).await, &step));
            }
            self.http.read(response, MANIFEST_LIMIT, &step).await
        })?;
        self.count(|transfer| transfer.manifests_fetched += 1);
        let digest = sha256_digest(&bytes);
        if let Some(wanted) = reference.digest()
            && wanted != digest
        {
            bail!("{step}: the registry's content does not match its digest: got {digest}");
        }
        self.cache
            .put(&digest, &bytes)
            .with_context(|| format!("{reference}: the manifest does not match its digest"))?;
        Ok((bytes, digest))
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
    /// checked) from the repository it was pulled from when missing, or when the cache's file
    /// no longer matches its digest. Blobs in memory need
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
        // A blob of the cache is checked against its digest (removed when it does not match);
        // another file (a layout's) when it is copied or read.
        let present = if *path == self.cache.path(&blob.digest)? {
            self.cache.get(&blob.digest, Some(blob.size))?.is_some()
        } else {
            path.is_file()
        };
        if !present {
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
        let Some(size) = size.filter(|size| *size <= BLOB_LIMIT) else {
            bail!(
                "{reference}: the blob {digest} is declared as {} bytes, more than the cap of {BLOB_LIMIT}",
                size.map_or_else(|| "unknown".to_string(), |size| size.to_string())
            );
        };
        let mut download = self.cache.temp_file()?;
        let auth = self.authorization(reference, false)?;
        let step = Step {
            reference,
            what: format!("GET the blob {digest}"),
        };
        let url = self.http.url(reference, &format!("blobs/{digest}"))?;
        // A blob's deadline grows by a second per MiB.
        let extra = Duration::from_secs(size >> 20);
        let actual = self.http.run(&self.runtime, &step, extra, async {
            let response = self
                .http
                .send(self.http.request(Method::GET, url, reference, &auth), &step)
                .await?;
            if !response.status().is_success() {
                return Err(self.answer_error(&self.http.status_error(response).await, &step));
            }
            self.http
                .read_blob(response, size, &mut download, &step, |done, more| {
                    self.progress.downloading(digest, done, more, size);
                })
                .await
        })?;
        if actual != digest {
            bail!(
                "{step}: the registry's content does not match its digest {digest}: got {actual}"
            );
        }
        self.count(|transfer| {
            transfer.blobs_downloaded += 1;
            transfer.bytes_downloaded += size;
        });
        let path = self.cache.commit(download, digest)?;
        self.progress.finished("Downloaded", digest, size);
        Ok(path)
    }
}

/// The platforms of an index, for a message: each quoted bounded when it is not plain, at most
/// eight of them.
fn platforms(index: &ImageIndex) -> String {
    const SHOWN: usize = 8;
    let entries = index.manifests();
    let mut names: Vec<String> = entries
        .iter()
        .take(SHOWN)
        .map(|entry| {
            entry
                .platform()
                .as_ref()
                .map_or_else(|| "no platform".to_string(), |p| bounded(&platform_name(p)))
        })
        .collect();
    if entries.len() > SHOWN {
        names.push(format!("{} more", entries.len() - SHOWN));
    }
    names.join(", ")
}

/// A manifest as read: an image manifest or an index (one with `manifests`).
enum Document {
    Image(Box<ImageManifest>),
    Index(Box<ImageIndex>),
}

fn parse_manifest(bytes: &[u8], reference: &Reference) -> anyhow::Result<Document> {
    // The parser's message may hold a value of the document: quoted bounded.
    let neither = |error: serde_json::Error| {
        anyhow::anyhow!(
            "{reference}: the manifest is neither an image manifest nor an index: {}",
            quoted(&error.to_string())
        )
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(neither)?;
    if value.get("manifests").is_some() {
        serde_json::from_value(value)
            .map(|index| Document::Index(Box::new(index)))
            .map_err(neither)
    } else {
        serde_json::from_value(value)
            .map(|manifest| Document::Image(Box::new(manifest)))
            .map_err(neither)
    }
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
            let image_platform = oci_layout::platform(
                field("os").unwrap_or("?"),
                field("architecture").unwrap_or("?"),
                field("variant"),
            );
            return Err(OtherPlatform {
                message: format!(
                    "{reference}: the image is {}, not {}",
                    bounded(&platform_name(&image_platform)),
                    platform_name(platform)
                ),
                platform: image_platform,
            }
            .into());
        }
    }
    Ok(())
}

/// A single image (not an index) of another platform than the one asked for: its platform, and
/// the message naming both.
#[derive(Debug)]
pub struct OtherPlatform {
    message: String,
    /// The image's platform, from its config.
    pub platform: Platform,
}

impl std::fmt::Display for OtherPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OtherPlatform {}

#[cfg(test)]
mod tests {
    use super::{Document, parse_manifest, platforms};

    /// Manifests and indexes as a registry may send them: never a panic; an error's message
    /// stays bounded and escaped; an index's platform list too.
    #[test]
    fn fuzz_manifests_and_indexes() {
        let reference: oci_client::Reference = "127.0.0.1:5000/a/b:1".parse().unwrap();
        let digest = format!("sha256:{}", "a".repeat(64));
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{digest}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{digest}","size":32}}]}}"#
        );
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":400,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}}]}}"#
        );
        fuzz_check::fuzz_text(
            "registry manifest or index",
            &[&manifest, &index],
            |input| match parse_manifest(input.as_bytes(), &reference) {
                Ok(Document::Index(index)) => {
                    let names = platforms(&index);
                    assert!(!names.contains('\u{1b}'), "{names}");
                }
                Ok(Document::Image(_)) => {}
                Err(error) => {
                    let message = error.to_string();
                    assert!(message.len() < 2000, "{message}");
                    assert!(!message.contains('\u{1b}'), "{message}");
                }
            },
        );
    }
}
