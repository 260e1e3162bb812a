//! The builders: pack's and the packager's of one definition inspect the same, and every
//! definition under builder/builders is made by both.

use crate::support::{mib, record};
use cnb_harness::command::run_ok;
use cnb_harness::{Podman, workspace_root};
use e2e_tests::{
    Builders, Endpoints, LIFECYCLE_VERSION, Published, STATIC_RUN_IMAGE, Stack, build_and_push,
    e2e_dir, pack, registry_inspect,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `pack builder inspect <builder> --output json`: what pack reads from the builder in the
/// registry (`remote_info`).
fn inspect_builder(builder: &str) -> serde_json::Value {
    let text = pack(&["builder", "inspect", builder, "--output", "json"]);
    let start = text.find('{').unwrap();
    let inspected: serde_json::Value = serde_json::from_str(&text[start..])
        .unwrap_or_else(|error| panic!("pack builder inspect: {error}:\n{text}"));
    inspected["remote_info"].clone()
}

/// The two builders of one definition show pack the same order, extensions, run images,
/// lifecycle and stack; anything else that differs is printed.
pub(crate) fn builders_made_by_pack_and_by_packager_inspect_the_same() {
    let builders = Builders::get();
    let (by_pack, by_packager) = (
        inspect_builder(&builders.pack),
        inspect_builder(&builders.packager),
    );
    let mut differences = Vec::new();
    for key in by_pack.as_object().unwrap().keys() {
        if by_pack[key] != by_packager[key] {
            differences.push(format!(
                "{key}:\n  pack:     {}\n  packager: {}",
                by_pack[key], by_packager[key]
            ));
        }
    }
    eprintln!(
        "pack builder inspect, pack's builder vs the packager's: {}",
        if differences.is_empty() {
            "no difference".to_string()
        } else {
            differences.join("\n")
        }
    );
    for key in [
        "detection_order",
        "order_extensions",
        "run_images",
        "lifecycle",
        "stack",
    ] {
        assert!(
            !by_pack[key].is_null(),
            "pack's builder has no {key}: {by_pack}"
        );
        assert_eq!(by_pack[key], by_packager[key], "{key} differs");
    }
    // Each module as pack lists it: from a buildpackage, its id, name, version and homepage.
    for key in ["buildpacks", "extensions"] {
        assert!(
            by_pack[key]
                .as_array()
                .is_some_and(|modules| !modules.is_empty()),
            "no {key}: {by_pack}"
        );
        assert_eq!(by_pack[key], by_packager[key], "{key} differ");
    }
    assert_eq!(
        builder_target(&builders.pack),
        builder_target(&builders.packager),
        "targets differ"
    );
    let published = Published::get();
    assert_eq!(
        by_pack["run_images"][0]["name"].as_str(),
        Some(published.static_run_image.as_str())
    );
    assert_eq!(
        by_pack["lifecycle"]["version"].as_str(),
        Some(e2e_tests::LIFECYCLE_VERSION)
    );
    for (name, figures) in [
        ("pack builder create", &builders.pack_figures),
        ("packager builder create", &builders.packager_figures),
    ] {
        eprintln!(
            "{name} --publish: {:.1} s, {} layers, {:.1} MiB compressed",
            figures.seconds,
            figures.layers,
            mib(figures.bytes)
        );
        record(
            &format!("{name} seconds"),
            format!("{:.1}", figures.seconds),
        );
        record(&format!("{name} layers"), figures.layers);
        record(&format!("{name} bytes"), figures.bytes);
    }
}

/// What pack reads a builder's target from: the image's platform, and its distro and stack
/// labels (pack also writes `io.buildpacks.stack.mixins` = `null`, the packager no label: the
/// same).
fn builder_target(builder: &str) -> Vec<String> {
    let config = registry_inspect(builder, true);
    let labels = config["config"]["Labels"].as_object().unwrap();
    let mut target: Vec<String> = labels
        .iter()
        .filter(|(name, value)| {
            (name.starts_with("io.buildpacks.base.") || name.starts_with("io.buildpacks.stack."))
                && !(name.as_str() == "io.buildpacks.stack.mixins"
                    && value.as_str() == Some("null"))
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    target.push(format!("{}/{}", config["os"], config["architecture"]));
    target
}

/// A stand-in for an image a definition names but that cannot be pulled here: `local` with
/// the stack id `stack_id` (when the definition has one), pushed to the registry at the path
/// the `docker.io` mirror serves `name` from (`docker.io/<path>` or `index.docker.io/<path>`).
fn push_stand_in_image(local: &str, stack_id: Option<&str>, name: &str) {
    let path = name
        .strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or_else(|| panic!("{name} is not a Docker Hub image: add a stand-in for it"));
    let containerfile = match stack_id {
        Some(id) => {
            format!("FROM {local}\nLABEL io.buildpacks.stack.id={id}\nENV CNB_STACK_ID={id}\n")
        }
        None => format!("FROM {local}\n"),
    };
    build_and_push(
        &containerfile,
        &[],
        &format!("{}/{path}", Endpoints::get().registry),
    );
    e2e_tests::remove_when_done(&format!("docker.io/{path}"));
}

/// A stand-in for a Paketo buildpack image: a buildpackage with the id and version the
/// definition names, whose detect fails (it never takes part in a build here).
fn push_stand_in_buildpack(id: &str, version: &str, image: &str) {
    let dir = tempfile::tempdir_in(e2e_dir()).unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir_all(module.join("bin")).unwrap();
    std::fs::write(
        module.join("buildpack.toml"),
        format!(
            "api = \"0.10\"\n\n[buildpack]\nid = \"{id}\"\nversion = \"{version}\"\n\
             name = \"Stand-in for {id}\"\n\n[[targets]]\nos = \"linux\"\narch = \"amd64\"\n"
        ),
    )
    .unwrap();
    for phase in ["detect", "build"] {
        let path = module.join("bin").join(phase);
        std::fs::write(&path, "#!/bin/sh\nexit 100\n").unwrap();
        let _ = run_ok(Command::new("chmod").arg("755").arg(&path));
    }
    let cnb = dir.path().join("stand-in.cnb");
    cnb_package::buildpackage::write_buildpackage(&module, &cnb).unwrap();
    let local = format!("localhost/e2e/stand-in-buildpack:{version}");
    e2e_tests::skopeo_copy(
        &format!("oci-archive:{}", cnb.display()),
        &format!("containers-storage:{local}"),
    );
    push_stand_in_image(&local, None, image);
    let _ = Podman::locate().output(&["rmi", &local]);
}

/// The ids of each group of `order`, as pack builder inspect's `detection_order` lists them.
fn inspected_order(order: &serde_json::Value) -> Vec<Vec<String>> {
    order
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            entry["buildpacks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|module| module["id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// Every definition under builder/builders is accepted by the real `pack builder create`
/// (into podman: multi-platform definitions are made for this machine's platform), with
/// stand-ins for the Docker Hub images it names (build image, run images, Paketo's
/// buildpacks), and pack shows the order it asks for. The packager makes and publishes each
/// too, from the same stand-ins (pulled through `--registry-mirror docker.io=<registry>`), and
/// pack shows its builder with the same order, extensions, run images and stack as its own.
pub(crate) fn every_builder_definition_is_made_by_pack_and_by_the_packager() {
    let stack = Stack::get();
    let registry = &Endpoints::get().registry;
    let work = tempfile::tempdir_in(e2e_dir()).unwrap();
    let definitions = packager::builders::discover_definitions(&workspace_root()).unwrap();
    assert!(definitions.len() >= 5, "{definitions:?}");
    let mut pushed = std::collections::BTreeSet::new();
    for definition in &definitions {
        let rendered = packager::builders::render(
            definition,
            e2e_tests::packages(),
            &work.path().join("builders"),
        )
        .unwrap();
        let table: toml::Table =
            toml::from_str(&std::fs::read_to_string(&rendered).unwrap()).unwrap();
        let stack_id = table.get("stack").and_then(|stack| stack["id"].as_str());
        let build_image = table["build"]["image"].as_str().unwrap();
        if pushed.insert(build_image.to_string()) {
            push_stand_in_image(stack.value("BUILD_IMAGE"), stack_id, build_image);
        }
        for run_image in table["run"]["images"].as_array().unwrap() {
            let image = run_image["image"].as_str().unwrap();
            if pushed.insert(image.to_string()) {
                push_stand_in_image(STATIC_RUN_IMAGE, stack_id, image);
            }
        }
        for buildpack in table
            .get("buildpacks")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(image) = buildpack["uri"].as_str().unwrap().strip_prefix("docker://")
                && pushed.insert(image.to_string())
            {
                push_stand_in_buildpack(
                    buildpack["id"].as_str().unwrap(),
                    buildpack["version"].as_str().unwrap(),
                    image,
                );
            }
        }
        let builder = format!("{registry}/e2e/definition-{}:latest", definition.name);
        let _ = pack(&[
            "builder",
            "create",
            &builder,
            "--config",
            &e2e_tests::pack_config(&rendered).display().to_string(),
            "--pull-policy",
            "always",
        ]);
        let text = pack(&["builder", "inspect", &builder, "--output", "json"]);
        let inspected: serde_json::Value =
            serde_json::from_str(&text[text.find('{').unwrap()..]).unwrap();
        let wanted: Vec<Vec<String>> = table
            .get("order")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .map(|entry| {
                entry["group"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|module| module["id"].as_str().unwrap().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(
            inspected_order(&inspected["local_info"]["detection_order"]),
            wanted,
            "{}: {inspected}",
            definition.name
        );
        eprintln!(
            "{}: accepted by pack builder create ({} groups)",
            definition.name,
            wanted.len()
        );

        packager_makes_what_pack_made(
            &definition.name,
            &rendered,
            &inspected["local_info"],
            work.path(),
        );
    }
}

/// The packager makes and publishes a rendered definition (`name`) from the registry's
/// stand-ins, pulled through `--registry-mirror docker.io=<registry>`, and pack shows the same
/// order, extensions, run images (the definition's names) and stack as `by_pack`, pack's
/// `builder inspect` of its own builder of that definition.
fn packager_makes_what_pack_made(
    name: &str,
    rendered: &Path,
    by_pack: &serde_json::Value,
    work: &Path,
) {
    let registry = &Endpoints::get().registry;
    let by_packager = format!("{registry}/e2e/definition-{name}-packager:latest");
    let created = e2e_tests::packager_publish(
        with_suite_lifecycle(rendered),
        &by_packager,
        work,
        vec![format!("docker.io={registry}").parse().unwrap()],
    );
    for (reference, pinned) in &created.pulled {
        assert!(
            reference.contains("docker.io/") && pinned.starts_with(&format!("{registry}/")),
            "{name}: {reference} was not pulled through the mirror ({pinned})"
        );
    }
    let packager_inspected = inspect_builder(&by_packager);
    for key in ["detection_order", "order_extensions", "run_images", "stack"] {
        assert_eq!(
            by_pack[key], packager_inspected[key],
            "{name}: {key} differs between pack's builder and the packager's"
        );
    }
    eprintln!(
        "{name}: made and published by the packager ({} images pulled through the mirror, {} modules), inspected as pack's",
        created.pulled.len(),
        created.modules.len()
    );
}

/// The packager's copy of a rendered definition, next to it: the definitions name a lifecycle
/// release that is not built here, the suite's lifecycle (v[`LIFECYCLE_VERSION`]) goes in; and
/// its first `[[targets]]` only: the suite's stand-ins are linux/amd64 images, as pack (without
/// `--publish`) makes the daemon's platform only. Every definition made for all its platforms,
/// from stand-ins of both, is `builder/tests/builder_definitions.rs`'s.
fn with_suite_lifecycle(rendered: &Path) -> PathBuf {
    let mut table: toml::Table =
        toml::from_str(&std::fs::read_to_string(rendered).unwrap()).unwrap();
    table.insert(
        "lifecycle".to_string(),
        toml::Table::from_iter([("version".to_string(), LIFECYCLE_VERSION.into())]).into(),
    );
    if let Some(targets) = table.get_mut("targets").and_then(toml::Value::as_array_mut) {
        targets.truncate(1);
    }
    let path = rendered.with_file_name("packager-builder.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    path
}
