//! Registries in and out: images pulled by digest into a local blob cache, images pushed with
//! their blobs first and the manifest last.
//!
//! The wire protocol is the ORAS project's [`oci_client`] (the OCI distribution client that was
//! krustlet's `oci-distribution`): manifests, indexes and blobs by digest with digest checks,
//! blob-exists checks, cross-repository mounts, the bearer-token flow Docker Hub and GHCR use
//! and HTTP basic auth. Its async API runs on a current-thread tokio runtime inside the blocking
//! packager. Credentials come from the user's auth file ([`auth`]); plain HTTP only for the
//! registries named in [`RegistryOptions::insecure`].
//!
//! Nothing here touches the network until an image reference is pulled or pushed: a builder
//! whose inputs are all local is made offline.

pub mod auth;
mod cache;
mod pull;
mod push;

use anyhow::Context;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::{Reference, RegistryOperation};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;

pub use pull::PulledImage;

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Where pulled blobs are kept by digest (`<dir>/blobs/sha256/<hex>`); `None`:
    /// [`default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Registries (`host[:port]`, as references name them) reached over plain HTTP; every
    /// other registry over HTTPS.
    pub insecure: Vec<String>,
    /// The Docker/podman auth file; `None`: [`auth::default_auth_file`].
    pub auth_file: Option<PathBuf>,
}

/// The blob cache when none is given: `$XDG_CACHE_HOME/cnb-packager`, else
/// `~/.cache/cnb-packager`, else `.cnb-packager-cache` in the current directory.
#[must_use]
pub fn default_cache_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map_or_else(
            || PathBuf::from(".cnb-packager-cache"),
            |dir| dir.join("cnb-packager"),
        )
}

/// What went over the wire, and what did not have to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Manifests and indexes fetched (references by tag are asked for every time).
    pub manifests_fetched: u64,
    /// Blobs downloaded, and their bytes.
    pub blobs_downloaded: u64,
    pub bytes_downloaded: u64,
    /// Blobs found in the cache.
    pub blobs_cached: u64,
    /// Blobs uploaded, and their bytes.
    pub blobs_uploaded: u64,
    pub bytes_uploaded: u64,
    /// Blobs the target repository had already, and blobs mounted from another repository.
    pub blobs_present: u64,
    pub blobs_mounted: u64,
}

/// A registry client with its blob cache (see the module documentation).
pub struct Registry {
    runtime: tokio::runtime::Runtime,
    client: oci_client::Client,
    cache: cache::Cache,
    auth_file: Option<PathBuf>,
    auths: OnceCell<auth::AuthFile>,
    /// Registries whose credentials were given to the client, with where they came from.
    authenticated: RefCell<BTreeMap<(String, bool), String>>,
    /// Where each pulled blob came from (for cross-repository mounts).
    origins: RefCell<BTreeMap<String, Reference>>,
    transfer: Cell<Transfer>,
    insecure: BTreeSet<String>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("cache", &self.cache)
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client; nothing is contacted yet.
    ///
    /// # Errors
    /// If the async runtime cannot be started.
    pub fn new(options: &RegistryOptions) -> anyhow::Result<Self> {
        // reqwest's rustls has no crypto provider of its own here: ring, as go-app's ureq.
        // An error only says one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the registry client's runtime")?;
        let client = oci_client::Client::new(ClientConfig {
            protocol: ClientProtocol::HttpsExcept(options.insecure.clone()),
            connect_timeout: Some(std::time::Duration::from_secs(20)),
            ..ClientConfig::default()
        });
        Ok(Self {
            runtime,
            client,
            cache: cache::Cache::new(options.cache_dir.clone().unwrap_or_else(default_cache_dir)),
            auth_file: options.auth_file.clone(),
            auths: OnceCell::new(),
            authenticated: RefCell::default(),
            origins: RefCell::default(),
            transfer: Cell::default(),
            insecure: options.insecure.iter().cloned().collect(),
        })
    }

    /// What went over the wire so far.
    #[must_use]
    pub fn transfer(&self) -> Transfer {
        self.transfer.get()
    }

