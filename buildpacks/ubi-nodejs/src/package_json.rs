//! The parts of `package.json` this buildpack reads: `engines.node`, `scripts.start`, `main`.

use crate::errors::NodejsBuildpackError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use untrusted_input::{bounded, read_app_text};

/// The file name.
pub(crate) const PACKAGE_JSON: &str = "package.json";

/// The largest `package.json` read, in bytes: real ones, dependencies and all, are tens of KB.
pub(crate) const PACKAGE_JSON_LIMIT: u64 = 1 << 20;

/// What this buildpack needs from a `package.json`. Blank strings count as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageJson {
    /// The file that was read.
    pub(crate) path: PathBuf,
    /// `engines.node`, trimmed: a version range such as `>=20 <21`.
    pub(crate) engines_node: Option<String>,
    /// `scripts.start`: the app has `npm start`.
    pub(crate) start_script: Option<String>,
    /// `main`: the app's entry point.
    pub(crate) main: Option<String>,
}

/// Reads the app's `relative` `package.json` (e.g. `api/package.json`); `None` when there is
/// none. It must be a regular file of at most [`PACKAGE_JSON_LIMIT`] bytes inside the app (links
/// inside the app are followed); a dangling link is an error.
pub(crate) fn read_package_json(
    app_dir: &Path,
    relative: &Path,
) -> Result<Option<PackageJson>, NodejsBuildpackError> {
    match read_app_text(app_dir, relative, PACKAGE_JSON_LIMIT)
        .map_err(NodejsBuildpackError::AppFile)?
    {
        Some(text) => parse_package_json(app_dir.join(relative), &text).map(Some),
        None => Ok(None),
    }
}

/// Parses the text of a `package.json` read from `path` (which errors name), as `read_app_text`
/// decodes it: a leading byte order mark, which npm ignores, is already dropped.
///
/// Fields this buildpack does not read are ignored, whatever their type; the fields it reads must
/// have the type npm gives them.
pub(crate) fn parse_package_json(
    path: PathBuf,
    text: &str,
) -> Result<PackageJson, NodejsBuildpackError> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            return Err(NodejsBuildpackError::PackageJsonSyntax {
                path,
                message: error.to_string(),
            });
        }
    };
    let Value::Object(root) = &value else {
        return Err(field_error(path, "(top level)", "an object", &value));
    };

    let engines_node = nested_string(&path, root, "engines", "node", "engines.node")?;
    let start_script = nested_string(&path, root, "scripts", "start", "scripts.start")?;
    let main = match root.get("main") {
        None | Some(Value::Null) => None,
        Some(Value::String(main)) => non_blank(main),
        Some(other) => return Err(field_error(path, "main", "a string", other)),
    };
    Ok(PackageJson {
        path,
        engines_node,
        start_script,
        main,
    })
}

/// `root[object][key]` as a trimmed, non-blank string.
fn nested_string(
    path: &Path,
    root: &Map<String, Value>,
    object: &'static str,
    key: &str,
    field: &'static str,
) -> Result<Option<String>, NodejsBuildpackError> {
    let inner = match root.get(object) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(inner)) => inner,
        Some(other) => return Err(field_error(path.to_path_buf(), object, "an object", other)),
    };
    match inner.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(non_blank(value)),
        Some(other) => Err(field_error(path.to_path_buf(), field, "a string", other)),
    }
}

fn non_blank(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|value| !value.is_empty())
}

