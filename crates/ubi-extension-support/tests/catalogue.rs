//! The catalogue reader (`ubi_extension_support::catalogue`): what it keeps, what it refuses
//! and what its errors say.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use ubi_extension_support::catalogue::{
    CATALOGUE_LIMIT, Catalogue, CatalogueError, Runtime, Skipped, Stream, configured_path,
};

const PATH: &str = "/etc/buildpacks/images.json";

fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
    Catalogue::parse(Path::new(PATH), text, Runtime::NODEJS)
}

fn parse_java(text: &str) -> Result<Catalogue, CatalogueError> {
    Catalogue::parse(Path::new(PATH), text, Runtime::JAVA)
}

fn image(name: &str, default: bool) -> String {
    format!(
        r#"{{"name": "{name}", "config_dir": "stacks/stack-{name}", "run_image": "run-{name}", "is_default_run_image": {default}}}"#
    )
}

fn images(entries: &[String]) -> String {
    format!(
        r#"{{"support_usns": false, "os_codename": "ubi8", "repo_type": "stack", "images": [{}]}}"#,
        entries.join(", ")
    )
}

/// The Node.js catalogue of the images `(name, is the default)`.
fn node_catalogue(entries: &[(&str, bool)]) -> Catalogue {
    let entries: Vec<String> = entries
        .iter()
        .map(|(name, default)| image(name, *default))
        .collect();
    parse(&images(&entries)).unwrap()
}

fn path() -> PathBuf {
    PathBuf::from(PATH)
}

#[test]
fn the_path_defaults_to_the_stacks_file_and_must_be_absolute() {
    assert_eq!(configured_path(None), Ok(path()));
    assert_eq!(
        configured_path(Some(PathBuf::from("/tmp/images.json"))),
        Ok(PathBuf::from("/tmp/images.json"))
    );
    let error = configured_path(Some(PathBuf::from("images.json"))).unwrap_err();
    assert_eq!(
        error,
        CatalogueError::PathNotAbsolute {
            path: PathBuf::from("images.json")
        }
    );
    assert_eq!(error.path(), Path::new("images.json"));
}

#[test]
fn keeps_the_runtimes_images_and_finds_the_default() {
    let text = images(&[
        r#"{"name": "default", "run_image": "run", "create_build_image": true}"#.to_string(),
        image("java-17", false),
        image("nodejs-20", false),
        r#"{"name": "nodejs-16", "run_image": "run-nodejs-16"}"#.to_string(),
        image("nodejs-18", true),
        image("java-11", false),
    ]);
    let catalogue = parse(&text).unwrap();
    assert_eq!(catalogue.majors(), [16, 18, 20]);
    assert_eq!(catalogue.marked_default, Some(18));
    assert_eq!(catalogue.require_default(), Ok(18));
    assert_eq!(catalogue.path, path());
    assert_eq!(catalogue.runtime, Runtime::NODEJS);
    assert_eq!(
        catalogue.stream(20),
        Some(&Stream {
            major: 20,
            name: "nodejs-20".to_string(),
            run_image: Some("run-nodejs-20".to_string()),
        })
    );
    assert_eq!(catalogue.stream(22), None);

    let java = parse_java(&text).unwrap();
    assert_eq!(java.majors(), [11, 17]);
    assert_eq!(java.marked_default, None);
    assert_eq!(java.runtime, Runtime::JAVA);
    assert_eq!(
        java.stream(17).unwrap().run_image.as_deref(),
        Some("run-java-17")
    );
}

#[test]
fn a_missing_file_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("images.json");
    let error = Catalogue::load(&path, Runtime::NODEJS).unwrap_err();
    assert_eq!(
        error,
        CatalogueError::Missing {
            path: path.clone(),
            runtime: Runtime::NODEJS
        }
    );
    assert!(
        error.to_string().starts_with(&format!(
            "the Node.js version catalogue {} does not exist",
            path.display()
        )),
        "{error}"
    );
    let error = Catalogue::load(&path, Runtime::JAVA).unwrap_err();
    assert!(
        error.to_string().starts_with(&format!(
            "the Java version catalogue {} does not exist",
            path.display()
        )),
        "{error}"
    );
}

#[test]
fn an_unreadable_file_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be read as a file.
    let error = Catalogue::load(dir.path(), Runtime::JAVA).unwrap_err();
    assert!(
        matches!(&error, CatalogueError::Unreadable { path, .. } if path == dir.path()),
        "{error:?}"
    );
    assert!(error.to_string().starts_with(&format!(
        "cannot read the Java version catalogue {}: ",
        dir.path().display()
    )));
}

