//! The stack's Node.js catalogue: `/etc/buildpacks/images.json` in the UBI build images.
//!
//! A jam stack descriptor: a top-level `images` array whose Node.js entries are named
//! `nodejs-<major>`, one of them marked `"is_default_run_image": true`. Other entries (`default`,
//! `java-17`, ...) and other keys are ignored.

use crate::errors::UbiNodejsError;
use serde::Deserialize;
use std::io;
use std::path::{Path, PathBuf};

/// Where the UBI build images put the catalogue.
pub(crate) const DEFAULT_PATH: &str = "/etc/buildpacks/images.json";

/// The catalogue to read: `[metadata] catalogue` of extension.toml (a setting of the builder,
/// never of the app), else [`DEFAULT_PATH`]. It must be absolute.
pub(crate) fn configured_path(configured: Option<PathBuf>) -> Result<PathBuf, UbiNodejsError> {
    let path = configured.unwrap_or_else(|| PathBuf::from(DEFAULT_PATH));
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(UbiNodejsError::CataloguePathNotAbsolute { path })
    }
}

/// One Node.js stream the stack ships a run image for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stream {
    /// The Node.js major version, e.g. 20.
    pub(crate) major: u32,
    /// The entry's name, e.g. `nodejs-20`.
    pub(crate) name: String,
    /// The entry's `run_image`, verbatim (a short jam name such as `run-nodejs-20`, or a full
    /// image reference).
    pub(crate) run_image: Option<String>,
}

/// The Node.js streams of a stack and its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Catalogue {
    /// The file it was read from.
    pub(crate) path: PathBuf,
    /// Sorted by major version, ascending, each major once.
    pub(crate) streams: Vec<Stream>,
    /// The major of the entry marked `is_default_run_image`.
    pub(crate) default_major: u32,
}

#[derive(Deserialize)]
struct ImagesJson {
    images: Vec<Entry>,
}

/// One entry of `images`, with the keys this extension reads.
#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    is_default_run_image: bool,
    run_image: Option<String>,
}

