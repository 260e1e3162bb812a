//! The distribution protocol's requests, each bounded: a connect and an idle-read timeout on
//! every request, a deadline on every operation (the request and its answer), and a cap on
//! every answer read into memory (manifests and indexes, tokens, error bodies); blobs are
//! streamed to a file and cut off the moment they exceed their descriptor's size. Every string
//! from the registry that reaches a message is quoted bounded.
//!
//! The client crate's own requests read answers whole, build the bearer header with an
//! unwrap (a token holding a control character panicked) and parse a relative upload
//! `Location` with an unwrap (a panic on push): these are made here instead.

use super::answers::{bearer_challenge, error_detail, parse_token};
use anyhow::{Context, bail};
use oci_client::Reference;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use sha2::Digest as _;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::time::Duration;
use untrusted_input::{bounded, quoted, text_lossy};

/// Manifests and indexes: the distribution spec lets registries refuse larger ones.
pub const MANIFEST_LIMIT: u64 = 4 << 20;
/// Image configs (kept in memory and parsed as JSON).
pub const CONFIG_LIMIT: u64 = 16 << 20;
/// Token responses (Docker Hub's are a few KiB).
pub const TOKEN_LIMIT: u64 = 1 << 20;
/// Error bodies: what is read of one; the message quotes its start.
pub const ERROR_BODY_LIMIT: u64 = 64 << 10;
/// The largest blob a descriptor may declare (refused before any request).
pub const BLOB_LIMIT: u64 = 64 << 30;

/// The default idle timeout (no connection, or no byte read, for this long), as containerd's
/// and skopeo's 30 s dial timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default deadline of one operation (a request and its answer; a blob's grows by one
/// second per MiB of its size).
pub const DEFAULT_DEADLINE: Duration = Duration::from_mins(10);

/// How long requests may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting, and waiting for the next byte of an answer.
    pub idle: Duration,
    /// One operation, whole.
    pub deadline: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            idle: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

/// How often a request is made when the registry answers 429 (too many requests) or a 5xx
/// (500, 502, 503, 504), or the connection is lost before the answer: only GET, HEAD and PUT
/// (idempotent), and never past the operation's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    /// The wait before the first retry when the registry names none (`Retry-After`); doubled
    /// before each further one.
    pub base: Duration,
    /// The longest wait: a registry asking for a longer one is not retried.
    pub max_wait: Duration,
}

/// The default number of attempts of a request (one and three retries).
pub const DEFAULT_ATTEMPTS: u32 = 4;

impl Default for Retries {
    fn default() -> Self {
        Self {
            attempts: DEFAULT_ATTEMPTS,
            base: Duration::from_secs(1),
            max_wait: Duration::from_mins(1),
        }
    }
}

/// How requests to a registry are authorized.
#[derive(Debug, Clone)]
pub(super) enum Auth {
    Anonymous,
    Basic(String, String),
    Bearer(String),
}

/// The HTTP side of [`super::Registry`].
pub(super) struct Http {
    client: reqwest::Client,
    insecure: BTreeSet<String>,
    /// `(registry, realm host)`: token services the registry's credentials may go to.
    trusted_realms: BTreeSet<(String, String)>,
    pub(super) timeouts: Timeouts,
    retries: Retries,
    /// When the running operation's deadline passes ([`Http::run`]).
    ends: Cell<Option<tokio::time::Instant>>,
}

/// One step of an operation, for messages: what was asked of which registry.
pub(super) struct Step<'a> {
    pub(super) reference: &'a Reference,
    pub(super) what: String,
}

impl std::fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} at the registry {}",
            self.reference,
            self.what,
            self.reference.resolve_registry()
        )
    }
}

/// A registry's error answer: its status and its (quoted) body.
#[derive(Debug)]
pub(super) struct StatusError {
    pub(super) status: StatusCode,
    /// The error codes of a JSON envelope (`MANIFEST_UNKNOWN`, ...), if it was one.
    pub(super) codes: Vec<String>,
    pub(super) detail: String,
}

impl std::fmt::Display for StatusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the registry answered {}: {}", self.status, self.detail)
    }
}

impl std::error::Error for StatusError {}

