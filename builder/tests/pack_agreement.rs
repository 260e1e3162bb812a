//! The Paketo-shaped definitions (`tests/fixtures/paketo/`), each made by the real
//! `pack builder create --publish` and by `packager builder create --publish` from the same
//! stand-in images and the same lifecycle archive, show `pack builder inspect` the same builder:
//! description, stack, run images and mirrors, lifecycle version and APIs, buildpacks,
//! extensions, detection order and extensions order. Only the creator's name and version differ.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/paketo.rs"]
mod paketo;
#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/registry.rs"]
mod registry;

use cnb_harness::{Outcome, Process, assert_contains};
use paketo::{fixture_name, fixtures, in_registry, packager, paketo_registry};
use registry::{TestRegistry, outcome, pack_binary, pack_config};
use std::path::Path;
use std::process::Command;

/// `pack` with a home of the test's own (image extensions are experimental in pack).
fn pack(home: &Path, args: &[&str]) -> Process {
    outcome(
        Command::new(pack_binary())
            .args(args)
            .arg("--no-color")
            .env("PACK_HOME", home)
            .env("DOCKER_CONFIG", home.join("docker-config")),
    )
}

/// `pack builder inspect <image>` of the builder in the registry, without the lines naming
/// its creator (`Created By:` is followed by `Name:` and `Version:`) and with the image's name
/// as `<builder>`.
fn inspect(home: &Path, image: &str) -> String {
    let inspected = pack(home, &["builder", "inspect", image]);
    inspected.assert_success();
    let text = inspected.stdout.replace(image, "<builder>");
    let lines: Vec<&str> = text.lines().collect();
    let creator = lines
        .iter()
        .position(|line| *line == "Created By:")
        .unwrap_or_else(|| panic!("no creator in pack builder inspect of {image}:\n{text}"));
    assert!(lines[creator + 1].starts_with("  Name: "), "{text}");
    assert!(lines[creator + 2].starts_with("  Version: "), "{text}");
    let kept: Vec<&str> = lines[..=creator]
        .iter()
        .chain(&lines[creator + 3..])
        .copied()
        .collect();
    kept.join("\n")
}

/// `skopeo inspect --raw` of `image` (`--config`: the image's config) in the plain-HTTP test
/// registry, for `arch` when given.
fn skopeo_raw(image: &str, config: bool, arch: Option<&str>) -> serde_json::Value {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--tls-verify=false", "--raw"]);
    if config {
        command.arg("--config");
    }
    if let Some(arch) = arch {
        command.args(["--override-os", "linux", "--override-arch", arch]);
    }
    let inspected = outcome(command.arg(format!("docker://{image}")));
    inspected.assert_success();
    serde_json::from_str(&inspected.stdout)
        .unwrap_or_else(|error| panic!("skopeo inspect of {image}: {error}\n{inspected}"))
}

