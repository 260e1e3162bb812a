//! The settings this buildpack reads, each read once, here: the user's `<platform>/env/<NAME>`,
//! else the process environment (a builder's build-config env), through `platform-settings`.
//! `buildpack.toml` declares each of them and the README's settings table describes them (a
//! test below keeps the three in step).
//!
//! `BP_GO_CGO` and `BP_KEEP_FILES` are parsed here; the others are checked where they are used
//! (the targets against the app, the flags and the version request after the targets, `GOPROXY`
//! only when a toolchain is downloaded), so that the first error a user sees stays the same.

use crate::errors::GoAppError;
use crate::{flags, keep, targets};
use libcnb::Env;
use platform_settings::setting;

pub(crate) const BP_GO_VERSION: &str = "BP_GO_VERSION";
pub(crate) const BP_GO_CGO: &str = "BP_GO_CGO";
pub(crate) const GOPROXY: &str = "GOPROXY";
pub(crate) const GOFLAGS: &str = "GOFLAGS";
pub(crate) const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// The settings of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// `BP_GO_TARGETS`, validated against the app by [`targets::targets`].
    pub(crate) targets: Option<String>,
    /// `BP_GO_VERSION`, parsed by [`crate::version::version_request`].
    pub(crate) version: Option<String>,
    /// `BP_GO_BUILD_FLAGS` and `BP_GO_BUILD_LDFLAGS`, parsed by [`flags::build_arguments`].
    pub(crate) build_flags: Option<String>,
    pub(crate) ldflags: Option<String>,
    /// `BP_GO_CGO`.
    pub(crate) cgo: bool,
    /// `BP_KEEP_FILES`.
    pub(crate) keep_files: keep::KeepFiles,
    /// `GOPROXY`, parsed by [`crate::download::proxy_base`].
    pub(crate) goproxy: Option<String>,
    /// `GOFLAGS`, the user's part of the `GOFLAGS` of `go build`.
    pub(crate) goflags: Option<String>,
    /// `SSL_CERT_FILE`, a CA bundle for the toolchain download.
    pub(crate) ssl_cert_file: Option<String>,
}

impl Settings {
    /// Reads every setting of a build.
    ///
    /// # Errors
    /// `BP_GO_CGO` is not a boolean, or `BP_KEEP_FILES` holds an invalid glob.
    pub(crate) fn read(env: &Env) -> Result<Self, GoAppError> {
        let cgo = match setting(env, BP_GO_CGO).map(|v| v.trim().to_ascii_lowercase()) {
            None => false,
            Some(value) if value == "true" || value == "1" => true,
            Some(value) if value == "false" || value == "0" => false,
            Some(value) => {
                return Err(GoAppError::Setting {
                    name: BP_GO_CGO,
                    value,
                    expected: "expected true or false".to_string(),
                });
            }
        };
        let keep = setting(env, keep::BP_KEEP_FILES);
        let keep_files =
            keep::parse_patterns(keep.as_deref()).map_err(|error| GoAppError::Setting {
                name: keep::BP_KEEP_FILES,
                value: keep.clone().unwrap_or_default(),
                expected: format!(
                    "{}; BP_KEEP_FILES holds at most {} colon-separated globs relative to the \
                     app (`*` and `?` within a directory, `**` across directories, `[a-z]`, \
                     `{{a,b}}`, `\\` escapes), e.g. assets/**:templates/*.html",
                    error.0,
                    keep::MAX_PATTERNS
                ),
            })?;
        Ok(Self {
            targets: go_targets(env),
            version: setting(env, BP_GO_VERSION),
            build_flags: setting(env, flags::BP_GO_BUILD_FLAGS),
            ldflags: setting(env, flags::BP_GO_BUILD_LDFLAGS),
            cgo,
            keep_files,
            goproxy: setting(env, GOPROXY),
            goflags: setting(env, GOFLAGS),
            ssl_cert_file: setting(env, SSL_CERT_FILE),
        })
    }
}

/// `BP_GO_TARGETS`, the one setting detection reads.
pub(crate) fn go_targets(env: &Env) -> Option<String> {
    setting(env, targets::BP_GO_TARGETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every setting this buildpack reads, in `buildpack.toml`'s order; the last two are read by
    /// the HTTP client of the toolchain download, from the process environment.
    const READ: [&str; 11] = [
        targets::BP_GO_TARGETS,
        BP_GO_VERSION,
        flags::BP_GO_BUILD_FLAGS,
        flags::BP_GO_BUILD_LDFLAGS,
        BP_GO_CGO,
        keep::BP_KEEP_FILES,
        GOPROXY,
        GOFLAGS,
        SSL_CERT_FILE,
        "HTTPS_PROXY",
        "NO_PROXY",
    ];

    #[test]
    fn reads_every_setting() {
        let mut env = Env::new();
        for name in &READ[..9] {
            env.insert(name, format!("{name} value"));
        }
        env.insert(BP_GO_CGO, "True");
        env.insert(keep::BP_KEEP_FILES, "README.md");
        let value = |name: &str| Some(format!("{name} value"));
        assert_eq!(
            Settings::read(&env).unwrap(),
            Settings {
                targets: value("BP_GO_TARGETS"),
                version: value("BP_GO_VERSION"),
                build_flags: value("BP_GO_BUILD_FLAGS"),
                ldflags: value("BP_GO_BUILD_LDFLAGS"),
                cgo: true,
                keep_files: keep::parse_patterns(Some("README.md")).unwrap(),
                goproxy: value("GOPROXY"),
                goflags: value("GOFLAGS"),
                ssl_cert_file: value("SSL_CERT_FILE"),
            }
        );
    }

    #[test]
    fn every_setting_is_declared_and_in_the_readme() {
        let descriptor: toml::Value = toml::from_str(include_str!("../buildpack.toml")).unwrap();
        let declared: Vec<&str> = descriptor["metadata"]["configurations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|configuration| configuration["name"].as_str().unwrap())
            .collect();
        assert_eq!(declared, READ);

        let readme = include_str!("../README.md");
        let section = readme.split("\n## Settings\n").nth(1).unwrap();
        let section = section.split("\n#").next().unwrap();
        // The names in the first cell of each row of the settings table.
        let described: Vec<&str> = section
            .lines()
            .filter(|line| line.starts_with("| `"))
            .flat_map(|row| row.split('|').nth(1).unwrap().split('`').skip(1).step_by(2))
            .collect();
        assert_eq!(described, READ);
    }
}
