//! Write Cloud Native Buildpacks **image extensions** in Rust, the way
//! [libcnb](https://docs.rs/libcnb) writes buildpacks.
//!
//! | libcnb (buildpacks)                      | cnb-extension (image extensions)          |
//! | ---------------------------------------- | ----------------------------------------- |
//! | `Buildpack` trait: `detect`, `build`     | [`Extension`] trait: `detect`, `generate` |
//! | `buildpack_main!`                        | [`extension_main!`]                       |
//! | `DetectContext`, `BuildContext`          | [`DetectContext`], [`GenerateContext`]    |
//! | `DetectResultBuilder` + `BuildPlanBuilder` | [`DetectResultBuilder`] + [`ExtensionPlanBuilder`] (only provides; converts to libcnb-data's `BuildPlan` and writes its TOML) |
//! | `BuildResultBuilder`: layers, launch     | [`GenerateResultBuilder`]: [`BuildDockerfile`], [`RunDockerfile`], [`ExtendConfig`] |
//! | `ComponentBuildpackDescriptor` (`buildpack.toml`) | [`ExtensionDescriptor`] (`extension.toml`) |
//! | `Target`, `Platform`                     | [`Target`] (the distro optional), [`Platform`] (`<platform>/env` read on demand): see the README |
//! | `libcnb::Error`, `Buildpack::on_error`   | [`ExtensionError`], [`Extension::on_error`] |
//! | `type Error: Debug`                      | `type Error: Debug`; opt in to `ERROR: <header>`, the body indented, with [`HeaderAndBody`] and `cnb_output::print_error` in `on_error` |
//!
//! The data types are libcnb-data's wherever it has them, re-exported as [`libcnb_data`]: the
//! Buildpack Plan ([`BuildpackPlan`](libcnb_data::buildpack_plan::BuildpackPlan)), the build
//! plan ([`BuildPlan`](libcnb_data::build_plan::BuildPlan)), API versions
//! ([`BuildpackApi`](libcnb_data::buildpack::BuildpackApi)), versions, licenses and
//! `[[targets]]` ([`BuildpackTarget`](libcnb_data::buildpack::BuildpackTarget)). This crate adds
//! what libcnb-data lacks, in the same style: `extension.toml`, `extend-config.toml`, the
//! Dockerfiles, the extension id, and the runtime.
//!
//! The runtime handles the contract of the image extension spec (Buildpack API 0.10 to 0.12):
//!
//! - one binary, with `bin/detect` and `bin/generate` linked to it: the phase comes from `argv[0]`;
//! - inputs as the lifecycle passes them (`CNB_*` env vars, with the positional arguments as a
//!   fallback), `extension.toml` typed ([`ExtensionDescriptor`]), `<platform>/env` files
//!   ([`Platform`]: only the variables the extension asks for are read, each bounded, so an
//!   unrelated file there never fails it), `CNB_TARGET_*` ([`Target`]), the Buildpack Plan for
//!   generate;
//! - exit codes: detect 0 pass, 100 fail, anything else an error (1); generate 0 or an error;
//!   254 for an unsupported API and 255 for an unknown executable name (as libcnb);
//! - detect can only *provide* ([`ExtensionPlan`]), so the lifecycle's "outputs requires which is
//!   not allowed" cannot happen;
//! - Dockerfiles can only be what the spec allows ([`BuildDockerfile`], [`RunDockerfile`]) and
//!   every value interpolated into them is validated or quoted, so an app cannot inject an
//!   instruction or a shell command through a version string or an env var;
//! - `extend-config.toml` ([`ExtendConfig`]) rejects the reserved `build_id`, `user_id`, `group_id`;
//! - generate writes all its outputs or none, each through a temporary file created
//!   exclusively (a link planted at its name is never written through);
//! - untrusted input is read and quoted in bounded time and memory ([`untrusted`]).
//!
//! # Example
//!
//! A complete extension (its `src/main.rs`) that installs `curl` in the build image when a
//! later buildpack requires it, at the version the build plan asks for, and switches the run
//! image when the platform sets `BP_CURL_RUN_IMAGE`:
//!
//! ```
//! use cnb_extension::{
//!     BuildDockerfile, DetectContext, DetectResult, DetectResultBuilder, DockerfileError,
//!     Extension, ExtensionError, ExtensionPlanBuilder, GenerateContext, GenerateResult,
//!     GenerateResultBuilder, HeaderAndBody, ImageReference, ImageReferenceError,
//!     PlatformEnvError, RunDockerfile, ShellCommand,
//! };
//! use cnb_extension::libcnb_data::generic::GenericMetadata;
//!
//! struct CurlExtension;
//!
//! #[derive(Debug)]
//! enum CurlError {
//!     Dockerfile(DockerfileError),
//!     RunImage(ImageReferenceError),
//!     // `<platform>/env/BP_CURL_RUN_IMAGE` exists but is no value (a FIFO, a directory...).
//!     Platform(PlatformEnvError),
//! }
//!
//! // Shown as `ERROR: <header>`, then the body indented, as buildpacks show their errors (see
//! // `on_error` below; without it, the error is shown in its `Debug` form).
//! impl HeaderAndBody for CurlError {
//!     fn header(&self) -> String {
//!         match self {
//!             Self::Dockerfile(error) => error.header(),
//!             Self::RunImage(_) => "Invalid BP_CURL_RUN_IMAGE".to_string(),
//!             Self::Platform(error) => error.header(),
//!         }
//!     }
//!     fn body(&self) -> String {
//!         match self {
//!             Self::Dockerfile(error) => error.body(),
//!             Self::RunImage(error) => format!("{error}.\nSet it to the run image to use."),
//!             Self::Platform(error) => error.body(),
//!         }
//!     }
//! }
//!
//! impl Extension for CurlExtension {
//!     type Metadata = GenericMetadata;
//!     type Error = CurlError;
//!
//!     fn detect(&self, _: DetectContext<Self>) -> Result<DetectResult, Self::Error> {
//!         DetectResultBuilder::pass()
//!             .build_plan(ExtensionPlanBuilder::new().provides("curl").build())
//!             .build()
//!     }
//!
//!     fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, Self::Error> {
//!         let version = context
//!             .buildpack_plan
//!             .entries
//!             .iter()
//!             .filter(|entry| entry.name == "curl")
//!             .find_map(|entry| entry.metadata.get("version")?.as_str().map(str::to_string));
//!         let package = match version {
//!             Some(version) => format!("curl={version}"),
//!             None => "curl".to_string(),
//!         };
//!         let build = BuildDockerfile::new() // ARG base_image / FROM ${base_image}
//!             .user_root()
//!             .run(ShellCommand::new("apt-get").arg("update")
//!                 .and(ShellCommand::new("apt-get").args(["install", "-y"]).arg(package)))
//!             .map_err(CurlError::Dockerfile)?
//!             .restore_user(); // ARG user_id / ARG group_id / USER ${user_id}:${group_id}
//!         let mut result = GenerateResultBuilder::new().build_dockerfile(build);
//!         // Only this variable's file of `<platform>/env` is read, bounded.
//!         let run_image = context.platform.setting("BP_CURL_RUN_IMAGE").map_err(CurlError::Platform)?;
//!         if let Some(image) = run_image {
//!             let image: ImageReference = image.parse().map_err(CurlError::RunImage)?;
//!             result = result.run_dockerfile(RunDockerfile::switch_to(image));
//!         }
//!         result.build()
//!     }
//!
//!     fn on_error(&self, error: ExtensionError<CurlError>) {
//!         cnb_extension::cnb_output::print_error(&error);
//!     }
//! }
//!
//! cnb_extension::extension_main!(CurlExtension);
//!
//! // What generate writes for a plan that asks for a version (with a hostile suffix):
//! # use cnb_extension::{ExtensionDescriptor, Platform, Target};
//! # let context = GenerateContext {
//! #     app_dir: ".".into(),
//! #     extension_dir: ".".into(),
//! #     target: Target { os: "linux".into(), arch: "amd64".into(), arch_variant: None, distro_name: None, distro_version: None },
//! #     platform: Platform::default(),
//! #     stack_id: None,
//! #     buildpack_plan: toml::from_str("[[entries]]\nname = \"curl\"\n[entries.metadata]\nversion = \"7.88.1-10; id\"\n").unwrap(),
//! #     extension_descriptor: toml::from_str::<ExtensionDescriptor>("api = \"0.10\"\n[extension]\nid = \"examples/curl\"\nversion = \"0.1.0\"\n").unwrap(),
//! # };
//! let files = CurlExtension.generate(context)?.files();
//! assert_eq!(files[0].0, "build.Dockerfile");
//! assert_eq!(
//!     files[0].1,
//!     "ARG base_image\nFROM ${base_image}\n\nUSER root\n\
//!      RUN apt-get update && apt-get install -y 'curl=7.88.1-10; id'\n\
//!      ARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n"
//! );
//! # Ok::<(), CurlError>(())
//! ```
//!
//! Package it as a directory holding `extension.toml` and `bin/generate` (the binary, built
//! statically) with `bin/detect` a symlink to it: the layout the lifecycle expects, which
//! `packager package` in this crate's repository writes.

