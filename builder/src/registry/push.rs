//! Pushing an image: every blob the repository lacks (mounted from the repository it was pulled
//! from when that is on the same registry, else uploaded), then the manifest; an image index:
//! every platform's blobs (each once), each platform's manifest by digest, then the index. The
//! tag points at the image only once all of it is there: nothing is half-published.

use super::http::{Auth, Step, location};
use super::{Registry, parse_reference};
use anyhow::{Context, bail};
use oci_client::Reference;
use oci_layout::{Blob, Image, PlatformImages};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use std::time::Duration;

impl Registry {
    /// Pushes `image` as `reference` (tag `latest` when it names none) and returns the digest
    /// of its manifest.
    ///
    /// # Errors
    /// The reference named, with what failed (see [`Registry::pull`]).
    pub fn push(&self, image: &Image, reference: &str) -> anyhow::Result<String> {
        let (parsed, tag, auth) = self.push_target(reference)?;
        let (config, manifest) = image.config_and_manifest()?;
        let mut blobs: Vec<&Blob> = image.layers.iter().map(|layer| &layer.blob).collect();
        blobs.push(&config);
        self.push_blobs(&parsed, &auth, blobs, reference)?;
        self.put_manifest(&parsed, &auth, &tag, &manifest)?;
        Ok(manifest.digest)
    }

    /// Pushes `images` as one image index tagged as `reference` says (`latest` when it names
    /// none) and returns the index's digest: every blob of every platform first (each once),
    /// then each platform's manifest by its digest, then the index under the tag, so that
    /// the tag names nothing until everything it points at is there.
    ///
    /// # Errors
    /// The reference named, with what failed (see [`Registry::pull`]).
    pub fn push_index(&self, images: &PlatformImages, reference: &str) -> anyhow::Result<String> {
        let (parsed, tag, auth) = self.push_target(reference)?;
        let documents = images.documents()?;
        let blobs: Vec<&Blob> = images
            .images
            .iter()
            .flat_map(|(_, image)| image.layers.iter().map(|layer| &layer.blob))
            .chain(documents.images.iter().map(|(config, _)| config))
            .collect();
        self.push_blobs(&parsed, &auth, blobs, reference)?;
        for (_, manifest) in &documents.images {
            self.put_manifest(&parsed, &auth, &manifest.digest, manifest)?;
        }
        self.put_manifest(&parsed, &auth, &tag, &documents.index)?;
        Ok(documents.index.digest)
    }

    /// The reference to push to, its tag (`latest` when it names none) and the push's
    /// authorization.
    fn push_target(&self, reference: &str) -> anyhow::Result<(Reference, String, Auth)> {
        let parsed = parse_reference(reference)?;
        let tag = parsed.tag().unwrap_or("latest").to_string();
        let auth = self.authorization(&parsed, true)?;
        Ok((parsed, tag, auth))
    }

    /// Pushes each of `blobs` once (sorted by digest).
    fn push_blobs(
        &self,
        target: &Reference,
        auth: &Auth,
        mut blobs: Vec<&Blob>,
        reference: &str,
    ) -> anyhow::Result<()> {
        blobs.sort_by(|a, b| a.digest.cmp(&b.digest));
        blobs.dedup_by(|a, b| a.digest == b.digest);
        for blob in blobs {
            self.push_blob(target, auth, blob)
                .with_context(|| format!("{reference}: cannot push the blob {}", blob.digest))?;
        }
        Ok(())
    }

    /// `PUT`s a manifest or an index (`document`, its media type the content type) as
    /// `manifests/<name>` (a tag or its digest).
    fn put_manifest(
        &self,
        target: &Reference,
        auth: &Auth,
        name: &str,
        document: &Blob,
    ) -> anyhow::Result<()> {
        let step = Step {
            reference: target,
            what: format!("PUT the manifest {name}"),
        };
        let url = self.http.url(target, &format!("manifests/{name}"))?;
        let content_type = HeaderValue::from_str(document.media_type.as_ref())?;
        let body = document.bytes()?.into_owned();
        self.put(
            target,
            auth,
            url,
            (content_type, body),
            &document.digest,
            &step,
        )
    }