/// Loads the Node.js catalogue of a file holding `text`.
fn load_file(text: &str) -> (Catalogue, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("images.json");
    std::fs::write(&path, text).unwrap();
    (Catalogue::load(&path, Runtime::NODEJS).unwrap(), path)
}

#[test]
fn reads_a_file() {
    let (catalogue, path) = load_file(&images(&[image("nodejs-22", true)]));
    assert_eq!(catalogue.majors(), [22]);
    assert_eq!(catalogue.path, path);
}

/// Issue 21: a catalogue starting with a UTF-8 byte order mark was refused as not JSON.
#[test]
fn reads_a_file_starting_with_a_byte_order_mark() {
    let (catalogue, _) = load_file(&format!("\u{feff}{}", images(&[image("nodejs-22", true)])));
    assert_eq!(catalogue.majors(), [22]);
}

#[test]
fn not_json_or_not_the_expected_shape_is_an_error() {
    for text in [
        "",
        "not json",
        "{\"images\": ",
        "[]",
        "{}",
        "{\"images\": {}}",
        "{\"images\": [{\"run_image\": \"x\"}]}",
        "{\"images\": [{\"name\": 20}]}",
        "{\"images\": [{\"name\": \"nodejs-20\", \"is_default_run_image\": \"yes\"}]}",
    ] {
        let error = parse(text).unwrap_err();
        assert!(
            matches!(&error, CatalogueError::Invalid { path, .. } if path == Path::new(PATH)),
            "{text}: {error:?}"
        );
        assert!(
            error.to_string().starts_with(
                "the Node.js version catalogue /etc/buildpacks/images.json is not valid: "
            ),
            "{error}"
        );
    }
    let error = parse_java("[]").unwrap_err();
    assert!(
        error.to_string().ends_with(
            "Expected the stack's images.json: JSON with an \"images\" array whose Java \
             entries are named \"java-<major>\", at most one of them with \
             \"is_default_run_image\": true. The build image is broken: use a Paketo UBI \
             builder."
        ),
        "{error}"
    );
}

#[test]
fn no_entries_of_the_runtime_is_an_error_only_when_a_default_is_required() {
    let text = images(&[image("default", false), image("java-17", true)]);
    let catalogue = parse(&text).unwrap();
    assert!(catalogue.streams.is_empty());
    let error = catalogue.require_default().unwrap_err();
    assert_eq!(
        error,
        CatalogueError::NoEntries {
            path: path(),
            runtime: Runtime::NODEJS
        }
    );
    assert_eq!(
        parse("{\"images\": []}")
            .unwrap()
            .require_default()
            .unwrap_err(),
        error
    );
    let java = parse_java(&images(&[image("nodejs-22", true)])).unwrap();
    assert!(java.streams.is_empty());
    assert_eq!(java.marked_default, None);
}

#[test]
fn exactly_one_default_is_required_at_most_one_allowed() {
    let none = node_catalogue(&[("nodejs-18", false), ("nodejs-20", false)])
        .require_default()
        .unwrap_err();
    assert_eq!(
        none,
        CatalogueError::NoDefault {
            path: path(),
            runtime: Runtime::NODEJS,
            names: vec!["nodejs-18".to_string(), "nodejs-20".to_string()],
        }
    );
    let two = parse(&images(&[
        image("nodejs-18", true),
        image("nodejs-20", true),
        image("nodejs-22", false),
    ]))
    .unwrap_err();
    assert_eq!(
        two,
        CatalogueError::MultipleDefaults {
            path: path(),
            runtime: Runtime::NODEJS,
            names: vec!["nodejs-18".to_string(), "nodejs-20".to_string()],
        }
    );
    // A default on an entry of another runtime does not count.
    assert!(matches!(
        node_catalogue(&[("java-17", true), ("nodejs-20", false)])
            .require_default()
            .unwrap_err(),
        CatalogueError::NoDefault { .. }
    ));
    let java = parse_java(&images(&[image("java-17", true), image("java-21", false)]));
    assert_eq!(java.unwrap().marked_default, Some(17));
    assert!(matches!(
        parse_java(&images(&[image("java-17", true), image("java-21", true)])),
        Err(CatalogueError::MultipleDefaults { .. })
    ));
}