/// What each platform's builder of `image` tells the lifecycle and pack, by `os/arch`: its
/// config's platform, stack id, order labels and builder metadata (its creator left out).
/// One entry for an image manifest, one per entry of an image index.
fn platform_builders(image: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    let stored = skopeo_raw(image, false, None);
    let architectures: Vec<Option<String>> = match stored["manifests"].as_array() {
        Some(entries) => entries
            .iter()
            .map(|entry| {
                Some(
                    entry["platform"]["architecture"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect(),
        None => vec![None],
    };
    architectures
        .into_iter()
        .map(|arch| {
            let config = skopeo_raw(image, true, arch.as_deref());
            let labels = &config["config"]["Labels"];
            let label = |name: &str| -> serde_json::Value {
                labels[name]
                    .as_str()
                    .map_or(serde_json::Value::Null, |text| {
                        serde_json::from_str(text).unwrap()
                    })
            };
            let mut metadata = label("io.buildpacks.builder.metadata");
            metadata.as_object_mut().unwrap().remove("createdBy");
            let platform = format!(
                "{}/{}",
                config["os"].as_str().unwrap(),
                config["architecture"].as_str().unwrap()
            );
            if let Some(arch) = arch {
                assert!(
                    platform.ends_with(&format!("/{arch}")),
                    "{image}: the {arch} entry is {platform}"
                );
            }
            let view = serde_json::json!({
                "stack": labels["io.buildpacks.stack.id"],
                "order": label("io.buildpacks.buildpack.order"),
                "order-extensions": label("io.buildpacks.buildpack.order-extensions"),
                "metadata": metadata,
            });
            (platform, view)
        })
        .collect()
}

/// Both tools make `name` from `config`: pack's builder, then the packager's.
fn create_both(
    home: &Path,
    registry: &TestRegistry,
    cache: &Path,
    config: &Path,
    name: &str,
) -> (String, Process, String, Process) {
    let config = config.to_str().unwrap();
    let by_pack = registry.image(&format!("builders/{name}-pack:latest"));
    let pack_created = pack(
        home,
        &[
            "builder",
            "create",
            &by_pack,
            "--config",
            config,
            "--publish",
        ],
    );
    let by_packager = registry.image(&format!("builders/{name}-packager:latest"));
    let args = [
        "builder",
        "create",
        "--config",
        config,
        "--publish",
        &by_packager,
    ];
    let packager_created = packager(&args, registry, cache);
    (by_pack, pack_created, by_packager, packager_created)
}

/// The run images a tool said are not there, from its `run image <name> is not accessible`
/// warnings (pack quotes the name).
fn inaccessible(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            line.find("run image ")
                .map(|at| line[at..].replace('\'', ""))
        })
        .filter(|line| line.ends_with("is not accessible"))
        .collect()
}

#[test]
fn paketo_shaped_definitions_inspect_the_same_made_by_pack_and_by_the_packager() {
    let (registry, work) = paketo_registry();
    let home = work.path().join("pack-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), "experimental = true\n").unwrap();
    let cache = work.path().join("cache");
    let fixtures = fixtures();
    assert_eq!(fixtures.len(), 5, "{fixtures:?}");
    // One definition for both: the stand-ins' names, the lifecycle archive as `[lifecycle] uri`
    // (pack would download a version from GitHub).
    let config_of = |fixture: &Path, dir: &str| {
        let dir = work.path().join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        pack_config(&in_registry(fixture, &registry.host, &dir))
    };
    let mut warned = 0;
    let mut platforms_seen = 0;
    for fixture in &fixtures {
        let name = fixture_name(fixture);
        let config = config_of(fixture, &name);
        let (by_pack, pack_created, by_packager, created) =
            create_both(&home, &registry, &cache, &config, &name);
        pack_created.assert_success();
        created.assert_success();
        // A mirror that is not there: pack warns, and so does the packager.
        assert_eq!(
            inaccessible(&created.stderr),
            inaccessible(&pack_created.stdout),
            "{name}: the run images that are not there\n{created}\n{pack_created}"
        );
        warned += inaccessible(&created.stderr).len();

        let (pack_view, packager_view) = (inspect(&home, &by_pack), inspect(&home, &by_packager));
        assert_eq!(
            packager_view, pack_view,
            "{name}: pack builder inspect of the packager's builder (left) and pack's (right)"
        );
        assert_contains!(pack_view, "Lifecycle:", "{name}");
        // Every platform's builder (pack inspects this machine's): the same platforms, and for
        // each the same labels.
        let (pack_platforms, packager_platforms) =
            (platform_builders(&by_pack), platform_builders(&by_packager));
        assert_eq!(
            packager_platforms.keys().collect::<Vec<_>>(),
            pack_platforms.keys().collect::<Vec<_>>(),
            "{name}: the platforms of the packager's builder (left) and pack's (right)"
        );
        for (platform, pack_labels) in &pack_platforms {
            assert_eq!(
                &packager_platforms[platform], pack_labels,
                "{name}: {platform}: the packager's builder (left) and pack's (right)"
            );
        }
        platforms_seen += pack_platforms.len();
    }
    assert_eq!(
        platforms_seen, 6,
        "four single-platform builders and one of two platforms"
    );
    assert_eq!(warned, 2, "the two fixtures with a mirror on gcr.io");

    // A run image of another stack than the definition's: both refuse it.
    let fixture = fixtures
        .iter()
        .find(|fixture| fixture_name(fixture) == "legacy-stack")
        .unwrap();
    let config = config_of(fixture, "other-stack");
    let text = std::fs::read_to_string(&config).unwrap();
    let other = text.replace("io.buildpacks.stacks.ubi8", "io.buildpacks.stacks.other");
    assert_ne!(text, other);
    std::fs::write(&config, other).unwrap();
    let (_, pack_created, _, created) = create_both(&home, &registry, &cache, &config, "other");
    pack_created.assert_failure_with(1, "is incompatible with stack");
    created.assert_failure_with(
        1,
        "is incompatible with stack \"io.buildpacks.stacks.ubi8\" from run image",
    );
}
