//! Packages the example buildpack (`tests/modules/curl-buildpack`) for real, and checks the
//! errors that stop packaging before anything is built.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{Outcome, Process, assert_contains};
use cnb_package::descriptor::{ModuleDescriptor, ModuleKind};
use cnb_package::elf::check_static;
use cnb_package::workspace::find_workspace_root;
use cnb_package::{ExtraBinary, layout_module, package_module};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLE_BUILDPACK: &str = "tests/modules/curl-buildpack";

fn workspace_root() -> PathBuf {
    find_workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// What `command` did (it may fail).
fn run(command: &mut Command) -> Process {
    cnb_harness::command::output(command).into()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn assert_packaged_layout(module: &Path) {
    assert_eq!(
        entries(module),
        BTreeSet::from(["bin".into(), "buildpack.toml".into()])
    );
    assert_eq!(
        std::fs::read(module.join("buildpack.toml")).unwrap(),
        std::fs::read(
            workspace_root()
                .join(EXAMPLE_BUILDPACK)
                .join("buildpack.toml")
        )
        .unwrap(),
        "the descriptor is copied verbatim"
    );
    assert_eq!(mode(module), 0o755);
    assert_eq!(
        entries(&module.join("bin")),
        BTreeSet::from(["build".into(), "detect".into()])
    );
    assert_eq!(mode(&module.join("bin/build")), 0o755);
    assert_eq!(
        std::fs::read_link(module.join("bin/detect")).unwrap(),
        Path::new("build")
    );
    check_static(&module.join("bin/build")).unwrap();
}

#[test]
fn packages_the_example_buildpack_and_replaces_it_cleanly() {
    let out = tempfile::tempdir().unwrap();
    let modules = out.path().join("modules");

    let packaged =
        package_module(&workspace_root(), Path::new(EXAMPLE_BUILDPACK), &modules).unwrap();
    assert_eq!(packaged.descriptor.kind, ModuleKind::Buildpack);
    assert_eq!(packaged.descriptor.id, "examples/curl-buildpack");
    assert_eq!(packaged.descriptor.version, "0.1.0");
    assert_eq!(packaged.package, "example-curl-buildpack");
    assert_eq!(packaged.dir, modules.join("examples_curl-buildpack"));
    assert_packaged_layout(&packaged.dir);
    assert!(packaged.extra_binaries.is_empty());
    assert_eq!(
        packaged.binary_size,
        std::fs::metadata(packaged.dir.join("bin/build"))
            .unwrap()
            .len()
    );
    eprintln!(
        "packaged binary: {} bytes ({:.2} MiB)",
        packaged.binary_size,
        f64::from(u32::try_from(packaged.binary_size).unwrap()) / 1024.0 / 1024.0
    );

    // The packaged binary runs as bin/detect through its symlink.
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join(".curl-version"), "8.5.0\n").unwrap();
    let plan = out.path().join("plan.toml");
    run(Command::new(packaged.dir.join("bin/detect"))
        .arg(out.path())
        .arg(&plan)
        .current_dir(app.path())
        .env_clear()
        .env("CNB_BUILDPACK_DIR", &packaged.dir)
        .env("CNB_TARGET_OS", "linux")
        .env("CNB_TARGET_ARCH", "amd64")
        .env("CNB_TARGET_DISTRO_NAME", "ubuntu")
        .env("CNB_TARGET_DISTRO_VERSION", "22.04"))
    .assert_success();
    let plan = std::fs::read_to_string(plan).unwrap();
    assert_contains!(plan, "name = \"curl\"");
    assert_contains!(plan, "version = \"8.5.0\"");

    // Packaging again replaces the directory: stray files go, no temporary directory stays.
    std::fs::write(packaged.dir.join("stray"), "left over").unwrap();
    let again = package_module(&workspace_root(), Path::new(EXAMPLE_BUILDPACK), &modules).unwrap();
    assert_eq!(again.dir, packaged.dir);
    assert_packaged_layout(&again.dir);
    assert_eq!(
        entries(&modules),
        BTreeSet::from(["examples_curl-buildpack".into()])
    );
}

#[test]
fn a_failed_layout_keeps_the_old_module_and_leaves_no_partial_one() {
    let source = tempfile::tempdir().unwrap();
    let descriptor = test_descriptor(source.path());
    let modules = tempfile::tempdir().unwrap();
    let old = modules.path().join("a_b");
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("marker"), "old").unwrap();

    let missing_binary = source.path().join("no-such-binary");
    let error = layout_module(&descriptor, &missing_binary, &[], modules.path()).unwrap_err();
    assert!(
        format!("{error:#}").starts_with(&format!("cannot copy {}", missing_binary.display())),
        "{error:#}"
    );
    assert_eq!(entries(modules.path()), BTreeSet::from(["a_b".into()]));
    assert_eq!(entries(&old), BTreeSet::from(["marker".into()]));

    // With a binary, the layout replaces the old directory.
    let binary = source.path().join("binary");
    std::fs::write(&binary, "not really a binary").unwrap();
    let dir = layout_module(&descriptor, &binary, &[], modules.path()).unwrap();
    assert_eq!(dir, old);
    assert_eq!(
        entries(&dir),
        BTreeSet::from(["bin".into(), "buildpack.toml".into()])
    );
    assert_eq!(entries(modules.path()), BTreeSet::from(["a_b".into()]));
}

