//! Registries in and out: images pulled by digest into a local blob cache, images pushed with
//! their blobs first and the manifest last.
//!
//! The requests of the distribution protocol are made here ([`http`], on reqwest): manifests,
//! indexes and blobs by digest with digest checks, blob-exists checks, cross-repository mounts,
//! monolithic uploads, the bearer-token flow Docker Hub and GHCR use and HTTP basic auth; each
//! bounded in time (a connect and idle timeout, a deadline per operation) and memory (capped
//! answers, blobs streamed and cut off at their descriptor's size). The ORAS project's
//! [`oci_client`] gives the reference type; its own requests read answers whole and panic on
//! some malformed ones (a token with a control character, an unparsable upload `Location`),
//! so they are not used. The async requests run on a current-thread tokio runtime inside the
//! blocking packager. Credentials come from the user's auth file ([`auth`]); plain HTTP only
//! for the registries named in [`RegistryOptions::insecure`].
//!
//! Nothing here touches the network until an image reference is pulled or pushed: a builder
//! whose inputs are all local is made offline.

mod answers;
pub mod auth;
mod cache;
mod http;
mod progress;
mod pull;
mod push;

use anyhow::Context;
use cnb_extension::ImageReference;
use http::{Auth, Http, StatusError, Step};
use oci_client::Reference;
use oci_client::secrets::RegistryAuth;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use http::{
    BLOB_LIMIT, CONFIG_LIMIT, DEFAULT_ATTEMPTS, DEFAULT_DEADLINE, DEFAULT_TIMEOUT,
    ERROR_BODY_LIMIT, MANIFEST_LIMIT, Retries, TOKEN_LIMIT, Timeouts,
};
pub use pull::{OtherPlatform, PulledImage};

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
    /// Where images are pulled from instead of their registry (as `pack config
    /// registry-mirrors`): only the pulls go there, what the builder records keeps the
    /// definition's names.
    pub mirrors: Vec<RegistryMirror>,
    /// How long requests may take.
    pub timeouts: Timeouts,
    /// Token services on another host than their registry that the registry's credentials
    /// may be sent to, besides [`BUILT_IN_REALMS`].
    pub trusted_realms: Vec<TrustedRealm>,
    /// How often, and after how long, a request the registry refused for now is made again.
    pub retries: Retries,
}

/// Token services on another host than their registry that the registry's credentials go to
/// without being named: Docker Hub's and GitLab's.
pub const BUILT_IN_REALMS: [(&str, &str); 2] = [
    ("docker.io", "auth.docker.io"),
    ("registry.gitlab.com", "gitlab.com"),
];

/// A token service trusted with a registry's credentials: `<registry>=<realm-host>`
/// (`host[:port]` each, as the registry's bearer challenge names the realm's host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRealm {
    pub registry: String,
    pub realm: String,
}

impl std::str::FromStr for TrustedRealm {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        let (registry, realm) = host_pair(
            text,
            false,
            "a trusted token realm: expected <registry>=<realm-host>, each host[:port] \
             (e.g. registry.example=auth.example)",
        )?;
        Ok(Self { registry, realm })
    }
}

/// A registry's pull mirror: `<registry>=<mirror>` (`host[:port]` each; Docker Hub's names
/// `docker.io`, `index.docker.io` and `registry-1.docker.io` are one registry; `*`: every
/// registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryMirror {
    pub registry: String,
    pub mirror: String,
}

impl std::str::FromStr for RegistryMirror {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        let (registry, mirror) = host_pair(
            text,
            true,
            "a registry mirror: expected <registry>=<mirror>, each host[:port] \
             (e.g. docker.io=127.0.0.1:5000), or *=<mirror> for every registry",
        )?;
        Ok(Self { registry, mirror })
    }
}

/// `<registry>=<host>`, each `host[:port]` (the registry may be `*` when `any_registry`): the
/// registry by its one name ([`same_registry`]) and the host; else an error quoting `text`,
/// "is not `expected`".
fn host_pair(text: &str, any_registry: bool, expected: &str) -> anyhow::Result<(String, String)> {
    let (registry, host) = text
        .split_once('=')
        .filter(|(registry, host)| {
            (is_host(registry) || (any_registry && *registry == "*")) && is_host(host)
        })
        .with_context(|| format!("{text:?} is not {expected}"))?;
    Ok((same_registry(registry).to_string(), host.to_string()))
}

