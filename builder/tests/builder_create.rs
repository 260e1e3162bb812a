//! `packager builder create` over a small build image made here, with our UBI Node.js and Java
//! modules as `.cnb` files: the builder layout is read by skopeo and umoci, loaded into podman,
//! and the real lifecycle's `detector`, run inside it as the cnb user, detects a Node.js app
//! with the ubi-nodejs extension and buildpack. The daemon-free equivalent of
//! `pack builder create` and a build's detect phase.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::oci::{
    self, BuildImage, CNB_GID, CNB_UID, json_label, load_into_podman, skopeo_inspect,
    skopeo_inspect_config, umoci_stat, umoci_unpack,
};
use cnb_harness::{Outcome, Process, assert_contains, assert_not_contains, workspace_root};
use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const STACK_ID: &str = "io.buildpacks.stacks.ubi8";
// The modules and the lifecycle, as the registry tests have them.
#[path = "support/registry.rs"]
mod support;
use support::{lifecycle_binary, module_names, our_packages, outcome};

const TAG: &str = "test";
const NODE_20_RUN_IMAGE: &str = "index.docker.io/paketobuildpacks/run-nodejs-20-ubi8-base:latest";

/// A builder.toml of only our modules (the packager cannot pull Paketo's images).
fn builder_toml(dir: &Path) -> PathBuf {
    let run_images: String = std::iter::once(
        "index.docker.io/paketobuildpacks/run-ubi8-base:latest".to_string(),
    )
    .chain(
        ["16", "18", "20", "22", "24"]
            .map(|v| format!("index.docker.io/paketobuildpacks/run-nodejs-{v}-ubi8-base:latest")),
    )
    .chain(
        ["8", "11", "17", "21"]
            .map(|v| format!("index.docker.io/paketobuildpacks/run-java-{v}-ubi8-base:latest")),
    )
    .fold(String::new(), |mut text, image| {
        let mirror = image.trim_start_matches("index.docker.io/");
        let _ = write!(
            text,
            "[[run.images]]\nimage = \"{image}\"\nmirrors = [\"mirror.example.com/{mirror}\"]\n\n"
        );
        text
    });
    let text = format!(
        r#"description = "UBI 8 test builder: our modules only"

[build]
image = "localhost/ubi8-test-build:{TAG}"

{run_images}[stack]
id = "{STACK_ID}"

[lifecycle]
version = "0.21.0"

[[buildpacks]]
uri = "modules/paketo-community_ubi-java-buildpack.cnb"

[[buildpacks]]
uri = "modules/paketo-community_ubi-nodejs-buildpack.cnb"

[[extensions]]
uri = "modules/paketo-community_ubi-java-extension.cnb"

[[extensions]]
id = "paketo-community/ubi-nodejs-extension"
uri = "modules/paketo-community_ubi-nodejs-extension.cnb"

[[order]]
[[order.group]]
id = "paketo-community/ubi-java-buildpack"

[[order]]
[[order.group]]
id = "paketo-community/ubi-nodejs-buildpack"
version = "0.1.0"

[[order-extensions]]
[[order-extensions.group]]
id = "paketo-community/ubi-java-extension"

[[order-extensions.group]]
id = "paketo-community/ubi-nodejs-extension"

[[build.env]]
name = "BP_TEST"
value = "yes"

[[build.env]]
name = "BP_LIST"
value = "a"
suffix = "append"
delim = ":"

[[targets]]
os = "linux"
arch = "amd64"
"#
    );
    let path = dir.join("builder.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn build_image(dir: &Path, lifecycle: &Path) -> PathBuf {
    let catalogue =
        std::fs::read(workspace_root().join("tests/fixtures/ubi-nodejs/images-ubi8.json")).unwrap();
    let layout = dir.join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10")
        .libraries_of(lifecycle)
        .file("/etc/buildpacks/images.json", &catalogue, 0o644)
        .write(&layout, TAG);
    layout
}

fn create(config: &Path, build_image: &Path, lifecycle: &Path, output: &Path) -> Process {
    outcome(Command::new(env!("CARGO_BIN_EXE_packager")).args([
        "builder",
        "create",
        "--config",
        config.to_str().unwrap(),
        "--build-image",
        &format!("{}:{TAG}", build_image.display()),
        "--lifecycle",
        lifecycle.to_str().unwrap(),
        "--output",
        &format!("{}:{TAG}", output.display()),
    ]))
}

#[test]
fn creates_a_builder_that_the_real_detector_runs_in() {
    let lifecycle = lifecycle_binary();
    let work = tempfile::tempdir().unwrap();
    let packages: Vec<PathBuf> = our_packages(&work.path().join("modules"))
        .into_iter()
        .map(|package| package.cnb)
        .collect();
    let config = builder_toml(work.path());
    let build_image = build_image(work.path(), &lifecycle);
    let layout = work.path().join("builder");

    let output = create(&config, &build_image, &lifecycle, &layout);
    output.assert_success();
    assert!(
        output
            .stdout
            .starts_with(&format!("{}:{TAG} sha256:", layout.display())),
        "{output}"
    );
    // tests/install-lifecycle.sh installs the launcher next to the lifecycle: it is taken.
    assert_not_contains!(output.stderr, "warning: no --launcher");

    // skopeo reads the layout: the build image's layer, then dirs, lifecycle, 4 modules,
    // order.toml, stack.toml, run.toml and build-config env.
    let reference = format!("oci:{}:{TAG}", layout.display());
    let inspected = skopeo_inspect(&reference);
    assert_eq!(inspected["Layers"].as_array().unwrap().len(), 1 + 10);
    assert_eq!(inspected["Os"], "linux");
    assert_eq!(inspected["Architecture"], "amd64");
    let env = strings(&inspected["Env"]);
    assert!(
        env.contains(&"CNB_USER_ID=1002") && env.contains(&"CNB_GROUP_ID=1000"),
        "{env:?}"
    );
    assert_eq!(
        inspected["Labels"]["io.buildpacks.stack.id"], STACK_ID,
        "the build image's labels are kept"
    );
    let config_json = skopeo_inspect_config(&reference);
    assert_eq!(config_json["config"]["WorkingDir"], "/layers");
    assert_eq!(config_json["config"]["User"], "1002:1000");

    check_labels(&inspected, &packages);
    check_rootfs(&layout, work.path(), &lifecycle);

    // Creating it again gives the same image.
    let again = create(&config, &build_image, &lifecycle, &layout);
    again.assert_success();
    assert_eq!(again.stdout, output.stdout, "{again}");

    detect_in_builder(&layout, work.path());
}

/// A JSON array of strings.
fn strings(array: &serde_json::Value) -> Vec<&str> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|value| value.as_str().unwrap())
        .collect()
}

