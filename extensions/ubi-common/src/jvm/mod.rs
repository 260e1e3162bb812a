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
//! not a Java version is an error naming the source, the setting and the value; a source that
//! exists but says nothing (a pom without these settings, a computed Gradle version) is skipped.
//!
//! ```
//! use ubi_common::jvm::{requested_version, VersionSource};
//!
//! let app = tempfile::tempdir().unwrap();
//! std::fs::write(app.path().join(".sdkmanrc"), "java=17.0.10-tem\n").unwrap();
//! let request = requested_version(app.path(), None).unwrap().unwrap();
//! assert_eq!((request.major, request.source, request.raw.as_str()), (17, VersionSource::Sdkmanrc, "17.0.10-tem"));
//!
//! let request = requested_version(app.path(), Some("21.*")).unwrap().unwrap();
//! assert_eq!((request.major, request.source.as_str()), (21, "BP_JVM_VERSION"));
//! ```

mod gradle;
pub mod manifest;
mod pom;
mod version;

pub use manifest::{MANIFEST_PATH, Manifest};
pub use version::{InvalidVersion, parse_major};

use std::fmt;
use std::path::{Path, PathBuf};

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
    /// A source file exists but cannot be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
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
                "{BP_JVM_VERSION}={value:?} is not a Java version ({reason}); use a major version such as 17 or 21"
            ),
            Self::Invalid {
                source,
                setting,
                value,
                reason,
            } => write!(
                f,
                "{} asks for Java {value:?} ({setting}), which is not a Java version ({reason}); use a major version such as 17 or 21, or set {BP_JVM_VERSION}",
                source.file().unwrap_or(source.as_str())
            ),
            Self::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for JvmVersionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid { reason, .. } => Some(reason),
            Self::Read { error, .. } => Some(error),
        }
    }
}

