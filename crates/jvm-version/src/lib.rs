//! The JVM version an app asks for.
//!
//! [`requested_version`] looks at the sources below, in this order, and returns the first that
//! names a version, normalised to its major with [`parse_major`]:
//!
//! | source | what is read |
//! | --- | --- |
//! | `BP_JVM_VERSION` | the platform variable (an empty value counts as unset) |
//! | `.sdkmanrc` | the `java=` line, e.g. `java=17.0.10-tem` |
//! | `.java-version` | the first non-empty line |
//! | `META-INF/MANIFEST.MF` | `Build-Jdk-Spec`, else `Build-Jdk` (a prebuilt JAR exploded into the app) |
//! | `pom.xml` | the compiler plugin's `<release>`/`<target>`/`<source>`, the `maven.compiler.*` properties, `java.version`; `${...}` resolved within the pom |
//! | `build.gradle`, `build.gradle.kts` | the toolchain `languageVersion`, `jvmToolchain(...)`, `target`/`sourceCompatibility` |
//!
//! No source: `Ok(None)`, and the caller uses its default. A source that names something that is
//! not a Java version is an error naming the source, the setting and the value (quoted, cut
//! after 64 characters); a source that exists but says nothing (a pom without these settings, a
//! computed Gradle version) is skipped.
//!
//! The files are untrusted input, read with `untrusted_input`: regular files only (a FIFO is an
//! error, not a wait), inside the app once links are resolved (links within the app work), and
//! at most [`VERSION_FILE_LIMIT`] bytes for `.sdkmanrc` and `.java-version`, [`BUILD_FILE_LIMIT`]
//! for `pom.xml` and the Gradle scripts, [`manifest::MANIFEST_LIMIT`] for the manifest. A pom's
//! `${...}` expansion is bounded too ([`MAX_EXPANSION`] bytes, [`MAX_SUBSTITUTIONS`]
//! substitutions per setting).
//!
//! ```
//! use jvm_version::{requested_version, VersionSource};
//!
//! let app = tempfile::tempdir().unwrap();
//! std::fs::write(app.path().join(".sdkmanrc"), "java=17.0.10-tem\n").unwrap();
//! let request = requested_version(app.path(), None).unwrap().unwrap();
//! assert_eq!((request.major, request.source, request.raw.as_str()), (17, VersionSource::Sdkmanrc, "17.0.10-tem"));
//!
//! let request = requested_version(app.path(), Some("21.*")).unwrap().unwrap();
//! assert_eq!((request.major, request.source.as_str()), (21, "BP_JVM_VERSION"));
//! ```

mod app_files;
mod gradle;
pub mod manifest;
mod pom;
mod version;
mod work;

pub use app_files::{JVM_APP_FILES, jvm_app_file};
pub use manifest::{MANIFEST_PATH, Manifest};
pub use pom::{ExpansionError, MAX_EXPANSION, MAX_SUBSTITUTIONS};
pub use version::{InvalidVersion, MAX_VERSION_LENGTH, parse_major};

use std::fmt;
use std::path::Path;
use untrusted_input::{ReadError, quoted};

/// The most bytes read from `.sdkmanrc` or `.java-version` (a line or two in practice).
pub const VERSION_FILE_LIMIT: u64 = 64 * 1024;
/// The most bytes read from `pom.xml`, `build.gradle` or `build.gradle.kts`.
pub const BUILD_FILE_LIMIT: u64 = 4 * 1024 * 1024;

/// The platform variable that selects the JVM version (Paketo's name).
pub const BP_JVM_VERSION: &str = "BP_JVM_VERSION";

