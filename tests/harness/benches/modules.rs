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
//!   module itself costs) and of the dynamically linked `/bin/true`; the runs are interleaved
//!   (each round runs every command once), so that all see the same load of the machine;
//! - the real lifecycle's `detector` over our UBI builder's order (both UBI extensions in
//!   `[[order-extensions]]`, both companions in `[[order]]`) on a Node.js fixture app: the median
//!   of [`DETECTOR_RUNS`] runs of the lifecycle process alone (detect and generate of every
//!   module, as users pay for it);
//! - every packaged module binary's size (stripped, static) against the 2 MiB target.
//!
//! Machines are noisy: read the overhead over the floor and the ratios rather than the
//! absolute milliseconds.
//!
//! With `BENCH_CALLGRIND=1`, each module phase also runs once under `valgrind --tool=callgrind`:
//! its instruction count, repeatable where milliseconds are not. With `BENCH_ROWS=<file>`
//! (`tests/bench.sh`), the figures are also appended to `<file>` as tab-separated rows
//! `figure, value, target, held`.

// A benchmark: unwrap and panics are how it reports a broken setup.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::{
    BenchRows, Lifecycle, Module, ModuleKind, ModuleRun, Outcome, TargetEnv, fixture, fixture_app,
};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs per module phase (the median is reported).
const MODULE_RUNS: usize = 50;
/// Runs of the whole detector.
const DETECTOR_RUNS: usize = 10;
const DETECT_TARGET: Duration = Duration::from_millis(2);
const GENERATE_TARGET: Duration = Duration::from_millis(5);
const SIZE_TARGET: u64 = 2 * 1024 * 1024;
const STACK_ID: &str = "io.buildpacks.stacks.ubi9";
const STACK_RUN_IMAGE: &str = "localhost/paketo/run-ubi9-base:0.0.42";

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
    ModuleRun::new(module, fixture_app(app))
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

