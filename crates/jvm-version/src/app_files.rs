//! Whether an app is a JVM app: the build files and manifest both Java modules read.

use crate::{JvmVersionError, VersionSource, read_source};
use std::path::Path;

/// The files whose presence at the app root makes it a JVM app (besides a `*.jar`), in the
/// order they are looked for: `pom.xml`, `build.gradle`, `build.gradle.kts`,
/// `META-INF/MANIFEST.MF`.
pub const JVM_APP_FILES: [VersionSource; 4] = [
    VersionSource::Pom,
    VersionSource::BuildGradle,
    VersionSource::BuildGradleKts,
    VersionSource::Manifest,
];

/// The first of [`JVM_APP_FILES`] the app in `app_dir` has, read as [`requested_version`]
/// reads it: `None` when it has none. A file that is there but cannot be read (a FIFO, a
/// directory, a dangling link, a link out of the app, too large) is the error
/// [`requested_version`] gives for it, never "not a JVM app".
///
/// ```
/// use jvm_version::{VersionSource, jvm_app_file};
///
/// let app = tempfile::tempdir().unwrap();
/// assert_eq!(jvm_app_file(app.path()).unwrap(), None);
/// std::fs::write(app.path().join("build.gradle.kts"), "plugins { java }\n").unwrap();
/// assert_eq!(jvm_app_file(app.path()).unwrap(), Some(VersionSource::BuildGradleKts));
/// std::fs::create_dir(app.path().join("pom.xml")).unwrap();
/// assert!(jvm_app_file(app.path()).unwrap_err().to_string().ends_with("is a directory, not a regular file"));
/// ```
///
/// [`requested_version`]: crate::requested_version
///
/// # Errors
/// [`JvmVersionError::Read`] when one of the files is there but cannot be read.
pub fn jvm_app_file(app_dir: &Path) -> Result<Option<VersionSource>, JvmVersionError> {
    for source in JVM_APP_FILES {
        let Some(file) = source.file() else {
            continue;
        };
        if read_source(app_dir, file, source)?.is_some() {
            return Ok(Some(source));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requested_version;
    use cnb_harness::mkfifo;

    /// A FIFO or a directory named `pom.xml`, a FIFO `build.gradle.kts` or `MANIFEST.MF`: the
    /// companion's detect said "not a JVM app" (exit 100) where the extension, reading the
    /// version, gave an error. Both now give the error `requested_version` gives.
    #[test]
    fn an_unreadable_app_file_is_the_version_readers_error() {
        for source in JVM_APP_FILES {
            let file = source.file().unwrap();
            for directory in [false, true] {
                let app = tempfile::tempdir().unwrap();
                let path = app.path().join(file);
                if directory {
                    std::fs::create_dir_all(&path).unwrap();
                } else {
                    mkfifo(&path);
                }
                let error = jvm_app_file(app.path()).unwrap_err();
                let reader_error = requested_version(app.path(), None).unwrap_err();
                assert_eq!(error.to_string(), reader_error.to_string(), "{file}");
                let what = if directory { "a directory" } else { "a FIFO" };
                assert_eq!(
                    error.to_string(),
                    format!(
                        "cannot read the app's Java version: {} is {what}, not a regular file",
                        path.display()
                    )
                );
            }
        }
    }

    #[test]
    fn the_first_file_present_in_order() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(jvm_app_file(app.path()).unwrap(), None);
        std::fs::create_dir(app.path().join("META-INF")).unwrap();
        std::fs::write(app.path().join("META-INF/MANIFEST.MF"), "Main-Class: A\n").unwrap();
        assert_eq!(
            jvm_app_file(app.path()).unwrap(),
            Some(VersionSource::Manifest)
        );
        std::fs::write(app.path().join("build.gradle"), "").unwrap();
        assert_eq!(
            jvm_app_file(app.path()).unwrap(),
            Some(VersionSource::BuildGradle)
        );
        std::fs::write(app.path().join("pom.xml"), "<project/>").unwrap();
        assert_eq!(jvm_app_file(app.path()).unwrap(), Some(VersionSource::Pom));
    }
}
