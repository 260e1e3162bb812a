//! Content-addressed blobs: SHA-256 digests and where a blob's bytes are (memory, or a file such
//! as another layout's `blobs/sha256/<hex>`).

use crate::{Descriptor, MediaType};
use anyhow::{Context, bail};
use sha2::Digest as _;
use std::fs;
use std::path::{Path, PathBuf};

/// `sha256:<hex>` of `bytes`.
#[must_use]
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
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
    pub media_type: MediaType,
    pub digest: String,
    pub size: u64,
    pub data: BlobData,
}

impl Blob {
    /// A blob held in memory.
    #[must_use]
    pub fn memory(media_type: MediaType, bytes: Vec<u8>) -> Self {
        Self {
            media_type,
            digest: sha256_digest(&bytes),
            size: bytes.len() as u64,
            data: BlobData::Memory(bytes),
        }
    }

    /// Its descriptor.
    ///
    /// # Errors
    /// If the digest is not a valid OCI digest.
    pub fn descriptor(&self) -> anyhow::Result<Descriptor> {
        let digest: oci_spec::image::Digest = self
            .digest
            .parse()
            .with_context(|| format!("invalid digest {:?}", self.digest))?;
        Ok(Descriptor::new(self.media_type.clone(), self.size, digest))
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
    pub(super) fn write_to(&self, path: &Path) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
