//! The version an app asks for, from each source alone and in their order, and the errors on
//! sources that cannot be read or say something else than a version.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use cnb_harness::mkfifo;
use jvm_version::{VersionSource, requested_version};

/// What an app asks for: the major, its source and the value as written, if anything.
type Requested = Option<(u32, VersionSource, String)>;

struct App(tempfile::TempDir);

impl App {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn with(self, path: &str, content: &str) -> Self {
        let path = self.0.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        self
    }

    fn request(&self, bp_jvm_version: Option<&str>) -> Requested {
        requested_version(self.0.path(), bp_jvm_version)
            .unwrap()
            .map(|request| (request.major, request.source, request.raw))
    }

    fn error(&self, bp_jvm_version: Option<&str>) -> String {
        requested_version(self.0.path(), bp_jvm_version)
            .unwrap_err()
            .to_string()
    }
}

#[allow(clippy::unnecessary_wraps)] // compared with `App::request`
fn found(major: u32, source: VersionSource, raw: &str) -> Requested {
    Some((major, source, raw.to_string()))
}

const POM_21: &str = "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>";
const GRADLE_KTS_17: &str =
    "java {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(17)\n    }\n}\n";

#[test]
fn no_source_is_none() {
    let app = App::new().with("README.md", "java=8\n");
    assert_eq!(app.request(None), None);
    assert_eq!(app.request(Some("  ")), None);
}

/// An app file of each source, in priority order, and what it asks for.
fn one_file_per_source() -> Vec<(&'static str, &'static str, Requested)> {
    vec![
        (
            ".sdkmanrc",
            "# sdk env\nmaven=3.9.6\njava = 17.0.10-tem # pinned\n",
            found(17, VersionSource::Sdkmanrc, "17.0.10-tem"),
        ),
        (
            ".java-version",
            "\n21.0.2\n",
            found(21, VersionSource::JavaVersionFile, "21.0.2"),
        ),
        (
            "META-INF/MANIFEST.MF",
            "Manifest-Version: 1.0\nBuild-Jdk-Spec: 17\nBuild-Jdk: 21.0.1\n",
            found(17, VersionSource::Manifest, "17"),
        ),
        ("pom.xml", POM_21, found(21, VersionSource::Pom, "21")),
        (
            "build.gradle",
            "java { toolchain { languageVersion = JavaLanguageVersion.of(11) } }",
            found(11, VersionSource::BuildGradle, "11"),
        ),
        (
            "build.gradle.kts",
            GRADLE_KTS_17,
            found(17, VersionSource::BuildGradleKts, "17"),
        ),
    ]
}

#[test]
fn each_source_alone() {
    assert_eq!(
        App::new().request(Some("1.8")),
        found(8, VersionSource::BpJvmVersion, "1.8")
    );
    for (path, content, expected) in one_file_per_source() {
        let request = App::new().with(path, content).request(None);
        assert_eq!(request, expected, "{path}: {content:?}");
    }
    // A manifest without Build-Jdk-Spec: its Build-Jdk.
    let manifest = "Manifest-Version: 1.0\nBuild-Jdk: 1.8.0_392 (Oracle Corporation)\n";
    assert_eq!(
        App::new()
            .with("META-INF/MANIFEST.MF", manifest)
            .request(None),
        found(8, VersionSource::Manifest, "1.8.0_392")
    );
}

#[test]
fn priority_order() {
    let sources = one_file_per_source();
    let mut app = App::new();
    for (path, content, _) in &sources {
        app = app.with(path, content);
    }
    // Each source decides while its file is there.
    for (path, _, expected) in &sources {
        assert_eq!(&app.request(None), expected, "{path}");
        std::fs::remove_file(app.0.path().join(path)).unwrap();
    }
    assert_eq!(app.request(None), None);
    // The platform variable wins over every file.
    let app = app
        .with(".sdkmanrc", "java=25-open\n")
        .with("pom.xml", POM_21);
    assert_eq!(
        app.request(Some("21-ea")),
        found(21, VersionSource::BpJvmVersion, "21-ea")
    );
}

#[test]
fn silent_sources_are_skipped() {
    let app = App::new()
        .with(".sdkmanrc", "maven=3.9.6\n")
        .with(".java-version", "\n \n")
        .with("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Hello\n")
        .with(
            "pom.xml",
            "<project><properties><java.version>${parent.java}</java.version></properties></project>",
        )
        .with("build.gradle.kts", GRADLE_KTS_17);
    assert_eq!(
        app.request(None),
        found(17, VersionSource::BuildGradleKts, "17")
    );
}

