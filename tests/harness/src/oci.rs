//! OCI image layouts for tests: read them with the tools others use (`skopeo inspect`,
//! `umoci stat`, `umoci unpack`), load them into podman (`skopeo copy` to `containers-storage:`,
//! then [`crate::Image::container`] runs them); and [`BuildImage`], a small build image written as an OCI
//! layout (a root filesystem of a few of this machine's binaries with their libraries, the `cnb`
//! user, `CNB_*` env) to make builders over.
//!
//! Every helper panics with the tool's stderr when the tool is missing or fails: nothing is
//! skipped.

use crate::podman::{Image, Podman};
use oci_layout::{Image as OciImage, LayerBuilder, Owner};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `program args`, panicking with its output when it cannot start or fails.
fn run_tool(program: &str, args: &[&str]) -> Output {
    crate::command::run_ok(Command::new(program).args(args))
}

/// `skopeo inspect <reference>` (e.g. `oci:<dir>:<tag>`, `oci-archive:<file.cnb>`), parsed:
/// `Labels`, `Layers`, `Env`, `Architecture`, `Os`...
#[must_use]
pub fn skopeo_inspect(reference: &str) -> serde_json::Value {
    let output = run_tool("skopeo", &["inspect", reference]);
    serde_json::from_slice(&output.stdout).expect("skopeo inspect prints JSON")
}

/// `skopeo inspect --config <reference>`: the image config (`config.WorkingDir`, `rootfs`...).
#[must_use]
pub fn skopeo_inspect_config(reference: &str) -> serde_json::Value {
    let output = run_tool("skopeo", &["inspect", "--config", reference]);
    serde_json::from_slice(&output.stdout).expect("skopeo inspect --config prints JSON")
}

/// A label of a `skopeo inspect` result, parsed as JSON.
#[must_use]
pub fn json_label(inspected: &serde_json::Value, name: &str) -> serde_json::Value {
    let text = inspected["Labels"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no label {name} in {inspected:#}"));
    serde_json::from_str(text).unwrap_or_else(|error| panic!("label {name} is not JSON: {error}"))
}

/// `umoci stat --json --image <dir>:<tag>`, parsed (its `history`).
#[must_use]
pub fn umoci_stat(layout: &Path, tag: &str) -> serde_json::Value {
    let image = format!("{}:{tag}", layout.display());
    let output = run_tool("umoci", &["stat", "--json", "--image", &image]);
    serde_json::from_slice(&output.stdout).expect("umoci stat --json prints JSON")
}

/// `umoci unpack --image <dir>:<tag> <bundle>`; returns `<bundle>/rootfs`. Run as root it keeps
/// owners and modes.
#[must_use]
pub fn umoci_unpack(layout: &Path, tag: &str, bundle: &Path) -> PathBuf {
    let image = format!("{}:{tag}", layout.display());
    run_tool(
        "umoci",
        &["unpack", "--image", &image, &bundle.display().to_string()],
    );
    bundle.join("rootfs")
}

/// Extracts a `.cnb` file (a tar of an OCI layout) into `dir`, for `umoci`.
pub fn extract_archive(archive: &Path, dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the extraction dir");
    run_tool(
        "tar",
        &[
            "-xf",
            &archive.display().to_string(),
            "-C",
            &dir.display().to_string(),
        ],
    );
}

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

/// A name unique to this process and call, for images and containers.
#[must_use]
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        UNIQUE.fetch_add(1, Ordering::Relaxed)
    )
}

/// `skopeo copy oci:<layout>:<tag> containers-storage:localhost/<name>:<tag>`: the image in
/// podman, removed when the value drops.
#[must_use]
pub fn load_into_podman(layout: &Path, tag: &str, name: &str) -> Image {
    let reference = format!("localhost/{name}:{tag}");
    run_tool(
        "skopeo",
        &[
            "copy",
            "--quiet",
            &format!("oci:{}:{tag}", layout.display()),
            &format!("containers-storage:{reference}"),
        ],
    );
    Podman::locate().adopt(&reference)
}

/// The uid and gid of the Paketo build images' `cnb` user.
pub const CNB_UID: u64 = 1002;
pub const CNB_GID: u64 = 1000;

/// A small build image written as an OCI layout: this machine's `/bin/sh` (and any other binary
/// given) with the shared libraries `ldd` lists for them and for the binaries whose libraries
/// are wanted (e.g. the lifecycle, which the builder adds), laid out with the host's symlinks
/// (merged `/usr`); `/etc/passwd` and `/etc/group` with root and `cnb` (1002:1000),
/// `/home/cnb`, `/tmp`, an `/etc/os-release`; `User 1002:1000` and `CNB_USER_ID`,
/// `CNB_GROUP_ID`, `CNB_STACK_ID` in the environment (unless left out), and the stack labels.
#[derive(Debug, Clone)]
pub struct BuildImage {
    stack_id: String,
    binaries: Vec<PathBuf>,
    libraries_of: Vec<PathBuf>,
    files: BTreeMap<String, (Vec<u8>, u32)>,
    os_release: (String, String),
    with_cnb_ids: bool,
}

