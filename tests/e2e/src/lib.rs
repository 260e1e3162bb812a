//! End-to-end builds with the real `pack` CLI and the real lifecycle (every phase, the extender
//! with kaniko), without a Docker daemon: podman's Docker API service and a registry on
//! loopback, on a local UBI-like stack.
//!
//! - [`Services`]: the registry (Debian's `docker-registry`) and `podman system service`, with
//!   a registries.conf of the tests' own (`CONTAINERS_REGISTRIES_CONF`); stopped, and what the
//!   run left in podman removed, when the value drops.
//! - [`Stack`]: the images of `tests/e2e/stack/build.sh` (a Debian build image standing in for
//!   UBI 8 with dnf as `microdnf` and a local RPM repository; Node.js and Java run images) and
//!   the static run image ([`RootFs::static_run_image`]), pushed to the registry by
//!   [`Published`] with the lifecycle image `pack build --lifecycle-image` takes.
//! - [`Builders`]: `tests/e2e/builder.toml` rendered like every builder definition, made twice:
//!   by `pack builder create --publish` and by `packager builder create` (pushed with skopeo).
//! - [`AppBuild`]: `pack build --publish` of one app, as a user runs it, and the app image run.
//!
//! Everything panics with the command's output when a step fails: these are tests.

#![allow(clippy::missing_panics_doc)]

use cnb_harness::{Container, Podman, RootFs, STATIC_RUN_GID, STATIC_RUN_UID, workspace_root};
use packager::builder_image::{BUILDPACK_APIS, CreateOptions, PLATFORM_APIS, create_builder};
use packager::builders::{Definition, PackagedCnb, render};
use packager::buildpackage::{ModuleDetails, write_buildpackage};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// The suite's main (tests/end_to_end.rs), not this library, uses it.
#[cfg(test)]
use libtest_mimic as _;

/// The lifecycle the tests build (tests/install-lifecycle.sh).
pub const LIFECYCLE_VERSION: &str = "0.21.0";
/// The static run image in podman (pushed as `<registry>/e2e/run-static:latest`, the builder's default run image).
pub const STATIC_RUN_IMAGE: &str = "localhost/e2e/run-static:latest";
/// The lifecycle image in podman.
const LIFECYCLE_IMAGE: &str = "localhost/e2e/lifecycle:latest";
/// Where the stack's RPM repository is mounted in the build (the build image's
/// `/etc/yum.repos.d/e2e.repo` points there); pack mounts it into the extender too.
const RPMS_MOUNT: &str = "/srv/e2e-rpms";
/// The workspace modules in the builder.
const MODULE_CRATES: [&str; 5] = [
    "extensions/ubi-nodejs",
    "extensions/ubi-java",
    "buildpacks/ubi-nodejs",
    "buildpacks/ubi-java",
    "buildpacks/go-app",
];

/// `<target>/e2e`: the stack's outputs and the builds' scratch directories.
#[must_use]
pub fn e2e_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("e2e")
}

/// `<target>/tools`: pack, the lifecycle and its release tarball (tests/install-*.sh).
fn tools_dir() -> PathBuf {
    workspace_root().join("target/tools")
}

/// Runs a command; panics with its output when it cannot start or fails. Returns stdout and
/// stderr together.
pub fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let text = output_text(&output);
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{text}",
        output.status
    );
    text
}

/// A command's stdout and stderr together.
#[must_use]
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `skopeo copy` between `containers-storage:`, `oci:` and `docker://` references; the
/// loopback registry is plain HTTP.
pub fn skopeo_copy(source: &str, destination: &str) {
    run(Command::new("skopeo").args([
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        source,
        destination,
    ]));
}

/// `skopeo inspect [--config] docker://<image>` of an image in the loopback registry.
#[must_use]
pub fn registry_inspect(image: &str, config: bool) -> serde_json::Value {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--tls-verify=false"]);
    if config {
        command.arg("--config");
    }
    let text = run(command.arg(format!("docker://{image}")));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("skopeo inspect: {error}: {text}"))
}

/// Whether the registry has `image` (a manifest for its tag).
#[must_use]
pub fn registry_has(image: &str) -> bool {
    Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw"])
        .arg(format!("docker://{image}"))
        .output()
        .is_ok_and(|output| output.status.success())
}

