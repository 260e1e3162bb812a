// Shared by the tests that compare the packager's builders with pack's; each uses part of it.
#![allow(dead_code)]

//! The real `pack` beside the packager: both make a builder from one definition against the
//! test registry ([`create_both`]), and what pack and the lifecycle read from each is compared:
//! `pack builder inspect` ([`inspect`]) and every platform's labels ([`platform_builders`]).

use crate::registry::{TestRegistry, outcome, pack_binary, packager_with_registry};
use cnb_harness::{Outcome, Process};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A home for pack of the test's own in `dir` (image extensions are experimental in pack).
pub(crate) fn pack_home(dir: &Path) -> PathBuf {
    let home = dir.join("pack-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), "experimental = true\n").unwrap();
    home
}

/// `pack <args>` with `home` ([`pack_home`]) as its home and Docker configuration.
pub(crate) fn pack(home: &Path, args: &[&str]) -> Process {
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
pub(crate) fn inspect(home: &Path, image: &str) -> String {
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
pub(crate) fn skopeo_raw(image: &str, config: bool, arch: Option<&str>) -> serde_json::Value {
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
pub(crate) fn platform_builders(image: &str) -> BTreeMap<String, serde_json::Value> {
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

/// Both tools make `name` from `config` and publish it to the test registry: pack's builder
/// (`builders/<name>-pack`), then the packager's (`builders/<name>-packager`, its blob cache
/// `cache`).
pub(crate) fn create_both(
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
    let packager_created = outcome(&mut packager_with_registry(&args, &registry.host, cache));
    (by_pack, pack_created, by_packager, packager_created)
}

/// Both builders of one definition ([`create_both`]) show pack the same builder (`pack builder
/// inspect`, the creator left out) and have the same platforms, each with the same labels;
/// returns the number of platforms.
pub(crate) fn assert_builders_agree(
    home: &Path,
    name: &str,
    by_pack: &str,
    by_packager: &str,
) -> usize {
    let (pack_view, packager_view) = (inspect(home, by_pack), inspect(home, by_packager));
    assert_eq!(
        packager_view, pack_view,
        "{name}: pack builder inspect of the packager's builder (left) and pack's (right)"
    );
    cnb_harness::assert_contains!(pack_view, "Lifecycle:", "{name}");
    // Every platform's builder (pack inspects this machine's): the same platforms, and for
    // each the same labels.
    let (pack_platforms, packager_platforms) =
        (platform_builders(by_pack), platform_builders(by_packager));
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
    pack_platforms.len()
}
