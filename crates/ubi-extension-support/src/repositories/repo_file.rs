//! The `.repo` files of an `rpm-repository` binding: parsed in one pass, every value that could
//! reach the install step checked.

use super::{CA_KEY, CLIENT_CERT_KEY, CLIENT_KEY_KEY, Repository};
use cnb_extension::untrusted::quoted;

/// The keys naming files of the machine, which the binding's own keys replace.
pub(super) const FILE_KEYS: [&str; 3] = ["sslcacert", "sslclientcert", "sslclientkey"];
/// The keys holding URLs microdnf fetches repository metadata from.
pub(super) const URL_KEYS: [&str; 3] = ["baseurl", "mirrorlist", "metalink"];

/// Parses a dnf `.repo` file (ini: `[id]` sections, `key=value` lines, `#`/`;` comments,
/// indented continuation lines): its repositories, or the line (1-based) and what is wrong.
/// Linear in the text.
///
/// # Errors
/// A line that is neither, a key outside a section, a `[main]` section, an id or key of other
/// characters, a file key (`sslcacert`...), a URL that is not `https://` or `file://` or holds
/// credentials, a section without URL, a control character.
pub fn parse_repo_file(text: &str) -> Result<Vec<Repository>, (usize, String)> {
    struct Section {
        repo: Repository,
        line: usize,
    }
    fn finish(section: Option<Section>, out: &mut Vec<Repository>) -> Result<(), (usize, String)> {
        if let Some(section) = section {
            if section.repo.urls.is_empty() {
                return Err((
                    section.line,
                    format!(
                        "the repository {} has no baseurl, mirrorlist or metalink",
                        quoted(&section.repo.id)
                    ),
                ));
            }
            out.push(section.repo);
        }
        Ok(())
    }
    let mut repos = Vec::new();
    let mut current: Option<Section> = None;
    let mut last_url_key = false;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\t' && c != '\r')
        {
            return Err((number, "it holds a control character".to_string()));
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) && current.is_some() {
            // A continuation line: another URL of the key above, or more of another value.
            if last_url_key && let Some(section) = current.as_mut() {
                push_urls(&mut section.repo, line).map_err(|r| (number, r))?;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(id) = rest.strip_suffix(']') else {
                return Err((number, format!("{} is not a [section] line", quoted(line))));
            };
            finish(current.take(), &mut repos)?;
            current = Some(Section {
                repo: Repository {
                    id: section_id(id).map_err(|r| (number, r))?,
                    urls: Vec::new(),
                    disabled: false,
                },
                line: number,
            });
            last_url_key = false;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err((
                number,
                format!("{} is neither [id] nor key=value", quoted(line)),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let Some(section) = current.as_mut() else {
            return Err((
                number,
                format!("the key {} is outside a [section]", quoted(key)),
            ));
        };
        last_url_key = key_value(&mut section.repo, key, value).map_err(|r| (number, r))?;
    }
    finish(current, &mut repos)?;
    if repos.is_empty() {
        return Err((0, "it holds no [id] section".to_string()));
    }
    Ok(repos)
}

/// A section name as a repository id: not `main`, letters, digits and `-_.:`.
pub(super) fn section_id(id: &str) -> Result<String, String> {
    if id == "main" {
        return Err("a [main] section would change microdnf's own configuration".to_string());
    }
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    {
        return Err(format!(
            "the repository id {} is not letters, digits and -_.:",
            quoted(id)
        ));
    }
    Ok(id.to_string())
}

/// One `key=value` line of `repo`'s section: whether the key holds URLs.
pub(super) fn key_value(repo: &mut Repository, key: &str, value: &str) -> Result<bool, String> {
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "the key {} is not lower-case letters, digits and _",
            quoted(key)
        ));
    }
    if FILE_KEYS.contains(&key) {
        return Err(format!(
            "{key} names a file of the build image: put the file in the binding instead \
             ({CA_KEY}, {CLIENT_CERT_KEY}, {CLIENT_KEY_KEY})"
        ));
    }
    if key == "enabled" {
        repo.disabled = matches!(value, "0" | "false" | "no" | "False");
    }
    let urls = URL_KEYS.contains(&key);
    if urls {
        push_urls(repo, value)?;
    }
    Ok(urls)
}

/// The URLs of a `baseurl`/`mirrorlist`/`metalink` value (separated by spaces or commas).
pub(super) fn push_urls(repo: &mut Repository, value: &str) -> Result<(), String> {
    for url in value.split([' ', ',']).filter(|u| !u.is_empty()) {
        repo.urls.push(checked_url(url)?);
    }
    Ok(())
}

/// A repository URL: `https://` or `file://`, no credentials; returned without its query string
/// (for the log).
pub(super) fn checked_url(url: &str) -> Result<String, String> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("file://") {
        rest
    } else {
        return Err(format!(
            "the URL {} is not https:// or file://",
            quoted(url)
        ));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!(
            "the URL {} holds credentials: give them as username= and password= (URLs are shown \
             in logs)",
            quoted(&url.replace(authority, "***"))
        ));
    }
    if url.contains(['"', '\'', '\\', '`']) {
        return Err(format!(
            "the URL {} holds a quote or backslash",
            quoted(url)
        ));
    }
    Ok(url.split('?').next().unwrap_or_default().to_string())
}