/// The median wall time of each command (spawn to exit, output captured as the lifecycle
/// does) over `runs` rounds, each round running every command once in turn, so that all of them
/// see the same load of the machine (the floor is only a floor when measured alongside); after
/// one warm-up run of each, which must succeed.
fn time_interleaved(commands: &mut [Command], runs: usize) -> Vec<Duration> {
    for command in commands.iter_mut() {
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{} failed:\n{}{}",
            command.get_program().display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut samples = vec![Vec::with_capacity(runs); commands.len()];
    for _ in 0..runs {
        for (command, samples) in commands.iter_mut().zip(&mut samples) {
            let started = Instant::now();
            let output = command.output().unwrap();
            samples.push(started.elapsed());
            assert!(output.status.success());
        }
    }
    samples.into_iter().map(median).collect()
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
        .args(cnb_package::cargo::MODULE_RUSTFLAGS.split_whitespace())
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
    /// Instructions of one run under callgrind (`BENCH_CALLGRIND=1`).
    instructions: Option<u64>,
}

/// The instructions `command`'s program executes (the process alone, not its children), from
/// one run under `valgrind --tool=callgrind` with the same arguments, environment and working
/// directory; `None` unless `BENCH_CALLGRIND=1`.
fn instructions(command: &Command, scratch: &Path) -> Option<u64> {
    if std::env::var_os("BENCH_CALLGRIND").is_none_or(|value| value != "1") {
        return None;
    }
    // The command's environment is the lifecycle's: find valgrind on this process's PATH.
    let valgrind = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("valgrind"))
        .find(|path| path.is_file())
        .expect("valgrind on PATH (BENCH_CALLGRIND=1)");
    let out = scratch.join("callgrind.out");
    let mut run = Command::new(valgrind);
    run.args(["--tool=callgrind", "--trace-children=no"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear()
        .envs(
            command
                .get_envs()
                .filter_map(|(name, value)| value.map(|value| (name, value))),
        );
    if let Some(dir) = command.get_current_dir() {
        run.current_dir(dir);
    }
    let output = run.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "callgrind run failed:\n{stderr}");
    let collected = stderr
        .lines()
        .find_map(|line| line.split_once("Collected :"))
        .unwrap_or_else(|| panic!("no instruction count from callgrind:\n{stderr}"))
        .1;
    Some(collected.trim().replace(',', "").parse().unwrap())
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

    // Companions first: their detect plans are what the extensions' generate receives.
    let node_app = "node-npm-engines";
    let java_app = "java-maven-release-21";
    let node_plan = run_of(&nodejs_buildpack, node_app).detect();
    node_plan.assert_success();
    let java_plan = run_of(&java_buildpack, java_app).detect();
    java_plan.assert_success();
    let node_plan = plan_from_requires(node_plan.plan.as_ref().unwrap());
    let java_plan = plan_from_requires(java_plan.plan.as_ref().unwrap());

    let phases: [(&Module, &'static str, &'static str, &str); 7] = [
        (&nodejs_extension, "detect", node_app, ""),
        (&nodejs_extension, "generate", node_app, &node_plan),
        (&java_extension, "detect", java_app, ""),
        (&java_extension, "generate", java_app, &java_plan),
        (&nodejs_buildpack, "detect", node_app, ""),
        (&java_buildpack, "detect", java_app, ""),
        (&go_app, "detect", "go-http", ""),
    ];
    let mut rows = Vec::new();
    let mut commands = Vec::new();
    let mut scratches = Vec::new();
    for (module, phase, app, plan) in phases {
        let (command, run_scratch) = run_of(module, app).buildpack_plan(plan).command(phase);
        commands.push(command);
        scratches.push(run_scratch);
        rows.push(Row {
            module: module.id.clone(),
            phase,
            app,
            median: Duration::ZERO,
            target: Some(if phase == "detect" {
                DETECT_TARGET
            } else {
                GENERATE_TARGET
            }),
            instructions: None,
        });
    }
    // The floor: the same spawn (arguments, env, working directory) of a program that does
    // nothing: static as our binaries are, and the dynamically linked /bin/true for scale.
    let empty = empty_static_binary(scratch.path());
    for (name, program) in [
        ("empty static Rust binary (spawn floor)", empty.as_path()),
        ("/bin/true (dynamically linked)", Path::new("/bin/true")),
    ] {
        commands.push(bare_spawn(program, &commands[0]));
        rows.push(Row {
            module: name.to_string(),
            phase: "-",
            app: node_app,
            median: Duration::ZERO,
            target: None,
            instructions: None,
        });
    }
    let medians = time_interleaved(&mut commands, MODULE_RUNS);
    for (index, (row, median)) in rows.iter_mut().zip(medians).enumerate() {
        row.median = median;
        row.instructions = instructions(
            &commands[index],
            scratches
                .get(index)
                .map_or(scratch.path(), |dir| dir.path()),
        );
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
        &rows[phases.len()],
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

fn print_tables(rows: &[Row], floor: &Row, detector: Duration, modules: &[&Module]) {
    let floor_instructions = floor.instructions.map_or(String::new(), |count| {
        format!(" ({:.2} M instructions)", count as f64 / 1e6)
    });
    let floor = floor.median;
    let node_app = "node-npm-engines";
    let mut bench_rows = BenchRows::from_env();
    println!(
        "\nModule phases, as the lifecycle runs them (median of {MODULE_RUNS}, spawn included)\n"
    );
    println!(
        "| module | phase | app | median ms | over floor ms | instructions | target ms | held |\n\
         | --- | --- | --- | ---: | ---: | ---: | ---: | --- |"
    );
    for row in rows {
        let (target, held) = row.target.map_or(("-".to_string(), None), |target| {
            (format!("{:.0}", ms(target)), Some(row.median < target))
        });
        let instructions = row.instructions.map_or("-".to_string(), |count| {
            format!("{:.2} M", count as f64 / 1e6)
        });
        let over_floor = ms(row.median.saturating_sub(floor));
        println!(
            "| {} | {} | {} | {:.2} | {over_floor:.2} | {instructions} | {target} | {} |",
            row.module,
            row.phase,
            row.app,
            ms(row.median),
            held.map_or("-", |held| if held { "yes" } else { "NO" }),
        );
        let short = row.module.trim_start_matches("paketo-community/");
        if row.target.is_some() {
            let mut value = format!(
                "{:.2} ms ({over_floor:.2} over the spawn floor",
                ms(row.median)
            );
            if let Some(count) = row.instructions {
                write!(value, "; {:.2} M instructions", count as f64 / 1e6).unwrap();
            }
            value.push(')');
            bench_rows.row(
                &format!("{} {short} on {}", row.phase, row.app),
                &value,
                &format!("< {target} ms"),
                held,
            );
        }
    }
    bench_rows.row(
        "spawn floor: an empty static Rust binary spawned the same way",
        &format!("{:.2} ms{floor_instructions}", ms(floor)),
        "-",
        None,
    );
    println!(
        "\nlifecycle detector over the UBI order (2 extensions, 2 companions) on {node_app}: \
         median of {DETECTOR_RUNS}: {:.1} ms\n",
        ms(detector)
    );
    bench_rows.row(
        &format!(
            "lifecycle `detector` over the UBI order (2 extensions, 2 companions) on {node_app}"
        ),
        &format!("{:.1} ms", ms(detector)),
        "-",
        None,
    );

    println!(
        "| module binary (stripped, static) | MiB | target MiB | held |\n| --- | ---: | ---: | --- |"
    );
    for module in modules {
        for (name, size) in binaries(&module.dir.join("bin")) {
            let held = size < SIZE_TARGET;
            println!(
                "| {}/bin/{name} | {:.2} | {:.0} | {} |",
                module.id,
                mib(size),
                mib(SIZE_TARGET),
                if held { "yes" } else { "NO" }
            );
            bench_rows.row(
                &format!(
                    "binary {} bin/{name} (stripped, static)",
                    module.id.trim_start_matches("paketo-community/")
                ),
                &format!("{:.2} MiB ({size} bytes)", mib(size)),
                &format!("< {:.0} MiB", mib(SIZE_TARGET)),
                Some(held),
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
            .app(fixture_app(app))
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
        outcome.assert_success();
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
