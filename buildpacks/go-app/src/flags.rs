//! The `go build` flags: the buildpack's (`-buildmode=exe`, `-trimpath`), then
//! `BP_GO_BUILD_FLAGS`, then `BP_GO_BUILD_LDFLAGS` as `-ldflags`.
//!
//! Flags that can never give a static executable are rejected before the build
//! (`-buildmode` other than `exe`/`default`, `-linkshared`), as is `-o` (the buildpack places
//! the binaries) and `-C`. Everything else is passed on: whether a binary is static is decided by
//! the ELF check after the build, not by guessing from flags (e.g. `-ldflags=-linkmode=external`
//! with cgo is static only with `-extldflags=-static`).

use std::fmt;
use untrusted_input::quoted;

pub(crate) const BP_GO_BUILD_FLAGS: &str = "BP_GO_BUILD_FLAGS";
pub(crate) const BP_GO_BUILD_LDFLAGS: &str = "BP_GO_BUILD_LDFLAGS";

/// `go build` flags that take a value (`-name value` or `-name=value`).
const VALUE_FLAGS: [&str; 19] = [
    "C",
    "asmflags",
    "buildmode",
    "compiler",
    "covermode",
    "coverpkg",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "mod",
    "modfile",
    "o",
    "overlay",
    "p",
    "pgo",
    "pkgdir",
    "tags",
    "toolexec",
];

/// A build flag setting the buildpack cannot use (a user error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagError {
    pub(crate) variable: &'static str,
    pub(crate) value: String,
    pub(crate) reason: String,
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={}: {}",
            self.variable,
            quoted(&self.value),
            self.reason
        )
    }
}

/// Splits like a POSIX shell (without expansions): whitespace separates words; single quotes
/// keep everything; double quotes keep everything but `\"`, `\\`, `\$` and `` \` ``; a backslash
/// outside quotes keeps the next character.
///
/// # Errors
/// An unterminated quote or a trailing backslash.
pub(crate) fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a single quote (') is not closed".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("a double quote (\") is not closed".to_string()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a double quote (\") is not closed".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("it ends with a backslash".to_string()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// One flag: `name` without dashes, the value if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flag {
    pub(crate) name: String,
    pub(crate) value: Option<String>,
}

impl Flag {
    fn new(name: &str, value: Option<&str>) -> Self {
        Self {
            name: name.to_string(),
            value: value.map(ToString::to_string),
        }
    }

    /// `-name` or `-name=value` (one argument, so values with spaces stay whole).
    pub(crate) fn argument(&self) -> String {
        match &self.value {
            Some(value) => format!("-{}={value}", self.name),
            None => format!("-{}", self.name),
        }
    }
}

fn parse_flags(
    words: &[String],
    error: &dyn Fn(String) -> FlagError,
) -> Result<Vec<Flag>, FlagError> {
    let mut flags = Vec::new();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let Some(body) = word
            .strip_prefix("--")
            .or_else(|| word.strip_prefix('-'))
            .filter(|body| !body.is_empty() && !body.starts_with('-'))
        else {
            return Err(error(format!(
                "{} is not a flag; build flags only (choose the packages to build with BP_GO_TARGETS)",
                quoted(word)
            )));
        };
        let flag = match body.split_once('=') {
            Some((name, value)) => Flag::new(name, Some(value)),
            None if VALUE_FLAGS.contains(&body) => match words.next() {
                Some(value) => Flag::new(body, Some(value)),
                None => return Err(error(format!("-{body} needs a value"))),
            },
            None => Flag::new(body, None),
        };
        flags.push(flag);
    }
    Ok(flags)
}

/// Rejects what cannot give a static executable in the buildpack's place.
fn check_flag(flag: &Flag, error: &dyn Fn(String) -> FlagError) -> Result<(), FlagError> {
    match (flag.name.as_str(), flag.value.as_deref()) {
        ("buildmode", Some("exe" | "default")) => Ok(()),
        ("buildmode", Some(mode)) => Err(error(format!(
            "-buildmode={mode} cannot give a static executable{}; the static run image has no \
             dynamic loader and no libc. Leave -buildmode out (the buildpack builds with \
             -buildmode=exe)",
            if mode == "pie" {
                " (Go links a PIE dynamically: it needs the dynamic loader)"
            } else {
                ""
            }
        ))),
        ("linkshared", value) if value != Some("false") => Err(error(
            "-linkshared links against shared Go libraries, which the static run image does \
             not have; remove it"
                .to_string(),
        )),
        ("o", _) => Err(error(
            "-o: the buildpack writes one binary per target into its launch layer; remove -o \
             (the binary is named after the target's directory)"
                .to_string(),
        )),
        ("C", _) => Err(error(
            "-C: the buildpack builds from the app directory; name the packages with \
             BP_GO_TARGETS instead"
                .to_string(),
        )),
        _ => Ok(()),
    }
}

