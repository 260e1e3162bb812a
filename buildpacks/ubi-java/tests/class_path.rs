//! Who sets `CLASSPATH` at launch for an exploded executable JAR, under the real lifecycle
//! (`detector`, then `builder` on what it decided): this buildpack when it launches the app
//! itself, the later buildpack that launches the app package when one is in the group (a
//! stand-in for Paketo's executable-jar, `tests/fixtures/buildpacks/executable-jar`, which
//! prepends the app directory and the manifest's `Class-Path` as the real one does). Before,
//! both prepended it: `CLASSPATH=/workspace:/workspace`, every `Class-Path` entry twice.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

mod common;

use cnb_harness::files::dir_with_files;
use cnb_harness::fixtures::fixture_module;
use cnb_harness::processes::process_of_type;
use cnb_harness::{BuilderOutcome, Lifecycle, Module, Outcome, assert_contains};
use common::{buildpack, java_home};
use std::fmt::Write;
use std::path::{Path, PathBuf};

const RUN_IMAGE: &str = "localhost/run-java-17-ubi8-base:1";

/// The stand-in for Paketo's executable-jar.
fn launcher() -> Module {
    fixture_module("buildpacks/executable-jar")
}

/// An exploded executable JAR whose manifest lists a class path.
fn app() -> tempfile::TempDir {
    dir_with_files(&[(
        "META-INF/MANIFEST.MF",
        "Manifest-Version: 1.0\nBuild-Jdk-Spec: 17\nMain-Class: Hello\nClass-Path: lib/a.jar lib/b.jar\n",
    )])
}

/// The detector over an order of this buildpack (and the launcher, optional, after it, as
/// Paketo's Java buildpacks come after it in our builders) with the stand-in of the
/// ubi-java-extension; then the builder over the group and plan it wrote.
fn detect_and_build(app: &Path, with_launcher: bool) -> (Vec<String>, BuilderOutcome) {
    let ours = buildpack();
    let extension = fixture_module("extensions/provides-jdk-jre");
    let mut order = format!(
        "[[order]]\n[[order.group]]\nid = \"{}\"\nversion = \"{}\"\n",
        ours.id, ours.version
    );
    let mut detector = Lifecycle::locate()
        .detector()
        .module(&ours)
        .module(&extension);
    if with_launcher {
        let launcher = launcher();
        write!(
            order,
            "\n[[order.group]]\nid = \"{}\"\nversion = \"{}\"\noptional = true\n",
            launcher.id, launcher.version
        )
        .unwrap();
        detector = detector.module(&launcher);
    }
    write!(
        order,
        "\n[[order-extensions]]\n[[order-extensions.group]]\nid = \"{}\"\nversion = \"{}\"\n",
        extension.id, extension.version
    )
    .unwrap();
    let detected = detector
        .order(&order)
        .app(app)
        .analyzed(&format!(
            "[run-image]\nreference = \"{RUN_IMAGE}\"\nimage = \"{RUN_IMAGE}\"\n"
        ))
        .run_toml(&format!("[[images]]\nimage = \"{RUN_IMAGE}\"\n"))
        .run();
    detected.assert_success();
    let group = detected.group_ids("group");

    let mut builder = Lifecycle::locate().builder().module(&ours);
    if with_launcher {
        builder = builder.module(&launcher());
    }
    let built = builder
        .group(&toml::to_string(detected.group.as_ref().unwrap()).unwrap())
        .plan(&toml::to_string(detected.plan.as_ref().unwrap()).unwrap())
        .app(app)
        .analyzed(&format!(
            "[run-image]\nreference = \"{RUN_IMAGE}\"\nimage = \"{RUN_IMAGE}\"\n\n\
             [run-image.target]\nos = \"linux\"\narch = \"amd64\"\n\
             [run-image.target.distro]\nname = \"rhel\"\nversion = \"8.10\"\n"
        ))
        .env(
            "PATH",
            &format!(
                "{}:/usr/local/bin:/usr/bin:/bin",
                java_home().join("bin").display()
            ),
        )
        .run();
    built.assert_success();
    (group, built)
}