/// Where a version request came from. [`VersionSource::as_str`] gives the name Paketo's
/// buildpacks write as `metadata.version-source` in build plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VersionSource {
    /// The `BP_JVM_VERSION` platform variable.
    BpJvmVersion,
    /// `.sdkmanrc`.
    Sdkmanrc,
    /// `.java-version`.
    JavaVersionFile,
    /// `META-INF/MANIFEST.MF` of an exploded JAR.
    Manifest,
    /// `pom.xml`.
    Pom,
    /// `build.gradle`.
    BuildGradle,
    /// `build.gradle.kts`.
    BuildGradleKts,
}

impl VersionSource {
    /// Every source, in priority order.
    pub const ALL: [Self; 7] = [
        Self::BpJvmVersion,
        Self::Sdkmanrc,
        Self::JavaVersionFile,
        Self::Manifest,
        Self::Pom,
        Self::BuildGradle,
        Self::BuildGradleKts,
    ];

    /// The `version-source` name: `BP_JVM_VERSION`, `.sdkmanrc`, `.java-version`,
    /// `MANIFEST.MF`, `pom.xml`, `build.gradle` or `build.gradle.kts`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BpJvmVersion => BP_JVM_VERSION,
            Self::Sdkmanrc => ".sdkmanrc",
            Self::JavaVersionFile => ".java-version",
            Self::Manifest => "MANIFEST.MF",
            Self::Pom => "pom.xml",
            Self::BuildGradle => "build.gradle",
            Self::BuildGradleKts => "build.gradle.kts",
        }
    }

    /// The file read, relative to the app directory (`None` for the variable).
    #[must_use]
    pub const fn file(self) -> Option<&'static str> {
        match self {
            Self::BpJvmVersion => None,
            Self::Manifest => Some(MANIFEST_PATH),
            other => Some(other.as_str()),
        }
    }

    /// The most bytes read from the file.
    #[must_use]
    pub const fn limit(self) -> u64 {
        match self {
            Self::BpJvmVersion | Self::Sdkmanrc | Self::JavaVersionFile => VERSION_FILE_LIMIT,
            Self::Manifest => manifest::MANIFEST_LIMIT,
            Self::Pom | Self::BuildGradle | Self::BuildGradleKts => BUILD_FILE_LIMIT,
        }
    }
}

impl fmt::Display for VersionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JVM version an app asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JvmVersionRequest {
    /// The major version, e.g. 17 for `17.0.10-tem` or 8 for `1.8`.
    pub major: u32,
    /// Where it came from.
    pub source: VersionSource,
    /// The value as written (trimmed, `${...}` resolved).
    pub raw: String,
}

/// Why no version request could be read.
#[derive(Debug)]
pub enum JvmVersionError {
    /// A source names something that is not a Java version.
    Invalid {
        /// The source.
        source: VersionSource,
        /// The setting within it, e.g. `java=` or `<maven.compiler.release>`.
        setting: String,
        /// The value as written.
        value: String,
        /// Why it is not a version.
        reason: InvalidVersion,
    },
    /// A setting's `${...}` references expand beyond the bounds (a pom).
    Expansion {
        /// The source.
        source: VersionSource,
        /// The setting within it.
        setting: String,
        /// Which bound.
        error: ExpansionError,
    },
    /// A source file exists but cannot be read: not a regular file, too large, a link out of
    /// the app or to nothing, no permission (the error names the file).
    Read(ReadError),
}

impl fmt::Display for JvmVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid {
                source: VersionSource::BpJvmVersion,
                value,
                reason,
                ..
            } => write!(
                f,
                "{BP_JVM_VERSION}={} is not a Java version ({reason}); use a major version such as 17 or 21",
                quoted(value)
            ),
            Self::Invalid {
                source,
                setting,
                value,
                reason,
            } => write!(
                f,
                "{} asks for Java {} ({setting}), which is not a Java version ({reason}); use a major version such as 17 or 21, or set {BP_JVM_VERSION}",
                source.file().unwrap_or(source.as_str()),
                quoted(value)
            ),
            Self::Expansion {
                source,
                setting,
                error,
            } => write!(
                f,
                "{} sets the Java version with {setting}, but {error}; write the version itself, e.g. <maven.compiler.release>21</maven.compiler.release>, or set {BP_JVM_VERSION}",
                source.file().unwrap_or(source.as_str())
            ),
            Self::Read(error) => write!(f, "cannot read the app's Java version: {error}"),
        }
    }
}

