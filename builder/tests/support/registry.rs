// Shared by the registry tests and the registry bench; each uses part of it.
#![allow(dead_code)]

//! Fixtures of the registry tests and bench: a `docker-registry` of their own on loopback, and
//! the stand-ins of builder-ubi8-base's images pushed there (the build image as a
//! multi-platform index, the ten run images, Paketo's four buildpackages made by the real
//! `pack buildpack package`, two of them composites).

use cnb_harness::oci::BuildImage;
use cnb_harness::{Lifecycle, Module, Process, workspace_root};
use cnb_package::buildpackage::{ModuleDetails, write_buildpackage};
use packager::builders::{Definition, PackagedCnb, render};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) const STACK_ID: &str = "io.buildpacks.stacks.ubi8";
pub(crate) const LIFECYCLE_VERSION: &str = "0.21.0";
/// The user and password of the registry that requires credentials.
pub(crate) const USER: &str = "builder";
pub(crate) const PASSWORD: &str = "s3cret";

/// A `docker-registry serve` of the test's own, stopped (killed, by its handle) on drop.
pub(crate) struct TestRegistry {
    pub(crate) host: String,
    process: Child,
    pub(crate) dir: tempfile::TempDir,
}

impl TestRegistry {
    /// Starts a registry on a free loopback port; with `htpasswd`, it requires these
    /// credentials (distribution's htpasswd auth reads bcrypt entries).
    pub(crate) fn start(htpasswd: bool) -> Self {
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

    pub(crate) fn image(&self, name: &str) -> String {
        format!("{}/{name}", self.host)
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The stdout of `command`, which must succeed.
pub(crate) fn run(command: &mut Command) -> String {
    cnb_harness::command::stdout_text(&cnb_harness::command::run_ok(command))
}

/// What `command` did (it may fail), for the assertions of [`cnb_harness::Outcome`].
pub(crate) fn outcome(command: &mut Command) -> Process {
    cnb_harness::command::output(command).into()
}

/// `packager <args>` with the test registry's options: plain HTTP to `host`, `cache` as its
/// blob cache and HOME, and no auth file of the machine's (setting `REGISTRY_AUTH_FILE` again
/// names one).
pub(crate) fn packager_with_registry(args: &[&str], host: &str, cache: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_packager"));
    command
        .args(args)
        .args(["--insecure-registry", host, "--cache"])
        .arg(cache)
        .env("REGISTRY_AUTH_FILE", "/dev/null/none")
        .env("HOME", cache)
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DOCKER_CONFIG");
    command
}

/// `packager builder create --config <config>` with the installed lifecycle and the test
/// registry's options ([`packager_with_registry`]).
pub(crate) fn builder_create(config: &Path, host: &str, cache: &Path) -> Command {
    let lifecycle = lifecycle_binary();
    packager_with_registry(
        &[
            "builder",
            "create",
            "--config",
            config.to_str().unwrap(),
            "--lifecycle",
            lifecycle.to_str().unwrap(),
        ],
        host,
        cache,
    )
}

/// A registry (with `htpasswd`, one that requires credentials) holding the stand-ins of
/// builder-ubi8-base's images ([`push_stack`], [`push_buildpackages`]), and the scratch
/// directory they were made in, the build image layout ([`build_image`]) in it.
pub(crate) fn registry_with_stand_ins(htpasswd: bool) -> (TestRegistry, tempfile::TempDir) {
    let registry = TestRegistry::start(htpasswd);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    push_stack(&registry, &layout, htpasswd);
    push_buildpackages(&registry, work.path(), htpasswd);
    (registry, work)
}

/// `<id>@<version>` of each module a builder metadata label lists under `key`, sorted.
pub(crate) fn module_names(metadata: &serde_json::Value, key: &str) -> Vec<String> {
    // pack writes an empty list as `null`.
    let mut names: Vec<String> = metadata[key]
        .as_array()
        .into_iter()
        .flatten()
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
}

/// `skopeo copy` to the plain-HTTP registry (`--all`: every image of an index).
pub(crate) fn push(source: &str, destination: &str, creds: bool) {
    let mut command = Command::new("skopeo");
    command.args(["copy", "--quiet", "--all", "--dest-tls-verify=false"]);
    if creds {
        command.arg(format!("--dest-creds={USER}:{PASSWORD}"));
    }
    run(command.arg(source).arg(format!("docker://{destination}")));
}

pub(crate) fn lifecycle_binary() -> PathBuf {
    // Panics with how to install it when it is missing.
    let _ = Lifecycle::locate();
    std::env::var_os("CNB_LIFECYCLE").map_or_else(
        || workspace_root().join("target/tools/bin/lifecycle"),
        PathBuf::from,
    )
}

pub(crate) fn pack_binary() -> PathBuf {
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
pub(crate) fn build_image(dir: &Path) -> PathBuf {
    stack_image(&dir.join("build-image"), STACK_ID)
}

/// [`build_image`]'s layout at `layout`, of the stack `stack_id`.
pub(crate) fn stack_image(layout: &Path, stack_id: &str) -> PathBuf {
    let layout = layout.to_path_buf();
    BuildImage::new(stack_id, "rhel", "8.10")
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
        let digest = oci_layout::sha256_digest(bytes);
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
pub(crate) fn buildpack_dir(
    dir: &Path,
    id: &str,
    version: &str,
    order: &[(&str, &str)],
) -> PathBuf {
    let module = dir.join(format!("{}-{version}", id.replace('/', "_")));
    std::fs::create_dir_all(module.join("bin")).unwrap();
    let mut descriptor = format!(
        "api = \"0.10\"\n[buildpack]\nid = \"{id}\"\nversion = \"{version}\"\nname = \"Stand-in {id}\"\n"
    );
    if order.is_empty() {
        descriptor.push_str("[[targets]]\nos = \"linux\"\narch = \"amd64\"\n");
        for phase in ["detect", "build"] {
            cnb_harness::write_executable(&module.join("bin").join(phase), "#!/bin/sh\nexit 0\n");
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
pub(crate) fn pack_package(dir: &Path, module: &Path, dependencies: &[PathBuf]) -> PathBuf {
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
pub(crate) fn push_buildpackages(registry: &TestRegistry, dir: &Path, creds: bool) {
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
pub(crate) fn push_stack(registry: &TestRegistry, layout: &Path, creds: bool) {
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

pub(crate) const RUN_IMAGES: [&str; 10] = [
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
pub(crate) fn our_packages(dir: &Path) -> Vec<PackagedCnb> {
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
pub(crate) fn ubi8_definition(dir: &Path, host: &str) -> PathBuf {
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
    let text = docker_hub_in_registry(&std::fs::read_to_string(&rendered).unwrap(), host);
    cnb_harness::assert_not_contains!(text, "docker.io", "every image is in the registry");
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    table["lifecycle"]["version"] = LIFECYCLE_VERSION.into();
    std::fs::write(&rendered, toml::to_string(&table).unwrap()).unwrap();
    rendered
}

/// A definition's text with its Docker Hub images (`docker.io/`, `index.docker.io/`, as
/// `image` or `docker://` module) named in the registry `host` instead.
pub(crate) fn docker_hub_in_registry(text: &str, host: &str) -> String {
    text.replace("\"index.docker.io/", &format!("\"{host}/"))
        .replace("docker://docker.io/", &format!("docker://{host}/"))
        .replace("\"docker.io/", &format!("\"{host}/"))
}

/// The lifecycle's release tarball tests/install-lifecycle.sh made (`lifecycle.toml`,
/// `lifecycle/...`), as pack reads a `[lifecycle] uri`.
pub(crate) fn lifecycle_tarball() -> PathBuf {
    let tarball = workspace_root().join(format!(
        "target/tools/lifecycle-v{LIFECYCLE_VERSION}+linux.x86-64.tgz"
    ));
    assert!(
        tarball.is_file(),
        "{} is missing: run tests/install-lifecycle.sh",
        tarball.display()
    );
    tarball
}

/// pack's copy of the definition, next to it: the lifecycle tarball tests/install-lifecycle.sh
/// made, instead of a version pack would download; image modules as `image`.
pub(crate) fn pack_config(config: &Path) -> PathBuf {
    pack_config_with_lifecycle(config, &format!("file://{}", lifecycle_tarball().display()))
}

/// pack's copy of the definition, next to it: `[lifecycle] uri = "<lifecycle>"` instead of a
/// version pack would download; image modules as `image`.
pub(crate) fn pack_config_with_lifecycle(config: &Path, lifecycle: &str) -> PathBuf {
    let mut table: toml::Table = toml::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    table.insert(
        "lifecycle".to_string(),
        toml::Table::from_iter([("uri".to_string(), toml::Value::from(lifecycle))]).into(),
    );
    // pack (v0.38.2) reads `docker://<host>:<port>/...` as a URL with an unknown scheme: the
    // same references as `image`.
    for key in ["buildpacks", "extensions"] {
        let Some(modules) = table.get_mut(key) else {
            continue;
        };
        for module in modules.as_array_mut().unwrap() {
            let module = module.as_table_mut().unwrap();
            if let Some(reference) = module
                .get("uri")
                .and_then(toml::Value::as_str)
                .and_then(|uri| uri.strip_prefix("docker://"))
                .map(str::to_string)
            {
                module.remove("uri");
                module.insert("image".to_string(), reference.into());
            }
        }
    }
    let path = config.with_file_name("pack-builder.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    path
}
