//! Pushing an image: every blob the repository lacks (mounted from the repository it was pulled
//! from when that is on the same registry, else uploaded), then the manifest. The tag points at
//! the image only once all of its blobs are there: nothing is half-published.

use super::{Registry, parse_reference};
use anyhow::Context;
use oci_client::Reference;
use oci_layout::{Blob, Image, MediaType};

impl Registry {
    /// Pushes `image` as `reference` (tag `latest` when it names none) and returns the digest
    /// of its manifest.
    ///
    /// # Errors
    /// The reference named, with what failed (see [`Registry::pull`]).
    pub fn push(&self, image: &Image, reference: &str) -> anyhow::Result<String> {
        let parsed = parse_reference(reference)?;
        let tag = parsed.tag().unwrap_or("latest").to_string();
        self.authenticate(&parsed, true)?;
        let (config, manifest, _) = image.documents(&tag)?;
        let mut blobs: Vec<&Blob> = image.layers.iter().map(|layer| &layer.blob).collect();
        blobs.push(&config);
        blobs.sort_by(|a, b| a.digest.cmp(&b.digest));
        blobs.dedup_by(|a, b| a.digest == b.digest);
        for blob in blobs {
            self.push_blob(&parsed, blob)
                .with_context(|| format!("{reference}: cannot push the blob {}", blob.digest))?;
        }
        let body = manifest.bytes()?.into_owned();
        let content_type = MediaType::ImageManifest
            .to_string()
            .parse()
            .context("the manifest media type is a header value")?;
        self.block_on(self.client.push_manifest_raw(&parsed, body, content_type))
            .map_err(|error| self.explain(error, &parsed, &self.credentials_source(&parsed)))?;
        Ok(manifest.digest)
    }

    fn push_blob(&self, target: &Reference, blob: &Blob) -> anyhow::Result<()> {
        let explain = |error| self.explain(error, target, &self.credentials_source(target));
        if self
            .block_on(self.client.blob_exists(target, &blob.digest))
            .map_err(explain)?
        {
            self.count(|transfer| transfer.blobs_present += 1);
            return Ok(());
        }
        let origin = self.origins.borrow().get(&blob.digest).cloned();
        if let Some(origin) = origin.filter(|origin| {
            origin.resolve_registry() == target.resolve_registry()
                && origin.repository() != target.repository()
        }) && self
            .block_on(self.client.mount_blob(target, &origin, &blob.digest))
            .is_ok()
        {
            self.count(|transfer| transfer.blobs_mounted += 1);
            return Ok(());
        }
        self.fetch(blob)?;
        let bytes = blob.bytes()?.into_owned();
        let length = bytes.len() as u64;
        self.block_on(self.client.push_blob(target, bytes, &blob.digest))
            .map_err(explain)?;
        self.count(|transfer| {
            transfer.blobs_uploaded += 1;
            transfer.bytes_uploaded += length;
        });
        Ok(())
    }
}
