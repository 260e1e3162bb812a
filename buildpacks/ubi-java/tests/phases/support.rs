//! The fixtures, plans and readers the detect and build tests share.

use cnb_harness::command::run_ok;
use cnb_harness::{BuildOutcome, fixture_app};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

pub(crate) const ID: &str = "paketo-community/ubi-java-buildpack";

/// The tiny app compiled for the prebuilt-JAR fixture.
pub(crate) const HELLO_JAVA: &str = "public class Hello {\n    public static void main(String[] args) {\n        System.out.println(\"Hello from Java \" + Runtime.version().feature());\n    }\n}\n";

/// The buildpack's first line: its name and version, as buildpack.toml declares them.
pub(crate) fn header() -> String {
    let descriptor: toml::Table = toml::from_str(include_str!("../../buildpack.toml")).unwrap();
    let buildpack = &descriptor["buildpack"];
    format!(
        "{} {}\n",
        buildpack["name"].as_str().unwrap(),
        buildpack["version"].as_str().unwrap()
    )
}

/// A copy of `java-prebuilt-jar` with `Hello.class` compiled into it (as an exploded JAR has it).
pub(crate) fn prebuilt_jar_app() -> tempfile::TempDir {
    let app = tempfile::tempdir().unwrap();
    std::fs::create_dir(app.path().join("META-INF")).unwrap();
    std::fs::copy(
        fixture_app("java-prebuilt-jar/META-INF/MANIFEST.MF"),
        app.path().join("META-INF/MANIFEST.MF"),
    )
    .unwrap();
    compile_hello(app.path());
    app
}

pub(crate) fn compile_hello(destination: &Path) {
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("Hello.java"), HELLO_JAVA).unwrap();
    let _ = run_ok(
        Command::new("javac")
            .args(["--release", "17", "-d"])
            .arg(destination)
            .arg(source.path().join("Hello.java")),
    );
}

pub(crate) fn toml(text: &str) -> toml::Table {
    toml::from_str(text).unwrap()
}

pub(crate) fn requirements(version: Option<(&str, &str)>) -> toml::Table {
    let metadata = |flag: &str| match version {
        Some((version, source)) => {
            format!("version = \"{version}\"\nversion-source = \"{source}\"\n{flag} = true\n")
        }
        None => format!("{flag} = true\n"),
    };
    toml(&format!(
        "[[requires]]\nname = \"jdk\"\n[requires.metadata]\n{}\n[[requires]]\nname = \"jre\"\n[requires.metadata]\n{}",
        metadata("build"),
        metadata("launch")
    ))
}

/// The plan of an exploded executable JAR: `requirements` providing `jvm-application-package`,
/// or `requirements` alone.
pub(crate) fn exploded_jar_plan(requirements: &toml::Table) -> toml::Table {
    let mut plan = requirements.clone();
    plan.insert(
        "provides".to_string(),
        toml("[[provides]]\nname = \"jvm-application-package\"\n")["provides"].clone(),
    );
    let mut or = toml::Table::new();
    or.insert("requires".to_string(), requirements["requires"].clone());
    plan.insert(
        "or".to_string(),
        toml::Value::Array(vec![toml::Value::Table(or)]),
    );
    plan
}

pub(crate) fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|error| panic!("read {}: {error}", path.as_ref().display()))
}

pub(crate) fn layer_toml(outcome: &BuildOutcome, layer: &str) -> toml::Table {
    toml(&read(outcome.layers_dir.join(format!("{layer}.toml"))))
}

pub(crate) fn env_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                read(entry.path()),
            )
        })
        .collect()
}
