//! Where microdnf installs from: the user's RPM mirror (an `rpm-repository` service binding),
//! the CA it is signed with, and the proxy to reach it.
//!
//! # The binding
//! A directory `<platform>/bindings/<name>/` (the service binding layout pack's `--volume` and
//! Kubernetes `Secret` mounts give) whose `type` file says `rpm-repository`, holding:
//!
//! | key (file) | meaning |
//! | --- | --- |
//! | `*.repo` (one or more) | dnf repository files: `[id]` sections with `baseurl`, `mirrorlist` or `metalink` (`https://` or `file://` URLs), `username`/`password` and any other dnf key |
//! | `ca.crt` (optional) | the CA (PEM) the mirror's certificate is signed with |
//! | `client.crt`, `client.key` (optional, together) | a client certificate and key (entitlement-style mirrors) |
//! | `mode` (optional) | `replace` (the default): install from the binding's repositories only; `add`: from the build image's repositories too |
//!
//! A binding of type `ca-certificates` (Paketo's: any number of PEM files) is trusted too.
//!
//! # What reaches the image: nothing of the binding
//! The lifecycle's extender (v0.20.11 and v0.21.0, kaniko) applies the `build.Dockerfile` in the build
//! image's container, where the platform directory is mounted, and leaves the platform, layers
//! and app directories out of every snapshot (its ignore list). So the `build.Dockerfile` does
//! not `COPY` the binding through a build context (a `COPY` is a layer of its own, kept in the
//! extended image and in the extender's cache even if a later step deletes the file): its single
//! install `RUN` reads the binding where it is mounted, puts the `.repo` files (and a CA bundle)
//! in a scratch directory, runs microdnf with `--setopt=reposdir=`/`sslcacert=`/`sslclientcert=`
//! /`sslclientkey=`, and removes the scratch directory before the step ends: the step's layer
//! never holds it. No value of a binding file is written into the Dockerfile; only paths.
//!
//! The proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, upper and lower case) given to
//! the build are build arguments of `extend-config.toml`, declared `ARG <name>` without a value:
//! kaniko gives build arguments to `RUN` as environment, records a step's history as the
//! Dockerfile line (names, never values) and never writes `ARG`s into the image config. Their
//! values live only in `extend-config.toml`, under the layers directory, which no image holds.
//!
//! # Errors before dnf's
//! The install step first runs `microdnf makecache` with the same options and
//! `skip_if_unavailable=0` (a repository it was told to use must answer), quietly; when it
//! fails it prints our message (the repository dnf names, where it came from, the proxy in use
//! with its credentials hidden, or that the CA does not verify), then dnf's output.

use cnb_extension::untrusted::quoted;
use cnb_extension::{
    ExtendConfig, ExtendConfigError, GenerateResultBuilder, Platform, PlatformEnvError,
    ShellCommand,
};
use std::fmt;
use std::path::PathBuf;

/// The `type` of a binding holding RPM repositories.
pub const BINDING_TYPE: &str = "rpm-repository";
/// The `type` of Paketo's CA certificates binding.
pub const CA_CERTIFICATES_TYPE: &str = "ca-certificates";
/// The key of an `rpm-repository` binding choosing `replace` or `add`.
pub const MODE_KEY: &str = "mode";
/// The key of an `rpm-repository` binding holding the mirror's CA.
pub const CA_KEY: &str = "ca.crt";
/// The key of an `rpm-repository` binding holding a client certificate.
pub const CLIENT_CERT_KEY: &str = "client.crt";
/// The key of an `rpm-repository` binding holding the client certificate's key.
pub const CLIENT_KEY_KEY: &str = "client.key";
/// The proxy variables passed on to microdnf as build arguments, as curl reads them.
pub const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The scratch directory of the install step (removed before the step ends).
const SCRATCH: &str = "/tmp/ubi-extension-repositories";
/// The most entries of `<platform>/bindings` looked at.
pub const MAX_BINDINGS: usize = 64;
/// The most entries of one binding looked at.
pub const MAX_BINDING_ENTRIES: usize = 64;
/// The largest `type` or `mode` file read.
const MAX_KEY_SIZE: u64 = 256;
/// The largest `.repo` file read.
pub const MAX_REPO_FILE_SIZE: u64 = 64 * 1024;
/// The most repositories (sections) of all bindings.
pub const MAX_REPOSITORIES: usize = 256;

