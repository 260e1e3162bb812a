//! This buildpack's errors and how they are shown.

use cnb_output::HeaderAndBody;
use exec_d::InstallError;
use jvm_version::manifest::InvalidMainClass;
use jvm_version::{JvmVersionError, MANIFEST_PATH};
use std::path::PathBuf;
use untrusted_input::ReadError;

/// The extension that installs the JDK this buildpack configures.
pub(crate) const EXTENSION_ID: &str = "paketo-community/ubi-java-extension";

/// Everything that can go wrong in this buildpack.
#[derive(Debug)]
pub(crate) enum UbiJavaBuildpackError {
    /// The app asks for a Java version that is not one (user error).
    VersionRequest(JvmVersionError),
    /// A file or directory of the app cannot be read.
    ReadApp {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file of the app is not a regular file inside the app, or is too large (user error).
    AppFile(ReadError),
    /// The exploded JAR's `Main-Class` is not a class name (user error).
    InvalidMainClass(InvalidMainClass),
    /// The build plan metadata could not be serialized (a bug in this buildpack).
    BuildPlanMetadata(String),
    /// There is no `javac` on `PATH`: the extension did not install a JDK.
    JdkNotFound { path: String },
    /// `javac` is not in a `bin` directory, so there is no `JAVA_HOME` to derive.
    JdkLayout { javac: PathBuf, resolved: PathBuf },
    /// The exec.d program cannot be installed (missing: a packaging bug).
    ExecD(InstallError),
    /// The SBOM could not be serialized (a bug in this buildpack).
    Sbom(String),
}

impl HeaderAndBody for UbiJavaBuildpackError {
    /// A one-line header saying what failed.
    fn header(&self) -> String {
        match self {
            Self::VersionRequest(JvmVersionError::Read(error)) => {
                format!("Cannot read {}", error.path.display())
            }
            Self::VersionRequest(_) => "Invalid Java version request".to_string(),
            Self::ReadApp { path, .. } => format!("Cannot read {}", path.display()),
            Self::AppFile(error) => format!("Cannot read {}", error.path.display()),
            Self::InvalidMainClass(_) => format!("Invalid Main-Class in {MANIFEST_PATH}"),
            Self::BuildPlanMetadata(_) => "Cannot write the build plan".to_string(),
            Self::JdkNotFound { .. } => "No JDK in the build image".to_string(),
            Self::JdkLayout { javac, .. } => {
                format!("Cannot tell JAVA_HOME from {}", javac.display())
            }
            Self::ExecD(error) => error.header(),
            Self::Sbom(_) => "Cannot write the SBOM".to_string(),
        }
    }

