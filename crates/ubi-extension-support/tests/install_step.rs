//! The install step of the `build.Dockerfile` (`Repositories::install_step`), run as the
//! extender runs a `RUN` line (`/bin/sh -c <line>`) with a stand-in `microdnf` on `PATH` that
//! records what it was given and fails `makecache` as dnf does: the binding's files prepared and
//! removed, our message before dnf's, proxy credentials never shown.
//!
//! The step works in a fixed scratch directory under /tmp, so the cases run one after the other
//! in one test.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use cnb_extension::{Platform, ShellCommand};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use ubi_extension_support::repositories::Repositories;

const SCRATCH: &str = "/tmp/ubi-extension-repositories";

const FAKE_MICRODNF: &str = r#"#!/bin/sh
echo "microdnf $*" >> "$FAKE_LOG"
for a; do
  case $a in
    --setopt=reposdir=*) d=${a#--setopt=reposdir=}; ls "$d" >> "$FAKE_LOG"; cat "$d"/*.repo >> "$FAKE_LOG";;
    --setopt=sslcacert=*) cat "${a#--setopt=sslcacert=}" >> "$FAKE_LOG";;
  esac
done
case "$*" in *makecache*) if [ -n "$FAKE_FAIL" ]; then printf '%s\n' "$FAKE_FAIL"; exit 1; fi;; esac
echo "proxy in the environment: ${HTTPS_PROXY:-none}" >> "$FAKE_LOG"
"#;

struct Outcome {
    code: i32,
    stdout: String,
    microdnf: String,
}

fn run(step: &ShellCommand, bin: &Path, fail: &str, proxy: Option<&str>) -> Outcome {
    let log = bin.join("microdnf.log");
    let _ = fs::remove_file(&log);
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(step.to_string())
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("FAKE_LOG", &log)
        .env("FAKE_FAIL", fail);
    if let Some(proxy) = proxy {
        command.env("HTTPS_PROXY", proxy);
    }
    let output = command.output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        microdnf: fs::read_to_string(&log).unwrap_or_default(),
    }
}

