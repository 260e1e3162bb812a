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
use cnb_harness::workspace_root;
use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const STACK_ID: &str = "io.buildpacks.stacks.ubi8";
// The modules and the lifecycle, as the registry tests have them.
#[path = "support/registry.rs"]
mod support;
use support::{lifecycle_binary, our_packages};

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

fn packager(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(args)
        .output()
        .unwrap()
}

fn create(config: &Path, build_image: &Path, lifecycle: &Path, output: &Path) -> Output {
    packager(&[
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
    ])
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
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
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("{}:{TAG} sha256:", layout.display())),
        "{stdout}"
    );
    // tests/install-lifecycle.sh installs the launcher next to the lifecycle: it is taken.
    assert!(
        !stderr(&output).contains("warning: no --launcher"),
        "{}",
        stderr(&output)
    );

    // skopeo reads the layout: the build image's layer, then dirs, lifecycle, 4 modules,
    // order.toml, stack.toml, run.toml and build-config env.
    let reference = format!("oci:{}:{TAG}", layout.display());
    let inspected = skopeo_inspect(&reference);
    assert_eq!(inspected["Layers"].as_array().unwrap().len(), 1 + 10);
    assert_eq!(inspected["Os"], "linux");
    assert_eq!(inspected["Architecture"], "amd64");
    let env: Vec<&str> = inspected["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
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
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);

    detect_in_builder(&layout, work.path());
}

/// The labels pack writes.
fn check_labels(inspected: &serde_json::Value, packages: &[PathBuf]) {
    let metadata = json_label(inspected, "io.buildpacks.builder.metadata");
    assert_eq!(
        metadata["description"],
        "UBI 8 test builder: our modules only"
    );
    let ids = |key: &str| -> Vec<String> {
        metadata[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}@{}",
                    m["id"].as_str().unwrap(),
                    m["version"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        ids("buildpacks"),
        [
            "paketo-community/ubi-java-buildpack@0.1.0",
            "paketo-community/ubi-nodejs-buildpack@0.1.0"
        ]
    );
    assert_eq!(
        ids("extensions"),
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
    let layer_ids: Vec<&str> = inspected["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
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
    assert_eq!(outcome.exit_code, 0, "{}", outcome.output);
    let layers = outcome.copied.join("layers");
    let read_toml = |name: &str| -> toml::Table {
        toml::from_str(
            &std::fs::read_to_string(layers.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}\n{}", outcome.output)),
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
        "{}",
        outcome.output
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
    assert!(
        build_dockerfile.contains("microdnf -y module enable nodejs:20 && "),
        "{build_dockerfile}"
    );
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
    assert!(
        !outcome.output.contains("not found in run metadata"),
        "{}",
        outcome.output
    );
}

#[test]
fn a_build_image_without_cnb_ids_is_refused_as_pack_does() {
    let lifecycle = lifecycle_binary();
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10")
        .without_cnb_ids()
        .write(&layout, TAG);
    let config = work.path().join("builder.toml");
    std::fs::write(
        &config,
        format!(
            "[build]\nimage = \"localhost/x:{TAG}\"\n[[run.images]]\nimage = \"localhost/run:1\"\n"
        ),
    )
    .unwrap();
    let output = create(&config, &layout, &lifecycle, &work.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).lines().last().unwrap(),
        format!(
            "error: build image {} is missing the required env var CNB_USER_ID (pack requires CNB_USER_ID and CNB_GROUP_ID)",
            layout.display()
        )
    );
    assert!(!work.path().join("out").exists());
}

/// pack v0.38.2 writes `[[build.env]] name = ".."` as `/cnb/build-config/env/..`, which is
/// `/cnb/build-config` itself: the packager refuses the name (packager check's problem, with
/// its line) and writes nothing.
#[test]
fn a_build_env_name_outside_the_env_directory_is_refused() {
    let lifecycle = lifecycle_binary();
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10").write(&layout, TAG);
    let config = work.path().join("builder.toml");
    std::fs::write(
        &config,
        format!(
            "[build]\nimage = \"localhost/x:{TAG}\"\n[[run.images]]\nimage = \"localhost/run:1\"\n\n\
             [[build.env]]\nname = \"..\"\nvalue = \"x\"\n"
        ),
    )
    .unwrap();
    let output = create(&config, &layout, &lifecycle, &work.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).lines().last().unwrap(),
        format!(
            "error: {}:7: build.env[0].name: \"..\" would be written outside /cnb/build-config/env \
             (pack writes the file /cnb/build-config/env/<name> without checking the name; the \
             packager refuses it)",
            config.display()
        )
    );
    assert!(!work.path().join("out").exists());
}

/// Image references are pulled (tests/registry.rs); what pack would download by URL or resolve
/// through the buildpack registry cannot go in, and every such entry is named.
#[test]
fn urls_and_registry_urns_cannot_go_into_a_builder() {
    let lifecycle = lifecycle_binary();
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10").write(&layout, TAG);
    let config = work.path().join("builder.toml");
    std::fs::write(
        &config,
        "[build]\nimage = \"localhost/x:1\"\n[[run.images]]\nimage = \"localhost/run:1\"\n\n\
         [[buildpacks]]\nid = \"paketo-buildpacks/procfile\"\nversion = \"5.13.4\"\nuri = \"https://example.com/procfile-5.13.4.tgz\"\n\n\
         [[buildpacks]]\nid = \"paketo-buildpacks/java\"\nversion = \"22.1.0\"\nuri = \"urn:cnb:registry:paketo-buildpacks/java@22.1.0\"\n\n\
         [[order]]\n[[order.group]]\nid = \"paketo-buildpacks/procfile\"\n",
    )
    .unwrap();
    let output = create(&config, &layout, &lifecycle, &work.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).lines().last().unwrap(),
        format!(
            "error: {}: only local modules (.cnb files, module directories) and image references \
             (docker://<image>, or image = \"<image>\") can go into a builder; these are neither: \
             buildpacks[0] (https://example.com/procfile-5.13.4.tgz), \
             buildpacks[1] (urn:cnb:registry:paketo-buildpacks/java@22.1.0)",
            config.display()
        )
    );
    assert!(!work.path().join("out").exists());
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