/// Why the repositories cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepositoriesError {
    /// A binding of type `rpm-repository` without a `.repo` file.
    NoRepoFile {
        /// The binding's directory.
        binding: PathBuf,
    },
    /// A `.repo` file does not parse or holds a value we refuse.
    InvalidRepoFile {
        /// The file.
        path: PathBuf,
        /// Its line (1-based), 0 for the whole file.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A binding file cannot be read, or a binding is not usable as it is.
    Binding {
        /// The binding's directory.
        binding: PathBuf,
        /// Why.
        reason: String,
    },
    /// A proxy variable cannot be read or passed on.
    Proxy(String),
}

impl RepositoriesError {
    /// One line saying what failed.
    #[must_use]
    pub fn header(&self) -> String {
        match self {
            Self::NoRepoFile { .. } => "The rpm-repository binding holds no .repo file".to_string(),
            Self::InvalidRepoFile { .. } => "Invalid RPM repository file".to_string(),
            Self::Binding { .. } => "Cannot use the RPM repository binding".to_string(),
            Self::Proxy(_) => "Cannot pass the proxy on to microdnf".to_string(),
        }
    }

    /// The cause and what to do.
    #[must_use]
    pub fn body(&self) -> String {
        match self {
            Self::NoRepoFile { binding } => format!(
                "{} has type {BINDING_TYPE} but no file named *.repo.\nAdd one or more dnf \
                 repository files (an [id] section with a baseurl, mirrorlist or metalink) to the \
                 binding, or remove the binding to install from the build image's repositories.",
                binding.display()
            ),
            Self::InvalidRepoFile { path, line, reason } => {
                let at = if *line == 0 {
                    String::new()
                } else {
                    format!(", line {line}")
                };
                format!(
                    "{}{at}: {reason}.\nA .repo file holds [id] sections of key=value lines, each \
                     with a baseurl, mirrorlist or metalink of https:// or file:// URLs; \
                     credentials go in username= and password=, the CA and client certificate in \
                     the binding's {CA_KEY}, {CLIENT_CERT_KEY} and {CLIENT_KEY_KEY}.",
                    path.display()
                )
            }
            Self::Binding { binding, reason } => {
                format!("{}: {reason}.", binding.display())
            }
            Self::Proxy(reason) => format!("{reason}."),
        }
    }
}

impl fmt::Display for RepositoriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.header(), self.body())
    }
}

impl std::error::Error for RepositoriesError {}

impl From<PlatformEnvError> for RepositoriesError {
    fn from(error: PlatformEnvError) -> Self {
        Self::Proxy(error.to_string())
    }
}

impl From<ExtendConfigError> for RepositoriesError {
    fn from(error: ExtendConfigError) -> Self {
        Self::Proxy(error.to_string())
    }
}

/// Replace the build image's repositories, or add to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only the binding's repositories (the default).
    Replace,
    /// The build image's repositories too.
    Add,
}

/// One `[id]` section of a `.repo` file: what the log shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The section name, dnf's repository id.
    pub id: String,
    /// Its `baseurl`, `mirrorlist` or `metalink` URLs, query strings removed (for the log).
    pub urls: Vec<String>,
    /// `enabled=0`.
    pub disabled: bool,
}

