//! The parts of `package.json` this buildpack reads: `engines.node`, `scripts.start`, `main`.

use crate::errors::NodejsBuildpackError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The file name.
pub(crate) const PACKAGE_JSON: &str = "package.json";

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

/// Reads `<project_dir>/package.json`; `None` when there is none.
pub(crate) fn read_package_json(
    project_dir: &Path,
) -> Result<Option<PackageJson>, NodejsBuildpackError> {
    let path = project_dir.join(PACKAGE_JSON);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_package_json(path, &text).map(Some),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(NodejsBuildpackError::ReadAppFile { path, source }),
    }
}

/// Parses the text of a `package.json` read from `path` (which errors name).
///
/// Fields this buildpack does not read are ignored, whatever their type; the fields it reads must
/// have the type npm gives them.
pub(crate) fn parse_package_json(
    path: PathBuf,
    text: &str,
) -> Result<PackageJson, NodejsBuildpackError> {
    // npm ignores a UTF-8 byte order mark; so do we.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
    let mut found = found.to_string();
    if found.chars().count() > 60 {
        found = found.chars().take(57).chain("...".chars()).collect();
    }
    NodejsBuildpackError::PackageJsonField {
        path,
        field,
        expected,
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use buildpack_errors::HeaderAndBody;

    fn parse(text: &str) -> Result<PackageJson, NodejsBuildpackError> {
        parse_package_json(PathBuf::from("/app/package.json"), text)
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
        assert_eq!(found.chars().count(), 60);
        assert!(found.ends_with("..."));
    }

    #[test]
    fn read_package_json_is_none_without_the_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_package_json(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(PACKAGE_JSON), r#"{"main": "a.js"}"#).unwrap();
        let package = read_package_json(dir.path()).unwrap().unwrap();
        assert_eq!(package.main.as_deref(), Some("a.js"));
        assert_eq!(package.path, dir.path().join(PACKAGE_JSON));
    }
}
