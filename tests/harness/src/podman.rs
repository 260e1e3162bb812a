//! Podman for tests, the one abstraction of it: images made locally from a root filesystem the
//! test writes (`podman import` of a [`RootFs`], named `localhost/<name>:<tag>`: no registry is
//! reachable) or loaded from an OCI layout ([`crate::oci::load_into_podman`]), containers run
//! detached ([`Container`]) or to their end ([`ContainerRun`]) and removed, and an HTTP probe of
//! what they serve.
//!
//! Everything fails loudly: a missing podman, or a podman command that fails, panics with its
//! stderr. Nothing is skipped.

use crate::command::{output_text, run_ok};
use crate::oci::unique_name;
use crate::rootfs::RootFs;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The podman binary.
#[derive(Debug, Clone)]
pub struct Podman {
    binary: PathBuf,
}

impl Podman {
    /// Finds `podman` on `PATH`; panics, saying how to install it, when there is none.
    #[must_use]
    pub fn locate() -> Self {
        let binary = crate::command::on_path("podman").unwrap_or_else(|| {
            panic!(
                "podman is not on PATH: install it (apt-get install podman, as tests/test.sh \
                     does); the container tests never skip"
            )
        });
        Self { binary }
    }

    /// Runs `podman <args>` and returns its output, whatever the exit code.
    #[must_use]
    pub fn output(&self, args: &[&str]) -> Output {
        crate::command::output(Command::new(&self.binary).args(args))
    }

    /// Runs `podman <args>`; panics with podman's stderr when it fails. Returns stdout, trimmed.
    #[must_use]
    pub fn run_ok(&self, args: &[&str]) -> String {
        let output = run_ok(Command::new(&self.binary).args(args));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// `podman import` of a root filesystem tarball as `reference` (`localhost/<name>:<tag>`),
    /// with Dockerfile-style `changes` (`USER 1002:1000`, `WORKDIR /workspace`, ...).
    #[must_use]
    pub fn import(&self, tarball: &Path, reference: &str, changes: &[&str]) -> Image {
        assert!(
            reference.starts_with("localhost/") && reference.contains(':'),
            "image references must be localhost/<name>:<tag> (no registry can be reached, short \
             names do not resolve): {reference}"
        );
        let tarball = tarball.to_string_lossy();
        let mut args = vec!["import"];
        for change in changes {
            args.extend(["--change", change]);
        }
        args.extend([&*tarball, reference]);
        let id = self.run_ok(&args);
        self.image(reference, id)
    }

    /// `reference` (with the id podman gave it), removed when the value drops.
    fn image(&self, reference: &str, id: String) -> Image {
        Image {
            held: Held::new(self, &["rmi", "--force"], reference),
            reference: reference.to_string(),
            id,
        }
    }

    /// `podman import` of a [`RootFs`] (written to a temporary tarball).
    #[must_use]
    pub fn import_rootfs(&self, rootfs: RootFs, reference: &str, changes: &[&str]) -> Image {
        let scratch = tempfile::tempdir().expect("create a scratch dir");
        let tarball = scratch.path().join("rootfs.tar");
        rootfs.write(&tarball);
        self.import(&tarball, reference, changes)
    }

    /// An image already in podman's storage (made by another step, e.g. `skopeo copy`);
    /// dropping the value leaves the image there.
    #[must_use]
    pub fn existing(&self, reference: &str) -> Image {
        let mut image = self.adopt(reference);
        image.held.removed = true;
        image
    }

    /// An image another step put in podman's storage for this test (e.g. `skopeo copy`);
    /// removed when the value drops.
    #[must_use]
    pub fn adopt(&self, reference: &str) -> Image {
        let id = self.run_ok(&["image", "inspect", "--format", "{{.Id}}", reference]);
        self.image(reference, id)
    }

    /// `podman run --detach <options> <image> <command>`; the container is removed when the
    /// returned value drops (or by [`Container::remove`]).
    #[must_use]
    pub fn run_detached(&self, image: &Image, options: &[&str], command: &[&str]) -> Container {
        let id = self.run_ok(&run_args("--detach", image, options, command));
        Container {
            held: Held::new(self, &["rm", "--force", "--time", "2"], &id),
            id,
        }
    }

    /// `podman run --rm <options> <image> <command>` in the foreground, whatever its exit code.
    #[must_use]
    pub fn run_foreground(&self, image: &Image, options: &[&str], command: &[&str]) -> Output {
        self.output(&run_args("--rm", image, options, command))
    }
}

/// `run <mode> <options> <image> <command>`.
fn run_args<'a>(
    mode: &'a str,
    image: &'a Image,
    options: &[&'a str],
    command: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["run", mode];
    args.extend(options);
    args.push(&image.reference);
    args.extend(command);
    args
}

/// What a test holds in podman (an image, a container): removed by `podman <remove...> <name>`
/// when the value drops, unless it was removed (or is to be kept) before.
#[derive(Debug)]
struct Held {
    podman: Podman,
    remove: &'static [&'static str],
    name: String,
    removed: bool,
}