impl Http {
    pub(super) fn new(options: &super::RegistryOptions) -> anyhow::Result<Self> {
        let timeouts = options.timeouts;
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.idle)
            .read_timeout(timeouts.idle)
            .build()
            .context("cannot set up the registry client")?;
        let mut trusted_realms: BTreeSet<(String, String)> = super::BUILT_IN_REALMS
            .iter()
            .map(|(registry, realm)| ((*registry).to_string(), (*realm).to_string()))
            .collect();
        trusted_realms.extend(
            options
                .trusted_realms
                .iter()
                .map(|trust| (trust.registry.clone(), trust.realm.clone())),
        );
        Ok(Self {
            client,
            insecure: options.insecure.iter().cloned().collect(),
            trusted_realms,
            timeouts,
            retries: options.retries,
            ends: Cell::new(None),
        })
    }

    /// `https://<registry>` (`http://` for the insecure ones).
    pub(super) fn base(&self, reference: &Reference) -> anyhow::Result<Url> {
        let registry = reference.resolve_registry();
        let scheme = if self.insecure.contains(registry) {
            "http"
        } else {
            "https"
        };
        Url::parse(&format!("{scheme}://{registry}/"))
            .with_context(|| format!("{reference}: {} is not a registry host", quoted(registry)))
    }

    /// `<base>/v2/<repository>/<path>`.
    pub(super) fn url(&self, reference: &Reference, path: &str) -> anyhow::Result<Url> {
        let base = self.base(reference)?;
        base.join(&format!("v2/{}/{path}", reference.repository()))
            .with_context(|| format!("{reference}: cannot form the URL of {path}"))
    }

    /// A request, authorized when it goes to the reference's registry itself.
    pub(super) fn request(
        &self,
        method: Method,
        url: Url,
        reference: &Reference,
        auth: &Auth,
    ) -> RequestBuilder {
        let same_host = self
            .base(reference)
            .is_ok_and(|base| base.host_str() == url.host_str() && base.port() == url.port());
        let request = self.client.request(method, url);
        match auth {
            _ if !same_host => request,
            Auth::Anonymous => request,
            Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token),
        }
    }

    /// Runs one operation on `runtime` within the deadline (`extra` more for a large blob).
    pub(super) fn run<T>(
        &self,
        runtime: &tokio::runtime::Runtime,
        step: &Step<'_>,
        extra: Duration,
        operation: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        let deadline = self.timeouts.deadline.saturating_add(extra);
        // clock: when the operation's deadline passes, so that no retry waits beyond it
        let now = tokio::time::Instant::now();
        self.ends.set(now.checked_add(deadline));
        runtime
            .block_on(async { tokio::time::timeout(deadline, operation).await })
            .unwrap_or_else(|_| {
                Err(anyhow::anyhow!(
                    "{step}: timed out: not done within the deadline of {} s (--registry-deadline)",
                    deadline.as_secs()
                ))
            })
    }

    /// Sends a request; a network failure told with the step. An idempotent one (GET, HEAD,
    /// PUT) is made again, up to [`Retries::attempts`] times in all, when the registry answers
    /// 429 or 500, 502, 503, 504 or the connection is lost before an answer: after the
    /// registry's `Retry-After` (seconds or an HTTP date), else a wait doubling from
    /// [`Retries::base`]; never after more than [`Retries::max_wait`] nor past the
    /// operation's deadline. Each retry is logged.
    pub(super) async fn send(
        &self,
        request: RequestBuilder,
        step: &Step<'_>,
    ) -> anyhow::Result<Response> {
        let request = request
            .build()
            .map_err(|error| self.network_error(&error, step))?;
        let idempotent = matches!(*request.method(), Method::GET | Method::HEAD | Method::PUT);
        let mut attempt = 1;
        loop {
            let again = request
                .try_clone()
                .filter(|_| idempotent && attempt < self.retries.attempts);
            let Some(next) = again else {
                let after = if attempt > 1 {
                    format!(" (after {attempt} attempts)")
                } else {
                    String::new()
                };
                return match self.client.execute(request).await {
                    Err(error) => Err(anyhow::anyhow!(
                        "{}{after}",
                        self.network_error(&error, step)
                    )),
                    Ok(response) if attempt > 1 && retried(response.status()) => {
                        let error = self.status_error(response).await;
                        Err(anyhow::anyhow!("{step}: {error}{after}"))
                    }
                    Ok(response) => Ok(response),
                };
            };
            let (wait, why) = match self.client.execute(next).await {
                Ok(response) if !retried(response.status()) => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let asked = retry_after(response.headers());
                    match asked.filter(|wait| *wait > self.retries.max_wait) {
                        Some(wait) => {
                            let error = self.status_error(response).await;
                            bail!(
                                "{step}: {error} (it asks to retry in {} s, longer than the {} s the packager waits)",
                                wait.as_secs(),
                                self.retries.max_wait.as_secs()
                            );
                        }
                        None => (
                            asked.unwrap_or_else(|| self.backoff(attempt)),
                            status.to_string(),
                        ),
                    }
                }
                Err(error) if lost(&error) => (self.backoff(attempt), super::error_chain(&error)),
                Err(error) => return Err(self.network_error(&error, step)),
            };
            // clock: a retry must not wait past the operation's deadline
            let now = tokio::time::Instant::now();
            if self
                .ends
                .get()
                .is_some_and(|ends| now.checked_add(wait).is_none_or(|at| at > ends))
            {
                bail!(
                    "{step}: {why} (attempt {attempt}; a retry in {} s would pass the deadline of {} s, --registry-deadline)",
                    wait.as_secs_f64(),
                    self.timeouts.deadline.as_secs()
                );
            }
            attempt += 1;
            eprintln!(
                "    Retrying {step} in {:.1} s ({why}; attempt {attempt} of {})",
                wait.as_secs_f64(),
                self.retries.attempts
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// The wait before the retry after `attempt` when the registry names none.
    fn backoff(&self, attempt: u32) -> Duration {
        self.retries
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.retries.max_wait)
    }

    fn network_error(&self, error: &reqwest::Error, step: &Step<'_>) -> anyhow::Error {
        let registry = step.reference.resolve_registry();
        if error.is_timeout() {
            anyhow::anyhow!(
                "{step}: timed out: nothing for {} s (--registry-timeout): {}",
                self.timeouts.idle.as_secs(),
                super::error_chain(error)
            )
        } else if error.is_connect() || error.is_request() {
            let plain_http = if self.insecure.contains(registry) {
                String::new()
            } else {
                format!(
                    " (a plain-HTTP registry must be named with --insecure-registry {registry})"
                )
            };
            anyhow::anyhow!(
                "{step}: cannot reach the registry {registry}{plain_http}: {}",
                super::error_chain(error)
            )
        } else {
            anyhow::anyhow!("{step}: {}", super::error_chain(error))
        }
    }

    /// The body of a successful answer, at most `limit` bytes (else an error naming the cap).
    pub(super) async fn read(
        &self,
        response: Response,
        limit: u64,
        step: &Step<'_>,
    ) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        let too_large =
            || anyhow::anyhow!("{step}: the answer is larger than the cap of {limit} bytes");
        self.stream(response, limit, step, too_large, |chunk, _| {
            body.extend_from_slice(chunk);
            Ok(())
        })
        .await?;
        Ok(body)
    }

    /// Streams a blob's body into `out`, cut off the moment it exceeds `size` (`progress`
    /// told the bytes so far and those just read); returns the digest of what was written.
    pub(super) async fn read_blob(
        &self,
        response: Response,
        size: u64,
        out: &mut impl Write,
        step: &Step<'_>,
        progress: impl Fn(u64, u64),
    ) -> anyhow::Result<String> {
        let mut hasher = sha2::Sha256::new();
        let too_large =
            || anyhow::anyhow!("{step}: the blob is larger than its descriptor's {size} bytes");
        let written = self
            .stream(response, size, step, too_large, |chunk, written| {
                progress(written, chunk.len() as u64);
                hasher.update(chunk);
                out.write_all(chunk)
                    .with_context(|| format!("{step}: cannot write the blob to the cache"))
            })
            .await?;
        if written != size {
            bail!("{step}: the blob is {written} bytes, its descriptor says {size}");
        }
        Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
    }

    /// Hands each chunk of a body to `take` (with the bytes received so far), failing with
    /// `too_large()` the moment the body, or the length it declares, passes `limit` bytes;
    /// returns the bytes received.
    async fn stream(
        &self,
        mut response: Response,
        limit: u64,
        step: &Step<'_>,
        too_large: impl Fn() -> anyhow::Error,
        mut take: impl FnMut(&[u8], u64) -> anyhow::Result<()>,
    ) -> anyhow::Result<u64> {
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large());
        }
        let mut received: u64 = 0;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.network_error(&error, step))?
        {
            received += chunk.len() as u64;
            if received > limit {
                return Err(too_large());
            }
            take(&chunk, received)?;
        }
        Ok(received)
    }

    /// A non-success answer as a [`StatusError`]: at most [`ERROR_BODY_LIMIT`] of its body
    /// read, a JSON envelope's codes and messages (else the body) quoted.
    pub(super) async fn status_error(&self, mut response: Response) -> StatusError {
        let status = response.status();
        let mut body = Vec::new();
        let mut cut = false;
        while let Ok(Some(chunk)) = response.chunk().await {
            let room = usize::try_from(ERROR_BODY_LIMIT).unwrap_or(usize::MAX) - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                cut = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let (codes, detail) = error_detail(&body, cut);
        StatusError {
            status,
            codes,
            detail,
        }
    }

    /// Whether the reference's registry's credentials may go to the token realm `realm`: over
    /// HTTPS (plain HTTP only to a host named insecure, `--insecure-registry`), and to the
    /// registry's own host (and port) or a realm host trusted for it ([`super::BUILT_IN_REALMS`],
    /// `--registry-trust-realm`). Anonymous token requests go anywhere.
    fn may_send_credentials(&self, reference: &Reference, realm: &Url) -> anyhow::Result<()> {
        let registry = reference.resolve_registry();
        let realm_host = authority(realm);
        let shown = bounded(&realm_host);
        let trusted = realm_host == registry
            || self.trusted_realms.contains(&(
                super::same_registry(registry).to_string(),
                realm_host.clone(),
            ));
        if !trusted {
            bail!(
                "the credentials for {registry} are not sent to the token realm {} on another host ({shown} is not {registry}): trust it with --registry-trust-realm {registry}={shown}",
                quoted(realm.as_str()),
            );
        }
        if realm.scheme() != "https" && !self.insecure.contains(&realm_host) {
            bail!(
                "the credentials for {registry} are not sent over plain HTTP: the token realm {} is not HTTPS (name its host with --insecure-registry {shown} if it is meant to be plain HTTP)",
                quoted(realm.as_str()),
            );
        }
        Ok(())
    }

    /// How to authorize requests to the reference's registry for pulls (or pushes): its `/v2/`
    /// asked; a bearer challenge answered by the token service it names (with `credentials`
    /// when there are some), a basic one with the credentials.
    pub(super) async fn authorize(
        &self,
        reference: &Reference,
        credentials: &Auth,
        push: bool,
    ) -> anyhow::Result<Auth> {
        let step = Step {
            reference,
            what: "GET /v2/".to_string(),
        };
        let url = self.base(reference)?.join("v2/")?;
        let response = self
            .send(
                self.request(Method::GET, url, reference, &Auth::Anonymous),
                &step,
            )
            .await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            // An open registry: credentials are not sent where they are not asked for.
            return Ok(Auth::Anonymous);
        }
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_challenge);
        let Some((realm, service)) = challenge else {
            // Basic (or no readable challenge): the credentials as they are.
            return Ok(credentials.clone());
        };
        let realm = realm
            .with_context(|| format!("{step}: the registry's bearer challenge names no realm"))?;
        let realm_url = Url::parse(&realm)
            .with_context(|| format!("{step}: the token realm {} is not a URL", quoted(&realm)))?;
        let scope = format!(
            "repository:{}:{}",
            reference.repository(),
            if push { "pull,push" } else { "pull" }
        );
        let mut query = vec![("scope", scope.as_str())];
        if let Some(service) = &service {
            query.push(("service", service));
        }
        let token_step = Step {
            reference,
            what: format!("the token request to {}", quoted(realm_url.as_str())),
        };
        let mut request = self.client.get(realm_url.clone()).query(&query);
        if let Auth::Basic(user, password) = credentials {
            self.may_send_credentials(reference, &realm_url)
                .with_context(|| format!("{token_step}"))?;
            request = request.basic_auth(user, Some(password));
        }
        let response = self.send(request, &token_step).await?;
        if !response.status().is_success() {
            let error = self.status_error(response).await;
            return Err(anyhow::Error::new(error).context(format!("{token_step}")));
        }
        let body = self.read(response, TOKEN_LIMIT, &token_step).await?;
        let token = parse_token(&body).with_context(|| format!("{token_step}"))?;
        Ok(Auth::Bearer(token))
    }
}

