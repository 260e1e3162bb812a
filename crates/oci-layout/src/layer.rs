//! Image layers: tar archives with normalized headers (reproducible), gzip with a fixed header,
//! and the layer blob with its `diff_id`.

use crate::{Blob, BlobData, MediaType, sha256_digest};
use anyhow::{Context, bail};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The mtime of every tar entry: 1980-01-01T00:00:01Z, as pack writes it.
pub const NORMALIZED_MTIME: u64 = 315_532_801;
/// [`NORMALIZED_MTIME`] in RFC 3339, for the `created` fields of image configs.
pub const NORMALIZED_TIME: &str = "1980-01-01T00:00:01Z";
/// The gzip compression level of layers: gzip's default (pack, through go-containerregistry,
/// compresses at level 1, `BestSpeed`: its layers are larger, e.g. the lifecycle 9.90 MB against
/// 8.71 MB here).
pub const GZIP_LEVEL: u32 = 6;

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
            blob: Blob::memory(MediaType::ImageLayerGzip, gzip(tar)?),
        })
    }
}

/// Checks that a layer's bytes are compressed as its media type declares: a gzip layer's start
/// with gzip's magic number, an uncompressed one's with neither gzip's nor zstd's (a tar has
/// no magic number at its start). Other media types are not checked here. Only the first bytes
/// are read (from a file blob, a regular file).
///
/// # Errors
/// Naming the layer's digest, what it is declared and what its bytes are; or if a file blob
/// cannot be read or is not a regular file.
pub fn check_layer_compression(blob: &Blob) -> anyhow::Result<()> {
    let (declared, described) = match &blob.media_type {
        MediaType::ImageLayerGzip => ("gzip", "a gzip tar"),
        MediaType::ImageLayer => ("not compressed", "an uncompressed tar"),
        _ => return Ok(()),
    };
    let mut head = Vec::with_capacity(ZSTD_MAGIC.len());
    match &blob.data {
        BlobData::Memory(bytes) => head.extend(bytes.iter().take(ZSTD_MAGIC.len())),
        BlobData::File(path) => {
            let cannot_read = || format!("cannot read the layer {}", blob.digest);
            // Looked at before it is opened: opening a FIFO would wait.
            if !fs::metadata(path).with_context(cannot_read)?.is_file() {
                bail!(
                    "{}: {} is not a regular file",
                    cannot_read(),
                    path.display()
                );
            }
            fs::File::open(path)
                .with_context(cannot_read)?
                .take(ZSTD_MAGIC.len() as u64)
                .read_to_end(&mut head)
                .with_context(cannot_read)?;
        }
    }
    let actual = if head.starts_with(&GZIP_MAGIC) {
        "gzip"
    } else if head.starts_with(&ZSTD_MAGIC) {
        "zstd"
    } else {
        "not compressed"
    };
    if actual != declared {
        bail!(
            "the layer {} is declared {described} but its bytes are {actual}",
            blob.digest
        );
    }
    Ok(())
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

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
}
