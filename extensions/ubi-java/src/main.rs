//! `paketo-community/ubi-java-extension`: an image extension for the Paketo UBI stacks that
//! installs the JDK the app asks for from the distribution's RPMs into the build image and
//! switches the run image to the stack's Java run image of the same major.
//!
//! - **detect** always passes and provides `jdk` and `jre`, or `jdk`, or `jre` (as upstream): the
//!   extension takes part whenever a buildpack requires either, Paketo's or ours.
//! - **generate** picks the Java major (`BP_JVM_VERSION` > the Buildpack Plan's `jdk`/`jre`
//!   versions > the app's own files > the stack's default, see `version.rs`), checks it against
//!   the Java versions of the stack (the catalogue's `java-<major>` entries, else a built-in
//!   table, see `catalogue.rs`), and writes a `build.Dockerfile` that installs that JDK with
//!   microdnf and records it for the companion buildpack, and a `run.Dockerfile` that switches
//!   to the matching run image.

// The error holds `SharedError` unboxed (see errors.rs): at most one is made per run.
#![allow(clippy::result_large_err)]
// Its unit tests see the integration tests' dev-dependencies.
#![cfg_attr(test, allow(unused_crate_dependencies))]

mod catalogue;
mod dockerfiles;
mod errors;
mod packages;
mod version;

use crate::errors::UbiJavaError;
use crate::packages::{Install, java_home};
use crate::version::{JDK, JRE};

use cnb_extension::{
    DetectContext, DetectResult, DetectResultBuilder, Extension, ExtensionError,
    ExtensionPlanBuilder, GenerateContext, GenerateResult, GenerateResultBuilder, Log,
    RunDockerfile,
};
use jvm_version::BP_JVM_VERSION;
use ubi_extension_support::catalogue::{ExtensionMetadata, Runtime};
use ubi_extension_support::repositories::Repositories;
use ubi_extension_support::run_image::{self, RUN_IMAGE_OVERRIDE_ENV};
use ubi_extension_support::stack::Stack;

struct UbiJavaExtension;

impl Extension for UbiJavaExtension {
    type Metadata = Option<ExtensionMetadata>;
    type Error = UbiJavaError;

    fn detect(&self, _: DetectContext<Self>) -> Result<DetectResult, Self::Error> {
        DetectResultBuilder::pass()
            .build_plan(
                ExtensionPlanBuilder::new()
                    .provides(JDK)
                    .provides(JRE)
                    .or()
                    .provides(JDK)
                    .or()
                    .provides(JRE)
                    .build(),
            )
            .build()
    }

    fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, Self::Error> {
        let mut log = Log::stdout();
        let info = &context.extension_descriptor.extension;
        log.header(info.display_name(), &info.version.to_string());

        if !context
            .buildpack_plan
            .entries
            .iter()
            .any(|entry| entry.name == JDK || entry.name == JRE)
        {
            // As upstream (libjvm's Generate): nothing asked for a JVM, nothing to do.
            log.step("No jdk or jre in the Buildpack Plan: nothing to install")
                .blank();
            return GenerateResultBuilder::new().build();
        }

        log.step("Resolving Java version");
        let candidates = version::candidates(
            &context.buildpack_plan,
            context.platform.setting(BP_JVM_VERSION)?.as_deref(),
            &context.app_dir,
        )?;
        if candidates.list.is_empty() {
            log.detail(
                "No version requested (BP_JVM_VERSION, the build plan's jdk and jre, the app's \
                 .sdkmanrc, .java-version, MANIFEST.MF, pom.xml, build.gradle(.kts))",
            );
        } else {
            log.detail("Candidate version sources (in priority order):");
            for candidate in &candidates.list {
                log.subdetail(&candidate.to_string());
            }
        }
        if let Some(error) = &candidates.ignored_app_error {
            log.detail(&format!(
                "Ignored (a higher-priority source decides): {}",
                error.to_string().escape_debug()
            ));
        }
        let request = version::decide(&candidates)?;
        if let Some(request) = &request {
            log.blank().detail(&format!(
                "Using the highest-priority request: {} (Java {})",
                request.candidate, request.major
            ));
        }

        let (stack, stack_origin) = Stack::detect(context.stack_id.as_deref(), &context.target)?;
        log.detail(&format!("Stack {stack} (from {stack_origin})"));

        let catalogue_path =
            ExtensionMetadata::catalogue_path(context.extension_descriptor.metadata)?;
        let versions = catalogue::java_versions(&catalogue_path, stack)?;
        log.detail(&format!(
            "Java versions of the stack ({}): {} (default {}: {})",
            versions.listed_by(),
            ubi_extension_support::comma_separated(&versions.majors),
            versions.default_major,
            versions.default_origin
        ));
        for skipped in &versions.skipped {
            log.subdetail(&format!("Skipped {skipped}"));
        }

        if request.is_none() {
            log.detail(&format!(
                "No version requested: using the default, {}",
                versions.default_major
            ));
        }
        let major = versions.choose(request.as_ref())?;
        log.blank()
            .step(&format!("Selected Java major version {major}"));

        let (run_image, run_image_origin) = run_image::select(
            stack,
            Runtime::JAVA,
            major,
            versions.catalogue.as_ref(),
            context.platform.setting(RUN_IMAGE_OVERRIDE_ENV)?.as_deref(),
        )?;
        log.step(&run_image_origin.log_step(&run_image));

        let install = Install::new(stack, major);
        log.step("Installing with microdnf:")
            .detail(&install.packages.join(" "))
            .step(&format!(
                "JAVA_HOME {} (recorded for the companion buildpack in {})",
                java_home(major),
                ubi_companion_contract::java::HAND_OFF_FILE
            ));
        // The user's mirror, its CA and the proxy (bindings and proxy variables).
        let repositories = Repositories::read(&context.platform)?;
        repositories.log(&mut log);
        log.blank();

        let build = dockerfiles::build_dockerfile(&install, stack, &repositories)?;
        let result = GenerateResultBuilder::new()
            .build_dockerfile(build)
            .run_dockerfile(RunDockerfile::switch_to(run_image));
        Ok(repositories.with_extend_config(result)?.build_unwrapped())
    }

    /// `ERROR: <header>`, then the body indented, as every module of this repository.
    fn on_error(&self, error: ExtensionError<UbiJavaError>) {
        cnb_extension::cnb_output::print_error(&error);
    }
}

cnb_extension::extension_main!(UbiJavaExtension);