impl Catalogue {
    /// Reads and checks the catalogue at `path`.
    pub(crate) fn load(path: &Path) -> Result<Self, UbiNodejsError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            if error.kind() == io::ErrorKind::NotFound {
                UbiNodejsError::CatalogueMissing {
                    path: path.to_path_buf(),
                }
            } else {
                UbiNodejsError::CatalogueUnreadable {
                    path: path.to_path_buf(),
                    reason: error.to_string(),
                }
            }
        })?;
        Self::parse(path, &text)
    }

    /// Parses and checks the catalogue's text; `path` is for the errors.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self, UbiNodejsError> {
        let images: ImagesJson =
            serde_json::from_str(text).map_err(|error| UbiNodejsError::CatalogueInvalid {
                path: path.to_path_buf(),
                reason: error.to_string(),
            })?;
        let mut streams: Vec<Stream> = Vec::new();
        // (name, major) of the entries marked as the default.
        let mut defaults: Vec<(String, u32)> = Vec::new();
        for image in images.images {
            if !image.name.starts_with("nodejs") {
                continue;
            }
            let major = image
                .name
                .strip_prefix("nodejs-")
                .filter(|major| !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|major| major.parse::<u32>().ok())
                .ok_or_else(|| UbiNodejsError::CatalogueInvalidName {
                    path: path.to_path_buf(),
                    name: image.name.clone(),
                })?;
            if let Some(other) = streams.iter().find(|stream| stream.major == major) {
                return Err(UbiNodejsError::CatalogueDuplicateMajor {
                    path: path.to_path_buf(),
                    names: vec![other.name.clone(), image.name],
                });
            }
            if image.is_default_run_image {
                defaults.push((image.name.clone(), major));
            }
            streams.push(Stream {
                major,
                name: image.name,
                run_image: image.run_image,
            });
        }
        if streams.is_empty() {
            return Err(UbiNodejsError::CatalogueNoNodejs {
                path: path.to_path_buf(),
            });
        }
        streams.sort_by_key(|stream| stream.major);
        let default_major = match defaults.as_slice() {
            [(_, major)] => *major,
            [] => {
                return Err(UbiNodejsError::CatalogueNoDefault {
                    path: path.to_path_buf(),
                    names: streams.iter().map(|stream| stream.name.clone()).collect(),
                });
            }
            _ => {
                return Err(UbiNodejsError::CatalogueMultipleDefaults {
                    path: path.to_path_buf(),
                    names: defaults.into_iter().map(|(name, _)| name).collect(),
                });
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            streams,
            default_major,
        })
    }

    /// The majors, ascending.
    pub(crate) fn majors(&self) -> Vec<u32> {
        self.streams.iter().map(|stream| stream.major).collect()
    }

    /// The stream of `major`.
    pub(crate) fn stream(&self, major: u32) -> Option<&Stream> {
        self.streams.iter().find(|stream| stream.major == major)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/buildpacks/images.json";

    fn parse(text: &str) -> Result<Catalogue, UbiNodejsError> {
        Catalogue::parse(Path::new(PATH), text)
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

    #[test]
    fn the_path_defaults_to_the_stacks_file_and_must_be_absolute() {
        assert_eq!(configured_path(None), Ok(PathBuf::from(PATH)));
        assert_eq!(
            configured_path(Some(PathBuf::from("/tmp/images.json"))),
            Ok(PathBuf::from("/tmp/images.json"))
        );
        assert_eq!(
            configured_path(Some(PathBuf::from("images.json"))),
            Err(UbiNodejsError::CataloguePathNotAbsolute {
                path: PathBuf::from("images.json")
            })
        );
    }

    #[test]
    fn keeps_the_nodejs_images_and_finds_the_default() {
        let text = images(&[
            r#"{"name": "default", "run_image": "run", "create_build_image": true}"#.to_string(),
            image("java-17", false),
            image("nodejs-20", false),
            r#"{"name": "nodejs-16", "run_image": "run-nodejs-16"}"#.to_string(),
            image("nodejs-18", true),
        ]);
        let catalogue = parse(&text).unwrap();
        assert_eq!(catalogue.majors(), [16, 18, 20]);
        assert_eq!(catalogue.default_major, 18);
        assert_eq!(catalogue.path, Path::new(PATH));
        assert_eq!(
            catalogue.stream(20),
            Some(&Stream {
                major: 20,
                name: "nodejs-20".to_string(),
                run_image: Some("run-nodejs-20".to_string()),
            })
        );
        assert_eq!(catalogue.stream(22), None);
    }

    #[test]
    fn a_missing_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        let error = Catalogue::load(&path).unwrap_err();
        assert_eq!(
            error,
            UbiNodejsError::CatalogueMissing { path: path.clone() }
        );
        assert!(
            error.to_string().starts_with(&format!(
                "the Node.js version catalogue {} does not exist",
                path.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn an_unreadable_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file.
        let error = Catalogue::load(dir.path()).unwrap_err();
        assert!(
            matches!(&error, UbiNodejsError::CatalogueUnreadable { path, .. } if path == dir.path()),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .contains(&dir.path().display().to_string())
        );
    }

    #[test]
    fn reads_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        std::fs::write(&path, images(&[image("nodejs-22", true)])).unwrap();
        let catalogue = Catalogue::load(&path).unwrap();
        assert_eq!(catalogue.majors(), [22]);
        assert_eq!(catalogue.path, path);
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
                matches!(&error, UbiNodejsError::CatalogueInvalid { path, .. } if path == Path::new(PATH)),
                "{text}: {error:?}"
            );
            assert!(
                error.to_string().starts_with(
                    "the Node.js version catalogue /etc/buildpacks/images.json is not valid: "
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn no_nodejs_images_is_an_error() {
        let error = parse(&images(&[image("default", false), image("java-17", true)])).unwrap_err();
        assert_eq!(
            error,
            UbiNodejsError::CatalogueNoNodejs {
                path: PathBuf::from(PATH)
            }
        );
        assert_eq!(parse("{\"images\": []}").unwrap_err(), error);
    }

    #[test]
    fn exactly_one_default_is_required() {
        let none = parse(&images(&[
            image("nodejs-18", false),
            image("nodejs-20", false),
        ]))
        .unwrap_err();
        assert_eq!(
            none,
            UbiNodejsError::CatalogueNoDefault {
                path: PathBuf::from(PATH),
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
            UbiNodejsError::CatalogueMultipleDefaults {
                path: PathBuf::from(PATH),
                names: vec!["nodejs-18".to_string(), "nodejs-20".to_string()],
            }
        );
        // A default on an entry that is not Node.js does not count.
        assert!(matches!(
            parse(&images(&[
                image("java-17", true),
                image("nodejs-20", false)
            ]))
            .unwrap_err(),
            UbiNodejsError::CatalogueNoDefault { .. }
        ));
    }

    #[test]
    fn the_major_must_be_an_integer() {
        for name in [
            "nodejs",
            "nodejs-",
            "nodejs-twenty",
            "nodejs-20-minimal",
            "nodejs-20.1",
            "nodejs-+20",
            "nodejs-99999999999",
            "nodejs20",
        ] {
            let error = parse(&images(&[image(name, true)])).unwrap_err();
            assert_eq!(
                error,
                UbiNodejsError::CatalogueInvalidName {
                    path: PathBuf::from(PATH),
                    name: name.to_string(),
                },
                "{name}"
            );
            assert!(error.to_string().contains(&format!("{name:?}")), "{error}");
        }
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
            UbiNodejsError::CatalogueDuplicateMajor {
                path: PathBuf::from(PATH),
                names: vec!["nodejs-20".to_string(), "nodejs-020".to_string()],
            }
        );
    }

    #[test]
    fn the_fixtures_are_valid_catalogues() {
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ubi-nodejs");
        for (file, majors, default) in [
            ("images-ubi8.json", vec![16, 18, 20, 22, 24], 24),
            ("images-ubi9.json", vec![20, 22, 24], 24),
            ("images-ubi10.json", vec![22, 24], 24),
            ("images-ubi9-local-run-images.json", vec![20, 22, 24], 22),
        ] {
            let catalogue = Catalogue::load(&fixtures.join(file)).unwrap();
            assert_eq!(catalogue.majors(), majors, "{file}");
            assert_eq!(catalogue.default_major, default, "{file}");
        }
    }
}