#[test]
fn the_major_must_be_an_integer() {
    for name in [
        "nodejs-",
        "nodejs-twenty",
        "nodejs-20-minimal",
        "nodejs-20.1",
        "nodejs-+20",
        "nodejs-99999999999",
        "nodejs-00000000020",
    ] {
        let error = parse(&images(&[image(name, true)])).unwrap_err();
        assert_eq!(
            error,
            CatalogueError::InvalidName {
                path: path(),
                runtime: Runtime::NODEJS,
                name: name.to_string(),
            },
            "{name}"
        );
        assert!(error.to_string().contains(&format!("{name:?}")), "{error}");
    }
    for name in ["java-17-jre", "java-1.8", "java-tools"] {
        let error = parse_java(&images(&[image(name, false)])).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the Java version catalogue {PATH} has an image named {name:?}: expected \
                 \"java-<major>\" with an integer major version, e.g. \"java-21\". \
                 Expected the stack's images.json: JSON with an \"images\" array whose Java \
                 entries are named \"java-<major>\", at most one of them with \
                 \"is_default_run_image\": true. The build image is broken: use a Paketo UBI \
                 builder."
            )
        );
    }
}

#[test]
fn names_that_are_not_ours_are_ignored() {
    let text = images(&[
        image("javascript-tools", true),
        image("nodejsfoo", false),
        image("java", false),
        image("nodejs", false),
        image("javascript-17", false),
        image("nodejs20", false),
        image("java-21", false),
        image("nodejs-22", true),
    ]);
    let node = parse(&text).unwrap();
    assert_eq!((node.majors(), node.require_default()), (vec![22], Ok(22)));
    let java = parse_java(&text).unwrap();
    assert_eq!((java.majors(), java.marked_default), (vec![21], None));
}

/// Issue 21: a major the extension could not install (`java-26`, `java-1`, `nodejs-26`)
/// made the whole catalogue an error, failing every build, even one asking for a major the
/// catalogue offers and the extension installs. Parsing keeps every integer major; the
/// extension skips what it cannot install (`retain_installable`).
#[test]
fn every_integer_major_is_read() {
    let text = images(&[
        image("java-0", false),
        image("java-1", false),
        image("java-17", false),
        image("java-26", false),
        image("nodejs-8", false),
        image("nodejs-23", false),
        image("nodejs-26", true),
    ]);
    assert_eq!(parse_java(&text).unwrap().majors(), [0, 1, 17, 26]);
    let node = parse(&text).unwrap();
    assert_eq!(
        (node.majors(), node.require_default()),
        (vec![8, 23, 26], Ok(26))
    );
}

/// What an extension that installs Node.js 22 and 24 says of the other majors.
fn node_22_24(major: u32) -> Option<String> {
    match major {
        22 | 24 => None,
        major if major > 24 => Some("newer than it installs (22, 24)".to_string()),
        _ => Some("older than it installs (22, 24)".to_string()),
    }
}

#[test]
fn majors_the_extension_cannot_install_are_skipped_with_the_reason() {
    let mut catalogue = node_catalogue(&[
        ("nodejs-20", false),
        ("nodejs-22", false),
        ("nodejs-24", true),
        ("nodejs-26", false),
    ]);
    let skipped = catalogue.retain_installable(node_22_24).unwrap();
    assert_eq!(catalogue.majors(), [22, 24]);
    assert_eq!(catalogue.marked_default, Some(24));
    assert_eq!(
        skipped.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "nodejs-20: older than it installs (22, 24)",
            "nodejs-26: newer than it installs (22, 24)"
        ]
    );
    assert_eq!(
        skipped[1],
        Skipped {
            stream: Stream {
                major: 26,
                name: "nodejs-26".to_string(),
                run_image: Some("run-nodejs-26".to_string()),
            },
            reason: "newer than it installs (22, 24)".to_string(),
            marked_default: false,
        }
    );

    // A skipped default is no longer the default: the extension chooses another.
    let mut catalogue = node_catalogue(&[("nodejs-24", false), ("nodejs-26", true)]);
    let skipped = catalogue.retain_installable(node_22_24).unwrap();
    assert_eq!(
        (catalogue.majors(), catalogue.marked_default),
        (vec![24], None)
    );
    assert_eq!(
        skipped[0].to_string(),
        "nodejs-26 (the catalogue's default): newer than it installs (22, 24)"
    );

    // Nothing to skip, nothing listed: unchanged.
    let mut java = parse_java(&images(&[image("nodejs-22", true)])).unwrap();
    assert_eq!(java.retain_installable(|_| Some(String::new())), Ok(vec![]));
    assert!(java.streams.is_empty());
}

