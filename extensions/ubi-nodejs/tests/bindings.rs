//! The user's RPM mirror (an `rpm-repository` service binding), its CA and the proxy: the
//! packaged extension, run as the lifecycle runs `bin/generate` (through the harness), with
//! bindings under `<platform>/bindings/<name>/` as pack's `--volume` and Kubernetes mount them.
//! What reaches the outputs (paths and variable names, never a binding's values), the log (the
//! repositories and bindings by name, never secrets) and our errors.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{Module, ModuleRun, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

const PLAN: &str = "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = \"~22\"\n\
                    version-source = \"package.json\"\n";
const REPO: &str = "[corp-appstream]\nname=Corp AppStream\n\
                    baseurl=https://rpm.corp.example/appstream/$basearch?token=t0ken\n\
                    username=builder\npassword=s3cret-repo-pass\ngpgcheck=1\n";
const PROXY: &str = "http://proxyuser:s3cret-proxy-pass@proxy.corp.example:3128";

struct Generated {
    output: Output,
    dir: PathBuf,
    _scratch: TempDir,
    _module: TempDir,
}

impl Generated {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    fn file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(name)).ok()
    }
    fn assert_success(&self) {
        let code = self.output.status.code();
        assert_eq!(code, Some(0), "{}", self.stderr());
    }
}

/// Runs generate with `bindings` (name, files) in the platform directory, `env` as platform env
/// files and `lifecycle_env` in the lifecycle's environment.
fn generate(
    bindings: &[(&str, &[(&str, &str)])],
    env: &[(&str, &str)],
    lifecycle_env: &[(&str, &str)],
) -> Generated {
    let root = workspace_root();
    let (module, module_dir) = Module::package("extensions/ubi-nodejs").copy_with_metadata_path(
        "catalogue",
        &root.join("tests/fixtures/ubi-nodejs/images-ubi8.json"),
    );
    let mut run = ModuleRun::new(&module, root.join("tests/fixtures/apps/node-npm-engines"))
        .lifecycle_env("CNB_STACK_ID", "io.buildpacks.stacks.ubi8")
        .buildpack_plan(PLAN);
    for (name, value) in env {
        run = run.platform_env(name, value);
    }
    for (name, value) in lifecycle_env {
        run = run.lifecycle_env(name, value);
    }
    let (mut command, scratch) = run.command("generate");
    let args: Vec<PathBuf> = command.get_args().map(PathBuf::from).collect();
    let (output_dir, platform) = (args[0].clone(), args[1].clone());
    for (name, files) in bindings {
        let dir = platform.join("bindings").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, contents) in *files {
            std::fs::write(dir.join(file), contents).unwrap();
        }
    }
    let output = cnb_harness::command::output(&mut command);
    Generated {
        output,
        dir: output_dir,
        _scratch: scratch,
        _module: module_dir,
    }
}

fn binding_dir(generated: &Generated, name: &str) -> PathBuf {
    generated
        .dir
        .parent()
        .unwrap()
        .join("platform/bindings")
        .join(name)
}

fn assert_no_secret(text: &str) {
    for secret in [
        "s3cret-repo-pass",
        "builder",
        "t0ken",
        "s3cret-proxy-pass",
        "proxyuser",
    ] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
}

