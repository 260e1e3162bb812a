//! The main section of a JAR manifest (`META-INF/MANIFEST.MF`).

use std::fmt;
use std::path::Path;
use untrusted_input::{ReadError, quoted};

/// The path of the manifest in an app directory (an exploded JAR) or inside a JAR.
pub const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";

/// The most bytes read from a manifest, in the app or in a JAR (real ones are a few KiB).
pub const MANIFEST_LIMIT: u64 = 1024 * 1024;

/// The manifest of the JAR exploded into `app_dir`, `None` when there is none: a regular file
/// inside the app of at most [`MANIFEST_LIMIT`] bytes.
///
/// # Errors
/// When `META-INF/MANIFEST.MF` is not a regular file, is larger than the limit, leads out of
/// the app or to nothing, or cannot be read.
pub fn read_app_manifest(app_dir: &Path) -> Result<Option<Manifest>, ReadError> {
    Ok(
        untrusted_input::read_app_text(app_dir, Path::new(MANIFEST_PATH), MANIFEST_LIMIT)?
            .map(|text| Manifest::parse(&text)),
    )
}

/// A `Main-Class` that is not a Java class name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMainClass {
    /// The value as written.
    pub value: String,
}

impl fmt::Display for InvalidMainClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Main-Class: {} is not a Java class name: expected Java identifiers (letters, \
             digits, '_' and '$', not starting with a digit) separated by dots, e.g. \
             com.example.Main",
            quoted(&self.value)
        )
    }
}

impl std::error::Error for InvalidMainClass {}

/// Whether `name` is a binary class name: Java identifiers separated by dots. What `java`
/// takes as its main class, and nothing it would take as an option (`-XX:...`).
fn is_class_name(name: &str) -> bool {
    name.split('.').all(|identifier| {
        let mut chars = identifier.chars();
        chars
            .next()
            .is_some_and(|first| first.is_alphabetic() || first == '_' || first == '$')
            && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    })
}

/// The attributes of a manifest's main section, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    attributes: Vec<(String, String)>,
}

impl Manifest {
    /// Parses a manifest leniently: `Name: value` lines, continuation lines (starting with one
    /// space) joined to the line before, the main section ending at the first empty line. Lines
    /// without `:` are skipped; nothing fails.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut lines: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                break;
            }
            match (line.strip_prefix(' '), lines.last_mut()) {
                (Some(continuation), Some(last)) => last.push_str(continuation),
                _ => lines.push(line.to_string()),
            }
        }
        let attributes = lines
            .into_iter()
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                let name = name.trim();
                (!name.is_empty()).then(|| (name.to_string(), value.trim().to_string()))
            })
            .collect();
        Self { attributes }
    }

    /// The value of the first attribute named `name` (names are case-insensitive, as the JAR
    /// specification says), `None` when absent or empty.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// The `Main-Class`, `None` when absent or empty.
    ///
    /// # Errors
    /// When it is not a Java class name (e.g. `-XX:+PrintFlagsFinal`, which `java` would take
    /// as an option).
    pub fn main_class(&self) -> Result<Option<&str>, InvalidMainClass> {
        match self.get("Main-Class") {
            Some(name) if !is_class_name(name) => Err(InvalidMainClass {
                value: name.to_string(),
            }),
            main_class => Ok(main_class),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_continuations_and_sections() {
        let manifest = Manifest::parse(
            "Manifest-Version: 1.0\r\nMain-Class: com.example.VeryLong\r\n ClassName\r\nbuild-jdk-spec:  17 \r\nNo colon here\r\nEmpty:\r\n\r\nName: other/section\r\nMain-Class: not.This\r\n",
        );
        assert_eq!(
            manifest.get("Main-Class"),
            Some("com.example.VeryLongClassName")
        );
        assert_eq!(manifest.get("Build-Jdk-Spec"), Some("17"));
        assert_eq!(manifest.get("Empty"), None);
        assert_eq!(manifest.get("Name"), None);
        assert_eq!(manifest.get("Missing"), None);
    }

    #[test]
    fn main_class_must_be_a_class_name() {
        for name in ["Hello", "com.example.Main", "a.b$Inner", "_x.é1"] {
            let manifest = Manifest::parse(&format!("Main-Class: {name}\n"));
            assert_eq!(manifest.main_class(), Ok(Some(name)), "{name}");
        }
        assert_eq!(
            Manifest::parse("Manifest-Version: 1.0\n").main_class(),
            Ok(None)
        );
        for name in [
            "-XX:+PrintFlagsFinal",
            "-jar",
            "com..Main",
            ".Main",
            "Main.",
            "1Main",
            "com/example/Main",
            "Main -version",
            "Main;id",
        ] {
            let error = Manifest::parse(&format!("Main-Class: {name}\n"))
                .main_class()
                .unwrap_err();
            assert_eq!(error.value, name);
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("Main-Class: {name:?} is not a Java class name")),
                "{error}"
            );
        }
        let long = format!("-{}", "X".repeat(10_000));
        let error = Manifest::parse(&format!("Main-Class: {long}\n"))
            .main_class()
            .unwrap_err();
        assert!(error.to_string().len() < 400, "{error}");
    }

    #[test]
    fn reads_the_apps_manifest_as_untrusted_input() {
        let app = tempfile::tempdir().unwrap();
        assert_eq!(read_app_manifest(app.path()).unwrap(), None);
        let fifo = app.path().join(MANIFEST_PATH);
        cnb_harness::mkfifo(&fifo);
        let error = read_app_manifest(app.path()).unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("MANIFEST.MF is a FIFO, not a regular file"),
            "{error}"
        );
        std::fs::remove_file(&fifo).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("m"), "Main-Class: Secret\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("m"), &fifo).unwrap();
        let error = read_app_manifest(app.path()).unwrap_err();
        assert!(!error.to_string().contains("Secret"));
        assert!(error.to_string().contains("outside the app"), "{error}");
    }

    #[test]
    fn garbage_is_an_empty_manifest() {
        assert_eq!(Manifest::parse("\u{0}\u{1}binary"), Manifest::default());
        assert_eq!(Manifest::parse(""), Manifest::default());
        assert_eq!(
            Manifest::parse(" leading continuation"),
            Manifest::parse("x")
        );
    }
}
