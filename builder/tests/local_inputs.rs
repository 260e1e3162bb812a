//! The packager's local side: what `builder create --output` writes (blobs copied, cache hits
//! checked against their digests, one tag added to an existing layout), which file
//! `--lifecycle <name>` is, and local inputs read bounded (the auth file, a build image's
//! layout: a FIFO is an error, not a wait; sizes capped; messages short).

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/hostile.rs"]
mod hostile;

use cnb_harness::oci::BuildImage;
use cnb_harness::{Outcome, Process, assert_contains, mkfifo, write_executable};
use hostile::{Answer, Body, HostileRegistry};
use oci_layout::{Image, LayerBuilder, Owner, check_file_digest, digest_hex, sha256_digest};
use packager::registry::auth::{AUTH_FILE_LIMIT, AuthFile};
use packager::registry::{Registry, RegistryOptions, Timeouts};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const STACK_ID: &str = "io.buildpacks.stacks.ubi8";

/// A one-layer image served by a registry of the test's own: `(routes, layer digest, config
/// digest)`.
fn served_image() -> (Vec<(String, Answer)>, String, String) {
    let mut layer = LayerBuilder::new();
    layer
        .file("/hello", 0o644, Owner::ROOT, &[7; 4096])
        .unwrap();
    let layer = layer.into_layer().unwrap();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
    }))
    .unwrap();
    let config_digest = sha256_digest(&config);
    let layer_bytes = layer.blob.bytes().unwrap().into_owned();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config.len(),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": layer.blob.digest,
            "size": layer.blob.size,
        }],
    })
    .to_string();
    let routes = vec![
        ("GET /v2/".to_string(), Answer::json(200, "{}")),
        (
            "GET /v2/stack/build/manifests/latest".to_string(),
            Answer::new(200, Body::Bytes(manifest.into_bytes()))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
        ),
        (
            format!("GET /v2/stack/build/blobs/{config_digest}"),
            Answer::new(200, Body::Bytes(config)),
        ),
        (
            format!("GET /v2/stack/build/blobs/{}", layer.blob.digest),
            Answer::new(200, Body::Bytes(layer_bytes)),
        ),
    ];
    (routes, layer.blob.digest, config_digest)
}

/// One run of the packager's pull-and-write path (`builder create --output` does this for its
/// build image): a client of its own (a new cache check, as a new process), the image pulled,
/// its blobs fetched and written as the layout `output`, tagged `v1`.
fn pull_and_write(server: &HostileRegistry, cache: &Path, output: &Path) {
    let auth_file = cache.with_extension("auth.json");
    std::fs::write(&auth_file, "{}").unwrap();
    let options = RegistryOptions {
        cache_dir: Some(cache.to_path_buf()),
        insecure: vec![server.host.clone()],
        auth_file: Some(auth_file),
        mirrors: Vec::new(),
        timeouts: Timeouts {
            idle: Duration::from_secs(30),
            deadline: Duration::from_mins(1),
        },
        ..RegistryOptions::default()
    };
    let reference = server.image("stack/build:latest");
    let output = output.to_path_buf();
    cnb_harness::within_hang_guard("a pull from the test's registry", move || {
        let registry = Registry::new(&options).unwrap();
        let pulled = registry
            .pull(&reference, &oci_layout::platform("linux", "amd64", None))
            .unwrap();
        let image = Image {
            config: pulled.image.config,
            layers: pulled.image.layers,
        };
        registry.fetch_all(&image).unwrap();
        image.write_layout(&output, "v1").unwrap();
    });
}

fn blob_path(dir: &Path, digest: &str) -> PathBuf {
    dir.join("blobs/sha256").join(digest_hex(digest).unwrap())
}

/// The same bytes but the last flipped: an edit that keeps the size.
fn flip_last_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    // Written in place (not replaced), as an editor or `dd conv=notrunc` would.
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    std::io::Write::write_all(&mut file, &bytes).unwrap();
}

fn requests_for(server: &HostileRegistry, digest: &str) -> usize {
    server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(digest))
        .count()
}

/// `--output` copies blobs out of the cache (mode 0644, never a hard link to the cache's 0600
/// file): an in-place edit of the output leaves the cache intact, and the next run writes the
/// right bytes again. A cache file edited in place is found out by its digest, dropped and
/// downloaded again: never written to the output with a wrong digest.
#[test]
fn output_blobs_are_copies_and_cache_hits_are_checked() {
    let (routes, layer, config) = served_image();
    let server = HostileRegistry::start(
        routes
            .iter()
            .map(|(route, answer)| (route.as_str(), answer.clone()))
            .collect(),
    );
    let work = tempfile::tempdir().unwrap();
    let (cache, output) = (work.path().join("cache"), work.path().join("out"));
    pull_and_write(&server, &cache, &output);
    let (cached, written) = (blob_path(&cache, &layer), blob_path(&output, &layer));
    let metadata = std::fs::metadata(&written).unwrap();
    assert_eq!(metadata.mode() & 0o777, 0o644);
    assert_eq!(metadata.nlink(), 1, "a copy, not a link to the cache");
    assert_ne!(metadata.ino(), std::fs::metadata(&cached).unwrap().ino());
    let size = metadata.len();

    // The output edited in place: the cache keeps its bytes; the next run writes the layout
    // right again, from the cache (the layer is not downloaded again).
    flip_last_byte(&written);
    check_file_digest(&cached, &layer, size).unwrap();
    pull_and_write(&server, &cache, &output);
    check_file_digest(&written, &layer, size).unwrap();
    assert_eq!(requests_for(&server, &layer), 1);

    // The cache's layer and config edited in place: each found out, dropped and downloaded
    // again; the output right.
    flip_last_byte(&cached);
    flip_last_byte(&blob_path(&cache, &config));
    pull_and_write(&server, &cache, &output);
    assert_eq!(requests_for(&server, &layer), 2);
    assert_eq!(requests_for(&server, &config), 2);
    check_file_digest(&cached, &layer, size).unwrap();
    check_file_digest(&written, &layer, size).unwrap();
    assert!(oci_layout::read_layout(&output, Some("v1")).is_ok());
}

