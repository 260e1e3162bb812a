//! The packaged buildpack (`bin/detect`, `bin/build`, built statically by the packager) run as
//! the lifecycle runs it (`ModuleRun`), on the Go fixture apps, with this machine's Go on `PATH`.
//!
//! `go-toolchain` asks for go1.25.14, which this machine does not have: its build downloads the
//! toolchain from the Go module proxy (the network is needed, as for `go install`).

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod common;

use cnb_harness::detect::assert_not_detected;
use cnb_harness::files::dir_with_files;
use cnb_harness::processes::{command, process_type};
use cnb_harness::{BuildOutcome, ModuleRun, Outcome, assert_contains, fixture_app};
use common::{buildpack, machine_go};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The first line of the build log: the buildpack's name and its version in `buildpack.toml`.
fn header() -> String {
    let version = descriptor()["buildpack"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    format!("Go App Buildpack {version}\n")
}

/// `buildpack.toml`.
fn descriptor() -> toml::Table {
    toml::from_str(include_str!("../buildpack.toml")).unwrap()
}

/// The versions of the embedded inventory for linux/amd64, newest first, as the buildpack
/// lists them in its errors (the inventory holds releases only: `X.Y.Z`).
fn inventory_versions() -> String {
    let inventory: toml::Table = toml::from_str(include_str!("../inventory.toml")).unwrap();
    let mut versions: Vec<(Vec<u64>, String)> = inventory["toolchains"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["os"].as_str() == Some("linux"))
        .filter(|entry| entry["arch"].as_str() == Some("amd64"))
        .map(|entry| {
            let version = entry["version"].as_str().unwrap().to_string();
            let numbers = version.split('.').map(|n| n.parse().unwrap()).collect();
            (numbers, version)
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions
        .into_iter()
        .map(|(_, version)| version)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds a copy of the fixture app `name` with the platform env `env`, and returns the copy (the
/// build removes the sources from it) with the outcome.
fn build_copy(name: &str, env: &[(&str, &str)]) -> (tempfile::TempDir, BuildOutcome) {
    let app = tempfile::tempdir().unwrap();
    copy_dir(&fixture_app(name), app.path());
    let run = env.iter().fold(
        ModuleRun::new(&buildpack(), app.path()),
        |run, (name, value)| run.platform_env(name, value),
    );
    let outcome = run.build();
    (app, outcome)
}

fn copy_dir(source: &Path, destination: &Path) {
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        let target = destination.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|error| panic!("read {}: {error}", path.as_ref().display()))
}

/// `launch.toml` processes as (type, command, default).
fn processes(outcome: &BuildOutcome) -> Vec<(String, Vec<String>, bool)> {
    let launch = outcome.launch.as_ref().expect("launch.toml");
    cnb_harness::processes::processes(launch)
        .iter()
        .map(|process| {
            let default = process.get("default").and_then(toml::Value::as_bool);
            (
                process_type(process).to_string(),
                command(process),
                default.unwrap_or(false),
            )
        })
        .collect()
}

fn sbom(outcome: &BuildOutcome) -> serde_json::Value {
    serde_json::from_str(&read(outcome.layers_dir.join("targets.sbom.cdx.json"))).unwrap()
}

#[test]
fn detect_passes_for_go_apps() {
    let buildpack = buildpack();
    for (app, line) in [
        ("go-http", "Go app (go.mod)\n"),
        ("go-multi-cmd", "Go app (go.mod)\n"),
        ("go-cgo", "Go app (go.mod)\n"),
    ] {
        let outcome = ModuleRun::new(&buildpack, fixture_app(app)).detect();
        outcome.assert_success();
        assert_eq!(outcome.process.stdout, line, "{app}");
        assert_eq!(outcome.plan, None, "{app}: no build plan");
    }
    // Sources under cmd/*/ without go.mod.
    let app = dir_with_files(&[("cmd/tool/main.go", "package main\nfunc main() {}\n")]);
    let outcome = ModuleRun::new(&buildpack, app.path()).detect();
    outcome.assert_success();
    assert_eq!(outcome.process.stdout, "Go app (*.go under cmd/*/)\n");
}

#[test]
fn detect_fails_for_other_apps() {
    assert_not_detected(
        &ModuleRun::new(&buildpack(), fixture_app("empty-app")).detect(),
        "No Go app: no go.mod, no *.go at the root or under cmd/*/ (set BP_GO_TARGETS to the \
         directories of the main packages)",
    );
}

#[test]
fn detect_rejects_an_invalid_bp_go_targets() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("go-multi-cmd"))
        .platform_env("BP_GO_TARGETS", "cmd/a:/etc")
        .detect();
    outcome.assert_exit(1);
    assert_eq!(
        outcome.process.stderr,
        "ERROR: Invalid BP_GO_TARGETS\n  BP_GO_TARGETS=\"cmd/a:/etc\": the target \"/etc\" must \
         be relative to the app directory (no leading '/').\n  BP_GO_TARGETS is a \
         colon-separated list of directories relative to the app, each holding a main package, \
         e.g. BP_GO_TARGETS=cmd/server:cmd/worker.\n"
    );
}

#[test]
fn build_go_http_with_the_go_on_path() {
    let (app, outcome) = build_copy("go-http", &[]);
    let log = &outcome.process.stdout;
    outcome.assert_success();
    assert!(log.starts_with(&header()), "{log}");
    let go = machine_go();
    for needle in [
        "  Targets\n    . -> go-http\n",
        "    Requested >= 1.24 (go.mod go line: 1.24)\n",
        &format!("    Using {go} from PATH ("),
        "  Go caches: starting empty (first build)\n",
        "  Building (CGO_ENABLED=0, GOFLAGS=-modcacherw -mod=readonly)\n",
        "    Running 'go build -o ",
        "/targets/bin/go-http -buildmode=exe -trimpath .'\n",
        "    go-http: static (no program interpreter, no shared library)",
        &format!("    go-http: example.com/go-http {go}, 0 dependencies\n"),
        "  Removing the source code (BP_KEEP_FILES keeps none)\n",
        "  Processes (direct, no shell)\n    go-http (default): ",
    ] {
        assert_contains!(log, needle);
    }
    // No go layer: the build image's go satisfied go.mod.
    assert_eq!(outcome.layers, ["go-cache", "targets"]);
    let binary = outcome.layers_dir.join("targets/bin/go-http");
    elf_check::check_static(&binary).unwrap();
    assert_eq!(
        processes(&outcome),
        [(
            "go-http".to_string(),
            vec![binary.to_string_lossy().into_owned()],
            true
        )]
    );
    let layer = |name: &str| -> toml::Table {
        toml::from_str(&read(outcome.layers_dir.join(format!("{name}.toml")))).unwrap()
    };
    assert_eq!(
        layer("targets")["types"],
        toml::Value::Table(toml::from_str("launch = true\nbuild = false\ncache = false").unwrap())
    );
    assert_eq!(
        layer("go-cache")["types"],
        toml::Value::Table(toml::from_str("launch = false\nbuild = false\ncache = true").unwrap())
    );
    assert_eq!(
        layer("targets")["metadata"]["binaries"],
        toml::Value::Array(vec!["go-http".into()])
    );
    // The caches are in the layer, not in HOME.
    assert!(outcome.layers_dir.join("go-cache/build").is_dir());

    let sbom = sbom(&outcome);
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(sbom["specVersion"], "1.5");
    assert_eq!(sbom["components"][0]["name"], "go-http");
    assert_eq!(sbom["components"][0]["type"], "application");
    let properties: BTreeMap<String, String> = sbom["components"][0]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(properties["go:toolchain"], go);
    assert_eq!(properties["go:module"], "example.com/go-http");
    assert_eq!(properties["go:build:CGO_ENABLED"], "0");
    assert_eq!(properties["go:build:-buildmode"], "exe");
    assert_eq!(properties["go:build:-trimpath"], "true");
    assert_eq!(
        sbom["components"][1]["purl"].as_str().unwrap(),
        format!("pkg:golang/stdlib@{}", go.trim_start_matches("go"))
    );

    // The sources are gone.
    assert!(listing(app.path()).is_empty(), "{:?}", listing(app.path()));
}

#[test]
fn build_go_multi_cmd_one_binary_per_command() {
    let (app, outcome) = build_copy(
        "go-multi-cmd",
        &[
            ("BP_KEEP_FILES", "README.md"),
            ("BP_GO_BUILD_LDFLAGS", "-s -w"),
        ],
    );
    let log = &outcome.process.stdout;
    outcome.assert_success();
    for needle in [
        "  Targets\n    cmd/a -> a\n    cmd/b -> b\n",
        "/targets/bin/a -buildmode=exe -trimpath '-ldflags=-s -w' ./cmd/a'\n",
        "/targets/bin/b -buildmode=exe -trimpath '-ldflags=-s -w' ./cmd/b'\n",
        "  Removing the source code but BP_KEEP_FILES=README.md\n",
        "    Kept README.md\n",
    ] {
        assert_contains!(log, needle);
    }
    let bin = outcome.layers_dir.join("targets/bin");
    assert_eq!(listing(&bin), ["a", "b"]);
    let types: Vec<(String, bool)> = processes(&outcome)
        .into_iter()
        .map(|(name, _, default)| (name, default))
        .collect();
    assert_eq!(types, [("a".to_string(), true), ("b".to_string(), false)]);
    for name in ["a", "b"] {
        elf_check::check_static(&bin.join(name)).unwrap();
        let output = Command::new(bin.join(name)).output().unwrap();
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("hello from {name}\n")
        );
    }
    assert_eq!(listing(app.path()), ["README.md"]);
    let sbom = sbom(&outcome);
    assert_eq!(sbom["dependencies"][1]["ref"], "binary:b");
}

#[test]
fn build_go_cgo_fails_with_why_and_what_to_do() {
    let (app, outcome) = build_copy("go-cgo", &[]);
    outcome.process.assert_module_error(
        "The app needs cgo, which a static image cannot run",
        &[
            "\n  These files import \"C\" without a `cgo` build constraint:\n    main.go\n  A cgo \
           binary links the C library dynamically",
        ],
    );
    // Nothing was built, nothing removed.
    assert!(app.path().join("main.go").is_file());
}

#[test]
fn build_go_cgo_when_asked_must_still_be_static() {
    // BP_GO_CGO=true alone: gcc links libc dynamically, and the ELF check refuses it.
    let (_app, outcome) = build_copy("go-cgo", &[("BP_GO_CGO", "true")]);
    outcome.process.assert_module_error(
        "A binary is not statically linked",
        &[
            "\n  go-cgo is dynamically linked (program interpreter /lib64/ld-linux-x86-64.so.2; \
             needs libc.so.6)",
            "With BP_GO_CGO=true, link statically: BP_GO_BUILD_LDFLAGS=\"-linkmode=external \
             -extldflags=-static\"",
        ],
    );

    // With static external linking (glibc's libc.a), the same app passes.
    let (_app, outcome) = build_copy(
        "go-cgo",
        &[
            ("BP_GO_CGO", "true"),
            (
                "BP_GO_BUILD_LDFLAGS",
                "-linkmode=external -extldflags=-static",
            ),
        ],
    );
    outcome.assert_success();
    let binary = outcome.layers_dir.join("targets/bin/go-cgo");
    elf_check::check_static(&binary).unwrap();
    let output = Command::new(&binary).output().unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "the answer from C: 42\n"
    );
}

