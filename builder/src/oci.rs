//! OCI images without a daemon: layers as normalized tar archives, gzip with a fixed header,
//! SHA-256 digests, image configs, manifests, `index.json`, OCI image layout directories and
//! `.cnb` files (an OCI image layout in an uncompressed tar), written and read.
//!
//! Everything written here is reproducible: tar headers carry uid/gid (0 unless a layer asks for
//! an owner), no user or group names and the mtime 1980-01-01T00:00:01Z; entries come in the
//! order they are added (directory walks are sorted); gzip has no name and mtime 0 and a fixed
//! compression level; JSON documents are serialized from ordered structures.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use untrusted_input::quoted;

/// The mtime of every tar entry: 1980-01-01T00:00:01Z, as pack writes it.
pub const NORMALIZED_MTIME: u64 = 315_532_801;
/// [`NORMALIZED_MTIME`] in RFC 3339, for the `created` fields of image configs.
pub const NORMALIZED_TIME: &str = "1980-01-01T00:00:01Z";
/// The gzip compression level of layers (the default level, as pack uses).
pub const GZIP_LEVEL: u32 = 6;

pub const MEDIA_TYPE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_TYPE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
const DOCKER_MEDIA_TYPE_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MEDIA_TYPE_MANIFEST_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const DOCKER_MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// The `index.json` annotation that names a manifest (the tag of `oci:<dir>:<tag>`).
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// `sha256:<hex>` of `bytes`.
#[must_use]
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&sha2::Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The hex part of a `sha256:<hex>` digest, checked (it becomes a file name).
///
/// # Errors
/// If the digest is not `sha256:` followed by 64 lowercase hex digits.
pub fn digest_hex(digest: &str) -> anyhow::Result<&str> {
    match digest.strip_prefix("sha256:") {
        Some(hex)
            if hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(hex)
        }
        _ => bail!("unsupported digest {digest:?}: expected sha256:<64 hex digits>"),
    }
}

/// gzip of `data` with a fixed header (no file name, mtime 0) at [`GZIP_LEVEL`].
///
/// # Errors
/// Only if compression fails (it writes to memory).
pub fn gzip(data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(data.len() / 2),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(data).context("gzip failed")?;
    encoder.finish().context("gzip failed")
}

/// Who owns a tar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u64,
    pub gid: u64,
}

impl Owner {
    pub const ROOT: Self = Self { uid: 0, gid: 0 };
}

/// A layer being written: a tar archive with normalized headers, in memory.
///
/// Entry names are used as given: image layers use absolute names (`/cnb/...`), as pack writes
/// them; the tar of a layout uses relative ones.
pub struct LayerBuilder {
    tar: tar::Builder<Vec<u8>>,
}

impl Default for LayerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerBuilder {
    #[must_use]
    pub fn new() -> Self {
        Self {
            tar: tar::Builder::new(Vec::new()),
        }
    }

    /// A directory entry.
    ///
    /// # Errors
    /// If the name cannot be written.
    pub fn dir(&mut self, path: &str, mode: u32, owner: Owner) -> anyhow::Result<()> {
        self.entry(path, tar::EntryType::Directory, mode, owner, None, &[])
    }

    /// A regular file.
    ///
    /// # Errors
    /// If the name cannot be written.
    pub fn file(&mut self, path: &str, mode: u32, owner: Owner, data: &[u8]) -> anyhow::Result<()> {
        self.entry(path, tar::EntryType::Regular, mode, owner, None, data)
    }

    /// A symbolic link to `target` (kept as given, relative or absolute), owned by root.
    ///
    /// # Errors
    /// If the names cannot be written.
    pub fn symlink(&mut self, path: &str, target: &str) -> anyhow::Result<()> {
        self.entry(
            path,
            tar::EntryType::Symlink,
            0o777,
            Owner::ROOT,
            Some(target),
            &[],
        )
    }

    /// A hard link to the entry `target` (a name written before), owned by root.
    ///
    /// # Errors
    /// If the names cannot be written.
    pub fn hardlink(&mut self, path: &str, target: &str, mode: u32) -> anyhow::Result<()> {
        self.entry(
            path,
            tar::EntryType::Link,
            mode,
            Owner::ROOT,
            Some(target),
            &[],
        )
    }

