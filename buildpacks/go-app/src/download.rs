//! Fetching a Go toolchain the way the Go command does: the zip of module
//! `golang.org/toolchain` at `v0.0.1-go<version>.<os>-<arch>` from `GOPROXY`, verified against
//! the inventory's SHA-256 before anything is extracted.

use crate::inventory::{Sha256, Toolchain};
use cnb_output::Log;
use sha2::Digest;
use std::fmt;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path};
use std::time::Duration;
use untrusted_input::quoted;

/// The proxy when `GOPROXY` is unset or empty (the Go command's default).
pub(crate) const DEFAULT_GOPROXY: &str = "https://proxy.golang.org";
/// A toolchain zip is about 75 MB; refuse anything absurd.
const MAX_DOWNLOAD_BYTES: u64 = 1 << 30;

/// `GOPROXY` holds no proxy to download from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxyError {
    pub(crate) value: String,
    pub(crate) reason: String,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GOPROXY={}: {}", quoted(&self.value), self.reason)
    }
}

/// The proxy to download from: the first URL of `GOPROXY` (entries separated by `,` or `|`).
/// `direct` is skipped (a toolchain comes from a proxy); `off` stops the list, as it does for the
/// Go command.
///
/// # Errors
/// When no URL comes before the end of the list or an `off`.
pub(crate) fn proxy_base(goproxy: Option<&str>) -> Result<String, ProxyError> {
    let value = goproxy.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Ok(DEFAULT_GOPROXY.to_string());
    }
    let error = |reason: &str| ProxyError {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    for entry in value
        .split([',', '|'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        match entry {
            "direct" => {}
            "off" => {
                return Err(error(
                    "downloads are turned off ('off' comes before any proxy URL); set GOPROXY to \
                     a proxy (https://proxy.golang.org or a mirror) or use a build image whose go \
                     satisfies the app",
                ));
            }
            url if url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with("file://") =>
            {
                return Ok(url.trim_end_matches('/').to_string());
            }
            other => {
                return Err(error(&format!(
                    "{} is not a proxy URL (https://, http:// or file://), 'direct' or 'off'",
                    quoted(other)
                )));
            }
        }
    }
    Err(error(
        "it names no proxy URL ('direct' fetches modules from their repositories, which a Go \
         toolchain does not have); set GOPROXY to a proxy such as https://proxy.golang.org or a \
         mirror",
    ))
}

/// The toolchain zip's URL under a proxy.
pub(crate) fn toolchain_url(proxy: &str, toolchain: &Toolchain) -> String {
    format!(
        "{proxy}/golang.org/toolchain/@v/{}.zip",
        toolchain.module_version()
    )
}

/// A download that failed (after the retries it allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FetchError {
    pub(crate) url: String,
    pub(crate) message: String,
    pub(crate) attempts: u32,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// Where bytes come from: HTTP(S) and `file://` ([`HttpFetch`]), or bytes a test injects.
pub(crate) trait Fetch {
    /// The whole content at `url`.
    ///
    /// # Errors
    /// When it cannot be had.
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError>;
}

/// The CA bundles Go's `crypto/x509` reads on Linux, in its order (after `SSL_CERT_FILE`).
const CA_BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The certificates HTTPS trusts: the build image's CA bundle, as for the Go command (so a
/// mirror or proxy with a private CA the image trusts works), else the Mozilla roots built into
/// the buildpack. Returns them and where they come from.
pub(crate) fn root_certs(ssl_cert_file: Option<&str>) -> (ureq::tls::RootCerts, String) {
    let candidates = ssl_cert_file
        .filter(|file| !file.is_empty())
        .into_iter()
        .chain(CA_BUNDLES);
    for file in candidates {
        let Ok(pem) = std::fs::read(file) else {
            continue;
        };
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert.to_owned()),
                _ => None,
            })
            .collect();
        if !certs.is_empty() {
            let description = format!("{} CA certificates of {file}", certs.len());
            return (ureq::tls::RootCerts::new_with_certs(&certs), description);
        }
    }
    (
        ureq::tls::RootCerts::WebPki,
        "the Mozilla CA certificates built into the buildpack (no CA bundle in the build image)"
            .to_string(),
    )
}

/// Downloads with `ureq` (rustls, the `HTTPS_PROXY`/`NO_PROXY` of the environment, the CA
/// certificates of [`root_certs`]), and reads `file://` URLs. Retries timeouts, 429 and 5xx
/// only, with a doubling delay.
#[derive(Debug)]
pub(crate) struct HttpFetch {
    agent: ureq::Agent,
    attempts: u32,
    first_delay: Duration,
}

