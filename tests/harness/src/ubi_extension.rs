//! What the tests of the two UBI extensions (`extensions/ubi-java`, `extensions/ubi-nodejs`)
//! share: the packaged extension with its catalogue pointed at a file, its `generate` on a
//! stack, and the real detector running it with its companion buildpack.

use crate::{DetectorOutcome, GenerateOutcome, Lifecycle, Module, ModuleRun, Outcome, TargetEnv};
use crate::{descriptor_version, fixture_app, workspace_root};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The lifecycle variable that names the stack.
pub const STACK_ID: &str = "CNB_STACK_ID";
/// The UBI 8 stack's id.
pub const UBI8: &str = "io.buildpacks.stacks.ubi8";
/// The UBI 9 stack's id.
pub const UBI9: &str = "io.buildpacks.stacks.ubi9";
/// How both extensions' microdnf installs packages.
pub const INSTALL: &str =
    "microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y";

/// One of the UBI extensions: the crate `extensions/ubi-<runtime>`, its companion
/// `buildpacks/ubi-<runtime>` and its fixtures in `tests/fixtures/ubi-<runtime>`.
#[derive(Clone, Copy, Debug)]
pub struct UbiExtension {
    runtime: &'static str,
    /// How logs and comments name the runtime.
    name: &'static str,
}

impl UbiExtension {
    /// The ubi-java-extension.
    pub const JAVA: Self = Self {
        runtime: "java",
        name: "Java",
    };
    /// The ubi-nodejs-extension.
    pub const NODEJS: Self = Self {
        runtime: "nodejs",
        name: "Node.js",
    };

    /// The extension packaged from its crate.
    #[must_use]
    pub fn packaged(self) -> Module {
        Module::package(&format!("extensions/ubi-{}", self.runtime))
    }

    /// The version its `extension.toml` declares.
    #[must_use]
    pub fn version(self) -> String {
        let path = workspace_root().join(format!("extensions/ubi-{}/extension.toml", self.runtime));
        let descriptor = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        descriptor_version(&descriptor)
    }

    /// `tests/fixtures/ubi-<runtime>/<name>`.
    #[must_use]
    pub fn fixture(self, name: &str) -> PathBuf {
        workspace_root()
            .join(format!("tests/fixtures/ubi-{}", self.runtime))
            .join(name)
    }

    /// A copy of the packaged extension whose `[metadata] catalogue` is `catalogue`; the copy
    /// lives as long as the returned directory.
    #[must_use]
    pub fn with_catalogue(self, catalogue: &Path) -> (Module, TempDir) {
        self.packaged()
            .copy_with_metadata_path("catalogue", catalogue)
    }

    /// [`with_catalogue`](Self::with_catalogue) pointed at the fixture `name` (whose path is the
    /// third value).
    #[must_use]
    pub fn with_fixture_catalogue(self, name: &str) -> (Module, TempDir, PathBuf) {
        let catalogue = self.fixture(name);
        let (module, dir) = self.with_catalogue(&catalogue);
        (module, dir, catalogue)
    }

    /// A copy of the packaged extension whose catalogue is a file holding `json`: both in the
    /// returned directory (the catalogue's path is the third value).
    #[must_use]
    pub fn with_catalogue_json(self, json: &str) -> (Module, TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let catalogue = dir.path().join("images.json");
        std::fs::write(&catalogue, json).expect("write the catalogue");
        let path = catalogue.to_str().expect("the path is UTF-8");
        let module =
            self.packaged()
                .copy_with_metadata(dir.path().join("module"), "catalogue", path);
        (module, dir, catalogue)
    }

    /// The packaged extension is one executable of at most 2 MiB, and reads the stack's
    /// catalogue where the UBI stacks put it.
    pub fn assert_small_and_reading_the_stacks_catalogue(self) {
        let module = self.packaged();
        module.assert_one_executable_of_at_most(2 * 1024 * 1024);
        let catalogue = module.metadata_string("catalogue");
        assert_eq!(catalogue.as_deref(), Some("/etc/buildpacks/images.json"));
    }

