//! The extension trait, and what each phase is given and returns.

use crate::descriptor::ExtensionDescriptor;
use crate::dockerfile::{BuildDockerfile, RunDockerfile};
use crate::error::Error;
use crate::extend_config::ExtendConfig;
use crate::plan::ExtensionPlan;
use crate::platform::{Platform, Target};
use cnb_output::HeaderAndBody;
use libcnb_data::buildpack_plan::BuildpackPlan;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::PathBuf;

/// An image extension: `bin/detect` and `bin/generate`, as libcnb's `Buildpack` is a buildpack
/// (`detect` and `build`).
///
/// Implement it and hand the value to [`extension_main!`](crate::extension_main); the runtime
/// reads the inputs the spec defines, calls the phase that the executable's name (`argv[0]`)
/// selects, writes the outputs and exits with the spec's exit code. Module code never exits.
pub trait Extension {
    /// The `[metadata]` table of `extension.toml`; libcnb-data's `GenericMetadata` takes any.
    type Metadata: DeserializeOwned;
    /// The extension's own error, shown to the user by [`Extension::on_error`] as buildpacks
    /// show theirs: what failed ([`HeaderAndBody::header`]), then why and what to do
    /// ([`HeaderAndBody::body`]), the offending input [`quoted`](crate::untrusted::quoted).
    type Error: HeaderAndBody;

    /// `bin/detect`: pass with the names the extension can provide, or fail.
    ///
    /// # Errors
    /// An error is reported and the extension is left out of the build (extensions are optional).
    fn detect(&self, context: DetectContext<Self>) -> Result<DetectResult, Self::Error>;

    /// `bin/generate`: the Dockerfiles and build arguments for the entries this extension
    /// provided. It must satisfy every entry it receives: the lifecycle removes them from the plan.
    ///
    /// # Errors
    /// An error fails the build.
    fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, Self::Error>;

    /// Reports an error before the process exits. The default prints it to stderr as
    /// buildpacks do ([`cnb_output::print_error`]): `ERROR: <header>`, then the body indented.
    fn on_error(&self, error: Error<Self::Error>) {
        cnb_output::print_error(&error);
    }
}

/// What `bin/detect` is given: libcnb's `DetectContext`, for an extension.
pub struct DetectContext<E: Extension + ?Sized> {
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
    /// `extension.toml` (libcnb's `buildpack_descriptor`).
    pub extension_descriptor: ExtensionDescriptor<E::Metadata>,
}

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

impl<E: Extension + ?Sized> fmt::Debug for DetectContext<E>
where
    E::Metadata: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetectContext")
            .field("app_dir", &self.app_dir)
            .field("extension_dir", &self.extension_dir)
            .field("target", &self.target)
            .field("platform", &self.platform)
            .field("stack_id", &self.stack_id)
            .field("extension_descriptor", &self.extension_descriptor)
            .finish()
    }
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

/// The outcome of detect.
#[derive(Debug)]
pub enum DetectResult {
    /// Passes, offering the plan.
    Pass(ExtensionPlan),
    /// Does not pass.
    Fail,
}

/// The outputs of generate. Nothing is written unless every output renders.
#[derive(Debug, Default)]
#[must_use]
pub struct GenerateResult {
    build_dockerfile: Option<BuildDockerfile>,
    run_dockerfile: Option<RunDockerfile>,
    extend_config: Option<ExtendConfig>,
}

impl GenerateResult {
    /// No outputs (the extension only satisfies plan entries).
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