impl HttpFetch {
    /// `attempts` tries in all, the first retry after `first_delay`.
    pub(crate) fn new(
        user_agent: &str,
        roots: ureq::tls::RootCerts,
        attempts: u32,
        first_delay: Duration,
    ) -> Self {
        let agent = ureq::Agent::config_builder()
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .http_status_as_error(false)
            .user_agent(user_agent)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_mins(1)))
            .timeout_per_read(Some(Duration::from_mins(1)))
            .build()
            .into();
        Self {
            agent,
            attempts: attempts.max(1),
            first_delay,
        }
    }

    fn attempt(&self, url: &str) -> Result<Vec<u8>, (String, bool)> {
        let mut response = match self.agent.get(url).call() {
            Ok(response) => response,
            Err(ureq::Error::Timeout(which)) => return Err((format!("timed out ({which})"), true)),
            Err(error) => return Err((error.to_string(), false)),
        };
        let status = response.status().as_u16();
        if status != 200 {
            let retry = status == 429 || (500..600).contains(&status);
            let hint = if status == 404 || status == 410 {
                " (the proxy does not have this toolchain)"
            } else {
                ""
            };
            return Err((format!("HTTP status {status}{hint}"), retry));
        }
        match response
            .body_mut()
            .with_config()
            .limit(MAX_DOWNLOAD_BYTES)
            .read_to_vec()
        {
            Ok(bytes) => Ok(bytes),
            Err(ureq::Error::Timeout(which)) => Err((format!("timed out ({which})"), true)),
            Err(error) => Err((error.to_string(), false)),
        }
    }
}

impl Fetch for HttpFetch {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let mut log = Log::stdout();
        if let Some(path) = url.strip_prefix("file://") {
            return std::fs::read(path).map_err(|error| FetchError {
                url: url.to_string(),
                message: error.to_string(),
                attempts: 1,
            });
        }
        let mut delay = self.first_delay;
        let mut attempt = 1;
        loop {
            match self.attempt(url) {
                Ok(bytes) => return Ok(bytes),
                Err((message, retry)) if retry && attempt < self.attempts => {
                    log.subdetail(&format!(
                        "Attempt {attempt} failed ({message}); retrying in {:.1}s",
                        delay.as_secs_f64()
                    ));
                    std::thread::sleep(delay);
                    delay *= 2;
                    attempt += 1;
                }
                Err((message, _)) => {
                    return Err(FetchError {
                        url: url.to_string(),
                        message,
                        attempts: attempt,
                    });
                }
            }
        }
    }
}

/// Why a toolchain could not be installed.
#[derive(Debug)]
pub(crate) enum InstallError {
    Fetch(FetchError),
    /// The bytes are not the toolchain of the inventory. Never retried.
    ChecksumMismatch {
        url: String,
        expected: Sha256,
        actual: String,
    },
    /// The zip is not a toolchain zip, or cannot be written out.
    Extract {
        url: String,
        message: String,
    },
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fetch(error) => write!(f, "{error}"),
            Self::ChecksumMismatch {
                url,
                expected,
                actual,
            } => write!(
                f,
                "{url}: SHA-256 {actual}, expected {expected} (the buildpack's inventory)"
            ),
            Self::Extract { url, message } => write!(f, "{url}: {message}"),
        }
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// What an installation did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Installed {
    pub(crate) bytes: usize,
    pub(crate) files: usize,
}

/// Downloads the toolchain zip, checks its SHA-256, then (only then) extracts it into
/// `destination` (which must exist and be empty), without the zip's
/// `golang.org/toolchain@<version>/` prefix, keeping the files' modes.
///
/// # Errors
/// A failed download, a checksum mismatch (nothing is extracted) or a zip that is not the
/// toolchain's.
pub(crate) fn install(
    fetch: &dyn Fetch,
    url: &str,
    toolchain: &Toolchain,
    destination: &Path,
) -> Result<Installed, InstallError> {
    let bytes = fetch.fetch(url).map_err(InstallError::Fetch)?;
    let actual = sha256_hex(&bytes);
    if actual != toolchain.sha256.as_str() {
        return Err(InstallError::ChecksumMismatch {
            url: url.to_string(),
            expected: toolchain.sha256.clone(),
            actual,
        });
    }
    let files = extract(&bytes, &toolchain.zip_prefix(), destination).map_err(|message| {
        InstallError::Extract {
            url: url.to_string(),
            message,
        }
    })?;
    Ok(Installed {
        bytes: bytes.len(),
        files,
    })
}

