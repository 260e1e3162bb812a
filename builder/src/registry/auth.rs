//! Credentials as users' tools keep them: the Docker/podman auth file (`auths`, with the base64
//! `auth` of `user:password` or `username`/`password`; `credHelpers` and `credsStore`, asked
//! through the `docker-credential-<helper> get` protocol), else anonymous. The bearer-token flow
//! itself (the registry's `WWW-Authenticate` challenge, the token request) is the client's.

use anyhow::{Context, bail};
use base64::Engine;
use oci_client::secrets::RegistryAuth;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use untrusted_input::quoted;

/// The auth file podman and skopeo read first: `$REGISTRY_AUTH_FILE`, then
/// `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, then Docker's
/// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; the first that exists.
#[must_use]
pub fn default_auth_file() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let home = var("HOME").map(PathBuf::from);
    let candidates = [
        var("REGISTRY_AUTH_FILE").map(PathBuf::from),
        var("XDG_RUNTIME_DIR").map(|dir| Path::new(&dir).join("containers/auth.json")),
        home.as_ref()
            .map(|home| home.join(".config/containers/auth.json")),
        var("DOCKER_CONFIG").map(|dir| Path::new(&dir).join("config.json")),
        home.map(|home| home.join(".docker/config.json")),
    ];
    candidates.into_iter().flatten().find(|path| path.is_file())
}

/// The largest auth file read: 1 MiB (Docker's and podman's hold a few entries).
pub const AUTH_FILE_LIMIT: u64 = 1 << 20;

/// A parsed auth file (`auth.json` / `config.json`).
#[derive(Debug, Default, Deserialize)]
pub struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    /// Where it was read from, for messages.
    #[serde(skip)]
    path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// What a credential helper answers to `get`.
#[derive(Debug, Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// Credentials for a registry, and where they came from (for messages).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub auth: RegistryAuth,
    pub source: String,
}

impl AuthFile {
    /// Reads the auth file `path`: a regular file (a FIFO or a device is an error, not a
    /// wait) of at most [`AUTH_FILE_LIMIT`] bytes.
    ///
    /// # Errors
    /// If it cannot be read, is not a regular file, is larger, or is not an auth file.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = untrusted_input::read_regular_file(path, AUTH_FILE_LIMIT)
            .map_err(|error| anyhow::anyhow!("cannot read the auth file: {error}"))?
            .with_context(|| format!("the auth file {} does not exist", path.display()))?;
        // The parser's message may quote a value of the file (a credential): only where.
        let mut file: Self = serde_json::from_slice(&text).map_err(|error| {
            anyhow::anyhow!(
                "the auth file {} is not a Docker/podman auth file (JSON with \"auths\"): {} at line {} column {}",
                path.display(),
                match error.classify() {
                    serde_json::error::Category::Data => "a value of the wrong type",
                    serde_json::error::Category::Eof => "the JSON ends early",
                    serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                        "not JSON"
                    }
                },
                error.line(),
                error.column()
            )
        })?;
        file.path = Some(path.to_path_buf());
        Ok(file)
    }

    fn name(&self) -> String {
        self.path.as_ref().map_or_else(
            || "no auth file".to_string(),
            |path| path.display().to_string(),
        )
    }

    /// The credentials for `repository` on `registry` (a host as the reference names it):
    /// a credential helper for the registry, else the most specific `auths` entry
    /// (`registry/repository`, its parents, `registry`; Docker Hub under any of its names), else
    /// the `credsStore`, else anonymous.
    ///
    /// # Errors
    /// A helper that fails or answers something else; an entry that is not base64 of
    /// `user:password`.
    pub fn credentials(&self, registry: &str, repository: &str) -> anyhow::Result<Credentials> {
        match self.lookup(registry, repository)? {
            Found::Helper(program) => ask_helper(&program, registry),
            Found::Credentials(credentials) => Ok(credentials),
        }
    }

    /// What the file says of `repository` on `registry` (see [`AuthFile::credentials`]),
    /// without running a helper.
    fn lookup(&self, registry: &str, repository: &str) -> anyhow::Result<Found> {
        let hosts = host_aliases(registry);
        if let Some(helper) = hosts.iter().find_map(|host| self.cred_helpers.get(*host)) {
            return Ok(Found::Helper(format!("docker-credential-{helper}")));
        }
        let mut keys: Vec<String> = Vec::new();
        let parts: Vec<&str> = repository.split('/').collect();
        for host in &hosts {
            for end in (1..=parts.len()).rev() {
                keys.push(format!("{host}/{}", parts[..end].join("/")));
            }
        }
        keys.extend(hosts.iter().map(|host| (*host).to_string()));
        for key in &keys {
            if let Some((name, entry)) = self
                .auths
                .iter()
                .find(|(name, _)| normalize_key(name) == key.as_str())
            {
                let source = format!("{} (auths.{})", self.name(), quoted(name));
                return Ok(Found::Credentials(Credentials {
                    auth: entry.auth(&source)?,
                    source,
                }));
            }
        }
        if let Some(store) = &self.creds_store {
            return Ok(Found::Helper(format!("docker-credential-{store}")));
        }
        Ok(Found::Credentials(Credentials {
            auth: RegistryAuth::Anonymous,
            source: format!("anonymous (no entry for {registry} in {})", self.name()),
        }))
    }
}

