//! Pulled blobs kept by digest (`<dir>/blobs/sha256/<hex>`, the blob layout of an OCI image
//! layout): written to a temporary file beside, checked, then renamed into place. What is
//! found there is checked against its digest before it is used (once per run): a file edited
//! or cut since is removed, and downloaded again.

use anyhow::{Context, bail};
use oci_layout::{check_file_digest, digest_hex, sha256_digest};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(super) struct Cache {
    dir: PathBuf,
    /// The digests whose files were checked (or written) in this run.
    checked: RefCell<BTreeSet<String>>,
}

impl Cache {
    pub(super) fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            checked: RefCell::default(),
        }
    }

    /// Where the blob `digest` is (or would be).
    pub(super) fn path(&self, digest: &str) -> anyhow::Result<PathBuf> {
        Ok(self.dir.join("blobs/sha256").join(digest_hex(digest)?))
    }

    /// The cached blob `digest` of `size` bytes, if there and whole: a regular file of that
    /// size (when given) whose bytes match the digest (checked once per run, streamed). A file
    /// that does not match is removed from the cache, so that it is downloaded again.
    ///
    /// # Errors
    /// If something other than a file is in the blob's place, or a bad file cannot be removed.
    pub(super) fn get(&self, digest: &str, size: Option<u64>) -> anyhow::Result<Option<PathBuf>> {
        let path = self.path(digest)?;
        let Ok(metadata) = fs::metadata(&path) else {
            return Ok(None);
        };
        if !metadata.is_file() {
            bail!(
                "{} in the blob cache is not a regular file: remove it",
                path.display()
            );
        }
        let size = size.unwrap_or(metadata.len());
        if metadata.len() == size && self.checked.borrow().contains(digest) {
            return Ok(Some(path));
        }
        if check_file_digest(&path, digest, size).is_err() {
            fs::remove_file(&path).with_context(|| {
                format!(
                    "{} in the blob cache does not match its digest and cannot be removed",
                    path.display()
                )
            })?;
            return Ok(None);
        }
        self.checked.borrow_mut().insert(digest.to_string());
        Ok(Some(path))
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
        self.checked.borrow_mut().insert(digest.to_string());
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
