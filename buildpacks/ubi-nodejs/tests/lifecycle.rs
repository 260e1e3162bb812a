//! The real lifecycle's `detector` (v0.21.0, installed by tests/install-lifecycle.sh) on this
//! buildpack, with and without an extension that provides `node` (a hand-written stand-in for
//! the ubi-nodejs-extension, `tests/fixtures/extensions/provides-node`): it proves the routing
//! the buildpack relies on, i.e. the extension is kept because the buildpack requires `node`, and
//! the `node` entries reach the buildpack's build only when no extension satisfied them.

// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::fixtures::fixture_module;
use cnb_harness::{DetectorOutcome, Lifecycle, Module, Outcome, assert_contains, fixture_app};

/// The exit code of the detector when no group passes (platform spec).
const FAILED_DETECTION: i32 = 20;

fn buildpack() -> Module {
    Module::package("buildpacks/ubi-nodejs")
}

fn extension() -> Module {
    fixture_module("extensions/provides-node")
}

fn detect(app: &str, with_extension: bool) -> DetectorOutcome {
    let buildpack = buildpack();
    let mut order = format!(
        "[[order]]\n[[order.group]]\nid = \"{}\"\nversion = \"{}\"\n",
        buildpack.id, buildpack.version
    );
    let mut run = Lifecycle::locate().detector().module(&buildpack);
    if with_extension {
        let extension = extension();
        order = format!(
            "{order}\n[[order-extensions]]\n[[order-extensions.group]]\nid = \"{}\"\nversion = \"{}\"\n",
            extension.id, extension.version
        );
        run = run.module(&extension);
    }
    run.order(&order)
        .app(fixture_app(app))
        .analyzed("[run-image]\nreference = \"localhost/run:1\"\nimage = \"localhost/run:1\"\n")
        .run_toml("[[images]]\nimage = \"localhost/run:1\"\n")
        .run()
}

#[test]
fn the_extension_is_kept_and_satisfies_node() {
    let outcome = detect("node-npm-engines", true);
    outcome.assert_success();
    assert_eq!(
        outcome.group_ids("group-extensions"),
        ["examples/provides-node"]
    );
    assert_eq!(
        outcome.group_ids("group"),
        ["paketo-community/ubi-nodejs-buildpack"]
    );
    assert!(outcome.plan.is_some(), "{}", outcome.output);
    assert_contains!(
        outcome.output,
        "Running generate for extension examples/provides-node"
    );
    // The extension satisfied every node entry: none is left for the buildpack's build.
    assert!(
        outcome
            .plan_entries()
            .iter()
            .all(|entry| entry.get("name").and_then(toml::Value::as_str) != Some("node")),
        "{:?}\n{}",
        outcome.plan,
        outcome.output
    );
}

#[test]
fn without_an_extension_the_build_receives_the_node_requirements() {
    let outcome = detect("node-npm-engines", false);
    outcome.assert_success();
    assert_eq!(
        outcome.group_ids("group"),
        ["paketo-community/ubi-nodejs-buildpack"]
    );
    let entries = outcome.plan_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(
        entry["providers"][0]["id"].as_str(),
        Some("paketo-community/ubi-nodejs-buildpack")
    );
    let requires = entry["requires"].as_array().unwrap();
    assert_eq!(requires.len(), 1, "{requires:?}");
    assert_eq!(requires[0]["name"].as_str(), Some("node"));
    assert_eq!(
        requires[0]["metadata"]["version"].as_str(),
        Some(">=20 <21")
    );
    assert_eq!(
        requires[0]["metadata"]["version-source"].as_str(),
        Some("package.json")
    );
}

#[test]
fn a_non_node_app_fails_detection() {
    let outcome = detect("empty-app", true);
    outcome.assert_exit(FAILED_DETECTION);
    assert_contains!(
        outcome.output,
        "No package.json in the app root: not a Node.js app"
    );
}
