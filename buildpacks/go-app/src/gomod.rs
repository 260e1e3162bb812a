//! What the buildpack reads from `go.mod`: the module path, the `go` line and the `toolchain`
//! line.

use crate::version::GoVersion;
use untrusted_input::quoted;

/// The largest `go.mod` read: 4 MiB (large modules' files are tens of KiB).
pub(crate) const MAX_SIZE: u64 = 4 << 20;

/// The parts of `go.mod` the buildpack uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct GoMod {
    /// `module example.com/app`.
    pub(crate) module: Option<String>,
    /// `go 1.26` (the minimum Go version).
    pub(crate) go: Option<GoVersion>,
    /// `toolchain go1.25.14` (`toolchain default` reads as none).
    pub(crate) toolchain: Option<GoVersion>,
}

/// Parses `go.mod`. Other directives (`require`, `replace`, blocks) are skipped.
///
/// # Errors
/// A message naming the line when a `go` or `toolchain` line holds no Go version.
pub(crate) fn parse(text: &str) -> Result<GoMod, String> {
    let mut go_mod = GoMod::default();
    let mut in_block = false;
    for (index, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim();
        // Blocks (`require (`, `replace (`) hold no go or toolchain line.
        if in_block {
            in_block = line != ")";
            continue;
        }
        if line.ends_with('(') {
            in_block = true;
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(verb), Some(argument), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let number = index + 1;
        match verb {
            "module" => go_mod.module = Some(argument.trim_matches('"').to_string()),
            "go" => {
                go_mod.go = Some(
                    GoVersion::parse(argument)
                        .map_err(|error| format!("line {number}: go {error}"))?,
                );
            }
            "toolchain" if argument != "default" => {
                if !argument.starts_with("go") {
                    return Err(format!(
                        "line {number}: toolchain {}: a toolchain is named go<version>, e.g. go1.26.8",
                        quoted(argument)
                    ));
                }
                go_mod.toolchain = Some(
                    GoVersion::parse(argument)
                        .map_err(|error| format!("line {number}: toolchain {error}"))?,
                );
            }
            _ => {}
        }
    }
    Ok(go_mod)
}

fn strip_comment(line: &str) -> &str {
    line.find("//").map_or(line, |at| &line[..at])
}

/// The name `go build` gives the binary of a package: the last element of its import path,
/// skipping a major-version suffix (`example.com/app/v2` builds `app`).
pub(crate) fn binary_name(import_path: &str) -> &str {
    let mut elements = import_path.rsplit('/');
    let last = elements.next().unwrap_or(import_path);
    let is_major_suffix = last.strip_prefix('v').is_some_and(|n| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n != "0" && n != "1"
    });
    match (is_major_suffix, elements.next()) {
        (true, Some(parent)) => parent,
        _ => last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_module_go_and_toolchain() {
        let go_mod = parse(
            "// An app.\nmodule \"example.com/app\" // the path\n\ngo 1.25 // minimum\n\ntoolchain go1.25.14\n\nrequire (\n\tgolang.org/x/text v0.14.0\n\tgo v1\n)\n",
        )
        .unwrap();
        assert_eq!(go_mod.module.as_deref(), Some("example.com/app"));
        assert_eq!(go_mod.go.unwrap().original(), "1.25");
        assert_eq!(go_mod.toolchain.unwrap().original(), "go1.25.14");
    }

    #[test]
    fn missing_lines_and_default_toolchain() {
        let go_mod = parse("module example.com/app\ntoolchain default\n").unwrap();
        assert_eq!(go_mod.go, None);
        assert_eq!(go_mod.toolchain, None);
        assert_eq!(parse("").unwrap(), GoMod::default());
    }

    #[test]
    fn bad_versions_name_the_line() {
        assert_eq!(
            parse("module a\ngo one\n").unwrap_err(),
            "line 2: go \"one\" is not a Go version (expected X.Y.Z, e.g. 1.26.8)"
        );
        assert!(
            parse("module a\ngo 1.25\ntoolchain 1.25.14\n")
                .unwrap_err()
                .starts_with("line 3: toolchain \"1.25.14\": a toolchain is named go<version>")
        );
    }

    #[test]
    fn binary_names() {
        assert_eq!(binary_name("example.com/go-http"), "go-http");
        assert_eq!(binary_name("example.com/app/v2"), "app");
        assert_eq!(binary_name("example.com/app/cmd/a"), "a");
        assert_eq!(binary_name("example.com/app/v1"), "v1");
        assert_eq!(binary_name("app"), "app");
        assert_eq!(binary_name("v2"), "v2");
    }
}
