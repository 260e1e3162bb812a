//! Write Cloud Native Buildpacks **image extensions** in Rust.
//!
//! [libcnb](https://docs.rs/libcnb) does buildpacks; this crate gives image extensions the same
//! shape: implement [`Extension`] (`detect` and `generate`), call [`extension_main!`], and the
//! runtime handles the contract of the image extension spec:
//!
//! - one binary, with `bin/detect` and `bin/generate` linked to it: the phase comes from `argv[0]`;
//! - inputs as the lifecycle passes them (`CNB_*` env vars, with the positional arguments as a
//!   fallback), `extension.toml` typed ([`ExtensionDescriptor`]), `<platform>/env` files
//!   ([`Platform`]), `CNB_TARGET_*` ([`Target`]), the Buildpack Plan for generate;
//! - exit codes: detect 0 pass, 100 fail, anything else an error; generate 0 or an error;
//!   254 for an unsupported API and 255 for an unknown executable name (as libcnb);
//! - detect can only *provide* ([`ExtensionPlan`]), so the lifecycle's "outputs requires which is
//!   not allowed" cannot happen;
//! - Dockerfiles can only be what the spec allows ([`BuildDockerfile`], [`RunDockerfile`]) and
//!   every value interpolated into them is validated or quoted, so an app cannot inject an
//!   instruction or a shell command through a version string or an env var;
//! - `extend-config.toml` ([`ExtendConfig`]) rejects the reserved `build_id`, `user_id`, `group_id`;
//! - generate writes all its outputs or none.
//!
//! # Example
//!
//! An extension that installs `curl` in the build image when a buildpack requires it, at the
//! version the build plan asks for:
//!
//! ```
//! use cnb_extension::{
//!     BuildDockerfile, DetectContext, DetectResult, DockerfileError, Extension, ExtensionPlan,
//!     GenerateContext, GenerateResult, ShellCommand,
//! };
//!
//! struct CurlExtension;
//!
//! impl Extension for CurlExtension {
//!     type Metadata = Option<toml::Table>;
//!     type Error = DockerfileError;
//!
//!     fn detect(&self, _: DetectContext<Self::Metadata>) -> Result<DetectResult, Self::Error> {
//!         Ok(DetectResult::Pass(ExtensionPlan::new().provides("curl").build()))
//!     }
//!
//!     fn generate(&self, context: GenerateContext<Self::Metadata>) -> Result<GenerateResult, Self::Error> {
//!         let version = context
//!             .plan
//!             .entries
//!             .iter()
//!             .filter(|entry| entry.name == "curl")
//!             .find_map(|entry| entry.metadata.get("version")?.as_str().map(str::to_string));
//!         let package = match version {
//!             Some(version) => format!("curl={version}"),
//!             None => "curl".to_string(),
//!         };
//!         let dockerfile = BuildDockerfile::new()
//!             .user_root()
//!             .run(ShellCommand::new("apt-get").arg("update")
//!                 .and(ShellCommand::new("apt-get").args(["install", "-y"]).arg(package)))?
//!             .restore_user();
//!         Ok(GenerateResult::new().build_dockerfile(dockerfile))
//!     }
//! }
//!
//! // In src/main.rs: cnb_extension::extension_main!(CurlExtension);
//!
//! # use cnb_extension::{ExtensionDescriptor, Platform, Target};
//! # let context = GenerateContext {
//! #     app_dir: ".".into(),
//! #     extension_dir: ".".into(),
//! #     platform: Platform::default(),
//! #     target: Target { os: "linux".into(), arch: "amd64".into(), arch_variant: None, distro_name: None, distro_version: None },
//! #     stack_id: None,
//! #     descriptor: toml::from_str::<ExtensionDescriptor>("api = \"0.10\"\n[extension]\nid = \"examples/curl\"\nversion = \"0.1.0\"\n").unwrap(),
//! #     plan: toml::from_str("[[entries]]\nname = \"curl\"\n[entries.metadata]\nversion = \"7.88.1-10; id\"\n").unwrap(),
//! # };
//! let files = CurlExtension.generate(context)?.files();
//! assert_eq!(files[0].0, "build.Dockerfile");
//! assert_eq!(
//!     files[0].1,
//!     "ARG base_image\nFROM ${base_image}\n\nUSER root\n\
//!      RUN apt-get update && apt-get install -y 'curl=7.88.1-10; id'\n\
//!      ARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n"
//! );
//! # Ok::<(), DockerfileError>(())
//! ```
//!
//! Package it as a directory holding `extension.toml` and `bin/generate` (the binary) with
//! `bin/detect` a symlink to it; `packager package` in this repository does that.

mod descriptor;
mod dockerfile;
mod extend_config;
mod image_ref;
pub mod log;
mod plan;
mod platform;
mod runtime;

pub use descriptor::{ExtensionDescriptor, ExtensionId, ExtensionInfo, InvalidExtensionId};
pub use dockerfile::{
    BASE_IMAGE_ARG, BUILD_ID_ARG, Build, BuildDockerfile, Dockerfile, DockerfileError,
    GROUP_ID_ARG, REBASABLE_LABEL, Run, RunDockerfile, ShellCommand, USER_ID_ARG,
};
pub use extend_config::{ExtendConfig, ExtendConfigError, RESERVED_ARGS};
pub use image_ref::{ImageReference, ImageReferenceError};
pub use plan::{ExtensionPlan, ExtensionPlanBuilder};
pub use platform::{MissingTargetVariable, Platform, Target};
pub use runtime::{
    DetectContext, DetectResult, Error, Extension, GenerateContext, GenerateResult, SUPPORTED_APIS,
    exit_code, run,
};

/// Re-exported so that extensions use the same plan types as the runtime.
pub use libcnb_data;

/// Generates `fn main` for an extension binary: `cnb_extension::extension_main!(MyExtension);`.
#[macro_export]
macro_rules! extension_main {
    ($extension:expr) => {
        fn main() -> ::std::process::ExitCode {
            $crate::run(&$extension)
        }
    };
}