    /// `detect` passes on each of the fixture apps `apps`, with the build plan `provides` (TOML):
    /// whatever the app asks for, the extension offers its runtime.
    pub fn assert_detect_provides(self, apps: &[&str], provides: &str) {
        let expected: toml::Table = toml::from_str(provides).expect("the expected plan is TOML");
        for app in apps {
            let outcome = ModuleRun::new(&self.packaged(), fixture_app(app)).detect();
            outcome.assert_success();
            assert_eq!(outcome.plan.as_ref(), Some(&expected), "{app}");
        }
    }

    /// The extension (its catalogue the fixture `images-ubi8.json`, kept as long as the returned
    /// directory) on the fixture app `app` on UBI 8 with the Buildpack Plan `plan`, with a
    /// platform holding files it never reads ([`ModuleRun::with_odd_platform`]).
    fn run_with_odd_platform(self, app: &str, plan: &str) -> (ModuleRun, TempDir) {
        let (module, dir, _) = self.with_fixture_catalogue("images-ubi8.json");
        let run = ModuleRun::new(&module, fixture_app(app))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(plan)
            .with_odd_platform();
        (run, dir)
    }

    /// With [`run_with_odd_platform`](Self::run_with_odd_platform)'s platform (files the
    /// extension never reads, each of which failed detect and generate when `<platform>/env`
    /// was read whole up front): detect passes, generate with the platform setting `setting`
    /// passes, logging `logged` and no error; and each of `settings_read`, when it holds no
    /// value (a FIFO, a directory, too large), is an error naming it, never a wait.
    pub fn assert_reads_only_its_settings(
        self,
        app: &str,
        plan: &str,
        (name, value): (&str, &str),
        logged: &str,
        settings_read: &[&str],
    ) {
        let (run, _dir) = self.run_with_odd_platform(app, plan);
        run.clone().detect().assert_success();
        let outcome = run.clone().platform_env(name, value).generate();
        outcome.assert_success();
        assert_eq!(outcome.process.stderr, "", "{outcome}");
        crate::assert_contains!(outcome.process.stdout, logged);
        for setting in settings_read {
            run.assert_generate_refuses_odd_setting(setting);
        }
    }

    /// How generate's log starts: the header with the version, then `candidates`, the version
    /// sources in priority order, and a blank line.
    #[must_use]
    pub fn log_start(self, candidates: &[&str]) -> String {
        let name = self.name;
        let mut log = format!(
            "UBI {name} Extension {}\n  Resolving {name} version\n    Candidate version sources \
             (in priority order):\n",
            self.version()
        );
        for candidate in candidates {
            log.push_str("      ");
            log.push_str(candidate);
            log.push('\n');
        }
        log + "\n"
    }

    /// The `build.Dockerfile` the extension writes (ubi-extension-support's
    /// `install_dockerfile`): as root, the install step `run` (a `RUN` line), then the
    /// hand-off file holding `hand_off` for the companion, then the build user restored.
    #[must_use]
    pub fn build_dockerfile(self, run: &str, hand_off: &str) -> String {
        let (runtime, name) = (self.runtime, self.name);
        let dir = format!("/usr/share/paketo-community/ubi-{runtime}-extension");
        let file = format!("{dir}/runtime.toml");
        format!(
            "ARG base_image\nFROM ${{base_image}}\n\nUSER root\n\
             # build_id is deliberately not referenced: these layers stay cached until the build \
             image or this file changes (a stack release, another {name} major).\n\
             # Upstream ran `RUN echo ${{build_id}}` before the install, which re-ran microdnf on \
             every build.\n\
             {run}\n\
             # Tells the companion buildpack which {name} was installed: {file}\n\
             RUN mkdir -p {dir} && printf '%b' '{}' > {file} && chmod 644 {file}\n\
             ARG user_id\nARG group_id\nUSER ${{user_id}}:${{group_id}}\n",
            hand_off.replace('\n', "\\n")
        )
    }

