//! The real lifecycle's `builder` (v0.21.0, installed by tests/install-lifecycle.sh) runs the
//! packaged buildpack as an unprivileged user, with this machine's Go on `PATH`, for a run image
//! of Paketo's static stack (its target in `analyzed.toml`); then the built app runs on an image
//! that holds only what the static run image holds (podman).

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod common;

use cnb_harness::processes::{command, process_type};
use cnb_harness::{
    BuilderOutcome, Lifecycle, Module, Outcome, Podman, RootFs, STATIC_RUN_GID, STATIC_RUN_UID,
    assert_contains, fixture_app, free_port, http_get,
};
use common::{buildpack, machine_go};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The run image's target, as the analyzer records it for Paketo's static jammy run image.
const ANALYZED: &str = "[run-image]\nreference = \"localhost/run-jammy-static:1\"\nimage = \"localhost/run-jammy-static:1\"\n\n[run-image.target]\nos = \"linux\"\narch = \"amd64\"\n[run-image.target.distro]\nname = \"ubuntu\"\nversion = \"22.04\"\n";

/// `PATH` for the builder: this machine's Go, the system's tools (setpriv runs the lifecycle as
/// the test user).
fn build_path() -> String {
    let go = find_program::find_on_path("go", std::env::var_os("PATH").as_deref(), Path::new("/"))
        .expect("Go on PATH (tests/test.sh requires it)");
    format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        go.parent().unwrap().display()
    )
}

fn build(app: &str, env: &[(&str, &str)]) -> (Module, BuilderOutcome) {
    let module = buildpack();
    let mut run = Lifecycle::locate()
        .builder()
        .module(&module)
        .group(&module.group_toml())
        .app(fixture_app(app))
        .analyzed(ANALYZED)
        .env("PATH", &build_path());
    for (name, value) in env {
        run = run.platform_env(name, value);
    }
    (module, run.run())
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|error| panic!("read {}: {error}", path.as_ref().display()))
}

