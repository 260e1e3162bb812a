//! Example curl user: a buildpack that needs `curl` at build time and launches `curl --version`.
//!
//! A test fixture for image extensions. Detect always passes and *requires* `curl` (it provides
//! nothing), so a build only succeeds when something else provides `curl`: the image extension
//! `examples/curl-extension`, which installs it into the build image. Build then checks that
//! `curl` is on `PATH` and sets the default process `curl-version`.

// Its unit tests use only some of the dev-dependencies (the integration tests use them all).
#![cfg_attr(test, allow(unused_crate_dependencies))]

mod curl;
mod errors;

use crate::curl::{curl_requirement, find_curl, read_curl_version};
use crate::errors::CurlBuildpackError;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::build_plan::BuildPlanBuilder;
use libcnb::data::launch::{LaunchBuilder, ProcessBuilder};
use libcnb::data::process_type;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::{Buildpack, buildpack_main};

struct CurlBuildpack;

impl Buildpack for CurlBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = CurlBuildpackError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let version = read_curl_version(&context.app_dir)?;
        DetectResultBuilder::pass()
            .build_plan(
                BuildPlanBuilder::new()
                    .requires(curl_requirement(version)?)
                    .build(),
            )
            .build()
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let buildpack = &context.buildpack_descriptor.buildpack;
        println!(
            "{} {}",
            buildpack.name.as_deref().unwrap_or(buildpack.id.as_str()),
            buildpack.version
        );

        let curl = find_curl()?;
        println!("  Found curl at {}", curl.display());

        println!("  Setting default process curl-version: curl --version");
        BuildResultBuilder::new()
            .launch(
                LaunchBuilder::new()
                    .process(
                        ProcessBuilder::new(process_type!("curl-version"), ["curl"])
                            .arg("--version")
                            .default(true)
                            .build(),
                    )
                    .build(),
            )
            .build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        cnb_output::print_error(&error);
    }
}

buildpack_main!(CurlBuildpack);
