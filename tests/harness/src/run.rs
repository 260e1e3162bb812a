//! Running one phase of a module as the lifecycle does.

use crate::command::spawn_retrying;
use crate::module::{Module, ModuleKind};
use crate::outcome::{BuildOutcome, DetectOutcome, GenerateOutcome, Process};
use crate::read_toml;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The variables the lifecycle passes from its own environment to modules
/// (`env.BuildEnvIncludelist` plus the POSIX path variables of lifecycle v0.21).
pub const ENV_ALLOW_LIST: [&str; 9] = [
    "CNB_STACK_ID",
    "HOSTNAME",
    "HOME",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The path variables the lifecycle keeps, and to which platform env files are prepended.
pub const PATH_VARIABLES: [&str; 5] = [
    "PATH",
    "LD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "CPATH",
    "PKG_CONFIG_PATH",
];

/// `CNB_TARGET_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetEnv {
    /// `CNB_TARGET_OS`.
    pub os: String,
    /// `CNB_TARGET_ARCH`.
    pub arch: String,
    /// `CNB_TARGET_ARCH_VARIANT`.
    pub arch_variant: Option<String>,
    /// `CNB_TARGET_DISTRO_NAME`.
    pub distro_name: Option<String>,
    /// `CNB_TARGET_DISTRO_VERSION`.
    pub distro_version: Option<String>,
}

impl Default for TargetEnv {
    /// What the lifecycle passes when the run image has no target labels: linux, the machine's
    /// architecture, and the distro of the machine's `/etc/os-release`.
    fn default() -> Self {
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let field = |key: &str| {
            os_release.lines().find_map(|line| {
                let value = line.strip_prefix(key)?.strip_prefix('=')?;
                Some(value.trim_matches('"').to_string())
            })
        };
        Self {
            os: "linux".to_string(),
            arch: match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                other => other,
            }
            .to_string(),
            arch_variant: None,
            distro_name: field("ID"),
            distro_version: field("VERSION_ID"),
        }
    }
}

impl TargetEnv {
    /// linux/amd64 with the given distro.
    #[must_use]
    pub fn linux_amd64(distro_name: &str, distro_version: &str) -> Self {
        Self {
            os: "linux".to_string(),
            arch: "amd64".to_string(),
            arch_variant: None,
            distro_name: Some(distro_name.to_string()),
            distro_version: Some(distro_version.to_string()),
        }
    }

    fn vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("CNB_TARGET_OS", self.os.clone()),
            ("CNB_TARGET_ARCH", self.arch.clone()),
        ];
        for (name, value) in [
            ("CNB_TARGET_ARCH_VARIANT", &self.arch_variant),
            ("CNB_TARGET_DISTRO_NAME", &self.distro_name),
            ("CNB_TARGET_DISTRO_VERSION", &self.distro_version),
        ] {
            if let Some(value) = value {
                vars.push((name, value.clone()));
            }
        }
        vars
    }
}

/// A `<platform>/env` entry that holds no value, as a cluster may mount one beside the
/// settings: the lifecycle passes no such entry on as a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OddPlatformEntry {
    /// A FIFO: reading it waits for a writer.
    Fifo,
    /// A symbolic link to nothing (an optional Kubernetes `Secret` key, a half-updated volume).
    DanglingLink,
    /// A directory (the lifecycle skips directories).
    Directory,
}

/// One phase of a module, set up as the lifecycle sets it up.
#[derive(Debug, Clone)]
pub struct ModuleRun {
    module: Module,
    app_dir: PathBuf,
    platform_env: BTreeMap<String, String>,
    odd_platform_entries: BTreeMap<String, OddPlatformEntry>,
    lifecycle_env: BTreeMap<String, String>,
    target: TargetEnv,
    buildpack_plan: String,
}

