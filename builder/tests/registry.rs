//! `packager builder create` against a real registry on loopback (Debian's `docker-registry`,
//! one instance per test on a free port, stopped after it): the stand-ins of a
//! builder-ubi8-base-shaped definition's images pushed there with skopeo (the build image as a
//! multi-platform index, the run images, Paketo's buildpackages made by the real
//! `pack buildpack package`, two of them composites); the builder created and published by the
//! packager, then read back with skopeo; a second create that downloads nothing and uploads
//! nothing; a registry that requires credentials (htpasswd); and the bad inputs users meet.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use base64::Engine;
use cnb_harness::oci::{BuildImage, json_label};
use cnb_harness::{Lifecycle, Module, workspace_root};
use packager::builders::{Definition, PackagedCnb, render};
use packager::buildpackage::{ModuleDetails, write_buildpackage};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

// Dependencies of the library that these tests do not name (for `unused_crate_dependencies`).
use anyhow as _;
use clap as _;
use cnb_extension as _;
use elf_check as _;
use flate2 as _;
use fuzz_check as _;
use oci_client as _;
use rustls as _;
use serde as _;
use sha2 as _;
use tar as _;
use tokio as _;
use untrusted_input as _;

const STACK_ID: &str = "io.buildpacks.stacks.ubi8";
const LIFECYCLE_VERSION: &str = "0.21.0";
/// The user and password of the registry that requires credentials.
const USER: &str = "builder";
const PASSWORD: &str = "s3cret";

/// A `docker-registry serve` of the test's own, stopped (killed, by its handle) on drop.
struct TestRegistry {
    host: String,
    process: Child,
    dir: tempfile::TempDir,
}

impl TestRegistry {
    /// Starts a registry on a free loopback port; with `htpasswd`, it requires these
    /// credentials (distribution's htpasswd auth reads bcrypt entries).
    fn start(htpasswd: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = cnb_harness::free_port();
        let host = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n",
            dir.path().join("storage").display()
        );
        if htpasswd {
            let entry = format!("{USER}:{}\n", bcrypt::hash(PASSWORD, 5).unwrap());
            std::fs::write(dir.path().join("htpasswd"), entry).unwrap();
            let _ = write!(
                config,
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            );
        }
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let process = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("registry.log")).unwrap())
            .spawn()
            .expect("docker-registry is required (tests/test.sh installs it)");
        let registry = Self { host, process, dir };
        let (status, _) = cnb_harness::http_get(port, "/v2/", Duration::from_secs(30))
            .unwrap_or_else(|error| panic!("the registry did not start: {error}"));
        assert_eq!(
            status,
            if htpasswd { 401 } else { 200 },
            "the registry's /v2/"
        );
        registry
    }

    fn image(&self, name: &str) -> String {
        format!("{}/{name}", self.host)
    }

    /// The storage directory of a blob (to corrupt it).
    fn blob_data(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `skopeo copy` to the plain-HTTP registry (`--all`: every image of an index).
fn push(source: &str, destination: &str, creds: bool) {
    let mut command = Command::new("skopeo");
    command.args(["copy", "--quiet", "--all", "--dest-tls-verify=false"]);
    if creds {
        command.arg(format!("--dest-creds={USER}:{PASSWORD}"));
    }
    run(command.arg(source).arg(format!("docker://{destination}")));
}

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

fn lifecycle_binary() -> PathBuf {
    // Panics with how to install it when it is missing.
    let _ = Lifecycle::locate();
    std::env::var_os("CNB_LIFECYCLE").map_or_else(
        || workspace_root().join("target/tools/bin/lifecycle"),
        PathBuf::from,
    )
}

fn pack_binary() -> PathBuf {
    let pack = workspace_root().join("target/tools/bin/pack");
    assert!(
        pack.is_file(),
        "{} is missing: run tests/install-pack.sh",
        pack.display()
    );
    pack
}

/// The build image as an OCI layout tagged `latest`, and the same layout holding the image
/// index `multi`: a linux/arm64 entry first (the same layers, another config), then the
/// linux/amd64 image.
fn build_image(dir: &Path) -> PathBuf {
    let layout = dir.join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10")
        .libraries_of(&lifecycle_binary())
        .write(&layout, "latest");
    let read = |digest: &str| -> Vec<u8> {
        std::fs::read(
            layout
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
        )
        .unwrap()
    };
    let write = |bytes: &[u8]| -> serde_json::Value {
        let digest = packager::oci::sha256_digest(bytes);
        std::fs::write(
            layout
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
            bytes,
        )
        .unwrap();
        serde_json::json!({"digest": digest, "size": bytes.len()})
    };
    let index_path = layout.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let amd64 = index["manifests"][0].clone();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&read(amd64["digest"].as_str().unwrap())).unwrap();
    let mut config: serde_json::Value =
        serde_json::from_slice(&read(manifest["config"]["digest"].as_str().unwrap())).unwrap();
    config["architecture"] = "arm64".into();
    let config = write(&serde_json::to_vec(&config).unwrap());
    manifest["config"]["digest"] = config["digest"].clone();
    manifest["config"]["size"] = config["size"].clone();
    let arm64 = write(&serde_json::to_vec(&manifest).unwrap());
    let entry = |written: &serde_json::Value, arch: &str| {
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": written["digest"], "size": written["size"],
            "platform": {"os": "linux", "architecture": arch}
        })
    };
    let multi = write(
        &serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [entry(&arm64, "arm64"), entry(&amd64, "amd64")],
        }))
        .unwrap(),
    );
    // An index of arm64 only: the builder's linux/amd64 is not in it.
    let arm64_only = write(
        &serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [entry(&arm64, "arm64")],
        }))
        .unwrap(),
    );
    for (written, tag) in [(multi, "multi"), (arm64_only, "arm64-only")] {
        index["manifests"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": written["digest"], "size": written["size"],
                "annotations": {"org.opencontainers.image.ref.name": tag}
            }));
    }
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    layout
}

