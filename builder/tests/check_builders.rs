//! `packager check`: the builder definitions of this workspace pass, and every broken
//! builder.toml under `tests/fixtures/builders/broken/` is rejected with the problems its header
//! announces (`# expect: <line>: <key>: <message>`, or `# expect-line: <line>` for a TOML syntax
//! error), each printed as `<file>:<line>: <key>: <message>`.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::workspace_root;
use packager::builders::discover_definitions;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn check(files: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_packager"))
        .arg("check")
        .args(files)
        .current_dir(workspace_root())
        .output()
        .unwrap()
}

fn broken_fixtures() -> Vec<PathBuf> {
    let dir = workspace_root().join("tests/fixtures/builders/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
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
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for definition in &definitions {
        assert!(
            stdout.contains(&format!("{}: ok", definition.path.display())),
            "{stdout}"
        );
    }
    // Buildpackless builders have no order: pack warns, so does check.
    assert_eq!(stderr.matches("empty order").count(), 3, "{stderr}");
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
        assert_eq!(output.status.code(), Some(1), "{}", fixture.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(
            lines.pop(),
            Some("error: 1 of 1 builder.toml file(s) have problems (listed above)"),
            "{stderr}"
        );
        match syntax_line {
            Some(line) => {
                assert_eq!(lines.len(), 1, "{stderr}");
                assert!(
                    lines[0].starts_with(&format!("{}:{line}: invalid TOML: ", fixture.display())),
                    "{stderr}"
                );
            }
            None => assert_eq!(lines, expected, "{}", fixture.display()),
        }
    }
}

#[test]
fn several_files_are_checked_and_counted() {
    let fixtures = broken_fixtures();
    let good = workspace_root().join("builder/builders/builder-ubi8-base/builder.toml");
    let output = check(&[&good, &fixtures[0], &fixtures[1]]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some("error: 2 of 3 builder.toml file(s) have problems (listed above)")
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("{}: ok", good.display())));
}

#[test]
fn a_missing_file_is_a_problem() {
    let output = check(&[Path::new("no/such/builder.toml")]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).lines().next(),
        Some("no/such/builder.toml: cannot read the file: it does not exist")
    );
}
