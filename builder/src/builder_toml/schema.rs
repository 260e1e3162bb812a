//! The schema: every key pack's `Config` knows and its type. Keys pack does not know and values
//! of the wrong type are reported before the configuration is read into its types.

use super::problem::{KeyPath, Problem, Problems};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

#[derive(Clone, Copy)]
pub(super) enum Shape {
    Str,
    Bool,
    StrArray,
    Table(&'static [(&'static str, Shape)]),
    TableArray(&'static [(&'static str, Shape)]),
}

const LICENSE: &[(&str, Shape)] = &[("type", Shape::Str), ("uri", Shape::Str)];
const MODULE_INFO_KEYS: [(&str, Shape); 7] = [
    ("id", Shape::Str),
    ("name", Shape::Str),
    ("version", Shape::Str),
    ("description", Shape::Str),
    ("homepage", Shape::Str),
    ("keywords", Shape::StrArray),
    ("licenses", Shape::TableArray(LICENSE)),
];
const MODULE_CONFIG: &[(&str, Shape)] = &[
    MODULE_INFO_KEYS[0],
    MODULE_INFO_KEYS[1],
    MODULE_INFO_KEYS[2],
    MODULE_INFO_KEYS[3],
    MODULE_INFO_KEYS[4],
    MODULE_INFO_KEYS[5],
    MODULE_INFO_KEYS[6],
    ("uri", Shape::Str),
    ("image", Shape::Str),
];
const MODULE_REF: &[(&str, Shape)] = &[
    MODULE_INFO_KEYS[0],
    MODULE_INFO_KEYS[1],
    MODULE_INFO_KEYS[2],
    MODULE_INFO_KEYS[3],
    MODULE_INFO_KEYS[4],
    MODULE_INFO_KEYS[5],
    MODULE_INFO_KEYS[6],
    ("optional", Shape::Bool),
];
const ORDER_ENTRY: &[(&str, Shape)] = &[("group", Shape::TableArray(MODULE_REF))];
const STACK: &[(&str, Shape)] = &[
    ("id", Shape::Str),
    ("build-image", Shape::Str),
    ("run-image", Shape::Str),
    ("run-image-mirrors", Shape::StrArray),
];
const LIFECYCLE: &[(&str, Shape)] = &[("uri", Shape::Str), ("version", Shape::Str)];
const RUN_IMAGE: &[(&str, Shape)] = &[("image", Shape::Str), ("mirrors", Shape::StrArray)];
const RUN: &[(&str, Shape)] = &[("images", Shape::TableArray(RUN_IMAGE))];
const BUILD_ENV: &[(&str, Shape)] = &[
    ("name", Shape::Str),
    ("value", Shape::Str),
    ("suffix", Shape::Str),
    ("delim", Shape::Str),
    ("exec-env", Shape::StrArray),
];
const BUILD: &[(&str, Shape)] = &[("image", Shape::Str), ("env", Shape::TableArray(BUILD_ENV))];
const DISTRO: &[(&str, Shape)] = &[("name", Shape::Str), ("version", Shape::Str)];
const TARGET: &[(&str, Shape)] = &[
    ("os", Shape::Str),
    ("arch", Shape::Str),
    ("variant", Shape::Str),
    ("distros", Shape::TableArray(DISTRO)),
];
const SYSTEM_BUILDPACKS: &[(&str, Shape)] = &[("buildpacks", Shape::TableArray(MODULE_REF))];
const SYSTEM: &[(&str, Shape)] = &[
    ("pre", Shape::Table(SYSTEM_BUILDPACKS)),
    ("post", Shape::Table(SYSTEM_BUILDPACKS)),
];
pub(super) const CONFIG: &[(&str, Shape)] = &[
    ("description", Shape::Str),
    ("buildpacks", Shape::TableArray(MODULE_CONFIG)),
    ("extensions", Shape::TableArray(MODULE_CONFIG)),
    ("order", Shape::TableArray(ORDER_ENTRY)),
    ("order-extensions", Shape::TableArray(ORDER_ENTRY)),
    ("stack", Shape::Table(STACK)),
    ("lifecycle", Shape::Table(LIFECYCLE)),
    ("run", Shape::Table(RUN)),
    ("build", Shape::Table(BUILD)),
    ("targets", Shape::TableArray(TARGET)),
    ("system", Shape::Table(SYSTEM)),
];

/// Hints for keys pack does not know but people write.
fn unknown_key_hint(path: &KeyPath) -> &'static str {
    match path.to_string().rsplit('.').next().unwrap_or_default() {
        "mixins" => " (pack's [stack] has no mixins: remove it)",
        "arch-variant" => " (pack knows it as `variant`)",
        _ => "",
    }
}

pub(super) fn walk_table(
    problems: &mut Problems<'_>,
    table: &DeTable<'_>,
    shape: &[(&str, Shape)],
    path: &KeyPath,
) {
    for (key, value) in table {
        let name = key.get_ref().as_ref();
        let key_path = path.key(name);
        match shape.iter().find(|(known, _)| *known == name) {
            None => {
                let hint = unknown_key_hint(&key_path);
                problems.list.push(Problem {
                    line: Some(problems.lines.of(key.span().start)),
                    key: key_path,
                    message: format!("unknown key: pack rejects keys it does not know{hint}"),
                });
            }
            Some((_, expected)) => walk_value(problems, value, *expected, &key_path),
        }
    }
}

fn walk_value(
    problems: &mut Problems<'_>,
    value: &Spanned<DeValue<'_>>,
    shape: Shape,
    path: &KeyPath,
) {
    let line = Some(problems.lines.of(value.span().start));
    let wrong = |problems: &mut Vec<Problem>, expected: &str| {
        problems.push(Problem {
            key: path.clone(),
            line,
            message: format!("expected {expected}"),
        });
    };
    match (shape, value.get_ref()) {
        (Shape::Str, DeValue::String(_)) | (Shape::Bool, DeValue::Boolean(_)) => {}
        (Shape::Str, _) => wrong(&mut problems.list, "a string"),
        (Shape::Bool, _) => wrong(&mut problems.list, "a boolean (true or false)"),
        (Shape::StrArray, DeValue::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                walk_value(problems, item, Shape::Str, &path.index(index));
            }
        }
        (Shape::StrArray, _) => wrong(&mut problems.list, "an array of strings"),
        (Shape::Table(fields), DeValue::Table(table)) => walk_table(problems, table, fields, path),
        (Shape::Table(_), _) => wrong(&mut problems.list, "a table"),
        (Shape::TableArray(fields), DeValue::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item.get_ref() {
                    DeValue::Table(table) => {
                        walk_table(problems, table, fields, &path.index(index));
                    }
                    _ => wrong(&mut problems.list, "an array of tables"),
                }
            }
        }
        (Shape::TableArray(_), _) => wrong(&mut problems.list, "an array of tables"),
    }
}
