//! Pulled blobs kept by digest (`<dir>/blobs/sha256/<hex>`, the blob layout of an OCI image
//! layout): written to a temporary file beside, checked, then renamed into place, so a blob
//! in the cache is always whole and matches its digest.

use anyhow::{Context, bail};
use oci_layout::{digest_hex, sha256_digest};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(super) struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub(super) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Where the blob `digest` is (or would be).
    pub(super) fn path(&self, digest: &str) -> anyhow::Result<PathBuf> {
        Ok(self.dir.join("blobs/sha256").join(digest_hex(digest)?))
    }

    /// The cached blob `digest` of `size` bytes, if there.
    pub(super) fn get(&self, digest: &str, size: Option<u64>) -> anyhow::Result<Option<PathBuf>> {
        let path = self.path(digest)?;
        Ok(fs::metadata(&path)
            .ok()
            .filter(|metadata| metadata.is_file() && size.is_none_or(|size| metadata.len() == size))
            .map(|_| path))
    }

    /// A temporary file in the cache, to be [`Self::commit`]ted.
    pub(super) fn temp_file(&self) -> anyhow::Result<tempfile::NamedTempFile> {
        let dir = self.dir.join("blobs/sha256");
        fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the blob cache {}", dir.display()))?;
        tempfile::Builder::new()
            .prefix(".download.")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a file in the blob cache {}", dir.display()))
    }

    /// Moves a complete download into place (the client checked its digest).
    pub(super) fn commit(
        &self,
        file: tempfile::NamedTempFile,
        digest: &str,
    ) -> anyhow::Result<PathBuf> {
        let path = self.path(digest)?;
        file.persist(&path)
            .with_context(|| format!("cannot write {} in the blob cache", path.display()))?;
        Ok(path)
    }

    /// Stores `bytes` as the blob `digest`, after checking them.
    pub(super) fn put(&self, digest: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let actual = sha256_digest(bytes);
        if actual != digest {
            bail!("the content of {digest} has the digest {actual}");
        }
        let mut file = self.temp_file()?;
        std::io::Write::write_all(&mut file, bytes)
            .with_context(|| format!("cannot write {}", file.path().display()))?;
        self.commit(file, digest)
    }

    /// The bytes of a cached blob.
    pub(super) fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
        fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}
