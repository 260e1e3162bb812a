//! Regular files only, of bounded size, inside the app when they come from the app.

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
    fn new(path: &Path, kind: ReadErrorKind) -> Self {
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

/// `app_dir/relative` with every link resolved, `None` when nothing is there.
///
/// # Errors
/// When it resolves outside `app_dir` (once `app_dir`'s own links are resolved too), is a
/// dangling symbolic link, or cannot be resolved.
pub fn resolve_in_app(app_dir: &Path, relative: &Path) -> Result<Option<PathBuf>, ReadError> {
    let path = app_dir.join(relative);
    if let Err(error) = path.symlink_metadata() {
        return match error.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => Ok(None),
            _ => Err(ReadError::new(&path, ReadErrorKind::Io(error))),
        };
    }
    let resolved = match path.canonicalize() {
        Ok(resolved) => resolved,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReadError::new(&path, ReadErrorKind::DanglingLink));
        }
        Err(error) => return Err(ReadError::new(&path, ReadErrorKind::Io(error))),
    };
    let app = app_dir
        .canonicalize()
        .map_err(|error| ReadError::new(app_dir, ReadErrorKind::Io(error)))?;
    if resolved.starts_with(&app) {
        Ok(Some(resolved))
    } else {
        Err(ReadError::new(&path, ReadErrorKind::OutsideApp))
    }
}

/// The bytes of the app's file `app_dir/relative`, `None` when it does not exist: a regular
/// file of at most `limit` bytes that is inside the app once its links are resolved (links
/// inside the app work).
///
/// # Errors
/// As [`resolve_in_app`] and [`read_regular_file`]; the error names `app_dir/relative`.
pub fn read_app_file(
    app_dir: &Path,
    relative: &Path,
    limit: u64,
) -> Result<Option<Vec<u8>>, ReadError> {
    let Some(resolved) = resolve_in_app(app_dir, relative)? else {
        return Ok(None);
    };
    read_regular_file(&resolved, limit).map_err(|error| ReadError {
        path: app_dir.join(relative),
        kind: error.kind,
    })
}

/// [`read_app_file`] decoded as UTF-8, invalid sequences replaced (U+FFFD).
///
/// # Errors
/// As [`read_app_file`].
pub fn read_app_text(
    app_dir: &Path,
    relative: &Path,
    limit: u64,
) -> Result<Option<String>, ReadError> {
    Ok(read_app_file(app_dir, relative, limit)?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::process::Command;

    fn mkfifo(path: &Path) {
        assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
    }

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
        let error = read_app_file(dir.path(), Path::new("package.json"), 10).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::NotRegular("a FIFO")));
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
        let error = read_app_file(dir.path(), Path::new("package.json"), 10).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::DanglingLink));
    }

    #[test]
    fn links_inside_the_app_are_followed_and_links_out_of_it_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("shadow"), "secret").unwrap();
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("config")).unwrap();
        std::fs::write(app.path().join("config/node-version"), "20").unwrap();
        symlink("config/node-version", app.path().join(".nvmrc")).unwrap();
        symlink(
            outside.path().join("shadow"),
            app.path().join(".java-version"),
        )
        .unwrap();
        symlink(outside.path(), app.path().join("sub")).unwrap();

        assert_eq!(
            read_app_text(app.path(), Path::new(".nvmrc"), 10).unwrap(),
            Some("20".to_string())
        );
        let dot_dot = Path::new("..")
            .join(outside.path().file_name().unwrap())
            .join("shadow");
        for relative in [
            Path::new(".java-version"),
            Path::new("sub/shadow"),
            &dot_dot,
        ] {
            let error = read_app_file(app.path(), relative, 10).unwrap_err();
            assert!(
                matches!(error.kind, ReadErrorKind::OutsideApp),
                "{relative:?}"
            );
            assert!(!error.to_string().contains("secret"));
        }
        assert!(
            resolve_in_app(app.path(), Path::new("/etc"))
                .unwrap_err()
                .to_string()
                .contains("outside the app directory")
        );
        assert_eq!(
            resolve_in_app(app.path(), Path::new("config")).unwrap(),
            Some(app.path().canonicalize().unwrap().join("config"))
        );
    }

    #[test]
    fn a_path_through_a_regular_file_is_absent() {
        let app = tempfile::tempdir().unwrap();
        std::fs::write(app.path().join("file"), "").unwrap();
        assert!(
            read_app_file(app.path(), Path::new("file/pom.xml"), 10)
                .unwrap()
                .is_none()
        );
    }
}
