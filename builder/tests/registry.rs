//! `packager builder create` against a real registry on loopback (Debian's `docker-registry`,
//! one instance per test on a free port, stopped after it): the stand-ins of a
//! builder-ubi8-base-shaped definition's images pushed there with skopeo (the build image as a
//! multi-platform index, the run images, Paketo's buildpackages made by the real
//! `pack buildpack package`, two of them composites); the builder created and published by the
//! packager, then read back with skopeo, and `pack builder inspect` of it the same as of
//! `pack builder create`'s from the same definition (but for the creator); a second create that
//! downloads no blob and uploads none; a registry that requires credentials (htpasswd); and
//! the bad inputs users meet.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/registry.rs"]
mod fixtures;

use base64::Engine;
use cnb_harness::oci::json_label;
use cnb_harness::{Outcome, Process, assert_contains, assert_not_contains};
use fixtures::{
    LIFECYCLE_VERSION, PASSWORD, RUN_IMAGES, STACK_ID, TestRegistry, USER, build_image,
    builder_create, lifecycle_binary, module_names, our_packages, outcome, pack_binary,
    pack_config, push, registry_with_stand_ins, run, ubi8_definition,
};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `skopeo inspect` (`--raw`: the manifest or index as stored) of an image in the registry.
fn inspect(image: &str, raw: bool, creds: bool) -> Option<serde_json::Value> {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--tls-verify=false"]);
    if raw {
        command.arg("--raw");
    }
    if creds {
        command.arg(format!("--creds={USER}:{PASSWORD}"));
    }
    let output = command.arg(format!("docker://{image}")).output().unwrap();
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

/// Where the registry keeps a blob (to corrupt it).
fn blob_data(registry: &TestRegistry, digest: &str) -> PathBuf {
    let hex = digest.trim_start_matches("sha256:");
    registry
        .dir
        .path()
        .join("storage/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data")
}

/// `packager builder create` with the test's registry options; `extra` after them.
fn create(config: &Path, registry: &TestRegistry, cache: &Path, extra: &[&str]) -> Process {
    outcome(builder_create(config, &registry.host, cache).args(extra))
}

/// The figures of the registry line: (blobs downloaded, bytes downloaded, blobs uploaded).
fn transfer(output: &Process) -> (u64, u64, u64) {
    let numbers = transfer_figures(output);
    (numbers[1], numbers[2], numbers[4])
}

/// Every figure of the registry line, in its order: manifests fetched, blobs downloaded, bytes
/// downloaded, blobs from the cache, blobs uploaded, bytes uploaded, blobs already there,
/// blobs mounted.
fn transfer_figures(output: &Process) -> Vec<u64> {
    let line = output
        .stderr
        .lines()
        .find(|line| line.trim_start().starts_with("registry:"))
        .unwrap_or_else(|| panic!("no registry line in:\n{output}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|word| !word.is_empty())
        .map(|word| word.parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 8, "{line}");
    numbers
}

#[test]
#[allow(clippy::too_many_lines)] // one flow: cold create and publish, read back, warm create
fn creates_and_publishes_a_ubi8_shaped_builder_from_registry_images() {
    let (registry, work) = registry_with_stand_ins(false);
    let config = ubi8_definition(work.path(), &registry.host);
    let cache = work.path().join("cache");
    let builder = registry.image("builders/ubi8:latest");

    let cold = create(&config, &registry, &cache, &["--publish", &builder]);
    cold.assert_success();
    // stderr is a pipe here: no progress lines (they are for a terminal), no escapes.
    for unwanted in ["Downloaded ", "Uploaded ", "\u{1b}"] {
        assert_not_contains!(cold.stderr, unwanted);
    }
    let stdout = cold.stdout.clone();
    let digest = stdout
        .strip_prefix(&format!("{builder} "))
        .unwrap_or_else(|| panic!("{cold}"))
        .trim()
        .to_string();
    // Cold: the manifests and configs are downloaded; the build image's and buildpackages'
    // layers are mounted from their repositories (the same registry), never downloaded; what
    // the builder adds is uploaded.
    let figures = transfer_figures(&cold);
    let (downloaded, uploaded, mounted) = (figures[1], figures[4], figures[7]);
    // The test build image's one layer, and the eight of Paketo's stand-ins.
    let pulled_layers = 1 + 8;
    assert!(
        downloaded > 0 && uploaded > 0 && mounted == pulled_layers,
        "{cold}"
    );

    // The registry has it, by the printed digest, as a linux/amd64 image of the build image's
    // amd64 entry (its layers first).
    let raw = inspect(&builder, true, false).unwrap();
    assert_eq!(
        raw["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    let inspected = inspect(&builder, false, false).unwrap();
    assert_eq!(inspected["Digest"], digest.as_str());
    assert_eq!(inspected["Architecture"], "amd64");
    let build = inspect(
        &format!(
            "{}@{}",
            registry.image("paketobuildpacks/build-ubi8-base"),
            {
                let index = inspect(
                    &registry.image("paketobuildpacks/build-ubi8-base:0.0.121"),
                    true,
                    false,
                )
                .unwrap();
                index["manifests"][1]["digest"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        ),
        false,
        false,
    )
    .unwrap();
    let layers = inspected["Layers"].as_array().unwrap();
    let build_layers = build["Layers"].as_array().unwrap();
    assert_eq!(&layers[..build_layers.len()], build_layers.as_slice());
    // dirs, lifecycle, 12 modules (10 buildpacks, 2 extensions), order, stack, run.
    assert_eq!(layers.len(), build_layers.len() + 2 + 12 + 3);

    let metadata = json_label(&inspected, "io.buildpacks.builder.metadata");
    // Paketo's eight among the ten.
    let buildpacks = module_names(&metadata, "buildpacks");
    let missing: Vec<&str> = [
        "paketo-buildpacks/java@22.1.0",
        "paketo-buildpacks/bellsoft-liberica@11.0.0",
        "paketo-buildpacks/maven@6.19.0",
        "paketo-buildpacks/nodejs@10.5.0",
        "paketo-buildpacks/node-engine@7.2.0",
        "paketo-buildpacks/npm-install@1.6.0",
        "paketo-buildpacks/quarkus@0.6.3",
        "paketo-buildpacks/procfile@5.13.4",
    ]
    .into_iter()
    .filter(|expected| !buildpacks.iter().any(|name| name == expected))
    .collect();
    assert!(missing.is_empty(), "{missing:?} not in {buildpacks:?}");
    assert_eq!(buildpacks.len(), 10, "{buildpacks:?}");
    assert_eq!(module_names(&metadata, "extensions").len(), 2);
    let run_images: Vec<&str> = metadata["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| image["image"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = RUN_IMAGES
        .iter()
        .map(|run| registry.image(&format!("paketobuildpacks/{run}:latest")))
        .collect();
    assert_eq!(run_images, expected);
    // The composite's order, as pack keeps it in the layers label.
    let layers_label = json_label(&inspected, "io.buildpacks.buildpack.layers");
    assert_eq!(
        layers_label["paketo-buildpacks/java"]["22.1.0"]["order"][0]["group"][1]["id"],
        "paketo-buildpacks/maven"
    );

    // `pack builder inspect` tells of it what it tells of pack's own builder from the same
    // definition.
    let pack_builder = registry.image("builders/ubi8-pack:latest");
    let pack_home = work.path().join("pack-home");
    std::fs::create_dir_all(&pack_home).unwrap();
    std::fs::write(pack_home.join("config.toml"), "experimental = true\n").unwrap();
    let pack = |args: &[&str]| {
        run(Command::new(pack_binary())
            .args(args)
            .arg("--no-color")
            .env("PACK_HOME", &pack_home)
            .env("DOCKER_CONFIG", work.path().join("docker-config")))
    };
    pack(&[
        "builder",
        "create",
        &pack_builder,
        "--config",
        pack_config(&config).to_str().unwrap(),
        "--publish",
    ]);
    // Everything but the creator ("Created By: Name: packager / Pack CLI, Version: ...").
    let inspect_remote = |image: &str| -> Vec<String> {
        let text = pack(&["builder", "inspect", image]).replace(image, "<builder>");
        let lines: Vec<&str> = text.lines().collect();
        let creator = lines
            .iter()
            .position(|line| *line == "Created By:")
            .unwrap();
        assert!(lines[creator + 1].starts_with("  Name: "), "{text}");
        assert!(lines[creator + 2].starts_with("  Version: "), "{text}");
        let kept: Vec<String> = lines[..=creator]
            .iter()
            .chain(&lines[creator + 3..])
            .map(|line| (*line).to_string())
            .collect();
        assert!(kept.len() > 60, "{text}");
        kept
    };
    assert_eq!(inspect_remote(&builder), inspect_remote(&pack_builder));

    // Warm: every blob from the cache, every blob already in the registry, the same image.
    let warm = create(&config, &registry, &cache, &["--publish", &builder]);
    warm.assert_success();
    assert_eq!(warm.stdout, stdout, "{warm}");
    assert_eq!(transfer(&warm), (0, 0, 0), "{warm}");

    // The same builder written as a layout has the same digest.
    let output = format!("{}:latest", work.path().join("builder-layout").display());
    let write_layout = || create(&config, &registry, &cache, &["--output", &output]);
    let layout_run = write_layout();
    layout_run.assert_success();
    assert!(
        layout_run.stdout.ends_with(&format!(" {digest}\n")),
        "{layout_run}"
    );
    // The pulled layers came into the cache then, once.
    assert_eq!(transfer(&layout_run).0, pulled_layers, "{layout_run}");
    let again = write_layout();
    again.assert_success();
    assert_eq!(transfer(&again).0, 0, "{again}");
}

#[test]
fn a_registry_that_requires_credentials() {
    let (registry, work) = registry_with_stand_ins(true);
    let config = ubi8_definition(work.path(), &registry.host);
    let cache = work.path().join("cache");
    let builder = registry.image("builders/ubi8:latest");
    let auth_file = |password: &str| {
        let path = work.path().join(format!("auth-{password}.json"));
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}"));
        std::fs::write(
            &path,
            format!(
                r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#,
                registry.host
            ),
        )
        .unwrap();
        path
    };

    // Without credentials: refused, the reference named.
    let anonymous = create(&config, &registry, &cache, &["--publish", &builder]);
    anonymous.assert_failure_with(1, "refused the credentials (anonymous");
    assert_contains!(anonymous.text(), registry.host);

    // A wrong password: refused, and nothing published.
    let wrong = auth_file("wrong");
    let refused = create(
        &config,
        &registry,
        &cache,
        &["--publish", &builder, "--authfile", wrong.to_str().unwrap()],
    );
    refused.assert_failure_with(1, "refused the credentials");
    assert_contains!(refused.text(), wrong.display().to_string());
    assert!(
        inspect(&builder, true, true).is_none(),
        "nothing is published"
    );

    // The right one, from the auth file as REGISTRY_AUTH_FILE names it (as podman reads it).
    let right = auth_file(PASSWORD);
    let published = outcome(
        builder_create(&config, &registry.host, &cache)
            .args(["--publish", &builder])
            .env("REGISTRY_AUTH_FILE", &right),
    );
    published.assert_success();
    let digest = published
        .stdout
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        inspect(&builder, false, true).unwrap()["Digest"],
        digest.as_str()
    );
}

/// A definition of our local modules over a build image in the registry (`build_image`).
fn small_definition(dir: &Path, build_image: &str, run_image: &str) -> PathBuf {
    let packages = our_packages(&dir.join("modules"));
    let mut text = format!(
        "[build]\nimage = \"{build_image}\"\n[[run.images]]\nimage = \"{run_image}\"\n[stack]\nid = \"{STACK_ID}\"\n[lifecycle]\nversion = \"{LIFECYCLE_VERSION}\"\n"
    );
    for package in &packages {
        let table = match package.details.kind {
            cnb_package::descriptor::ModuleKind::Buildpack => "buildpacks",
            cnb_package::descriptor::ModuleKind::Extension => "extensions",
        };
        let _ = write!(text, "[[{table}]]\nuri = \"{}\"\n", package.cnb.display());
    }
    text.push_str("[[order]]\n[[order.group]]\nid = \"paketo-community/ubi-nodejs-buildpack\"\n");
    let path = dir.join(format!(
        "builder-{}.toml",
        build_image.replace(['/', ':', '@'], "_")
    ));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_references_are_named_and_nothing_is_half_published() {
    let registry = TestRegistry::start(false);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    push(
        &format!("oci:{}:latest", layout.display()),
        &registry.image("stack/build:latest"),
        false,
    );
    push(
        &format!("oci:{}:arm64-only", layout.display()),
        &registry.image("stack/build:arm64-only"),
        false,
    );
    let cache = work.path().join("cache");
    let run_image = registry.image("stack/build:latest");
    let out = registry.image("out/builder");
    let layout = work.path().join("out-layout");
    let publish = ["--publish", out.as_str()];
    let fails = |build_image: &str, destination: &[&str], expected: &[&str]| {
        let config = small_definition(work.path(), build_image, &run_image);
        let output = create(&config, &registry, &cache, destination);
        output.assert_exit(1);
        for part in expected {
            assert_contains!(output.text(), part, "{build_image}");
        }
        assert_not_contains!(output.text(), "panicked", "{build_image}");
    };

    // An unreachable registry (a port nothing listens on).
    let unreachable = format!("127.0.0.1:{}/stack/build:latest", cnb_harness::free_port());
    fails(
        &unreachable,
        &publish,
        &[&unreachable, "cannot reach the registry"],
    );
    // A missing tag, a missing repository.
    let missing_tag = registry.image("stack/build:nope");
    fails(&missing_tag, &publish, &[&missing_tag, "no such image"]);
    let missing_repository = registry.image("stack/absent:latest");
    fails(
        &missing_repository,
        &publish,
        &[&missing_repository, "no such image"],
    );
    // A platform the index lacks.
    let arm64 = registry.image("stack/build:arm64-only");
    fails(
        &arm64,
        &publish,
        &[&arm64, "has no linux/amd64 image (it has: linux/arm64)"],
    );
    // Nothing was published by any of them.
    assert!(inspect(&registry.image("out/builder"), true, false).is_none());

    // A digest mismatch: a layer's bytes changed in the registry's storage.
    let good = registry.image("stack/build:latest");
    let manifest = inspect(&good, true, false).unwrap();
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let data = blob_data(&registry, &layer);
    let mut bytes = std::fs::read(&data).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&data, bytes).unwrap();
    // Pushed to the registry it came from, the layer is mounted there, as pack does: its bytes
    // never pass through the packager. Written as a layout, they do, and are checked.
    fails(
        &good,
        &["--output", layout.to_str().unwrap()],
        &[&good, "does not match its digest", &layer],
    );
    assert!(!layout.exists(), "no layout is written");
    assert!(
        std::fs::read_dir(cache.join("blobs/sha256"))
            .unwrap()
            .filter_map(Result::ok)
            .all(|entry| !entry
                .file_name()
                .to_string_lossy()
                .contains(layer.trim_start_matches("sha256:"))),
        "a blob that does not match its digest is not kept"
    );
}

#[test]
fn a_definition_of_local_inputs_stays_offline() {
    // A build image given as a layout and local modules: run images named in a registry that
    // does not exist, and no registry contacted (the cache is not even created).
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    let config = small_definition(
        work.path(),
        "registry.invalid/build:1",
        "registry.invalid/run:1",
    );
    let cache = work.path().join("cache");
    let output = outcome(
        Command::new(env!("CARGO_BIN_EXE_packager"))
            .args(["builder", "create", "--config"])
            .arg(&config)
            .arg("--lifecycle")
            .arg(lifecycle_binary())
            .arg("--build-image")
            .arg(format!("{}:latest", layout.display()))
            .arg("--cache")
            .arg(&cache)
            .arg("--output")
            .arg(work.path().join("builder")),
    );
    output.assert_success();
    assert_not_contains!(output.text(), "registry:");
    assert!(!cache.exists(), "no registry was contacted");
}