/// An `rpm-repository` binding, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryBinding {
    /// The binding's name (its directory's name).
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Replace or add.
    pub mode: Mode,
    /// Its `.repo` files (names) and their repositories.
    pub files: Vec<(String, Vec<Repository>)>,
    /// It has a `ca.crt`.
    pub ca: bool,
    /// It has a `client.crt` and `client.key`.
    pub client_certificate: bool,
}

/// A `ca-certificates` binding: its name, directory and certificate files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBinding {
    /// The binding's name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its certificate files (names).
    pub files: Vec<String>,
}

/// Where microdnf installs from: the repository and CA bindings and the proxy variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repositories {
    /// The `rpm-repository` bindings, by name.
    pub bindings: Vec<RepositoryBinding>,
    /// The `ca-certificates` bindings, by name.
    pub ca_bindings: Vec<CaBinding>,
    /// The proxy variables set, and their values.
    pub proxies: Vec<(&'static str, String)>,
}

impl Repositories {
    /// Reads the bindings of `platform` and the proxy variables (platform env, then the
    /// lifecycle's environment, through [`Platform::setting`]).
    ///
    /// # Errors
    /// A binding of type `rpm-repository` with no `.repo` file, a `.repo` file that does not
    /// parse, a binding file that is not a regular file or is too large, a proxy variable that
    /// cannot be read.
    pub fn read(platform: &Platform) -> Result<Self, RepositoriesError> {
        let mut repositories = Self::default();
        for dir in binding_dirs(&platform.dir.join("bindings"))? {
            let name = file_name(&dir);
            match read_key(&dir, "type")?.as_deref() {
                Some(BINDING_TYPE) => repositories.bindings.push(read_binding(&dir, name)?),
                Some(CA_CERTIFICATES_TYPE) => {
                    let files = entries(&dir)?
                        .into_iter()
                        .filter(|file| file != "type" && !file.starts_with('.'))
                        .filter(|file| dir.join(file).is_file())
                        .collect::<Vec<_>>();
                    for file in &files {
                        check_plain(&dir, file)?;
                    }
                    repositories
                        .ca_bindings
                        .push(CaBinding { name, dir, files });
                }
                _ => {}
            }
        }
        let count: usize = repositories
            .bindings
            .iter()
            .flat_map(|binding| &binding.files)
            .map(|(_, repos)| repos.len())
            .sum();
        if count > MAX_REPOSITORIES {
            return Err(RepositoriesError::Binding {
                binding: platform.dir.join("bindings"),
                reason: format!(
                    "the {BINDING_TYPE} bindings hold {count} repositories, more than the \
                     {MAX_REPOSITORIES} accepted"
                ),
            });
        }
        let mut ids = std::collections::BTreeMap::new();
        for binding in &repositories.bindings {
            for (file, repos) in &binding.files {
                for repo in repos {
                    if let Some(other) = ids.insert(repo.id.clone(), binding.dir.join(file)) {
                        return Err(RepositoriesError::InvalidRepoFile {
                            path: binding.dir.join(file),
                            line: 0,
                            reason: format!(
                                "the repository id {} is also defined in {}",
                                quoted(&repo.id),
                                other.display()
                            ),
                        });
                    }
                }
            }
        }
        for name in PROXY_VARIABLES {
            if let Some(value) = platform.setting(name)? {
                let value = value.trim().to_string();
                if value.contains(|c: char| c.is_control()) {
                    return Err(RepositoriesError::Proxy(format!(
                        "{name} holds a control character"
                    )));
                }
                repositories.proxies.push((name, value));
            }
        }
        Ok(repositories)
    }

    /// Whether the build image's own repositories are used (no binding replaces them).
    #[must_use]
    pub fn uses_image_repositories(&self) -> bool {
        self.bindings.is_empty() || self.bindings.iter().any(|b| b.mode == Mode::Add)
    }

