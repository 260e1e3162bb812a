//! Multi-platform builders: a definition with several `[[targets]]` is made as one builder per
//! platform, each from that platform's entry of every image index pulled (the build image,
//! the buildpackages, a composite among them, the lifecycle image), and published as an OCI
//! image index of their manifests; `--output` writes the same index into the layout. A
//! platform an input lacks is an error naming the image and the platforms it has; our own
//! modules, built for linux/amd64 only, are refused for linux/arm64, naming the module and the
//! platform. One target (or none) gives a plain image manifest, as pack does. The arm64
//! builder's lifecycle, built from the same Go module with `GOARCH=arm64`, answers `-version`
//! under `qemu-aarch64-static` (run directly: no binfmt handler is registered).

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/platforms.rs"]
mod platforms;
#[path = "support/registry.rs"]
mod registry;

use cnb_harness::{Outcome, Process, assert_contains};
use oci_layout::PlatformImages;
use platforms::{
    ARCHITECTURES, arm64_lifecycle_binary, buildpackage_image, definition, layer_files, push_index,
    raw_manifest, two_platform_buildpack, two_platform_registry,
};
use registry::{
    LIFECYCLE_VERSION, TestRegistry, lifecycle_binary, our_packages, outcome,
    packager_with_registry, run,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// `packager builder create --config <config>` with `args`, the test registry's options (no
/// auth file of the machine's) and the lifecycle image of the test registry.
fn create(config: &Path, args: &[&str], registry: &TestRegistry, cache: &Path) -> Process {
    let lifecycles = registry.image("buildpacksio/lifecycle");
    let config = config.to_str().unwrap();
    let mut all = vec!["builder", "create", "--config", config];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--lifecycle-repository", &lifecycles]);
    outcome(&mut packager_with_registry(&all, &registry.host, cache))
}

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    std::fs::read(
        layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
    .unwrap()
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

const PROCFILE: &str = "paketo-buildpacks/procfile";

/// The `io.buildpacks.buildpack.layers` label of a builder's config, as JSON.
fn layers_label(config: &serde_json::Value) -> serde_json::Value {
    json(
        config["config"]["Labels"]["io.buildpacks.buildpack.layers"]
            .as_str()
            .unwrap()
            .as_bytes(),
    )
}

#[test]
#[allow(clippy::too_many_lines)] // one index checked platform by platform
fn two_targets_are_published_and_written_as_an_index_of_each_platforms_builder() {
    let work = tempfile::tempdir().unwrap();
    let (registry, procfile_layers) = two_platform_registry(work.path());
    let cache = work.path().join("cache");
    let config = definition(
        work.path(),
        &registry.host,
        "two-targets",
        &["linux/amd64", "linux/arm64"],
    );
    let builder = registry.image("builders/two-targets:latest");
    let layout = work.path().join("builder");
    let created = create(
        &config,
        &[
            "--output",
            &format!("{}:latest", layout.display()),
            "--publish",
            &builder,
        ],
        &registry,
        &cache,
    );
    created.assert_success();
    assert_contains!(created.stderr, "linux/amd64, linux/arm64: lifecycle");

    // The same index printed for both destinations, in the layout under the tag and in the
    // registry under its tag, byte for byte.
    let stdout = &created.stdout;
    let digests: Vec<&str> = stdout
        .lines()
        .map(|line| line.rsplit_once(' ').unwrap().1)
        .collect();
    assert_eq!(digests.len(), 2, "{stdout}");
    assert_eq!(digests[0], digests[1], "{stdout}");
    let layout_index = json(&std::fs::read(layout.join("index.json")).unwrap());
    let entry = &layout_index["manifests"][0];
    assert_eq!(entry["digest"], digests[0]);
    assert_eq!(
        entry["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        "latest"
    );
    let index_bytes = blob(&layout, digests[0]);
    assert_eq!(raw_manifest(&builder), index_bytes);
    let index = json(&index_bytes);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = index["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{index}");

    // Each entry is its platform's builder, from its platform's inputs.
    let lifecycles = [
        std::fs::read(lifecycle_binary()).unwrap(),
        std::fs::read(arm64_lifecycle_binary()).unwrap(),
    ];
    for ((entry, arch), lifecycle) in entries.iter().zip(ARCHITECTURES).zip(&lifecycles) {
        assert_eq!(
            entry["platform"],
            serde_json::json!({"architecture": arch, "os": "linux"}),
            "{index}"
        );
        assert_eq!(
            entry["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        let digest = entry["digest"].as_str().unwrap();
        // Pushed by digest: the registry has the same manifest.
        let repository = builder.rsplit_once(':').unwrap().0;
        assert_eq!(
            raw_manifest(&format!("{repository}@{digest}")),
            blob(&layout, digest)
        );
        let manifest = json(&blob(&layout, digest));
        let config = json(&blob(
            &layout,
            manifest["config"]["digest"].as_str().unwrap(),
        ));
        assert_eq!(
            config["architecture"], arch,
            "the {arch} build image's config"
        );
        let labels = &config["config"]["Labels"];
        let layers_label = layers_label(&config);
        assert_eq!(
            layers_label[PROCFILE]["5.13.4"]["layerDiffID"], procfile_layers[arch],
            "{arch}: procfile's layer is its platform's"
        );
        for id in [
            "paketo-buildpacks/java",
            "paketo-buildpacks/bellsoft-liberica",
            "paketo-buildpacks/maven",
        ] {
            assert!(
                layers_label.get(id).is_some(),
                "{arch}: {id} in {layers_label}"
            );
        }
        let files: BTreeMap<String, Vec<u8>> = manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|layer| layer_files(&blob(&layout, layer["digest"].as_str().unwrap())))
            .collect();
        assert!(
            files["cnb/lifecycle/lifecycle"] == *lifecycle,
            "{arch}: the lifecycle is its platform's entry of the lifecycle image"
        );
        let build = &files["cnb/buildpacks/paketo-buildpacks_procfile/5.13.4/bin/build"];
        assert!(
            String::from_utf8_lossy(build).contains(&format!("built for linux/{arch}")),
            "{arch}: {}",
            String::from_utf8_lossy(build)
        );
        let metadata = json(
            labels["io.buildpacks.builder.metadata"]
                .as_str()
                .unwrap()
                .as_bytes(),
        );
        assert_eq!(metadata["lifecycle"]["version"], LIFECYCLE_VERSION);
        if arch == "arm64" {
            // The arm64 builder's lifecycle is an aarch64 program: run by qemu-aarch64-static
            // directly (no binfmt handler is registered), it answers its version.
            let binary = work.path().join("arm64-lifecycle");
            std::fs::write(&binary, &files["cnb/lifecycle/lifecycle"]).unwrap();
            std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            let version = run(Command::new("qemu-aarch64-static")
                .arg(&binary)
                .arg("-version"));
            assert_eq!(version.trim(), LIFECYCLE_VERSION);
        }
    }
}

/// pack v0.38.2 (`pkg/client/create_builder.go`) makes an image index only for several
/// targets and `--publish` (`multiArch := len(targets) > 1 && opts.Publish`); one target, or
/// none, is one builder image: so here.
#[test]
fn one_target_is_published_as_an_image_manifest_as_pack_does() {
    let work = tempfile::tempdir().unwrap();
    let (registry, procfile_layers) = two_platform_registry(work.path());
    let cache = work.path().join("cache");
    for (name, targets, arch) in [
        ("arm64-only", &["linux/arm64"][..], "arm64"),
        ("no-targets", &[][..], "amd64"),
    ] {
        let config = definition(work.path(), &registry.host, name, targets);
        let builder = registry.image(&format!("builders/{name}:latest"));
        create(&config, &["--publish", &builder], &registry, &cache).assert_success();
        let manifest = json(&raw_manifest(&builder));
        assert_eq!(
            manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json",
            "{name}: {manifest}"
        );
        let config = json(
            run(Command::new("skopeo").args([
                "inspect",
                "--config",
                "--raw",
                "--tls-verify=false",
                &format!("docker://{builder}"),
            ]))
            .as_bytes(),
        );
        assert_eq!(config["architecture"], arch, "{name}");
        assert_eq!(
            layers_label(&config)[PROCFILE]["5.13.4"]["layerDiffID"],
            procfile_layers[arch],
            "{name}"
        );
    }
}

/// An input without an entry for one of the targets is an error naming the image and the
/// platforms it has; nothing is pushed.
#[test]
fn a_platform_an_input_lacks_is_an_error_naming_the_image_and_its_platforms() {
    let work = tempfile::tempdir().unwrap();
    let (registry, _) = two_platform_registry(work.path());
    // procfile for linux/amd64 only (its descriptor names both platforms).
    let module = two_platform_buildpack(
        work.path(),
        "paketo-buildpacks/procfile",
        "5.13.4",
        "amd64",
        &[],
    );
    let amd64_only = "paketobuildpacks/procfile:amd64-only";
    push_index(
        &registry,
        work.path(),
        amd64_only,
        &PlatformImages {
            images: vec![(
                oci_layout::platform("linux", "amd64", None),
                buildpackage_image(&module, &[], "amd64"),
            )],
        },
    );
    let config = definition(
        work.path(),
        &registry.host,
        "amd64-only",
        &["linux/amd64", "linux/arm64"],
    );
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("paketobuildpacks/procfile:5.13.4", amd64_only);
    std::fs::write(&config, text).unwrap();
    let builder = registry.image("builders/amd64-only:latest");
    let cache = work.path().join("cache");
    let created = create(&config, &["--publish", &builder], &registry, &cache);
    created.assert_failure_with(1, "the linux/arm64 builder: ");
    assert_contains!(
        created.stderr,
        format!("{}: the image index sha256:", registry.image(amd64_only))
    );
    assert_contains!(
        created.stderr,
        "has no linux/arm64 image (it has: linux/amd64)"
    );
    let inspected = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{builder}"))
        .output()
        .unwrap();
    assert!(!inspected.status.success(), "nothing is tagged");
}

/// Our modules are built for linux/amd64 only: a definition asking for them on linux/arm64
/// is refused, naming the module and the platform, before anything is pulled.
#[test]
fn our_modules_on_arm64_are_an_error_naming_the_module_and_the_platform() {
    let work = tempfile::tempdir().unwrap();
    let packages = our_packages(&work.path().join("modules"));
    let extension = packages
        .iter()
        .find(|package| package.details.info.id == "paketo-community/ubi-nodejs-extension")
        .unwrap();
    let config = work.path().join("ours.toml");
    std::fs::write(
        &config,
        format!(
            r#"[[extensions]]
uri = "{}"

[[order-extensions]]
[[order-extensions.group]]
id = "paketo-community/ubi-nodejs-extension"

[build]
image = "registry.invalid/build:1"

[[run.images]]
image = "registry.invalid/run:1"

[[targets]]
os = "linux"
arch = "amd64"

[[targets]]
os = "linux"
arch = "arm64"
"#,
            extension.cnb.display()
        ),
    )
    .unwrap();
    let cache = work.path().join("cache");
    let created: Process = Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(["builder", "create", "--config"])
        .arg(&config)
        .arg("--cache")
        .arg(&cache)
        .arg("--output")
        .arg(work.path().join("builder"))
        .output()
        .unwrap()
        .into();
    created.assert_failure_with(
        1,
        &format!(
            "targets[1]: extension \"paketo-community/ubi-nodejs-extension@{}\" does not support linux/arm64 (it supports linux/amd64)",
            extension.details.info.version
        ),
    );
    assert!(!cache.exists(), "refused before any registry is contacted");
}
