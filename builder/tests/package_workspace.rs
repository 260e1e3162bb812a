//! The README's main command on this workspace, twice: every module becomes a directory and a
//! `.cnb` buildpackage that skopeo and umoci read, with pack's labels and normalized layer
//! headers; every builder definition is rendered and passes `check`; and the second run gives
//! byte-identical files.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_harness::oci::{extract_archive, json_label, skopeo_inspect, umoci_stat, umoci_unpack};
use cnb_harness::{Outcome, Process, workspace_root};
use oci_layout::{NORMALIZED_MTIME, read_archive};
use packager::builder_toml::{ModuleSource, check_file};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `packager package --out <out>` in the workspace; returns its stdout lines.
fn package(out: &Path) -> Vec<String> {
    let output = Process::from(cnb_harness::command::output(
        Command::new(env!("CARGO_BIN_EXE_packager"))
            .args(["package", "--out"])
            .arg(out)
            .current_dir(workspace_root()),
    ));
    output.assert_success();
    output.stdout.lines().map(str::to_string).collect()
}

/// Every file under `dir`, by relative path, with its bytes (symlinks by their target).
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            let metadata = std::fs::symlink_metadata(&path).unwrap();
            if metadata.is_symlink() {
                found.insert(
                    relative,
                    std::fs::read_link(&path)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                );
            } else if metadata.is_dir() {
                stack.push(path);
            } else {
                found.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

#[test]
fn packages_every_module_and_builder_reproducibly() {
    let out = tempfile::tempdir().unwrap();
    let (first, second) = (out.path().join("first"), out.path().join("second"));
    let stdout = package(&first);
    let again = package(&second);

    // Byte-identical output, wherever it is written.
    let (first_files, second_files) = (files(&first), files(&second));
    assert_eq!(
        first_files.keys().collect::<Vec<_>>(),
        second_files.keys().collect::<Vec<_>>()
    );
    let differing: Vec<&PathBuf> = first_files
        .iter()
        .filter(|(path, bytes)| second_files[*path] != **bytes)
        .map(|(path, _)| path)
        .collect();
    assert!(differing.is_empty(), "two runs differ in {differing:?}");
    let replaced: Vec<String> = again
        .iter()
        .map(|line| line.replace(&second.display().to_string(), &first.display().to_string()))
        .collect();
    assert_eq!(stdout, replaced);

    let module_lines: Vec<&String> = stdout
        .iter()
        .filter(|l| !l.starts_with("builder "))
        .collect();
    let module_dirs: Vec<String> = std::fs::read_dir(workspace_root().join("extensions"))
        .unwrap()
        .chain(std::fs::read_dir(workspace_root().join("buildpacks")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("extension.toml").is_file() || p.join("buildpack.toml").is_file())
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(module_lines.len(), module_dirs.len(), "{stdout:#?}");

    for line in module_lines {
        let fields: Vec<&str> = line.split(' ').collect();
        let [id, version, dir, cnb] = fields[..] else {
            panic!("unexpected line {line:?}")
        };
        let escaped = id.replace('/', "_");
        assert_eq!(Path::new(dir), first.join("modules").join(&escaped));
        assert_eq!(
            Path::new(cnb),
            first.join("modules").join(format!("{escaped}.cnb"))
        );
        check_buildpackage(Path::new(cnb), Path::new(dir), id, version, out.path());
    }

    check_rendered_builders(&stdout, &first);
}

/// Every definition is rendered, with our modules pointing at their .cnb files.
fn check_rendered_builders(stdout: &[String], first: &Path) {
    let builders: Vec<&String> = stdout
        .iter()
        .filter(|l| l.starts_with("builder "))
        .collect();
    assert_eq!(builders.len(), 5, "{stdout:#?}");
    for line in builders {
        let path = PathBuf::from(line.rsplit(' ').next().unwrap());
        let checked = check_file(&path).unwrap();
        for module in &checked.modules {
            if let ModuleSource::Cnb(cnb) = &module.source {
                assert_eq!(
                    cnb.parent().unwrap().canonicalize().unwrap(),
                    first.join("modules").canonicalize().unwrap()
                );
            }
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# Generated by `packager package` from builder/builders/"),
            "{text}"
        );
    }
    let ubi8 = check_file(&first.join("builders/builder-ubi8-base/builder.toml")).unwrap();
    let run_images: Vec<&str> = ubi8.run_images.iter().map(|r| r.image.as_str()).collect();
    assert_eq!(run_images.len(), 10);
    assert_eq!(
        run_images[0],
        "index.docker.io/paketobuildpacks/run-ubi8-base:latest"
    );
    for major in ["16", "18", "20", "22", "24"] {
        assert!(
            run_images.contains(
                &format!("index.docker.io/paketobuildpacks/run-nodejs-{major}-ubi8-base:latest")
                    .as_str()
            )
        );
    }
    for major in ["8", "11", "17", "21"] {
        assert!(run_images.contains(
            &format!("index.docker.io/paketobuildpacks/run-java-{major}-ubi8-base:latest").as_str()
        ));
    }
    let local: Vec<(&str, &str)> = ubi8
        .modules
        .iter()
        .filter(|m| matches!(m.source, ModuleSource::Cnb(_)))
        .map(|m| (m.id.as_str(), m.version.as_str()))
        .collect();
    assert_eq!(
        local.len(),
        4,
        "our two extensions and two companions: {local:?}"
    );
    let ubi9 = check_file(&first.join("builders/builder-ubi9-base/builder.toml")).unwrap();
    assert_eq!(ubi9.run_images.len(), 7);
    let noble = check_file(&first.join("builders/ubuntu-noble-builder-buildpackless/builder.toml"))
        .unwrap();
    let noble_images: Vec<&str> = noble.run_images.iter().map(|r| r.image.as_str()).collect();
    assert_eq!(
        noble_images,
        [
            "docker.io/paketobuildpacks/ubuntu-noble-run:latest",
            "docker.io/paketobuildpacks/ubuntu-noble-run-static:latest",
            "docker.io/paketobuildpacks/ubuntu-noble-run-tiny:latest",
        ]
    );
    assert!(noble.modules.is_empty() && noble.config.stack.id.is_none());
}

/// One `.cnb`: what skopeo and umoci see, and the layer's tar headers.
fn check_buildpackage(cnb: &Path, dir: &Path, id: &str, version: &str, scratch: &Path) {
    let escaped = id.replace('/', "_");
    let kind_dir = if dir.join("extension.toml").is_file() {
        "extensions"
    } else {
        "buildpacks"
    };
    let layers_label = if kind_dir == "extensions" {
        "io.buildpacks.extension.layers"
    } else {
        "io.buildpacks.buildpack.layers"
    };

    let inspected = skopeo_inspect(&format!("oci-archive:{}", cnb.display()));
    assert_eq!(inspected["Os"], "linux");
    assert_eq!(inspected["Architecture"], "amd64");
    let layers = inspected["Layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "one layer per module");
    let metadata = json_label(&inspected, "io.buildpacks.buildpackage.metadata");
    assert_eq!(metadata["id"], id);
    assert_eq!(metadata["version"], version);
    let module_layers = json_label(&inspected, layers_label);
    let info = &module_layers[id][version];
    assert_eq!(info["api"], "0.10", "{module_layers:#}");
    let image = read_archive(cnb, None).unwrap();
    let layer = &image.layers[0];
    assert_eq!(info["layerDiffID"], layer.diff_id.as_str());
    assert_eq!(layers[0], layer.blob.digest.as_str());
    assert_eq!(
        layer.blob.media_type.to_string(),
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );

    // gzip with a fixed header: no name, no mtime.
    let gzip = layer.blob.bytes().unwrap().into_owned();
    assert_eq!(
        &gzip[..8],
        &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
        "{}",
        cnb.display()
    );
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(&gzip[..])
        .read_to_end(&mut tar_bytes)
        .unwrap();
    let root = format!("/cnb/{kind_dir}/{escaped}");
    let mut names = Vec::new();
    for entry in tar::Archive::new(&tar_bytes[..]).entries().unwrap() {
        let entry = entry.unwrap();
        let header = entry.header();
        let name = entry.path().unwrap().display().to_string();
        assert_eq!(
            (header.uid().unwrap(), header.gid().unwrap()),
            (0, 0),
            "{name}"
        );
        assert_eq!(header.mtime().unwrap(), NORMALIZED_MTIME, "{name}");
        assert_eq!(header.username().unwrap(), Some(""), "{name}");
        let mode = header.mode().unwrap();
        match header.entry_type() {
            tar::EntryType::Directory => assert_eq!(mode, 0o755, "{name}"),
            tar::EntryType::Symlink => {}
            tar::EntryType::Regular if name.contains("/bin/") => assert_eq!(mode, 0o755, "{name}"),
            tar::EntryType::Regular => assert_eq!(mode, 0o644, "{name}"),
            other => panic!("{name}: unexpected entry type {other:?}"),
        }
        names.push(name);
    }
    assert_eq!(names[0], root, "{names:#?}");
    assert_eq!(names[1], format!("{root}/{version}"));
    let main = if kind_dir == "extensions" {
        "generate"
    } else {
        "build"
    };
    for expected in [
        format!("{root}/{version}/bin/{main}"),
        format!("{root}/{version}/bin/detect"),
    ] {
        assert!(names.contains(&expected), "{expected} in {names:#?}");
    }

    // umoci reads the layout and unpacks the module where the lifecycle looks for it.
    let layout = scratch.join(format!("layout-{escaped}"));
    extract_archive(cnb, &layout);
    let history = umoci_stat(&layout, version)["history"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(history, 1);
    let rootfs = umoci_unpack(&layout, version, &scratch.join(format!("bundle-{escaped}")));
    let unpacked = rootfs.join(format!("cnb/{kind_dir}/{escaped}/{version}"));
    assert_eq!(
        files(&unpacked),
        files(dir),
        "{} unpacks to the module directory",
        cnb.display()
    );
}