    /// The contents of the host directory `source` below the entry name `prefix` (which is not
    /// written itself), normalized as pack normalizes a module: sorted, owned by root,
    /// directories and executables 0755, other files 0644, symlinks kept as links.
    ///
    /// # Errors
    /// If the tree cannot be read, or holds something other than files, directories and
    /// symlinks.
    pub fn tree(&mut self, source: &Path, prefix: &str) -> anyhow::Result<()> {
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(source)
            .with_context(|| format!("cannot list {}", source.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot list {}", source.display()))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                bail!("{} is not a UTF-8 file name", path.display());
            };
            let entry_name = format!("{prefix}/{name}");
            let metadata = fs::symlink_metadata(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let file_type = metadata.file_type();
            if file_type.is_symlink() {
                let target = fs::read_link(&path)
                    .with_context(|| format!("cannot read the link {}", path.display()))?;
                let Some(target) = target.to_str() else {
                    bail!("{} links to a non-UTF-8 path", path.display());
                };
                self.symlink(&entry_name, target)?;
            } else if file_type.is_dir() {
                self.dir(&entry_name, 0o755, Owner::ROOT)?;
                self.tree(&path, &entry_name)?;
            } else if file_type.is_file() {
                let data =
                    fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let mode = if metadata.permissions().mode() & 0o111 != 0 {
                    0o755
                } else {
                    0o644
                };
                self.file(&entry_name, mode, Owner::ROOT, &data)?;
            } else {
                bail!(
                    "{} is neither a file, a directory nor a symlink",
                    path.display()
                );
            }
        }
        Ok(())
    }

    fn entry(
        &mut self,
        path: &str,
        entry_type: tar::EntryType,
        mode: u32,
        owner: Owner,
        link: Option<&str>,
        data: &[u8],
    ) -> anyhow::Result<()> {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(entry_type);
        header.set_mode(mode);
        header.set_uid(owner.uid);
        header.set_gid(owner.gid);
        header.set_mtime(NORMALIZED_MTIME);
        header.set_size(data.len() as u64);

        let mut pax: Vec<(&str, &[u8])> = Vec::new();
        let ustar = header
            .as_ustar_mut()
            .context("a ustar header has ustar fields")?;
        if let Some((prefix, name)) = split_ustar_name(path) {
            ustar.prefix[..prefix.len()].copy_from_slice(prefix.as_bytes());
            ustar.name[..name.len()].copy_from_slice(name.as_bytes());
        } else {
            // Too long for ustar: a PAX `path` record, and a truncated name for old readers.
            let truncated = &path.as_bytes()[..path.len().min(99)];
            ustar.name[..truncated.len()].copy_from_slice(truncated);
            pax.push(("path", path.as_bytes()));
        }
        if let Some(link) = link {
            if link.len() <= 100 {
                ustar.linkname[..link.len()].copy_from_slice(link.as_bytes());
            } else {
                pax.push(("linkpath", link.as_bytes()));
            }
        }
        header.set_cksum();
        if !pax.is_empty() {
            self.tar
                .append_pax_extensions(pax)
                .with_context(|| format!("cannot write the tar entry {path}"))?;
        }
        self.tar
            .append(&header, data)
            .with_context(|| format!("cannot write the tar entry {path}"))
    }

    /// The finished tar archive.
    ///
    /// # Errors
    /// If the archive cannot be finished (it is in memory).
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        self.tar.into_inner().context("cannot finish a tar archive")
    }

    /// The finished archive as a gzip layer blob.
    ///
    /// # Errors
    /// If the archive cannot be finished or compressed.
    pub fn into_layer(self) -> anyhow::Result<LayerBlob> {
        LayerBlob::gzip(&self.finish()?)
    }
}

/// Splits a name into the ustar `prefix` (≤ 155 bytes) and `name` (≤ 100 bytes) fields.
fn split_ustar_name(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 {
        return Some(("", path));
    }
    path.match_indices('/').find_map(|(index, _)| {
        let (prefix, name) = (&path[..index], &path[index + 1..]);
        (prefix.len() <= 155 && name.len() <= 100 && !name.is_empty()).then_some((prefix, name))
    })
}

/// Where a blob's bytes are.
#[derive(Debug, Clone)]
pub enum BlobData {
    Memory(Vec<u8>),
    /// A file holding exactly the blob (e.g. in another OCI layout).
    File(PathBuf),
}

/// A content-addressed blob with its descriptor fields.
#[derive(Debug, Clone)]
pub struct Blob {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    pub data: BlobData,
}

impl Blob {
    /// A blob held in memory.
    #[must_use]
    pub fn memory(media_type: &str, bytes: Vec<u8>) -> Self {
        Self {
            media_type: media_type.to_string(),
            digest: sha256_digest(&bytes),
            size: bytes.len() as u64,
            data: BlobData::Memory(bytes),
        }
    }

