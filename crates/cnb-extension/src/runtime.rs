//! The runtime: turns a process invocation (`bin/detect`, `bin/generate`) into a call to the
//! extension, and its outcome into outputs and an exit code.

use crate::descriptor::ExtensionDescriptor;
use crate::detect::{DetectContext, DetectResult, InnerDetectResult};
use crate::error::{ExtensionError, invalid};
use crate::extension::Extension;
use crate::generate::GenerateContext;
use crate::platform::{Platform, Target};
use crate::untrusted::read_regular_file;
use libcnb_data::buildpack::BuildpackApi;
use serde::de::DeserializeOwned;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The Buildpack API versions (`api` in `extension.toml`) this runtime implements.
pub const SUPPORTED_APIS: [BuildpackApi; 3] = [
    BuildpackApi {
        major: 0,
        minor: 10,
    },
    BuildpackApi {
        major: 0,
        minor: 11,
    },
    BuildpackApi {
        major: 0,
        minor: 12,
    },
];

/// Exit codes, as the spec and the lifecycle read them (libcnb's `exit_code`).
pub(crate) mod exit_code {
    /// detect passed; generate succeeded.
    pub(crate) const SUCCESS: u8 = 0;
    /// detect did not pass (not an error: the extension is left out of the group).
    pub(crate) const DETECT_FAIL: u8 = 100;
    /// An error. Never 100, which would read as a detect failure.
    pub(crate) const ERROR: u8 = 1;
    /// `extension.toml` declares an API this runtime does not implement.
    pub(crate) const UNSUPPORTED_API: u8 = 254;
    /// The executable is neither `detect` nor `generate`.
    pub(crate) const UNKNOWN_PHASE: u8 = 255;
}

/// The process environment the runtime reads; the real one in [`run`], a map in tests.
pub(crate) trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Runs the phase that `argv[0]` names and returns the exit code: the body of the `main` that
/// [`extension_main!`](crate::extension_main) writes (libcnb's `libcnb_runtime`).
pub fn run<E: Extension>(extension: &E) -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let app_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    ExitCode::from(run_with(extension, &args, &ProcessEnvironment, &app_dir))
}