/// A child process killed (SIGTERM, then waited for) when the value drops.
#[derive(Debug)]
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Where the services listen, for the tests.
#[derive(Debug)]
pub struct Endpoints {
    /// `127.0.0.1:<port>`: the registry.
    pub registry: String,
    /// `unix://<dir>/podman.sock`: `DOCKER_HOST` for pack.
    pub docker_host: String,
    /// pack's home (`PACK_HOME`): its config (`experimental = true`), of this run only.
    pack_home: PathBuf,
}

static ENDPOINTS: OnceLock<Endpoints> = OnceLock::new();

impl Endpoints {
    /// The endpoints of the running [`Services`]; panics when they were not started.
    pub fn get() -> &'static Endpoints {
        ENDPOINTS
            .get()
            .expect("Services::start() must run before the tests")
    }

    /// `<registry>/e2e/<name>`: where the tests put an image.
    #[must_use]
    pub fn image(&self, name: &str) -> String {
        format!("{}/e2e/{name}", self.registry)
    }
}

/// Images that reach podman's storage under names outside the registry (e.g. stand-ins pulled
/// as `docker.io/...` through the mirror): removed when the [`Services`] drop.
static REMOVE_WHEN_DONE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Removes `image` from podman's storage when the tests end.
pub fn remove_when_done(image: &str) {
    REMOVE_WHEN_DONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(image.to_string());
}

/// The registry and podman's Docker API service, and the files they run with; everything is
/// stopped and removed when the value drops (also when a test panicked).
#[derive(Debug)]
pub struct Services {
    // Held for their Drop: the services stop, then the directory goes (fields drop in order).
    _podman_service: Service,
    _registry: Service,
    _dir: tempfile::TempDir,
    /// pack's ephemeral images that were there before the run (another run's).
    pack_local_before: Vec<String>,
}

impl Services {
    /// Starts the registry on a free loopback port and `podman system service` with a
    /// registries.conf of the tests' own: the registry is plain HTTP, and `docker.io`
    /// (`index.docker.io`) is mirrored to it for the stand-ins of Docker Hub's images.
    /// Podman's other settings come from `CONTAINERS_CONF` (tests/test.sh sets it; it must be
    /// set).
    pub fn start() -> Services {
        for tool in ["docker-registry", "podman", "skopeo"] {
            assert!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {tool}")])
                    .output()
                    .is_ok_and(|output| output.status.success()),
                "{tool} is required (tests/test.sh installs it)"
            );
        }
        let containers_conf = std::env::var_os("CONTAINERS_CONF").map(PathBuf::from);
        assert!(
            containers_conf.as_deref().is_some_and(Path::is_file),
            "CONTAINERS_CONF must name podman's settings for the tests: run tests/test.sh --e2e, \
             or export CONTAINERS_CONF={}",
            workspace_root().join("tests/containers.conf").display()
        );
        let pack = tools_dir().join("bin/pack");
        assert!(
            pack.is_file(),
            "{} is missing: run tests/install-pack.sh",
            pack.display()
        );
        std::fs::create_dir_all(e2e_dir()).expect("create the e2e dir");
        let dir = tempfile::Builder::new()
            .prefix("services-")
            .tempdir_in(e2e_dir())
            .expect("create the services dir");
        let port = cnb_harness::free_port();
        let registry_host = format!("127.0.0.1:{port}");
        let config = dir.path().join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {registry_host}\n",
                dir.path().join("registry").display()
            ),
        )
        .expect("write the registry config");
        let registry = Service(
            Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdout(std::fs::File::create(dir.path().join("registry.log")).expect("log"))
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start docker-registry"),
        );
        let (status, _) = cnb_harness::http_get(port, "/v2/", Duration::from_secs(30))
            .unwrap_or_else(|error| panic!("the registry did not start: {error}"));
        assert_eq!(status, 200, "the registry's /v2/");

        let registries_conf = dir.path().join("registries.conf");
        let mut conf = format!("[[registry]]\nlocation = \"{registry_host}\"\ninsecure = true\n");
        for prefix in ["docker.io", "index.docker.io"] {
            let _ = write!(
                conf,
                "\n[[registry]]\nprefix = \"{prefix}\"\nlocation = \"docker.io\"\n\
                 [[registry.mirror]]\nlocation = \"{registry_host}\"\ninsecure = true\n"
            );
        }
        std::fs::write(&registries_conf, conf).expect("write registries.conf");
        let socket = dir.path().join("podman.sock");
        let docker_host = format!("unix://{}", socket.display());
        let podman_service = Service(
            Command::new("podman")
                .args(["system", "service", "--time=0", &docker_host])
                .env("CONTAINERS_REGISTRIES_CONF", &registries_conf)
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(dir.path().join("podman.log")).expect("log"))
                .spawn()
                .expect("start podman system service"),
        );
        let started = Instant::now();
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "podman system service did not listen on {}",
                socket.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // pack refuses builders with image extensions unless its experimental features are on.
        let pack_home = dir.path().join("pack-home");
        std::fs::create_dir_all(&pack_home).expect("create PACK_HOME");
        std::fs::write(pack_home.join("config.toml"), "experimental = true\n")
            .expect("write pack's config");
        ENDPOINTS
            .set(Endpoints {
                registry: registry_host,
                docker_host,
                pack_home,
            })
            .expect("the services start once");
        Services {
            pack_local_before: pack_local_images(&Podman::locate()),
            _podman_service: podman_service,
            _registry: registry,
            _dir: dir,
        }
    }
}

