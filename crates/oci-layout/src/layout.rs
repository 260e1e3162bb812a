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
        write_layout_files(dir, tag, &self.all_blobs(&[&config, &manifest]), &index)?;
        Ok(WrittenImage {
            manifest: manifest.descriptor()?,
            config: config.descriptor()?,
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
        for blob in self.all_blobs(&[&config, &manifest]) {
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

/// Writes `blobs` and the `index.json` `index` (whose one entry is tagged `tag`) into the OCI
/// image layout directory `dir`, as [`Image::write_layout`] describes: into an existing layout,
/// the blobs, then `index.json` with the entries tagged `tag` replaced by `index`'s; a new or
/// empty `dir` assembled beside it and renamed into place.
pub(crate) fn write_layout_files(
    dir: &Path,
    tag: &str,
    blobs: &[&Blob],
    index: &[u8],
) -> anyhow::Result<()> {
    if dir.join("oci-layout").is_file() {
        let mut existing = read_index(dir)?;
        let entries = existing
            .get_mut("manifests")
            .and_then(serde_json::Value::as_array_mut)
            .with_context(|| {
                format!("{} has no manifests list", dir.join("index.json").display())
            })?;
        let ours: serde_json::Value = serde_json::from_slice(index)?;
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
        for blob in blobs {
            blob.write_to(&blobs_dir.join(digest_hex(&blob.digest)?))?;
        }
        let index = Blob::memory(MediaType::ImageIndex, serde_json::to_vec(&existing)?);
        index.write_to(&dir.join("index.json"))?;
        return Ok(());
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
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".oci-layout.")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
    fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o755))?;
    let blobs_dir = staging.path().join("blobs/sha256");
    fs::create_dir_all(&blobs_dir)?;
    for blob in blobs {
        blob.write_to(&blobs_dir.join(digest_hex(&blob.digest)?))?;
    }
    fs::write(staging.path().join("index.json"), index)?;
    fs::write(staging.path().join("oci-layout"), OCI_LAYOUT)?;
    // Over an empty directory, rename replaces it.
    let staged = staging.keep();
    fs::rename(&staged, dir).with_context(|| {
        let _ = fs::remove_dir_all(&staged);
        format!("cannot move {} to {}", staged.display(), dir.display())
    })?;
    Ok(())
}

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
mod tests;
