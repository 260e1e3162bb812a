//! The builders of `tests/e2e/builder.toml` ([`Builders`]), and our modules as buildpackages.

use crate::images::registry_manifest;
use crate::{Endpoints, LIFECYCLE_VERSION, Published, Stack, e2e_dir, pack, tools_dir};
use cnb_harness::{assert_contains, workspace_root};
use cnb_package::buildpackage::{ModuleDetails, write_buildpackage};
use packager::builder_image::{CreateOptions, CreatedBuilder, create_builder};
use packager::builders::{Definition, PackagedCnb, render};
use packager::registry::{RegistryMirror, RegistryOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

/// The workspace modules in the builder.
const MODULE_CRATES: [&str; 5] = [
    "extensions/ubi-nodejs",
    "extensions/ubi-java",
    "buildpacks/ubi-nodejs",
    "buildpacks/ubi-java",
    "buildpacks/go-app",
];

/// How long one builder took to make, and what it is.
#[derive(Debug, Clone)]
pub struct BuilderFigures {
    /// Making the builder: pulling the build image and pushing the builder.
    pub seconds: f64,
    /// The image's layers, and their compressed size in bytes (as in the registry).
    pub layers: usize,
    pub bytes: u64,
}

/// One builder definition made twice.
#[derive(Debug)]
pub struct Builders {
    /// Made by `pack builder create --publish`.
    pub pack: String,
    /// Made by `packager builder create --publish` (the library), its build image pulled from
    /// the registry.
    pub packager: String,
    pub pack_figures: BuilderFigures,
    pub packager_figures: BuilderFigures,
}

impl Builders {
    /// Both builders of `tests/e2e/builder.toml` (once per process).
    pub fn get() -> &'static Builders {
        static BUILDERS: OnceLock<Builders> = OnceLock::new();
        BUILDERS.get_or_init(Builders::create)
    }

    fn create() -> Builders {
        // The stack and the lifecycle image are in the registry first.
        let _ = Published::get();
        let endpoints = Endpoints::get();
        let work = e2e_dir().join("work");
        if work.exists() {
            std::fs::remove_dir_all(&work)
                .unwrap_or_else(|error| panic!("empty {}: {error}", work.display()));
        }
        std::fs::create_dir_all(&work).expect("create the work dir");
        let rendered = render_definition(&work, &endpoints.registry);
        let pack_config = pack_config(&rendered);

        let pack_builder = endpoints.image("builder-pack:latest");
        let started = Instant::now(); // clock: a figure for the report
        let _ = pack(&[
            "builder",
            "create",
            &pack_builder,
            "--config",
            &pack_config.display().to_string(),
            "--publish",
        ]);
        let pack_seconds = started.elapsed().as_secs_f64(); // clock: a figure for the report

        // The packager pulls the build image from the registry, as pack does, and publishes.
        let packager_builder = endpoints.image("builder-packager:latest");
        let started = Instant::now(); // clock: a figure for the report
        let _ = packager_publish(rendered, &packager_builder, &work, Vec::new());
        let packager_seconds = started.elapsed().as_secs_f64(); // clock: a figure for the report
        Builders {
            pack_figures: figures(&pack_builder, pack_seconds),
            packager_figures: figures(&packager_builder, packager_seconds),
            pack: pack_builder,
            packager: packager_builder,
        }
    }
}

/// `packager builder create --publish <builder>` (the library) of a rendered definition, with
/// the suite's lifecycle and launcher, the registry over plain HTTP, an empty auth file and
/// the blob cache in `<work>`; images pulled through `mirrors`.
///
/// # Panics
/// If the packager fails.
#[must_use]
pub fn packager_publish(
    config: PathBuf,
    builder: &str,
    work: &Path,
    mirrors: Vec<RegistryMirror>,
) -> CreatedBuilder {
    let auth_file = work.join("auth.json");
    std::fs::write(&auth_file, "{\"auths\": {}}").expect("write an empty auth file");
    let bin = tools_dir().join("bin");
    create_builder(&CreateOptions {
        config,
        build_image: None,
        build_image_tag: None,
        lifecycle: Some(bin.join("lifecycle")),
        launcher: Some(bin.join("launcher")),
        lifecycle_repository: packager::builder_image::DEFAULT_LIFECYCLE_REPOSITORY.to_string(),
        output: None,
        output_tag: "latest".to_string(),
        publish: Some(builder.to_string()),
        registry: RegistryOptions {
            cache_dir: Some(work.join("blob-cache")),
            insecure: vec![Endpoints::get().registry.clone()],
            auth_file: Some(auth_file),
            mirrors,
            timeouts: packager::registry::Timeouts::default(),
            ..RegistryOptions::default()
        },
    })
    .unwrap_or_else(|error| panic!("packager builder create --publish {builder}: {error:#}"))
}

