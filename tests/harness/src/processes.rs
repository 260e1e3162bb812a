//! The processes a build declares: the `[[processes]]` of a buildpack's `launch.toml` or of the
//! lifecycle's `config/metadata.toml`.

/// The `[[processes]]` tables of `document` (`launch.toml` or `config/metadata.toml`); panics
/// when it has none.
#[must_use]
pub fn processes(document: &toml::Table) -> Vec<toml::Table> {
    array(document, "processes")
        .iter()
        .map(|process| {
            process
                .as_table()
                .unwrap_or_else(|| panic!("a process is not a table: {process}"))
                .clone()
        })
        .collect()
}

/// The process of type `kind` (e.g. `web`) in `document`; panics, showing the document, when
/// there is none.
#[must_use]
pub fn process_of_type(document: &toml::Table, kind: &str) -> toml::Table {
    processes(document)
        .into_iter()
        .find(|process| process_type(process) == kind)
        .unwrap_or_else(|| panic!("no {kind} process in {document:#?}"))
}

/// A process's `type`.
#[must_use]
pub fn process_type(process: &toml::Table) -> &str {
    process
        .get("type")
        .and_then(toml::Value::as_str)
        .unwrap_or_else(|| panic!("a process without a type: {process:#?}"))
}

/// A process's `command`, each part a string.
#[must_use]
pub fn command(process: &toml::Table) -> Vec<String> {
    array(process, "command")
        .iter()
        .map(|part| {
            part.as_str()
                .unwrap_or_else(|| panic!("a command part is not a string: {part}"))
                .to_string()
        })
        .collect()
}

/// The array `key` of `table`; panics, showing the table, when there is none.
fn array<'a>(table: &'a toml::Table, key: &str) -> &'a [toml::Value] {
    table
        .get(key)
        .and_then(toml::Value::as_array)
        .unwrap_or_else(|| panic!("no array {key} in {table:#?}"))
}
