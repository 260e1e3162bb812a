//! What users pay on every build, per module (a benchmark that prints, not a timed test):
//!
//! ```sh
//! cargo bench -p cnb-harness --bench modules
//! ```
//!
//! - `bin/detect` of each of our five modules, and `bin/generate` of the two extensions, run as
//!   the lifecycle runs them ([`ModuleRun::command`]: arguments, filtered environment, the app
//!   as working directory; process spawn included) on fixture apps: the median of
//!   [`MODULE_RUNS`] runs against the targets (detect 2 ms, generate 5 ms), next to the same
//!   spawn of an empty static Rust program (the physical floor; the overhead over it is what the
//!   module itself costs) and of the dynamically linked `/bin/true`;
//! - the real lifecycle's `detector` over our UBI builder's order (both UBI extensions in
//!   `[[order-extensions]]`, both companions in `[[order]]`) on a Node.js fixture app: the median
//!   of [`DETECTOR_RUNS`] runs of the lifecycle process alone (detect and generate of every
//!   module, as users pay for it);
//! - every packaged module binary's size (stripped, static) against the 2 MiB target.
//!
//! Machines are noisy: read the overhead over `/bin/true` and the ratios rather than the
//! absolute milliseconds.

// A benchmark: unwrap and panics are how it reports a broken setup.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use cnb_harness::{Lifecycle, Module, ModuleKind, ModuleRun, TargetEnv, workspace_root};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

// Dependencies of the library that this benchmark does not name (for `unused_crate_dependencies`).
use serde_json as _;

/// Runs per module phase (the median is reported).
const MODULE_RUNS: usize = 50;
/// Runs of the whole detector.
const DETECTOR_RUNS: usize = 10;
const DETECT_TARGET: Duration = Duration::from_millis(2);
const GENERATE_TARGET: Duration = Duration::from_millis(5);
const SIZE_TARGET: u64 = 2 * 1024 * 1024;
const STACK_ID: &str = "io.buildpacks.stacks.ubi9";
const STACK_RUN_IMAGE: &str = "localhost/paketo/run-ubi9-base:0.0.42";

fn fixture(path: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(path)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The packaged extension, copied with its catalogue pointed at the fixture of the stack.
fn extension(crate_dir: &str, catalogue: &str, scratch: &Path) -> Module {
    let catalogue = fixture(catalogue);
    Module::package(crate_dir).copy_with_metadata(
        scratch.join(crate_dir.replace('/', "_")),
        "catalogue",
        catalogue.to_str().unwrap(),
    )
}

fn run_of(module: &Module, app: &str) -> ModuleRun {
    ModuleRun::new(module, fixture("apps").join(app))
        .lifecycle_env("CNB_STACK_ID", STACK_ID)
        .target(TargetEnv::linux_amd64("rhel", "9.4"))
}

/// The Buildpack Plan generate gets when `requires` of a companion's detect plan route to the
/// extension: `[[entries]] name, metadata`.
fn plan_from_requires(plan: &toml::Table) -> String {
    let entries: Vec<toml::Value> = plan["requires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|require| {
            let mut entry = toml::Table::new();
            entry.insert("name".to_string(), require["name"].clone());
            if let Some(metadata) = require.get("metadata") {
                entry.insert("metadata".to_string(), metadata.clone());
            }
            toml::Value::Table(entry)
        })
        .collect();
    let mut table = toml::Table::new();
    table.insert("entries".to_string(), toml::Value::Array(entries));
    toml::to_string(&table).unwrap()
}

/// The median wall time of `command` (spawn to exit, output captured as the lifecycle does),
/// after one warm-up run that must succeed.
fn time(command: &mut Command, runs: usize) -> Duration {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{} failed:\n{}{}",
        command.get_program().display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                let output = command.output().unwrap();
                let elapsed = started.elapsed();
                assert!(output.status.success());
                elapsed
            })
            .collect(),
    )
}

