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
#[path = "support/registry.rs"]
mod registry;

use cnb_harness::{Outcome, Process, assert_contains};
use paketo::{fixture_name, fixtures, in_registry, packager, paketo_registry};
use registry::{pack_binary, pack_config};
use std::path::Path;
use std::process::Command;

/// `pack` with a home of the test's own (image extensions are experimental in pack).
fn pack(home: &Path, args: &[&str]) -> Process {
    Process::from(
        Command::new(pack_binary())
            .args(args)
            .arg("--no-color")
            .env("PACK_HOME", home)
            .env("DOCKER_CONFIG", home.join("docker-config"))
            .output()
            .unwrap(),
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
    lines[..=creator]
        .iter()
        .chain(&lines[creator + 3..])
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn paketo_shaped_definitions_inspect_the_same_made_by_pack_and_by_the_packager() {
    let work = tempfile::tempdir().unwrap();
    let registry = paketo_registry(work.path());
    let home = work.path().join("pack-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), "experimental = true\n").unwrap();
    let cache = work.path().join("cache");
    let fixtures = fixtures();
    assert_eq!(fixtures.len(), 5, "{fixtures:?}");
    for fixture in &fixtures {
        let name = fixture_name(fixture);
        let dir = work.path().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        // One definition for both: the stand-ins' names, the lifecycle archive as
        // `[lifecycle] uri` (pack would download a version from GitHub).
        let config = pack_config(&in_registry(fixture, &registry.host, &dir));
        let config = config.to_str().unwrap();

        let by_pack = registry.image(&format!("builders/{name}-pack:latest"));
        pack(
            &home,
            &[
                "builder",
                "create",
                &by_pack,
                "--config",
                config,
                "--publish",
            ],
        )
        .assert_success();
        let by_packager = registry.image(&format!("builders/{name}-packager:latest"));
        let created = Process::from(packager(
            &[
                "builder",
                "create",
                "--config",
                config,
                "--publish",
                &by_packager,
            ],
            &registry,
            &cache,
        ));
        created.assert_success();

        let (pack_view, packager_view) = (inspect(&home, &by_pack), inspect(&home, &by_packager));
        assert_eq!(
            packager_view, pack_view,
            "{name}: pack builder inspect of the packager's builder (left) and pack's (right)"
        );
        assert_contains!(pack_view, "Lifecycle:", "{name}");
    }
}
