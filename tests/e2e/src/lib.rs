//! End-to-end builds, without a Docker daemon: what `pack build` does with our builder, done with
//! the real lifecycle's phases in containers (podman) on a local UBI-like stack.
//!
//! - [`Stack`]: the images of `tests/e2e/stack/build.sh` (a Debian build image standing in for
//!   UBI 8 with dnf as `microdnf` and a local RPM repository; Node.js and Java run images) and
//!   the static run image ([`RootFs::static_run_image`]).
//! - [`Builder`]: our modules packaged (`.cnb`), `tests/e2e/builder.toml` rendered like every
//!   builder definition, the builder image from `packager builder create` over the build image,
//!   loaded into podman; an OCI layout repository holding the run images (the lifecycle's
//!   `-layout` mode reads images from there and writes the app image there).
//! - [`AppBuild`]: one app built as pack builds it: `analyzer`, `detector`, `restorer`, the
//!   build image extended with each generated `build.Dockerfile` (`podman build`, with the build
//!   args the lifecycle's extender passes: its kaniko-based `extender` cannot be built here), then
//!   `builder` in the extended image, `exporter`; the app image loaded into podman and run.
//!   The cache directory and the layout repository persist between builds of the same app.
//!
//! Everything panics with the command's output when a step fails: these are tests.

#![allow(clippy::missing_panics_doc)]

use cnb_harness::{Container, Podman, RootFs, STATIC_RUN_GID, STATIC_RUN_UID, workspace_root};
use packager::builder_image::{CreateOptions, create_builder};
use packager::builders::{Definition, PackagedCnb, render};
use packager::buildpackage::{ModuleDetails, write_buildpackage};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The lifecycle's Platform API the phases run with.
pub const PLATFORM_API: &str = "0.14";
/// The stack's build user and group (`CNB_USER_ID`, `CNB_GROUP_ID` of the build image).
pub const CNB_USER: &str = "1002:1000";
/// The static run image, the builder's default run image.
pub const STATIC_RUN_IMAGE: &str = "localhost/e2e/run-static:latest";
/// The builder image in podman.
pub const BUILDER_IMAGE: &str = "localhost/e2e/builder:latest";
/// Where the OCI layout repository is mounted in the phases' containers.
const LAYOUT_MOUNT: &str = "/layout-repo";
/// Where the stack's RPM repository is mounted while a `build.Dockerfile` is applied (the
/// build image's `/etc/yum.repos.d/e2e.repo` points there).
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

/// `<target>/e2e/work`: emptied when the builder is created (once per test process), so one
/// end-to-end run at a time (image tags are shared too); holds the builder's files and every
/// build's directories.
fn work_dir() -> PathBuf {
    e2e_dir().join("work")
}