impl std::error::Error for JvmVersionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid { reason, .. } => Some(reason),
            Self::Expansion { error, .. } => Some(error),
            Self::Read(error) => Some(error),
        }
    }
}

/// The JVM version the app in `app_dir` asks for; `bp_jvm_version` is the value of
/// `BP_JVM_VERSION`, if set. See the [module docs](self) for the sources and their order.
///
/// # Errors
/// [`JvmVersionError::Invalid`] when the first source that names a version names something that
/// is not one; [`JvmVersionError::Expansion`] when a pom's references expand beyond the bounds;
/// [`JvmVersionError::Read`] when a source file exists but cannot be read (not a regular file,
/// too large, a link out of the app, no permission). Missing files are not errors.
pub fn requested_version(
    app_dir: &Path,
    bp_jvm_version: Option<&str>,
) -> Result<Option<JvmVersionRequest>, JvmVersionError> {
    for source in VersionSource::ALL {
        if let Some((setting, value)) = setting(app_dir, source, bp_jvm_version)? {
            let value = value.map_err(|error| JvmVersionError::Expansion {
                source,
                setting: setting.clone(),
                error,
            })?;
            return match parse_major(&value) {
                Ok(major) => Ok(Some(JvmVersionRequest {
                    major,
                    source,
                    raw: value.trim().to_string(),
                })),
                Err(reason) => Err(JvmVersionError::Invalid {
                    source,
                    setting,
                    value,
                    reason,
                }),
            };
        }
    }
    Ok(None)
}

/// The first version setting of one source, as `(setting, value)`; the value is an error when
/// a pom's references expand beyond the bounds.
type Setting = (String, Result<String, ExpansionError>);

fn setting(
    app_dir: &Path,
    source: VersionSource,
    bp_jvm_version: Option<&str>,
) -> Result<Option<Setting>, JvmVersionError> {
    let Some(file) = source.file() else {
        return Ok(bp_jvm_version
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(|value| (BP_JVM_VERSION.to_string(), Ok(value.to_string()))));
    };
    let Some(text) = read_source(app_dir, file, source)? else {
        return Ok(None);
    };
    Ok(first_setting(source, &text))
}

/// The text of a source's file in the app, `None` when it does not exist: the one read of the
/// app's JVM files, for the version ([`requested_version`]) and for detection
/// ([`jvm_app_file`]), so that an unreadable file is the same error in both.
fn read_source(
    app_dir: &Path,
    file: &str,
    source: VersionSource,
) -> Result<Option<String>, JvmVersionError> {
    untrusted_input::read_app_text(app_dir, Path::new(file), source.limit())
        .map_err(JvmVersionError::Read)
}

/// The first version setting of one source's text, as `(setting, value)`: the parsers of the
/// sources, for [`setting`] and the fuzz tests.
fn first_setting(source: VersionSource, text: &str) -> Option<Setting> {
    let found = |(setting, value): (String, String)| (setting, Ok(value));
    match source {
        VersionSource::BpJvmVersion => None,
        VersionSource::Sdkmanrc => sdkmanrc_java(text).map(|value| found(("java=".into(), value))),
        VersionSource::JavaVersionFile => text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(|line| found(("content".to_string(), line.to_string()))),
        VersionSource::Manifest => {
            let manifest = Manifest::parse(text);
            ["Build-Jdk-Spec", "Build-Jdk"].into_iter().find_map(|key| {
                // `Build-Jdk: 17.0.10 (Eclipse Adoptium)`: the version is the first word.
                let value = manifest.get(key)?.split_whitespace().next()?;
                Some(found((key.to_string(), value.to_string())))
            })
        }
        VersionSource::Pom => pom::version_settings(text).into_iter().next(),
        VersionSource::BuildGradle | VersionSource::BuildGradleKts => {
            gradle::version_settings(text).into_iter().next().map(found)
        }
    }
}

