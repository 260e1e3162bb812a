//! Go App Buildpack (`paketo-community/go-app`): builds Go apps into static binaries for Paketo's
//! static run image (RFC 0053), whatever the stack id, and proves them static.
//!
//! - **detect**: a Go module (`go.mod`), Go sources at the root or under `cmd/*/`, or the
//!   directories of `BP_GO_TARGETS` (validated). No build plan: the buildpack brings its own Go.
//! - **build**: the Go toolchain on `PATH` when it satisfies the app, else one from the embedded
//!   inventory (downloaded from `GOPROXY`, SHA-256 verified, cached in the `go` layer); then
//!   `CGO_ENABLED=0 go build -buildmode=exe -trimpath` per target into the `targets` launch layer,
//!   with the module and build caches in the cache-only `go-cache` layer; every binary's ELF
//!   checked static; a `CycloneDX` SBOM from `go version -m`; one direct process per binary; the
//!   source removed but `BP_KEEP_FILES`.
//!
//! The build reads its [`settings`], decides the [`plan`] (every user error before anything is
//! downloaded), provides the [`toolchain`], then [`build`]s.

// Its unit tests use only some of the dev-dependencies (the integration tests use them all).
#![cfg_attr(test, allow(unused_crate_dependencies))]

mod build;
mod download;
mod errors;
mod flags;
#[cfg(test)]
mod fuzz;
mod gocmd;
mod gomod;
mod inventory;
mod keep;
mod layers;
mod plan;
mod sbom_components;
mod settings;
mod source;
mod targets;
mod toolchain;
mod units;
mod version;

use crate::build::GoBuild;
use crate::errors::GoAppError;
use crate::layers::go_cache::handle_go_cache_layer;
use crate::layers::targets::{TargetsLayerMetadata, handle_targets_layer};
use crate::settings::Settings;
use cnb_output::Log;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::sbom::SbomFormat;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::sbom::Sbom;
use libcnb::{Buildpack, Platform, buildpack_main};

pub(crate) struct GoAppBuildpack;

impl Buildpack for GoAppBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = GoAppError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let mut log = Log::stdout();
        let bp_go_targets = settings::go_targets(context.platform.env());
        let app = targets::detect(&context.app_dir, bp_go_targets.as_deref())
            .map_err(GoAppError::from)?;
        if let Some(app) = app {
            log.text(&format!("Go app ({app})"));
            DetectResultBuilder::pass().build()
        } else {
            log.text(
                "No Go app: no go.mod, no *.go at the root or under cmd/*/ (set \
                 BP_GO_TARGETS to the directories of the main packages)",
            );
            DetectResultBuilder::fail().build()
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let mut log = Log::stdout();
        let buildpack = &context.buildpack_descriptor.buildpack;
        log.text(&format!(
            "{} {}",
            buildpack.name.as_deref().unwrap_or(buildpack.id.as_str()),
            buildpack.version
        ));
        let settings = Settings::read(context.platform.env())?;
        let app_dir = &context.app_dir;
        let go_mod = plan::read_go_mod(app_dir)?;

        // What to build, and how: every user error before anything is downloaded or built.
        let plan = plan::plan(app_dir, &context.target.arch, &settings, go_mod.as_ref())?;

        log.blank();
        let go = toolchain::contribute_go(&context, &settings, go_mod.as_ref())?;

        log.blank();
        let caches = handle_go_cache_layer(&context)?;
        log.step(&format!(
            "Go caches: {} ({})",
            if caches.reused {
                "reusing the module and build caches"
            } else {
                "starting empty"
            },
            caches.cause
        ));

        log.blank();
        let targets_layer = handle_targets_layer(&context)?;
        let bin_dir = targets_layer.path().join("bin");
        std::fs::create_dir_all(&bin_dir).map_err(|source| GoAppError::ReadApp {
            path: bin_dir.clone(),
            source,
        })?;
        let go_build = GoBuild {
            go: &go,
            app_dir,
            caches: &caches,
            arguments: &plan.arguments,
            cgo: settings.cgo,
            module_mode: go_mod.is_some(),
            vendor: app_dir.join("vendor/modules.txt").is_file(),
            user_goflags: settings.goflags.as_deref(),
            arch: &context.target.arch,
        };
        let binaries = build::build_targets(&go_build, &plan.targets, &bin_dir)?;

        log.blank();
        build::check_static(&binaries, settings.cgo)?;

        log.blank();
        let document = build::sbom_document(&go, &binaries, &context)?;
        targets_layer.write_sboms(&[Sbom::from_bytes(SbomFormat::CycloneDxJson, document)])?;
        targets_layer.write_metadata(TargetsLayerMetadata {
            go_version: go.version.original().to_string(),
            targets: plan
                .targets
                .iter()
                .map(|target| target.dir.clone())
                .collect(),
            binaries: plan
                .targets
                .iter()
                .map(|target| target.binary.clone())
                .collect(),
        })?;

        log.blank();
        build::remove_sources(app_dir, &settings.keep_files)?;

        log.blank();
        BuildResultBuilder::new()
            .launch(build::processes(&binaries))
            .build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        cnb_output::print_error(&error);
    }
}

buildpack_main!(GoAppBuildpack);
