//! What the app is: a JVM app at all (detect), and an executable JAR (the default process).

use crate::errors::UbiJavaBuildpackError;
use jvm_version::manifest::{MANIFEST_LIMIT, read_app_manifest};
use jvm_version::{MANIFEST_PATH, Manifest, jvm_app_file};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why the app is a JVM app: the first of [`jvm_version::JVM_APP_FILES`] present, else the
/// first `*.jar` at the root; `None` when it is not one. One of those files that is there but
/// cannot be read (a FIFO, a directory named `pom.xml`...) is the error the extension gives for
/// it (`jvm_version::jvm_app_file`), not "not a JVM app".
pub(crate) fn jvm_app_marker(app_dir: &Path) -> Result<Option<String>, UbiJavaBuildpackError> {
    if let Some(file) = jvm_app_file(app_dir)?.and_then(jvm_version::VersionSource::file) {
        return Ok(Some(file.to_string()));
    }
    Ok(root_jars(app_dir)?.first().map(|jar| file_name(jar)))
}

/// The `*.jar` files at the app root, sorted: regular files, inside the app once links are
/// resolved.
///
/// # Errors
/// When the app directory cannot be listed, or a `*.jar` is a link out of the app or to nothing.
pub(crate) fn root_jars(app_dir: &Path) -> Result<Vec<PathBuf>, UbiJavaBuildpackError> {
    let read_error = |source| UbiJavaBuildpackError::ReadApp {
        path: app_dir.to_path_buf(),
        source,
    };
    let mut jars = Vec::new();
    for entry in std::fs::read_dir(app_dir).map_err(read_error)? {
        let name = entry.map_err(read_error)?.file_name();
        let path = app_dir.join(&name);
        if path.extension().is_some_and(|extension| extension == "jar")
            && untrusted_input::resolve_in_app(app_dir, Path::new(&name))
                .map_err(UbiJavaBuildpackError::AppFile)?
                .is_some_and(|resolved| resolved.is_file())
        {
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
    if let Some(exploded) = exploded_jar(app_dir)? {
        return Ok((Some(exploded), None));
    }
    match root_jars(app_dir)?.as_slice() {
        [] => Ok((None, None)),
        [jar] => match jar_main_class(jar) {
            Ok(Some(Ok(main_class))) => Ok((
                Some(ExecutableJar::Jar {
                    path: jar.clone(),
                    main_class,
                }),
                None,
            )),
            Ok(Some(Err(invalid))) => Ok((None, Some(format!("{}: {invalid}", file_name(jar))))),
            Ok(None) => Ok((None, Some(format!("{} has no Main-Class", file_name(jar))))),
            Err(reason) => Ok((
                None,
                Some(format!("{} cannot be read: {reason}", file_name(jar))),
            )),
        },
        several => Ok((
            None,
            Some(format!(
                "{} JARs at the root ({}{}): none is chosen",
                several.len(),
                several
                    .iter()
                    .take(SHOWN_JARS)
                    .map(|jar| file_name(jar))
                    .collect::<Vec<_>>()
                    .join(", "),
                if several.len() > SHOWN_JARS {
                    ", ..."
                } else {
                    ""
                }
            )),
        )),
    }
}

/// The JAR exploded into the app directory, if it is one: `META-INF/MANIFEST.MF` with a
/// `Main-Class` (the case Paketo's executable-jar handles too, and where a class path is set).
pub(crate) fn exploded_jar(app_dir: &Path) -> Result<Option<ExecutableJar>, UbiJavaBuildpackError> {
    let Some(manifest) = read_app_manifest(app_dir).map_err(UbiJavaBuildpackError::AppFile)? else {
        return Ok(None);
    };
    let Some(main_class) = manifest
        .main_class()
        .map_err(UbiJavaBuildpackError::InvalidMainClass)?
    else {
        return Ok(None);
    };
    // A class name (checked): `java` cannot take it for an option.
    Ok(Some(ExecutableJar::Exploded {
        main_class: main_class.to_string(),
        class_path: manifest
            .get("Class-Path")
            .map(|entries| entries.split_whitespace().map(String::from).collect())
            .unwrap_or_default(),
    }))
}

/// How many of several root JARs the log names.
const SHOWN_JARS: usize = 5;

/// A JAR's file name as the log shows it: control characters escaped, so that it stays on its
/// line (a file name is at most 255 bytes).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().escape_debug().to_string())
        .unwrap_or_default()
}

/// The `Main-Class` of a JAR's manifest (or why it is not a class name); the error is why the
/// JAR cannot be read.
fn jar_main_class(
    jar: &Path,
) -> Result<Option<Result<String, jvm_version::manifest::InvalidMainClass>>, String> {
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
        .take(MANIFEST_LIMIT)
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    Ok(Manifest::parse(&untrusted_input::text_lossy(&bytes))
        .main_class()
        .map(|main_class| main_class.map(String::from))
        .transpose())
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

    /// Writes the exploded JAR's `META-INF/MANIFEST.MF`.
    fn write_manifest(app: &Path, manifest: &str) {
        std::fs::create_dir_all(app.join("META-INF")).unwrap();
        std::fs::write(app.join(MANIFEST_PATH), manifest).unwrap();
    }

    fn marker(app: &tempfile::TempDir) -> Option<String> {
        jvm_app_marker(app.path()).unwrap()
    }

    #[test]
    fn markers() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(marker(&app), None);
        std::fs::write(app.path().join("package.json"), "{}").unwrap();
        std::fs::create_dir(app.path().join("META-INF")).unwrap();
        std::fs::create_dir(app.path().join("pom.xml.d")).unwrap();
        assert_eq!(marker(&app), None);
        std::fs::write(app.path().join("b.jar"), "").unwrap();
        std::fs::write(app.path().join("a.jar"), "").unwrap();
        assert_eq!(marker(&app).as_deref(), Some("a.jar"));
        std::fs::write(app.path().join("build.gradle.kts"), "").unwrap();
        assert_eq!(marker(&app).as_deref(), Some("build.gradle.kts"));
        std::fs::write(app.path().join("pom.xml"), "").unwrap();
        assert_eq!(marker(&app).as_deref(), Some("pom.xml"));
    }

    #[test]
    fn exploded_jar() {
        let app = tempfile::tempdir().unwrap();
        write_manifest(
            app.path(),
            "Manifest-Version: 1.0\nMain-Class: com.example.Main\nClass-Path: lib/a.jar lib/b.jar\n",
        );
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
                Some("2 JARs at the root (app.jar, other.jar): none is chosen".to_string())
            )
        );
    }

    /// Issue 21: a manifest starting with a UTF-8 byte order mark lost its first attribute.
    #[test]
    fn a_manifest_with_a_byte_order_mark() {
        let app = tempfile::tempdir().unwrap();
        let jar = app.path().join("app.jar");
        write_jar(&jar, Some("\u{feff}Main-Class: Hello\n"));
        assert_eq!(jar_main_class(&jar), Ok(Some(Ok("Hello".to_string()))));
        write_manifest(app.path(), "\u{feff}Main-Class: com.example.Main\n");
        assert!(matches!(
            executable_jar(app.path()).unwrap(),
            (Some(ExecutableJar::Exploded { main_class, .. }), None) if main_class == "com.example.Main"
        ));
    }

    #[test]
    fn a_main_class_that_is_not_a_class_name_is_refused() {
        let app = tempfile::tempdir().unwrap();
        write_manifest(
            app.path(),
            "Manifest-Version: 1.0\nMain-Class: -XX:+PrintFlagsFinal\n",
        );
        let error = executable_jar(app.path()).unwrap_err();
        assert!(
            matches!(&error, UbiJavaBuildpackError::InvalidMainClass(invalid) if invalid.value == "-XX:+PrintFlagsFinal"),
            "{error:?}"
        );
        std::fs::remove_file(app.path().join(MANIFEST_PATH)).unwrap();
        write_jar(
            &app.path().join("app.jar"),
            Some("Main-Class: -XX:+PrintFlagsFinal\n"),
        );
        let (found, note) = executable_jar(app.path()).unwrap();
        assert_eq!(found, None);
        assert_eq!(
            note.as_deref(),
            Some(
                "app.jar: Main-Class: \"-XX:+PrintFlagsFinal\" is not a Java class name: \
                 expected Java identifiers (letters, digits, '_' and '$', not starting with a \
                 digit) separated by dots, e.g. com.example.Main"
            )
        );
    }

    #[test]
    fn app_files_are_untrusted_input() {
        let app = tempfile::tempdir().unwrap();
        cnb_harness::mkfifo(&app.path().join(MANIFEST_PATH));
        assert!(matches!(
            executable_jar(app.path()),
            Err(UbiJavaBuildpackError::AppFile(_))
        ));
        let outside = tempfile::tempdir().unwrap();
        write_jar(&outside.path().join("x.jar"), Some("Main-Class: Secret\n"));
        let app = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("x.jar"), app.path().join("app.jar"))
            .unwrap();
        let error = root_jars(app.path()).unwrap_err();
        assert!(error.to_string().contains("outside the app"), "{error}");
    }

    #[test]
    fn many_jars_and_odd_names_stay_one_short_line() {
        let app = tempfile::tempdir().unwrap();
        for index in 0..100 {
            std::fs::write(app.path().join(format!("lib-{index:03}.jar")), "").unwrap();
        }
        let (_, note) = executable_jar(app.path()).unwrap();
        assert_eq!(
            note.as_deref(),
            Some(
                "100 JARs at the root (lib-000.jar, lib-001.jar, lib-002.jar, lib-003.jar, \
                 lib-004.jar, ...): none is chosen"
            )
        );
        let app = tempfile::tempdir().unwrap();
        std::fs::write(app.path().join("a\nRUN id.jar"), "").unwrap();
        assert_eq!(marker(&app).as_deref(), Some("a\\nRUN id.jar"));
    }

    #[test]
    fn manifest_without_main_class_falls_back_to_the_root_jar() {
        let app = tempfile::tempdir().unwrap();
        write_manifest(app.path(), "Manifest-Version: 1.0\n");
        write_jar(&app.path().join("app.jar"), Some("Main-Class: Hello\n"));
        assert!(matches!(
            executable_jar(app.path()).unwrap(),
            (Some(ExecutableJar::Jar { .. }), None)
        ));
    }
}
