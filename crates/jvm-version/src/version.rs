//! Normalising the many ways of writing a Java version to its major version.

use std::fmt;
use untrusted_input::quoted;

/// The longest version accepted, in bytes (`corretto64-1.8.0.392` is 20; a longer value is not
/// a version, and would be echoed whole where a version is shown).
pub const MAX_VERSION_LENGTH: usize = 64;

/// Why a string is not a Java version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidVersion {
    /// What is wrong with it, e.g. `the major version "x" is not a number`.
    pub reason: String,
}

impl fmt::Display for InvalidVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for InvalidVersion {}

fn invalid(reason: impl Into<String>) -> InvalidVersion {
    InvalidVersion {
        reason: reason.into(),
    }
}

/// The Java major version of `raw`.
///
/// Accepted forms (surrounding whitespace is ignored):
///
/// - a major or a full version: `17`, `17.0`, `17.0.10`, `21.0.2.1`;
/// - the legacy `1.x` scheme, where `x` is the major: `1.8`, `1.8.0`, `1.8.0_392`;
/// - wildcards after the major: `21.*`, `17.x`, `17.0.*`;
/// - a build or "or later" suffix after `+`: `17.0.10+7`, `21+`;
/// - a suffix after `-`: SDKMAN! identifiers (`17.0.10-tem`, `21.0.2-graal`, `17.0.10.fx-zulu`)
///   and early-access builds (`21-ea`, `22-ea+27`);
/// - a jenv-style vendor prefix before `-`: `openjdk64-17.0.2`, `temurin-21`.
///
/// The components after the major may hold letters (`17.0.10.fx`, `22.ea.1`); the major itself
/// must be a number. `1` alone and `0` are rejected, as is a value longer than
/// [`MAX_VERSION_LENGTH`], and anything else. The reasons quote parts of the value cut after 64
/// characters.
///
/// # Errors
/// [`InvalidVersion`] with the reason, e.g. for `""`, `abc`, `17abc`, `17..0`, `-17`, `1`.
pub fn parse_major(raw: &str) -> Result<u32, InvalidVersion> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(invalid("it is empty"));
    }
    if value.len() > MAX_VERSION_LENGTH {
        return Err(invalid(format!(
            "it is {} bytes long; a version is at most {MAX_VERSION_LENGTH}",
            value.len()
        )));
    }
    // Every form below is made of these; anything else (spaces, quotes, `$`, `;`, line breaks)
    // is not a version, wherever in the value it appears.
    if let Some(character) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+*-".contains(*c)))
    {
        return Err(invalid(format!(
            "it holds {character:?}; a version is letters, digits and any of ._+*-"
        )));
    }
    match value.split_once('-') {
        None => parse_plain(value),
        Some(("", _)) => Err(invalid("it starts with '-'")),
        Some((_, "")) => Err(invalid("it ends with '-'")),
        // `17.0.10-tem`, `21-ea`: the version is before the dash. Otherwise `openjdk64-17.0.2`:
        // a vendor name, then the version.
        Some((version, suffix)) => parse_plain(version).or_else(|error| {
            if version.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
                parse_plain(suffix.split_once('-').map_or(suffix, |(first, _)| first))
                    .map_err(|_| error)
            } else {
                Err(error)
            }
        }),
    }
}

/// A version without `-` suffixes: `<components>[+<build>]`.
fn parse_plain(value: &str) -> Result<u32, InvalidVersion> {
    let version = value.split_once('+').map_or(value, |(version, _)| version);
    if version.is_empty() {
        return Err(invalid("there is no version before '+'"));
    }
    let components: Vec<&str> = version.split('.').collect();
    if let Some(empty) = components.iter().position(|component| component.is_empty()) {
        return Err(invalid(format!("component {} is empty", empty + 1)));
    }
    let first = parse_number(components[0])?;
    for component in &components[1..] {
        if !component
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'*')
        {
            return Err(invalid(format!(
                "the component {} holds characters other than letters, digits, '_' and '*'",
                quoted(component)
            )));
        }
    }
    let major = if first == 1 {
        // The legacy scheme: 1.<major>[.<minor>[_<update>]].
        let Some(second) = components.get(1) else {
            return Err(invalid(
                "1 is not a Java major version (the legacy scheme is 1.<major>, e.g. 1.8)",
            ));
        };
        parse_number(second)?
    } else {
        first
    };
    if major == 0 {
        return Err(invalid("the major version is 0"));
    }
    Ok(major)
}