/// An empty Rust program (`fn main() {}`) built as our module binaries are (static, stripped,
/// no unwinding), in `dir`: the floor of a static binary's spawn.
fn empty_static_binary(dir: &Path) -> PathBuf {
    let source = dir.join("empty.rs");
    std::fs::write(&source, "fn main() {}\n").unwrap();
    let binary = dir.join("empty");
    let status = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string()))
        .args([
            "--edition",
            "2024",
            "-C",
            "opt-level=s",
            "-C",
            "panic=abort",
        ])
        .args(["-C", "strip=symbols", "-o"])
        .arg(&binary)
        .args(packager::cargo::MODULE_RUSTFLAGS.split_whitespace())
        .arg(&source)
        .status()
        .unwrap();
    assert!(status.success(), "rustc could not build the empty program");
    binary
}

/// `program` with the arguments, environment and working directory of `command`.
fn bare_spawn(program: &Path, command: &Command) -> Command {
    let mut bare = Command::new(program);
    bare.args(command.get_args()).env_clear();
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            bare.env(name, value);
        }
    }
    if let Some(dir) = command.get_current_dir() {
        bare.current_dir(dir);
    }
    bare
}

struct Row {
    module: String,
    phase: &'static str,
    app: &'static str,
    median: Duration,
    target: Option<Duration>,
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let nodejs_extension = extension(
        "extensions/ubi-nodejs",
        "ubi-nodejs/images-ubi9-local-run-images.json",
        scratch.path(),
    );
    let java_extension = extension(
        "extensions/ubi-java",
        "ubi-java/images-ubi9-local-run-images.json",
        scratch.path(),
    );
    let nodejs_buildpack = Module::package("buildpacks/ubi-nodejs");
    let java_buildpack = Module::package("buildpacks/ubi-java");
    let go_app = Module::package("buildpacks/go-app");

    let mut rows = Vec::new();
    let mut measure = |module: &Module, phase: &'static str, app: &'static str, plan: &str| {
        let (mut command, _scratch) = run_of(module, app).buildpack_plan(plan).command(phase);
        let median = time(&mut command, MODULE_RUNS);
        let target = match phase {
            "detect" => DETECT_TARGET,
            _ => GENERATE_TARGET,
        };
        rows.push(Row {
            module: module.id.clone(),
            phase,
            app,
            median,
            target: Some(target),
        });
    };

    // Companions first: their detect plans are what the extensions' generate receives.
    let node_app = "node-npm-engines";
    let java_app = "java-maven-release-21";
    let node_plan = run_of(&nodejs_buildpack, node_app).detect();
    assert_eq!(node_plan.process.exit_code, 0, "{node_plan:?}");
    let java_plan = run_of(&java_buildpack, java_app).detect();
    assert_eq!(java_plan.process.exit_code, 0, "{java_plan:?}");
    let node_plan = plan_from_requires(node_plan.plan.as_ref().unwrap());
    let java_plan = plan_from_requires(java_plan.plan.as_ref().unwrap());

    measure(&nodejs_extension, "detect", node_app, "");
    measure(&nodejs_extension, "generate", node_app, &node_plan);
    measure(&java_extension, "detect", java_app, "");
    measure(&java_extension, "generate", java_app, &java_plan);
    measure(&nodejs_buildpack, "detect", node_app, "");
    measure(&java_buildpack, "detect", java_app, "");
    measure(&go_app, "detect", "go-http", "");

    // The floor: the same spawn (arguments, env, working directory) of a program that does
    // nothing: static as our binaries are, and the dynamically linked /bin/true for scale.
    let (command, _scratch) = run_of(&nodejs_extension, node_app).command("detect");
    let empty = empty_static_binary(scratch.path());
    let floor = time(&mut bare_spawn(&empty, &command), MODULE_RUNS);
    let dynamic = time(
        &mut bare_spawn(Path::new("/bin/true"), &command),
        MODULE_RUNS,
    );
    for (name, median) in [
        ("empty static Rust binary (spawn floor)", floor),
        ("/bin/true (dynamically linked)", dynamic),
    ] {
        rows.push(Row {
            module: name.to_string(),
            phase: "-",
            app: node_app,
            median,
            target: None,
        });
    }

    let detector = detector_median(
        &[
            &java_extension,
            &nodejs_extension,
            &java_buildpack,
            &nodejs_buildpack,
        ],
        node_app,
    );

