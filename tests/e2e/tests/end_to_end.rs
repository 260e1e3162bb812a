//! End-to-end builds of fixture apps with our builder (see the crate documentation).

use cnb_harness::{free_port, http_get, workspace_root};
use e2e_tests::AppBuild;
use std::time::Duration;

// Dependencies of the library that these tests do not name (for `unused_crate_dependencies`).
use packager as _;
use tempfile as _;
use toml as _;

#[test]
fn node_app() {
    let mut app = AppBuild::new(
        "node",
        &workspace_root().join("tests/fixtures/apps/node-npm-engines"),
    );
    let first = app.build();
    eprintln!("node, first build: {}", first.timings());
    for step in &first.steps {
        eprintln!("===== {}\n{}", step.name, step.output);
    }
    eprintln!("{:#?}", first.analyzed);
    let container = app.start(free_port());
    let _ = container;
}
