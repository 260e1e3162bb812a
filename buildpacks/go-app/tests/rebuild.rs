//! Rebuilds: the packaged `bin/build` run as the lifecycle runs it, several times over the same
//! layers directory (as the restorer leaves it for the next build), so the cached `go` and
//! `go-cache` layers are seen reused or replaced.
//!
//! `go-toolchain` asks for go1.25.14, which this machine does not have (it has Go 1.26.8): the
//! first build downloads the toolchain from the Go module proxy (<https://proxy.golang.org>, the
//! default GOPROXY) and verifies it against the inventory.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod common;

use cnb_harness::{Module, Outcome, Process, assert_contains, fixture_app};
use common::{buildpack, machine_go};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One buildpack, one layers directory, builds of fresh copies of an app.
struct Builds {
    module: Module,
    scratch: tempfile::TempDir,
}

impl Builds {
    fn new() -> Self {
        let scratch = tempfile::tempdir().unwrap();
        let module = buildpack();
        for dir in ["layers", "platform/env"] {
            std::fs::create_dir_all(scratch.path().join(dir)).unwrap();
        }
        std::fs::create_dir(scratch.path().join("layers").join(module.escaped_id())).unwrap();
        std::fs::write(scratch.path().join("plan.toml"), "").unwrap();
        Self { module, scratch }
    }

    fn layers(&self) -> PathBuf {
        self.scratch
            .path()
            .join("layers")
            .join(self.module.escaped_id())
    }

    /// Builds a fresh copy of fixture `app` with the platform env files `env`.
    fn build(&self, app: &str, env: &[(&str, &str)]) -> Process {
        let platform = self.scratch.path().join("platform");
        for entry in std::fs::read_dir(platform.join("env")).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, value) in env {
            std::fs::write(platform.join("env").join(name), value).unwrap();
        }
        let app_dir = tempfile::tempdir().unwrap();
        let status = Command::new("cp")
            .arg("-R")
            .arg(format!("{}/.", fixture_app(app).display()))
            .arg(app_dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let layers = self.layers();
        let plan = self.scratch.path().join("plan.toml");
        let output = Command::new(self.module.executable("build"))
            .args([&layers, &platform, &plan])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HOME", std::env::var("HOME").unwrap_or_else(|_| "/".into()))
            .env("CNB_TARGET_OS", "linux")
            .env("CNB_TARGET_ARCH", "amd64")
            .env("CNB_TARGET_DISTRO_NAME", "ubuntu")
            .env("CNB_TARGET_DISTRO_VERSION", "22.04")
            .env("CNB_BUILDPACK_DIR", &self.module.dir)
            .env("CNB_LAYERS_DIR", &layers)
            .env("CNB_PLATFORM_DIR", &platform)
            .env("CNB_BP_PLAN_PATH", &plan)
            .envs(env.iter().copied())
            .current_dir(app_dir.path())
            .output()
            .unwrap();
        Process::from(output)
    }
}

fn assert_built(build: &Process, lines: &[&str]) {
    build.assert_success();
    for line in lines {
        assert_contains!(build.stdout, line);
    }
}

fn run(binary: &Path) -> String {
    let output = Command::new(binary).output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_toolchain_go_mod_asks_for_is_installed_verified_and_reused() {
    let builds = Builds::new();
    let layers = builds.layers();

    let go = machine_go();
    assert_ne!(
        go, "go1.25.14",
        "this test needs a machine whose Go is not go1.25.14"
    );
    let first = builds.build("go-toolchain", &[]);
    assert_built(
        &first,
        &[
            "    Requested 1.25.14 (go.mod toolchain: go1.25.14)\n",
            &format!("    The go on PATH is {go} ("),
            "): it does not satisfy 1.25.14\n",
            "    Installing Go 1.25.14 (no cached toolchain)\n",
            "      Downloading https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.25.14.linux-amd64.zip\n",
            "      Verified SHA-256 1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4 (64.5 MB)\n",
            "  Go caches: starting empty (first build)\n",
            "    go-toolchain: example.com/go-toolchain go1.25.14, 0 dependencies\n",
        ],
    );
    assert_eq!(run(&layers.join("targets/bin/go-toolchain")), "go1.25.14\n");
    assert_eq!(
        std::fs::read_to_string(layers.join("go.toml")).unwrap(),
        "[types]\nlaunch = false\nbuild = true\ncache = true\n\n[metadata]\nversion = \"1.25.14\"\nos = \"linux\"\narch = \"amd64\"\nsha256 = \"1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4\"\n"
    );
    // The toolchain keeps its modes: the go command and its tools are executable.
    let output = Command::new(layers.join("go/bin/go"))
        .args(["version"])
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "go version go1.25.14 linux/amd64\n"
    );

    let second = builds.build("go-toolchain", &[]);
    assert_built(
        &second,
        &[
            "    Reusing the cached Go 1.25.14 (version and checksum unchanged)\n",
            "  Go caches: reusing the module and build caches (from the previous build)\n",
        ],
    );
    assert!(!second.stdout.contains("Downloading"), "{}", second.stdout);

    // Another version: the layer is replaced, and the log says why.
    let third = builds.build("go-toolchain", &[("BP_GO_VERSION", "1.26.10")]);
    assert_built(
        &third,
        &[
            "    Requested 1.26.10 (BP_GO_VERSION: 1.26.10)\n",
            "    Installing Go 1.26.10 (version changed: 1.25.14 -> 1.26.10)\n",
            "    go-toolchain: example.com/go-toolchain go1.26.10, 0 dependencies\n",
        ],
    );
    assert_eq!(run(&layers.join("targets/bin/go-toolchain")), "go1.26.10\n");
}

#[test]
fn a_warm_rebuild_reuses_the_caches() {
    let builds = Builds::new();
    let first = builds.build("go-multi-cmd", &[]);
    assert_built(&first, &["  Go caches: starting empty (first build)\n"]);
    let second = builds.build("go-multi-cmd", &[]);
    assert_built(
        &second,
        &["  Go caches: reusing the module and build caches (from the previous build)\n"],
    );
    assert!(builds.layers().join("go-cache/build").is_dir());
}
