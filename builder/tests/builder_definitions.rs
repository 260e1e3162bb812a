//! Every builder definition under builder/builders, as it is, made and published by the main
//! command (`packager package --publish <prefix>`) and by `packager builder create --publish`,
//! both pulling what the definitions name from stand-ins in a registry of the test's own
//! through `--registry-mirror docker.io=<registry>`, the lifecycle by `[lifecycle] version`:
//! a definition of several `[[targets]]` as an image index of a builder per platform, the
//! others as one image, the two commands' builders byte for byte the same. The real `pack`
//! makes each definition too, from the same stand-ins named in the registry, and shows the
//! same builder as the packager's (`pack builder inspect`, every platform's labels).
//!
//! Stand-ins (the real images are on Docker Hub, out of reach here): every build and run image
//! is the tests' build image (an index of linux/amd64 and linux/arm64) with the definition's
//! stack id; Paketo's buildpacks are buildpackages for both platforms (java a composite); the
//! lifecycle image of the definitions' version holds the lifecycle built here
//! (v0.21.0, `tests/install-lifecycle.sh`, for both platforms) under that version's label.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/pack.rs"]
mod pack;
#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/registry.rs"]
mod registry;

use cnb_harness::{Outcome, Process, workspace_root};
use pack::{assert_builders_agree, create_both, pack_home, platform_builders, skopeo_raw};
use packager::builders::{Definition, discover_definitions};
use platforms::{
    ARCHITECTURES, buildpackage_image, push_index, push_two_platform_buildpackages,
    push_two_platform_lifecycle_as, two_platform_buildpack,
};
use registry::{
    TestRegistry, docker_hub_in_registry, outcome, pack_config_with_lifecycle,
    packager_with_registry, push, stack_image,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stack id of the stand-ins of a definition without `[stack] id`.
const NO_STACK_ID: &str = "io.buildpacks.stacks.stand-in";

/// What a definition names and asks for, from its `builder.toml`.
struct Named {
    stack_id: Option<String>,
    /// The build image, then the run images.
    stack_images: Vec<String>,
    /// `(id, version, image)` of each module named by a Docker Hub image.
    image_modules: Vec<(String, String, String)>,
    lifecycle_version: String,
    /// `os/arch` of each `[[targets]]`.
    platforms: Vec<String>,
}

impl Named {
    fn read(definition: &Definition) -> Self {
        let table: toml::Table =
            toml::from_str(&std::fs::read_to_string(&definition.path).unwrap()).unwrap();
        let strings = |value: Option<&toml::Value>, key: &str| -> Vec<String> {
            value
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.get(key).and_then(toml::Value::as_str))
                .map(str::to_string)
                .collect()
        };
        let mut stack_images = vec![table["build"]["image"].as_str().unwrap().to_string()];
        stack_images.extend(strings(
            table.get("run").and_then(|run| run.get("images")),
            "image",
        ));
        let mut image_modules = Vec::new();
        for key in ["buildpacks", "extensions"] {
            for module in table
                .get(key)
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
            {
                let field = |name: &str| module.get(name).and_then(toml::Value::as_str);
                let Some(image) = field("uri")
                    .and_then(|uri| uri.strip_prefix("docker://"))
                    .or_else(|| field("image"))
                else {
                    continue; // one of ours, by id
                };
                assert_eq!(
                    key, "buildpacks",
                    "{definition:?}: add a stand-in for {image}"
                );
                image_modules.push((
                    field("id").unwrap().to_string(),
                    field("version").unwrap().to_string(),
                    image.to_string(),
                ));
            }
        }
        Self {
            stack_id: table
                .get("stack")
                .and_then(|stack| stack.get("id"))
                .and_then(toml::Value::as_str)
                .map(str::to_string),
            stack_images,
            image_modules,
            lifecycle_version: table["lifecycle"]["version"].as_str().unwrap().to_string(),
            platforms: table["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|target| {
                    format!(
                        "{}/{}",
                        target["os"].as_str().unwrap(),
                        target["arch"].as_str().unwrap()
                    )
                })
                .collect(),
        }
    }
}

/// `name`'s path on Docker Hub (`docker.io/<path>` or `index.docker.io/<path>`): where the
/// registry, as the `docker.io` mirror, serves it.
fn docker_hub_path(name: &str) -> &str {
    name.strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or_else(|| panic!("{name} is not a Docker Hub image: add a stand-in for it"))
}

