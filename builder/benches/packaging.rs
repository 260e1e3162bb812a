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
//!   and the real lifecycle: wall time, the layout's size, and the layers the builder adds over
//!   the build image (gzip and uncompressed bytes, per layer).
//!
//! With `BENCH_ROWS=<file>` (`tests/bench.sh`), the figures are also appended to `<file>` as
//! tab-separated rows `figure, value, target, held` (the binary sizes come from the modules
//! bench).

// A benchmark: unwrap and panics are how it reports a broken setup.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::bench::BenchRows;
use cnb_harness::oci::BuildImage;
use cnb_harness::{Lifecycle, workspace_root};
use cnb_package::buildpackage::write_buildpackage;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
    let mut rows = BenchRows::from_env();
    let modules_dir = bench_package(scratch.path(), &mut rows);
    report_sizes(&modules_dir, &mut rows);
    bench_builder(scratch.path(), &modules_dir, &mut rows);
}

/// Times `packager package`; returns the modules directory of one run.
fn bench_package(scratch: &Path, rows: &mut BenchRows) -> PathBuf {
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
    rows.figure(
        "packaging: `packager package` (all modules and builders) from a warm cargo cache",
        &format!("{:.2} s", warm[1].as_secs_f64()),
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
fn report_sizes(modules_dir: &Path, rows: &mut BenchRows) {
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
        rows.figure(
            &format!(".cnb {}", name.trim_start_matches("paketo-community_")),
            &format!("{:.2} MiB", mib(bytes)),
        );
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

/// Times `packager builder create` over the test build image; measures the layers it adds.
fn bench_builder(scratch: &Path, modules_dir: &Path, rows: &mut BenchRows) {
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
             [lifecycle]\nversion = \"0.21.0\"\n\
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
    rows.figure(
        "builder assembly: `packager builder create` (lifecycle, 4 UBI modules) over the test build image",
        &format!("{:.2} s", times[1].as_secs_f64()),
    );
    added_layers(&build_image, &layout, rows);
}

/// The layers the builder adds on top of the build image's: each one's gzip and uncompressed
/// size, and their sums.
fn added_layers(build_image: &Path, layout: &Path, rows: &mut BenchRows) {
    let base = oci_layout::read_layout(build_image, Some("bench")).unwrap();
    let builder = oci_layout::read_layout(layout, Some("bench")).unwrap();
    assert_eq!(
        builder.layers[..base.layers.len()]
            .iter()
            .map(|layer| &layer.diff_id)
            .collect::<Vec<_>>(),
        base.layers
            .iter()
            .map(|layer| &layer.diff_id)
            .collect::<Vec<_>>(),
        "the builder starts with the build image's layers"
    );
    let added = &builder.layers[base.layers.len()..];
    // The module layers by diff id, from the builder's labels; the packager writes the
    // directories and the lifecycle first, the config files (order, stack, run) last.
    let mut names = std::collections::BTreeMap::new();
    for label in [
        "io.buildpacks.buildpack.layers",
        "io.buildpacks.extension.layers",
    ] {
        let modules: serde_json::Value =
            serde_json::from_str(builder.label(label).unwrap_or("{}")).unwrap();
        for (id, versions) in modules.as_object().unwrap() {
            for info in versions.as_object().unwrap().values() {
                names.insert(
                    info["layerDiffID"].as_str().unwrap().to_string(),
                    id.clone(),
                );
            }
        }
    }
    println!(
        "layers added over the build image ({} layers, {} in the build image):",
        added.len(),
        base.layers.len()
    );
    let (mut gzip_total, mut tar_total) = (0, 0);
    for (index, layer) in added.iter().enumerate() {
        let name = names.get(&layer.diff_id).map_or(
            match index {
                0 => "directories",
                1 => "lifecycle",
                _ => "config file",
            },
            String::as_str,
        );
        let gzip = layer.blob.bytes().unwrap();
        let mut tar = 0u64;
        let mut decoder = flate2::read::GzDecoder::new(&gzip[..]);
        let mut buffer = vec![0; 1 << 16];
        loop {
            let read = decoder.read(&mut buffer).unwrap();
            if read == 0 {
                break;
            }
            tar += read as u64;
        }
        println!(
            "  {name}: {:.2} MiB gzip, {:.2} MiB uncompressed",
            mib(layer.blob.size),
            mib(tar)
        );
        gzip_total += layer.blob.size;
        tar_total += tar;
    }
    println!(
        "  total: {:.2} MiB gzip, {:.2} MiB uncompressed",
        mib(gzip_total),
        mib(tar_total)
    );
    rows.figure(
        "builder layers added over the build image (lifecycle, 4 UBI modules, config)",
        &format!(
            "{:.2} MiB gzip, {:.2} MiB uncompressed ({} layers)",
            mib(gzip_total),
            mib(tar_total),
            added.len()
        ),
    );
}