    fn count(&self, update: impl FnOnce(&mut Transfer)) {
        let mut transfer = self.transfer.get();
        update(&mut transfer);
        self.transfer.set(transfer);
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Gives the client the credentials for the reference's registry (once per registry and
    /// operation), and has it authenticate, so that refused credentials are told as such.
    fn authenticate(&self, reference: &Reference, push: bool) -> anyhow::Result<()> {
        let key = (reference.resolve_registry().to_string(), push);
        if self.authenticated.borrow().contains_key(&key) {
            return Ok(());
        }
        let credentials = self
            .auth_file()?
            .credentials(reference.registry(), reference.repository())?;
        let operation = if push {
            RegistryOperation::Push
        } else {
            RegistryOperation::Pull
        };
        self.block_on(self.client.auth(reference, &credentials.auth, operation))
            .map_err(|error| self.explain(error, reference, &credentials.source))?;
        self.authenticated
            .borrow_mut()
            .insert(key, credentials.source);
        Ok(())
    }

    fn auth_file(&self) -> anyhow::Result<&auth::AuthFile> {
        if let Some(file) = self.auths.get() {
            return Ok(file);
        }
        let file = match self.auth_file.clone().or_else(auth::default_auth_file) {
            Some(path) => auth::AuthFile::read(&path)?,
            None => auth::AuthFile::default(),
        };
        Ok(self.auths.get_or_init(|| file))
    }

    /// Where the credentials for the reference's registry came from.
    fn credentials_source(&self, reference: &Reference) -> String {
        self.authenticated
            .borrow()
            .iter()
            .find(|((registry, _), _)| registry == reference.resolve_registry())
            .map_or_else(|| "anonymous".to_string(), |(_, source)| source.clone())
    }

    /// The client's error, told with the reference and what to do.
    fn explain(
        &self,
        error: OciDistributionError,
        reference: &Reference,
        credentials: &str,
    ) -> anyhow::Error {
        let registry = reference.resolve_registry();
        let plain_http = if self.insecure.contains(registry) {
            String::new()
        } else {
            format!(" (a plain-HTTP registry must be named with --insecure-registry {registry})")
        };
        match error {
            OciDistributionError::RequestError(ref request)
                if request.is_connect() || request.is_timeout() || request.is_request() =>
            {
                anyhow::anyhow!(
                    "{reference}: cannot reach the registry {registry}{plain_http}: {}",
                    error_chain(request)
                )
            }
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => anyhow::anyhow!(
                "{reference}: the registry {registry} refused the credentials ({credentials}): {error}"
            ),
            OciDistributionError::RegistryError { ref envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::BlobUnknown
                    )
                }) =>
            {
                anyhow::anyhow!(
                    "{reference}: no such image in {registry} (the repository or tag does not exist): {error}"
                )
            }
            OciDistributionError::RegistryError { ref envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(e.code, OciErrorCode::Unauthorized | OciErrorCode::Denied)
                }) =>
            {
                anyhow::anyhow!(
                    "{reference}: the registry {registry} refused the credentials ({credentials}): {error}"
                )
            }
            OciDistributionError::ImageManifestNotFoundError(_) => {
                anyhow::anyhow!("{reference}: no such image in {registry}: {error}")
            }
            OciDistributionError::DigestError(_) => {
                anyhow::anyhow!(
                    "{reference}: the registry's content does not match its digest: {error}"
                )
            }
            other => anyhow::anyhow!("{reference}: {other}"),
        }
    }
}

/// An image reference as users write it (`docker://` allowed), as the client reads it:
/// Docker Hub's short names completed (`paketobuildpacks/java` is
/// `docker.io/paketobuildpacks/java:latest`).
///
/// # Errors
/// If it is not an image reference.
pub fn parse_reference(text: &str) -> anyhow::Result<Reference> {
    let plain = text.strip_prefix("docker://").unwrap_or(text);
    plain
        .parse()
        .map_err(|error| anyhow::anyhow!("{text:?} is not an image reference: {error}"))
}

/// An error and its sources, one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}
