//! Builder definitions in the shapes Paketo's repositories write (`tests/fixtures/paketo/`):
//! modules by `uri = "docker://..."` or `image` without an id (with or without a version),
//! composites, extensions by image, the legacy `[stack]` form with empty mirrors, `[[targets]]`,
//! `[[build.env]]`, `[lifecycle]` by version or uri. Each passes `packager check` offline (with
//! warnings naming the images it did not pull), `packager check --verify` against the test's
//! loopback registry, and is made by `packager builder create`, the ids and versions read from
//! the images' labels. Ids and versions that would leave their directory are refused, naming
//! the image and the label, and nothing is written.

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

use cnb_harness::{Outcome, assert_contains, assert_not_contains, workspace_root};
use cnb_package::buildpackage::{BUILDPACK_LAYERS_LABEL, METADATA_LABEL, write_buildpackage};
use paketo::{fixture_name, fixtures, in_registry, packager, paketo_registry};
use registry::{
    LIFECYCLE_VERSION, TestRegistry, build_image, buildpack_dir, lifecycle_binary, module_names,
    outcome, push, push_stack, run,
};
use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
#[allow(clippy::too_many_lines)] // one registry set up, every fixture through it
fn paketo_shaped_definitions_are_checked_and_made() {
    let (registry, work) = paketo_registry();
    let cache = work.path().join("cache");
    let fixtures = fixtures();
    assert_eq!(fixtures.len(), 5, "{fixtures:?}");
    for fixture in &fixtures {
        let name = fixture_name(fixture);
        let original = std::fs::read_to_string(fixture).unwrap();

        // Offline: accepted, every image module named in a warning, nothing contacted (the
        // names are Docker Hub's, which this machine cannot reach).
        let offline = outcome(
            Command::new(env!("CARGO_BIN_EXE_packager"))
                .arg("check")
                .arg(fixture),
        );
        offline.assert_success();
        let table: toml::Table = toml::from_str(&original).unwrap();
        let image_modules = ["buildpacks", "extensions"]
            .iter()
            .filter_map(|key| table.get(*key).and_then(toml::Value::as_array))
            .flatten()
            .filter(|entry| {
                entry.get("image").is_some()
                    || entry
                        .get("uri")
                        .and_then(toml::Value::as_str)
                        .is_some_and(|uri| uri.starts_with("docker://"))
            })
            .count();
        assert_eq!(
            offline
                .stderr
                .matches("is not pulled by an offline check")
                .count(),
            image_modules,
            "{name}: {offline}"
        );

        // Verified: the same, read from the images; no warning about them left.
        let config = in_registry(fixture, &registry.host, work.path());
        let config_arg = config.to_str().unwrap();
        let verified = packager(&["check", "--verify", config_arg], &registry, &cache);
        verified.assert_success();
        assert_not_contains!(verified.text(), "not pulled", "{name}");
        assert_not_contains!(verified.text(), "not among", "{name}");

        // Made: the builder's labels list what the images hold.
        let output = work.path().join(format!("builder-{name}"));
        let created = packager(
            &[
                "builder",
                "create",
                "--config",
                config_arg,
                "--lifecycle",
                lifecycle_binary().to_str().unwrap(),
                "--output",
                &format!("{}:latest", output.display()),
            ],
            &registry,
            &cache,
        );
        created.assert_success();
        let image = oci_layout::read_layout(&output, Some("latest")).unwrap();
        let metadata: serde_json::Value =
            serde_json::from_str(image.label("io.buildpacks.builder.metadata").unwrap()).unwrap();
        let order: serde_json::Value =
            serde_json::from_str(image.label("io.buildpacks.buildpack.order").unwrap()).unwrap();
        let buildpacks = module_names(&metadata, "buildpacks");
        let extensions = module_names(&metadata, "extensions");
        let run_images = &metadata["images"];
        match name.as_str() {
            "uri-only" => {
                assert_eq!(
                    buildpacks,
                    [
                        "paketo-buildpacks/bellsoft-liberica@11.0.0",
                        "paketo-buildpacks/java@22.1.0",
                        "paketo-buildpacks/maven@6.19.0",
                        "paketo-buildpacks/node-engine@7.2.0",
                        "paketo-buildpacks/nodejs@10.5.0",
                        "paketo-buildpacks/npm-install@1.6.0",
                        "paketo-buildpacks/procfile@5.13.4",
                    ]
                );
                // The order as written (pack's order label keeps entries without a version
                // as they are).
                assert_eq!(order[0]["group"][0]["id"], "paketo-buildpacks/java");
                assert_eq!(
                    order[2]["group"][0]["id"],
                    "paketo-buildpacks/bellsoft-liberica"
                );
                assert_eq!(order[2]["group"][1]["optional"], true);
            }
            "legacy-stack" => {
                assert_eq!(
                    buildpacks,
                    [
                        "paketo-buildpacks/procfile@5.13.4",
                        "paketo-buildpacks/quarkus@0.6.3"
                    ]
                );
                assert_eq!(
                    run_images,
                    &serde_json::json!([{"image": registry.image("paketobuildpacks/run-ubi8-base:latest"), "mirrors": []}])
                );
            }
            "extensions-by-image" => {
                assert_eq!(
                    extensions,
                    [
                        "paketo-community/ubi-java-extension@0.2.0",
                        "paketo-community/ubi-nodejs-extension@0.1.0"
                    ]
                );
                assert_eq!(buildpacks.len(), 3, "{buildpacks:?}");
                let order_extensions: serde_json::Value = serde_json::from_str(
                    image
                        .label("io.buildpacks.buildpack.order-extensions")
                        .unwrap(),
                )
                .unwrap();
                assert_eq!(order_extensions[0]["group"].as_array().unwrap().len(), 2);
                assert_eq!(
                    run_images[0]["mirrors"],
                    serde_json::json!([
                        registry.image("gcr.io/paketo-buildpacks/run-ubi8-base:latest")
                    ])
                );
            }
            "stack-only-build-env" | "targets-lifecycle-uri" => {
                assert!(buildpacks.is_empty() && extensions.is_empty());
                assert_eq!(
                    run_images[0]["image"],
                    registry.image("paketobuildpacks/run-ubi8-base:latest")
                );
                if name == "targets-lifecycle-uri" {
                    assert_contains!(created.text(), "warning: [lifecycle] uri is ignored");
                }
            }
            other => panic!("a fixture without assertions: {other}"),
        }
    }
}