    /// Its descriptor.
    #[must_use]
    pub fn descriptor(&self) -> Descriptor {
        Descriptor {
            media_type: self.media_type.clone(),
            digest: self.digest.clone(),
            size: self.size,
            annotations: BTreeMap::new(),
            platform: None,
        }
    }

    /// The blob's bytes.
    ///
    /// # Errors
    /// If a file blob cannot be read.
    pub fn bytes(&self) -> anyhow::Result<std::borrow::Cow<'_, [u8]>> {
        match &self.data {
            BlobData::Memory(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
            BlobData::File(path) => Ok(std::borrow::Cow::Owned(
                fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
            )),
        }
    }

    /// Writes the blob to `path`: a hard link to a file blob when possible, else a copy.
    fn write_to(&self, path: &Path) -> anyhow::Result<()> {
        match &self.data {
            BlobData::Memory(bytes) => {
                fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
            }
            BlobData::File(source) => {
                if fs::hard_link(source, path).is_err() {
                    fs::copy(source, path).with_context(|| {
                        format!("cannot copy {} to {}", source.display(), path.display())
                    })?;
                }
                Ok(())
            }
        }
    }
}

/// A layer: its blob and the digest of its uncompressed tar (the config's `diff_id`).
#[derive(Debug, Clone)]
pub struct LayerBlob {
    pub blob: Blob,
    pub diff_id: String,
}

impl LayerBlob {
    /// A gzip layer of the tar archive `tar`.
    ///
    /// # Errors
    /// If compression fails.
    pub fn gzip(tar: &[u8]) -> anyhow::Result<Self> {
        Ok(Self {
            diff_id: sha256_digest(tar),
            blob: Blob::memory(MEDIA_TYPE_LAYER_GZIP, gzip(tar)?),
        })
    }
}

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

/// The platform of an index entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    config: Descriptor,
    layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    manifests: Vec<Descriptor>,
}

/// An image to write: its config (a JSON document whose `rootfs.diff_ids` must list the layers)
/// and its layers, bottom first.
#[derive(Debug, Clone)]
pub struct Image {
    pub config: serde_json::Value,
    pub layers: Vec<LayerBlob>,
}

/// The blobs of a written image.
#[derive(Debug, Clone)]
pub struct WrittenImage {
    /// The manifest's descriptor (its digest is the image's digest).
    pub manifest: Descriptor,
    /// The config's descriptor (its digest is the image id).
    pub config: Descriptor,
}

impl Image {
    /// The config, manifest and index blobs for the tag `tag`.
    ///
    /// # Errors
    /// If the config's `rootfs.diff_ids` do not list the layers.
    pub fn documents(&self, tag: &str) -> anyhow::Result<(Blob, Blob, Vec<u8>)> {
        let diff_ids: Vec<&str> = self
            .config
            .pointer("/rootfs/diff_ids")
            .and_then(serde_json::Value::as_array)
            .map(|ids| ids.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let layer_ids: Vec<&str> = self.layers.iter().map(|l| l.diff_id.as_str()).collect();
        if diff_ids != layer_ids {
            bail!("the image config's rootfs.diff_ids do not list the image's layers");
        }
        let config = Blob::memory(MEDIA_TYPE_CONFIG, serde_json::to_vec(&self.config)?);
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_MANIFEST.to_string()),
            config: config.descriptor(),
            layers: self.layers.iter().map(|l| l.blob.descriptor()).collect(),
            annotations: BTreeMap::new(),
        };
        let manifest = Blob::memory(MEDIA_TYPE_MANIFEST, serde_json::to_vec(&manifest)?);
        let platform = Platform {
            architecture: json_str(&self.config, "/architecture")
                .unwrap_or("amd64")
                .to_string(),
            os: json_str(&self.config, "/os").unwrap_or("linux").to_string(),
            variant: json_str(&self.config, "/variant").map(str::to_string),
        };
        let mut entry = manifest.descriptor();
        entry
            .annotations
            .insert(REF_NAME_ANNOTATION.to_string(), tag.to_string());
        entry.platform = Some(platform);
        let index = Index {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_INDEX.to_string()),
            manifests: vec![entry],
        };
        Ok((config, manifest, serde_json::to_vec(&index)?))
    }

    /// All blobs, sorted by digest, without duplicates.
    fn all_blobs<'a>(&'a self, config: &'a Blob, manifest: &'a Blob) -> Vec<&'a Blob> {
        let mut blobs: Vec<&Blob> = self.layers.iter().map(|l| &l.blob).collect();
        blobs.push(config);
        blobs.push(manifest);
        blobs.sort_by(|a, b| a.digest.cmp(&b.digest));
        blobs.dedup_by(|a, b| a.digest == b.digest);
        blobs
    }

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