/// Where an auth file sends the credentials of a registry.
enum Found {
    /// This credential helper program.
    Helper(String),
    /// These (or anonymous).
    Credentials(Credentials),
}

impl AuthEntry {
    fn auth(&self, source: &str) -> anyhow::Result<RegistryAuth> {
        if let Some(encoded) = self.auth.as_deref().filter(|auth| !auth.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .with_context(|| format!("{source}: \"auth\" is not base64 of user:password"))?;
            let (user, password) = decoded
                .split_once(':')
                .with_context(|| format!("{source}: \"auth\" is not base64 of user:password"))?;
            return Ok(RegistryAuth::Basic(user.to_string(), password.to_string()));
        }
        match (&self.username, &self.password) {
            (Some(user), Some(password)) => Ok(RegistryAuth::Basic(user.clone(), password.clone())),
            _ => bail!("{source}: neither \"auth\" nor \"username\" and \"password\""),
        }
    }
}

/// The names an `auths` key may give a registry: Docker Hub has several.
fn host_aliases(registry: &str) -> Vec<&str> {
    const DOCKER_HUB: [&str; 3] = ["docker.io", "index.docker.io", "registry-1.docker.io"];
    if DOCKER_HUB.contains(&registry) {
        DOCKER_HUB.to_vec()
    } else {
        vec![registry]
    }
}

/// An `auths` key without its scheme and Docker's `/v1/` suffix (`https://index.docker.io/v1/`).
fn normalize_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let key = key.strip_suffix("/v1/").unwrap_or(key);
    let key = key.strip_suffix("/v2/").unwrap_or(key);
    key.trim_end_matches('/')
}

