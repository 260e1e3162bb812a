//! Content-addressed blobs: SHA-256 digests and where a blob's bytes are (memory, or a file such
//! as another layout's `blobs/sha256/<hex>`).

use crate::{Descriptor, MediaType};
use anyhow::{Context, bail};
use sha2::Digest as _;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use untrusted_input::open_regular_file;

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

    /// The blob's bytes; a file blob's checked against the digest and size while read
    /// ([`check_file_digest`]).
    ///
    /// # Errors
    /// If a file blob cannot be read or is not what its descriptor says.
    pub fn bytes(&self) -> anyhow::Result<std::borrow::Cow<'_, [u8]>> {
        match &self.data {
            BlobData::Memory(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
            BlobData::File(path) => {
                let mut bytes = Vec::new();
                copy_checked(path, &self.digest, self.size, &mut bytes)?;
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }

    /// Writes the blob to `path` as a new file of mode 0644, through a temporary file beside
    /// it renamed into place: a copy, never a link (a file blob may be a cache's file, or
    /// another layout's, that an edit of the output must not reach); a file blob's bytes are
    /// checked against its digest and size while copied ([`check_file_digest`]).
    pub(super) fn write_to(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::Builder::new()
            .prefix(".blob.")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        let written = match &self.data {
            BlobData::Memory(bytes) => file.write_all(bytes).map_err(anyhow::Error::from),
            BlobData::File(source) => copy_checked(source, &self.digest, self.size, &mut file),
        };
        written.with_context(|| format!("cannot write {}", path.display()))?;
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// Checks that the file `path` holds the blob `digest` of `size` bytes: a regular file (a FIFO
/// or a device is an error, not a wait) of exactly `size` bytes (no more is read) whose SHA-256
/// is `digest`.
///
/// # Errors
/// Naming the blob and the file: not a regular file, missing, another size, another digest.
pub fn check_file_digest(path: &Path, digest: &str, size: u64) -> anyhow::Result<()> {
    copy_checked(path, digest, size, &mut std::io::sink())
}

/// Copies the blob `digest` of `size` bytes from the file `source` to `sink`, checking it as
/// [`check_file_digest`] does (what reached `sink` is not to be used when this fails).
fn copy_checked(
    source: &Path,
    digest: &str,
    size: u64,
    sink: &mut dyn Write,
) -> anyhow::Result<()> {
    let blob = || format!("the blob {digest} ({})", source.display());
    let mut file = open_regular_file(source)
        .map_err(|error| anyhow::anyhow!("cannot read the blob {digest}: {error}"))?
        .with_context(|| format!("{}: no such file", blob()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0; 64 << 10];
    let mut copied: u64 = 0;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).with_context(|| format!("cannot read {}", blob())),
        };
        if read == 0 {
            break;
        }
        copied += read as u64;
        if copied > size {
            bail!("{} holds more than its {size} bytes", blob());
        }
        hasher.update(&buffer[..read]);
        sink.write_all(&buffer[..read])?;
    }
    if copied != size {
        bail!("{} holds {copied} bytes, not {size}", blob());
    }
    let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
    if actual != digest {
        bail!(
            "{} does not match its digest: its bytes are {actual}",
            blob()
        );
    }
    Ok(())
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