    /// The microdnf options of every microdnf command of the install.
    #[must_use]
    pub fn dnf_options(&self) -> Vec<String> {
        let mut options = Vec::new();
        if !self.bindings.is_empty() {
            options.push(format!("--setopt=reposdir={SCRATCH}"));
        }
        if self.has_ca() {
            options.push(format!("--setopt=sslcacert={SCRATCH}/ca.pem"));
        }
        if let Some(binding) = self.bindings.iter().find(|b| b.client_certificate) {
            options.push(format!(
                "--setopt=sslclientcert={}",
                binding.dir.join(CLIENT_CERT_KEY).display()
            ));
            options.push(format!(
                "--setopt=sslclientkey={}",
                binding.dir.join(CLIENT_KEY_KEY).display()
            ));
        }
        options
    }

    fn has_ca(&self) -> bool {
        self.bindings.iter().any(|b| b.ca) || !self.ca_bindings.is_empty()
    }

    /// What the install uses, for the messages of the install step.
    fn description(&self) -> String {
        let mut parts = Vec::new();
        if self.bindings.is_empty() {
            parts.push("the repositories of the build image".to_string());
        }
        for binding in &self.bindings {
            parts.push(format!(
                "the repositories of the binding {}{}",
                binding.name,
                match binding.mode {
                    Mode::Replace => "",
                    Mode::Add => " and of the build image",
                }
            ));
        }
        let cas: Vec<String> = self
            .bindings
            .iter()
            .filter(|b| b.ca)
            .map(|b| format!("{CA_KEY} of the binding {}", b.name))
            .chain(
                self.ca_bindings
                    .iter()
                    .map(|b| format!("the {CA_CERTIFICATES_TYPE} binding {}", b.name)),
            )
            .collect();
        if !cas.is_empty() {
            parts.push(format!(
                "trusting the CAs of the build image and {}",
                cas.join(", ")
            ));
        }
        parts.join("; ")
    }

    /// The install step: prepare and check the repositories, then `install` (whose microdnf
    /// commands take [`Repositories::dnf_options`]), then remove the scratch directory.
    pub fn install_step(&self, install: ShellCommand) -> ShellCommand {
        let mut check = ShellCommand::new("sh")
            .arg("-c")
            .arg(CHECK_SCRIPT)
            .arg("ubi-repositories")
            .arg(self.description())
            .arg(if self.bindings.is_empty() && !self.has_ca() {
                "-".to_string()
            } else {
                SCRATCH.to_string()
            })
            .arg(
                if self.bindings.is_empty() || self.uses_image_repositories() {
                    "add"
                } else {
                    "replace"
                },
            );
        for binding in &self.bindings {
            for (file, _) in &binding.files {
                check = check
                    .arg(binding.dir.join(file).display().to_string())
                    .arg(format!("{}-{file}", binding.name));
            }
        }
        check = check.arg("--");
        for binding in self.bindings.iter().filter(|b| b.ca) {
            check = check.arg(binding.dir.join(CA_KEY).display().to_string());
        }
        for binding in &self.ca_bindings {
            for file in &binding.files {
                check = check.arg(binding.dir.join(file).display().to_string());
            }
        }
        check = check.arg("--").args(self.dnf_options());
        let step = check.and(install);
        if self.bindings.is_empty() && !self.has_ca() {
            step
        } else {
            step.and(ShellCommand::new("rm").args(["-rf", SCRATCH]))
        }
    }

    /// The build arguments of `extend-config.toml`: the proxy variables.
    ///
    /// # Errors
    /// When a value cannot be a build argument (a line break: refused when read).
    pub fn extend_config(&self) -> Result<Option<ExtendConfig>, RepositoriesError> {
        if self.proxies.is_empty() {
            return Ok(None);
        }
        let mut config = ExtendConfig::new();
        for (name, value) in &self.proxies {
            config = config.build_arg(name, value)?;
        }
        Ok(Some(config))
    }