/// The buildpack's version in `buildpack.toml`.
fn descriptor_version() -> String {
    let descriptor: toml::Table = toml::from_str(include_str!("../buildpack.toml")).unwrap();
    descriptor["buildpack"]["version"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The processes of `config/metadata.toml` as (type, command).
fn processes(outcome: &BuilderOutcome) -> Vec<(String, Vec<String>)> {
    let metadata = outcome.metadata.as_ref().expect("config/metadata.toml");
    cnb_harness::processes::processes(metadata)
        .iter()
        .map(|process| (process_type(process).to_string(), command(process)))
        .collect()
}

#[test]
fn builder_builds_a_static_binary_and_it_serves_on_the_static_run_image() {
    let (module, outcome) = build("go-http", &[("BP_KEEP_FILES", "go.mod")]);
    outcome.assert_success();
    let go = machine_go();
    for line in [
        &format!("Go App Buildpack {}\n", descriptor_version()),
        &format!("    Using {go} from PATH ("),
        "    go-http: static (no program interpreter, no shared library)",
        "  Processes (direct, no shell)\n",
    ] {
        assert_contains!(outcome.output, line);
    }
    let layers = outcome.buildpack_layers(&module);
    let binary = layers.join("targets/bin/go-http");
    elf_check::check_static(&binary).unwrap();

    // The process, as the exporter will write it: the binary itself, the default, no shell.
    let metadata = outcome.metadata.as_ref().unwrap();
    assert_eq!(
        processes(&outcome),
        [(
            "go-http".to_string(),
            vec![binary.to_string_lossy().into_owned()]
        )]
    );
    let process = &metadata["processes"].as_array().unwrap()[0];
    assert_eq!(process["buildpack-id"].as_str(), Some(module.id.as_str()));
    assert!(
        process
            .get("args")
            .is_none_or(|args| args.as_array().unwrap().is_empty())
    );

    // The launch SBOM, where the builder collects it.
    let sbom: serde_json::Value = serde_json::from_str(&read(
        outcome
            .layers_dir
            .join("sbom/launch")
            .join(module.escaped_id())
            .join("targets/sbom.cdx.json"),
    ))
    .unwrap();
    assert_eq!(sbom["specVersion"], "1.5");
    assert_eq!(sbom["components"][0]["name"], "go-http");

    // The app directory keeps only what BP_KEEP_FILES keeps.
    let mut left: Vec<String> = std::fs::read_dir(&outcome.app_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["go.mod"]);

    serve_on_the_static_run_image(&binary, &go);
}

/// Puts the binary, at the path of its process command, on an image holding what the static run
/// image holds, runs it as the run image's `cnb` user with podman, and asks it over HTTP.
fn serve_on_the_static_run_image(binary: &Path, go: &str) {
    let podman = Podman::locate();
    let mut rootfs = RootFs::static_run_image(STATIC_RUN_UID, STATIC_RUN_GID);
    // The directories leading to the binary, then the binary (root-owned, as in an app image).
    let mut path = PathBuf::from("/");
    for component in binary.parent().unwrap().components().skip(1) {
        path.push(component);
        rootfs.dir(&path.to_string_lossy(), 0o755, 0, 0);
    }
    rootfs.copy_file(&binary.to_string_lossy(), binary, 0o755, 0, 0);
    rootfs.dir("/workspace", 0o755, STATIC_RUN_UID, STATIC_RUN_GID);
    let tag = std::process::id();
    let image = podman.import_rootfs(
        rootfs,
        &format!("localhost/go-app-static-test:{tag}"),
        &[
            &format!("USER {STATIC_RUN_UID}:{STATIC_RUN_GID}"),
            "WORKDIR /workspace",
        ],
    );
    assert_eq!(
        image.inspect("{{.Config.User}}"),
        format!("{STATIC_RUN_UID}:{STATIC_RUN_GID}")
    );

    // No shell on this image: only a static binary can start there.
    let shell = podman.run_foreground(&image, &["--network", "none"], &["/bin/sh", "-c", "true"]);
    assert!(
        !shell.status.success(),
        "the static image must have no shell: {shell:?}"
    );

    let port = free_port();
    let container = podman.run_detached(
        &image,
        &[
            "--network",
            "host",
            "--user",
            &format!("{STATIC_RUN_UID}:{STATIC_RUN_GID}"),
            "--env",
            &format!("PORT={port}"),
        ],
        &[&binary.to_string_lossy()],
    );
    let answer = |path: &str| {
        http_get(port, path, Duration::from_secs(30))
            .unwrap_or_else(|error| panic!("{error}\ncontainer logs:\n{}", container.logs()))
    };
    let (status, body) = answer("/");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        format!("Hello from go-http, built with {go} for linux/amd64\n")
    );
    // The image's tzdata and CA bundle serve the app.
    assert_eq!(answer("/tz"), (200, "Europe/Berlin\n".to_string()));
    let (status, certs) = answer("/certs");
    assert_eq!(status, 200, "{certs}");
    let count: usize = certs.split_whitespace().next().unwrap().parse().unwrap();
    assert!(count > 50, "{certs}");
    // It runs as the cnb user.
    assert_eq!(
        container.inspect("{{.Config.User}}"),
        format!("{STATIC_RUN_UID}:{STATIC_RUN_GID}")
    );
    assert!(container.logs().contains(&format!("listening on :{port}")));
    container.remove();
    image.remove();
}

#[test]
fn builder_installs_the_toolchain_as_an_unprivileged_user() {
    let (module, outcome) = build("go-toolchain", &[]);
    outcome.assert_success();
    assert_contains!(
        outcome.output,
        "    Installing Go 1.25.14 (no cached toolchain)\n"
    );
    let layers = outcome.buildpack_layers(&module);
    elf_check::check_static(&layers.join("targets/bin/go-toolchain")).unwrap();
    // A build and cache layer: the lifecycle keeps it for the next build (and gives its bin/ to
    // later buildpacks); the cache-only layer is there too.
    let go_toml: toml::Table = toml::from_str(&read(layers.join("go.toml"))).unwrap();
    assert_eq!(go_toml["types"]["build"].as_bool(), Some(true));
    assert_eq!(go_toml["types"]["cache"].as_bool(), Some(true));
    assert_eq!(go_toml["metadata"]["version"].as_str(), Some("1.25.14"));
    assert!(layers.join("go-cache/mod").is_dir() || layers.join("go-cache/build").is_dir());
    assert_eq!(
        processes(&outcome)[0].1,
        [layers
            .join("targets/bin/go-toolchain")
            .to_string_lossy()
            .into_owned()]
    );
}
