//! The real CNB lifecycle, run on this machine as an unprivileged user.

use crate::command::output_text;
use crate::module::{Module, ModuleKind, workspace_root};
use crate::{Outcome, read_toml};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// The Platform API the tests speak (the newest that lifecycle v0.21 and pack share).
pub const PLATFORM_API: &str = "0.14";

/// The user the lifecycle runs as when the tests run as root (it refuses root).
const DEFAULT_TEST_USER: &str = "cnbtest";

/// The lifecycle binary.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    binary: PathBuf,
}

impl Lifecycle {
    /// The lifecycle command, through `setpriv` as `user` when one is given, and the `HOME` to
    /// run it with.
    fn command(&self, user: Option<&User>) -> (Command, String) {
        match user {
            Some(user) => {
                let mut command = Command::new("setpriv");
                command
                    .arg(format!("--reuid={}", user.uid))
                    .arg(format!("--regid={}", user.gid))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(&self.binary);
                (command, user.home.clone())
            }
            None => (
                Command::new(&self.binary),
                std::env::var("HOME").unwrap_or_else(|_| "/".to_string()),
            ),
        }
    }

    /// Runs `lifecycle <phase> -log-level debug -no-color <flags>` in `root`, as `user` when
    /// one is given, with only `PATH`, `HOME`, `CNB_PLATFORM_API` and `env` in its environment.
    fn run_phase(
        &self,
        user: Option<&User>,
        phase: &str,
        flags: &[(&str, &Path)],
        env: &BTreeMap<String, String>,
        root: &Path,
    ) -> std::process::Output {
        let (mut command, home) = self.command(user);
        command
            .arg(phase)
            .args(["-log-level", "debug", "-no-color"]);
        for (flag, path) in flags {
            command.arg(flag).arg(path);
        }
        crate::command::output(
            command
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", home)
                .env("CNB_PLATFORM_API", PLATFORM_API)
                .envs(env)
                .current_dir(root),
        )
    }
}

/// An unprivileged account from `/etc/passwd`.
#[derive(Debug, Clone)]
struct User {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

impl Lifecycle {
    /// The lifecycle installed by `tests/install-lifecycle.sh` (part of the README's test
    /// command) at `target/tools/bin/lifecycle`, or the binary `CNB_LIFECYCLE` names.
    ///
    /// Panics, with how to install it, when there is none: a test that needs the lifecycle never
    /// skips.
    #[must_use]
    pub fn locate() -> Self {
        let binary = std::env::var_os("CNB_LIFECYCLE").map_or_else(
            || workspace_root().join("target/tools/bin/lifecycle"),
            PathBuf::from,
        );
        assert!(
            binary.is_file(),
            "the CNB lifecycle is not installed at {}: run tests/install-lifecycle.sh (the README's \
             test command does), or set CNB_LIFECYCLE to a lifecycle binary",
            binary.display()
        );
        Self { binary }
    }

    /// A `detector` run.
    #[must_use]
    pub fn detector(&self) -> DetectorRun {
        self.phase(DetectorInputs {
            order: String::new(),
            run_toml: None,
        })
    }

    /// A `builder` run.
    #[must_use]
    pub fn builder(&self) -> BuilderRun {
        self.phase(BuilderInputs {
            group: String::new(),
            plan: String::new(),
        })
    }

    fn phase<P>(&self, phase: P) -> PhaseRun<P> {
        PhaseRun {
            lifecycle: self.clone(),
            modules: Vec::new(),
            app_dir: None,
            platform_env: BTreeMap::new(),
            env: BTreeMap::new(),
            analyzed: None,
            phase,
        }
    }
}

/// The unprivileged user to run the lifecycle as, or `None` when the tests are not root.
fn unprivileged_user() -> Option<User> {
    let euid = std::fs::metadata("/proc/self")
        .expect("read /proc/self")
        .uid();
    if euid != 0 {
        return None;
    }
    let name = std::env::var("CNB_TEST_USER").unwrap_or_else(|_| DEFAULT_TEST_USER.to_string());
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let user = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&name.as_str()) && fields.len() >= 6).then(|| User {
            name: name.clone(),
            uid: fields[2].parse().unwrap_or(0),
            gid: fields[3].parse().unwrap_or(0),
            home: fields[5].to_string(),
        })
    });
    let user = user.unwrap_or_else(|| {
        panic!(
            "the lifecycle refuses to run as root and the tests run as root, but there is no user \
             {name:?}: create it (useradd --user-group --create-home {name}, as tests/setup.sh \
             does) or set CNB_TEST_USER to an unprivileged user"
        )
    });
    assert_ne!(
        user.uid, 0,
        "CNB_TEST_USER {:?} must not be root",
        user.name
    );
    Some(user)
}