impl BuildImage {
    /// A build image for the stack `stack_id` (e.g. `io.buildpacks.stacks.ubi8`) whose
    /// `/etc/os-release` names the distribution `distro` `version` (e.g. `rhel` `8.10`).
    #[must_use]
    pub fn new(stack_id: &str, distro: &str, version: &str) -> Self {
        Self {
            stack_id: stack_id.to_string(),
            binaries: vec![PathBuf::from("/bin/sh")],
            libraries_of: Vec::new(),
            files: BTreeMap::new(),
            os_release: (distro.to_string(), version.to_string()),
            with_cnb_ids: true,
        }
    }

    /// Also the shared libraries `binary` needs (not the binary itself).
    #[must_use]
    pub fn libraries_of(mut self, binary: &Path) -> Self {
        self.libraries_of.push(binary.to_path_buf());
        self
    }

    /// A file (owned by root).
    #[must_use]
    pub fn file(mut self, path: &str, contents: &[u8], mode: u32) -> Self {
        self.files
            .insert(path.to_string(), (contents.to_vec(), mode));
        self
    }

    /// Without `CNB_USER_ID` and `CNB_GROUP_ID` (pack refuses such a build image).
    #[must_use]
    pub fn without_cnb_ids(mut self) -> Self {
        self.with_cnb_ids = false;
        self
    }

    /// Writes the image to the OCI layout `dir` with the tag `tag`.
    pub fn write(&self, dir: &Path, tag: &str) {
        let mut tree = HostTree::default();
        let mut libraries: Vec<PathBuf> = Vec::new();
        for binary in self.binaries.iter().chain(&self.libraries_of) {
            libraries.extend(shared_libraries(binary));
        }
        for path in self.binaries.iter().chain(&libraries) {
            tree.add(path);
        }
        let root = Owner::ROOT;
        let cnb = Owner {
            uid: CNB_UID,
            gid: CNB_GID,
        };
        let (distro, version) = &self.os_release;
        let mut entries = tree.entries;
        let mut put = |path: &str, entry: TreeEntry| {
            entries.insert(path.to_string(), entry);
        };
        put("/etc", TreeEntry::Dir(0o755, root));
        put(
            "/etc/passwd",
            TreeEntry::File(
                format!(
                    "root:x:0:0:root:/root:/bin/sh\ncnb:x:{CNB_UID}:{CNB_GID}::/home/cnb:/bin/sh\n"
                )
                .into_bytes(),
                0o644,
            ),
        );
        put(
            "/etc/group",
            TreeEntry::File(format!("root:x:0:\ncnb:x:{CNB_GID}:\n").into_bytes(), 0o644),
        );
        put(
            "/etc/os-release",
            TreeEntry::File(
                format!("NAME=\"test {distro}\"\nID={distro}\nVERSION_ID=\"{version}\"\n")
                    .into_bytes(),
                0o644,
            ),
        );
        put("/home", TreeEntry::Dir(0o755, root));
        put("/home/cnb", TreeEntry::Dir(0o750, cnb));
        put("/root", TreeEntry::Dir(0o700, root));
        put("/tmp", TreeEntry::Dir(0o1777, root));
        for (path, (contents, mode)) in &self.files {
            put(path, TreeEntry::File(contents.clone(), *mode));
        }
        for path in self.files.keys() {
            let mut parent = Path::new(path).parent();
            while let Some(dir) = parent.filter(|dir| *dir != Path::new("/")) {
                entries
                    .entry(dir.display().to_string())
                    .or_insert(TreeEntry::Dir(0o755, root));
                parent = dir.parent();
            }
        }

        let mut layer = LayerBuilder::new();
        for (path, entry) in &entries {
            match entry {
                TreeEntry::Dir(mode, owner) => layer.dir(path, *mode, *owner),
                TreeEntry::File(contents, mode) => layer.file(path, *mode, root, contents),
                TreeEntry::Symlink(target) => layer.symlink(path, target),
            }
            .expect("write a test image entry");
        }
        let layer = layer.into_layer().expect("compress the test image layer");
        let mut env = vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            format!("CNB_STACK_ID={}", self.stack_id),
        ];
        if self.with_cnb_ids {
            env.push(format!("CNB_USER_ID={CNB_UID}"));
            env.push(format!("CNB_GROUP_ID={CNB_GID}"));
        }
        let config = serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "created": oci_layout::NORMALIZED_TIME,
            "config": {
                "User": format!("{CNB_UID}:{CNB_GID}"),
                "Env": env,
                "Labels": {
                    "io.buildpacks.stack.id": self.stack_id,
                    "io.buildpacks.base.distro.name": distro,
                    "io.buildpacks.base.distro.version": version,
                },
            },
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            "history": [{
                "created": oci_layout::NORMALIZED_TIME,
                "created_by": "cnb-harness: test build image",
            }],
        });
        OciImage {
            config,
            layers: vec![layer],
        }
        .write_layout(dir, tag)
        .unwrap_or_else(|error| panic!("cannot write the test build image: {error:#}"));
    }
}