fn parse_number(component: &str) -> Result<u32, InvalidVersion> {
    if !component.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid(format!(
            "the major version {} is not a number",
            quoted(component)
        )));
    }
    component.parse().map_err(|_| {
        invalid(format!(
            "the major version {} is too large",
            quoted(component)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let cases = [
            ("8", 8),
            ("1.8", 8),
            ("1.8.0", 8),
            ("1.8.0_392", 8),
            ("1.7", 7),
            ("11", 11),
            ("11.0.22", 11),
            ("11.*", 11),
            ("17", 17),
            ("17.0.1", 17),
            ("17.0.10", 17),
            ("17.0.10+7", 17),
            ("17.x", 17),
            ("17.0.*", 17),
            ("21.*", 21),
            ("21+", 21),
            ("21-ea", 21),
            ("22-ea+27", 22),
            ("17.0.10-tem", 17),
            ("21.0.2-graal", 21),
            ("8.0.392-tem", 8),
            ("17.0.10.fx-zulu", 17),
            ("22.ea.1-open", 22),
            ("openjdk64-17.0.2", 17),
            ("temurin-21", 21),
            ("corretto64-1.8.0.392", 8),
            ("  21 \n", 21),
            ("25", 25),
        ];
        for (raw, major) in cases {
            assert_eq!(parse_major(raw), Ok(major), "{raw:?}");
        }
    }

    #[test]
    fn rejected_forms() {
        let cases = [
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("abc", "the major version \"abc\" is not a number"),
            ("17abc", "the major version \"17abc\" is not a number"),
            (
                "seventeen",
                "the major version \"seventeen\" is not a number",
            ),
            ("17..0", "component 2 is empty"),
            (".17", "component 1 is empty"),
            ("17.", "component 2 is empty"),
            ("-17", "it starts with '-'"),
            (
                "21-$(id)",
                "it holds '$'; a version is letters, digits and any of ._+*-",
            ),
            (
                "17; id",
                "it holds ';'; a version is letters, digits and any of ._+*-",
            ),
            (
                "17\nRUN id",
                "it holds '\\n'; a version is letters, digits and any of ._+*-",
            ),
            (
                "\"17\"",
                "it holds '\"'; a version is letters, digits and any of ._+*-",
            ),
            ("17-", "it ends with '-'"),
            ("+7", "there is no version before '+'"),
            (
                "1",
                "1 is not a Java major version (the legacy scheme is 1.<major>, e.g. 1.8)",
            ),
            ("0", "the major version is 0"),
            ("1.0", "the major version is 0"),
            ("1.x", "the major version \"x\" is not a number"),
            ("*", "the major version \"*\" is not a number"),
            (
                "17.0/1",
                "it holds '/'; a version is letters, digits and any of ._+*-",
            ),
            (
                "${java.version}",
                "it holds '$'; a version is letters, digits and any of ._+*-",
            ),
            (
                "99999999999",
                "the major version \"99999999999\" is too large",
            ),
            (
                "some vendor-abc",
                "it holds ' '; a version is letters, digits and any of ._+*-",
            ),
            ("vendor-abc", "the major version \"vendor\" is not a number"),
            (
                &"1".repeat(65),
                "it is 65 bytes long; a version is at most 64",
            ),
        ];
        for (raw, reason) in cases {
            assert_eq!(
                parse_major(raw).map_err(|error| error.reason),
                Err(reason.to_string()),
                "{raw:?}"
            );
        }
    }
}