#[test]
fn a_catalogue_none_of_whose_majors_can_be_installed_is_an_error() {
    let mut catalogue = node_catalogue(&[("nodejs-10", false), ("nodejs-12", true)]);
    let error = catalogue.retain_installable(node_22_24).unwrap_err();
    assert!(
        matches!(&error, CatalogueError::NothingInstallable { skipped, .. } if skipped.len() == 2),
        "{error:?}"
    );
    assert_eq!(error.path(), Path::new(PATH));
    assert_eq!(
        error.to_string(),
        "the Node.js version catalogue /etc/buildpacks/images.json lists Node.js 10, 12, \
         none of which this extension can install: nodejs-10: older than it installs (22, \
         24); nodejs-12 (the catalogue's default): older than it installs (22, 24). Build \
         with a builder whose stack offers a Node.js version this extension installs, or \
         with a release of this extension that installs these."
    );
}

#[test]
fn a_fifo_or_a_large_file_is_an_error_not_a_wait() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("images.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(status.unwrap().success());
    assert_eq!(
        Catalogue::load(&fifo, Runtime::JAVA)
            .unwrap_err()
            .to_string(),
        format!(
            "cannot read the Java version catalogue {}: it is a FIFO, not a regular file. \
             The file must be readable by the build user.",
            fifo.display()
        )
    );
    let large = dir.path().join("large.json");
    let padding = " ".repeat(usize::try_from(CATALOGUE_LIMIT).unwrap());
    std::fs::write(&large, images(&[image("nodejs-22", true)]) + &padding).unwrap();
    assert!(
        Catalogue::load(&large, Runtime::NODEJS)
            .unwrap_err()
            .to_string()
            .contains(": it is larger than 1048576 bytes, the most read from it."),
    );
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("missing", &dangling).unwrap();
    assert!(matches!(
        Catalogue::load(&dangling, Runtime::NODEJS),
        Err(CatalogueError::Unreadable { .. })
    ));
    std::fs::write(&large, b"{\"images\": [\xff]}").unwrap();
    assert!(
        Catalogue::load(&large, Runtime::NODEJS)
            .unwrap_err()
            .to_string()
            .contains(": it is not UTF-8 text.")
    );
}

#[test]
fn hostile_values_are_quoted_cut() {
    let long = "x".repeat(100_000);
    let error = parse(&format!(
        r#"{{"images": [{{"name": "nodejs-22", "is_default_run_image": "{long}"}}]}}"#
    ))
    .unwrap_err();
    assert!(error.to_string().len() < 800, "{error}");
    assert!(error.to_string().contains("(cut, "), "{error}");
    let error = parse(&images(&[image(&format!("nodejs-{long}"), true)])).unwrap_err();
    assert!(error.to_string().len() < 800, "{error}");
}

#[test]
fn fuzz_catalogue() {
    let fixtures = [
        include_str!("../../../tests/fixtures/ubi-nodejs/images-ubi8.json"),
        include_str!("../../../tests/fixtures/ubi-nodejs/images-ubi9.json"),
        include_str!("../../../tests/fixtures/ubi-java/images-ubi9-local-run-images.json"),
        r#"{"images": [{"name": "javascript-tools"}, {"name": "java-0"}, {"name": "nodejs-020", "is_default_run_image": true}]}"#,
    ];
    fuzz_check::fuzz_text("catalogue (images.json)", &fixtures, |input| {
        for runtime in [Runtime::NODEJS, Runtime::JAVA] {
            if let Ok(catalogue) = Catalogue::parse(Path::new(PATH), input, runtime) {
                let _ = catalogue.require_default();
            }
        }
    });
}

#[test]
fn a_major_listed_twice_is_an_error() {
    let error = parse(&images(&[
        image("nodejs-20", true),
        image("nodejs-020", false),
    ]))
    .unwrap_err();
    assert_eq!(
        error,
        CatalogueError::DuplicateMajor {
            path: path(),
            runtime: Runtime::NODEJS,
            names: vec!["nodejs-20".to_string(), "nodejs-020".to_string()],
        }
    );
    assert!(
        error
            .to_string()
            .contains(" lists the same major version twice (nodejs-20, nodejs-020). ")
    );
}

#[test]
fn the_nodejs_fixtures_are_valid_catalogues() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ubi-nodejs");
    for (file, majors, default) in [
        ("images-ubi8.json", vec![16, 18, 20, 22, 24], 24),
        ("images-ubi9.json", vec![20, 22, 24], 24),
        ("images-ubi10.json", vec![22, 24], 24),
        ("images-ubi9-local-run-images.json", vec![20, 22, 24], 22),
    ] {
        let catalogue = Catalogue::load(&fixtures.join(file), Runtime::NODEJS).unwrap();
        assert_eq!(catalogue.majors(), majors, "{file}");
        assert_eq!(catalogue.require_default(), Ok(default), "{file}");
    }
}
