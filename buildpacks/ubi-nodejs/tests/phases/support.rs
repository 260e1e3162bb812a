//! The packaged buildpack, plans and readers the detect and build tests share.

use cnb_harness::{BuildOutcome, Module, ModuleRun, Outcome};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

pub(crate) const NOT_INSTALLED: &str = "ERROR: Node.js is not installed in the build image\n";

/// The module's version, as its buildpack.toml declares it.
pub(crate) fn version() -> String {
    cnb_harness::descriptor_version(include_str!("../../buildpack.toml"))
}

pub(crate) fn buildpack() -> Module {
    Module::package("buildpacks/ubi-nodejs")
}

pub(crate) fn toml_text(text: &str) -> toml::Table {
    toml::from_str(text).unwrap()
}

/// The `node` requirement of the build plan, as TOML.
pub(crate) fn node_requirement(version: &str, source: &str) -> String {
    format!(
        "[[requires]]\nname = \"node\"\n[requires.metadata]\nversion = {}\n\
         version-source = \"{source}\"\nbuild = true\nlaunch = true\n",
        toml::Value::from(version)
    )
}

pub(crate) fn expected_plan(requirements: &[(&str, &str)]) -> toml::Table {
    let mut text = "[[provides]]\nname = \"node\"\n".to_string();
    for (version, source) in requirements {
        text.push_str(&node_requirement(version, source));
    }
    toml_text(&text)
}

pub(crate) fn detect_plan(run: &ModuleRun) -> toml::Table {
    let outcome = run.detect();
    outcome.assert_success();
    outcome.plan.expect("a build plan")
}

pub(crate) fn machine_node_version() -> String {
    let output = Command::new("node").arg("--version").output().unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .trim_start_matches('v')
        .to_string()
}

pub(crate) fn web_process(outcome: &BuildOutcome) -> toml::Table {
    let launch = outcome.launch.as_ref().expect("launch.toml");
    let processes = launch["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 1, "{launch}");
    processes[0].as_table().unwrap().clone()
}

pub(crate) fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}