/// The auth file is read as untrusted input: a FIFO or a device is an error, not a wait (nor
/// 7 GB of `/dev/zero`); a file over [`AUTH_FILE_LIMIT`] is refused; a file that is not an auth
/// file is named with where it breaks, never with what it holds (a credential).
#[test]
fn the_auth_file_is_read_bounded() {
    let work = tempfile::tempdir().unwrap();
    let fifo = work.path().join("auth.json");
    mkfifo(&fifo);
    let read = |path: PathBuf| {
        cnb_harness::within_hang_guard("reading an auth file", move || {
            format!("{:#}", AuthFile::read(&path).unwrap_err())
        })
    };
    assert_eq!(
        read(fifo.clone()),
        format!(
            "cannot read the auth file: {} is a FIFO, not a regular file",
            fifo.display()
        )
    );
    assert_eq!(
        read(PathBuf::from("/dev/zero")),
        "cannot read the auth file: /dev/zero is a device, not a regular file"
    );
    let large = work.path().join("large.json");
    let padding = " ".repeat(usize::try_from(AUTH_FILE_LIMIT).unwrap());
    std::fs::write(&large, format!("{{\"auths\":{{}}}}{padding}")).unwrap();
    assert_eq!(
        read(large.clone()),
        format!(
            "cannot read the auth file: {} is larger than {AUTH_FILE_LIMIT} bytes, the most read from it",
            large.display()
        )
    );
    let wrong = work.path().join("wrong.json");
    std::fs::write(
        &wrong,
        r#"{"auths": {"r.example": {"auth": ["s3cret-\u001b[2J"]}}}"#,
    )
    .unwrap();
    let message = read(wrong.clone());
    assert_eq!(
        message,
        format!(
            "the auth file {} is not a Docker/podman auth file (JSON with \"auths\"): a value of the wrong type at line 1 column 33",
            wrong.display()
        )
    );
}

/// A module directory of one buildpack (shell scripts), for builders made here.
fn tiny_buildpack(dir: &Path) -> PathBuf {
    let module = dir.join("tiny");
    std::fs::create_dir_all(module.join("bin")).unwrap();
    std::fs::write(
        module.join("buildpack.toml"),
        "api = \"0.10\"\n[buildpack]\nid = \"test/tiny\"\nversion = \"0.0.1\"\n[[stacks]]\nid = \"*\"\n",
    )
    .unwrap();
    for phase in ["detect", "build"] {
        write_executable(&module.join("bin").join(phase), "#!/bin/sh\nexit 0\n");
    }
    module
}

/// A builder.toml of the tiny buildpack over the build image `build-image` (given as a
/// layout), asking for lifecycle 0.21.0.
fn tiny_builder(dir: &Path) -> PathBuf {
    let module = tiny_buildpack(dir);
    let path = dir.join("builder.toml");
    std::fs::write(
        &path,
        format!(
            "[build]\nimage = \"registry.invalid/build:1\"\n[[run.images]]\nimage = \"registry.invalid/run:1\"\n\
             [stack]\nid = \"{STACK_ID}\"\n[lifecycle]\nversion = \"0.21.0\"\n\
             [[buildpacks]]\nuri = \"{}\"\n[[order]]\n[[order.group]]\nid = \"test/tiny\"\n",
            module.display()
        ),
    )
    .unwrap();
    path
}

/// A stand-in lifecycle: a script that prints `version` for `-version`.
fn fake_lifecycle(path: &Path, version: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_executable(path, &format!("#!/bin/sh\necho {version}\n"));
}