    /// `builder` writing [`Repositories::extend_config`] too, when there is one.
    ///
    /// # Errors
    /// As [`Repositories::extend_config`].
    pub fn with_extend_config(
        &self,
        builder: GenerateResultBuilder,
    ) -> Result<GenerateResultBuilder, RepositoriesError> {
        Ok(match self.extend_config()? {
            Some(config) => builder.extend_config(config),
            None => builder,
        })
    }

    /// The names of the proxy variables set (declared `ARG <name>` before the install step).
    #[must_use]
    pub fn proxy_arg_names(&self) -> Vec<&'static str> {
        self.proxies.iter().map(|(name, _)| *name).collect()
    }

    /// Logs (Paketo style: a step, then details) the repositories by binding, the CAs and the
    /// proxy with its credentials hidden. Never a secret.
    ///
    /// Nothing when there is neither a binding nor a proxy: the install uses the build image's
    /// repositories as they are.
    pub fn log<W: std::io::Write>(&self, log: &mut cnb_extension::Log<W>) {
        if self.bindings.is_empty() && self.ca_bindings.is_empty() && self.proxies.is_empty() {
            return;
        }
        log.step("RPM repositories:");
        if self.bindings.is_empty() {
            log.detail("The build image's own");
        }
        for binding in &self.bindings {
            log.detail(&format!(
                "From the binding {} ({BINDING_TYPE}, {}):",
                binding.name,
                match binding.mode {
                    Mode::Replace => "instead of the build image's repositories",
                    Mode::Add => "added to the build image's repositories",
                }
            ));
            for (file, repos) in &binding.files {
                for repo in repos {
                    log.subdetail(&format!(
                        "{} ({file}){}: {}",
                        repo.id,
                        if repo.disabled { ", disabled" } else { "" },
                        repo.urls.join(" ")
                    ));
                }
            }
            if binding.ca {
                log.subdetail(&format!("CA: {CA_KEY}"));
            }
            if binding.client_certificate {
                log.subdetail(&format!(
                    "Client certificate: {CLIENT_CERT_KEY}, {CLIENT_KEY_KEY}"
                ));
            }
        }
        for binding in &self.ca_bindings {
            log.detail(&format!(
                "Trusting the CAs of the binding {} ({CA_CERTIFICATES_TYPE}): {}",
                binding.name,
                binding.files.join(", ")
            ));
        }
        if !self.proxies.is_empty() {
            log.detail("Proxy (passed to microdnf as build arguments, never stored in the image):");
            for (name, value) in &self.proxies {
                log.subdetail(&format!("{name}={}", redacted_proxy(value)));
            }
        }
    }
}

/// A proxy URL for the log: credentials (`user:password@`) hidden.
///
/// ```
/// use ubi_extension_support::repositories::redacted_proxy;
/// assert_eq!(redacted_proxy("http://u:p@proxy:3128"), "http://***@proxy:3128");
/// assert_eq!(redacted_proxy("proxy:3128"), "proxy:3128");
/// ```
#[must_use]
pub fn redacted_proxy(value: &str) -> String {
    let (scheme, rest) = value
        .split_once("://")
        .map_or(("", value), |(scheme, rest)| (scheme, rest));
    let shown = match rest.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => rest.to_string(),
    };
    let shown = if scheme.is_empty() {
        shown
    } else {
        format!("{scheme}://{shown}")
    };
    quoted_plain(&shown)
}

/// `value` as it is when it is printable ASCII without spaces, else quoted (bounded).
fn quoted_plain(value: &str) -> String {
    if !value.is_empty() && value.len() <= 200 && value.chars().all(|c| c.is_ascii_graphic()) {
        value.to_string()
    } else {
        quoted(value)
    }
}