/// Runs a command; panics with its output when it cannot start or fails. Returns stdout and
/// stderr together.
fn run(command: &mut Command) -> String {
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
fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `skopeo copy --quiet <source> <destination>` (e.g. `containers-storage:<image>`,
/// `oci:<dir>:<tag>`).
fn skopeo_copy(source: &str, destination: &str) {
    run(Command::new("skopeo").args(["copy", "--quiet", source, destination]));
}

/// Where the lifecycle's layout mode keeps `image` (`<registry>/<repository>:<tag>`) in the
/// layout repository: `<repository dir>/<registry>/<repository>/<tag>`; and the tag.
fn layout_dir<'a>(layout_repo: &Path, image: &'a str) -> (PathBuf, &'a str) {
    let (name, tag) = image.rsplit_once(':').expect("a tagged image");
    (layout_repo.join(name).join(tag), tag)
}

/// `chown -R 1002:1000 <dir>`: the phases run as the cnb user.
fn chown_cnb(dir: &Path) {
    run(Command::new("chown").args(["-R", CNB_USER]).arg(dir));
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

/// The builder image and the layout repository with the run images.
#[derive(Debug)]
pub struct Builder {
    /// The OCI layout repository (`<registry>/<repository>/<tag>` directories).
    pub layout_repo: PathBuf,
    /// The stack's RPM repository.
    pub rpms: PathBuf,
    /// The builder's `CNB_USER_ID:CNB_GROUP_ID` as its image config's `User`.
    pub user: (String, String),
    _scratch: tempfile::TempDir,
}

impl Builder {
    /// Creates the builder (once per process).
    pub fn get() -> &'static Builder {
        static BUILDER: OnceLock<Builder> = OnceLock::new();
        BUILDER.get_or_init(Builder::create)
    }

    fn create() -> Builder {
        let stack = Stack::get();
        let work = work_dir();
        if work.exists() {
            std::fs::remove_dir_all(&work)
                .unwrap_or_else(|error| panic!("empty {}: {error}", work.display()));
        }
        std::fs::create_dir_all(&work).expect("create the work dir");
        let scratch = tempfile::tempdir_in(&work).expect("create a scratch dir");

        let builder_toml = render_definition(stack, scratch.path());

        // The build image as an OCI layout, the builder over it, loaded into podman.
        let build_layout = scratch.path().join("build-image");
        skopeo_copy(
            &format!("containers-storage:{}", stack.value("BUILD_IMAGE")),
            &format!("oci:{}:latest", build_layout.display()),
        );
        let builder_layout = scratch.path().join("builder");
        let tools = workspace_root().join("target/tools/bin");
        let (lifecycle, launcher) = (tools.join("lifecycle"), tools.join("launcher"));
        for binary in [&lifecycle, &launcher] {
            assert!(
                binary.is_file(),
                "{} is missing: run tests/install-lifecycle.sh",
                binary.display()
            );
        }
        create_builder(&CreateOptions {
            config: builder_toml.clone(),
            build_image: build_layout,
            build_image_tag: Some("latest".to_string()),
            lifecycle,
            launcher: Some(launcher),
            output: builder_layout.clone(),
            output_tag: "latest".to_string(),
        })
        .expect("packager builder create");
        skopeo_copy(
            &format!("oci:{}:latest", builder_layout.display()),
            &format!("containers-storage:{BUILDER_IMAGE}"),
        );
        let user = Podman::locate().run_ok(&[
            "image",
            "inspect",
            "--format",
            "{{.Config.User}}",
            BUILDER_IMAGE,
        ]);
        let (uid, gid) = user
            .split_once(':')
            .unwrap_or_else(|| panic!("the builder's User is not uid:gid: {user:?}"));

        // The run images in the layout repository, at the paths the lifecycle derives from
        // their names (`<registry>/<repository>/<tag>`).
        let layout_repo = scratch.path().join("layout-repo");
        for image in [
            STATIC_RUN_IMAGE,
            stack.value("NODE_RUN_IMAGE"),
            stack.value("JAVA_RUN_IMAGE"),
        ] {
            let (dir, tag) = layout_dir(&layout_repo, image);
            std::fs::create_dir_all(&dir).expect("create a layout dir");
            skopeo_copy(
                &format!("containers-storage:{image}"),
                &format!("oci:{}:{tag}", dir.display()),
            );
        }
        chown_cnb(&layout_repo);

        Builder {
            layout_repo,
            rpms: PathBuf::from(stack.value("RPMS")),
            user: (uid.to_string(), gid.to_string()),
            _scratch: scratch,
        }
    }
}

/// Our modules as buildpackages in `<scratch>/modules`, and `tests/e2e/builder.toml` rendered to
/// point at them (`<scratch>/builders/e2e/builder.toml`), checked against the stack's run images.
fn render_definition(stack: &Stack, scratch: &Path) -> PathBuf {
    // Our modules as buildpackages, and the definition rendered to point at them.
    let cnb_dir = scratch.join("modules");
    std::fs::create_dir_all(&cnb_dir).expect("create the modules dir");
    let packages: Vec<PackagedCnb> = MODULE_CRATES
        .iter()
        .map(|crate_dir| {
            let module = cnb_harness::Module::package(crate_dir);
            let cnb = cnb_dir.join(format!("{}.cnb", module.escaped_id()));
            write_buildpackage(&module.dir, &cnb).expect("write the buildpackage");
            let details = ModuleDetails::read(&module.dir).expect("read the module");
            PackagedCnb { details, cnb }
        })
        .collect();
    let definition = Definition {
        name: "e2e".to_string(),
        path: workspace_root().join("tests/e2e/builder.toml"),
    };
    let builder_toml = render(&definition, &packages, &scratch.join("builders"))
        .expect("render tests/e2e/builder.toml");
    let rendered = std::fs::read_to_string(&builder_toml).expect("read the rendered file");
    for key in ["NODE_RUN_IMAGE", "JAVA_RUN_IMAGE"] {
        assert!(
            rendered.contains(&format!("image = \"{}\"", stack.value(key))),
            "tests/e2e/builder.toml must list the stack's run image {} ({key}): this \
                 machine's Node.js or JDK major differs from the definition's",
            stack.value(key)
        );
    }
    builder_toml
}

/// One phase's output and duration.
#[derive(Debug, Clone)]
pub struct Step {
    /// `analyzer`, `detector`, ..., or `extend <extension id>`.
    pub name: String,
    pub output: String,
    pub duration: Duration,
}

/// What one build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub steps: Vec<Step>,
    /// `<layers>/group.toml`, `<layers>/analyzed.toml` after the restorer.
    pub group: toml::Table,
    pub analyzed: toml::Table,
    /// The generated Dockerfiles, by `<escaped extension id>/<kind>.Dockerfile`.
    pub dockerfiles: BTreeMap<String, String>,
    pub total: Duration,
}