/// A directory holding the stand-in `microdnf`.
fn fake_microdnf() -> tempfile::TempDir {
    let bin = tempfile::tempdir().unwrap();
    let microdnf = bin.path().join("microdnf");
    fs::write(&microdnf, FAKE_MICRODNF).unwrap();
    fs::set_permissions(&microdnf, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// A certificate that does not verify: our message, connecting directly.
fn assert_ca_does_not_verify(step: &ShellCommand, bin: &Path) {
    let untrusted = run(
        step,
        bin,
        "Error: Failed to download metadata for repo 'e2e-mirror': Curl error (60): SSL peer \
         certificate or SSH remote key was not OK",
        None,
    );
    assert_eq!(untrusted.code, 1);
    assert!(
        untrusted.stdout.starts_with(
            "ERROR: the TLS certificate of the RPM repository 'e2e-mirror' does not verify"
        ),
        "{}",
        untrusted.stdout
    );
    assert!(
        untrusted
            .stdout
            .contains("connecting directly (no HTTPS_PROXY or HTTP_PROXY given to the build)"),
        "{}",
        untrusted.stdout
    );
}

#[test]
fn the_install_step_prepares_checks_and_cleans_up() {
    let bin = fake_microdnf();

    let platform_dir = tempfile::tempdir().unwrap();
    let binding = platform_dir.path().join("bindings/mirror");
    fs::create_dir_all(&binding).unwrap();
    fs::write(binding.join("type"), "rpm-repository").unwrap();
    fs::write(
        binding.join("mirror.repo"),
        "[e2e-mirror]\nbaseurl=https://mirror.example/rpms\npassword=s3cret\n",
    )
    .unwrap();
    fs::write(binding.join("ca.crt"), "-----MIRROR CA-----\n").unwrap();
    let repositories = Repositories::read(&Platform::new(platform_dir.path())).unwrap();
    let install = ShellCommand::new("microdnf")
        .args(repositories.dnf_options())
        .args(["install", "-y", "nodejs"]);
    let step = repositories.install_step(install);

    // Reachable: the binding's .repo and CA in the scratch directory for microdnf, gone after.
    let ok = run(&step, bin.path(), "", None);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(
        ok.microdnf.contains(&format!(
            "microdnf --setopt=reposdir={SCRATCH} --setopt=sslcacert={SCRATCH}/ca.pem \
             --setopt=skip_if_unavailable=0 makecache\n\
             ca.pem\nmirror-mirror.repo\n[e2e-mirror]\nbaseurl=https://mirror.example/rpms\n\
             password=s3cret\n"
        )),
        "{}",
        ok.microdnf
    );
    assert!(
        ok.microdnf.contains("-----MIRROR CA-----"),
        "{}",
        ok.microdnf
    );
    assert!(
        ok.microdnf.contains(&format!(
            "microdnf --setopt=reposdir={SCRATCH} --setopt=sslcacert={SCRATCH}/ca.pem install -y \
             nodejs"
        )),
        "{}",
        ok.microdnf
    );
    assert!(!Path::new(SCRATCH).exists());

    // Unreachable through a proxy: our message first, naming the repository and the proxy
    // without its credentials, then dnf's; nothing installed, nothing left behind.
    let unreachable = run(
        &step,
        bin.path(),
        "Error: Failed to download metadata for repo 'e2e-mirror': Cannot download repomd.xml: \
         Curl error (7): Couldn't connect to server",
        Some("http://user:pr0xy-pass@proxy.corp:3128"),
    );
    assert_eq!(unreachable.code, 1);
    assert!(
        unreachable.stdout.starts_with(
            "ERROR: cannot reach the RPM repository 'e2e-mirror' (the repositories of the \
             binding mirror; trusting the CAs of the build image and ca.crt of the binding mirror), \
             connecting through the proxy http://***@proxy.corp:3128.\n"
        ),
        "{}",
        unreachable.stdout
    );
    assert!(
        unreachable
            .stdout
            .contains("microdnf said:\n    Error: Failed to download metadata for repo"),
        "{}",
        unreachable.stdout
    );
    assert!(!unreachable.stdout.contains("pr0xy-pass"));
    assert!(!unreachable.microdnf.contains("install"));
    assert!(!Path::new(SCRATCH).exists());

    assert_ca_does_not_verify(&step, bin.path());

    // The binding not mounted in the extender.
    fs::remove_dir_all(&binding).unwrap();
    let unmounted = run(&step, bin.path(), "", None);
    assert_eq!(unmounted.code, 1);
    assert!(
        unmounted.stdout.starts_with(&format!(
            "ERROR: cannot read {} in the extender",
            binding.join("mirror.repo").display()
        )),
        "{}",
        unmounted.stdout
    );
    assert_eq!(unmounted.microdnf, "");
    assert!(!Path::new(SCRATCH).exists());
}

#[test]
fn without_bindings_the_build_image_s_repositories_are_checked_too() {
    let bin = fake_microdnf();
    let platform_dir = tempfile::tempdir().unwrap();
    let repositories = Repositories::read(&Platform::new(platform_dir.path())).unwrap();
    let step = repositories.install_step(ShellCommand::new("microdnf").arg("install"));
    let outcome = run(
        &step,
        bin.path(),
        "error: cannot update repo 'ubi-8-baseos-rpms': Cannot download repomd.xml: Curl error \
         (6): Couldn't resolve host name",
        None,
    );
    assert_eq!(outcome.code, 1);
    assert!(
        outcome.stdout.starts_with(
            "ERROR: cannot reach the RPM repository 'ubi-8-baseos-rpms' (the repositories \
             of the build image), connecting directly"
        ),
        "{}",
        outcome.stdout
    );
    assert_eq!(
        outcome.microdnf,
        "microdnf --setopt=skip_if_unavailable=0 makecache\n"
    );
}