/// The shared libraries (and the loader) `binary` needs, from `ldd`; none for a static binary.
fn shared_libraries(binary: &Path) -> Vec<PathBuf> {
    let bytes = std::fs::read(binary)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", binary.display()));
    let dependencies = cnb_package::elf::dynamic_dependencies(&bytes).unwrap_or_else(|error| {
        panic!(
            "{} is not an ELF file this machine runs: {error:?}",
            binary.display()
        )
    });
    if dependencies.is_static() {
        return Vec::new();
    }
    let output = run_tool("ldd", &[&binary.display().to_string()]);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let path = match line.split_once("=>") {
                Some((_, after)) => after.split_whitespace().next()?,
                None => line.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

#[derive(Debug, Clone)]
enum TreeEntry {
    Dir(u32, Owner),
    File(Vec<u8>, u32),
    Symlink(String),
}

/// Host paths copied with their directories and symlinks, by image path.
#[derive(Debug, Default)]
struct HostTree {
    entries: BTreeMap<String, TreeEntry>,
}

impl HostTree {
    /// Adds the host path, following (and recording) every symlink on the way.
    fn add(&mut self, path: &Path) {
        let mut current = PathBuf::from("/");
        for component in path.components().skip(1) {
            let candidate = current.join(component);
            let key = candidate.display().to_string();
            let metadata = std::fs::symlink_metadata(&candidate)
                .unwrap_or_else(|error| panic!("cannot read {key}: {error}"));
            if metadata.file_type().is_symlink() {
                let target = std::fs::read_link(&candidate).expect("read a host symlink");
                self.entries
                    .insert(key, TreeEntry::Symlink(target.display().to_string()));
                let absolute = normalize(&current.join(&target));
                self.add(&absolute);
                current = absolute;
            } else if metadata.is_dir() {
                self.entries
                    .entry(key)
                    .or_insert(TreeEntry::Dir(0o755, Owner::ROOT));
                current = candidate;
            } else {
                let contents = std::fs::read(&candidate).expect("read a host file");
                let mode = if metadata.permissions().mode() & 0o111 != 0 {
                    0o755
                } else {
                    0o644
                };
                self.entries.insert(key, TreeEntry::File(contents, mode));
                current = candidate;
            }
        }
    }
}

/// Resolves `.` and `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normalized.pop();
            }
            Component::Normal(part) => normalized.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths_lexically() {
        assert_eq!(
            normalize(Path::new("/usr/lib64/../lib/x86_64-linux-gnu/./ld.so")),
            Path::new("/usr/lib/x86_64-linux-gnu/ld.so")
        );
        assert_eq!(normalize(Path::new("/../a")), Path::new("/a"));
    }

    #[test]
    fn a_build_image_has_the_shell_its_libraries_and_the_cnb_user() {
        let dir = tempfile::tempdir().expect("a scratch dir");
        let layout = dir.path().join("image");
        BuildImage::new("io.buildpacks.stacks.test", "debian", "12")
            .file("/etc/buildpacks/images.json", b"{}", 0o644)
            .write(&layout, "t");
        let image = oci_layout::read_layout(&layout, Some("t")).expect("a readable layout");
        assert_eq!(image.env("CNB_USER_ID"), Some("1002"));
        assert_eq!(image.env("CNB_STACK_ID"), Some("io.buildpacks.stacks.test"));
        assert_eq!(
            image.label("io.buildpacks.base.distro.name"),
            Some("debian")
        );
        let layer = dir.path().join("layer.tar.gz");
        std::fs::write(&layer, image.layers[0].blob.bytes().expect("the layer"))
            .expect("write the layer");
        let listing = run_tool("tar", &["-tzPf", &layer.display().to_string()]);
        let names: std::collections::BTreeSet<String> = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .map(|name| name.trim_end_matches('/').to_string())
            .collect();
        for expected in [
            "/bin",
            "/etc/passwd",
            "/etc/buildpacks/images.json",
            "/home/cnb",
            "/tmp",
        ] {
            assert!(names.contains(expected), "{expected} in {names:?}");
        }
        // /bin/sh resolves, through the image's own links, to a file in it.
        let sh = std::fs::canonicalize("/bin/sh").expect("the host's /bin/sh");
        assert!(names.contains(&sh.display().to_string()), "{names:?}");
    }
}