/// An edit of the metadata label and the layers label.
type LabelEdit = dyn Fn(&mut serde_json::Value, &mut serde_json::Value);

/// A buildpackage image whose labels are edited by `edit` (the metadata label and the layers
/// label, as JSON), pushed as `name`; also written as a `.cnb` file, returned.
fn edited_buildpackage(
    registry: &TestRegistry,
    dir: &Path,
    name: &str,
    edit: impl Fn(&mut serde_json::Value, &mut serde_json::Value),
) -> PathBuf {
    let module = buildpack_dir(dir, "stand-in/evil", "1.0.0", &[]);
    let cnb = dir.join("evil-original.cnb");
    write_buildpackage(&module, &cnb).unwrap();
    let loaded = oci_layout::read_archive(&cnb, None).unwrap();
    let mut config = loaded.config.clone();
    let labels = &mut config["config"]["Labels"];
    let mut metadata: serde_json::Value =
        serde_json::from_str(labels[METADATA_LABEL].as_str().unwrap()).unwrap();
    let mut layers: serde_json::Value =
        serde_json::from_str(labels[BUILDPACK_LAYERS_LABEL].as_str().unwrap()).unwrap();
    edit(&mut metadata, &mut layers);
    labels[METADATA_LABEL] = metadata.to_string().into();
    labels[BUILDPACK_LAYERS_LABEL] = layers.to_string().into();
    let tag = name.rsplit(':').next().unwrap();
    let layout = dir.join(format!("layout-{tag}"));
    oci_layout::Image {
        config,
        layers: loaded.layers,
    }
    .write_layout(&layout, "latest")
    .unwrap();
    push(
        &format!("oci:{}:latest", layout.display()),
        &registry.image(name),
        false,
    );
    let edited = dir.join(format!("{tag}.cnb"));
    run(Command::new("tar")
        .arg("-C")
        .arg(&layout)
        .arg("-cf")
        .arg(&edited)
        .args(["oci-layout", "index.json", "blobs"]));
    edited
}

/// Moves the module `stand-in/evil@1.0.0` of the layers label to `id@version`, and names it in
/// the metadata label.
fn rename(
    id: &'static str,
    version: &'static str,
) -> impl Fn(&mut serde_json::Value, &mut serde_json::Value) {
    move |metadata, layers| {
        let info = layers["stand-in/evil"]["1.0.0"].clone();
        *layers = serde_json::json!({ id: { version: info } });
        metadata["id"] = id.into();
        metadata["version"] = version.into();
    }
}