impl BuildReport {
    /// The output of the step named `name`; panics when there is none.
    #[must_use]
    pub fn output(&self, name: &str) -> &str {
        &self
            .steps
            .iter()
            .find(|step| step.name == name)
            .unwrap_or_else(|| panic!("no step {name}: {:?}", self.step_names()))
            .output
    }

    /// The steps' names, in order.
    #[must_use]
    pub fn step_names(&self) -> Vec<&str> {
        self.steps.iter().map(|step| step.name.as_str()).collect()
    }

    /// One line per step with its duration, and the total.
    #[must_use]
    pub fn timings(&self) -> String {
        let mut text = String::new();
        for step in &self.steps {
            let _ = write!(text, "{} {:.1}s, ", step.name, step.duration.as_secs_f64());
        }
        let _ = write!(text, "total {:.1}s", self.total.as_secs_f64());
        text
    }
}

/// An app built again and again with the builder, with one cache directory.
#[derive(Debug)]
pub struct AppBuild {
    name: String,
    source: PathBuf,
    /// `localhost/e2e/app-<name>:latest`, the image the exporter writes.
    pub image: String,
    network: bool,
    platform_env: BTreeMap<String, String>,
    cache: tempfile::TempDir,
    scratch: tempfile::TempDir,
    builds: usize,
}

impl AppBuild {
    /// An app whose source is the directory `source` (copied for every build, as pack copies
    /// the app into a fresh volume).
    #[must_use]
    pub fn new(name: &str, source: &Path) -> Self {
        Builder::get();
        remove_extended_images(name);
        let cache = tempfile::tempdir_in(work_dir()).expect("create the cache dir");
        chown_cnb(cache.path());
        Self {
            name: name.to_string(),
            source: source.to_path_buf(),
            image: format!("localhost/e2e/app-{name}:latest"),
            network: false,
            platform_env: BTreeMap::new(),
            cache,
            scratch: tempfile::tempdir_in(work_dir()).expect("create a scratch dir"),
            builds: 0,
        }
    }

    /// Lets the `builder` phase reach the network (the Go toolchain and modules come from
    /// `GOPROXY`); every other phase runs with `--network none`.
    #[must_use]
    pub fn with_network(mut self) -> Self {
        self.network = true;
        self
    }

    /// A platform env var (`<platform>/env/<name>`), as `pack build --env`.
    #[must_use]
    pub fn platform_env(mut self, name: &str, value: &str) -> Self {
        self.platform_env
            .insert(name.to_string(), value.to_string());
        self
    }

    /// Builds the app: every phase as pack runs them, the extensions' build Dockerfiles applied
    /// with podman; the app image is written to the layout repository and loaded into podman.
    pub fn build(&mut self) -> BuildReport {
        let builder = Builder::get();
        let started = Instant::now();
        let phases = self.next_build();
        let (workspace, layers) = (phases.workspace.clone(), phases.layers.clone());
        let layout_flags = ["-layout", "-layout-dir", LAYOUT_MOUNT];
        let mut steps = vec![
            phases.run(
                "analyzer",
                BUILDER_IMAGE,
                false,
                &[&layout_flags[..], &[self.image.as_str()]].concat(),
            ),
            phases.run("detector", BUILDER_IMAGE, false, &[]),
            phases.run(
                "restorer",
                BUILDER_IMAGE,
                false,
                &[&layout_flags[..], &["-cache-dir", "/cache"]].concat(),
            ),
        ];
        let group = read_toml(&layers.join("group.toml"));
        let analyzed = read_toml(&layers.join("analyzed.toml"));
        let (build_image, extend_steps) = self.extend(&layers, &workspace, &group);
        steps.extend(extend_steps);
        steps.push(phases.run("builder", &build_image, self.network, &[]));
        steps.push(phases.run(
            "exporter",
            BUILDER_IMAGE,
            false,
            &[&layout_flags[..], &["-cache-dir", "/cache", &self.image]].concat(),
        ));
        self.load_image(builder);
        BuildReport {
            steps,
            group,
            analyzed,
            dockerfiles: generated_dockerfiles(&layers.join("generated")),
            total: started.elapsed(),
        }
    }

