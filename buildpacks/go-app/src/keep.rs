//! Removing the app's source code from the image after the build, except the files the user
//! keeps with `BP_KEEP_FILES`, as Paketo's go-build does: colon-separated globs relative to
//! the app, compiled by the `globset` crate into one matcher that runs in linear time (no
//! backtracking, whatever the pattern). `*` and `?` do not cross `/`; `**` spans directories
//! (`assets/**`, `**/*.html`); `[a-z]`, `[!a-z]` (or `[^a-z]`) classes; `{a,b}` alternatives;
//! `\` escapes. A kept directory is kept whole.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;
use untrusted_input::quoted;

pub(crate) const BP_KEEP_FILES: &str = "BP_KEEP_FILES";

/// The most patterns `BP_KEEP_FILES` may hold, the longest pattern, and the most wildcards
/// (`*` or `**`, `?`, a `[...]` class, a `{...}` group) in one pattern: compiling and running
/// the matcher costs more for each wildcard (a pattern of a dozen `*` is a large automaton), and
/// these bound that work. Real patterns (`assets/**`, `**/*.{html,css}`) hold two or three.
pub(crate) const MAX_PATTERNS: usize = 100;
pub(crate) const MAX_PATTERN_LENGTH: usize = 1024;
pub(crate) const MAX_WILDCARDS: usize = 8;

/// The `BP_KEEP_FILES` patterns, compiled into one matcher.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeepFiles {
    /// The patterns as given (trimmed, a leading `./` removed), for the log.
    pub(crate) patterns: Vec<String>,
    set: GlobSet,
}