/// A descriptor of `a/b` in `dir`, and a stand-in binary `main` beside it.
fn test_module(dir: &Path) -> (ModuleDescriptor, PathBuf) {
    let binary = dir.join("main");
    std::fs::write(&binary, "main").unwrap();
    (test_descriptor(dir), binary)
}

fn test_descriptor(dir: &Path) -> ModuleDescriptor {
    let path = dir.join("buildpack.toml");
    std::fs::write(&path, "[buildpack]\nid = \"a/b\"\nversion = \"1.0.0\"\n").unwrap();
    ModuleDescriptor {
        kind: ModuleKind::Buildpack,
        path,
        id: "a/b".to_string(),
        version: "1.0.0".to_string(),
    }
}

#[test]
fn extra_binaries_are_placed_next_to_the_module_executables() {
    let source = tempfile::tempdir().unwrap();
    let (descriptor, binary) = test_module(source.path());
    let helper = source.path().join("helper-build-output");
    std::fs::write(&helper, "helper").unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o600)).unwrap();

    let modules = tempfile::tempdir().unwrap();
    let extra = [ExtraBinary {
        name: "optimize-memory".to_string(),
        path: helper,
    }];
    let dir = layout_module(&descriptor, &binary, &extra, modules.path()).unwrap();
    assert_eq!(
        entries(&dir.join("bin")),
        BTreeSet::from(["build".into(), "detect".into(), "optimize-memory".into()])
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("bin/optimize-memory")).unwrap(),
        "helper"
    );
    assert_eq!(mode(&dir.join("bin/optimize-memory")), 0o755);
    assert_eq!(
        std::fs::read_link(dir.join("bin/detect")).unwrap(),
        Path::new("build")
    );
}

#[test]
fn extra_binaries_cannot_replace_module_executables_or_escape_bin() {
    let source = tempfile::tempdir().unwrap();
    let (descriptor, binary) = test_module(source.path());
    let modules = tempfile::tempdir().unwrap();
    for name in ["detect", "build", "generate", "../escape", "a/b", ""] {
        let extra = [ExtraBinary {
            name: name.to_string(),
            path: binary.clone(),
        }];
        let message = layout_module(&descriptor, &binary, &extra, modules.path())
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(&format!("cannot place a binary at bin/{name}: ")),
            "{message}"
        );
        assert!(
            entries(modules.path()).is_empty(),
            "{name}: nothing written"
        );
    }
}

#[test]
fn a_binary_named_like_a_module_executable_stops_packaging_before_the_build() {
    let (root, module) = fake_module(
        "buildpack.toml",
        "[buildpack]\nid = \"examples/fake\"\nversion = \"1.0.0\"\n",
    );
    std::fs::create_dir_all(module.join("src/bin")).unwrap();
    std::fs::write(module.join("src/bin/detect.rs"), "fn main() {}\n").unwrap();
    let out = root.path().join("out/modules");
    let message = format!(
        "{:#}",
        package_module(root.path(), &module, &out).unwrap_err()
    );
    assert_eq!(
        message,
        format!(
            "{} defines a binary named \"detect\", the name of a module executable (build, detect, generate): rename it",
            module.join("Cargo.toml").display()
        )
    );
    assert!(!out.exists());
}

/// A module crate in a throwaway directory; packaging must fail before building it.
fn fake_module(descriptor_name: &str, descriptor: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let module = root.path().join("buildpacks/fake");
    std::fs::create_dir_all(module.join("src")).unwrap();
    std::fs::write(module.join("Cargo.toml"), "[package]\nname = \"fake\"\n").unwrap();
    std::fs::write(module.join("src/main.rs"), "fn main() {}\n").unwrap();
    if !descriptor_name.is_empty() {
        std::fs::write(module.join(descriptor_name), descriptor).unwrap();
    }
    (root, module)
}

fn packaging_error(descriptor_name: &str, descriptor: &str) -> (String, PathBuf) {
    let (root, module) = fake_module(descriptor_name, descriptor);
    let out = root.path().join("out/modules");
    let error = package_module(root.path(), &module, &out).unwrap_err();
    assert!(
        !out.exists(),
        "nothing is written when the descriptor is bad"
    );
    (format!("{error:#}"), module)
}