/// Pushes a stand-in of every image the definitions name, for both platforms.
fn push_stand_ins(registry: &TestRegistry, dir: &Path, named: &[Named]) {
    // Paketo's java (a composite) and procfile, at the versions the UBI definitions name.
    let _ = push_two_platform_buildpackages(registry, dir);
    let mut pushed = BTreeSet::from([
        "paketobuildpacks/java:22.1.0".to_string(),
        "paketobuildpacks/procfile:5.13.4".to_string(),
    ]);
    let mut stacks: BTreeMap<&str, PathBuf> = BTreeMap::new();
    for definition in named {
        let stack_id = definition.stack_id.as_deref().unwrap_or(NO_STACK_ID);
        let layout = stacks
            .entry(stack_id)
            .or_insert_with(|| stack_image(&dir.join(format!("stack-{stack_id}")), stack_id));
        for image in &definition.stack_images {
            let path = docker_hub_path(image);
            if pushed.insert(path.to_string()) {
                push(
                    &format!("oci:{}:multi", layout.display()),
                    &registry.image(path),
                    false,
                );
            }
        }
        for (id, version, image) in &definition.image_modules {
            let path = docker_hub_path(image);
            if pushed.insert(path.to_string()) {
                let images = ARCHITECTURES
                    .iter()
                    .map(|arch| {
                        let module = two_platform_buildpack(dir, id, version, arch, &[]);
                        (
                            oci_layout::platform("linux", arch, None),
                            buildpackage_image(&module, &[], arch),
                        )
                    })
                    .collect();
                push_index(registry, dir, path, &oci_layout::PlatformImages { images });
            }
        }
        let lifecycle = format!("buildpacksio/lifecycle:{}", definition.lifecycle_version);
        if pushed.insert(lifecycle) {
            push_two_platform_lifecycle_as(registry, dir, &definition.lifecycle_version);
        }
    }
}

/// `<repository>@<digest>` of `<repository>:<tag>`.
fn by_digest(reference: &str, digest: &str) -> String {
    format!("{}@{digest}", reference.rsplit_once(':').unwrap().0)
}

/// `<reference> <digest>` lines of a command's output whose reference starts with `prefix`.
fn published(stdout: &str, prefix: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter(|line| line.starts_with(prefix))
        .map(|line| {
            let (reference, digest) = line.split_once(' ').unwrap();
            (reference.to_string(), digest.to_string())
        })
        .collect()
}

