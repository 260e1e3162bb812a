//! Podman for tests: images made locally from a root filesystem the test writes (`podman
//! import` of a tarball, named `localhost/<name>:<tag>`: no registry is reachable), containers
//! run detached and removed, and an HTTP probe of what they serve.
//!
//! Everything fails loudly: a missing podman, or a podman command that fails, panics with its
//! stderr. Nothing is skipped.
//!
//! [`RootFs::static_run_image`] holds exactly what Paketo's static run image holds (RFC 0053,
//! `jammy-static-stack`): the CA bundle, tzdata, `/etc/passwd` and `/etc/group` with the `cnb`
//! user, `nsswitch.conf`, `os-release`, `/tmp` and `/home/cnb`; no shell, no libc, no loader.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The static stack's run user (jammy: `cnb`, 1002:1000).
pub const STATIC_RUN_UID: u32 = 1002;
/// The static stack's run group (jammy; noble's is 1001).
pub const STATIC_RUN_GID: u32 = 1000;

/// The podman binary.
#[derive(Debug, Clone)]
pub struct Podman {
    binary: PathBuf,
}

impl Podman {
    /// Finds `podman` on `PATH`; panics, saying how to install it, when there is none.
    #[must_use]
    pub fn locate() -> Self {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let binary = std::env::split_paths(&path)
            .map(|dir| dir.join("podman"))
            .find(|candidate| candidate.is_file())
            .unwrap_or_else(|| {
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
        Command::new(&self.binary)
            .args(args)
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.binary.display()))
    }