fn json_str<'a>(value: &'a serde_json::Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(serde_json::Value::as_str)
}

/// An image read from an OCI layout directory or a `.cnb` archive.
#[derive(Debug, Clone)]
pub struct LoadedImage {
    /// The config document, as read.
    pub config: serde_json::Value,
    /// The layers, bottom first, with their diff ids from the config.
    pub layers: Vec<LayerBlob>,
}

impl LoadedImage {
    /// The label `name` of the config, if set.
    #[must_use]
    pub fn label(&self, name: &str) -> Option<&str> {
        self.config
            .pointer("/config/Labels")
            .and_then(|labels| labels.get(name))
            .and_then(serde_json::Value::as_str)
    }

    /// The value of the environment variable `name` in the config's `Env`, if set.
    #[must_use]
    pub fn env(&self, name: &str) -> Option<&str> {
        self.config
            .pointer("/config/Env")
            .and_then(serde_json::Value::as_array)?
            .iter()
            .filter_map(serde_json::Value::as_str)
            .find_map(|entry| {
                entry
                    .split_once('=')
                    .filter(|(key, _)| *key == name)
                    .map(|(_, value)| value)
            })
    }
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

/// Reads the image of a `.cnb` file (an OCI image layout in a tar; entry names may start with
/// `/` or `./`). The file's only image is read, or the one tagged `tag`. Blobs are read into
/// memory.
///
/// # Errors
/// If the file is not such an archive, or a blob is missing or invalid.
pub fn read_archive(path: &Path, tag: Option<&str>) -> anyhow::Result<LoadedImage> {
    let file = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
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
        entry
            .read_to_end(&mut data)
            .with_context(|| format!("cannot read {} in {}", quoted(&name), path.display()))?;
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

fn select_manifest(entries: &[Descriptor], tag: Option<&str>) -> anyhow::Result<Descriptor> {
    let tag_of = |entry: &Descriptor| entry.annotations.get(REF_NAME_ANNOTATION).cloned();
    match tag {
        Some(tag) => entries
            .iter()
            .find(|entry| tag_of(entry).as_deref() == Some(tag))
            .cloned()
            .with_context(|| {
                let tags: Vec<String> = entries.iter().filter_map(tag_of).collect();
                format!(
                    "no image tagged {tag:?} (tags: {})",
                    if tags.is_empty() {
                        "none".to_string()
                    } else {
                        tags.join(", ")
                    }
                )
            }),
        None => match entries {
            [only] => Ok(only.clone()),
            [] => bail!("the layout holds no image"),
            several => bail!(
                "the layout holds {} images: name one with <dir>:<tag> (tags: {})",
                several.len(),
                several
                    .iter()
                    .filter_map(tag_of)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

/// Reads a manifest (following an index to its linux/amd64 entry) and its config; returns the
/// config and the layer descriptors (media types normalized to OCI) with their diff ids.
fn load_manifest(
    entry: &Descriptor,
    read_blob: &dyn Fn(&str) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<(serde_json::Value, Vec<(Descriptor, String)>)> {
    let bytes = read_blob(&entry.digest)?;
    if entry.media_type == MEDIA_TYPE_INDEX || entry.media_type == DOCKER_MEDIA_TYPE_MANIFEST_LIST {
        let index: Index = serde_json::from_slice(&bytes).context("invalid image index")?;
        let chosen = index
            .manifests
            .iter()
            .find(|m| {
                m.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
            })
            .or_else(|| index.manifests.first())
            .context("an empty image index")?;
        return load_manifest(chosen, read_blob);
    }
    if entry.media_type != MEDIA_TYPE_MANIFEST && entry.media_type != DOCKER_MEDIA_TYPE_MANIFEST {
        bail!("unsupported manifest media type {:?}", entry.media_type);
    }
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("invalid manifest {}", entry.digest))?;
    let config_bytes = read_blob(&manifest.config.digest)?;
    let config: serde_json::Value = serde_json::from_slice(&config_bytes)
        .with_context(|| format!("invalid image config {}", manifest.config.digest))?;
    let diff_ids: Vec<String> = config
        .pointer("/rootfs/diff_ids")
        .and_then(serde_json::Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if diff_ids.len() != manifest.layers.len() {
        bail!(
            "the image config lists {} diff ids for {} layers",
            diff_ids.len(),
            manifest.layers.len()
        );
    }
    let layers = manifest
        .layers
        .into_iter()
        .zip(diff_ids)
        .map(|(mut descriptor, diff_id)| {
            descriptor.media_type = match descriptor.media_type.as_str() {
                DOCKER_MEDIA_TYPE_LAYER_GZIP => MEDIA_TYPE_LAYER_GZIP.to_string(),
                DOCKER_MEDIA_TYPE_LAYER_TAR => MEDIA_TYPE_LAYER_TAR.to_string(),
                other => other.to_string(),
            };
            (descriptor, diff_id)
        })
        .collect();
    Ok((config, layers))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, type, mode, uid, gid, mtime and link name of every entry.
    type Entry = (String, tar::EntryType, u32, u64, u64, u64, Option<String>);

    fn entries(tar: &[u8]) -> Vec<Entry> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let header = entry.header();
                (
                    entry.path().unwrap().to_string_lossy().into_owned(),
                    header.entry_type(),
                    header.mode().unwrap(),
                    header.uid().unwrap(),
                    header.gid().unwrap(),
                    header.mtime().unwrap(),
                    entry
                        .link_name()
                        .unwrap()
                        .map(|link| link.to_string_lossy().into_owned()),
                )
            })
            .collect()
    }

    #[test]
    fn digests() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(
            digest_hex("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .is_ok()
        );
        for bad in ["sha512:00", "sha256:../../etc", "sha256:E3B0", "e3b0"] {
            assert!(digest_hex(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn gzip_has_a_fixed_header_and_is_deterministic() {
        let data = b"hello hello hello hello".repeat(100);
        let first = gzip(&data).unwrap();
        assert_eq!(first, gzip(&data).unwrap());
        // Magic, deflate, no flags (no name, no comment), mtime 0.
        assert_eq!(&first[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&first[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, data);
    }

    #[test]
    fn layer_entries_are_normalized_and_keep_absolute_names() {
        let mut layer = LayerBuilder::new();
        layer
            .dir(
                "/layers",
                0o755,
                Owner {
                    uid: 1002,
                    gid: 1000,
                },
            )
            .unwrap();
        layer
            .file("/cnb/run.toml", 0o644, Owner::ROOT, b"x")
            .unwrap();
        layer.symlink("/lifecycle", "/cnb/lifecycle").unwrap();
        let long = format!(
            "/cnb/buildpacks/{}/0.1.0/bin/{}",
            "a".repeat(90),
            "b".repeat(60)
        );
        layer.file(&long, 0o755, Owner::ROOT, b"long").unwrap();
        let longer = format!("/{}", "c".repeat(300));
        layer.file(&longer, 0o644, Owner::ROOT, b"").unwrap();
        let tar = layer.finish().unwrap();
        let entries = entries(&tar);
        assert_eq!(
            entries[0],
            (
                "/layers".into(),
                tar::EntryType::Directory,
                0o755,
                1002,
                1000,
                NORMALIZED_MTIME,
                None
            )
        );
        assert_eq!(entries[1].0, "/cnb/run.toml");
        assert_eq!(
            entries[2],
            (
                "/lifecycle".into(),
                tar::EntryType::Symlink,
                0o777,
                0,
                0,
                NORMALIZED_MTIME,
                Some("/cnb/lifecycle".into())
            )
        );
        assert_eq!(entries[3].0, long);
        assert_eq!(entries[4].0, longer);
        assert_eq!(entries.len(), 5);
    }

    #[test]
    fn a_tree_is_sorted_and_normalized() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bin")).unwrap();
        fs::write(dir.path().join("bin/build"), "#!").unwrap();
        fs::set_permissions(
            dir.path().join("bin/build"),
            fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        std::os::unix::fs::symlink("build", dir.path().join("bin/detect")).unwrap();
        fs::write(dir.path().join("buildpack.toml"), "x").unwrap();
        fs::set_permissions(
            dir.path().join("buildpack.toml"),
            fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        let mut layer = LayerBuilder::new();
        layer.tree(dir.path(), "/cnb/buildpacks/a/1.0.0").unwrap();
        let entries = entries(&layer.finish().unwrap());
        let summary: Vec<(String, u32)> = entries.iter().map(|e| (e.0.clone(), e.2)).collect();
        assert_eq!(
            summary,
            [
                ("/cnb/buildpacks/a/1.0.0/bin".to_string(), 0o755),
                ("/cnb/buildpacks/a/1.0.0/bin/build".to_string(), 0o755),
                ("/cnb/buildpacks/a/1.0.0/bin/detect".to_string(), 0o777),
                ("/cnb/buildpacks/a/1.0.0/buildpack.toml".to_string(), 0o644),
            ]
        );
        assert_eq!(entries[2].6.as_deref(), Some("build"));
    }

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
