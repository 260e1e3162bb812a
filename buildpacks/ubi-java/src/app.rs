//! What the app is: a JVM app at all (detect), and an executable JAR (the default process).

use crate::errors::UbiJavaBuildpackError;
use std::io::Read;
use std::path::{Path, PathBuf};
use ubi_common::jvm::{MANIFEST_PATH, Manifest};

/// Files whose presence at the app root makes it a JVM app (besides a `*.jar`).
pub(crate) const JVM_APP_FILES: [&str; 4] =
    ["pom.xml", "build.gradle", "build.gradle.kts", MANIFEST_PATH];

/// Why the app is a JVM app: the first of [`JVM_APP_FILES`] present, else the first `*.jar` at
/// the root; `None` when it is not one.
pub(crate) fn jvm_app_marker(app_dir: &Path) -> Result<Option<String>, UbiJavaBuildpackError> {
    if let Some(file) = JVM_APP_FILES
        .iter()
        .find(|file| app_dir.join(file).is_file())
    {
        return Ok(Some((*file).to_string()));
    }
    Ok(root_jars(app_dir)?
        .first()
        .and_then(|jar| jar.file_name())
        .map(|name| name.to_string_lossy().into_owned()))
}

/// The `*.jar` files at the app root, sorted.
pub(crate) fn root_jars(app_dir: &Path) -> Result<Vec<PathBuf>, UbiJavaBuildpackError> {
    let read_error = |source| UbiJavaBuildpackError::ReadApp {
        path: app_dir.to_path_buf(),
        source,
    };
    let mut jars = Vec::new();
    for entry in std::fs::read_dir(app_dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|extension| extension == "jar") && path.is_file() {
            jars.push(path);
        }
    }
    jars.sort();
    Ok(jars)
}

/// An app that runs with `java` alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExecutableJar {
    /// A JAR exploded into the app directory (what `pack build --path app.jar` does): its
    /// manifest names the main class; `Class-Path` lists further class path entries.
    Exploded {
        main_class: String,
        class_path: Vec<String>,
    },
    /// The app's only JAR at the root, whose manifest names a main class.
    Jar { path: PathBuf, main_class: String },
}