    /// A new build's directories (the app copied, the platform env written, all owned by the
    /// cnb user) and the phases over them.
    fn next_build(&mut self) -> Phases<'static> {
        self.builds += 1;
        let build_dir = self.scratch.path().join(format!("build-{}", self.builds));
        let phases = Phases {
            builder: Builder::get(),
            workspace: build_dir.join("workspace"),
            layers: build_dir.join("layers"),
            platform: build_dir.join("platform"),
            cache: self.cache.path().to_path_buf(),
        };
        for dir in [
            &phases.workspace,
            &phases.layers,
            &phases.platform.join("env"),
        ] {
            std::fs::create_dir_all(dir).expect("create a build dir");
        }
        run(Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", self.source.display()))
            .arg(&phases.workspace));
        for (name, value) in &self.platform_env {
            std::fs::write(phases.platform.join("env").join(name), value)
                .expect("write a platform env");
        }
        chown_cnb(&build_dir);
        phases
    }

    /// A build that must stop at detection: the analyzer succeeds, the detector fails. Returns
    /// the detector's exit code and output.
    pub fn detect_failure(&mut self) -> (i32, String) {
        let phases = self.next_build();
        phases.run(
            "analyzer",
            BUILDER_IMAGE,
            false,
            &["-layout", "-layout-dir", LAYOUT_MOUNT, &self.image],
        );
        let output = phases
            .command("detector", BUILDER_IMAGE, false, &[])
            .output()
            .expect("run podman");
        let text = output_text(&output);
        assert!(!output.status.success(), "the detector passed:\n{text}");
        (output.status.code().unwrap_or(-1), text)
    }

    /// What the lifecycle's extender does for the build image, with `podman build`: each
    /// extension's `build.Dockerfile`, in the group's order, over the previous result, with the
    /// args `build_id` (new each build), `user_id`, `group_id` (the builder's user) and the
    /// extension's `extend-config.toml` build args; the context is `context.build` or `context`
    /// of the extension's output, else the app. Returns the image to build in.
    fn extend(&self, layers: &Path, workspace: &Path, group: &toml::Table) -> (String, Vec<Step>) {
        let builder = Builder::get();
        let mut base = BUILDER_IMAGE.to_string();
        let mut steps = Vec::new();
        let extensions = group
            .get("group-extensions")
            .and_then(toml::Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (index, extension) in extensions.iter().enumerate() {
            let id = extension["id"].as_str().expect("an extension id");
            let output = layers.join("generated").join(id.replace('/', "_"));
            let dockerfile = output.join("build.Dockerfile");
            if !dockerfile.is_file() {
                continue;
            }
            let started = Instant::now();
            let tag = format!("localhost/e2e/extended-{}:{}", self.name, index + 1);
            // New for every build, as the extender's (a UUID there).
            let build_id = format!("{}-{}-{}", std::process::id(), self.builds, index + 1);
            let mut args: Vec<String> = vec![
                "build".into(),
                "--network".into(),
                "none".into(),
                "--pull=never".into(),
                "--file".into(),
                dockerfile.display().to_string(),
                "--volume".into(),
                format!("{}:{RPMS_MOUNT}:ro", builder.rpms.display()),
                "--build-arg".into(),
                format!("base_image={base}"),
                "--build-arg".into(),
                format!("build_id={build_id}"),
                "--build-arg".into(),
                format!("user_id={}", builder.user.0),
                "--build-arg".into(),
                format!("group_id={}", builder.user.1),
            ];
            for (name, value) in extend_config_build_args(&output.join("extend-config.toml")) {
                args.extend(["--build-arg".into(), format!("{name}={value}")]);
            }
            args.extend(["--tag".into(), tag.clone()]);
            let context = ["context.build", "context"]
                .iter()
                .map(|dir| output.join(dir))
                .find(|dir| dir.is_dir())
                .unwrap_or_else(|| workspace.to_path_buf());
            args.push(context.display().to_string());
            let text = run(Command::new("podman").args(&args));
            steps.push(Step {
                name: format!("extend {id}"),
                output: text,
                duration: started.elapsed(),
            });
            base = tag;
        }
        (base, steps)
    }

    /// Loads the app image the exporter wrote into podman, as `self.image`.
    fn load_image(&self, builder: &Builder) {
        let (dir, tag) = layout_dir(&builder.layout_repo, &self.image);
        skopeo_copy(
            &format!("oci:{}:{tag}", dir.display()),
            &format!("containers-storage:{}", self.image),
        );
    }

    /// Starts the app image (its default process) with `PORT=<port>` on the host's network.
    #[must_use]
    pub fn start(&self, port: u16) -> Container {
        let podman = Podman::locate();
        podman.run_detached(
            &podman.existing(&self.image),
            &["--network", "host", "--env", &format!("PORT={port}")],
            &[],
        )
    }
}