#[test]
fn build_rejects_flags_that_defeat_a_static_binary() {
    let (_app, outcome) = build_copy("go-http", &[("BP_GO_BUILD_FLAGS", "-buildmode=pie")]);
    outcome.process.assert_module_error(
        "Invalid BP_GO_BUILD_FLAGS",
        &[
            "\n  BP_GO_BUILD_FLAGS=\"-buildmode=pie\": -buildmode=pie cannot give a static \
           executable (Go links a PIE dynamically",
        ],
    );
}

#[test]
fn build_refuses_a_version_outside_the_inventory() {
    assert!(
        !inventory_versions()
            .split(", ")
            .any(|version| version == "1.26.9")
    );
    let (_app, outcome) = build_copy("go-http", &[("BP_GO_VERSION", "1.26.9")]);
    let expected = format!(
        "\n  BP_GO_VERSION asks for Go 1.26.9; the go on PATH \
         is {}, and this buildpack installs only the versions it knows the checksum of. For \
         linux/amd64 these are: {}.\n",
        machine_go().trim_start_matches("go"),
        inventory_versions()
    );
    outcome
        .process
        .assert_module_error("Go 1.26.9 is not available", &[&expected]);
}

#[test]
fn build_verifies_the_toolchain_checksum_before_extracting() {
    // A mirror (GOPROXY=file://...) that serves a zip that is not the real go1.25.14.
    let mirror = dir_with_files(&[(
        "golang.org/toolchain/@v/v0.0.1-go1.25.14.linux-amd64.zip",
        "PK not really a toolchain",
    )]);
    let goproxy = format!("file://{},direct", mirror.path().display());
    let (_app, outcome) = build_copy("go-toolchain", &[("GOPROXY", &goproxy)]);
    outcome.process.assert_module_error(
        "The downloaded Go toolchain does not match its checksum",
        &[
            "expected 1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4 (the \
           buildpack's inventory).\n  Nothing was extracted.",
        ],
    );
    for needle in [
        "    Installing Go 1.25.14 (no cached toolchain)\n",
        &format!(
            "      Downloading file://{}/golang.org/toolchain/@v/v0.0.1-go1.25.14.linux-amd64.zip\n",
            mirror.path().display()
        ),
    ] {
        assert_contains!(outcome.process.stdout, needle);
    }
    // The layer exists but holds nothing.
    assert!(listing(&outcome.layers_dir.join("go")).is_empty());
    assert!(!outcome.layers_dir.join("targets").exists());
}
