//! Images in the loopback registry: `skopeo copy` and `skopeo inspect` against it, and images
//! built from a Containerfile and pushed there.

use crate::e2e_dir;
use cnb_harness::Podman;
use cnb_harness::command::{run_ok, stdout_text};
use cnb_harness::oci::unique_name;
use std::process::Command;

/// `skopeo copy` between `containers-storage:`, `oci:` and `docker://` references; the
/// loopback registry is plain HTTP.
pub fn skopeo_copy(source: &str, destination: &str) {
    let _ = run_ok(Command::new("skopeo").args([
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        source,
        destination,
    ]));
}

/// `skopeo inspect [--config] docker://<image>` of an image in the loopback registry.
#[must_use]
pub fn registry_inspect(image: &str, config: bool) -> serde_json::Value {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--tls-verify=false"]);
    if config {
        command.arg("--config");
    }
    let text = stdout_text(&run_ok(command.arg(format!("docker://{image}"))));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("skopeo inspect: {error}: {text}"))
}

/// `skopeo inspect --raw docker://<image>`: the image's manifest in the loopback registry.
#[must_use]
pub fn registry_manifest(image: &str) -> serde_json::Value {
    let text = stdout_text(&run_ok(
        Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--raw"])
            .arg(format!("docker://{image}")),
    ));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("a manifest: {error}: {text}"))
}

/// Whether the registry has `image` (a manifest for its tag).
#[must_use]
pub fn registry_has(image: &str) -> bool {
    cnb_harness::command::output(
        Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--raw"])
            .arg(format!("docker://{image}")),
    )
    .status
    .success()
}

/// Builds `containerfile` with podman (no network, no pull: its `FROM` is in podman's storage)
/// in a context holding `files` (name, contents), and pushes the image as `remote` (a
/// `docker://` reference without the transport); the local image is removed afterwards.
pub fn build_and_push(containerfile: &str, files: &[(&str, &str)], remote: &str) {
    let context = tempfile::tempdir_in(e2e_dir()).expect("create a build context");
    std::fs::write(context.path().join("Containerfile"), containerfile)
        .expect("write the Containerfile");
    for (name, contents) in files {
        std::fs::write(context.path().join(name), contents)
            .unwrap_or_else(|error| panic!("write {name} into the build context: {error}"));
    }
    let tag = format!("localhost/e2e/{}:latest", unique_name("build-and-push"));
    let podman = Podman::locate();
    let _ = podman.run_ok(&[
        "build",
        "--quiet",
        "--network",
        "none",
        "--pull=never",
        "--tag",
        &tag,
        &context.path().display().to_string(),
    ]);
    skopeo_copy(
        &format!("containers-storage:{tag}"),
        &format!("docker://{remote}"),
    );
    let _ = podman.run_ok(&["rmi", &tag]);
}