/// `packager builder create` in `dir`, with `PATH` starting with `path_first`.
fn create_in(dir: &Path, path_first: &Path, args: &[&str]) -> Process {
    let path = std::env::join_paths(std::iter::once(path_first.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_packager"));
    command
        .current_dir(dir)
        .env("PATH", path)
        .args(["builder", "create", "--config", "builder.toml"])
        .args(args);
    cnb_harness::within_hang_guard("packager builder create", move || {
        cnb_harness::command::output(&mut command).into()
    })
}

/// The file `/cnb/lifecycle/lifecycle` of the builder tagged `tag` in `layout`.
fn embedded_lifecycle(layout: &Path, tag: &str) -> Vec<u8> {
    let image = oci_layout::read_layout(layout, Some(tag)).unwrap();
    let gzip = image
        .layers
        .iter()
        .map(|layer| layer.blob.bytes().unwrap().into_owned())
        .collect::<Vec<_>>();
    for bytes in gzip {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_start_matches('/')
                == "cnb/lifecycle/lifecycle"
            {
                let mut contents = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut contents).unwrap();
                return contents;
            }
        }
    }
    panic!("no /cnb/lifecycle/lifecycle in {}:{tag}", layout.display());
}

/// `--lifecycle lifecycle` (no slash) is the file `./lifecycle`, for the version check as for
/// the builder (it was version-checked through `PATH` and embedded from the current
/// directory: two files). `--output` into the layout again adds a tag and keeps the first; a
/// directory that is not a layout is refused, naming it.
#[test]
fn a_lifecycle_named_without_a_slash_is_the_current_directorys() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_builder(dir);
    BuildImage::new(STACK_ID, "rhel", "8.10").write(&dir.join("build-image"), "latest");
    fake_lifecycle(&dir.join("lifecycle"), "0.21.0");
    let on_path = dir.join("on-path");
    fake_lifecycle(&on_path.join("lifecycle"), "0.21.9");

    let args = |tag: &str| {
        [
            "--lifecycle",
            "lifecycle",
            "--build-image",
            "build-image:latest",
            "--output",
            &format!("out:{tag}"),
        ]
        .map(str::to_string)
    };
    let run = |tag: &str| {
        let args = args(tag);
        create_in(dir, &on_path, &args.each_ref().map(String::as_str))
    };
    let output = run("a");
    output.assert_success();
    assert_contains!(output.text(), "lifecycle 0.21.0");
    assert_eq!(
        embedded_lifecycle(&dir.join("out"), "a"),
        std::fs::read(dir.join("lifecycle")).unwrap()
    );

    run("b").assert_success();
    for tag in ["a", "b"] {
        assert!(
            oci_layout::read_layout(&dir.join("out"), Some(tag)).is_ok(),
            "{tag}"
        );
    }

    std::fs::create_dir(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/todo"), "keep me").unwrap();
    let output = create_in(
        dir,
        &on_path,
        &[
            "--lifecycle",
            "lifecycle",
            "--build-image",
            "build-image:latest",
            "--output",
            "notes:x",
        ],
    );
    output.assert_failure_with(
        1,
        "notes exists and is not an OCI image layout (no oci-layout file): choose another output or remove it",
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes/todo")).unwrap(),
        "keep me"
    );
}

/// A build image's layout is read as untrusted input: a FIFO as its index.json is an error,
/// not a wait; an index.json of many megabytes is refused with a short message naming it.
#[test]
fn a_build_image_layout_is_read_bounded() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    tiny_builder(dir);
    fake_lifecycle(&dir.join("lifecycle"), "0.21.0");
    let layout = dir.join("build-image");
    BuildImage::new(STACK_ID, "rhel", "8.10").write(&layout, "latest");
    let index = layout.join("index.json");
    let create = || {
        create_in(
            dir,
            dir,
            &[
                "--lifecycle",
                "./lifecycle",
                "--build-image",
                "build-image",
                "--output",
                "out",
            ],
        )
    };

    std::fs::remove_file(&index).unwrap();
    mkfifo(&index);
    create().assert_failure_with(
        1,
        &format!(
            "{} is a FIFO, not a regular file",
            Path::new("build-image/index.json").display()
        ),
    );

    std::fs::remove_file(&index).unwrap();
    let entry = r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1,"annotations":{"org.opencontainers.image.ref.name":"x"}}"#;
    let write_entries = |count: usize| {
        let entries = vec![entry; count].join(",");
        std::fs::write(
            &index,
            format!(r#"{{"schemaVersion":2,"manifests":[{entries}]}}"#),
        )
        .unwrap();
    };
    // Over the cap (60000 entries are over 8 MiB), then under it (the tags listed are a few):
    // refused in a short message.
    assert!(entry.len() * 60_000 > 8 << 20);
    for (entries, expected) in [
        (
            60_000,
            "build-image/index.json is larger than 4194304 bytes",
        ),
        (
            15_000,
            "the layout holds 15000 images: name one with <dir>:<tag> (tags: x, x, x, x, x, x, x, x, 14992 more)",
        ),
    ] {
        write_entries(entries);
        let output = create();
        output.assert_failure_with(1, expected);
        assert!(output.text().len() < 2000, "{entries} entries: {output}");
    }
}

/// Manifests, indexes and configs are capped alike from a registry and from a layout.
#[test]
fn layouts_and_registries_share_the_caps() {
    assert_eq!(
        packager::registry::MANIFEST_LIMIT,
        oci_layout::MAX_MANIFEST_SIZE
    );
    assert_eq!(
        packager::registry::CONFIG_LIMIT,
        oci_layout::MAX_CONFIG_SIZE
    );
}