/// The images pack leaves in podman as ephemeral run images (`pack.local/run-image/...`).
fn pack_local_images(podman: &Podman) -> Vec<String> {
    let images = podman.output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    String::from_utf8_lossy(&images.stdout)
        .lines()
        .filter(|image| image.starts_with("pack.local/"))
        .map(str::to_string)
        .collect()
}

impl Drop for Services {
    /// Removes what pack left in podman for this run: its cache volumes (named after the app
    /// images, which carry the registry's port), the images it pulled from this run's registry,
    /// its ephemeral run images, and the stand-ins pulled through the mirror.
    fn drop(&mut self) {
        let registry = &Endpoints::get().registry;
        let podman = Podman::locate();
        let app_prefix = format!("_{}", app_name(""));
        let volumes = podman.output(&["volume", "ls", "--format", "{{.Name}}"]);
        for volume in String::from_utf8_lossy(&volumes.stdout).lines() {
            if volume.starts_with("pack-cache-") && volume.contains(&app_prefix) {
                let _ = podman.output(&["volume", "rm", "--force", volume]);
            }
        }
        let images = podman.output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        let remove = REMOVE_WHEN_DONE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for image in String::from_utf8_lossy(&images.stdout).lines() {
            if image.starts_with(registry.as_str())
                || remove.iter().any(|name| name == image)
                || (image.starts_with("pack.local/")
                    && !self.pack_local_before.iter().any(|before| before == image))
            {
                let _ = podman.output(&["rmi", "--force", image]);
            }
        }
    }
}

/// The repository name of an app's image: `app-<registry port>-<name>` (pack names its cache
/// volumes after it, so this run's volumes are known by it).
fn app_name(name: &str) -> String {
    let registry = &Endpoints::get().registry;
    let port = registry.rsplit(':').next().unwrap_or_default();
    format!("app-{port}-{name}")
}

/// The images of `tests/e2e/stack/build.sh`, as its `stack.env` lists them.
#[derive(Debug)]
pub struct Stack {
    values: BTreeMap<String, String>,
}

impl Stack {
    /// Builds the stack (once per process; the script itself skips what is up to date) and the
    /// static run image.
    pub fn get() -> &'static Stack {
        static STACK: OnceLock<Stack> = OnceLock::new();
        STACK.get_or_init(|| {
            let script = workspace_root().join("tests/e2e/stack/build.sh");
            eprintln!("{}", run(&mut Command::new(&script)).trim_end());
            let env_file = e2e_dir().join("stack.env");
            let text = std::fs::read_to_string(&env_file)
                .unwrap_or_else(|error| panic!("read {}: {error}", env_file.display()));
            let values = text
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
            let stack = Stack { values };
            Stack::import_static_run_image();
            stack
        })
    }

    /// A value of `stack.env` (e.g. `NODE_RUN_IMAGE`).
    #[must_use]
    pub fn value(&self, key: &str) -> &str {
        self.values
            .get(key)
            .unwrap_or_else(|| panic!("stack.env has no {key}: {:?}", self.values))
    }

    /// Paketo's static run image (CA bundle, tzdata, passwd; no shell, no libc) with the
    /// distro labels of Paketo's jammy static run image.
    fn import_static_run_image() {
        let podman = Podman::locate();
        // The previous run's, which the new import would leave dangling.
        let _ = podman.output(&["rmi", STATIC_RUN_IMAGE]);
        let image = podman.import_rootfs(
            RootFs::static_run_image(STATIC_RUN_UID, STATIC_RUN_GID),
            STATIC_RUN_IMAGE,
            &[
                &format!("USER {STATIC_RUN_UID}:{STATIC_RUN_GID}"),
                "LABEL io.buildpacks.stack.id=io.buildpacks.stacks.jammy.static",
                "LABEL io.buildpacks.base.distro.name=ubuntu",
                "LABEL io.buildpacks.base.distro.version=22.04",
            ],
        );
        image.keep();
    }
}