/// The `java=` value of an `.sdkmanrc` (`#` starts a comment).
fn sdkmanrc_java(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split_once('#').map_or(line, |(before, _)| before);
        let (key, value) = line.split_once('=')?;
        (key.trim() == "java").then(|| value.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pom_expansion_bomb_is_an_error_naming_the_file() {
        let pom = pom::property_bomb(9, 10, "lol");
        assert!(pom.len() < 700, "{}", pom.len());
        let app = tempfile::tempdir().unwrap();
        std::fs::write(app.path().join("pom.xml"), pom).unwrap();
        assert_eq!(
            requested_version(app.path(), None).unwrap_err().to_string(),
            "pom.xml sets the Java version with <maven.compiler.release>, but its ${...} property references expand to more than 1024 bytes; write the version itself, e.g. <maven.compiler.release>21</maven.compiler.release>, or set BP_JVM_VERSION"
        );
    }

    #[test]
    fn fuzz_sdkmanrc() {
        fuzz_check::fuzz_text(
            ".sdkmanrc",
            &[
                include_str!("../../../tests/fixtures/apps/java-sdkmanrc/.sdkmanrc"),
                "# sdk env\nmaven=3.9.6\njava = 17.0.10-tem # pinned\n",
            ],
            |input| {
                let _ = first_setting(VersionSource::Sdkmanrc, input);
            },
        );
    }

    #[test]
    fn fuzz_java_version_file() {
        fuzz_check::fuzz_text(
            ".java-version",
            &[
                include_str!("../../../tests/fixtures/apps/java-version-file/.java-version"),
                "\n21.0.2\n",
                "temurin-17.0.10\r\n",
            ],
            |input| {
                if let Some((_, Ok(value))) = first_setting(VersionSource::JavaVersionFile, input) {
                    let _ = parse_major(&value);
                }
            },
        );
    }

    #[test]
    fn fuzz_manifest() {
        fuzz_check::fuzz_text(
            "MANIFEST.MF",
            &[
                include_str!("../../../tests/fixtures/apps/java-prebuilt-jar/META-INF/MANIFEST.MF"),
                "Manifest-Version: 1.0\r\nMain-Class: com.example.VeryLong\r\n ClassName\r\nBuild-Jdk: 1.8.0_392 (Oracle)\r\n\r\nName: x\r\n",
            ],
            |input| {
                let _ = first_setting(VersionSource::Manifest, input);
                let _ = Manifest::parse(input).main_class();
            },
        );
    }

    #[test]
    fn fuzz_gradle() {
        fuzz_check::fuzz_text(
            "build.gradle(.kts)",
            &[
                include_str!(
                    "../../../tests/fixtures/apps/java-gradle-toolchain-17/build.gradle.kts"
                ),
                "java {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(17)\n    }\n}\n",
                "plugins { id 'java' }\nsourceCompatibility = '1.8'\ntargetCompatibility = JavaVersion.VERSION_11\nkotlin { jvmToolchain(17) } // c\n/* x */ java.sourceCompatibility = JavaVersion.toVersion(\"21\")\n",
            ],
            |input| {
                let _ = first_setting(VersionSource::BuildGradle, input);
            },
        );
    }

    #[test]
    fn fuzz_jvm_version() {
        fuzz_check::fuzz_text(
            "JVM version normalisation",
            &[
                "17",
                "1.8.0_392",
                "17.0.10+7",
                "21.*",
                "21+",
                "22-ea+27",
                "17.0.10.fx-zulu",
                "openjdk64-17.0.2",
                "corretto64-1.8.0.392",
                "11.x",
            ],
            |input| {
                let _ = parse_major(input);
            },
        );
    }
}
