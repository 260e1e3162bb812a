//! The Paketo-shaped definitions (`tests/fixtures/paketo/`), each made by the real
//! `pack builder create --publish` and by `packager builder create --publish` from the same
//! stand-in images and the same lifecycle archive, show `pack builder inspect` the same builder:
//! description, stack, run images and mirrors, lifecycle version and APIs, buildpacks,
//! extensions, detection order and extensions order. Only the creator's name and version differ.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/pack.rs"]
mod pack;
#[path = "support/paketo.rs"]
mod paketo;
#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/registry.rs"]
mod registry;

use cnb_harness::{Outcome, assert_contains};
use pack::{assert_builders_agree, create_both, inspect, pack_home, platform_builders};
use paketo::{fixture_name, fixtures, in_registry, paketo_registry};
use registry::{LIFECYCLE_VERSION, STACK_ID, buildpack_dir, pack_config, pack_package};
use std::path::Path;

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
    let home = pack_home(work.path());
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

        platforms_seen += assert_builders_agree(&home, &name, &by_pack, &by_packager);
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

/// A composite buildpackage file (`pack buildpack package --format file` of a composite and
/// its two buildpacks) named by `uri`: both tools put every module it holds into the builder,
/// listed as pack reads a buildpackage (id, name, version and homepage from its layers label:
/// the description its descriptor has is in no label).
#[test]
fn a_composite_buildpackage_file_brings_every_module_as_in_pack() {
    let (registry, work) = paketo_registry();
    let home = pack_home(work.path());
    let cache = work.path().join("cache");
    let dir = work.path().join("composite-file");
    let children: Vec<_> = [("example/jdk", "1.2.0"), ("example/maven", "3.4.0")]
        .iter()
        .map(|(id, version)| pack_package(&dir, &buildpack_dir(&dir, id, version, &[]), &[]))
        .collect();
    let composite = buildpack_dir(
        &dir,
        "example/java",
        "2.0.0",
        &[("example/jdk", "1.2.0"), ("example/maven", "3.4.0")],
    );
    let descriptor = composite.join("buildpack.toml");
    let text = std::fs::read_to_string(&descriptor).unwrap();
    std::fs::write(
        &descriptor,
        text.replace(
            "name = \"Stand-in example/java\"\n",
            "name = \"Stand-in example/java\"\ndescription = \"A composite\"\nhomepage = \"https://example.com/java\"\n",
        ),
    )
    .unwrap();
    let cnb = pack_package(&dir, &composite, &children);
    let host = &registry.host;
    let definition = dir.join("builder.toml");
    std::fs::write(
        &definition,
        format!(
            "[build]\nimage = \"{host}/paketobuildpacks/build-ubi8-base:0.0.121\"\n\n\
             [[run.images]]\nimage = \"{host}/paketobuildpacks/run-ubi8-base:latest\"\n\n\
             [stack]\nid = \"{STACK_ID}\"\n\n[lifecycle]\nversion = \"{LIFECYCLE_VERSION}\"\n\n\
             [[buildpacks]]\nuri = \"{}\"\n\n\
             [[order]]\n[[order.group]]\nid = \"example/java\"\n",
            cnb.file_name().unwrap().to_string_lossy()
        ),
    )
    .unwrap();
    let config = pack_config(&definition);
    let (by_pack, pack_created, by_packager, created) =
        create_both(&home, &registry, &cache, &config, "composite-file");
    pack_created.assert_success();
    created.assert_success();
    assert_builders_agree(&home, "composite-file", &by_pack, &by_packager);
    let inspected = inspect(&home, &by_packager);
    for module in ["example/java", "example/jdk", "example/maven"] {
        assert_contains!(inspected, module);
    }
    let labels = platform_builders(&by_packager);
    let listed = &labels["linux/amd64"]["metadata"]["buildpacks"];
    assert_eq!(
        listed[0]["homepage"], "https://example.com/java",
        "{listed}"
    );
    assert!(listed[0].get("description").is_none(), "{listed}");
}