#[test]
fn a_mirror_binding_with_ca_and_a_proxy() {
    let generated = generate(
        &[(
            "corp-mirror",
            &[
                ("type", "rpm-repository\n"),
                ("corp.repo", REPO),
                ("ca.crt", "-----BEGIN CERTIFICATE-----\n"),
            ],
        )],
        &[("HTTPS_PROXY", PROXY), ("NO_PROXY", "localhost")],
        &[],
    );
    generated.assert_success();
    let stdout = generated.stdout();
    assert!(
        stdout.contains(
            "  RPM repositories:\n    From the binding corp-mirror (rpm-repository, instead of \
             the build image's repositories):\n      corp-appstream (corp.repo): \
             https://rpm.corp.example/appstream/$basearch\n      CA: ca.crt\n    Proxy (passed \
             to microdnf as build arguments, never stored in the image):\n      \
             HTTPS_PROXY=http://***@proxy.corp.example:3128\n      NO_PROXY=localhost\n"
        ),
        "{stdout}"
    );
    assert_no_secret(&stdout);

    let build = generated.file("build.Dockerfile").unwrap();
    assert_no_secret(&build);
    assert!(!build.contains("BEGIN CERTIFICATE"), "{build}");
    assert!(!build.contains("COPY"), "{build}");
    assert!(
        build.contains("\nARG HTTPS_PROXY\nARG NO_PROXY\nRUN sh -c '"),
        "{build}"
    );
    let binding = binding_dir(&generated, "corp-mirror");
    assert!(
        build.contains(&format!(
            " {} corp-mirror-corp.repo -- {} -- --setopt=reposdir=/tmp/ubi-extension-repositories \
             --setopt=sslcacert=/tmp/ubi-extension-repositories/ca.pem && microdnf \
             --setopt=reposdir=/tmp/ubi-extension-repositories \
             --setopt=sslcacert=/tmp/ubi-extension-repositories/ca.pem -y module enable \
             nodejs:22 && ",
            binding.join("corp.repo").display(),
            binding.join("ca.crt").display()
        )),
        "{build}"
    );
    assert!(
        build.contains(" && rm -rf /tmp/ubi-extension-repositories\n"),
        "{build}"
    );
    assert!(!build.contains("ENV "), "{build}");

    // The proxy's value only in extend-config.toml (under the layers directory, in no image).
    assert_eq!(
        generated.file("extend-config.toml").unwrap(),
        format!(
            "[[build.args]]\nname = \"HTTPS_PROXY\"\nvalue = \"{PROXY}\"\n\n[[build.args]]\n\
             name = \"NO_PROXY\"\nvalue = \"localhost\"\n"
        )
    );
}

#[test]
fn the_proxy_of_the_lifecycle_environment_reaches_microdnf_too() {
    let generated = generate(&[], &[], &[("https_proxy", PROXY)]);
    generated.assert_success();
    let build = generated.file("build.Dockerfile").unwrap();
    assert!(build.contains("\nARG https_proxy\nRUN sh -c '"), "{build}");
    assert!(
        build.contains(" ubi-repositories 'the repositories of the build image' - add -- -- && "),
        "{build}"
    );
    assert!(
        generated
            .file("extend-config.toml")
            .unwrap()
            .contains("name = \"https_proxy\""),
    );
    assert!(
        generated
            .stdout()
            .contains("    The build image's own\n    Proxy (passed to microdnf"),
        "{}",
        generated.stdout()
    );
}

#[test]
fn without_binding_or_proxy_no_extend_config_and_no_scratch_directory() {
    let generated = generate(
        &[("db", &[("type", "postgresql"), ("password", "x")])],
        &[],
        &[],
    );
    generated.assert_success();
    assert_eq!(generated.file("extend-config.toml"), None);
    let build = generated.file("build.Dockerfile").unwrap();
    assert!(!build.contains("reposdir"), "{build}");
    assert!(!build.contains("ARG HTTPS_PROXY"), "{build}");
    assert!(!generated.stdout().contains("RPM repositories"));
}

fn assert_refused(generated: &Generated, expected: &[&str]) {
    assert_eq!(
        generated.output.status.code(),
        Some(1),
        "{}",
        generated.stdout()
    );
    let stderr = generated.stderr();
    for expected in expected {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert_no_secret(&stderr);
    assert!(std::fs::read_dir(&generated.dir).unwrap().next().is_none());
}

#[test]
fn a_binding_without_repo_file_is_our_error() {
    let generated = generate(
        &[(
            "corp-mirror",
            &[("type", "rpm-repository"), ("ca.crt", "CA")],
        )],
        &[],
        &[],
    );
    let binding = binding_dir(&generated, "corp-mirror");
    assert_refused(
        &generated,
        &[
            "ERROR: The rpm-repository binding holds no .repo file\n",
            &format!(
                "  {} has type rpm-repository but no file named *.repo.",
                binding.display()
            ),
        ],
    );
}

#[test]
fn a_repo_file_that_does_not_parse_is_our_error() {
    let generated = generate(
        &[(
            "corp-mirror",
            &[
                ("type", "rpm-repository"),
                (
                    "corp.repo",
                    "[corp]\nbaseurl=https://builder:s3cret-repo-pass@rpm.corp/\n",
                ),
            ],
        )],
        &[],
        &[],
    );
    let repo: &Path = &binding_dir(&generated, "corp-mirror").join("corp.repo");
    assert_refused(
        &generated,
        &[
            "ERROR: Invalid RPM repository file\n",
            &format!(
                "  {}, line 2: the URL \"https://***/\" holds credentials",
                repo.display()
            ),
        ],
    );
}