/// Asks the credential helper `program` (`docker-credential-<helper>`, found on PATH) for the
/// registry's credentials: `get`, the server URL on stdin, `{"Username": ..., "Secret": ...}`
/// on stdout. A username `<token>` means the secret is an identity token, which the registry
/// would exchange for a bearer token: not supported.
fn ask_helper(program: &str, registry: &str) -> anyhow::Result<Credentials> {
    let source = format!("the credential helper {program}");
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {program} (the auth file names it for {registry})"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(registry.as_bytes())
            .with_context(|| format!("cannot write to {program}"))?;
    }
    let output = child
        .wait_with_output()
        .with_context(|| format!("cannot run {program}"))?;
    if !output.status.success() {
        bail!(
            "{program} get for {registry} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stdout).trim()
        );
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "{program} get for {registry} did not answer {{\"Username\": ..., \"Secret\": ...}}"
        )
    })?;
    if answer.username == "<token>" {
        bail!(
            "{program} gives an identity token for {registry}: log in with a user and password (or a personal access token) instead"
        );
    }
    Ok(Credentials {
        auth: RegistryAuth::Basic(answer.username, answer.secret),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(json: &str) -> AuthFile {
        serde_json::from_str(json).unwrap()
    }

    fn basic(credentials: &Credentials) -> (String, String) {
        match &credentials.auth {
            RegistryAuth::Basic(user, password) => (user.clone(), password.clone()),
            other => panic!("not basic: {other:?}"),
        }
    }

    /// Auth files as users' tools write them (and as anything else may): never a panic; a
    /// credential helper named is not run; an error's message stays bounded and escaped.
    #[test]
    fn fuzz_auth_files() {
        let seeds = [
            r#"{"auths": {"https://index.docker.io/v1/": {"auth": "bWU6c2VjcmV0"}, "127.0.0.1:5000": {"username": "u", "password": "p"}}}"#,
            r#"{"auths": {"quay.io/org": {"auth": "b3JnOm9uZQ=="}}, "credsStore": "desktop"}"#,
            r#"{"credHelpers": {"ghcr.io": "gh"}, "auths": {"ghcr.io": {}}}"#,
        ];
        fuzz_check::fuzz_text("auth file (config.json)", &seeds, |input| {
            let Ok(file) = serde_json::from_str::<AuthFile>(input) else {
                return;
            };
            for (registry, repository) in [
                ("docker.io", "library/ubuntu"),
                ("quay.io", "org/image"),
                ("127.0.0.1:5000", "a/b"),
                ("ghcr.io", "a"),
            ] {
                if let Err(error) = file.lookup(registry, repository) {
                    let message = error.to_string();
                    assert!(message.len() < 2000, "{message}");
                    assert!(!message.contains('\u{1b}'), "{message}");
                }
            }
        });
    }

    #[test]
    fn base64_auth_and_docker_hub_names() {
        // "me:secret"
        let auths = file(
            r#"{"auths": {"https://index.docker.io/v1/": {"auth": "bWU6c2VjcmV0"},
                          "127.0.0.1:5000": {"username": "u", "password": "p:w"}}}"#,
        );
        assert_eq!(
            basic(
                &auths
                    .credentials("docker.io", "paketobuildpacks/java")
                    .unwrap()
            ),
            ("me".to_string(), "secret".to_string())
        );
        assert_eq!(
            basic(&auths.credentials("127.0.0.1:5000", "a/b").unwrap()),
            ("u".to_string(), "p:w".to_string())
        );
        assert!(matches!(
            auths.credentials("ghcr.io", "a/b").unwrap().auth,
            RegistryAuth::Anonymous
        ));
    }

    #[test]
    fn the_most_specific_entry_wins() {
        // "org:one" and "any:two"
        let auths = file(
            r#"{"auths": {"quay.io": {"auth": "YW55OnR3bw=="}, "quay.io/org": {"auth": "b3JnOm9uZQ=="}}}"#,
        );
        assert_eq!(
            basic(&auths.credentials("quay.io", "org/image").unwrap()).0,
            "org"
        );
        assert_eq!(
            basic(&auths.credentials("quay.io", "other/image").unwrap()).0,
            "any"
        );
    }

    #[test]
    fn a_bad_entry_is_named() {
        let auths = file(r#"{"auths": {"quay.io": {"auth": "not base64!"}}}"#);
        let error = auths.credentials("quay.io", "a").unwrap_err().to_string();
        assert!(error.contains("auths.\"quay.io\""), "{error}");
        assert!(error.contains("not base64 of user:password"), "{error}");
    }

    /// A credential helper answering `get` for any server.
    const HELPER: &str = "#!/bin/sh\nread server\n[ \"$1\" = get ] || exit 3\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"from-helper\",\"Secret\":\"%s-secret\"}' \"$server\" \"$server\"\n";

    #[test]
    fn credential_helpers_speak_the_docker_protocol() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-test");
        cnb_harness::write_executable(&helper, HELPER);
        let credentials = ask_helper(helper.to_str().unwrap(), "reg.example").unwrap();
        assert_eq!(
            basic(&credentials),
            ("from-helper".to_string(), "reg.example-secret".to_string())
        );
        assert_eq!(
            credentials.source,
            format!("the credential helper {}", helper.display())
        );
        let missing = file(r#"{"credHelpers": {"reg.example": "absent"}}"#)
            .credentials("reg.example", "a/b")
            .unwrap_err()
            .to_string();
        cnb_harness::assert_contains!(missing, "docker-credential-absent");
    }
}