/// The launch value of `name` as the launcher computes it from the buildpacks' launch layers
/// (buildpack spec, environment variable modification rules): the groups' buildpacks in order,
/// each one's launch layers by name, `env/` then `env.launch/`; prepend and append join with the
/// layer's `.delim`, later buildpacks' prepends first.
fn launch_env(outcome: &BuilderOutcome, group: &[String], name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for id in group {
        let dir = outcome.layers_dir.join(id.replace('/', "_"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut layers: Vec<PathBuf> = entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_dir())
            .collect();
        layers.sort();
        for layer in layers {
            let metadata =
                std::fs::read_to_string(layer.with_extension("toml")).unwrap_or_default();
            let launch = toml::from_str::<toml::Table>(&metadata)
                .ok()
                .and_then(|table| table.get("types")?.get("launch")?.as_bool())
                .unwrap_or(false);
            if !launch {
                continue;
            }
            for env_dir in ["env", "env.launch"] {
                let read = |suffix: &str| {
                    std::fs::read_to_string(layer.join(env_dir).join(format!("{name}{suffix}")))
                        .ok()
                };
                let delim = read(".delim").unwrap_or_default();
                if let Some(new) = read(".prepend") {
                    value = Some(match value {
                        Some(old) => format!("{new}{delim}{old}"),
                        None => new,
                    });
                }
                if let Some(new) = read(".append") {
                    value = Some(match value {
                        Some(old) => format!("{old}{delim}{new}"),
                        None => new,
                    });
                }
                if let Some(new) = read(".override").or_else(|| read("")) {
                    value = Some(new);
                }
                if let Some(new) = read(".default") {
                    value.get_or_insert(new);
                }
            }
        }
    }
    value
}

/// `CLASSPATH` at launch: the app directory, then the manifest's `Class-Path`.
fn assert_class_path_is_the_app_then_the_manifests(outcome: &BuilderOutcome, group: &[String]) {
    let workspace = outcome.app_dir.display().to_string();
    assert_eq!(
        launch_env(outcome, group, "CLASSPATH"),
        Some(format!("{workspace}:lib/a.jar:lib/b.jar")),
        "{}",
        outcome.output
    );
}

fn web_process_owner(outcome: &BuilderOutcome) -> String {
    let metadata = outcome.metadata.as_ref().expect("config/metadata.toml");
    let web = process_of_type(metadata, "web");
    web["buildpack-id"].as_str().unwrap().to_string()
}

#[test]
fn with_a_launcher_in_the_group_the_class_path_is_left_to_it() {
    let app = app();
    let (group, outcome) = detect_and_build(app.path(), true);
    let ours = buildpack();
    assert_eq!(
        group,
        [ours.id.clone(), launcher().id],
        "{}",
        outcome.output
    );
    assert_class_path_is_the_app_then_the_manifests(&outcome, &group);
    assert!(
        !outcome.buildpack_layers(&ours).join("class-path").exists(),
        "{}",
        outcome.output
    );
    assert_eq!(web_process_owner(&outcome), launcher().id);
    assert_contains!(
        outcome.output,
        "The app package (jvm-application-package) is required by a later buildpack of the \
             group, which launches it"
    );
    // JAVA_HOME and the launch defaults are still this buildpack's.
    assert!(outcome.buildpack_layers(&ours).join("jre").is_dir());
}

#[test]
fn without_one_this_buildpack_launches_the_app_and_sets_the_class_path() {
    let app = app();
    let (group, outcome) = detect_and_build(app.path(), false);
    let ours = buildpack();
    assert_eq!(group, std::slice::from_ref(&ours.id), "{}", outcome.output);
    assert_class_path_is_the_app_then_the_manifests(&outcome, &group);
    assert_eq!(web_process_owner(&outcome), ours.id);
}