/// The stack and the lifecycle image in the loopback registry, named `<registry>/e2e/<name>`
/// as the builders and the build image's `images.json` name them.
#[derive(Debug)]
pub struct Published {
    /// The build image: the stack's, with `/etc/buildpacks/images.json` naming the run images
    /// in the registry.
    pub build_image: String,
    pub static_run_image: String,
    pub node_run_image: String,
    pub java_run_image: String,
    /// The lifecycle image for `pack build --lifecycle-image`.
    pub lifecycle_image: String,
    /// The stack's RPM repository.
    pub rpms: PathBuf,
}

impl Published {
    /// Pushes the stack and the lifecycle image (once per process).
    pub fn get() -> &'static Published {
        static PUBLISHED: OnceLock<Published> = OnceLock::new();
        PUBLISHED.get_or_init(Published::push)
    }

    fn push() -> Published {
        let stack = Stack::get();
        let endpoints = Endpoints::get();
        let in_registry = |image: &str| {
            let name = image
                .strip_prefix("localhost/e2e/")
                .unwrap_or_else(|| panic!("{image} is not a localhost/e2e/ image"));
            endpoints.image(name)
        };
        let published = Published {
            build_image: in_registry(stack.value("BUILD_IMAGE")),
            static_run_image: in_registry(STATIC_RUN_IMAGE),
            node_run_image: in_registry(stack.value("NODE_RUN_IMAGE")),
            java_run_image: in_registry(stack.value("JAVA_RUN_IMAGE")),
            lifecycle_image: endpoints.image(&format!("lifecycle:{LIFECYCLE_VERSION}")),
            rpms: PathBuf::from(stack.value("RPMS")),
        };
        for (local, remote) in [
            (STATIC_RUN_IMAGE, &published.static_run_image),
            (stack.value("NODE_RUN_IMAGE"), &published.node_run_image),
            (stack.value("JAVA_RUN_IMAGE"), &published.java_run_image),
        ] {
            skopeo_copy(
                &format!("containers-storage:{local}"),
                &format!("docker://{remote}"),
            );
        }
        push_build_image(stack.value("BUILD_IMAGE"), &published.build_image);
        push_lifecycle_image(&published.lifecycle_image);
        published
    }
}

/// The stack's build image with its `images.json` naming the run images in the registry (the
/// extensions switch to those names), pushed as `remote`.
fn push_build_image(local: &str, remote: &str) {
    let podman = Podman::locate();
    let images_json = podman.run_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        local,
        "cat",
        "/etc/buildpacks/images.json",
    ]);
    let registry_prefix = remote
        .rsplit_once("/e2e/")
        .map(|(registry, _)| format!("{registry}/e2e/"))
        .expect("a registry image");
    let context = tempfile::tempdir_in(e2e_dir()).expect("create a build context");
    std::fs::write(
        context.path().join("images.json"),
        images_json.replace("localhost/e2e/", &registry_prefix),
    )
    .expect("write images.json");
    let user = podman.run_ok(&["image", "inspect", "--format", "{{.Config.User}}", local]);
    std::fs::write(
        context.path().join("Containerfile"),
        format!(
            "FROM {local}\nUSER root\nCOPY images.json /etc/buildpacks/images.json\nUSER {user}\n"
        ),
    )
    .expect("write the Containerfile");
    let tag = "localhost/e2e/build-registry:latest";
    let _ = podman.run_ok(&[
        "build",
        "--quiet",
        "--network",
        "none",
        "--pull=never",
        "--tag",
        tag,
        &context.path().display().to_string(),
    ]);
    skopeo_copy(
        &format!("containers-storage:{tag}"),
        &format!("docker://{remote}"),
    );
    let _ = podman.run_ok(&["rmi", tag]);
}

