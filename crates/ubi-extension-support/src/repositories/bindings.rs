//! Reading `<platform>/bindings`: bounded, regular files only, each binding validated.

use super::repo_file::parse_repo_file;
use super::{
    CA_KEY, CLIENT_CERT_KEY, CLIENT_KEY_KEY, MAX_BINDING_ENTRIES, MAX_BINDINGS, MAX_KEY_SIZE,
    MAX_REPO_FILE_SIZE, MODE_KEY, Mode, RepositoriesError, RepositoryBinding,
};
use cnb_extension::untrusted::{quoted, read_regular_file};
use std::path::{Path, PathBuf};

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The names of a directory's entries, sorted, at most [`MAX_BINDING_ENTRIES`].
pub(super) fn entries(dir: &Path) -> Result<Vec<String>, RepositoriesError> {
    let error = |reason: String| RepositoriesError::Binding {
        binding: dir.to_path_buf(),
        reason,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| error(format!("cannot list it: {e}")))? {
        let entry = entry.map_err(|e| error(format!("cannot list it: {e}")))?;
        if names.len() == MAX_BINDING_ENTRIES {
            return Err(error(format!(
                "it holds more than {MAX_BINDING_ENTRIES} entries, the most looked at"
            )));
        }
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// The binding directories of `<platform>/bindings` (none when it does not exist), sorted.
pub(super) fn binding_dirs(bindings: &Path) -> Result<Vec<PathBuf>, RepositoriesError> {
    if !bindings.is_dir() {
        return Ok(Vec::new());
    }
    let names = entries(bindings).map_err(|error| match error {
        RepositoriesError::Binding { reason, .. } => RepositoriesError::Binding {
            binding: bindings.to_path_buf(),
            reason: reason.replace(
                &format!("{MAX_BINDING_ENTRIES} entries"),
                &format!("{MAX_BINDINGS} bindings"),
            ),
        },
        other => other,
    })?;
    Ok(names
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .map(|name| bindings.join(name))
        .filter(|dir| dir.is_dir())
        .collect())
}

/// A short key file (`type`, `mode`) of a binding, trimmed; `None` when absent.
pub(super) fn read_key(dir: &Path, key: &str) -> Result<Option<String>, RepositoriesError> {
    match read_regular_file(&dir.join(key), MAX_KEY_SIZE) {
        Ok(bytes) => Ok(bytes.map(|b| String::from_utf8_lossy(&b).trim().to_string())),
        Err(error) => Err(RepositoriesError::Binding {
            binding: dir.to_path_buf(),
            reason: error.to_string(),
        }),
    }
}

/// A binding or file name that goes into the install step as a path: letters, digits and
/// `._-+@` (binding names are Kubernetes names, these files' names are chosen by the user).
pub(super) fn check_plain(dir: &Path, name: &str) -> Result<(), RepositoriesError> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+@".contains(c))
    {
        Ok(())
    } else {
        Err(RepositoriesError::Binding {
            binding: dir.to_path_buf(),
            reason: format!(
                "the name {} holds characters other than letters, digits and ._-+@",
                quoted(name)
            ),
        })
    }
}

pub(super) fn read_binding(
    dir: &Path,
    name: String,
) -> Result<RepositoryBinding, RepositoriesError> {
    check_plain(dir, &name)?;
    let mode = match read_key(dir, MODE_KEY)?.as_deref() {
        None | Some("" | "replace") => Mode::Replace,
        Some("add") => Mode::Add,
        Some(other) => {
            return Err(RepositoriesError::Binding {
                binding: dir.to_path_buf(),
                reason: format!(
                    "its {MODE_KEY} is {}: expected replace (the default) or add",
                    quoted(other)
                ),
            });
        }
    };
    let names = entries(dir)?;
    let mut files = Vec::new();
    // dnf reads `*.repo` only, case-sensitively.
    for file in names
        .iter()
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "repo"))
    {
        let path = dir.join(file);
        check_plain(dir, file)?;
        let bytes = read_regular_file(&path, MAX_REPO_FILE_SIZE)
            .map_err(|error| RepositoriesError::Binding {
                binding: dir.to_path_buf(),
                reason: error.to_string(),
            })?
            .unwrap_or_default();
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(RepositoriesError::InvalidRepoFile {
                path,
                line: 0,
                reason: "it is not UTF-8 text".to_string(),
            });
        };
        let repos = parse_repo_file(&text).map_err(|(line, reason)| {
            RepositoriesError::InvalidRepoFile {
                path: path.clone(),
                line,
                reason,
            }
        })?;
        files.push((file.clone(), repos));
    }
    if files.is_empty() {
        return Err(RepositoriesError::NoRepoFile {
            binding: dir.to_path_buf(),
        });
    }
    let present = |key: &str| -> Result<bool, RepositoriesError> {
        let path = dir.join(key);
        if !names.iter().any(|n| n == key) {
            return Ok(false);
        }
        // A regular file, bounded: a CA or key larger than this is not one.
        read_regular_file(&path, MAX_REPO_FILE_SIZE)
            .map(|bytes| bytes.is_some())
            .map_err(|error| RepositoriesError::Binding {
                binding: dir.to_path_buf(),
                reason: error.to_string(),
            })
    };
    let ca = present(CA_KEY)?;
    let (cert, key) = (present(CLIENT_CERT_KEY)?, present(CLIENT_KEY_KEY)?);
    if cert != key {
        return Err(RepositoriesError::Binding {
            binding: dir.to_path_buf(),
            reason: format!(
                "it holds {} but not {}: a client certificate needs both",
                if cert {
                    CLIENT_CERT_KEY
                } else {
                    CLIENT_KEY_KEY
                },
                if cert {
                    CLIENT_KEY_KEY
                } else {
                    CLIENT_CERT_KEY
                }
            ),
        });
    }
    Ok(RepositoryBinding {
        name,
        dir: dir.to_path_buf(),
        mode,
        files,
        ca,
        client_certificate: cert,
    })
}