/// A builder image's layers and compressed size, from the registry.
fn figures(image: &str, seconds: f64) -> BuilderFigures {
    let manifest = registry_manifest(image);
    let layers = manifest["layers"].as_array().expect("layers");
    BuilderFigures {
        seconds,
        layers: layers.len(),
        bytes: layers
            .iter()
            .map(|layer| layer["size"].as_u64().expect("a layer size"))
            .sum(),
    }
}

/// Our modules as buildpackages in `<target>/e2e/modules` (once per process).
pub fn packages() -> &'static [PackagedCnb] {
    static PACKAGES: OnceLock<Vec<PackagedCnb>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let cnb_dir = e2e_dir().join("modules");
        std::fs::create_dir_all(&cnb_dir).expect("create the modules dir");
        MODULE_CRATES
            .iter()
            .map(|crate_dir| {
                let module = cnb_harness::Module::package(crate_dir);
                let cnb = cnb_dir.join(format!("{}.cnb", module.escaped_id()));
                write_buildpackage(&module.dir, &cnb).expect("write the buildpackage");
                let details = ModuleDetails::read(&module.dir).expect("read the module");
                PackagedCnb { details, cnb }
            })
            .collect()
    })
}

/// `tests/e2e/builder.toml` rendered to point at our modules' buildpackages
/// (`<work>/builders/e2e/builder.toml`), with its images named in the registry.
fn render_definition(work: &Path, registry: &str) -> PathBuf {
    let definition = Definition {
        name: "e2e".to_string(),
        path: workspace_root().join("tests/e2e/builder.toml"),
    };
    let builder_toml = render(&definition, packages(), &work.join("builders"))
        .expect("render tests/e2e/builder.toml");
    let rendered = std::fs::read_to_string(&builder_toml).expect("read the rendered file");
    let stack = Stack::get();
    for key in ["BUILD_IMAGE", "NODE_RUN_IMAGE", "JAVA_RUN_IMAGE"] {
        assert_contains!(
            rendered,
            format!("image = \"{}\"", stack.value(key)),
            "tests/e2e/builder.toml must name the stack's image {key}: this machine's Node.js or \
             JDK major differs from the definition's"
        );
    }
    std::fs::write(
        &builder_toml,
        rendered.replace("\"localhost/e2e/", &format!("\"{registry}/e2e/")),
    )
    .expect("write the rendered file");
    builder_toml
}

/// pack's copy of a rendered definition, next to it (its module `uri`s are relative): the
/// `[lifecycle]` is the tarball tests/install-lifecycle.sh made (`uri`), not a version pack
/// would download.
#[must_use]
pub fn pack_config(rendered: &Path) -> PathBuf {
    let text = std::fs::read_to_string(rendered).expect("read the rendered file");
    let mut table: toml::Table = toml::from_str(&text).expect("a rendered builder.toml");
    let tarball = tools_dir().join(format!("lifecycle-v{LIFECYCLE_VERSION}+linux.x86-64.tgz"));
    assert!(
        tarball.is_file(),
        "{} is missing: run tests/install-lifecycle.sh",
        tarball.display()
    );
    let mut lifecycle = toml::Table::new();
    lifecycle.insert(
        "uri".to_string(),
        format!("file://{}", tarball.display()).into(),
    );
    table.insert("lifecycle".to_string(), lifecycle.into());
    let path = rendered.with_file_name("pack-builder.toml");
    std::fs::write(&path, toml::to_string(&table).expect("serialize")).expect("write");
    path
}