#[test]
fn bad_ids_and_versions_name_the_file() {
    for (descriptor_name, descriptor, expected) in [
        (
            "extension.toml",
            "api = \"0.10\"\n[extension]\nid = \"my extension\"\nversion = \"1.0.0\"\n",
            "invalid id \"my extension\" in {file}: ' ' is not allowed (ids may contain only ASCII letters, digits, '.', '/' and '-')",
        ),
        (
            "buildpack.toml",
            "[buildpack]\nid = \"sbom\"\nversion = \"1.0.0\"\n",
            "invalid id \"sbom\" in {file}: this id is reserved by the CNB specification (app, config, generated, sbom cannot be used)",
        ),
        (
            "buildpack.toml",
            "[buildpack]\nid = \"examples/fake\"\nversion = \"1.02.0\"\n",
            "invalid version \"1.02.0\" in {file}: expected MAJOR.MINOR.PATCH such as \"1.2.3\" (digits only, no leading zeros)",
        ),
    ] {
        let (message, module) = packaging_error(descriptor_name, descriptor);
        let file = module.join(descriptor_name).display().to_string();
        assert_eq!(message, expected.replace("{file}", &file), "{descriptor}");
    }
}

#[test]
fn missing_fields_name_the_file() {
    let (message, module) = packaging_error(
        "extension.toml",
        "api = \"0.10\"\n[extension]\nid = \"a/b\"\n",
    );
    assert!(
        message.starts_with(&format!(
            "invalid {}",
            module.join("extension.toml").display()
        )),
        "{message}"
    );
    assert_contains!(message, "version");
}

#[test]
fn missing_descriptor_names_the_directory() {
    let (message, module) = packaging_error("", "");
    assert_eq!(
        message,
        format!(
            "no extension.toml or buildpack.toml in {}: a module needs exactly one descriptor next to its Cargo.toml",
            module.display()
        )
    );
}

#[test]
fn cli_reports_one_error_line_and_fails() {
    let (root, _module) = fake_module(
        "buildpack.toml",
        "[buildpack]\nid = \"app\"\nversion = \"1.0.0\"\n",
    );
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"buildpacks/*\"]\n",
    )
    .unwrap();
    let output = run(Command::new(env!("CARGO_BIN_EXE_packager"))
        .arg("package")
        .current_dir(root.path()));
    output.assert_exit(1);
    assert!(output.stdout.is_empty(), "{output}");
    assert!(
        output.stderr.lines().last().is_some_and(|line| {
            line.starts_with("error: cannot package buildpacks/fake: invalid id \"app\" in ")
        }),
        "{output}"
    );
}

#[test]
fn cli_with_no_modules_succeeds_quietly() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::create_dir(root.path().join("extensions")).unwrap();
    let output = run(Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(["package", "--out", "dist"])
        .current_dir(root.path()));
    output.assert_success();
    assert!(output.stdout.is_empty(), "{output}");
    assert!(
        output.stderr.starts_with("No module crates in "),
        "{output}"
    );
    assert!(!root.path().join("dist").exists());
}

#[test]
fn cli_outside_a_workspace_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(Command::new(env!("CARGO_BIN_EXE_packager"))
        .arg("package")
        .current_dir(dir.path()));
    output.assert_exit(1);
    assert!(
        output
            .stderr
            .starts_with("error: no Cargo workspace at or above "),
        "{output}"
    );
    assert_eq!(output.stderr.lines().count(), 1, "{output}");
}

#[test]
fn packages_every_binary_of_a_module_crate_statically() {
    // A throwaway workspace with one buildpack crate that has a second binary.
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"buildpacks/two\"]\n\n\
         [profile.module]\ninherits = \"release\"\nstrip = true\npanic = \"abort\"\n",
    )
    .unwrap();
    let module = root.path().join("buildpacks/two");
    std::fs::create_dir_all(module.join("src/bin")).unwrap();
    for (file, text) in [
        (
            "Cargo.toml",
            "[package]\nname = \"two\"\nedition = \"2024\"\n",
        ),
        (
            "buildpack.toml",
            "api = \"0.10\"\n[buildpack]\nid = \"examples/two\"\nversion = \"1.0.0\"\n",
        ),
        ("src/main.rs", "fn main() { println!(\"main\"); }\n"),
        ("src/bin/helper.rs", "fn main() { println!(\"helper\"); }\n"),
    ] {
        std::fs::write(module.join(file), text).unwrap();
    }

    let out = root.path().join("out/modules");
    let packaged = package_module(root.path(), Path::new("buildpacks/two"), &out).unwrap();
    assert_eq!(packaged.dir, out.join("examples_two"));
    assert_eq!(
        entries(&packaged.dir.join("bin")),
        BTreeSet::from(["build".into(), "detect".into(), "helper".into()])
    );
    assert_eq!(packaged.extra_binaries.len(), 1);
    assert_eq!(packaged.extra_binaries[0].name, "helper");
    let helper = packaged.dir.join("bin/helper");
    assert_eq!(
        packaged.extra_binaries[0].size,
        std::fs::metadata(&helper).unwrap().len()
    );
    assert_eq!(mode(&helper), 0o755);
    check_static(&helper).unwrap();
    check_static(&packaged.dir.join("bin/build")).unwrap();
    let output = run(&mut Command::new(&helper));
    output.assert_success();
    assert_eq!(output.stdout, "helper\n", "{output}");
}
