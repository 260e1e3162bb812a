//! OCI image layouts: a directory (`oci-layout`, `index.json`, `blobs/sha256/`) or the same in an
//! uncompressed tar (a `.cnb` file), written atomically and read back.

use super::manifest::{Index, load_manifest, select_manifest};
use super::{
    Blob, BlobData, Image, LayerBlob, LayerBuilder, LoadedImage, Owner, WrittenImage, digest_hex,
    sha256_digest,
};
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use untrusted_input::{quoted, read_regular_file};

impl Image {
    /// Writes the image as an OCI image layout directory `dir` holding only this image, tagged
    /// `tag`. The layout is assembled in a temporary sibling directory and renamed into place; an
    /// existing `dir` is replaced only if it is an OCI layout (holds `oci-layout`) or empty.
    ///
    /// # Errors
    /// If `dir` exists and is something else, or a file cannot be written.
    pub fn write_layout(&self, dir: &Path, tag: &str) -> anyhow::Result<WrittenImage> {
        let (config, manifest, index) = self.documents(tag)?;
        let parent = dir
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        if dir.exists() && !dir.join("oci-layout").is_file() && !is_empty_dir(dir) {
            bail!(
                "{} exists and is not an OCI image layout: choose another output or remove it",
                dir.display()
            );
        }
        let staging = tempfile::Builder::new()
            .prefix(".oci-layout.")
            .tempdir_in(parent)
            .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
        fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o755))?;
        let blobs_dir = staging.path().join("blobs/sha256");
        fs::create_dir_all(&blobs_dir)?;
        for blob in self.all_blobs(&config, &manifest) {
            blob.write_to(&blobs_dir.join(digest_hex(&blob.digest)?))?;
        }
        fs::write(staging.path().join("index.json"), &index)?;
        fs::write(staging.path().join("oci-layout"), OCI_LAYOUT)?;
        if dir.exists() {
            fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove the old {}", dir.display()))?;
        }
        let staged = staging.keep();
        fs::rename(&staged, dir).with_context(|| {
            let _ = fs::remove_dir_all(&staged);
            format!("cannot move {} to {}", staged.display(), dir.display())
        })?;
        Ok(WrittenImage {
            manifest: manifest.descriptor(),
            config: config.descriptor(),
        })
    }

    /// Writes the image as an OCI image layout in an uncompressed tar (a `.cnb` file), tagged
    /// `tag`: `oci-layout`, `index.json`, `blobs/`, `blobs/sha256/` and the blobs sorted by
    /// digest, with normalized headers. Written to a temporary sibling and renamed into place.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn write_archive(&self, path: &Path, tag: &str) -> anyhow::Result<WrittenImage> {
        let (config, manifest, index) = self.documents(tag)?;
        let mut tar = LayerBuilder::new();
        tar.file("oci-layout", 0o644, Owner::ROOT, OCI_LAYOUT.as_bytes())?;
        tar.file("index.json", 0o644, Owner::ROOT, &index)?;
        tar.dir("blobs", 0o755, Owner::ROOT)?;
        tar.dir("blobs/sha256", 0o755, Owner::ROOT)?;
        for blob in self.all_blobs(&config, &manifest) {
            let name = format!("blobs/sha256/{}", digest_hex(&blob.digest)?);
            tar.file(&name, 0o644, Owner::ROOT, &blob.bytes()?)?;
        }
        let bytes = tar.finish()?;
        let parent = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let mut staging = tempfile::Builder::new()
            .prefix(".cnb.")
            .tempfile_in(parent)
            .with_context(|| format!("cannot create a file in {}", parent.display()))?;
        staging
            .write_all(&bytes)
            .with_context(|| format!("cannot write {}", staging.path().display()))?;
        fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o644))?;
        staging
            .persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(WrittenImage {
            manifest: manifest.descriptor(),
            config: config.descriptor(),
        })
    }
}