    /// The real detector over an order of the extension (its catalogue the fixture
    /// `images-ubi9-local-run-images.json`) and its companion buildpack, on the fixture app
    /// `app`, on UBI 9 with the run images `localhost/paketo/run-ubi9-base:0.0.42` (the stack's)
    /// and `localhost/paketo/run-<runtime>-<major>-ubi9-base:0.0.42` for each of `majors`, with
    /// the platform's `platform_env`. Returns the outcome, the extension and the buildpack.
    #[must_use]
    pub fn detect_with_companion(
        self,
        app: &str,
        majors: &[u32],
        platform_env: &[(&str, &str)],
    ) -> (DetectorOutcome, Module, Module) {
        let (extension, scratch, _) =
            self.with_fixture_catalogue("images-ubi9-local-run-images.json");
        let buildpack = Module::package(&format!("buildpacks/ubi-{}", self.runtime));
        let run_images: Vec<String> = majors
            .iter()
            .map(|major| {
                format!(
                    "localhost/paketo/run-{}-{major}-ubi9-base:0.0.42",
                    self.runtime
                )
            })
            .collect();
        let mut run = Lifecycle::locate()
            .detector()
            .extension_and_companion(&extension, &buildpack)
            .app(fixture_app(app))
            .env(STACK_ID, UBI9)
            .run_images("localhost/paketo/run-ubi9-base:0.0.42", &run_images);
        for (name, value) in platform_env {
            run = run.platform_env(name, value);
        }
        // The copied extension is read by the detector while `scratch` lives.
        let outcome = run.run();
        drop(scratch);
        (outcome, extension, buildpack)
    }
}

/// An app directory holding `files` (path, content): the app files an extension reads.
#[must_use]
pub fn app_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    for (path, content) in files {
        let path = dir.path().join(path);
        let parent = path.parent().expect("a file's path has a parent");
        std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::write(&path, content))
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }
    dir
}

/// `generate` of `module` on the app `app`, on the stack `stack` (`CNB_STACK_ID`), with the
/// Buildpack Plan `plan`.
#[must_use]
pub fn generate_on(
    module: &Module,
    app: impl AsRef<Path>,
    stack: &str,
    plan: &str,
) -> GenerateOutcome {
    ModuleRun::new(module, app)
        .lifecycle_env(STACK_ID, stack)
        .buildpack_plan(plan)
        .generate()
}

/// [`generate_on`] with the platform setting `name` = `value` (`<platform>/env/<name>`).
#[must_use]
pub fn generate_with_setting(
    module: &Module,
    app: impl AsRef<Path>,
    stack: &str,
    (name, value): (&str, &str),
    plan: &str,
) -> GenerateOutcome {
    ModuleRun::new(module, app)
        .lifecycle_env(STACK_ID, stack)
        .platform_env(name, value)
        .buildpack_plan(plan)
        .generate()
}

/// Hostile `BP_UBI_RUN_IMAGE_OVERRIDE` values are refused (no Dockerfile written) by `module`'s
/// generate on `app` on UBI 8 with the Buildpack Plan `plan`.
pub fn assert_hostile_run_image_overrides_refused(
    module: &Module,
    app: impl AsRef<Path>,
    plan: &str,
) {
    for image in [
        "x\nRUN id",
        "ubuntu; id",
        "ubuntu $(id)",
        "\"localhost/run\"",
        "localhost/run latest",
        "${base_image}",
    ] {
        let outcome = generate_with_setting(
            module,
            app.as_ref(),
            UBI8,
            ("BP_UBI_RUN_IMAGE_OVERRIDE", image),
            plan,
        );
        let expected = format!("  BP_UBI_RUN_IMAGE_OVERRIDE: {image:?} is not an image reference");
        outcome.assert_error("Cannot choose the run image", &[&expected]);
    }
}

