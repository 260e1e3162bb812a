//! Packaging figures (a benchmark that prints, not a timed test):
//!
//! ```sh
//! cargo bench -p packager --bench packaging
//! ```
//!
//! - the main command (`packager package`) from a warm Cargo build: wall time, and the time of
//!   the buildpackages alone;
//! - every module binary's size (stripped, static) against the 2 MiB target, and every `.cnb`;
//! - `packager builder create` over the test build image (cnb-harness) with our four UBI modules
//!   and the real lifecycle: wall time and the layout's size.

// A benchmark: unwrap and panics are how it reports a broken setup.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use cnb_harness::oci::BuildImage;
use cnb_harness::{Lifecycle, workspace_root};
use packager::buildpackage::write_buildpackage;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

// Dependencies of the library that this benchmark does not name (for `unused_crate_dependencies`).
use anyhow as _;
use clap as _;
use flate2 as _;
use serde as _;
use serde_json as _;
use sha2 as _;
use tar as _;
use toml as _;

const TARGET_BYTES: u64 = 2 * 1024 * 1024;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn packager(args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_packager"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "packager {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    entries
}

fn dir_size(dir: &Path) -> u64 {
    sorted_entries(dir)
        .iter()
        .map(|path| {
            let metadata = std::fs::symlink_metadata(path).unwrap();
            if metadata.is_dir() {
                dir_size(path)
            } else {
                metadata.len()
            }
        })
        .sum()
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let modules_dir = bench_package(scratch.path());
    report_sizes(&modules_dir);
    bench_builder(scratch.path(), &modules_dir);
}

/// Times `packager package`; returns the modules directory of one run.
fn bench_package(scratch: &Path) -> PathBuf {
    let out = |name: &str| scratch.join(name).display().to_string();

    println!("== packager package (all modules, builders rendered)");
    let cold = packager(&["package", "--out", &out("warm-up")]);
    println!(
        "first run (warms the cargo build if needed): {:.2} s",
        cold.as_secs_f64()
    );
    let mut warm: Vec<Duration> = (0..3)
        .map(|run| packager(&["package", "--out", &out(&format!("run-{run}"))]))
        .collect();
    warm.sort();
    println!(
        "warm cargo build, 3 runs: min {:.2} s, median {:.2} s",
        warm[0].as_secs_f64(),
        warm[1].as_secs_f64()
    );

    let modules_dir = scratch.join("run-0/modules");
    let module_dirs: Vec<PathBuf> = sorted_entries(&modules_dir)
        .into_iter()
        .filter(|path| path.is_dir())
        .collect();
    let started = Instant::now();
    for dir in &module_dirs {
        let cnb = scratch.join(format!(
            "{}.cnb",
            dir.file_name().unwrap().to_string_lossy()
        ));
        write_buildpackage(dir, &cnb).unwrap();
    }
    println!(
        "buildpackages alone ({} .cnb files from the module directories): {:.3} s",
        module_dirs.len(),
        started.elapsed().as_secs_f64()
    );
    modules_dir
}

/// Sizes of the module binaries and buildpackages.
fn report_sizes(modules_dir: &Path) {
    let module_dirs: Vec<PathBuf> = sorted_entries(modules_dir)
        .into_iter()
        .filter(|path| path.is_dir())
        .collect();
    println!("\n== module binaries (stripped, static; target < 2 MiB) and buildpackages");
    let mut over = Vec::new();
    for dir in &module_dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        for binary in sorted_entries(&dir.join("bin")) {
            let metadata = std::fs::symlink_metadata(&binary).unwrap();
            if metadata.is_symlink() {
                continue;
            }
            let bytes = metadata.len();
            let flag = if bytes > TARGET_BYTES {
                over.push(format!(
                    "{name}/bin/{}",
                    binary.file_name().unwrap().to_string_lossy()
                ));
                "  OVER 2 MiB"
            } else {
                ""
            };
            let label = format!(
                "{name}/bin/{}",
                binary.file_name().unwrap().to_string_lossy()
            );
            println!("{label:<58} {bytes:>9} bytes  {:.2} MiB{flag}", mib(bytes));
        }
        let cnb = modules_dir.join(format!("{name}.cnb"));
        let bytes = std::fs::metadata(&cnb).unwrap().len();
        let label = format!("{name}.cnb");
        println!("{label:<58} {bytes:>9} bytes  {:.2} MiB", mib(bytes));
    }
    println!(
        "over 2 MiB: {}",
        if over.is_empty() {
            "none".to_string()
        } else {
            over.join(", ")
        }
    );
}

/// Times `packager builder create` over the test build image.
fn bench_builder(scratch: &Path, modules_dir: &Path) {
    println!("\n== packager builder create (test build image, our 4 UBI modules, lifecycle)");
    let _ = Lifecycle::locate();
    let lifecycle = std::env::var_os("CNB_LIFECYCLE").map_or_else(
        || workspace_root().join("target/tools/bin/lifecycle"),
        PathBuf::from,
    );
    let build_image = scratch.join("build-image");
    BuildImage::new("io.buildpacks.stacks.ubi8", "rhel", "8.10")
        .libraries_of(&lifecycle)
        .write(&build_image, "bench");
    let config = scratch.join("builder.toml");
    let uri = |name: &str| {
        modules_dir
            .join(format!("paketo-community_{name}.cnb"))
            .display()
            .to_string()
    };
    std::fs::write(
        &config,
        format!(
            "[build]\nimage = \"localhost/bench:1\"\n[[run.images]]\nimage = \"index.docker.io/paketobuildpacks/run-ubi8-base:latest\"\n\
             [lifecycle]\nversion = \"0.21.17\"\n\
             [[buildpacks]]\nuri = \"{}\"\n[[buildpacks]]\nuri = \"{}\"\n\
             [[extensions]]\nuri = \"{}\"\n[[extensions]]\nuri = \"{}\"\n\
             [[order]]\n[[order.group]]\nid = \"paketo-community/ubi-java-buildpack\"\n\
             [[order]]\n[[order.group]]\nid = \"paketo-community/ubi-nodejs-buildpack\"\n\
             [[order-extensions]]\n[[order-extensions.group]]\nid = \"paketo-community/ubi-java-extension\"\n\
             [[order-extensions.group]]\nid = \"paketo-community/ubi-nodejs-extension\"\n",
            uri("ubi-java-buildpack"),
            uri("ubi-nodejs-buildpack"),
            uri("ubi-java-extension"),
            uri("ubi-nodejs-extension"),
        ),
    )
    .unwrap();
    let layout = scratch.join("builder");
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            packager(&[
                "builder",
                "create",
                "--config",
                &config.display().to_string(),
                "--build-image",
                &format!("{}:bench", build_image.display()),
                "--lifecycle",
                &lifecycle.display().to_string(),
                "--output",
                &format!("{}:bench", layout.display()),
            ])
        })
        .collect();
    times.sort();
    println!(
        "3 runs: min {:.2} s, median {:.2} s; layout {:.1} MiB (build image {:.1} MiB, lifecycle binary {:.1} MiB)",
        times[0].as_secs_f64(),
        times[1].as_secs_f64(),
        mib(dir_size(&layout)),
        mib(dir_size(&build_image)),
        mib(std::fs::metadata(&lifecycle).unwrap().len())
    );
}