impl ModuleRun {
    /// Runs `module` on the app in `app_dir`.
    #[must_use]
    pub fn new(module: &Module, app_dir: impl AsRef<Path>) -> Self {
        Self {
            module: module.clone(),
            app_dir: app_dir.as_ref().to_path_buf(),
            platform_env: BTreeMap::new(),
            odd_platform_entries: BTreeMap::new(),
            lifecycle_env: BTreeMap::new(),
            target: TargetEnv::default(),
            buildpack_plan: String::new(),
        }
    }

    /// A user-provided variable: a file `<platform>/env/<name>`.
    #[must_use]
    pub fn platform_env(mut self, name: &str, value: &str) -> Self {
        self.platform_env
            .insert(name.to_string(), value.to_string());
        self
    }

    /// An entry `<platform>/env/<name>` that is no value (a FIFO, a dangling link, a directory).
    /// The lifecycle reads every file of `<platform>/env` to pass it on as a variable to a module
    /// without `clear-env` (it would wait on the FIFO, fail on the link): running such a module
    /// with one panics, saying so.
    #[must_use]
    pub fn odd_platform_entry(mut self, name: &str, entry: OddPlatformEntry) -> Self {
        self.odd_platform_entries.insert(name.to_string(), entry);
        self
    }

    /// A platform as a cluster may mount it beside the settings: a CA bundle
    /// (`SSL_CERT_BUNDLE`) larger than any setting may be, a FIFO (`PIPE`), a dangling link
    /// (`OPTIONAL_KEY`, an optional `Secret` key) and a directory (`NESTED`). A module that
    /// reads only the variables it uses never opens them.
    #[must_use]
    pub fn with_odd_platform(self) -> Self {
        self.platform_env("SSL_CERT_BUNDLE", &"x".repeat(200_000))
            .odd_platform_entry("PIPE", OddPlatformEntry::Fifo)
            .odd_platform_entry("OPTIONAL_KEY", OddPlatformEntry::DanglingLink)
            .odd_platform_entry("NESTED", OddPlatformEntry::Directory)
    }

    /// Panics unless generate fails on the platform setting `name` when it is no value (a FIFO,
    /// a directory, a dangling link) or larger than settings may be (128 KiB), each time with
    /// an error naming it ([`GenerateOutcome::assert_platform_error`]) and nothing written.
    #[track_caller]
    pub fn assert_generate_refuses_odd_setting(&self, name: &str) {
        for (entry, reason) in [
            (OddPlatformEntry::Fifo, "is a FIFO, not a regular file"),
            (
                OddPlatformEntry::Directory,
                "is a directory, not a regular file",
            ),
            (
                OddPlatformEntry::DanglingLink,
                "is a symbolic link to a file that does not exist",
            ),
        ] {
            let outcome = self.clone().odd_platform_entry(name, entry).generate();
            outcome.assert_platform_error(name, reason);
        }
        let outcome = self
            .clone()
            .platform_env(name, &"1".repeat(200_000))
            .generate();
        outcome.assert_platform_error(name, "is larger than 131072 bytes, the most read from it");
    }

    /// A variable of the lifecycle's own environment (the build image's env), such as
    /// `CNB_STACK_ID`. Like the lifecycle, the run passes it on only if it is allow-listed.
    #[must_use]
    pub fn lifecycle_env(mut self, name: &str, value: &str) -> Self {
        self.lifecycle_env
            .insert(name.to_string(), value.to_string());
        self
    }

    /// The target (default: as the lifecycle derives it from this machine).
    #[must_use]
    pub fn target(mut self, target: TargetEnv) -> Self {
        self.target = target;
        self
    }

    /// The Buildpack Plan given to generate or build, as TOML (`[[entries]] name, metadata`).
    #[must_use]
    pub fn buildpack_plan(mut self, plan: &str) -> Self {
        self.buildpack_plan = plan.to_string();
        self
    }

    /// The environment a phase gets, minus the per-phase `CNB_*` paths: for tests of the harness.
    #[must_use]
    pub fn environment_for_test(&self) -> BTreeMap<String, String> {
        self.base_env()
    }

