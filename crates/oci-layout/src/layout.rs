//! OCI image layouts: a directory (`oci-layout`, `index.json`, `blobs/sha256/`) or the same in an
//! uncompressed tar (a `.cnb` file), written atomically and read back.

use crate::manifest::{ImageIndex, MAX_MANIFEST_SIZE, load_manifest, select_manifest};
use crate::{
    Blob, BlobData, Image, LayerBlob, LayerBuilder, LoadedImage, MediaType, Owner,
    REF_NAME_ANNOTATION, WrittenImage, check_layer_compression, digest_hex, sha256_digest,
};
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use untrusted_input::{quoted, read_regular_file};

impl Image {
    /// Writes the image tagged `tag` into the OCI image layout directory `dir`. A new (or
    /// empty) `dir` is assembled in a temporary sibling directory and renamed into place. Into
    /// an existing layout (a directory holding the file `oci-layout`), the image is added: its
    /// blobs are written (each a new file renamed into place, copied, never linked), then
    /// `index.json` (a temporary file renamed over it) with its entries tagged `tag` (the
    /// `org.opencontainers.image.ref.name` annotation) replaced by this image's and every
    /// other entry, field and file kept; nothing is deleted, so a failure leaves the previous
    /// layout as it was.
    ///
    /// # Errors
    /// If `dir` exists and is neither an OCI layout nor an empty directory (naming it), its
    /// `index.json` cannot be read ([`read_index`]), or a file cannot be written.
    pub fn write_layout(&self, dir: &Path, tag: &str) -> anyhow::Result<WrittenImage> {
        let (config, manifest, index) = self.documents(tag)?;
        let written = WrittenImage {
            manifest: manifest.descriptor()?,
            config: config.descriptor()?,
        };
        if dir.join("oci-layout").is_file() {
            let mut existing = read_index(dir)?;
            let entries = existing
                .get_mut("manifests")
                .and_then(serde_json::Value::as_array_mut)
                .with_context(|| {
                    format!("{} has no manifests list", dir.join("index.json").display())
                })?;
            let ours: serde_json::Value = serde_json::from_slice(&index)?;
            entries.retain(|entry| {
                entry
                    .pointer(&format!(
                        "/annotations/{}",
                        REF_NAME_ANNOTATION.replace('/', "~1")
                    ))
                    .and_then(serde_json::Value::as_str)
                    != Some(tag)
            });
            entries.extend(ours["manifests"].as_array().into_iter().flatten().cloned());
            let blobs_dir = dir.join("blobs/sha256");
            fs::create_dir_all(&blobs_dir)
                .with_context(|| format!("cannot create {}", blobs_dir.display()))?;
            for blob in self.all_blobs(&config, &manifest) {
                blob.write_to(&blobs_dir.join(digest_hex(&blob.digest)?))?;
            }
            let index = Blob::memory(MediaType::ImageIndex, serde_json::to_vec(&existing)?);
            index.write_to(&dir.join("index.json"))?;
            return Ok(written);
        }
        if dir.exists() && !is_empty_dir(dir) {
            bail!(
                "{} exists and is not an OCI image layout (no oci-layout file): choose another output or remove it",
                dir.display()
            );
        }
        let parent = dir
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
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
        // Over an empty directory, rename replaces it.
        let staged = staging.keep();
        fs::rename(&staged, dir).with_context(|| {
            let _ = fs::remove_dir_all(&staged);
            format!("cannot move {} to {}", staged.display(), dir.display())
        })?;
        Ok(written)
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
            manifest: manifest.descriptor()?,
            config: config.descriptor()?,
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

/// The `index.json` of the OCI layout `dir`, as JSON: a regular file (a FIFO or a device is
/// an error, not a wait) of at most [`MAX_MANIFEST_SIZE`] bytes.
fn read_index(dir: &Path) -> anyhow::Result<serde_json::Value> {
    let path = dir.join("index.json");
    let bytes = read_regular_file(&path, MAX_MANIFEST_SIZE)?
        .with_context(|| format!("{} is an OCI layout without index.json", dir.display()))?;
    serde_json::from_slice(&bytes).map_err(|error| {
        anyhow::anyhow!("invalid {}: {}", path.display(), quoted(&error.to_string()))
    })
}

/// Reads the image tagged `tag` (or the only image, when `tag` is `None`) from the OCI layout
/// directory `dir`, as untrusted input: `index.json`, manifests and the config are regular
/// files (a FIFO is an error, not a wait) of at most [`MAX_MANIFEST_SIZE`] (the config
/// [`crate::MAX_CONFIG_SIZE`]) bytes, checked against their digests; messages quote what they
/// hold bounded. An index entry that is itself an index (a multi-platform image) resolves to
/// its linux/amd64 manifest. Layer blobs stay in the layout ([`BlobData::File`]): their
/// digests are checked when they are read or copied.
///
/// # Errors
/// If the layout, the tag, a manifest or the config is missing, too large or invalid, or a
/// layer's bytes are not compressed as its media type declares ([`check_layer_compression`]).
pub fn read_layout(dir: &Path, tag: Option<&str>) -> anyhow::Result<LoadedImage> {
    if !dir.join("oci-layout").is_file() {
        bail!(
            "{} is not an OCI image layout (no oci-layout file)",
            dir.display()
        );
    }
    let read_blob = |digest: &str, limit: u64| -> anyhow::Result<Vec<u8>> {
        let path = dir.join("blobs/sha256").join(digest_hex(digest)?);
        read_regular_file(&path, limit)?
            .with_context(|| format!("{} has no blob {digest}", dir.display()))
    };
    let index: ImageIndex = serde_json::from_value(read_index(dir)?).map_err(|error| {
        anyhow::anyhow!(
            "invalid {}: {}",
            dir.join("index.json").display(),
            quoted(&error.to_string())
        )
    })?;
    let entry =
        select_manifest(index.manifests(), tag).with_context(|| format!("in {}", dir.display()))?;
    let (config, layers) = load_manifest(&entry, &read_blob)?;
    let layers = layers
        .into_iter()
        .map(|(descriptor, diff_id)| {
            let digest = descriptor.digest().to_string();
            let blob = Blob {
                media_type: descriptor.media_type().clone(),
                size: descriptor.size(),
                data: BlobData::File(dir.join("blobs/sha256").join(digest_hex(&digest)?)),
                digest,
            };
            check_layer_compression(&blob)?;
            Ok(LayerBlob { blob, diff_id })
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
/// If the file is not such an archive, is too large, or a blob is missing or invalid (a layer
/// not compressed as its media type declares, [`check_layer_compression`]).
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
    let read_blob = |digest: &str, limit: u64| -> anyhow::Result<Vec<u8>> {
        let name = format!("blobs/sha256/{}", digest_hex(digest)?);
        let bytes = files
            .get(&name)
            .with_context(|| format!("{} has no blob {digest}", path.display()))?;
        if bytes.len() as u64 > limit {
            bail!(
                "the blob {digest} in {} is larger than {limit} bytes, the most read of it",
                path.display()
            );
        }
        Ok(bytes.clone())
    };
    let index_json = files
        .get("index.json")
        .with_context(|| format!("{} has no index.json", path.display()))?;
    if index_json.len() as u64 > MAX_MANIFEST_SIZE {
        bail!(
            "the index.json of {} is larger than {MAX_MANIFEST_SIZE} bytes, the most read of it",
            path.display()
        );
    }
    let index: ImageIndex = serde_json::from_slice(index_json).map_err(|error| {
        anyhow::anyhow!(
            "invalid index.json in {}: {}",
            path.display(),
            quoted(&error.to_string())
        )
    })?;
    let entry = select_manifest(index.manifests(), tag)
        .with_context(|| format!("in {}", path.display()))?;
    let (config, layers) =
        load_manifest(&entry, &read_blob).with_context(|| format!("in {}", path.display()))?;
    let layers = layers
        .into_iter()
        .map(|(descriptor, diff_id)| {
            let digest = descriptor.digest().to_string();
            let bytes = read_blob(&digest, MAX_ARCHIVE_SIZE)?;
            if sha256_digest(&bytes) != digest {
                bail!(
                    "blob {digest} in {} does not match its digest",
                    path.display()
                );
            }
            let blob = Blob {
                media_type: descriptor.media_type().clone(),
                digest,
                size: descriptor.size(),
                data: BlobData::Memory(bytes),
            };
            check_layer_compression(&blob).with_context(|| format!("in {}", path.display()))?;
            Ok(LayerBlob { blob, diff_id })
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
    fn archives_are_read_bounded() {
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
    }

    /// Writes `image` as a layout in `dir` and edits its manifest and config documents there
    /// (their blobs and the index rewritten to match); returns the config's digest.
    fn edited_layout(
        image: &Image,
        dir: &Path,
        edit: impl FnOnce(&mut serde_json::Value, &mut serde_json::Value),
    ) -> String {
        image.write_layout(dir, "v1").unwrap();
        let blob = |digest: &str| dir.join("blobs/sha256").join(digest_hex(digest).unwrap());
        let write = |bytes: Vec<u8>| {
            let digest = sha256_digest(&bytes);
            fs::write(blob(&digest), &bytes).unwrap();
            (digest, bytes.len())
        };
        let read = |digest: &str| -> serde_json::Value {
            serde_json::from_slice(&fs::read(blob(digest)).unwrap()).unwrap()
        };
        let mut index = read_json(&dir.join("index.json"));
        let mut manifest = read(index["manifests"][0]["digest"].as_str().unwrap());
        let mut config = read(manifest["config"]["digest"].as_str().unwrap());
        edit(&mut manifest, &mut config);
        let (config_digest, size) = write(serde_json::to_vec(&config).unwrap());
        manifest["config"]["digest"] = config_digest.clone().into();
        manifest["config"]["size"] = size.into();
        let (digest, size) = write(serde_json::to_vec(&manifest).unwrap());
        index["manifests"][0]["digest"] = digest.into();
        index["manifests"][0]["size"] = size.into();
        fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        config_digest
    }

    fn read_json(path: &Path) -> serde_json::Value {
        serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
    }

    /// A layer declared uncompressed whose bytes are gzip (or the other way round) is refused
    /// when read, naming the layer and what it is declared and is; zstd bytes are named too.
    #[test]
    fn layers_must_be_compressed_as_declared() {
        let image = one_layer_image();
        let digest = image.layers[0].blob.digest.clone();
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        edited_layout(&image, &layout, |manifest, _| {
            manifest["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
        });
        assert_eq!(
            read_layout(&layout, None).unwrap_err().to_string(),
            format!("the layer {digest} is declared an uncompressed tar but its bytes are gzip")
        );
        // Docker's media type for an uncompressed layer: the same.
        edited_layout(&image, &layout, |manifest, _| {
            manifest["layers"][0]["mediaType"] =
                "application/vnd.docker.image.rootfs.diff.tar".into();
        });
        assert_eq!(
            read_layout(&layout, None).unwrap_err().to_string(),
            format!("the layer {digest} is declared an uncompressed tar but its bytes are gzip")
        );

        // In a .cnb file: the file is named.
        let mut tar_layer = image.layers[0].clone();
        let tar_bytes = b"not compressed at all".to_vec();
        tar_layer.blob = Blob::memory(MediaType::ImageLayerGzip, tar_bytes);
        let archive = dir.path().join("x.cnb");
        let mislabelled = Image {
            config: serde_json::json!({
                "rootfs": {"type": "layers", "diff_ids": [tar_layer.diff_id]},
            }),
            layers: vec![tar_layer.clone()],
        };
        mislabelled.write_archive(&archive, "v1").unwrap();
        assert_eq!(
            format!("{:#}", read_archive(&archive, None).unwrap_err()),
            format!(
                "in {}: the layer {} is declared a gzip tar but its bytes are not compressed",
                archive.display(),
                tar_layer.blob.digest
            )
        );

        let zstd = Blob::memory(
            MediaType::ImageLayer,
            [0x28, 0xb5, 0x2f, 0xfd, 0, 0].to_vec(),
        );
        assert_eq!(
            check_layer_compression(&zstd).unwrap_err().to_string(),
            format!(
                "the layer {} is declared an uncompressed tar but its bytes are zstd",
                zstd.digest
            )
        );
        // What is declared and is passes; other media types are not looked at here.
        assert!(check_layer_compression(&image.layers[0].blob).is_ok());
        let tar = Blob::memory(MediaType::ImageLayer, vec![0; 1024]);
        assert!(check_layer_compression(&tar).is_ok());
        assert!(
            check_layer_compression(&Blob::memory(MediaType::ImageConfig, b"{}".to_vec())).is_ok()
        );
    }

    /// The config descriptor of a manifest must be an image config's: a manifest's (or an
    /// artifact's) media type is refused, naming the config and the media type, quoted.
    #[test]
    fn the_config_must_be_an_image_config() {
        let image = one_layer_image();
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        for (media_type, shown) in [
            (
                "application/vnd.oci.image.manifest.v1+json".to_string(),
                "\"application/vnd.oci.image.manifest.v1+json\"".to_string(),
            ),
            (
                "x".repeat(10_000),
                format!("\"{}\"… (cut, 10000 bytes in all)", "x".repeat(64)),
            ),
        ] {
            let config = edited_layout(&image, &layout, |manifest, _| {
                manifest["config"]["mediaType"] = media_type.clone().into();
            });
            assert_eq!(
                read_layout(&layout, None).unwrap_err().to_string(),
                format!(
                    "the config {config} has the media type {shown}, not an image config's \
                     (application/vnd.oci.image.config.v1+json or Docker's \
                     application/vnd.docker.container.image.v1+json)"
                )
            );
        }
        edited_layout(&image, &layout, |manifest, _| {
            manifest["config"]["mediaType"] =
                "application/vnd.docker.container.image.v1+json".into();
        });
        assert!(read_layout(&layout, None).is_ok());
    }

    /// A history entry that is not an object is refused (Go's `ConfigFile`, which pack reads
    /// images with, refuses the config for one too; a `null` entry, which Go reads as empty, is
    /// refused here as well), naming its index and kind, never its value; so is a history that
    /// is not an array. Objects, an empty and a missing history pass.
    #[test]
    fn history_entries_must_be_objects() {
        let image = one_layer_image();
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        for (history, problem) in [
            (
                serde_json::json!([{"created_by": "a"}, "SECRET"]),
                "a string as history[1]: a history entry is an object",
            ),
            (
                serde_json::json!([7]),
                "a number as history[0]: a history entry is an object",
            ),
            (
                serde_json::json!([{}, {}, null]),
                "null as history[2]: a history entry is an object",
            ),
            (
                serde_json::json!([[{}]]),
                "an array as history[0]: a history entry is an object",
            ),
            (
                serde_json::json!({"created_by": "a"}),
                "an object as its history: it is an array of objects",
            ),
        ] {
            let config = edited_layout(&image, &layout, |_, config| {
                config["history"] = history.clone();
            });
            assert_eq!(
                read_layout(&layout, None).unwrap_err().to_string(),
                format!("the image config {config} has {problem}"),
                "{history}"
            );
        }
        for history in [
            serde_json::json!([{"created_by": "a", "empty_layer": true}, {}]),
            serde_json::json!([]),
            serde_json::Value::Null,
        ] {
            edited_layout(&image, &layout, |_, config| {
                config["history"] = history.clone();
            });
            assert!(read_layout(&layout, None).is_ok(), "{history}");
        }
    }

    /// Another image, to tag beside [`one_layer_image`]'s.
    fn other_image() -> Image {
        let mut layer = LayerBuilder::new();
        layer.file("/other", 0o644, Owner::ROOT, b"other").unwrap();
        let layer = layer.into_layer().unwrap();
        Image {
            config: serde_json::json!({
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            }),
            layers: vec![layer],
        }
    }

    fn tags(layout: &Path) -> Vec<String> {
        read_json(&layout.join("index.json"))["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                entry["annotations"][REF_NAME_ANNOTATION]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    /// Writing into an existing layout adds or replaces one tag: other tags, other files and
    /// the index's own fields stay; nothing is deleted. A directory that is neither a layout
    /// nor empty is refused, naming it, and left as it was.
    #[test]
    fn an_existing_layout_gets_one_tag_added_or_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        let first = one_layer_image().write_layout(&layout, "v1").unwrap();
        fs::write(layout.join("README"), "mine").unwrap();
        let mut index = read_json(&layout.join("index.json"));
        index["annotations"] = serde_json::json!({"mine": "kept"});
        fs::write(layout.join("index.json"), index.to_string()).unwrap();

        let second = other_image().write_layout(&layout, "v2").unwrap();
        assert_eq!(tags(&layout), ["v1", "v2"]);
        assert_eq!(
            read_layout(&layout, Some("v1")).unwrap().layers[0]
                .blob
                .digest,
            one_layer_image().layers[0].blob.digest
        );
        assert_eq!(
            read_layout(&layout, Some("v2")).unwrap().layers[0]
                .blob
                .digest,
            other_image().layers[0].blob.digest
        );
        assert_eq!(fs::read_to_string(layout.join("README")).unwrap(), "mine");
        assert_eq!(
            read_json(&layout.join("index.json"))["annotations"]["mine"],
            "kept"
        );

        // v1 replaced by the other image: one v1 entry, v2 kept, the first image's blobs too.
        other_image().write_layout(&layout, "v1").unwrap();
        assert_eq!(tags(&layout), ["v2", "v1"]);
        assert_eq!(
            read_layout(&layout, Some("v1")).unwrap().layers[0]
                .blob
                .digest,
            other_image().layers[0].blob.digest
        );
        let blob = |digest: &str| {
            layout
                .join("blobs/sha256")
                .join(digest_hex(digest).unwrap())
        };
        assert!(blob(first.manifest.digest().as_ref()).is_file());
        assert!(blob(second.manifest.digest().as_ref()).is_file());

        let other = dir.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("keep"), "").unwrap();
        assert_eq!(
            one_layer_image()
                .write_layout(&other, "v1")
                .unwrap_err()
                .to_string(),
            format!(
                "{} exists and is not an OCI image layout (no oci-layout file): choose another output or remove it",
                other.display()
            )
        );
        assert_eq!(fs::read_dir(&other).unwrap().count(), 1, "left as it was");
        // An empty directory is written into.
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        one_layer_image().write_layout(&empty, "v1").unwrap();
        assert_eq!(tags(&empty), ["v1"]);
    }

    /// Blobs are copied into a layout as files of mode 0644, never linked to their source (a
    /// cache's file, mode 0600, that an edit of the layout must not reach); a source that does
    /// not match its digest is refused and the layout keeps its previous state.
    #[test]
    fn blobs_are_copied_and_checked_against_their_digests() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let mut image = one_layer_image();
        let layer = image.layers[0].blob.clone();
        let source = dir.path().join("cached");
        fs::write(&source, layer.bytes().unwrap()).unwrap();
        fs::set_permissions(&source, fs::Permissions::from_mode(0o600)).unwrap();
        image.layers[0].blob.data = BlobData::File(source.clone());
        let layout = dir.path().join("layout");
        image.write_layout(&layout, "v1").unwrap();
        let written = layout
            .join("blobs/sha256")
            .join(digest_hex(&layer.digest).unwrap());
        let metadata = fs::metadata(&written).unwrap();
        assert_eq!(metadata.mode() & 0o777, 0o644);
        assert_ne!(
            metadata.ino(),
            fs::metadata(&source).unwrap().ino(),
            "a copy"
        );
        assert_eq!(metadata.nlink(), 1);

        // An edit of the layout in place does not reach the source.
        let mut bytes = fs::read(&written).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        fs::write(&written, &bytes).unwrap();
        assert_eq!(fs::read(&source).unwrap(), *layer.bytes().unwrap());
        // Writing again repairs the layout's copy.
        image.write_layout(&layout, "v1").unwrap();
        assert_eq!(fs::read(&written).unwrap(), *layer.bytes().unwrap());

        // A source of the same size with other bytes: refused, the layout as it was.
        let index_before = fs::read(layout.join("index.json")).unwrap();
        fs::write(&source, &bytes).unwrap();
        let message = format!("{:#}", image.write_layout(&layout, "v2").unwrap_err());
        assert!(
            message.contains(&format!(
                "the blob {} ({}) does not match its digest",
                layer.digest,
                source.display()
            )),
            "{message}"
        );
        assert_eq!(fs::read(layout.join("index.json")).unwrap(), index_before);
        assert_eq!(tags(&layout), ["v1"]);
        assert!(read_layout(&layout, Some("v1")).is_ok());
        // Longer than its size: refused without reading it all.
        fs::write(&source, vec![0; 10_000]).unwrap();
        assert_eq!(
            format!("{:#}", image.layers[0].blob.bytes().unwrap_err()),
            format!(
                "the blob {} ({}) holds more than its {} bytes",
                layer.digest,
                source.display(),
                layer.size
            )
        );
    }

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo").arg(path).status();
        assert!(status.unwrap().success(), "mkfifo {}", path.display());
    }

    /// What a layout holds is read as untrusted input: a FIFO or a device as index.json or as
    /// a manifest is an error, not a wait; index.json over the cap is refused unread, and a
    /// parser's message about one under it is quoted bounded; a manifest that does not match
    /// its digest is refused.
    #[test]
    fn layouts_are_read_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        let written = one_layer_image().write_layout(&layout, "v1").unwrap();
        let index = layout.join("index.json");
        let good_index = fs::read(&index).unwrap();
        let message = |layout: &Path| format!("{:#}", read_layout(layout, None).unwrap_err());

        fs::remove_file(&index).unwrap();
        mkfifo(&index);
        assert_eq!(
            message(&layout),
            format!("{} is a FIFO, not a regular file", index.display())
        );
        fs::remove_file(&index).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &index).unwrap();
        assert_eq!(
            message(&layout),
            format!("{} is a device, not a regular file", index.display())
        );
        // Over the cap: refused, the message short.
        fs::remove_file(&index).unwrap();
        let huge = format!(
            r#"{{"schemaVersion":2,"manifests":"{}"}}"#,
            "\\u001b[2J".repeat(600_000)
        );
        fs::write(&index, &huge).unwrap();
        assert_eq!(
            message(&layout),
            format!(
                "{} is larger than {MAX_MANIFEST_SIZE} bytes, the most read from it",
                index.display()
            )
        );
        // Under it: the parser's message (which holds the string) quoted bounded, no escape
        // character in it.
        let huge = format!(
            r#"{{"schemaVersion":2,"manifests":"{}"}}"#,
            "\\u001b[2J".repeat(300_000)
        );
        fs::write(&index, &huge).unwrap();
        let text = message(&layout);
        assert!(text.len() < 1000, "{} bytes", text.len());
        assert!(!text.contains('\u{1b}'), "{text}");

        // The manifest as a FIFO; as other bytes than its digest's.
        fs::write(&index, &good_index).unwrap();
        let manifest = layout
            .join("blobs/sha256")
            .join(digest_hex(written.manifest.digest().as_ref()).unwrap());
        let manifest_bytes = fs::read(&manifest).unwrap();
        fs::remove_file(&manifest).unwrap();
        mkfifo(&manifest);
        assert_eq!(
            message(&layout),
            format!("{} is a FIFO, not a regular file", manifest.display())
        );
        fs::remove_file(&manifest).unwrap();
        let mut edited = manifest_bytes.clone();
        edited.push(b' ');
        fs::write(&manifest, &edited).unwrap();
        assert_eq!(
            message(&layout),
            format!(
                "the manifest {} does not match its digest: its bytes are {}",
                written.manifest.digest(),
                sha256_digest(&edited)
            )
        );
        fs::write(&manifest, &manifest_bytes).unwrap();
        assert!(read_layout(&layout, None).is_ok());
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