/// The JVM version the app in `app_dir` asks for; `bp_jvm_version` is the value of
/// `BP_JVM_VERSION`, if set. See the [module docs](self) for the sources and their order.
///
/// # Errors
/// [`JvmVersionError::Invalid`] when the first source that names a version names something that
/// is not one; [`JvmVersionError::Read`] when a source file exists but cannot be read (a
/// directory, no permission). Missing files are not errors.
pub fn requested_version(
    app_dir: &Path,
    bp_jvm_version: Option<&str>,
) -> Result<Option<JvmVersionRequest>, JvmVersionError> {
    for source in VersionSource::ALL {
        if let Some((setting, value)) = setting(app_dir, source, bp_jvm_version)? {
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

/// The first version setting of one source, as `(setting, value)`.
fn setting(
    app_dir: &Path,
    source: VersionSource,
    bp_jvm_version: Option<&str>,
) -> Result<Option<(String, String)>, JvmVersionError> {
    let Some(file) = source.file() else {
        return Ok(bp_jvm_version
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(|value| (BP_JVM_VERSION.to_string(), value.to_string())));
    };
    let Some(text) = read_optional(&app_dir.join(file))? else {
        return Ok(None);
    };
    Ok(match source {
        VersionSource::BpJvmVersion => None,
        VersionSource::Sdkmanrc => sdkmanrc_java(&text).map(|value| ("java=".to_string(), value)),
        VersionSource::JavaVersionFile => text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(|line| ("content".to_string(), line.to_string())),
        VersionSource::Manifest => {
            let manifest = Manifest::parse(&text);
            ["Build-Jdk-Spec", "Build-Jdk"].into_iter().find_map(|key| {
                // `Build-Jdk: 17.0.10 (Eclipse Adoptium)`: the version is the first word.
                let value = manifest.get(key)?.split_whitespace().next()?;
                Some((key.to_string(), value.to_string()))
            })
        }
        VersionSource::Pom => pom::version_settings(&text).into_iter().next(),
        VersionSource::BuildGradle | VersionSource::BuildGradleKts => {
            gradle::version_settings(&text).into_iter().next()
        }
    })
}

/// The `java=` value of an `.sdkmanrc` (`#` starts a comment).
fn sdkmanrc_java(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split_once('#').map_or(line, |(before, _)| before);
        let (key, value) = line.split_once('=')?;
        (key.trim() == "java").then(|| value.trim().to_string())
    })
}

/// The file's text (lossily decoded), `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, JvmVersionError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(JvmVersionError::Read {
            path: path.to_path_buf(),
            error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct App(tempfile::TempDir);

    impl App {
        fn new() -> Self {
            Self(tempfile::tempdir().unwrap())
        }

        fn with(self, path: &str, content: &str) -> Self {
            let path = self.0.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
            self
        }

        fn request(&self, bp_jvm_version: Option<&str>) -> Option<(u32, VersionSource, String)> {
            requested_version(self.0.path(), bp_jvm_version)
                .unwrap()
                .map(|request| (request.major, request.source, request.raw))
        }

        fn error(&self, bp_jvm_version: Option<&str>) -> String {
            requested_version(self.0.path(), bp_jvm_version)
                .unwrap_err()
                .to_string()
        }
    }

    #[allow(clippy::unnecessary_wraps)] // compared with `App::request`
    fn found(major: u32, source: VersionSource, raw: &str) -> Option<(u32, VersionSource, String)> {
        Some((major, source, raw.to_string()))
    }

    const POM_21: &str = "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>";
    const GRADLE_KTS_17: &str =
        "java {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(17)\n    }\n}\n";

    #[test]
    fn no_source_is_none() {
        let app = App::new().with("README.md", "java=8\n");
        assert_eq!(app.request(None), None);
        assert_eq!(app.request(Some("  ")), None);
    }

    #[test]
    fn each_source_alone() {
        assert_eq!(
            App::new().request(Some("1.8")),
            found(8, VersionSource::BpJvmVersion, "1.8")
        );
        assert_eq!(
            App::new()
                .with(
                    ".sdkmanrc",
                    "# sdk env\nmaven=3.9.6\njava = 17.0.10-tem # pinned\n"
                )
                .request(None),
            found(17, VersionSource::Sdkmanrc, "17.0.10-tem")
        );
        assert_eq!(
            App::new().with(".java-version", "\n21.0.2\n").request(None),
            found(21, VersionSource::JavaVersionFile, "21.0.2")
        );
        assert_eq!(
            App::new()
                .with(
                    "META-INF/MANIFEST.MF",
                    "Manifest-Version: 1.0\nBuild-Jdk-Spec: 17\nBuild-Jdk: 21.0.1\n"
                )
                .request(None),
            found(17, VersionSource::Manifest, "17")
        );
        assert_eq!(
            App::new()
                .with(
                    "META-INF/MANIFEST.MF",
                    "Manifest-Version: 1.0\nBuild-Jdk: 1.8.0_392 (Oracle Corporation)\n"
                )
                .request(None),
            found(8, VersionSource::Manifest, "1.8.0_392")
        );
        assert_eq!(
            App::new().with("pom.xml", POM_21).request(None),
            found(21, VersionSource::Pom, "21")
        );
        assert_eq!(
            App::new()
                .with(
                    "build.gradle",
                    "java { toolchain { languageVersion = JavaLanguageVersion.of(11) } }"
                )
                .request(None),
            found(11, VersionSource::BuildGradle, "11")
        );
        assert_eq!(
            App::new()
                .with("build.gradle.kts", GRADLE_KTS_17)
                .request(None),
            found(17, VersionSource::BuildGradleKts, "17")
        );
    }

    #[test]
    fn priority_order() {
        let mut app = App::new().with("build.gradle.kts", GRADLE_KTS_17).with(
            "build.gradle",
            "java { toolchain { languageVersion = JavaLanguageVersion.of(11) } }",
        );
        let mut expected = vec![
            found(17, VersionSource::BuildGradleKts, "17"),
            found(11, VersionSource::BuildGradle, "11"),
        ];
        for (path, content, request) in [
            ("pom.xml", POM_21, found(21, VersionSource::Pom, "21")),
            (
                "META-INF/MANIFEST.MF",
                "Build-Jdk-Spec: 1.8\n",
                found(8, VersionSource::Manifest, "1.8"),
            ),
            (
                ".java-version",
                "22\n",
                found(22, VersionSource::JavaVersionFile, "22"),
            ),
            (
                ".sdkmanrc",
                "java=25-open\n",
                found(25, VersionSource::Sdkmanrc, "25-open"),
            ),
        ] {
            app = app.with(path, content);
            expected.push(request);
        }
        for (expected, removed) in expected.iter().rev().zip([
            ".sdkmanrc",
            ".java-version",
            "META-INF/MANIFEST.MF",
            "pom.xml",
            "build.gradle",
        ]) {
            assert_eq!(&app.request(None), expected);
            std::fs::remove_file(app.0.path().join(removed)).unwrap();
        }
        assert_eq!(app.request(None), expected[0]);
        // The platform variable wins over every file.
        let app = app
            .with(".sdkmanrc", "java=25-open\n")
            .with("pom.xml", POM_21);
        assert_eq!(
            app.request(Some("21-ea")),
            found(21, VersionSource::BpJvmVersion, "21-ea")
        );
    }

    #[test]
    fn silent_sources_are_skipped() {
        let app = App::new()
            .with(".sdkmanrc", "maven=3.9.6\n")
            .with(".java-version", "\n \n")
            .with("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Hello\n")
            .with(
                "pom.xml",
                "<project><properties><java.version>${parent.java}</java.version></properties></project>",
            )
            .with("build.gradle.kts", GRADLE_KTS_17);
        assert_eq!(
            app.request(None),
            found(17, VersionSource::BuildGradleKts, "17")
        );
    }

    #[test]
    fn invalid_values_are_errors_naming_source_setting_and_value() {
        assert_eq!(
            App::new().error(Some("latest")),
            "BP_JVM_VERSION=\"latest\" is not a Java version (the major version \"latest\" is not a number); use a major version such as 17 or 21"
        );
        assert_eq!(
            App::new().with(".sdkmanrc", "java=tem\n").error(None),
            ".sdkmanrc asks for Java \"tem\" (java=), which is not a Java version (the major version \"tem\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION"
        );
        assert_eq!(
            App::new().with(".java-version", "system\n").error(None),
            ".java-version asks for Java \"system\" (content), which is not a Java version (the major version \"system\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION"
        );
        assert_eq!(
            App::new()
                .with("META-INF/MANIFEST.MF", "Build-Jdk-Spec: x\n")
                .error(None),
            "META-INF/MANIFEST.MF asks for Java \"x\" (Build-Jdk-Spec), which is not a Java version (the major version \"x\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION"
        );
        assert_eq!(
            App::new()
                .with(
                    "pom.xml",
                    "<project><properties><maven.compiler.release>1</maven.compiler.release></properties></project>"
                )
                .error(None),
            "pom.xml asks for Java \"1\" (<maven.compiler.release>), which is not a Java version (1 is not a Java major version (the legacy scheme is 1.<major>, e.g. 1.8)); use a major version such as 17 or 21, or set BP_JVM_VERSION"
        );
        assert_eq!(
            App::new()
                .with(
                    "build.gradle.kts",
                    "java { toolchain { languageVersion = JavaLanguageVersion.of(\"17abc\") } }"
                )
                .error(None),
            "build.gradle.kts asks for Java \"17abc\" (languageVersion), which is not a Java version (the major version \"17abc\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION"
        );
        // A valid higher-priority source hides an invalid lower one.
        assert_eq!(
            App::new()
                .with(".sdkmanrc", "java=tem\n")
                .request(Some("17")),
            found(17, VersionSource::BpJvmVersion, "17")
        );
    }

    #[test]
    fn unreadable_source_is_an_error() {
        let app = App::new();
        std::fs::create_dir(app.0.path().join(".java-version")).unwrap();
        let message = app.error(None);
        assert!(
            message.starts_with(&format!(
                "cannot read {}",
                app.0.path().join(".java-version").display()
            )),
            "{message}"
        );
    }

    #[test]
    fn version_source_names() {
        let names: Vec<&str> = VersionSource::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "BP_JVM_VERSION",
                ".sdkmanrc",
                ".java-version",
                "MANIFEST.MF",
                "pom.xml",
                "build.gradle",
                "build.gradle.kts"
            ]
        );
        assert_eq!(VersionSource::Manifest.to_string(), "MANIFEST.MF");
        assert_eq!(VersionSource::Manifest.file(), Some("META-INF/MANIFEST.MF"));
    }

    #[test]
    fn non_utf8_files_are_read_lossily() {
        let app = App::new();
        std::fs::write(app.0.path().join(".java-version"), b"17\xff\n").unwrap();
        assert!(app.error(None).contains("\"17\u{fffd}\""));
    }
}