impl Held {
    fn new(podman: &Podman, remove: &'static [&'static str], name: &str) -> Self {
        Self {
            podman: podman.clone(),
            remove,
            name: name.to_string(),
            removed: false,
        }
    }

    fn remove_args(&self) -> Vec<&str> {
        let mut args = self.remove.to_vec();
        args.push(&self.name);
        args
    }

    /// Removes it now; panics with podman's stderr when that fails.
    fn remove(mut self) {
        self.removed = true;
        let _ = self.podman.run_ok(&self.remove_args());
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.removed {
            // Best effort: a test that failed must not leave anything behind, nor panic twice.
            let _ = self.podman.output(&self.remove_args());
        }
    }
}

/// An image in podman's local storage.
#[derive(Debug)]
pub struct Image {
    held: Held,
    /// `localhost/<name>:<tag>`.
    pub reference: String,
    /// The image id podman printed.
    pub id: String,
}

impl Image {
    /// `podman image inspect --format <format>`.
    #[must_use]
    pub fn inspect(&self, format: &str) -> String {
        self.held
            .podman
            .run_ok(&["image", "inspect", "--format", format, &self.reference])
    }

    /// Leaves the image in podman's storage when the value drops (other tests use it).
    pub fn keep(mut self) {
        self.held.removed = true;
    }

    /// Removes the image; panics with podman's stderr when that fails.
    pub fn remove(self) {
        self.held.remove();
    }
}

/// A container started by [`Podman::run_detached`].
#[derive(Debug)]
pub struct Container {
    held: Held,
    /// The container id.
    pub id: String,
}

impl Container {
    /// `podman logs` (stdout and stderr).
    #[must_use]
    pub fn logs(&self) -> String {
        output_text(&self.held.podman.output(&["logs", &self.id]))
    }

    /// `podman inspect --format <format>` of the container.
    #[must_use]
    pub fn inspect(&self, format: &str) -> String {
        self.held
            .podman
            .run_ok(&["container", "inspect", "--format", format, &self.id])
    }

    /// Stops and removes the container; panics with podman's stderr when that fails.
    pub fn remove(self) {
        self.held.remove();
    }
}

/// What a container run did.
#[derive(Debug)]
pub struct ContainerOutcome {
    pub exit_code: i32,
    /// stdout and stderr together.
    pub output: String,
    /// Where [`ContainerRun::copy_out`] paths were copied: `<dir>/<basename>`.
    pub copied: PathBuf,
    _copied_dir: tempfile::TempDir,
}

crate::outcome::combined_output_outcome!(ContainerOutcome);

/// A `podman run --network none` of an image, as a user, with env and read-only bind mounts;
/// afterwards, paths of the container are copied out (`podman cp`) and the container removed.
#[derive(Debug, Clone)]
pub struct ContainerRun {
    podman: Podman,
    image: String,
    user: Option<String>,
    env: BTreeMap<String, String>,
    mounts: Vec<(PathBuf, String)>,
    copy_out: Vec<String>,
}

impl Image {
    /// A container run of this image.
    #[must_use]
    pub fn container(&self) -> ContainerRun {
        ContainerRun {
            podman: self.held.podman.clone(),
            image: self.reference.clone(),
            user: None,
            env: BTreeMap::new(),
            mounts: Vec::new(),
            copy_out: Vec::new(),
        }
    }
}