#[test]
fn invalid_values_are_errors_naming_source_setting_and_value() {
    assert_eq!(
        App::new().error(Some("latest")),
        "BP_JVM_VERSION=\"latest\" is not a Java version (the major version \"latest\" is not a number); use a major version such as 17 or 21"
    );
    for (path, content, expected) in [
        (
            ".sdkmanrc",
            "java=tem\n",
            ".sdkmanrc asks for Java \"tem\" (java=), which is not a Java version (the major version \"tem\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION",
        ),
        (
            ".java-version",
            "system\n",
            ".java-version asks for Java \"system\" (content), which is not a Java version (the major version \"system\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION",
        ),
        (
            "META-INF/MANIFEST.MF",
            "Build-Jdk-Spec: x\n",
            "META-INF/MANIFEST.MF asks for Java \"x\" (Build-Jdk-Spec), which is not a Java version (the major version \"x\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION",
        ),
        (
            "pom.xml",
            "<project><properties><maven.compiler.release>1</maven.compiler.release></properties></project>",
            "pom.xml asks for Java \"1\" (<maven.compiler.release>), which is not a Java version (1 is not a Java major version (the legacy scheme is 1.<major>, e.g. 1.8)); use a major version such as 17 or 21, or set BP_JVM_VERSION",
        ),
        (
            "build.gradle.kts",
            "java { toolchain { languageVersion = JavaLanguageVersion.of(\"17abc\") } }",
            "build.gradle.kts asks for Java \"17abc\" (languageVersion), which is not a Java version (the major version \"17abc\" is not a number); use a major version such as 17 or 21, or set BP_JVM_VERSION",
        ),
    ] {
        assert_eq!(
            App::new().with(path, content).error(None),
            expected,
            "{path}"
        );
    }
    // A valid higher-priority source hides an invalid lower one.
    assert_eq!(
        App::new()
            .with(".sdkmanrc", "java=tem\n")
            .request(Some("17")),
        found(17, VersionSource::BpJvmVersion, "17")
    );
}

#[test]
fn unreadable_source_is_an_error() {
    let app = App::new();
    std::fs::create_dir(app.0.path().join(".java-version")).unwrap();
    let message = app.error(None);
    assert_eq!(
        message,
        format!(
            "cannot read the app's Java version: {} is a directory, not a regular file",
            app.0.path().join(".java-version").display()
        )
    );
}

#[test]
fn fifos_are_errors_not_waits() {
    for file in VersionSource::ALL
        .into_iter()
        .filter_map(VersionSource::file)
    {
        let app = App::new();
        let path = app.0.path().join(file);
        mkfifo(&path);
        assert_eq!(
            app.error(None),
            format!(
                "cannot read the app's Java version: {} is a FIFO, not a regular file",
                path.display()
            )
        );
    }
}

#[test]
fn links_out_of_the_app_are_errors_and_links_inside_it_work() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), "root:secret:1\n").unwrap();
    let app = App::new().with("config/java-version", "21\n");
    std::os::unix::fs::symlink(
        outside.path().join("shadow"),
        app.0.path().join(".java-version"),
    )
    .unwrap();
    let message = app.error(None);
    assert!(message.contains("outside the app directory"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    std::fs::remove_file(app.0.path().join(".java-version")).unwrap();
    std::os::unix::fs::symlink("config/java-version", app.0.path().join(".java-version")).unwrap();
    assert_eq!(
        app.request(None),
        found(21, VersionSource::JavaVersionFile, "21")
    );
}

#[test]
fn large_files_are_errors_and_long_values_are_quoted_cut() {
    let app = App::new().with(".java-version", &"1".repeat(10 << 20));
    let message = app.error(None);
    assert!(
        message.ends_with(".java-version is larger than 65536 bytes, the most read from it"),
        "{message}"
    );
    let app = App::new().with(".java-version", &"7".repeat(60_000));
    let message = app.error(None);
    assert!(message.len() < 400, "{message}");
    assert!(message.contains("… (cut, 60000 bytes in all)"), "{message}");
    let app = App::new().with(".sdkmanrc", &format!("java=x{}\n", "y".repeat(60_000)));
    assert!(app.error(None).len() < 400);
}

#[test]
fn version_source_names() {
    let names: Vec<&str> = VersionSource::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "BP_JVM_VERSION",
            ".sdkmanrc",
            ".java-version",
            "MANIFEST.MF",
            "pom.xml",
            "build.gradle",
            "build.gradle.kts"
        ]
    );
    assert_eq!(VersionSource::Manifest.to_string(), "MANIFEST.MF");
    assert_eq!(VersionSource::Manifest.file(), Some("META-INF/MANIFEST.MF"));
}

#[test]
fn non_utf8_files_are_read_lossily() {
    let app = App::new();
    std::fs::write(app.0.path().join(".java-version"), b"17\xff\n").unwrap();
    assert!(app.error(None).contains("\"17\u{fffd}\""));
}

/// Issue 21: a file starting with a UTF-8 byte order mark (as some Windows editors write
/// them) was refused (`.java-version`) or silently ignored (`.sdkmanrc`, a manifest whose
/// first line names the version), while the Node.js modules accepted one.
#[test]
fn a_leading_byte_order_mark_is_accepted_in_every_file() {
    for (file, content, major, raw) in [
        (".sdkmanrc", "java=17.0.10-tem\n", 17, "17.0.10-tem"),
        (".java-version", "21.0.2\n", 21, "21.0.2"),
        ("META-INF/MANIFEST.MF", "Build-Jdk-Spec: 17\n", 17, "17"),
        ("pom.xml", POM_21, 21, "21"),
        ("build.gradle", "sourceCompatibility = '11'\n", 11, "11"),
        ("build.gradle.kts", GRADLE_KTS_17, 17, "17"),
    ] {
        let source = VersionSource::ALL
            .into_iter()
            .find(|source| source.file() == Some(file))
            .unwrap();
        let app = App::new().with(file, &format!("\u{feff}{content}"));
        assert_eq!(app.request(None), found(major, source, raw), "{file}");
    }
}