/// The install step's check, one line of POSIX sh. Arguments: what is used (for messages), the
/// scratch directory or `-`, `add` or `replace`, then `<source> <name>` pairs of `.repo` files,
/// `--`, the CA files, `--`, the microdnf options.
const CHECK_SCRIPT: &str = concat!(
    "d=$1; w=$2; m=$3; shift 3; ",
    "if [ \"$w\" != - ]; then rm -rf \"$w\" && mkdir -m 700 \"$w\" || exit 1; fi; ",
    "if [ \"$w\" != - ] && [ \"$m\" = add ]; then for f in /etc/yum.repos.d/*.repo; do ",
    "if [ -f \"$f\" ]; then cp \"$f\" \"$w/\" || exit 1; fi; done; fi; ",
    "while [ \"$1\" != -- ]; do if ! cp \"$1\" \"$w/$2\" 2>/dev/null; then ",
    "printf \"ERROR: cannot read %s in the extender: mount the binding in every phase of the ",
    "build, at the same <platform>/bindings path as generate saw it\\n\" \"$1\"; rm -rf \"$w\"; ",
    "exit 1; fi; shift 2; done; shift; ",
    "if [ \"$1\" != -- ]; then : > \"$w/ca.pem\"; ",
    "for b in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt; do ",
    "if [ -f \"$b\" ]; then cat \"$b\" >> \"$w/ca.pem\"; break; fi; done; ",
    "while [ \"$1\" != -- ]; do if ! cat \"$1\" >> \"$w/ca.pem\" 2>/dev/null; then ",
    "printf \"ERROR: cannot read the CA %s in the extender: mount the binding in every phase of ",
    "the build\\n\" \"$1\"; rm -rf \"$w\"; exit 1; fi; shift; done; fi; shift; ",
    "l=$(mktemp) || exit 1; ",
    "if microdnf \"$@\" --setopt=skip_if_unavailable=0 makecache > \"$l\" 2>&1; then ",
    "rm -f \"$l\"; exit 0; fi; ",
    "p=${HTTPS_PROXY:-${https_proxy:-${HTTP_PROXY:-${http_proxy:-}}}}; ",
    "case $p in *://*@*) p=\"${p%%://*}://***@${p##*@}\";; *@*) p=\"***@${p##*@}\";; esac; ",
    "if [ -n \"$p\" ]; then v=\"through the proxy $p\"; ",
    "else v=\"directly (no HTTPS_PROXY or HTTP_PROXY given to the build)\"; fi; ",
    "q=$(printf \"\\047\"); ",
    "r=$(sed -n \"s/.*repo[a-z]* $q\\([^$q]*\\)$q.*/\\1/p\" \"$l\" | head -n 1); ",
    "if grep -Eq \"Curl error \\((35|51|58|60|77|83|90|91)\\)\" \"$l\"; then ",
    "printf \"ERROR: the TLS certificate of the RPM repository %s does not verify (%s, connecting ",
    "%s).\\nGive the CA that signed the mirror certificate as ca.crt of the rpm-repository binding, ",
    "or as a ca-certificates binding.\\n\" \"$q$r$q\" \"$d\" \"$v\"; ",
    "elif grep -q \"Curl error\" \"$l\"; then ",
    "printf \"ERROR: cannot reach the RPM repository %s (%s), connecting %s.\\nCheck its URL, ",
    "and give the proxy to reach it as HTTPS_PROXY (pack build --env HTTPS_PROXY=...), or an ",
    "rpm-repository binding naming a mirror the build can reach.\\n\" \"$q$r$q\" \"$d\" \"$v\"; ",
    "else printf \"ERROR: microdnf cannot load the RPM repositories (%s, connecting %s).\\n\" ",
    "\"$d\" \"$v\"; fi; ",
    "printf \"microdnf said:\\n\"; sed \"s/^/    /\" \"$l\"; rm -f \"$l\"; ",
    "if [ \"$w\" != - ]; then rm -rf \"$w\"; fi; exit 1",
);

mod bindings;
mod repo_file;

use bindings::{binding_dirs, check_plain, entries, file_name, read_binding, read_key};
pub use repo_file::parse_repo_file;

#[cfg(test)]
mod tests;