/// A stand-in buildpack directory: detect and build that succeed.
fn buildpack_dir(dir: &Path, id: &str, version: &str, order: &[(&str, &str)]) -> PathBuf {
    let module = dir.join(format!("{}-{version}", id.replace('/', "_")));
    std::fs::create_dir_all(module.join("bin")).unwrap();
    let mut descriptor = format!(
        "api = \"0.10\"\n[buildpack]\nid = \"{id}\"\nversion = \"{version}\"\nname = \"Stand-in {id}\"\n"
    );
    if order.is_empty() {
        descriptor.push_str("[[targets]]\nos = \"linux\"\narch = \"amd64\"\n");
        for phase in ["detect", "build"] {
            let path = module.join("bin").join(phase);
            std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
    } else {
        descriptor.push_str("[[order]]\n");
        for (child, child_version) in order {
            let _ = write!(
                descriptor,
                "[[order.group]]\nid = \"{child}\"\nversion = \"{child_version}\"\n"
            );
        }
    }
    std::fs::write(module.join("buildpack.toml"), descriptor).unwrap();
    module
}

/// `pack buildpack package <id>.cnb --format file`, with `dependencies` (`.cnb` files).
fn pack_package(dir: &Path, module: &Path, dependencies: &[PathBuf]) -> PathBuf {
    let mut config = "[buildpack]\nuri = \".\"\n".to_string();
    for dependency in dependencies {
        let _ = write!(
            config,
            "[[dependencies]]\nuri = \"{}\"\n",
            dependency.display()
        );
    }
    config.push_str("[[targets]]\nos = \"linux\"\narch = \"amd64\"\n");
    std::fs::write(module.join("package.toml"), config).unwrap();
    let cnb = dir.join(format!(
        "{}.cnb",
        module.file_name().unwrap().to_string_lossy()
    ));
    run(Command::new(pack_binary())
        .current_dir(module)
        .env("PACK_HOME", dir.join("pack-home"))
        .args(["buildpack", "package"])
        .arg(&cnb)
        .args(["--config", "package.toml", "--format", "file", "--no-color"]));
    cnb
}

/// Paketo's four buildpackages of builder-ubi8-base, as stand-ins pushed to the registry under
/// their Docker Hub names: quarkus and procfile single, java and nodejs composites.
fn push_buildpackages(registry: &TestRegistry, dir: &Path, creds: bool) {
    let single = |id: &str, version: &str| {
        let module = buildpack_dir(dir, id, version, &[]);
        pack_package(dir, &module, &[])
    };
    let liberica = single("paketo-buildpacks/bellsoft-liberica", "11.0.0");
    let maven = single("paketo-buildpacks/maven", "6.19.0");
    let node_engine = single("paketo-buildpacks/node-engine", "7.2.0");
    let npm_install = single("paketo-buildpacks/npm-install", "1.6.0");
    let java = pack_package(
        dir,
        &buildpack_dir(
            dir,
            "paketo-buildpacks/java",
            "22.1.0",
            &[
                ("paketo-buildpacks/bellsoft-liberica", "11.0.0"),
                ("paketo-buildpacks/maven", "6.19.0"),
            ],
        ),
        &[liberica, maven],
    );
    let nodejs = pack_package(
        dir,
        &buildpack_dir(
            dir,
            "paketo-buildpacks/nodejs",
            "10.5.0",
            &[
                ("paketo-buildpacks/node-engine", "7.2.0"),
                ("paketo-buildpacks/npm-install", "1.6.0"),
            ],
        ),
        &[node_engine, npm_install],
    );
    for (cnb, name) in [
        (
            single("paketo-buildpacks/quarkus", "0.6.3"),
            "paketobuildpacks/quarkus:0.6.3",
        ),
        (java, "paketobuildpacks/java:22.1.0"),
        (nodejs, "paketobuildpacks/nodejs:10.5.0"),
        (
            single("paketo-buildpacks/procfile", "5.13.4"),
            "paketobuildpacks/procfile:5.13.4",
        ),
    ] {
        push(
            &format!("oci-archive:{}", cnb.display()),
            &registry.image(name),
            creds,
        );
    }
}

/// The build image (the index `multi`) and the ten run images pushed under builder-ubi8-base's
/// names.
fn push_stack(registry: &TestRegistry, layout: &Path, creds: bool) {
    push(
        &format!("oci:{}:multi", layout.display()),
        &registry.image("paketobuildpacks/build-ubi8-base:0.0.121"),
        creds,
    );
    for run in RUN_IMAGES {
        push(
            &format!("oci:{}:latest", layout.display()),
            &registry.image(&format!("paketobuildpacks/{run}:latest")),
            creds,
        );
    }
}

const RUN_IMAGES: [&str; 10] = [
    "run-ubi8-base",
    "run-nodejs-16-ubi8-base",
    "run-nodejs-18-ubi8-base",
    "run-nodejs-20-ubi8-base",
    "run-nodejs-22-ubi8-base",
    "run-nodejs-24-ubi8-base",
    "run-java-8-ubi8-base",
    "run-java-11-ubi8-base",
    "run-java-17-ubi8-base",
    "run-java-21-ubi8-base",
];

/// Our four UBI modules as `.cnb` files.
fn our_packages(dir: &Path) -> Vec<PackagedCnb> {
    std::fs::create_dir_all(dir).unwrap();
    [
        "extensions/ubi-nodejs",
        "extensions/ubi-java",
        "buildpacks/ubi-nodejs",
        "buildpacks/ubi-java",
    ]
    .iter()
    .map(|crate_dir| {
        let module = Module::package(crate_dir);
        let cnb = dir.join(format!("{}.cnb", module.escaped_id()));
        write_buildpackage(&module.dir, &cnb).unwrap();
        PackagedCnb {
            details: ModuleDetails::read(&module.dir).unwrap(),
            cnb,
        }
    })
    .collect()
}

/// builder/builders/builder-ubi8-base rendered as `packager package` renders it, its Docker
/// Hub images named in the registry and its lifecycle the one installed here.
fn ubi8_definition(dir: &Path, registry: &TestRegistry) -> PathBuf {
    let definition = Definition {
        name: "builder-ubi8-base".to_string(),
        path: workspace_root().join("builder/builders/builder-ubi8-base/builder.toml"),
    };
    let rendered = render(
        &definition,
        &our_packages(&dir.join("modules")),
        &dir.join("builders"),
    )
    .unwrap();
    let text = std::fs::read_to_string(&rendered).unwrap();
    let text = text
        .replace("\"index.docker.io/", &format!("\"{}/", registry.host))
        .replace(
            "docker://docker.io/",
            &format!("docker://{}/", registry.host),
        )
        .replace("\"docker.io/", &format!("\"{}/", registry.host));
    assert!(
        !text.contains("docker.io"),
        "every image is in the registry:\n{text}"
    );
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    table["lifecycle"]["version"] = LIFECYCLE_VERSION.into();
    std::fs::write(&rendered, toml::to_string(&table).unwrap()).unwrap();
    rendered
}

/// `packager builder create` with the test's registry options; `extra` after them.
fn create(config: &Path, registry: &TestRegistry, cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(["builder", "create", "--config"])
        .arg(config)
        .arg("--lifecycle")
        .arg(lifecycle_binary())
        .args(["--insecure-registry", &registry.host, "--cache"])
        .arg(cache)
        // No auth file of the machine's: an empty one unless the test passes its own.
        .env("REGISTRY_AUTH_FILE", "/dev/null/none")
        .env("HOME", cache)
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DOCKER_CONFIG")
        .args(extra)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The figures of the registry line: (blobs downloaded, bytes downloaded, blobs uploaded).
fn transfer(output: &Output) -> (u64, u64, u64) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.trim_start().starts_with("registry:"))
        .unwrap_or_else(|| panic!("no registry line in:\n{stderr}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|word| !word.is_empty())
        .map(|word| word.parse().unwrap())
        .collect();
    (numbers[1], numbers[2], numbers[4])
}

#[test]
#[allow(clippy::too_many_lines)] // one flow: cold create and publish, read back, warm create
fn creates_and_publishes_a_ubi8_shaped_builder_from_registry_images() {
    let registry = TestRegistry::start(false);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    push_stack(&registry, &layout, false);
    push_buildpackages(&registry, work.path(), false);
    let config = ubi8_definition(work.path(), &registry);
    let cache = work.path().join("cache");
    let builder = registry.image("builders/ubi8:latest");

    let cold = create(&config, &registry, &cache, &["--publish", &builder]);
    assert!(cold.status.success(), "{}", text(&cold));
    let stdout = String::from_utf8_lossy(&cold.stdout).into_owned();
    let digest = stdout
        .strip_prefix(&format!("{builder} "))
        .unwrap_or_else(|| panic!("{stdout}"))
        .trim()
        .to_string();
    let (downloaded, bytes, uploaded) = transfer(&cold);
    assert!(
        downloaded > 0 && bytes > 0 && uploaded > 0,
        "{}",
        text(&cold)
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
    let names = |key: &str| -> Vec<String> {
        let mut names: Vec<String> = metadata[key]
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
            .collect();
        names.sort();
        names
    };
    let buildpacks = names("buildpacks");
    for expected in [
        "paketo-buildpacks/java@22.1.0",
        "paketo-buildpacks/bellsoft-liberica@11.0.0",
        "paketo-buildpacks/maven@6.19.0",
        "paketo-buildpacks/nodejs@10.5.0",
        "paketo-buildpacks/node-engine@7.2.0",
        "paketo-buildpacks/npm-install@1.6.0",
        "paketo-buildpacks/quarkus@0.6.3",
        "paketo-buildpacks/procfile@5.13.4",
    ] {
        assert!(
            buildpacks.iter().any(|b| b == expected),
            "{expected} in {buildpacks:?}"
        );
    }
    assert_eq!(buildpacks.len(), 10, "{buildpacks:?}");
    assert_eq!(names("extensions").len(), 2);
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

    // Warm: every blob from the cache, every blob already in the registry, the same image.
    let warm = create(&config, &registry, &cache, &["--publish", &builder]);
    assert!(warm.status.success(), "{}", text(&warm));
    assert_eq!(String::from_utf8_lossy(&warm.stdout), stdout);
    assert_eq!(transfer(&warm), (0, 0, 0), "{}", text(&warm));

    // The same builder written as a layout has the same digest.
    let output = work.path().join("builder-layout");
    let layout_run = create(
        &config,
        &registry,
        &cache,
        &["--output", &format!("{}:latest", output.display())],
    );
    assert!(layout_run.status.success(), "{}", text(&layout_run));
    assert!(String::from_utf8_lossy(&layout_run.stdout).ends_with(&format!(" {digest}\n")));
}

#[test]
fn a_registry_that_requires_credentials() {
    let registry = TestRegistry::start(true);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    push_stack(&registry, &layout, true);
    push_buildpackages(&registry, work.path(), true);
    let config = ubi8_definition(work.path(), &registry);
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
    assert!(!anonymous.status.success());
    let message = text(&anonymous);
    assert!(
        message.contains("refused the credentials (anonymous"),
        "{message}"
    );
    assert!(message.contains(&registry.host), "{message}");

    // A wrong password: refused, and nothing published.
    let wrong = auth_file("wrong");
    let refused = create(
        &config,
        &registry,
        &cache,
        &["--publish", &builder, "--authfile", wrong.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(message.contains("refused the credentials"), "{message}");
    assert!(message.contains(&wrong.display().to_string()), "{message}");
    assert!(
        inspect(&builder, true, true).is_none(),
        "nothing is published"
    );

    // The right one, from the auth file as REGISTRY_AUTH_FILE names it (as podman reads it).
    let right = auth_file(PASSWORD);
    let published = Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(["builder", "create", "--config"])
        .arg(&config)
        .arg("--lifecycle")
        .arg(lifecycle_binary())
        .args(["--insecure-registry", &registry.host, "--cache"])
        .arg(&cache)
        .args(["--publish", &builder])
        .env("REGISTRY_AUTH_FILE", &right)
        .output()
        .unwrap();
    assert!(published.status.success(), "{}", text(&published));
    let digest = String::from_utf8_lossy(&published.stdout)
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
            packager::descriptor::ModuleKind::Buildpack => "buildpacks",
            packager::descriptor::ModuleKind::Extension => "extensions",
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
    let fails = |build_image: &str, expected: &[&str]| {
        let config = small_definition(work.path(), build_image, &run_image);
        let output = create(
            &config,
            &registry,
            &cache,
            &["--publish", &registry.image("out/builder")],
        );
        assert!(!output.status.success(), "{build_image}: {}", text(&output));
        let message = text(&output);
        for part in expected {
            assert!(message.contains(part), "{part:?} in {message}");
        }
        assert!(!message.contains("panicked"), "{message}");
        message
    };

    // An unreachable registry (a port nothing listens on).
    let unreachable = format!("127.0.0.1:{}/stack/build:latest", cnb_harness::free_port());
    fails(&unreachable, &[&unreachable, "cannot reach the registry"]);
    // A missing tag, a missing repository.
    let missing_tag = registry.image("stack/build:nope");
    fails(&missing_tag, &[&missing_tag, "no such image"]);
    let missing_repository = registry.image("stack/absent:latest");
    fails(&missing_repository, &[&missing_repository, "no such image"]);
    // A platform the index lacks.
    let arm64 = registry.image("stack/build:arm64-only");
    fails(
        &arm64,
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
    let data = registry.blob_data(&layer);
    let mut bytes = std::fs::read(&data).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&data, bytes).unwrap();
    fails(&good, &[&good, "does not match its digest", &layer]);
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
    let output = Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(["builder", "create", "--config"])
        .arg(&config)
        .arg("--lifecycle")
        .arg(lifecycle_binary())
        .arg("--build-image")
        .arg(format!("{}:latest", layout.display()))
        .arg("--cache")
        .arg(&cache)
        .arg("--output")
        .arg(work.path().join("builder"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(!text(&output).contains("registry:"), "{}", text(&output));
    assert!(!cache.exists(), "no registry was contacted");
}