/// Before: ids and versions from an image's labels (and a `.cnb` file's) were taken as they
/// were: a version `../../x` went into the builder's `/cnb/order.toml`, its labels and its
/// module paths. Now each is refused, naming the image (or file) and the label, quoted, and
/// nothing is written.
#[test]
#[allow(clippy::too_many_lines)] // one table of cases, each through an image and a file
fn ids_and_versions_from_labels_that_leave_their_directory_are_refused() {
    let registry = TestRegistry::start(false);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    push_stack(&registry, &layout, false);
    let cache = work.path().join("cache");
    let cases: Vec<(&str, Box<LabelEdit>, &str)> = vec![
        (
            "good",
            Box::new(|_: &mut serde_json::Value, _: &mut serde_json::Value| {}),
            "",
        ),
        (
            "version-traversal",
            Box::new(rename("stand-in/evil", "../../x")),
            "label io.buildpacks.buildpackage.metadata: the version \"../../x\" of \"stand-in/evil\" is refused",
        ),
        (
            "version-dots",
            Box::new(rename("stand-in/evil", "..")),
            "label io.buildpacks.buildpackage.metadata: the version \"..\" of \"stand-in/evil\" is refused",
        ),
        (
            "id-dots",
            Box::new(rename("..", "1.0.0")),
            "label io.buildpacks.buildpackage.metadata: the module id \"..\" is refused",
        ),
        (
            "id-escape",
            Box::new(rename("a\u{1b}]0;x\u{7}", "1.0.0")),
            "label io.buildpacks.buildpackage.metadata: the module id \"a\\u{1b}]0;x\\u{7}\" is refused",
        ),
        (
            "version-newline",
            Box::new(rename("stand-in/evil", "1.0.0\nx")),
            "label io.buildpacks.buildpackage.metadata: the version \"1.0.0\\nx\" of \"stand-in/evil\" is refused",
        ),
        (
            // The metadata label fine, a held module's version not.
            "held-traversal",
            Box::new(
                |_: &mut serde_json::Value, layers: &mut serde_json::Value| {
                    let info = layers["stand-in/evil"]["1.0.0"].clone();
                    layers["stand-in/other"] = serde_json::json!({ "../x": info });
                },
            ),
            "label io.buildpacks.buildpack.layers: the version \"../x\" of \"stand-in/other\" is refused",
        ),
        (
            // A composite's order naming a traversal version.
            "order-traversal",
            Box::new(
                |_: &mut serde_json::Value, layers: &mut serde_json::Value| {
                    layers["stand-in/evil"]["1.0.0"]["order"] = serde_json::json!([{"group": [{"id": "stand-in/evil", "version": "../../x"}]}]);
                },
            ),
            "label io.buildpacks.buildpack.layers: the version \"../../x\" of \"stand-in/evil\" is refused",
        ),
    ];
    for (tag, edit, expected) in &cases {
        let name = format!("evil/bp:{tag}");
        let cnb = edited_buildpackage(&registry, work.path(), &name, edit);
        let mut uris = vec![format!("docker://{}", registry.image(&name))];
        // A `.cnb` file gives its main module only (its labels' other modules are not read).
        if *tag != "held-traversal" {
            uris.push(cnb.display().to_string());
        }
        for uri in uris {
            let config = work.path().join(format!("builder-{tag}.toml"));
            std::fs::write(
                &config,
                format!(
                    "[[buildpacks]]\nuri = \"{uri}\"\n\n[[order]]\n[[order.group]]\nid = \"stand-in/evil\"\n\n[build]\nimage = \"{}\"\n\n[[run.images]]\nimage = \"{}\"\n",
                    registry.image("paketobuildpacks/build-ubi8-base:0.0.121"),
                    registry.image("paketobuildpacks/run-ubi8-base:latest"),
                ),
            )
            .unwrap();
            let output = work.path().join(format!("out-{tag}"));
            let created = packager(
                &[
                    "builder",
                    "create",
                    "--config",
                    config.to_str().unwrap(),
                    "--lifecycle",
                    lifecycle_binary().to_str().unwrap(),
                    "--output",
                    &format!("{}:latest", output.display()),
                ],
                &registry,
                &cache,
            );
            if expected.is_empty() {
                created.assert_success();
                let image = oci_layout::read_layout(&output, Some("latest")).unwrap();
                assert_contains!(
                    image.label(BUILDPACK_LAYERS_LABEL).unwrap(),
                    "stand-in/evil"
                );
                std::fs::remove_dir_all(&output).unwrap();
                continue;
            }
            created.assert_failure_with(1, expected);
            assert_contains!(created.stderr, uri, "{tag}: the image or file is named");
            for control in ["\u{1b}", "\u{7}"] {
                assert_not_contains!(created.stderr, control, "{tag} {uri}");
            }
            assert!(!output.exists(), "{tag} {uri}: nothing is written");
            // `check --verify` says the same of images.
            if uri.starts_with("docker://") {
                let checked = packager(
                    &["check", "--verify", config.to_str().unwrap()],
                    &registry,
                    &cache,
                );
                checked.assert_failure_with(1, expected);
            }
        }
    }
}