/// Whether an answer with `status` is worth asking again: too many requests, or a server
/// error that may pass (not 501, not 505 and beyond).
fn retried(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Whether a request failed with the connection lost after it was made (reset, closed before
/// the answer): worth making again. Not a timeout (which would multiply the wait), not a
/// refused connection (nothing listens there).
fn lost(error: &reqwest::Error) -> bool {
    error.is_request() && !error.is_connect() && !error.is_timeout()
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date (a date past is no
/// wait).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    // clock: an HTTP date in Retry-After is a wait until then
    let now = chrono::Utc::now();
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// `host[:port]` of a URL (the port when it is not the scheme's).
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    url.port()
        .map_or_else(|| host.to_string(), |port| format!("{host}:{port}"))
}

/// `Location` of an upload, resolved against the URL it answered (a relative one, as
/// distribution sends, included).
pub(super) fn location(response: &Response, step: &Step<'_>) -> anyhow::Result<Url> {
    let value = response
        .headers()
        .get(header::LOCATION)
        .with_context(|| format!("{step}: the registry answered no Location"))?;
    let text = value.to_str().map_err(|_| {
        anyhow::anyhow!(
            "{step}: the Location {} is not text",
            quoted(&text_lossy(value.as_bytes()))
        )
    })?;
    response
        .url()
        .join(text)
        .with_context(|| format!("{step}: the Location {} is not a URL", quoted(text)))
}

/// The `Accept` header of manifest requests.
pub(super) fn accept(media_types: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&media_types.join(", ")) {
        headers.insert(header::ACCEPT, value);
    }
    headers
}

#[cfg(test)]
mod tests;