    /// The environment: the allow-listed part of the lifecycle's environment, then the
    /// platform's env files (prepended to path variables, replacing others) unless the module
    /// sets `clear-env`.
    fn base_env(&self) -> BTreeMap<String, String> {
        let mut lifecycle: BTreeMap<String, String> = std::env::vars().collect();
        lifecycle.extend(self.lifecycle_env.clone());
        let mut env: BTreeMap<String, String> = lifecycle
            .into_iter()
            .filter(|(name, _)| {
                ENV_ALLOW_LIST.contains(&name.as_str()) || PATH_VARIABLES.contains(&name.as_str())
            })
            .collect();
        if !self.module.clear_env {
            assert!(
                self.odd_platform_entries.is_empty(),
                "{} does not set clear-env: the lifecycle would read every file of <platform>/env \
                 to pass it on, and wait on a FIFO or fail on a dangling link there ({:?})",
                self.module.id,
                self.odd_platform_entries
            );
            for (name, value) in &self.platform_env {
                let value = match env.get(name) {
                    Some(existing) if PATH_VARIABLES.contains(&name.as_str()) => {
                        format!("{value}:{existing}")
                    }
                    _ => value.clone(),
                };
                env.insert(name.clone(), value);
            }
        }
        env.extend(
            self.target
                .vars()
                .into_iter()
                .map(|(name, value)| (name.to_string(), value)),
        );
        env
    }

    fn platform_dir(&self, scratch: &Path) -> PathBuf {
        let platform = scratch.join("platform");
        std::fs::create_dir_all(platform.join("env")).expect("create the platform dir");
        for (name, value) in &self.platform_env {
            std::fs::write(platform.join("env").join(name), value)
                .expect("write a platform env file");
        }
        for (name, entry) in &self.odd_platform_entries {
            let path = platform.join("env").join(name);
            match entry {
                OddPlatformEntry::Fifo => crate::mkfifo(&path),
                OddPlatformEntry::DanglingLink => {
                    std::os::unix::fs::symlink(format!("..data/{name}"), &path)
                        .expect("create a dangling link");
                }
                OddPlatformEntry::Directory => {
                    std::fs::create_dir(&path).expect("create a platform env directory");
                }
            }
        }
        platform
    }