/// `module`'s generate with the Buildpack Plan `plan` refuses stacks that are not UBI: by
/// `CNB_STACK_ID`, by the target's distro, and one whose version only starts like RHEL 8's
/// (issue 21: it was taken for ubi8, and printed raw; this one retitles the terminal).
pub fn assert_only_ubi_stacks(module: &Module, plan: &str) {
    let outcome = generate_on(
        module,
        fixture_app("empty-app"),
        "io.buildpacks.stacks.jammy",
        plan,
    );
    outcome.assert_error(
        "Not a UBI stack",
        &["  unsupported stack \"io.buildpacks.stacks.jammy\" (CNB_STACK_ID)"],
    );
    for (distro, version, expected) in [
        (
            "ubuntu",
            "24.04",
            "CNB_STACK_ID is not set and the target distro is \"ubuntu\" \"24.04\"",
        ),
        (
            "rhel",
            "8.10\u{1b}]0;pwned\u{7}",
            "the target distro is \"rhel\" \"8.10\\u{1b}]0;pwned\\u{7}\"",
        ),
    ] {
        let outcome = ModuleRun::new(module, fixture_app("empty-app"))
            .target(TargetEnv::linux_amd64(distro, version))
            .buildpack_plan(plan)
            .generate();
        outcome.assert_error("Not a UBI stack", &[expected]);
        let (stdout, stderr) = (&outcome.process.stdout, &outcome.process.stderr);
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{outcome}"
        );
    }
}

/// The detector kept `extension` and `buildpack` in their groups, and the extension satisfied
/// the plan entries `entries`, so that the buildpack does not receive them.
pub fn assert_routed_through(
    outcome: &DetectorOutcome,
    extension: &Module,
    buildpack: &Module,
    entries: &[&str],
) {
    outcome.assert_success();
    let groups = (
        outcome.group_ids("group-extensions"),
        outcome.group_ids("group"),
    );
    let expected = (vec![extension.id.clone()], vec![buildpack.id.clone()]);
    assert_eq!(
        groups, expected,
        "the groups (extensions, buildpacks): {outcome}"
    );
    let names = outcome.plan_entry_names();
    assert!(
        entries
            .iter()
            .all(|entry| !names.iter().any(|name| name == entry)),
        "the extension satisfied {entries:?}, so the buildpack must not receive them: {:#?}",
        outcome.plan
    );
}

/// The file `<extension's escaped id>/<name>` the detector generated (e.g. `run.Dockerfile`).
#[must_use]
pub fn generated<'a>(outcome: &'a DetectorOutcome, extension: &Module, name: &str) -> &'a str {
    let path = format!("{}/{name}", extension.escaped_id());
    outcome
        .generated
        .get(&path)
        .unwrap_or_else(|| panic!("the detector generated no {path}: {outcome}"))
}

/// The extension switched the run image to `image`, one that `run.toml` lists: the
/// `run.Dockerfile` names it, `analyzed.toml` records it, and the detector did not warn that it
/// is not in the run metadata.
pub fn assert_switched_run_image(outcome: &DetectorOutcome, extension: &Module, image: &str) {
    assert_eq!(
        generated(outcome, extension, "run.Dockerfile"),
        format!("FROM {image}\n")
    );
    let analyzed = outcome
        .analyzed
        .as_ref()
        .and_then(|analyzed| analyzed.get("run-image")?.get("image")?.as_str());
    assert_eq!(analyzed, Some(image), "{outcome}");
    assert!(
        !outcome.output.contains("not found in run metadata"),
        "the run image is listed in run.toml: {outcome}"
    );
}

/// The extension's generate failed: the detector exited 91 (an extension's generate error),
/// said `expected`, and wrote no `build.Dockerfile`.
pub fn assert_generate_failed(outcome: &DetectorOutcome, extension: &Module, expected: &str) {
    outcome.assert_exit(91);
    crate::assert_contains!(outcome.output, expected);
    let build = format!("{}/build.Dockerfile", extension.escaped_id());
    assert!(!outcome.generated.contains_key(&build), "{outcome}");
}