    print_tables(
        &rows,
        floor,
        detector,
        &[
            &nodejs_extension,
            &java_extension,
            &nodejs_buildpack,
            &java_buildpack,
            &go_app,
        ],
    );
}

fn print_tables(rows: &[Row], floor: Duration, detector: Duration, modules: &[&Module]) {
    let node_app = "node-npm-engines";
    println!(
        "\nModule phases, as the lifecycle runs them (median of {MODULE_RUNS}, spawn included)\n"
    );
    println!(
        "| module | phase | app | median ms | over floor ms | target ms | held |\n\
         | --- | --- | --- | ---: | ---: | ---: | --- |"
    );
    for row in rows {
        let (target, held) = row.target.map_or(("-".to_string(), "-"), |target| {
            (
                format!("{:.0}", ms(target)),
                if row.median < target { "yes" } else { "NO" },
            )
        });
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {target} | {held} |",
            row.module,
            row.phase,
            row.app,
            ms(row.median),
            ms(row.median.saturating_sub(floor)),
        );
    }
    println!(
        "\nlifecycle detector over the UBI order (2 extensions, 2 companions) on {node_app}: \
         median of {DETECTOR_RUNS}: {:.1} ms\n",
        ms(detector)
    );

    println!(
        "| module binary (stripped, static) | MiB | target MiB | held |\n| --- | ---: | ---: | --- |"
    );
    for module in modules {
        for (name, size) in binaries(&module.dir.join("bin")) {
            println!(
                "| {}/bin/{name} | {:.2} | {:.0} | {} |",
                module.id,
                mib(size),
                mib(SIZE_TARGET),
                if size < SIZE_TARGET { "yes" } else { "NO" }
            );
        }
    }
}

/// The regular files of a `bin/` dir (not the `detect` link), with their sizes.
fn binaries(bin: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(bin)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter_map(|entry| {
            let metadata = std::fs::symlink_metadata(entry.path()).unwrap();
            metadata.is_file().then(|| {
                (
                    entry.file_name().to_string_lossy().into_owned(),
                    metadata.len(),
                )
            })
        })
        .collect();
    files.sort();
    files
}

/// The median wall time of the lifecycle's `detector` over our UBI builder's order on `app`.
fn detector_median(modules: &[&Module], app: &str) -> Duration {
    let id = |kind: ModuleKind| {
        modules
            .iter()
            .filter(move |module| module.kind == kind)
            .map(|module| format!("id = \"{}\"\nversion = \"{}\"\n", module.id, module.version))
    };
    let mut order = String::new();
    for group in id(ModuleKind::Buildpack) {
        writeln!(order, "[[order]]\n[[order.group]]\n{group}").unwrap();
    }
    order.push_str("[[order-extensions]]\n");
    for group in id(ModuleKind::Extension) {
        writeln!(order, "[[order-extensions.group]]\n{group}").unwrap();
    }
    let run = || {
        let mut run = Lifecycle::locate()
            .detector()
            .order(&order)
            .app(fixture("apps").join(app))
            .env("CNB_STACK_ID", STACK_ID)
            .analyzed(&format!(
                "[run-image]\nreference = \"{STACK_RUN_IMAGE}\"\nimage = \"{STACK_RUN_IMAGE}\"\n"
            ))
            .run_toml(&format!(
                "[[images]]\nimage = \"{STACK_RUN_IMAGE}\"\n\n\
                 [[images]]\nimage = \"localhost/paketo/run-nodejs-20-ubi9-base:0.0.42\"\n\n\
                 [[images]]\nimage = \"localhost/paketo/run-nodejs-22-ubi9-base:0.0.42\"\n"
            ));
        for module in modules {
            run = run.module(module);
        }
        let (outcome, elapsed) = run.run_timed();
        assert_eq!(outcome.exit_code, 0, "{}", outcome.output);
        assert!(
            !outcome.generated.is_empty(),
            "the Node.js extension generates: {}",
            outcome.output
        );
        elapsed
    };
    run();
    median((0..DETECTOR_RUNS).map(|_| run()).collect())
}