/// Equal patterns compile to equal matchers.
impl PartialEq for KeepFiles {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl Eq for KeepFiles {}

impl KeepFiles {
    /// Whether the app's `path` (relative, `/`-separated) is kept.
    pub(crate) fn keeps(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// A `BP_KEEP_FILES` pattern that is not a glob: the pattern, quoted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError(pub(crate) String);

/// Parses `BP_KEEP_FILES`.
///
/// # Errors
/// A malformed pattern (an unclosed `[` or `{`, a trailing `\`), more than [`MAX_PATTERNS`]
/// patterns, one longer than [`MAX_PATTERN_LENGTH`] or with more than [`MAX_WILDCARDS`]
/// wildcards.
pub(crate) fn parse_patterns(value: Option<&str>) -> Result<KeepFiles, PatternError> {
    let patterns: Vec<String> = value
        .unwrap_or_default()
        .split(':')
        .map(|pattern| pattern.trim().trim_start_matches("./").to_string())
        .filter(|pattern| !pattern.is_empty())
        .collect();
    if patterns.len() > MAX_PATTERNS {
        return Err(PatternError(format!(
            "{} patterns: at most {MAX_PATTERNS} are accepted",
            patterns.len()
        )));
    }
    let mut set = GlobSetBuilder::new();
    for pattern in &patterns {
        if pattern.len() > MAX_PATTERN_LENGTH {
            return Err(PatternError(format!(
                "{} is longer than {MAX_PATTERN_LENGTH} characters",
                quoted(pattern)
            )));
        }
        let wildcards = wildcards(pattern);
        if wildcards > MAX_WILDCARDS {
            return Err(PatternError(format!(
                "{} has {wildcards} wildcards (`*` or `**`, `?`, `[...]`, `{{...}}`): at most \
                 {MAX_WILDCARDS} are accepted in one pattern",
                quoted(pattern)
            )));
        }
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|error| PatternError(format!("{} ({})", quoted(pattern), error.kind())))?;
        set.add(glob);
    }
    let set = set
        .build()
        .map_err(|error| PatternError(format!("the patterns cannot be compiled ({error})")))?;
    Ok(KeepFiles { patterns, set })
}

/// The wildcards of a glob: each run of `*` (`**` is one), `?`, `[...]` class (its contents
/// are literal) and `{` group; `\` escapes the next character. One pass over the pattern.
fn wildcards(pattern: &str) -> usize {
    let mut count = 0;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' => {
                count += 1;
                while chars.next_if_eq(&'*').is_some() {}
            }
            '?' | '{' => count += 1,
            '[' => {
                count += 1;
                // A `]` first in the class (after `!` or `^`) is one of its characters.
                let _ = chars.next_if(|&c| c == '!' || c == '^');
                let _ = chars.next_if_eq(&']');
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    count
}

/// What the removal did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Removal {
    /// Entries removed at the top of the app (files, links, directories).
    pub(crate) removed: usize,
    /// The kept paths that matched a pattern, relative to the app.
    pub(crate) kept: Vec<String>,
}

/// Removes everything in `app_dir` but what `patterns` keep (and the directories leading to it).
/// Symbolic links are removed, never followed.
///
/// # Errors
/// When something cannot be listed or removed.
pub(crate) fn remove_sources(app_dir: &Path, keep: &KeepFiles) -> std::io::Result<Removal> {
    let mut removal = Removal::default();
    prune(app_dir, "", keep, &mut removal, true)?;
    removal.kept.sort();
    Ok(removal)
}

/// Prunes `dir`; returns whether anything in it was kept.
fn prune(
    dir: &Path,
    relative: &str,
    keep: &KeepFiles,
    removal: &mut Removal,
    top: bool,
) -> std::io::Result<bool> {
    let mut kept_any = false;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path_relative = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        if keep.keeps(&path_relative) {
            removal.kept.push(path_relative);
            kept_any = true;
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if prune(&path, &path_relative, keep, removal, false)? {
                kept_any = true;
                continue;
            }
            std::fs::remove_dir(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
        if top {
            removal.removed += 1;
        }
    }
    Ok(kept_any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(value: &str) -> KeepFiles {
        parse_patterns(Some(value)).unwrap()
    }

    #[test]
    fn globs_like_filepath_match_and_more() {
        for (pattern, name, expected) in [
            ("*.html", "index.html", true),
            ("*.html", "static/index.html", false),
            ("static/*", "static/a.css", true),
            ("static/*", "static/css/a.css", false),
            ("static/**", "static/css/a.css", true),
            ("**/*.html", "a/b/c.html", true),
            ("**/*.html", "c.html", true),
            ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false),
            ("?", "/", false),
            ("[a-c]*", "banana", true),
            ("[^a-c]*", "banana", false),
            ("[!a-c]*", "date", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("[]a]", "]", true),
            ("a/b", "a/b", true),
            ("{a,b}.txt", "b.txt", true),
        ] {
            assert_eq!(keep(pattern).keeps(name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn patterns() {
        assert_eq!(keep("./assets/*: :*.md").patterns, ["assets/*", "*.md"]);
        assert!(parse_patterns(None).unwrap().patterns.is_empty());
        assert!(!parse_patterns(None).unwrap().keeps("main.go"));
        for bad in ["[x", "a\\", "{a,b"] {
            let error = parse_patterns(Some(&format!("ok:{bad}"))).unwrap_err();
            assert!(error.0.starts_with(&format!("{bad:?} (")), "{error:?}");
        }
        let many = vec!["a"; MAX_PATTERNS + 1].join(":");
        assert_eq!(
            parse_patterns(Some(&many)).unwrap_err().0,
            "101 patterns: at most 100 are accepted"
        );
        assert!(parse_patterns(Some(&vec!["a"; MAX_PATTERNS].join(":"))).is_ok());
        let long = "a".repeat(MAX_PATTERN_LENGTH + 1);
        assert!(
            parse_patterns(Some(&long))
                .unwrap_err()
                .0
                .ends_with("is longer than 1024 characters")
        );
    }

    /// Issue 13 item 6: a dozen `*` against a long name backtracked exponentially (hours); the
    /// most wildcards a pattern may hold now match in one pass (a hang guard, not a clock).
    #[test]
    fn matching_takes_linear_time() {
        let (matched, removed) = cnb_harness::within_hang_guard("BP_KEEP_FILES matching", || {
            let pattern = format!("{}b", "*a".repeat(MAX_WILDCARDS));
            let keep = parse_patterns(Some(&pattern)).unwrap();
            let name = "a".repeat(200);
            let app = tempfile::tempdir().unwrap();
            std::fs::write(app.path().join(&name), "x").unwrap();
            let matched = keep.keeps(&name);
            (matched, remove_sources(app.path(), &keep).unwrap().removed)
        });
        assert!(!matched);
        assert_eq!(removed, 1);
    }

    #[test]
    fn wildcards_are_counted_as_the_glob_reads_them() {
        for (pattern, expected) in [
            ("README.md", 0),
            ("assets/**", 1),
            ("**/*.{html,css}", 3),
            ("?[a-c]*", 3),
            ("[*?{]", 1),
            ("[]*]x", 1),
            ("[!]*]*", 2),
            ("\\*\\?\\[\\{", 0),
            ("***a*", 2),
        ] {
            assert_eq!(wildcards(pattern), expected, "{pattern}");
        }
    }

    /// Issue 21: the fuzz target's 1,140 bytes of patterns with a dozen `*` each took over a
    /// second to compile and match in a loaded debug build. Such a pattern is now refused
    /// before anything is compiled: one pass over its characters.
    #[test]
    fn patterns_with_many_wildcards_are_refused_before_compiling() {
        let fuzzed = "*a*a*\\a*a*a\\*a*a*a*a*a*a*a*b:[!x]a*a*a*a*a*a*b:[!x]".repeat(20);
        assert!(fuzzed.len() > 1_000);
        assert_eq!(
            parse_patterns(Some(&fuzzed)).unwrap_err().0,
            "\"*a*a*\\\\a*a*a\\\\*a*a*a*a*a*a*a*b\" has 12 wildcards (`*` or `**`, `?`, `[...]`, \
             `{...}`): at most 8 are accepted in one pattern"
        );
        let most = format!("[!x]{}b", "*a".repeat(MAX_WILDCARDS - 1));
        assert_eq!(wildcards(&most), MAX_WILDCARDS);
        assert!(parse_patterns(Some(&most)).is_ok());
        assert!(parse_patterns(Some(&format!("{most}*"))).is_err());
    }

    #[test]
    fn removes_all_but_the_kept_files() {
        let app = tempfile::tempdir().unwrap();
        let write = |path: &str| {
            let path = app.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        };
        for path in [
            "main.go",
            "go.mod",
            "README.md",
            "assets/logo.png",
            "assets/css/site.css",
            "templates/index.html",
            "templates/deep/page.html",
            "cmd/a/main.go",
        ] {
            write(path);
        }
        std::os::unix::fs::symlink("/etc", app.path().join("link")).unwrap();
        let removal = remove_sources(app.path(), &keep("assets:templates/*.html:*.md")).unwrap();
        assert_eq!(
            removal.kept,
            ["README.md", "assets", "templates/index.html"]
        );
        assert_eq!(removal.removed, 4); // main.go, go.mod, cmd, link
        let mut left: Vec<String> = Vec::new();
        let mut pending = vec![app.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path.clone());
                }
                left.push(
                    path.strip_prefix(app.path())
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
        left.sort();
        assert_eq!(
            left,
            [
                "README.md",
                "assets",
                "assets/css",
                "assets/css/site.css",
                "assets/logo.png",
                "templates",
                "templates/index.html"
            ]
        );
        assert!(std::path::Path::new("/etc").is_dir());
    }

    #[test]
    fn removes_everything_without_patterns() {
        let app = tempfile::tempdir().unwrap();
        std::fs::create_dir(app.path().join("cmd")).unwrap();
        std::fs::write(app.path().join("cmd/x.go"), "x").unwrap();
        std::fs::write(app.path().join("go.mod"), "x").unwrap();
        let removal = remove_sources(app.path(), &KeepFiles::default()).unwrap();
        assert_eq!(removal.removed, 2);
        assert_eq!(std::fs::read_dir(app.path()).unwrap().count(), 0);
    }
}