/// One lifecycle phase over modules and an app: what the detector and the builder both take
/// (the setters below), and what only the phase `P` takes ([`DetectorInputs`], [`BuilderInputs`]).
#[derive(Debug, Clone)]
pub struct PhaseRun<P> {
    lifecycle: Lifecycle,
    modules: Vec<Module>,
    app_dir: Option<PathBuf>,
    platform_env: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    analyzed: Option<String>,
    phase: P,
}

/// What only the detector takes: the order, and the builder's `run.toml`.
#[derive(Debug, Clone)]
pub struct DetectorInputs {
    order: String,
    run_toml: Option<String>,
}

/// What only the builder takes: the group and the plan detection left.
#[derive(Debug, Clone)]
pub struct BuilderInputs {
    group: String,
    plan: String,
}

/// A `detector` invocation over an order of modules.
pub type DetectorRun = PhaseRun<DetectorInputs>;

/// A `builder` invocation: the build phase of a group of buildpacks over an app, as after
/// detection (and after the extensions' generate step, which removes the plan entries the
/// extensions satisfied).
pub type BuilderRun = PhaseRun<BuilderInputs>;

impl<P> PhaseRun<P> {
    /// Adds a module to the module directories (`<escaped id>/<version>`): extensions and
    /// buildpacks for the detector, buildpacks for the builder.
    #[must_use]
    pub fn module(mut self, module: &Module) -> Self {
        self.modules.push(module.clone());
        self
    }

    /// The app, copied into the scratch directory: the detector sees it as its own user would;
    /// the unprivileged user owns the builder's copy (the build may write to it).
    #[must_use]
    pub fn app(mut self, dir: impl AsRef<Path>) -> Self {
        self.app_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// A user-provided variable: `<platform>/env/<name>`.
    #[must_use]
    pub fn platform_env(mut self, name: &str, value: &str) -> Self {
        self.platform_env
            .insert(name.to_string(), value.to_string());
        self
    }

    /// A variable of the phase's own environment (the build image's), e.g. `CNB_STACK_ID`, or
    /// `PATH` (default: this process's `PATH`), which the builder passes on to the buildpacks.
    #[must_use]
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.to_string(), value.to_string());
        self
    }

    /// An `analyzed.toml` from a previous phase: without it the detector warns and starts
    /// empty, and the builder warns and takes the distro from this machine's `/etc/os-release`
    /// (with `[run-image.target]`, it takes `CNB_TARGET_*` from there).
    #[must_use]
    pub fn analyzed(mut self, toml: &str) -> Self {
        self.analyzed = Some(toml.to_string());
        self
    }
}

/// What the detector did.
#[derive(Debug)]
pub struct DetectorOutcome {
    /// The detector's exit code.
    pub exit_code: i32,
    /// stdout and stderr together, as a user sees them.
    pub output: String,
    /// `<layers>/group.toml`.
    pub group: Option<toml::Table>,
    /// `<layers>/plan.toml`.
    pub plan: Option<toml::Table>,
    /// `<layers>/analyzed.toml`.
    pub analyzed: Option<toml::Table>,
    /// Every file under `<layers>/generated`, by relative path.
    pub generated: BTreeMap<String, String>,
    /// The scratch directory (layers, app, modules), kept until the outcome drops.
    pub workdir: TempDir,
}

impl DetectorOutcome {
    /// The ids in `group.toml` under `key`: `group` (buildpacks) or `group-extensions`.
    #[must_use]
    pub fn group_ids(&self, key: &str) -> Vec<String> {
        self.group
            .as_ref()
            .and_then(|group| group.get(key))
            .and_then(toml::Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|entry| entry.get("id")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Panics, showing the whole outcome, unless detection passed with the group of
    /// `extensions` (`group-extensions` of `group.toml`) and `buildpacks` (`group`), in order.
    #[track_caller]
    #[allow(
        clippy::must_use_candidate,
        reason = "an assertion returns the outcome to chain more, and need not be chained"
    )]
    pub fn assert_group(&self, extensions: &[&Module], buildpacks: &[&Module]) -> &Self {
        self.assert_success();
        let ids = |modules: &[&Module]| -> Vec<String> {
            modules.iter().map(|module| module.id.clone()).collect()
        };
        let (wanted, got) = (
            (ids(extensions), ids(buildpacks)),
            (self.group_ids("group-extensions"), self.group_ids("group")),
        );
        assert!(
            wanted == got,
            "expected the extensions {:?} and the buildpacks {:?} in the group, got {:?} and \
             {:?}\n{self}",
            wanted.0,
            wanted.1,
            got.0,
            got.1
        );
        self
    }