#![warn(missing_docs)]

mod descriptor;
mod detect;
pub mod dockerfile;
mod error;
mod extend_config;
mod extension;
mod generate;
mod image_ref;
mod plan;
mod platform;
mod runtime;
pub mod untrusted;

pub use descriptor::{ExtensionDescriptor, ExtensionId, ExtensionInfo, InvalidExtensionId};
pub use detect::{
    DetectContext, DetectResult, DetectResultBuilder, FailDetectResultBuilder,
    PassDetectResultBuilder,
};
pub use dockerfile::{
    BASE_IMAGE_ARG, BUILD_ID_ARG, BuildDockerfile, Dockerfile, DockerfileError, GROUP_ID_ARG,
    REBASABLE_LABEL, RunDockerfile, ShellCommand, USER_ID_ARG,
};
pub use error::ExtensionError;
pub use extend_config::{ExtendConfig, ExtendConfigError, RESERVED_ARGS};
pub use extension::Extension;
pub use generate::{GenerateContext, GenerateResult, GenerateResultBuilder};
pub use image_ref::{ImageReference, ImageReferenceError};
pub use plan::{ExtensionPlan, ExtensionPlanBuilder};
pub use platform::{MissingTargetVariable, Platform, PlatformEnvError, Target};
pub use runtime::{MAX_INPUT_SIZE, SUPPORTED_APIS};

