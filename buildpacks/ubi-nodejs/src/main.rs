//! UBI Node.js Buildpack (`paketo-community/ubi-nodejs-buildpack`): the companion of the image
//! extension `paketo-community/ubi-nodejs-extension`, as Paketo RFC 0056 planned it.
//!
//! - **detect** passes for Node.js apps (`package.json` in the app root or in
//!   `BP_NODE_PROJECT_PATH`) and requires `node`, once per version source found
//!   (`BP_NODE_VERSION`, `package.json` `engines.node`, `.nvmrc`, `.node-version`), so that the
//!   lifecycle keeps the extension, which provides `node` and installs Node.js from RPMs. The
//!   app's files are read only as regular files inside the app (links inside it followed), at
//!   most 1 MiB for `package.json` and 4 KiB for a version file; any other case is an error.
//! - **build** checks `node` and `npm` in the (extended) build image (when no extension
//!   installed Node.js, the node found must serve the plan's request, by the rules the
//!   extension resolves it with: `nodejs_version`), reads the extension's hand-off file,
//!   contributes the `node-env` layer (env defaults, optional exec.d program that sizes the V8
//!   heap), the launch SBOM of the runtime, and a default `web` process.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod detect;
mod errors;
mod layers;
mod package_json;
mod process;
mod runtime;
mod sbom_components;
mod settings;

use crate::detect::{Detection, build_plan, detect};
use crate::errors::NodejsBuildpackError;
use crate::layers::node_env::{
    ENV_DEFAULTS, NodeEnvLayerMetadata, handle_node_env_layer, node_home,
    optimize_memory_description,
};
use crate::package_json::{PACKAGE_JSON, read_package_json};
use crate::process::select_web_process;
use crate::runtime::{NodeRuntime, check_request, find_node_runtime, major_mismatch, npm_version};
use crate::sbom_components::RuntimeComponent;
use crate::settings::Settings;
use cnb_output::Log;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::launch::LaunchBuilder;
use libcnb::data::sbom::SbomFormat;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::sbom::Sbom;
use libcnb::{Buildpack, Platform, buildpack_main};
use sbom::cyclonedx::Document;
use sbom::rpm::owning_package as owning_rpm;
use std::path::Path;
use ubi_companion_contract::nodejs::{HAND_OFF_FILE, NodejsRuntime};

pub(crate) struct UbiNodejsBuildpack;

impl Buildpack for UbiNodejsBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = NodejsBuildpackError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let settings = Settings::from_platform_env(context.platform.env())?;
        match detect(&context.app_dir, &settings)? {
            Detection::NodeApp(requests) => DetectResultBuilder::pass()
                .build_plan(build_plan(&requests)?)
                .build(),
            Detection::NotNodeApp(reason) => {
                Log::stdout().text(&reason);
                DetectResultBuilder::fail().build()
            }
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let mut log = Log::stdout();
        let buildpack = &context.buildpack_descriptor.buildpack;
        log.header(
            buildpack.name.as_deref().unwrap_or(buildpack.id.as_str()),
            &buildpack.version.to_string(),
        );
        let settings = Settings::from_platform_env(context.platform.env())?;
        let project_dir = settings.project_dir(&context.app_dir)?;

        let runtime = resolve_runtime(&context)?;

        log.step("Configuring the Node.js environment (layer node-env, build and launch)");
        let metadata = NodeEnvLayerMetadata {
            node_version: runtime.version.version.clone(),
            node_home: node_home(&runtime.node).to_string_lossy().into_owned(),
            optimize_memory: settings.optimize_memory,
        };
        let mut env: Vec<(&str, &str)> = ENV_DEFAULTS.to_vec();
        env.push(("NODE_HOME", &metadata.node_home));
        env.sort_unstable();
        for (name, value) in env {
            log.detail(&format!("{name} -> {value:?} (default)"));
        }
        if let Some(program) = handle_node_env_layer(&context, &metadata)? {
            log.step(&format!(
                "Writing exec.d/{}",
                program
                    .file_name()
                    .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
            ));
            for line in optimize_memory_description() {
                log.detail(&line);
            }
        }

        let sbom = runtime_sbom(&context, &runtime)?;

        let mut result = BuildResultBuilder::new().launch_sbom(sbom);
        log.step("Assigning the default process");
        match read_package_json(&context.app_dir, &settings.project_file(PACKAGE_JSON))? {
            Some(package_json) => {
                let selection = select_web_process(&package_json, &project_dir);
                for warning in &selection.warnings {
                    log.warning(warning);
                }
                if let Some(web) = selection.process {
                    let working_dir = (project_dir != context.app_dir).then(|| project_dir.clone());
                    log.detail(&format!(
                        "web: {} ({})",
                        untrusted_input::bounded(&web.command_line().join(" ")),
                        web.reason()
                    ));
                    if let Some(dir) = &working_dir {
                        log.detail(&format!("working directory: {}", dir.display()));
                    }
                    result = result.launch(
                        LaunchBuilder::new()
                            .process(web.to_process(working_dir))
                            .build(),
                    );
                } else {
                    log.detail(&format!(
                        "None: package.json has no scripts.start or usable main, and {} has none of \
                         server.js, app.js, index.js; a later buildpack may contribute one",
                        project_dir.display()
                    ));
                }
            }
            None => {
                log.detail(&format!(
                    "None: no package.json in {}; a later buildpack may contribute one",
                    project_dir.display()
                ));
            }
        }
        result.build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        cnb_output::print_error(&error);
    }
}