const OCI_LAYOUT: &str = "{\"imageLayoutVersion\":\"1.0.0\"}";

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Splits `<dir>[:<tag>]` (as skopeo's `oci:` transport takes it): the part after the last `:`
/// is a tag when it holds no `/` and the whole string is not an existing path.
#[must_use]
pub fn split_layout_reference(reference: &str) -> (PathBuf, Option<String>) {
    if Path::new(reference).exists() {
        return (PathBuf::from(reference), None);
    }
    match reference.rsplit_once(':') {
        Some((dir, tag)) if !tag.is_empty() && !tag.contains('/') && !dir.is_empty() => {
            (PathBuf::from(dir), Some(tag.to_string()))
        }
        _ => (PathBuf::from(reference), None),
    }
}

/// Reads the image tagged `tag` (or the only image, when `tag` is `None`) from the OCI layout
/// directory `dir`. An index entry that is itself an index (a multi-platform image) resolves to
/// its linux/amd64 manifest. Layer blobs stay in the layout ([`BlobData::File`]).
///
/// # Errors
/// If the layout, the tag, a manifest or the config is missing or invalid.
pub fn read_layout(dir: &Path, tag: Option<&str>) -> anyhow::Result<LoadedImage> {
    if !dir.join("oci-layout").is_file() {
        bail!(
            "{} is not an OCI image layout (no oci-layout file)",
            dir.display()
        );
    }
    let read_blob = |digest: &str| -> anyhow::Result<Vec<u8>> {
        let path = dir.join("blobs/sha256").join(digest_hex(digest)?);
        fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    };
    let index_path = dir.join("index.json");
    let index: Index = serde_json::from_slice(
        &fs::read(&index_path).with_context(|| format!("cannot read {}", index_path.display()))?,
    )
    .with_context(|| format!("invalid {}", index_path.display()))?;
    let entry =
        select_manifest(&index.manifests, tag).with_context(|| format!("in {}", dir.display()))?;
    let (config, layers) = load_manifest(&entry, &read_blob)?;
    let layers = layers
        .into_iter()
        .map(|(descriptor, diff_id)| {
            Ok(LayerBlob {
                blob: Blob {
                    media_type: descriptor.media_type,
                    size: descriptor.size,
                    data: BlobData::File(
                        dir.join("blobs/sha256")
                            .join(digest_hex(&descriptor.digest)?),
                    ),
                    digest: descriptor.digest,
                },
                diff_id,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(LoadedImage { config, layers })
}

/// The largest `.cnb` file read (it is read into memory): 512 MiB. Our modules' are about 2 MiB.
pub const MAX_ARCHIVE_SIZE: u64 = 512 << 20;

/// Reads the image of a `.cnb` file (an OCI image layout in a tar; entry names may start with
/// `/` or `./`). The file's only image is read, or the one tagged `tag`. Blobs are read into
/// memory: the file is read as untrusted input, a regular file of at most [`MAX_ARCHIVE_SIZE`]
/// bytes whose entries together hold no more (a FIFO is an error, not a wait).
///
/// # Errors
/// If the file is not such an archive, is too large, or a blob is missing or invalid.
pub fn read_archive(path: &Path, tag: Option<&str>) -> anyhow::Result<LoadedImage> {
    read_archive_within(path, tag, MAX_ARCHIVE_SIZE)
}

fn read_archive_within(path: &Path, tag: Option<&str>, limit: u64) -> anyhow::Result<LoadedImage> {
    let bytes = read_regular_file(path, limit)?
        .with_context(|| format!("cannot open {}: it does not exist", path.display()))?;
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // What the entries may still hold (a sparse entry holds more than it takes in the file).
    let mut budget = limit;
    // The tar crate's errors quote the bytes of the header they fail on: never shown, so that
    // a file given as an archive by mistake is not echoed.
    let not_tar = |_| anyhow::anyhow!("{} is not a tar archive", path.display());
    for entry in archive.entries().map_err(not_tar)? {
        let mut entry = entry.map_err(not_tar)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry
            .path()
            .map_err(not_tar)?
            .to_string_lossy()
            .into_owned();
        let name = name
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string();
        let mut data = Vec::new();
        (&mut entry)
            .take(budget.saturating_add(1))
            .read_to_end(&mut data)
            .with_context(|| format!("cannot read {} in {}", quoted(&name), path.display()))?;
        budget = budget.checked_sub(data.len() as u64).with_context(|| {
            format!(
                "{} holds more than {limit} bytes, the most read from a .cnb file",
                path.display()
            )
        })?;
        files.insert(name, data);
    }
    if !files.contains_key("oci-layout") {
        bail!(
            "{} is not an OCI image layout archive (no oci-layout entry)",
            path.display()
        );
    }
    let read_blob = |digest: &str| -> anyhow::Result<Vec<u8>> {
        let name = format!("blobs/sha256/{}", digest_hex(digest)?);
        files
            .get(&name)
            .cloned()
            .with_context(|| format!("{} has no blob {digest}", path.display()))
    };
    let index: Index = serde_json::from_slice(
        files
            .get("index.json")
            .with_context(|| format!("{} has no index.json", path.display()))?,
    )
    .with_context(|| format!("invalid index.json in {}", path.display()))?;
    let entry =
        select_manifest(&index.manifests, tag).with_context(|| format!("in {}", path.display()))?;
    let (config, layers) = load_manifest(&entry, &read_blob)?;
    let layers = layers
        .into_iter()
        .map(|(descriptor, diff_id)| {
            let bytes = read_blob(&descriptor.digest)?;
            if sha256_digest(&bytes) != descriptor.digest {
                bail!(
                    "blob {} in {} does not match its digest",
                    descriptor.digest,
                    path.display()
                );
            }
            Ok(LayerBlob {
                blob: Blob {
                    media_type: descriptor.media_type,
                    digest: descriptor.digest,
                    size: descriptor.size,
                    data: BlobData::Memory(bytes),
                },
                diff_id,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(LoadedImage { config, layers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_reference() {
        assert_eq!(
            split_layout_reference("/no/such/dir:v1"),
            (PathBuf::from("/no/such/dir"), Some("v1".to_string()))
        );
        assert_eq!(
            split_layout_reference("/no/such/dir"),
            (PathBuf::from("/no/such/dir"), None)
        );
        assert_eq!(
            split_layout_reference("/no/such:dir/x"),
            (PathBuf::from("/no/such:dir/x"), None)
        );
    }

    fn one_layer_image() -> Image {
        let mut layer = LayerBuilder::new();
        layer.file("/hello", 0o644, Owner::ROOT, b"hello").unwrap();
        let layer = layer.into_layer().unwrap();
        Image {
            config: serde_json::json!({
                "architecture": "amd64",
                "os": "linux",
                "config": {"Labels": {"a": "b"}, "Env": ["CNB_USER_ID=1002", "X=a=b"]},
                "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            }),
            layers: vec![layer],
        }
    }

    #[test]
    fn archives_are_read_bounded_and_never_wait() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("x.cnb");
        one_layer_image().write_archive(&archive, "v1").unwrap();
        let size = fs::metadata(&archive).unwrap().len();
        assert!(read_archive_within(&archive, None, size).is_ok());
        let message = read_archive_within(&archive, None, size - 1)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            format!(
                "{} is larger than {} bytes, the most read from it",
                archive.display(),
                size - 1
            )
        );

        let fifo = dir.path().join("fifo.cnb");
        cnb_harness::mkfifo(&fifo);
        let (fifo, message) =
            cnb_harness::within_hang_guard("reading a FIFO as a .cnb", move || {
                let error = read_archive(&fifo, None).unwrap_err();
                (fifo, error.to_string())
            });
        assert_eq!(
            message,
            format!("{} is a FIFO, not a regular file", fifo.display())
        );
    }

    #[test]
    fn layouts_and_archives_round_trip() {
        let image = one_layer_image();
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        let written = image.write_layout(&layout, "v1").unwrap();
        let read = read_layout(&layout, Some("v1")).unwrap();
        assert_eq!(read.label("a"), Some("b"));
        assert_eq!(read.env("CNB_USER_ID"), Some("1002"));
        assert_eq!(read.env("X"), Some("a=b"));
        assert_eq!(read.env("CNB_GROUP_ID"), None);
        assert_eq!(read.layers[0].diff_id, image.layers[0].diff_id);
        assert!(read_layout(&layout, Some("v2")).is_err());
        assert!(read_layout(&layout, None).is_ok());

        // Rewriting replaces the layout; a directory that is not a layout is left alone.
        image.write_layout(&layout, "v1").unwrap();
        let other = dir.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("keep"), "").unwrap();
        assert!(image.write_layout(&other, "v1").is_err());
        assert!(other.join("keep").exists());

        let archive = dir.path().join("x.cnb");
        let in_archive = image.write_archive(&archive, "v1").unwrap();
        assert_eq!(in_archive.manifest, written.manifest);
        let first = fs::read(&archive).unwrap();
        image.write_archive(&archive, "v1").unwrap();
        assert_eq!(first, fs::read(&archive).unwrap(), "byte-identical");
        let read = read_archive(&archive, None).unwrap();
        assert_eq!(read.label("a"), Some("b"));
        assert_eq!(read.layers[0].blob.digest, image.layers[0].blob.digest);
    }
}