/// Extracts every entry under `prefix` into `destination`; returns the number of files.
fn extract(bytes: &[u8], prefix: &str, destination: &Path) -> Result<usize, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a zip: {e}"))?;
    let mut files = 0;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| format!("entry {index}: {e}"))?;
        let name = entry
            .name()
            .map_err(|e| format!("entry {index}: {e}"))?
            .into_owned();
        let relative = name
            .strip_prefix(prefix)
            .ok_or_else(|| format!("{name:?} is outside {prefix:?}: not this toolchain's zip"))?;
        let relative_path = Path::new(relative);
        if entry.enclosed_name().is_none()
            || relative_path
                .components()
                .any(|component| !matches!(component, Component::Normal(_)))
        {
            if relative.is_empty() || relative == "/" {
                continue;
            }
            return Err(format!("{name:?} is not a plain relative path"));
        }
        let target = destination.join(relative_path);
        let write_error = |error: std::io::Error| format!("{}: {error}", target.display());
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(write_error)?;
            continue;
        }
        if entry.is_symlink() {
            return Err(format!(
                "{name:?} is a symbolic link: not in a toolchain zip"
            ));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        let mode = entry.unix_mode().map_or(0o644, |mode| mode & 0o777);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&target)
            .map_err(write_error)?;
        std::io::copy(&mut (&mut entry).take(MAX_DOWNLOAD_BYTES * 4), &mut file)
            .map_err(write_error)?;
        files += 1;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::GoVersion;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Mutex;

    fn toolchain(sha256: &str) -> Toolchain {
        Toolchain {
            version: GoVersion::parse("1.25.14").unwrap(),
            os: "linux".to_string(),
            arch: "amd64".to_string(),
            sha256: Sha256::parse(sha256).unwrap(),
        }
    }

    /// A zip as the proxy serves it: everything under the module prefix, `bin/go` executable.
    fn toolchain_zip(prefix: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let file = |mode| zip::write::SimpleFileOptions::default().unix_permissions(mode);
        zip.start_file(format!("{prefix}VERSION"), file(0o644))
            .unwrap();
        zip.write_all(b"go1.25.14\n").unwrap();
        zip.start_file(format!("{prefix}bin/go"), file(0o755))
            .unwrap();
        zip.write_all(b"#!/bin/sh\necho go\n").unwrap();
        zip.finish().unwrap().into_inner()
    }

    /// Serves canned bytes.
    struct Bytes(Vec<u8>, Mutex<Vec<String>>);

    impl Fetch for Bytes {
        fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
            self.1.lock().unwrap().push(url.to_string());
            Ok(self.0.clone())
        }
    }

    #[test]
    fn goproxy_lists() {
        assert_eq!(proxy_base(None).unwrap(), "https://proxy.golang.org");
        assert_eq!(proxy_base(Some(" ")).unwrap(), "https://proxy.golang.org");
        assert_eq!(
            proxy_base(Some("https://proxy.golang.org,direct")).unwrap(),
            "https://proxy.golang.org"
        );
        assert_eq!(
            proxy_base(Some(
                "direct|https://mirror.example/go/,https://proxy.golang.org"
            ))
            .unwrap(),
            "https://mirror.example/go"
        );
        assert_eq!(
            proxy_base(Some("file:///srv/goproxy")).unwrap(),
            "file:///srv/goproxy"
        );
        assert!(
            proxy_base(Some("direct"))
                .unwrap_err()
                .to_string()
                .starts_with("GOPROXY=\"direct\": it names no proxy URL")
        );
        assert!(
            proxy_base(Some("off,https://proxy.golang.org"))
                .unwrap_err()
                .reason
                .starts_with("downloads are turned off")
        );
        assert!(
            proxy_base(Some("proxy.golang.org"))
                .unwrap_err()
                .reason
                .starts_with("\"proxy.golang.org\" is not a proxy URL")
        );
        assert_eq!(
            toolchain_url("https://proxy.golang.org", &toolchain(&"0".repeat(64))),
            "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.25.14.linux-amd64.zip"
        );
    }

    #[test]
    fn installs_a_verified_zip_keeping_modes() {
        let tc = toolchain(&"0".repeat(64));
        let zip = toolchain_zip(&tc.zip_prefix());
        let tc = toolchain(&sha256_hex(&zip));
        let fetch = Bytes(zip, Mutex::default());
        let dir = tempfile::tempdir().unwrap();
        let installed = install(&fetch, "https://p/x.zip", &tc, dir.path()).unwrap();
        assert_eq!(installed.files, 2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("VERSION")).unwrap(),
            "go1.25.14\n"
        );
        let mode = std::fs::metadata(dir.path().join("bin/go"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(*fetch.1.lock().unwrap(), ["https://p/x.zip"]);
    }

    #[test]
    fn a_checksum_mismatch_extracts_nothing_and_is_not_retried() {
        let tc = toolchain(&"0".repeat(64));
        let zip = toolchain_zip(&tc.zip_prefix());
        let actual = sha256_hex(&zip);
        let fetch = Bytes(zip, Mutex::default());
        let dir = tempfile::tempdir().unwrap();
        let error = install(&fetch, "https://p/x.zip", &tc, dir.path()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "https://p/x.zip: SHA-256 {actual}, expected {} (the buildpack's inventory)",
                "0".repeat(64)
            )
        );
        assert!(matches!(error, InstallError::ChecksumMismatch { .. }));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert_eq!(fetch.1.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_zip_of_another_module_is_refused() {
        let zip = toolchain_zip("golang.org/toolchain@v0.0.1-go1.26.8.linux-amd64/");
        let tc = toolchain(&sha256_hex(&zip));
        let dir = tempfile::tempdir().unwrap();
        let error = install(&Bytes(zip, Mutex::default()), "u", &tc, dir.path()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("is outside \"golang.org/toolchain@v0.0.1-go1.25.14.linux-amd64/\""),
            "{error}"
        );
        let zip = toolchain_zip("golang.org/toolchain@v0.0.1-go1.25.14.linux-amd64/../../");
        let tc = toolchain(&sha256_hex(&zip));
        let error = install(&Bytes(zip, Mutex::default()), "u", &tc, dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("not a plain relative path"),
            "{error}"
        );
    }

    #[test]
    fn trusts_the_build_images_ca_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here").unwrap();
        // SSL_CERT_FILE first; an unusable one falls through to the system bundles.
        let (_, from) = root_certs(Some(&empty.to_string_lossy()));
        let system = CA_BUNDLES.iter().find(|file| Path::new(file).is_file());
        match system {
            Some(file) => assert!(
                from.ends_with(&format!(" CA certificates of {file}")),
                "{from}"
            ),
            None => assert!(from.starts_with("the Mozilla CA certificates"), "{from}"),
        }
    }

    #[test]
    fn file_urls_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.zip"), b"zip").unwrap();
        let fetch = HttpFetch::new("test", ureq::tls::RootCerts::WebPki, 3, Duration::ZERO);
        let url = format!("file://{}", dir.path().join("x.zip").display());
        assert_eq!(fetch.fetch(&url).unwrap(), b"zip");
        let error = fetch.fetch("file:///nonexistent/x.zip").unwrap_err();
        assert_eq!(error.attempts, 1);
    }

    /// A local HTTP server answering each connection with the next canned status and body.
    fn serve(responses: Vec<(u16, &'static str)>) -> (String, std::thread::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x.zip", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut served = 0;
            for (status, body) in responses {
                let (mut stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                    line.clear();
                }
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
                served += 1;
            }
            served
        });
        (url, handle)
    }

    #[test]
    fn retries_429_and_5xx_only() {
        let (url, server) = serve(vec![(503, "busy"), (429, "slow down"), (200, "zip")]);
        let fetch = HttpFetch::new("test", ureq::tls::RootCerts::WebPki, 3, Duration::ZERO);
        assert_eq!(fetch.fetch(&url).unwrap(), b"zip");
        assert_eq!(server.join().unwrap(), 3);

        let (url, server) = serve(vec![(404, "not found")]);
        let error = fetch.fetch(&url).unwrap_err();
        assert_eq!(
            error.message,
            "HTTP status 404 (the proxy does not have this toolchain)"
        );
        assert_eq!(error.attempts, 1);
        assert_eq!(server.join().unwrap(), 1);

        let (url, server) = serve(vec![(500, ""), (502, "")]);
        let fetch = HttpFetch::new("test", ureq::tls::RootCerts::WebPki, 2, Duration::ZERO);
        let error = fetch.fetch(&url).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{url}: HTTP status 502 (after 2 attempts)")
        );
        assert_eq!(server.join().unwrap(), 2);
    }
}