impl ContainerRun {
    /// `--user <user>` (e.g. `1002:1000`).
    #[must_use]
    pub fn user(mut self, user: &str) -> Self {
        self.user = Some(user.to_string());
        self
    }

    /// `--env <name>=<value>`.
    #[must_use]
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.to_string(), value.to_string());
        self
    }

    /// A read-only bind mount of the host path `source` at `target`.
    #[must_use]
    pub fn mount(mut self, source: &Path, target: &str) -> Self {
        self.mounts.push((source.to_path_buf(), target.to_string()));
        self
    }

    /// A path of the container to copy out after the run.
    #[must_use]
    pub fn copy_out(mut self, path: &str) -> Self {
        self.copy_out.push(path.to_string());
        self
    }

    /// Runs `command` (whatever its exit code), copies the paths out and removes the container.
    #[must_use]
    pub fn run(self, command: &[&str]) -> ContainerOutcome {
        let name = unique_name("cnb-harness");
        let mut args: Vec<String> = vec![
            "run".into(),
            "--name".into(),
            name.clone(),
            "--network".into(),
            "none".into(),
        ];
        if let Some(user) = &self.user {
            args.extend(["--user".into(), user.clone()]);
        }
        for (key, value) in &self.env {
            args.extend(["--env".into(), format!("{key}={value}")]);
        }
        for (source, target) in &self.mounts {
            args.extend([
                "--volume".into(),
                format!("{}:{target}:ro", source.display()),
            ]);
        }
        args.push(self.image.clone());
        args.extend(command.iter().map(|part| (*part).to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = self.podman.output(&args);
        let copied_dir = tempfile::tempdir().expect("a directory for copied files");
        let mut copy_failure = None;
        for path in &self.copy_out {
            let copied = self.podman.output(&[
                "cp",
                &format!("{name}:{path}"),
                &copied_dir.path().display().to_string(),
            ]);
            if !copied.status.success() {
                copy_failure = Some(format!(
                    "podman cp {name}:{path} failed: {}",
                    String::from_utf8_lossy(&copied.stderr)
                ));
            }
        }
        let removed = self.podman.output(&["rm", "--force", &name]);
        let combined = output_text(&output);
        // A container that never started (bad image, bad runtime) is a broken setup.
        assert!(
            output.status.code().is_some_and(|code| code < 125),
            "podman {} failed to run the container ({}):\n{combined}",
            args.join(" "),
            output.status
        );
        if let Some(failure) = copy_failure {
            panic!("{failure}\ncontainer output:\n{combined}");
        }
        assert!(
            removed.status.success(),
            "podman rm {name} failed: {}",
            String::from_utf8_lossy(&removed.stderr)
        );
        ContainerOutcome {
            exit_code: output.status.code().unwrap_or(-1),
            output: combined,
            copied: copied_dir.path().to_path_buf(),
            _copied_dir: copied_dir,
        }
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released for a container to take).
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free port")
        .port()
}

/// `GET <path>` on 127.0.0.1:`port` (HTTP/1.0, no keep-alive), retried until it answers or
/// `timeout` passes. Returns the status code and the body; `Err` with the last error on timeout.
///
/// # Errors
/// When nothing answered within `timeout`.
pub fn http_get(port: u16, path: &str, timeout: Duration) -> Result<(u16, String), String> {
    // clock: how long to wait for a service to answer (callers pass a minute or more).
    let started = Instant::now();
    loop {
        let attempt = (|| -> std::io::Result<(u16, String)> {
            let mut stream = TcpStream::connect(("127.0.0.1", port))?;
            stream.set_read_timeout(Some(Duration::from_secs(5)))?;
            write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            let (head, body) = response.split_once("\r\n\r\n").ok_or_else(|| {
                std::io::Error::other(format!("not an HTTP response: {response:?}"))
            })?;
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|code| code.parse().ok())
                .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
            Ok((status, body.to_string()))
        })();
        match attempt {
            Ok(answer) => return Ok(answer),
            // clock: the wait above.
            Err(error) if started.elapsed() >= timeout => {
                return Err(format!(
                    "no HTTP answer on 127.0.0.1:{port}{path} within {timeout:?}: {error}"
                ));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
