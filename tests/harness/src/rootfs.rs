//! [`RootFs`]: a root filesystem the test writes, as a tarball for `podman import`, with exact
//! owners and modes whatever the files' owners on this machine.
//!
//! [`RootFs::static_run_image`] holds exactly what Paketo's static run image holds (RFC 0053,
//! `jammy-static-stack`): the CA bundle, tzdata, `/etc/passwd` and `/etc/group` with the `cnb`
//! user, `nsswitch.conf`, `os-release`, `/tmp` and `/home/cnb`; no shell, no libc, no loader.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use tar::EntryType;

/// The static stack's run user (jammy: `cnb`, 1002:1000).
pub const STATIC_RUN_UID: u32 = 1002;
/// The static stack's run group (jammy; noble's is 1001).
pub const STATIC_RUN_GID: u32 = 1000;

/// A root filesystem, written as a tarball (POSIX ustar, by the `tar` crate) with exact owners
/// and modes, whatever the files' owners on this machine.
pub struct RootFs {
    tar: tar::Builder<Vec<u8>>,
    /// The paths added so far: a directory added twice is added once; a file twice panics.
    paths: std::collections::BTreeSet<String>,
}

impl std::fmt::Debug for RootFs {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RootFs")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Default for RootFs {
    fn default() -> Self {
        Self::new()
    }
}

fn relative(path: &str) -> String {
    let path = path.trim_start_matches('/').trim_end_matches('/');
    if path.is_empty() {
        ".".to_string()
    } else {
        path.to_string()
    }
}

impl RootFs {
    /// An empty root filesystem.
    #[must_use]
    pub fn new() -> Self {
        Self {
            tar: tar::Builder::new(Vec::new()),
            paths: std::collections::BTreeSet::new(),
        }
    }

    /// Appends one entry; names longer than 100 bytes go into the ustar prefix (the `tar`
    /// crate splits them), and a directory's name ends with `/`.
    fn entry(
        &mut self,
        path: &str,
        kind: EntryType,
        mode: u32,
        (uid, gid): (u32, u32),
        contents: &[u8],
        link: Option<&Path>,
    ) {
        let fail = |error: std::io::Error| -> ! {
            panic!("cannot add {path} to the root filesystem: {error}")
        };
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(u64::from(uid));
        header.set_gid(u64::from(gid));
        header.set_mtime(0);
        header.set_size(contents.len() as u64);
        header
            .set_path(relative(path))
            .unwrap_or_else(|error| fail(error));
        if kind.is_dir() {
            let name = &mut header.as_old_mut().name;
            if let Some(end) = name.iter().position(|&byte| byte == 0) {
                name[end] = b'/';
            }
        }
        if let Some(target) = link {
            header
                .set_link_name(target)
                .unwrap_or_else(|error| fail(error));
        }
        header.set_cksum();
        self.tar
            .append(&header, contents)
            .unwrap_or_else(|error| fail(error));
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
            self.entry(path, EntryType::Directory, mode, (uid, gid), &[], None);
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
        self.entry(path, EntryType::Regular, mode, (uid, gid), contents, None);
        self
    }

    /// A symbolic link.
    pub fn symlink(&mut self, path: &str, target: &Path, uid: u32, gid: u32) -> &mut Self {
        self.add_new_path(path);
        self.entry(
            path,
            EntryType::Symlink,
            0o777,
            (uid, gid),
            &[],
            Some(target),
        );
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

    /// Writes the tarball (the entries, then the end-of-archive blocks).
    pub fn write(self, tarball: &Path) {
        let bytes = self
            .tar
            .into_inner()
            .unwrap_or_else(|error| panic!("finish {}: {error}", tarball.display()));
        std::fs::write(tarball, bytes)
            .unwrap_or_else(|error| panic!("write {}: {error}", tarball.display()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

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