    /// The entries of `plan.toml` (what the buildpacks' build receives).
    #[must_use]
    pub fn plan_entries(&self) -> Vec<toml::Value> {
        self.plan
            .as_ref()
            .and_then(|plan| plan.get("entries"))
            .and_then(toml::Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// The names of the entries of `plan.toml`.
    #[must_use]
    pub fn plan_entry_names(&self) -> Vec<String> {
        self.plan_entries()
            .iter()
            .filter_map(|entry| entry.get("name")?.as_str().map(str::to_string))
            .collect()
    }

    /// `[run-image]` of `analyzed.toml`; panics with the detector's output when there is none.
    #[must_use]
    pub fn run_image(&self) -> toml::Table {
        self.analyzed
            .as_ref()
            .and_then(|analyzed| analyzed.get("run-image"))
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_else(|| panic!("no [run-image] in analyzed.toml:\n{}", self.output))
    }
}

impl DetectorRun {
    /// The `order.toml` text (`[[order]]`, `[[order-extensions]]`).
    #[must_use]
    pub fn order(mut self, order: &str) -> Self {
        self.phase.order = order.to_string();
        self
    }

    /// `extension` and its companion `buildpack` as modules, in an order of one group each
    /// (`[[order-extensions]]`, `[[order]]`).
    #[must_use]
    pub fn extension_and_companion(self, extension: &Module, buildpack: &Module) -> Self {
        let order = format!(
            "[[order]]\n[[order.group]]\nid = \"{}\"\nversion = \"{}\"\n\n\
             [[order-extensions]]\n[[order-extensions.group]]\nid = \"{}\"\nversion = \"{}\"\n",
            buildpack.id, buildpack.version, extension.id, extension.version
        );
        self.module(extension).module(buildpack).order(&order)
    }

    /// The run image the analyzer chose (`analyzed.toml`'s `[run-image]`), listed in the
    /// builder's `run.toml` first, then `others`: the images an extension may switch to.
    #[must_use]
    pub fn run_images(self, analyzed: &str, others: &[String]) -> Self {
        let run_toml = std::iter::once(analyzed)
            .chain(others.iter().map(String::as_str))
            .map(|image| format!("[[images]]\nimage = \"{image}\"\n"))
            .collect::<Vec<_>>()
            .join("\n");
        self.analyzed(&format!(
            "[run-image]\nreference = \"{analyzed}\"\nimage = \"{analyzed}\"\n"
        ))
        .run_toml(&run_toml)
    }

    /// The builder's `run.toml` (the run images the extensions may switch to).
    #[must_use]
    pub fn run_toml(mut self, toml: &str) -> Self {
        self.phase.run_toml = Some(toml.to_string());
        self
    }

    /// Runs `lifecycle detect` (the detector phase) and collects its outputs.
    #[must_use]
    pub fn run(self) -> DetectorOutcome {
        self.run_timed().0
    }

    /// [`Self::run`], with the wall time of the lifecycle process alone (from spawn to
    /// exit; without the setup of the scratch dirs or the reading of the outputs): for
    /// benchmarks.
    #[must_use]
    pub fn run_timed(self) -> (DetectorOutcome, std::time::Duration) {
        let user = unprivileged_user();
        let scratch = Scratch::new(&self.modules, self.app_dir.as_deref(), &self.platform_env);
        let order = write(scratch.root().join("order.toml"), Some(&self.phase.order));
        let run_toml = write(
            scratch.root().join("run.toml"),
            self.phase.run_toml.as_deref(),
        );
        let analyzed = write(
            scratch.layers.join("analyzed.toml"),
            self.analyzed.as_deref(),
        );
        scratch.hand_to(user.as_ref(), &[&scratch.layers]);

        let started = std::time::Instant::now(); // clock: a figure for the outcome
        let output = self.lifecycle.run_phase(
            user.as_ref(),
            "detect",
            &[
                ("-app", &scratch.app),
                ("-layers", &scratch.layers),
                ("-buildpacks", &scratch.buildpacks),
                ("-extensions", &scratch.extensions),
                ("-order", &order),
                ("-platform", &scratch.platform),
                ("-analyzed", &analyzed),
                ("-run", &run_toml),
            ],
            &self.env,
            scratch.root(),
        );
        let elapsed = started.elapsed(); // clock: a figure for the outcome
        let layers = scratch.layers.clone();

        let generated = files_by_relative_path(&layers.join("generated"));
        let outcome = DetectorOutcome {
            exit_code: output.status.code().unwrap_or(-1),
            output: output_text(&output),
            group: read_toml(&layers.join("group.toml")),
            plan: read_toml(&layers.join("plan.toml")),
            analyzed: read_toml(&analyzed),
            generated,
            workdir: scratch.workdir,
        };
        (outcome, elapsed)
    }
}

/// What the builder did.
#[derive(Debug)]
pub struct BuilderOutcome {
    /// The builder's exit code.
    pub exit_code: i32,
    /// stdout and stderr together, as a user sees them.
    pub output: String,
    /// `<layers>/config/metadata.toml` (processes, buildpacks, labels), when written.
    pub metadata: Option<toml::Table>,
    /// The layers directory (`<layers>`; a buildpack's layers are in `<layers>/<escaped id>`).
    pub layers_dir: PathBuf,
    /// The app directory the buildpacks built in (a copy of the given app).
    pub app_dir: PathBuf,
    /// The scratch directory (layers, app, buildpacks), kept until the outcome drops.
    pub workdir: TempDir,
}

impl BuilderOutcome {
    /// The layers directory of one buildpack: `<layers>/<escaped id>`.
    #[must_use]
    pub fn buildpack_layers(&self, module: &Module) -> PathBuf {
        self.layers_dir.join(module.escaped_id())
    }
}

crate::outcome::combined_output_outcome!(DetectorOutcome);
crate::outcome::combined_output_outcome!(BuilderOutcome);

impl BuilderRun {
    /// The `group.toml` text (`[[group]]` entries with `id`, `version`, `api`).
    #[must_use]
    pub fn group(mut self, group: &str) -> Self {
        self.phase.group = group.to_string();
        self
    }

    /// The `plan.toml` text (`[[entries]]` with `providers` and `requires`), as the detector
    /// (and the extensions' generate step) left it. Empty by default.
    #[must_use]
    pub fn plan(mut self, plan: &str) -> Self {
        self.phase.plan = plan.to_string();
        self
    }

    /// Runs `lifecycle build` (the builder phase) and collects its outputs.
    #[must_use]
    pub fn run(self) -> BuilderOutcome {
        for module in &self.modules {
            assert_eq!(
                module.kind,
                ModuleKind::Buildpack,
                "the builder runs buildpacks only ({} is an extension)",
                module.id
            );
        }
        let user = unprivileged_user();
        let scratch = Scratch::new(&self.modules, self.app_dir.as_deref(), &self.platform_env);
        let group = write(scratch.root().join("group.toml"), Some(&self.phase.group));
        let plan = write(scratch.root().join("plan.toml"), Some(&self.phase.plan));
        let analyzed = write(
            scratch.root().join("analyzed.toml"),
            self.analyzed.as_deref(),
        );
        scratch.hand_to(user.as_ref(), &[&scratch.layers, &scratch.app]);

        let output = self.lifecycle.run_phase(
            user.as_ref(),
            "build",
            &[
                ("-app", &scratch.app),
                ("-layers", &scratch.layers),
                ("-group", &group),
                ("-plan", &plan),
                ("-buildpacks", &scratch.buildpacks),
                ("-platform", &scratch.platform),
                ("-analyzed", &analyzed),
            ],
            &self.env,
            scratch.root(),
        );

        BuilderOutcome {
            exit_code: output.status.code().unwrap_or(-1),
            output: output_text(&output),
            metadata: read_toml(&scratch.layers.join("config").join("metadata.toml")),
            layers_dir: scratch.layers,
            app_dir: scratch.app,
            workdir: scratch.workdir,
        }
    }
}

/// The scratch directory a lifecycle phase runs in: the modules laid out as the lifecycle reads
/// them (`buildpacks/` and `extensions/`, each `<escaped id>/<version>/`), a copy of the app,
/// `platform/env/` with the user-provided variables, and an empty `layers/`.
struct Scratch {
    workdir: TempDir,
    buildpacks: PathBuf,
    extensions: PathBuf,
    platform: PathBuf,
    layers: PathBuf,
    app: PathBuf,
}

impl Scratch {
    fn new(
        modules: &[Module],
        app: Option<&Path>,
        platform_env: &BTreeMap<String, String>,
    ) -> Self {
        let workdir = tempfile::tempdir().expect("create a scratch dir");
        let dir = |name: &str| {
            let path = workdir.path().join(name);
            std::fs::create_dir_all(&path).expect("create a scratch subdir");
            path
        };
        let scratch = Self {
            buildpacks: dir("buildpacks"),
            extensions: dir("extensions"),
            platform: dir("platform/env")
                .parent()
                .expect("platform/env has a parent")
                .to_path_buf(),
            layers: dir("layers"),
            app: dir("app"),
            workdir,
        };
        for module in modules {
            let parent = match module.kind {
                ModuleKind::Extension => &scratch.extensions,
                ModuleKind::Buildpack => &scratch.buildpacks,
            };
            copy_tree(
                &module.dir,
                &parent.join(module.escaped_id()).join(&module.version),
            );
        }
        if let Some(source) = app {
            copy_tree(source, &scratch.app);
        }
        for (name, value) in platform_env {
            std::fs::write(scratch.platform.join("env").join(name), value)
                .expect("write a platform env file");
        }
        scratch
    }

    fn root(&self) -> &Path {
        self.workdir.path()
    }

    /// Lets `user` read everything, and gives it the directories the phase writes to.
    fn hand_to(&self, user: Option<&User>, writable: &[&Path]) {
        open_to_everyone(self.root());
        if let Some(user) = user {
            for dir in writable {
                chown_tree(dir, user);
            }
        }
    }
}

/// Writes `text` (when there is some) to `path`, and returns `path`: an input file the phase is
/// pointed at whether or not it exists.
fn write(path: PathBuf, text: Option<&str>) -> PathBuf {
    if let Some(text) = text {
        std::fs::write(&path, text)
            .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
    }
    path
}

/// Copies a directory tree, keeping symlinks (`bin/detect` → `generate`) and modes.
pub(crate) fn copy_tree(source: &Path, destination: &Path) {
    std::fs::create_dir_all(destination).expect("create a copy destination");
    for entry in std::fs::read_dir(source)
        .unwrap_or_else(|error| panic!("list {}: {error}", source.display()))
    {
        let entry = entry.expect("a directory entry");
        let target = destination.join(entry.file_name());
        let file_type = entry.file_type().expect("a file type");
        if file_type.is_symlink() {
            let link = std::fs::read_link(entry.path()).expect("read a symlink");
            std::os::unix::fs::symlink(link, &target).expect("create a symlink");
        } else if file_type.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Lets the unprivileged user read (and traverse) everything under `root`.
fn open_to_everyone(root: &Path) {
    let metadata = std::fs::symlink_metadata(root).expect("stat a scratch path");
    if metadata.file_type().is_symlink() {
        return;
    }
    let mode = metadata.permissions().mode();
    let wanted = if metadata.is_dir() || mode & 0o111 != 0 {
        mode | 0o755
    } else {
        mode | 0o644
    };
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(wanted)).expect("chmod");
    if metadata.is_dir() {
        for entry in std::fs::read_dir(root).expect("list a scratch dir") {
            open_to_everyone(&entry.expect("a directory entry").path());
        }
    }
}

fn chown_tree(path: &Path, user: &User) {
    std::os::unix::fs::lchown(path, Some(user.uid), Some(user.gid))
        .expect("chown for the test user");
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path).expect("list a dir to chown") {
            chown_tree(&entry.expect("a directory entry").path(), user);
        }
    }
}

/// Every file under `root` (none when it does not exist), by its path relative to `root`, with
/// its text.
fn files_by_relative_path(root: &Path) -> BTreeMap<String, String> {
    crate::walk(root)
        .into_iter()
        .filter(|(_, kind)| !kind.is_dir())
        .map(|(path, _)| {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            (
                relative.to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap_or_default(),
            )
        })
        .collect()
}