/// Finds the Node.js the extension installed, logging what the plan and the hand-off say.
fn resolve_runtime(
    context: &BuildContext<UbiNodejsBuildpack>,
) -> Result<NodeRuntime, NodejsBuildpackError> {
    let mut log = Log::stdout();
    log.step("Resolving Node.js");
    // The plan's node entries, highest priority first, as the extension ranks them.
    let candidates = nodejs_version::candidates(&context.buildpack_plan)
        .map_err(NodejsBuildpackError::PlanValue)?;
    let requested = candidates.len();
    if requested == 0 {
        log.detail("node is no longer requested by the build plan: an image extension provided it");
    } else {
        let entries = if requested == 1 { "entry" } else { "entries" };
        log.warning(&format!(
            "the build plan still requests node ({requested} {entries}): the \
             ubi-nodejs-extension did not run; using the node on PATH if it serves the request"
        ));
    }
    let hand_off = match ubi_companion_contract::read::<NodejsRuntime>(Path::new(HAND_OFF_FILE)) {
        Ok(Some(hand_off)) => {
            log.detail(&format!(
                "The ubi-nodejs-extension installed Node.js {} ({})",
                hand_off.major, hand_off.stack
            ));
            Some(hand_off)
        }
        Ok(None) => {
            log.detail(&format!(
                "No hand-off from the ubi-nodejs-extension ({HAND_OFF_FILE} is absent)"
            ));
            None
        }
        Err(reason) => {
            log.warning(&format!("{reason}; ignoring it"));
            None
        }
    };

    let runtime = find_node_runtime(std::env::var_os("PATH").as_ref(), requested > 0)?;
    log.detail(&format!(
        "node v{} at {}",
        runtime.version.version,
        runtime.node.display()
    ));
    log.detail(&format!("npm at {}", runtime.npm.display()));
    if let Some(winner) = candidates.first() {
        log.detail(&check_request(winner, &runtime.node, &runtime.version)?);
    }
    if let Some(warning) = hand_off
        .as_ref()
        .and_then(|hand_off| major_mismatch(hand_off, &runtime.version))
    {
        log.warning(&warning);
    }
    Ok(runtime)
}

/// The launch SBOM (`CycloneDX`) of the runtime, with RPM data when `rpm` is available.
fn runtime_sbom(
    context: &BuildContext<UbiNodejsBuildpack>,
    runtime: &NodeRuntime,
) -> Result<Sbom, NodejsBuildpackError> {
    let mut log = Log::stdout();
    log.step("Writing the SBOM of the runtime (launch.sbom.cdx.json)");
    let rpm = std::env::current_dir().ok().and_then(|cwd| {
        find_program::find_on_path("rpm", std::env::var_os("PATH").as_deref(), &cwd)
    });
    let node_rpm = rpm.as_ref().and_then(|rpm| owning_rpm(rpm, &runtime.node));
    // npm from the same package as node (no separate npm RPM) is listed with npm's own version.
    let npm_rpm = rpm
        .as_ref()
        .and_then(|rpm| owning_rpm(rpm, &runtime.npm))
        .filter(|npm| node_rpm.as_ref() != Some(npm));
    match &rpm {
        Some(rpm) if node_rpm.is_none() => {
            log.detail(&format!(
                "{} knows no package that owns {}: versions from node and npm",
                rpm.display(),
                runtime.node.display()
            ));
        }
        Some(_) => {}
        None => {
            log.detail("rpm is not installed: versions from node and npm");
        }
    }

    let mut components = vec![RuntimeComponent {
        name: "nodejs",
        generic_name: "node",
        version: runtime.version.version.clone(),
        rpm: node_rpm,
    }];
    let npm_version =
        npm_version(&runtime.npm).or_else(|| npm_rpm.as_ref().map(|rpm| rpm.version.clone()));
    if let Some(version) = npm_version {
        components.push(RuntimeComponent {
            name: "npm",
            generic_name: "npm",
            version,
            rpm: npm_rpm,
        });
    }
    for component in &components {
        log.detail(&format!(
            "{} {} ({})",
            component.name,
            component.version,
            component.purl()
        ));
    }

    let buildpack = &context.buildpack_descriptor.buildpack;
    let json = Document::new(buildpack.id.as_str(), &buildpack.version.to_string())
        .with_components(components.iter().map(RuntimeComponent::cyclonedx))
        .to_json()
        .map_err(|error| NodejsBuildpackError::Sbom(error.to_string()))?;
    Ok(Sbom::from_bytes(SbomFormat::CycloneDxJson, json))
}

buildpack_main!(UbiNodejsBuildpack);