/// The lifecycle image `pack build --lifecycle-image` takes: the lifecycle at `/cnb/lifecycle/`
/// (its phases as links), `/etc/passwd` with root (podman refuses `User: root` without it), a
/// world-writable `/tmp` (the exporter writes there as the build user), and the labels
/// `io.buildpacks.lifecycle.version` and `io.buildpacks.lifecycle.apis`.
fn push_lifecycle_image(remote: &str) {
    let bin = tools_dir().join("bin");
    let mut rootfs = RootFs::new();
    rootfs
        .dir("/cnb", 0o755, 0, 0)
        .dir("/cnb/lifecycle", 0o755, 0, 0)
        .dir("/etc", 0o755, 0, 0)
        .dir("/tmp", 0o1777, 0, 0)
        .file(
            "/etc/passwd",
            b"root:x:0:0:root:/root:/sbin/nologin\n",
            0o644,
            0,
            0,
        )
        .copy_file(
            "/cnb/lifecycle/lifecycle",
            &bin.join("lifecycle"),
            0o755,
            0,
            0,
        )
        .copy_file(
            "/cnb/lifecycle/launcher",
            &bin.join("launcher"),
            0o755,
            0,
            0,
        );
    for phase in packager::builder_image::LIFECYCLE_PHASES {
        if phase != "launcher" {
            rootfs.symlink(
                &format!("/cnb/lifecycle/{phase}"),
                Path::new("lifecycle"),
                0,
                0,
            );
        }
    }
    let apis = serde_json::json!({
        "buildpack": {"deprecated": [], "supported": BUILDPACK_APIS},
        "platform": {"deprecated": [], "supported": PLATFORM_APIS},
    });
    let podman = Podman::locate();
    let image = podman.import_rootfs(
        rootfs,
        LIFECYCLE_IMAGE,
        &[
            &format!("LABEL io.buildpacks.lifecycle.version={LIFECYCLE_VERSION}"),
            // Taken verbatim by podman import (no quotes: they would be kept).
            &format!("LABEL io.buildpacks.lifecycle.apis={apis}"),
            "USER root",
        ],
    );
    skopeo_copy(
        &format!("containers-storage:{}", image.reference),
        &format!("docker://{remote}"),
    );
}

/// How long one builder took to make, and what it is.
#[derive(Debug, Clone)]
pub struct BuilderFigures {
    /// Making the builder (pack: pulling the build image and pushing what it adds; packager:
    /// writing the OCI layout).
    pub seconds: f64,
    /// Pushing the packager's OCI layout with skopeo (zero for pack: in `seconds`).
    pub push_seconds: f64,
    /// The image's layers, and their compressed size in bytes (as in the registry).
    pub layers: usize,
    pub bytes: u64,
}

/// One builder definition made twice.
#[derive(Debug)]
pub struct Builders {
    /// Made by `pack builder create --publish`.
    pub pack: String,
    /// Made by `packager builder create`, pushed with skopeo.
    pub packager: String,
    pub pack_figures: BuilderFigures,
    pub packager_figures: BuilderFigures,
}

