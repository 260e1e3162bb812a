//! UBI Java Buildpack (`paketo-community/ubi-java-buildpack`): the companion of the image
//! extension `paketo-community/ubi-java-extension`, which installs the JDK from RPMs into the
//! build image and switches the run image to a matching JRE image.
//!
//! - **detect**: a JVM app (`pom.xml`, `build.gradle(.kts)`, `META-INF/MANIFEST.MF`, a `*.jar`
//!   at the root) passes and *requires* `jdk` (build) and `jre` (launch) with the Java version the
//!   app asks for (`jvm_version`); the extension provides them. Anything else fails.
//! - **build**: for the buildpacks after this one, `JAVA_HOME` of the build image's JDK; for
//!   launch, JVM defaults and the exec.d memory calculator; the JDK's SBOM; for an executable
//!   JAR, the default process. An entry still in the Buildpack Plan was not satisfied by the
//!   extension but is provided by another buildpack: that part is left to it.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod app;
mod errors;
mod jdk;
mod layers;
mod plan;
mod sbom_components;
mod settings;

use crate::app::{ExecutableJar, executable_jar, exploded_jar, jvm_app_marker};
use crate::errors::UbiJavaBuildpackError;
use crate::layers::EnvFile;
use crate::layers::class_path::{ClassPathLayerMetadata, handle_class_path_layer};
use crate::layers::jdk::handle_jdk_layer;
use crate::layers::jre::{JreLayerMetadata, handle_jre_layer};
use crate::layers::memory_calculator::handle_memory_calculator_layer;
use crate::plan::Remaining;
use cnb_output::Log;
use jvm_version::{JvmVersionRequest, requested_version};
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::launch::{LaunchBuilder, Process, ProcessBuilder};
use libcnb::data::process_type;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::{Buildpack, Env, Platform, buildpack_main};
use sbom::cyclonedx::Document;
use std::path::Path;
use ubi_companion_contract::java::{self, JavaRuntime};
use ubi_java_buildpack::classes::{count_app_classes, count_jvm_classes};

pub(crate) struct UbiJavaBuildpack;

impl Buildpack for UbiJavaBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = UbiJavaBuildpackError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let mut log = Log::stdout();
        let Some(marker) = jvm_app_marker(&context.app_dir)? else {
            log.text(
                "No JVM application: none of pom.xml, build.gradle, build.gradle.kts, \
                 META-INF/MANIFEST.MF or a *.jar at the app root",
            );
            return DetectResultBuilder::fail().build();
        };
        let request = version_request(&context.app_dir, context.platform.env())?;
        log.text(&format!(
            "JVM application ({marker}): requires jdk and jre {}",
            if request.is_some() {
                describe_request(request.as_ref())
            } else {
                "without a version (the extension's default)".to_string()
            }
        ));
        let exploded = exploded_jar(&context.app_dir)?.is_some();
        if exploded {
            log.text(&format!(
                "Exploded executable JAR: provides {} when a later buildpack launches it",
                plan::JVM_APPLICATION_PACKAGE
            ));
        }
        DetectResultBuilder::pass()
            .build_plan(plan::build_plan(request.as_ref(), exploded)?)
            .build()
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let mut log = Log::stdout();
        let buildpack = &context.buildpack_descriptor.buildpack;
        log.header(
            buildpack.name.as_deref().unwrap_or(buildpack.id.as_str()),
            &buildpack.version.to_string(),
        );
        let remaining = Remaining::of(&context.buildpack_plan);
        let request = version_request(&context.app_dir, context.platform.env())?;
        log.step(&format!(
            "Java version: {}",
            describe_request(request.as_ref())
        ));

        let mut result = BuildResultBuilder::new();
        if remaining.jdk && remaining.jre {
            log.step(&format!(
                "The build plan still holds jdk and jre: another buildpack of the group provides \
                 them (not {}), so it configures them",
                errors::EXTENSION_ID
            ));
        } else {
            let jvm = if remaining.jdk {
                log.step(
                    "jdk: provided by another buildpack (still in the build plan): JAVA_HOME is left to it"
                );
                JvmFacts::default()
            } else {
                contribute_jdk(&context, request.as_ref())?
            };
            if remaining.jre {
                log.step(
                    "jre: provided by another buildpack (still in the build plan): launch configuration is left to it"
                );
            } else {
                contribute_launch(&context, request.as_ref(), &jvm)?;
            }
        }

        let processes = contribute_processes(&context)?;
        if !processes.is_empty() {
            result = result.launch(LaunchBuilder::new().processes(processes).build());
        }
        result.build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        cnb_output::print_error(&error);
    }
}

