//! The user's RPM mirror (an `rpm-repository` service binding), a Paketo `ca-certificates`
//! binding and the proxy: the packaged extension, run as the lifecycle runs `bin/generate`
//! (through the harness), with bindings under `<platform>/bindings/<name>/` as pack's `--volume`
//! and Kubernetes mount them. The shared behaviour is tested in ubi-extension-support and in the
//! Node.js extension's `tests/bindings.rs`; this checks the Java extension uses it the same way.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{Module, ModuleRun, workspace_root};
use std::path::PathBuf;

const PLAN: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nversion = \"21\"\n\
                    version-source = \"pom.xml\"\n";
const REPO: &str = "[corp-appstream]\nbaseurl=https://rpm.corp.example/appstream/\n\
                    username=builder\npassword=s3cret-repo-pass\n";
const PROXY: &str = "http://proxyuser:s3cret-proxy-pass@proxy.corp.example:3128";

/// Generate's exit code, stdout, stderr and output directory (kept as long as the directories).
fn generate(
    bindings: &[(&str, &[(&str, &str)])],
    env: &[(&str, &str)],
) -> (i32, String, String, PathBuf, Vec<tempfile::TempDir>) {
    let root = workspace_root();
    let (module, module_dir) = Module::package("extensions/ubi-java").copy_with_metadata_path(
        "catalogue",
        &root.join("tests/fixtures/ubi-java/images-ubi8.json"),
    );
    let mut run = ModuleRun::new(
        &module,
        root.join("tests/fixtures/apps/java-maven-release-21"),
    )
    .lifecycle_env("CNB_STACK_ID", "io.buildpacks.stacks.ubi8")
    .buildpack_plan(PLAN);
    for (name, value) in env {
        run = run.platform_env(name, value);
    }
    let (mut command, scratch) = run.command("generate");
    let args: Vec<PathBuf> = command.get_args().map(PathBuf::from).collect();
    for (name, files) in bindings {
        let dir = args[1].join("bindings").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, contents) in *files {
            std::fs::write(dir.join(file), contents).unwrap();
        }
    }
    let output = cnb_harness::command::output(&mut command);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        args[0].clone(),
        vec![scratch, module_dir],
    )
}

#[test]
fn a_mirror_binding_a_ca_certificates_binding_and_a_proxy() {
    let (code, stdout, stderr, output, _dirs) = generate(
        &[
            (
                "corp-mirror",
                &[
                    ("type", "rpm-repository"),
                    ("corp.repo", REPO),
                    ("mode", "add"),
                ],
            ),
            (
                "corp-ca",
                &[("type", "ca-certificates"), ("corp.pem", "PEM")],
            ),
        ],
        &[("https_proxy", PROXY)],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(
            "  RPM repositories:\n    From the binding corp-mirror (rpm-repository, added to the \
             build image's repositories):\n      corp-appstream (corp.repo): \
             https://rpm.corp.example/appstream/\n    Trusting the CAs of the binding corp-ca \
             (ca-certificates): corp.pem\n"
        ),
        "{stdout}"
    );
    let build = std::fs::read_to_string(output.join("build.Dockerfile")).unwrap();
    for text in [&stdout, &build] {
        for secret in [
            "s3cret-repo-pass",
            "builder",
            "s3cret-proxy-pass",
            "proxyuser",
            "PEM",
        ] {
            assert!(!text.contains(secret), "{secret} in:\n{text}");
        }
    }
    assert!(build.contains("\nARG https_proxy\nRUN sh -c '"), "{build}");
    assert!(
        build.contains(
            " -- --setopt=reposdir=/tmp/ubi-extension-repositories \
             --setopt=sslcacert=/tmp/ubi-extension-repositories/ca.pem && microdnf \
             --setopt=reposdir=/tmp/ubi-extension-repositories \
             --setopt=sslcacert=/tmp/ubi-extension-repositories/ca.pem \
             --setopt=install_weak_deps=0 --setopt=tsflags=nodocs install -y openssl-devel \
             java-21-openjdk-devel"
        ),
        "{build}"
    );
    // `add`: the build image's repositories are copied beside the binding's.
    assert!(
        build.contains(" /tmp/ubi-extension-repositories add "),
        "{build}"
    );
    let config = std::fs::read_to_string(output.join("extend-config.toml")).unwrap();
    assert_eq!(
        config,
        format!("[[build.args]]\nname = \"https_proxy\"\nvalue = \"{PROXY}\"\n")
    );
}

#[test]
fn a_binding_without_repo_file_is_our_error() {
    let (code, _, stderr, output, _dirs) =
        generate(&[("corp-mirror", &[("type", "rpm-repository")])], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("ERROR: The rpm-repository binding holds no .repo file\n"),
        "{stderr}"
    );
    assert!(std::fs::read_dir(output).unwrap().next().is_none());
}
