//! What `bin/generate` is given and returns: libcnb's `build` module, for an extension.

use crate::descriptor::ExtensionDescriptor;
use crate::dockerfile::{BuildDockerfile, RunDockerfile};
use crate::extend_config::ExtendConfig;
use crate::extension::Extension;
use crate::platform::{Platform, Target};
use libcnb_data::buildpack_plan::BuildpackPlan;
use std::fmt;
use std::path::PathBuf;

/// What `bin/generate` is given: libcnb's `BuildContext`, for an extension.
pub struct GenerateContext<E: Extension + ?Sized> {
    /// The app's source: the working directory, read-only.
    pub app_dir: PathBuf,
    /// `CNB_EXTENSION_DIR`: the extension's own directory (libcnb's `buildpack_dir`).
    pub extension_dir: PathBuf,
    /// `CNB_TARGET_*`.
    pub target: Target,
    /// `<platform>`; its `env/` files are read when asked for ([`Platform::setting`]).
    pub platform: Platform,
    /// `CNB_STACK_ID` when the build image sets it (stacks are deprecated; prefer `target`).
    pub stack_id: Option<String>,
    /// The Buildpack Plan (`CNB_BP_PLAN_PATH`): the entries of the build plan this extension
    /// provided, as libcnb-data's type.
    pub buildpack_plan: BuildpackPlan,
    /// `extension.toml` (libcnb's `buildpack_descriptor`).
    pub extension_descriptor: ExtensionDescriptor<E::Metadata>,
}

impl<E: Extension + ?Sized> fmt::Debug for GenerateContext<E>
where
    E::Metadata: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerateContext")
            .field("app_dir", &self.app_dir)
            .field("extension_dir", &self.extension_dir)
            .field("target", &self.target)
            .field("platform", &self.platform)
            .field("stack_id", &self.stack_id)
            .field("buildpack_plan", &self.buildpack_plan)
            .field("extension_descriptor", &self.extension_descriptor)
            .finish()
    }
}

/// The outputs of generate. Nothing is written unless every output renders. Made with a
/// [`GenerateResultBuilder`], as libcnb's `BuildResult` with its `BuildResultBuilder`.
#[derive(Debug)]
#[must_use]
pub struct GenerateResult {
    build_dockerfile: Option<BuildDockerfile>,
    run_dockerfile: Option<RunDockerfile>,
    extend_config: Option<ExtendConfig>,
}

impl GenerateResult {
    /// The files this result writes, by name, in the order they are written.
    #[must_use]
    pub fn files(&self) -> Vec<(&'static str, String)> {
        let mut files = Vec::new();
        if let Some(config) = &self.extend_config {
            files.push(("extend-config.toml", config.to_toml()));
        }
        if let Some(dockerfile) = &self.build_dockerfile {
            files.push(("build.Dockerfile", dockerfile.to_string()));
        }
        if let Some(dockerfile) = &self.run_dockerfile {
            files.push(("run.Dockerfile", dockerfile.to_string()));
        }
        files
    }
}

/// Makes a [`GenerateResult`], as libcnb's `BuildResultBuilder`. Without any output, the
/// extension only satisfies its plan entries.
///
/// ```
/// use cnb_extension::{BuildDockerfile, GenerateResult, GenerateResultBuilder, ShellCommand};
///
/// let result: Result<GenerateResult, cnb_extension::DockerfileError> = GenerateResultBuilder::new()
///     .build_dockerfile(BuildDockerfile::new().run(ShellCommand::new("true"))?)
///     .build();
/// assert_eq!(result?.files()[0].0, "build.Dockerfile");
/// # Ok::<(), cnb_extension::DockerfileError>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct GenerateResultBuilder {
    build_dockerfile: Option<BuildDockerfile>,
    run_dockerfile: Option<RunDockerfile>,
    extend_config: Option<ExtendConfig>,
}

impl GenerateResultBuilder {
    /// No outputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `build.Dockerfile`.
    pub fn build_dockerfile(mut self, dockerfile: BuildDockerfile) -> Self {
        self.build_dockerfile = Some(dockerfile);
        self
    }

    /// Writes `run.Dockerfile`.
    pub fn run_dockerfile(mut self, dockerfile: impl Into<RunDockerfile>) -> Self {
        self.run_dockerfile = Some(dockerfile.into());
        self
    }

    /// Writes `extend-config.toml`.
    pub fn extend_config(mut self, config: ExtendConfig) -> Self {
        self.extend_config = Some(config);
        self
    }

    /// The result, in `Ok` (as `generate` returns it).
    ///
    /// # Errors
    /// Never: the `Result` saves a wrapping in `generate`, as in libcnb.
    pub fn build<E>(self) -> Result<GenerateResult, E> {
        Ok(self.build_unwrapped())
    }

    /// The result.
    pub fn build_unwrapped(self) -> GenerateResult {
        GenerateResult {
            build_dockerfile: self.build_dockerfile,
            run_dockerfile: self.run_dockerfile,
            extend_config: self.extend_config,
        }
    }
}
