//! Detect: the plan each app gets, and the app files it refuses.

use crate::support::{buildpack, detect_plan, expected_plan};
use cnb_harness::detect::assert_not_detected;
use cnb_harness::{ModuleRun, Outcome, assert_contains, fixture_app, mkfifo};
use std::os::unix::fs::symlink;

#[test]
fn detect_requires_node_from_the_apps_version_source() {
    for (app, request) in [
        ("node-npm-engines", (">=20 <21", "package.json")),
        // Passed through verbatim: the extension resolves it.
        ("node-nvmrc", ("v20.11.1", ".nvmrc")),
        ("node-node-version", ("22", ".node-version")),
    ] {
        let plan = detect_plan(&ModuleRun::new(&buildpack(), fixture_app(app)));
        assert_eq!(plan, expected_plan(&[request]), "{app}");
    }
}

#[test]
fn detect_puts_bp_node_version_first() {
    let plan = detect_plan(
        &ModuleRun::new(&buildpack(), fixture_app("node-npm-engines"))
            .platform_env("BP_NODE_VERSION", "~20\n"),
    );
    assert_eq!(
        plan,
        expected_plan(&[("~20", "BP_NODE_VERSION"), (">=20 <21", "package.json")])
    );
}

#[test]
fn detect_in_bp_node_project_path() {
    let run = ModuleRun::new(&buildpack(), fixture_app("node-project-path"));
    assert_not_detected(
        &run.detect(),
        "No package.json in the app root: not a Node.js app",
    );

    let plan = detect_plan(&run.platform_env("BP_NODE_PROJECT_PATH", "./api"));
    assert_eq!(
        plan,
        expected_plan(&[("20.x", "package.json"), ("20", ".node-version")])
    );
}

#[test]
fn detect_fails_for_a_non_node_app() {
    let outcome = ModuleRun::new(&buildpack(), fixture_app("empty-app")).detect();
    assert_not_detected(
        &outcome,
        "No package.json in the app root: not a Node.js app",
    );
    assert_eq!(outcome.process.stderr, "");
}

#[test]
fn detect_errors_on_a_project_path_outside_the_app() {
    for (value, expected) in [
        (
            "../elsewhere",
            "BP_NODE_PROJECT_PATH=\"../elsewhere\" leaves the app directory",
        ),
        (
            "/workspace",
            "BP_NODE_PROJECT_PATH=\"/workspace\" is absolute",
        ),
        ("missing", "BP_NODE_PROJECT_PATH=\"missing\", but "),
    ] {
        let outcome = ModuleRun::new(&buildpack(), fixture_app("node-project-path"))
            .platform_env("BP_NODE_PROJECT_PATH", value)
            .detect();
        outcome.assert_exit(1);
        assert!(
            outcome.process.stderr.starts_with("ERROR: ")
                && outcome.process.stderr.contains(expected),
            "{value}: {}",
            outcome.process.stderr
        );
    }
}

#[test]
fn detect_errors_on_malformed_package_json_naming_the_file() {
    let app = tempfile::tempdir().unwrap();
    let package_json = app.path().join("package.json");
    std::fs::write(&package_json, "{\n  \"name\": \"broken\",\n}\n").unwrap();
    let outcome = ModuleRun::new(&buildpack(), app.path()).detect();
    outcome.assert_exit(1);
    assert!(
        outcome
            .process
            .stderr
            .starts_with(&format!("ERROR: Invalid {}\n", package_json.display())),
        "{}",
        outcome.process.stderr
    );
    assert_contains!(outcome.process.stderr, "line 3 column 1");
}

/// Detect copied a 1 MB `engines.node` into the build plan, although both Node.js modules read
/// at most 256 bytes of a request: it is refused, with the extension's error, and no plan.
#[test]
fn detect_refuses_a_request_longer_than_the_extension_reads() {
    let app = tempfile::tempdir().unwrap();
    // 1 MB: package.json itself may be 1 MiB.
    let huge = "2".repeat(1_000_000);
    std::fs::write(
        app.path().join("package.json"),
        format!("{{\"engines\": {{\"node\": \"{huge}\"}}}}"),
    )
    .unwrap();
    let outcome = ModuleRun::new(&buildpack(), app.path()).detect();
    outcome.assert_exit(1);
    assert_eq!(outcome.plan, None);
    let message = nodejs_version::Request::parse(&huge)
        .unwrap_err()
        .message(&huge, "package.json");
    assert_eq!(
        outcome.process.stderr,
        format!("ERROR: Invalid Node.js version request\n  {message}\n")
    );
    assert!(outcome.process.stderr.len() < 1024);
}

