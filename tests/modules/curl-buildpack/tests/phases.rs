//! Runs the buildpack's binary as `bin/detect` and `bin/build`, the way the lifecycle does.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::files::write_executable;
use cnb_harness::{Outcome, Process};
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_example-curl-buildpack");

/// A buildpack directory (descriptor + `bin/` symlinks to the test binary) and the other
/// directories the lifecycle hands to a buildpack.
struct Fixture {
    root: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let buildpack = root.path().join("buildpack");
        std::fs::create_dir_all(buildpack.join("bin")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("buildpack.toml"),
            buildpack.join("buildpack.toml"),
        )
        .unwrap();
        for phase in ["detect", "build"] {
            std::os::unix::fs::symlink(BINARY, buildpack.join("bin").join(phase)).unwrap();
        }
        for dir in ["app", "platform", "layers", "tools"] {
            std::fs::create_dir(root.path().join(dir)).unwrap();
        }
        Self { root }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// `bin/<phase> <args>` in the app directory with a minimal CNB environment.
    fn run(&self, phase: &str, args: &[PathBuf]) -> Process {
        Process::from(
            Command::new(self.path("buildpack").join("bin").join(phase))
                .args(args)
                .current_dir(self.path("app"))
                .env_clear()
                .env("PATH", self.path("tools"))
                .env("CNB_BUILDPACK_DIR", self.path("buildpack"))
                .env("CNB_TARGET_OS", "linux")
                .env("CNB_TARGET_ARCH", "amd64")
                .env("CNB_TARGET_DISTRO_NAME", "ubuntu")
                .env("CNB_TARGET_DISTRO_VERSION", "22.04")
                .output()
                .unwrap(),
        )
    }

    fn detect(&self) -> (Process, toml::Table) {
        let plan = self.path("plan.toml");
        let output = self.run("detect", &[self.path("platform"), plan.clone()]);
        let plan = std::fs::read_to_string(plan).unwrap_or_default();
        (output, toml::from_str(&plan).unwrap())
    }

    fn build(&self) -> Process {
        let plan = self.path("buildpack-plan.toml");
        std::fs::write(
            &plan,
            "[[entries]]\nname = \"curl\"\n[entries.metadata]\nlaunch = true\n",
        )
        .unwrap();
        self.run("build", &[self.path("layers"), self.path("platform"), plan])
    }

    /// Puts an executable `curl` script on the fixture's `PATH`.
    fn install_fake_curl(&self) -> PathBuf {
        let curl = self.path("tools").join("curl");
        write_executable(&curl, "#!/bin/sh\necho curl 8.5.0\n");
        curl
    }
}

#[test]
fn detect_requires_curl_for_launch_with_the_requested_version() {
    for (curl_version, metadata) in [
        (None, "launch = true"),
        (Some("8.5.0\n"), "version = \"8.5.0\"\nlaunch = true"),
    ] {
        let fixture = Fixture::new();
        if let Some(version) = curl_version {
            std::fs::write(fixture.path("app").join(".curl-version"), version).unwrap();
        }
        let (output, plan) = fixture.detect();
        output.assert_success();
        let expected: toml::Table = toml::from_str(&format!(
            "[[requires]]\nname = \"curl\"\n[requires.metadata]\n{metadata}\n"
        ))
        .unwrap();
        assert_eq!(plan, expected, ".curl-version: {curl_version:?}");
    }
}

#[test]
fn build_sets_the_curl_version_process() {
    let fixture = Fixture::new();
    let curl = fixture.install_fake_curl();
    let output = fixture.build();
    output.assert_success();
    assert_eq!(
        output.stdout,
        format!(
            "Example curl user 0.1.0\n  Found curl at {}\n  Setting default process curl-version: curl --version\n",
            curl.display()
        )
    );

    let launch: toml::Table = toml::from_str(
        &std::fs::read_to_string(fixture.path("layers").join("launch.toml")).unwrap(),
    )
    .unwrap();
    let expected: toml::Table = toml::from_str(
        r#"
        [[processes]]
        type = "curl-version"
        command = ["curl"]
        args = ["--version"]
        default = true
        "#,
    )
    .unwrap();
    assert_eq!(launch, expected);
}

#[test]
fn build_fails_clearly_without_curl() {
    let fixture = Fixture::new();
    let output = fixture.build();
    output.assert_module_error(
        "curl is not installed in the build image",
        &["curl was expected to be installed by the image extension examples/curl-extension"],
    );
    assert!(!fixture.path("layers").join("launch.toml").exists());
}

#[test]
fn missing_cnb_target_is_a_framework_error() {
    let fixture = Fixture::new();
    let output = Process::from(
        Command::new(fixture.path("buildpack").join("bin").join("detect"))
            .args([fixture.path("platform"), fixture.path("plan.toml")])
            .current_dir(fixture.path("app"))
            .env_clear()
            .env("CNB_BUILDPACK_DIR", fixture.path("buildpack"))
            .output()
            .unwrap(),
    );
    output.assert_module_error(
        "The buildpack framework failed (libcnb)",
        &["\n  Couldn't determine target os"],
    );
}
