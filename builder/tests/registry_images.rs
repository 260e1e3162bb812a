//! `packager builder create` refuses build images in a registry that pack's Go libraries could
//! not read as declared, with the same checks as for layouts (`oci_layout`): a layer declared
//! uncompressed whose bytes are gzip, a config descriptor with a manifest's media type, a
//! history entry that is not an object. The images are the test build image pushed with skopeo,
//! then edited in the registry through its HTTP API (skopeo would correct them).

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "support/registry.rs"]
mod fixtures;

use cnb_harness::{Outcome, assert_not_contains};
use fixtures::{LIFECYCLE_VERSION, TestRegistry, build_image, builder_create, outcome, push, run};
use std::path::Path;
use std::process::Command;

const REPOSITORY: &str = "stack/build";

/// `curl` against the registry: the response body.
fn curl(args: &[&str]) -> String {
    run(Command::new("curl")
        .args(["--silent", "--show-error", "--fail"])
        .args(args))
}

/// Uploads `bytes` as a blob of the repository (a monolithic upload); returns its digest.
fn upload_blob(registry: &TestRegistry, bytes: &[u8], dir: &Path) -> String {
    let digest = oci_layout::sha256_digest(bytes);
    let file = dir.join(digest.trim_start_matches("sha256:"));
    std::fs::write(&file, bytes).unwrap();
    let headers = curl(&[
        "--include",
        "--request",
        "POST",
        &format!("http://{}/v2/{REPOSITORY}/blobs/uploads/", registry.host),
    ]);
    let location = headers
        .lines()
        .find_map(|line| {
            line.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("location"))
                .map(|(_, value)| value.trim().to_string())
        })
        .unwrap();
    let location = if location.starts_with('/') {
        format!("http://{}{location}", registry.host)
    } else {
        location
    };
    let separator = if location.contains('?') { '&' } else { '?' };
    curl(&[
        "--request",
        "PUT",
        "--header",
        "Content-Type: application/octet-stream",
        "--data-binary",
        &format!("@{}", file.display()),
        &format!("{location}{separator}digest={digest}"),
    ]);
    digest
}

/// Puts `manifest` as the repository's `tag`.
fn put_manifest(registry: &TestRegistry, manifest: &serde_json::Value, tag: &str, dir: &Path) {
    let file = dir.join(format!("manifest-{tag}.json"));
    std::fs::write(&file, serde_json::to_vec(manifest).unwrap()).unwrap();
    curl(&[
        "--request",
        "PUT",
        "--header",
        "Content-Type: application/vnd.oci.image.manifest.v1+json",
        "--data-binary",
        &format!("@{}", file.display()),
        &format!("http://{}/v2/{REPOSITORY}/manifests/{tag}", registry.host),
    ]);
}

fn get_json(registry: &TestRegistry, path: &str, accept: &str) -> serde_json::Value {
    serde_json::from_str(&curl(&[
        "--header",
        &format!("Accept: {accept}"),
        &format!("http://{}/v2/{REPOSITORY}/{path}", registry.host),
    ]))
    .unwrap()
}

#[test]
fn images_not_as_declared_are_refused_when_pulled() {
    let registry = TestRegistry::start(false);
    let work = tempfile::tempdir().unwrap();
    let layout = build_image(work.path());
    let image = registry.image(&format!("{REPOSITORY}:latest"));
    push(&format!("oci:{}:latest", layout.display()), &image, false);
    let manifest = get_json(
        &registry,
        "manifests/latest",
        "application/vnd.oci.image.manifest.v1+json",
    );
    let config_digest = manifest["config"]["digest"].as_str().unwrap().to_string();
    let config = get_json(
        &registry,
        &format!("blobs/{config_digest}"),
        "application/octet-stream",
    );
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();

    // A gzip layer declared uncompressed (its bytes are fetched for --output).
    let mut tar_declared = manifest.clone();
    tar_declared["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
    put_manifest(&registry, &tar_declared, "tar-declared", work.path());
    // The config descriptor with a manifest's media type.
    let mut config_type = manifest.clone();
    config_type["config"]["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
    put_manifest(&registry, &config_type, "config-type", work.path());
    // A history entry that is not an object.
    let mut history_config = config.clone();
    history_config["history"] = serde_json::json!([{"created_by": "x"}, "SECRET"]);
    let history_config_bytes = serde_json::to_vec(&history_config).unwrap();
    let history_digest = upload_blob(&registry, &history_config_bytes, work.path());
    let mut history = manifest.clone();
    history["config"]["digest"] = history_digest.clone().into();
    history["config"]["size"] = history_config_bytes.len().into();
    put_manifest(&registry, &history, "history", work.path());

    let cache = work.path().join("cache");
    let output_layout = work.path().join("out");
    let fails = |tag: &str, expected: &str| {
        let build = registry.image(&format!("{REPOSITORY}:{tag}"));
        let config = work.path().join(format!("builder-{tag}.toml"));
        std::fs::write(
            &config,
            format!(
                "[build]\nimage = \"{build}\"\n[[run.images]]\nimage = \"{image}\"\n[lifecycle]\nversion = \"{LIFECYCLE_VERSION}\"\n"
            ),
        )
        .unwrap();
        let output = outcome(
            builder_create(&config, &registry.host, &cache)
                .arg("--output")
                .arg(&output_layout),
        );
        output.assert_failure_with(1, expected);
        assert_not_contains!(output.stderr, "SECRET", "{tag}");
        assert!(!output_layout.exists(), "{tag}: no layout is written");
    };
    fails(
        "tar-declared",
        &format!(
            "{}/{REPOSITORY}:tar-declared: the layer {layer} is declared an uncompressed tar but its bytes are gzip",
            registry.host
        ),
    );
    fails(
        "config-type",
        &format!(
            "{}/{REPOSITORY}:config-type: the config {config_digest} has the media type \"application/vnd.oci.image.manifest.v1+json\", not an image config's",
            registry.host
        ),
    );
    fails(
        "history",
        &format!(
            "{}/{REPOSITORY}:history: the image config {history_digest} has a string as history[1]: a history entry is an object",
            registry.host
        ),
    );
}