/// What [`extension_main!`] expands to needs; not an API (libcnb's `internals`).
#[doc(hidden)]
pub mod internals {
    pub use crate::runtime::run;
}

/// libcnb-data, re-exported so that extensions use the same types as the runtime (the Buildpack
/// Plan, the build plan, API versions, versions, licenses, targets) without a version to keep
/// in step.
pub use libcnb_data;

/// The build log and the error convention, shared with buildpacks ([`cnb_output`]): an
/// extension logs its steps with [`Log`], and an error type that implements
/// [`HeaderAndBody`] is shown with it from [`Extension::on_error`].
pub use cnb_output;
pub use cnb_output::{HeaderAndBody, Log};

/// Generates `fn main` for an extension binary, as libcnb's `buildpack_main!` does for a
/// buildpack: `main` runs the phase `argv[0]` names with the extension and exits with the
/// spec's exit code.
///
/// ```
/// # use cnb_extension::{DetectContext, DetectResult, DetectResultBuilder, Extension};
/// # use cnb_extension::{GenerateContext, GenerateResult, GenerateResultBuilder};
/// struct NoOp;
///
/// impl Extension for NoOp {
///     type Metadata = cnb_extension::libcnb_data::generic::GenericMetadata;
///     type Error = std::convert::Infallible;
///
///     fn detect(&self, _: DetectContext<Self>) -> Result<DetectResult, Self::Error> {
///         DetectResultBuilder::fail().build()
///     }
///
///     fn generate(&self, _: GenerateContext<Self>) -> Result<GenerateResult, Self::Error> {
///         GenerateResultBuilder::new().build()
///     }
/// }
///
/// cnb_extension::extension_main!(NoOp);
/// ```
#[macro_export]
macro_rules! extension_main {
    ($extension:expr) => {
        fn main() -> ::std::process::ExitCode {
            $crate::internals::run(&$extension)
        }
    };
}