fn field_error(
    path: PathBuf,
    field: &'static str,
    expected: &'static str,
    found: &Value,
) -> NodejsBuildpackError {
    NodejsBuildpackError::PackageJsonField {
        path,
        field,
        expected,
        found: bounded(&found.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_output::HeaderAndBody;

    /// `text` decoded as `read_package_json` decodes the file (a leading byte order mark
    /// dropped, as npm drops it), then parsed.
    fn parse(text: &str) -> Result<PackageJson, NodejsBuildpackError> {
        parse_package_json(
            PathBuf::from("/app/package.json"),
            &untrusted_input::text_lossy(text.as_bytes()),
        )
    }

    #[test]
    fn reads_engines_start_and_main() {
        let package = parse(
            r#"{
              "name": "app",
              "version": "1.0.0",
              "main": "src/server.js",
              "engines": { "node": " >=20 <21 ", "npm": "10" },
              "scripts": { "start": "node src/server.js", "test": "jest" },
              "dependencies": { "express": "^4" }
            }"#,
        )
        .unwrap();
        assert_eq!(package.engines_node.as_deref(), Some(">=20 <21"));
        assert_eq!(package.start_script.as_deref(), Some("node src/server.js"));
        assert_eq!(package.main.as_deref(), Some("src/server.js"));
        assert_eq!(package.path, PathBuf::from("/app/package.json"));
    }

    #[test]
    fn absent_null_and_blank_fields_are_none() {
        for text in [
            "{}",
            r#"{"engines": null, "scripts": null, "main": null}"#,
            r#"{"engines": {}, "scripts": {"build": "tsc"}, "main": "  "}"#,
            r#"{"engines": {"node": ""}, "scripts": {"start": " "}}"#,
            "\u{feff}{}",
        ] {
            let package = parse(text).unwrap();
            assert_eq!(package.engines_node, None, "{text}");
            assert_eq!(package.start_script, None, "{text}");
            assert_eq!(package.main, None, "{text}");
        }
    }

    #[test]
    fn fields_it_does_not_read_may_have_any_type() {
        assert!(parse(r#"{"version": 1, "private": "yes", "engines": {"npm": 10}}"#).is_ok());
    }

    #[test]
    fn malformed_json_names_the_file_and_the_position() {
        let error = parse("{\n  \"name\": \"app\",\n}\n").unwrap_err();
        let NodejsBuildpackError::PackageJsonSyntax { path, message } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(path, Path::new("/app/package.json"));
        assert!(message.contains("line 3 column 1"), "{message}");
        assert_eq!(error.header(), "Invalid /app/package.json");
    }

    #[test]
    fn wrong_types_name_the_field_and_quote_the_value() {
        for (text, field, expected, found) in [
            (
                r#"{"engines": {"node": 20}}"#,
                "engines.node",
                "a string",
                "20",
            ),
            (r#"{"engines": ">=20"}"#, "engines", "an object", "\">=20\""),
            (
                r#"{"scripts": {"start": ["node", "x"]}}"#,
                "scripts.start",
                "a string",
                "[\"node\",\"x\"]",
            ),
            (r#"{"main": false}"#, "main", "a string", "false"),
            ("[1, 2]", "(top level)", "an object", "[1,2]"),
        ] {
            match parse(text).unwrap_err() {
                NodejsBuildpackError::PackageJsonField {
                    field: got_field,
                    expected: got_expected,
                    found: got_found,
                    ..
                } => {
                    assert_eq!(
                        (got_field, got_expected, got_found.as_str()),
                        (field, expected, found),
                        "{text}"
                    );
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn long_values_are_shortened_in_errors() {
        let long = "x".repeat(200);
        let error = parse(&format!(r#"{{"main": ["{long}"]}}"#)).unwrap_err();
        let NodejsBuildpackError::PackageJsonField { found, .. } = error else {
            panic!("{error:?}");
        };
        assert!(found.ends_with("… (cut, 204 bytes in all)"), "{found}");
        assert!(found.len() < 120, "{found}");
    }

    fn read(dir: &Path) -> Result<Option<PackageJson>, NodejsBuildpackError> {
        read_package_json(dir, Path::new(PACKAGE_JSON))
    }

    #[test]
    fn read_package_json_is_none_without_the_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(PACKAGE_JSON), r#"{"main": "a.js"}"#).unwrap();
        let package = read(dir.path()).unwrap().unwrap();
        assert_eq!(package.main.as_deref(), Some("a.js"));
        assert_eq!(package.path, dir.path().join(PACKAGE_JSON));
    }

    /// Issue 13: a dangling link was "not a Node.js app", a FIFO blocked detect forever, a link
    /// out of the app was followed; a huge file was read whole.
    #[test]
    fn only_a_bounded_regular_file_inside_the_app_is_read() {
        use std::os::unix::fs::symlink;
        use untrusted_input::ReadErrorKind;

        let kind = |dir: &Path| match read(dir) {
            Err(NodejsBuildpackError::AppFile(error)) => {
                assert_eq!(error.path, dir.join(PACKAGE_JSON));
                error.kind
            }
            other => panic!("{other:?}"),
        };
        let dangling = tempfile::tempdir().unwrap();
        symlink("missing.json", dangling.path().join(PACKAGE_JSON)).unwrap();
        assert!(matches!(kind(dangling.path()), ReadErrorKind::DanglingLink));

        let fifo = tempfile::tempdir().unwrap();
        cnb_harness::mkfifo(&fifo.path().join(PACKAGE_JSON));
        assert!(matches!(
            kind(fifo.path()),
            ReadErrorKind::NotRegular("a FIFO")
        ));

        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.json"), "{}").unwrap();
        let escape = tempfile::tempdir().unwrap();
        symlink(
            outside.path().join("secret.json"),
            escape.path().join(PACKAGE_JSON),
        )
        .unwrap();
        assert!(matches!(kind(escape.path()), ReadErrorKind::OutsideApp));

        let huge = tempfile::tempdir().unwrap();
        let text = format!("{{\"x\": \"{}\"}}", "x".repeat(2 << 20));
        std::fs::write(huge.path().join(PACKAGE_JSON), text).unwrap();
        assert!(matches!(
            kind(huge.path()),
            ReadErrorKind::TooLarge {
                limit: PACKAGE_JSON_LIMIT
            }
        ));

        // A link inside the app works.
        let inside = tempfile::tempdir().unwrap();
        std::fs::write(inside.path().join("real.json"), r#"{"main": "a.js"}"#).unwrap();
        symlink("real.json", inside.path().join(PACKAGE_JSON)).unwrap();
        assert!(read(inside.path()).unwrap().is_some());
    }

    #[test]
    fn fuzz_package_json() {
        let seeds = [
            r#"{"name": "app", "main": "src/server.js", "engines": {"node": ">=20 <21", "npm": "10"}, "scripts": {"start": "node server.js", "test": "jest"}, "dependencies": {"express": "^4"}}"#,
            include_str!("../../../tests/fixtures/apps/node-npm-engines/package.json"),
            include_str!("../../../tests/fixtures/apps/node-nvmrc/package.json"),
            r#"{"engines": {"node": 20}, "scripts": null, "main": ["x"]}"#,
            "\u{feff}{}",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        ];
        fuzz_check::fuzz_text("package.json (ubi-nodejs-buildpack)", &seeds, |input| {
            if let Err(error) = parse_package_json(PathBuf::from("/workspace/package.json"), input)
            {
                assert!(error.to_string().len() < 1024, "{error}");
            }
        });
    }
}