impl Builders {
    /// Both builders of `tests/e2e/builder.toml` (once per process).
    pub fn get() -> &'static Builders {
        static BUILDERS: OnceLock<Builders> = OnceLock::new();
        BUILDERS.get_or_init(Builders::create)
    }

    fn create() -> Builders {
        let published = Published::get();
        let endpoints = Endpoints::get();
        let work = e2e_dir().join("work");
        if work.exists() {
            std::fs::remove_dir_all(&work)
                .unwrap_or_else(|error| panic!("empty {}: {error}", work.display()));
        }
        std::fs::create_dir_all(&work).expect("create the work dir");
        let rendered = render_definition(&work, &endpoints.registry);
        let pack_config = pack_config(&rendered);

        let pack_builder = endpoints.image("builder-pack:latest");
        let started = Instant::now();
        let _ = pack(&[
            "builder",
            "create",
            &pack_builder,
            "--config",
            &pack_config.display().to_string(),
            "--publish",
        ]);
        let pack_seconds = started.elapsed().as_secs_f64();

        let packager_builder = endpoints.image("builder-packager:latest");
        let build_layout = work.join("build-image");
        skopeo_copy(
            &format!("docker://{}", published.build_image),
            &format!("oci:{}:latest", build_layout.display()),
        );
        let started = Instant::now();
        let output = work.join("builder-packager");
        let bin = tools_dir().join("bin");
        create_builder(&CreateOptions {
            config: rendered,
            build_image: Some(build_layout),
            build_image_tag: Some("latest".to_string()),
            lifecycle: bin.join("lifecycle"),
            launcher: Some(bin.join("launcher")),
            output: Some(output.clone()),
            output_tag: "latest".to_string(),
            publish: None,
            registry: packager::registry::RegistryOptions::default(),
        })
        .expect("packager builder create");
        let packager_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        skopeo_copy(
            &format!("oci:{}:latest", output.display()),
            &format!("docker://{packager_builder}"),
        );
        let push_seconds = started.elapsed().as_secs_f64();
        Builders {
            pack_figures: figures(&pack_builder, pack_seconds, 0.0),
            packager_figures: figures(&packager_builder, packager_seconds, push_seconds),
            pack: pack_builder,
            packager: packager_builder,
        }
    }
}

/// A builder image's layers and compressed size, from the registry.
fn figures(image: &str, seconds: f64, push_seconds: f64) -> BuilderFigures {
    let manifest: serde_json::Value = {
        let text = run(Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--raw"])
            .arg(format!("docker://{image}")));
        serde_json::from_str(&text).expect("a manifest")
    };
    let layers = manifest["layers"].as_array().expect("layers");
    BuilderFigures {
        seconds,
        push_seconds,
        layers: layers.len(),
        bytes: layers
            .iter()
            .map(|layer| layer["size"].as_u64().expect("a layer size"))
            .sum(),
    }
}

/// Our modules as buildpackages in `<target>/e2e/modules` (once per process).
pub fn packages() -> &'static [PackagedCnb] {
    static PACKAGES: OnceLock<Vec<PackagedCnb>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let cnb_dir = e2e_dir().join("modules");
        std::fs::create_dir_all(&cnb_dir).expect("create the modules dir");
        MODULE_CRATES
            .iter()
            .map(|crate_dir| {
                let module = cnb_harness::Module::package(crate_dir);
                let cnb = cnb_dir.join(format!("{}.cnb", module.escaped_id()));
                write_buildpackage(&module.dir, &cnb).expect("write the buildpackage");
                let details = ModuleDetails::read(&module.dir).expect("read the module");
                PackagedCnb { details, cnb }
            })
            .collect()
    })
}

/// `tests/e2e/builder.toml` rendered to point at our modules' buildpackages
/// (`<work>/builders/e2e/builder.toml`), with its images named in the registry.
fn render_definition(work: &Path, registry: &str) -> PathBuf {
    let definition = Definition {
        name: "e2e".to_string(),
        path: workspace_root().join("tests/e2e/builder.toml"),
    };
    let builder_toml = render(&definition, packages(), &work.join("builders"))
        .expect("render tests/e2e/builder.toml");
    let rendered = std::fs::read_to_string(&builder_toml).expect("read the rendered file");
    let stack = Stack::get();
    for key in ["BUILD_IMAGE", "NODE_RUN_IMAGE", "JAVA_RUN_IMAGE"] {
        assert!(
            rendered.contains(&format!("image = \"{}\"", stack.value(key))),
            "tests/e2e/builder.toml must name the stack's image {} ({key}): this machine's \
             Node.js or JDK major differs from the definition's",
            stack.value(key)
        );
    }
    std::fs::write(
        &builder_toml,
        rendered.replace("\"localhost/e2e/", &format!("\"{registry}/e2e/")),
    )
    .expect("write the rendered file");
    builder_toml
}