    fn module_dir_var(&self) -> &'static str {
        match self.module.kind {
            ModuleKind::Extension => "CNB_EXTENSION_DIR",
            ModuleKind::Buildpack => "CNB_BUILDPACK_DIR",
        }
    }

    /// The module's `phase` with `args` and only `env` in its environment, in the app directory.
    fn phase_command(
        &self,
        phase: &str,
        args: &[impl AsRef<OsStr>],
        env: &BTreeMap<String, String>,
    ) -> Command {
        let mut command = Command::new(self.module.executable(phase));
        command
            .args(args)
            .env_clear()
            .envs(env)
            .current_dir(&self.app_dir);
        command
    }

    /// Runs a prepared `detect` or `generate`, which get the app read-only: panics when the
    /// phase changed it.
    fn execute_read_only(&self, phase: &str, prepared: &Prepared) -> Process {
        let before = snapshot(&self.app_dir);
        let mut command = self.phase_command(phase, &prepared.args, &prepared.env);
        let process = Process::from(crate::command::output(&mut command));
        assert_app_unchanged(&self.app_dir, &before, phase);
        process
    }

    /// The command of a phase (`detect`, or `generate` for extensions), prepared exactly as
    /// [`ModuleRun::detect`] and [`ModuleRun::generate`] run it: the positional arguments, the
    /// environment, the app as working directory, over a fresh scratch directory (platform, plan,
    /// output dir) that lives as long as the returned [`TempDir`]. For benchmarks: running it
    /// repeatedly times the phase as the lifecycle pays for it, process spawn included.
    #[must_use]
    pub fn command(&self, phase: &str) -> (Command, TempDir) {
        let prepared = match phase {
            "detect" => self.prepare_detect(),
            "generate" => self.prepare_generate(),
            other => panic!("no prepared command for phase {other:?}: detect or generate"),
        };
        let command = self.phase_command(phase, &prepared.args, &prepared.env);
        (command, prepared.scratch)
    }

    /// Runs a phase (`detect`, or `generate` for extensions) prepared as
    /// [`ModuleRun::command`] prepares it, killed after `limit`: the process (`None` when it had
    /// to be killed) and how long it ran. For inputs that used to hang a module (FIFOs,
    /// expansion bombs); unlike [`ModuleRun::detect`] it reads nothing of the app directory
    /// itself (which would block on a FIFO too).
    ///
    /// `limit` is a hang guard, not a speed check: pass [`crate::HANG_GUARD`] (a minute), which
    /// no debug build under heavy load comes near (a phase takes milliseconds), so that only a
    /// phase that is stuck is killed; the time it ran is for messages.
    #[must_use]
    pub fn run_bounded(&self, phase: &str, limit: Duration) -> (Option<Process>, Duration) {
        let (mut command, _scratch) = self.command(phase);
        let started = Instant::now(); // clock: the hang guard, and the time for messages
        let mut child = spawn_retrying(
            command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )
        .unwrap_or_else(|error| panic!("cannot run {phase}: {error}"));
        // Drain the pipes while waiting, so that a chatty module cannot block on a full pipe.
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the phase") {
                break Some(status);
            }
            // clock: the hang guard.
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed(); // clock: for messages
        let text = |pipe: Option<std::thread::JoinHandle<Vec<u8>>>| {
            pipe.and_then(|pipe| pipe.join().ok())
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default()
        };
        let (stdout, stderr) = (text(stdout), text(stderr));
        let process = status.map(|status| Process {
            exit_code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        });
        (process, took)
    }

    /// What every phase starts from: a fresh scratch directory holding the platform dir, and
    /// the environment with the module's dir and the platform dir (`CNB_PLATFORM_DIR`).
    fn prepare_phase(&self) -> (TempDir, PathBuf, BTreeMap<String, String>) {
        let scratch = scratch_dir();
        let platform = self.platform_dir(scratch.path());
        let mut env = self.base_env();
        env.insert(self.module_dir_var().into(), path_string(&self.module.dir));
        env.insert("CNB_PLATFORM_DIR".into(), path_string(&platform));
        (scratch, platform, env)
    }

    /// The Buildpack Plan of generate and build, written to `<scratch>/bp-plan.toml`, with the
    /// module checked: only modules of `kind` run `phase`.
    fn buildpack_plan_file(&self, scratch: &Path, kind: ModuleKind, phase: &str) -> PathBuf {
        assert_eq!(
            self.module.kind, kind,
            "{} cannot {phase}: only {kind:?} modules do",
            self.module.id
        );
        let plan = scratch.join("bp-plan.toml");
        std::fs::write(&plan, &self.buildpack_plan).expect("write the buildpack plan");
        plan
    }

    fn prepare_detect(&self) -> Prepared {
        let (scratch, platform, mut env) = self.prepare_phase();
        let plan = scratch.path().join("plan.toml");
        std::fs::write(&plan, "").expect("create the plan file");
        env.insert("CNB_BUILD_PLAN_PATH".into(), path_string(&plan));
        Prepared {
            args: vec![platform, plan],
            env,
            scratch,
        }
    }

    fn prepare_generate(&self) -> Prepared {
        let (scratch, platform, mut env) = self.prepare_phase();
        let plan = self.buildpack_plan_file(scratch.path(), ModuleKind::Extension, "generate");
        let output = scratch.path().join("output");
        std::fs::create_dir(&output).expect("create the output dir");
        env.insert("CNB_OUTPUT_DIR".into(), path_string(&output));
        env.insert("CNB_BP_PLAN_PATH".into(), path_string(&plan));
        Prepared {
            args: vec![output, platform, plan],
            env,
            scratch,
        }
    }

    /// Runs `bin/detect <platform> <plan>`.
    #[must_use]
    pub fn detect(&self) -> DetectOutcome {
        let prepared = self.prepare_detect();
        let process = self.execute_read_only("detect", &prepared);
        let plan = std::fs::read_to_string(&prepared.args[1]).expect("read the plan file");
        DetectOutcome {
            process,
            plan: (!plan.trim().is_empty()).then(|| {
                toml::from_str(&plan).unwrap_or_else(|error| {
                    panic!("detect wrote a plan that is not TOML: {error}\n{plan}")
                })
            }),
        }
    }

    /// Runs `bin/generate <output> <platform> <plan>` (extensions).
    #[must_use]
    pub fn generate(&self) -> GenerateOutcome {
        let prepared = self.prepare_generate();
        let process = self.execute_read_only("generate", &prepared);
        let output = &prepared.args[0];
        let read = |name: &str| std::fs::read_to_string(output.join(name)).ok();
        let mut files: Vec<String> = std::fs::read_dir(output)
            .expect("list the output dir")
            .map(|entry| {
                entry
                    .expect("an output entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        files.sort();
        GenerateOutcome {
            process,
            build_dockerfile: read("build.Dockerfile"),
            run_dockerfile: read("run.Dockerfile"),
            extend_config: read_toml(&output.join("extend-config.toml")),
            files,
        }
    }

    /// Runs `bin/build <layers> <platform> <plan>` (buildpacks) with a fresh layers dir.
    #[must_use]
    pub fn build(&self) -> BuildOutcome {
        let (scratch, platform, mut env) = self.prepare_phase();
        let plan = self.buildpack_plan_file(scratch.path(), ModuleKind::Buildpack, "build");
        let layers_root = scratch_dir();
        let layers_dir = layers_root.path().join(self.module.escaped_id());
        std::fs::create_dir(&layers_dir).expect("create the layers dir");
        env.insert("CNB_LAYERS_DIR".into(), path_string(&layers_dir));
        env.insert("CNB_BP_PLAN_PATH".into(), path_string(&plan));

        let mut command = self.phase_command("build", &[&layers_dir, &platform, &plan], &env);
        let process = Process::from(crate::command::output(&mut command));
        let mut layers: Vec<String> = std::fs::read_dir(&layers_dir)
            .expect("list the layers dir")
            .map(|entry| entry.expect("a layers entry"))
            .filter(|entry| entry.path().is_dir())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        layers.sort();
        BuildOutcome {
            process,
            launch: read_toml(&layers_dir.join("launch.toml")),
            layers_dir,
            layers,
            _layers_root: layers_root,
        }
    }
}

/// Reads a child's pipe to its end on a thread.
fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// A phase's positional arguments and environment, over its scratch directory.
struct Prepared {
    args: Vec<PathBuf>,
    env: BTreeMap<String, String>,
    scratch: TempDir,
}

fn scratch_dir() -> TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Every file and directory under `dir`, with file contents: detect and generate get the app
/// read-only, so nothing here may change.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    crate::walk(dir)
        .into_iter()
        .map(|(path, kind)| {
            let contents = if kind.is_dir() {
                None
            } else {
                std::fs::read(&path).ok()
            };
            (
                path.strip_prefix(dir).unwrap_or(&path).to_path_buf(),
                contents,
            )
        })
        .collect()
}

fn assert_app_unchanged(dir: &Path, before: &BTreeMap<PathBuf, Option<Vec<u8>>>, phase: &str) {
    let after = snapshot(dir);
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    assert!(
        changed.is_empty(),
        "{phase} modified the app directory {} (it is read-only to {phase}): {changed:?}",
        dir.display()
    );
}