/// The app's Java version request; `BP_JVM_VERSION` from the platform's env files, else the
/// process environment (a builder's build-config env).
fn version_request(
    app_dir: &std::path::Path,
    platform_env: &Env,
) -> Result<Option<JvmVersionRequest>, UbiJavaBuildpackError> {
    let bp_jvm_version = settings::bp_jvm_version(platform_env);
    Ok(requested_version(app_dir, bp_jvm_version.as_deref())?)
}

fn describe_request(request: Option<&JvmVersionRequest>) -> String {
    match request {
        Some(request) if request.raw == request.major.to_string() => {
            format!("{} (from {})", request.major, request.source)
        }
        Some(request) => format!(
            "{} (from {}: {})",
            request.major, request.source, request.raw
        ),
        None => "not requested (the extension's default)".to_string(),
    }
}

/// What the build learnt about the JDK, for the launch configuration.
#[derive(Debug, Default)]
struct JvmFacts {
    major: Option<u32>,
    class_count: Option<u64>,
}

/// The `jdk` layer: `JAVA_HOME` for later buildpacks, the SBOM.
fn contribute_jdk(
    context: &BuildContext<UbiJavaBuildpack>,
    request: Option<&JvmVersionRequest>,
) -> Result<JvmFacts, libcnb::Error<UbiJavaBuildpackError>> {
    let mut log = Log::stdout();
    let path = std::env::var_os("PATH");
    let jdk = jdk::find_jdk(path.as_deref())?;
    match ubi_companion_contract::read::<JavaRuntime>(Path::new(java::HAND_OFF_FILE)) {
        Ok(Some(hand_off)) => {
            log.step(&format!(
                "The ubi-java-extension installed Java {} at {} ({})",
                hand_off.major, hand_off.java_home, hand_off.stack
            ));
            if let Some(major) = jdk.major()
                && major != hand_off.major
            {
                log.warning(&format!(
                "javac on PATH is Java {major}, not the Java {} the extension installed: another JDK comes first on PATH",
                    hand_off.major
                ));
            }
        }
        Ok(None) => {}
        Err(reason) => {
            log.warning(&reason);
        }
    }
    log.step(&format!(
        "JDK: {} ({}{})",
        jdk.home.display(),
        jdk.release
            .java_version
            .as_deref()
            .unwrap_or("unknown version"),
        jdk.release
            .implementor
            .as_deref()
            .map(|implementor| format!(", {implementor}"))
            .unwrap_or_default()
    ));
    if jdk.javac == jdk.resolved_javac {
        log.detail(&format!("Found javac at {}", jdk.javac.display()));
    } else {
        log.detail(&format!(
            "Found javac at {} -> {}",
            jdk.javac.display(),
            jdk.resolved_javac.display()
        ));
    }
    if let (Some(request), Some(major)) = (request, jdk.major())
        && request.major != major
    {
        log.warning(&format!(
            "{} asks for Java {}, but the build image's JDK is Java {major}",
            request.source, request.major
        ));
    }
    let class_count = match count_jvm_classes(&jdk.home) {
        Ok(count) => Some(count),
        Err(error) => {
            log.warning(&format!(
                "cannot count the JDK's classes ({error}); the memory calculator will count them at launch"
            ));
            None
        }
    };

    let rpm = find_program::find_on_path("rpm", path.as_deref(), Path::new("/"));
    let (components, origin) = sbom_components::jdk_components(
        &jdk,
        rpm.as_deref(),
        &context.target.arch,
        (&context.target.distro_name, &context.target.distro_version),
    );
    let buildpack = &context.buildpack_descriptor.buildpack;
    let document = Document::new(buildpack.id.as_str(), &buildpack.version.to_string())
        .with_components(components.iter().map(sbom_components::Component::cyclonedx))
        .to_json()
        .map_err(|error| UbiJavaBuildpackError::Sbom(error.to_string()))?;
    let files = handle_jdk_layer(context, &jdk, document)?;
    print_env_files(&files);
    match origin {
        sbom_components::Origin::Rpm => {
            log.detail(&format!(
                "SBOM: {} RPM packages ({})",
                components.len(),
                components
                    .iter()
                    .map(|component| component.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        sbom_components::Origin::Release => {
            log.detail(&format!(
                "SBOM: {} {} (no RPM database lists the JDK)",
                components[0].name, components[0].version
            ));
        }
    }
    Ok(JvmFacts {
        major: jdk.major(),
        class_count,
    })
}

/// The `jre` and `memory-calculator` layers.
fn contribute_launch(
    context: &BuildContext<UbiJavaBuildpack>,
    request: Option<&JvmVersionRequest>,
    jvm: &JvmFacts,
) -> Result<(), libcnb::Error<UbiJavaBuildpackError>> {
    let mut log = Log::stdout();
    log.step("Launch configuration (for the run image's JRE)");
    let app_count =
        count_app_classes(&context.app_dir).map_err(|error| UbiJavaBuildpackError::ReadApp {
            path: context.app_dir.clone(),
            source: std::io::Error::other(error.to_string()),
        })?;
    for (jar, reason) in &app_count.unreadable_jars {
        log.warning(&format!(
            "classes of {} not counted: {reason}",
            jar.display()
        ));
    }
    log.detail(&format!(
        "Classes: {} in the JVM, {} in the application (counted again at launch)",
        jvm.class_count
            .map_or_else(|| "unknown".to_string(), |count| count.to_string()),
        app_count.classes
    ));
    let metadata = JreLayerMetadata {
        java_major: jvm.major.or(request.map(|request| request.major)),
        jvm_class_count: jvm.class_count,
        app_class_count: app_count.classes,
        app_path: context.app_dir.to_string_lossy().into_owned(),
    };
    let files = handle_jre_layer(context, &metadata)?;
    print_env_files(&files);
    let program = handle_memory_calculator_layer(context)?;
    log.detail(&format!(
        "Installed {} (sizes the JVM's memory for the container at every start)",
        program
            .strip_prefix(&context.layers_dir)
            .unwrap_or(&program)
            .display()
    ));
    Ok(())
}

fn print_env_files(files: &[EnvFile]) {
    let mut log = Log::stdout();
    for file in files {
        log.detail(&format!("Writing {}", file.describe()));
    }
}

/// The processes of an executable JAR (Paketo's executable-jar buildpack's: `executable-jar`,
/// `task` and the default `web`, all the same command), and the class path of an exploded one;
/// neither when a later buildpack launches the app package (see
/// [`plan::JVM_APPLICATION_PACKAGE`]).
fn contribute_processes(
    context: &BuildContext<UbiJavaBuildpack>,
) -> Result<Vec<Process>, libcnb::Error<UbiJavaBuildpackError>> {
    let mut log = Log::stdout();
    let (jar, note) = executable_jar(&context.app_dir)?;
    if jar.is_some() && plan::launched_by_another_buildpack(&context.buildpack_plan) {
        log.step(&format!(
            "The app package ({}) is required by a later buildpack of the group, which launches \
             it (as Paketo's executable-jar does): the process types and CLASSPATH are left to it",
            plan::JVM_APPLICATION_PACKAGE
        ));
        return Ok(Vec::new());
    }
    let arguments: Vec<String> = match jar {
        None => {
            if let Some(note) = note {
                log.step(&format!("No default process: {note}"));
            }
            return Ok(Vec::new());
        }
        Some(ExecutableJar::Exploded {
            main_class,
            class_path,
        }) => {
            let classpath: Vec<String> =
                std::iter::once(context.app_dir.to_string_lossy().into_owned())
                    .chain(class_path)
                    .collect();
            let files = handle_class_path_layer(context, &ClassPathLayerMetadata { classpath })?;
            log.step(&format!(
                "Executable JAR (exploded), Main-Class {main_class}"
            ));
            print_env_files(&files);
            vec![main_class]
        }
        Some(ExecutableJar::Jar { path, main_class }) => {
            log.step(&format!(
                "Executable JAR {}, Main-Class {main_class}",
                path.display()
            ));
            vec!["-jar".to_string(), path.to_string_lossy().into_owned()]
        }
    };
    log.step("Process types (Paketo's Java buildpacks may replace them):");
    log.detail(&format!(
        "executable-jar, task, web (default): java {}",
        arguments.join(" ")
    ));
    Ok([
        (process_type!("executable-jar"), false),
        (process_type!("task"), false),
        (process_type!("web"), true),
    ]
    .into_iter()
    .map(|(process_type, default)| {
        ProcessBuilder::new(process_type, ["java"])
            .args(arguments.clone())
            .default(default)
            .build()
    })
    .collect())
}

buildpack_main!(UbiJavaBuildpack);
