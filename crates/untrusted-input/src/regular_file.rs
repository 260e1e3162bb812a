//! Regular files only, of bounded size: the one reader of untrusted files in this workspace.
//!
//! Extensions get it as `cnb_extension::untrusted`, buildpacks from this crate; the readers of
//! app files (`app_file`) are built on it.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug)]
pub struct ReadError {
    /// The path as it was given (not where its links lead).
    pub path: PathBuf,
    /// What went wrong.
    pub kind: ReadErrorKind,
}

/// What went wrong reading a file.
#[derive(Debug)]
pub enum ReadErrorKind {
    /// It exists but is not a regular file: a directory, a FIFO, a socket or a device.
    NotRegular(&'static str),
    /// It is larger than the reader accepts.
    TooLarge {
        /// The largest size accepted, in bytes.
        limit: u64,
    },
    /// It is a symbolic link to nothing.
    DanglingLink,
    /// Once its links are resolved it is not inside the app directory.
    OutsideApp,
    /// The operating system refused (permissions, I/O).
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.kind {
            ReadErrorKind::NotRegular(what) => write!(f, "{path} is {what}, not a regular file"),
            ReadErrorKind::TooLarge { limit } => {
                write!(
                    f,
                    "{path} is larger than {limit} bytes, the most read from it"
                )
            }
            ReadErrorKind::DanglingLink => {
                write!(f, "{path} is a symbolic link to a file that does not exist")
            }
            ReadErrorKind::OutsideApp => write!(
                f,
                "{path} leads outside the app directory through a symbolic link"
            ),
            ReadErrorKind::Io(error) => write!(f, "cannot read {path}: {error}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ReadErrorKind::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl ReadError {
    /// An error about `path`.
    pub(crate) fn new(path: &Path, kind: ReadErrorKind) -> Self {
        Self {
            path: path.to_path_buf(),
            kind,
        }
    }
}

/// The bytes of the regular file at `path` (links followed), `None` when nothing is there.
///
/// The file is opened without blocking and its type checked on the opened file, so a FIFO, a
/// socket or a device is an error, never a wait. At most `limit` bytes are read: a larger
/// file is an error.
///
/// # Errors
/// When `path` is not a regular file, is larger than `limit`, is a dangling symbolic link, or
/// cannot be read.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let Some(mut file) = open_regular(path)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    // One byte more than the limit tells a file that is too large, even one that grows.
    (&mut file)
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| ReadError::new(path, ReadErrorKind::Io(error)))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::new(path, ReadErrorKind::TooLarge { limit }));
    }
    Ok(Some(bytes))
}

/// The regular file at `path` (links followed) opened for reading, `None` when nothing is
/// there: to stream a file that [`read_regular_file`] would hold whole (a blob copied while its
/// digest is computed). Opened without blocking and its type checked on the opened file, as
/// [`read_regular_file`] does; the reader bounds what it reads.
///
/// # Errors
/// When `path` is not a regular file, is a dangling symbolic link, or cannot be opened.
pub fn open_regular_file(path: &Path) -> Result<Option<File>, ReadError> {
    open_regular(path)
}

fn open_regular(path: &Path) -> Result<Option<File>, ReadError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return match path.symlink_metadata() {
                Ok(_) => Err(ReadError::new(path, ReadErrorKind::DanglingLink)),
                Err(_) => Ok(None),
            };
        }
        Err(error) => return Err(ReadError::new(path, ReadErrorKind::Io(error))),
    };
    let file_type = file
        .metadata()
        .map_err(|error| ReadError::new(path, ReadErrorKind::Io(error)))?
        .file_type();
    if file_type.is_file() {
        return Ok(Some(file));
    }
    let what = if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else {
        "a special file"
    };
    Err(ReadError::new(path, ReadErrorKind::NotRegular(what)))
}

/// Makes a FIFO at `path`: the special file this crate's tests hand a reader where it expects a
/// regular file, to show that it errors instead of waiting for a writer.
#[cfg(test)]
pub(crate) fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status();
    assert!(status.unwrap().success(), "mkfifo {}", path.display());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn reads_a_regular_file_and_nothing_when_absent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "20\n").unwrap();
        assert_eq!(
            read_regular_file(&dir.path().join("f"), 3).unwrap(),
            Some(b"20\n".to_vec())
        );
        assert!(
            read_regular_file(&dir.path().join("missing"), 3)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_fifo_is_an_error_not_a_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("package.json");
        mkfifo(&fifo);
        let error = read_regular_file(&fifo, 10).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{} is a FIFO, not a regular file", fifo.display())
        );
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_regular_file(dir.path(), 10).unwrap_err();
        assert!(matches!(
            error.kind,
            ReadErrorKind::NotRegular("a directory")
        ));
    }

    #[test]
    fn a_file_over_the_limit_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "1234").unwrap();
        let error = read_regular_file(&dir.path().join("f"), 3).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::TooLarge { limit: 3 }));
        assert!(
            error
                .to_string()
                .ends_with("is larger than 3 bytes, the most read from it")
        );
    }

    #[test]
    fn a_dangling_link_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        symlink("missing", dir.path().join("package.json")).unwrap();
        let error = read_regular_file(&dir.path().join("package.json"), 10).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::DanglingLink));
    }
}
