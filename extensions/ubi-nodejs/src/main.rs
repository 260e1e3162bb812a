//! `paketo-community/ubi-nodejs-extension`: an image extension for the Paketo UBI stacks that
//! installs Node.js from the distribution's RPMs into the build image and switches the run image
//! to the stack's Node.js run image of the same major.
//!
//! - **detect** always passes and provides `node`, or `node` and `npm`: the extension takes part
//!   whenever a buildpack requires `node`.
//! - **generate** picks the version request from the Buildpack Plan, resolves it to a major the
//!   stack ships (the catalogue `/etc/buildpacks/images.json`), writes a `build.Dockerfile` that
//!   installs that major with microdnf and records it for the companion buildpack, and a
//!   `run.Dockerfile` that switches to the matching run image.

// The error holds `SharedError` unboxed (see errors.rs): at most one is made per run.
#![allow(clippy::result_large_err)]
// Its unit tests see the integration tests' dev-dependencies.
#![cfg_attr(test, allow(unused_crate_dependencies))]

mod dockerfiles;
mod errors;
mod packages;
mod version;

use crate::errors::UbiNodejsError;
use crate::packages::Install;

use cnb_extension::{
    DetectContext, DetectResult, DetectResultBuilder, Extension, ExtensionError,
    ExtensionPlanBuilder, GenerateContext, GenerateResult, GenerateResultBuilder, Log,
    RunDockerfile,
};
use nodejs_version::{Request, Resolution};
use ubi_extension_support::catalogue::{Catalogue, ExtensionMetadata, Runtime};
use ubi_extension_support::repositories::Repositories;
use ubi_extension_support::run_image::{self, RUN_IMAGE_OVERRIDE_ENV};
use ubi_extension_support::stack::Stack;
use untrusted_input::quoted;

struct UbiNodejsExtension;

impl Extension for UbiNodejsExtension {
    type Metadata = Option<ExtensionMetadata>;
    type Error = UbiNodejsError;

    fn detect(&self, _: DetectContext<Self>) -> Result<DetectResult, Self::Error> {
        DetectResultBuilder::pass()
            .build_plan(
                ExtensionPlanBuilder::new()
                    .provides("node")
                    .or()
                    .provides("node")
                    .provides("npm")
                    .build(),
            )
            .build()
    }

    fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, Self::Error> {
        let mut log = Log::stdout();
        let info = &context.extension_descriptor.extension;
        log.header(info.display_name(), &info.version.to_string());

        log.step("Resolving Node.js version");
        let candidates = version::candidates(&context.buildpack_plan)?;
        log.detail("Candidate version sources (in priority order):");
        for candidate in &candidates {
            log.subdetail(&format!(
                "{} -> {}",
                candidate.source_label(),
                quoted(&candidate.constraint)
            ));
        }
        // `candidates` is never empty (no `node` entry is an error); only the first one counts.
        let Some(winner) = candidates.first() else {
            return Err(UbiNodejsError::NodeNotRequested);
        };
        let parsed = version::request(winner)?;
        let request = quoted(&winner.constraint);
        log.blank();
        // No request: the default's line below says so.
        if !matches!(parsed, Request::Default) {
            log.detail(&format!(
                "Using the highest-priority request: {} -> {request}",
                winner.source_label(),
            ));
        }

        let (stack, stack_origin) = Stack::detect(context.stack_id.as_deref(), &context.target)?;
        log.detail(&format!("Stack {stack} (from {stack_origin})"));

        let catalogue_path =
            ExtensionMetadata::catalogue_path(context.extension_descriptor.metadata)?;
        let catalogue = Catalogue::load(&catalogue_path, Runtime::NODEJS)?;
        let versions = version::versions(catalogue, stack)?;
        log.detail(&format!(
            "Node.js versions of the stack ({}): {} (default {}{})",
            versions.catalogue.path.display(),
            ubi_extension_support::comma_separated(&versions.catalogue.majors()),
            versions.default_major,
            if versions.skipped_default.is_some() {
                ", the newest: the catalogue's default is skipped"
            } else {
                ""
            }
        ));
        for skipped in &versions.skipped {
            log.subdetail(&format!("Skipped {skipped}"));
        }

        let resolved = version::resolve(winner, &parsed, &versions, stack)?;
        let major = resolved.major;
        log.detail(&match resolved.resolution {
            Resolution::Default => format!("No version requested: using the default, {major}"),
            Resolution::Newest => format!("{request} matches Node.js {major}"),
            Resolution::Stream => format!(
                "{request} matches a release of Node.js {major}: UBI ships one build per major, \
                 so the patch level comes from the distribution's Node.js {major} stream"
            ),
            Resolution::Alias(alias) => format!(
                "{request} is the nvm alias {alias}, for {}: Node.js {major}",
                alias.meaning()
            ),
        });
        log.blank()
            .step(&format!("Selected Node.js major version {major}"));

        let install = Install::new(stack, major)?;
        let override_image = context.platform.setting(RUN_IMAGE_OVERRIDE_ENV)?;
        let (run_image, run_image_origin) = run_image::select(
            stack,
            Runtime::NODEJS,
            major,
            Some(&versions.catalogue),
            override_image.as_deref(),
        )?;
        log.step(&run_image_origin.log_step(&run_image));

        match install.module_stream() {
            Some(stream) => log.step(&format!(
                "Installing with microdnf from module stream {stream}:"
            )),
            None => log.step("Installing with microdnf:"),
        };
        log.detail(&install.packages.join(" "));
        // The user's mirror, its CA and the proxy (bindings and proxy variables).
        let repositories = Repositories::read(&context.platform)?;
        repositories.log(&mut log);
        log.blank();

        // No ENV for the companion buildpack: the lifecycle filters the environment buildpacks
        // run with to an allow-list, so ENV from a build.Dockerfile would not reach it. The
        // build.Dockerfile writes a file instead (see dockerfiles.rs).
        let build = dockerfiles::build_dockerfile(&install, stack, &repositories)?;
        let result = GenerateResultBuilder::new()
            .build_dockerfile(build)
            .run_dockerfile(RunDockerfile::switch_to(run_image));
        Ok(repositories.with_extend_config(result)?.build_unwrapped())
    }

    /// `ERROR: <header>`, then the body indented, as every module of this repository.
    fn on_error(&self, error: ExtensionError<UbiNodejsError>) {
        cnb_extension::cnb_output::print_error(&error);
    }
}

cnb_extension::extension_main!(UbiNodejsExtension);