/// The labels pack writes.
fn check_labels(inspected: &serde_json::Value, packages: &[PathBuf]) {
    let metadata = json_label(inspected, "io.buildpacks.builder.metadata");
    assert_eq!(
        metadata["description"],
        "UBI 8 test builder: our modules only"
    );
    assert_eq!(
        module_names(&metadata, "buildpacks"),
        [
            "paketo-community/ubi-java-buildpack@0.1.0",
            "paketo-community/ubi-nodejs-buildpack@0.1.0"
        ]
    );
    assert_eq!(
        module_names(&metadata, "extensions"),
        [
            "paketo-community/ubi-java-extension@0.1.0",
            "paketo-community/ubi-nodejs-extension@0.1.0"
        ]
    );
    assert_eq!(
        metadata["stack"]["runImage"]["image"],
        "index.docker.io/paketobuildpacks/run-ubi8-base:latest"
    );
    assert_eq!(metadata["images"].as_array().unwrap().len(), 10);
    assert_eq!(metadata["images"][3]["image"], NODE_20_RUN_IMAGE);
    assert_eq!(
        metadata["images"][3]["mirrors"][0],
        "mirror.example.com/paketobuildpacks/run-nodejs-20-ubi8-base:latest"
    );
    assert_eq!(metadata["lifecycle"]["version"], "0.21.0");
    assert_eq!(
        metadata["lifecycle"]["apis"]["platform"]["supported"][7],
        "0.14"
    );
    assert_eq!(
        metadata["lifecycle"]["apis"]["buildpack"]["supported"][3],
        "0.10"
    );
    assert_eq!(metadata["createdBy"]["name"], "packager");
    assert_eq!(
        json_label(inspected, "io.buildpacks.buildpack.order"),
        serde_json::json!([
            {"group": [{"id": "paketo-community/ubi-java-buildpack"}]},
            {"group": [{"id": "paketo-community/ubi-nodejs-buildpack", "version": "0.1.0"}]},
        ])
    );
    assert_eq!(
        json_label(inspected, "io.buildpacks.buildpack.order-extensions"),
        serde_json::json!([{"group": [
            {"id": "paketo-community/ubi-java-extension"},
            {"id": "paketo-community/ubi-nodejs-extension"},
        ]}])
    );
    let buildpack_layers = json_label(inspected, "io.buildpacks.buildpack.layers");
    let extension_layers = json_label(inspected, "io.buildpacks.extension.layers");
    let node_extension = &extension_layers["paketo-community/ubi-nodejs-extension"]["0.1.0"];
    assert_eq!(node_extension["api"], "0.10");
    let layer_ids = strings(&inspected["Layers"]);
    // Each module's layer is the one of its .cnb file.
    for package in packages {
        let cnb = skopeo_inspect(&format!("oci-archive:{}", package.display()));
        let layer = cnb["Layers"][0].as_str().unwrap();
        assert!(
            layer_ids.contains(&layer),
            "{} layer {layer} not in the builder",
            package.display()
        );
    }
    assert!(
        buildpack_layers["paketo-community/ubi-java-buildpack"]["0.1.0"]["layerDiffID"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(
        buildpack_layers
            .get("paketo-community/ubi-java-extension")
            .is_none()
    );
}

/// umoci reads and unpacks the builder; the files are where and how pack puts them.
fn check_rootfs(layout: &Path, scratch: &Path, lifecycle: &Path) {
    let history = umoci_stat(layout, TAG)["history"].as_array().unwrap().len();
    assert_eq!(history, 11);
    let rootfs = umoci_unpack(layout, TAG, &scratch.join("bundle"));
    let meta =
        |path: &str| std::fs::symlink_metadata(rootfs.join(path.trim_start_matches('/'))).unwrap();
    for (dir, uid, gid) in [
        ("/layers", CNB_UID, CNB_GID),
        ("/workspace", CNB_UID, CNB_GID),
        ("/cnb", 0, 0),
        ("/platform/env", 0, 0),
        ("/cnb/build-config/env", 0, 0),
    ] {
        let metadata = meta(dir);
        assert!(metadata.is_dir(), "{dir}");
        assert_eq!(
            (u64::from(metadata.uid()), u64::from(metadata.gid())),
            (uid, gid),
            "{dir}"
        );
        assert_eq!(metadata.permissions().mode() & 0o7777, 0o755, "{dir}");
    }
    let link = |path: &str| std::fs::read_link(rootfs.join(path.trim_start_matches('/'))).unwrap();
    assert_eq!(link("/lifecycle"), Path::new("/cnb/lifecycle"));
    for phase in [
        "detector", "analyzer", "restorer", "builder", "exporter", "creator", "extender", "rebaser",
    ] {
        assert_eq!(
            link(&format!("/cnb/lifecycle/{phase}")),
            Path::new("lifecycle"),
            "{phase}"
        );
    }
    assert_eq!(
        std::fs::read(rootfs.join("cnb/lifecycle/lifecycle")).unwrap(),
        std::fs::read(lifecycle).unwrap()
    );
    // The launcher installed next to the lifecycle, as a file of its own.
    assert_eq!(
        std::fs::read(rootfs.join("cnb/lifecycle/launcher")).unwrap(),
        std::fs::read(lifecycle.with_file_name("launcher")).unwrap()
    );
    assert_eq!(
        meta("/cnb/lifecycle/lifecycle").permissions().mode() & 0o7777,
        0o755
    );
    let lifecycle_toml: toml::Table = toml::from_str(
        &std::fs::read_to_string(rootfs.join("cnb/lifecycle/lifecycle.toml")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        lifecycle_toml["lifecycle"]["version"].as_str(),
        Some("0.21.0")
    );
    let build = "/cnb/buildpacks/paketo-community_ubi-nodejs-buildpack/0.1.0/bin/build";
    assert_eq!(meta(build).permissions().mode() & 0o7777, 0o755);
    assert_eq!(meta(build).mtime(), 315_532_801);
    assert_eq!(
        link("/cnb/extensions/paketo-community_ubi-nodejs-extension/0.1.0/bin/detect"),
        Path::new("generate")
    );
    let order: toml::Table =
        toml::from_str(&std::fs::read_to_string(rootfs.join("cnb/order.toml")).unwrap()).unwrap();
    assert_eq!(
        order["order"][0]["group"][0]["version"].as_str(),
        Some("0.1.0"),
        "order.toml has every version resolved"
    );
    assert_eq!(
        order["order-extensions"][0]["group"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let run: toml::Table =
        toml::from_str(&std::fs::read_to_string(rootfs.join("cnb/run.toml")).unwrap()).unwrap();
    assert_eq!(run["images"].as_array().unwrap().len(), 10);
    let stack: toml::Table =
        toml::from_str(&std::fs::read_to_string(rootfs.join("cnb/stack.toml")).unwrap()).unwrap();
    assert_eq!(
        stack["run-image"]["image"].as_str(),
        Some("index.docker.io/paketobuildpacks/run-ubi8-base:latest")
    );
    assert_eq!(
        std::fs::read_to_string(rootfs.join("cnb/build-config/env/BP_TEST")).unwrap(),
        "yes"
    );
    assert_eq!(
        std::fs::read_to_string(rootfs.join("cnb/build-config/env/BP_LIST.append")).unwrap(),
        "a"
    );
    assert_eq!(
        std::fs::read_to_string(rootfs.join("cnb/build-config/env/BP_LIST.delim")).unwrap(),
        ":"
    );
}

/// podman runs the real detector in the builder, as the cnb user, over a Node.js app.
fn detect_in_builder(layout: &Path, scratch: &Path) {
    let app = scratch.join("app");
    copy_dir(
        &workspace_root().join("tests/fixtures/apps/node-npm-engines"),
        &app,
    );
    let image = load_into_podman(layout, TAG, &oci::unique_name("packager-test-builder"));
    let outcome = image
        .container()
        .user(&format!("{CNB_UID}:{CNB_GID}"))
        .env("CNB_PLATFORM_API", "0.14")
        .mount(&app, "/workspace")
        .copy_out("/layers")
        .run(&[
            "/cnb/lifecycle/detector",
            "-app",
            "/workspace",
            "-log-level",
            "debug",
        ]);
    outcome.assert_success();
    let layers = outcome.copied.join("layers");
    let read_toml = |name: &str| -> toml::Table {
        toml::from_str(
            &std::fs::read_to_string(layers.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}\n{outcome}")),
        )
        .unwrap()
    };
    let group = read_toml("group.toml");
    let group_ids = |key: &str| -> Vec<&str> {
        group[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect()
    };
    assert_eq!(
        group_ids("group-extensions"),
        ["paketo-community/ubi-nodejs-extension"],
        "{outcome}"
    );
    assert_eq!(
        group_ids("group"),
        ["paketo-community/ubi-nodejs-buildpack"]
    );
    let plan = read_toml("plan.toml");
    let plan_names: Vec<&str> = plan
        .get("entries")
        .and_then(toml::Value::as_array)
        .map(|entries| entries.iter().filter_map(|e| e["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        !plan_names.contains(&"node"),
        "the extension satisfied node: {plan:#?}"
    );

    let generated = layers.join("generated/paketo-community_ubi-nodejs-extension");
    let build_dockerfile = std::fs::read_to_string(generated.join("build.Dockerfile")).unwrap();
    assert!(
        build_dockerfile.starts_with("ARG base_image\nFROM ${base_image}\n"),
        "{build_dockerfile}"
    );
    assert_contains!(build_dockerfile, "microdnf -y module enable nodejs:20 && ");
    let run_dockerfile = std::fs::read_to_string(generated.join("run.Dockerfile")).unwrap();
    assert_eq!(
        run_dockerfile,
        "FROM paketobuildpacks/run-nodejs-20-ubi8-base\n"
    );
    let analyzed = read_toml("analyzed.toml");
    assert_eq!(
        analyzed["run-image"]["image"].as_str(),
        Some("paketobuildpacks/run-nodejs-20-ubi8-base")
    );
    // The run image the extension switches to is in the builder's run metadata.
    assert_not_contains!(outcome.output, "not found in run metadata");
}

/// Definitions refused with one error line, and nothing written: a build image without the CNB
/// ids (as pack refuses it); a `[[build.env]]` name outside the env directory (pack v0.38.2
/// writes `..` as `/cnb/build-config/env/..`, `/cnb/build-config` itself: packager check's
/// problem, with its line); modules by URL or buildpack registry URN, each named (image
/// references are pulled, tests/registry.rs; what pack would download cannot go in).
#[test]
fn refused_definitions_are_named_in_one_line_and_write_nothing() {
    let lifecycle = lifecycle_binary();
    let work = tempfile::tempdir().unwrap();
    let with_ids = work.path().join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10").write(&with_ids, TAG);
    let without_ids = work.path().join("build-image-without-ids");
    BuildImage::new(STACK_ID, "rhel", "8.10")
        .without_cnb_ids()
        .write(&without_ids, TAG);
    let stack = "[build]\nimage = \"localhost/x:1\"\n[[run.images]]\nimage = \"localhost/run:1\"\n";
    let config = |case: &str| work.path().join(format!("{case}.toml"));
    for (case, build_image, modules, error) in [
        (
            "without-cnb-ids",
            &without_ids,
            "",
            format!(
                "build image {} is missing the required env var CNB_USER_ID (pack requires \
                 CNB_USER_ID and CNB_GROUP_ID)",
                without_ids.display()
            ),
        ),
        (
            "build-env-dots",
            &with_ids,
            "\n[[build.env]]\nname = \"..\"\nvalue = \"x\"\n",
            format!(
                "{}:7: build.env[0].name: \"..\" would be written outside /cnb/build-config/env \
                 (pack writes the file /cnb/build-config/env/<name> without checking the name; the \
                 packager refuses it)",
                config("build-env-dots").display()
            ),
        ),
        (
            "urls-and-urns",
            &with_ids,
            "\n[[buildpacks]]\nid = \"paketo-buildpacks/procfile\"\nversion = \"5.13.4\"\nuri = \"https://example.com/procfile-5.13.4.tgz\"\n\n\
             [[buildpacks]]\nid = \"paketo-buildpacks/java\"\nversion = \"22.1.0\"\nuri = \"urn:cnb:registry:paketo-buildpacks/java@22.1.0\"\n\n\
             [[order]]\n[[order.group]]\nid = \"paketo-buildpacks/procfile\"\n",
            format!(
                "{}: only local modules (.cnb files, module directories) and image references \
                 (docker://<image>, or image = \"<image>\") can go into a builder; these are neither: \
                 buildpacks[0] (https://example.com/procfile-5.13.4.tgz), \
                 buildpacks[1] (urn:cnb:registry:paketo-buildpacks/java@22.1.0)",
                config("urls-and-urns").display()
            ),
        ),
    ] {
        std::fs::write(config(case), format!("{stack}{modules}")).unwrap();
        let out = work.path().join(format!("out-{case}"));
        create(&config(case), build_image, &lifecycle, &out)
            .assert_last_line(1, &format!("error: {error}"));
        assert!(!out.exists(), "{case}: nothing is written");
    }
}

fn copy_dir(source: &Path, destination: &Path) {
    std::fs::create_dir_all(destination).unwrap();
    std::fs::set_permissions(destination, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        let target = destination.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    // The scratch dir itself must be traversable by the cnb user.
    if let Some(parent) = destination.parent() {
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