/// A stand-in of the lifecycle image `buildpacksio/lifecycle:<version>` (one layer holding
/// `/cnb/lifecycle/` with the lifecycle installed here, the version label), pushed as
/// `<registry>/buildpacksio/lifecycle:<tag>`.
fn push_lifecycle_image(registry: &TestRegistry, dir: &Path, tag: &str) {
    let binary = std::fs::read(lifecycle_binary()).unwrap();
    let mut layer = oci_layout::LayerBuilder::new();
    layer
        .dir("/cnb/lifecycle", 0o755, oci_layout::Owner::ROOT)
        .unwrap();
    layer
        .file(
            "/cnb/lifecycle/lifecycle",
            0o755,
            oci_layout::Owner::ROOT,
            &binary,
        )
        .unwrap();
    layer
        .file(
            "/cnb/lifecycle/launcher",
            0o755,
            oci_layout::Owner::ROOT,
            b"#!/bin/sh\n# stand-in launcher\n",
        )
        .unwrap();
    layer
        .symlink("/cnb/lifecycle/detector", "lifecycle")
        .unwrap();
    let layer = layer.into_layer().unwrap();
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"io.buildpacks.lifecycle.version": LIFECYCLE_VERSION}},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
    });
    let layout = dir.join(format!("lifecycle-image-{tag}"));
    oci_layout::Image {
        config,
        layers: vec![layer],
    }
    .write_layout(&layout, "latest")
    .unwrap();
    push(
        &format!("oci:{}:latest", layout.display()),
        &registry.image(&format!("buildpacksio/lifecycle:{tag}")),
        false,
    );
}

/// Without `--lifecycle`, the lifecycle is what `[lifecycle]` names: by version the image
/// `<repository>:<version>` (here the test registry's stand-in), by `uri` an image or a local
/// archive, as pack reads them; a version the repository lacks is an error naming the image.
#[test]
fn the_lifecycle_comes_from_lifecycle_version_or_uri() {
    let registry = TestRegistry::start(false);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    push_stack(&registry, &layout, false);
    push_lifecycle_image(&registry, work.path(), LIFECYCLE_VERSION);
    let cache = work.path().join("cache");
    let repository = registry.image("buildpacksio/lifecycle");
    let tarball = workspace_root().join(format!(
        "target/tools/lifecycle-v{LIFECYCLE_VERSION}+linux.x86-64.tgz"
    ));
    let base = std::fs::read_to_string(
        workspace_root().join("tests/fixtures/paketo/stack-only-build-env.toml"),
    )
    .unwrap();
    let declared = format!("version = \"{LIFECYCLE_VERSION}\"");
    for (name, lifecycle, expected) in [
        ("by-version", declared.clone(), Ok(repository.clone())),
        (
            "by-image-uri",
            format!("uri = \"docker://{repository}:{LIFECYCLE_VERSION}\""),
            Ok(repository.clone()),
        ),
        (
            "by-archive-uri",
            format!("uri = \"file://{}\"", tarball.display()),
            Ok(String::new()),
        ),
        (
            "missing-version",
            "version = \"0.21.99\"".to_string(),
            Err(format!("{repository}:0.21.99")),
        ),
        (
            "url-uri",
            "uri = \"https://example.com/lifecycle.tgz\"".to_string(),
            Err("the packager does not download URLs".to_string()),
        ),
    ] {
        let definition = base.replace("version = \"0.21.17\"", &lifecycle);
        let config = in_registry_text(&definition, &registry.host, work.path(), name);
        let output = work.path().join(format!("builder-{name}"));
        let created = packager(
            &[
                "builder",
                "create",
                "--config",
                config.to_str().unwrap(),
                "--lifecycle-repository",
                &repository,
                "--output",
                &format!("{}:latest", output.display()),
            ],
            &registry,
            &cache,
        );
        match expected {
            Ok(pulled) => {
                created.assert_success();
                assert_contains!(
                    created.stderr,
                    format!("lifecycle {LIFECYCLE_VERSION},"),
                    "{name}"
                );
                if !pulled.is_empty() {
                    assert_contains!(created.stderr, format!("pulled {pulled}"), "{name}");
                }
                let image = oci_layout::read_layout(&output, Some("latest")).unwrap();
                let metadata: serde_json::Value =
                    serde_json::from_str(image.label("io.buildpacks.builder.metadata").unwrap())
                        .unwrap();
                assert_eq!(metadata["lifecycle"]["version"], LIFECYCLE_VERSION);
            }
            Err(message) => {
                created.assert_failure_with(1, &message);
                assert!(!output.exists(), "{name}");
            }
        }
    }
}

fn in_registry_text(text: &str, host: &str, dir: &Path, name: &str) -> PathBuf {
    let source = dir.join(format!("{name}-source.toml"));
    std::fs::write(&source, text).unwrap();
    let written = in_registry(&source, host, dir);
    let path = dir.join(format!("{name}.toml"));
    std::fs::rename(written, &path).unwrap();
    path
}