    fn push_blob(&self, target: &Reference, auth: &Auth, blob: &Blob) -> anyhow::Result<()> {
        let step = |what: &str| Step {
            reference: target,
            what: format!("{what} {}", blob.digest),
        };
        let head = step("HEAD the blob");
        let url = self.http.url(target, &format!("blobs/{}", blob.digest))?;
        let present = self.http.run(&self.runtime, &head, Duration::ZERO, async {
            let response = self
                .http
                .send(self.http.request(Method::HEAD, url, target, auth), &head)
                .await?;
            match response.status() {
                status if status.is_success() => Ok(true),
                StatusCode::NOT_FOUND => Ok(false),
                _ => Err(self.answer_error(&self.http.status_error(response).await, &head)),
            }
        })?;
        if present {
            self.count(|transfer| transfer.blobs_present += 1);
            return Ok(());
        }
        let origin = self.origins.borrow().get(&blob.digest).cloned();
        let mut session = None;
        if let Some(origin) = origin.filter(|origin| {
            origin.resolve_registry() == target.resolve_registry()
                && origin.repository() != target.repository()
        }) {
            let mount = step("mount the blob");
            let mut url = self.http.url(target, "blobs/uploads/")?;
            url.query_pairs_mut()
                .append_pair("mount", &blob.digest)
                .append_pair("from", origin.repository());
            // A registry that does not mount starts an upload session instead: used. A
            // failed mount is not an error: the blob is uploaded.
            match self.post_upload(target, auth, url, &mount) {
                Ok(None) => {
                    self.count(|transfer| transfer.blobs_mounted += 1);
                    return Ok(());
                }
                Ok(Some(started)) => session = Some(started),
                Err(_) => {}
            }
        }
        self.fetch(blob)?;
        let bytes = blob.bytes()?.into_owned();
        let length = bytes.len() as u64;
        self.upload(target, auth, &blob.digest, bytes, session)?;
        self.count(|transfer| {
            transfer.blobs_uploaded += 1;
            transfer.bytes_uploaded += length;
        });
        self.progress.finished("Uploaded", &blob.digest, length);
        Ok(())
    }

    /// A monolithic upload: `POST` an upload session (unless one was started already), `PUT`
    /// the bytes to its `Location` (resolved against the session's URL: a relative one, as
    /// distribution sends, included).
    fn upload(
        &self,
        target: &Reference,
        auth: &Auth,
        digest: &str,
        bytes: Vec<u8>,
        session: Option<Url>,
    ) -> anyhow::Result<()> {
        let start = Step {
            reference: target,
            what: format!("POST an upload of {digest}"),
        };
        let mut session = if let Some(session) = session {
            session
        } else {
            let url = self.http.url(target, "blobs/uploads/")?;
            self.post_upload(target, auth, url, &start)?
                .with_context(|| {
                    format!("{start}: the registry answered 201 Created, not an upload session")
                })?
        };
        if !matches!(session.scheme(), "http" | "https") {
            bail!(
                "{start}: the upload Location {} is not an HTTP URL",
                untrusted_input::quoted(session.as_str())
            );
        }
        session.query_pairs_mut().append_pair("digest", digest);
        let put = Step {
            reference: target,
            what: format!("PUT the blob {digest}"),
        };
        let content_type = HeaderValue::from_static("application/octet-stream");
        self.put(target, auth, session, (content_type, bytes), digest, &put)
    }

    /// `POST`s to the uploads endpoint `url` (with a mount's query, or none): `None` when the
    /// registry answers 201 Created (mounted), else the upload session it started (its
    /// `Location`).
    fn post_upload(
        &self,
        target: &Reference,
        auth: &Auth,
        url: Url,
        step: &Step<'_>,
    ) -> anyhow::Result<Option<Url>> {
        self.http.run(&self.runtime, step, Duration::ZERO, async {
            let request = self
                .http
                .request(Method::POST, url, target, auth)
                .header(CONTENT_LENGTH, 0);
            let response = self.http.send(request, step).await?;
            if response.status() == StatusCode::CREATED {
                return Ok(None);
            }
            if !response.status().is_success() {
                return Err(self.answer_error(&self.http.status_error(response).await, step));
            }
            location(&response, step).map(Some)
        })
    }

    /// `PUT`s `body` (a content type and bytes) to `url`: a blob to its upload session, or a
    /// manifest. The digest the registry answers (`Docker-Content-Digest`), when it answers
    /// one, must be `digest`.
    fn put(
        &self,
        target: &Reference,
        auth: &Auth,
        url: Url,
        (content_type, body): (HeaderValue, Vec<u8>),
        digest: &str,
        step: &Step<'_>,
    ) -> anyhow::Result<()> {
        // A large body's deadline grows by a second per MiB.
        let extra = Duration::from_secs(body.len() as u64 >> 20);
        self.http.run(&self.runtime, step, extra, async {
            let request = self
                .http
                .request(Method::PUT, url, target, auth)
                .header(CONTENT_TYPE, content_type)
                .body(body);
            let response = self.http.send(request, step).await?;
            if !response.status().is_success() {
                return Err(self.answer_error(&self.http.status_error(response).await, step));
            }
            match response.headers().get("docker-content-digest") {
                Some(answered) if answered.as_bytes() != digest.as_bytes() => {
                    // A digest is shown whole; anything else quoted bounded.
                    let text = untrusted_input::text_lossy(answered.as_bytes());
                    let shown = match oci_layout::digest_hex(&text) {
                        Ok(_) => text,
                        Err(_) => untrusted_input::quoted(&text),
                    };
                    bail!("{step}: the registry answered the digest {shown}, not {digest}")
                }
                _ => Ok(()),
            }
        })
    }
}
