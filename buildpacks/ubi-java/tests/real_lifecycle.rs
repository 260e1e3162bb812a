//! The real lifecycle's `builder` (v0.21.0, installed by tests/install-lifecycle.sh) runs the
//! packaged buildpack, as an unprivileged user, with this machine's JDK 17 on `PATH`, after an
//! extension satisfied `jdk` and `jre` (so the plan holds no entry for this buildpack).

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod common;

use cnb_harness::processes::{command, process_of_type, process_type, processes};
use cnb_harness::{BuilderOutcome, Lifecycle, Module, Outcome, assert_contains, fixture_app};
use common::{buildpack, java_home};
use std::path::Path;

/// The run image's target, as the analyzer records it for a UBI 8 run image.
const ANALYZED: &str = "[run-image]\nreference = \"localhost/run-java-17-ubi8-base:1\"\nimage = \"localhost/run-java-17-ubi8-base:1\"\n\n[run-image.target]\nos = \"linux\"\narch = \"amd64\"\n[run-image.target.distro]\nname = \"rhel\"\nversion = \"8.10\"\n";

/// The module's version, as its buildpack.toml declares it.
fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../buildpack.toml"))
}

fn build(app: &str, plan: &str) -> (Module, BuilderOutcome) {
    let module = buildpack();
    let jdk_bin = java_home().join("bin");
    let outcome = Lifecycle::locate()
        .builder()
        .module(&module)
        .group(&module.group_toml())
        .plan(plan)
        .app(fixture_app(app))
        .analyzed(ANALYZED)
        .env(
            "PATH",
            &format!("{}:/usr/local/bin:/usr/bin:/bin", jdk_bin.display()),
        )
        .run();
    (module, outcome)
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|error| panic!("read {}: {error}", path.as_ref().display()))
}

fn toml(text: &str) -> toml::Table {
    toml::from_str(text).unwrap()
}

#[test]
fn builder_runs_the_buildpack_with_this_machines_jdk() {
    let (module, outcome) = build("java-prebuilt-jar", "");
    outcome.assert_success();
    let layers = outcome.buildpack_layers(&module);
    let java_home = java_home().to_string_lossy().into_owned();

    // The buildpack's log, as the lifecycle streams it.
    for line in [
        format!("UBI Java Buildpack {}\n", version()),
        "  Java version: 17 (from MANIFEST.MF)\n".to_string(),
        format!("    Writing env.build/JAVA_HOME.override = {java_home}\n"),
        "    Writing env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-17\n".to_string(),
    ] {
        assert_contains!(outcome.output, line);
    }

    // The layers the lifecycle kept (a layer whose types are all false would be renamed).
    let mut names: Vec<String> = std::fs::read_dir(&layers)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "class-path",
            "class-path.toml",
            "jdk",
            "jdk.sbom.cdx.json",
            "jdk.toml",
            "jre",
            "jre.toml",
            "launch.toml",
            "memory-calculator",
            "memory-calculator.toml",
        ]
    );
    assert_eq!(
        read(layers.join("jdk/env.build/JAVA_HOME.override")),
        java_home
    );
    assert_eq!(
        read(layers.join("jre/env.launch/MALLOC_ARENA_MAX.default")),
        "2"
    );
    assert_eq!(
        read(layers.join("jre/env.launch/JAVA_TOOL_OPTIONS.default")),
        "-XX:+ExitOnOutOfMemoryError"
    );
    assert_eq!(
        read(layers.join("class-path/env.launch/CLASSPATH.prepend")),
        outcome.app_dir.to_string_lossy()
    );
    assert!(
        layers
            .join("memory-calculator/exec.d/memory-calculator")
            .is_file()
    );

    // The build SBOM, where the builder collects it.
    let sbom_dir = outcome
        .layers_dir
        .join("sbom/build")
        .join(module.escaped_id())
        .join("jdk");
    let sbom: serde_json::Value =
        serde_json::from_str(&read(sbom_dir.join("sbom.cdx.json"))).unwrap();
    assert_eq!(sbom["specVersion"], "1.5");

    // config/metadata.toml: the processes and the buildpack.
    let metadata = outcome.metadata.as_ref().expect("config/metadata.toml");
    let web = process_of_type(metadata, "web");
    assert_eq!(command(&web), ["java"], "{metadata:#?}");
    assert_eq!(web["args"], toml::Value::Array(vec!["Hello".into()]));
    assert_eq!(web["buildpack-id"].as_str(), Some(module.id.as_str()));
    let processes = processes(metadata);
    let types: Vec<&str> = processes.iter().map(process_type).collect();
    assert_eq!(types, ["executable-jar", "task", "web"]);
    let buildpacks = metadata["buildpacks"].as_array().unwrap();
    assert_eq!(buildpacks[0]["id"].as_str(), Some(module.id.as_str()));
    // The exec.d program is launch content of the image: the launcher finds it in the layer.
    let launch_layer = toml(&read(layers.join("memory-calculator.toml")));
    assert_eq!(launch_layer["types"]["launch"].as_bool(), Some(true));
}

#[test]
fn builder_fails_clearly_without_a_jdk() {
    let module = buildpack();
    // A PATH with setpriv (which runs the lifecycle as the test user) and no javac.
    let tools = tempfile::tempdir().unwrap();
    let setpriv = which::which("setpriv").unwrap();
    std::os::unix::fs::symlink(setpriv, tools.path().join("setpriv")).unwrap();
    let outcome = Lifecycle::locate()
        .builder()
        .module(&module)
        .group(&module.group_toml())
        .app(fixture_app("java-maven-release-21"))
        .analyzed(ANALYZED)
        .env("PATH", &tools.path().to_string_lossy())
        .run();
    // The builder's exit code for a failed buildpack build.
    outcome.assert_exit(51);
    assert_contains!(outcome.output, "ERROR: No JDK in the build image");
    assert!(outcome.metadata.is_none());
}