/// A registry host, as references name it: letters, digits, `.`, `-`, and a `:port`.
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// One name for each registry: Docker Hub's three are `docker.io`.
fn same_registry(host: &str) -> &str {
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        other => other,
    }
}

/// `reference` in its registry's mirror (the first mirror of that registry, else a `*` one),
/// or as it is; pack's `TranslateRegistry`.
fn mirrored(reference: &Reference, mirrors: &[RegistryMirror]) -> Option<Reference> {
    let registry = same_registry(reference.registry());
    let mirror = mirrors
        .iter()
        .find(|mirror| mirror.registry == registry)
        .or_else(|| mirrors.iter().find(|mirror| mirror.registry == "*"))?;
    let (repository, host) = (reference.repository().to_string(), mirror.mirror.clone());
    Some(match (reference.tag(), reference.digest()) {
        (Some(tag), Some(digest)) => {
            Reference::with_tag_and_digest(host, repository, tag.to_string(), digest.to_string())
        }
        (None, Some(digest)) => Reference::with_digest(host, repository, digest.to_string()),
        (tag, None) => Reference::with_tag(host, repository, tag.unwrap_or("latest").to_string()),
    })
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
    http: Http,
    cache: cache::Cache,
    auth_file: Option<PathBuf>,
    auths: OnceCell<auth::AuthFile>,
    /// How requests to each registry are authorized (by registry and operation), with where
    /// the credentials came from.
    authorized: RefCell<BTreeMap<(String, bool), (Auth, String)>>,
    /// Where each pulled blob came from (for cross-repository mounts).
    origins: RefCell<BTreeMap<String, Reference>>,
    transfer: Cell<Transfer>,
    insecure: BTreeSet<String>,
    mirrors: Vec<RegistryMirror>,
    progress: progress::Progress,
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
        let http = Http::new(options)?;
        Ok(Self {
            runtime,
            http,
            cache: cache::Cache::new(options.cache_dir.clone().unwrap_or_else(default_cache_dir)),
            auth_file: options.auth_file.clone(),
            auths: OnceCell::new(),
            authorized: RefCell::default(),
            origins: RefCell::default(),
            transfer: Cell::default(),
            insecure: options.insecure.iter().cloned().collect(),
            mirrors: options.mirrors.clone(),
            progress: progress::Progress::on_stderr(),
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

    /// How requests to the reference's registry are authorized for a pull (or a push): the
    /// credentials of the auth file, exchanged for a token when the registry asks for one
    /// (once per registry and operation).
    fn authorization(&self, reference: &Reference, push: bool) -> anyhow::Result<Auth> {
        let key = (reference.resolve_registry().to_string(), push);
        if let Some((auth, _)) = self.authorized.borrow().get(&key) {
            return Ok(auth.clone());
        }
        let credentials = self
            .auth_file()?
            .credentials(reference.registry(), reference.repository())?;
        let given = match credentials.auth {
            RegistryAuth::Basic(user, password) => Auth::Basic(user, password),
            RegistryAuth::Bearer(token) => Auth::Bearer(token),
            RegistryAuth::Anonymous => Auth::Anonymous,
        };
        let step = Step {
            reference,
            what: "authorization".to_string(),
        };
        let auth = self
            .http
            .run(
                &self.runtime,
                &step,
                std::time::Duration::ZERO,
                self.http.authorize(reference, &given, push),
            )
            .map_err(|error| Self::refused(error, reference, &credentials.source))?;
        self.authorized
            .borrow_mut()
            .insert(key, (auth.clone(), credentials.source));
        Ok(auth)
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
        self.authorized
            .borrow()
            .iter()
            .find(|((registry, _), _)| registry == reference.resolve_registry())
            .map_or_else(
                || "anonymous".to_string(),
                |(_, (_, source))| source.clone(),
            )
    }

    /// A token service's refusal told as refused credentials.
    fn refused(error: anyhow::Error, reference: &Reference, credentials: &str) -> anyhow::Error {
        match error.downcast_ref::<StatusError>() {
            Some(status) if matches!(status.status.as_u16(), 401 | 403) => anyhow::anyhow!(
                "{reference}: the registry {} refused the credentials ({credentials}): {error:#}",
                reference.resolve_registry()
            ),
            _ => error,
        }
    }

    /// A registry's error answer to `step`, told with what to do.
    fn answer_error(&self, error: &StatusError, step: &Step<'_>) -> anyhow::Error {
        let reference = step.reference;
        let registry = reference.resolve_registry();
        let unknown = error.codes.iter().any(|code| {
            matches!(
                code.as_str(),
                "MANIFEST_UNKNOWN" | "NAME_UNKNOWN" | "BLOB_UNKNOWN"
            )
        });
        if unknown || error.status.as_u16() == 404 {
            anyhow::Error::new(NoSuchImage(format!(
                "{step}: no such image in {registry} (the repository or tag does not exist): {error}"
            )))
        } else if matches!(error.status.as_u16(), 401 | 403)
            || error
                .codes
                .iter()
                .any(|code| matches!(code.as_str(), "UNAUTHORIZED" | "DENIED"))
        {
            anyhow::anyhow!(
                "{step}: the registry {registry} refused the credentials ({}): {error}",
                self.credentials_source(reference)
            )
        } else {
            anyhow::anyhow!("{step}: {error}")
        }
    }
}

/// A registry's answer that the repository or tag does not exist (404, `MANIFEST_UNKNOWN`,
/// `NAME_UNKNOWN`, `BLOB_UNKNOWN`), told with the step that asked; [`is_no_such_image`] tells it
/// from other failures.
#[derive(Debug)]
struct NoSuchImage(String);

impl std::fmt::Display for NoSuchImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoSuchImage {}

/// Whether `error` (of [`Registry::pull`], ...) is the registry's answer that the image does
/// not exist, rather than a failure to ask (network, credentials, content).
#[must_use]
pub fn is_no_such_image(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(<dyn std::error::Error + 'static>::is::<NoSuchImage>)
}

/// An image reference as users write it (`docker://` allowed), read by the workspace's one
/// reference grammar (`cnb_extension::ImageReference`, which `packager check` checks builder.toml
/// with and the extensions check Dockerfile images with), converted to the client's
/// [`Reference`] without a second parse: Docker Hub's short names completed as distribution
/// does (`paketobuildpacks/java` is `docker.io/paketobuildpacks/java:latest`, `ubuntu` is
/// `docker.io/library/ubuntu:latest`, `index.docker.io` is `docker.io`).
///
/// # Errors
/// If it is not an image reference (the grammar's message: the input quoted, what is wrong).
pub fn parse_reference(text: &str) -> anyhow::Result<Reference> {
    let plain = text.strip_prefix("docker://").unwrap_or(text);
    let parsed: ImageReference = plain.parse().map_err(|error| anyhow::anyhow!("{error}"))?;
    let path = parsed.path().to_string();
    let (registry, repository) = match parsed.domain() {
        None | Some("docker.io" | "index.docker.io") if !path.contains('/') => {
            ("docker.io".to_string(), format!("library/{path}"))
        }
        None | Some("docker.io" | "index.docker.io") => ("docker.io".to_string(), path),
        Some(domain) => (domain.to_string(), path),
    };
    Ok(match (parsed.tag(), parsed.digest()) {
        (Some(tag), Some(digest)) => {
            Reference::with_tag_and_digest(registry, repository, tag.into(), digest.into())
        }
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.into()),
        (tag, None) => Reference::with_tag(registry, repository, tag.unwrap_or("latest").into()),
    })
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

#[cfg(test)]
mod tests {
    use super::{RegistryMirror, mirrored, parse_reference};

    fn mirrors(specs: &[&str]) -> Vec<RegistryMirror> {
        specs.iter().map(|spec| spec.parse().unwrap()).collect()
    }

    fn pulled_from(reference: &str, specs: &[&str]) -> Option<String> {
        mirrored(&parse_reference(reference).unwrap(), &mirrors(specs)).map(|r| r.to_string())
    }

    /// The one grammar: what `packager check` rejects in builder.toml is not pulled either (the
    /// client's own parser took `scratch` and upper-case paths), and what it accepts becomes the
    /// reference distribution's normalization makes of it.
    #[test]
    fn references_are_read_by_the_grammar_builder_toml_is_checked_with() {
        for bad in ["scratch", "a/B", "a//b", "localhost:99999999/x"] {
            let message = parse_reference(bad).unwrap_err().to_string();
            assert!(
                message.contains("is not an image reference ("),
                "{bad}: {message}"
            );
        }
        let digest = format!("sha256:{}", "e".repeat(64));
        for (given, normalized) in [
            ("ubuntu", "docker.io/library/ubuntu:latest".to_string()),
            (
                "docker://index.docker.io/ubuntu:22.04",
                "docker.io/library/ubuntu:22.04".into(),
            ),
            (
                "docker.io/paketobuildpacks/java",
                "docker.io/paketobuildpacks/java:latest".into(),
            ),
            ("localhost:5000/a/b:1", "localhost:5000/a/b:1".into()),
            (
                &format!("ghcr.io/a/b@{digest}"),
                format!("ghcr.io/a/b@{digest}"),
            ),
            (
                &format!("ghcr.io/a/b:1@{digest}"),
                format!("ghcr.io/a/b:1@{digest}"),
            ),
        ] {
            let reference = parse_reference(given).unwrap();
            assert_eq!(reference.to_string(), normalized, "{given}");
            let by_the_client: oci_client::Reference = normalized.parse().unwrap();
            assert_eq!(reference, by_the_client, "{given}");
        }
    }

    #[test]
    fn docker_hub_has_one_mirror_whichever_name_either_side_uses() {
        for spec in [
            "docker.io=127.0.0.1:5000",
            "index.docker.io=127.0.0.1:5000",
            "registry-1.docker.io=127.0.0.1:5000",
        ] {
            for reference in [
                "paketobuildpacks/java:18",
                "docker://docker.io/paketobuildpacks/java:18",
                "index.docker.io/paketobuildpacks/java:18",
                "registry-1.docker.io/paketobuildpacks/java:18",
            ] {
                assert_eq!(
                    pulled_from(reference, &[spec]).as_deref(),
                    Some("127.0.0.1:5000/paketobuildpacks/java:18"),
                    "{reference} with {spec}"
                );
            }
        }
        assert_eq!(
            pulled_from("busybox", &["docker.io=mirror.example:443"]).as_deref(),
            Some("mirror.example:443/library/busybox:latest")
        );
    }

    #[test]
    fn digests_and_tags_are_kept_and_other_registries_are_not_mirrored() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            pulled_from(&format!("ghcr.io/a/b@{digest}"), &["ghcr.io=m:5000"]),
            Some(format!("m:5000/a/b@{digest}"))
        );
        assert_eq!(
            pulled_from(&format!("ghcr.io/a/b:1@{digest}"), &["ghcr.io=m:5000"]),
            Some(format!("m:5000/a/b:1@{digest}"))
        );
        assert_eq!(pulled_from("ghcr.io/a/b:1", &["docker.io=m:5000"]), None);
        assert_eq!(pulled_from("ghcr.io/a/b:1", &[]), None);
        // A registry's own mirror goes before `*`, whatever the order given.
        assert_eq!(
            pulled_from("quay.io/a/b:1", &["*=all:5000", "quay.io=q:5000"]).as_deref(),
            Some("q:5000/a/b:1")
        );
        assert_eq!(
            pulled_from("ghcr.io/a/b:1", &["*=all:5000", "quay.io=q:5000"]).as_deref(),
            Some("all:5000/a/b:1")
        );
    }

    #[test]
    fn a_mirror_that_is_not_registry_equals_host_is_refused_naming_it() {
        for bad in [
            "docker.io",
            "=m:5000",
            "docker.io=",
            "docker.io=http://m:5000",
            "a b=m",
        ] {
            let error = bad.parse::<RegistryMirror>().unwrap_err().to_string();
            assert!(
                error.contains(&format!("{bad:?}")) && error.contains("<registry>=<mirror>"),
                "{error}"
            );
        }
    }
}