/// The `go build` arguments before `-o` and the package: `-buildmode=exe` and `-trimpath`
/// (unless the user gave them), the user's flags, and `-ldflags=<BP_GO_BUILD_LDFLAGS>` (which
/// replaces an `-ldflags` of `BP_GO_BUILD_FLAGS`, as in Paketo's go-build).
///
/// # Errors
/// A value that does not split, a word that is not a flag, a flag that defeats a static build.
pub(crate) fn build_arguments(
    build_flags: Option<&str>,
    ldflags: Option<&str>,
) -> Result<Vec<String>, FlagError> {
    let build_flags = build_flags.unwrap_or_default();
    let error = |reason: String| FlagError {
        variable: BP_GO_BUILD_FLAGS,
        value: build_flags.to_string(),
        reason,
    };
    let words =
        split_words(build_flags).map_err(|reason| error(format!("cannot split it: {reason}")))?;
    let mut flags = parse_flags(&words, &error)?;
    for flag in &flags {
        check_flag(flag, &error)?;
    }
    if let Some(ldflags) = ldflags.filter(|value| !value.trim().is_empty()) {
        flags.retain(|flag| flag.name != "ldflags");
        flags.push(Flag::new("ldflags", Some(ldflags)));
    }
    let mut arguments = Vec::new();
    if !flags.iter().any(|flag| flag.name == "buildmode") {
        arguments.push("-buildmode=exe".to_string());
    }
    if !flags.iter().any(|flag| flag.name == "trimpath") {
        arguments.push("-trimpath".to_string());
    }
    arguments.extend(flags.iter().map(Flag::argument));
    Ok(arguments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split_words(text).unwrap()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(words(""), Vec::<String>::new());
        assert_eq!(words("  -v   -x "), ["-v", "-x"]);
        assert_eq!(
            words(r#"-ldflags="-X main.version=1.0 -s" -tags 'a b'"#),
            ["-ldflags=-X main.version=1.0 -s", "-tags", "a b"]
        );
        assert_eq!(
            words(r#"a\ b "c\"d" 'e\f' "g\h""#),
            ["a b", "c\"d", "e\\f", "g\\h"]
        );
        assert_eq!(words("''"), [""]);
        assert_eq!(words("$HOME"), ["$HOME"]);
        assert_eq!(
            split_words("-ldflags='-s").unwrap_err(),
            "a single quote (') is not closed"
        );
        assert_eq!(
            split_words("\"-s").unwrap_err(),
            "a double quote (\") is not closed"
        );
        assert_eq!(split_words("-s\\").unwrap_err(), "it ends with a backslash");
    }

    #[test]
    fn default_arguments() {
        assert_eq!(
            build_arguments(None, None).unwrap(),
            ["-buildmode=exe", "-trimpath"]
        );
        assert_eq!(
            build_arguments(Some(""), Some(" ")).unwrap(),
            ["-buildmode=exe", "-trimpath"]
        );
    }

    #[test]
    fn user_flags_are_normalized_and_ldflags_replaced() {
        assert_eq!(
            build_arguments(
                Some(r#"-tags netgo,osusergo -ldflags "-s -w" --race=false -v"#),
                None
            )
            .unwrap(),
            [
                "-buildmode=exe",
                "-trimpath",
                "-tags=netgo,osusergo",
                "-ldflags=-s -w",
                "-race=false",
                "-v"
            ]
        );
        assert_eq!(
            build_arguments(
                Some("-ldflags=-s -buildmode=default -trimpath=false"),
                Some("-X main.version=1.2.3")
            )
            .unwrap(),
            [
                "-buildmode=default",
                "-trimpath=false",
                "-ldflags=-X main.version=1.2.3"
            ]
        );
        assert_eq!(
            build_arguments(Some("-buildmode exe"), None).unwrap(),
            ["-trimpath", "-buildmode=exe"]
        );
    }

    #[test]
    fn rejects_what_defeats_a_static_build() {
        let reason = |flags: &str| build_arguments(Some(flags), None).unwrap_err().reason;
        assert!(reason("-buildmode=pie").starts_with(
            "-buildmode=pie cannot give a static executable (Go links a PIE dynamically"
        ));
        assert!(reason("-buildmode c-shared").starts_with("-buildmode=c-shared cannot give"));
        assert!(reason("-linkshared").starts_with("-linkshared links against shared Go libraries"));
        assert!(build_arguments(Some("-linkshared=false"), None).is_ok());
        assert!(reason("-o out").starts_with("-o: the buildpack writes one binary per target"));
        assert!(reason("-C sub").starts_with("-C: the buildpack builds from the app directory"));
        assert!(reason("./cmd/a").starts_with("\"./cmd/a\" is not a flag"));
        assert!(reason("-").starts_with("\"-\" is not a flag"));
        assert_eq!(reason("-tags"), "-tags needs a value");
        assert_eq!(
            build_arguments(Some("-ldflags='-s"), None)
                .unwrap_err()
                .to_string(),
            "BP_GO_BUILD_FLAGS=\"-ldflags='-s\": cannot split it: a single quote (') is not closed"
        );
    }
}