pub(crate) fn run_with<E: Extension>(
    extension: &E,
    args: &[OsString],
    env: &dyn Environment,
    app_dir: &Path,
) -> u8 {
    let phase = args
        .first()
        .map(|arg0| {
            Path::new(arg0)
                .file_name()
                .unwrap_or(arg0)
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let outcome = match phase.as_str() {
        "detect" => run_detect(extension, args, env, app_dir),
        "generate" => run_generate(extension, args, env, app_dir),
        _ => Err(ExtensionError::UnknownPhase(phase)),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            let code = error.exit_code();
            extension.on_error(error);
            code
        }
    }
}

/// An input path: the `CNB_*` variable when set, else the positional argument the lifecycle
/// also passes (deprecated in the spec since Buildpack API 0.8).
fn input_path<E>(
    env: &dyn Environment,
    name: &'static str,
    args: &[OsString],
    position: usize,
) -> Result<PathBuf, ExtensionError<E>> {
    env.var(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| args.get(position).map(PathBuf::from))
        .ok_or(ExtensionError::MissingInput { name })
}

struct CommonInputs<M> {
    extension_dir: PathBuf,
    platform: Platform,
    target: Target,
    stack_id: Option<String>,
    descriptor: ExtensionDescriptor<M>,
}

fn read_common<M: DeserializeOwned, E>(
    env: &dyn Environment,
    platform_dir: &Path,
) -> Result<CommonInputs<M>, ExtensionError<E>> {
    let extension_dir = env
        .var("CNB_EXTENSION_DIR")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .ok_or(ExtensionError::MissingInput {
            name: "CNB_EXTENSION_DIR",
        })?;
    let descriptor_path = extension_dir.join("extension.toml");
    let text = read(&descriptor_path)?;
    // Check the API before the rest, so that a descriptor of another API version gets the
    // API error and not a field error.
    let api = toml::from_str::<ApiOnly>(&text)
        .map_err(|error| invalid(&descriptor_path, &error))?
        .api;
    if !SUPPORTED_APIS.contains(&api) {
        return Err(ExtensionError::UnsupportedApi { api });
    }
    let descriptor = toml::from_str(&text).map_err(|error| invalid(&descriptor_path, &error))?;
    // `<platform>/env` is not read here: only the variables the extension asks for are, when it
    // asks (an unrelated FIFO, dangling link or huge file there is none of its business).
    let platform = Platform::new(platform_dir);
    let target = Target::from_env(|name| env.var(name)).map_err(ExtensionError::Target)?;
    Ok(CommonInputs {
        extension_dir,
        platform,
        target,
        stack_id: env.var("CNB_STACK_ID").filter(|value| !value.is_empty()),
        descriptor,
    })
}

#[derive(serde::Deserialize)]
struct ApiOnly {
    api: BuildpackApi,
}

/// The largest `extension.toml` or Buildpack Plan read.
pub const MAX_INPUT_SIZE: u64 = 4 << 20;

/// An input file's text: a regular file (a FIFO is an error, not a wait) of at most
/// [`MAX_INPUT_SIZE`] bytes, in UTF-8.
fn read<E>(path: &Path) -> Result<String, ExtensionError<E>> {
    let bytes = read_regular_file(path, MAX_INPUT_SIZE)
        .map_err(ExtensionError::UnreadableInput)?
        .ok_or_else(|| ExtensionError::ReadInput {
            path: path.to_path_buf(),
            source: io::Error::from(io::ErrorKind::NotFound),
        })?;
    String::from_utf8(bytes).map_err(|_| invalid(path, &"it is not UTF-8"))
}

fn run_detect<E: Extension>(
    extension: &E,
    args: &[OsString],
    env: &dyn Environment,
    app_dir: &Path,
) -> Result<u8, ExtensionError<E::Error>> {
    let platform_dir = input_path(env, "CNB_PLATFORM_DIR", args, 1)?;
    let plan_path = input_path(env, "CNB_BUILD_PLAN_PATH", args, 2)?;
    let common = read_common(env, &platform_dir)?;
    let context = DetectContext {
        app_dir: app_dir.to_path_buf(),
        extension_dir: common.extension_dir,
        platform: common.platform,
        target: common.target,
        stack_id: common.stack_id,
        extension_descriptor: common.descriptor,
    };
    match extension
        .detect(context)
        .map_err(ExtensionError::Extension)?
    {
        DetectResult(InnerDetectResult::Fail) => Ok(exit_code::DETECT_FAIL),
        // No plan: nothing provided, no file (the lifecycle reads a missing plan as empty).
        DetectResult(InnerDetectResult::Pass { plan: None }) => Ok(exit_code::SUCCESS),
        DetectResult(InnerDetectResult::Pass { plan: Some(plan) }) => {
            if plan.alternatives().iter().flatten().any(String::is_empty) {
                return Err(ExtensionError::EmptyPlanEntryName);
            }
            let text = toml::to_string(&plan).map_err(|error| ExtensionError::WriteOutput {
                path: plan_path.clone(),
                source: io::Error::other(error),
            })?;
            write_exclusively(&plan_path, &text).map_err(|source| ExtensionError::WriteOutput {
                path: plan_path,
                source,
            })?;
            Ok(exit_code::SUCCESS)
        }
    }
}

fn run_generate<E: Extension>(
    extension: &E,
    args: &[OsString],
    env: &dyn Environment,
    app_dir: &Path,
) -> Result<u8, ExtensionError<E::Error>> {
    let output_dir = input_path(env, "CNB_OUTPUT_DIR", args, 1)?;
    let platform_dir = input_path(env, "CNB_PLATFORM_DIR", args, 2)?;
    let plan_path = input_path(env, "CNB_BP_PLAN_PATH", args, 3)?;
    let common = read_common(env, &platform_dir)?;
    let plan = toml::from_str(&read(&plan_path)?).map_err(|error| invalid(&plan_path, &error))?;
    if !output_dir.is_dir() {
        return Err(ExtensionError::WriteOutput {
            path: output_dir,
            source: io::Error::new(
                io::ErrorKind::NotFound,
                "the output directory does not exist",
            ),
        });
    }
    let context = GenerateContext {
        app_dir: app_dir.to_path_buf(),
        extension_dir: common.extension_dir,
        platform: common.platform,
        target: common.target,
        stack_id: common.stack_id,
        buildpack_plan: plan,
        extension_descriptor: common.descriptor,
    };
    let result = extension
        .generate(context)
        .map_err(ExtensionError::Extension)?;
    write_all(&output_dir, &result.files())?;
    Ok(exit_code::SUCCESS)
}

/// Writes every file or none: each goes to a temporary name first and is renamed into place;
/// on any failure the files already renamed are removed again.
fn write_all<E>(dir: &Path, files: &[(&'static str, String)]) -> Result<(), ExtensionError<E>> {
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        if let Err(source) = write_exclusively(&path, contents) {
            for done in &written {
                let _ = std::fs::remove_file(done);
            }
            return Err(ExtensionError::WriteOutput { path, source });
        }
        written.push(path);
    }
    Ok(())
}

/// Writes `contents` to `path` through `.<name>.partial` next to it, created exclusively
/// (`O_CREAT | O_EXCL`: a link planted at that name is never followed), then renamed over
/// `path` (which replaces a link there instead of writing through it). On failure the
/// temporary file is removed and `path` is untouched.
fn write_exclusively(path: &Path, contents: &str) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.partial"));
    // A leftover (or planted) entry at the temporary name is removed, never written through;
    // if one reappears before the exclusive create, that create fails.
    let _ = std::fs::remove_file(&temporary);
    let outcome = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&temporary)
        .and_then(|mut file| file.write_all(contents.as_bytes()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if outcome.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::tests::TestError;
    use crate::{
        BuildDockerfile, DetectResultBuilder, ExtendConfig, ExtensionPlanBuilder, GenerateResult,
        GenerateResultBuilder, ShellCommand,
    };
    use libcnb_data::buildpack_plan::BuildpackPlan;
    use std::collections::HashMap;

    impl Environment for HashMap<&'static str, String> {
        fn var(&self, name: &str) -> Option<String> {
            self.get(name).cloned()
        }
    }

    /// Detect passes unless the app has a `fail` file; generate writes what the platform's
    /// `MODE` env file asks for.
    struct Example;

    impl Extension for Example {
        type Metadata = Option<toml::Table>;
        type Error = TestError;

        fn detect(&self, context: DetectContext<Self>) -> Result<DetectResult, TestError> {
            if context.app_dir.join("error").exists() {
                return Err(TestError("detect broke".to_string()));
            }
            if context.app_dir.join("fail").exists() {
                return DetectResultBuilder::fail().build();
            }
            if context.app_dir.join("no-plan").exists() {
                return DetectResultBuilder::pass().build();
            }
            DetectResultBuilder::pass()
                .build_plan(ExtensionPlanBuilder::new().provides("thing").build())
                .build()
        }

        fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, TestError> {
            let version = context
                .buildpack_plan
                .entries
                .first()
                .and_then(|entry| entry.metadata.get("version")?.as_str().map(str::to_string))
                .unwrap_or_default();
            let build = BuildDockerfile::new()
                .run(ShellCommand::new("install").arg(version))
                .map_err(|e| TestError(e.to_string()))?;
            let result = GenerateResultBuilder::new().build_dockerfile(build);
            let mode = context
                .platform
                .setting("MODE")
                .map_err(|e| TestError(e.to_string()))?;
            match mode.as_deref() {
                Some("config") => result
                    .extend_config(
                        ExtendConfig::new()
                            .build_arg("A", "1")
                            .map_err(|e| TestError(e.to_string()))?,
                    )
                    .build(),
                _ => result.build(),
            }
        }
    }

    struct Fixture {
        dir: tempfile::TempDir,
        env: HashMap<&'static str, String>,
    }

    impl Fixture {
        fn new(api: &str) -> Self {
            let dir = tempfile::tempdir().unwrap();
            for sub in ["ext", "app", "platform/env", "out"] {
                std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            }
            std::fs::write(
                dir.path().join("ext/extension.toml"),
                format!(
                    "api = \"{api}\"\n[extension]\nid = \"test/example\"\nversion = \"1.0.0\"\n"
                ),
            )
            .unwrap();
            std::fs::write(
                dir.path().join("bpplan.toml"),
                "[[entries]]\nname = \"thing\"\n[entries.metadata]\nversion = \"1.2\"\n",
            )
            .unwrap();
            let path = |p: &str| dir.path().join(p).to_string_lossy().into_owned();
            let env = HashMap::from([
                ("CNB_EXTENSION_DIR", path("ext")),
                ("CNB_PLATFORM_DIR", path("platform")),
                ("CNB_BUILD_PLAN_PATH", path("plan.toml")),
                ("CNB_BP_PLAN_PATH", path("bpplan.toml")),
                ("CNB_OUTPUT_DIR", path("out")),
                ("CNB_TARGET_OS", "linux".to_string()),
                ("CNB_TARGET_ARCH", "amd64".to_string()),
            ]);
            Self { dir, env }
        }

        fn path(&self, p: &str) -> PathBuf {
            self.dir.path().join(p)
        }

        fn run(&self, phase: &str, positional: &[&str]) -> u8 {
            let mut args = vec![OsString::from(format!("/cnb/extensions/x/bin/{phase}"))];
            args.extend(positional.iter().map(|arg| OsString::from(self.path(arg))));
            run_with(&Example, &args, &self.env, &self.path("app"))
        }

        /// generate exits with an error and writes nothing.
        fn assert_generate_fails_writing_nothing(&self) {
            assert_eq!(self.run("generate", &[]), exit_code::ERROR);
            assert_eq!(std::fs::read_dir(self.path("out")).unwrap().count(), 0);
        }
    }

    #[test]
    fn detect_pass_writes_the_plan() {
        let fixture = Fixture::new("0.10");
        assert_eq!(fixture.run("detect", &[]), exit_code::SUCCESS);
        assert_eq!(
            std::fs::read_to_string(fixture.path("plan.toml")).unwrap(),
            "[[provides]]\nname = \"thing\"\n"
        );
    }

    /// A pass without a plan provides nothing: no plan file, as libcnb writes none.
    #[test]
    fn detect_pass_without_a_plan_writes_no_file() {
        let fixture = Fixture::new("0.10");
        std::fs::write(fixture.path("app/no-plan"), "").unwrap();
        assert_eq!(fixture.run("detect", &[]), exit_code::SUCCESS);
        assert!(!fixture.path("plan.toml").exists());
    }

    #[test]
    fn detect_fail_exits_100_and_an_error_never_does() {
        let fixture = Fixture::new("0.10");
        std::fs::write(fixture.path("app/fail"), "").unwrap();
        assert_eq!(fixture.run("detect", &[]), exit_code::DETECT_FAIL);
        assert!(!fixture.path("plan.toml").exists());
        std::fs::write(fixture.path("app/error"), "").unwrap();
        assert_eq!(fixture.run("detect", &[]), exit_code::ERROR);
    }

    #[test]
    fn positional_arguments_are_the_fallback() {
        let mut fixture = Fixture::new("0.10");
        fixture.env.remove("CNB_PLATFORM_DIR");
        fixture.env.remove("CNB_BUILD_PLAN_PATH");
        assert_eq!(fixture.run("detect", &["platform", "plan2.toml"]), 0);
        assert!(fixture.path("plan2.toml").exists());
        fixture.env.remove("CNB_OUTPUT_DIR");
        fixture.env.remove("CNB_BP_PLAN_PATH");
        assert_eq!(
            fixture.run("generate", &["out", "platform", "bpplan.toml"]),
            0
        );
        assert!(fixture.path("out/build.Dockerfile").exists());
    }

    #[test]
    fn generate_writes_outputs_from_the_buildpack_plan() {
        let fixture = Fixture::new("0.12");
        std::fs::write(fixture.path("platform/env/MODE"), "config").unwrap();
        assert_eq!(fixture.run("generate", &[]), 0);
        assert_eq!(
            std::fs::read_to_string(fixture.path("out/build.Dockerfile")).unwrap(),
            "ARG base_image\nFROM ${base_image}\n\nRUN install 1.2\n"
        );
        assert!(fixture.path("out/extend-config.toml").exists());
        assert!(!fixture.path("out/run.Dockerfile").exists());
        let leftovers: Vec<_> = std::fs::read_dir(fixture.path("out"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .filter(|name| name.to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn platform_env_links_are_followed_and_fifos_asked_for_are_errors() {
        // Kubernetes ConfigMap and Secret volumes (kpack, Tekton) are links.
        let fixture = Fixture::new("0.12");
        std::fs::create_dir(fixture.path("platform/env/..data")).unwrap();
        std::fs::write(fixture.path("platform/env/..data/MODE"), "config").unwrap();
        std::os::unix::fs::symlink("..data/MODE", fixture.path("platform/env/MODE")).unwrap();
        assert_eq!(fixture.run("generate", &[]), 0);
        assert!(fixture.path("out/extend-config.toml").exists());

        // The example reads MODE: a FIFO there is its error (not a wait).
        let fixture = Fixture::new("0.12");
        crate::untrusted::mkfifo(&fixture.path("platform/env/MODE"));
        fixture.assert_generate_fails_writing_nothing();
    }

    /// `<platform>/env` was read whole before detect and generate: an unrelated CA bundle over
    /// 128 KiB, a FIFO or a dangling link (an optional `Secret` key) failed every phase of
    /// every extension, although no extension read them.
    #[test]
    fn unrelated_platform_env_files_are_never_opened() {
        let fixture = Fixture::new("0.12");
        let env = fixture.path("platform/env");
        std::fs::write(env.join("CA_BUNDLE"), "x".repeat(200_000)).unwrap();
        crate::untrusted::mkfifo(&env.join("PIPE"));
        std::os::unix::fs::symlink("..data/OPTIONAL_KEY", env.join("OPTIONAL_KEY")).unwrap();
        std::fs::create_dir(env.join("NESTED")).unwrap();
        std::fs::write(env.join("MODE"), "config").unwrap();
        assert_eq!(fixture.run("detect", &[]), exit_code::SUCCESS);
        assert_eq!(fixture.run("generate", &[]), exit_code::SUCCESS);
        assert!(fixture.path("out/extend-config.toml").exists());
    }

    #[test]
    fn generate_error_writes_nothing() {
        let fixture = Fixture::new("0.10");
        std::fs::write(
            fixture.path("bpplan.toml"),
            "[[entries]]\nname = \"thing\"\n[entries.metadata]\nversion = \"1\\nRUN id\"\n",
        )
        .unwrap();
        fixture.assert_generate_fails_writing_nothing();
    }

    #[test]
    fn outputs_never_write_through_planted_links() {
        let fixture = Fixture::new("0.10");
        let victim = fixture.path("victim");
        std::fs::write(&victim, "untouched").unwrap();
        for planted in [
            "out/.build.Dockerfile.partial",
            "out/run.Dockerfile",
            ".plan.toml.partial",
            "plan.toml",
        ] {
            std::os::unix::fs::symlink(&victim, fixture.path(planted)).unwrap();
        }
        assert_eq!(fixture.run("detect", &[]), exit_code::SUCCESS);
        assert_eq!(fixture.run("generate", &[]), exit_code::SUCCESS);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        for written in ["out/build.Dockerfile", "plan.toml"] {
            let metadata = std::fs::symlink_metadata(fixture.path(written)).unwrap();
            assert!(metadata.is_file(), "{written}");
        }
        assert!(std::fs::symlink_metadata(fixture.path("out/.build.Dockerfile.partial")).is_err());
    }

    #[test]
    fn unknown_phase_and_unsupported_api_have_their_exit_codes() {
        let fixture = Fixture::new("0.10");
        assert_eq!(fixture.run("build", &[]), exit_code::UNKNOWN_PHASE);
        let fixture = Fixture::new("0.9");
        assert_eq!(fixture.run("detect", &[]), exit_code::UNSUPPORTED_API);
    }

    #[test]
    fn missing_inputs_are_errors_that_name_them() {
        let mut fixture = Fixture::new("0.10");
        fixture.env.remove("CNB_TARGET_ARCH");
        assert_eq!(fixture.run("detect", &[]), exit_code::ERROR);
        fixture.env.remove("CNB_EXTENSION_DIR");
        assert_eq!(fixture.run("detect", &[]), exit_code::ERROR);

        let error: ExtensionError<TestError> = ExtensionError::MissingInput {
            name: "CNB_EXTENSION_DIR",
        };
        assert!(
            error
                .to_string()
                .starts_with("CNB_EXTENSION_DIR is not set")
        );
    }

    #[test]
    fn malformed_inputs_are_errors_that_name_the_file() {
        let fixture = Fixture::new("0.10");
        std::fs::write(fixture.path("bpplan.toml"), "[[entries]]\nnom = 1\n").unwrap();
        let plan = fixture.path("bpplan.toml");
        let text = std::fs::read_to_string(&plan).unwrap();
        let error: ExtensionError<TestError> =
            invalid(&plan, &toml::from_str::<BuildpackPlan>(&text).unwrap_err());
        assert!(error.to_string().contains(&plan.display().to_string()));
        assert_eq!(fixture.run("generate", &[]), exit_code::ERROR);

        std::fs::write(fixture.path("ext/extension.toml"), "api = \"0.10\"\n").unwrap();
        assert_eq!(fixture.run("detect", &[]), exit_code::ERROR);
    }

    /// A FIFO as the Buildpack Plan blocked generate (it was read with `read_to_string`).
    #[test]
    fn a_fifo_or_a_huge_input_is_an_error_not_a_wait() {
        let fixture = Fixture::new("0.10");
        let plan = fixture.path("bpplan.toml");
        std::fs::remove_file(&plan).unwrap();
        crate::untrusted::mkfifo(&plan);
        let error = read::<TestError>(&plan).unwrap_err();
        let plan = plan.display();
        assert_eq!(
            cnb_output::render_error(&error),
            format!(
                "ERROR: Cannot read {plan}\n  {plan} is a FIFO, not a regular file.\n  The \
                 lifecycle gives this extension regular files of at most 4 MiB.\n"
            )
        );
        assert_eq!(fixture.run("generate", &[]), exit_code::ERROR);

        let descriptor = fixture.path("ext/extension.toml");
        let huge = std::fs::File::create(&descriptor).unwrap();
        huge.set_len(MAX_INPUT_SIZE + 1).unwrap();
        assert!(matches!(
            read::<TestError>(&descriptor),
            Err(ExtensionError::UnreadableInput(_))
        ));
        assert_eq!(fixture.run("detect", &[]), exit_code::ERROR);
    }
}