/// The executable JAR of the app, if it is one: an exploded JAR (`META-INF/MANIFEST.MF` with
/// `Main-Class`), else a single `*.jar` at the root whose manifest has `Main-Class`. Several
/// root JARs are ambiguous: none is chosen.
///
/// Returns the executable JAR and, for the log, why a root JAR was not used.
pub(crate) fn executable_jar(
    app_dir: &Path,
) -> Result<(Option<ExecutableJar>, Option<String>), UbiJavaBuildpackError> {
    let manifest_path = app_dir.join(MANIFEST_PATH);
    match std::fs::read(&manifest_path) {
        Ok(bytes) => {
            let manifest = Manifest::parse(&String::from_utf8_lossy(&bytes));
            if let Some(main_class) = manifest.get("Main-Class") {
                return Ok((
                    Some(ExecutableJar::Exploded {
                        main_class: main_class.to_string(),
                        class_path: manifest
                            .get("Class-Path")
                            .map(|entries| entries.split_whitespace().map(String::from).collect())
                            .unwrap_or_default(),
                    }),
                    None,
                ));
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(UbiJavaBuildpackError::ReadApp {
                path: manifest_path,
                source,
            });
        }
    }
    match root_jars(app_dir)?.as_slice() {
        [] => Ok((None, None)),
        [jar] => match jar_main_class(jar) {
            Ok(Some(main_class)) => Ok((
                Some(ExecutableJar::Jar {
                    path: jar.clone(),
                    main_class,
                }),
                None,
            )),
            Ok(None) => Ok((None, Some(format!("{} has no Main-Class", file_name(jar))))),
            Err(reason) => Ok((
                None,
                Some(format!("{} cannot be read: {reason}", file_name(jar))),
            )),
        },
        several => Ok((
            None,
            Some(format!(
                "several JARs at the root ({}): none is chosen",
                several
                    .iter()
                    .map(|jar| file_name(jar))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        )),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The `Main-Class` of a JAR's manifest; the error is why the JAR cannot be read.
fn jar_main_class(jar: &Path) -> Result<Option<String>, String> {
    let file = std::fs::File::open(jar).map_err(|error| error.to_string())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|error| error.to_string())?;
    let mut entry = match archive.by_name(MANIFEST_PATH) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(error.to_string()),
    };
    // A manifest is small; a huge one is not a manifest.
    let mut bytes = Vec::new();
    entry
        .by_ref()
        .take(1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    Ok(Manifest::parse(&String::from_utf8_lossy(&bytes))
        .get("Main-Class")
        .map(String::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_jar(path: &Path, manifest: Option<&str>) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        if let Some(manifest) = manifest {
            zip.start_file(MANIFEST_PATH, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(manifest.as_bytes()).unwrap();
        }
        zip.start_file("Hello.class", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.finish().unwrap();
    }

    #[test]
    fn markers() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(jvm_app_marker(app.path()).unwrap(), None);
        std::fs::write(app.path().join("package.json"), "{}").unwrap();
        std::fs::create_dir(app.path().join("pom.xml.d")).unwrap();
        assert_eq!(jvm_app_marker(app.path()).unwrap(), None);
        std::fs::write(app.path().join("b.jar"), "").unwrap();
        std::fs::write(app.path().join("a.jar"), "").unwrap();
        assert_eq!(
            jvm_app_marker(app.path()).unwrap().as_deref(),
            Some("a.jar")
        );
        std::fs::write(app.path().join("build.gradle.kts"), "").unwrap();
        assert_eq!(
            jvm_app_marker(app.path()).unwrap().as_deref(),
            Some("build.gradle.kts")
        );
        std::fs::write(app.path().join("pom.xml"), "").unwrap();
        assert_eq!(
            jvm_app_marker(app.path()).unwrap().as_deref(),
            Some("pom.xml")
        );
    }

    #[test]
    fn exploded_jar() {
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("META-INF")).unwrap();
        std::fs::write(
            app.path().join(MANIFEST_PATH),
            "Manifest-Version: 1.0\nMain-Class: com.example.Main\nClass-Path: lib/a.jar lib/b.jar\n",
        )
        .unwrap();
        assert_eq!(
            executable_jar(app.path()).unwrap(),
            (
                Some(ExecutableJar::Exploded {
                    main_class: "com.example.Main".to_string(),
                    class_path: vec!["lib/a.jar".to_string(), "lib/b.jar".to_string()],
                }),
                None
            )
        );
    }

    #[test]
    fn root_jar() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(executable_jar(app.path()).unwrap(), (None, None));
        let jar = app.path().join("app.jar");
        write_jar(&jar, Some("Manifest-Version: 1.0\r\nMain-Class: Hello\r\n"));
        assert_eq!(
            executable_jar(app.path()).unwrap(),
            (
                Some(ExecutableJar::Jar {
                    path: jar.clone(),
                    main_class: "Hello".to_string()
                }),
                None
            )
        );
        write_jar(&jar, None);
        assert_eq!(
            executable_jar(app.path()).unwrap(),
            (None, Some("app.jar has no Main-Class".to_string()))
        );
        std::fs::write(&jar, "not a zip").unwrap();
        let (found, reason) = executable_jar(app.path()).unwrap();
        assert_eq!(found, None);
        assert!(reason.unwrap().starts_with("app.jar cannot be read: "));
        write_jar(&app.path().join("other.jar"), Some("Main-Class: Other\n"));
        assert_eq!(
            executable_jar(app.path()).unwrap(),
            (
                None,
                Some("several JARs at the root (app.jar, other.jar): none is chosen".to_string())
            )
        );
    }

    #[test]
    fn manifest_without_main_class_falls_back_to_the_root_jar() {
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("META-INF")).unwrap();
        std::fs::write(app.path().join(MANIFEST_PATH), "Manifest-Version: 1.0\n").unwrap();
        write_jar(&app.path().join("app.jar"), Some("Main-Class: Hello\n"));
        assert!(matches!(
            executable_jar(app.path()).unwrap(),
            (Some(ExecutableJar::Jar { .. }), None)
        ));
    }
}
