//! Files of the app: regular files of bounded size that are inside the app once their links
//! are resolved, read with [`read_regular_file`].

use crate::regular_file::{ReadError, ReadErrorKind, read_regular_file};
use crate::text::text_lossy;
use std::io;
use std::path::{Path, PathBuf};

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

/// [`read_app_file`] as text ([`text_lossy`]): a leading byte order mark dropped, invalid
/// UTF-8 sequences replaced (U+FFFD).
///
/// # Errors
/// As [`read_app_file`].
pub fn read_app_text(
    app_dir: &Path,
    relative: &Path,
    limit: u64,
) -> Result<Option<String>, ReadError> {
    Ok(read_app_file(app_dir, relative, limit)?.map(|bytes| text_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_fifo_in_the_app_is_an_error_not_a_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("package.json");
        crate::regular_file::mkfifo(&fifo);
        let error = read_app_file(dir.path(), Path::new("package.json"), 10).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::NotRegular("a FIFO")));
    }

    #[test]
    fn a_dangling_link_in_the_app_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        symlink("missing", dir.path().join("package.json")).unwrap();
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