/// Removes the images an earlier run extended for the app `name`: podman build's layer cache
/// would make a first build look like a rebuild. One app at a time: `podman images` fails when
/// another test removes an image while it lists them.
fn remove_extended_images(name: &str) {
    static REMOVING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = REMOVING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let podman = Podman::locate();
    let extended = podman.run_ok(&[
        "images",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        &format!("localhost/e2e/extended-{name}"),
    ]);
    for image in extended.lines() {
        let _ = podman.run_ok(&["rmi", "--force", image]);
    }
}

/// The mounts and environment every phase of one build runs with.
struct Phases<'a> {
    builder: &'a Builder,
    workspace: PathBuf,
    layers: PathBuf,
    platform: PathBuf,
    cache: PathBuf,
}

impl Phases<'_> {
    /// `podman run` of `/cnb/lifecycle/<phase> <args>` in `image` as the cnb user; panics when
    /// it fails.
    fn run(&self, phase: &str, image: &str, network: bool, args: &[&str]) -> Step {
        let started = Instant::now();
        let output = run(&mut self.command(phase, image, network, args));
        Step {
            name: phase.to_string(),
            output,
            duration: started.elapsed(),
        }
    }

    /// The `podman run` of a phase, with the layers, app, platform, cache and layout repository
    /// mounted.
    fn command(&self, phase: &str, image: &str, network: bool, args: &[&str]) -> Command {
        let volume = |source: &Path, target: &str| format!("{}:{target}", source.display());
        let mut command = Command::new("podman");
        command
            .args(["run", "--rm", "--user", CNB_USER])
            .args(["--network", if network { "host" } else { "none" }])
            .args(["--env", &format!("CNB_PLATFORM_API={PLATFORM_API}")])
            .args(["--env", "CNB_EXPERIMENTAL_MODE=warn"])
            .args(["--volume", &volume(&self.layers, "/layers")])
            .args(["--volume", &volume(&self.workspace, "/workspace")])
            .args([
                "--volume",
                &format!("{}:ro", volume(&self.platform, "/platform")),
            ])
            .args(["--volume", &volume(&self.cache, "/cache")])
            .args(["--volume", &volume(&self.builder.layout_repo, LAYOUT_MOUNT)])
            .arg(image)
            .arg(format!("/cnb/lifecycle/{phase}"))
            .args(args);
        command
    }
}

fn read_toml(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    toml::from_str(&text).unwrap_or_else(|error| panic!("parse {}: {error}", path.display()))
}

/// `[[build.args]]` of an `extend-config.toml` (none when the file does not exist).
fn extend_config_build_args(path: &Path) -> Vec<(String, String)> {
    if !path.is_file() {
        return Vec::new();
    }
    read_toml(path)
        .get("build")
        .and_then(|build| build.get("args"))
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .map(|arg| {
            (
                arg["name"].as_str().expect("an arg name").to_string(),
                arg["value"].as_str().expect("an arg value").to_string(),
            )
        })
        .collect()
}

/// The Dockerfiles under `<layers>/generated`, by `<escaped id>/<file>`.
fn generated_dockerfiles(generated: &Path) -> BTreeMap<String, String> {
    let mut dockerfiles = BTreeMap::new();
    let Ok(extensions) = std::fs::read_dir(generated) else {
        return dockerfiles;
    };
    for extension in extensions.flatten() {
        for file in std::fs::read_dir(extension.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with("Dockerfile") {
                let text = std::fs::read_to_string(file.path()).expect("read a Dockerfile");
                dockerfiles.insert(
                    format!("{}/{name}", extension.file_name().to_string_lossy()),
                    text,
                );
            }
        }
    }
    dockerfiles
}
