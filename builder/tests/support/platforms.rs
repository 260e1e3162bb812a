// Used by the multi-platform tests; each uses part of it.
#![allow(dead_code)]

//! Stand-ins for two platforms (linux/amd64 and linux/arm64) on the tests' loopback registry,
//! each pushed as an image index: the build image, the run image, Paketo-shaped buildpackages
//! (a composite among them) and the lifecycle image. Each platform's content says which
//! platform it is for: the build image's config, a file of each buildpack, the lifecycle
//! binary (built from the same Go module for both: `tests/install-lifecycle.sh`).

use crate::registry::{
    LIFECYCLE_VERSION, TestRegistry, build_image, buildpack_dir, lifecycle_binary, push, run,
};
use cnb_harness::workspace_root;
use cnb_package::buildpackage::{METADATA_LABEL, ModuleDetails, ModuleLayers, module_layer};
use oci_layout::{Image, LayerBlob, LayerBuilder, Owner, Platform, PlatformImages, platform};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The two architectures of the stand-ins, in the order of their indexes' entries.
pub(crate) const ARCHITECTURES: [&str; 2] = ["amd64", "arm64"];

pub(crate) const BUILD_IMAGE: &str = "paketobuildpacks/build-ubi8-base:0.0.121";
pub(crate) const RUN_IMAGE: &str = "paketobuildpacks/run-ubi8-base:latest";

/// A registry of the caller's own holding the stand-ins of both platforms (the stack, the
/// buildpackages, the lifecycle image), made in `work`; and, per architecture, the diff id of
/// procfile's layer ([`push_two_platform_buildpackages`]).
pub(crate) fn two_platform_registry(work: &Path) -> (TestRegistry, BTreeMap<&'static str, String>) {
    let registry = TestRegistry::start(false);
    push_two_platform_stack(&registry, work, BUILD_IMAGE, RUN_IMAGE);
    let procfile_layers = push_two_platform_buildpackages(&registry, &work.join("buildpacks"));
    push_two_platform_lifecycle(&registry, work);
    (registry, procfile_layers)
}