/// The main command, `packager package --publish <registry>/main` through `mirror`, in the
/// workspace: every buildpackage pushed (checked here), then every builder. Its output.
fn main_command(
    registry: &TestRegistry,
    out: &Path,
    cache: &Path,
    mirror: &str,
    definitions: &[Definition],
) -> Process {
    let prefix = registry.image("main");
    let main = outcome(
        packager_with_registry(
            &[
                "package",
                "--out",
                out.to_str().unwrap(),
                "--publish",
                &prefix,
                "--registry-mirror",
                mirror,
            ],
            &registry.host,
            cache,
        )
        .current_dir(workspace_root()),
    );
    main.assert_success();
    let mut buildpackages = published(&main.stdout, &prefix);
    let modules = cnb_package::workspace::discover_modules(&workspace_root()).unwrap();
    assert_eq!(
        buildpackages.len(),
        modules.len() + definitions.len(),
        "{main}"
    );
    for definition in definitions {
        assert!(
            buildpackages
                .remove(&format!("{prefix}/{}:latest", definition.name))
                .is_some(),
            "{}: not published\n{main}",
            definition.name
        );
    }
    for (reference, digest) in &buildpackages {
        let config = skopeo_raw(&by_digest(reference, digest), true, None);
        let metadata: serde_json::Value = serde_json::from_str(
            config["config"]["Labels"]["io.buildpacks.buildpackage.metadata"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(metadata["version"], reference.rsplit(':').next().unwrap());
        cnb_harness::assert_contains!(
            reference,
            metadata["id"].as_str().unwrap().replace('/', "_")
        );
    }
    main
}

/// `builder create --publish` through `mirror` of the definition `package` rendered
/// (`rendered`) makes the bytes the main command published as `by_main` (`main_digest`): an
/// image index of the definition's platforms' builders, or one builder for one target.
fn builder_create_makes_the_same(
    registry: &TestRegistry,
    cache: &Path,
    mirror: &str,
    rendered: &Path,
    (by_main, main_digest): (&str, &str),
    named: &Named,
) {
    let name = by_main;
    let by_create = registry.image(&format!("create/{}", by_main.rsplit_once('/').unwrap().1));
    let created = outcome(&mut packager_with_registry(
        &[
            "builder",
            "create",
            "--config",
            rendered.to_str().unwrap(),
            "--publish",
            &by_create,
            "--registry-mirror",
            mirror,
        ],
        &registry.host,
        cache,
    ));
    created.assert_success();
    assert_eq!(
        published(&created.stdout, &by_create)[&by_create],
        main_digest,
        "{name}: builder create and the main command made the same builder"
    );
    let stored = skopeo_raw(&by_digest(by_main, main_digest), false, None);
    let builders = platform_builders(by_main);
    assert_eq!(
        builders.keys().cloned().collect::<Vec<_>>(),
        named.platforms,
        "{name}: the builder's platforms"
    );
    assert_eq!(
        stored["manifests"].is_array(),
        named.platforms.len() > 1,
        "{name}: {stored}"
    );
    for (platform, labels) in &builders {
        assert_eq!(
            labels["metadata"]["lifecycle"]["version"], named.lifecycle_version,
            "{name}: {platform}"
        );
        assert_eq!(
            labels["stack"].as_str(),
            Some(named.stack_id.as_deref().unwrap_or(NO_STACK_ID)),
            "{name}: {platform}"
        );
    }
}

/// pack and the packager make `rendered` with its images named in the registry and the
/// lifecycle image as `[lifecycle] uri` (pack would download the version from GitHub), and
/// agree ([`assert_builders_agree`]); returns the number of platforms.
fn pack_makes_the_same(
    home: &Path,
    registry: &TestRegistry,
    cache: &Path,
    rendered: &Path,
    name: &str,
    named: &Named,
) -> usize {
    let in_registry = rendered.with_file_name("in-registry.toml");
    std::fs::write(
        &in_registry,
        docker_hub_in_registry(&std::fs::read_to_string(rendered).unwrap(), &registry.host),
    )
    .unwrap();
    let config = pack_config_with_lifecycle(
        &in_registry,
        &format!(
            "docker://{}",
            registry.image(&format!(
                "buildpacksio/lifecycle:{}",
                named.lifecycle_version
            ))
        ),
    );
    let (by_pack, pack_created, by_packager, packager_created) =
        create_both(home, registry, cache, &config, name);
    pack_created.assert_success();
    packager_created.assert_success();
    assert_builders_agree(home, name, &by_pack, &by_packager)
}

#[test]
fn every_definition_is_made_by_the_main_command_by_builder_create_and_by_pack_alike() {
    let registry = TestRegistry::start(false);
    let work = tempfile::tempdir().unwrap();
    let definitions = discover_definitions(&workspace_root()).unwrap();
    assert!(definitions.len() >= 5, "{definitions:?}");
    let named: Vec<Named> = definitions.iter().map(Named::read).collect();
    assert!(
        named
            .iter()
            .any(|definition| definition.platforms.len() > 1),
        "a multi-platform definition"
    );
    push_stand_ins(&registry, work.path(), &named);
    let mirror = format!("docker.io={}", registry.host);
    let cache = work.path().join("cache");
    let out = work.path().join("cnb");
    let main = main_command(&registry, &out, &cache, &mirror, &definitions);

    let home = pack_home(work.path());
    let mut platforms_seen = 0;
    for (definition, named) in definitions.iter().zip(&named) {
        let name = &definition.name;
        let by_main = registry.image(&format!("main/{name}:latest"));
        let main_digest = &published(&main.stdout, &by_main)[&by_main];
        let rendered = out.join("builders").join(name).join("builder.toml");
        builder_create_makes_the_same(
            &registry,
            &cache,
            &mirror,
            &rendered,
            (&by_main, main_digest),
            named,
        );
        platforms_seen += pack_makes_the_same(&home, &registry, &cache, &rendered, name, named);
        eprintln!(
            "{name}: made by the main command and builder create ({main_digest}, {}), and by pack alike",
            named.platforms.join(", ")
        );
    }
    assert_eq!(
        platforms_seen,
        named
            .iter()
            .map(|named| named.platforms.len())
            .sum::<usize>()
    );
}
