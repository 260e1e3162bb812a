//! `packager check`: the builder definitions of this workspace pass, and every broken
//! builder.toml under `tests/fixtures/builders/broken/` is rejected with the problems its header
//! announces (`# expect: <line>: <key>: <message>`, or `# expect-line: <line>` for a TOML syntax
//! error), each printed as `<file>:<line>: <key>: <message>`.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{Outcome, Process, assert_contains, workspace_root};
use packager::builders::discover_definitions;
use std::path::{Path, PathBuf};
use std::process::Command;

fn check(files: &[&Path]) -> Process {
    cnb_harness::command::output(
        Command::new(env!("CARGO_BIN_EXE_packager"))
            .arg("check")
            .args(files)
            .current_dir(workspace_root()),
    )
    .into()
}

fn broken_fixtures() -> Vec<PathBuf> {
    cnb_harness::fixture_files("builders/broken", "toml")
}

#[test]
fn the_builder_definitions_pass() {
    let definitions = discover_definitions(&workspace_root()).unwrap();
    let names: Vec<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "builder-jammy-buildpackless-static",
            "builder-ubi8-base",
            "builder-ubi8-buildpackless-base",
            "builder-ubi9-base",
            "ubuntu-noble-builder-buildpackless",
        ]
    );
    let paths: Vec<&Path> = definitions.iter().map(|d| d.path.as_path()).collect();
    let output = check(&paths);
    output.assert_success();
    for definition in &definitions {
        assert_contains!(output.stdout, format!("{}: ok", definition.path.display()));
    }
    // Buildpackless builders have no order: pack warns, so does check.
    assert_eq!(output.stderr.matches("empty order").count(), 3, "{output}");
}

#[test]
fn every_broken_fixture_is_rejected_with_its_messages() {
    let fixtures = broken_fixtures();
    assert!(fixtures.len() >= 20, "{fixtures:?}");
    for fixture in &fixtures {
        let text = std::fs::read_to_string(fixture).unwrap();
        let dir = fixture.parent().unwrap().display().to_string();
        let expected: Vec<String> = text
            .lines()
            .filter_map(|line| line.strip_prefix("# expect: "))
            .map(|expect| {
                // A key with a line: `<file>:<line>: ...`; without: `<file>: ...`.
                let separator = if expect.starts_with(|c: char| c.is_ascii_digit()) {
                    ":"
                } else {
                    ": "
                };
                format!(
                    "{}{separator}{}",
                    fixture.display(),
                    expect.replace("{dir}", &dir)
                )
            })
            .collect();
        let syntax_line = text
            .lines()
            .find_map(|line| line.strip_prefix("# expect-line: "));
        assert!(
            !expected.is_empty() || syntax_line.is_some(),
            "{} announces no problem",
            fixture.display()
        );

        let output = check(&[fixture]);
        output.assert_last_line(
            1,
            "error: 1 of 1 builder.toml file(s) have problems (listed above)",
        );
        let mut lines: Vec<&str> = output.stderr.lines().collect();
        lines.pop();
        match syntax_line {
            Some(line) => {
                assert_eq!(lines.len(), 1, "{output}");
                assert!(
                    lines[0].starts_with(&format!("{}:{line}: invalid TOML: ", fixture.display())),
                    "{output}"
                );
            }
            None => assert_eq!(lines, expected, "{}\n{output}", fixture.display()),
        }
    }
}

#[test]
fn several_files_are_checked_and_counted() {
    let fixtures = broken_fixtures();
    let good = workspace_root().join("builder/builders/builder-ubi8-base/builder.toml");
    let output = check(&[&good, &fixtures[0], &fixtures[1]]);
    output.assert_last_line(
        1,
        "error: 2 of 3 builder.toml file(s) have problems (listed above)",
    );
    assert_contains!(output.stdout, format!("{}: ok", good.display()));
}

#[test]
fn a_missing_file_is_a_problem() {
    let output = check(&[Path::new("no/such/builder.toml")]);
    output.assert_exit(1);
    assert_eq!(
        output.stderr.lines().next(),
        Some("no/such/builder.toml: cannot read the file: it does not exist"),
        "{output}"
    );
}