/// A Paketo-shaped definition of the stand-ins in the registry at `host`: the composite `java`
/// and `procfile` by `docker://` without an id, the lifecycle by version, `targets` (os/arch
/// each); written to `<dir>/<name>.toml`.
pub(crate) fn definition(dir: &Path, host: &str, name: &str, targets: &[&str]) -> PathBuf {
    let mut text = format!(
        r#"description = "Paketo-shaped builder for {}"

[[buildpacks]]
uri = "docker://{host}/paketobuildpacks/java:22.1.0"

[[buildpacks]]
uri = "docker://{host}/paketobuildpacks/procfile:5.13.4"
version = "5.13.4"

[[order]]
[[order.group]]
id = "paketo-buildpacks/java"

[[order]]
[[order.group]]
id = "paketo-buildpacks/procfile"

[build]
image = "{host}/{BUILD_IMAGE}"

[[run.images]]
image = "{host}/{RUN_IMAGE}"

[stack]
id = "io.buildpacks.stacks.ubi8"

[lifecycle]
version = "{LIFECYCLE_VERSION}"
"#,
        targets.join(", ")
    );
    for target in targets {
        let (os, arch) = target.split_once('/').unwrap();
        let _ = write!(text, "\n[[targets]]\nos = \"{os}\"\narch = \"{arch}\"\n");
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// `skopeo inspect --raw` of a reference in the plain-HTTP registry: its manifest or index.
pub(crate) fn raw_manifest(reference: &str) -> Vec<u8> {
    run(Command::new("skopeo").args([
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]))
    .into_bytes()
}

/// The linux/arm64 lifecycle `tests/install-lifecycle.sh` builds (`GOARCH=arm64`).
pub(crate) fn arm64_lifecycle_binary() -> PathBuf {
    let binary = workspace_root().join("target/tools/linux-arm64/lifecycle");
    assert!(
        binary.is_file(),
        "{} is missing: run tests/install-lifecycle.sh",
        binary.display()
    );
    binary
}

/// The build image (an index of linux/arm64 and linux/amd64, their configs naming their
/// architectures) pushed as `build`, and the same as the run image `run`.
pub(crate) fn push_two_platform_stack(registry: &TestRegistry, dir: &Path, build: &str, run: &str) {
    let layout = build_image(dir);
    for name in [build, run] {
        push(
            &format!("oci:{}:multi", layout.display()),
            &registry.image(name),
            false,
        );
    }
}

/// `images` (one per platform) written as an image index and pushed as `name`.
pub(crate) fn push_index(registry: &TestRegistry, dir: &Path, name: &str, images: &PlatformImages) {
    let layout = dir.join(format!("index-{}", name.replace(['/', ':'], "_")));
    images.write_layout(&layout, "multi").unwrap();
    push(
        &format!("oci:{}:multi", layout.display()),
        &registry.image(name),
        false,
    );
}

fn linux(arch: &str) -> Platform {
    platform("linux", arch, None)
}

/// A stand-in buildpack for `arch` ([`buildpack_dir`]'s, in `<dir>/<arch>`), for both
/// platforms by its targets, its `bin/detect` and `bin/build` naming the architecture; a
/// composite (`order`) has no binaries.
pub(crate) fn two_platform_buildpack(
    dir: &Path,
    id: &str,
    version: &str,
    arch: &str,
    order: &[(&str, &str)],
) -> PathBuf {
    let module = buildpack_dir(&dir.join(arch), id, version, order);
    if order.is_empty() {
        let descriptor = module.join("buildpack.toml");
        let text = std::fs::read_to_string(&descriptor).unwrap();
        let both = ARCHITECTURES
            .map(|target| format!("[[targets]]\nos = \"linux\"\narch = \"{target}\"\n"))
            .concat();
        let amd64 = "[[targets]]\nos = \"linux\"\narch = \"amd64\"\n";
        assert!(text.contains(amd64), "{text}");
        std::fs::write(&descriptor, text.replace(amd64, &both)).unwrap();
        for phase in ["detect", "build"] {
            // Written over in place: the mode stays.
            std::fs::write(
                module.join("bin").join(phase),
                format!("#!/bin/sh\n# built for linux/{arch}\nexit 0\n"),
            )
            .unwrap();
        }
    }
    module
}

/// A buildpackage image of `arch` as pack makes one: a layer per module directory (`main`
/// first, then the buildpacks of its order), the metadata label of `main` and the layers
/// label of them all.
pub(crate) fn buildpackage_image(main: &Path, children: &[PathBuf], arch: &str) -> Image {
    let mut layers_label = ModuleLayers::new();
    let mut layers: Vec<LayerBlob> = Vec::new();
    let main_details = ModuleDetails::read(main).unwrap();
    for dir in std::iter::once(main).chain(children.iter().map(PathBuf::as_path)) {
        let details = ModuleDetails::read(dir).unwrap();
        let layer = module_layer(dir, &details).unwrap();
        layers_label
            .entry(details.info.id.clone())
            .or_default()
            .insert(
                details.info.version.clone(),
                details.layer_info(&layer.diff_id),
            );
        layers.push(layer);
    }
    let labels = BTreeMap::from([
        (
            METADATA_LABEL,
            serde_json::to_string(&main_details.package_metadata()).unwrap(),
        ),
        (
            main_details.kind.layers_label(),
            serde_json::to_string(&layers_label).unwrap(),
        ),
    ]);
    Image {
        config: serde_json::json!({
            "architecture": arch,
            "os": "linux",
            "config": {"Labels": labels},
            "rootfs": {
                "type": "layers",
                "diff_ids": layers.iter().map(|layer| layer.diff_id.clone()).collect::<Vec<_>>(),
            },
        }),
        layers,
    }
}

/// Paketo-shaped buildpackages for both platforms, pushed as indexes: the composite
/// `paketobuildpacks/java:22.1.0` (bellsoft-liberica and maven) and
/// `paketobuildpacks/procfile:5.13.4`; returns, per architecture, the diff id of procfile's
/// layer (its binaries name the architecture).
pub(crate) fn push_two_platform_buildpackages(
    registry: &TestRegistry,
    dir: &Path,
) -> BTreeMap<&'static str, String> {
    let mut java = Vec::new();
    let mut procfile = Vec::new();
    let mut procfile_layers = BTreeMap::new();
    for arch in ARCHITECTURES {
        let liberica = two_platform_buildpack(
            dir,
            "paketo-buildpacks/bellsoft-liberica",
            "11.0.0",
            arch,
            &[],
        );
        let maven = two_platform_buildpack(dir, "paketo-buildpacks/maven", "6.19.0", arch, &[]);
        let composite = two_platform_buildpack(
            dir,
            "paketo-buildpacks/java",
            "22.1.0",
            arch,
            &[
                ("paketo-buildpacks/bellsoft-liberica", "11.0.0"),
                ("paketo-buildpacks/maven", "6.19.0"),
            ],
        );
        java.push((
            linux(arch),
            buildpackage_image(&composite, &[liberica, maven], arch),
        ));
        let single = two_platform_buildpack(dir, "paketo-buildpacks/procfile", "5.13.4", arch, &[]);
        let image = buildpackage_image(&single, &[], arch);
        procfile_layers.insert(arch, image.layers[0].diff_id.clone());
        procfile.push((linux(arch), image));
    }
    push_index(
        registry,
        dir,
        "paketobuildpacks/java:22.1.0",
        &PlatformImages { images: java },
    );
    push_index(
        registry,
        dir,
        "paketobuildpacks/procfile:5.13.4",
        &PlatformImages { images: procfile },
    );
    procfile_layers
}

/// The lifecycle image `buildpacksio/lifecycle:<LIFECYCLE_VERSION>` for both platforms, laid
/// out as the lifecycle's own image tool lays out a release (pack reads it so): one layer of
/// `/cnb/lifecycle.toml` and `/cnb/lifecycle/` (`lifecycle`, the lifecycle installed here or
/// its linux/arm64 build; a stand-in `launcher`; the phases as links to `lifecycle`), the
/// version and APIs labels.
pub(crate) fn push_two_platform_lifecycle(registry: &TestRegistry, dir: &Path) {
    push_two_platform_lifecycle_as(registry, dir, LIFECYCLE_VERSION);
}

/// [`push_two_platform_lifecycle`]'s image as `buildpacksio/lifecycle:<version>`, labelled
/// `version`: a stand-in for a release that is not built here (its binaries are
/// `LIFECYCLE_VERSION`'s).
pub(crate) fn push_two_platform_lifecycle_as(registry: &TestRegistry, dir: &Path, version: &str) {
    let amd64 = std::fs::read(lifecycle_binary()).unwrap();
    let arm64 = std::fs::read(arm64_lifecycle_binary()).unwrap();
    let (buildpack_apis, platform_apis) = (
        packager::builder_image::BUILDPACK_APIS,
        packager::builder_image::PLATFORM_APIS,
    );
    let apis = serde_json::json!({
        "buildpack": {"deprecated": [], "supported": buildpack_apis},
        "platform": {"deprecated": [], "supported": platform_apis},
    });
    let descriptor = format!(
        "[apis.buildpack]\ndeprecated = []\nsupported = {buildpack_apis:?}\n\
         [apis.platform]\ndeprecated = []\nsupported = {platform_apis:?}\n\
         [lifecycle]\nversion = \"{version}\"\n"
    );
    let images = ARCHITECTURES
        .iter()
        .zip([amd64.as_slice(), arm64.as_slice()])
        .map(|(arch, binary)| {
            let mut layer = LayerBuilder::new();
            layer.dir("/cnb", 0o755, Owner::ROOT).unwrap();
            layer
                .file(
                    "/cnb/lifecycle.toml",
                    0o644,
                    Owner::ROOT,
                    descriptor.as_bytes(),
                )
                .unwrap();
            layer.dir("/cnb/lifecycle", 0o755, Owner::ROOT).unwrap();
            layer
                .file("/cnb/lifecycle/lifecycle", 0o755, Owner::ROOT, binary)
                .unwrap();
            for phase in packager::builder_image::LIFECYCLE_PHASES {
                layer
                    .symlink(&format!("/cnb/lifecycle/{phase}"), "lifecycle")
                    .unwrap();
            }
            layer
                .file(
                    "/cnb/lifecycle/launcher",
                    0o755,
                    Owner::ROOT,
                    b"#!/bin/sh\n# stand-in launcher\n",
                )
                .unwrap();
            let layer = layer.into_layer().unwrap();
            let config = serde_json::json!({
                "architecture": arch,
                "os": "linux",
                "config": {"Labels": {
                    "io.buildpacks.lifecycle.version": version,
                    "io.buildpacks.lifecycle.apis": apis.to_string(),
                }},
                "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            });
            (
                linux(arch),
                Image {
                    config,
                    layers: vec![layer],
                },
            )
        })
        .collect();
    push_index(
        registry,
        dir,
        &format!("buildpacksio/lifecycle:{version}"),
        &PlatformImages { images },
    );
}

/// The files of a layer blob (a tar, gzip or not) by path (without a leading `/`), regular
/// files only.
pub(crate) fn layer_files(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let read = |reader: &mut dyn std::io::Read| {
        let mut files = BTreeMap::new();
        let mut archive = tar::Archive::new(reader);
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let path = entry
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_start_matches('/')
                .to_string();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            files.insert(path, data);
        }
        files
    };
    if bytes.starts_with(&[0x1f, 0x8b]) {
        read(&mut flate2::read::GzDecoder::new(bytes))
    } else {
        read(&mut &bytes[..])
    }
}