    /// The body: the cause and what to do.
    fn body(&self) -> String {
        match self {
            Self::VersionRequest(error) => format!(
                "{error}.\nThe Java version is read from BP_JVM_VERSION, .sdkmanrc, .java-version, \
                 META-INF/MANIFEST.MF, pom.xml and build.gradle(.kts), in this order."
            ),
            Self::ReadApp { source, .. } => format!("{source}\nCheck the file's permissions."),
            Self::AppFile(error) => format!(
                "{error}.\nThe app's files are read only as regular files inside the app \
                 directory (links within it work): replace it with such a file, or remove it."
            ),
            Self::InvalidMainClass(error) => format!(
                "{error}.\n`java` runs the exploded JAR's Main-Class: fix the manifest, or remove \
                 {MANIFEST_PATH} if the app is not an executable JAR."
            ),
            Self::BuildPlanMetadata(cause) | Self::Sbom(cause) => {
                format!("{cause}\nThis is a bug in the buildpack; please report it.")
            }
            Self::JdkNotFound { path } => format!(
                "javac is not on PATH (PATH={path:?}).\nThe JDK is installed into the \
                 build image by the image extension {EXTENSION_ID}, which provides `jdk` and `jre` \
                 for this buildpack's build plan. Add {EXTENSION_ID} to the builder's \
                 order-extensions (builder.toml [[order-extensions]]), and build with a platform \
                 that runs image extensions (pack 0.29 or later, with a UBI builder)."
            ),
            Self::JdkLayout { javac, resolved } => format!(
                "{} resolves to {}, which is not in a bin directory of a JDK.\nInstall the JDK \
                 from its RPM (java-<version>-openjdk-devel), as {EXTENSION_ID} does.",
                javac.display(),
                resolved.display()
            ),
            Self::ExecD(error) => error.body(),
        }
    }
}

cnb_output::libcnb_buildpack_error!(UbiJavaBuildpackError);

impl From<JvmVersionError> for UbiJavaBuildpackError {
    fn from(error: JvmVersionError) -> Self {
        Self::VersionRequest(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdk_not_found_names_the_extension_and_order_extensions() {
        let error = UbiJavaBuildpackError::JdkNotFound {
            path: "/usr/bin:/bin".to_string(),
        };
        assert_eq!(error.header(), "No JDK in the build image");
        assert_eq!(
            error.body(),
            "javac is not on PATH (PATH=\"/usr/bin:/bin\").\n\
             The JDK is installed into the build image by the image extension \
             paketo-community/ubi-java-extension, which provides `jdk` and `jre` for this \
             buildpack's build plan. Add paketo-community/ubi-java-extension to the builder's \
             order-extensions (builder.toml [[order-extensions]]), and build with a platform \
             that runs image extensions (pack 0.29 or later, with a UBI builder)."
        );
    }

    #[test]
    fn version_errors_say_where_versions_come_from() {
        let app = tempfile::tempdir().unwrap();
        let error = jvm_version::requested_version(app.path(), Some("seventeen")).unwrap_err();
        let error = UbiJavaBuildpackError::from(error);
        assert_eq!(error.header(), "Invalid Java version request");
        assert_eq!(
            error.body(),
            "BP_JVM_VERSION=\"seventeen\" is not a Java version (the major version \"seventeen\" \
             is not a number); use a major version such as 17 or 21.\nThe Java version is read \
             from BP_JVM_VERSION, .sdkmanrc, .java-version, META-INF/MANIFEST.MF, pom.xml and \
             build.gradle(.kts), in this order."
        );
    }

    /// Every error as the user sees it, one snapshot per variant (`src/snapshots/`), with
    /// realistic inputs; hostile ones quoted short.
    #[test]
    fn messages() {
        use jvm_version::{InvalidVersion, VersionSource};
        use untrusted_input::ReadErrorKind;
        let errors = [
            (
                "version_request",
                UbiJavaBuildpackError::VersionRequest(JvmVersionError::Invalid {
                    source: VersionSource::BpJvmVersion,
                    setting: String::new(),
                    value: format!("17\nRUN id{}", "7".repeat(100)),
                    reason: InvalidVersion {
                        reason: "it contains the control character '\\n'".to_string(),
                    },
                }),
            ),
            (
                "read_app",
                UbiJavaBuildpackError::ReadApp {
                    path: PathBuf::from("/workspace/lib"),
                    source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
                },
            ),
            (
                "app_file",
                UbiJavaBuildpackError::AppFile(ReadError {
                    path: PathBuf::from("/workspace/pom.xml"),
                    kind: ReadErrorKind::TooLarge { limit: 4 << 20 },
                }),
            ),
            (
                "invalid_main_class",
                UbiJavaBuildpackError::InvalidMainClass(InvalidMainClass {
                    value: "-XX:+UnlockDiagnosticVMOptions com.example.Main".to_string(),
                }),
            ),
            (
                "build_plan_metadata",
                UbiJavaBuildpackError::BuildPlanMetadata("unsupported value".to_string()),
            ),
            (
                "jdk_not_found",
                UbiJavaBuildpackError::JdkNotFound {
                    path: "/usr/bin:/bin".to_string(),
                },
            ),
            (
                "jdk_layout",
                UbiJavaBuildpackError::JdkLayout {
                    javac: PathBuf::from("/usr/local/javac"),
                    resolved: PathBuf::from("/opt/jdk/javac"),
                },
            ),
            (
                "sbom",
                UbiJavaBuildpackError::Sbom("key must be a string".to_string()),
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