/// Issue 13 (15): a dangling package.json link made detect exit 100, "not a Node.js app".
#[test]
fn detect_errors_on_a_dangling_package_json() {
    let app = tempfile::tempdir().unwrap();
    symlink("package.real.json", app.path().join("package.json")).unwrap();
    let outcome = ModuleRun::new(&buildpack(), app.path()).detect();
    outcome.assert_exit(1);
    let stderr = &outcome.process.stderr;
    assert!(
        stderr.starts_with(&format!(
            "ERROR: Cannot read {}\n  {} is a symbolic link to a file that does not exist.",
            app.path().join("package.json").display(),
            app.path().join("package.json").display()
        )),
        "{stderr}"
    );
}

/// Issue 13 (4): a FIFO named package.json, .nvmrc or .node-version blocked detect forever.
#[test]
fn detect_errors_on_a_fifo_instead_of_waiting() {
    for name in ["package.json", ".nvmrc", ".node-version"] {
        let app = tempfile::tempdir().unwrap();
        if name != "package.json" {
            std::fs::write(app.path().join("package.json"), "{}").unwrap();
        }
        mkfifo(&app.path().join(name));
        let (process, took) =
            ModuleRun::new(&buildpack(), app.path()).run_bounded("detect", cnb_harness::HANG_GUARD);
        let process =
            process.unwrap_or_else(|| panic!("{name}: detect still running after {took:?}"));
        process.assert_exit(1);
        let stderr = &process.stderr;
        assert_contains!(
            stderr,
            format!(
                "{} is a FIFO, not a regular file",
                app.path().join(name).display()
            ),
            "{name}: {stderr}"
        );
    }
}

/// Issue 13 (8): `.nvmrc` linked to /etc/shadow copied that file into plan.toml; a project path
/// linked out of the app was followed. Links inside the app keep working.
#[test]
fn detect_refuses_app_files_outside_the_app() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), "root:$6$secret\n").unwrap();
    std::fs::write(outside.path().join("package.json"), "{}").unwrap();
    for name in [".nvmrc", ".node-version", "package.json"] {
        let app = tempfile::tempdir().unwrap();
        if name != "package.json" {
            std::fs::write(app.path().join("package.json"), "{}").unwrap();
        }
        symlink(outside.path().join("shadow"), app.path().join(name)).unwrap();
        let outcome = ModuleRun::new(&buildpack(), app.path()).detect();
        outcome.assert_exit(1);
        assert_eq!(outcome.plan, None);
        assert_contains!(
            outcome.process.stderr,
            format!(
                "{} leads outside the app directory through a symbolic link",
                app.path().join(name).display()
            ),
            "{name}: {}",
            outcome.process.stderr
        );
        assert!(!outcome.process.stderr.contains("secret"));
        assert!(!outcome.process.stdout.contains("secret"));
    }

    let app = tempfile::tempdir().unwrap();
    symlink(outside.path(), app.path().join("api")).unwrap();
    let outcome = ModuleRun::new(&buildpack(), app.path())
        .platform_env("BP_NODE_PROJECT_PATH", "api")
        .detect();
    outcome.assert_exit(1);
    assert_contains!(
        outcome.process.stderr,
        "BP_NODE_PROJECT_PATH=\"api\" leads out of the app directory through a symbolic link"
    );

    // Inside the app, links are followed.
    let app = tempfile::tempdir().unwrap();
    std::fs::create_dir(app.path().join("config")).unwrap();
    std::fs::write(app.path().join("config/node-version"), "lts/iron\n").unwrap();
    std::fs::write(app.path().join("package.json"), "{}").unwrap();
    symlink("config/node-version", app.path().join(".nvmrc")).unwrap();
    let plan = detect_plan(&ModuleRun::new(&buildpack(), app.path()));
    assert_eq!(plan, expected_plan(&[("lts/iron", ".nvmrc")]));
}