    /// Runs `podman <args>`; panics with podman's stderr when it fails. Returns stdout, trimmed.
    #[must_use]
    pub fn run_ok(&self, args: &[&str]) -> String {
        let output = self.output(args);
        assert!(
            output.status.success(),
            "podman {} failed ({}):\n{}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
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
        Image {
            podman: self.clone(),
            reference: reference.to_string(),
            id,
            removed: false,
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
        let id = self.run_ok(&["image", "inspect", "--format", "{{.Id}}", reference]);
        Image {
            podman: self.clone(),
            reference: reference.to_string(),
            id,
            removed: true,
        }
    }

    /// `podman run --detach <options> <image> <command>`; the container is removed when the
    /// returned value drops (or by [`Container::remove`]).
    #[must_use]
    pub fn run_detached(&self, image: &Image, options: &[&str], command: &[&str]) -> Container {
        let mut args = vec!["run", "--detach"];
        args.extend(options);
        args.push(&image.reference);
        args.extend(command);
        let id = self.run_ok(&args);
        Container {
            podman: self.clone(),
            id,
            removed: false,
        }
    }

    /// `podman run --rm <options> <image> <command>` in the foreground, whatever its exit code.
    #[must_use]
    pub fn run_foreground(&self, image: &Image, options: &[&str], command: &[&str]) -> Output {
        let mut args = vec!["run", "--rm"];
        args.extend(options);
        args.push(&image.reference);
        args.extend(command);
        self.output(&args)
    }
}

/// An image in podman's local storage.
#[derive(Debug)]
pub struct Image {
    podman: Podman,
    /// `localhost/<name>:<tag>`.
    pub reference: String,
    /// The image id podman printed.
    pub id: String,
    removed: bool,
}

impl Image {
    /// `podman image inspect --format <format>`.
    #[must_use]
    pub fn inspect(&self, format: &str) -> String {
        self.podman
            .run_ok(&["image", "inspect", "--format", format, &self.reference])
    }

    /// Leaves the image in podman's storage when the value drops (other tests use it).
    pub fn keep(mut self) {
        self.removed = true;
    }

    /// Removes the image; panics with podman's stderr when that fails.
    pub fn remove(mut self) {
        self.removed = true;
        let _ = self.podman.run_ok(&["rmi", "--force", &self.reference]);
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        if !self.removed {
            // Best effort: a test that failed must not leave images behind, nor panic twice.
            let _ = self.podman.output(&["rmi", "--force", &self.reference]);
        }
    }
}

/// A container started by [`Podman::run_detached`].
#[derive(Debug)]
pub struct Container {
    podman: Podman,
    /// The container id.
    pub id: String,
    removed: bool,
}

impl Container {
    /// `podman logs` (stdout and stderr).
    #[must_use]
    pub fn logs(&self) -> String {
        let output = self.podman.output(&["logs", &self.id]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// `podman inspect --format <format>` of the container.
    #[must_use]
    pub fn inspect(&self, format: &str) -> String {
        self.podman
            .run_ok(&["container", "inspect", "--format", format, &self.id])
    }

    /// Stops and removes the container; panics with podman's stderr when that fails.
    pub fn remove(mut self) {
        self.removed = true;
        let _ = self
            .podman
            .run_ok(&["rm", "--force", "--time", "2", &self.id]);
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if !self.removed {
            let _ = self
                .podman
                .output(&["rm", "--force", "--time", "2", &self.id]);
        }
    }
}

/// A root filesystem, written as a tarball (POSIX ustar) with exact owners and modes, whatever
/// the files' owners on this machine.
#[derive(Debug, Default)]
pub struct RootFs {
    tarball: Vec<u8>,
    /// The paths added so far: a directory added twice is added once; a file twice panics.
    paths: std::collections::BTreeSet<String>,
}

/// A ustar entry type.
#[derive(Debug, Clone, Copy)]
enum EntryType {
    File,
    Symlink,
    Directory,
}

fn relative(path: &str) -> String {
    let path = path.trim_start_matches('/').trim_end_matches('/');
    if path.is_empty() {
        ".".to_string()
    } else {
        path.to_string()
    }
}

/// Writes `value` as a NUL-terminated octal field of `field.len()` bytes.
fn octal(field: &mut [u8], value: u64) {
    let text = format!("{value:0width$o}", width = field.len() - 1);
    assert!(
        text.len() < field.len(),
        "{value} does not fit a tar header field"
    );
    field[..text.len()].copy_from_slice(text.as_bytes());
}

impl RootFs {
    /// An empty root filesystem.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one entry: a 512-byte ustar header, then the contents padded to 512 bytes.
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        path: &str,
        kind: EntryType,
        mode: u32,
        (uid, gid): (u32, u32),
        contents: &[u8],
        link: &str,
    ) {
        let mut name = relative(path);
        if matches!(kind, EntryType::Directory) {
            name.push('/');
        }
        // Names longer than 100 bytes go into the 155-byte prefix, split at a '/'.
        let (prefix, name) = if name.len() <= 100 {
            (String::new(), name)
        } else {
            let split = name[..name.len().min(156)]
                .rfind('/')
                .filter(|&at| name.len() - at - 1 <= 100)
                .unwrap_or_else(|| panic!("{path} is too long for a ustar header"));
            (name[..split].to_string(), name[split + 1..].to_string())
        };
        assert!(link.len() <= 100, "the link target {link} is too long");
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut header[100..108], u64::from(mode));
        octal(&mut header[108..116], u64::from(uid));
        octal(&mut header[116..124], u64::from(gid));
        octal(&mut header[124..136], contents.len() as u64);
        octal(&mut header[136..148], 0);
        header[156] = match kind {
            EntryType::File => b'0',
            EntryType::Symlink => b'2',
            EntryType::Directory => b'5',
        };
        header[157..157 + link.len()].copy_from_slice(link.as_bytes());
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        // The checksum is computed with its own field as spaces.
        header[148..156].copy_from_slice(b"        ");
        let checksum: u64 = header.iter().map(|&byte| u64::from(byte)).sum();
        octal(&mut header[148..155], checksum);
        header[155] = b' ';
        self.tarball.extend_from_slice(&header);
        self.tarball.extend_from_slice(contents);
        let padding = (512 - contents.len() % 512) % 512;
        self.tarball.extend(std::iter::repeat_n(0, padding));
    }

    fn add_path(&mut self, path: &str) -> bool {
        self.paths.insert(relative(path))
    }

    fn add_new_path(&mut self, path: &str) {
        assert!(
            self.add_path(path),
            "{path} is already in the root filesystem"
        );
    }

    /// A directory (its parents must have been added before). A directory already added is
    /// left as it is.
    pub fn dir(&mut self, path: &str, mode: u32, uid: u32, gid: u32) -> &mut Self {
        if self.add_path(path) {
            self.entry(path, EntryType::Directory, mode, (uid, gid), &[], "");
        }
        self
    }

    /// A regular file with `contents`.
    pub fn file(
        &mut self,
        path: &str,
        contents: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> &mut Self {
        self.add_new_path(path);
        self.entry(path, EntryType::File, mode, (uid, gid), contents, "");
        self
    }

    /// A symbolic link.
    pub fn symlink(&mut self, path: &str, target: &Path, uid: u32, gid: u32) -> &mut Self {
        self.add_new_path(path);
        let target = target.to_string_lossy();
        self.entry(path, EntryType::Symlink, 0o777, (uid, gid), &[], &target);
        self
    }

    /// A file of this machine, copied with `mode`.
    pub fn copy_file(
        &mut self,
        path: &str,
        source: &Path,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> &mut Self {
        let contents = std::fs::read(source)
            .unwrap_or_else(|error| panic!("read {}: {error}", source.display()));
        self.file(path, &contents, mode, uid, gid)
    }

    /// A directory tree of this machine under `path` (which is added too), with its modes and
    /// symbolic links, owned by `uid:gid`.
    pub fn copy_tree(&mut self, path: &str, source: &Path, uid: u32, gid: u32) -> &mut Self {
        let metadata = std::fs::metadata(source)
            .unwrap_or_else(|error| panic!("stat {}: {error}", source.display()));
        assert!(metadata.is_dir(), "{} is not a directory", source.display());
        self.dir(path, metadata.mode() & 0o7777, uid, gid);
        let mut entries: Vec<_> = std::fs::read_dir(source)
            .unwrap_or_else(|error| panic!("list {}: {error}", source.display()))
            .map(|entry| entry.expect("a directory entry"))
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let child = format!(
                "{}/{}",
                path.trim_end_matches('/'),
                entry.file_name().to_string_lossy()
            );
            let file_type = entry.file_type().expect("a file type");
            if file_type.is_symlink() {
                let target = std::fs::read_link(entry.path()).expect("read a symlink");
                self.symlink(&child, &target, uid, gid);
            } else if file_type.is_dir() {
                self.copy_tree(&child, &entry.path(), uid, gid);
            } else {
                let mode = entry.metadata().expect("stat a file").permissions().mode() & 0o7777;
                self.copy_file(&child, &entry.path(), mode, uid, gid);
            }
        }
        self
    }

    /// What Paketo's static run image holds (`jammy-static-stack`, decorated with the `cnb`
    /// user as `jam` does), with this machine's CA bundle and tzdata: `/etc/passwd`,
    /// `/etc/group`, `/etc/nsswitch.conf`, `/etc/os-release`,
    /// `/etc/ssl/certs/ca-certificates.crt`, `/usr/share/zoneinfo`, `/tmp` (1777) and
    /// `/home/cnb` (0750, `uid:gid`). No shell, no libc, no dynamic loader.
    ///
    /// Panics when this machine has no CA bundle or no tzdata (install `ca-certificates` and
    /// `tzdata`).
    #[must_use]
    pub fn static_run_image(uid: u32, gid: u32) -> Self {
        let ca_bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
        let zoneinfo = Path::new("/usr/share/zoneinfo");
        assert!(
            ca_bundle.is_file(),
            "{} is missing: install ca-certificates",
            ca_bundle.display()
        );
        assert!(
            zoneinfo.is_dir(),
            "{} is missing: install tzdata",
            zoneinfo.display()
        );
        let mut rootfs = Self::new();
        for dir in [
            "/etc",
            "/etc/ssl",
            "/etc/ssl/certs",
            "/home",
            "/usr",
            "/usr/share",
        ] {
            rootfs.dir(dir, 0o755, 0, 0);
        }
        rootfs
            .dir("/tmp", 0o1777, 0, 0)
            .dir("/home/cnb", 0o750, uid, gid)
            .file(
                "/etc/passwd",
                format!(
                    "root:x:0:0:root:/root:/sbin/nologin\n\
                     nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n\
                     cnb:x:{uid}:{gid}::/home/cnb:/sbin/nologin\n"
                )
                .as_bytes(),
                0o644,
                0,
                0,
            )
            .file(
                "/etc/group",
                format!(
                    "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\ncnb:x:{gid}:\n"
                )
                .as_bytes(),
                0o644,
                0,
                0,
            )
            .file(
                "/etc/nsswitch.conf",
                b"passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n\
                  protocols: files\nservices: files\nethers: files\nrpc: files\n",
                0o644,
                0,
                0,
            )
            .file(
                "/etc/os-release",
                b"PRETTY_NAME=\"Paketo Buildpacks Static Jammy\"\nHOME_URL=\"https://github.com/paketo-buildpacks/jammy-static-stack\"\n\
                  ID=ubuntu\nVERSION_ID=\"22.04\"\n",
                0o644,
                0,
                0,
            )
            .copy_file(
                "/etc/ssl/certs/ca-certificates.crt",
                ca_bundle,
                0o644,
                0,
                0,
            )
            .copy_tree("/usr/share/zoneinfo", zoneinfo, 0, 0);
        rootfs
    }

    /// Writes the tarball (the entries, then two zero blocks).
    pub fn write(mut self, tarball: &Path) {
        self.tarball.extend(std::iter::repeat_n(0, 1024));
        std::fs::write(tarball, &self.tarball)
            .unwrap_or_else(|error| panic!("write {}: {error}", tarball.display()));
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
            Err(error) if started.elapsed() >= timeout => {
                return Err(format!(
                    "no HTTP answer on 127.0.0.1:{port}{path} within {timeout:?}: {error}"
                ));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_tarball_tar_reads() {
        let scratch = tempfile::tempdir().unwrap();
        let long = format!("/{}/{}", "d".repeat(90), "f".repeat(60));
        let mut rootfs = RootFs::new();
        rootfs
            .dir("/etc", 0o755, 0, 0)
            .dir("/etc/", 0o700, 1, 1)
            .file("/etc/passwd", b"root:x:0:0::/:/sbin/nologin\n", 0o644, 0, 0)
            .dir("/home", 0o755, 0, 0)
            .dir("/home/cnb", 0o750, 1002, 1000)
            .symlink("/etc/link", Path::new("passwd"), 0, 0)
            .dir(&format!("/{}", "d".repeat(90)), 0o755, 0, 0)
            .file(&long, b"x", 0o755, 0, 0);
        let tarball = scratch.path().join("rootfs.tar");
        rootfs.write(&tarball);
        let output = Command::new("tar")
            .args(["--numeric-owner", "-tvf"])
            .arg(&tarball)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let listing = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<(&str, &str, &str)> = listing
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                (fields[0], fields[1], fields[5])
            })
            .collect();
        assert_eq!(
            lines[..5],
            [
                ("drwxr-xr-x", "0/0", "etc/"),
                ("-rw-r--r--", "0/0", "etc/passwd"),
                ("drwxr-xr-x", "0/0", "home/"),
                ("drwxr-x---", "1002/1000", "home/cnb/"),
                ("lrwxrwxrwx", "0/0", "etc/link"),
            ]
        );
        assert_eq!(lines[6], ("-rwxr-xr-x", "0/0", &long[1..]));
    }
}
