//! Counting classes, as libjvm's `count` package does: the JVM's own classes in its module image
//! (`lib/modules`), and an app's classes in class files and JARs.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// File name endings that count as a class (libjvm's list: Clojure, Groovy and Kotlin scripts
/// compile to classes too).
pub const CLASS_EXTENSIONS: [&str; 4] = [".class", ".clj", ".groovy", ".kts"];

/// The result of counting an app's classes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppClassCount {
    /// Classes found.
    pub classes: u64,
    /// JARs that could not be read as ZIP archives (not counted), with the reason.
    pub unreadable_jars: Vec<(PathBuf, String)>,
}

/// Why classes could not be counted.
#[derive(Debug)]
pub enum ClassCountError {
    /// A file or directory could not be read.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The JVM's module image is not in the format expected.
    InvalidModuleImage {
        /// The image (`lib/modules`).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for ClassCountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            Self::InvalidModuleImage { path, reason } => {
                write!(f, "{} is not a JVM module image: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for ClassCountError {}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ClassCountError + '_ {
    move |error| ClassCountError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// The classes of the JVM in `java_home`: the `.class` entries of its module image
/// `lib/modules` (Java 9 and later), else (Java 8) the classes of every JAR below `java_home`.
///
/// # Errors
/// [`ClassCountError`] if the image or the directory cannot be read or the image is malformed.
pub fn count_jvm_classes(java_home: &Path) -> Result<u64, ClassCountError> {
    let image = java_home.join("lib").join("modules");
    if image.is_file() {
        count_module_image_classes(&image)
    } else {
        Ok(count_app_classes(java_home)?.classes)
    }
}

/// The classes under `dir`: files ending in [`CLASS_EXTENSIONS`], and the entries so named in
/// every `*.jar` (read from the ZIP central directory, nothing is decompressed). Symbolic links
/// to files are followed, links to directories are not (no cycles). JARs that are not valid ZIP
/// files are listed in [`AppClassCount::unreadable_jars`] instead of failing the count.
///
/// # Errors
/// [`ClassCountError::Io`] if a directory cannot be listed.
pub fn count_app_classes(dir: &Path) -> Result<AppClassCount, ClassCountError> {
    let mut count = AppClassCount::default();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(io_error(&current))?;
        for entry in entries {
            let entry = entry.map_err(io_error(&current))?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(io_error(&path))?;
            if file_type.is_dir() {
                pending.push(path);
                continue;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if is_class_name(&name) {
                count.classes += 1;
            } else if name.ends_with(".jar") && path.is_file() {
                match count_jar_classes(&path) {
                    Ok(classes) => count.classes += classes,
                    Err(reason) => count.unreadable_jars.push((path, reason)),
                }
            }
        }
    }
    count.unreadable_jars.sort();
    Ok(count)
}

fn is_class_name(name: &str) -> bool {
    CLASS_EXTENSIONS
        .iter()
        .any(|extension| name.ends_with(extension))
}

/// The class entries of one JAR; the error is the reason it cannot be read.
///
/// # Errors
/// The reason, as text, when the file is not a readable ZIP archive.
pub fn count_jar_classes(jar: &Path) -> Result<u64, String> {
    // Zero-byte placeholder JARs (e.g. `svm-none.jar` in some JDKs) hold nothing.
    if std::fs::metadata(jar).is_ok_and(|metadata| metadata.len() == 0) {
        return Ok(0);
    }
    let file = File::open(jar).map_err(|error| error.to_string())?;
    let archive = zip::ZipArchive::new(file).map_err(|error| error.to_string())?;
    Ok(archive
        .file_names_raw()
        .filter(|name| {
            CLASS_EXTENSIONS
                .iter()
                .any(|extension| name.ends_with(extension.as_bytes()))
        })
        .count() as u64)
}

/// The JVM module image (`jimage`) header: magic `0xCAFEDADA`, version, flags, resource count,
/// table length, locations size, strings size (seven little-endian 32-bit words).
const IMAGE_MAGIC: u32 = 0xCAFE_DADA;
const IMAGE_HEADER_SIZE: u64 = 7 * 4;
/// Location attribute kinds (`ImageLocation` in the JDK).
const ATTRIBUTE_END: u8 = 0;
const ATTRIBUTE_EXTENSION: u8 = 4;

/// The resources of a module image whose extension is `class`.
///
/// The image starts with its index: the header, a redirect table and an offsets table (one
/// 32-bit word per resource each), the locations (per resource, attributes each encoded as a
/// byte `kind << 3 | (length - 1)` followed by a big-endian value of `length` bytes, ended by
/// kind 0) and the strings (NUL-terminated). Only the index is read (a few MiB); the resources
/// themselves are not.
///
/// # Errors
/// [`ClassCountError`] if the file cannot be read or its index is not in this format.
pub fn count_module_image_classes(image: &Path) -> Result<u64, ClassCountError> {
    let invalid = |reason: String| ClassCountError::InvalidModuleImage {
        path: image.to_path_buf(),
        reason,
    };
    let mut file = File::open(image).map_err(io_error(image))?;
    let file_size = file.metadata().map_err(io_error(image))?.len();
    let mut header = [0_u8; 28];
    file.read_exact(&mut header).map_err(io_error(image))?;
    let word = |index: usize| {
        u32::from_le_bytes([
            header[index * 4],
            header[index * 4 + 1],
            header[index * 4 + 2],
            header[index * 4 + 3],
        ])
    };
    if word(0) != IMAGE_MAGIC {
        return Err(invalid(format!("bad magic {:#010x}", word(0))));
    }
    let table_length = u64::from(word(4));
    let locations_size = u64::from(word(5));
    let strings_size = u64::from(word(6));
    let index_size = IMAGE_HEADER_SIZE + table_length * 8 + locations_size + strings_size;
    if index_size > file_size {
        return Err(invalid(format!(
            "its index ({index_size} bytes) is larger than the file ({file_size} bytes)"
        )));
    }
    let mut index = vec![0_u8; usize::try_from(index_size - IMAGE_HEADER_SIZE).unwrap_or(0)];
    file.read_exact(&mut index).map_err(io_error(image))?;

    // Lengths were checked against the file size above, so these fit in usize.
    let table_length = usize::try_from(table_length).unwrap_or(0);
    let locations_start = table_length * 8;
    let locations_end = locations_start + usize::try_from(locations_size).unwrap_or(0);
    let (offsets, rest) = index[table_length * 4..].split_at(table_length * 4);
    let (locations, strings) = rest.split_at(locations_end - locations_start);

    let mut classes = 0;
    for offset in offsets.chunks_exact(4) {
        let offset = u32::from_le_bytes([offset[0], offset[1], offset[2], offset[3]]);
        let extension = location_extension(locations, offset as usize).map_err(|Truncated| {
            invalid(format!("the location at offset {offset} is truncated"))
        })?;
        if let Some(extension) = extension
            && string_at(strings, extension) == Some(b"class".as_slice())
        {
            classes += 1;
        }
    }
    Ok(classes)
}

/// A location that runs past the end of the locations.
struct Truncated;

/// The extension attribute (a string offset) of the location at `offset`, `None` when it has
/// none.
fn location_extension(locations: &[u8], offset: usize) -> Result<Option<usize>, Truncated> {
    let mut position = offset;
    let mut extension = None;
    loop {
        let byte = *locations.get(position).ok_or(Truncated)?;
        position += 1;
        let kind = byte >> 3;
        if kind == ATTRIBUTE_END {
            return Ok(extension);
        }
        let length = usize::from(byte & 0x7) + 1;
        let value = locations
            .get(position..position + length)
            .ok_or(Truncated)?
            .iter()
            .fold(0_usize, |value, byte| (value << 8) | usize::from(*byte));
        position += length;
        if kind == ATTRIBUTE_EXTENSION {
            extension = Some(value).filter(|value| *value != 0);
        }
    }
}

/// The NUL-terminated string at `offset`.
fn string_at(strings: &[u8], offset: usize) -> Option<&[u8]> {
    let tail = strings.get(offset..)?;
    let end = tail.iter().position(|byte| *byte == 0)?;
    Some(&tail[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A JAR at `path` (its directory made) holding `entries`, one byte each.
    fn write_jar(path: &Path, entries: &[&str]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = File::create(path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        for entry in entries {
            zip.start_file(*entry, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(b"x").unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn app_classes_in_files_and_jars() {
        let app = tempfile::tempdir().unwrap();
        let root = app.path();
        std::fs::create_dir_all(root.join("BOOT-INF/classes/com/example")).unwrap();
        std::fs::create_dir_all(root.join("BOOT-INF/lib")).unwrap();
        for file in [
            "BOOT-INF/classes/com/example/App.class",
            "BOOT-INF/classes/com/example/App$Inner.class",
            "BOOT-INF/classes/application.properties",
            "script.groovy",
            "build.gradle.kts",
            "core.clj",
            "README.md",
        ] {
            std::fs::write(root.join(file), "x").unwrap();
        }
        write_jar(
            &root.join("BOOT-INF/lib/dep.jar"),
            &["META-INF/MANIFEST.MF", "a/A.class", "a/B.class", "a/x.txt"],
        );
        std::fs::write(root.join("BOOT-INF/lib/broken.jar"), "not a zip").unwrap();
        std::fs::write(root.join("BOOT-INF/lib/svm-none.jar"), "").unwrap();
        // A link to a directory is not followed (it would count twice, or loop).
        std::os::unix::fs::symlink(root.join("BOOT-INF"), root.join("loop")).unwrap();

        let count = count_app_classes(root).unwrap();
        assert_eq!(count.classes, 2 + 3 + 2);
        assert_eq!(count.unreadable_jars.len(), 1);
        assert_eq!(
            count.unreadable_jars[0].0,
            root.join("BOOT-INF/lib/broken.jar")
        );
    }

    #[test]
    fn missing_dir_is_an_error() {
        let error = count_app_classes(Path::new("/nonexistent/app")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot read /nonexistent/app"),
            "{error}"
        );
    }

    /// A module image with the given resource names (`module/path.ext`), in the JDK's format.
    fn write_image(path: &Path, resources: &[(&str, &str)]) {
        let mut strings: Vec<u8> = vec![0];
        let mut string = |text: &str| {
            let offset = strings.len();
            strings.extend_from_slice(text.as_bytes());
            strings.push(0);
            offset
        };
        let mut locations: Vec<u8> = vec![0];
        let mut offsets = Vec::new();
        for (base, extension) in resources {
            let base = string(base);
            let extension = string(extension);
            offsets.push(u32::try_from(locations.len()).unwrap());
            // base (kind 3), two bytes; extension (kind 4), one byte if it fits; end.
            locations.push(3 << 3 | 1);
            locations.extend_from_slice(&u16::try_from(base).unwrap().to_be_bytes());
            if extension < 256 {
                locations.push(4 << 3);
                locations.push(u8::try_from(extension).unwrap());
            } else {
                locations.push(4 << 3 | 1);
                locations.extend_from_slice(&u16::try_from(extension).unwrap().to_be_bytes());
            }
            locations.push(0);
        }
        let mut image = Vec::new();
        for word in [
            IMAGE_MAGIC,
            1 << 16,
            0,
            u32::try_from(resources.len()).unwrap(),
            u32::try_from(resources.len()).unwrap(),
            u32::try_from(locations.len()).unwrap(),
            u32::try_from(strings.len()).unwrap(),
        ] {
            image.extend_from_slice(&word.to_le_bytes());
        }
        for _ in resources {
            image.extend_from_slice(&0_u32.to_le_bytes()); // redirects
        }
        for offset in offsets {
            image.extend_from_slice(&offset.to_le_bytes());
        }
        image.extend_from_slice(&locations);
        image.extend_from_slice(&strings);
        image.extend_from_slice(b"resource contents");
        std::fs::write(path, image).unwrap();
    }

    #[test]
    fn module_image_classes() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join("lib")).unwrap();
        write_image(
            &home.path().join("lib/modules"),
            &[
                ("java/lang/Object", "class"),
                ("java/lang/String", "class"),
                ("module-info", "class"),
                ("java/lang/resource", "properties"),
                ("java/lang/classy", "classes"),
            ],
        );
        assert_eq!(count_jvm_classes(home.path()).unwrap(), 3);
    }

    #[test]
    fn malformed_module_images_are_errors() {
        let words = |words: &[u32]| -> Vec<u8> {
            words.iter().flat_map(|word| word.to_le_bytes()).collect()
        };
        // One resource whose location offset points past the locations.
        let mut truncated = words(&[IMAGE_MAGIC, 0, 0, 1, 1, 1, 1, 0, 5]);
        truncated.extend_from_slice(&[0, 0]);
        let home = tempfile::tempdir().unwrap();
        let image = home.path().join("modules");
        for (case, bytes, expected) in [
            (
                "no magic",
                vec![0_u8; 28],
                "is not a JVM module image: bad magic 0x00000000",
            ),
            (
                "a table larger than the file",
                words(&[IMAGE_MAGIC, 0, 0, 1, 1_000_000, 10, 10]),
                "is larger than the file",
            ),
            (
                "a truncated location",
                truncated,
                "the location at offset 5 is truncated",
            ),
        ] {
            std::fs::write(&image, bytes).unwrap();
            let error = count_module_image_classes(&image).unwrap_err().to_string();
            assert!(error.contains(expected), "{case}: {error}");
        }
        std::fs::write(&image, [1, 2, 3]).unwrap();
        assert!(matches!(
            count_module_image_classes(&image),
            Err(ClassCountError::Io { .. })
        ));
    }

    #[test]
    fn java_8_layout_counts_jars() {
        let home = tempfile::tempdir().unwrap();
        write_jar(
            &home.path().join("jre/lib/rt.jar"),
            &["java/lang/Object.class"],
        );
        assert_eq!(count_jvm_classes(home.path()).unwrap(), 1);
    }

    /// This machine's JDK (the tests need JDK 17): the count is the JDK's own `jimage list`'s.
    #[test]
    fn this_machines_jdk() {
        let javac = which::which("javac").unwrap().canonicalize().unwrap();
        let home = javac.parent().unwrap().parent().unwrap();
        let classes = count_jvm_classes(home).unwrap();
        let listing = std::process::Command::new(home.join("bin/jimage"))
            .arg("list")
            .arg(home.join("lib/modules"))
            .output()
            .unwrap();
        assert!(listing.status.success());
        let expected = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|line| line.trim_end().rsplit('.').next() == Some("class"))
            .count() as u64;
        assert!(expected > 15_000, "{expected}");
        assert_eq!(classes, expected);
    }
}