/// pack's copy of a rendered definition, next to it (its module `uri`s are relative): the
/// `[lifecycle]` is the tarball tests/install-lifecycle.sh made (`uri`), not a version pack
/// would download.
#[must_use]
pub fn pack_config(rendered: &Path) -> PathBuf {
    let text = std::fs::read_to_string(rendered).expect("read the rendered file");
    let mut table: toml::Table = toml::from_str(&text).expect("a rendered builder.toml");
    let tarball = tools_dir().join(format!("lifecycle-v{LIFECYCLE_VERSION}+linux.x86-64.tgz"));
    assert!(
        tarball.is_file(),
        "{} is missing: run tests/install-lifecycle.sh",
        tarball.display()
    );
    let mut lifecycle = toml::Table::new();
    lifecycle.insert(
        "uri".to_string(),
        format!("file://{}", tarball.display()).into(),
    );
    table.insert("lifecycle".to_string(), lifecycle.into());
    let path = rendered.with_file_name("pack-builder.toml");
    std::fs::write(&path, toml::to_string(&table).expect("serialize")).expect("write");
    path
}

/// `pack <args>` against podman's Docker API, with this run's pack home; its output, whatever
/// the exit code.
#[must_use]
pub fn pack_output(args: &[&str]) -> Output {
    let endpoints = Endpoints::get();
    Command::new(tools_dir().join("bin/pack"))
        .args(args)
        .arg("--no-color")
        .env("DOCKER_HOST", &endpoints.docker_host)
        .env("PACK_HOME", &endpoints.pack_home)
        .output()
        .expect("run pack")
}

/// `pack <args>`; panics with its output when it fails.
#[must_use]
pub fn pack(args: &[&str]) -> String {
    let output = pack_output(args);
    let text = output_text(&output);
    assert!(
        output.status.success(),
        "pack {} failed ({}):\n{text}",
        args.join(" "),
        output.status
    );
    text
}

/// What one `pack build` printed, and how long it took.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub output: String,
    pub success: bool,
    pub duration: Duration,
}

/// An app built again and again with one builder, as a user does: `pack build --publish`.
#[derive(Debug)]
pub struct AppBuild {
    source: PathBuf,
    builder: String,
    /// `<registry>/e2e/app-<port>-<name>:latest`, the image pack pushes.
    pub image: String,
    env: Vec<(String, String)>,
}

impl AppBuild {
    /// An app whose source is `source` (a directory, or a jar as `pack build --path app.jar`),
    /// built with `builder`.
    #[must_use]
    pub fn new(name: &str, source: &Path, builder: &str) -> Self {
        Self {
            source: source.to_path_buf(),
            builder: builder.to_string(),
            image: Endpoints::get().image(&format!("{}:latest", app_name(name))),
            env: Vec::new(),
        }
    }

    /// `pack build --env <name>=<value>`.
    #[must_use]
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// `pack build`, whatever its outcome: pull policy `always` (pack requires it with
    /// extensions), the untrusted flow (each phase in its container) with our lifecycle image,
    /// the host's network (the phases reach the loopback registry; the Go toolchain comes from
    /// `GOPROXY`) and the stack's RPM repository mounted (as the network would serve it).
    #[must_use]
    pub fn try_build(&self) -> BuildReport {
        let published = Published::get();
        let registry = &Endpoints::get().registry;
        let path = self.source.display().to_string();
        let volume = format!("{}:{RPMS_MOUNT}:ro", published.rpms.display());
        let mut args = vec![
            "build",
            &self.image,
            "--builder",
            &self.builder,
            "--path",
            &path,
            "--publish",
            "--pull-policy",
            "always",
            "--lifecycle-image",
            &published.lifecycle_image,
            "--insecure-registry",
            registry,
            "--network",
            "host",
            "--volume",
            &volume,
        ];
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        for pair in &env {
            args.extend(["--env", pair]);
        }
        let started = Instant::now();
        let output = pack_output(&args);
        BuildReport {
            output: output_text(&output),
            success: output.status.success(),
            duration: started.elapsed(),
        }
    }

    /// `pack build`; panics with its output when it fails.
    #[must_use]
    pub fn build(&self) -> BuildReport {
        let report = self.try_build();
        assert!(
            report.success,
            "pack build {} failed:\n{}",
            self.image, report.output
        );
        report
    }

    /// Pulls the app image and starts it (its default process) with `PORT=<port>` on the
    /// host's network.
    #[must_use]
    pub fn start(&self, port: u16) -> Container {
        let podman = Podman::locate();
        let _ = podman.run_ok(&["pull", "--quiet", "--tls-verify=false", &self.image]);
        podman.run_detached(
            &podman.existing(&self.image),
            &["--network", "host", "--env", &format!("PORT={port}")],
            &[],
        )
    }
}
